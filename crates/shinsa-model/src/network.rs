//! What the network showed: connections and devices seen in flow logs and
//! DHCP/ARP tables, tied to register assets by address where they are
//! registered. `shinsa-net` builds them; the resolver and the policy treat
//! them like declared items, so the pack decides their severity.

use crate::{CountryCode, PartyRef};
use serde::{Deserialize, Serialize};

/// Network evidence attached to a register.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub connections: Vec<ObservedConnection>,
    pub devices: Vec<ObservedDevice>,
}

impl Observed {
    /// Whether nothing was observed (a register read without network logs).
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty() && self.devices.is_empty()
    }
}

/// Traffic from one source to one destination country and network
/// operator, summed over every flow seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedConnection {
    /// `source→country/ASN`, stable across runs on the same data.
    pub id: String,
    /// The source address as seen.
    pub source_ip: String,
    /// The register asset whose IP or MAC the source has.
    pub source_asset: Option<String>,
    /// Where the destination is, by the geolocation dataset.
    pub destination_country: Option<CountryCode>,
    pub asn: Option<u32>,
    /// The autonomous system's organisation as the ASN dataset names it.
    pub network_org: Option<String>,
    /// The data-centre provider the ASN belongs to (shipped table).
    pub provider: Option<String>,
    /// The provider's ultimate parent company, screened like any party.
    pub provider_parent: Option<PartyRef>,
    /// The parent company's country (Alibaba Cloud in Frankfurt: CN).
    pub provider_country: Option<CountryCode>,
    /// One destination address of this connection, for the evidence.
    pub example_destination: String,
    pub bytes: u64,
    pub flows: u64,
    /// First and last flow start, RFC 3339 (UTC).
    pub first_seen: String,
    pub last_seen: String,
    /// Which dataset of which date answered each lookup.
    pub answered_by: Vec<String>,
}

/// A device seen on the network (by MAC), with the hardware vendor its
/// address was assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedDevice {
    /// The MAC address (lower-case, colon-separated).
    pub id: String,
    /// Lower-case, colon-separated.
    pub mac: String,
    pub ip: Option<String>,
    pub hostname: Option<String>,
    /// The organisation the MAC's OUI is registered to, screened as a party.
    pub vendor: Option<PartyRef>,
    /// The register asset with this MAC (or, failing that, this IP).
    pub asset: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    /// The log the device was seen in.
    pub seen_in: String,
    pub answered_by: Vec<String>,
}

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
    /// Who opened it: the source (outbound, the default), or the remote
    /// side (inbound: the source answered; `destination_*` then describe
    /// where the traffic came from).
    #[serde(default, skip_serializing_if = "Direction::is_outbound")]
    pub direction: Direction,
    /// For inbound traffic, the source's port that answered (its service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_port: Option<u16>,
    /// What kind of network the remote side is on (`hosting`, `access`,
    /// `transit`, `education`, `unknown`), from `data/network_kinds.csv`
    /// and the provider table.
    #[serde(default = "unknown_kind")]
    pub network_kind: String,
}

fn unknown_kind() -> String {
    "unknown".to_owned()
}

/// Who opened an observed connection.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The operator's host opened it.
    #[default]
    Outbound,
    /// The remote side opened it and the operator's host answered.
    Inbound,
}

impl Direction {
    pub fn is_outbound(&self) -> bool {
        *self == Direction::Outbound
    }
}

impl ObservedConnection {
    /// Whether the remote side is a data centre: a hosting network, or a
    /// cloud, CDN or security provider of the provider table.
    pub fn remote_is_datacentre(&self) -> bool {
        self.network_kind == "hosting"
    }
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

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare
/// address is a range of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: std::net::IpAddr,
    prefix: u8,
}

impl Cidr {
    /// A range, or what was expected instead.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: std::net::IpAddr = address
            .parse()
            .map_err(|_| "an address range such as 10.0.0.0/8".to_owned())?;
        let most = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= most)
                .ok_or_else(|| format!("a prefix length from 0 to {most} after the address"))?,
        };
        Ok(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let bits = |ip: std::net::IpAddr| -> (u128, u32) {
            match ip {
                std::net::IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                std::net::IpAddr::V6(v6) => (u128::from(v6), 128),
            }
        };
        let ip = match ip {
            std::net::IpAddr::V6(v6) if self.network.is_ipv4() => match v6.to_ipv4_mapped() {
                Some(v4) => std::net::IpAddr::V4(v4),
                None => return false,
            },
            other => other,
        };
        let ((network, width), (address, other_width)) = (bits(self.network), bits(ip));
        if width != other_width {
            return false;
        }
        let shift = width - u32::from(self.prefix);
        shift >= 128 || network.checked_shr(shift) == address.checked_shr(shift)
    }

    /// Ranges written as a TOML array (`["10.0.0.0/8", "203.0.113.0/24"]`)
    /// or a `;`/`,`-separated cell; an error names the item and what was
    /// expected.
    pub fn parse_list(text: &str) -> Result<Vec<Cidr>, (String, String)> {
        text.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split([',', ';', '\n'])
            .map(|item| item.trim().trim_matches(['"', '\'']).trim())
            .filter(|item| !item.is_empty())
            .map(|item| Cidr::parse(item).map_err(|expected| (item.to_owned(), expected)))
            .collect()
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod cidr_tests {
    use super::Cidr;

    #[test]
    fn ranges_contain_what_they_should() {
        let ok = |text: &str| Cidr::parse(text).unwrap_or_else(|e| unreachable!("{e}"));
        let ip = |text: &str| text.parse().unwrap_or_else(|e| unreachable!("{e}"));
        assert!(ok("10.0.0.0/8").contains(ip("10.200.1.1")));
        assert!(!ok("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(ok("203.0.113.7").contains(ip("203.0.113.7")));
        assert!(!ok("203.0.113.7").contains(ip("203.0.113.8")));
        assert!(ok("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(ok("2001:db8::/32").contains(ip("2001:db8:1::5")));
        assert!(!ok("2001:db8::/32").contains(ip("10.0.0.1")));
        assert!(ok("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("intranet").is_err());
        let list = Cidr::parse_list(r#"["10.0.0.0/8", "203.0.113.0/24"]"#);
        assert_eq!(list.map(|l| l.len()), Ok(2));
        assert_eq!(
            Cidr::parse_list("10.0.0.0/8; 192.0.2.1").map(|l| l.len()),
            Ok(2)
        );
    }
}

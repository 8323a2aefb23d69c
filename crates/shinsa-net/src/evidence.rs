//! Flows and sightings summed as they stream past (memory grows with the
//! number of distinct sources × destinations and devices, not records),
//! then tied to the register's assets by IP and MAC.

use crate::lookup::{Destination, Located, Lookups};
use crate::read::Sink;
use crate::record::{Flow, Mac, Sighting};
use shinsa_model::{
    CountryCode, Inventory, Observed, ObservedConnection, ObservedDevice, PartyRef,
};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

#[derive(Debug, Clone)]
struct Tally {
    bytes: u64,
    flows: u64,
    first: f64,
    last: f64,
    example: IpAddr,
    mac: Option<Mac>,
}

#[derive(Debug, Clone)]
struct DeviceTally {
    ip: Option<IpAddr>,
    hostname: Option<String>,
    first: f64,
    last: f64,
    seen_in: String,
}

/// Counts a run reports beside its findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub flows: u64,
    pub sightings: u64,
    /// Flows to private, loopback, link-local, multicast or shared
    /// addresses: inside the operator's network, not summed.
    pub internal_flows: u64,
    /// Sightings of locally administered (randomised) or group MACs: they
    /// name no vendor and are left alone.
    pub randomised_macs: u64,
}

/// Source, destination country and AS number packed into two integers, so
/// that the per-flow hash is two words (the derived hash of an `IpAddr`
/// tuple was a fifth of the time; `bench/net`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ConnectionKey {
    source: u128,
    /// Country letters in bits 32..48, a set bit 48 when the AS is known,
    /// the AS number in bits 0..32.
    place: u64,
}

impl ConnectionKey {
    fn new(src: IpAddr, located: Located) -> Self {
        let source = match src {
            IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
            IpAddr::V6(v6) => u128::from(v6),
        };
        let country = located.country.map_or(0, |code| {
            let [a, b] = code.as_str().as_bytes() else {
                return 0;
            };
            u64::from(*a) << 8 | u64::from(*b)
        });
        let asn = located.asn.map_or(0, |asn| 1 << 48 | u64::from(asn));
        ConnectionKey {
            source,
            place: country << 32 | asn,
        }
    }

    fn source(self) -> IpAddr {
        let v6 = std::net::Ipv6Addr::from(self.source);
        v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
    }

    fn country(self) -> Option<CountryCode> {
        let letters = [(self.place >> 40) as u8, (self.place >> 32) as u8];
        std::str::from_utf8(&letters)
            .ok()
            .and_then(|text| CountryCode::parse(text).ok())
    }

    fn asn(self) -> Option<u32> {
        (self.place & 1 << 48 != 0).then_some(self.place as u32)
    }
}

/// Sums flows per source × destination country × network, and devices per
/// MAC address.
pub struct Evidence<'a> {
    lookups: &'a Lookups,
    connections: HashMap<ConnectionKey, Tally, foldhash::fast::RandomState>,
    devices: HashMap<Mac, DeviceTally>,
    /// Recent destinations and where they are: a direct-mapped table of
    /// fixed size (traffic repeats its destinations; memory stays flat).
    recent: Vec<Option<(IpAddr, Located)>>,
    file: String,
    pub summary: Summary,
}

impl std::fmt::Debug for Evidence<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evidence")
            .field("connections", &self.connections.len())
            .field("devices", &self.devices.len())
            .field("summary", &self.summary)
            .finish()
    }
}

/// Whether an address is on the public internet (not RFC 1918, shared
/// 100.64/10, loopback, link-local, multicast, documentation or unique local).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

fn rfc3339(seconds: f64) -> String {
    let nanos = (seconds * 1e9) as i128;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{seconds}"))
}

/// Slots of the recent-destination table (a power of two).
const RECENT_SLOTS: usize = 1 << 16;

impl<'a> Evidence<'a> {
    fn locate(&mut self, ip: IpAddr) -> Located {
        let hash = match ip {
            IpAddr::V4(v4) => u64::from(u32::from(v4)),
            IpAddr::V6(v6) => {
                let bits = u128::from(v6);
                (bits as u64) ^ ((bits >> 64) as u64)
            }
        };
        let slot = (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48) as usize % RECENT_SLOTS;
        if let Some(Some((seen, located))) = self.recent.get(slot)
            && *seen == ip
        {
            return *located;
        }
        let located = self.lookups.locate(ip);
        if let Some(entry) = self.recent.get_mut(slot) {
            *entry = Some((ip, located));
        }
        located
    }

    pub fn new(lookups: &'a Lookups) -> Self {
        Evidence {
            lookups,
            connections: HashMap::default(),
            devices: HashMap::new(),
            recent: vec![None; RECENT_SLOTS],
            file: String::new(),
            summary: Summary::default(),
        }
    }

    /// Names the file the next records come from (for `seen_in`).
    pub fn set_file(&mut self, file: &str) {
        self.file = file.to_owned();
    }

    /// Connections and devices, tied to the register's assets.
    pub fn observed(&self, inventory: &Inventory) -> Observed {
        let by_ip: HashMap<IpAddr, &str> = inventory
            .assets
            .iter()
            .filter_map(|asset| {
                Some((asset.ip.as_deref()?.trim().parse().ok()?, asset.id.as_str()))
            })
            .collect();
        let by_mac: HashMap<Mac, &str> = inventory
            .assets
            .iter()
            .filter_map(|asset| Some((Mac::parse(asset.mac.as_deref()?)?, asset.id.as_str())))
            .collect();
        let labels = self.lookups.labels();
        let answered = |role: &str| -> Vec<String> {
            labels
                .iter()
                .filter(|label| label.starts_with(role))
                .cloned()
                .collect()
        };

        // Networks of one provider are one connection.
        let mut grouped: BTreeMap<(IpAddr, Option<CountryCode>, String), (Tally, Destination)> =
            BTreeMap::new();
        for (key, tally) in &self.connections {
            let (src, country, asn) = (key.source(), key.country(), key.asn());
            let destination = self.lookups.destination(tally.example);
            let operator = match (&destination.provider, &destination.network) {
                (Some(provider), _) => provider.name.clone(),
                (None, Some((number, org))) => format!("AS{number} {org}"),
                (None, None) => {
                    asn.map_or_else(|| "unknown network".to_owned(), |n| format!("AS{n}"))
                }
            };
            grouped
                .entry((src, country, operator))
                .and_modify(|(sum, _)| {
                    sum.bytes += tally.bytes;
                    sum.flows += tally.flows;
                    sum.first = sum.first.min(tally.first);
                    sum.last = sum.last.max(tally.last);
                    sum.mac = sum.mac.or(tally.mac);
                })
                .or_insert_with(|| (tally.clone(), destination));
        }
        let mut connection_labels = answered("country");
        connection_labels.extend(answered("network"));
        connection_labels.extend(answered("provider"));
        let connections = grouped
            .into_iter()
            .map(|((src, country, operator), (tally, destination))| {
                let asset = tally
                    .mac
                    .and_then(|mac| by_mac.get(&mac))
                    .or_else(|| by_ip.get(&src))
                    .map(|id| (*id).to_owned());
                let provider = destination.provider.as_ref();
                ObservedConnection {
                    id: format!(
                        "{src}→{}/{operator}",
                        country.map_or_else(|| "unknown".to_owned(), |c| c.to_string())
                    ),
                    source_ip: src.to_string(),
                    source_asset: asset,
                    destination_country: country,
                    asn: destination.network.as_ref().map(|(n, _)| *n),
                    network_org: destination.network.as_ref().map(|(_, org)| org.clone()),
                    provider: provider.map(|p| p.name.clone()),
                    provider_parent: provider.map(|p| PartyRef::Text(p.parent.clone())),
                    provider_country: provider.map(|p| p.parent_country),
                    example_destination: tally.example.to_string(),
                    bytes: tally.bytes,
                    flows: tally.flows,
                    first_seen: rfc3339(tally.first),
                    last_seen: rfc3339(tally.last),
                    answered_by: connection_labels.clone(),
                }
            })
            .collect();

        let vendor_labels = answered("MAC vendor");
        let mut devices: Vec<ObservedDevice> = self
            .devices
            .iter()
            .map(|(mac, tally)| ObservedDevice {
                id: mac.to_string(),
                mac: mac.to_string(),
                ip: tally.ip.map(|ip| ip.to_string()),
                hostname: tally.hostname.clone(),
                vendor: self.lookups.vendor(*mac).map(PartyRef::Text),
                asset: by_mac
                    .get(mac)
                    .or_else(|| tally.ip.and_then(|ip| by_ip.get(&ip)))
                    .map(|id| (*id).to_owned()),
                first_seen: rfc3339(tally.first),
                last_seen: rfc3339(tally.last),
                seen_in: tally.seen_in.clone(),
                answered_by: vendor_labels.clone(),
            })
            .collect();
        devices.sort_by(|a, b| a.mac.cmp(&b.mac));
        Observed {
            connections,
            devices,
        }
    }
}

impl Sink for Evidence<'_> {
    fn flow(&mut self, flow: Flow) {
        self.summary.flows += 1;
        if let Some(mac) = flow.src_mac {
            self.sighting(Sighting {
                time: flow.start,
                mac,
                ip: Some(flow.src),
                hostname: None,
            });
        }
        if !is_public(flow.dst) {
            self.summary.internal_flows += 1;
            return;
        }
        let located = self.locate(flow.dst);
        let key = ConnectionKey::new(flow.src, located);
        let tally = self.connections.entry(key).or_insert_with(|| Tally {
            bytes: 0,
            flows: 0,
            first: flow.start,
            last: flow.start,
            example: flow.dst,
            mac: None,
        });
        tally.bytes = tally.bytes.saturating_add(flow.bytes);
        tally.flows += 1;
        tally.first = tally.first.min(flow.start);
        tally.last = tally.last.max(flow.start);
        tally.mac = tally.mac.or(flow.src_mac);
    }

    fn sighting(&mut self, sighting: Sighting) {
        self.summary.sightings += 1;
        if !sighting.mac.is_vendor_assigned() {
            self.summary.randomised_macs += 1;
            return;
        }
        let file = &self.file;
        let tally = self
            .devices
            .entry(sighting.mac)
            .or_insert_with(|| DeviceTally {
                ip: None,
                hostname: None,
                first: sighting.time,
                last: sighting.time,
                seen_in: file.clone(),
            });
        if sighting.time >= tally.last || tally.ip.is_none() {
            tally.ip = sighting.ip.or(tally.ip);
        }
        if sighting.hostname.is_some() {
            tally.hostname = sighting.hostname;
        }
        tally.first = tally.first.min(sighting.time);
        tally.last = tally.last.max(sighting.time);
        if !tally.seen_in.split(", ").any(|seen| seen == file) {
            tally.seen_in = format!("{}, {file}", tally.seen_in);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn connection_keys_give_back_what_they_pack() {
        let places = [
            Located {
                country: CountryCode::parse("HK").ok(),
                asn: Some(45_102),
            },
            Located {
                country: None,
                asn: Some(0),
            },
            Located {
                country: CountryCode::parse("JP").ok(),
                asn: None,
            },
            Located::default(),
        ];
        for src in ["10.20.1.5", "2001:db8::5", "::ffff:10.0.0.1"] {
            let src: IpAddr = src.parse().unwrap();
            for located in places {
                let key = ConnectionKey::new(src, located);
                let expected_src = match src {
                    IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(src, IpAddr::V4),
                    IpAddr::V4(_) => src,
                };
                assert_eq!(key.source(), expected_src);
                assert_eq!((key.country(), key.asn()), (located.country, located.asn));
            }
        }
        assert!(is_public("103.135.210.100".parse().unwrap()));
        for inside in [
            "10.1.2.3",
            "100.64.0.1",
            "169.254.1.1",
            "224.0.0.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(!is_public(inside.parse().unwrap()), "{inside}");
        }
    }
}

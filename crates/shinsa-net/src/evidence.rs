//! Flows and sightings summed as they stream past (memory grows with the
//! number of distinct sources × destinations and devices, not records),
//! then tied to the register's assets by IP and MAC.

use crate::lookup::{Destination, Located, Lookups};
use crate::read::Sink;
use crate::record::{Exchange, Flow, Mac, Opener, Sighting};
use shinsa_model::{
    Cidr, CountryCode, Direction, Inventory, Observed, ObservedConnection, ObservedDevice, PartyRef,
};
use std::collections::{BTreeMap, HashMap, HashSet};
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

impl DeviceTally {
    /// A sighting at `time` (or the last of a chunk's): the newest address
    /// and hostname win, and the file is added to where it was seen.
    fn note(&mut self, time: f64, ip: Option<IpAddr>, hostname: Option<String>, file: &str) {
        if time >= self.last || self.ip.is_none() {
            self.ip = ip.or(self.ip);
        }
        if hostname.is_some() {
            self.hostname = hostname;
        }
        self.last = self.last.max(time);
        if !self.seen_in.split(", ").any(|seen| seen == file) {
            self.seen_in = format!("{}, {file}", self.seen_in);
        }
    }
}

/// Counts a run reports beside its findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub flows: u64,
    pub sightings: u64,
    /// Flows between two of the operator's own addresses: not summed.
    pub internal_flows: u64,
    /// Flows the operator's hosts opened to the outside and that were
    /// answered: the connections the rules judge.
    pub outbound_flows: u64,
    /// Flows the outside opened towards the operator (scans, probes, and
    /// the traffic of public services), summed by source network.
    pub inbound_flows: u64,
    /// Of those, flows the operator's host answered with payload.
    pub answered_inbound_flows: u64,
    /// Exchanges that are no connection to anything: ICMP (unreachable
    /// replies, pings), attempts never answered, resets.
    pub control_flows: u64,
    /// Flows between two addresses neither of which is the operator's (by
    /// its ranges, the private ranges and its assets' addresses): give
    /// `[network] internal` to place them.
    pub unplaced_flows: u64,
    /// Sightings of locally administered (randomised) or group MACs: they
    /// name no vendor and are left alone.
    pub randomised_macs: u64,
}

/// Which addresses are the operator's: the private ranges (RFC 1918,
/// 4193 and the like), its `[network] internal` ranges and its register
/// assets' addresses; and which of its hosts are meant to be public.
#[derive(Debug, Clone, Default)]
pub struct Locality {
    internal: Vec<Cidr>,
    public: Vec<Cidr>,
    assets: HashSet<IpAddr>,
}

impl Locality {
    /// From the register (its ranges were checked when it was read).
    pub fn of(inventory: &Inventory) -> Locality {
        let parse = |ranges: &[String]| -> Vec<Cidr> {
            ranges
                .iter()
                .filter_map(|range| Cidr::parse(range).ok())
                .collect()
        };
        Locality {
            internal: parse(&inventory.operator.internal_networks),
            public: parse(&inventory.operator.public_networks),
            assets: inventory
                .assets
                .iter()
                .filter_map(|asset| asset.ip.as_deref()?.trim().parse().ok())
                .collect(),
        }
    }

    /// Whether an address is the operator's.
    pub fn is_own(&self, ip: IpAddr) -> bool {
        !is_public(ip)
            || self.assets.contains(&ip)
            || self.internal.iter().any(|range| range.contains(ip))
            || self.public.iter().any(|range| range.contains(ip))
    }

    /// Whether a host of the operator is meant to answer the Internet.
    pub fn is_public_host(&self, ip: IpAddr) -> bool {
        self.public.iter().any(|range| range.contains(ip))
    }
}

/// What a flow is, from the operator's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Traffic {
    /// The operator's host opened it and was answered (or the log cannot
    /// say it was not).
    Outbound {
        local: IpAddr,
        remote: IpAddr,
    },
    /// The outside opened it; `answered` when the host replied with payload.
    Inbound {
        local: IpAddr,
        remote: IpAddr,
        port: u16,
        answered: bool,
    },
    Internal,
    Control,
    Unplaced,
}

/// Classifies a flow: who opened it (the log's word, else the ports: a
/// record from a well-known port to a high one is the answer of a server),
/// whose addresses the two ends are, and whether anything was said.
fn classify(flow: &Flow, locality: &Locality) -> Traffic {
    if matches!(flow.proto, 1 | 58) {
        return Traffic::Control;
    }
    let answer_record = match flow.opener {
        Opener::Source => false,
        Opener::Destination => true,
        Opener::Unknown => (1..1024).contains(&flow.src_port) && flow.dst_port >= 1024,
    };
    // (opener, responder, responder's port, bytes the responder sent)
    let (opener, responder, port, sent, opener_local, responder_local) = if answer_record {
        (
            flow.dst,
            flow.src,
            flow.src_port,
            Some(flow.bytes),
            flow.dst_local,
            flow.src_local,
        )
    } else {
        (
            flow.src,
            flow.dst,
            flow.dst_port,
            flow.dst_bytes,
            flow.src_local,
            flow.dst_local,
        )
    };
    // The sensor's word adds to the operator's ranges, never takes from
    // them: Zeek's local_nets is often incomplete, and a private address is
    // never on the Internet.
    let opener_own = opener_local == Some(true) || locality.is_own(opener);
    let responder_own = responder_local == Some(true) || locality.is_own(responder);
    let refused = matches!(flow.exchange, Exchange::Unanswered | Exchange::Refused);
    match (opener_own, responder_own) {
        (true, true) => Traffic::Internal,
        (true, false) if refused => Traffic::Control,
        (true, false) => Traffic::Outbound {
            local: opener,
            remote: responder,
        },
        (false, true) => Traffic::Inbound {
            local: responder,
            remote: opener,
            port,
            answered: !refused && sent.unwrap_or(0) > 0,
        },
        (false, false) => Traffic::Unplaced,
    }
}

/// Inbound traffic from one network: how much, from how many addresses.
#[derive(Debug, Clone)]
struct InboundTally {
    flows: u64,
    answered: u64,
    /// Every source address (memory grows with distinct addresses, as the
    /// connection table does, never with records).
    sources: HashSet<IpAddr>,
    first: f64,
    last: f64,
    example: IpAddr,
}

/// Inbound traffic from one network, as reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InboundSource {
    pub country: Option<CountryCode>,
    pub asn: Option<u32>,
    pub network: Option<String>,
    /// The network's kind (`hosting`, `access`, …, `unknown`).
    pub kind: String,
    pub flows: u64,
    /// Flows the operator's hosts answered with payload.
    pub answered: u64,
    /// Distinct source addresses.
    pub sources: u64,
    pub first_seen: String,
    pub last_seen: String,
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
    locality: Locality,
    connections: HashMap<ConnectionKey, Tally, foldhash::fast::RandomState>,
    /// Answered inbound traffic per local host, remote place and port.
    exposures: HashMap<(ConnectionKey, u16), Tally, foldhash::fast::RandomState>,
    inbound: HashMap<Located, InboundTally, foldhash::fast::RandomState>,
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

    /// Evidence for a register whose addresses `locality` knows.
    pub fn new(lookups: &'a Lookups, locality: Locality) -> Self {
        Evidence {
            lookups,
            locality,
            connections: HashMap::default(),
            exposures: HashMap::default(),
            inbound: HashMap::default(),
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

        // Networks of one provider are one connection; an exposure is
        // keyed by its port too (0 for outbound).
        type Group = (IpAddr, Option<CountryCode>, String, Direction, u16);
        let mut grouped: BTreeMap<Group, (Tally, Destination)> = BTreeMap::new();
        let outbound = self
            .connections
            .iter()
            .map(|(key, tally)| (key, tally, Direction::Outbound, 0));
        let inbound = self
            .exposures
            .iter()
            .map(|((key, port), tally)| (key, tally, Direction::Inbound, *port));
        for (key, tally, direction, port) in outbound.chain(inbound) {
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
                .entry((src, country, operator, direction, port))
                .and_modify(|(sum, _)| sum.absorb(tally.clone()))
                .or_insert_with(|| (tally.clone(), destination));
        }
        let mut connection_labels = answered("country");
        connection_labels.extend(answered("network"));
        connection_labels.extend(answered("provider"));
        connection_labels.extend(answered("data-centre"));
        let connections = grouped
            .into_iter()
            .map(
                |((src, country, operator, direction, port), (tally, destination))| {
                    let asset = tally
                        .mac
                        .and_then(|mac| by_mac.get(&mac))
                        .or_else(|| by_ip.get(&src))
                        .map(|id| (*id).to_owned());
                    let provider = destination.provider.as_ref();
                    let place = country.map_or_else(|| "unknown".to_owned(), |c| c.to_string());
                    ObservedConnection {
                        id: match direction {
                            Direction::Outbound => format!("{src}→{place}/{operator}"),
                            Direction::Inbound => format!("{src}:{port}←{place}/{operator}"),
                        },
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
                        direction,
                        service_port: (direction == Direction::Inbound).then_some(port),
                        network_kind: destination.kind.to_owned(),
                    }
                },
            )
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

impl Tally {
    /// Adds what a later part of the input summed for the same key; the
    /// earlier example address stays, as it would in one pass.
    fn absorb(&mut self, later: Tally) {
        self.bytes = self.bytes.saturating_add(later.bytes);
        self.flows += later.flows;
        self.first = self.first.min(later.first);
        self.last = self.last.max(later.last);
        self.mac = self.mac.or(later.mac);
    }

    fn add(&mut self, flow: &Flow, mac: Option<Mac>) {
        self.bytes = self.bytes.saturating_add(flow.bytes);
        self.flows += 1;
        self.first = self.first.min(flow.start);
        self.last = self.last.max(flow.start);
        self.mac = self.mac.or(mac);
    }

    fn starting(flow: &Flow, remote: IpAddr) -> Tally {
        Tally {
            bytes: 0,
            flows: 0,
            first: flow.start,
            last: flow.start,
            example: remote,
            mac: None,
        }
    }
}

impl Evidence<'_> {
    /// Adds what `later` summed from the part of the input that came after
    /// this one's (a chunk of the same file read on another thread): the
    /// result is what one pass over both parts would have summed.
    pub fn merge(&mut self, later: Evidence<'_>) {
        fn tallies<K: std::hash::Hash + Eq>(
            into: &mut HashMap<K, Tally, foldhash::fast::RandomState>,
            from: HashMap<K, Tally, foldhash::fast::RandomState>,
        ) {
            for (key, tally) in from {
                match into.entry(key) {
                    std::collections::hash_map::Entry::Occupied(mut entry) => {
                        entry.get_mut().absorb(tally);
                    }
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        entry.insert(tally);
                    }
                }
            }
        }
        tallies(&mut self.connections, later.connections);
        tallies(&mut self.exposures, later.exposures);
        for (key, tally) in later.inbound {
            match self.inbound.entry(key) {
                std::collections::hash_map::Entry::Occupied(mut entry) => {
                    let sum = entry.get_mut();
                    sum.flows += tally.flows;
                    sum.answered += tally.answered;
                    sum.sources.extend(tally.sources);
                    sum.first = sum.first.min(tally.first);
                    sum.last = sum.last.max(tally.last);
                }
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(tally);
                }
            }
        }
        for (mac, tally) in later.devices {
            match self.devices.entry(mac) {
                std::collections::hash_map::Entry::Occupied(mut entry) => {
                    let sum = entry.get_mut();
                    sum.first = sum.first.min(tally.first);
                    for file in tally.seen_in.split(", ") {
                        sum.note(tally.last, tally.ip, tally.hostname.clone(), file);
                    }
                }
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(tally);
                }
            }
        }
        let summary = &mut self.summary;
        let other = later.summary;
        summary.flows += other.flows;
        summary.sightings += other.sightings;
        summary.internal_flows += other.internal_flows;
        summary.outbound_flows += other.outbound_flows;
        summary.inbound_flows += other.inbound_flows;
        summary.answered_inbound_flows += other.answered_inbound_flows;
        summary.control_flows += other.control_flows;
        summary.unplaced_flows += other.unplaced_flows;
        summary.randomised_macs += other.randomised_macs;
    }

    /// Inbound traffic summed by the network it came from.
    pub fn inbound(&self) -> Vec<InboundSource> {
        let mut rows: Vec<InboundSource> = self
            .inbound
            .iter()
            .map(|(located, tally)| {
                let destination = self.lookups.destination(tally.example);
                InboundSource {
                    country: located.country,
                    asn: located.asn,
                    network: destination
                        .provider
                        .as_ref()
                        .map(|provider| provider.name.clone())
                        .or_else(|| destination.network.as_ref().map(|(_, org)| org.clone())),
                    kind: destination.kind.to_owned(),
                    flows: tally.flows,
                    answered: tally.answered,
                    sources: tally.sources.len() as u64,
                    first_seen: rfc3339(tally.first),
                    last_seen: rfc3339(tally.last),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.flows.cmp(&a.flows).then(a.asn.cmp(&b.asn)).then(
                a.country
                    .map(|c| c.to_string())
                    .cmp(&b.country.map(|c| c.to_string())),
            )
        });
        rows
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
        match classify(&flow, &self.locality) {
            Traffic::Internal => self.summary.internal_flows += 1,
            Traffic::Control => self.summary.control_flows += 1,
            Traffic::Unplaced => self.summary.unplaced_flows += 1,
            Traffic::Outbound { local, remote } => {
                self.summary.outbound_flows += 1;
                let located = self.locate(remote);
                let key = ConnectionKey::new(local, located);
                let mac = (local == flow.src).then_some(flow.src_mac).flatten();
                self.connections
                    .entry(key)
                    .or_insert_with(|| Tally::starting(&flow, remote))
                    .add(&flow, mac);
            }
            Traffic::Inbound {
                local,
                remote,
                port,
                answered,
            } => {
                self.summary.inbound_flows += 1;
                let located = self.locate(remote);
                let tally = self.inbound.entry(located).or_insert_with(|| InboundTally {
                    flows: 0,
                    answered: 0,
                    sources: HashSet::new(),
                    first: flow.start,
                    last: flow.start,
                    example: remote,
                });
                tally.flows += 1;
                tally.first = tally.first.min(flow.start);
                tally.last = tally.last.max(flow.start);
                tally.sources.insert(remote);
                if answered {
                    tally.answered += 1;
                    self.summary.answered_inbound_flows += 1;
                    let key = (ConnectionKey::new(local, located), port);
                    let mac = (local == flow.src).then_some(flow.src_mac).flatten();
                    self.exposures
                        .entry(key)
                        .or_insert_with(|| Tally::starting(&flow, remote))
                        .add(&flow, mac);
                }
            }
        }
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
        tally.first = tally.first.min(sighting.time);
        tally.note(sighting.time, sighting.ip, sighting.hostname, file);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn flow(src: &str, src_port: u16, dst: &str, dst_port: u16, proto: u8) -> Flow {
        let mut flow = Flow::new(0.0, src.parse().unwrap(), dst.parse().unwrap());
        flow.src_port = src_port;
        flow.dst_port = dst_port;
        flow.proto = proto;
        flow.bytes = 100;
        flow
    }

    #[test]
    fn flows_are_placed_by_who_opened_them_and_whether_they_were_answered() {
        let here = Locality::default();
        let ip = |text: &str| -> IpAddr { text.parse().unwrap() };
        // An ICMP unreachable the host sends is no connection.
        let icmp = flow("10.0.0.5", 3, "1.48.10.23", 3, 1);
        assert_eq!(classify(&icmp, &here), Traffic::Control);
        // NetFlow without direction: from a well-known port to a high one is
        // the server's answer; with payload, it answered.
        let answer = flow("10.0.0.5", 22, "2.60.12.34", 51000, 6);
        assert_eq!(
            classify(&answer, &here),
            Traffic::Inbound {
                local: ip("10.0.0.5"),
                remote: ip("2.60.12.34"),
                port: 22,
                answered: true
            }
        );
        // ...unless it was a reset.
        let mut reset = answer;
        reset.exchange = Exchange::from_tcp_flags(0x14);
        assert!(matches!(
            classify(&reset, &here),
            Traffic::Inbound {
                answered: false,
                ..
            }
        ));
        // The host's own connection out, and an attempt never answered.
        let out = flow("10.0.0.5", 51000, "8.8.8.8", 443, 6);
        assert!(matches!(classify(&out, &here), Traffic::Outbound { .. }));
        let mut unanswered = out;
        unanswered.exchange = Exchange::from_zeek_state(b"S0", 0);
        assert_eq!(classify(&unanswered, &here), Traffic::Control);
        // Two public addresses, neither the operator's: unplaced, until its
        // ranges say which is its own.
        let public = flow("27.133.130.10", 51000, "8.8.8.8", 53, 17);
        assert_eq!(classify(&public, &here), Traffic::Unplaced);
        let mut ranges = Locality::default();
        ranges
            .internal
            .push(Cidr::parse("27.133.130.0/28").unwrap());
        assert!(matches!(
            classify(&public, &ranges),
            Traffic::Outbound { .. }
        ));
        // An IPFIX biflow record the reverse initiator opened.
        let mut biflow = flow("10.0.0.5", 51000, "1.48.10.23", 8080, 6);
        biflow.opener = Opener::Destination;
        assert!(matches!(
            classify(&biflow, &here),
            Traffic::Inbound { port: 51000, .. }
        ));
        assert_eq!(Exchange::from_tcp_flags(0x1b), Exchange::Established);
        assert_eq!(Exchange::from_tcp_flags(0x02), Exchange::Unanswered);
    }

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

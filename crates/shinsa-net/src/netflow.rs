//! NetFlow v5 (fixed records), v9 (RFC 3954) and IPFIX (RFC 7011) export
//! packets. Templates are kept across packets and files of one run, keyed
//! by exporter, observation domain (v9 source id) and template id, so a data
//! packet captured after its template packet reads.

use crate::record::{Exchange, Flow, Mac, Opener};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One field of a template: information element, length, and enterprise
/// number for vendor elements (IPFIX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    element: u16,
    length: u16,
    enterprise: u32,
}

/// IPFIX's marker for a variable-length field.
const VARIABLE: u16 = 65535;

#[derive(Debug, Clone)]
struct Template {
    fields: Vec<Field>,
    /// Options templates describe the exporter, not flows.
    options: bool,
}

/// The cache key of a template: exporter, version, domain, template id.
type TemplateKey = (String, u16, u32, u16);

/// A data set whose template had not been seen when it arrived.
#[derive(Debug)]
struct Waiting {
    key: TemplateKey,
    body: Vec<u8>,
    clock: Clock,
    place: String,
}

/// Templates seen so far, by (exporter, domain, template id), and data
/// sets waiting for theirs: files are often named so that data sorts before
/// its template (`…_data.dat`, `…_tpl.dat`), and exporters resend
/// templates only every few minutes.
#[derive(Debug, Default)]
pub struct Templates {
    known: HashMap<TemplateKey, Template>,
    waiting: Vec<Waiting>,
}

/// Data sets kept while their template is missing; beyond this they are
/// skipped with a note (memory stays bounded).
const WAITING_LIMIT: usize = 100_000;

impl Templates {
    /// Reads the data sets whose templates arrived after them; the rest
    /// are returned as notes (`place: reason`).
    pub(crate) fn finish(&mut self) -> (Vec<Flow>, Vec<String>) {
        let mut flows = Vec::new();
        let mut notes = Vec::new();
        for waiting in std::mem::take(&mut self.waiting) {
            let (exporter, _, domain, id) = &waiting.key;
            match self.known.get(&waiting.key) {
                Some(template) if template.options => {}
                Some(template) => {
                    let mut packet = Packet::default();
                    let body = Bytes { data: &waiting.body };
                    match data_set(&body, template, waiting.clock, &mut packet) {
                        Ok(()) => flows.extend(packet.flows),
                        Err(reason) => notes.push(format!("{}: template {id}: {reason}", waiting.place)),
                    }
                }
                None => notes.push(format!(
                    "{}: data for template {id} (from {exporter}, domain {domain}), whose template never came; skipped",
                    waiting.place
                )),
            }
        }
        (flows, notes)
    }
}

/// What a packet held.
#[derive(Debug, Default)]
pub(crate) struct Packet {
    pub flows: Vec<Flow>,
    /// Records skipped for a stated reason that is not a fault of the
    /// packet (options data; data whose template has not been seen).
    pub notes: Vec<String>,
}

struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn take(&self, at: usize, len: usize) -> Result<&'a [u8], String> {
        self.data.get(at..at + len).ok_or_else(|| {
            format!(
                "truncated: needs {} bytes at offset {at}, the packet has {}",
                len,
                self.data.len()
            )
        })
    }
    fn u16(&self, at: usize) -> Result<u16, String> {
        let b = self.take(at, 2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&self, at: usize) -> Result<u32, String> {
        let b = self.take(at, 4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn unsigned(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .take(8)
        .rev()
        .fold(0u64, |value, byte| value << 8 | u64::from(*byte))
}

/// Reads one export packet. `exporter` names where it came from (the
/// pcap's source address, or the file) for the template cache.
pub(crate) fn parse(
    data: &[u8],
    exporter: &str,
    place: &str,
    templates: &mut Templates,
) -> Result<Packet, String> {
    let bytes = Bytes { data };
    match bytes.u16(0)? {
        5 => v5(&bytes),
        9 => v9(&bytes, (exporter, place), templates),
        10 => ipfix(&bytes, (exporter, place), templates),
        other => Err(format!(
            "not a NetFlow v5, v9 or IPFIX packet: version field is {other}"
        )),
    }
}

/// The length of one IPFIX message (for files that hold several).
pub(crate) fn ipfix_length(data: &[u8]) -> Option<usize> {
    let bytes = Bytes { data };
    (bytes.u16(0).ok()? == 10)
        .then(|| bytes.u16(2).ok().map(usize::from))
        .flatten()
}

fn v5(bytes: &Bytes<'_>) -> Result<Packet, String> {
    let count = usize::from(bytes.u16(2)?);
    let uptime = f64::from(bytes.u32(4)?);
    let secs = f64::from(bytes.u32(8)?);
    let nsecs = f64::from(bytes.u32(12)?);
    let needed = 24 + count * 48;
    if bytes.data.len() < needed {
        return Err(format!(
            "the header says {count} records ({needed} bytes), the packet has {} bytes",
            bytes.data.len()
        ));
    }
    if count == 0 || count > 30 {
        return Err(format!(
            "the header says {count} records; v5 packets hold 1 to 30"
        ));
    }
    let mut packet = Packet::default();
    for index in 0..count {
        let at = 24 + index * 48;
        let record = bytes.take(at, 48)?;
        let address = |from: usize| {
            IpAddr::V4(Ipv4Addr::new(
                record[from],
                record[from + 1],
                record[from + 2],
                record[from + 3],
            ))
        };
        let first = f64::from(u32::from_be_bytes([
            record[24], record[25], record[26], record[27],
        ]));
        let mut flow = Flow::new(
            secs + nsecs / 1e9 - (uptime - first) / 1000.0,
            address(0),
            address(4),
        );
        flow.src_port = u16::from_be_bytes([record[32], record[33]]);
        flow.dst_port = u16::from_be_bytes([record[34], record[35]]);
        flow.proto = record[38];
        flow.bytes = u64::from(u32::from_be_bytes([
            record[20], record[21], record[22], record[23],
        ]));
        if flow.proto == 6 {
            flow.exchange = Exchange::from_tcp_flags(record[37]);
        }
        packet.flows.push(flow);
    }
    Ok(packet)
}

/// Header facts a record's time is worked out from.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Export time, seconds since 1970.
    export: f64,
    /// Router uptime at export, milliseconds (v9 only).
    uptime: Option<f64>,
}

fn v9(
    bytes: &Bytes<'_>,
    source: (&str, &str),
    templates: &mut Templates,
) -> Result<Packet, String> {
    let clock = Clock {
        export: f64::from(bytes.u32(8)?),
        uptime: Some(f64::from(bytes.u32(4)?)),
    };
    let domain = bytes.u32(16)?;
    sets(bytes, 20, source, (9, domain), clock, templates)
}

fn ipfix(
    bytes: &Bytes<'_>,
    source: (&str, &str),
    templates: &mut Templates,
) -> Result<Packet, String> {
    let length = usize::from(bytes.u16(2)?);
    if length > bytes.data.len() || length < 16 {
        return Err(format!(
            "the header says the message is {length} bytes, the packet has {}",
            bytes.data.len()
        ));
    }
    let clock = Clock {
        export: f64::from(bytes.u32(4)?),
        uptime: None,
    };
    let domain = bytes.u32(12)?;
    let message = Bytes {
        data: bytes.take(0, length)?,
    };
    sets(&message, 16, source, (10, domain), clock, templates)
}

/// The flowsets (v9) or sets (IPFIX) from `start` to the end.
fn sets(
    bytes: &Bytes<'_>,
    start: usize,
    (exporter, place): (&str, &str),
    (version, domain): (u16, u32),
    clock: Clock,
    templates: &mut Templates,
) -> Result<Packet, String> {
    let (template_set, options_set) = if version == 9 { (0, 1) } else { (2, 3) };
    let mut packet = Packet::default();
    let mut at = start;
    let mut index = 0;
    while at + 4 <= bytes.data.len() {
        index += 1;
        let id = bytes.u16(at)?;
        let length = usize::from(bytes.u16(at + 2)?);
        if length == 0 && version == 9 && bytes.data[at..].iter().all(|b| *b == 0) {
            break; // zero padding after the last flowset (Palo Alto)
        }
        if length < 4 || at + length > bytes.data.len() {
            return Err(format!(
                "set {index} (id {id}) says it is {length} bytes; {} remain",
                bytes.data.len() - at
            ));
        }
        let body = Bytes {
            data: bytes.take(at + 4, length - 4)?,
        };
        let key = |template: u16| (exporter.to_owned(), version, domain, template);
        if id == template_set || id == options_set {
            for (template_id, template) in read_templates(&body, version, id == options_set)
                .map_err(|reason| format!("set {index}: {reason}"))?
            {
                templates.known.insert(key(template_id), template);
            }
        } else if id >= 256 {
            match templates.known.get(&key(id)) {
                Some(template) if template.options => {}
                Some(template) => data_set(&body, template, clock, &mut packet)
                    .map_err(|reason| format!("set {index} (template {id}): {reason}"))?,
                None if templates.waiting.len() < WAITING_LIMIT => {
                    templates.waiting.push(Waiting {
                        key: key(id),
                        body: body.data.to_vec(),
                        clock,
                        place: format!("{place}, set {index}"),
                    });
                }
                None => packet.notes.push(format!(
                    "set {index}: data for template {id}, whose template has not been seen (from {exporter}, domain {domain}), and {WAITING_LIMIT} sets already wait; skipped"
                )),
            }
        } else {
            return Err(format!("set {index}: id {id} is reserved"));
        }
        at += length;
    }
    Ok(packet)
}

fn read_templates(
    body: &Bytes<'_>,
    version: u16,
    options: bool,
) -> Result<Vec<(u16, Template)>, String> {
    let mut found = Vec::new();
    let mut at = 0;
    // A template record is at least 4 bytes; shorter remainders are padding.
    while at + 4 <= body.data.len() {
        let id = body.u16(at)?;
        if id == 0 {
            break; // zero padding to the end of the set
        }
        if id < 256 {
            return Err(format!("template id {id} is below 256"));
        }
        let mut fields = Vec::new();
        if version == 9 && options {
            let scope_bytes = usize::from(body.u16(at + 2)?);
            let option_bytes = usize::from(body.u16(at + 4)?);
            at += 6;
            for _ in 0..(scope_bytes + option_bytes) / 4 {
                fields.push(Field {
                    element: body.u16(at)?,
                    length: body.u16(at + 2)?,
                    enterprise: 0,
                });
                at += 4;
            }
            // Padding comes once, at the end of the flowset (RFC 3954 §6.1),
            // and is shorter than a record: the loop's bound skips it.
        } else {
            let count = body.u16(at + 2)?;
            at += 4;
            if version == 10 && options {
                at += 2; // scope field count
            }
            for _ in 0..count {
                let raw = body.u16(at)?;
                let length = body.u16(at + 2)?;
                at += 4;
                let enterprise = if version == 10 && raw & 0x8000 != 0 {
                    let number = body.u32(at)?;
                    at += 4;
                    number
                } else {
                    0
                };
                fields.push(Field {
                    element: raw & 0x7fff,
                    length,
                    enterprise,
                });
            }
        }
        if fields.is_empty() && !options {
            // A template withdrawal (IPFIX) or an empty template: nothing to keep.
            continue;
        }
        found.push((id, Template { fields, options }));
    }
    Ok(found)
}

fn data_set(
    body: &Bytes<'_>,
    template: &Template,
    clock: Clock,
    packet: &mut Packet,
) -> Result<(), String> {
    let fixed = template.fields.iter().all(|field| field.length != VARIABLE);
    let size: usize = template
        .fields
        .iter()
        .map(|field| {
            usize::from(if field.length == VARIABLE {
                1
            } else {
                field.length
            })
        })
        .sum();
    if size == 0 {
        return Err("the template's records are 0 bytes long".to_owned());
    }
    let mut at = 0;
    while at + size <= body.data.len() {
        let mut values: Vec<(Field, &[u8])> = Vec::with_capacity(template.fields.len());
        for field in &template.fields {
            let length = if field.length == VARIABLE {
                let short = usize::from(*body.take(at, 1)?.first().unwrap_or(&0));
                at += 1;
                if short == 255 {
                    let long = usize::from(body.u16(at)?);
                    at += 2;
                    long
                } else {
                    short
                }
            } else {
                usize::from(field.length)
            };
            values.push((*field, body.take(at, length)?));
            at += length;
        }
        if let Some(flow) = flow_of(&values, clock) {
            packet.flows.push(flow);
        }
        if !fixed && body.data.len() - at < 4 {
            break;
        }
    }
    Ok(())
}

/// A flow from a record's fields, when it has both addresses.
fn flow_of(values: &[(Field, &[u8])], clock: Clock) -> Option<Flow> {
    let mut src = None;
    let mut dst = None;
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let mut flow = Flow::new(clock.export, unspecified, unspecified);
    let (mut delta, mut total, mut initiator, mut responder) = (None, None, None, None);
    let mut flags = None;
    for (field, value) in values {
        if field.enterprise != 0 {
            continue;
        }
        match (field.element, value.len()) {
            (8, 4) => {
                src = Some(IpAddr::V4(Ipv4Addr::new(
                    value[0], value[1], value[2], value[3],
                )))
            }
            (12, 4) => {
                dst = Some(IpAddr::V4(Ipv4Addr::new(
                    value[0], value[1], value[2], value[3],
                )))
            }
            (27, 16) => {
                src = <[u8; 16]>::try_from(*value)
                    .ok()
                    .map(|b| IpAddr::V6(Ipv6Addr::from(b)))
            }
            (28, 16) => {
                dst = <[u8; 16]>::try_from(*value)
                    .ok()
                    .map(|b| IpAddr::V6(Ipv6Addr::from(b)))
            }
            (7, 1..=2) => flow.src_port = u16::try_from(unsigned(value)).unwrap_or(0),
            (11, 1..=2) => flow.dst_port = u16::try_from(unsigned(value)).unwrap_or(0),
            // tcpControlBits: the low byte holds the classic flags.
            (6, 1..=2) => flags = Some(unsigned(value) as u8),
            // biflowDirection: 1 initiator, 2 reverse initiator (RFC 5103).
            (239, 1) => {
                flow.opener = match value[0] {
                    1 => Opener::Source,
                    2 => Opener::Destination,
                    _ => Opener::Unknown,
                }
            }
            (4, 1) => flow.proto = value[0],
            (1, _) => delta = Some(unsigned(value)),
            (85, _) => total = Some(unsigned(value)),
            (231, _) => initiator = Some(unsigned(value)),
            (232, _) => responder = Some(unsigned(value)),
            (56, 6) => flow.src_mac = <[u8; 6]>::try_from(*value).ok().map(Mac),
            (150, 4) => flow.start = unsigned(value) as f64,
            (152, 8) => flow.start = unsigned(value) as f64 / 1000.0,
            (22, 4) => {
                if let Some(uptime) = clock.uptime {
                    flow.start = clock.export - (uptime - unsigned(value) as f64) / 1000.0;
                }
            }
            _ => {}
        }
    }
    flow.bytes = delta.or(total).unwrap_or_else(|| {
        initiator
            .unwrap_or(0)
            .saturating_add(responder.unwrap_or(0))
    });
    flow.dst_bytes = responder;
    if flow.proto == 6
        && let Some(flags) = flags
    {
        flow.exchange = Exchange::from_tcp_flags(flags);
    }
    flow.src = src?;
    flow.dst = dst?;
    Some(flow)
}

//! Firewall CSV exports (a header row; columns named by a mapping or
//! recognised by their usual names) and lease or neighbour tables
//! (dnsmasq leases, ISC `dhcpd.leases`, `arp -an`, `ip neigh`, Windows
//! `arp -a`).

use crate::read::Sink;
use crate::record::{Flow, Mac, Problems, Sighting};
use std::io::BufRead;
use std::net::IpAddr;

/// Which CSV column holds which flow field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pub src: Option<String>,
    pub dst: Option<String>,
    pub time: Option<String>,
    pub bytes: Vec<String>,
    pub port: Option<String>,
    pub proto: Option<String>,
    pub mac: Option<String>,
}

impl ColumnMap {
    /// `src=Source address,dst=Destination address,bytes=Bytes Sent+Bytes Received,time=Receive Time`
    /// (`port`, `proto` and `mac` too).
    pub fn parse(text: &str) -> Result<ColumnMap, String> {
        let mut map = ColumnMap::default();
        for item in text.split(',').filter(|item| !item.trim().is_empty()) {
            let (key, column) = item
                .split_once('=')
                .ok_or_else(|| format!("expected field=column, found {item:?}"))?;
            let column = column.trim().to_owned();
            match key.trim() {
                "src" => map.src = Some(column),
                "dst" => map.dst = Some(column),
                "time" => map.time = Some(column),
                "bytes" => map.bytes = column.split('+').map(|c| c.trim().to_owned()).collect(),
                "port" => map.port = Some(column),
                "proto" => map.proto = Some(column),
                "mac" => map.mac = Some(column),
                other => {
                    return Err(format!(
                        "expected src, dst, time, bytes, port, proto or mac, found {other:?}"
                    ));
                }
            }
        }
        Ok(map)
    }

    /// The mapping the header's usual names give (PAN-OS, FortiGate,
    /// pfSense and nfdump exports), for fields the user did not map.
    fn completed(&self, header: &[String]) -> ColumnMap {
        let find = |names: &[&str]| {
            header
                .iter()
                .find(|column| {
                    let folded = column.to_ascii_lowercase().replace([' ', '-', '.'], "_");
                    names.contains(&folded.as_str())
                })
                .cloned()
        };
        let bytes = if self.bytes.is_empty() {
            find(&["bytes", "ibyt", "sentbyte", "bytes_total", "octets"])
                .map(|column| vec![column])
                .or_else(|| {
                    let sent = find(&["bytes_sent", "sentbyte", "bytes_out", "obyt"])?;
                    let received = find(&["bytes_received", "bytes_recv", "rcvdbyte", "bytes_in"])?;
                    Some(vec![sent, received])
                })
                .unwrap_or_default()
        } else {
            self.bytes.clone()
        };
        ColumnMap {
            src: self.src.clone().or_else(|| {
                find(&[
                    "src",
                    "source",
                    "src_ip",
                    "srcip",
                    "srcaddr",
                    "source_address",
                    "sa",
                    "source_ip",
                ])
            }),
            dst: self.dst.clone().or_else(|| {
                find(&[
                    "dst",
                    "destination",
                    "dst_ip",
                    "dstip",
                    "dstaddr",
                    "destination_address",
                    "da",
                    "destination_ip",
                ])
            }),
            time: self.time.clone().or_else(|| {
                find(&[
                    "time",
                    "ts",
                    "start",
                    "start_time",
                    "receive_time",
                    "timestamp",
                    "date",
                    "eventtime",
                ])
            }),
            bytes,
            port: self
                .port
                .clone()
                .or_else(|| find(&["dport", "dst_port", "dstport", "destination_port", "dp"])),
            proto: self
                .proto
                .clone()
                .or_else(|| find(&["proto", "protocol", "ip_protocol", "pr"])),
            mac: self
                .mac
                .clone()
                .or_else(|| find(&["mac", "src_mac", "srcmac", "source_mac"])),
        }
    }
}

/// Seconds since 1970 from epoch seconds, RFC 3339, or `YYYY-MM-DD
/// HH:MM:SS` / `YYYY/MM/DD HH:MM:SS` read as UTC (PAN-OS, nfdump).
pub(crate) fn seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(value) = text.parse::<f64>() {
        return value.is_finite().then_some(value);
    }
    if let Ok(at) =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    {
        return Some(at.unix_timestamp() as f64);
    }
    let normal: String = text
        .chars()
        .map(|c| {
            if c == '/' {
                '-'
            } else if c == 'T' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let prefix = normal.get(..19).unwrap_or(&normal);
    time::PrimitiveDateTime::parse(prefix, format)
        .ok()
        .map(|at| at.assume_utc().unix_timestamp() as f64)
}

fn protocol(text: &str) -> u8 {
    match text.trim().to_ascii_lowercase().as_str() {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        other => other.parse().unwrap_or(0),
    }
}

/// Reads a firewall CSV export.
pub(crate) fn read_csv<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    map: &ColumnMap,
    sink: &mut S,
    problems: &mut Problems,
) -> Result<u64, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| format!("line 1: {error}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let map = map.completed(&header);
    let index = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| header.iter().position(|h| h == n))
    };
    let (Some(src), Some(dst)) = (index(&map.src), index(&map.dst)) else {
        return Err(format!(
            "line 1: no source and destination address columns among {}; name them with --columns src=COLUMN,dst=COLUMN",
            header.join(", ")
        ));
    };
    let time = index(&map.time);
    let port = index(&map.port);
    let proto = index(&map.proto);
    let mac = index(&map.mac);
    let bytes: Vec<usize> = map
        .bytes
        .iter()
        .filter_map(|name| header.iter().position(|h| h == name))
        .collect();
    let mut records = 0;
    for (row, result) in reader.records().enumerate() {
        let line = row + 2;
        let record = match result {
            Ok(record) => record,
            Err(error) => {
                problems.push(file, format!("line {line}"), error.to_string());
                continue;
            }
        };
        let cell = |at: Option<usize>| {
            at.and_then(|at| record.get(at))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        let address = |at: usize, what: &str| -> Result<IpAddr, String> {
            let field = header.get(at).map_or(what, String::as_str);
            let text = cell(Some(at))
                .ok_or_else(|| format!("{field}: expected an IP address, found nothing"))?;
            text.parse()
                .map_err(|_| format!("{field}: expected an IP address, found {text:?}"))
        };
        let parsed = (|| -> Result<Flow, String> {
            let start = match cell(time) {
                Some(text) => seconds(text)
                    .ok_or_else(|| format!("time: expected a date and time, found {text:?}"))?,
                None => 0.0,
            };
            let mut total = 0u64;
            for at in &bytes {
                if let Some(text) = cell(Some(*at)) {
                    total =
                        total.saturating_add(text.parse().map_err(|_| {
                            format!("bytes: expected a whole number, found {text:?}")
                        })?);
                }
            }
            let mut flow = Flow::new(start, address(src, "src")?, address(dst, "dst")?);
            flow.dst_port = cell(port).and_then(|p| p.parse().ok()).unwrap_or(0);
            flow.proto = cell(proto).map_or(0, protocol);
            flow.bytes = total;
            flow.src_mac = cell(mac).and_then(Mac::parse);
            Ok(flow)
        })();
        match parsed {
            Ok(flow) => {
                sink.flow(flow);
                records += 1;
            }
            Err(reason) => problems.push(file, format!("line {line}"), reason),
        }
    }
    Ok(records)
}

/// An ISC `dhcpd.leases` block being read: address, MAC, host name,
/// start time and the line it began on.
type LeaseBlock = (IpAddr, Option<Mac>, Option<String>, f64, u64);

/// Reads a lease or neighbour table: every line with an IP address and a
/// MAC address is a sighting; ISC `dhcpd.leases` blocks are read whole.
pub(crate) fn read_leases<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    sink: &mut S,
    problems: &mut Problems,
) -> std::io::Result<u64> {
    let mut records = 0;
    let mut block: Option<LeaseBlock> = None;
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        let number = index as u64 + 1;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        // ISC dhcpd.leases: `lease IP {` … `hardware ethernet MAC;` … `}`.
        if let Some(rest) = text.strip_prefix("lease ") {
            let address = rest.trim_end_matches('{').trim();
            match address.parse() {
                Ok(ip) => block = Some((ip, None, None, 0.0, number)),
                Err(_) => problems.push(
                    file,
                    format!("line {number}"),
                    format!("lease: expected an IP address, found {address:?}"),
                ),
            }
            continue;
        }
        if let Some((ip, mac, host, time, start)) = &mut block {
            let value = text.trim_end_matches(';');
            if let Some(hardware) = value.strip_prefix("hardware ethernet ") {
                *mac = Mac::parse(hardware);
            } else if let Some(name) = value.strip_prefix("client-hostname ") {
                *host = Some(name.trim_matches('"').to_owned());
            } else if let Some(date) = value.strip_prefix("starts ") {
                // `starts 3 2026/11/25 08:00:00`: weekday, date, time (UTC).
                *time = date.get(2..).and_then(seconds).unwrap_or(0.0);
            } else if value == "}" {
                match mac {
                    Some(mac) => {
                        sink.sighting(Sighting {
                            time: *time,
                            mac: *mac,
                            ip: Some(*ip),
                            hostname: host.clone(),
                        });
                        records += 1;
                    }
                    None => problems.push(
                        file,
                        format!("line {start}"),
                        format!("lease {ip}: no hardware ethernet address"),
                    ),
                }
                block = None;
            }
            continue;
        }
        let words: Vec<&str> = text
            .split_whitespace()
            .map(|word| word.trim_matches(|c| c == '(' || c == ')'))
            .collect();
        let ip = words.iter().find_map(|word| word.parse::<IpAddr>().ok());
        let mac = words
            .iter()
            .find_map(|word| Mac::parse(word).filter(|_| word.len() >= 12));
        match (ip, mac) {
            (Some(ip), Some(mac)) => {
                // dnsmasq: `EXPIRY MAC IP HOSTNAME CLIENT-ID`.
                let dnsmasq =
                    words.first().is_some_and(|w| w.parse::<u64>().is_ok()) && words.len() >= 4;
                let hostname = dnsmasq
                    .then(|| {
                        words
                            .get(3)
                            .filter(|name| **name != "*")
                            .map(|name| (*name).to_owned())
                    })
                    .flatten();
                let time = if dnsmasq {
                    words
                        .first()
                        .and_then(|w| w.parse::<f64>().ok())
                        .unwrap_or(0.0)
                } else {
                    0.0
                };
                sink.sighting(Sighting {
                    time,
                    mac,
                    ip: Some(ip),
                    hostname,
                });
                records += 1;
            }
            (Some(ip), None) => problems.push(
                file,
                format!("line {number}"),
                format!("{ip}: no MAC address (an incomplete entry?)"),
            ),
            _ if records == 0 => {} // a header line (`Address HWtype …`, `Interface: …`)
            _ => problems.push(
                file,
                format!("line {number}"),
                "expected an IP address and a MAC address".to_owned(),
            ),
        }
    }
    Ok(records)
}

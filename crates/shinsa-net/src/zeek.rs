//! Zeek `conn.log` and `dhcp.log`, TSV (columns named by the `#fields`
//! header, so older logs without `ip_proto` or `local_resp` read too) and
//! JSON lines (`LogAscii::use_json=T`: dotted keys, `ts` as epoch seconds
//! or ISO 8601).

use crate::read::Sink;
use crate::record::{Exchange, Flow, Mac, Opener, Problems, Sighting};
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;
use std::net::IpAddr;

/// Which Zeek log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Log {
    Conn,
    Dhcp,
}

/// Column positions of the fields a reader needs.
#[derive(Debug, Default)]
struct Columns {
    ts: Option<usize>,
    src: Option<usize>,
    dst: Option<usize>,
    src_port: Option<usize>,
    dst_port: Option<usize>,
    proto: Option<usize>,
    state: Option<usize>,
    local_orig: Option<usize>,
    local_resp: Option<usize>,
    orig_bytes: Option<usize>,
    resp_bytes: Option<usize>,
    src_mac: Option<usize>,
    mac: Option<usize>,
    assigned: Option<usize>,
    client: Option<usize>,
    host_name: Option<usize>,
    /// One past the last column needed: splitting stops there.
    needed: usize,
}

impl Columns {
    fn from_fields(fields: &[&str]) -> Self {
        let at = |name: &str| fields.iter().position(|field| *field == name);
        let mut columns = Columns {
            ts: at("ts"),
            src: at("id.orig_h"),
            dst: at("id.resp_h"),
            src_port: at("id.orig_p"),
            dst_port: at("id.resp_p"),
            proto: at("proto"),
            state: at("conn_state"),
            local_orig: at("local_orig"),
            local_resp: at("local_resp"),
            orig_bytes: at("orig_bytes"),
            resp_bytes: at("resp_bytes"),
            src_mac: at("orig_l2_addr"),
            mac: at("mac"),
            assigned: at("assigned_addr"),
            client: at("client_addr"),
            host_name: at("host_name"),
            needed: 0,
        };
        columns.needed = [
            columns.ts,
            columns.src,
            columns.dst,
            columns.src_port,
            columns.dst_port,
            columns.proto,
            columns.state,
            columns.local_orig,
            columns.local_resp,
            columns.orig_bytes,
            columns.resp_bytes,
            columns.src_mac,
            columns.mac,
            columns.assigned,
            columns.client,
            columns.host_name,
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(0, |last| last + 1);
        columns
    }

    /// The fields a log needs to be read at all.
    fn missing(&self, log: Log) -> Vec<&'static str> {
        let required: &[(&str, Option<usize>)] = match log {
            Log::Conn => &[
                ("ts", self.ts),
                ("id.orig_h", self.src),
                ("id.resp_h", self.dst),
            ],
            Log::Dhcp => &[("ts", self.ts), ("mac", self.mac)],
        };
        required
            .iter()
            .filter(|(_, at)| at.is_none())
            .map(|(name, _)| *name)
            .collect()
    }
}

/// The `#`-lines of a TSV log that matter here.
struct Header {
    separator: u8,
    unset: Vec<u8>,
    empty: Vec<u8>,
    columns: Option<Columns>,
    log: Option<Log>,
}

/// `\x09` and the like, as Zeek writes the separator.
fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i..i + 2) == Some(b"\\x")
            && let Some(value) = text
                .get(i + 2..i + 4)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            i += 4;
            continue;
        }
        out.extend(bytes.get(i).copied());
        i += 1;
    }
    out
}

/// Reads a TSV log whose first line has been recognised as a Zeek header.
pub(crate) fn read_tsv<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    sink: &mut S,
    problems: &mut Problems,
) -> std::io::Result<u64> {
    read_tsv_lines(input, file, sink, problems, u64::MAX).map(|(records, _, _)| records)
}

/// Reads TSV lines whose first `prelude` lines are the file's header; also
/// says whether a header line came after them (a second `#fields` block
/// changes how the lines after it read, so a chunk that holds one cannot be
/// read apart from the rest).
pub(crate) fn read_tsv_lines<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    sink: &mut S,
    problems: &mut Problems,
    prelude: u64,
) -> std::io::Result<(u64, bool, u64)> {
    let mut header_after_prelude = false;
    let mut header = Header {
        separator: b'\t',
        unset: b"-".to_vec(),
        empty: b"(empty)".to_vec(),
        columns: None,
        log: None,
    };
    let mut records = 0u64;
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(32);
    let lines = each_line(input, |number, text| {
        if text.is_empty() {
            return;
        }
        if text.first() == Some(&b'#') {
            header_after_prelude |= number > prelude && !text.starts_with(b"#close");
            header_line(&mut header, text, file, number, problems);
            return;
        }
        let (Some(columns), Some(log)) = (&header.columns, header.log) else {
            problems.push(
                file,
                format!("line {number}"),
                "a record before the #fields header line".to_owned(),
            );
            return;
        };
        bounds.clear();
        let mut start = 0;
        for end in memchr::memchr_iter(header.separator, text) {
            bounds.push((start, end));
            start = end + 1;
            if bounds.len() >= columns.needed {
                break;
            }
        }
        if bounds.len() < columns.needed {
            bounds.push((start, text.len()));
        }
        let field = |at: Option<usize>| -> Option<&[u8]> {
            let (from, to) = *bounds.get(at?)?;
            let value = text.get(from..to)?;
            (value != header.unset.as_slice() && value != header.empty.as_slice()).then_some(value)
        };
        if bounds.len() < columns.needed {
            problems.push(
                file,
                format!("line {number}"),
                format!(
                    "expected at least {} tab-separated fields, found {}",
                    columns.needed,
                    bounds.len()
                ),
            );
            return;
        }
        let result = match log {
            Log::Conn => conn_record(columns, &field).map(|flow| sink.flow(flow)),
            Log::Dhcp => dhcp_record(columns, &field).map(|sighting| sink.sighting(sighting)),
        };
        match result {
            Ok(()) => records += 1,
            Err(reason) => problems.push(file, format!("line {number}"), reason),
        }
    })?;
    Ok((records, header_after_prelude, lines))
}

/// Calls `each` with every line's number and text (without its end),
/// straight from the reader's buffer: only a line that spans two buffers is
/// copied (copying every line was 5 % of `bench/net`).
fn each_line<R: BufRead>(mut input: R, mut each: impl FnMut(u64, &[u8])) -> std::io::Result<u64> {
    let mut carry: Vec<u8> = Vec::new();
    let mut number = 0u64;
    loop {
        let buffer = input.fill_buf()?;
        let length = buffer.len();
        if length == 0 {
            if !carry.is_empty() {
                number += 1;
                each(number, trim_line_end(&carry));
            }
            return Ok(number);
        }
        let mut rest = buffer;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (piece, after) = rest.split_at(end);
            rest = after.get(1..).unwrap_or(&[]);
            number += 1;
            if carry.is_empty() {
                each(number, trim_line_end(piece));
            } else {
                carry.extend_from_slice(piece);
                each(number, trim_line_end(&carry));
                carry.clear();
            }
        }
        carry.extend_from_slice(rest);
        input.consume(length);
    }
}

fn trim_line_end(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    line
}

fn header_line(header: &mut Header, text: &[u8], file: &str, number: u64, problems: &mut Problems) {
    let text = String::from_utf8_lossy(text);
    let (key, value) = text.split_once([' ', '\t']).unwrap_or((&text, ""));
    match key {
        "#separator" => {
            header.separator = unescape(value.trim()).first().copied().unwrap_or(b'\t');
        }
        "#unset_field" => header.unset = value.as_bytes().to_vec(),
        "#empty_field" => header.empty = value.as_bytes().to_vec(),
        "#path" => {
            header.log = match value {
                "conn" => Some(Log::Conn),
                "dhcp" => Some(Log::Dhcp),
                other => {
                    problems.push(
                        file,
                        format!("line {number}"),
                        format!(
                            "#path: expected conn or dhcp, found {other:?}; its records are skipped"
                        ),
                    );
                    None
                }
            };
        }
        "#fields" => {
            let separator = char::from(header.separator);
            let fields: Vec<&str> = value.split(separator).collect();
            let columns = Columns::from_fields(&fields);
            let log = header.log.unwrap_or(if columns.mac.is_some() {
                Log::Dhcp
            } else {
                Log::Conn
            });
            let missing = columns.missing(log);
            if missing.is_empty() {
                header.log = Some(log);
                header.columns = Some(columns);
            } else {
                problems.push(
                    file,
                    format!("line {number}"),
                    format!(
                        "#fields: no {} column; the log's records are skipped",
                        missing.join(", ")
                    ),
                );
                header.columns = None;
            }
        }
        _ => {}
    }
}

fn text_of<'a>(name: &str, value: &'a [u8]) -> Result<&'a str, String> {
    std::str::from_utf8(value).map_err(|_| format!("{name}: not UTF-8"))
}

/// A dotted IPv4 address straight from bytes (the common case, without a
/// UTF-8 check and the general parser).
fn dotted(value: &[u8]) -> Option<IpAddr> {
    let mut octets = [0u8; 4];
    let mut at = 0;
    let mut digits = 0;
    let mut current: u16 = 0;
    for byte in value {
        match byte {
            // No leading zeros ("010" is octal to some tools): the general
            // parser decides those.
            b'0'..=b'9' if digits < 3 && !(digits > 0 && current == 0) => {
                current = current * 10 + u16::from(byte - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && at < 3 => {
                *octets.get_mut(at)? = u8::try_from(current).ok()?;
                at += 1;
                current = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if at != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(current).ok()?;
    Some(IpAddr::from(octets))
}

fn ip(name: &str, value: Option<&[u8]>) -> Result<IpAddr, String> {
    let value = value.ok_or_else(|| format!("{name}: missing"))?;
    if let Some(address) = dotted(value) {
        return Ok(address);
    }
    let text = text_of(name, value)?;
    text.parse()
        .map_err(|_| format!("{name}: expected an IP address, found {text:?}"))
}

fn seconds(name: &str, text: &str) -> Result<f64, String> {
    if let Ok(value) = text.parse::<f64>()
        && value.is_finite()
    {
        return Ok(value);
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|at| at.unix_timestamp_nanos() as f64 / 1e9)
        .map_err(|_| {
            format!("{name}: expected seconds since 1970 or an ISO 8601 time, found {text:?}")
        })
}

fn count(name: &str, value: Option<&[u8]>) -> Result<u64, String> {
    match value {
        None => Ok(0),
        Some(value) => {
            let text = text_of(name, value)?;
            text.parse()
                .map_err(|_| format!("{name}: expected a whole number, found {text:?}"))
        }
    }
}

fn protocol(name: &str) -> u8 {
    match name {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmp6" | "ipv6-icmp" => 58,
        _ => 0,
    }
}

fn conn_record<'a>(
    columns: &Columns,
    field: &impl Fn(Option<usize>) -> Option<&'a [u8]>,
) -> Result<Flow, String> {
    let ts = field(columns.ts).ok_or("ts: missing")?;
    let port = |name: &str, at: Option<usize>| {
        u16::try_from(count(name, field(at))?).map_err(|_| format!("{name}: larger than 65535"))
    };
    let orig_bytes = count("orig_bytes", field(columns.orig_bytes))?;
    let resp_bytes = count("resp_bytes", field(columns.resp_bytes))?;
    let mut flow = Flow::new(
        seconds("ts", text_of("ts", ts)?)?,
        ip("id.orig_h", field(columns.src))?,
        ip("id.resp_h", field(columns.dst))?,
    );
    flow.src_port = port("id.orig_p", columns.src_port)?;
    flow.dst_port = port("id.resp_p", columns.dst_port)?;
    flow.proto = field(columns.proto)
        .and_then(|p| std::str::from_utf8(p).ok())
        .map_or(0, protocol);
    flow.bytes = orig_bytes.saturating_add(resp_bytes);
    flow.dst_bytes = field(columns.resp_bytes).map(|_| resp_bytes);
    flow.src_mac = field(columns.src_mac)
        .and_then(|mac| std::str::from_utf8(mac).ok())
        .and_then(Mac::parse);
    // Zeek's originator opened the connection, by definition.
    flow.opener = Opener::Source;
    flow.exchange = field(columns.state).map_or(Exchange::Unknown, |state| {
        Exchange::from_zeek_state(state, flow.bytes)
    });
    flow.src_local = field(columns.local_orig).and_then(zeek_bool);
    flow.dst_local = field(columns.local_resp).and_then(zeek_bool);
    Ok(flow)
}

/// Zeek's `T` and `F` (and `true`/`false` in JSON).
fn zeek_bool(value: &[u8]) -> Option<bool> {
    match value {
        b"T" | b"true" => Some(true),
        b"F" | b"false" => Some(false),
        _ => None,
    }
}

fn dhcp_record<'a>(
    columns: &Columns,
    field: &impl Fn(Option<usize>) -> Option<&'a [u8]>,
) -> Result<Sighting, String> {
    let ts = field(columns.ts).ok_or("ts: missing")?;
    let mac_text = text_of("mac", field(columns.mac).ok_or("mac: missing")?)?;
    let mac = Mac::parse(mac_text)
        .ok_or_else(|| format!("mac: expected a MAC address, found {mac_text:?}"))?;
    let address = field(columns.assigned).or(field(columns.client));
    Ok(Sighting {
        time: seconds("ts", text_of("ts", ts)?)?,
        mac,
        ip: address
            .map(|value| ip("assigned_addr", Some(value)))
            .transpose()?,
        hostname: field(columns.host_name).map(|name| String::from_utf8_lossy(name).into_owned()),
    })
}

/// `ts` in a JSON log: epoch seconds or an ISO 8601 string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Time<'a> {
    Seconds(f64),
    Text(#[serde(borrow)] Cow<'a, str>),
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    ts: Option<Time<'a>>,
    #[serde(rename = "id.orig_h", borrow)]
    src: Option<Cow<'a, str>>,
    #[serde(rename = "id.resp_h", borrow)]
    dst: Option<Cow<'a, str>>,
    #[serde(rename = "id.orig_p")]
    src_port: Option<u16>,
    #[serde(rename = "id.resp_p")]
    dst_port: Option<u16>,
    #[serde(borrow)]
    conn_state: Option<Cow<'a, str>>,
    local_orig: Option<bool>,
    local_resp: Option<bool>,
    #[serde(borrow)]
    proto: Option<Cow<'a, str>>,
    orig_bytes: Option<u64>,
    resp_bytes: Option<u64>,
    #[serde(borrow)]
    orig_l2_addr: Option<Cow<'a, str>>,
    #[serde(borrow)]
    mac: Option<Cow<'a, str>>,
    #[serde(borrow)]
    assigned_addr: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_addr: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host_name: Option<Cow<'a, str>>,
}

/// Reads JSON lines: a record with `id.orig_h` is a connection, one with
/// `mac` a DHCP lease.
pub(crate) fn read_json<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    sink: &mut S,
    problems: &mut Problems,
) -> std::io::Result<u64> {
    read_json_lines(input, file, sink, problems).map(|(records, _)| records)
}

/// JSON lines, and how many lines there were.
pub(crate) fn read_json_lines<R: BufRead, S: Sink>(
    input: R,
    file: &str,
    sink: &mut S,
    problems: &mut Problems,
) -> std::io::Result<(u64, u64)> {
    let mut records = 0u64;
    let lines = each_line(input, |number, text| {
        if text.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let place = || format!("line {number}");
        let record: JsonRecord<'_> = match serde_json::from_slice(text) {
            Ok(record) => record,
            Err(error) => {
                problems.push(
                    file,
                    format!("line {number}, column {}", error.column()),
                    error.to_string(),
                );
                return;
            }
        };
        match json_record(&record) {
            Ok(Some(Ok(flow))) => {
                sink.flow(flow);
                records += 1;
            }
            Ok(Some(Err(sighting))) => {
                sink.sighting(sighting);
                records += 1;
            }
            Ok(None) => problems.push(
                file,
                place(),
                "neither a connection (id.orig_h, id.resp_h) nor a DHCP record (mac)".to_owned(),
            ),
            Err(reason) => problems.push(file, place(), reason),
        }
    })?;
    Ok((records, lines))
}

/// A flow (`Ok`) or a sighting (`Err`), or neither.
type FlowOrSighting = Option<Result<Flow, Sighting>>;

fn json_record(record: &JsonRecord<'_>) -> Result<FlowOrSighting, String> {
    let time = match &record.ts {
        Some(Time::Seconds(seconds)) => *seconds,
        Some(Time::Text(text)) => seconds("ts", text)?,
        None => return Err("ts: missing".to_owned()),
    };
    let address = |name: &str, value: &Option<Cow<'_, str>>| -> Result<Option<IpAddr>, String> {
        value
            .as_deref()
            .map(|text| {
                text.parse()
                    .map_err(|_| format!("{name}: expected an IP address, found {text:?}"))
            })
            .transpose()
    };
    if let (Some(_), Some(_)) = (&record.src, &record.dst) {
        let src = address("id.orig_h", &record.src)?.ok_or("id.orig_h: missing")?;
        let dst = address("id.resp_h", &record.dst)?.ok_or("id.resp_h: missing")?;
        let mut flow = Flow::new(time, src, dst);
        flow.src_port = record.src_port.unwrap_or(0);
        flow.dst_port = record.dst_port.unwrap_or(0);
        flow.proto = record.proto.as_deref().map_or(0, protocol);
        flow.bytes = record
            .orig_bytes
            .unwrap_or(0)
            .saturating_add(record.resp_bytes.unwrap_or(0));
        flow.dst_bytes = record.resp_bytes;
        flow.src_mac = record.orig_l2_addr.as_deref().and_then(Mac::parse);
        flow.opener = Opener::Source;
        flow.exchange = record
            .conn_state
            .as_deref()
            .map_or(Exchange::Unknown, |state| {
                Exchange::from_zeek_state(state.as_bytes(), flow.bytes)
            });
        flow.src_local = record.local_orig;
        flow.dst_local = record.local_resp;
        return Ok(Some(Ok(flow)));
    }
    if let Some(text) = &record.mac {
        let mac = Mac::parse(text)
            .ok_or_else(|| format!("mac: expected a MAC address, found {text:?}"))?;
        let ip = match address("assigned_addr", &record.assigned_addr)? {
            Some(ip) => Some(ip),
            None => address("client_addr", &record.client_addr)?,
        };
        return Ok(Some(Err(Sighting {
            time,
            mac,
            ip,
            hostname: record.host_name.as_deref().map(str::to_owned),
        })));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_that_span_buffers_are_whole() {
        let text = b"first line\r\nsecond, a longer line\n\nfourth without an end";
        for capacity in [1, 3, 7, 64] {
            let reader = std::io::BufReader::with_capacity(capacity, &text[..]);
            let mut lines = Vec::new();
            each_line(reader, |number, line| {
                lines.push((number, String::from_utf8(line.to_vec()).unwrap()));
            })
            .unwrap();
            let expected = [
                (1, "first line"),
                (2, "second, a longer line"),
                (3, ""),
                (4, "fourth without an end"),
            ];
            let expected: Vec<(u64, String)> = expected
                .iter()
                .map(|(n, l)| (*n, (*l).to_owned()))
                .collect();
            assert_eq!(lines, expected, "buffer of {capacity}");
        }
    }
}

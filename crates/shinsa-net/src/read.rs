//! Which reader a file needs, from its first bytes; gzip is unwrapped first.

use crate::netflow::{self, Templates};
use crate::pcap;
use crate::record::{Flow, Problems, Sighting};
use crate::tables::{self, ColumnMap};
use crate::zeek;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Where the readers put what they read.
pub trait Sink {
    fn flow(&mut self, flow: Flow);
    fn sighting(&mut self, sighting: Sighting);
}

/// The formats a log file can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    ZeekTsv,
    JsonLines,
    /// A NetFlow v5/v9 or IPFIX export packet as captured (or several IPFIX
    /// messages one after another).
    ExportPacket,
    Pcap,
    FirewallCsv,
    LeaseTable,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::ZeekTsv => "Zeek TSV",
            Format::JsonLines => "JSON lines",
            Format::ExportPacket => "NetFlow/IPFIX packet",
            Format::Pcap => "pcap of NetFlow/IPFIX",
            Format::FirewallCsv => "firewall CSV",
            Format::LeaseTable => "lease/neighbour table",
        }
    }
}

/// A file that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {reason}")]
    Rejected { file: String, reason: String },
    /// A file that is no log at all (a Zeek `conn-summary` report, a
    /// binary, an empty file): skipped, and said so, not a failure.
    #[error("{file}: skipped: {reason}")]
    NotALog { file: String, reason: String },
}

impl Reader {
    /// Reads what waited for a template that came later in the run; call
    /// once after the last file.
    pub fn finish<S: Sink>(&mut self, sink: &mut S) -> u64 {
        let (flows, notes) = self.templates.finish();
        self.notes.extend(notes);
        let count = flows.len() as u64;
        for flow in flows {
            sink.flow(flow);
        }
        count
    }
}

/// State kept across the files of one run: NetFlow templates, the CSV
/// column mapping, and what could not be read.
#[derive(Debug, Default)]
pub struct Reader {
    pub templates: Templates,
    pub columns: ColumnMap,
    pub problems: Problems,
    /// Records skipped for a reason that is not a fault (NetFlow data
    /// before its template, options data), one line per reason and file.
    pub notes: Vec<String>,
}

const GZIP: [u8; 2] = [0x1f, 0x8b];

/// Reads one file into `sink`; returns its format and how many records
/// were read. Malformed records go to `reader.problems`.
pub fn read_file<S: Sink>(
    path: &Path,
    reader: &mut Reader,
    sink: &mut S,
) -> Result<(Format, u64), ReadError> {
    let file = path.display().to_string();
    let opened = std::fs::File::open(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    read_from(
        BufReader::with_capacity(1 << 20, opened),
        &file,
        reader,
        sink,
    )
}

/// Reads a log held in memory (`name` is used in messages).
pub fn read_bytes<S: Sink>(
    data: &[u8],
    name: &str,
    reader: &mut Reader,
    sink: &mut S,
) -> Result<(Format, u64), ReadError> {
    read_from(data, name, reader, sink)
}

fn read_from<R: BufRead, S: Sink>(
    mut input: R,
    file: &str,
    reader: &mut Reader,
    sink: &mut S,
) -> Result<(Format, u64), ReadError> {
    let head = input.fill_buf().map_err(|source| ReadError::Io {
        file: file.to_owned(),
        source,
    })?;
    if head.starts_with(&GZIP) {
        let decoder = flate2::read::MultiGzDecoder::new(input);
        let mut inner = BufReader::with_capacity(1 << 20, decoder);
        return read_stream(&mut inner, file, reader, sink);
    }
    read_stream(&mut input, file, reader, sink)
}

fn read_stream<R: BufRead, S: Sink>(
    input: &mut R,
    file: &str,
    reader: &mut Reader,
    sink: &mut S,
) -> Result<(Format, u64), ReadError> {
    let io = |source| ReadError::Io {
        file: file.to_owned(),
        source,
    };
    let head = input.fill_buf().map_err(io)?.to_vec();
    if head.is_empty() {
        return Err(ReadError::NotALog {
            file: file.to_owned(),
            reason: "the file is empty".to_owned(),
        });
    }
    if pcap::is_capture(&head) || matches!(head.get(..2), Some([0, 5 | 9 | 10])) {
        let mut data = Vec::new();
        input.read_to_end(&mut data).map_err(io)?;
        return read_binary(&data, file, reader, sink);
    }
    let first = crate::parallel::first_line(&head);
    let first = first.trim_start_matches('\u{feff}').trim();
    let (format, records) = if first.starts_with("#separator") {
        (
            Format::ZeekTsv,
            zeek::read_tsv(input, file, sink, &mut reader.problems).map_err(io)?,
        )
    } else if first.starts_with('{') {
        (
            Format::JsonLines,
            zeek::read_json(input, file, sink, &mut reader.problems).map_err(io)?,
        )
    } else if first.contains(',') && !first.starts_with("lease ") && !first.starts_with('#') {
        let records = tables::read_csv(input, file, &reader.columns, sink, &mut reader.problems)
            .map_err(|reason| ReadError::Rejected {
                file: file.to_owned(),
                reason,
            })?;
        (Format::FirewallCsv, records)
    } else if head.contains(&0) {
        return Err(ReadError::NotALog {
            file: file.to_owned(),
            reason: format!(
                "not a log shinsa reads (Zeek TSV or JSON, NetFlow/IPFIX packet or pcap, firewall CSV, lease or ARP table): starts with bytes {}",
                head.iter()
                    .take(8)
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        });
    } else {
        let before = (reader.problems.count, reader.problems.first.len());
        let records = tables::read_leases(input, file, sink, &mut reader.problems).map_err(io)?;
        // Not one entry read: the file is no lease or neighbour table (the
        // last resort of detection), and its lines are not malformed
        // entries but another kind of text (a Zeek conn-summary report).
        if records == 0 {
            reader.problems.count = before.0;
            reader.problems.first.truncate(before.1);
            return Err(ReadError::NotALog {
                file: file.to_owned(),
                reason: format!(
                    "not a log shinsa reads (Zeek TSV or JSON, NetFlow/IPFIX packet or pcap, firewall CSV, lease or ARP table): no record in it; it starts {:?}",
                    first.chars().take(60).collect::<String>()
                ),
            });
        }
        (Format::LeaseTable, records)
    };
    Ok((format, records))
}

fn read_binary<S: Sink>(
    data: &[u8],
    file: &str,
    reader: &mut Reader,
    sink: &mut S,
) -> Result<(Format, u64), ReadError> {
    let mut records = 0u64;
    let mut handle =
        |payload: &[u8], exporter: &str, place: String, reader: &mut Reader| match netflow::parse(
            payload,
            exporter,
            &format!("{file}: {place}"),
            &mut reader.templates,
        ) {
            Ok(packet) => {
                for note in packet.notes {
                    reader.notes.push(format!("{file}: {place}: {note}"));
                }
                records += packet.flows.len() as u64;
                for flow in packet.flows {
                    sink.flow(flow);
                }
            }
            Err(reason) => reader.problems.push(file, place, reason),
        };
    if pcap::is_capture(data) {
        let (datagrams, skipped) = pcap::datagrams(data).map_err(|reason| ReadError::Rejected {
            file: file.to_owned(),
            reason,
        })?;
        if skipped > 0 {
            reader.notes.push(format!(
                "{file}: {skipped} packets are not UDP over IP; skipped"
            ));
        }
        for datagram in datagrams {
            handle(
                datagram.payload,
                &datagram.source,
                format!("packet {}", datagram.number),
                reader,
            );
        }
        return Ok((Format::Pcap, records));
    }
    // A captured payload: IPFIX messages carry their length, so several in
    // a row are read one by one; a v5 or v9 file is one packet. Templates
    // from a file named like its data file's exporter apply across files.
    let exporter = "file";
    let mut rest = data;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let length = netflow::ipfix_length(rest)
            .filter(|length| *length >= 16 && *length <= rest.len())
            .unwrap_or(rest.len());
        let (packet, after) = rest.split_at(length);
        handle(packet, exporter, format!("packet {number}"), reader);
        rest = after;
    }
    Ok((Format::ExportPacket, records))
}

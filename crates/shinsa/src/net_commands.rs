//! `shinsa net flows` and `shinsa net devices`: read network logs, tie
//! them to a register, and let the policy pack decide on what they show.

use crate::output::{self, Format, Language};
use crate::screen_command::{self, Outcome, Report};
use indicatif::ProgressBar;
use serde_json::json;
use shinsa_model::{Finding, Inventory, Severity, SubjectKind};
use shinsa_net::{ColumnMap, Evidence, Flow, Locality, Lookups, ReadError, Reader, Sighting};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// What `net` reads.
#[derive(Debug)]
pub struct NetRequest {
    pub logs: Vec<PathBuf>,
    pub geo: Vec<PathBuf>,
    pub asn: Vec<PathBuf>,
    pub oui: Vec<PathBuf>,
    pub columns: Option<String>,
}

/// Which view: connections or devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Flows,
    Devices,
}

/// How the reading went, beside the findings.
#[derive(Debug, Default)]
pub struct ReadReport {
    pub files: Vec<(String, &'static str, u64)>,
    /// Files that are not logs, and why.
    pub skipped: Vec<(String, String)>,
    /// Inbound traffic by the network it came from.
    pub inbound: Vec<shinsa_net::InboundSource>,
    pub summary: shinsa_net::Summary,
    pub problems: shinsa_net::Problems,
    pub notes: Vec<String>,
    pub datasets: Vec<String>,
    pub seconds: f64,
}

/// Counts records and shows them, with their rate, in the screening's
/// progress bar every 65,536 records (not per record: the bar locks). The
/// count is shared by the threads reading chunks of one file.
struct Counting<'a, 'b> {
    evidence: Evidence<'b>,
    bar: &'a ProgressBar,
    file: &'a str,
    /// Records since this sink last added to `total`.
    pending: u64,
    total: &'a AtomicU64,
    started: std::time::Instant,
}

const PROGRESS_STEP: u64 = 1 << 16;

impl Counting<'_, '_> {
    fn tick(&mut self) {
        self.pending += 1;
        if self.pending == PROGRESS_STEP {
            let records = self.total.fetch_add(self.pending, Ordering::Relaxed) + self.pending;
            self.pending = 0;
            let rate = records as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
            self.bar.set_message(format!(
                "reading network logs: {records} records ({rate:.0}/s) · {}",
                self.file
            ));
        }
    }
}

impl shinsa_net::Sink for Counting<'_, '_> {
    fn flow(&mut self, flow: Flow) {
        self.tick();
        self.evidence.flow(flow);
    }
    fn sighting(&mut self, sighting: Sighting) {
        self.tick();
        self.evidence.sighting(sighting);
    }
}

/// Reads every log into the register's network evidence.
fn observe(
    request: &NetRequest,
    inventory: &mut Inventory,
    outer: &ProgressBar,
) -> anyhow::Result<ReadReport> {
    let lookups = Lookups::open(&request.geo, &request.asn, &request.oui)?;
    let mut reader = Reader {
        columns: match &request.columns {
            Some(text) => {
                ColumnMap::parse(text).map_err(|reason| anyhow::anyhow!("--columns: {reason}"))?
            }
            None => ColumnMap::default(),
        },
        ..Reader::default()
    };
    let locality = Locality::of(inventory);
    let mut evidence = Evidence::new(&lookups, locality.clone());
    let mut report = ReadReport {
        datasets: lookups.labels(),
        ..ReadReport::default()
    };
    outer.set_message("reading network logs");
    let started = std::time::Instant::now();
    let total = AtomicU64::new(0);
    // A large plain log is cut into a chunk per core (gzip, packets and
    // tables are read on one thread); the chunks' evidence is merged in
    // file order, which gives what one thread would.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    for path in &request.logs {
        let file = path.display().to_string();
        let name = path
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let make = || {
            let mut chunk = Evidence::new(&lookups, locality.clone());
            chunk.set_file(&name);
            Counting {
                evidence: chunk,
                bar: outer,
                file: &file,
                pending: 0,
                total: &total,
                started,
            }
        };
        let read = shinsa_net::read_file_parallel(path, &mut reader, threads, &make);
        match read {
            Ok((format, records, chunks)) => {
                for chunk in chunks {
                    total.fetch_add(chunk.pending, Ordering::Relaxed);
                    evidence.merge(chunk.evidence);
                }
                report.files.push((file, format.name(), records));
            }
            Err(ReadError::NotALog { file, reason }) => report.skipped.push((file, reason)),
            Err(error) => return Err(error.into()),
        }
    }
    // NetFlow data whose template came in a later file is the last file's.
    if let Some(last) = request.logs.last().and_then(|path| path.file_name()) {
        evidence.set_file(&last.to_string_lossy());
    }
    let mut counting = Counting {
        evidence,
        bar: outer,
        file: "templates that came late",
        pending: 0,
        total: &total,
        started,
    };
    let late = reader.finish(&mut counting);
    let evidence = counting.evidence;
    if late > 0 {
        report.files.push((
            "(data read once its template came)".to_owned(),
            "NetFlow/IPFIX",
            late,
        ));
    }
    report.seconds = started.elapsed().as_secs_f64();
    inventory.observed = evidence.observed(inventory);
    report.summary = evidence.summary.clone();
    report.inbound = evidence.inbound();
    report.problems = reader.problems;
    report.notes = reader.notes;
    if report.summary.unplaced_flows > 0 {
        report.notes.push(format!(
            "{} flows were between two addresses neither of which is the operator's (private ranges, [network] internal in operator.toml, register assets' addresses): give the operator's public ranges to judge them",
            report.summary.unplaced_flows
        ));
    }
    if request.geo.is_empty() {
        report
            .notes
            .push("no --geo dataset (or SHINSA_GEO): destination countries are unknown".to_owned());
    }
    if request.asn.is_empty() {
        report.notes.push(
            "no --asn dataset (or SHINSA_ASN): networks and providers are unknown".to_owned(),
        );
    }
    Ok(report)
}

/// The outcome of a `net` run: the text to print, the findings of the
/// view (for the exit code), how reading went, and the screening's warnings.
pub struct NetOutput {
    pub text: String,
    pub findings: Vec<Finding>,
    pub read: ReadReport,
    pub warnings: Vec<String>,
}

/// Runs `net flows` or `net devices`. `Ok(None)` is bad register input
/// (already printed).
pub fn run(
    view: View,
    inventory: PathBuf,
    request: &NetRequest,
    options: &screen_command::Options,
    format: Format,
    language: Language,
) -> anyhow::Result<Option<NetOutput>> {
    let mut read = ReadReport::default();
    let mut observer = |inventory: &mut Inventory, bar: &ProgressBar| -> anyhow::Result<()> {
        read = observe(request, inventory, bar)?;
        Ok(())
    };
    let outcome = screen_command::run_with(
        &screen_command::Source::Path(inventory),
        options,
        &mut observer,
    )?;
    let report = match outcome {
        Outcome::Screened(report) => report,
        Outcome::BadInput(errors) => {
            eprint!("{errors}");
            return Ok(None);
        }
    };
    let kind = match view {
        View::Flows => SubjectKind::Connection,
        View::Devices => SubjectKind::Device,
    };
    let findings: Vec<Finding> = report
        .findings
        .iter()
        .filter(|finding| finding.subject.kind == kind)
        .cloned()
        .collect();
    let text = render(view, &report, &findings, &read, format, language)?;
    Ok(Some(NetOutput {
        text,
        findings,
        read,
        warnings: report.warnings,
    }))
}

/// Severity and rules per subject id.
fn decisions(findings: &[Finding]) -> BTreeMap<&str, (Severity, Vec<&str>)> {
    let mut by_subject: BTreeMap<&str, (Severity, Vec<&str>)> = BTreeMap::new();
    for finding in findings {
        let entry = by_subject
            .entry(finding.subject.id.as_str())
            .or_insert((finding.severity, Vec::new()));
        entry.0 = entry.0.max(finding.severity);
        entry.1.push(&finding.rule.id);
    }
    by_subject
}

fn render(
    view: View,
    report: &Report,
    findings: &[Finding],
    read: &ReadReport,
    format: Format,
    language: Language,
) -> anyhow::Result<String> {
    let decided = decisions(findings);
    let outcome = |id: &str| -> (String, String) {
        decided.get(id).map_or_else(
            || ("clear".to_owned(), String::new()),
            |(severity, rules)| (severity.as_str().to_owned(), rules.join(" ")),
        )
    };
    let ja = language == Language::Ja;
    let (header, rows): (Vec<&str>, Vec<Vec<String>>) = match view {
        View::Flows => (
            if ja {
                vec![
                    "送信元資産",
                    "送信元IP",
                    "宛先国",
                    "事業者・ネットワーク",
                    "親会社(国)",
                    "フロー数",
                    "バイト数",
                    "初回",
                    "最終",
                    "判定",
                    "ルール",
                ]
            } else {
                vec![
                    "source asset",
                    "source ip",
                    "country",
                    "provider / network",
                    "parent (country)",
                    "flows",
                    "bytes",
                    "first seen",
                    "last seen",
                    "outcome",
                    "rules",
                ]
            },
            report_connections(report, &outcome),
        ),
        View::Devices => (
            if ja {
                vec![
                    "MAC",
                    "IP",
                    "ホスト名",
                    "ハードウェアベンダー",
                    "登録資産",
                    "登録上の製造者",
                    "検出ログ",
                    "判定",
                    "ルール",
                ]
            } else {
                vec![
                    "mac",
                    "ip",
                    "hostname",
                    "hardware vendor (OUI)",
                    "asset",
                    "register's maker",
                    "seen in",
                    "outcome",
                    "rules",
                ]
            },
            report_devices(report, &outcome),
        ),
    };
    match format {
        Format::Csv => output::rows_output(&header, &rows, &(), Format::Csv),
        Format::Json => {
            let findings_report = Report {
                findings: findings.to_vec(),
                ..clone_report(report)
            };
            let mut document: serde_json::Value =
                serde_json::from_str(&output::report(&findings_report, Format::Json, language)?)?;
            let observed = match view {
                View::Flows => serde_json::to_value(&report.observed.connections)?,
                View::Devices => serde_json::to_value(&report.observed.devices)?,
            };
            if let Some(object) = document.as_object_mut() {
                object.insert(
                    "network".to_owned(),
                    json!({
                        "files": read.files.iter().map(|(file, format, records)| json!({"file": file, "format": format, "records": records})).collect::<Vec<_>>(),
                        "skipped": read.skipped.iter().map(|(file, reason)| json!({"file": file, "reason": reason})).collect::<Vec<_>>(),
                        "flows": read.summary.flows,
                        "sightings": read.summary.sightings,
                        "internal_flows": read.summary.internal_flows,
                        "outbound_flows": read.summary.outbound_flows,
                        "inbound_flows": read.summary.inbound_flows,
                        "answered_inbound_flows": read.summary.answered_inbound_flows,
                        "control_flows": read.summary.control_flows,
                        "unplaced_flows": read.summary.unplaced_flows,
                        "inbound": read.inbound,
                        "randomised_macs_ignored": read.summary.randomised_macs,
                        "malformed_records": read.problems.count,
                        "malformed": read.problems.first.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "notes": read.notes,
                        "datasets": read.datasets,
                        "observed": observed,
                    }),
                );
            }
            Ok(format!("{}\n", serde_json::to_string_pretty(&document)?))
        }
        Format::Table => {
            let mut text = output::rows_output(&header, &rows, &(), Format::Table)?;
            let findings_report = Report {
                findings: findings.to_vec(),
                ..clone_report(report)
            };
            text.push_str(&output::report(&findings_report, Format::Table, language)?);
            text.push_str(&read_summary(read, language));
            Ok(text)
        }
    }
}

fn clone_report(report: &Report) -> Report {
    Report {
        operator: report.operator.clone(),
        sector_name: report.sector_name.clone(),
        as_of: report.as_of,
        subjects: report.subjects,
        findings: Vec::new(),
        warnings: report.warnings.clone(),
        provenance: report.provenance.clone(),
        observed: shinsa_model::Observed::default(),
        makers: BTreeMap::new(),
    }
}

fn report_connections(
    report: &Report,
    outcome: &dyn Fn(&str) -> (String, String),
) -> Vec<Vec<String>> {
    report
        .observed
        .connections
        .iter()
        .map(|connection| {
            let (severity, rules) = outcome(&connection.id);
            vec![
                connection
                    .source_asset
                    .clone()
                    .unwrap_or_else(|| "(not registered)".to_owned()),
                connection.source_ip.clone(),
                connection
                    .destination_country
                    .map_or_else(|| "?".to_owned(), |c| c.to_string()),
                connection.provider.clone().unwrap_or_else(|| {
                    match (connection.asn, &connection.network_org) {
                        (Some(asn), Some(org)) => format!("AS{asn} {org}"),
                        (Some(asn), None) => format!("AS{asn}"),
                        _ => "?".to_owned(),
                    }
                }),
                match (&connection.provider_parent, connection.provider_country) {
                    (Some(parent), Some(country)) => format!("{} ({country})", parent.as_str()),
                    _ => String::new(),
                },
                connection.flows.to_string(),
                connection.bytes.to_string(),
                connection.first_seen.clone(),
                connection.last_seen.clone(),
                severity,
                rules,
            ]
        })
        .collect()
}

fn report_devices(report: &Report, outcome: &dyn Fn(&str) -> (String, String)) -> Vec<Vec<String>> {
    report
        .observed
        .devices
        .iter()
        .map(|device| {
            let (severity, rules) = outcome(&device.id);
            let registered =
                shinsa_model::shown(device.asset.as_deref().and_then(|id| report.makers.get(id)));
            vec![
                device.mac.clone(),
                shinsa_model::shown(device.ip.as_ref()),
                shinsa_model::shown(device.hostname.as_ref()),
                device
                    .vendor
                    .as_ref()
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_else(|| "?".to_owned()),
                device
                    .asset
                    .clone()
                    .unwrap_or_else(|| "(not registered)".to_owned()),
                registered,
                device.seen_in.clone(),
                severity,
                rules,
            ]
        })
        .collect()
}

/// Inbound networks the table output lists.
const INBOUND_SHOWN: usize = 10;

fn read_summary(read: &ReadReport, language: Language) -> String {
    let ja = language == Language::Ja;
    let mut text = String::new();
    let records: u64 = read.files.iter().map(|(_, _, records)| records).sum();
    let rate = records as f64 / read.seconds.max(1e-9);
    let files = read.files.len();
    let seconds = read.seconds;
    let shinsa_net::Summary {
        flows,
        sightings,
        internal_flows,
        outbound_flows,
        inbound_flows,
        answered_inbound_flows,
        control_flows,
        unplaced_flows,
        randomised_macs,
    } = read.summary;
    text.push_str(&if ja {
        format!(
            "{files} ファイルから {records} 件を {seconds:.2} 秒で読み込み（毎秒 {rate:.0} 件）: フロー {flows} 件 — 送信 {outbound_flows}、着信 {inbound_flows}（うち応答 {answered_inbound_flows}）、内部 {internal_flows}、接続でないもの（ICMP・無応答・リセット） {control_flows}、事業者のアドレスでない端点どうし {unplaced_flows} — 機器の観測 {sightings} 件（ランダム化 MAC {randomised_macs} 件は対象外）。\n"
        )
    } else {
        format!(
            "Read {records} records from {files} files in {seconds:.2} s ({rate:.0} records/s): {flows} flows — {outbound_flows} outbound, {inbound_flows} inbound ({answered_inbound_flows} answered), {internal_flows} inside the network, {control_flows} no connection (ICMP, unanswered, reset), {unplaced_flows} between addresses not the operator's — and {sightings} device sightings ({randomised_macs} randomised MACs left alone).\n"
        )
    });
    for (file, format, records) in &read.files {
        text.push_str(&format!("  {file}: {format}, {records} records\n"));
    }
    let skipped = if ja { "読み飛ばし" } else { "skipped" };
    for (file, reason) in &read.skipped {
        text.push_str(&format!("  {file}: {skipped}: {reason}\n"));
    }
    if !read.inbound.is_empty() {
        text.push_str(if ja {
            "外部からの着信（ネットワーク別）:\n"
        } else {
            "Inbound traffic (the outside knocking), by network:\n"
        });
        for row in read.inbound.iter().take(INBOUND_SHOWN) {
            let (flows_word, from_word, answered_word) = if ja {
                ("フロー", "送信元アドレス", "応答")
            } else {
                ("flows", "addresses", "answered")
            };
            text.push_str(&format!(
                "  {} {} ({}): {} {flows_word}, {} {from_word}, {} {answered_word}, {} – {}\n",
                row.country
                    .map_or_else(|| "??".to_owned(), |c| c.to_string()),
                row.asn
                    .map_or_else(|| "AS?".to_owned(), |asn| format!("AS{asn}")),
                row.network.as_deref().unwrap_or(&row.kind),
                row.flows,
                row.sources,
                row.answered,
                row.first_seen,
                row.last_seen,
            ));
        }
        if read.inbound.len() > INBOUND_SHOWN {
            let more = read.inbound.len() - INBOUND_SHOWN;
            text.push_str(&if ja {
                format!("  … ほか {more} ネットワーク（--format json で全件）\n")
            } else {
                format!("  … {more} more networks (--format json lists them all)\n")
            });
        }
    }
    if read.problems.count > 0 {
        text.push_str(&format!(
            "{} malformed records (not read):\n",
            read.problems.count
        ));
        for problem in &read.problems.first {
            text.push_str(&format!("  {problem}\n"));
        }
        if read.problems.count > read.problems.first.len() as u64 {
            text.push_str("  … (--format json lists the first 20)\n");
        }
    }
    for note in &read.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str("Lookups: ");
    text.push_str(&read.datasets.join("; "));
    text.push('\n');
    text
}

//! The screening report of a register: what was screened against which
//! list and pack versions, the findings by severity (a chart), every
//! finding with its triage, and every finding's evidence and legal basis.
//! In Japanese or English.

use crate::charts::{Bar, bars};
use crate::document::{Block, Cell, Document, Section};
use shinsa_model::Date;

/// A register's current screening as the server holds it.
#[derive(Debug, Clone)]
pub struct ScreeningReport {
    pub lang: String,
    pub operator_name: String,
    pub register_name: String,
    pub register_version: i64,
    /// The run's provenance (`input_sha256`, `lists`, `policy`, `as_of`).
    pub provenance: serde_json::Value,
    pub screened_at: String,
    /// Each finding's stored body (`id`, `severity`, `rule`, `subject`,
    /// `title`, `title_ja`, `explanation`, `evidence`) with its effective
    /// triage status and justification.
    pub findings: Vec<(serde_json::Value, String, Option<String>)>,
    pub printed_on: Date,
}

/// One piece of evidence as one line.
pub fn evidence_line(evidence: &serde_json::Value) -> String {
    let text = |key: &str| evidence[key].as_str().unwrap_or_default().to_owned();
    let joined = |key: &str, separator: &str| {
        evidence[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect::<Vec<_>>()
                    .join(separator)
            })
            .unwrap_or_default()
    };
    match evidence["kind"].as_str().unwrap_or_default() {
        "list_match" => format!(
            "{} {}: \"{}\" ≈ \"{}\" ({:.2}, {}{}) — {}",
            text("list"),
            text("entry"),
            text("matched_name"),
            text("listed_name"),
            evidence["score"].as_f64().unwrap_or_default(),
            text("role"),
            evidence["through"]
                .as_str()
                .map(|through| format!(", via {through}"))
                .unwrap_or_default(),
            joined("why", "; ")
        ),
        "categorical" => format!(
            "{} {}: {} ({})",
            text("list"),
            text("entry"),
            text("category"),
            text("why")
        ),
        "ownership" => format!(
            "{} ({:.1} %)",
            joined("path", " → "),
            evidence["effective_share"].as_f64().unwrap_or_default()
        ),
        "country" => format!(
            "{}{}: {} [{}]",
            text("role"),
            evidence["party"]
                .as_str()
                .map(|party| format!(" {party}"))
                .unwrap_or_default(),
            text("country"),
            joined("groups", ", ")
        ),
        "contract_chain" => joined("path", " → "),
        "fact" => text("text"),
        _ => evidence.to_string(),
    }
}

/// The report as a document.
pub fn screening_document(report: &ScreeningReport) -> Document {
    let ja = report.lang == "ja";
    let l = |japanese: &str, english: &str| if ja { japanese } else { english }.to_owned();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let severity_label = |severity: &str| match (severity, ja) {
        ("prohibited", true) => "禁止".to_owned(),
        ("review", true) => "要審査".to_owned(),
        ("notice", true) => "注意".to_owned(),
        ("prohibited", false) => "Prohibited".to_owned(),
        ("review", false) => "Review".to_owned(),
        ("notice", false) => "Notice".to_owned(),
        (other, _) => other.to_owned(),
    };
    let count = |severity: &str| {
        report
            .findings
            .iter()
            .filter(|(finding, _, _)| finding["severity"] == severity)
            .count() as u64
    };
    let provenance = &report.provenance;
    let mut summary = Section::new(1, l("1　概要", "1 Summary")).with(Block::Fields {
        rows: vec![
            (l("事業者", "Operator"), report.operator_name.clone()),
            (
                l("台帳", "Register"),
                format!("{} (v{})", report.register_name, report.register_version),
            ),
            (l("審査日時", "Screened at"), report.screened_at.clone()),
            (l("判定基準", "Policy pack"), text(&provenance["policy"])),
            (l("基準日", "As of"), text(&provenance["as_of"])),
            (
                l("入力の SHA-256", "Input SHA-256"),
                text(&provenance["input_sha256"]),
            ),
            (l("指摘件数", "Findings"), report.findings.len().to_string()),
        ],
    });
    summary = summary.with(Block::Chart {
        svg: bars(
            &l("重大度別の指摘件数", "Findings by severity"),
            &["prohibited", "review", "notice"]
                .iter()
                .map(|severity| Bar {
                    label: severity_label(severity),
                    value: count(severity),
                    href: None,
                    tone: severity,
                })
                .collect::<Vec<_>>(),
        ),
    });
    if let Some(lists) = provenance["lists"].as_object() {
        summary = summary.with(Block::Table {
            header: vec![l("参照リスト", "List"), l("版", "Version")],
            widths: vec![30, 70],
            rows: lists
                .iter()
                .map(|(list, version)| vec![Cell::from(list.as_str()), Cell::from(text(version))])
                .collect(),
        });
    }
    let findings =
        Section::new(1, l("2　指摘事項", "2 Findings")).with(if report.findings.is_empty() {
            Block::Text {
                text: l("指摘事項はありません。", "No findings."),
            }
        } else {
            Block::Table {
                header: vec![
                    l("重大度", "Severity"),
                    l("規則", "Rule"),
                    l("対象", "Subject"),
                    l("指摘事項", "Finding"),
                    l("対応状況", "Status"),
                ],
                widths: vec![10, 14, 20, 40, 16],
                rows: report
                    .findings
                    .iter()
                    .map(|(finding, status, justification)| {
                        vec![
                            Cell::from(severity_label(
                                finding["severity"].as_str().unwrap_or_default(),
                            )),
                            Cell::from(text(&finding["rule"]["id"])),
                            Cell::from(format!(
                                "{} {}",
                                text(&finding["subject"]["id"]),
                                text(&finding["subject_name"])
                            )),
                            Cell {
                                text: text(&finding[if ja { "title_ja" } else { "title" }]),
                                small: Some(text(&finding["explanation"])),
                            },
                            Cell {
                                text: status.clone(),
                                small: justification.clone(),
                            },
                        ]
                    })
                    .collect(),
            }
        });
    let mut sections = vec![summary, findings];
    let mut heading = Section::new(1, l("3　根拠", "3 Evidence"));
    heading.new_page = true;
    sections.push(heading.with(Block::Text {
        text: l(
            "指摘ごとに、適用した規則の法的根拠と、判定の根拠となった事実を示します。",
            "For each finding, the legal basis of the rule applied and the facts it rests on.",
        ),
    }));
    for (finding, _, _) in &report.findings {
        let mut rows = vec![(
            l("法的根拠", "Legal basis"),
            text(&finding["rule"]["legal_basis"]),
        )];
        rows.extend(
            finding["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|evidence| (l("根拠", "Evidence"), evidence_line(evidence))),
        );
        sections.push(Section::new(2, text(&finding["id"])).with(Block::Fields { rows }));
    }
    Document {
        lang: report.lang.clone(),
        title: l(
            "サプライチェーン審査結果報告書",
            "Supply-chain screening report",
        ),
        date_line: if ja {
            crate::japanese_date(report.printed_on)
        } else {
            crate::english_date(report.printed_on)
        },
        addressee: None,
        author_line: Some(report.operator_name.clone()),
        preamble: Vec::new(),
        sections,
        closing: None,
        footer: format!(
            "{} v{} · {} · shinsa {}",
            report.register_name,
            report.register_version,
            text(&provenance["policy"]),
            report.printed_on
        ),
        author: report.operator_name.clone(),
        date: report.printed_on.to_string(),
    }
}

//! The report on a register's current findings: what was screened against which
//! list and pack versions, the findings by severity (a chart), every
//! finding with its triage, and every finding's evidence and legal basis.
//! In Japanese or English.

use crate::charts::{Bar, bars};
use crate::document::{Block, Cell, Document, Section};
use shinsa_model::{Date, Evidence, Finding, Provenance, Severity, clause};

/// A register's current findings as the server holds them: the report
/// an operator takes to a meeting and a ministry files.
#[derive(Debug, Clone)]
pub struct RegisterReport {
    pub lang: String,
    pub operator_name: String,
    pub register_name: String,
    pub register_version: i64,
    /// The run's provenance: input, lists, pack, day.
    pub provenance: Provenance,
    pub screened_at: String,
    pub findings: Vec<ReportedFinding>,
    pub printed_on: Date,
}

/// A finding with its triage as the report shows it.
#[derive(Debug, Clone)]
pub struct ReportedFinding {
    pub finding: Finding,
    /// The effective triage status, in the report's language.
    pub status: String,
    pub justification: Option<String>,
}

/// One piece of evidence as one line.
pub fn evidence_line(evidence: &Evidence) -> String {
    match evidence {
        Evidence::ListMatch {
            list,
            entry,
            matched_name,
            listed_name,
            score,
            why,
            role,
            through,
            ..
        } => format!(
            "{list} {entry}: \"{matched_name}\" ≈ \"{listed_name}\" ({score:.2}, {role}{}) — {}",
            clause(through.as_ref(), |through| format!(", via {through}")),
            why.join("; ")
        ),
        Evidence::Categorical {
            list,
            entry,
            category,
            why,
            ..
        } => format!("{list} {entry}: {category} ({why})"),
        Evidence::Ownership {
            path,
            effective_share,
        } => format!("{} ({effective_share:.1} %)", path.join(" → ")),
        Evidence::Country {
            role,
            party,
            country,
            groups,
        } => format!(
            "{role}{}: {country} [{}]",
            clause(party.as_ref(), |party| format!(" {party}")),
            groups.join(", ")
        ),
        Evidence::ContractChain { path } => path.join(" → "),
        Evidence::Fact { text } => text.clone(),
        Evidence::Flow {
            destination,
            country,
            provider,
            data_categories,
        } => format!(
            "→ {destination}{}{} [{}]",
            clause(country.as_ref(), |country| format!(" ({country})")),
            clause(provider.as_ref(), |provider| format!(", {provider}")),
            data_categories.join(", ")
        ),
        Evidence::Connection {
            source,
            destination,
            country,
            provider,
            flows,
            bytes,
            ..
        } => format!(
            "{source} → {destination}{}{}: {flows} flows, {bytes} bytes",
            clause(country.as_ref(), |country| format!(" ({country})")),
            clause(provider.as_ref(), |provider| format!(", {provider}")),
        ),
        Evidence::Device {
            mac,
            vendor,
            registered_vendor,
            ..
        } => format!(
            "{mac}{}{}",
            clause(vendor.as_ref(), |vendor| format!(" ({vendor})")),
            clause(registered_vendor.as_ref(), |registered| format!(
                "; registered as {registered}"
            )),
        ),
        Evidence::Exposure {
            vulnerability,
            advisory,
            source,
            product,
            version,
            matched_by,
            confidence,
            placement,
            fixed_in,
            kev_due,
            ransomware,
            mitigation,
            ..
        } => format!(
            "{vulnerability} ({source} {advisory}): {product}{} — {placement}; {matched_by} ({confidence:.2}){}{}{}{}",
            clause(version.as_ref(), |version| format!(" {version}")),
            clause(fixed_in.as_ref(), |fixed| format!("; fixed in {fixed}")),
            clause(kev_due.as_ref(), |due| format!("; CISA KEV, due {due}")),
            if *ransomware {
                "; known ransomware use"
            } else {
                ""
            },
            clause(mitigation.as_ref(), |mitigation| format!("; {mitigation}")),
        ),
    }
}

/// The report as a document.
pub fn register_document(report: &RegisterReport) -> Document {
    let ja = report.lang == "ja";
    let l = |japanese: &str, english: &str| if ja { japanese } else { english }.to_owned();
    let severity_label = |severity: Severity| {
        match (severity, ja) {
            (Severity::Prohibited, true) => "禁止",
            (Severity::Review, true) => "要審査",
            (Severity::Notice, true) => "注意",
            (Severity::Prohibited, false) => "Prohibited",
            (Severity::Review, false) => "Review",
            (Severity::Notice, false) => "Notice",
        }
        .to_owned()
    };
    let count = |severity: Severity| {
        report
            .findings
            .iter()
            .filter(|reported| reported.finding.severity == severity)
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
            (l("判定基準", "Policy pack"), provenance.policy.clone()),
            (l("基準日", "As of"), provenance.as_of.clone()),
            (
                l("入力の SHA-256", "Input SHA-256"),
                provenance.input_sha256.clone(),
            ),
            (l("指摘件数", "Findings"), report.findings.len().to_string()),
        ],
    });
    summary = summary.with(Block::Chart {
        svg: bars(
            &l("重大度別の指摘件数", "Findings by severity"),
            &[Severity::Prohibited, Severity::Review, Severity::Notice]
                .iter()
                .map(|severity| Bar {
                    label: severity_label(*severity),
                    value: count(*severity),
                    href: None,
                    tone: severity.as_str(),
                })
                .collect::<Vec<_>>(),
        ),
    });
    if !provenance.lists.is_empty() {
        summary = summary.with(Block::Table {
            header: vec![l("参照リスト", "List"), l("版", "Version")],
            widths: vec![30, 70],
            rows: provenance
                .lists
                .iter()
                .map(|(list, version)| {
                    vec![Cell::from(list.as_str()), Cell::from(version.as_str())]
                })
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
                    .map(|reported| {
                        let finding = &reported.finding;
                        vec![
                            Cell::from(severity_label(finding.severity)),
                            Cell::from(finding.rule.id.as_str()),
                            Cell::from(format!("{} {}", finding.subject.id, finding.subject_name)),
                            Cell {
                                text: if ja {
                                    &finding.title_ja
                                } else {
                                    &finding.title
                                }
                                .to_string(),
                                small: Some(finding.explanation.clone()),
                            },
                            Cell {
                                text: reported.status.clone(),
                                small: reported.justification.clone(),
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
    for reported in &report.findings {
        let finding = &reported.finding;
        let mut rows = vec![(
            l("法的根拠", "Legal basis"),
            finding.rule.legal_basis.to_string(),
        )];
        rows.extend(
            finding
                .evidence
                .iter()
                .map(|evidence| (l("根拠", "Evidence"), evidence_line(evidence))),
        );
        sections.push(Section::new(2, finding.id.clone()).with(Block::Fields { rows }));
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
            report.register_name, report.register_version, provenance.policy, report.printed_on
        ),
        author: report.operator_name.clone(),
        date: report.printed_on.to_string(),
    }
}

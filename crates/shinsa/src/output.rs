//! Rendering reports and list overviews as a table, JSON or CSV.

use crate::screen_command::Report;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use shinsa_model::{Finding, ReferenceData, Severity};
use std::io::IsTerminal;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// One JSON document with the summary, provenance and every finding.
    Json,
    /// One row per finding, evidence as compact JSON.
    Csv,
}

/// Language of titles and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Language {
    En,
    Ja,
}

fn severity_label(severity: Severity, language: Language) -> &'static str {
    match (severity, language) {
        (Severity::Prohibited, Language::En) => "PROHIBITED",
        (Severity::Review, Language::En) => "REVIEW",
        (Severity::Notice, Language::En) => "notice",
        (Severity::Prohibited, Language::Ja) => "禁止",
        (Severity::Review, Language::Ja) => "要審査",
        (Severity::Notice, Language::Ja) => "注意",
    }
}

fn title(finding: &Finding, language: Language) -> &str {
    match language {
        Language::Ja if !finding.title_ja.is_empty() => &finding.title_ja,
        _ => &finding.title,
    }
}

/// How many facts of a finding the table shows; JSON and CSV carry all.
const TABLE_FACTS: usize = 3;

/// The facts of the explanation (without the title and subject it opens
/// with), cut to the first few for the table.
fn reasons(finding: &Finding) -> String {
    let prefix = format!("{}: {}: ", finding.title, finding.subject_name);
    let facts: Vec<&str> = finding
        .explanation
        .strip_prefix(&prefix)
        .unwrap_or(&finding.explanation)
        .split("; ")
        .collect();
    if facts.len() > TABLE_FACTS {
        format!(
            "{}; … (+{} more in --format json)",
            facts[..TABLE_FACTS].join("; "),
            facts.len() - TABLE_FACTS
        )
    } else {
        facts.join("; ")
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if !std::io::stdout().is_terminal() {
        table.set_width(160);
    }
    table
}

/// A screening report as `--format json` writes it.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    operator: &'a shinsa_model::Operator,
    sector: &'a str,
    as_of: String,
    summary: Summary,
    provenance: &'a shinsa_model::Provenance,
    warnings: &'a [String],
    findings: &'a [shinsa_model::Finding],
}

#[derive(serde::Serialize)]
struct Summary {
    subjects_screened: usize,
    prohibited: usize,
    review: usize,
    notice: usize,
}

/// Renders a screening report.
pub fn report(report: &Report, format: Format, language: Language) -> anyhow::Result<String> {
    let findings = &report.findings;
    match format {
        Format::Json => {
            // Written straight from the findings: a `serde_json::Value` of
            // them first would hold every finding twice, the second time
            // as a tree several times its size (a register with thousands
            // of exposures has hundreds of thousands of findings).
            let document = JsonReport {
                operator: &report.operator,
                sector: &report.sector_name,
                as_of: report.as_of.to_string(),
                summary: Summary {
                    subjects_screened: report.subjects,
                    prohibited: count(findings, Severity::Prohibited),
                    review: count(findings, Severity::Review),
                    notice: count(findings, Severity::Notice),
                },
                provenance: &report.provenance,
                warnings: &report.warnings,
                findings,
            };
            Ok(format!("{}\n", serde_json::to_string_pretty(&document)?))
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record([
                "id",
                "severity",
                "rule",
                "subject_kind",
                "subject_id",
                "subject_name",
                "title",
                "explanation",
                "legal_basis",
                "evidence",
                "policy_version",
                "input_sha256",
                "as_of",
            ])?;
            for finding in findings {
                writer.write_record([
                    finding.id.as_str(),
                    finding.severity.as_str(),
                    finding.rule.id.as_str(),
                    finding.subject.kind.as_str(),
                    finding.subject.id.as_str(),
                    finding.subject_name.as_str(),
                    title(finding, language),
                    finding.explanation.as_str(),
                    &finding.rule.legal_basis,
                    &serde_json::to_string(&finding.evidence)?,
                    &finding.rule.policy_version,
                    finding.provenance.input_sha256.as_str(),
                    finding.provenance.as_of.as_str(),
                ])?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        Format::Table => Ok(table(report, language)),
    }
}

fn table(report: &Report, language: Language) -> String {
    let findings = &report.findings;
    let (operator_label, screened_label, summary_label) = match language {
        Language::En => ("Operator", "Screened", "Findings"),
        Language::Ja => ("事業者", "審査対象", "指摘"),
    };
    let mut out = String::new();
    out.push_str(&format!(
        "{operator_label}: {} ({}) — {}\n",
        report.operator.name, report.operator.id, report.sector_name
    ));
    out.push_str(&format!(
        "{screened_label}: {} subjects as of {} · pack {} · input sha256:{}\n",
        report.subjects,
        report.as_of,
        report.provenance.policy,
        &report.provenance.input_sha256[..16.min(report.provenance.input_sha256.len())]
    ));
    out.push_str(&format!(
        "{summary_label}: {} {} · {} {} · {} {}\n",
        count(findings, Severity::Prohibited),
        severity_label(Severity::Prohibited, language),
        count(findings, Severity::Review),
        severity_label(Severity::Review, language),
        count(findings, Severity::Notice),
        severity_label(Severity::Notice, language),
    ));
    if findings.is_empty() {
        out.push_str(match language {
            Language::En => "No findings.\n",
            Language::Ja => "指摘はありません。\n",
        });
        return out;
    }
    let mut table = new_table();
    let header = match language {
        Language::En => ["Severity", "Rule", "Subject", "Finding", "Evidence"],
        Language::Ja => ["重要度", "ルール", "対象", "指摘", "根拠"],
    };
    table.set_header(header);
    for finding in findings {
        table.add_row([
            severity_label(finding.severity, language).to_owned(),
            finding.rule.id.clone(),
            format!(
                "{} {}\n{}",
                finding.subject.kind.as_str(),
                finding.subject.id,
                finding.subject_name
            ),
            title(finding, language).to_owned(),
            reasons(finding),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out
}

/// Renders the list overview for `lists ls`.
pub fn lists(reference: &ReferenceData, format: Format) -> anyhow::Result<String> {
    let mut entries: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for entry in &reference.entries {
        *entries.entry(entry.list.as_str()).or_default() += 1;
    }
    let count = |id: &str| entries.get(id).copied().unwrap_or(0);
    let rows: Vec<Vec<String>> = reference
        .lists
        .iter()
        .map(|list| {
            let sha256 = if format == Format::Table {
                format!("{}…", list.sha256.get(..16).unwrap_or(&list.sha256))
            } else {
                list.sha256.clone()
            };
            vec![
                list.id.clone(),
                list.name.clone(),
                list.jurisdiction.to_string(),
                list.legal_effect.as_str().to_owned(),
                list.version.to_string(),
                count(&list.id).to_string(),
                coverage(list),
                sha256,
            ]
        })
        .collect();
    let document: Vec<serde_json::Value> = reference
        .lists
        .iter()
        .map(|list| {
            json!({
                "id": list.id, "name": list.name, "publisher": list.publisher,
                "jurisdiction": list.jurisdiction, "legal_effect": list.legal_effect,
                "version": list.version.to_string(), "entries": count(&list.id),
                "coverage": coverage(list),
                "sha256": list.sha256, "source": list.source,
            })
        })
        .collect();
    let header = [
        "id",
        "name",
        "jurisdiction",
        "legal_effect",
        "version",
        "entries",
        "coverage",
        "sha256",
    ];
    rows_output(&header, &rows, &document, format)
}

/// Whether a list is the publisher's whole list: bundled lists say so in
/// `lists.csv`; an imported list is the publisher's file as given.
fn coverage(list: &shinsa_model::ListInfo) -> String {
    list.coverage
        .clone()
        .unwrap_or_else(|| "complete: the publisher's file as imported".to_owned())
}

/// Renders a pack comparison.
pub fn pack_diff(diff: &shinsa_policy::PackDiff, format: Format) -> anyhow::Result<String> {
    let rows: Vec<(&str, &String)> = diff
        .added
        .iter()
        .map(|id| ("added", id))
        .chain(diff.removed.iter().map(|id| ("removed", id)))
        .chain(diff.changed.iter().map(|id| ("changed", id)))
        .collect();
    match format {
        Format::Json => Ok(format!("{}\n", serde_json::to_string_pretty(diff)?)),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["change", "rule"])?;
            for (change, id) in &rows {
                writer.write_record([*change, id.as_str()])?;
            }
            if diff.schema_changed {
                writer.write_record(["changed", "(schema)"])?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        Format::Table => {
            let mut out = format!("{} → {}\n", diff.old, diff.new);
            if diff.is_empty() {
                out.push_str("No rule differs.\n");
                return Ok(out);
            }
            for (change, id) in rows {
                out.push_str(&format!("  {change:<8} {id}\n"));
            }
            if diff.schema_changed {
                out.push_str("  changed  (schema)\n");
            }
            Ok(out)
        }
    }
}

/// Renders the findings a pack change adds and removes, per register.
pub fn impacts(impacts: &[shinsa_policy::Impact], format: Format) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(format!("{}\n", serde_json::to_string_pretty(impacts)?)),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record([
                "register",
                "change",
                "rule",
                "subject_kind",
                "subject_id",
                "severity",
            ])?;
            for impact in impacts {
                let changes = impact
                    .appear
                    .iter()
                    .map(|key| ("appears", key))
                    .chain(impact.disappear.iter().map(|key| ("disappears", key)));
                for (change, key) in changes {
                    writer.write_record([
                        impact.register.as_str(),
                        change,
                        key.rule.as_str(),
                        key.subject_kind.as_str(),
                        key.subject_id.as_str(),
                        key.severity.as_str(),
                    ])?;
                }
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        Format::Table => {
            let mut table = new_table();
            table.set_header(["Register", "Change", "Rule", "Subject", "Severity"]);
            for impact in impacts {
                let changes = impact
                    .appear
                    .iter()
                    .map(|key| ("+ appears", key))
                    .chain(impact.disappear.iter().map(|key| ("- disappears", key)));
                for (change, key) in changes {
                    table.add_row([
                        impact.register.clone(),
                        change.to_owned(),
                        key.rule.clone(),
                        format!(
                            "{} {} {}",
                            key.subject_kind, key.subject_id, key.subject_name
                        ),
                        key.severity.as_str().to_owned(),
                    ]);
                }
            }
            let summary: Vec<String> = impacts
                .iter()
                .map(|i| {
                    format!(
                        "{}: {} appear, {} disappear, {} unchanged",
                        i.register,
                        i.appear.len(),
                        i.disappear.len(),
                        i.unchanged
                    )
                })
                .collect();
            Ok(format!("{table}\n{}\n", summary.join("\n")))
        }
    }
}

/// Renders `policy explain`.
pub fn explanation(
    explanation: &shinsa_policy::Explanation,
    format: Format,
) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(format!("{}\n", serde_json::to_string_pretty(explanation)?)),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["rule", "severity", "applies", "fired", "reason"])?;
            for rule in &explanation.rules {
                writer.write_record([
                    rule.id.as_str(),
                    rule.severity.as_str(),
                    if rule.applies { "yes" } else { "no" },
                    if rule.fired { "yes" } else { "no" },
                    rule.reason.as_str(),
                ])?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        Format::Table => {
            let subject = &explanation.subject;
            let attributes: Vec<String> = explanation.entity["attrs"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, value)| format!("{name}={}", cedar_value(value)))
                .collect();
            let mut out = format!(
                "{} {} as the rules see it: {}\n",
                subject.kind.as_str(),
                subject.id,
                attributes.join(", ")
            );
            let mut table = new_table();
            table.set_header(["Rule", "Severity", "Fired", "Why"]);
            for rule in explanation.rules.iter().filter(|rule| rule.applies) {
                table.add_row([
                    rule.id.clone(),
                    rule.severity.as_str().to_owned(),
                    if rule.fired { "yes" } else { "no" }.to_owned(),
                    rule.reason.clone(),
                ]);
            }
            let other = explanation
                .rules
                .iter()
                .filter(|rule| !rule.applies)
                .count();
            out.push_str(&format!(
                "{table}\n{other} rules are written for other kinds of subject.\n"
            ));
            Ok(out)
        }
    }
}

/// A Cedar JSON value as a policy author writes it: `Country::"JP"`, `[..]`.
fn cedar_value(value: &serde_json::Value) -> String {
    if let Some(entity) = value.get("__entity")
        && let Some(kind) = entity["type"].as_str()
    {
        let kind = kind.strip_prefix("Shinsa::").unwrap_or(kind);
        return format!("{kind}::{}", entity["id"]);
    }
    match value {
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(cedar_value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// Renders rows as a table or CSV, or `document` as JSON.
pub fn rows_output(
    header: &[&str],
    rows: &[Vec<String>],
    document: &impl serde::Serialize,
    format: Format,
) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(format!("{}\n", serde_json::to_string_pretty(document)?)),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(header)?;
            for row in rows {
                writer.write_record(row)?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
        Format::Table => {
            let mut table = new_table();
            table.set_header(header);
            for row in rows {
                table.add_row(row);
            }
            Ok(format!("{table}\n"))
        }
    }
}

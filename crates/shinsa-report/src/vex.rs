//! A register's exposures as VEX, for the tools that read it (a vendor's
//! PSIRT, Dependency-Track, a ministry's own analysis): CycloneDX 1.6 VEX
//! and CSAF 2.0 with the `csaf_vex` profile.
//!
//! What is exported is what screening reported: each finding about an
//! exposure (an asset and a vulnerability) is one statement that the asset
//! is affected (its version is inside an affected range) or under
//! investigation (it cannot be placed), with the vendor's fix or the
//! operator's recorded measure as the action. Exposures an operator's VEX
//! took away never became findings and are not restated here: the VEX that
//! took them away is the record.

use shinsa_model::{Date, Evidence, Finding, SubjectKind};
use std::collections::BTreeMap;

/// Who the VEX is from, and as of when.
#[derive(Debug, Clone)]
pub struct VexExport<'a> {
    pub operator_id: &'a str,
    pub operator_name: &'a str,
    /// The screening's day: the statements are as of it.
    pub as_of: Date,
    /// When the document is written (RFC 3339).
    pub written_at: String,
    pub findings: &'a [Finding],
}

/// One exposure as a statement.
struct Statement<'a> {
    asset_id: &'a str,
    asset_name: &'a str,
    vulnerability: &'a str,
    advisory: &'a str,
    source: &'a str,
    title: &'a str,
    product: &'a str,
    version: Option<&'a str>,
    placed: bool,
    fixed_in: Option<&'a str>,
    remediations: &'a [String],
    score: Option<f64>,
    mitigation: Option<&'a str>,
    kev_due: Option<&'a str>,
    finding: &'a Finding,
}

impl Statement<'_> {
    /// What is to be done, in words: the operator's measure, the vendor's
    /// fix, or that none is known.
    fn action(&self) -> String {
        if let Some(mitigation) = self.mitigation {
            return mitigation.to_owned();
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(fixed) = self.fixed_in {
            parts.push(format!("update {} to {fixed} or later", self.product));
        }
        parts.extend(self.remediations.iter().cloned());
        if let Some(due) = self.kev_due {
            parts.push(format!("CISA KEV: act by {due}"));
        }
        if parts.is_empty() {
            "no fix is known; the installation plan records the operator's measure (mitigation, isolation or accepted risk)".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// The exposure statements of `findings`, one per asset and vulnerability
/// (several rules may report the same exposure).
fn statements(findings: &[Finding]) -> Vec<Statement<'_>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for finding in findings {
        if finding.subject.kind != SubjectKind::Exposure || !seen.insert(&finding.subject.id) {
            continue;
        }
        for evidence in &finding.evidence {
            if let Evidence::Exposure {
                vulnerability,
                advisory,
                source,
                title,
                product,
                version,
                placed,
                fixed_in,
                remediations,
                score,
                kev_due,
                mitigation,
                ..
            } = evidence
            {
                let asset_id = finding
                    .subject
                    .id
                    .rsplit_once('/')
                    .map_or(finding.subject.id.as_str(), |(asset, _)| asset);
                out.push(Statement {
                    asset_id,
                    asset_name: &finding.subject_name,
                    vulnerability,
                    advisory,
                    source,
                    title,
                    product,
                    version: version.as_deref(),
                    placed: *placed,
                    fixed_in: fixed_in.as_deref(),
                    remediations,
                    score: *score,
                    mitigation: mitigation.as_deref(),
                    kev_due: kev_due.as_deref(),
                    finding,
                });
            }
        }
    }
    out
}

/// The exposures as a CycloneDX 1.6 VEX document: the register's exposed
/// assets as components, each vulnerability with the assets it affects.
pub fn cyclonedx(export: &VexExport<'_>) -> serde_json::Value {
    let statements = statements(export.findings);
    let mut components: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    let mut vulnerabilities = Vec::new();
    for statement in &statements {
        components.entry(statement.asset_id).or_insert_with(|| {
            let mut component = serde_json::json!({
                "type": "device",
                "bom-ref": statement.asset_id,
                "name": statement.asset_name,
                "description": statement.product,
            });
            if let (Some(version), Some(object)) = (statement.version, component.as_object_mut()) {
                object.insert("version".into(), version.into());
            }
            component
        });
        let (state, responses): (&str, Vec<&str>) = match (statement.placed, statement.mitigation) {
            (_, Some(_)) => ("exploitable", vec!["workaround_available"]),
            (true, None) if statement.fixed_in.is_some() => ("exploitable", vec!["update"]),
            (true, None) => ("exploitable", vec![]),
            (false, _) => ("in_triage", vec![]),
        };
        let mut vulnerability = serde_json::json!({
            "bom-ref": statement.finding.subject.id,
            "id": statement.vulnerability,
            "source": {"name": format!("{} {}", statement.source, statement.advisory)},
            "description": statement.title,
            "recommendation": statement.action(),
            "analysis": {
                "state": state,
                "detail": statement.finding.explanation,
                "lastUpdated": export.written_at,
            },
            "affects": [{"ref": statement.asset_id}],
        });
        if let Some(object) = vulnerability.as_object_mut() {
            if !responses.is_empty()
                && let Some(analysis) = object
                    .get_mut("analysis")
                    .and_then(serde_json::Value::as_object_mut)
            {
                analysis.insert("response".into(), responses.into());
            }
            if let Some(score) = statement.score {
                object.insert(
                    "ratings".into(),
                    serde_json::json!([{"score": score, "method": "other",
                        "source": {"name": statement.source}}]),
                );
            }
        }
        vulnerabilities.push(vulnerability);
    }
    serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": export.written_at,
            "component": {
                "type": "application",
                "bom-ref": format!("register:{}", export.operator_id),
                "name": format!("{} register as of {}", export.operator_name, export.as_of),
            },
            "tools": {"components": [{"type": "application", "name": "shinsa",
                "version": env!("CARGO_PKG_VERSION")}]},
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    })
}

/// Whether an id is a CVE id as CSAF's `cve` field requires.
fn is_cve(id: &str) -> bool {
    let mut parts = id.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(year), Some(number))
            if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
                && number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit())
    )
}

/// The exposures as a CSAF 2.0 document of the `csaf_vex` profile: the
/// exposed assets as products, each vulnerability with the products known
/// to be affected or under investigation and, for the affected, the action.
pub fn csaf(export: &VexExport<'_>) -> serde_json::Value {
    let statements = statements(export.findings);
    let mut products: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    let mut by_vulnerability: BTreeMap<&str, Vec<&Statement<'_>>> = BTreeMap::new();
    for statement in &statements {
        products.entry(statement.asset_id).or_insert_with(|| {
            serde_json::json!({
                "product_id": statement.asset_id,
                "name": format!("{} ({}{})", statement.asset_name, statement.product,
                    statement.version.map_or_else(String::new, |v| format!(" {v}"))),
            })
        });
        by_vulnerability
            .entry(statement.vulnerability)
            .or_default()
            .push(statement);
    }
    let vulnerabilities: Vec<serde_json::Value> = by_vulnerability
        .into_iter()
        .map(|(id, statements)| {
            let affected: Vec<&str> = statements
                .iter()
                .filter(|s| s.placed)
                .map(|s| s.asset_id)
                .collect();
            let investigating: Vec<&str> = statements
                .iter()
                .filter(|s| !s.placed)
                .map(|s| s.asset_id)
                .collect();
            let mut status = serde_json::Map::new();
            if !affected.is_empty() {
                status.insert("known_affected".into(), affected.into());
            }
            if !investigating.is_empty() {
                status.insert("under_investigation".into(), investigating.into());
            }
            let remediations: Vec<serde_json::Value> = statements
                .iter()
                .map(|s| {
                    let category = match (s.mitigation, s.fixed_in, s.remediations.is_empty()) {
                        (Some(_), _, _) => "mitigation",
                        (None, Some(_), _) | (None, None, false) => "vendor_fix",
                        (None, None, true) => "none_available",
                    };
                    serde_json::json!({"category": category, "details": s.action(),
                        "product_ids": [s.asset_id]})
                })
                .collect();
            let first = statements.first();
            let mut vulnerability = serde_json::json!({
                "title": first.map_or("", |s| s.title),
                "product_status": status,
                "remediations": remediations,
                "notes": [{"category": "description", "title": "shinsa",
                    "text": statements.iter().map(|s| s.finding.explanation.as_str())
                        .collect::<Vec<_>>().join("\n")}],
            });
            if let Some(object) = vulnerability.as_object_mut() {
                if is_cve(id) {
                    object.insert("cve".into(), id.into());
                } else {
                    object.insert(
                        "ids".into(),
                        serde_json::json!([{"system_name": first.map_or("", |s| s.source),
                            "text": id}]),
                    );
                }
            }
            vulnerability
        })
        .collect();
    serde_json::json!({
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": format!("{}: exposures as of {}", export.operator_name, export.as_of),
            "publisher": {
                "category": "user",
                "name": export.operator_name,
                "namespace": format!("urn:shinsa:operator:{}", export.operator_id),
            },
            "tracking": {
                "id": format!("shinsa-{}-{}", export.operator_id, export.as_of),
                "status": "final",
                "version": "1",
                "initial_release_date": export.written_at,
                "current_release_date": export.written_at,
                "revision_history": [{"date": export.written_at, "number": "1",
                    "summary": "Exposures as screened by shinsa"}],
                "generator": {"engine": {"name": "shinsa", "version": env!("CARGO_PKG_VERSION")}},
            },
        },
        "product_tree": {"full_product_names": products.into_values().collect::<Vec<_>>()},
        "vulnerabilities": vulnerabilities,
    })
}

//! NVD API 2.0 records: configurations of CPE matches, where an AND of a
//! hardware CPE that is not vulnerable and a firmware CPE that is means
//! "this firmware, on this hardware" (the shape tools that ignore the AND
//! turn into false findings for every device of the vendor).

use super::Refusal;
use super::{Read, day, refusal, text};
use serde_json::Value;
use shinsa_model::{
    Advisory, AdvisorySource, AffectedProduct, Bound, Score, VersionRule, VersionStatus,
};

pub(super) fn read(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let document = super::json(name, bytes)?;
    let mut read = Read::default();
    // An API answer wraps records in `vulnerabilities[].cve`; a record may
    // also come bare.
    let records: Vec<(String, &Value)> =
        match document.get("vulnerabilities").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    Some((format!("/vulnerabilities/{index}/cve"), item.get("cve")?))
                })
                .collect(),
            None => vec![(String::new(), &document)],
        };
    for (pointer, record) in records {
        let Some(id) = text(record, "/id") else {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/id"),
                "an NVD record without its id",
            ));
            continue;
        };
        read.day = read.day.max(text(record, "/lastModified").and_then(day));
        let mut products = Vec::new();
        for (index, configuration) in record
            .get("configurations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            configuration_products(
                name,
                &format!("{pointer}/configurations/{index}"),
                configuration,
                &mut products,
            );
        }
        let mut scores = Vec::new();
        for (key, metrics) in record
            .get("metrics")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for metric in metrics.as_array().into_iter().flatten() {
                if let Some(base) = metric
                    .pointer("/cvssData/baseScore")
                    .and_then(Value::as_f64)
                {
                    scores.push(Score {
                        version: text(metric, "/cvssData/version").unwrap_or(key).to_owned(),
                        base,
                        vector: text(metric, "/cvssData/vectorString")
                            .unwrap_or_default()
                            .to_owned(),
                        by: text(metric, "/source").unwrap_or("nvd").to_owned(),
                    });
                }
            }
        }
        scores.sort_by(|a, b| b.base.total_cmp(&a.base));
        let title = text(record, "/cisaVulnerabilityName")
            .map(str::to_owned)
            .or_else(|| {
                record
                    .get("descriptions")?
                    .as_array()?
                    .iter()
                    .find(|item| text(item, "/lang") == Some("en"))
                    .and_then(|item| text(item, "/value"))
                    .map(|value| value.chars().take(240).collect())
            })
            .unwrap_or_else(|| id.to_owned());
        read.advisories.push(Advisory {
            id: id.to_owned(),
            source: AdvisorySource::Nvd,
            cves: vec![id.to_owned()],
            title,
            published: text(record, "/published").and_then(day),
            scores,
            ssvc: None,
            kev_added: text(record, "/cisaExploitAdd").and_then(day),
            products,
            remediations: Vec::new(),
            origin: super::at(name, &pointer),
        });
    }
    Ok(read)
}

/// The products of one configuration: every vulnerable CPE match, and for
/// an AND, the platforms (the matches that are not vulnerable) it needs.
fn configuration_products(
    file: &str,
    pointer: &str,
    configuration: &Value,
    out: &mut Vec<AffectedProduct>,
) {
    let nodes: &[Value] = configuration
        .get("nodes")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let is_and = text(configuration, "/operator") == Some("AND");
    let mut platforms = Vec::new();
    let mut vulnerable = Vec::new();
    for (node_index, node) in nodes.iter().enumerate() {
        // A negated node ("not on this platform") is read as no platform:
        // wider, never narrower, than the record.
        let negated = node.get("negate").and_then(Value::as_bool).unwrap_or(false);
        for (match_index, cpe_match) in node
            .get("cpeMatch")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(criteria) = text(cpe_match, "/criteria") else {
                continue;
            };
            let match_pointer = format!("{pointer}/nodes/{node_index}/cpeMatch/{match_index}");
            if cpe_match
                .get("vulnerable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                vulnerable.push((criteria, cpe_match, match_pointer));
            } else if is_and && !negated {
                platforms.push(criteria.to_owned());
            }
        }
    }
    for (criteria, cpe_match, match_pointer) in vulnerable {
        let fields = cpe_fields(criteria);
        let field = |index: usize| fields.get(index).cloned().unwrap_or_default();
        let version = field(5);
        let bound = |key: &str, inclusive| {
            text(cpe_match, key).map(|version| Bound {
                version: version.to_owned(),
                inclusive,
            })
        };
        let from = bound("/versionStartIncluding", true)
            .or_else(|| bound("/versionStartExcluding", false));
        let to =
            bound("/versionEndIncluding", true).or_else(|| bound("/versionEndExcluding", false));
        let versions = if from.is_some() || to.is_some() {
            vec![VersionRule::Range {
                from,
                to,
                status: VersionStatus::Affected,
                scheme: None,
                changes: Vec::new(),
            }]
        } else if version == "*" || version.is_empty() {
            vec![VersionRule::All {
                status: VersionStatus::Affected,
            }]
        } else if version == "-" {
            // Not applicable: the product has no versions (hardware).
            vec![VersionRule::All {
                status: VersionStatus::Affected,
            }]
        } else {
            vec![VersionRule::Exact {
                version: cpe_unescape(&version),
                status: VersionStatus::Affected,
                scheme: None,
            }]
        };
        out.push(AffectedProduct {
            vendor: cpe_unescape(&field(3)),
            product: cpe_unescape(&field(4)),
            purl: None,
            cpes: vec![criteria.to_owned()],
            models: Vec::new(),
            running_on: platforms.clone(),
            versions,
            default_status: VersionStatus::Unaffected,
            origin: super::at(file, &match_pointer),
        });
    }
}

/// The fields of a CPE 2.3 formatted string, split at unescaped colons.
pub(crate) fn cpe_fields(cpe: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in cpe.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            fields.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    fields.push(current);
    fields
}

/// A CPE field without its escapes (`ios_xe\/` → `ios_xe/`), underscores as
/// CPE writes spaces.
pub(crate) fn cpe_unescape(field: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in field.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            out.push(c);
        }
    }
    out
}

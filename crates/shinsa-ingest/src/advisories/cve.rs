//! CVE JSON 5 records: the CNA's container (what the vendor says is
//! affected, its versions as ranges, exact lists or prose) and every ADP
//! container (CISA's CPEs, version ranges, SSVC decision and KEV date).

use super::Refusal;
use super::{Read, day, refusal, status, text, version_text};
use serde_json::Value;
use shinsa_model::{
    Advisory, AdvisorySource, AffectedProduct, Bound, Remediation, Score, Ssvc, VersionRule,
    VersionStatus,
};

pub(super) fn read(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let record = super::json(name, bytes)?;
    let mut read = Read::default();
    let Some(id) = text(&record, "/cveMetadata/cveId") else {
        read.refusals.push(refusal(
            name,
            "/cveMetadata/cveId",
            "a CVE record without its id",
        ));
        return Ok(read);
    };
    read.day = text(&record, "/cveMetadata/dateUpdated").and_then(day);
    if text(&record, "/cveMetadata/state") == Some("REJECTED") {
        read.refusals.push(refusal(
            name,
            "/cveMetadata/state",
            &format!("{id} is REJECTED: the CVE program withdrew it"),
        ));
        return Ok(read);
    }
    let cna = record.pointer("/containers/cna").unwrap_or(&Value::Null);
    let adps: &[Value] = record
        .pointer("/containers/adp")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let mut products = Vec::new();
    let mut scores = Vec::new();
    let mut ssvc = None;
    let mut kev_added = None;
    let cna_name = text(cna, "/providerMetadata/shortName").unwrap_or("cna");
    read_affected(name, "/containers/cna", cna, &mut products);
    read_scores(cna, cna_name, &mut scores);
    for (index, adp) in adps.iter().enumerate() {
        let pointer = format!("/containers/adp/{index}");
        read_affected(name, &pointer, adp, &mut products);
        let by = text(adp, "/providerMetadata/shortName").unwrap_or("adp");
        read_scores(adp, by, &mut scores);
        for metric in adp
            .get("metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match text(metric, "/other/type") {
                Some("ssvc") => ssvc = ssvc_of(metric.pointer("/other/content")),
                Some("kev") => {
                    kev_added = text(metric, "/other/content/dateAdded").and_then(day);
                }
                _ => {}
            }
        }
    }
    scores.sort_by(|a, b| b.base.total_cmp(&a.base));
    let title = text(cna, "/title")
        .map(str::to_owned)
        .or_else(|| english_description(cna))
        .unwrap_or_else(|| id.to_owned());
    read.advisories.push(Advisory {
        id: id.to_owned(),
        source: AdvisorySource::Cve,
        cves: vec![id.to_owned()],
        title,
        published: text(&record, "/cveMetadata/datePublished").and_then(day),
        scores,
        ssvc,
        kev_added,
        products,
        remediations: remediations(cna),
        origin: super::at(name, ""),
    });
    Ok(read)
}

fn english_description(container: &Value) -> Option<String> {
    let descriptions = container.get("descriptions")?.as_array()?;
    let chosen = descriptions
        .iter()
        .find(|item| text(item, "/lang").is_some_and(|lang| lang.starts_with("en")))
        .or_else(|| descriptions.first())?;
    let value = text(chosen, "/value")?;
    Some(value.chars().take(240).collect())
}

/// The `affected` entries of a container (a CVE record's, or MyJVN's
/// extension, which writes them alike).
pub(super) fn read_affected(
    file: &str,
    container_pointer: &str,
    container: &Value,
    out: &mut Vec<AffectedProduct>,
) {
    let Some(affected) = container.get("affected").and_then(Value::as_array) else {
        return;
    };
    for (index, item) in affected.iter().enumerate() {
        let pointer = format!("{container_pointer}/affected/{index}");
        let default_status = text(item, "/defaultStatus")
            .and_then(status)
            .unwrap_or(VersionStatus::Unknown);
        let versions = item
            .get("versions")
            .and_then(Value::as_array)
            .map(|versions| versions.iter().flat_map(version_rules).collect())
            .unwrap_or_default();
        let cpes: Vec<String> = item
            .get("cpes")
            .and_then(Value::as_array)
            .map(|cpes| {
                cpes.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        // A distribution's entries (Red Hat's) name the package that is
        // affected within an operating system: `product` "Red Hat
        // Enterprise Linux 9", `packageName` "389-ds-base", `cpes` the
        // system's (`cpe:/o:redhat:enterprise_linux:9`). What is affected
        // is the package; taken as the system, every host on it would be
        // exposed to every package's flaw. Elsewhere `packageName` is
        // another name of the product itself (a WordPress plugin's slug, a
        // Maven artifact), and the product stays as named.
        let names_a_system = cpes.iter().any(|cpe| {
            cpe.strip_prefix("cpe:2.3:o:").is_some() || cpe.strip_prefix("cpe:/o:").is_some()
        });
        let (product, cpes) = match (text(item, "/packageName"), text(item, "/product")) {
            (Some(package), _) if names_a_system => (package, Vec::new()),
            (package, product) => (product.or(package).unwrap_or_default(), cpes),
        };
        out.push(AffectedProduct {
            vendor: text(item, "/vendor").unwrap_or_default().to_owned(),
            product: product.to_owned(),
            purl: text(item, "/packageURL").map(str::to_owned),
            cpes,
            models: Vec::new(),
            running_on: Vec::new(),
            versions,
            default_status,
            origin: super::at(file, &pointer),
        });
    }
}

/// One entry of `versions`: a range (`lessThan`, `lessThanOrEqual`, with
/// `changes`), an exact version, or prose to read.
fn version_rules(entry: &Value) -> Vec<VersionRule> {
    let entry_status = text(entry, "/status")
        .and_then(status)
        .unwrap_or(VersionStatus::Affected);
    let scheme = text(entry, "/versionType").map(str::to_owned);
    let version = text(entry, "/version").unwrap_or_default();
    let unbounded = |version: &str| matches!(version, "" | "0" | "*" | "unspecified" | "n/a" | "-");
    let to = match (text(entry, "/lessThan"), text(entry, "/lessThanOrEqual")) {
        (Some(less), _) => Some((less, false)),
        (None, Some(at_most)) => Some((at_most, true)),
        (None, None) => None,
    };
    if let Some((to, inclusive)) = to {
        let changes = entry
            .get("changes")
            .and_then(Value::as_array)
            .map(|changes| {
                changes
                    .iter()
                    .filter_map(|change| {
                        Some((
                            text(change, "/at")?.to_owned(),
                            text(change, "/status").and_then(status)?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        return vec![VersionRule::Range {
            from: (!unbounded(version)).then(|| Bound {
                version: version.to_owned(),
                inclusive: true,
            }),
            to: (!unbounded(to)).then(|| Bound {
                version: to.to_owned(),
                inclusive,
            }),
            status: entry_status,
            scheme,
            changes,
        }];
    }
    if matches!(version, "*" | "all") {
        return vec![VersionRule::All {
            status: entry_status,
        }];
    }
    if unbounded(version) {
        return Vec::new();
    }
    if scheme.as_deref() == Some("git") || !version.contains(' ') {
        return vec![VersionRule::Exact {
            version: version.to_owned(),
            status: entry_status,
            scheme,
        }];
    }
    version_text::read(version, entry_status)
}

fn read_scores(container: &Value, by: &str, out: &mut Vec<Score>) {
    for metric in container
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"] {
            if let Some(cvss) = metric.get(key)
                && let Some(base) = cvss.get("baseScore").and_then(Value::as_f64)
            {
                out.push(Score {
                    version: text(cvss, "/version").unwrap_or(key).to_owned(),
                    base,
                    vector: text(cvss, "/vectorString").unwrap_or_default().to_owned(),
                    by: by.to_owned(),
                });
            }
        }
    }
}

fn ssvc_of(content: Option<&Value>) -> Option<Ssvc> {
    let options = content?.get("options")?.as_array()?;
    let option = |key: &str| {
        options
            .iter()
            .find_map(|option| option.get(key).and_then(Value::as_str))
            .unwrap_or("unknown")
            .to_ascii_lowercase()
    };
    Some(Ssvc {
        exploitation: option("Exploitation"),
        automatable: option("Automatable"),
        technical_impact: option("Technical Impact"),
    })
}

/// The CNA's solutions and workarounds, in English where given.
fn remediations(cna: &Value) -> Vec<Remediation> {
    let mut out = Vec::new();
    for (key, default_category) in [("solutions", "vendor_fix"), ("workarounds", "workaround")] {
        for item in cna.get(key).and_then(Value::as_array).into_iter().flatten() {
            if text(item, "/lang").is_some_and(|lang| !lang.starts_with("en")) {
                continue;
            }
            let Some(details) = text(item, "/value") else {
                continue;
            };
            let lower = details.to_ascii_lowercase();
            let category = if key == "solutions"
                && !["upgrade", "update", "patch", "fix", "version", "release"]
                    .iter()
                    .any(|word| lower.contains(word))
            {
                "mitigation"
            } else {
                default_category
            };
            out.push(Remediation {
                category: category.to_owned(),
                details: details.to_owned(),
                url: None,
                products: Vec::new(),
            });
        }
    }
    out
}

//! CSAF 2.0 (and 2.1) documents: CISA's ICS advisories, vendors' own, and
//! MyJVN's v4 JSON, which is CSAF-shaped. The product tree is walked from
//! vendor to product name to version or version range; each vulnerability's
//! product status says which of those products are affected, fixed or not
//! affected, and its remediations what to do. A `csaf_vex` document is read
//! as VEX statements.

use super::Refusal;
use super::{Read, day, refusal, text, version_text};
use serde_json::Value;
use shinsa_model::{
    Advisory, AdvisorySource, AffectedProduct, Remediation, Score, VersionRule, VersionStatus,
    VexStatement, VexStatus,
};
use std::collections::HashMap;

/// A product of the tree, before a vulnerability gives it a status.
#[derive(Debug, Clone, Default)]
struct TreeProduct {
    vendor: String,
    product: String,
    name: String,
    /// `product_version` or `product_version_range` text, if any.
    version: Option<(String, bool)>,
    purl: Option<String>,
    cpes: Vec<String>,
    models: Vec<String>,
    running_on: Vec<String>,
    pointer: String,
}

pub(super) fn read(name: &str, bytes: &[u8]) -> Result<(Read, AdvisorySource), Refusal> {
    let document = super::json(name, bytes)?;
    let mut read = Read {
        day: text(&document, "/document/tracking/current_release_date").and_then(day),
        ..Read::default()
    };
    let Some(tracking_id) = text(&document, "/document/tracking/id") else {
        read.refusals.push(refusal(
            name,
            "/document/tracking/id",
            "a CSAF document without its tracking id",
        ));
        return Ok((read, AdvisorySource::Csaf));
    };
    let source = if tracking_id.starts_with("JVNDB-") {
        AdvisorySource::Jvn
    } else if text(&document, "/document/category") == Some("csaf_vex") {
        AdvisorySource::Vex
    } else {
        AdvisorySource::Csaf
    };
    let mut products: HashMap<String, TreeProduct> = HashMap::new();
    if let Some(tree) = document.get("product_tree") {
        walk(
            tree,
            "/product_tree",
            &TreeProduct::default(),
            &mut products,
        );
        relationships(tree, &mut products);
    }
    let publisher = text(&document, "/document/publisher/name")
        .unwrap_or("csaf")
        .to_owned();
    let title = text(&document, "/document/title")
        .unwrap_or(tracking_id)
        .to_owned();
    let published = text(&document, "/document/tracking/initial_release_date").and_then(day);
    // MyJVN's v4 JSON (a JVNDB record) writes the affected versions in
    // its `jvn_extension`, as a CVE record's `affected` (ranges with
    // `lessThan`/`lessThanOrEqual`, exact versions, Japanese vendor
    // names); its product tree has the names only, which read alone would
    // make every version affected.
    let jvn_versions = (source == AdvisorySource::Jvn)
        .then(|| document.get("jvn_extension"))
        .flatten()
        .filter(|extension| extension.get("affected").is_some())
        .map(|extension| {
            let mut versioned = Vec::new();
            super::cve::read_affected(name, "/jvn_extension", extension, &mut versioned);
            // The tree's CPE of the same product names the vendor in
            // Latin (`hitachi` where the extension says 日立).
            for product in &mut versioned {
                for named in products
                    .values()
                    .filter(|named| named.name == product.product)
                {
                    product.cpes.extend(named.cpes.iter().cloned());
                }
                product.cpes.sort();
                product.cpes.dedup();
            }
            versioned
        })
        .filter(|products| !products.is_empty());
    let vulnerabilities: &[Value] = document
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    for (index, vulnerability) in vulnerabilities.iter().enumerate() {
        let pointer = format!("/vulnerabilities/{index}");
        let cve = text(vulnerability, "/cve").map(str::to_owned);
        let id = if vulnerabilities.len() == 1 {
            tracking_id.to_owned()
        } else {
            match &cve {
                Some(cve) => format!("{tracking_id} {cve}"),
                None => format!("{tracking_id} #{}", index + 1),
            }
        };
        let statuses = product_statuses(vulnerability);
        if statuses.is_empty() {
            read.refusals.push(refusal(
                name,
                &format!("{pointer}/product_status"),
                "a vulnerability that names no product",
            ));
            continue;
        }
        if source == AdvisorySource::Vex {
            let Some(cve) = cve.clone() else {
                read.refusals.push(refusal(
                    name,
                    &format!("{pointer}/cve"),
                    "a VEX statement without its CVE",
                ));
                continue;
            };
            read.statements.extend(vex_statements(
                name,
                &pointer,
                &cve,
                vulnerability,
                &statuses,
                &products,
            ));
            continue;
        }
        let mut affected = Vec::new();
        let mut index_of: HashMap<&str, usize> = HashMap::new();
        match &jvn_versions {
            // MyJVN's tree names products without versions; the versions
            // are in its extension, for the whole record.
            Some(versioned) => affected.clone_from(versioned),
            None => {
                for (product_id, status) in &statuses {
                    let Some(product) = products.get(product_id.as_str()) else {
                        read.refusals.push(refusal(
                            name,
                            &format!("{pointer}/product_status"),
                            &format!("{product_id:?} is not a product of the tree"),
                        ));
                        continue;
                    };
                    index_of.insert(product_id, affected.len());
                    affected.push(affected_product(name, product, *status));
                }
            }
        }
        let remediations = vulnerability
            .get("remediations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|remediation| {
                Some(Remediation {
                    category: text(remediation, "/category")?.to_owned(),
                    details: text(remediation, "/details").unwrap_or_default().to_owned(),
                    url: text(remediation, "/url").map(str::to_owned),
                    products: remediation
                        .get("product_ids")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter_map(|id| index_of.get(id).copied())
                        .collect(),
                })
            })
            .collect();
        let mut scores: Vec<Score> = Vec::new();
        for score in vulnerability
            .get("scores")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for key in ["cvss_v4", "cvss_v3", "cvss_v2"] {
                if let Some(base) = score
                    .pointer(&format!("/{key}/baseScore"))
                    .and_then(Value::as_f64)
                {
                    scores.push(Score {
                        version: text(score, &format!("/{key}/version"))
                            .unwrap_or(key)
                            .to_owned(),
                        base,
                        vector: text(score, &format!("/{key}/vectorString"))
                            .unwrap_or_default()
                            .to_owned(),
                        by: publisher.clone(),
                    });
                }
            }
        }
        // MyJVN writes scores under `metrics`.
        for metric in vulnerability
            .get("metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for key in ["cvss_v4", "cvss_v3", "cvss_v2"] {
                if let Some(base) = metric
                    .pointer(&format!("/content/{key}/baseScore"))
                    .and_then(Value::as_f64)
                {
                    scores.push(Score {
                        version: text(metric, &format!("/content/{key}/version"))
                            .unwrap_or(key)
                            .to_owned(),
                        base,
                        vector: text(metric, &format!("/content/{key}/vectorString"))
                            .unwrap_or_default()
                            .to_owned(),
                        by: publisher.clone(),
                    });
                }
            }
        }
        scores.sort_by(|a, b| b.base.total_cmp(&a.base));
        scores.dedup_by(|a, b| a.vector == b.vector);
        read.advisories.push(Advisory {
            id,
            source,
            cves: cve.into_iter().collect(),
            title: title.clone(),
            published,
            scores,
            ssvc: None,
            kev_added: None,
            products: affected,
            remediations,
            origin: super::at(name, &pointer),
        });
    }
    Ok((read, source))
}

/// Every branch of the tree down to its products, carrying vendor, product
/// name and version from the branches above.
fn walk(node: &Value, pointer: &str, above: &TreeProduct, out: &mut HashMap<String, TreeProduct>) {
    let mut here = above.clone();
    if let (Some(category), Some(name)) = (text(node, "/category"), text(node, "/name")) {
        match category {
            "vendor" => here.vendor = name.to_owned(),
            // A product's own name wins over the family above it.
            "product_name" => here.product = name.to_owned(),
            "product_family" if here.product.is_empty() => here.product = name.to_owned(),
            "product_version" => here.version = Some((name.to_owned(), false)),
            "product_version_range" => here.version = Some((name.to_owned(), true)),
            _ => {}
        }
    }
    if let Some(product) = node.get("product") {
        add_product(product, &format!("{pointer}/product"), &here, out);
    }
    for (index, branch) in node
        .get("branches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        walk(branch, &format!("{pointer}/branches/{index}"), &here, out);
    }
    for (index, product) in node
        .get("full_product_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        add_product(
            product,
            &format!("{pointer}/full_product_names/{index}"),
            &here,
            out,
        );
    }
}

fn add_product(
    product: &Value,
    pointer: &str,
    above: &TreeProduct,
    out: &mut HashMap<String, TreeProduct>,
) {
    let Some(id) = text(product, "/product_id") else {
        return;
    };
    let mut entry = above.clone();
    entry.name = text(product, "/name").unwrap_or_default().to_owned();
    if entry.product.is_empty() {
        entry.product = entry.name.clone();
    }
    entry.pointer = pointer.to_owned();
    if let Some(helper) = product.get("product_identification_helper") {
        entry.purl = text(helper, "/purl").map(str::to_owned);
        if let Some(cpe) = text(helper, "/cpe") {
            entry.cpes.push(cpe.to_owned());
        }
        entry.models.extend(
            helper
                .get("model_numbers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
    }
    out.insert(id.to_owned(), entry);
}

/// `default_component_of`, `installed_on`, `installed_with`: the product
/// named by the relationship is its component, on (or with) the other.
fn relationships(tree: &Value, products: &mut HashMap<String, TreeProduct>) {
    for (index, relationship) in tree
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (Some(component), Some(platform), Some(id)) = (
            text(relationship, "/product_reference"),
            text(relationship, "/relates_to_product_reference"),
            text(relationship, "/full_product_name/product_id"),
        ) else {
            continue;
        };
        let Some(mut entry) = products.get(component).cloned() else {
            continue;
        };
        if let Some(platform) = products.get(platform) {
            entry.running_on.push(platform.name.clone());
            entry.running_on.extend(platform.cpes.iter().cloned());
        }
        entry.name = text(relationship, "/full_product_name/name")
            .unwrap_or(&entry.name)
            .to_owned();
        entry.pointer = format!("/product_tree/relationships/{index}");
        products.insert(id.to_owned(), entry);
    }
}

/// Each product id of the vulnerability with what its status means.
fn product_statuses(vulnerability: &Value) -> Vec<(String, VexStatus)> {
    let mut out = Vec::new();
    let Some(status) = vulnerability.get("product_status") else {
        return out;
    };
    for (key, meaning) in [
        ("known_affected", VexStatus::Affected),
        ("first_affected", VexStatus::Affected),
        ("last_affected", VexStatus::Affected),
        ("fixed", VexStatus::Fixed),
        ("first_fixed", VexStatus::Fixed),
        ("recommended", VexStatus::Fixed),
        ("known_not_affected", VexStatus::NotAffected),
        ("under_investigation", VexStatus::UnderInvestigation),
    ] {
        for id in status
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            out.push((id.to_owned(), meaning));
        }
    }
    out
}

fn affected_product(file: &str, product: &TreeProduct, status: VexStatus) -> AffectedProduct {
    let version_status = match status {
        VexStatus::Affected => VersionStatus::Affected,
        VexStatus::Fixed | VexStatus::NotAffected => VersionStatus::Unaffected,
        VexStatus::UnderInvestigation => VersionStatus::Unknown,
    };
    let versions: Vec<VersionRule> = match &product.version {
        Some((text, _)) => version_text::read(text, version_status),
        None if status == VexStatus::Affected && !product.models.is_empty() => Vec::new(),
        None => Vec::new(),
    };
    let default_status = match (status, &product.version) {
        // A range or version names which versions; others are not.
        (_, Some(_)) => VersionStatus::Unaffected,
        // A product with no version said: what it says holds for all.
        (VexStatus::Affected, None) => VersionStatus::Unknown,
        (_, None) => version_status,
    };
    AffectedProduct {
        vendor: product.vendor.clone(),
        product: product.product.clone(),
        purl: product.purl.clone(),
        cpes: product.cpes.clone(),
        models: product.models.clone(),
        running_on: product.running_on.clone(),
        versions,
        default_status,
        origin: super::at(file, &product.pointer),
    }
}

fn vex_statements(
    file: &str,
    pointer: &str,
    cve: &str,
    vulnerability: &Value,
    statuses: &[(String, VexStatus)],
    products: &HashMap<String, TreeProduct>,
) -> Vec<VexStatement> {
    let for_product = |key: &str, id: &str| -> Option<String> {
        vulnerability
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|item| {
                item.get("product_ids")
                    .and_then(Value::as_array)
                    .is_some_and(|ids| ids.iter().any(|x| x.as_str() == Some(id)))
            })
            .and_then(|item| text(item, "/label").or_else(|| text(item, "/details")))
            .map(str::to_owned)
    };
    statuses
        .iter()
        .filter_map(|(id, status)| {
            let product = products.get(id)?;
            let named = product
                .purl
                .clone()
                .or_else(|| product.cpes.first().cloned())
                .unwrap_or_else(|| product.name.clone());
            Some(VexStatement {
                vulnerability: cve.to_owned(),
                product: named,
                status: *status,
                justification: for_product("flags", id).or_else(|| {
                    (*status == VexStatus::NotAffected)
                        .then(|| for_product("threats", id))
                        .flatten()
                }),
                action: (*status == VexStatus::Affected)
                    .then(|| for_product("remediations", id))
                    .flatten(),
                source: super::at(file, pointer),
            })
        })
        .collect()
}

//! Known vulnerabilities across the registers a caller sees (issue 28): for
//! a ministry, which vulnerabilities reach its sector's operators, on
//! which models, how many of them on critical facilities, those on CISA's
//! KEV catalogue first and the newest added first; for an operator, the
//! same over its own registers. Built from the current screenings'
//! exposure findings (what was reported is what is shown) and the
//! registers' assets (model, critical). The work is one pass over the
//! exposure findings in scope; memory holds the exposures seen once each.

use crate::Shared;
use crate::access;
use crate::clock::today;
use crate::error::{Error, Result};
use serde::Serialize;
use shinsa_model::{Evidence, Inventory};
use shinsa_store::*;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

/// One vulnerability as it reaches the operators in scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectorVulnerability {
    /// The CVE (or the advisory's id when it has none).
    pub vulnerability: String,
    pub title: String,
    /// On CISA's KEV catalogue: when added, when federal agencies must
    /// have acted, and known ransomware use.
    pub kev_added: Option<String>,
    pub kev_due: Option<String>,
    pub ransomware: bool,
    /// The highest CVSS base score any source gives.
    pub score: Option<f64>,
    /// The fixed versions the sources name.
    pub fixed_in: Vec<String>,
    /// Exposed assets, and of them those on critical facilities.
    pub assets: usize,
    pub critical_assets: usize,
    pub operators: Vec<OperatorExposure>,
}

/// One operator's register exposed to a vulnerability.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorExposure {
    pub org_id: String,
    pub org_name: String,
    pub sector: String,
    pub register_id: String,
    /// The exposed models (`FortiGate 600F 7.0.8`), as the register names them.
    pub models: Vec<String>,
    pub assets: usize,
    pub critical_assets: usize,
}

/// Which vulnerabilities to show.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct VulnerabilityQuery {
    /// Only those on CISA's Known Exploited Vulnerabilities catalogue.
    pub kev: Option<bool>,
    /// Only those reaching an asset of a critical facility.
    pub critical: Option<bool>,
    /// Only this sector's operators.
    pub sector: Option<String>,
}

/// How many exposure findings are read at a time.
const PAGE: i64 = 500;

/// The vulnerabilities reaching the registers `principal` sees.
pub async fn across_registers(
    state: &Shared,
    principal: &Principal,
    query: &VulnerabilityQuery,
) -> Result<Vec<SectorVulnerability>> {
    let tenant = access::tenant(principal);
    let mut inventories: BTreeMap<String, Inventory> = BTreeMap::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut found: BTreeMap<String, SectorVulnerability> = BTreeMap::new();
    let mut offset = 0;
    loop {
        let page = state
            .store
            .findings(
                &tenant,
                &FindingFilter {
                    subject_kind: Some("exposure".into()),
                    today: today().to_string(),
                    offset,
                    limit: PAGE,
                    evidence: true,
                    ..FindingFilter::default()
                },
            )
            .await?;
        let read = page.items.len() as i64;
        for view in page.items {
            if query
                .sector
                .as_deref()
                .is_some_and(|sector| sector != view.sector)
            {
                continue;
            }
            // Several rules may report one exposure: it counts once.
            if !seen.insert((view.register_id.clone(), view.row.subject_id.clone())) {
                continue;
            }
            let finding = crate::reports::stored_finding(&view)?;
            let Some(Evidence::Exposure {
                vulnerability,
                title,
                product,
                version,
                fixed_in,
                score,
                kev_added,
                kev_due,
                ransomware,
                ..
            }) = finding
                .evidence
                .iter()
                .find(|evidence| matches!(evidence, Evidence::Exposure { .. }))
                .cloned()
            else {
                continue;
            };
            if query.kev == Some(true) && kev_added.is_none() {
                continue;
            }
            if !inventories.contains_key(&view.register_id) {
                let stored = state
                    .store
                    .register_inventory(&tenant, &view.register_id)
                    .await?
                    .ok_or_else(|| {
                        Error::Internal(format!(
                            "register {} has findings but no content",
                            view.register_id
                        ))
                    })?;
                let inventory: Inventory = serde_json::from_str(&stored).map_err(|error| {
                    Error::Internal(format!("stored register {}: {error}", view.register_id))
                })?;
                inventories.insert(view.register_id.clone(), inventory);
            }
            let asset_id = view
                .row
                .subject_id
                .rsplit_once('/')
                .map_or(view.row.subject_id.as_str(), |(asset, _)| asset);
            let asset = inventories
                .get(&view.register_id)
                .and_then(|inventory| inventory.asset(asset_id));
            let critical = asset.is_some_and(|asset| asset.critical);
            if query.critical == Some(true) && !critical {
                continue;
            }
            let model = [
                asset
                    .and_then(|asset| asset.model.clone())
                    .or(Some(product)),
                version,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let entry = found
                .entry(vulnerability.clone())
                .or_insert_with(|| SectorVulnerability {
                    vulnerability,
                    title,
                    kev_added,
                    kev_due,
                    ransomware,
                    score,
                    fixed_in: Vec::new(),
                    assets: 0,
                    critical_assets: 0,
                    operators: Vec::new(),
                });
            if score > entry.score {
                entry.score = score;
            }
            if let Some(fixed) = fixed_in
                && !entry.fixed_in.contains(&fixed)
            {
                entry.fixed_in.push(fixed);
            }
            entry.assets += 1;
            entry.critical_assets += usize::from(critical);
            if !entry
                .operators
                .iter()
                .any(|operator| operator.register_id == view.register_id)
            {
                entry.operators.push(OperatorExposure {
                    org_id: view.org_id.clone(),
                    org_name: view.org_name.clone(),
                    sector: view.sector.clone(),
                    register_id: view.register_id.clone(),
                    models: Vec::new(),
                    assets: 0,
                    critical_assets: 0,
                });
            }
            let Some(operator) = entry
                .operators
                .iter_mut()
                .find(|operator| operator.register_id == view.register_id)
            else {
                continue; // just added
            };
            operator.assets += 1;
            operator.critical_assets += usize::from(critical);
            if !model.is_empty() && !operator.models.contains(&model) {
                operator.models.push(model);
            }
        }
        offset += read;
        if read < PAGE {
            break;
        }
    }
    let mut vulnerabilities: Vec<SectorVulnerability> = found.into_values().collect();
    for vulnerability in &mut vulnerabilities {
        vulnerability
            .operators
            .sort_by(|a, b| (&a.org_name, &a.register_id).cmp(&(&b.org_name, &b.register_id)));
        for operator in &mut vulnerability.operators {
            operator.models.sort();
        }
    }
    // KEV first, newest added first; then the rest, newest record first.
    vulnerabilities.sort_by(|a, b| {
        (
            b.kev_added.is_some(),
            &b.kev_added,
            newness(&b.vulnerability),
        )
            .cmp(&(
                a.kev_added.is_some(),
                &a.kev_added,
                newness(&a.vulnerability),
            ))
    });
    Ok(vulnerabilities)
}

/// How new an identifier is: its numbers in order (`CVE-2024-10000` is
/// newer than `CVE-2024-9999`, which text order would not say).
fn newness(id: &str) -> Vec<u64> {
    id.split(|c: char| !c.is_ascii_digit())
        .filter_map(|digits| digits.parse().ok())
        .collect()
}

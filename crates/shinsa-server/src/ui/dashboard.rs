//! The dashboard: open findings by severity, the review inbox by days
//! left and plans by status, sector exposure (which operators use a
//! vendor, a country of manufacture, a data-flow provider; a vendor's or
//! country's bar leads to the assets behind it), and findings after each
//! recent run, and the exploited vulnerabilities reaching critical
//! facilities (the list behind them: [`crate::vulnerabilities`]).
//! Charts are SVG drawn here ([`crate::charts`]).

use super::{Frame, Page, blank, render, urlencode};
use crate::i18n::Lang;
use crate::{Problem, Shared};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use shinsa_model::{Inventory, PartyRef};
use shinsa_report::charts::{Bar, bars};
use shinsa_store::*;
use std::collections::{BTreeMap, BTreeSet};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/ui/dashboard", get(dashboard))
        .route("/ui/exposure", get(exposure))
        .route("/ui/vulnerabilities", get(vulnerabilities))
}

/// The current inventory of every register `tenant` sees, with its
/// operator's name and the register's id.
async fn inventories(
    state: &Shared,
    tenant: &Tenant,
) -> Result<Vec<(RegisterSummary, Inventory)>, Problem> {
    let mut found = Vec::new();
    for register in state.store.registers(tenant).await? {
        let Some(stored) = state.store.register_inventory(tenant, &register.id).await? else {
            continue;
        };
        let inventory = serde_json::from_str::<Inventory>(&stored).map_err(|error| {
            Problem::internal(format!("stored register {}: {error}", register.id))
        })?;
        found.push((register, inventory));
    }
    Ok(found)
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Frame,
    t: Lang,
    severity: String,
    clock: String,
    statuses: String,
    vendors: String,
    countries: String,
    providers: String,
    vulnerabilities: String,
    trend: String,
}

/// Who uses something: the operators, and how many of their assets or flows.
#[derive(Default)]
struct Use {
    operators: BTreeSet<String>,
    count: u64,
}

/// The ten most used, by operators and then by count; `link` names the
/// exposure filter a bar opens (`vendor`, `country`).
fn top(uses: BTreeMap<String, Use>, lang: Lang, link: Option<&str>) -> Vec<Bar> {
    let mut ranked: Vec<(String, Use)> = uses.into_iter().collect();
    ranked.sort_by(|(a_name, a), (b_name, b)| {
        (b.operators.len(), b.count, a_name).cmp(&(a.operators.len(), a.count, b_name))
    });
    ranked
        .into_iter()
        .take(10)
        .map(|(name, usage)| Bar {
            label: format!("{name} ({} {})", usage.count, lang.t("uses")),
            value: usage.operators.len() as u64,
            href: link.map(|key| format!("/ui/exposure?{key}={}", urlencode(&name))),
            tone: "exposure",
        })
        .collect()
}

fn party_name(inventory: &Inventory, reference: &PartyRef) -> String {
    match reference {
        PartyRef::Id(id) => inventory
            .party(id)
            .map_or_else(|| id.clone(), |party| party.name.clone()),
        PartyRef::Text(text) => text.clone(),
    }
}

async fn dashboard(State(state): State<Shared>, page: Page) -> Result<Response, Problem> {
    let tenant = crate::access::tenant(&page.principal);
    let lang = page.lang;
    let today = crate::clock::today().to_string();

    let mut severity = Vec::new();
    for (level, tone) in [
        ("prohibited", "prohibited"),
        ("review", "review"),
        ("notice", "notice"),
    ] {
        let open = state
            .store
            .findings(
                &tenant,
                &FindingFilter {
                    severity: Some(level.into()),
                    status: Some(TriageStatus::Open),
                    today: today.clone(),
                    limit: 1,
                    ..FindingFilter::default()
                },
            )
            .await?;
        severity.push(Bar {
            label: lang.t(level).to_owned(),
            value: open.total.max(0) as u64,
            href: Some(format!("/ui/findings?severity={level}&status=open")),
            tone,
        });
    }

    let plans = crate::plans::plans(&state, &page.principal).await?;
    let bucket = |days: Option<i64>, status: &str| match days {
        Some(days) if days < 0 => Some(0),
        Some(0..=7) => Some(1),
        Some(8..=14) => Some(2),
        Some(_) => Some(3),
        None if status == "filed" => Some(4),
        None => None,
    };
    let mut counts = [0u64; 5];
    for plan in &plans {
        if let Some(count) =
            bucket(plan.days_left, &plan.record.status).and_then(|index| counts.get_mut(index))
        {
            *count += 1;
        }
    }
    let clock = [
        "overdue",
        "days_0_7",
        "days_8_14",
        "days_15_plus",
        "awaiting_receipt",
    ]
    .iter()
    .zip(["overdue", "due-soon", "review", "notice", "notice"])
    .zip(counts)
    .map(|((label, tone), value)| Bar {
        label: lang.t(label).to_owned(),
        value,
        href: Some("/ui/plans".into()),
        tone,
    })
    .collect::<Vec<_>>();
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for plan in &plans {
        let label = match lang {
            Lang::Ja => plan.status_label_ja.clone(),
            Lang::En => plan.status_label_en.clone(),
        };
        *by_status.entry(label).or_default() += 1;
    }
    let statuses: Vec<Bar> = by_status
        .into_iter()
        .map(|(label, value)| Bar {
            label,
            value,
            href: Some("/ui/plans".into()),
            tone: "plan",
        })
        .collect();

    // Exposure across the registers the caller sees.
    let mut vendors: BTreeMap<String, Use> = BTreeMap::new();
    let mut countries: BTreeMap<String, Use> = BTreeMap::new();
    let mut providers: BTreeMap<String, Use> = BTreeMap::new();
    let loaded = inventories(&state, &tenant).await?;
    for (register, inventory) in &loaded {
        let operator = &register.org_name;
        for asset in &inventory.assets {
            if let Some(maker) = asset.manufacturer.as_ref().or(asset.supplier.as_ref()) {
                let usage = vendors.entry(party_name(inventory, maker)).or_default();
                usage.operators.insert(operator.clone());
                usage.count += 1;
            }
            if let Some(country) = &asset.country_of_manufacture {
                let usage = countries.entry(country.as_str().to_owned()).or_default();
                usage.operators.insert(operator.clone());
                usage.count += 1;
            }
        }
        for flow in &inventory.dataflows {
            let name = match (&flow.provider, &flow.dc_country) {
                (Some(provider), Some(country)) => {
                    format!("{} / {}", party_name(inventory, provider), country.as_str())
                }
                (Some(provider), None) => party_name(inventory, provider),
                (None, Some(country)) => country.as_str().to_owned(),
                (None, None) => continue,
            };
            let usage = providers.entry(name).or_default();
            usage.operators.insert(operator.clone());
            usage.count += 1;
        }
    }

    // Findings after each of the latest finished runs, oldest first.
    let names: BTreeMap<&str, String> = loaded
        .iter()
        .map(|(register, _)| {
            (
                register.id.as_str(),
                format!("{} / {}", register.org_name, register.name),
            )
        })
        .collect();
    let runs = state.store.runs(&tenant, None, 0, 200).await?.items;
    let mut finished: Vec<&Run> = runs
        .iter()
        .filter(|run| run.status == RunStatus::Done)
        .take(12)
        .collect();
    finished.reverse();
    let trend: Vec<Bar> = finished
        .into_iter()
        .map(|run| Bar {
            label: format!(
                "{} {}",
                blank(run.finished_at.as_deref().map(|at| page.lang.when(at))),
                names
                    .get(run.register_id.as_str())
                    .map_or("", String::as_str)
            ),
            value: run.findings.unwrap_or(0).max(0) as u64,
            href: Some(format!("/ui/findings?register={}", run.register_id)),
            tone: "review",
        })
        .collect();

    // Exploited vulnerabilities reaching critical facilities, by operators.
    let reaching = crate::vulnerabilities::across_registers(
        &state,
        &page.principal,
        &crate::vulnerabilities::VulnerabilityQuery {
            kev: Some(true),
            critical: Some(true),
            sector: None,
        },
    )
    .await?;
    let exploited: Vec<Bar> = reaching
        .iter()
        .take(10)
        .map(|vulnerability| Bar {
            label: format!(
                "{} ({} {})",
                vulnerability.vulnerability,
                vulnerability.critical_assets,
                lang.t("uses")
            ),
            value: vulnerability.operators.len() as u64,
            href: Some("/ui/vulnerabilities?kev=true&critical=true".into()),
            tone: "prohibited",
        })
        .collect();

    let view = DashboardPage {
        frame: Frame::new(&page, "/ui/dashboard"),
        t: lang,
        severity: bars(lang.t("open_by_severity"), &severity),
        clock: bars(lang.t("inbox_by_days_left"), &clock),
        statuses: bars(lang.t("plans_by_status"), &statuses),
        vendors: bars(
            lang.t("exposure_vendors"),
            &top(vendors, lang, Some("vendor")),
        ),
        countries: bars(
            lang.t("exposure_countries"),
            &top(countries, lang, Some("country")),
        ),
        providers: bars(lang.t("exposure_providers"), &top(providers, lang, None)),
        vulnerabilities: bars(lang.t("kev_reaching_critical"), &exploited),
        trend: bars(lang.t("findings_trend"), &trend),
    };
    Ok(render(&view, lang))
}

#[derive(serde::Deserialize)]
struct ExposureQuery {
    vendor: Option<String>,
    country: Option<String>,
}

/// An asset that uses what a dashboard bar counted.
struct Used {
    operator: String,
    register_id: String,
    register: String,
    asset: String,
    name: String,
    category: String,
    vendor: String,
    country: String,
    critical: bool,
}

#[derive(Template)]
#[template(path = "exposure.html")]
struct ExposurePage {
    frame: Frame,
    t: Lang,
    what: String,
    assets: Vec<Used>,
}

/// The assets behind a dashboard bar: every asset of a vendor, or made in
/// a country, across the registers the caller sees.
async fn exposure(
    State(state): State<Shared>,
    page: Page,
    axum::extract::Query(query): axum::extract::Query<ExposureQuery>,
) -> Result<Response, Problem> {
    let tenant = crate::access::tenant(&page.principal);
    let mut assets = Vec::new();
    for (register, inventory) in inventories(&state, &tenant).await? {
        for asset in &inventory.assets {
            let vendor = blank(
                asset
                    .manufacturer
                    .as_ref()
                    .or(asset.supplier.as_ref())
                    .map(|maker| party_name(&inventory, maker)),
            );
            let country = blank(asset.country_of_manufacture.as_ref());
            let wanted = query
                .vendor
                .as_deref()
                .is_none_or(|wanted| wanted == vendor)
                && query
                    .country
                    .as_deref()
                    .is_none_or(|wanted| wanted == country);
            if wanted {
                assets.push(Used {
                    operator: register.org_name.clone(),
                    register_id: register.id.clone(),
                    register: register.name.clone(),
                    asset: asset.id.clone(),
                    name: asset.name.clone(),
                    category: asset.category.clone(),
                    vendor,
                    country,
                    critical: asset.critical,
                });
            }
        }
    }
    let what = [query.vendor, query.country]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let view = ExposurePage {
        frame: Frame::new(&page, "/ui/exposure"),
        t: page.lang,
        what,
        assets,
    };
    Ok(render(&view, page.lang))
}

/// A vulnerability as a row of the page.
struct VulnerabilityRow {
    vulnerability: String,
    title: String,
    kev_added: String,
    kev_due: String,
    ransomware: bool,
    score: String,
    fixed_in: String,
    assets: usize,
    critical_assets: usize,
    operators: Vec<OperatorRow>,
}

struct OperatorRow {
    org_name: String,
    register_id: String,
    models: String,
    assets: usize,
}

#[derive(Template)]
#[template(path = "vulnerabilities.html")]
struct VulnerabilitiesPage {
    frame: Frame,
    t: Lang,
    kev_only: bool,
    critical_only: bool,
    rows: Vec<VulnerabilityRow>,
}

/// The known vulnerabilities across the registers the caller sees.
async fn vulnerabilities(
    State(state): State<Shared>,
    page: Page,
    axum::extract::Query(query): axum::extract::Query<crate::vulnerabilities::VulnerabilityQuery>,
) -> Result<Response, Problem> {
    let found = crate::vulnerabilities::across_registers(&state, &page.principal, &query).await?;
    let rows = found
        .into_iter()
        .map(|vulnerability| VulnerabilityRow {
            title: vulnerability.title,
            kev_added: blank(vulnerability.kev_added.map(|day| page.lang.date(&day))),
            kev_due: blank(vulnerability.kev_due.map(|day| page.lang.date(&day))),
            ransomware: vulnerability.ransomware,
            score: blank(vulnerability.score.map(|score| format!("{score:.1}"))),
            fixed_in: vulnerability.fixed_in.join(", "),
            assets: vulnerability.assets,
            critical_assets: vulnerability.critical_assets,
            operators: vulnerability
                .operators
                .into_iter()
                .map(|operator| OperatorRow {
                    org_name: operator.org_name,
                    register_id: operator.register_id,
                    models: operator.models.join(", "),
                    assets: operator.assets,
                })
                .collect(),
            vulnerability: vulnerability.vulnerability,
        })
        .collect();
    let view = VulnerabilitiesPage {
        frame: Frame::new(&page, "/ui/vulnerabilities"),
        t: page.lang,
        kev_only: query.kev == Some(true),
        critical_only: query.critical == Some(true),
        rows,
    };
    Ok(render(&view, page.lang))
}

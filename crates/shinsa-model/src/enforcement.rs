//! Enforcement after installation: a ministry's case against an operator
//! (a report demand, an on-site inspection, a recommendation or order, a
//! licence measure under the sector law, a penalty referral), the
//! documents exchanged, and remediation milestones whose progress is
//! measured on the operator's register itself ("replace every
//! foreign-made inspection drone by 31 March": the drones still in the
//! register are what is left).

use crate::{CountryCode, Date, Inventory, PartyRef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    ReportDemand,
    OnSiteInspection,
    Recommendation,
    Order,
    LicenceSuspension,
    LicenceRevocation,
    PenaltyReferral,
}

impl CaseKind {
    pub const ALL: [CaseKind; 7] = [
        CaseKind::ReportDemand,
        CaseKind::OnSiteInspection,
        CaseKind::Recommendation,
        CaseKind::Order,
        CaseKind::LicenceSuspension,
        CaseKind::LicenceRevocation,
        CaseKind::PenaltyReferral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::ReportDemand => "report_demand",
            CaseKind::OnSiteInspection => "on_site_inspection",
            CaseKind::Recommendation => "recommendation",
            CaseKind::Order => "order",
            CaseKind::LicenceSuspension => "licence_suspension",
            CaseKind::LicenceRevocation => "licence_revocation",
            CaseKind::PenaltyReferral => "penalty_referral",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CaseKind::ReportDemand => "報告徴収",
            CaseKind::OnSiteInspection => "立入検査",
            CaseKind::Recommendation => "勧告",
            CaseKind::Order => "命令",
            CaseKind::LicenceSuspension => "事業許可の停止（事業法）",
            CaseKind::LicenceRevocation => "事業許可の取消し（事業法）",
            CaseKind::PenaltyReferral => "罰則適用のための告発",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseKind::ReportDemand => "Report demand",
            CaseKind::OnSiteInspection => "On-site inspection",
            CaseKind::Recommendation => "Recommendation",
            CaseKind::Order => "Order",
            CaseKind::LicenceSuspension => "Licence suspension (sector law)",
            CaseKind::LicenceRevocation => "Licence revocation (sector law)",
            CaseKind::PenaltyReferral => "Penalty referral",
        }
    }
}

/// What a case holds besides its kind and dates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    #[serde(default)]
    pub documents: Vec<CaseDocument>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
}

/// A document of the case: the demand, the operator's report, the
/// inspection record, the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDocument {
    pub on: Date,
    pub title: String,
    /// Who added it (`user:…`).
    pub by: String,
    #[serde(default)]
    pub note: Option<String>,
    /// The file itself, when one was attached: stored by its SHA-256,
    /// which the case's audit record carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<crate::AttachedFile>,
}

/// Which assets of a register a milestone is about. Every condition
/// given must hold; text compares without case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSelector {
    #[serde(default)]
    pub category: Option<String>,
    /// Manufacturer or supplier name.
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub made_in: Option<CountryCode>,
    /// Made anywhere but here ("foreign-made" for Japan: `JP`); an asset
    /// whose country is not recorded counts, as it is not shown otherwise.
    #[serde(default)]
    pub not_made_in: Option<CountryCode>,
    #[serde(default)]
    pub critical_only: bool,
}

impl AssetSelector {
    /// The assets of `inventory` the selector picks.
    pub fn count(&self, inventory: &Inventory) -> u64 {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        inventory
            .assets
            .iter()
            .filter(|asset| {
                let vendor = |reference: &Option<PartyRef>| {
                    reference.as_ref().is_some_and(|reference| {
                        let name = match reference {
                            PartyRef::Id(id) => inventory
                                .party(id)
                                .map_or(id.as_str(), |party| party.name.as_str()),
                            PartyRef::Text(text) => text.as_str(),
                        };
                        self.vendor
                            .as_deref()
                            .is_some_and(|wanted| same(name, wanted))
                    })
                };
                (!self.critical_only || asset.critical)
                    && self
                        .category
                        .as_deref()
                        .is_none_or(|wanted| same(&asset.category, wanted))
                    && (self.vendor.is_none()
                        || vendor(&asset.manufacturer)
                        || vendor(&asset.supplier))
                    && self
                        .made_in
                        .is_none_or(|country| asset.country_of_manufacture == Some(country))
                    && self
                        .not_made_in
                        .is_none_or(|country| asset.country_of_manufacture != Some(country))
            })
            .count() as u64
    }
}

/// A remediation step with a deadline, measured on the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: String,
    pub title: String,
    pub due: Date,
    pub selector: AssetSelector,
    /// How many assets the selector picked when the milestone was set.
    pub baseline: u64,
}

/// How far a milestone has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub baseline: u64,
    pub remaining: u64,
    /// Whole percent done (100 when nothing was there to begin with).
    pub percent_done: u64,
    pub met: bool,
    /// Past its day and not met.
    pub overdue: bool,
}

impl Milestone {
    pub fn progress(&self, inventory: &Inventory, today: Date) -> Progress {
        let remaining = self.selector.count(inventory);
        let done = self.baseline.saturating_sub(remaining);
        let percent_done = (done * 100).checked_div(self.baseline).unwrap_or(100);
        Progress {
            baseline: self.baseline,
            remaining,
            percent_done,
            met: remaining == 0,
            overdue: remaining > 0 && today > self.due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn drones(made_in: &[&str]) -> Inventory {
        let assets: Vec<serde_json::Value> = made_in
            .iter()
            .enumerate()
            .map(|(index, country)| {
                serde_json::json!({
                    "id": format!("D-{index}"), "name": "点検ドローン", "kind": "equipment",
                    "category": "drone", "category_known": true, "critical": false, "parent": null,
                    "manufacturer": {"kind": "text", "value": if *country == "CN" { "SZ DJI Technology" } else { "ACSL" }},
                    "supplier": null, "model": null, "version": null, "country_of_manufacture": country,
                    "ip": null, "mac": null, "location": null, "status": null, "exceptions": [], "origin": null
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "operator": {"id": "OP", "name": "港電力", "sector": "electricity", "country": "JP",
                         "licence": null, "regulator": null},
            "parties": [], "ownership": [], "assets": assets, "contracts": [], "dataflows": []
        }))
        .unwrap_or_else(|error| unreachable!("{error}"))
    }

    #[test]
    fn progress_is_what_the_register_still_holds() {
        let selector = AssetSelector {
            category: Some("Drone".into()),
            not_made_in: CountryCode::parse("JP").ok(),
            ..AssetSelector::default()
        };
        let before = drones(&["CN", "CN", "US", "JP"]);
        let milestone = Milestone {
            id: "M-1".into(),
            title: "外国製の点検ドローンを置き換える".into(),
            due: date!(2027 - 03 - 31),
            baseline: selector.count(&before),
            selector: selector.clone(),
        };
        assert_eq!(milestone.baseline, 3);
        let halfway = milestone.progress(&drones(&["CN", "JP", "JP", "JP"]), date!(2027 - 01 - 10));
        assert_eq!(
            (
                halfway.remaining,
                halfway.percent_done,
                halfway.met,
                halfway.overdue
            ),
            (1, 66, false, false)
        );
        let late = milestone.progress(&drones(&["CN", "JP"]), date!(2027 - 04 - 01));
        assert!(late.overdue);
        let done = milestone.progress(&drones(&["JP", "JP"]), date!(2027 - 04 - 01));
        assert_eq!(
            (done.percent_done, done.met, done.overdue),
            (100, true, false)
        );
        let by_vendor = AssetSelector {
            vendor: Some("sz dji technology".into()),
            ..AssetSelector::default()
        };
        assert_eq!(by_vendor.count(&before), 2);
    }
}

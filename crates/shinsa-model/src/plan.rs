//! Installation plans (導入等計画書): what an operator files before it
//! introduces a critical facility or entrusts its maintenance, management
//! or operation, and the completeness check that lists, before filing,
//! what the ministry will ask for (DOMAIN.md, "Plan contents").

use crate::{CountryCode, Date};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub items: Vec<PlanItem>,
    /// Risk-management measures the operator commits to.
    #[serde(default)]
    pub measures: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanItemKind {
    /// Introducing a critical facility (導入).
    Introduction,
    /// Entrusting its maintenance, management or operation (委託).
    Entrustment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub id: String,
    pub kind: PlanItemKind,
    /// The facility: its outline, or the register's asset id.
    pub facility: String,
    /// Introduction: when it is to be introduced.
    #[serde(default)]
    pub timing: Option<Date>,
    /// Introduction: the supplier of the facility.
    #[serde(default)]
    pub supplier: Option<Supplier>,
    #[serde(default)]
    pub country_of_manufacture: Option<CountryCode>,
    /// Introduction: component facilities (構成設備) and their suppliers.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Entrustment: the contractor, its subcontractors, the period, the scope.
    #[serde(default)]
    pub contractor: Option<Supplier>,
    #[serde(default)]
    pub subcontractors: Vec<Supplier>,
    #[serde(default)]
    pub period_from: Option<Date>,
    #[serde(default)]
    pub period_until: Option<Date>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    #[serde(default)]
    pub supplier: Option<Supplier>,
    #[serde(default)]
    pub country_of_manufacture: Option<CountryCode>,
}

/// A supplier, contractor or subcontractor with what the ministry asks of
/// each. A list left out (`None`) is "not stated"; an empty list is a
/// statement that there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    pub name: String,
    #[serde(default)]
    pub country_of_incorporation: Option<CountryCode>,
    /// Holders of 5 % or more of the voting rights.
    #[serde(default)]
    pub major_holders: Option<Vec<Holder>>,
    #[serde(default)]
    pub officers: Option<Vec<Officer>>,
    /// Capital or trade ties to foreign governments ("none" is an answer).
    #[serde(default)]
    pub foreign_government_ties: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    pub voting_percent: f64,
    #[serde(default)]
    pub country: Option<CountryCode>,
}

/// An officer. Dates of birth and nationalities are personal data: only
/// the filing operator and the reviewing ministry may see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    #[serde(default)]
    pub date_of_birth: Option<Date>,
    #[serde(default)]
    pub nationality: Option<CountryCode>,
}

/// Something the ministry will ask for that the draft does not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// RFC 6901 pointer into the plan (`/items/0/supplier/officers`).
    pub pointer: String,
    pub missing: String,
    pub missing_ja: String,
}

struct Gaps(Vec<Gap>);

impl Gaps {
    fn add(&mut self, pointer: String, missing: &str, missing_ja: &str) {
        self.0.push(Gap {
            pointer,
            missing: missing.to_owned(),
            missing_ja: missing_ja.to_owned(),
        });
    }

    fn supplier(&mut self, at: &str, supplier: Option<&Supplier>, role_ja: &str) {
        let Some(supplier) = supplier else {
            self.add(
                at.to_owned(),
                "who it is (name and details)",
                &format!("{role_ja}の名称と詳細"),
            );
            return;
        };
        if supplier.name.trim().is_empty() {
            self.add(format!("{at}/name"), "the name", "名称");
        }
        if supplier.country_of_incorporation.is_none() {
            self.add(
                format!("{at}/country_of_incorporation"),
                "the country of incorporation",
                "設立国",
            );
        }
        match &supplier.major_holders {
            None => self.add(
                format!("{at}/major_holders"),
                "holders of 5 % or more of the voting rights (or that there are none)",
                "議決権の5%以上を保有する者（いない場合はその旨）",
            ),
            Some(holders) => {
                for (index, holder) in holders.iter().enumerate() {
                    if !(5.0..=100.0).contains(&holder.voting_percent) {
                        self.add(
                            format!("{at}/major_holders/{index}/voting_percent"),
                            "a share of voting rights from 5 to 100 %",
                            "5%から100%までの議決権割合",
                        );
                    }
                }
            }
        }
        match &supplier.officers {
            None => self.add(format!("{at}/officers"), "the officers", "役員"),
            Some(officers) if officers.is_empty() => self.add(
                format!("{at}/officers"),
                "at least one officer",
                "少なくとも一名の役員",
            ),
            Some(officers) => {
                for (index, officer) in officers.iter().enumerate() {
                    if officer.date_of_birth.is_none() {
                        self.add(
                            format!("{at}/officers/{index}/date_of_birth"),
                            "the officer's date of birth",
                            "役員の生年月日",
                        );
                    }
                    if officer.nationality.is_none() {
                        self.add(
                            format!("{at}/officers/{index}/nationality"),
                            "the officer's nationality",
                            "役員の国籍",
                        );
                    }
                }
            }
        }
        if supplier
            .foreign_government_ties
            .as_deref()
            .is_none_or(|ties| ties.trim().is_empty())
        {
            self.add(
                format!("{at}/foreign_government_ties"),
                "capital or trade ties to foreign governments (or that there are none)",
                "外国政府等との資本・取引関係（ない場合はその旨）",
            );
        }
    }
}

impl Plan {
    /// What the ministry will ask for that this draft does not say, in
    /// plan order. Empty means the plan can be filed.
    pub fn completeness(&self) -> Vec<Gap> {
        let mut gaps = Gaps(Vec::new());
        if self.items.is_empty() {
            gaps.add(
                "/items".into(),
                "at least one item to introduce or entrust",
                "導入または委託の対象を一件以上",
            );
        }
        if self
            .measures
            .iter()
            .all(|measure| measure.trim().is_empty())
        {
            gaps.add(
                "/measures".into(),
                "the risk-management measures",
                "リスク管理措置",
            );
        }
        for (index, item) in self.items.iter().enumerate() {
            let at = format!("/items/{index}");
            if item.facility.trim().is_empty() {
                gaps.add(
                    format!("{at}/facility"),
                    "the facility's outline",
                    "特定重要設備の概要",
                );
            }
            match item.kind {
                PlanItemKind::Introduction => {
                    if item.timing.is_none() {
                        gaps.add(
                            format!("{at}/timing"),
                            "when it is to be introduced",
                            "導入の時期",
                        );
                    }
                    gaps.supplier(&format!("{at}/supplier"), item.supplier.as_ref(), "供給者");
                    if item.country_of_manufacture.is_none() {
                        gaps.add(
                            format!("{at}/country_of_manufacture"),
                            "the country of manufacture",
                            "製造国",
                        );
                    }
                    for (number, component) in item.components.iter().enumerate() {
                        let at = format!("{at}/components/{number}");
                        gaps.supplier(
                            &format!("{at}/supplier"),
                            component.supplier.as_ref(),
                            "構成設備の供給者",
                        );
                        if component.country_of_manufacture.is_none() {
                            gaps.add(
                                format!("{at}/country_of_manufacture"),
                                "the component's country of manufacture",
                                "構成設備の製造国",
                            );
                        }
                    }
                }
                PlanItemKind::Entrustment => {
                    gaps.supplier(
                        &format!("{at}/contractor"),
                        item.contractor.as_ref(),
                        "委託先",
                    );
                    for (number, subcontractor) in item.subcontractors.iter().enumerate() {
                        gaps.supplier(
                            &format!("{at}/subcontractors/{number}"),
                            Some(subcontractor),
                            "再委託先",
                        );
                    }
                    match (item.period_from, item.period_until) {
                        (Some(from), Some(until)) if from > until => gaps.add(
                            format!("{at}/period_until"),
                            "an end of the period on or after its start",
                            "開始日以降の委託期間の終了日",
                        ),
                        (Some(_), Some(_)) => {}
                        _ => gaps.add(
                            format!("{at}/period_from"),
                            "the period of the entrustment",
                            "委託の期間",
                        ),
                    }
                    if item
                        .scope
                        .as_deref()
                        .is_none_or(|scope| scope.trim().is_empty())
                    {
                        gaps.add(
                            format!("{at}/scope"),
                            "the scope of the entrusted work",
                            "委託する業務の範囲",
                        );
                    }
                }
            }
        }
        gaps.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: serde_json::Value) -> Plan {
        serde_json::from_value(json).unwrap_or_else(|error| unreachable!("{error}"))
    }

    fn supplier() -> serde_json::Value {
        serde_json::json!({
            "name": "関西通信機材株式会社", "country_of_incorporation": "JP",
            "major_holders": [{"name": "ZTE Corporation", "voting_percent": 60.0, "country": "CN"}],
            "officers": [{"name": "山田太郎", "date_of_birth": "1970-04-01", "nationality": "JP"}],
            "foreign_government_ties": "none"
        })
    }

    #[test]
    fn a_complete_plan_has_no_gaps() {
        let complete = plan(serde_json::json!({
            "id": "P-1", "title": "変電所ルータ更新",
            "measures": ["ファームウェア更新は国内で検証してから適用する"],
            "items": [
                {"id": "I-1", "kind": "introduction", "facility": "A-SS03-RTR", "timing": "2027-04-01",
                 "supplier": supplier(), "country_of_manufacture": "CN",
                 "components": [{"name": "LTE module", "supplier": supplier(), "country_of_manufacture": "CN"}]},
                {"id": "I-2", "kind": "entrustment", "facility": "EMS 保守", "contractor": supplier(),
                 "subcontractors": [supplier()], "period_from": "2027-04-01", "period_until": "2030-03-31",
                 "scope": "maintenance"}
            ]
        }));
        assert_eq!(complete.completeness(), vec![]);
    }

    #[test]
    fn every_gap_is_named_by_pointer_in_both_languages() {
        let mut incomplete_supplier = supplier();
        incomplete_supplier["officers"][0]["date_of_birth"] = serde_json::Value::Null;
        incomplete_supplier["major_holders"][0]["voting_percent"] = serde_json::json!(3.0);
        incomplete_supplier
            .as_object_mut()
            .map(|object| object.remove("foreign_government_ties"));
        let draft = plan(serde_json::json!({
            "id": "P-2", "title": "draft",
            "items": [
                {"id": "I-1", "kind": "introduction", "facility": "A-1", "supplier": incomplete_supplier},
                {"id": "I-2", "kind": "entrustment", "facility": "O&M", "contractor": supplier(),
                 "subcontractors": [{"name": "Sub Co."}], "period_from": "2027-04-01", "period_until": "2026-03-31"}
            ]
        }));
        let pointers: Vec<String> = draft
            .completeness()
            .into_iter()
            .map(|gap| gap.pointer)
            .collect();
        assert_eq!(
            pointers,
            [
                "/measures",
                "/items/0/timing",
                "/items/0/supplier/major_holders/0/voting_percent",
                "/items/0/supplier/officers/0/date_of_birth",
                "/items/0/supplier/foreign_government_ties",
                "/items/0/country_of_manufacture",
                "/items/1/subcontractors/0/country_of_incorporation",
                "/items/1/subcontractors/0/major_holders",
                "/items/1/subcontractors/0/officers",
                "/items/1/subcontractors/0/foreign_government_ties",
                "/items/1/period_until",
                "/items/1/scope",
            ],
            "{pointers:#?}"
        );
        let gaps = draft.completeness();
        assert_eq!(gaps[1].missing_ja, "導入の時期");
        assert!(
            plan(serde_json::json!({"id": "P-3", "title": "", "items": []}))
                .completeness()
                .iter()
                .any(|gap| gap.pointer == "/items")
        );
    }
}

//! Installation plans (導入等計画書): what an operator files before it
//! introduces a critical facility or entrusts its maintenance, management
//! or operation, and the completeness check that lists, before filing,
//! what the ministry will ask for (DOMAIN.md, "Plan contents").

use crate::{
    Asset, AssetKind, Contract, ContractScope, CountryCode, Date, Inventory, Operator, Ownership,
    Party, PartyRef, Percent,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod exposures;
mod snapshot;
pub use exposures::{ExposureMeasure, FoundExposure, MeasureKind, RiskMeasure};
pub use snapshot::{PersonFinding, Snapshot};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub items: Vec<PlanItem>,
    /// Risk-management measures the operator commits to.
    #[serde(default)]
    pub measures: Vec<String>,
    /// Files filed with the plan (drawings, contracts, the supplier's
    /// declarations), kept by the server by their SHA-256.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::AttachedFile>,
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
    /// The facility: its outline as the filing states it.
    pub facility: String,
    /// The register's asset this item is about, when it has one.
    #[serde(default)]
    pub asset: Option<String>,
    /// The asset category (`router`, `drone`) the sector rules look at.
    #[serde(default)]
    pub category: Option<String>,
    /// Introduction: when it is to be introduced.
    #[serde(default)]
    pub timing: Option<Date>,
    /// Introduction: the supplier of the facility.
    #[serde(default)]
    pub supplier: Option<Supplier>,
    #[serde(default)]
    pub country_of_manufacture: Option<CountryCode>,
    /// Introduction: the model, its firmware or software and the version,
    /// which tell the facility's known vulnerabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Introduction: the facility's known vulnerabilities and the measure
    /// stated for each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposures: Vec<ExposureMeasure>,
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
    pub category: Option<String>,
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

/// A person a plan names (see [`Plan::people`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPerson {
    /// RFC 6901 pointer into the plan (`/items/0/supplier/officers/1`).
    pub pointer: String,
    /// `officer` or `holder`.
    pub role: &'static str,
    pub supplier: String,
    pub name: String,
    pub born: Option<Date>,
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
                    gaps.exposures(&at, &item.exposures);
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
                        (from, until) => {
                            if from.is_none() {
                                gaps.add(
                                    format!("{at}/period_from"),
                                    "the first day of the entrustment",
                                    "委託期間の開始日",
                                );
                            }
                            if until.is_none() {
                                gaps.add(
                                    format!("{at}/period_until"),
                                    "the last day of the entrustment",
                                    "委託期間の終了日",
                                );
                            }
                        }
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

/// The smallest holding the plan must name.
const MAJOR_HOLDING_PERCENT: f64 = 5.0;

impl Plan {
    /// A draft from the register: an introduction item per critical
    /// facility (its components under it) and an entrustment item per
    /// contract on one (every subcontract under it). What the register
    /// does not record (officers, foreign-government ties, timing,
    /// periods, measures) is left unstated, for [`Plan::completeness`] to
    /// ask for; holdings are taken as in force on `day`.
    pub fn draft_from_register(id: &str, title: &str, inventory: &Inventory, day: Date) -> Plan {
        let supplier = |reference: Option<&PartyRef>| {
            reference.map(|reference| supplier_from_register(inventory, reference, day))
        };
        let mut items = Vec::new();
        let facilities = inventory
            .assets
            .iter()
            .filter(|asset| asset.critical && asset.parent.is_none());
        for asset in facilities {
            items.push(PlanItem {
                id: format!("I-{}", items.len() + 1),
                kind: PlanItemKind::Introduction,
                facility: asset.name.clone(),
                asset: Some(asset.id.clone()),
                category: Some(asset.category.clone()),
                timing: None,
                supplier: supplier(asset.supplier.as_ref().or(asset.manufacturer.as_ref())),
                country_of_manufacture: asset.country_of_manufacture,
                model: asset.model.clone(),
                firmware: asset.firmware.clone(),
                version: asset.version.clone(),
                exposures: Vec::new(),
                components: inventory
                    .assets
                    .iter()
                    .filter(|part| part.parent.as_deref() == Some(asset.id.as_str()))
                    .map(|part| Component {
                        name: part.name.clone(),
                        category: Some(part.category.clone()),
                        supplier: supplier(part.supplier.as_ref().or(part.manufacturer.as_ref())),
                        country_of_manufacture: part.country_of_manufacture,
                    })
                    .collect(),
                contractor: None,
                subcontractors: Vec::new(),
                period_from: None,
                period_until: None,
                scope: None,
            });
        }
        let entrusted = inventory.contracts.iter().filter(|contract| {
            contract.parent_contract.is_none()
                && contract
                    .asset
                    .as_deref()
                    .and_then(|asset| inventory.asset(asset))
                    .is_some_and(|asset| asset.critical)
        });
        for contract in entrusted {
            let asset = contract.asset.as_deref().and_then(|id| inventory.asset(id));
            items.push(PlanItem {
                id: format!("I-{}", items.len() + 1),
                kind: PlanItemKind::Entrustment,
                facility: asset.map_or_else(String::new, |asset| asset.name.clone()),
                asset: contract.asset.clone(),
                category: asset.map(|asset| asset.category.clone()),
                timing: None,
                supplier: None,
                country_of_manufacture: None,
                model: None,
                firmware: None,
                version: None,
                exposures: Vec::new(),
                components: Vec::new(),
                contractor: supplier(Some(&contract.contractor)),
                subcontractors: subcontracts(inventory, &contract.id)
                    .map(|sub| supplier_from_register(inventory, &sub.contractor, day))
                    .collect(),
                period_from: None,
                period_until: None,
                scope: Some(contract.scope.as_str().to_owned()),
            });
        }
        Plan {
            id: id.to_owned(),
            title: title.to_owned(),
            items,
            measures: Vec::new(),
            attachments: Vec::new(),
        }
    }

    /// The plan as a register of its own, to screen what it proposes
    /// (filing freezes this screening): each introduction item a critical
    /// asset with its components, each entrustment a contract with its
    /// subcontracts, each supplier a party owned by its stated holders.
    /// Asset ids are the item ids, so findings point at plan items.
    pub fn inventory(&self, operator: &Operator) -> Inventory {
        let mut parties = PartyTable::default();
        let mut assets = Vec::new();
        let mut contracts = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let origin = Some(format!("plan /items/{index}"));
            let category = item.category.clone();
            let mut asset = Asset {
                id: item.id.clone(),
                name: item.facility.clone(),
                kind: AssetKind::Equipment,
                category_known: category.is_some(),
                category: category.unwrap_or_else(|| "unknown".to_owned()),
                critical: true,
                parent: None,
                manufacturer: None,
                supplier: None,
                supplier_inferred_from: None,
                model: item.model.clone(),
                version: item.version.clone(),
                firmware: item.firmware.clone(),
                purl: None,
                cpe: None,
                country_of_manufacture: item.country_of_manufacture,
                ip: None,
                mac: None,
                location: None,
                status: Some("planned".to_owned()),
                exceptions: Vec::new(),
                origin: origin.clone(),
            };
            asset.supplier = item.supplier.as_ref().map(|supplier| parties.add(supplier));
            asset.manufacturer = asset.supplier.clone();
            assets.push(asset.clone());
            for (number, component) in item.components.iter().enumerate() {
                let supplier = component
                    .supplier
                    .as_ref()
                    .map(|supplier| parties.add(supplier));
                assets.push(Asset {
                    id: format!("{}/{}", item.id, number + 1),
                    name: component.name.clone(),
                    kind: AssetKind::Component,
                    category_known: component.category.is_some(),
                    category: component
                        .category
                        .clone()
                        .unwrap_or_else(|| "unknown".to_owned()),
                    parent: Some(item.id.clone()),
                    manufacturer: supplier.clone(),
                    supplier,
                    country_of_manufacture: component.country_of_manufacture,
                    origin: Some(format!("plan /items/{index}/components/{number}")),
                    // The item's model is the item's, not its components'.
                    model: None,
                    version: None,
                    firmware: None,
                    ..asset.clone()
                });
            }
            if let Some(contractor) = &item.contractor {
                let scope = item
                    .scope
                    .as_deref()
                    .and_then(ContractScope::parse)
                    .unwrap_or(ContractScope::Maintenance);
                let contract_id = format!("{}/contract", item.id);
                for (number, party) in std::iter::once(contractor)
                    .chain(&item.subcontractors)
                    .enumerate()
                {
                    contracts.push(Contract {
                        id: if number == 0 {
                            contract_id.clone()
                        } else {
                            format!("{contract_id}/{number}")
                        },
                        asset: Some(item.id.clone()),
                        contractor: parties.add(party),
                        scope,
                        work_country: party.country_of_incorporation,
                        customer_data_access: scope == ContractScope::CustomerData,
                        parent_contract: (number > 0).then(|| contract_id.clone()),
                    });
                }
            }
        }
        Inventory {
            operator: operator.clone(),
            parties: parties.parties,
            ownership: parties.ownership,
            assets,
            contracts,
            dataflows: Vec::new(),
            observed: crate::Observed::default(),
            vex: Vec::new(),
        }
    }

    /// Every person the plan names — officers, and holders of 5 % or more
    /// — with the supplier they belong to and where the plan says it, to
    /// be screened as people (holders may be companies: those are
    /// screened as the supplier's owners too).
    pub fn people(&self) -> Vec<PlanPerson> {
        let mut out = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let at = format!("/items/{index}");
            let mut suppliers: Vec<(String, &Supplier)> = Vec::new();
            suppliers.extend(item.supplier.iter().map(|s| (format!("{at}/supplier"), s)));
            suppliers.extend(
                item.contractor
                    .iter()
                    .map(|s| (format!("{at}/contractor"), s)),
            );
            for (number, supplier) in item.subcontractors.iter().enumerate() {
                suppliers.push((format!("{at}/subcontractors/{number}"), supplier));
            }
            for (number, component) in item.components.iter().enumerate() {
                if let Some(supplier) = &component.supplier {
                    suppliers.push((format!("{at}/components/{number}/supplier"), supplier));
                }
            }
            for (pointer, supplier) in suppliers {
                for (number, officer) in supplier.officers.iter().flatten().enumerate() {
                    out.push(PlanPerson {
                        pointer: format!("{pointer}/officers/{number}"),
                        role: "officer",
                        supplier: supplier.name.clone(),
                        name: officer.name.clone(),
                        born: officer.date_of_birth,
                        nationality: officer.nationality,
                    });
                }
                for (number, holder) in supplier.major_holders.iter().flatten().enumerate() {
                    out.push(PlanPerson {
                        pointer: format!("{pointer}/major_holders/{number}"),
                        role: "holder",
                        supplier: supplier.name.clone(),
                        name: holder.name.clone(),
                        born: None,
                        nationality: holder.country,
                    });
                }
            }
        }
        out
    }

    /// The plan with officers' dates of birth and nationalities removed:
    /// what anyone but the filing operator and the reviewing ministry sees.
    pub fn without_personal_data(&self) -> Plan {
        let mut plan = self.clone();
        for item in &mut plan.items {
            let suppliers = item
                .supplier
                .iter_mut()
                .chain(item.contractor.iter_mut())
                .chain(item.subcontractors.iter_mut())
                .chain(
                    item.components
                        .iter_mut()
                        .filter_map(|component| component.supplier.as_mut()),
                );
            for supplier in suppliers {
                for officer in supplier.officers.iter_mut().flatten() {
                    officer.date_of_birth = None;
                    officer.nationality = None;
                }
            }
        }
        plan
    }
}

/// Every contract under `parent`, depth first (sub-subcontractors too).
fn subcontracts<'a>(inventory: &'a Inventory, parent: &str) -> impl Iterator<Item = &'a Contract> {
    let mut found = Vec::new();
    let mut pending = vec![parent.to_owned()];
    while let Some(parent) = pending.pop() {
        for contract in &inventory.contracts {
            if contract.parent_contract.as_deref() == Some(parent.as_str())
                && !found.iter().any(|seen: &&Contract| seen.id == contract.id)
            {
                found.push(contract);
                pending.push(contract.id.clone());
            }
        }
    }
    found.into_iter()
}

/// What the register knows of a supplier: its name and country, and the
/// holders of 5 % or more on `day` when it records any holding.
fn supplier_from_register(inventory: &Inventory, reference: &PartyRef, day: Date) -> Supplier {
    let party = match reference {
        PartyRef::Id(id) => inventory.party(id),
        PartyRef::Text(_) => None,
    };
    let Some(party) = party else {
        return Supplier {
            name: reference.as_str().to_owned(),
            country_of_incorporation: None,
            major_holders: None,
            officers: None,
            foreign_government_ties: None,
        };
    };
    let holdings: Vec<&Ownership> = inventory
        .ownership
        .iter()
        .filter(|holding| holding.owned == party.id && holding.in_force(day))
        .collect();
    let major_holders = (!holdings.is_empty()).then(|| {
        holdings
            .iter()
            .filter(|holding| holding.share.value() >= MAJOR_HOLDING_PERCENT)
            .map(|holding| {
                let owner = inventory.party(&holding.owner);
                Holder {
                    name: owner.map_or_else(|| holding.owner.clone(), |owner| owner.name.clone()),
                    voting_percent: holding.share.value(),
                    country: owner.and_then(|owner| owner.country),
                }
            })
            .collect()
    });
    Supplier {
        name: party.name.clone(),
        country_of_incorporation: party.country,
        major_holders,
        officers: None,
        foreign_government_ties: None,
    }
}

/// The parties of a plan's register, one per distinct supplier name.
#[derive(Default)]
struct PartyTable {
    by_name: BTreeMap<String, String>,
    parties: Vec<Party>,
    ownership: Vec<Ownership>,
}

impl PartyTable {
    fn add(&mut self, supplier: &Supplier) -> PartyRef {
        let id = self.id(&supplier.name, supplier.country_of_incorporation);
        let owned_already = self.ownership.iter().any(|holding| holding.owned == id);
        if !owned_already {
            for holder in supplier.major_holders.iter().flatten() {
                let owner = self.id(&holder.name, holder.country);
                if let Ok(share) = Percent::new(holder.voting_percent) {
                    self.ownership.push(Ownership {
                        owner,
                        owned: id.clone(),
                        share,
                        since: None,
                        until: None,
                    });
                }
            }
        }
        PartyRef::Id(id)
    }

    fn id(&mut self, name: &str, country: Option<CountryCode>) -> String {
        if let Some(id) = self.by_name.get(name) {
            return id.clone();
        }
        let id = format!("P{}", self.parties.len() + 1);
        self.parties.push(Party {
            id: id.clone(),
            name: name.to_owned(),
            aliases: Vec::new(),
            country,
            hq_country: None,
            identifiers: Vec::new(),
        });
        self.by_name.insert(name.to_owned(), id.clone());
        id
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

    fn register() -> Inventory {
        let asset = |id: &str, name: &str, parent: Option<&str>, supplier: &str, critical: bool| {
            serde_json::json!({
                "id": id, "name": name, "kind": if parent.is_some() { "component" } else { "equipment" },
                "category": "router", "category_known": true, "critical": critical, "parent": parent,
                "manufacturer": null, "supplier": {"kind": "id", "value": supplier}, "model": null,
                "version": null, "country_of_manufacture": "CN", "ip": null, "mac": null,
                "location": null, "status": null, "exceptions": [], "origin": null
            })
        };
        let party = |id: &str, name: &str, country: &str| {
            serde_json::json!({"id": id, "name": name, "aliases": [], "country": country,
                               "hq_country": null, "identifiers": []})
        };
        let contract = |id: &str, contractor: &str, parent: Option<&str>| {
            serde_json::json!({"id": id, "asset": "A-1", "contractor": {"kind": "id", "value": contractor},
                               "scope": "maintenance", "work_country": null,
                               "customer_data_access": false, "parent_contract": parent})
        };
        serde_json::from_value(serde_json::json!({
            "operator": {"id": "OP", "name": "港電力", "sector": "electricity", "country": "JP",
                         "licence": null, "regulator": null},
            "parties": [party("S", "関西通信機材", "JP"), party("Z", "ZTE Corporation", "CN"),
                        party("M", "保守一社", "JP"), party("N", "Sub Two", "VN")],
            "ownership": [
                {"owner": "Z", "owned": "S", "share": 60.0, "since": null, "until": null},
                {"owner": "M", "owned": "S", "share": 2.0, "since": null, "until": null}
            ],
            "assets": [asset("A-1", "変電所ルータ", None, "S", true), asset("A-1a", "LTE module", Some("A-1"), "Z", true),
                       asset("B-1", "事務所プリンタ", None, "S", false)],
            "contracts": [contract("C-1", "M", None), contract("C-2", "N", Some("C-1")),
                          contract("C-3", "Z", Some("C-2"))],
            "dataflows": []
        }))
        .unwrap_or_else(|error| unreachable!("{error}"))
    }

    #[test]
    fn a_draft_from_the_register_carries_what_it_knows_and_asks_for_the_rest() {
        let inventory = register();
        let draft = Plan::draft_from_register(
            "P-9",
            "更新",
            &inventory,
            time::macros::date!(2026 - 11 - 28),
        );
        assert_eq!(draft.items.len(), 2, "the printer is not critical");
        let introduction = &draft.items[0];
        assert_eq!(introduction.asset.as_deref(), Some("A-1"));
        let supplier = introduction.supplier.as_ref().map(|supplier| {
            (
                supplier.name.as_str(),
                supplier.major_holders.clone().unwrap_or_default(),
            )
        });
        assert_eq!(
            supplier,
            Some((
                "関西通信機材",
                vec![Holder {
                    name: "ZTE Corporation".into(),
                    voting_percent: 60.0,
                    country: Some(CountryCode::parse("CN").unwrap_or_else(|e| unreachable!("{e}"))),
                }]
            )),
            "the 2 % holder is below the threshold"
        );
        assert_eq!(introduction.components[0].name, "LTE module");
        let entrustment = &draft.items[1];
        let subcontractors: Vec<&str> = entrustment
            .subcontractors
            .iter()
            .map(|sub| sub.name.as_str())
            .collect();
        assert_eq!(subcontractors, ["Sub Two", "ZTE Corporation"]);
        let gaps: Vec<String> = draft
            .completeness()
            .into_iter()
            .map(|gap| gap.pointer)
            .collect();
        assert!(gaps.contains(&"/items/0/supplier/officers".to_owned()));
        assert!(gaps.contains(&"/items/1/period_from".to_owned()));
        assert!(gaps.contains(&"/measures".to_owned()));
    }

    #[test]
    fn the_plan_as_a_register_keeps_items_holders_and_subcontracts() {
        let inventory = register();
        let draft = Plan::draft_from_register(
            "P-9",
            "更新",
            &inventory,
            time::macros::date!(2026 - 11 - 28),
        );
        let planned = draft.inventory(&inventory.operator);
        let asset_ids: Vec<&str> = planned
            .assets
            .iter()
            .map(|asset| asset.id.as_str())
            .collect();
        assert_eq!(asset_ids, ["I-1", "I-1/1", "I-2"]);
        let zte = planned
            .parties
            .iter()
            .find(|party| party.name == "ZTE Corporation")
            .map(|party| party.id.clone());
        let supplier = planned.assets[0].supplier.clone();
        assert!(
            planned
                .ownership
                .iter()
                .any(|holding| Some(&holding.owner) == zte.as_ref()
                    && Some(PartyRef::Id(holding.owned.clone())) == supplier),
            "{:?}",
            planned.ownership
        );
        let parents: Vec<Option<&str>> = planned
            .contracts
            .iter()
            .map(|contract| contract.parent_contract.as_deref())
            .collect();
        assert_eq!(parents, [None, Some("I-2/contract"), Some("I-2/contract")]);
    }

    #[test]
    fn personal_data_can_be_taken_out() {
        let complete = plan(serde_json::json!({
            "id": "P-1", "title": "t", "measures": ["m"],
            "items": [{"id": "I-1", "kind": "entrustment", "facility": "EMS", "contractor": supplier(),
                       "subcontractors": [supplier()], "period_from": "2027-04-01",
                       "period_until": "2030-03-31", "scope": "maintenance"}]
        }));
        let public = complete.without_personal_data();
        let officer = |plan: &Plan| {
            plan.items[0].subcontractors[0]
                .officers
                .clone()
                .unwrap_or_default()
        };
        assert_eq!(officer(&public)[0].name, "山田太郎");
        assert_eq!(officer(&public)[0].date_of_birth, None);
        assert_eq!(officer(&public)[0].nationality, None);
        assert!(officer(&complete)[0].date_of_birth.is_some());
    }
}

//! Restricted-party and restricted-product lists, as structured entries.
//!
//! A list entry is not just a name: it has a scope (product classes, a use
//! restriction), may name a whole category ("any drone produced abroad"),
//! may extend to affiliates, has dated exceptions and may be removed. All of
//! it is data so that a screening "as of" a day can be reproduced.

use crate::primitives::{CountryCode, Date, Percent};
use serde::{Deserialize, Serialize};

/// What being on a list means in law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalEffect {
    /// Equipment may not be bought or authorised (FCC Covered List, §889 part A).
    ProcurementBan,
    /// A government may not contract with the company (DoD 1260H from 2026).
    ContractingBan,
    /// Exports to the party need a licence (Entity List): not a purchase ban.
    ExportControl,
    /// A vendor designated under a telecom-security law (UK DVD).
    Designation,
    /// A government's published risk view without legal force (EU 5G).
    Advisory,
    /// Asset freeze or investment ban (OFAC SDN, non-SDN CMIC).
    Sanctions,
}

impl LegalEffect {
    /// The names used in data files.
    pub const NAMES: &'static [&'static str] = &[
        "procurement_ban",
        "contracting_ban",
        "export_control",
        "designation",
        "advisory",
        "sanctions",
    ];

    /// The name used in data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcurementBan => "procurement_ban",
            Self::ContractingBan => "contracting_ban",
            Self::ExportControl => "export_control",
            Self::Designation => "designation",
            Self::Advisory => "advisory",
            Self::Sanctions => "sanctions",
        }
    }

    /// Parses one of [`Self::NAMES`].
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "procurement_ban" => Some(Self::ProcurementBan),
            "contracting_ban" => Some(Self::ContractingBan),
            "export_control" => Some(Self::ExportControl),
            "designation" => Some(Self::Designation),
            "advisory" => Some(Self::Advisory),
            "sanctions" => Some(Self::Sanctions),
            _ => None,
        }
    }
}

/// One published list (one version of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListInfo {
    /// Stable id used in policies and findings (`fcc-covered`).
    pub id: String,
    pub name: String,
    pub publisher: String,
    /// The state whose law the list belongs to.
    pub jurisdiction: CountryCode,
    pub legal_effect: LegalEffect,
    /// The day the data of this version was last checked against its source.
    pub version: Date,
    pub source: String,
    /// SHA-256 of the file the entries were read from, set by the reader.
    pub sha256: String,
    /// Whether the list holds every entry its publisher lists
    /// ("complete: …") or only some ("subset: …", and of what); `None`
    /// for an imported file, which is the publisher's whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<String>,
}

/// Whom or what an entry names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryTarget {
    /// A company, by the name the list uses, tied to a row of the identity
    /// table when one is known.
    Named {
        name: String,
        identity: Option<String>,
    },
    /// Every product of a category produced outside the list's jurisdiction
    /// (the FCC's 2025-12-22 drone entry).
    Categorical {
        category: String,
        produced_outside: CountryCode,
    },
}

/// A restriction on where a named entry applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UseRestriction {
    /// "to the extent it is used for the purpose of public safety, security
    /// of government facilities, physical security surveillance of critical
    /// infrastructure, and other national security purposes" (FCC, Hytera,
    /// Hikvision, Dahua). A critical facility of a designated operator meets
    /// it; other uses do not.
    PublicSafetyOrCriticalInfrastructure,
}

impl UseRestriction {
    /// Parses the name used in data files.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "public_safety_or_critical_infrastructure" => {
                Some(Self::PublicSafetyOrCriticalInfrastructure)
            }
            _ => None,
        }
    }
}

/// Which products an entry covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Taxonomy categories (and their descendants) the entry covers; empty
    /// means every product of the named company.
    pub product_classes: Vec<String>,
    pub use_restriction: Option<UseRestriction>,
    /// The scope as the list writes it, for the explanation.
    pub text: String,
}

/// A dated exception to an entry (Blue UAS Cleared List until 2028-01-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryException {
    /// Short id an asset names to claim the exception (`blue-uas`).
    pub id: String,
    pub description: String,
    /// Last day the exception holds; `None` while no end is set.
    pub until: Option<Date>,
}

/// One entry of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    pub list: String,
    /// Unique within its list (`huawei`).
    pub id: String,
    pub target: EntryTarget,
    pub scope: Scope,
    /// "and its subsidiaries and affiliates": owned companies are caught too.
    pub includes_affiliates: bool,
    pub added: Date,
    pub removed: Option<Date>,
    pub exceptions: Vec<EntryException>,
    /// Federal Register or other citation.
    pub citation: String,
    pub source: String,
    /// False where the fact is the researcher's memory, not a seen source.
    pub verified: bool,
}

impl ListEntry {
    /// Whether the entry is on its list on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.added <= day && self.removed.is_none_or(|removed| day < removed)
    }

    /// `list/id`, the entry's key across lists.
    pub fn key(&self) -> String {
        format!("{}/{}", self.list, self.id)
    }
}

/// A company as the curated identity table knows it: every name it goes by
/// in every script, and its parent. No string metric finds that ZTE is
/// 中兴通讯 or that ファーウェイ is Huawei; this table does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub name: String,
    pub country: CountryCode,
    /// Legal names, former names, native-script and katakana names.
    pub names: Vec<String>,
    /// Brands sold under (EZVIZ for Hikvision).
    pub brands: Vec<String>,
    /// Registry identifiers (`cn_uscc:…`), check digits verified.
    pub identifiers: Vec<crate::Identifier>,
    pub parent: Option<String>,
    pub parent_share: Option<Percent>,
    pub source: String,
    pub verified: bool,
}

impl Identity {
    /// The canonical name, then every other name and brand.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.names.iter().map(String::as_str))
            .chain(self.brands.iter().map(String::as_str))
    }
}

/// What kind of party a list names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Person,
    Organization,
    Vessel,
    Aircraft,
    /// The list does not say.
    Unknown,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
            Self::Vessel => "vessel",
            Self::Aircraft => "aircraft",
            Self::Unknown => "unknown",
        }
    }
}

/// How one listed party relates to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// The other party's id in the same list version.
    pub to: String,
    /// `owned_by` (FtM Ownership: `to` holds `share` of this party) or
    /// `linked_to` (OFAC "Linked To:", a link the list does not qualify).
    pub kind: RelationKind,
    pub share: Option<Percent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    OwnedBy,
    LinkedTo,
}

/// A party named by an imported list (OFAC, the Consolidated Screening
/// List, the UN list, OpenSanctions): every name it goes by and what the
/// list says about it, kept as the list wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedParty {
    /// Unique within its list version (OFAC `ent_num`, UN `DATAID`, FtM id).
    pub id: String,
    pub kind: PartyKind,
    /// The primary name first, then aliases.
    pub names: Vec<String>,
    /// Countries of nationality, incorporation or address.
    pub countries: Vec<CountryCode>,
    /// Identifiers of a known scheme, check digits verified.
    pub identifiers: Vec<crate::Identifier>,
    /// Other identifiers as the list writes them ("Registration Number 123").
    pub other_ids: Vec<String>,
    pub programs: Vec<String>,
    pub relations: Vec<Relation>,
    /// False for parties a list carries only as the other end of a relation
    /// (an FtM company that is owned by a target but not itself listed).
    pub target: bool,
    pub remarks: String,
    /// A person's dates of birth as `YYYY-MM-DD`, `YYYY-MM` or `YYYY`
    /// (lists often know only the year): they tell namesakes apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_dates: Vec<String>,
}

impl ListedParty {
    /// A listed target known by `names` (primary first), nothing else
    /// said of it yet.
    pub fn new(id: String, kind: PartyKind, names: Vec<String>) -> Self {
        Self {
            id,
            kind,
            names,
            countries: Vec::new(),
            identifiers: Vec::new(),
            other_ids: Vec::new(),
            programs: Vec::new(),
            relations: Vec::new(),
            target: true,
            remarks: String::new(),
            birth_dates: Vec::new(),
        }
    }

    /// The primary name.
    pub fn name(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }
}

/// One imported version of a list: its description and its parties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedList {
    pub info: ListInfo,
    pub parties: Vec<ListedParty>,
    /// Entries the publisher struck out and still shows, with the day
    /// (the MOF list keeps a delisted row as "2008.3.26削除").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<Removal>,
}

/// An entry a list shows as removed: its id in the list and the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub id: String,
    pub removed: Date,
}

impl ImportedList {
    /// The list entries screening reads: one per listed party, naming it by
    /// its primary name. Sanctions lists reach companies their targets
    /// control (OFAC's 50 % rule), so entries include affiliates.
    pub fn entries(&self) -> Vec<ListEntry> {
        self.parties
            .iter()
            .filter(|party| party.target)
            .map(|party| ListEntry {
                list: self.info.id.clone(),
                id: party.id.clone(),
                target: EntryTarget::Named {
                    name: party.name().to_owned(),
                    identity: None,
                },
                scope: Scope {
                    product_classes: Vec::new(),
                    use_restriction: None,
                    text: if party.programs.is_empty() {
                        "all dealings".to_owned()
                    } else {
                        format!("programs {}", party.programs.join(", "))
                    },
                },
                includes_affiliates: self.info.legal_effect == LegalEffect::Sanctions,
                added: self.info.version,
                removed: None,
                exceptions: Vec::new(),
                citation: self.info.source.clone(),
                source: self.info.source.clone(),
                verified: true,
            })
            .collect()
    }
}

/// What changed between two versions of a list, by party id.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ListChanges {
    pub added: Vec<ListedParty>,
    pub removed: Vec<ListedParty>,
    /// (old, new) for parties whose names, kind, countries, identifiers,
    /// programs or relations differ.
    pub changed: Vec<(ListedParty, ListedParty)>,
}

impl ImportedList {
    /// The parties added, removed and changed from `self` to `newer`.
    pub fn changes_to(&self, newer: &ImportedList) -> ListChanges {
        use std::collections::HashMap;
        let old: HashMap<&str, &ListedParty> =
            self.parties.iter().map(|p| (p.id.as_str(), p)).collect();
        let new: HashMap<&str, &ListedParty> =
            newer.parties.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut changes = ListChanges::default();
        for party in &newer.parties {
            match old.get(party.id.as_str()) {
                None => changes.added.push(party.clone()),
                Some(before) if !same_listing(before, party) => {
                    changes.changed.push(((*before).clone(), party.clone()));
                }
                Some(_) => {}
            }
        }
        for party in &self.parties {
            if !new.contains_key(party.id.as_str()) {
                changes.removed.push(party.clone());
            }
        }
        changes
    }
}

/// Whether two versions of a party say the same for screening (remarks
/// wording aside).
fn same_listing(a: &ListedParty, b: &ListedParty) -> bool {
    a.kind == b.kind
        && a.names == b.names
        && a.countries == b.countries
        && a.identifiers == b.identifiers
        && a.programs == b.programs
        && a.relations == b.relations
        && a.target == b.target
}

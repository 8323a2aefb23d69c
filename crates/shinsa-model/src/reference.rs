//! Reference data that ships with shinsa: sectors, country groups, the
//! category taxonomy, lists and the vendor identity table. All of it is dated
//! and sourced, because all of it changes.

use crate::lists::{Identity, ImportedList, ListEntry, ListInfo, ListedParty};
use crate::primitives::{CountryCode, Date};
use serde::{Deserialize, Serialize};

/// A sector of one regime, in force between two days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// `jp-espa`, `jp-nisc`, `us-cisa`.
    pub regime: String,
    /// Stable code within the regime (`electricity`).
    pub code: String,
    pub name_en: String,
    pub name_ja: String,
    /// The competent ministry or agency.
    pub ministry: String,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub source: String,
    pub verified: bool,
}

impl Sector {
    /// Whether the sector exists in its regime on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.effective_from <= day && self.effective_until.is_none_or(|until| day < until)
    }
}

/// A country's membership of a group (15 CFR 791.4 foreign adversaries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryGroupMember {
    pub group: String,
    pub country: CountryCode,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub source: String,
    pub verified: bool,
}

impl CountryGroupMember {
    /// Whether the membership holds on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.effective_from <= day && self.effective_until.is_none_or(|until| day < until)
    }
}

/// A node of the asset category taxonomy, with the words operators use for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub parent: Option<String>,
    pub name_en: String,
    pub name_ja: String,
    pub synonyms: Vec<String>,
}

/// What a package identifier or web address says about who publishes it:
/// `pkg:maven/com.huawei` → the `huawei` identity. Read from
/// `data/package_publishers.csv`; a component whose BOM names no maker gets
/// one from here, and says which field answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagePublisher {
    pub kind: PublisherKey,
    /// A purl prefix (`pkg:npm/@alicloud`; a trailing `*` matches any
    /// continuation, otherwise the next character must end a segment), a
    /// CPE vendor (`hikvision`) or a domain (`huawei.com`, its subdomains
    /// included).
    pub key: String,
    /// The id of an identity of `identities.csv`.
    pub identity: String,
    pub source: String,
    pub verified: bool,
}

/// Which identifier a [`PackagePublisher`] row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublisherKey {
    Purl,
    CpeVendor,
    Domain,
}

/// Everything bundled or imported that screening reads besides the register.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReferenceData {
    pub sectors: Vec<Sector>,
    pub country_groups: Vec<CountryGroupMember>,
    pub categories: Vec<Category>,
    pub lists: Vec<ListInfo>,
    pub entries: Vec<ListEntry>,
    pub identities: Vec<Identity>,
    /// Package namespaces and domains of known publishers.
    #[serde(default)]
    pub publishers: Vec<PackagePublisher>,
    /// Parties of imported lists (OFAC, CSL, UN, OpenSanctions), whose
    /// entries are in `entries` too; keyed by `list/id` there.
    #[serde(default)]
    pub listed: Vec<(String, ListedParty)>,
}

impl ReferenceData {
    /// The groups `country` belongs to on `day`.
    pub fn groups_of(&self, country: CountryCode, day: Date) -> impl Iterator<Item = &str> {
        self.country_groups
            .iter()
            .filter(move |member| member.country == country && member.in_force(day))
            .map(|member| member.group.as_str())
    }

    /// The category and all its ancestors, nearest first.
    pub fn category_lineage<'a>(&'a self, code: &'a str) -> Vec<&'a str> {
        let mut lineage = Vec::new();
        let mut current = Some(code);
        while let Some(code) = current {
            if lineage.contains(&code) {
                break; // a cycle in the data; the reader rejects these, this guards anyway
            }
            lineage.push(code);
            current = self
                .categories
                .iter()
                .find(|category| category.code == code)
                .and_then(|category| category.parent.as_deref());
        }
        lineage
    }

    /// Adds an imported list version, replacing any list of the same id.
    pub fn add_imported(&mut self, list: ImportedList) {
        let id = list.info.id.clone();
        self.lists.retain(|info| info.id != id);
        self.entries.retain(|entry| entry.list != id);
        self.listed.retain(|(list, _)| *list != id);
        self.entries.extend(list.entries());
        self.lists.push(list.info);
        self.listed
            .extend(list.parties.into_iter().map(|party| (id.clone(), party)));
    }

    /// Keeps only the lists with these ids (and their entries and parties).
    pub fn retain_lists(&mut self, ids: &[String]) {
        self.lists.retain(|info| ids.contains(&info.id));
        self.entries.retain(|entry| ids.contains(&entry.list));
        self.listed.retain(|(list, _)| ids.contains(list));
    }

    /// The list with this id.
    pub fn list(&self, id: &str) -> Option<&ListInfo> {
        self.lists.iter().find(|list| list.id == id)
    }

    /// The identity with this id.
    pub fn identity(&self, id: &str) -> Option<&Identity> {
        self.identities.iter().find(|identity| identity.id == id)
    }

    /// The sector with this code (or English or Japanese name) in force on
    /// `day` in any regime, ESPA first.
    pub fn find_sector(&self, text: &str, day: Date) -> Option<&Sector> {
        let wanted = text.trim().to_lowercase();
        let matches = |sector: &&Sector| {
            sector.code == wanted
                || sector.name_en.to_lowercase() == wanted
                || sector.name_ja == text.trim()
        };
        let mut candidates: Vec<&Sector> = self.sectors.iter().filter(matches).collect();
        candidates.sort_by_key(|sector| (!sector.in_force(day), sector.regime != "jp-espa"));
        candidates.first().copied()
    }
}

//! The operator's own register: what it runs, who supplies and maintains it,
//! who owns whom, and where its data goes.

use crate::Observed;
use crate::primitives::{CountryCode, Date, Percent};
use serde::{Deserialize, Serialize};

/// One operator's whole register, as read from a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub operator: Operator,
    pub parties: Vec<Party>,
    pub ownership: Vec<Ownership>,
    pub assets: Vec<Asset>,
    pub contracts: Vec<Contract>,
    pub dataflows: Vec<DataFlow>,
    /// Network evidence (`shinsa net`); empty for a register on its own.
    #[serde(default, skip_serializing_if = "Observed::is_empty")]
    pub observed: Observed,
    /// The operator's VEX statements about its assets (VEX documents in
    /// the bundle, `--vex`): what it says of an exposure, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vex: Vec<crate::VexStatement>,
}

impl Inventory {
    /// A register of `operator` with nothing in it yet: the queries of
    /// `shinsa match`, a benchmark's log.
    pub fn empty(operator: Operator) -> Inventory {
        Inventory {
            operator,
            parties: Vec::new(),
            ownership: Vec::new(),
            assets: Vec::new(),
            contracts: Vec::new(),
            dataflows: Vec::new(),
            observed: Observed::default(),
            vex: Vec::new(),
        }
    }

    /// This register with its assets copied until it holds `count` of them
    /// (`A-1#1`, `A-1#2`, …; each copy keeps its maker and supplier, so
    /// the share of listed vendors stays the same): the registers the
    /// benchmarks scale to 10,000 or 1,000,000 subjects.
    pub fn scaled(&self, count: usize) -> Inventory {
        let mut scaled = self.clone();
        let mut copy = 0;
        while scaled.assets.len() < count && !self.assets.is_empty() {
            copy += 1;
            for asset in &self.assets {
                let mut clone = asset.clone();
                clone.id = format!("{}#{copy}", asset.id);
                clone.parent = asset
                    .parent
                    .as_ref()
                    .map(|parent| format!("{parent}#{copy}"));
                scaled.assets.push(clone);
            }
        }
        scaled
    }

    /// The party with this id, if the register has one.
    pub fn party(&self, id: &str) -> Option<&Party> {
        self.parties.iter().find(|party| party.id == id)
    }

    /// The asset with this id, if the register has one.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|asset| asset.id == id)
    }
}

/// The designated operator whose register this is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operator {
    pub id: String,
    pub name: String,
    /// A sector code of the sector registry (`electricity`), already
    /// normalised from a code or name in English or Japanese.
    pub sector: String,
    pub country: CountryCode,
    pub licence: Option<Licence>,
    pub regulator: Option<String>,
    /// The operator's own address ranges (`[network] internal`, CIDR):
    /// a connection is the operator's only when one of these (or a private
    /// RFC 1918 / 4193 address, or a register asset's address) opened it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal_networks: Vec<String>,
    /// Ranges of hosts meant to answer the Internet (`[network] public`):
    /// their answering foreign traffic is a notice, not a review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_networks: Vec<String>,
}

impl Operator {
    /// An operator known by its id, name and country alone: no sector,
    /// licence, regulator or address ranges.
    pub fn named(id: &str, name: &str, country: CountryCode) -> Operator {
        Operator {
            id: id.to_owned(),
            name: name.to_owned(),
            sector: String::new(),
            country,
            licence: None,
            regulator: None,
            internal_networks: Vec::new(),
            public_networks: Vec::new(),
        }
    }
}

/// The operator's business licence under its sector law.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub id: String,
    pub status: Option<String>,
}

/// A company or person the operator deals with: supplier, manufacturer,
/// contractor, owner, provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// Country of incorporation.
    pub country: Option<CountryCode>,
    /// Country of the headquarters, when it differs from incorporation.
    pub hq_country: Option<CountryCode>,
    pub identifiers: Vec<Identifier>,
}

impl Party {
    /// Every name the party is known by: its name first, then its aliases.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A registry identifier such as `lei:5493001KJTIIGC8Y1R12` or
/// `jp_corp:1234567890123` (法人番号).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub scheme: String,
    pub value: String,
}

/// `owner` holds `share` of `owned` between `since` and `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ownership {
    pub owner: String,
    pub owned: String,
    pub share: Percent,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

impl Ownership {
    /// Whether the holding is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.since.is_none_or(|since| since <= day) && self.until.is_none_or(|until| day < until)
    }
}

/// What an asset is, as ESPA counts it: equipment, device or program, a part
/// of one (構成設備), or a service bought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Equipment,
    Program,
    Component,
    Service,
}

impl AssetKind {
    /// The names the bundle format accepts.
    pub const NAMES: &'static [&'static str] = &["equipment", "program", "component", "service"];

    /// The name as written in the bundle format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equipment => "equipment",
            Self::Program => "program",
            Self::Component => "component",
            Self::Service => "service",
        }
    }

    /// Parses one of [`Self::NAMES`].
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "equipment" => Some(Self::Equipment),
            "program" => Some(Self::Program),
            "component" => Some(Self::Component),
            "service" => Some(Self::Service),
            _ => None,
        }
    }
}

/// A manufacturer, supplier, contractor or provider as the register names it:
/// the id of a row of `parties.csv`, or free text that is screened as a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PartyRef {
    Id(String),
    Text(String),
}

impl PartyRef {
    /// The id or the text, as written in the register.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Id(value) | Self::Text(value) => value,
        }
    }
}

/// A facility, device, program or component the operator runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub kind: AssetKind,
    /// The category as normalised against the taxonomy (`drone`), or the
    /// written text when the taxonomy does not know it.
    pub category: String,
    /// Whether the taxonomy recognised `category`; unknown ones are reported.
    pub category_known: bool,
    /// A specified critical facility (特定重要設備) or part of one.
    pub critical: bool,
    /// The asset this one is a component of.
    pub parent: Option<String>,
    pub manufacturer: Option<PartyRef>,
    pub supplier: Option<PartyRef>,
    /// When the supplier was not written but inferred from a component's
    /// package URL, CPE or web address: which field answered, and how. A
    /// package published by a company is not a purchase from it; packs
    /// weigh such findings apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_inferred_from: Option<String>,
    pub model: Option<String>,
    /// The version of what the asset is; for equipment, of its firmware.
    pub version: Option<String>,
    /// The firmware or operating system the equipment runs (`FortiOS`),
    /// whose advisories then apply to it at `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Package URL and CPE, when the register or a BOM gives them: the
    /// surest ties to vulnerability data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    pub country_of_manufacture: Option<CountryCode>,
    pub ip: Option<String>,
    pub mac: Option<String>,
    pub location: Option<String>,
    pub status: Option<String>,
    /// List exceptions the operator claims for the asset (`blue-uas`); one
    /// applies only while the list keeps it open.
    pub exceptions: Vec<String>,
    /// Where the row came from when not `assets.csv`: a CycloneDX file and
    /// the JSON pointer of the component.
    pub origin: Option<String>,
}

/// What a contract entrusts (重要維持管理等 and beyond).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractScope {
    Maintenance,
    Management,
    Operation,
    Development,
    CustomerData,
}

impl ContractScope {
    /// The names the bundle format accepts.
    pub const NAMES: &'static [&'static str] = &[
        "maintenance",
        "management",
        "operation",
        "development",
        "customer_data",
    ];

    /// Parses one of [`Self::NAMES`].
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "maintenance" => Some(Self::Maintenance),
            "management" => Some(Self::Management),
            "operation" => Some(Self::Operation),
            "development" => Some(Self::Development),
            "customer_data" => Some(Self::CustomerData),
            _ => None,
        }
    }

    /// The name as written in the bundle format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maintenance => "maintenance",
            Self::Management => "management",
            Self::Operation => "operation",
            Self::Development => "development",
            Self::CustomerData => "customer_data",
        }
    }
}

/// Work on an asset entrusted to a contractor; a subcontract names its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: String,
    pub asset: Option<String>,
    pub contractor: PartyRef,
    pub scope: ContractScope,
    pub work_country: Option<CountryCode>,
    pub customer_data_access: bool,
    pub parent_contract: Option<String>,
}

/// Data leaving an asset for a destination: a backup, a cloud service, a
/// telemetry feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFlow {
    pub id: String,
    pub source_asset: Option<String>,
    /// Host name, IP address or CIDR.
    pub destination: String,
    pub provider: Option<PartyRef>,
    /// Country of the data centre that stores or processes the data.
    pub dc_country: Option<CountryCode>,
    pub data_categories: Vec<String>,
    pub purpose: Option<String>,
}

impl DataFlow {
    /// Whether the flow carries customer data. The register's words vary:
    /// `customer`, `customer data`, `customer_information`, `subscriber`,
    /// `personal data`, `pii`, 顧客情報, 個人情報 all count (in this regime
    /// personal data of customers is customer data).
    pub fn carries_customer_data(&self) -> bool {
        self.data_categories.iter().any(|category| {
            let folded: String = category
                .trim()
                .to_lowercase()
                .chars()
                .map(|c| if c == ' ' || c == '-' { '_' } else { c })
                .collect();
            folded.starts_with("customer")
                || folded.starts_with("subscriber")
                || folded.starts_with("personal")
                || folded == "pii"
                || folded.starts_with("顧客")
                || folded.starts_with("個人情報")
                || folded.starts_with("利用者情報")
        })
    }
}

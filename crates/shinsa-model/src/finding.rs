//! Findings: what every screening path produces (DESIGN.md, "Findings").

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How serious a finding is. Ordered: `Notice < Review < Prohibited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no action expected.
    Notice,
    /// A risk signal a person must review before the item proceeds.
    Review,
    /// The pack's author treats the item as barred.
    Prohibited,
}

impl Severity {
    /// Parses `prohibited`, `review` or `notice`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "prohibited" => Some(Self::Prohibited),
            "review" => Some(Self::Review),
            "notice" => Some(Self::Notice),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prohibited => "prohibited",
            Self::Review => "review",
            Self::Notice => "notice",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Asset,
    Party,
    Contract,
    Dataflow,
    Device,
    Connection,
    /// One asset exposed to one vulnerability (`ASSET/CVE-…`).
    Exposure,
}

impl SubjectKind {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Party => "party",
            Self::Contract => "contract",
            Self::Dataflow => "dataflow",
            Self::Device => "device",
            Self::Connection => "connection",
            Self::Exposure => "exposure",
        }
    }

    /// Parses the lower-case name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Asset,
            Self::Party,
            Self::Contract,
            Self::Dataflow,
            Self::Device,
            Self::Connection,
            Self::Exposure,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// The register row a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
}

/// The rule that produced a finding, with its legal basis and pack version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub id: String,
    pub legal_basis: std::sync::Arc<str>,
    pub policy_version: std::sync::Arc<str>,
}

/// One piece of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A name in the register matched a list entry.
    ListMatch {
        list: String,
        entry: String,
        /// The name as the register wrote it.
        matched_name: String,
        /// The name on the list (or identity table) it matched.
        listed_name: String,
        score: f64,
        why: Vec<String>,
        /// The register field the name came from (`manufacturer`).
        role: String,
        /// The controlling owner that is listed, when the listing reaches
        /// the party through ownership rather than by its own name.
        through: Option<String>,
        /// The entry's scope as the list writes it.
        scope: String,
        citation: String,
    },
    /// A list's categorical entry covers the item.
    Categorical {
        list: String,
        entry: String,
        category: String,
        produced_in: Option<String>,
        why: String,
    },
    /// A chain of holdings from a register party to a listed or foreign one.
    Ownership {
        /// Each hop as `Name (share)`; the first is the register party.
        path: Vec<String>,
        /// The product of shares along the path, in percent.
        effective_share: f64,
    },
    /// The country a party, product or data centre belongs to.
    Country {
        role: String,
        party: Option<String>,
        country: String,
        groups: Vec<String>,
    },
    /// A chain of contracts from the operator down to a subcontractor.
    ContractChain { path: Vec<String> },
    /// A data flow leaving the country.
    Flow {
        /// Host name, IP address or CIDR (`dst` in the DESIGN.md format).
        #[serde(rename = "dst")]
        destination: String,
        country: Option<String>,
        provider: Option<String>,
        data_categories: Vec<String>,
    },
    /// Traffic seen on the network, summed per source and destination.
    Connection {
        source: String,
        source_asset: Option<String>,
        /// One destination address of the connection.
        #[serde(rename = "dst")]
        destination: String,
        country: Option<String>,
        asn: Option<u32>,
        network_org: Option<String>,
        provider: Option<String>,
        bytes: u64,
        flows: u64,
        first_seen: String,
        last_seen: String,
        /// Which dataset, of which date, answered each lookup.
        answered_by: Vec<String>,
    },
    /// A device seen on the network by its MAC address.
    Device {
        mac: String,
        ip: Option<String>,
        hostname: Option<String>,
        /// The organisation the MAC's OUI is registered to.
        vendor: Option<String>,
        /// The register asset it was tied to, and the maker the register gives.
        asset: Option<String>,
        registered_vendor: Option<String>,
        seen_in: String,
        first_seen: String,
        last_seen: String,
        answered_by: Vec<String>,
    },
    /// A vulnerability an advisory says the asset's product and version have.
    Exposure {
        /// The CVE, or the advisory's id when it has none.
        vulnerability: String,
        /// The record that decided (`CVE-2022-42475`, `ICSA-23-…`,
        /// `JVNDB-2024-…`), its source and the file it was read from.
        advisory: String,
        source: String,
        origin: String,
        title: String,
        /// The product as the source names it.
        product: String,
        /// The asset's version as the register gives it.
        version: Option<String>,
        /// How the asset was tied to the product (`package URL`, `CPE`,
        /// `vendor and model`, `vendor and product name`) and how sure.
        matched_by: String,
        confidence: f64,
        /// The affected range the version falls in, or why it cannot be
        /// placed, quoting the source's own words.
        placement: String,
        placed: bool,
        fixed_in: Option<String>,
        /// The vendor's remediations as `category: details (url)`.
        remediations: Vec<String>,
        /// The highest CVSS base score any container gives.
        score: Option<f64>,
        /// On CISA's Known Exploited Vulnerabilities catalogue: when it was
        /// added, when federal agencies must act, and known ransomware use.
        kev_added: Option<String>,
        kev_due: Option<String>,
        ransomware: bool,
        required_action: Option<String>,
        /// SSVC's exploitation decision (`active`, `poc`, `none`).
        exploitation: Option<String>,
        /// Other records that agree.
        also: Vec<String>,
        /// The operator's or vendor's VEX statement of what is done.
        mitigation: Option<String>,
    },
    /// A plain statement of fact from the register.
    Fact { text: String },
}

/// What produced a finding, so that it can be reproduced years later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub input_sha256: String,
    /// List id → `version sha256`.
    pub lists: BTreeMap<String, String>,
    pub policy: String,
    pub software: String,
    /// The day the screening was "as of".
    pub as_of: String,
}

/// A risk signal about one register row, with its evidence and legal basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs on the same input: `rule@kind:id`.
    pub id: String,
    pub severity: Severity,
    pub subject: Subject,
    /// The subject's name, for people.
    pub subject_name: String,
    pub rule: RuleRef,
    pub title: std::sync::Arc<str>,
    /// The title in Japanese.
    pub title_ja: std::sync::Arc<str>,
    pub explanation: String,
    pub evidence: Vec<Evidence>,
    /// Shared by every finding of one screening (a million findings would
    /// otherwise copy it a million times). A stored finding leaves it out
    /// (it is the run's, or the plan snapshot's: [`Finding::detach_provenance`])
    /// and reads back without one, to be given its run's.
    #[serde(default, skip_serializing_if = "unset")]
    pub provenance: std::sync::Arc<Provenance>,
}

fn unset(provenance: &std::sync::Arc<Provenance>) -> bool {
    provenance.is_unset()
}

impl Provenance {
    /// Whether this is no provenance at all (a finding read from the store
    /// before its run's is given back).
    pub fn is_unset(&self) -> bool {
        *self == Provenance::default()
    }
}

impl Finding {
    /// Leaves the provenance out, for keeping the finding where its
    /// screening's provenance is kept once (a run, a plan snapshot).
    pub fn detach_provenance(&mut self) {
        self.provenance = std::sync::Arc::default();
    }
}

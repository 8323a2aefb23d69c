//! Vulnerability data as shinsa keeps it: advisories (a CVE record, an NVD
//! record, a CSAF advisory, a JVN entry) naming the products they affect and
//! how, and the catalogue of vulnerabilities known to be exploited (CISA's
//! KEV). Sources differ in what they say; each is kept as its publisher
//! wrote it — version rules that cannot be computed keep their text — so
//! that a match can quote its source rather than guess.

use crate::Date;
use serde::{Deserialize, Serialize};

/// Where an advisory set comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisorySource {
    /// CISA's Known Exploited Vulnerabilities catalogue.
    Kev,
    /// CVE JSON 5 records (the CNA's container and every ADP container).
    Cve,
    /// NVD API 2.0 records (configurations of CPE matches).
    Nvd,
    /// CSAF 2.0 advisories (CISA's ICS advisories, vendors' own).
    Csaf,
    /// JVN iPedia (MyJVN): JVNDB entries.
    Jvn,
    /// VEX documents of vendors (CycloneDX VEX, OpenVEX, CSAF VEX): which
    /// of their products a vulnerability does not affect, or is fixed in.
    Vex,
}

impl AdvisorySource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kev => "kev",
            Self::Cve => "cve",
            Self::Nvd => "nvd",
            Self::Csaf => "csaf",
            Self::Jvn => "jvn",
            Self::Vex => "vex",
        }
    }

    /// The name people know the source by.
    pub fn title(self) -> &'static str {
        match self {
            Self::Kev => "CISA Known Exploited Vulnerabilities",
            Self::Cve => "CVE record",
            Self::Nvd => "NVD",
            Self::Csaf => "CSAF advisory",
            Self::Jvn => "JVN iPedia",
            Self::Vex => "vendor VEX",
        }
    }
}

/// One imported version of one source: what was read, from which files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorySetInfo {
    /// `kev`, `cve`, `nvd`, `csaf`, `jvn` (one set per source).
    pub id: String,
    pub source: AdvisorySource,
    /// The day of the data (the catalogue's version, the newest record's
    /// update), else the day of the import.
    pub version: Date,
    /// SHA-256 over the files read, in name order.
    pub sha256: String,
    /// Records read, and refused with their reasons (the first hundred).
    pub read: usize,
    pub refused: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<String>,
}

/// An imported advisory set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorySet {
    pub info: AdvisorySetInfo,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisories: Vec<Advisory>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exploited: Vec<KnownExploited>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<VexStatement>,
}

/// An entry of the Known Exploited Vulnerabilities catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownExploited {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: Date,
    /// The date US federal agencies must have acted by.
    pub due_date: Option<Date>,
    /// `knownRansomwareCampaignUse` is "Known".
    pub ransomware: bool,
    pub required_action: String,
}

/// One advisory about one vulnerability (or, for CSAF, several: `ids`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record's own id: `CVE-2022-42475`, `ICSA-19-038-02`,
    /// `JVNDB-2018-009328`.
    pub id: String,
    pub source: AdvisorySource,
    /// The CVE ids it covers (its own id for a CVE record).
    pub cves: Vec<String>,
    pub title: String,
    pub published: Option<Date>,
    /// CVSS base scores from every container, highest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    /// CISA's SSVC decision points, when an ADP container gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssvc: Option<Ssvc>,
    /// The day CISA added it to KEV, as the record's ADP container says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_added: Option<Date>,
    pub products: Vec<AffectedProduct>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remediations: Vec<Remediation>,
    /// Where it was read: `file#pointer`.
    pub origin: String,
}

/// A CVSS base score and who gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub version: String,
    pub base: f64,
    pub vector: String,
    /// `cna`, `CISA-ADP`, `nvd`, the advisory's publisher.
    pub by: String,
}

/// CISA's SSVC decision points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ssvc {
    /// none, poc or active.
    pub exploitation: String,
    pub automatable: String,
    pub technical_impact: String,
}

/// A product an advisory names, and which of its versions it affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedProduct {
    /// As the source writes it (`Fortinet`, `日本電気株式会社`, `n/a`).
    pub vendor: String,
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.3 (`cpe:2.3:o:fortinet:fortios:*:…`) or 2.2 (`cpe:/o:…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// Model numbers or patterns (`DS-76xxNI-Mx`, `6ES7 214-1*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Hardware this (firmware) product is affected only on: NVD's AND of
    /// a hardware CPE and a firmware CPE; empty when it does not matter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub running_on: Vec<String>,
    pub versions: Vec<VersionRule>,
    /// What versions no rule names are: affected, unaffected or unknown.
    pub default_status: VersionStatus,
    /// Where it was read: `file#pointer`.
    pub origin: String,
}

/// Whether versions are affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Affected,
    Unaffected,
    Unknown,
}

/// One statement about versions: an exact version, a range, every version,
/// or text that says which (kept to quote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VersionRule {
    /// Every version.
    All { status: VersionStatus },
    /// One version.
    Exact {
        version: String,
        status: VersionStatus,
        /// The source's version type (`semver`, `custom`, `rpm`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
    },
    /// From `from` (or the first) up to `to` (or the last).
    Range {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Bound>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Bound>,
        status: VersionStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
        /// Versions from which the status changes (CVE `changes`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<(String, VersionStatus)>,
    },
    /// Text no rule reads (`v6 R4 およびそれ以前のバージョン`, `All
    /// versions prior to 2.0 (not including 1.9.3)`).
    Prose { text: String, status: VersionStatus },
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bound {
    pub version: String,
    pub inclusive: bool,
}

/// What the publisher says to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// vendor_fix, mitigation, workaround, none_available, no_fix_planned.
    pub category: String,
    pub details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The products it is for, by the index in [`Advisory::products`];
    /// empty when for all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<usize>,
}

/// What a VEX statement (a vendor's, or the operator's own) says about one
/// vulnerability in one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAffected => "not_affected",
            Self::Affected => "affected",
            Self::Fixed => "fixed",
            Self::UnderInvestigation => "under_investigation",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "not_affected" => Self::NotAffected,
            "affected" => Self::Affected,
            "fixed" => Self::Fixed,
            "under_investigation" => Self::UnderInvestigation,
            _ => return None,
        })
    }
}

/// A VEX statement, as read from a document or made from a triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexStatement {
    /// `CVE-…` (or another advisory id).
    pub vulnerability: String,
    /// What it is about: a register asset id, a package URL, a CPE or a
    /// product name, as the document names it.
    pub product: String,
    pub status: VexStatus,
    /// Why not affected (`component_not_present`,
    /// `vulnerable_code_not_in_execute_path`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// What is done about it (an action statement, a response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The document and where in it: `file#pointer`.
    pub source: String,
}

//! Readers for vulnerability data as its publishers publish it: CISA's KEV
//! catalogue (JSON, CSV), CVE JSON 5 records (the CNA's container and every
//! ADP container), NVD API 2.0 records, CSAF 2.0 advisories (CISA's ICS
//! advisories, vendors', and MyJVN's v4 JSON, which is CSAF-shaped), MyJVN's
//! VULDEF XML, and VEX documents (CycloneDX VEX in JSON or XML, OpenVEX,
//! CSAF VEX). Files may come one by one, in folders, or packed in `.tgz`
//! archives (the CVE and CSAF corpora are).
//!
//! A record that cannot be read is refused with its file, pointer and
//! reason, counted, and the rest are imported: one malformed CVE record in
//! forty thousand must not stop the other 39,999 (nor be dropped without a
//! word). A file of no kind shinsa knows is refused outright when it was
//! given by itself; inside an archive or folder it is counted as skipped
//! with its reason (a README beside the data).

use crate::error::{InputError, InputErrors, Location};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shinsa_model::{
    AdvisorySet, AdvisorySetInfo, AdvisorySource, Date, VersionStatus, VexStatement,
};
use std::collections::BTreeMap;

mod csaf;
mod cve;
mod jvn;
mod kev;
mod nvd;
pub mod version_text;
mod vex;

/// One file given to `vulns import` (a `.tgz` is opened here).
#[derive(Debug, Clone)]
pub struct AdvisoryFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Found in a folder that was given, rather than given by name: a file
    /// of no known kind there (a README, a schema) is skipped with its
    /// reason, not refused.
    pub in_folder: bool,
}

/// What one file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    KevJson,
    KevCsv,
    Cve,
    Nvd,
    Csaf,
    JvnXml,
    CycloneDxVex,
    OpenVex,
}

/// The records of one source being read, and what was refused.
#[derive(Debug, Default)]
struct Gathered {
    sets: BTreeMap<AdvisorySource, Building>,
    /// Whole files skipped inside an archive or folder, with the reason.
    skipped: Vec<String>,
}

#[derive(Debug, Default)]
struct Building {
    advisories: Vec<shinsa_model::Advisory>,
    exploited: Vec<shinsa_model::KnownExploited>,
    statements: Vec<VexStatement>,
    hasher: Sha256,
    newest: Option<Date>,
    read: usize,
    refused: usize,
    refusals: Vec<String>,
}

/// A file or record that cannot be read, with where and why (boxed: it is
/// the rare outcome, and the readers' results stay small).
type Refusal = Box<InputError>;

/// Why a file inside a folder or archive was skipped.
const NOT_VULNERABILITY_DATA: &str = "not vulnerability data shinsa reads";

/// How many refusal reasons a set keeps (every refusal is counted).
const REFUSALS_KEPT: usize = 100;

/// What a reader gives back for one file.
#[derive(Debug, Default)]
struct Read {
    advisories: Vec<shinsa_model::Advisory>,
    exploited: Vec<shinsa_model::KnownExploited>,
    statements: Vec<VexStatement>,
    /// The day of the data, when the file says.
    day: Option<Date>,
    /// Records refused: `file#pointer: reason`.
    refusals: Vec<String>,
}

impl Building {
    fn add(&mut self, name: &str, bytes: &[u8], read: Read) {
        self.hasher.update((name.len() as u64).to_be_bytes());
        self.hasher.update(name.as_bytes());
        self.hasher.update((bytes.len() as u64).to_be_bytes());
        self.hasher.update(bytes);
        self.read += read.advisories.len() + read.exploited.len() + read.statements.len();
        self.refused += read.refusals.len();
        for refusal in read.refusals {
            if self.refusals.len() < REFUSALS_KEPT {
                self.refusals.push(refusal);
            }
        }
        self.advisories.extend(read.advisories);
        self.exploited.extend(read.exploited);
        self.statements.extend(read.statements);
        self.newest = self.newest.max(read.day);
    }
}

/// The outcome of an import: one set per source present, and the files
/// skipped inside archives and folders with their reasons.
#[derive(Debug)]
pub struct Imported {
    pub sets: Vec<AdvisorySet>,
    pub skipped: Vec<String>,
}

/// Reads `files` (each a data file or a `.tgz` of them) into one advisory
/// set per source. `today` dates a set whose data carries no date.
pub fn import(files: &[AdvisoryFile], today: Date) -> Result<Imported, InputErrors> {
    let mut gathered = Gathered::default();
    let mut errors = crate::error::Errors::default();
    for file in files {
        if is_gzip(&file.bytes) {
            if let Err(error) = read_archive(file, &mut gathered) {
                errors.push(*error);
            }
            continue;
        }
        match Kind::detect(&file.bytes) {
            Some(kind) => read_file(kind, &file.name, &file.bytes, &mut gathered),
            None if file.in_folder => gathered
                .skipped
                .push(format!("{}: {NOT_VULNERABILITY_DATA}", file.name)),
            None => errors.push(unknown_kind(&file.name)),
        }
    }
    errors.finish(())?;
    let sets = gathered
        .sets
        .into_iter()
        .map(|(source, building)| {
            let mut advisories = building.advisories;
            advisories.sort_by(|a, b| a.id.cmp(&b.id));
            advisories.dedup_by(|later, earlier| later.id == earlier.id);
            let mut exploited = building.exploited;
            exploited.sort_by(|a, b| a.cve.cmp(&b.cve));
            exploited.dedup_by(|later, earlier| later.cve == earlier.cve);
            AdvisorySet {
                info: AdvisorySetInfo {
                    id: source.as_str().to_owned(),
                    source,
                    version: building.newest.unwrap_or(today),
                    sha256: hex::encode(building.hasher.finalize()),
                    read: building.read,
                    refused: building.refused,
                    refusals: building.refusals,
                },
                advisories,
                exploited,
                statements: building.statements,
            }
        })
        .collect();
    Ok(Imported {
        sets,
        skipped: gathered.skipped,
    })
}

/// A newly imported set laid over the saved one of the same source, so that
/// importing one advisory, or one vendor's, adds to the data rather than
/// replacing it: records of `newer` replace those of `older` with the same
/// id, the rest of `older` stays. CISA's KEV catalogue is published whole
/// each time, so a KEV set is never laid over: it replaces. The result is
/// dated by the newer of the two and hashed over both hashes, so the same
/// imports in the same order give the same provenance.
pub fn laid_over(older: AdvisorySet, newer: AdvisorySet) -> AdvisorySet {
    if newer.info.source == AdvisorySource::Kev || older.info.id != newer.info.id {
        return newer;
    }
    let mut advisories: BTreeMap<String, shinsa_model::Advisory> = older
        .advisories
        .into_iter()
        .map(|advisory| (advisory.id.clone(), advisory))
        .collect();
    advisories.extend(
        newer
            .advisories
            .into_iter()
            .map(|advisory| (advisory.id.clone(), advisory)),
    );
    let mut exploited: BTreeMap<String, shinsa_model::KnownExploited> = older
        .exploited
        .into_iter()
        .map(|entry| (entry.cve.clone(), entry))
        .collect();
    exploited.extend(
        newer
            .exploited
            .into_iter()
            .map(|entry| (entry.cve.clone(), entry)),
    );
    let superseded = |statement: &VexStatement| {
        newer.statements.iter().any(|later| {
            later.vulnerability == statement.vulnerability && later.product == statement.product
        })
    };
    let mut statements: Vec<VexStatement> = older
        .statements
        .into_iter()
        .filter(|statement| !superseded(statement))
        .collect();
    statements.extend(newer.statements);
    let mut hasher = Sha256::new();
    hasher.update(older.info.sha256.as_bytes());
    hasher.update(newer.info.sha256.as_bytes());
    AdvisorySet {
        info: AdvisorySetInfo {
            version: older.info.version.max(newer.info.version),
            sha256: hex::encode(hasher.finalize()),
            ..newer.info
        },
        advisories: advisories.into_values().collect(),
        exploited: exploited.into_values().collect(),
        statements,
    }
}

/// Reads one VEX document (CycloneDX VEX, OpenVEX or CSAF VEX) into its
/// statements, for applying to one register; `Err` when the file is none
/// of these or cannot be read at all.
pub fn read_vex(name: &str, bytes: &[u8]) -> Result<Vec<VexStatement>, InputErrors> {
    let read = match Kind::detect(bytes) {
        Some(Kind::CycloneDxVex) => vex::read_cyclonedx(name, bytes),
        Some(Kind::OpenVex) => vex::read_openvex(name, bytes),
        Some(Kind::Csaf) => csaf::read(name, bytes).map(|(read, _)| read),
        _ => Err(Box::new(unknown_vex(name))),
    }
    .map_err(|refusal| InputErrors::one(*refusal))?;
    if read.statements.is_empty() && !read.refusals.is_empty() {
        return Err(InputErrors::one(InputError::new(
            Location::File {
                file: name.to_owned(),
            },
            "(vex)",
            "VEX statements shinsa can read",
            read.refusals.join("; "),
        )));
    }
    Ok(read.statements)
}

/// Whether a file of a bundle is a VEX document: named so (`*.vex.json`,
/// `openvex.json`), or OpenVEX or CSAF VEX by its content.
pub fn is_vex(name: &str, bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(8192)).unwrap_or(bytes));
    match Kind::detect(bytes) {
        Some(Kind::OpenVex) => true,
        Some(Kind::Csaf) => head.contains("\"csaf_vex\""),
        Some(Kind::CycloneDxVex) => name.to_ascii_lowercase().contains("vex"),
        _ => false,
    }
}

fn unknown_vex(name: &str) -> InputError {
    InputError::new(
        Location::File {
            file: name.to_owned(),
        },
        "(vex)",
        "a VEX document: CycloneDX VEX (JSON or XML), OpenVEX or CSAF VEX",
        "a file of none of these",
    )
}

fn unknown_kind(name: &str) -> InputError {
    InputError::new(
        Location::File {
            file: name.to_owned(),
        },
        "(file)",
        "CISA KEV (JSON or CSV), a CVE JSON 5 record, an NVD API 2.0 record, a CSAF 2.0 advisory, MyJVN VULDEF XML or JSON, a VEX document, or a .tgz of them",
        "a file of none of these",
    )
}

fn read_file(kind: Kind, name: &str, bytes: &[u8], gathered: &mut Gathered) {
    let outcome = match kind {
        Kind::KevJson => kev::read_json(name, bytes).map(|read| (read, AdvisorySource::Kev)),
        Kind::KevCsv => kev::read_csv(name, bytes).map(|read| (read, AdvisorySource::Kev)),
        Kind::Cve => cve::read(name, bytes).map(|read| (read, AdvisorySource::Cve)),
        Kind::Nvd => nvd::read(name, bytes).map(|read| (read, AdvisorySource::Nvd)),
        Kind::Csaf => csaf::read(name, bytes),
        Kind::JvnXml => jvn::read(name, bytes).map(|read| (read, AdvisorySource::Jvn)),
        Kind::CycloneDxVex => {
            vex::read_cyclonedx(name, bytes).map(|read| (read, AdvisorySource::Vex))
        }
        Kind::OpenVex => vex::read_openvex(name, bytes).map(|read| (read, AdvisorySource::Vex)),
    };
    match outcome {
        Ok((read, source)) => gathered
            .sets
            .entry(source)
            .or_default()
            .add(name, bytes, read),
        Err(error) => {
            // A file of a known kind that cannot be read at all is one
            // refused record of its source.
            let source = kind.source();
            let building = gathered.sets.entry(source).or_default();
            building.refused += 1;
            if building.refusals.len() < REFUSALS_KEPT {
                building.refusals.push(error.to_string());
            }
        }
    }
}

/// Opens a `.tgz` entry by entry (never whole: the CVE corpus is 370 MB
/// unpacked), each entry held to a quarter of the reader's budget.
fn read_archive(file: &AdvisoryFile, gathered: &mut Gathered) -> Result<(), Refusal> {
    use std::io::Read as _;
    let bad = |found: String| {
        InputError::new(
            Location::File {
                file: file.name.clone(),
            },
            "(archive)",
            "a readable .tgz of vulnerability data",
            found,
        )
    };
    let limit = crate::budget::Budget::current().unpacked_bytes();
    let decoder = flate2::read::GzDecoder::new(file.bytes.as_slice());
    let mut archive = tar::Archive::new(decoder);
    let entries = archive.entries().map_err(|error| bad(error.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|error| bad(error.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map(|path| path.display().to_string())
            .map_err(|error| bad(error.to_string()))?;
        let name = format!("{}!{path}", file.name);
        if entry.size() > limit {
            gathered.skipped.push(format!(
                "{name}: {} bytes, more than the {} a record may have within the reader's budget",
                entry.size(),
                limit
            ));
            continue;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| bad(format!("{path}: {error}")))?;
        match Kind::detect(&bytes) {
            Some(kind) => read_file(kind, &name, &bytes, gathered),
            None => gathered
                .skipped
                .push(format!("{name}: {NOT_VULNERABILITY_DATA}")),
        }
    }
    Ok(())
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

impl Kind {
    /// Recognises a file by its first bytes (and, for CSV, its header).
    fn detect(bytes: &[u8]) -> Option<Self> {
        let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(8192)).unwrap_or(bytes));
        let head = head.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with("cveID,vendorProject") {
            return Some(Self::KevCsv);
        }
        if head.starts_with('<') {
            if head.contains("VULDEF-Document")
                || head.contains("jvn.jp/rss") && head.contains("<item")
            {
                return Some(Self::JvnXml);
            }
            if head.contains("cyclonedx.org/schema/bom") && mentions(bytes, b"<vulnerabilities") {
                return Some(Self::CycloneDxVex);
            }
            return None;
        }
        if !head.starts_with('{') || is_json_schema(head) {
            return None;
        }
        if head.contains("\"catalogVersion\"") {
            Some(Self::KevJson)
        } else if head.contains("\"CVE_RECORD\"") {
            Some(Self::Cve)
        } else if head.contains("\"csaf_version\"") {
            Some(Self::Csaf)
        } else if head.contains("openvex.dev/ns") {
            Some(Self::OpenVex)
        } else if head.contains("\"bomFormat\"") {
            // A CycloneDX BOM is VEX when it has vulnerabilities, which may
            // come after any number of components.
            mentions(bytes, b"\"vulnerabilities\"").then_some(Self::CycloneDxVex)
        } else if head.contains("\"configurations\"") || head.contains("\"vulnStatus\"") {
            Some(Self::Nvd)
        } else {
            None
        }
    }

    fn source(self) -> AdvisorySource {
        match self {
            Self::KevJson | Self::KevCsv => AdvisorySource::Kev,
            Self::Cve => AdvisorySource::Cve,
            Self::Nvd => AdvisorySource::Nvd,
            Self::Csaf => AdvisorySource::Csaf,
            Self::JvnXml => AdvisorySource::Jvn,
            Self::CycloneDxVex | Self::OpenVex => AdvisorySource::Vex,
        }
    }
}

// ------------------------------------------------------------ helpers

/// Whether `needle` occurs anywhere in `bytes`.
fn mentions(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|window| window == needle)
}

/// Whether a JSON document is a JSON Schema (its `$schema` names a
/// json-schema.org draft): the schemas published beside the data describe
/// its fields and would otherwise look like the data.
fn is_json_schema(head: &str) -> bool {
    head.split_once("\"$schema\"")
        .and_then(|(_, rest)| rest.split('"').nth(1))
        .is_some_and(|value| value.contains("json-schema.org"))
}

/// Parses a JSON file within the reader's budget; its error names the file
/// and position.
fn json(name: &str, bytes: &[u8]) -> Result<Value, Refusal> {
    crate::budget::json_within_budget(name, bytes).map_err(|refused| {
        refused.errors().first().cloned().unwrap_or_else(|| {
            InputError::new(
                Location::File {
                    file: name.to_owned(),
                },
                "(document)",
                "a JSON document within the reader's budget",
                "more",
            )
        })
    })?;
    serde_json::from_slice(bytes).map_err(|error| {
        Box::new(InputError::new(
            Location::Text {
                file: name.to_owned(),
                line: error.line(),
                column: error.column(),
            },
            "(document)",
            "well-formed JSON",
            error.to_string(),
        ))
    })
}

/// A string at `pointer`, trimmed, if not empty.
fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// The day of an ISO date or timestamp (`2024-10-23T13:27:20Z`).
fn day(text: &str) -> Option<Date> {
    shinsa_model::parse_date(text.get(..10)?).ok()
}

/// `file#pointer`.
fn at(file: &str, pointer: &str) -> String {
    format!("{file}#{pointer}")
}

/// A refusal line: where and why.
fn refusal(file: &str, pointer: &str, reason: &str) -> String {
    format!("{file}#{pointer}: {reason}")
}

fn status(text: &str) -> Option<VersionStatus> {
    match text {
        "affected" => Some(VersionStatus::Affected),
        "unaffected" => Some(VersionStatus::Unaffected),
        "unknown" => Some(VersionStatus::Unknown),
        _ => None,
    }
}

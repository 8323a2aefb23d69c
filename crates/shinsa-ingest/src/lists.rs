//! Importers for published restricted-party lists: OFAC's legacy CSV files
//! (SDN and the non-SDN consolidated list, each with its alt, add and
//! comments files), the US Consolidated Screening List (CSV and JSON), the
//! UN Security Council consolidated XML, OpenSanctions FollowTheMoney
//! JSON lines (entities and Ownership), and Japan's ministries' workbooks
//! ([`jp`]: the MOF asset-freeze list, METI's End User List).
//!
//! Every importer reads the whole input before returning: a bad record is
//! an error with its file and line (or JSON pointer), and nothing of a file
//! with errors is returned. Each list version carries its date and the
//! SHA-256 of the files it was read from.

use crate::error::{Errors, InputError, InputErrors, Location};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shinsa_model::{
    CountryCode, Date, Identifier, ImportedList, LegalEffect, ListInfo, ListedParty, PartyKind,
    Percent, Relation, RelationKind, Scheme,
};
use std::collections::HashMap;

mod jp;
pub mod pdf_text;

pub use jp::export_ban_from_pages;

/// One file given to `lists import`.
#[derive(Debug, Clone)]
pub struct ListFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The formats shinsa reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// OFAC legacy CSV: `sdn.csv` or `cons_prim.csv` with `alt`, `add` and
    /// `comments` companions.
    Ofac,
    CslCsv,
    CslJson,
    UnXml,
    /// OpenSanctions FollowTheMoney entities, one JSON object per line.
    FtmJson,
    /// A Japanese ministry's Excel workbook (MOF asset freeze, METI End
    /// User List), told apart by its sheets.
    JpXlsx,
    /// METI's export-ban list of Russian, Belarusian or third-country
    /// entities, as the ministry publishes it: a PDF.
    JpExportBanPdf,
}

impl ListFormat {
    /// Recognises a file by its name and first bytes.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Self> {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let head = head.trim_start_matches('\u{feff}').trim_start();
        let lower = name.to_ascii_lowercase();
        if bytes.starts_with(b"PK\x03\x04") && lower.ends_with(".xlsx") {
            return Some(Self::JpXlsx);
        }
        if bytes.starts_with(b"%PDF") {
            return Some(Self::JpExportBanPdf);
        }
        if head.starts_with("<?xml") || head.starts_with('<') {
            return head.contains("CONSOLIDATED_LIST").then_some(Self::UnXml);
        }
        if head.starts_with('{') {
            if head
                .lines()
                .next()
                .is_some_and(|first| first.contains("\"schema\""))
            {
                return Some(Self::FtmJson);
            }
            return head.contains("\"results\"").then_some(Self::CslJson);
        }
        if (lower.ends_with(".csv") || lower.ends_with(".txt"))
            && let Some(first) = head.lines().next()
        {
            if first.starts_with("source,") || first.starts_with("_id,") {
                return Some(Self::CslCsv);
            }
            let leading = first
                .split_once(',')
                .map_or(first, |(leading, _)| leading)
                .trim();
            if !leading.is_empty() && leading.chars().all(|c| c.is_ascii_digit()) {
                return Some(Self::Ofac);
            }
        }
        None
    }
}

/// What the user says about the lists being imported.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The list id (`ofac-sdn`); by default from the format and file name.
    pub id: Option<String>,
    /// The publication day; by default the day the file says, else `today`.
    pub version: Option<Date>,
    pub today: Date,
}

/// Imports files as lists: OFAC companion files (`alt`, `add`, `comments`)
/// join the primary file they belong to; every other file is one list.
pub fn import(
    files: &[ListFile],
    options: &ImportOptions,
) -> Result<Vec<ImportedList>, InputErrors> {
    let mut errors = Errors::default();
    let mut ofac: Vec<&ListFile> = Vec::new();
    let mut lists = Vec::new();
    for file in files {
        let read = match ListFormat::detect(&file.name, &file.bytes) {
            Some(ListFormat::Ofac) => {
                ofac.push(file);
                continue;
            }
            Some(ListFormat::CslCsv) => read_csl_csv(file, options),
            Some(ListFormat::CslJson) => read_csl_json(file, options),
            Some(ListFormat::UnXml) => read_un_xml(file, options),
            Some(ListFormat::FtmJson) => read_ftm(file, options),
            Some(ListFormat::JpXlsx) => jp::read_xlsx(file, options),
            Some(ListFormat::JpExportBanPdf) => jp::read_export_ban_pdf(file, options),
            None => Err(InputErrors::one(InputError::new(
                Location::File {
                    file: file.name.clone(),
                },
                "format",
                "an OFAC CSV, CSL CSV or JSON, UN consolidated XML, FollowTheMoney JSON lines file, the MOF or METI workbook, or METI's export-ban PDF",
                "a file of none of these formats",
            ))),
        };
        match read {
            Ok(list) => lists.push(list),
            Err(found) => errors.absorb(found),
        }
    }
    for group in ofac_groups(&ofac) {
        match read_ofac(&group, options) {
            Ok(list) => lists.push(list),
            Err(found) => errors.absorb(found),
        }
    }
    errors.finish(lists)
}

/// SHA-256 over the files of one list version, in the order read.
fn sha256(files: &[&ListFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(&file.bytes);
    }
    hex::encode(hasher.finalize())
}

fn text_of(file: &ListFile) -> Result<&str, InputErrors> {
    std::str::from_utf8(&file.bytes).map_err(|error| {
        let (line, column) = shinsa_model::line_column(
            &String::from_utf8_lossy(&file.bytes[..error.valid_up_to()]),
            error.valid_up_to(),
        );
        InputErrors::one(InputError::new(
            Location::Text {
                file: file.name.clone(),
                line,
                column,
            },
            "encoding",
            "UTF-8 text",
            "bytes that are not UTF-8",
        ))
    })
}

/// What shinsa knows about a list format's publisher.
struct Publisher {
    name: &'static str,
    publisher: &'static str,
    jurisdiction: &'static str,
    legal_effect: LegalEffect,
    source: &'static str,
}

const OFAC_SDN: Publisher = Publisher {
    name: "OFAC Specially Designated Nationals and Blocked Persons List",
    publisher: "US Treasury, Office of Foreign Assets Control",
    jurisdiction: "US",
    legal_effect: LegalEffect::Sanctions,
    source: "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists",
};

const OFAC_CONS: Publisher = Publisher {
    name: "OFAC Consolidated Sanctions List (non-SDN)",
    source: "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists",
    ..OFAC_SDN
};

const CSL: Publisher = Publisher {
    name: "US Consolidated Screening List",
    publisher: "US International Trade Administration",
    jurisdiction: "US",
    legal_effect: LegalEffect::ExportControl,
    source: "https://www.trade.gov/consolidated-screening-list",
};

const UN: Publisher = Publisher {
    name: "UN Security Council Consolidated List",
    publisher: "United Nations Security Council",
    jurisdiction: "UN",
    legal_effect: LegalEffect::Sanctions,
    source: "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list",
};

const OPENSANCTIONS: Publisher = Publisher {
    name: "OpenSanctions (FollowTheMoney entities)",
    publisher: "OpenSanctions",
    jurisdiction: "XX",
    legal_effect: LegalEffect::Sanctions,
    source: "https://www.opensanctions.org/",
};

fn info(id: String, publisher: &Publisher, version: Date, sha256: String) -> ListInfo {
    ListInfo {
        id,
        name: publisher.name.to_owned(),
        publisher: publisher.publisher.to_owned(),
        jurisdiction: CountryCode::parse(publisher.jurisdiction)
            .unwrap_or_else(|_| unknown_country()),
        legal_effect: publisher.legal_effect,
        version,
        source: publisher.source.to_owned(),
        sha256,
        coverage: None,
    }
}

fn unknown_country() -> CountryCode {
    // "XX" is two letters: always a valid code shape.
    CountryCode::parse("XX").unwrap_or_else(|_| unreachable!("XX has the shape of a code"))
}

/// A country named in English ("Russia", "Korea, North", "Hong Kong") or
/// by its ISO code; `None` for regions and unknown names.
pub fn country_from_name(text: &str) -> Option<CountryCode> {
    let text = text.trim().trim_end_matches('.').trim();
    if text.is_empty() {
        return None;
    }
    let special = match text.to_ascii_lowercase().as_str() {
        "korea, north" | "north korea" | "democratic people's republic of korea" => Some("KP"),
        "korea, south" | "south korea" | "republic of korea" => Some("KR"),
        "burma" | "myanmar" => Some("MM"),
        "russia" | "russian federation" => Some("RU"),
        "china" | "people's republic of china" => Some("CN"),
        "hong kong" => Some("HK"),
        "macau" | "macao" => Some("MO"),
        "taiwan" => Some("TW"),
        "iran" => Some("IR"),
        "syria" => Some("SY"),
        "venezuela" => Some("VE"),
        "vietnam" | "viet nam" => Some("VN"),
        "laos" => Some("LA"),
        "bolivia" => Some("BO"),
        "moldova" => Some("MD"),
        "tanzania" => Some("TZ"),
        "congo, democratic republic of the" | "democratic republic of the congo" => Some("CD"),
        "congo, republic of the" => Some("CG"),
        "united kingdom" | "uk" => Some("GB"),
        "united states" | "usa" => Some("US"),
        "turkey" | "türkiye" => Some("TR"),
        "west bank" | "gaza" | "palestinian" => Some("PS"),
        "czech republic" => Some("CZ"),
        "syrian arab republic" => Some("SY"),
        "lao people's democratic republic" => Some("LA"),
        _ => None,
    };
    if let Some(code) = special {
        return CountryCode::parse(code).ok();
    }
    // Official long forms ("Islamic Republic of Iran", "State of Israel").
    let lower = text.to_ascii_lowercase();
    for form in [
        "islamic republic of ",
        "arab republic of ",
        "federal republic of ",
        "republic of the ",
        "republic of ",
        "state of ",
        "kingdom of ",
    ] {
        if let Some(rest) = lower.strip_prefix(form) {
            return country_from_name(rest);
        }
    }
    let country = <celes::Country as std::str::FromStr>::from_str(text)
        .or_else(|_| <celes::Country as std::str::FromStr>::from_str(&text.replace(' ', "")))
        .ok()?;
    CountryCode::parse(country.alpha2).ok()
}

/// Identifiers of known schemes in free text ("LEI 5493…", "Unified
/// Social Credit Code (USCC) 9144…", "ISIN CNE1…"), check digits verified.
fn identifiers_in(text: &str) -> Vec<Identifier> {
    let mut found = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for (index, word) in words.iter().enumerate() {
        let Some(value) = words.get(index + 1) else {
            continue;
        };
        let value = value.trim_end_matches(['.', ',', ';', ')']);
        let scheme = match *word {
            "LEI" => Some(Scheme::Lei),
            // "Legal Entity Number", OFAC's wording for an LEI.
            "Number" if index > 0 && words[index - 1] == "Entity" => Some(Scheme::Lei),
            "(USCC)" | "USCC" => Some(Scheme::CnUscc),
            "ISIN" => Some(Scheme::Isin),
            "D-U-N-S" | "DUNS" => Some(Scheme::Duns),
            _ => None,
        };
        if let Some(scheme) = scheme
            && let Some(value) = scheme.normalise(value)
        {
            let identifier = Identifier {
                scheme: scheme.as_str().to_owned(),
                value,
            };
            if !found.contains(&identifier) {
                found.push(identifier);
            }
        }
    }
    found
}

/// "LAST, First" read as "First LAST", the order other sources use.
fn reordered(name: &str) -> Option<String> {
    let (last, first) = name.split_once(", ")?;
    if first.is_empty() || last.is_empty() || first.contains(',') {
        return None;
    }
    Some(format!("{first} {last}"))
}

fn push_name(names: &mut Vec<String>, name: &str) {
    let name = name.trim();
    if !name.is_empty() && !names.iter().any(|known| known == name) {
        names.push(name.to_owned());
    }
}

fn push_country(countries: &mut Vec<CountryCode>, country: Option<CountryCode>) {
    if let Some(country) = country
        && !countries.contains(&country)
    {
        countries.push(country);
    }
}

// ---------------------------------------------------------------- OFAC CSV

/// The files of one OFAC list: the primary file and its companions.
struct OfacGroup<'a> {
    primary: &'a ListFile,
    alt: Option<&'a ListFile>,
    add: Option<&'a ListFile>,
    comments: Option<&'a ListFile>,
}

impl<'a> OfacGroup<'a> {
    fn primary_only(file: &'a ListFile) -> Self {
        Self {
            primary: file,
            alt: None,
            add: None,
            comments: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OfacRole {
    Primary,
    Alt,
    Add,
    Comments,
}

fn ofac_role(name: &str) -> (OfacRole, String) {
    let stem = std::path::Path::new(name)
        .file_stem()
        .map(|stem| stem.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    for (suffix, role) in [
        ("comments", OfacRole::Comments),
        ("alt", OfacRole::Alt),
        ("add", OfacRole::Add),
    ] {
        if let Some(prefix) = stem.strip_suffix(suffix) {
            return (role, prefix.trim_end_matches('_').to_owned());
        }
    }
    let prefix = stem.strip_suffix("prim").unwrap_or(&stem);
    (OfacRole::Primary, prefix.trim_end_matches('_').to_owned())
}

/// Companion files join the primary file with the same prefix (`cons_alt`
/// with `cons_prim`); `alt.csv` joins `sdn.csv` (OFAC's names).
fn ofac_groups<'a>(files: &[&'a ListFile]) -> Vec<OfacGroup<'a>> {
    let mut groups: Vec<(String, OfacGroup<'a>)> = files
        .iter()
        .filter(|file| ofac_role(&file.name).0 == OfacRole::Primary)
        .map(|file| (ofac_role(&file.name).1, OfacGroup::primary_only(file)))
        .collect();
    for file in files {
        let (role, prefix) = ofac_role(&file.name);
        if role == OfacRole::Primary {
            continue;
        }
        let wanted = if prefix.is_empty() { "sdn" } else { &prefix };
        if let Some((_, group)) = groups.iter_mut().find(|(key, _)| key == wanted) {
            match role {
                OfacRole::Alt => group.alt = Some(file),
                OfacRole::Add => group.add = Some(file),
                OfacRole::Comments => group.comments = Some(file),
                OfacRole::Primary => {}
            }
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// The records of one OFAC CSV file: (line, fields) with `-0-` as empty.
fn ofac_records(file: &ListFile, width: usize, errors: &mut Errors) -> Vec<(usize, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(file.bytes.as_slice());
    let mut records = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                // The files end with a line holding only a SUB character.
                if record.len() == 1
                    && record
                        .get(0)
                        .is_some_and(|f| f.trim_matches('\u{1a}').trim().is_empty())
                {
                    continue;
                }
                if record.len() != width {
                    errors.push(InputError::new(
                        Location::Text {
                            file: file.name.clone(),
                            line,
                            column: 1,
                        },
                        "record",
                        format!("{width} fields"),
                        format!("{} fields", record.len()),
                    ));
                    continue;
                }
                let fields = record
                    .iter()
                    .map(|field| {
                        let field = field.trim();
                        if field == "-0-" {
                            String::new()
                        } else {
                            field.to_owned()
                        }
                    })
                    .collect::<Vec<_>>();
                if fields[0].parse::<u64>().is_err() {
                    errors.push(InputError::new(
                        Location::Text {
                            file: file.name.clone(),
                            line,
                            column: 1,
                        },
                        "ent_num",
                        "an OFAC entity number",
                        format!("{:?}", fields[0]),
                    ));
                    continue;
                }
                records.push((line, fields));
            }
            Err(error) => {
                let (line, column) = error.position().map_or((0, 0), |p| (p.line() as usize, 1));
                errors.push(InputError::new(
                    Location::Text {
                        file: file.name.clone(),
                        line,
                        column,
                    },
                    "record",
                    "a CSV record",
                    error.to_string(),
                ));
            }
        }
    }
    records
}

fn read_ofac(group: &OfacGroup<'_>, options: &ImportOptions) -> Result<ImportedList, InputErrors> {
    let mut errors = Errors::default();
    for file in [Some(group.primary), group.alt, group.add, group.comments]
        .into_iter()
        .flatten()
    {
        if let Err(found) = text_of(file) {
            errors.absorb(found);
        }
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    let primary = ofac_records(group.primary, 12, &mut errors);
    let mut parties: Vec<ListedParty> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (line, fields) in primary {
        if index.contains_key(&fields[0]) {
            errors.push(InputError::new(
                Location::Text {
                    file: group.primary.name.clone(),
                    line,
                    column: 1,
                },
                "ent_num",
                "a number used once",
                format!("{} again", fields[0]),
            ));
            continue;
        }
        let kind = match fields[2].to_ascii_lowercase().as_str() {
            "individual" => PartyKind::Person,
            "vessel" => PartyKind::Vessel,
            "aircraft" => PartyKind::Aircraft,
            _ => PartyKind::Organization,
        };
        let mut names = Vec::new();
        push_name(&mut names, &fields[1]);
        if kind == PartyKind::Person
            && let Some(name) = reordered(&fields[1])
        {
            push_name(&mut names, &name);
        }
        let programs = fields[3]
            .split("] [")
            .map(|p| p.trim_matches(['[', ']', ' ']).to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        index.insert(fields[0].clone(), parties.len());
        parties.push(ListedParty {
            id: fields[0].clone(),
            kind,
            names,
            countries: Vec::new(),
            identifiers: Vec::new(),
            other_ids: Vec::new(),
            programs,
            relations: Vec::new(),
            target: true,
            remarks: fields[11].clone(),
            birth_dates: Vec::new(),
        });
    }
    let companion = |file: Option<&ListFile>, width: usize, errors: &mut Errors| {
        let Some(file) = file else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        for (line, fields) in ofac_records(file, width, errors) {
            match index.get(&fields[0]) {
                Some(&at) => rows.push((at, fields)),
                None => errors.push(InputError::new(
                    Location::Text {
                        file: file.name.clone(),
                        line,
                        column: 1,
                    },
                    "ent_num",
                    format!("an entity number of {}", group.primary.name),
                    format!("{} (no such entry)", fields[0]),
                )),
            }
        }
        rows
    };
    let alts = companion(group.alt, 5, &mut errors);
    let adds = companion(group.add, 6, &mut errors);
    let comments = companion(group.comments, 2, &mut errors);
    for (at, fields) in alts {
        let party = &mut parties[at];
        push_name(&mut party.names, &fields[3]);
        if party.kind == PartyKind::Person
            && let Some(name) = reordered(&fields[3])
        {
            push_name(&mut party.names, &name);
        }
    }
    for (at, fields) in adds {
        push_country(&mut parties[at].countries, country_from_name(&fields[4]));
    }
    for (at, fields) in comments {
        // The comments file continues remarks too long for the main file.
        parties[at].remarks.push_str(&fields[1]);
    }
    // Remarks: identifiers, nationalities, quoted a.k.a.s and links.
    let by_name: HashMap<String, String> = parties
        .iter()
        .map(|party| (party.name().to_uppercase(), party.id.clone()))
        .collect();
    for party in &mut parties {
        let remarks = party.remarks.clone();
        for part in remarks.split(';').map(str::trim) {
            if let Some(target) = part.strip_prefix("Linked To:") {
                let target = target.trim().trim_end_matches('.').to_uppercase();
                if let Some(id) = by_name
                    .get(&target)
                    .or_else(|| by_name.get(&format!("{target}.")))
                {
                    party.relations.push(Relation {
                        to: id.clone(),
                        kind: RelationKind::LinkedTo,
                        share: None,
                    });
                }
            } else if let Some(rest) = part
                .strip_prefix("nationality ")
                .or_else(|| part.strip_prefix("citizen "))
                .or_else(|| part.strip_prefix("Nationality of Registration "))
            {
                push_country(&mut party.countries, country_from_name(rest));
            } else if let Some(alias) = part.strip_prefix("a.k.a. ") {
                let alias = alias.trim_matches(['\'', '.', ' ']);
                push_name(&mut party.names, alias);
            } else if part.contains("Number")
                || part.contains("No.")
                || part.starts_with("LEI")
                || part.starts_with("Equity Ticker")
                || part.starts_with("ISIN")
            {
                party.other_ids.push(part.trim_end_matches('.').to_owned());
            }
        }
        party.identifiers = identifiers_in(&remarks);
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    let (_, prefix) = ofac_role(&group.primary.name);
    let consolidated = prefix == "cons";
    let files: Vec<&ListFile> = [Some(group.primary), group.alt, group.add, group.comments]
        .into_iter()
        .flatten()
        .collect();
    let id = options.id.clone().unwrap_or_else(|| {
        if consolidated {
            "ofac-cons"
        } else {
            "ofac-sdn"
        }
        .to_owned()
    });
    Ok(ImportedList {
        info: info(
            id,
            if consolidated { &OFAC_CONS } else { &OFAC_SDN },
            options.version.unwrap_or(options.today),
            sha256(&files),
        ),
        parties,
        removals: Vec::new(),
    })
}

// ---------------------------------------------------------------- CSL

fn csl_kind(text: Option<&str>) -> PartyKind {
    let Some(text) = text else {
        return PartyKind::Unknown;
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "individual" => PartyKind::Person,
        "entity" => PartyKind::Organization,
        "vessel" => PartyKind::Vessel,
        "aircraft" => PartyKind::Aircraft,
        _ => PartyKind::Unknown,
    }
}

fn csl_info(file: &ListFile, options: &ImportOptions) -> ListInfo {
    info(
        options.id.clone().unwrap_or_else(|| "us-csl".to_owned()),
        &CSL,
        options.version.unwrap_or(options.today),
        sha256(&[file]),
    )
}

fn read_csl_csv(file: &ListFile, options: &ImportOptions) -> Result<ImportedList, InputErrors> {
    text_of(file)?;
    let mut errors = Errors::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(file.bytes.as_slice());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            return Err(InputErrors::one(InputError::new(
                Location::Text {
                    file: file.name.clone(),
                    line: 1,
                    column: 1,
                },
                "header",
                "the CSL header row",
                error.to_string(),
            )));
        }
    };
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(name_at) = column("name") else {
        return Err(InputErrors::one(InputError::new(
            Location::Text {
                file: file.name.clone(),
                line: 1,
                column: 1,
            },
            "name",
            "a `name` column",
            headers.iter().collect::<Vec<_>>().join(","),
        )));
    };
    let get = |record: &csv::StringRecord, name: &str| -> String {
        column(name)
            .and_then(|at| record.get(at))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let mut parties = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line() as usize);
                errors.push(InputError::new(
                    Location::Text {
                        file: file.name.clone(),
                        line,
                        column: 1,
                    },
                    "record",
                    format!("{} fields as in the header", headers.len()),
                    error.to_string(),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let name = record.get(name_at).unwrap_or_default().trim();
        if name.is_empty() {
            errors.push(InputError::new(
                Location::Text {
                    file: file.name.clone(),
                    line,
                    column: name_at + 1,
                },
                "name",
                "a name",
                "an empty field",
            ));
            continue;
        }
        let mut names = Vec::new();
        push_name(&mut names, name);
        for alias in get(&record, "alt_names").split(';') {
            push_name(&mut names, alias);
        }
        let mut countries = Vec::new();
        for address in get(&record, "addresses").split(';') {
            if let Some(last) = address.rsplit(',').next() {
                push_country(&mut countries, country_from_name(last));
            }
        }
        for field in ["nationalities", "citizenships"] {
            for country in get(&record, field).split(';') {
                push_country(&mut countries, country_from_name(country));
            }
        }
        let ids = get(&record, "ids");
        let number = get(&record, "entity_number");
        let id = [get(&record, "_id"), number]
            .into_iter()
            .find(|id| !id.is_empty())
            .unwrap_or_else(|| format!("line-{line}"));
        let mut programs: Vec<String> = get(&record, "programs")
            .split(';')
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        programs.insert(0, get(&record, "source"));
        parties.push(ListedParty {
            id,
            kind: csl_kind(Some(&get(&record, "type"))),
            names,
            countries,
            identifiers: identifiers_in(&ids.replace([',', ';'], " ")),
            other_ids: ids
                .split(';')
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect(),
            programs,
            relations: Vec::new(),
            target: true,
            remarks: get(&record, "remarks"),
            birth_dates: Vec::new(),
        });
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: csl_info(file, options),
        parties,
        removals: Vec::new(),
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn json_error(file: &ListFile, error: &serde_json::Error, line_offset: usize) -> InputError {
    InputError::new(
        Location::Text {
            file: file.name.clone(),
            line: error.line() + line_offset,
            column: error.column(),
        },
        "json",
        "valid JSON",
        error.to_string(),
    )
}

fn read_csl_json(file: &ListFile, options: &ImportOptions) -> Result<ImportedList, InputErrors> {
    let text = text_of(file)?;
    crate::budget::json_within_budget(&file.name, text.as_bytes())?;
    let document: Value = serde_json::from_str(text)
        .map_err(|error| InputErrors::one(json_error(file, &error, 0)))?;
    let Some(results) = document.get("results").and_then(Value::as_array) else {
        return Err(InputErrors::one(InputError::new(
            Location::Pointer {
                file: file.name.clone(),
                pointer: "/results".into(),
            },
            "results",
            "an array of entries",
            "nothing",
        )));
    };
    let mut errors = Errors::default();
    let mut parties = Vec::new();
    for (at, entry) in results.iter().enumerate() {
        let pointer = |field: &str| Location::Pointer {
            file: file.name.clone(),
            pointer: format!("/results/{at}/{field}"),
        };
        let Some(name) = entry
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
        else {
            errors.push(InputError::new(
                pointer("name"),
                "name",
                "a name",
                "nothing",
            ));
            continue;
        };
        let mut names = Vec::new();
        push_name(&mut names, name);
        for alias in strings(entry.get("alt_names")) {
            push_name(&mut names, &alias);
        }
        let mut countries = Vec::new();
        if let Some(addresses) = entry.get("addresses").and_then(Value::as_array) {
            for address in addresses {
                if let Some(country) = address.get("country").and_then(Value::as_str) {
                    push_country(&mut countries, country_from_name(country));
                }
            }
        }
        for field in ["nationalities", "citizenships"] {
            for country in strings(entry.get(field)) {
                push_country(&mut countries, country_from_name(&country));
            }
        }
        let mut other_ids = Vec::new();
        if let Some(ids) = entry.get("ids").and_then(Value::as_array) {
            for id in ids {
                let parts: Vec<&str> = ["type", "number"]
                    .iter()
                    .filter_map(|key| id.get(*key).and_then(Value::as_str))
                    .collect();
                other_ids.push(parts.join(" ").trim().to_owned());
            }
        }
        let id = ["id", "_id", "entity_number"]
            .iter()
            .find_map(|key| match entry.get(*key) {
                Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
                Some(Value::Number(number)) => Some(number.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| format!("entry-{at}"));
        let mut programs = strings(entry.get("programs"));
        if let Some(source) = entry.get("source").and_then(Value::as_str) {
            programs.insert(0, source.to_owned());
        }
        parties.push(ListedParty {
            id,
            kind: csl_kind(entry.get("type").and_then(Value::as_str)),
            names,
            countries,
            identifiers: identifiers_in(&other_ids.join(" ")),
            other_ids,
            programs,
            relations: Vec::new(),
            target: true,
            remarks: entry
                .get("remarks")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            birth_dates: Vec::new(),
        });
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: csl_info(file, options),
        parties,
        removals: Vec::new(),
    })
}

// ---------------------------------------------------------------- UN XML

/// One INDIVIDUAL or ENTITY element, its child texts by path.
#[derive(Default)]
struct UnRecord {
    fields: Vec<(String, String)>,
}

impl UnRecord {
    fn all(&self, path: &str) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    fn first(&self, path: &str) -> &str {
        self.all(path).next().unwrap_or_default()
    }
}

fn read_un_xml(file: &ListFile, options: &ImportOptions) -> Result<ImportedList, InputErrors> {
    use quick_xml::events::Event;
    let text = text_of(file)?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut record: Option<(PartyKind, UnRecord)> = None;
    let mut generated: Option<Date> = None;
    let mut records = Vec::new();
    let located = |position: u64, found: String| {
        let offset = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(text.len());
        let (line, column) = shinsa_model::line_column(text, offset);
        InputErrors::one(InputError::new(
            Location::Text {
                file: file.name.clone(),
                line,
                column,
            },
            "xml",
            "well-formed UN consolidated list XML",
            found,
        ))
    };
    // Text of the innermost element, from text and reference events.
    let mut leaf = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|error| located(reader.error_position(), error.to_string()))?;
        match event {
            Event::Start(start) => {
                let name = start.name().as_ref().to_owned();
                if name == "CONSOLIDATED_LIST" {
                    for attribute in start.attributes().flatten() {
                        if attribute.key.as_ref() == "dateGenerated" {
                            generated = attribute
                                .value
                                .get(..10)
                                .and_then(|day| shinsa_model::parse_date(day).ok());
                        }
                    }
                }
                if path.len() == 2 && (name == "INDIVIDUAL" || name == "ENTITY") {
                    let kind = if name == "INDIVIDUAL" {
                        PartyKind::Person
                    } else {
                        PartyKind::Organization
                    };
                    record = Some((kind, UnRecord::default()));
                }
                path.push(name);
                leaf.clear();
            }
            Event::End(_) => {
                if let Some((_, record)) = record.as_mut()
                    && path.len() > 3
                    && !leaf.trim().is_empty()
                {
                    record
                        .fields
                        .push((path[3..].join("/"), leaf.trim().to_owned()));
                }
                leaf.clear();
                if path.len() == 3
                    && let Some(done) = record.take()
                {
                    records.push((reader.buffer_position(), done));
                }
                path.pop();
            }
            Event::Text(content) => leaf.push_str(&content.xml10_content()),
            Event::CData(content) => leaf.push_str(&content.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = reference
                    .resolve_char_ref()
                    .map_err(|error| located(reader.buffer_position(), error.to_string()))?;
                match resolved {
                    Some(c) => leaf.push(c),
                    None => {
                        let name = reference.xml10_content();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => leaf.push_str(text),
                            None => {
                                return Err(located(
                                    reader.buffer_position(),
                                    format!("unknown entity &{name};"),
                                ));
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(located(
            reader.buffer_position(),
            format!("unclosed element <{}>", path.join("><")),
        ));
    }
    let mut errors = Errors::default();
    let mut parties = Vec::new();
    for (position, (kind, record)) in records {
        let id = record.first("DATAID").to_owned();
        let whole: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
            .iter()
            .map(|field| record.first(field))
            .filter(|part| !part.is_empty())
            .collect();
        if id.is_empty() || whole.is_empty() {
            errors.absorb(located(
                position,
                "an entry without DATAID or name".to_owned(),
            ));
            continue;
        }
        let mut names = Vec::new();
        push_name(&mut names, &whole.join(" "));
        for alias in record
            .all("INDIVIDUAL_ALIAS/ALIAS_NAME")
            .chain(record.all("ENTITY_ALIAS/ALIAS_NAME"))
            .chain(record.all("NAME_ORIGINAL_SCRIPT"))
        {
            push_name(&mut names, alias);
        }
        let mut countries = Vec::new();
        for country in record
            .all("NATIONALITY/VALUE")
            .chain(record.all("INDIVIDUAL_ADDRESS/COUNTRY"))
            .chain(record.all("ENTITY_ADDRESS/COUNTRY"))
        {
            push_country(&mut countries, country_from_name(country));
        }
        let other_ids = record
            .all("INDIVIDUAL_DOCUMENT/NUMBER")
            .map(str::to_owned)
            .chain(std::iter::once(record.first("REFERENCE_NUMBER").to_owned()))
            .filter(|id| !id.is_empty())
            .collect();
        parties.push(ListedParty {
            id,
            kind,
            names,
            countries,
            identifiers: Vec::new(),
            other_ids,
            programs: record.all("UN_LIST_TYPE").map(str::to_owned).collect(),
            relations: Vec::new(),
            target: true,
            remarks: record.first("COMMENTS1").to_owned(),
            birth_dates: Vec::new(),
        });
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: info(
            options.id.clone().unwrap_or_else(|| "un-sc".to_owned()),
            &UN,
            options.version.or(generated).unwrap_or(options.today),
            sha256(&[file]),
        ),
        parties,
        removals: Vec::new(),
    })
}

// ---------------------------------------------------------------- FtM

/// FtM properties whose values are names.
const FTM_NAMES: &[&str] = &["name", "alias", "previousName", "weakAlias", "abbreviation"];
/// FtM properties whose values are countries (ISO codes, lower case).
const FTM_COUNTRIES: &[&str] = &[
    "country",
    "jurisdiction",
    "nationality",
    "citizenship",
    "mainCountry",
];

fn read_ftm(file: &ListFile, options: &ImportOptions) -> Result<ImportedList, InputErrors> {
    let text = text_of(file)?;
    let mut errors = Errors::default();
    let mut parties: Vec<ListedParty> = Vec::new();
    let mut links: Vec<(usize, String, String, RelationKind, Option<Percent>)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_no = number + 1;
        if line.trim().is_empty() {
            continue;
        }
        if let Err(refused) = crate::budget::json_within_budget(&file.name, line.as_bytes()) {
            errors.absorb(refused);
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(error) => {
                errors.push(json_error(file, &error, number));
                continue;
            }
        };
        let at = |field: &str| Location::Text {
            file: file.name.clone(),
            line: line_no,
            column: line.find(&format!("\"{field}\"")).map_or(1, |c| c + 1),
        };
        let (Some(id), Some(schema)) = (
            value.get("id").and_then(Value::as_str),
            value.get("schema").and_then(Value::as_str),
        ) else {
            errors.push(InputError::new(
                at("id"),
                "id, schema",
                "an FtM entity with id and schema",
                line.chars().take(60).collect::<String>(),
            ));
            continue;
        };
        let properties = value.get("properties").cloned().unwrap_or(Value::Null);
        let property = |name: &str| strings(properties.get(name));
        match schema {
            "Ownership" | "UnknownLink" | "Directorship" => {
                let (from, to, kind) = if schema == "Ownership" {
                    ("asset", "owner", RelationKind::OwnedBy)
                } else if schema == "Directorship" {
                    ("organization", "director", RelationKind::LinkedTo)
                } else {
                    ("object", "subject", RelationKind::LinkedTo)
                };
                let share = property("percentage")
                    .first()
                    .and_then(|p| p.trim_end_matches('%').trim().parse::<f64>().ok())
                    .and_then(|p| Percent::new(p).ok());
                for (subject, other) in property(from).iter().zip(property(to).iter()) {
                    links.push((line_no, subject.clone(), other.clone(), kind, share));
                }
            }
            "Person" | "Company" | "Organization" | "LegalEntity" | "PublicBody" | "Vessel"
            | "Airplane" => {
                let kind = match schema {
                    "Person" => PartyKind::Person,
                    "Vessel" => PartyKind::Vessel,
                    "Airplane" => PartyKind::Aircraft,
                    _ => PartyKind::Organization,
                };
                let mut names = Vec::new();
                for field in FTM_NAMES {
                    for name in property(field) {
                        push_name(&mut names, &name);
                    }
                }
                if names.is_empty() {
                    errors.push(InputError::new(
                        at("properties"),
                        "properties.name",
                        "at least one name",
                        "none",
                    ));
                    continue;
                }
                let mut countries = Vec::new();
                for field in FTM_COUNTRIES {
                    for country in property(field) {
                        push_country(
                            &mut countries,
                            CountryCode::parse(&country.to_ascii_uppercase()).ok(),
                        );
                    }
                }
                let mut identifiers = Vec::new();
                for (field, scheme) in [
                    ("leiCode", Scheme::Lei),
                    ("isinCode", Scheme::Isin),
                    ("dunsCode", Scheme::Duns),
                ] {
                    for value in property(field) {
                        if let Some(value) = scheme.normalise(&value) {
                            identifiers.push(Identifier {
                                scheme: scheme.as_str().to_owned(),
                                value,
                            });
                        }
                    }
                }
                let other_ids = [
                    "registrationNumber",
                    "innCode",
                    "ogrnCode",
                    "taxNumber",
                    "swiftBic",
                    "imoNumber",
                ]
                .iter()
                .flat_map(|field| {
                    property(field)
                        .into_iter()
                        .map(move |v| format!("{field} {v}"))
                })
                .collect();
                parties.push(ListedParty {
                    id: id.to_owned(),
                    kind,
                    names,
                    countries,
                    identifiers,
                    other_ids,
                    programs: property("program"),
                    relations: Vec::new(),
                    target: value.get("target").and_then(Value::as_bool).unwrap_or(true),
                    remarks: property("notes").join(" "),
                    birth_dates: Vec::new(),
                });
            }
            _ => {} // addresses, sanctions, identifications: not parties
        }
    }
    let index: HashMap<String, usize> = parties
        .iter()
        .enumerate()
        .map(|(at, party)| (party.id.clone(), at))
        .collect();
    for (line, subject, other, kind, share) in links {
        match (index.get(&subject), index.contains_key(&other)) {
            (Some(&at), true) => parties[at].relations.push(Relation {
                to: other,
                kind,
                share,
            }),
            _ => errors.push(InputError::new(
                Location::Text {
                    file: file.name.clone(),
                    line,
                    column: 1,
                },
                "relation",
                "ids of entities in the same file",
                format!("{subject} → {other}"),
            )),
        }
    }
    if let Some(errors) = errors.take() {
        return Err(errors);
    }
    Ok(ImportedList {
        info: info(
            options
                .id
                .clone()
                .unwrap_or_else(|| "opensanctions".to_owned()),
            &OPENSANCTIONS,
            options.version.unwrap_or(options.today),
            sha256(&[file]),
        ),
        parties,
        removals: Vec::new(),
    })
}

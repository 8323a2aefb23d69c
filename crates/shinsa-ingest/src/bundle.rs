//! The inventory bundle: a CSV folder, one XLSX workbook, or one JSON
//! document. All three become the same [`Sheets`] and are checked by one
//! function, so they accept and refuse exactly the same things.

use crate::error::{Errors, InputError, InputErrors, Location};
use crate::sbom;
use crate::table::{self, Row, Table, TableSpec};
use sha2::{Digest, Sha256};
use shinsa_model::{
    Asset, AssetKind, Contract, ContractScope, CountryCode, DataFlow, Date, Identifier, Inventory,
    Licence, Operator, Ownership, Party, PartyRef, Percent, ReferenceData, Scheme, line_column,
    parse_bool, parse_date,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The JSON Schema of the one-document form, as published under `schema/`.
pub const INVENTORY_SCHEMA: &str = include_str!("../../../schema/inventory.schema.json");

pub(crate) const OPERATOR: TableSpec = TableSpec {
    name: "operator",
    required: &["id", "name", "sector", "country"],
    optional: &[
        "licence",
        "licence_id",
        "licence_status",
        "regulator",
        "network_internal",
        "network_public",
    ],
};
pub(crate) const PARTIES: TableSpec = TableSpec {
    name: "parties",
    required: &["id", "name"],
    optional: &["aliases", "country", "hq_country", "identifiers"],
};
pub(crate) const OWNERSHIP: TableSpec = TableSpec {
    name: "ownership",
    required: &["owner", "owned", "share_percent"],
    optional: &["since", "until"],
};
pub(crate) const ASSETS: TableSpec = TableSpec {
    name: "assets",
    required: &["id", "name", "kind", "category"],
    optional: &[
        "critical",
        "parent",
        "manufacturer",
        "supplier",
        "model",
        "version",
        "firmware",
        "purl",
        "cpe",
        "country_of_manufacture",
        "ip",
        "mac",
        "location",
        "status",
        "bom",
        "bom_for",
        "exceptions",
    ],
};
pub(crate) const CONTRACTS: TableSpec = TableSpec {
    name: "contracts",
    required: &["id", "contractor", "scope"],
    optional: &[
        "asset",
        "work_country",
        "customer_data_access",
        "parent_contract",
    ],
};
pub(crate) const DATAFLOWS: TableSpec = TableSpec {
    name: "dataflows",
    required: &["id", "destination"],
    optional: &[
        "source_asset",
        "provider",
        "dc_country",
        "data_categories",
        "purpose",
    ],
};

/// The optional tables and their specs, in reading order.
const TABLES: [TableSpec; 5] = [PARTIES, OWNERSHIP, ASSETS, CONTRACTS, DATAFLOWS];

/// A bundle read and checked, with what identifies it.
#[derive(Debug, Clone)]
pub struct LoadedBundle {
    pub inventory: Inventory,
    /// SHA-256 over every input file's name and bytes, in name order.
    pub input_sha256: String,
    /// The files that were read.
    pub files: Vec<String>,
    /// Things kept but worth telling (an unknown category, a BOM field
    /// that breaks its format's rules).
    pub warnings: Vec<String>,
    /// The BOM format-rule breaches among `warnings`, with their
    /// locations: errors under `--strict-bom` ([`LoadedBundle::strict_bom`]).
    pub bom_warnings: Vec<InputError>,
}

impl LoadedBundle {
    /// Refuses the bundle when a BOM in it broke a format rule, even of a
    /// field shinsa does not read.
    pub fn strict_bom(self) -> Result<Self, InputErrors> {
        match InputErrors::from_vec(self.bom_warnings.clone()) {
            Some(errors) => Err(errors),
            None => Ok(self),
        }
    }
}

/// Everything a bundle holds before checking, whatever its format.
#[derive(Debug, Default)]
struct Sheets {
    operator: Option<Row>,
    tables: BTreeMap<&'static str, Table>,
    /// BOMs, read.
    boms: Vec<BomSource>,
    /// The operator's VEX statements.
    vex: Vec<shinsa_model::VexStatement>,
}

/// A BOM of a bundle and where it sits.
#[derive(Debug)]
struct BomSource {
    /// The name the `bom` column of assets uses (the file name, or
    /// `boms/N` in a JSON bundle).
    name: String,
    /// The file, for messages.
    file: String,
    bom: sbom::Bom,
}

/// Hashes inputs in a fixed order so the same bundle always hashes the same.
#[derive(Debug, Default)]
struct InputHash(BTreeMap<String, Vec<u8>>);

impl InputHash {
    fn add(&mut self, name: &str, bytes: &[u8]) {
        self.0.insert(name.to_owned(), bytes.to_vec());
    }

    fn finish(self) -> (String, Vec<String>) {
        let mut hasher = Sha256::new();
        for (name, bytes) in &self.0 {
            hasher.update((name.len() as u64).to_be_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        (hex::encode(hasher.finalize()), self.0.into_keys().collect())
    }
}

/// Reads a bundle from a folder of CSV files, an `.xlsx` workbook or a
/// `.json` document. Either everything loads or nothing does.
pub fn load_bundle(
    path: &Path,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    let display = path.display().to_string();
    if path.is_dir() {
        return load_bundle_files(&display, read_dir_files(path)?, reference, day);
    }
    let bytes = std::fs::read(path).map_err(|error| unreadable(&display, &error))?;
    if bytes.is_empty() {
        return Err(InputErrors::one(InputError::new(
            Location::File { file: display },
            "(file)",
            "a register or a BOM",
            "an empty file",
        )));
    }
    match extension(path).as_str() {
        "xlsx" | "xlsm" => load_workbook(&display, bytes, reference, day),
        "json" => load_document(&display, bytes, reference, day),
        other => Err(InputErrors::one(InputError::new(
            Location::File { file: display },
            "(path)",
            "a folder of CSV files, an .xlsx workbook or a .json document",
            format!("a file with extension {other:?}"),
        ))),
    }
}

/// Reads a bundle from the bytes of an XLSX workbook named `label`.
pub fn load_workbook(
    label: &str,
    bytes: Vec<u8>,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    load_single_file(label, bytes, reference, day, read_workbook)
}

/// Reads a bundle from the bytes of a JSON document named `label`.
pub fn load_document(
    label: &str,
    bytes: Vec<u8>,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    load_single_file(label, bytes, reference, day, |file, bytes, errors| {
        read_document(file, &bytes, errors)
    })
}

/// A bundle that is one file, read by `read`.
fn load_single_file(
    label: &str,
    bytes: Vec<u8>,
    reference: &ReferenceData,
    day: Date,
    read: impl FnOnce(&str, Vec<u8>, &mut Errors) -> Sheets,
) -> Result<LoadedBundle, InputErrors> {
    let mut hash = InputHash::default();
    hash.add(label, &bytes);
    let mut errors = Errors::default();
    let sheets = read(label, bytes, &mut errors);
    finish(label, sheets, hash, errors, reference, day)
}

/// Reads a bundle folder given as (file name, bytes) pairs, e.g. an example
/// compiled into the binary. `label` stands for the folder in messages.
pub fn load_bundle_files(
    label: &str,
    files: Vec<(String, Vec<u8>)>,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    let mut hash = InputHash::default();
    let mut errors = Errors::default();
    let sheets = read_folder(label, &files, &mut hash, &mut errors);
    finish(label, sheets, hash, errors, reference, day)
}

fn finish(
    label: &str,
    sheets: Sheets,
    hash: InputHash,
    mut errors: Errors,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    let (input_sha256, files) = hash.finish();
    let bom_warnings: Vec<InputError> = sheets
        .boms
        .iter()
        .flat_map(|source| source.bom.warnings.iter().cloned())
        .collect();
    let mut warnings: Vec<String> = bom_warnings
        .iter()
        .map(|warning| format!("{warning} (accepted; --strict-bom refuses it)"))
        .collect();
    let inventory = check(label, sheets, reference, day, &mut errors, &mut warnings);
    let inventory = errors.finish(inventory)?.ok_or_else(|| {
        InputError::new(
            Location::File {
                file: label.to_owned(),
            },
            "operator",
            "an operator",
            "none",
        )
    })?;
    Ok(LoadedBundle {
        inventory,
        input_sha256,
        files,
        warnings,
        bom_warnings,
    })
}

/// The files of a bundle folder that shinsa reads, with their bytes.
fn read_dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, InputErrors> {
    let display = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|error| unreadable(&display, &error))?;
    let mut files = Vec::new();
    let mut errors = Errors::default();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = file_name(&path);
        // Any other file may be a BOM, told by content when read; one
        // larger than a BOM can be is left alone unless named like one.
        let known = name == "operator.toml"
            || TABLES
                .iter()
                .any(|spec| name == format!("{}.csv", spec.name));
        let small = entry
            .metadata()
            .is_ok_and(|meta| meta.len() <= sbom::SIZE_LIMIT as u64);
        let wanted = known
            || (!name.starts_with('.') && !name.ends_with(".md") && small)
            || named_like_a_bom(&name);
        if !wanted || !path.is_file() {
            continue;
        }
        match std::fs::read(&path) {
            Ok(bytes) => files.push((name, bytes)),
            Err(error) => errors.push(unreadable(&path.display().to_string(), &error)),
        }
    }
    errors.finish(files)
}

fn unreadable(file: &str, error: &std::io::Error) -> InputError {
    InputError::new(
        Location::File {
            file: file.to_owned(),
        },
        "(file)",
        "a readable file",
        error.to_string(),
    )
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn read_folder(
    label: &str,
    files: &[(String, Vec<u8>)],
    hash: &mut InputHash,
    errors: &mut Errors,
) -> Sheets {
    let mut sheets = Sheets::default();
    // A bare BOM's bundle holds the BOM under the name the user gave it.
    let full = |name: &str| {
        if name == label {
            label.to_owned()
        } else {
            format!("{label}/{name}")
        }
    };
    let find = |name: &str| files.iter().find(|(file, _)| file == name).map(|(_, b)| b);
    match find("operator.toml") {
        Some(bytes) => {
            hash.add("operator.toml", bytes);
            sheets.operator = read_operator_toml(&full("operator.toml"), bytes, errors);
        }
        None => errors.push(InputError::new(
            Location::File {
                file: full("operator.toml"),
            },
            "(file)",
            "an operator.toml describing the operator",
            "no such file",
        )),
    }
    for spec in TABLES {
        let name = format!("{}.csv", spec.name);
        if let Some(bytes) = find(&name) {
            hash.add(&name, bytes);
            sheets.tables.insert(
                spec.name,
                table::read_csv(&full(&name), bytes, &spec, errors),
            );
        }
    }
    // Every other file is a BOM if its content says so, whatever its name;
    // one named like a BOM that is not one is an error, the rest are not
    // the bundle's business.
    let tables: Vec<String> = TABLES
        .iter()
        .map(|spec| format!("{}.csv", spec.name))
        .collect();
    // VEX documents (named so, or OpenVEX and CSAF VEX by content) are the
    // operator's statements about its exposures, not BOMs.
    let others = files
        .iter()
        .filter(|(name, _)| name != "operator.toml" && !tables.contains(name));
    let (vex, others): (Vec<_>, Vec<_>) =
        others.partition(|(name, bytes)| crate::advisories::is_vex(name, bytes));
    for (name, bytes) in vex {
        hash.add(name, bytes);
        match crate::advisories::read_vex(&full(name), bytes) {
            Ok(statements) => sheets.vex.extend(statements),
            Err(read) => errors.absorb(read),
        }
    }
    let mut boms: Vec<&(String, Vec<u8>)> = others
        .into_iter()
        .filter(|(name, bytes)| sbom::BomFormat::detect(bytes).is_some() || named_like_a_bom(name))
        .collect();
    boms.sort();
    for (name, bytes) in boms {
        hash.add(name, bytes);
        match sbom::read_bom(&full(name), bytes) {
            Ok(bom) => sheets.boms.push(BomSource {
                name: name.clone(),
                file: full(name),
                bom,
            }),
            Err(read) => errors.absorb(read),
        }
    }
    sheets
}

/// File names BOM tools give their output.
fn named_like_a_bom(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        ".cdx.json",
        ".cdx.xml",
        ".spdx",
        ".spdx.json",
        ".spdx3.json",
        ".bom.json",
        ".bom.xml",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

/// Parses JSON, reporting a syntax error with its line and column; a
/// document holding more values than its size and the budget allow is
/// refused before it is built ([`crate::budget`]).
pub(crate) fn parse_json(
    file: &str,
    bytes: &[u8],
    errors: &mut Errors,
) -> Option<serde_json::Value> {
    if let Err(refused) = crate::budget::json_within_budget(file, bytes) {
        errors.absorb(refused);
        return None;
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(error) => {
            errors.push(json_syntax_error(file, &error));
            None
        }
    }
}

/// Parses the first JSON value of `bytes`, as [`parse_json`] does, and
/// says (as a warning) where text follows it.
pub(crate) fn parse_first_json(
    file: &str,
    bytes: &[u8],
    errors: &mut Errors,
) -> Option<(serde_json::Value, Option<InputError>)> {
    use serde::Deserialize as _;
    if let Err(refused) = crate::budget::json_within_budget(file, bytes) {
        errors.absorb(refused);
        return None;
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_json::Value::deserialize(&mut reader) {
        Ok(value) => value,
        Err(error) => {
            errors.push(json_syntax_error(file, &error));
            return None;
        }
    };
    let trailing = reader.end().err().map(|error| {
        InputError::new(
            json_position(file, &error),
            "(document)",
            "nothing after the JSON document",
            "more text, which is left out",
        )
    });
    Some((value, trailing))
}

fn json_syntax_error(file: &str, error: &serde_json::Error) -> InputError {
    InputError::new(
        json_position(file, error),
        "(document)",
        "well-formed JSON",
        error.to_string(),
    )
}

/// Where in `file` the JSON parser stopped.
fn json_position(file: &str, error: &serde_json::Error) -> Location {
    Location::Text {
        file: file.to_owned(),
        line: error.line(),
        column: error.column(),
    }
}

fn read_operator_toml(file: &str, bytes: &[u8], errors: &mut Errors) -> Option<Row> {
    let at = |text: &str, offset: usize| {
        let (line, column) = line_column(text, offset);
        Location::Text {
            file: file.to_owned(),
            line,
            column,
        }
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        errors.push(InputError::new(
            Location::File {
                file: file.to_owned(),
            },
            "(file)",
            "UTF-8 text",
            "bytes that are not UTF-8",
        ));
        return None;
    };
    let document = match toml::de::DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            errors.push(InputError::new(
                at(text, offset),
                "(document)",
                "well-formed TOML",
                error.message().to_owned(),
            ));
            return None;
        }
    };
    let mut cells = Vec::new();
    for (key, value) in document.get_ref() {
        let name = key.get_ref().to_string();
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => {
                for (inner_key, inner_value) in inner {
                    let span = inner_value.span();
                    let text_value = toml_scalar(text, inner_value);
                    cells.push((
                        format!("{name}_{}", inner_key.get_ref()),
                        text_value,
                        at(text, span.start),
                    ));
                }
            }
            _ => {
                let span = value.span();
                cells.push((name, toml_scalar(text, value), at(text, span.start)));
            }
        }
    }
    Some(table::row_from_cells(at(text, 0), cells))
}

fn toml_scalar(text: &str, value: &toml::Spanned<toml::de::DeValue<'_>>) -> String {
    match value.get_ref() {
        toml::de::DeValue::String(string) => string.to_string(),
        _ => text.get(value.span()).unwrap_or_default().to_owned(),
    }
}

fn read_workbook(file: &str, bytes: Vec<u8>, errors: &mut Errors) -> Sheets {
    let mut sheets = Sheets::default();
    let mut workbook = match crate::workbook::Workbook::open(file, bytes) {
        Ok(workbook) => workbook,
        Err(refused) => {
            errors.absorb(refused);
            return sheets;
        }
    };
    let names = workbook.sheet_names();
    let known: Vec<&str> = std::iter::once(OPERATOR.name)
        .chain(TABLES.iter().map(|spec| spec.name))
        .collect();
    for name in &names {
        if !known.contains(&name.as_str()) && !name.starts_with("x_") {
            errors.push(InputError::new(
                Location::Cell {
                    file: file.to_owned(),
                    sheet: name.clone(),
                    cell: "A1".to_owned(),
                },
                "(sheet)",
                format!("a sheet named one of {}", known.join(", ")),
                format!("a sheet named {name:?}"),
            ));
        }
    }
    for spec in std::iter::once(OPERATOR).chain(TABLES) {
        if !names.iter().any(|name| name == spec.name) {
            continue;
        }
        match workbook.cells(spec.name) {
            Ok(cells) => {
                let mut table = table::read_sheet(file, spec.name, &cells, &spec, errors);
                if spec.name == OPERATOR.name {
                    sheets.operator = table.rows.drain(..).next();
                } else {
                    sheets.tables.insert(spec.name, table);
                }
            }
            Err(refused) => errors.absorb(refused),
        }
    }
    sheets
}

fn read_document(file: &str, bytes: &[u8], errors: &mut Errors) -> Sheets {
    let mut sheets = Sheets::default();
    let Some(document) = parse_json(file, bytes, errors) else {
        return sheets;
    };
    // A JSON file that is neither a register nor a BOM (a scanner's own
    // output, a licence list) is told so once, not by every schema rule.
    if document.get("operator").is_none() {
        let found = match &document {
            serde_json::Value::Object(fields) => {
                let keys: Vec<&str> = fields.keys().take(5).map(String::as_str).collect();
                format!("an object with {}", keys.join(", "))
            }
            serde_json::Value::Array(_) => "an array".to_owned(),
            other => format!("{other}").chars().take(40).collect(),
        };
        errors.push(InputError::new(
            Location::Text {
                file: file.to_owned(),
                line: 1,
                column: 1,
            },
            "(document)",
            "a register (an object with `operator`, `assets`…) or a BOM (CycloneDX `bomFormat`, SPDX `spdxVersion`, SPDX 3 `@graph`)",
            found,
        ));
        return sheets;
    }
    let Some(validator) = inventory_validator(errors) else {
        return sheets;
    };
    let before = errors.count();
    for error in validator.iter_errors(&document) {
        errors.push(schema_error(file, "", &error));
    }
    if errors.count() > before {
        return sheets;
    }
    if let Some(operator) = document.get("operator").and_then(|value| value.as_object()) {
        sheets.operator = Some(table::json_object_row(file, "/operator", operator));
    }
    for spec in TABLES {
        if let Some(array) = document.get(spec.name).and_then(|value| value.as_array()) {
            let pointer = format!("/{}", spec.name);
            sheets.tables.insert(
                spec.name,
                table::read_json_array(file, &pointer, array, errors),
            );
        }
    }
    if let Some(boms) = document.get("boms").and_then(|value| value.as_array()) {
        for (index, bom) in boms.iter().enumerate() {
            match sbom::read_bom_value(file, &format!("/boms/{index}"), bom) {
                Ok(bom) => sheets.boms.push(BomSource {
                    name: format!("boms/{index}"),
                    file: file.to_owned(),
                    bom,
                }),
                Err(read) => errors.absorb(read),
            }
        }
    }
    sheets
}

fn inventory_validator(errors: &mut Errors) -> Option<jsonschema::Validator> {
    let schema = serde_json::from_str(INVENTORY_SCHEMA).ok()?;
    match jsonschema::options().build(&schema) {
        Ok(validator) => Some(validator),
        Err(error) => {
            errors.push(InputError::new(
                Location::File {
                    file: "schema/inventory.schema.json".to_owned(),
                },
                "(schema)",
                "a valid JSON Schema (a defect in shinsa)",
                error.to_string(),
            ));
            None
        }
    }
}

/// A JSON Schema violation as an input error at the instance's pointer.
pub(crate) fn schema_error(
    file: &str,
    prefix: &str,
    error: &jsonschema::ValidationError<'_>,
) -> InputError {
    let pointer = format!("{prefix}{}", error.instance_path());
    let field = pointer
        .rsplit_once('/')
        .map_or(pointer.as_str(), |(_, field)| field);
    let instance = error.instance().to_string();
    let found: String = if instance.chars().count() > 80 {
        format!("{}…", instance.chars().take(80).collect::<String>())
    } else {
        instance
    };
    InputError::new(
        Location::Pointer {
            file: file.to_owned(),
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.clone()
            },
        },
        if field.is_empty() {
            "(document)"
        } else {
            field
        },
        format!(
            "a value valid against the schema: {}",
            schema_message(error)
        ),
        found,
    )
}

/// The library's message, cut short: it can repeat a long instance.
fn schema_message(error: &jsonschema::ValidationError<'_>) -> String {
    let message = error.to_string();
    if message.chars().count() > 160 {
        format!("{}…", message.chars().take(160).collect::<String>())
    } else {
        message
    }
}

/// Checks the sheets of any format and builds the inventory.
fn check(
    label: &str,
    sheets: Sheets,
    reference: &ReferenceData,
    day: Date,
    errors: &mut Errors,
    warnings: &mut Vec<String>,
) -> Option<Inventory> {
    let operator = match &sheets.operator {
        Some(row) => {
            table::check_row_fields(row, &OPERATOR, errors);
            check_operator(row, reference, day, errors)
        }
        // A file refused whole (not a register at all) already says why.
        None if errors.count() > 0 => None,
        None => {
            errors.push(InputError::new(
                Location::File {
                    file: label.to_owned(),
                },
                "operator",
                "an operator (operator.toml, an `operator` sheet or an `operator` object)",
                "none",
            ));
            None
        }
    };
    let empty = Table { rows: Vec::new() };
    let table = |name: &str| sheets.tables.get(name).unwrap_or(&empty);

    let parties = check_parties(table(PARTIES.name), errors);
    let party_ids: HashSet<&str> = parties.iter().map(|party| party.id.as_str()).collect();
    let party_ref = |text: String| {
        if party_ids.contains(text.as_str()) {
            PartyRef::Id(text)
        } else {
            PartyRef::Text(text)
        }
    };
    let ownership = check_ownership(table(OWNERSHIP.name), &party_ids, errors);
    let (mut assets, bom_files) =
        check_assets(table(ASSETS.name), reference, &party_ref, errors, warnings);
    let asset_ids: HashSet<String> = assets.iter().map(|asset| asset.id.clone()).collect();
    let contracts = check_contracts(table(CONTRACTS.name), &asset_ids, &party_ref, errors);
    let dataflows = check_dataflows(table(DATAFLOWS.name), &asset_ids, &party_ref, errors);

    for bom in &sheets.boms {
        let attached = bom_files.get(&bom.name).map(|(asset, _)| asset.clone());
        let components =
            sbom::components_for_assets(&bom.file, &bom.bom, attached, &assets, reference, errors);
        for mut component in components.into_iter().flatten() {
            if component.category_known {
                match normalise_category(reference, &component.category) {
                    Some(code) => component.category = code,
                    None => {
                        component.category_known = false;
                        warnings.push(format!(
                            "{}: category {:?} of component {} is not in the taxonomy; kept as written",
                            component.origin.as_deref().unwrap_or(&bom.file),
                            component.category,
                            component.id
                        ));
                    }
                }
            }
            assets.push(component);
        }
    }
    for (name, (_, row_location)) in &bom_files {
        if !sheets.boms.iter().any(|bom| &bom.name == name) {
            errors.push(InputError::new(
                row_location.clone(),
                "bom",
                "the name of a BOM file in the bundle folder (CycloneDX or SPDX)",
                format!("{name:?}, which is not there"),
            ));
        }
    }

    Some(Inventory {
        operator: operator?,
        parties,
        ownership,
        assets,
        contracts,
        dataflows,
        observed: shinsa_model::Observed::default(),
        vex: sheets.vex,
    })
}

/// The `identifiers` cell: `scheme:value` items. Values of the schemes
/// shinsa knows (LEI, 法人番号, USCC, D-U-N-S, ISIN) are normalised and their
/// check digits verified; other schemes are kept as written.
pub(crate) fn identifiers(row: &Row, errors: &mut Errors) -> Vec<Identifier> {
    let mut found = Vec::new();
    for text in row.list("identifiers") {
        let Some((scheme, value)) = text
            .split_once(':')
            .map(|(scheme, value)| (scheme.trim(), value.trim()))
            .filter(|(scheme, value)| !scheme.is_empty() && !value.is_empty())
        else {
            errors.push(InputError::new(
                row.location_of("identifiers"),
                "identifiers",
                "scheme:value, e.g. lei:5493001KJTIIGC8Y1R12 or jp_corp:7000012050002",
                format!("{text:?}"),
            ));
            continue;
        };
        match Scheme::parse(scheme) {
            Some(known) => match known.normalise(value) {
                Some(normalised) => found.push(Identifier {
                    scheme: known.as_str().to_owned(),
                    value: normalised,
                }),
                None => errors.push(InputError::new(
                    row.location_of("identifiers"),
                    "identifiers",
                    format!("{scheme}: {}", known.expected()),
                    format!("{value:?}"),
                )),
            },
            None => found.push(Identifier {
                scheme: scheme.to_ascii_lowercase(),
                value: value.to_owned(),
            }),
        }
    }
    found
}

fn country(row: &Row, field: &str, errors: &mut Errors) -> Option<CountryCode> {
    row.parse(
        field,
        errors,
        CountryCode::parse,
        "an ISO 3166-1 alpha-2 country code such as JP",
    )
}

fn boolean(row: &Row, field: &str, errors: &mut Errors) -> bool {
    row.parse(field, errors, parse_bool, "true/false, yes/no or 1/0")
        .unwrap_or(false)
}

fn date(row: &Row, field: &str, errors: &mut Errors) -> Option<Date> {
    row.parse(field, errors, parse_date, "a date as YYYY-MM-DD")
}

fn check_operator(
    row: &Row,
    reference: &ReferenceData,
    day: Date,
    errors: &mut Errors,
) -> Option<Operator> {
    let id = row.required("id", errors);
    let name = row.required("name", errors);
    let sector_text = row.required("sector", errors);
    let country = row.parse_required(
        "country",
        errors,
        CountryCode::parse,
        "an ISO 3166-1 alpha-2 country code such as JP",
    );
    let sector = sector_text.and_then(|text| match reference.find_sector(&text, day) {
        Some(sector) => Some(sector.code.clone()),
        None => {
            let mut known: Vec<&str> = reference
                .sectors
                .iter()
                .filter(|sector| sector.regime == "jp-espa" && sector.in_force(day))
                .map(|sector| sector.code.as_str())
                .collect();
            known.sort_unstable();
            errors.push(InputError::new(
                row.location_of("sector"),
                "sector",
                format!(
                    "a sector code or name in English or Japanese, e.g. {}",
                    known.join(", ")
                ),
                format!("{text:?}"),
            ));
            None
        }
    });
    // `licence = "ID"` is read as the licence id; `[licence]` with `id` and
    // `status` as both.
    let licence = row
        .text("licence_id")
        .or_else(|| row.text("licence"))
        .map(|id| Licence {
            id,
            status: row.text("licence_status"),
        });
    // `[network] internal = [...]` and `public = [...]`: address ranges.
    let ranges = |field: &str, errors: &mut Errors| -> Vec<String> {
        let Some(text) = row.text(field) else {
            return Vec::new();
        };
        match shinsa_model::Cidr::parse_list(&text) {
            Ok(ranges) => ranges.iter().map(ToString::to_string).collect(),
            Err((item, expected)) => {
                errors.push(InputError::new(
                    row.location_of(field),
                    field,
                    expected,
                    format!("{item:?}"),
                ));
                Vec::new()
            }
        }
    };
    let internal_networks = ranges("network_internal", errors);
    let public_networks = ranges("network_public", errors);
    Some(Operator {
        id: id?,
        name: name?,
        sector: sector?,
        country: country?,
        licence,
        regulator: row.text("regulator"),
        internal_networks,
        public_networks,
    })
}

/// Records an error for an id seen before; returns whether it is new.
fn unique_id(
    seen: &mut HashMap<String, Location>,
    row: &Row,
    id: &str,
    errors: &mut Errors,
) -> bool {
    if let Some(first) = seen.get(id) {
        errors.push(InputError::new(
            row.location_of("id"),
            "id",
            "an id not used before in this table",
            format!("{id:?}, already used at {first}"),
        ));
        return false;
    }
    seen.insert(id.to_owned(), row.location_of("id"));
    true
}

fn check_parties(table: &Table, errors: &mut Errors) -> Vec<Party> {
    let mut seen = HashMap::new();
    let mut parties = Vec::new();
    for row in &table.rows {
        let id = row.required("id", errors);
        let name = row.required("name", errors);
        let identifiers = identifiers(row, errors);
        let incorporated = country(row, "country", errors);
        let hq_country = country(row, "hq_country", errors);
        if let (Some(id), Some(name)) = (id, name)
            && unique_id(&mut seen, row, &id, errors)
        {
            parties.push(Party {
                id,
                name,
                aliases: row.list("aliases"),
                country: incorporated,
                hq_country,
                identifiers,
            });
        }
    }
    parties
}

fn check_ownership(table: &Table, parties: &HashSet<&str>, errors: &mut Errors) -> Vec<Ownership> {
    let mut holdings = Vec::new();
    for row in &table.rows {
        let mut party = |field: &str| {
            let id = row.required(field, errors)?;
            check_reference(
                row,
                field,
                &id,
                |id| parties.contains(id),
                "parties",
                errors,
            )
            .then_some(id)
        };
        let owner = party("owner");
        let owned = party("owned");
        let share = row.parse_required(
            "share_percent",
            errors,
            Percent::parse,
            "a percentage from 0 to 100",
        );
        let since = date(row, "since", errors);
        let until = date(row, "until", errors);
        if let (Some(since), Some(until)) = (since, until)
            && until < since
        {
            errors.push(InputError::new(
                row.location_of("until"),
                "until",
                format!("a date on or after since ({since})"),
                until.to_string(),
            ));
        }
        if let (Some(owner), Some(owned)) = (&owner, &owned)
            && owner == owned
        {
            errors.push(InputError::new(
                row.location_of("owned"),
                "owned",
                "a party other than the owner",
                format!("{owned:?}"),
            ));
            continue;
        }
        if let (Some(owner), Some(owned), Some(share)) = (owner, owned, share) {
            holdings.push(Ownership {
                owner,
                owned,
                share,
                since,
                until,
            });
        }
    }
    holdings
}

/// Normalises a category against the taxonomy by code or synonym.
fn normalise_category(reference: &ReferenceData, text: &str) -> Option<String> {
    let wanted = fold_category(text);
    reference
        .categories
        .iter()
        .find(|category| {
            fold_category(&category.code) == wanted
                || fold_category(&category.name_en) == wanted
                || fold_category(&category.name_ja) == wanted
                || category
                    .synonyms
                    .iter()
                    .any(|synonym| fold_category(synonym) == wanted)
        })
        .map(|category| category.code.clone())
}

fn fold_category(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// BOM file name → (the asset that names it, where it was named).
type BomFiles = BTreeMap<String, (String, Location)>;

fn check_assets(
    table: &Table,
    reference: &ReferenceData,
    party_ref: &impl Fn(String) -> PartyRef,
    errors: &mut Errors,
    warnings: &mut Vec<String>,
) -> (Vec<Asset>, BomFiles) {
    let mut seen = HashMap::new();
    let mut assets = Vec::new();
    let mut parents: Vec<(String, String, Location)> = Vec::new();
    let mut bom_files: BomFiles = BTreeMap::new();
    for row in &table.rows {
        let id = row.required("id", errors);
        let name = row.required("name", errors);
        let kind = row.parse_required(
            "kind",
            errors,
            |text| AssetKind::parse(text).ok_or(()),
            "one of equipment, program, component, service",
        );
        let category_text = row.required("category", errors);
        let critical = boolean(row, "critical", errors);
        let country_of_manufacture = country(row, "country_of_manufacture", errors);
        let (Some(id), Some(name), Some(kind), Some(category_text)) =
            (id, name, kind, category_text)
        else {
            continue;
        };
        if !unique_id(&mut seen, row, &id, errors) {
            continue;
        }
        let (category, category_known) = match normalise_category(reference, &category_text) {
            Some(code) => (code, true),
            None => {
                warnings.push(format!(
                    "{}: category {category_text:?} of asset {id} is not in the taxonomy; kept as written",
                    row.location_of("category")
                ));
                (category_text, false)
            }
        };
        if let Some(parent) = row.text("parent") {
            parents.push((id.clone(), parent, row.location_of("parent")));
        }
        // DESIGN.md calls the column `bom_for`; `bom` is accepted as well.
        if let Some(bom) = row.text("bom").or_else(|| row.text("bom_for")) {
            let field = if row.text("bom").is_some() {
                "bom"
            } else {
                "bom_for"
            };
            bom_files.insert(bom, (id.clone(), row.location_of(field)));
        }
        assets.push(Asset {
            id,
            name,
            kind,
            category,
            category_known,
            critical,
            parent: row.text("parent"),
            manufacturer: row.text("manufacturer").map(party_ref),
            supplier: row.text("supplier").map(party_ref),
            supplier_inferred_from: None,
            model: row.text("model"),
            version: row.text("version"),
            firmware: row.text("firmware"),
            purl: row.text("purl"),
            cpe: row.text("cpe"),
            country_of_manufacture,
            ip: row.text("ip"),
            mac: row.text("mac"),
            location: row.text("location"),
            status: row.text("status"),
            exceptions: row.list("exceptions"),
            origin: None,
        });
    }
    check_links(
        &parents,
        &seen,
        &LinkRule {
            field: "parent",
            target: "the id of another asset",
            missing: "which no asset has",
            acyclic: "a parent chain that ends (components form a tree)",
        },
        errors,
    );
    (assets, bom_files)
}

/// Records an error unless `id` (the value of `field`) is an id of `table`;
/// returns whether it is.
fn check_reference(
    row: &Row,
    field: &str,
    id: &str,
    known: impl Fn(&str) -> bool,
    table: &str,
    errors: &mut Errors,
) -> bool {
    let found = known(id);
    if !found {
        errors.push(InputError::new(
            row.location_of(field),
            field,
            format!("the id of a row of {table}"),
            format!("{id:?}, which no row of {table} has"),
        ));
    }
    found
}

/// How a table's rows point at their parents, for messages.
struct LinkRule {
    field: &'static str,
    target: &'static str,
    missing: &'static str,
    acyclic: &'static str,
}

/// Checks (child, parent, where) links: every parent exists, and no chain
/// of parents comes back to where it started.
fn check_links(
    links: &[(String, String, Location)],
    ids: &HashMap<String, Location>,
    rule: &LinkRule,
    errors: &mut Errors,
) {
    let parent_of: HashMap<&str, &str> = links
        .iter()
        .map(|(child, parent, _)| (child.as_str(), parent.as_str()))
        .collect();
    for (child, parent, location) in links {
        if !ids.contains_key(parent) {
            errors.push(InputError::new(
                location.clone(),
                rule.field,
                rule.target,
                format!("{parent:?}, {}", rule.missing),
            ));
        } else if reaches_itself(child, &parent_of) {
            errors.push(InputError::new(
                location.clone(),
                rule.field,
                rule.acyclic,
                format!("a cycle through {child:?}"),
            ));
        }
    }
}

/// Whether following `parent_of` from `start` comes back to `start`.
fn reaches_itself(start: &str, parent_of: &HashMap<&str, &str>) -> bool {
    let mut current = parent_of.get(start).copied();
    let mut steps = 0;
    while let Some(node) = current {
        if node == start {
            return true;
        }
        steps += 1;
        if steps > parent_of.len() {
            return false; // a cycle that does not include start; its members report it
        }
        current = parent_of.get(node).copied();
    }
    false
}

fn check_contracts(
    table: &Table,
    assets: &HashSet<String>,
    party_ref: &impl Fn(String) -> PartyRef,
    errors: &mut Errors,
) -> Vec<Contract> {
    let mut seen = HashMap::new();
    let mut contracts = Vec::new();
    let mut parents: Vec<(String, String, Location)> = Vec::new();
    for row in &table.rows {
        let id = row.required("id", errors);
        let contractor = row.required("contractor", errors);
        let scope = row.parse_required(
            "scope",
            errors,
            |text| ContractScope::parse(text).ok_or(()),
            "one of maintenance, management, operation, development, customer_data",
        );
        let asset = row.text("asset");
        if let Some(asset) = &asset {
            check_reference(
                row,
                "asset",
                asset,
                |id| assets.contains(id),
                "assets",
                errors,
            );
        }
        let work_country = country(row, "work_country", errors);
        let customer_data_access = boolean(row, "customer_data_access", errors);
        let (Some(id), Some(contractor), Some(scope)) = (id, contractor, scope) else {
            continue;
        };
        if !unique_id(&mut seen, row, &id, errors) {
            continue;
        }
        let parent_contract = row.text("parent_contract");
        if let Some(parent) = &parent_contract {
            parents.push((
                id.clone(),
                parent.clone(),
                row.location_of("parent_contract"),
            ));
        }
        contracts.push(Contract {
            id,
            asset,
            contractor: party_ref(contractor),
            scope,
            work_country,
            customer_data_access,
            parent_contract,
        });
    }
    check_links(
        &parents,
        &seen,
        &LinkRule {
            field: "parent_contract",
            target: "the id of another contract",
            missing: "which no contract has",
            acyclic: "a chain of subcontracts that ends at a contract of the operator",
        },
        errors,
    );
    contracts
}

fn check_dataflows(
    table: &Table,
    assets: &HashSet<String>,
    party_ref: &impl Fn(String) -> PartyRef,
    errors: &mut Errors,
) -> Vec<DataFlow> {
    let mut seen = HashMap::new();
    let mut flows = Vec::new();
    for row in &table.rows {
        let id = row.required("id", errors);
        let destination = row.required("destination", errors);
        let source_asset = row.text("source_asset");
        if let Some(source) = &source_asset {
            check_reference(
                row,
                "source_asset",
                source,
                |id| assets.contains(id),
                "assets",
                errors,
            );
        }
        let dc_country = country(row, "dc_country", errors);
        let (Some(id), Some(destination)) = (id, destination) else {
            continue;
        };
        if !unique_id(&mut seen, row, &id, errors) {
            continue;
        }
        flows.push(DataFlow {
            id,
            source_asset,
            destination,
            provider: row.text("provider").map(party_ref),
            dc_country,
            data_categories: row
                .list("data_categories")
                .into_iter()
                .map(|category| category.to_lowercase())
                .collect(),
            purpose: row.text("purpose"),
        });
    }
    flows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nname = \"東芝\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 13), (2, 8));
    }

    #[test]
    fn categories_match_codes_names_and_synonyms() {
        let reference = ReferenceData {
            categories: vec![shinsa_model::Category {
                code: "camera".into(),
                parent: None,
                name_en: "Camera".into(),
                name_ja: "カメラ".into(),
                synonyms: vec!["IP camera".into(), "監視カメラ".into()],
            }],
            ..ReferenceData::default()
        };
        for text in [
            "camera",
            "CAMERA",
            "ip_camera",
            "IP  Camera",
            "監視カメラ",
            "カメラ",
        ] {
            assert_eq!(
                normalise_category(&reference, text).as_deref(),
                Some("camera"),
                "{text}"
            );
        }
        assert_eq!(normalise_category(&reference, "toaster"), None);
    }
}

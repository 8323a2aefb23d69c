//! The three bundle formats carry the same register and give the same
//! findings; bad input in each is refused with its location, exit 2, and
//! nothing written.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const AS_OF: &str = "2026-11-27";
const TABLES: [&str; 5] = ["parties", "ownership", "assets", "contracts", "dataflows"];
const OPERATOR: [(&str, &str); 4] = [
    ("id", "JP-TEL-0007"),
    ("name", "北風テレコム株式会社"),
    ("sector", "telecommunications"),
    ("country", "jp"),
];

fn read_table(dir: &Path, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(dir.join(format!("{name}.csv")))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let header = reader
        .headers()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{e}"))
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

/// The fixture as one XLSX workbook, with typed cells where Excel has types.
fn write_workbook(dir: &Path, target: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("operator").unwrap_or_else(|e| panic!("{e}"));
    for (column, (key, value)) in OPERATOR.iter().enumerate() {
        sheet
            .write_string(0, column as u16, *key)
            .unwrap_or_else(|e| panic!("{e}"));
        sheet
            .write_string(1, column as u16, *value)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for name in TABLES {
        let (header, rows) = read_table(dir, name);
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap_or_else(|e| panic!("{e}"));
        for (column, title) in header.iter().enumerate() {
            sheet
                .write_string(0, column as u16, title)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for (index, row) in rows.iter().enumerate() {
            let row_number = index as u32 + 1;
            for (column, value) in row.iter().enumerate() {
                let column_number = column as u16;
                let result = match (header[column].as_str(), value.as_str()) {
                    ("share_percent", number) => sheet.write_number(
                        row_number,
                        column_number,
                        number.parse::<f64>().unwrap_or_else(|e| panic!("{e}")),
                    ),
                    ("since", day) if !day.is_empty() => {
                        let date = rust_xlsxwriter::ExcelDateTime::parse_from_str(day)
                            .unwrap_or_else(|e| panic!("{e}"));
                        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
                        sheet.write_datetime_with_format(row_number, column_number, &date, &format)
                    }
                    ("critical", "true") => sheet.write_boolean(row_number, column_number, true),
                    (_, "") => continue,
                    (_, text) => sheet.write_string(row_number, column_number, text),
                };
                result.unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
    workbook.save(target).unwrap_or_else(|e| panic!("{e}"));
}

/// The fixture as one JSON document following schema/inventory.schema.json.
fn document(dir: &Path) -> Value {
    let mut document = Map::new();
    let operator: Map<String, Value> = OPERATOR
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    document.insert("operator".into(), Value::Object(operator));
    for name in TABLES {
        let (header, rows) = read_table(dir, name);
        let items: Vec<Value> = rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (key, value) in header.iter().zip(row) {
                    if value.is_empty() {
                        continue;
                    }
                    let typed = match key.as_str() {
                        "aliases" | "identifiers" | "data_categories" => {
                            json!(value.split(';').collect::<Vec<_>>())
                        }
                        "critical" | "customer_data_access" => {
                            json!(matches!(value.as_str(), "true" | "yes" | "1"))
                        }
                        "share_percent" => json!(value.parse::<f64>().unwrap_or_default()),
                        _ => json!(value),
                    };
                    object.insert(key.clone(), typed);
                }
                Value::Object(object)
            })
            .collect();
        document.insert(name.into(), Value::Array(items));
    }
    Value::Object(document)
}

/// What must agree across formats: rule, subject, severity, explanation.
fn summary(path: &Path) -> BTreeSet<(String, String, String, String)> {
    let run = shinsa(&[
        "screen",
        path_str(path),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    findings(&run.json())
        .iter()
        .map(|f| {
            (
                f["rule"]["id"].to_string(),
                f["subject"]["id"].to_string(),
                f["severity"].to_string(),
                f["explanation"].to_string(),
            )
        })
        .collect()
}

#[test]
fn csv_xlsx_and_json_bundles_give_the_same_findings() {
    let dir = fixture("kitakaze-telecom");
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let workbook = scratch.path().join("register.xlsx");
    write_workbook(&dir, &workbook);
    let json_path = scratch.path().join("register.json");
    std::fs::write(&json_path, document(&dir).to_string()).unwrap_or_else(|e| panic!("{e}"));

    let from_csv = summary(&dir);
    assert!(from_csv.len() > 15, "{from_csv:?}");
    assert_eq!(summary(&workbook), from_csv, "XLSX differs from CSV");
    assert_eq!(summary(&json_path), from_csv, "JSON differs from CSV");
}

#[test]
fn bad_csv_is_refused_with_every_location_and_nothing_is_written() {
    let dir = copy_fixture("kitakaze-telecom");
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains(from), "{file} lacks {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
    };
    edit("assets.csv", "core network,yes,", "core network,maybe,");
    edit(
        "assets.csv",
        "ASR 9000,7.9,US,",
        "ASR 9000,7.9,United States,",
    );
    edit("contracts.csv", "false,K-2", "false,K-99");
    edit("parties.csv", "hq_country", "headquarters");
    let report = dir.path().join("report.json");
    let run = shinsa(&[
        "screen",
        path_str(dir.path()),
        "--format",
        "json",
        "--output",
        path_str(&report),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let base = path_str(dir.path()).to_owned();
    for expected in [
        format!(
            "{base}/assets.csv:4:5: field `critical`: expected true/false, yes/no or 1/0, found \"maybe\""
        ),
        format!(
            "{base}/assets.csv:7:11: field `country_of_manufacture`: expected an ISO 3166-1 alpha-2 country code such as JP, found \"United States\""
        ),
        format!(
            "{base}/contracts.csv:4:7: field `parent_contract`: expected the id of another contract, found \"K-99\", which no contract has"
        ),
        format!(
            "{base}/parties.csv:1:5: field `headquarters`: expected one of aliases, country, hq_country, id, identifiers, name (or a column prefixed x_), found unknown column \"headquarters\""
        ),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.starts_with("4 input errors:"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(!report.exists(), "nothing may be written on bad input");
}

#[test]
fn bad_xlsx_cells_are_named() {
    let dir = copy_fixture("kitakaze-telecom");
    let path = dir.path().join("assets.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &path,
        text.replacen("core network,yes,", "core network,maybe,", 1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let workbook = dir.path().join("bad.xlsx");
    write_workbook(dir.path(), &workbook);
    let run = shinsa(&["screen", path_str(&workbook)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let expected = format!(
        "{}[assets!E4]: field `critical`: expected true/false, yes/no or 1/0, found \"maybe\"",
        path_str(&workbook)
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn bad_json_is_refused_with_pointers() {
    let mut bad = document(&fixture("kitakaze-telecom"));
    bad["assets"][2]["critical"] = json!("maybe");
    bad["contracts"][0]["scope"] = json!("catering");
    bad["dataflows"][1]["colour"] = json!("red");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("bad.json");
    std::fs::write(&path, bad.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let run = shinsa(&["screen", path_str(&path)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let file = path_str(&path);
    for expected in [
        format!("{file}#/assets/2/critical: field `critical`"),
        format!("{file}#/contracts/0/scope: field `scope`"),
        format!("{file}#/dataflows/1: field `(document)`")
            .replace("field `(document)`", "field `1`"),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("\"maybe\""), "{}", run.stderr);

    std::fs::write(&path, "{\"operator\": {\n  \"id\": }").unwrap_or_else(|e| panic!("{e}"));
    let syntax = shinsa(&["screen", path_str(&path)]);
    assert_eq!(syntax.code, 2);
    assert!(
        syntax.stderr.contains(&format!(
            "{file}:2:9: field `(document)`: expected well-formed JSON"
        )),
        "{}",
        syntax.stderr
    );
}

#[test]
fn a_missing_bundle_is_bad_input() {
    let run = shinsa(&["screen", "/nonexistent/bundle.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/bundle.json"),
        "{}",
        run.stderr
    );
    let usage = shinsa(&["screen", "x", "--as-of", "yesterday"]);
    assert_eq!(usage.code, 2);
    assert!(
        usage.stderr.contains("expected a date as YYYY-MM-DD"),
        "{}",
        usage.stderr
    );
}

#[test]
fn lists_ls_shows_versions_and_hashes() {
    let run = shinsa(&["lists", "ls", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lists = run.json();
    let fcc = lists
        .as_array()
        .and_then(|all| all.iter().find(|l| l["id"] == "fcc-covered"))
        .unwrap_or_else(|| panic!("no fcc-covered in {lists}"));
    assert_eq!(fcc["legal_effect"], "procurement_ban");
    assert_eq!(fcc["sha256"].as_str().map(str::len), Some(64));
    assert!(fcc["entries"].as_u64().unwrap_or(0) >= 10, "{fcc}");
}

fn bom(subject: &str, components: Value) -> Value {
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "device", "bom-ref": subject, "name": subject}},
        "components": components,
    })
}

#[test]
fn a_bom_in_a_json_document_is_screened_and_its_errors_have_full_pointers() {
    let mut document = document(&fixture("kitakaze-telecom"));
    let quectel = json!([{
        "type": "device", "bom-ref": "q1", "name": "LTE failover module",
        "manufacturer": {"name": "Quectel Wireless Solutions", "address": {"country": "CN"}}
    }]);
    document["boms"] = json!([bom("FW-1", quectel)]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("with-bom.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let run = shinsa(&[
        "screen",
        path_str(&path),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = findings(&run.json());
    let component = finding(&findings, "JP-ESPA-002", "FW-1/q1");
    let why = evidence(component, "list_match")[0]["why"].to_string();
    assert!(why.contains("component of critical facility FW-1"), "{why}");

    // A component type the format does not know decides nothing shinsa
    // screens: a warning at its full pointer, an error under --strict-bom.
    document["boms"][0]["components"][0]["type"] = json!("gadget");
    std::fs::write(&path, document.to_string()).unwrap();
    let expected = format!(
        "{}#/boms/0/components/0/type: field `type`",
        path_str(&path)
    );
    let warned = shinsa(&["screen", path_str(&path), "--as-of", AS_OF]);
    assert_eq!(warned.code, 1, "{}", warned.stderr);
    assert!(warned.stderr.contains(&expected), "{}", warned.stderr);
    let bad = shinsa(&["screen", path_str(&path), "--strict-bom"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains(&expected), "{}", bad.stderr);
    // A component without a name is refused either way.
    document["boms"][0]["components"][0]
        .as_object_mut()
        .unwrap()
        .remove("name");
    std::fs::write(&path, document.to_string()).unwrap();
    let bad = shinsa(&["screen", path_str(&path)]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains(&format!("{}#/boms/0/components/0", path_str(&path))),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_bad_bom_file_in_a_folder_is_named_with_its_pointer() {
    let dir = copy_fixture("kitakaze-telecom");
    let mut bad = bom("FW-1", json!([]));
    bad["bomFormat"] = json!("SPDX");
    std::fs::write(dir.path().join("fw.cdx.json"), bad.to_string()).unwrap();
    let run = shinsa(&["screen", path_str(dir.path())]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let expected = format!(
        "{}/fw.cdx.json#/bomFormat: field `bomFormat`",
        path_str(dir.path())
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn operator_toml_errors_have_line_and_column() {
    let dir = copy_fixture("kitakaze-telecom");
    let operator = dir.path().join("operator.toml");
    let text = std::fs::read_to_string(&operator).unwrap();
    std::fs::write(
        &operator,
        text.replace("country = \"jp\"", "country = \"Japan\"\nsector_code = 3"),
    )
    .unwrap();
    let run = shinsa(&["screen", path_str(dir.path())]);
    assert_eq!(run.code, 2);
    let file = format!("{}/operator.toml", path_str(dir.path()));
    for expected in [
        format!(
            "{file}:6:11: field `country`: expected an ISO 3166-1 alpha-2 country code such as JP, found \"Japan\""
        ),
        format!("{file}:7:15: field `sector_code`"),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    std::fs::write(&operator, "id = \"X\"\nname = \n").unwrap();
    let syntax = shinsa(&["screen", path_str(dir.path())]);
    assert_eq!(syntax.code, 2);
    assert!(
        syntax.stderr.contains(&format!("{file}:2:")),
        "{}",
        syntax.stderr
    );
    assert!(
        syntax.stderr.contains("expected well-formed TOML"),
        "{}",
        syntax.stderr
    );
}

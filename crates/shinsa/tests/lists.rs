//! `shinsa lists import`, `lists ls`, `lists diff` and `match --lists` on
//! rows of the real OFAC files.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{about, copy_fixture, entry_ids, finding, findings, path_str, shinsa};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shinsa-ingest/tests/fixtures/lists")
        .join(name);
    path.display().to_string()
}

#[test]
fn imported_lists_are_saved_listed_and_matched() {
    let dir = tempfile::tempdir().unwrap();
    let lists_dir = dir.path().display().to_string();
    let run = shinsa(&[
        "lists",
        "import",
        "--lists-dir",
        &lists_dir,
        "--version",
        "2025-12-01",
        "--format",
        "json",
        &fixture("cons_prim.csv"),
        &fixture("cons_alt.csv"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let imported = run.json();
    assert_eq!(imported[0]["id"], "ofac-cons");
    assert_eq!(imported[0]["parties"], 4);
    assert_eq!(imported[0]["version"], "2025-12-01");

    let run = shinsa(&["lists", "ls", "--lists-dir", &lists_dir, "--format", "json"]);
    let listed = run.json();
    let cons = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|list| list["id"] == "ofac-cons")
        .expect("the imported list is listed");
    assert_eq!(cons["entries"], 4);
    assert_eq!(cons["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        cons["coverage"],
        "complete: the publisher's file as imported"
    );
    // Bundled lists say whether they are whole.
    let coverage = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|list| list["id"] == id)
            .map(|list| list["coverage"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert!(coverage("dod-1260h").starts_with("complete:"));
    assert!(coverage("bis-entity").starts_with("subset:"));
    let dod = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|list| list["id"] == "dod-1260h")
        .unwrap();
    assert_eq!(
        dod["entries"], 207,
        "188 listed on 2026-06-08 and 19 removals"
    );

    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--lists",
        "ofac-cons",
        "--format",
        "jsonl",
        "VTB Bank PJSC",
        "Cisco Systems",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["query"], "VTB Bank PJSC");
    assert_eq!(lines[0]["matches"][0]["entry_id"], "ofac-cons/17013");
    assert_eq!(lines[0]["matches"][0]["list"], "ofac-cons");
    assert!(lines[0]["matches"][0]["score"].as_f64().unwrap() >= 0.85);
    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--format",
        "json",
        "BM Bank JSC",
    ]);
    let bm = run.json();
    let why = bm[0]["matches"][0]["explanation"].to_string();
    assert!(
        why.contains("the list links it to VTB BANK PUBLIC JOINT STOCK COMPANY (ofac-cons/17013)"),
        "{why}"
    );
    assert_eq!(lines[1]["matches"].as_array().unwrap().len(), 0);

    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--lists",
        "no-such",
        "VTB",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no list \"no-such\""), "{}", run.stderr);
}

#[test]
fn a_bad_file_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lists_dir = dir.path().join("lists");
    let bad = dir.path().join("alt.csv");
    std::fs::write(&bad, "999,1,\"aka\",\"GHOST\",-0- \n").unwrap();
    let run = shinsa(&[
        "lists",
        "import",
        "--lists-dir",
        &lists_dir.display().to_string(),
        &fixture("sdn.csv"),
        &bad.display().to_string(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("alt.csv:1:1"), "{}", run.stderr);
    assert!(!lists_dir.exists(), "nothing was saved");
}

#[test]
fn diff_of_two_versions() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("sdn.csv");
    let text = std::fs::read_to_string(fixture("sdn.csv")).unwrap();
    std::fs::write(&newer, text.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap();
    let run = shinsa(&[
        "lists",
        "diff",
        &fixture("sdn.csv"),
        &newer.display().to_string(),
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("removed,36,AEROCARIBBEAN AIRLINES"),
        "{}",
        run.stdout
    );
}

/// OpenSanctions Ownership feeds the same 50 % arithmetic as a register's
/// own holdings: multiplied along a chain, summed over chains.
#[test]
fn ownership_published_with_a_list_gives_derived_hits() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.ftm.json");
    let lines = [
        r#"{"id": "p", "schema": "Company", "target": true, "properties": {"name": ["Northwind Listed Group"], "country": ["ru"]}}"#,
        r#"{"id": "c", "schema": "Company", "target": false, "properties": {"name": ["Kestrel Trading"], "country": ["hk"]}}"#,
        r#"{"id": "g", "schema": "Company", "target": false, "properties": {"name": ["Osprey Components"], "country": ["hk"]}}"#,
        r#"{"id": "h", "schema": "Company", "target": false, "properties": {"name": ["Heron Logistics"], "country": ["hk"]}}"#,
        r#"{"id": "o1", "schema": "Ownership", "properties": {"owner": ["p"], "asset": ["c"], "percentage": ["60"]}}"#,
        r#"{"id": "o2", "schema": "Ownership", "properties": {"owner": ["c"], "asset": ["g"], "percentage": ["80"]}}"#,
        r#"{"id": "o3", "schema": "Ownership", "properties": {"owner": ["c"], "asset": ["h"], "percentage": ["80"]}}"#,
        r#"{"id": "o4", "schema": "Ownership", "properties": {"owner": ["p"], "asset": ["h"], "percentage": ["30"]}}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let lists_dir = dir.path().join("lists").display().to_string();
    let run = shinsa(&[
        "lists",
        "import",
        "--lists-dir",
        &lists_dir,
        &file.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--lists",
        "opensanctions",
        "--format",
        "json",
        "Kestrel Trading Limited",
        "Osprey Components",
        "Heron Logistics",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results = run.json();
    let entries = |at: usize| entry_ids(&results[at]);
    // 60 %: controlled, with the path.
    assert_eq!(entries(0), ["opensanctions/p"]);
    let why = results[0]["matches"][0]["explanation"].to_string();
    assert!(why.contains("Northwind Listed Group (60%)"), "{why}");
    // 60 % × 80 % = 48 %: not controlled.
    assert!(entries(1).is_empty(), "{:?}", entries(1));
    // 30 % + 48 % = 78 %: controlled.
    assert_eq!(entries(2), ["opensanctions/p"]);
    assert!(
        results[2]["matches"][0]["explanation"]
            .to_string()
            .contains("78%")
    );

    // The same name in another country than the list's is weaker evidence.
    let queries = dir.path().join("queries.csv");
    std::fs::write(
        &queries,
        "name,country\nNorthwind Listed Group,RU\nNorthwind Listed Group,JP\n",
    )
    .unwrap();
    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--lists",
        "opensanctions",
        "--format",
        "json",
        "--input",
        &queries.display().to_string(),
    ]);
    let results = run.json();
    assert_eq!(results[0]["matches"][0]["score"], 1.0);
    assert_eq!(results[1]["matches"][0]["score"], 0.9);
    let why = results[1]["matches"][0]["explanation"].to_string();
    assert!(
        why.contains("other country: the register gives JP, the list RU"),
        "{why}"
    );
}

/// An identifier of a listed party decides before names: it matches under
/// any name, and one of the same scheme that differs outweighs the name.
#[test]
fn identifiers_from_list_remarks_decide() {
    let dir = tempfile::tempdir().unwrap();
    let lists_dir = dir.path().join("lists").display().to_string();
    let run = shinsa(&[
        "lists",
        "import",
        "--lists-dir",
        &lists_dir,
        &fixture("cons_prim.csv"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let queries = dir.path().join("queries.csv");
    std::fs::write(
        &queries,
        "name,identifiers\n\
         Westlake Camera Works,cn_uscc:91330000733796106P\n\
         Hangzhou Hikvision Digital Technology Co Ltd,cn_uscc:914403001922038216\n",
    )
    .unwrap();
    let run = shinsa(&[
        "match",
        "--lists-dir",
        &lists_dir,
        "--lists",
        "ofac-cons",
        "--format",
        "json",
        "--input",
        &queries.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results = run.json();
    let entries = |at: usize| entry_ids(&results[at]);
    assert_eq!(entries(0), ["ofac-cons/30946"], "the USCC of Hikvision");
    assert!(
        results[0]["matches"][0]["explanation"]
            .to_string()
            .contains("identifier cn_uscc:91330000733796106P")
    );
    // Hikvision's name with Huawei's USCC: Huawei by identifier, not Hikvision.
    assert_eq!(entries(1), ["ofac-cons/30947"]);
}

/// Japan's own lists, imported from the ministries' workbooks, decide in
/// the Japan pack: a supplier under the MOF asset freeze is prohibited
/// (JP-ESPA-028), a maker on METI's End User List in a critical facility
/// is reviewed (JP-ESPA-030). The workbooks are the real files.
#[test]
fn japans_lists_decide_in_the_japan_pack() {
    let workbook = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shinsa-ingest/tests/fixtures/lists/jp")
            .join(name)
            .display()
            .to_string()
    };
    let lists = tempfile::tempdir().unwrap();
    let lists_dir = lists.path().display().to_string();
    let run = shinsa(&[
        "lists",
        "import",
        "--lists-dir",
        &lists_dir,
        &workbook("shisantouketsu20260305.xlsx"),
        &workbook("20250929_4.xlsx"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let register = copy_fixture("kitakaze-telecom");
    let assets = register.path().join("assets.csv");
    let text = std::fs::read_to_string(&assets).unwrap();
    let text = text
        .replace(
            "BSC-1,基地局制御装置,equipment,core network,yes,,NEC,NEC,",
            "BSC-1,基地局制御装置,equipment,core network,yes,,NEC,MESBAH ENERGY COMPANY,",
        )
        .replace(
            "BS-2,基地局 (gNodeB) 2,equipment,gNodeB,yes,,Cisco Systems,KE,",
            "BS-2,基地局 (gNodeB) 2,equipment,gNodeB,yes,,Candid General Trading LLC,KE,",
        );
    std::fs::write(&assets, text).unwrap();
    let run = shinsa(&[
        "screen",
        path_str(register.path()),
        "--lists-dir",
        &lists_dir,
        "--as-of",
        "2026-11-27",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = findings(&run.json());
    let frozen = finding(&found, "JP-ESPA-028", "BSC-1");
    assert_eq!(frozen["severity"], "prohibited");
    assert!(
        frozen["rule"]["legal_basis"]
            .as_str()
            .unwrap()
            .contains("外為法")
    );
    let listed = frozen.to_string();
    assert!(listed.contains("jp-mof"), "{listed}");
    let eul = finding(&found, "JP-ESPA-030", "BS-2");
    assert_eq!(eul["severity"], "review");
    assert!(eul.to_string().contains("jp-meti-eul"));
    // An End User List maker is not barred: no prohibition on it from these
    // rules.
    assert!(
        about(&found, "BS-2")
            .iter()
            .all(|f| f["rule"]["id"] != "JP-ESPA-028"),
    );
}

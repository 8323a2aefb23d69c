//! Registry identifiers: checked on input, decisive in matching.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn bundle(parties: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("operator.toml"),
        "id = \"T\"\nname = \"Test Power\"\nsector = \"electricity\"\ncountry = \"JP\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("parties.csv"), parties).unwrap();
    std::fs::write(
        dir.path().join("assets.csv"),
        "id,name,kind,category,critical,manufacturer,country_of_manufacture\n\
         R1,core router,equipment,router,true,P1,JP\n",
    )
    .unwrap();
    dir
}

/// Screens the bundle as of 2026-11-27; its JSON report.
fn report(dir: &tempfile::TempDir) -> serde_json::Value {
    let run = shinsa(&[
        "screen",
        path_str(dir.path()),
        "--as-of",
        "2026-11-27",
        "--format",
        "json",
    ]);
    assert!(run.code < 2, "{}", run.stderr);
    run.json()
}

fn rules(dir: &tempfile::TempDir) -> Vec<String> {
    findings(&report(dir))
        .iter()
        .map(|f| f["rule"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_identifier_match_wins_over_an_unknown_name() {
    // Huawei's unified social credit code under a name nobody lists.
    let dir = bundle(
        "id,name,country,identifiers\nP1,Sea Dragon Trading,JP,cn_uscc:914403001922038216\n",
    );
    let findings = findings(&report(&dir));
    let prohibited = finding(&findings, "JP-ESPA-001", "R1");
    let why = evidence(prohibited, "list_match")[0]["why"].to_string();
    assert!(
        why.contains("identifier cn_uscc:914403001922038216 is that of"),
        "{why}"
    );
}

#[test]
fn a_conflicting_identifier_weakens_a_name_match() {
    let same_name =
        bundle("id,name,country,identifiers\nP1,\"Huawei Technologies Co., Ltd.\",JP,\n");
    assert!(rules(&same_name).contains(&"JP-ESPA-001".to_owned()));
    // The same name with another company's valid code (GB 32100's example).
    let other_code = bundle(
        "id,name,country,identifiers\nP1,\"Huawei Technologies Co., Ltd.\",JP,cn_uscc:91350100M000100Y43\n",
    );
    assert!(rules(&other_code).is_empty(), "{:?}", rules(&other_code));
}

#[test]
fn a_bad_check_digit_is_an_input_error() {
    let dir = bundle(
        "id,name,country,identifiers\nP1,Some Maker,JP,jp_corp:8000012050002;lei:5493001KJTIIGC8Y1R12\n",
    );
    let run = shinsa(&["screen", path_str(dir.path())]);
    assert_eq!(run.code, 2);
    let expected = format!(
        "{}/parties.csv:2:4: field `identifiers`: expected jp_corp: a 13-digit corporate number (法人番号) with a valid check digit, found \"8000012050002\"",
        path_str(dir.path())
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("1 input error:"),
        "the valid LEI passes: {}",
        run.stderr
    );
}

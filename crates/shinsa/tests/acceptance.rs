//! The spine's acceptance: a register written apart from the demo, with each
//! vendor, ownership, contract and data-location case the issue names, and
//! clean controls that must get nothing above a notice.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

const AS_OF: &str = "2026-11-27";

fn screen_fixture(day: &str) -> Vec<Value> {
    let path = fixture("kitakaze-telecom");
    let run = shinsa(&[
        "screen",
        path_str(&path),
        "--as-of",
        day,
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code, 1,
        "findings at review or above exit 1; stderr: {}",
        run.stderr
    );
    findings(&run.json())
}

fn list_ids(finding: &Value) -> Vec<String> {
    evidence(finding, "list_match")
        .iter()
        .map(|item| item["list"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn huawei_in_a_critical_facility_is_prohibited_with_the_list_entry() {
    let findings = screen_fixture(AS_OF);
    let found = finding(&findings, "JP-ESPA-001", "BS-1");
    assert_eq!(found["severity"], "prohibited");
    let fcc = evidence(found, "list_match")
        .into_iter()
        .find(|item| item["entry"] == "fcc-covered/huawei")
        .unwrap_or_else(|| panic!("no FCC evidence in {found}"));
    assert_eq!(fcc["role"], "manufacturer");
    assert_eq!(fcc["score"], 1.0);
    assert!(
        fcc["citation"]
            .as_str()
            .unwrap_or_default()
            .contains("47 CFR 1.50002")
    );
    assert!(
        found["rule"]["legal_basis"]
            .as_str()
            .unwrap_or_default()
            .contains("ESPA Art. 52"),
        "{found}"
    );
}

#[test]
fn zte_through_its_japanese_subsidiary_is_found_with_the_path() {
    let findings = screen_fixture(AS_OF);
    let found = finding(&findings, "JP-ESPA-001", "OLT-9");
    let matches = evidence(found, "list_match");
    assert!(
        matches
            .iter()
            .any(|m| m["entry"] == "fcc-covered/zte" && m["through"] == "ZTE Corporation"),
        "{found}"
    );
    let path = &evidence(found, "ownership")[0]["path"];
    assert_eq!(path[0], "ZTE Japan K.K.");
    assert_eq!(path[1], "ZTE Corporation (100%)");
}

#[test]
fn kaspersky_through_its_japanese_subsidiary_is_a_review() {
    let findings = screen_fixture(AS_OF);
    let found = finding(&findings, "JP-ESPA-003", "AV-1");
    assert_eq!(found["severity"], "review");
    assert!(
        list_ids(found).contains(&"fcc-covered".to_owned()),
        "{found}"
    );
    assert!(
        evidence(found, "list_match")
            .iter()
            .any(|m| m["through"] == "AO Kaspersky Lab"),
        "{found}"
    );
}

#[test]
fn a_supplier_60_percent_owned_by_a_listed_parent_is_found_with_the_path() {
    let findings = screen_fixture(AS_OF);
    let found = finding(&findings, "JP-ESPA-001", "RT-1");
    let ownership = evidence(found, "ownership");
    assert_eq!(ownership.len(), 1, "{found}");
    assert_eq!(ownership[0]["effective_share"], 60.0);
    assert_eq!(
        ownership[0]["path"][0],
        "Tokai Network Distribution Co., Ltd."
    );
    assert_eq!(
        ownership[0]["path"][1],
        "Hangzhou Hikvision Digital Technology Co., Ltd. (60%)"
    );
    let supplier = evidence(found, "list_match");
    assert!(supplier.iter().all(|m| m["role"] == "supplier"), "{found}");
}

#[test]
fn hikvision_hytera_and_dji_by_free_text_are_reviews() {
    let findings = screen_fixture(AS_OF);
    for (subject, entry) in [
        ("CAM-1", "fcc-covered/hikvision"),
        ("RAD-1", "fcc-covered/hytera"),
        ("DR-1", "fcc-covered/dji"),
    ] {
        let found = finding(&findings, "JP-ESPA-003", subject);
        assert_eq!(found["severity"], "review");
        let matched = evidence(found, "list_match")
            .into_iter()
            .find(|m| m["entry"] == entry)
            .unwrap_or_else(|| panic!("{subject}: no {entry} in {found}"));
        let why = matched["why"].to_string();
        assert!(why.contains("identity table"), "{subject}: {why}");
    }
    // Hytera is covered only for public-safety and critical-infrastructure
    // use; the evidence says why this use counts.
    let radio = finding(&findings, "JP-ESPA-003", "RAD-1");
    let why = evidence(radio, "list_match")[0]["why"].to_string();
    assert!(why.contains("use restriction met"), "{why}");
}

#[test]
fn a_foreign_drone_is_also_a_notice_and_a_japanese_drone_is_clean() {
    let findings = screen_fixture(AS_OF);
    let notice = finding(&findings, "JP-ESPA-013", "DR-1");
    assert_eq!(notice["severity"], "notice");
    assert!(
        about(&findings, "DR-2").is_empty(),
        "{:?}",
        about(&findings, "DR-2")
    );
}

#[test]
fn a_quectel_component_of_a_critical_facility_is_found() {
    let findings = screen_fixture(AS_OF);
    let listed = finding(&findings, "JP-ESPA-002", "MOD-1");
    assert!(
        list_ids(listed).contains(&"dod-1260h".to_owned()),
        "{listed}"
    );
    let facts = evidence(listed, "list_match")[0]["why"].to_string();
    assert!(
        facts.contains("component of critical facility BSC-1"),
        "{facts}"
    );
    let country = finding(&findings, "JP-ESPA-004", "MOD-1");
    assert!(
        evidence(country, "country")
            .iter()
            .any(|c| c["country"] == "CN" && c["groups"][0] == "foreign-adversary"),
        "{country}"
    );
}

#[test]
fn contractors_subcontractors_and_data_abroad_are_reviews() {
    let findings = screen_fixture(AS_OF);
    let contractor = finding(&findings, "JP-ESPA-007", "K-1");
    assert_eq!(contractor["severity"], "review");
    let sub = finding(&findings, "JP-ESPA-011", "K-3");
    let chain = &evidence(sub, "contract_chain")[0]["path"];
    assert_eq!(chain[1], "K-2: Kitakaze Engineering K.K., works in JP");
    assert_eq!(chain[2], "K-3: Bangalore NetOps Pvt. Ltd., works in IN");
    let backup = finding(&findings, "JP-ESPA-005", "D-1");
    let flow = &evidence(backup, "flow")[0];
    assert_eq!(flow["country"], "US");
    assert_eq!(flow["provider"], "Amazon Web Services, Inc.");
}

#[test]
fn clean_controls_get_nothing_above_a_notice() {
    let findings = screen_fixture(AS_OF);
    for control in [
        "BS-2", "BSC-1", "RT-2", "FW-1", "CAM-2", "DR-2", "CRM-1", "K-2", "K-4", "K-5", "D-2",
    ] {
        let above: Vec<_> = about(&findings, control)
            .into_iter()
            .filter(|f| f["severity"] != "notice")
            .collect();
        assert!(above.is_empty(), "{control}: {above:?}");
    }
}

#[test]
fn findings_record_their_provenance() {
    let findings = screen_fixture(AS_OF);
    let provenance = &findings[0]["provenance"];
    assert_eq!(provenance["input_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(provenance["as_of"], AS_OF);
    assert!(
        provenance["policy"]
            .as_str()
            .unwrap_or_default()
            .starts_with("jp-espa@1.3.0+")
    );
    assert!(
        provenance["software"]
            .as_str()
            .unwrap_or_default()
            .starts_with("shinsa ")
    );
    assert!(
        provenance["lists"]["fcc-covered"]
            .as_str()
            .unwrap_or_default()
            .contains("sha256:"),
        "{provenance}"
    );
}

#[test]
fn the_as_of_day_decides_which_entries_apply() {
    // Before 2020-12-18 DJI was on no bundled list: the drone is a notice only.
    let early = screen_fixture("2020-06-01");
    let drone: Vec<_> = about(&early, "DR-1")
        .iter()
        .map(|f| f["rule"]["id"].clone())
        .collect();
    assert_eq!(drone, vec![Value::from("JP-ESPA-013")], "{drone:?}");
    // Between the Entity List (2020-12-18) and the FCC entry (2025-12-22).
    let middle = screen_fixture("2021-06-01");
    let lists = list_ids(finding(&middle, "JP-ESPA-003", "DR-1"));
    assert!(lists.contains(&"bis-entity".to_owned()), "{lists:?}");
    assert!(!lists.contains(&"fcc-covered".to_owned()), "{lists:?}");
    // Hytera's entries cover only public-safety and critical-infrastructure
    // use; before ESPA's sectors were in force (2023-11-17) the operator was
    // not designated, and its non-critical radio is outside the scope.
    let undesignated = screen_fixture("2023-06-01");
    assert!(
        about(&undesignated, "RAD-1").is_empty(),
        "{:?}",
        about(&undesignated, "RAD-1")
    );
    // The 60 % holding starts on 2020-01-01.
    let before_holding = screen_fixture("2019-12-31");
    assert!(about(&before_holding, "RT-1").is_empty());
}

#[test]
fn fail_on_sets_the_exit_code() {
    let path = fixture("kitakaze-telecom");
    let base = [
        "screen",
        path_str(&path),
        "--as-of",
        AS_OF,
        "--format",
        "csv",
    ];
    let with = |fail_on: &str| {
        let mut args = base.to_vec();
        args.extend(["--fail-on", fail_on]);
        shinsa(&args).code
    };
    assert_eq!(with("prohibited"), 1);
    assert_eq!(with("never"), 0);
    let before_any_list = shinsa(&[
        "screen",
        path_str(&path),
        "--as-of",
        "2015-01-01",
        "--fail-on",
        "prohibited",
    ]);
    // In 2015 no bundled list had an entry yet: nothing is prohibited.
    assert_eq!(before_any_list.code, 0, "{}", before_any_list.stdout);
}

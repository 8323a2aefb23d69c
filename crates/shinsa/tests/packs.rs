//! A pack other than the default, given with `--pack DIR`: its rules run,
//! its evidence kinds are honoured, and a broken pack is refused.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::path::Path;

/// Deletes the rule with `@id(id)` from a pack folder's policies.
fn remove_rule(pack: &Path, id: &str) {
    let policies = pack.join("policies.cedar");
    let text = std::fs::read_to_string(&policies).unwrap();
    let start = text.find(&format!("@id(\"{id}\")")).unwrap();
    let end = start + text[start..].find("};").unwrap() + 2;
    std::fs::write(&policies, format!("{}{}", &text[..start], &text[end..])).unwrap();
}

/// The default pack plus one notice on the FCC's categorical entries.
fn pack_with_categorical_rule() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/jp-espa");
    for file in ["pack.toml", "schema.cedarschema", "policies.cedar"] {
        std::fs::copy(source.join(file), dir.path().join(file)).unwrap();
    }
    let mut policies = std::fs::read_to_string(dir.path().join("policies.cedar")).unwrap();
    policies.push_str(
        r#"
@id("TEST-CAT-1")
@severity("notice")
@title("Covered by an FCC categorical entry")
@title_ja("FCC包括指定")
@legal_basis("47 CFR 1.50002")
@evidence("categorical")
forbid (principal, action == Shinsa::Action::"procure_without_notice", resource is Shinsa::Asset)
when { resource.categorical_lists.contains(Shinsa::List::"fcc-covered") };
"#,
    );
    std::fs::write(dir.path().join("policies.cedar"), policies).unwrap();
    dir
}

fn screen(bundle: &Path, pack: &Path, day: &str) -> Vec<serde_json::Value> {
    let run = shinsa(&[
        "screen",
        path_str(bundle),
        "--pack",
        path_str(pack),
        "--as-of",
        day,
        "--format",
        "json",
    ]);
    assert!(run.code < 2, "{}", run.stderr);
    let report = run.json();
    assert!(
        report["provenance"]["policy"]
            .as_str()
            .unwrap()
            .starts_with("jp-espa@1.3.0+"),
        "{}",
        report["provenance"]
    );
    findings(&report)
}

#[test]
fn a_categorical_rule_sees_foreign_drones_and_honours_claimed_exceptions() {
    let pack = pack_with_categorical_rule();
    let bundle = copy_fixture("kitakaze-telecom");
    let findings = screen(bundle.path(), pack.path(), "2026-11-27");
    // The Japanese drone is "produced in a foreign country" for the FCC.
    let japanese = finding(&findings, "TEST-CAT-1", "DR-2");
    let hit = &evidence(japanese, "categorical")[0];
    assert_eq!(hit["entry"], "fcc-covered/foreign-uas");
    assert_eq!(hit["why"], "drone produced in JP, outside US");
    // The entry starts on 2025-12-22.
    let before = screen(bundle.path(), pack.path(), "2025-12-21");
    assert!(about(&before, "DR-2").is_empty());

    // Claiming the Blue UAS exception holds until 2028-01-01.
    let assets = bundle.path().join("assets.csv");
    let text = std::fs::read_to_string(&assets).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[0].push_str(",exceptions");
    for line in lines.iter_mut().skip(1) {
        line.push_str(if line.starts_with("DR-2,") {
            ",blue-uas"
        } else {
            ","
        });
    }
    std::fs::write(&assets, lines.join("\n")).unwrap();
    let claimed = screen(bundle.path(), pack.path(), "2026-11-27");
    assert!(
        about(&claimed, "DR-2").is_empty(),
        "{:?}",
        about(&claimed, "DR-2")
    );
    let expired = screen(bundle.path(), pack.path(), "2028-01-01");
    finding(&expired, "TEST-CAT-1", "DR-2");
}

#[test]
fn a_pack_that_does_not_validate_is_refused_with_its_file() {
    let pack = pack_with_categorical_rule();
    let policies = pack.path().join("policies.cedar");
    let text = std::fs::read_to_string(&policies).unwrap();
    std::fs::write(
        &policies,
        text.replace("categorical_lists.contains", "categorical_list.contains"),
    )
    .unwrap();
    let bundle = fixture("kitakaze-telecom");
    let run = shinsa(&["screen", path_str(&bundle), "--pack", path_str(pack.path())]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("policies.cedar"), "{}", run.stderr);
    assert!(run.stderr.contains("categorical_list"), "{}", run.stderr);
}

#[test]
fn export_then_validate_then_break_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-pack");
    let export = shinsa(&["policy", "export", path_str(&pack)]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let valid = shinsa(&["policy", "validate", path_str(&pack)]);
    assert_eq!(valid.code, 0, "{}", valid.stderr);
    assert!(valid.stdout.contains("valid, 36 rules"), "{}", valid.stdout);
    assert!(
        valid
            .stdout
            .contains("JP-ESPA-001  prohibited Vendor barred"),
        "{}",
        valid.stdout
    );

    let again = shinsa(&["policy", "export", path_str(&pack)]);
    assert_eq!(again.code, 2, "export never overwrites: {}", again.stderr);

    let policies = pack.join("policies.cedar");
    let text = std::fs::read_to_string(&policies).unwrap();
    let broken = text.replacen("@severity(\"review\")", "@severity(\"urgent\")", 1);
    std::fs::write(&policies, &broken).unwrap();
    let line = broken
        .lines()
        .position(|line| line.contains("@id(\"JP-ESPA-002\")"))
        .map(|index| index + 1)
        .unwrap();
    let invalid = shinsa(&["policy", "validate", path_str(&pack)]);
    assert_eq!(invalid.code, 2);
    let expected = format!(
        "{}:{line}:1: JP-ESPA-002: @severity must be prohibited, review or notice, found \"urgent\"",
        path_str(&policies)
    );
    assert!(invalid.stderr.contains(&expected), "{}", invalid.stderr);
}

#[test]
fn diff_and_impact_show_exactly_what_a_change_does() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("changed");
    assert_eq!(shinsa(&["policy", "export", path_str(&pack)]).code, 0);
    // Remove the drone notice; let the subcontract notice cover critical work too.
    remove_rule(&pack, "JP-ESPA-013");
    let policies = pack.join("policies.cedar");
    let text = std::fs::read_to_string(&policies).unwrap();
    let changed = text.replace(
        "resource.subcontract && !resource.critical &&",
        "resource.subcontract &&",
    );
    std::fs::write(&policies, changed).unwrap();

    let diff = shinsa(&[
        "policy",
        "diff",
        "default",
        path_str(&pack),
        "--format",
        "json",
    ]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let diff = diff.json();
    assert_eq!(diff["removed"], serde_json::json!(["JP-ESPA-013"]));
    assert_eq!(diff["changed"], serde_json::json!(["JP-ESPA-012"]));
    assert_eq!(diff["added"], serde_json::json!([]));
    assert_eq!(diff["schema_changed"], false);

    let register = fixture("kitakaze-telecom");
    let impact = shinsa(&[
        "policy",
        "impact",
        "--baseline",
        "default",
        "--pack",
        path_str(&pack),
        path_str(&register),
        "--as-of",
        "2026-11-27",
        "--format",
        "json",
    ]);
    assert_eq!(impact.code, 0, "{}", impact.stderr);
    let impact = &impact.json()[0];
    let keys = |side: &str| -> Vec<(String, String)> {
        impact[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["rule"].as_str().unwrap().to_owned(),
                    k["subject_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        keys("disappear"),
        [("JP-ESPA-013".to_owned(), "DR-1".to_owned())]
    );
    assert_eq!(
        keys("appear"),
        [("JP-ESPA-012".to_owned(), "K-3".to_owned())]
    );
    assert!(impact["unchanged"].as_u64().unwrap() > 15, "{impact}");
}

#[test]
fn policy_test_passes_on_the_default_pack_and_fails_on_a_broken_expectation_or_rule() {
    let bundled = shinsa(&["policy", "test"]);
    assert_eq!(bundled.code, 0, "{}{}", bundled.stdout, bundled.stderr);
    for test in [
        "ok   jp-espa/core",
        "ok   us/grid",
        "ok   us/grid-2027",
        "ok   generic/plant",
    ] {
        assert!(bundled.stdout.contains(test), "{}", bundled.stdout);
    }

    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("p");
    assert_eq!(shinsa(&["policy", "export", path_str(&pack)]).code, 0);
    let exported = shinsa(&["policy", "test", path_str(&pack)]);
    assert_eq!(exported.code, 0, "{}{}", exported.stdout, exported.stderr);

    // A wrong expectation.
    let test_file = pack.join("tests/core.toml");
    let original = std::fs::read_to_string(&test_file).unwrap();
    let wrong = original.replacen(
        "subject = \"asset:CISCO\"\nseverity = \"clear\"",
        "subject = \"asset:CISCO\"\nseverity = \"review\"",
        1,
    );
    assert_ne!(wrong, original);
    std::fs::write(&test_file, &wrong).unwrap();
    let failing = shinsa(&["policy", "test", path_str(&pack)]);
    assert_eq!(failing.code, 1, "{}", failing.stdout);
    assert!(failing.stdout.contains("FAIL core"), "{}", failing.stdout);
    assert!(
        failing
            .stdout
            .contains("asset:CISCO: expected review, found clear"),
        "{}",
        failing.stdout
    );
    std::fs::write(&test_file, &original).unwrap();

    // A rule removed from the pack.
    remove_rule(&pack, "JP-ESPA-013");
    let broken = shinsa(&["policy", "test", path_str(&pack)]);
    assert_eq!(broken.code, 1, "{}", broken.stdout);
    assert!(
        broken.stdout.contains(
            "asset:DRONE-CN: expected rules [JP-ESPA-003, JP-ESPA-013], fired [JP-ESPA-003]"
        ),
        "{}",
        broken.stdout
    );
}

#[test]
fn explain_says_for_every_rule_whether_it_fired_and_why() {
    let register = fixture("kitakaze-telecom");
    let run = shinsa(&[
        "policy",
        "explain",
        path_str(&register),
        "--subject",
        "contract:K-3",
        "--as-of",
        "2026-11-27",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let explanation = run.json();
    let rules = explanation["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 36, "every rule is considered");
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(rule("JP-ESPA-011")["fired"], true);
    assert!(
        rule("JP-ESPA-011")["reason"]
            .as_str()
            .unwrap()
            .contains("works in IN")
    );
    assert_eq!(rule("JP-ESPA-007")["fired"], false);
    assert_eq!(rule("JP-ESPA-007")["applies"], true);
    assert!(
        rule("JP-ESPA-007")["reason"]
            .as_str()
            .unwrap()
            .contains("condition is false")
    );
    assert_eq!(rule("JP-ESPA-001")["applies"], false);
    assert_eq!(explanation["entity"]["attrs"]["subcontract"], true);

    let missing = shinsa(&[
        "policy",
        "explain",
        path_str(&register),
        "--subject",
        "asset:NOPE",
    ]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("the register has no asset:NOPE"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_signed_pack_verifies_until_a_rule_changes() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    let key = dir.path().join("regulator.key");
    assert_eq!(shinsa(&["policy", "export", path_str(&pack)]).code, 0);
    let unsigned = shinsa(&["policy", "verify", path_str(&pack)]);
    assert_eq!(unsigned.code, 2, "{}", unsigned.stderr);

    let keygen = shinsa(&["policy", "keygen", path_str(&key)]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let public = keygen.stdout.trim().to_owned();
    assert_eq!(public.len(), 64);
    assert_eq!(
        shinsa(&["policy", "keygen", path_str(&key)]).code,
        2,
        "a key is never overwritten"
    );
    assert_eq!(
        shinsa(&["policy", "sign", path_str(&pack), "--key", path_str(&key)]).code,
        0
    );

    let trusted = shinsa(&["policy", "verify", path_str(&pack), "--trust", &public]);
    assert_eq!(trusted.code, 0, "{}", trusted.stderr);
    assert!(
        trusted
            .stdout
            .starts_with("signature holds: jp-espa@1.3.0+"),
        "{}",
        trusted.stdout
    );
    let stranger = shinsa(&[
        "policy",
        "verify",
        path_str(&pack),
        "--trust",
        &"ab".repeat(32),
    ]);
    assert_eq!(stranger.code, 1);
    assert!(
        stranger.stderr.contains("not a trusted key"),
        "{}",
        stranger.stderr
    );

    let policies = pack.join("policies.cedar");
    let text = std::fs::read_to_string(&policies).unwrap();
    std::fs::write(
        &policies,
        text.replacen("resource.critical &&", "true &&", 1),
    )
    .unwrap();
    let tampered = shinsa(&["policy", "verify", path_str(&pack), "--trust", &public]);
    assert_eq!(tampered.code, 1);
    assert!(
        tampered
            .stderr
            .contains("does not match this pack's content"),
        "{}",
        tampered.stderr
    );
}

fn policy_of(args: &[&str]) -> (String, Vec<serde_json::Value>) {
    let register = fixture("kitakaze-telecom");
    let mut all = vec![
        "screen",
        path_str(&register),
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    all.extend_from_slice(args);
    let run = shinsa(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    (
        report["provenance"]["policy"].as_str().unwrap().to_owned(),
        findings(&report),
    )
}

#[test]
fn a_pack_is_chosen_by_version_or_by_the_day_it_is_in_force() {
    let (exact, _) = policy_of(&["--pack", "jp-espa@1.3.0", "--as-of", "2026-11-27"]);
    assert!(exact.starts_with("jp-espa@1.3.0+"), "{exact}");
    let register = fixture("kitakaze-telecom");
    let unknown = shinsa(&["screen", path_str(&register), "--pack", "jp-espa@9.9.9"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no pack jp-espa@9.9.9; available: generic@1.2.0 (from 2021-01-19), jp-espa@1.3.0 (from 2024-05-17), us@1.2.0 (from 2021-03-12)"),
        "{}",
        unknown.stderr
    );

    let typo = shinsa(&["screen", path_str(&register), "--pack", "./no-such-pack"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("no pack folder ./no-such-pack"),
        "{}",
        typo.stderr
    );

    // A catalogue with a version 2.0.0 in force from 2027, without the drone notice.
    let catalogue = tempfile::tempdir().unwrap();
    let v2 = catalogue.path().join("jp-espa-2");
    assert_eq!(shinsa(&["policy", "export", path_str(&v2)]).code, 0);
    let manifest = v2.join("pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("version = \"1.3.0\"", "version = \"2.0.0\"")
            .replace(
                "effective_from = \"2024-05-17\"",
                "effective_from = \"2027-01-01\"",
            ),
    )
    .unwrap();
    remove_rule(&v2, "JP-ESPA-013");

    let packs = path_str(catalogue.path());
    let drone_notice = |findings: &[serde_json::Value]| {
        findings
            .iter()
            .any(|f| f["rule"]["id"] == "JP-ESPA-013" && f["subject"]["id"] == "DR-1")
    };
    let (before, findings) = policy_of(&[
        "--packs",
        packs,
        "--pack",
        "jp-espa",
        "--as-of",
        "2026-12-01",
    ]);
    assert!(before.starts_with("jp-espa@1.3.0+"), "{before}");
    assert!(drone_notice(&findings));
    let (after, findings) = policy_of(&[
        "--packs",
        packs,
        "--pack",
        "jp-espa",
        "--as-of",
        "2027-02-01",
    ]);
    assert!(after.starts_with("jp-espa@2.0.0+"), "{after}");
    assert!(!drone_notice(&findings));
    // A past decision re-run with the version it was made with.
    let (past, findings) = policy_of(&[
        "--packs",
        packs,
        "--pack",
        "jp-espa@1.3.0",
        "--as-of",
        "2027-02-01",
    ]);
    assert!(past.starts_with("jp-espa@1.3.0+"), "{past}");
    assert!(drone_notice(&findings));
}

/// A version for some sectors only is in force for those: a telecom
/// register takes it, an electricity one keeps the version for every sector.
#[test]
fn a_pack_for_some_sectors_is_chosen_for_their_registers_only() {
    let catalogue = tempfile::tempdir().unwrap();
    let telecom = catalogue.path().join("jp-espa-telecom");
    assert_eq!(shinsa(&["policy", "export", path_str(&telecom)]).code, 0);
    let manifest = telecom.join("pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "version = \"1.2.0\"",
            "version = \"1.3.0\"\nsectors = [\"telecommunications\"]",
        ),
    )
    .unwrap();
    let packs = path_str(catalogue.path());
    let (for_telecom, _) = policy_of(&["--packs", packs, "--as-of", "2026-12-01"]);
    assert!(for_telecom.starts_with("jp-espa@1.3.0+"), "{for_telecom}");
    let electricity = shinsa(&[
        "screen",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/minato-electric"
        ),
        "--format",
        "json",
        "--fail-on",
        "never",
        "--packs",
        packs,
        "--as-of",
        "2026-12-01",
    ]);
    assert_eq!(electricity.code, 0, "{}", electricity.stderr);
    let policy = electricity.json()["provenance"]["policy"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(policy.starts_with("jp-espa@1.3.0+"), "{policy}");
}

#[test]
fn the_us_pack_is_bundled_and_exportable() {
    let register = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packs/us/tests/grid");
    let (policy, findings) = {
        let run = shinsa(&[
            "screen",
            path_str(&register),
            "--pack",
            "us",
            "--as-of",
            "2026-11-27",
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report = run.json();
        (
            report["provenance"]["policy"].as_str().unwrap().to_owned(),
            findings(&report),
        )
    };
    assert!(policy.starts_with("us@1.2.0+"), "{policy}");
    let router = finding(&findings, "US-FCC-001", "RTR");
    assert_eq!(router["severity"], "prohibited");

    let dir = tempfile::tempdir().unwrap();
    let export = shinsa(&["policy", "export", path_str(dir.path()), "--id", "us"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let tested = shinsa(&["policy", "test", path_str(dir.path())]);
    assert_eq!(tested.code, 0, "{}{}", tested.stdout, tested.stderr);
    assert!(
        tested.stdout.contains("2 passed, 0 failed"),
        "{}",
        tested.stdout
    );
    let unknown = shinsa(&[
        "policy",
        "export",
        path_str(&dir.path().join("x")),
        "--id",
        "fr",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("bundled: jp-espa, us, generic"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_list_version_other_than_the_packs_is_a_warning() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let reference = tempfile::tempdir().unwrap();
    for file in shinsa_ingest::reference::FILES {
        let target = reference.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(data.join(file), &target).unwrap();
    }
    let lists = reference.path().join("lists/lists.csv");
    let text = std::fs::read_to_string(&lists).unwrap();
    std::fs::write(
        &lists,
        text.replace("procurement_ban,2026-07-28", "procurement_ban,2026-11-01"),
    )
    .unwrap();
    let register = fixture("kitakaze-telecom");
    let run = shinsa(&[
        "screen",
        path_str(&register),
        "--reference",
        path_str(reference.path()),
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: pack jp-espa was written against fcc-covered of 2026-07-28; the loaded version is 2026-11-01"),
        "{}",
        run.stderr
    );
}

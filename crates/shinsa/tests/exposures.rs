//! Exposures end to end through the CLI: real vulnerability records
//! (examples/vulns: CISA KEV, CVE JSON 5 records with CISA's ADP
//! container) imported with `shinsa vulns import`, the example utility
//! screened, an operator's VEX applied, and the exposures exported as
//! CycloneDX VEX and CSAF VEX checked against their published schemas.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{evidence, finding, findings, path_str, shinsa};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(path)
}

/// Imports the example's vulnerability data into a fresh shelf.
fn imported() -> tempfile::TempDir {
    let shelf = tempfile::tempdir().unwrap();
    let run = shinsa(&[
        "vulns",
        "import",
        path_str(&example("vulns")),
        "--advisories-dir",
        path_str(shelf.path()),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    let sets = document["sets"].as_array().unwrap();
    let of = |id: &str| {
        sets.iter()
            .find(|set| set["id"] == id)
            .unwrap_or_else(|| panic!("no {id} set in {document}"))
    };
    assert_eq!(of("kev")["kev"], 31);
    assert_eq!(of("kev")["version"], "2026-08-21");
    assert_eq!(of("cve")["advisories"], 2);
    assert_eq!(of("cve")["refused"], 0);
    // The provenance note beside the data is skipped with its reason.
    assert_eq!(
        document["skipped"].as_array().unwrap().len(),
        1,
        "{document}"
    );
    shelf
}

fn screen(shelf: &Path, extra: &[&str]) -> (Vec<Value>, String) {
    let register = example("minato-electric");
    let mut args = vec![
        "screen",
        path_str(&register),
        "--as-of",
        "2026-12-07",
        "--format",
        "json",
        "--advisories-dir",
        path_str(shelf),
    ];
    args.extend_from_slice(extra);
    let run = shinsa(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    (findings(&report), run.stderr)
}

/// Writes `register` into the shelf's folder and screens it against the
/// shelf: the report, and its findings.
fn screen_register(shelf: &Path, register: &Value) -> (Value, Vec<Value>) {
    let file = shelf.join("register.json");
    std::fs::write(&file, register.to_string()).unwrap();
    let run = shinsa(&[
        "screen",
        path_str(&file),
        "--format",
        "json",
        "--advisories-dir",
        path_str(shelf),
    ]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!("{error}: {} {}", run.stdout, run.stderr);
    });
    let all = findings(&report);
    (report, all)
}

#[test]
fn an_exploited_fortios_and_an_affected_recorder_are_exposures_of_the_critical_facility() {
    let shelf = imported();
    let (found, _) = screen(shelf.path(), &[]);

    let kev = finding(&found, "JP-ESPA-032", "A-FW-01/CVE-2022-42475");
    assert_eq!(kev["severity"], "review");
    assert_eq!(kev["subject"]["kind"], "exposure");
    let exposure = evidence(kev, "exposure");
    assert_eq!(exposure.len(), 1);
    let exposure = exposure[0];
    assert_eq!(exposure["kev_added"], "2022-12-13");
    assert_eq!(exposure["kev_due"], "2023-01-03");
    assert_eq!(exposure["ransomware"], true);
    assert_eq!(exposure["placed"], true);
    assert_eq!(exposure["version"], "7.0.8");
    assert_eq!(exposure["source"], "cve");
    assert!(
        exposure["placement"]
            .as_str()
            .unwrap()
            .contains("7.0.0 (including) to 7.0.8 (including)"),
        "{exposure}"
    );
    assert!(
        kev["explanation"]
            .as_str()
            .unwrap()
            .contains("due 2023-01-03")
    );

    let recorder = finding(&found, "JP-ESPA-033", "A-SS01-NVR/CVE-2024-29949");
    let exposure = evidence(recorder, "exposure")[0];
    assert_eq!(exposure["fixed_in"], "V5.02.006");
    assert_eq!(exposure["matched_by"], "vendor and model");
    assert_eq!(exposure["product"], "Hikvision DS-76xxNI-Mx");

    // The firewalls on 7.4.5 are outside every affected range of these
    // records, and the non-critical recorder (DS-7616NI) fits no pattern.
    for subject in found
        .iter()
        .filter(|f| f["subject"]["kind"] == "exposure")
        .map(|f| f["subject"]["id"].as_str().unwrap())
    {
        assert!(
            subject == "A-FW-01/CVE-2022-42475" || subject == "A-SS01-NVR/CVE-2024-29949",
            "unexpected exposure {subject}"
        );
    }
}

#[test]
fn an_operators_not_affected_statement_removes_the_exposure_and_says_why() {
    let shelf = imported();
    let vex = example("vex/minato-nvr.openvex.json");
    let (found, warnings) = screen(shelf.path(), &["--vex", path_str(&vex)]);
    assert!(
        found
            .iter()
            .all(|f| f["subject"]["id"] != "A-SS01-NVR/CVE-2024-29949"),
        "the recorder's exposure is still reported"
    );
    assert!(
        warnings.contains("A-SS01-NVR: CVE-2024-29949 is not reported: not_affected per")
            && warnings.contains("vulnerable_code_not_in_execute_path"),
        "{warnings}"
    );
    // The firewall's exposure stays.
    finding(&found, "JP-ESPA-032", "A-FW-01/CVE-2022-42475");
}

fn schema(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{document:#}");
}

#[test]
fn exposures_export_as_cyclonedx_vex_and_csaf_vex_that_validate() {
    let shelf = imported();
    let out = tempfile::tempdir().unwrap();
    let cyclonedx = out.path().join("exposures.cdx.json");
    let csaf = out.path().join("exposures.csaf.json");
    screen(shelf.path(), &["--export-vex", path_str(&cyclonedx)]);
    screen(
        shelf.path(),
        &["--export-vex", path_str(&csaf), "--vex-format", "csaf"],
    );

    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/cyclonedx");
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            schema(&schemas.join("spdx.schema.json")),
        )
        .and_then(|registry| {
            registry.add(
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                schema(&schemas.join("jsf-0.82.schema.json")),
            )
        })
        .and_then(|registry| registry.prepare())
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&schema(&schemas.join("bom-1.6.schema.json")))
        .unwrap();
    let document = schema(&cyclonedx);
    assert_valid(&validator, &document);
    let vulnerabilities = document["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 2);
    let fortios = vulnerabilities
        .iter()
        .find(|v| v["id"] == "CVE-2022-42475")
        .unwrap();
    assert_eq!(fortios["analysis"]["state"], "exploitable");
    assert_eq!(fortios["affects"][0]["ref"], "A-FW-01");

    let csaf_schemas = common::fixture("csaf-2.0");
    let mut registry = jsonschema::Registry::new();
    for version in ["2.0", "3.0", "3.1"] {
        registry = registry
            .add(
                format!("https://www.first.org/cvss/cvss-v{version}.json"),
                schema(&csaf_schemas.join(format!("cvss-v{version}.json"))),
            )
            .unwrap();
    }
    let registry = registry.prepare().unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&schema(&csaf_schemas.join("csaf_json_schema.json")))
        .unwrap();
    let document = schema(&csaf);
    assert_valid(&validator, &document);
    assert_eq!(document["document"]["category"], "csaf_vex");
    let recorder = document["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["cve"] == "CVE-2024-29949")
        .unwrap();
    assert_eq!(
        recorder["product_status"]["known_affected"][0],
        "A-SS01-NVR"
    );
    assert_eq!(recorder["remediations"][0]["category"], "vendor_fix");
}

#[test]
fn a_record_imported_later_is_laid_over_its_source_and_an_empty_import_saves_nothing() {
    let shelf = imported();
    let import = |path: &Path| {
        let run = shinsa(&[
            "vulns",
            "import",
            path_str(path),
            "--advisories-dir",
            path_str(shelf.path()),
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).unwrap()
    };
    let again = import(&example("vulns/CVE-2024-29949.json"));
    assert_eq!(again["sets"][0]["advisories"], 1);
    let listed = shinsa(&[
        "vulns",
        "ls",
        "--advisories-dir",
        path_str(shelf.path()),
        "--format",
        "json",
    ]);
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let cve = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|set| set["id"] == "cve")
        .unwrap();
    // Both records are still there: the second import added to the first.
    assert_eq!(cve["advisories"], 2, "{listed}");

    // A CSAF file that cannot be read leaves no empty version behind.
    let broken = tempfile::tempdir().unwrap();
    let file = broken.path().join("broken.json");
    std::fs::write(&file, r#"{"document": {"csaf_version": "2.0"}}"#).unwrap();
    let outcome = import(broken.path());
    assert_eq!(outcome["sets"][0]["refused"], 1, "{outcome}");
    assert_eq!(outcome["sets"][0]["saved"], "(not saved: nothing read)");
}

#[test]
fn vulns_diff_names_the_records_and_kev_entries_between_two_versions() {
    let full = imported();
    let partial = tempfile::tempdir().unwrap();
    let run = shinsa(&[
        "vulns",
        "import",
        path_str(&example("vulns/CVE-2024-29949.json")),
        "--advisories-dir",
        path_str(partial.path()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let saved = |shelf: &Path| {
        std::fs::read_dir(shelf.join("cve"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    };
    let diff = shinsa(&[
        "vulns",
        "diff",
        path_str(&saved(partial.path())),
        path_str(&saved(full.path())),
        "--format",
        "json",
    ]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let document: Value = serde_json::from_str(&diff.stdout).unwrap();
    let changes = document["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{document}");
    assert_eq!(changes[0]["change"], "added");
    assert_eq!(changes[0]["id"], "CVE-2022-42475");
}

/// A distribution's record names the affected package within each product
/// line (`packageName`), with the distribution's CPE: a host on Red Hat
/// Enterprise Linux 9.4 is not exposed by it (nor by the lines 8 and 9
/// it names), while the package itself, in the register, is — with the
/// record's "unknown" status as a review that says so.
#[test]
fn a_distributions_record_exposes_the_package_it_names_not_every_host_of_the_distribution() {
    let shelf = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vulns-redhat");
    let run = shinsa(&[
        "vulns",
        "import",
        path_str(&fixtures.join("CVE-2024-3296.json")),
        "--advisories-dir",
        path_str(shelf.path()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let register = serde_json::json!({
        "operator": {"id": "op", "name": "A電力", "sector": "electricity", "country": "JP"},
        "parties": [{"id": "RH", "name": "Red Hat, Inc.", "country": "US"}],
        "assets": [
            {"id": "HOST-9", "name": "EMS server", "kind": "program", "category": "os",
             "critical": true, "manufacturer": "RH", "model": "Red Hat Enterprise Linux", "version": "9.4"},
            {"id": "HOST-8", "name": "Historian", "kind": "program", "category": "os",
             "critical": true, "manufacturer": "RH", "model": "Red Hat Enterprise Linux", "version": "8.10"},
            {"id": "DS-1", "name": "389-ds-base", "kind": "program", "category": "directory",
             "critical": true, "manufacturer": "RH", "version": "2.4.5"}
        ]
    });
    let (report, all) = screen_register(shelf.path(), &register);
    let exposed: Vec<String> = all
        .iter()
        .filter(|f| f["subject"]["kind"] == "exposure")
        .map(|f| {
            format!(
                "{} {}",
                f["rule"]["id"].as_str().unwrap(),
                f["subject"]["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(exposed, ["JP-ESPA-034 DS-1/CVE-2024-3296"], "{report}");
    let package = finding(&all, "JP-ESPA-034", "DS-1/CVE-2024-3296");
    let exposure = evidence(package, "exposure")[0];
    assert_eq!(exposure["product"], "Red Hat 389-ds-base");
    assert_eq!(exposure["placed"], false);
}

/// A MyJVN v4 JSON record (JVNDB-2018-009328): its product tree names
/// Veritas NetBackup and Hitachi's JP1/VERITAS NetBackup under vendors
/// written in Japanese (ベリタス, 日立) with no versions; the versions
/// affected, 7.7, 8.0 and 8.1, are in its `jvn_extension`. The versions it
/// lists are exposed, with the record as the source; a later release is
/// not (read from the tree alone, every release was a review).
#[test]
fn a_myjvn_v4_record_exposes_the_versions_its_extension_lists() {
    let shelf = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vulns-jvn");
    let run = shinsa(&[
        "vulns",
        "import",
        path_str(&fixtures.join("getVulnDetailInfo_oka_JVNDB-2018-009328.json")),
        "--advisories-dir",
        path_str(shelf.path()),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let imported: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(imported["sets"][0]["id"], "jvn", "{imported}");
    assert_eq!(imported["sets"][0]["advisories"], 1, "{imported}");
    let register = serde_json::json!({
        "operator": {"id": "op", "name": "A電力", "sector": "electricity", "country": "JP"},
        "parties": [
            {"id": "VT", "name": "Veritas Technologies LLC", "country": "US"},
            {"id": "HI", "name": "株式会社日立製作所", "country": "JP"}
        ],
        "assets": [
            {"id": "BK-81", "name": "Backup server", "kind": "program", "category": "backup",
             "critical": true, "manufacturer": "VT", "model": "NetBackup", "version": "8.1"},
            {"id": "BK-10", "name": "New backup server", "kind": "program", "category": "backup",
             "critical": true, "manufacturer": "VT", "model": "NetBackup", "version": "10.1"},
            {"id": "JP1-80", "name": "Operations backup", "kind": "program", "category": "backup",
             "critical": true, "manufacturer": "HI", "model": "JP1/VERITAS NetBackup", "version": "8.0"}
        ]
    });
    let (report, all) = screen_register(shelf.path(), &register);
    let mut exposed: Vec<String> = all
        .iter()
        .filter(|f| f["subject"]["kind"] == "exposure")
        .map(|f| f["subject"]["id"].as_str().unwrap().to_owned())
        .collect();
    exposed.sort();
    assert_eq!(
        exposed,
        ["BK-81/JVNDB-2018-009328", "JP1-80/JVNDB-2018-009328"],
        "{report}"
    );
    let backup = common::about(&all, "BK-81/JVNDB-2018-009328");
    let exposure = evidence(backup[0], "exposure")[0];
    assert_eq!(exposure["source"], "jvn", "{exposure}");
    assert_eq!(exposure["placed"], true, "{exposure}");
}

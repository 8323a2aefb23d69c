//! A bare BOM on the command line: screened as the register of the one
//! system it describes, for the operator and sector given; components whose
//! BOM names no supplier get one from their identifiers, as a notice; a
//! vendor's BOM as `match --input`.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

const AS_OF: &str = "2026-12-01";

fn gateway() -> String {
    path_str(&fixture("boms/gateway.cdx.xml")).to_owned()
}

fn published(name: &str) -> String {
    format!(
        "{}/../shinsa-ingest/tests/fixtures/sboms-published/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_bare_bom_is_screened_as_the_register_of_what_it_describes() {
    let gateway = gateway();
    let run = shinsa(&[
        "screen",
        &gateway,
        "--operator",
        "minato",
        "--sector",
        "electricity",
        "--critical",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    // A stated Huawei maker in a critical facility is prohibited: exit 1.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["operator"]["id"], "minato", "{report}");
    assert_eq!(report["operator"]["sector"], "electricity");
    let findings = findings(&report);
    let stated = finding(&findings, "JP-ESPA-001", "GW-7/radio");
    assert_eq!(stated["severity"], "prohibited");
    // Inferred publishers: a notice each, saying which field answered.
    for (component, field, publisher) in [
        (
            "GW-7/hms-push",
            "purl pkg:maven/com.huawei.hms/push@6.3.0.300",
            "Huawei",
        ),
        ("GW-7/cam-fw", "CPE cpe:2.3:o:hikvision:", "Hikvision"),
        ("GW-7/oss-sdk", "author Alibaba Cloud SDK team", "Alibaba"),
    ] {
        let notice = finding(&findings, "JP-ESPA-024", component);
        assert_eq!(notice["severity"], "notice", "{notice}");
        let text = notice.to_string();
        assert!(text.contains(field), "{component}: {text}");
        assert!(text.contains(publisher), "{component}: {text}");
        assert!(
            about(&findings, component)
                .iter()
                .all(|f| f["severity"] == "notice"),
            "an inferred publisher is never more than a notice: {component}"
        );
    }
    assert!(about(&findings, "GW-7/jackson").is_empty());

    // The same BOM, not critical and with only notices: exit 0 under the
    // default --fail-on review once the stated Huawei module is gone.
    let text = std::fs::read_to_string(&gateway).unwrap();
    let start = text
        .find(r#"<component type="device" bom-ref="radio">"#)
        .unwrap();
    let end = start + text[start..].find("</component>").unwrap() + "</component>".len();
    let without_radio = text[..start].to_owned() + &text[end..];
    let without_radio = without_radio.replace(r#"<dependency ref="radio"/>"#, "");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("delivery.json"); // a name that says nothing
    std::fs::write(&file, without_radio).unwrap();
    let run = shinsa(&[
        "screen",
        path_str(&file),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["operator"]["id"], "bom-check");
    assert_eq!(report["operator"]["sector"], "telecommunications");
    assert_eq!(common::findings(&report).len(), 3, "{report}");

    let help = shinsa(&["screen", "--help"]);
    for words in [
        "--operator",
        "bom-check",
        "--sector",
        "telecommunications",
        "--critical",
        "--strict-bom",
    ] {
        assert!(help.stdout.contains(words), "{words}: {}", help.stdout);
    }
}

#[test]
fn format_slips_are_warnings_unless_strict() {
    let gateway = gateway();
    // The four-digit SHA-256 is a slip in a field shinsa does not read.
    let run = shinsa(&["screen", &gateway, "--as-of", AS_OF, "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("gateway.cdx.xml:") && run.stderr.contains("hash"),
        "{}",
        run.stderr
    );
    let strict = shinsa(&["screen", &gateway, "--as-of", AS_OF, "--strict-bom"]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(strict.stderr.contains("input error"), "{}", strict.stderr);
    assert!(strict.stdout.is_empty());

    // A published BOM with Maven's unexpanded `${project.…}` URLs.
    let dropwizard = published("dropwizard-1.3.15-bom.json");
    let run = shinsa(&[
        "screen",
        &dropwizard,
        "--as-of",
        AS_OF,
        "--fail-on",
        "never",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.json()["summary"]["subjects_screened"].as_u64().unwrap() > 100,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("#/components/0/externalReferences/3/url"),
        "{}",
        run.stderr
    );
    let strict = shinsa(&["screen", &dropwizard, "--as-of", AS_OF, "--strict-bom"]);
    assert_eq!(strict.code, 2);
    assert!(
        strict
            .stderr
            .contains("dropwizard-1.3.15-bom.json#/components/"),
        "{}",
        strict.stderr
    );
}

#[test]
fn a_bundle_reads_its_boms_by_content_in_any_form() {
    let dir = copy_fixture("kitakaze-telecom");
    let assets = std::fs::read_to_string(dir.path().join("assets.csv")).unwrap();
    let header = assets.lines().next().unwrap().to_owned();
    let columns = header.split(',').count();
    // A new asset whose SBOM comes as SPDX tag-value in a file named .json.
    let mut row = vec![String::new(); columns];
    for (column, value) in [
        ("id", "APP-1"),
        ("name", "field app"),
        ("kind", "program"),
        ("category", "it_system"),
        ("critical", "false"),
    ] {
        let at = header.split(',').position(|c| c == column).unwrap();
        row[at] = value.to_owned();
    }
    std::fs::write(
        dir.path().join("assets.csv"),
        format!("{}\n{}\n", assets.trim_end(), row.join(",")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app-sbom.json"),
        "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n\
         DocumentName: field-app\n\n\
         PackageName: field app\nSPDXID: SPDXRef-APP\nPackageDownloadLocation: NOASSERTION\n\n\
         PackageName: tencentcloud-sdk-go\nSPDXID: SPDXRef-tc\nPackageVersion: 1.0.900\n\
         PackageDownloadLocation: NOASSERTION\n\
         ExternalRef: PACKAGE-MANAGER purl pkg:golang/github.com/tencentcloud/tencentcloud-sdk-go@v1.0.900\n\n\
         Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-APP\n",
    )
    .unwrap();
    let run = shinsa(&[
        "screen",
        path_str(dir.path()),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let findings = findings(&run.json());
    let notice = finding(&findings, "JP-ESPA-024", "APP-1/SPDXRef-tc");
    assert!(
        notice
            .to_string()
            .contains("pkg:golang/github.com/tencentcloud"),
        "{notice}"
    );

    // A BOM cut short is refused with its position, whatever its name;
    // a file named like a BOM that is not one, too.
    std::fs::write(
        dir.path().join("vendor-delivery.json"),
        "{\"bomFormat\": \"CycloneDX\", ",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.cdx.json"), "see the wiki").unwrap();
    let run = shinsa(&["screen", path_str(dir.path()), "--as-of", AS_OF]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("vendor-delivery.json:1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("notes.cdx.json: field `(document)`: expected a BOM"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_vendors_bom_is_matched_maker_by_maker() {
    let run = shinsa(&[
        "match",
        "--input",
        &gateway(),
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results = run.json();
    let results = results.as_array().unwrap_or_else(|| panic!("{results}"));
    let by_query = |name: &str| {
        results
            .iter()
            .find(|r| r["query"] == name)
            .unwrap_or_else(|| panic!("no query {name} in {results:?}"))
    };
    let huawei = by_query("Huawei Technologies Co., Ltd.");
    let id = huawei["source"].as_str().unwrap();
    assert!(
        id.contains("purl pkg:maven/com.huawei.hms/push") || id.contains("manufacturer"),
        "{id}"
    );
    assert!(id.contains("+1 more"), "two components name Huawei: {id}");
    assert!(
        entry_ids(huawei)
            .iter()
            .any(|entry| entry == "fcc-covered/huawei"),
        "{huawei}"
    );
    let hikvision = by_query("Hangzhou Hikvision Digital Technology Co., Ltd.");
    assert!(!entry_ids(hikvision).is_empty(), "{hikvision}");
    let jackson = by_query("FasterXML, LLC");
    assert!(entry_ids(jackson).is_empty(), "{jackson}");
}

/// An empty file (a download that never came) is refused as one, not as a
/// file of the wrong kind.
#[test]
fn an_empty_file_is_refused_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("zephyr.spdx");
    std::fs::write(&empty, "").unwrap();
    let run = shinsa(&[
        "screen",
        path_str(&empty),
        "--operator",
        "minato",
        "--sector",
        "electricity",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "zephyr.spdx: field `(file)`: expected a register or a BOM, found an empty file"
        ),
        "{}",
        run.stderr
    );
}

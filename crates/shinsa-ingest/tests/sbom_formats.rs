//! BOMs nobody here wrote, in every form shinsa reads: the CycloneDX
//! specification's test documents for 1.2–1.6 in JSON and XML, SBOMs real
//! projects published, and the SPDX specification's and spdx-examples'
//! documents (2.2/2.3 JSON and tag-value, 3.0 JSON-LD). Sources in each
//! fixture folder's SOURCE.md.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use shinsa_ingest::sbom::{Bom, BomFormat, read_bom};
use std::path::PathBuf;

fn fixtures(folder: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| !path.to_string_lossy().ends_with(".md"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn fixture(folder: &str, name: &str) -> Vec<u8> {
    fixtures(folder)
        .into_iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("{folder}/{name}"))
        .1
}

fn read(name: &str, bytes: &[u8]) -> Bom {
    read_bom(name, bytes).unwrap_or_else(|errors| panic!("{name}: {errors}"))
}

fn names(bom: &Bom) -> Vec<String> {
    let mut names: Vec<String> = bom
        .components
        .iter()
        .map(|c| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("")))
        .collect();
    names.sort();
    names
}

#[test]
fn every_valid_cyclonedx_test_document_of_every_version_is_read_in_both_forms() {
    let files = fixtures("cyclonedx-versions");
    let valid: Vec<_> = files
        .iter()
        .filter(|(n, _)| n.starts_with("valid-"))
        .collect();
    assert!(valid.len() >= 250, "{}", valid.len());
    let mut problems = Vec::new();
    for (name, bytes) in &valid {
        match read_bom(name, bytes) {
            Ok(bom) => {
                let expected = if name.ends_with(".xml") {
                    BomFormat::CycloneDxXml
                } else {
                    BomFormat::CycloneDxJson
                };
                assert_eq!(bom.format, expected, "{name}");
                if !bom.warnings.is_empty() {
                    problems.push(format!("{name}: warned {}", bom.warnings[0]));
                }
            }
            Err(errors) => problems.push(format!("{name}: {errors}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The suite's JSON and XML documents of one name often differ in
    // content; the published pairs below show the two forms read alike.
}

#[test]
fn structural_breaches_are_refused_with_their_position() {
    for (name, bytes) in fixtures("cyclonedx-versions")
        .iter()
        .filter(|(n, _)| n.starts_with("invalid-"))
    {
        let errors = read_bom(name, bytes).expect_err(name);
        let first = errors.errors()[0].location.to_string();
        assert!(first.starts_with(name.as_str()), "{name}: {first}");
        if name.ends_with(".xml") {
            assert!(
                first.split(':').count() == 3,
                "{name}: a line and column, got {first}"
            );
        }
    }
    let ems = fixture("cyclonedx-versions", "valid-bom-1.4.json");
    let text = String::from_utf8(ems.clone()).unwrap();
    let cut = &text[..text.len() / 2];
    let errors = read_bom("cut.json", cut.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(errors.contains("cut.json:"), "a line and column: {errors}");
    // A whole BOM with a proxy's page after it is the BOM: the page is left
    // out, and the warning says where it began.
    let trailing = format!("{text}\n<html><body>502 Bad Gateway</body></html>");
    let bom = read_bom("proxy.json", trailing.as_bytes()).unwrap();
    let said: Vec<String> = bom.warnings.iter().map(ToString::to_string).collect();
    assert!(
        said.iter()
            .any(|warning| warning.starts_with("proxy.json:") && warning.contains("left out")),
        "{said:?}"
    );
    let xml = String::from_utf8(fixture("cyclonedx-versions", "valid-bom-1.4.xml")).unwrap();
    let errors = read_bom("cut.xml", &xml.as_bytes()[..xml.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("cut.xml:") && errors.contains("ends inside"),
        "{errors}"
    );
    let errors = read_bom("inventory.json", br#"{"operator": {"id": "x"}}"#)
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("inventory.json") && errors.contains("a BOM"),
        "{errors}"
    );
    let tag = String::from_utf8(fixture("spdx", "spec-SPDXTagExample-v2.2.spdx")).unwrap();
    let open_text = tag.find("<text>").unwrap();
    let errors = read_bom("cut.spdx", &tag.as_bytes()[..open_text + 20])
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("cut.spdx:") && errors.contains("</text>"),
        "{errors}"
    );
}

#[test]
fn published_sboms_are_read_and_their_format_slips_are_warnings() {
    let mut read_any = 0;
    for (name, bytes) in fixtures("sboms-published") {
        let bom = read(&name, &bytes);
        assert!(
            bom.components.len() >= 50,
            "{name}: {}",
            bom.components.len()
        );
        read_any += 1;
    }
    assert_eq!(read_any, 6);
    let json = read(
        "dropwizard.json",
        &fixture("sboms-published", "dropwizard-1.3.15-bom.json"),
    );
    let xml = read(
        "dropwizard.xml",
        &fixture("sboms-published", "dropwizard-1.3.15-bom.xml"),
    );
    assert_eq!(names(&json), names(&xml));
    assert_eq!(json.spec_version, "1.2");
    // Maven's unexpanded `${project.…}` URL is a warning at its pointer.
    let unexpanded = json
        .warnings
        .iter()
        .find(|w| w.found.contains("${project"))
        .unwrap_or_else(|| panic!("{:#?}", json.warnings));
    assert!(
        unexpanded
            .location
            .to_string()
            .contains("/externalReferences/"),
        "{unexpanded}"
    );
    let laravel_json = read(
        "laravel.json",
        &fixture("sboms-published", "laravel-7.12.0-bom.1.3.json"),
    );
    let laravel_xml = read(
        "laravel.xml",
        &fixture("sboms-published", "laravel-7.12.0-bom.1.2.xml"),
    );
    assert_eq!(names(&laravel_json), names(&laravel_xml));
    let purls = laravel_json
        .components
        .iter()
        .filter(|c| c.purl.is_some())
        .count();
    assert_eq!(purls, laravel_json.components.len());
}

/// One document with the five kinds of slip real generators make, in
/// fields shinsa does not read.
const SLIPS: &str = r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
  "metadata": {"timestamp": "yesterday", "component": {"type": "application", "name": "gateway"}},
  "components": [{
    "type": "library", "name": "jackson", "version": "2.9",
    "externalReferences": [
      {"type": "vcs", "url": "https://github.com/FasterXML/${project.artifactId}"},
      {"type": "vcs", "url": "git@github.com:chaijs/assertion-error.git"}
    ],
    "licenses": [{"expression": "MIT OR Apache-2.0"}, {"license": {"id": "MIT"}}],
    "hashes": [{"alg": "SHA-256", "content": "abc"}],
    "isExternal": true
  }]
}"#;

#[test]
fn format_slips_in_unread_fields_are_warnings_at_their_pointers() {
    let bom = read("slips.cdx.json", SLIPS.as_bytes());
    assert_eq!(bom.components.len(), 1);
    let mut pointers: Vec<String> = bom
        .warnings
        .iter()
        .map(|w| w.location.to_string())
        .collect();
    pointers.sort();
    pointers.dedup();
    for expected in [
        "slips.cdx.json#/metadata/timestamp",
        "slips.cdx.json#/components/0/externalReferences/0/url",
        "slips.cdx.json#/components/0/externalReferences/1/url",
        "slips.cdx.json#/components/0/licenses",
        "slips.cdx.json#/components/0/hashes/0/content",
        "slips.cdx.json#/components/0",
    ] {
        assert!(
            pointers.contains(&expected.to_owned()),
            "{expected} in {pointers:#?}"
        );
    }
    // A component without a name is structure, not a slip.
    let nameless = SLIPS.replace(r#""name": "jackson","#, "");
    let errors = read_bom("nameless.cdx.json", nameless.as_bytes()).unwrap_err();
    assert_eq!(
        errors.errors()[0].location.to_string(),
        "nameless.cdx.json#/components/0"
    );
}

#[test]
fn spdx_documents_of_every_version_and_form_are_read() {
    let files = fixtures("spdx");
    assert!(files.len() >= 15, "{}", files.len());
    for (name, bytes) in &files {
        let bom = read(name, bytes);
        let expected = if name.ends_with(".spdx") {
            BomFormat::SpdxTagValue
        } else if bom.spec_version.starts_with("3.") {
            BomFormat::Spdx3JsonLd
        } else {
            BomFormat::SpdxJson
        };
        assert_eq!(bom.format, expected, "{name}");
        assert!(
            bom.subject.name.is_some(),
            "{name}: the document says what it describes"
        );
    }
    // The specification's own example, in JSON and in tag-value, is one
    // document: the same packages with the same purls.
    let json = read(
        "example.spdx.json",
        &fixture("spdx", "spec-SPDXJSONExample-v2.2.spdx.json"),
    );
    let tag = read(
        "example.spdx",
        &fixture("spdx", "spec-SPDXTagExample-v2.2.spdx"),
    );
    assert_eq!(names(&json), names(&tag));
    assert!(!names(&json).is_empty());
    let purls = |bom: &Bom| {
        let mut purls: Vec<_> = bom
            .components
            .iter()
            .filter_map(|c| c.purl.clone())
            .collect();
        purls.sort();
        purls
    };
    assert_eq!(purls(&json), purls(&tag));
    assert!(!purls(&json).is_empty());
    // SPDX 2.3 and its SPDX 3 translation name the same packages.
    let two = read(
        "enriched.spdx.json",
        &fixture(
            "spdx",
            "software-example14-spdx2.3-examplemaven-0.0.1-enriched.spdx.json",
        ),
    );
    let three = read(
        "enriched.spdx3.json",
        &fixture(
            "spdx",
            "software-example14-spdx3.0-examplemaven-0.0.1-enriched.spdx3.json",
        ),
    );
    assert_eq!(two.subject.name, three.subject.name);
    assert_eq!(names(&two), names(&three));
    assert!(
        two.components
            .iter()
            .any(|c| c.supplier.is_some() || c.author.is_some())
    );
}

#[test]
fn the_form_is_told_by_content_not_by_name() {
    let tag = fixture("spdx", "software-example1-spdx2.2-example1.spdx");
    let bom = read("misnamed.json", &tag);
    assert_eq!(bom.format, BomFormat::SpdxTagValue);
    let xml = fixture("cyclonedx-versions", "valid-bom-1.3.xml");
    assert_eq!(read("bom.json", &xml).format, BomFormat::CycloneDxXml);
}

//! Screening decides subjects in chunks over one shared entity store; a
//! register larger than a chunk must get exactly the findings of its parts.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use shinsa_model::{Date, Inventory, Provenance, ReferenceData, SubjectKind};
use std::collections::BTreeMap;
use std::path::Path;

mod common;

#[test]
fn every_copy_of_an_asset_gets_the_findings_of_the_original() {
    let (reference, day, demo) = demo();
    let copies = 25; // 117 assets × 26 = 3,042 assets: three chunks and a part
    let mut scaled = demo.clone();
    for copy in 1..=copies {
        for asset in &demo.assets {
            let mut clone = asset.clone();
            clone.id = format!("{}#{copy}", asset.id);
            clone.parent = asset.parent.as_ref().map(|p| format!("{p}#{copy}"));
            scaled.assets.push(clone);
        }
    }
    let matcher = shinsa_match::Matcher::new(&reference);
    let pack = shinsa_policy::Pack::default_pack().unwrap();
    let provenance = Provenance::default();
    let rules_by_asset = |inventory| {
        let resolved = shinsa_match::resolve(inventory, &reference, &matcher, day, 0.85);
        let findings = shinsa_policy::screen(&resolved, &reference, &pack, &provenance).unwrap();
        let mut by_asset: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for finding in findings {
            if finding.subject.kind == SubjectKind::Asset {
                let original = finding.subject.id.split('#').next().unwrap().to_owned();
                by_asset.entry(original).or_default().push(finding.rule.id);
            }
        }
        for rules in by_asset.values_mut() {
            rules.sort();
        }
        by_asset
    };
    let original = rules_by_asset(&demo);
    let scaled = rules_by_asset(&scaled);
    assert!(original.len() > 10, "the demo has findings on many assets");
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        scaled.keys().collect::<Vec<_>>()
    );
    for (asset, rules) in &original {
        let mut expected: Vec<String> = rules
            .iter()
            .flat_map(|rule| std::iter::repeat_n(rule.clone(), copies + 1))
            .collect();
        expected.sort();
        assert_eq!(scaled[asset], expected, "findings of the copies of {asset}");
    }
}

/// Copies of an asset share one decision, unless a rule names one of them:
/// then that copy alone gets the rule's finding.
#[test]
fn a_rule_naming_one_copy_fires_on_that_copy_only() {
    let (reference, day, demo) = demo();
    let inventory = demo.scaled(1_000);
    let named = format!("{}#3", demo.assets[0].id);
    let pack = common::default_pack_naming(&named);
    let matcher = shinsa_match::Matcher::new(&reference);
    let resolved = shinsa_match::resolve(&inventory, &reference, &matcher, day, 0.85);
    let findings =
        shinsa_policy::screen(&resolved, &reference, &pack, &Provenance::default()).unwrap();
    let named_findings: Vec<&str> = findings
        .iter()
        .filter(|finding| finding.rule.id == "ONE-ASSET")
        .map(|finding| finding.subject.id.as_str())
        .collect();
    assert_eq!(named_findings, [named.as_str()]);
    let default_pack = shinsa_policy::Pack::default_pack().unwrap();
    let without =
        shinsa_policy::screen(&resolved, &reference, &default_pack, &Provenance::default())
            .unwrap();
    assert_eq!(
        findings.len(),
        without.len() + 1,
        "every other finding is the same"
    );
}

/// Subjects of a shape already checked are added unchecked; a shape first
/// seen late in a large register is still checked against the schema.
#[test]
fn a_schema_mismatch_on_a_late_subject_is_still_refused() {
    let (reference, day, demo) = demo();
    let mut register = demo.clone();
    for asset in &mut register.assets {
        asset.country_of_manufacture = None;
    }
    let mut late = demo.assets[0].clone();
    late.country_of_manufacture = Some(shinsa_model::CountryCode::parse("CN").unwrap());
    while register.assets.len() < 3000 {
        let mut clone = demo.assets[0].clone();
        clone.country_of_manufacture = None;
        clone.id = format!("copy-{}", register.assets.len());
        register.assets.push(clone);
    }
    late.id = "late".into();
    register.assets.push(late);

    // The generic pack with country_of_manufacture typed as a Long: every
    // policy still validates, no entity has the attribute until the last.
    let pack_dir = tempfile::tempdir().unwrap();
    let generic = shinsa_policy::BUNDLED
        .iter()
        .find(|pack| pack.id == "generic")
        .unwrap();
    for name in shinsa_policy::PACK_FILES {
        let mut text = generic.file(name).unwrap().to_owned();
        if name == "schema.cedarschema" {
            text = text.replace(
                "country_of_manufacture?: Country,",
                "country_of_manufacture?: Long,",
            );
        }
        std::fs::write(pack_dir.path().join(name), text).unwrap();
    }
    let pack = shinsa_policy::Pack::load_dir(pack_dir.path()).unwrap();
    let matcher = shinsa_match::Matcher::new(&reference);
    let resolved = shinsa_match::resolve(&register, &reference, &matcher, day, 0.85);
    let error = shinsa_policy::screen(&resolved, &reference, &pack, &Provenance::default())
        .expect_err("the late asset's country does not fit the schema");
    assert!(
        error.to_string().contains("country_of_manufacture"),
        "{error}"
    );
}

/// The bundled reference data, the day, and the demo register.
fn demo() -> (ReferenceData, Date, Inventory) {
    let reference = shinsa_ingest::reference::bundled().unwrap();
    let day = shinsa_model::parse_date("2026-11-27").unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minato-electric");
    let demo = shinsa_ingest::load_bundle(&dir, &reference, day)
        .unwrap()
        .inventory;
    (reference, day, demo)
}

//! The CycloneDX 1.6 specification's own test documents: every `valid-*`
//! must be accepted without a warning, and every `invalid-*` either refused
//! (when the breach is in what shinsa reads) or accepted with a warning —
//! each naming the file and a JSON pointer — so that `--strict-bom` refuses
//! them all.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn suite() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cyclonedx-1.6");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, std::fs::read(&path).ok()?))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_valid_document_is_accepted() {
    let valid: Vec<_> = suite()
        .into_iter()
        .filter(|(name, _)| name.starts_with("valid-"))
        .collect();
    assert!(
        valid.len() >= 40,
        "expected the whole suite, found {}",
        valid.len()
    );
    let refused: Vec<String> = valid
        .iter()
        .filter_map(
            |(name, bytes)| match shinsa_ingest::sbom::read_bom(name, bytes) {
                Err(errors) => Some(format!("{name}: {errors}")),
                Ok(bom) if !bom.warnings.is_empty() => {
                    Some(format!("{name}: warned {:?}", bom.warnings))
                }
                Ok(_) => None,
            },
        )
        .collect();
    assert!(
        refused.is_empty(),
        "valid documents refused:\n{}",
        refused.join("\n")
    );
}

#[test]
fn every_invalid_document_is_refused_or_warned_with_a_location() {
    let invalid: Vec<_> = suite()
        .into_iter()
        .filter(|(name, _)| name.starts_with("invalid-"))
        .collect();
    assert!(
        invalid.len() >= 20,
        "expected the whole suite, found {}",
        invalid.len()
    );
    let mut refused = Vec::new();
    for (name, bytes) in &invalid {
        let problems = match shinsa_ingest::sbom::read_bom(name, bytes) {
            Ok(bom) => bom.warnings,
            Err(errors) => {
                refused.push(name.as_str());
                errors.errors().to_vec()
            }
        };
        assert!(!problems.is_empty(), "{name} was accepted without a word");
        for problem in &problems {
            let location = problem.location.to_string();
            assert!(
                location.starts_with(&format!("{name}#/")),
                "{name}: {location}"
            );
            assert!(
                !problem.expected.is_empty() && !problem.found.is_empty(),
                "{problem}"
            );
        }
    }
    // What the breaches touch decides: a missing bomFormat, a component
    // without a name, an empty bom-ref and a dependency without its ref are
    // structure; a bad hash, licence, timestamp or serial number is not.
    for structural in [
        "invalid-bomformat-1.6.json",
        "invalid-empty-component-1.6.json",
        "invalid-component-ref-1.6.json",
        "invalid-dependency-1.6.json",
    ] {
        assert!(
            refused.contains(&structural),
            "{structural} was accepted; refused: {refused:?}"
        );
    }
    for format_only in [
        "invalid-hash-sha256-1.6.json",
        "invalid-license-choice-1.6.json",
        "invalid-metadata-timestamp-1.6.json",
        "invalid-serialnumber-1.6.json",
    ] {
        assert!(!refused.contains(&format_only), "{format_only} was refused");
    }
}

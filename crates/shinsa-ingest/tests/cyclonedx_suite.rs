//! The CycloneDX 1.6 specification's own test documents: every `valid-*`
//! must be accepted and every `invalid-*` refused with a message that names
//! the file and a JSON pointer.

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
        .filter_map(|(name, bytes)| {
            shinsa_ingest::cyclonedx::read_bom(name, bytes)
                .err()
                .map(|errors| format!("{name}: {errors}"))
        })
        .collect();
    assert!(
        refused.is_empty(),
        "valid documents refused:\n{}",
        refused.join("\n")
    );
}

#[test]
fn every_invalid_document_is_refused_with_a_location() {
    let invalid: Vec<_> = suite()
        .into_iter()
        .filter(|(name, _)| name.starts_with("invalid-"))
        .collect();
    assert!(
        invalid.len() >= 20,
        "expected the whole suite, found {}",
        invalid.len()
    );
    for (name, bytes) in &invalid {
        match shinsa_ingest::cyclonedx::read_bom(name, bytes) {
            Ok(_) => panic!("{name} was accepted"),
            Err(errors) => {
                let first = &errors.errors()[0];
                let location = first.location.to_string();
                assert!(
                    location.starts_with(&format!("{name}#/")),
                    "{name}: {location}"
                );
                assert!(
                    !first.expected.is_empty() && !first.found.is_empty(),
                    "{first}"
                );
            }
        }
    }
}

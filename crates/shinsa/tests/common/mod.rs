//! Helpers shared by the CLI tests: run the real binary, read its JSON.

#![allow(dead_code)] // each test binary uses a different subset
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of `shinsa` printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", self.stdout))
    }
}

pub fn shinsa(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_shinsa"))
        .args(args)
        // Lists a developer imported must not change what the tests see.
        .env(
            "SHINSA_LISTS_DIR",
            std::env::temp_dir().join("shinsa-tests-no-lists"),
        )
        // Nor datasets configured once in a developer's shell.
        .env_remove("SHINSA_GEO")
        .env_remove("SHINSA_ASN")
        .env_remove("SHINSA_OUI")
        .output()
        .unwrap_or_else(|error| panic!("running shinsa: {error}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn path_str(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("non-UTF-8 path {path:?}"))
}

/// Copies a fixture folder, subfolders included, to a fresh temporary folder.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("tempdir: {error}"));
    copy_tree(&fixture(name), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")) {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The findings of a JSON report.
pub fn findings(report: &Value) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {report}"))
        .clone()
}

/// The findings about one subject id.
pub fn about<'a>(findings: &'a [Value], subject: &str) -> Vec<&'a Value> {
    findings
        .iter()
        .filter(|finding| finding["subject"]["id"] == subject)
        .collect()
}

/// The finding of one rule about one subject.
pub fn finding<'a>(findings: &'a [Value], rule: &str, subject: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["rule"]["id"] == rule && f["subject"]["id"] == subject)
        .unwrap_or_else(|| {
            let present: Vec<String> = findings
                .iter()
                .map(|f| format!("{} {}", f["rule"]["id"], f["subject"]["id"]))
                .collect();
            panic!("no {rule} finding about {subject}; findings: {present:?}")
        })
}

/// Evidence items of one kind.
pub fn evidence<'a>(finding: &'a Value, kind: &str) -> Vec<&'a Value> {
    finding["evidence"]
        .as_array()
        .map(|items| items.iter().filter(|item| item["kind"] == kind).collect())
        .unwrap_or_default()
}

/// The entry ids one query of `match` JSON output matched, best first.
pub fn entry_ids(result: &Value) -> Vec<String> {
    result["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entry_id"].as_str().unwrap().to_owned())
        .collect()
}

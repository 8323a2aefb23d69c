//! Helpers shared by the CLI tests: run the real binary, read its JSON.

#![allow(dead_code)] // each test binary uses a different subset
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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

/// The `shinsa` under test: this build, or the one `SHINSA_TEST_BIN` names
/// (a release build; an older one, for figures from before a change).
pub fn program() -> PathBuf {
    std::env::var_os("SHINSA_TEST_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_shinsa")),
        PathBuf::from,
    )
}

pub fn shinsa(args: &[&str]) -> Run {
    let output = Command::new(program())
        .args(args)
        // Lists a developer imported must not change what the tests see.
        .env(
            "SHINSA_LISTS_DIR",
            std::env::temp_dir().join("shinsa-tests-no-lists"),
        )
        // Nor vulnerability data.
        .env(
            "SHINSA_ADVISORIES_DIR",
            std::env::temp_dir().join("shinsa-tests-no-advisories"),
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

// ------------------------------------------------ a real `shinsa serve`

/// `shinsa ARGS --data-dir DATA`, whatever store the developer's shell names.
pub fn command_in(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program());
    command
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("SHINSA_DATABASE")
        .env_remove("SHINSA_CONFIG");
    command
}

/// `shinsa` with the store in `data`; `stdin` is written to its input.
pub fn shinsa_in(data: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = command_in(data, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `shinsa ARGS --database DATABASE` with the store's data in `data`.
pub fn on_database(data: &Path, database: &str, args: &[&str], stdin: &str) -> Run {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--database", database]);
    shinsa_in(data, &all, stdin)
}

pub fn ok(run: Run) -> String {
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.stdout
}

/// A running `shinsa serve`; killed when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(data: &Path) -> Served {
    serve_with(data, &[]).0
}

/// `shinsa serve` with more arguments; also what it logged before it
/// listened.
pub fn serve_with(data: &Path, extra: &[&str]) -> (Served, Vec<Value>) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--json-logs"];
    args.extend_from_slice(extra);
    let mut child = command_in(data, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut logged = Vec::new();
    let address = loop {
        let line = lines
            .next()
            .expect("the server stopped before listening")
            .unwrap();
        let event: Value = serde_json::from_str(&line).unwrap_or_default();
        if event["fields"]["message"] == "shinsa is listening" {
            break event["fields"]["address"].as_str().unwrap().to_owned();
        }
        logged.push(event);
    };
    // Keep draining its log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (
        Served {
            child,
            base: format!("http://{address}"),
        },
        logged,
    )
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

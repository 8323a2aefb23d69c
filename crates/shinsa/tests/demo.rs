//! `shinsa demo`: the bundled example utility, screened on the embedded
//! default, with its findings pinned by a snapshot.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn demo_findings_are_pinned() {
    let run = shinsa(&["demo", "--as-of", "2026-11-27", "--format", "json"]);
    assert_eq!(
        run.code, 0,
        "a demonstration exits 0 by default: {}",
        run.stderr
    );
    let gated = shinsa(&["demo", "--as-of", "2026-11-27", "--fail-on", "prohibited"]);
    assert_eq!(gated.code, 1, "the demo has prohibited findings");
    let report = run.json();
    assert!(
        report["summary"]["subjects_screened"].as_u64().unwrap_or(0) >= 100,
        "{}",
        report["summary"]
    );
    let lines: Vec<String> = findings(&report)
        .iter()
        .map(|f| {
            format!(
                "{:<10} {} {}:{} — {}",
                f["severity"].as_str().unwrap_or_default(),
                f["rule"]["id"].as_str().unwrap_or_default(),
                f["subject"]["kind"].as_str().unwrap_or_default(),
                f["subject"]["id"].as_str().unwrap_or_default(),
                f["explanation"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    insta::assert_snapshot!("demo_findings", lines.join("\n"));
}

#[test]
fn demo_prints_a_table_in_english_and_japanese() {
    let english = shinsa(&["demo", "--as-of", "2026-11-27"]);
    assert_eq!(english.code, 0);
    assert!(
        english.stdout.starts_with("Operator: 湊電力株式会社"),
        "{}",
        english.stdout
    );
    assert!(
        english.stdout.contains("Findings: 6 PROHIBITED"),
        "{}",
        english.stdout
    );
    assert!(english.stdout.contains("JP-ESPA-001"));
    let japanese = shinsa(&["demo", "--as-of", "2026-11-27", "--lang", "ja"]);
    assert!(
        japanese.stdout.starts_with("事業者: 湊電力株式会社"),
        "{}",
        japanese.stdout
    );
    assert!(japanese.stdout.contains("重要度"), "{}", japanese.stdout);
    assert!(japanese.stdout.contains("要審査"));
    let csv = shinsa(&[
        "demo",
        "--as-of",
        "2026-11-27",
        "--lang",
        "ja",
        "--format",
        "csv",
    ]);
    assert!(
        csv.stdout
            .contains("特定重要設備に調達禁止リスト掲載ベンダーの製品"),
        "{}",
        csv.stdout
    );
}

#[test]
fn demo_csv_has_one_row_per_finding() {
    let json = shinsa(&["demo", "--as-of", "2026-11-27", "--format", "json"]).json();
    let csv_run = shinsa(&[
        "demo",
        "--as-of",
        "2026-11-27",
        "--format",
        "csv",
        "--fail-on",
        "never",
    ]);
    assert_eq!(csv_run.code, 0);
    let mut reader = csv::Reader::from_reader(csv_run.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(rows.len(), findings(&json).len());
    assert_eq!(&rows[0][1], "prohibited");
}

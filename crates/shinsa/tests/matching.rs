//! `shinsa match`: names screened one by one, with the same resolution as
//! `screen`.

// Tests fail loudly: panics and unwraps are how they report.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

fn jsonl(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["match", "--format", "jsonl"];
    all.extend_from_slice(args);
    if !args.contains(&"--as-of") {
        all.extend(["--as-of", "2026-11-27"]);
    }
    let run = shinsa(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn one_object_per_query_with_entries_best_first() {
    let results = jsonl(&["ZTE Japan K.K.", "大疆", "Axis Communications"]);
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["query"], "ZTE Japan K.K.");
    assert_eq!(results[0]["identity"]["id"], "zte-japan");
    assert_eq!(
        entry_ids(&results[0]),
        ["eu-5g-toolbox/zte", "fcc-covered/zte", "ndaa-889/zte"]
    );
    let via = results[0]["matches"][1]["explanation"].to_string();
    assert!(
        via.contains("controlled by ZTE Corporation (100%)"),
        "{via}"
    );
    assert_eq!(
        results[1]["identity"]["name"],
        "SZ DJI Technology Co., Ltd."
    );
    assert_eq!(results[1]["identity"]["matched_name"], "大疆");
    assert!(entry_ids(&results[1]).contains(&"fcc-covered/dji".to_owned()));
    assert_eq!(results[2]["matches"].as_array().map(Vec::len), Some(0));
}

/// The vendors of issue 17: each finds its listed entry, and the
/// explanation says where it is listed and on what source.
#[test]
fn listed_vendors_are_found_with_the_source_of_their_listing() {
    let results = jsonl(&[
        "China Telecom Corp Ltd",
        "中国电信集团有限公司",
        "Hesai Technology Co. Ltd.",
        "禾赛科技",
        "Huawei Device Co., Ltd.",
    ]);
    let expected = [
        "dod-1260h/china-telecom-corporation-limited",
        "dod-1260h/china-telecom-group-co-ltd",
        "dod-1260h/hesai",
        "dod-1260h/hesai",
        "bis-entity/huawei-device",
    ];
    for (result, entry) in results.iter().zip(expected) {
        let found = result["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|hit| hit["entry_id"] == entry)
            .unwrap_or_else(|| panic!("{entry} not in {result}"));
        assert_eq!(found["score"], 1.0, "{found}");
        let why = found["explanation"].to_string();
        assert!(why.contains(&format!("({entry}) since")), "{why}");
        assert!(
            why.contains("84 FR 22961") || why.contains("dod_chinese_milcorps"),
            "{why}"
        );
    }
    // The 2025-01-07 removal of China Telecommunications Corporation is kept
    // with its day, and does not match after it.
    let before = jsonl(&[
        "China Telecommunications Corporation",
        "--as-of",
        "2024-12-31",
    ]);
    assert!(entry_ids(&before[0]).contains(&"dod-1260h/china-telecom-corp".to_owned()));
    let after = jsonl(&["China Telecommunications Corporation"]);
    assert!(!entry_ids(&after[0]).contains(&"dod-1260h/china-telecom-corp".to_owned()));
}

#[test]
fn the_threshold_and_the_day_filter_matches() {
    let near = jsonl(&["Kaspersky Lab Japan"]);
    let score = near[0]["matches"][0]["score"].as_f64().unwrap();
    assert!(score > 0.9 && score < 1.0, "{score}");
    let strict = jsonl(&["Kaspersky Lab Japan", "--threshold", "0.99"]);
    assert!(entry_ids(&strict[0]).is_empty());
    // DJI joined the FCC list on 2025-12-22.
    let before = jsonl(&["DJI", "--as-of", "2025-12-21"]);
    assert!(!entry_ids(&before[0]).contains(&"fcc-covered/dji".to_owned()));
}

#[test]
fn an_input_file_is_read_with_its_errors_located() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("vendors.csv");
    std::fs::write(&good, "name,country,identifiers\nSea Dragon Trading,CN,cn_uscc:914403001922038216\nNEC Corporation,JP,\n").unwrap();
    let results = jsonl(&["--input", path_str(&good)]);
    assert_eq!(results.len(), 2);
    assert!(
        entry_ids(&results[0]).contains(&"fcc-covered/huawei".to_owned()),
        "{}",
        results[0]
    );
    assert!(entry_ids(&results[1]).is_empty());

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "name,country\nAcme,Japan\n,JP\n").unwrap();
    let run = shinsa(&["match", "--input", path_str(&bad)]);
    assert_eq!(run.code, 2);
    let file = path_str(&bad);
    assert!(
        run.stderr.contains(&format!("{file}:2:2: field `country`")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{file}:3:1: field `name`: expected a value")),
        "{}",
        run.stderr
    );
}

#[test]
fn csv_output_has_a_row_per_match() {
    let run = shinsa(&[
        "match",
        "Hikvision",
        "--as-of",
        "2026-11-27",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() >= 4, "{}", run.stdout);
    assert!(rows.iter().all(|row| &row[0] == "Hikvision"));
    assert!(rows.iter().any(|row| &row[1] == "fcc-covered/hikvision"));
}

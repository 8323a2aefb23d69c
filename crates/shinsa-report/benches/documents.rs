//! How long the documents take: the filing of a plan with 20 items, and
//! the report on a register's findings with 1,000 findings (each with two
//! pieces of evidence), as PDF/A and as HTML.
//!
//! `cargo bench -p shinsa-report --bench documents`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shinsa_report::{Filing, RegisterReport, ReportedFinding};

fn main() {
    divan::main();
}

fn filing(items: usize) -> Filing {
    let supplier = serde_json::json!({
        "name": "Northwind Relay Co., Ltd.", "country_of_incorporation": "CN",
        "major_holders": [{"name": "Northwind Holdings", "voting_percent": 62.5, "country": "CN"}],
        "officers": [{"name": "王 偉", "date_of_birth": "1968-02-03", "nationality": "CN"}],
        "foreign_government_ties": "なし"
    });
    let items: Vec<serde_json::Value> = (0..items)
        .map(|index| {
            serde_json::json!({
                "id": format!("I-{index}"), "kind": "introduction", "facility": format!("保護リレー {index}"),
                "timing": "2027-04-01", "supplier": supplier, "country_of_manufacture": "CN",
                "components": [{"name": "通信モジュール", "supplier": supplier, "country_of_manufacture": "CN"}]
            })
        })
        .collect();
    Filing {
        plan: serde_json::from_value(serde_json::json!({
            "id": "plan_bench", "title": "変電所設備の更新", "measures": ["国内で検証してから適用する"], "items": items
        }))
        .unwrap(),
        operator_name: "港電力株式会社".into(),
        sector_name_ja: "電気".into(),
        ministry: "METI (経済産業省)".into(),
        status_label_ja: "審査中".into(),
        edition: 1,
        digest: "0".repeat(64),
        filed_at: None,
        received_on: None,
        due_on: None,
        snapshot: None,
        printed_on: time::macros::date!(2026 - 11 - 28),
    }
}

fn report(findings: usize) -> RegisterReport {
    let findings = (0..findings)
        .map(|index| {
            let severity = ["prohibited", "review", "notice"][index % 3];
            ReportedFinding {
                finding: serde_json::from_value(serde_json::json!({
                    "id": format!("JP-ESPA-002@asset:A-{index}"), "severity": severity,
                    "subject": {"kind": "asset", "id": format!("A-{index}")}, "subject_name": format!("設備 {index}"),
                    "rule": {"id": "JP-ESPA-002", "legal_basis": "ESPA Art. 52(1)-(3); DoD 1260H list", "policy_version": "jp-espa@1.1.0"},
                    "title": "Listed vendor", "title_ja": "掲載ベンダー",
                    "explanation": "manufacturer \"Northwind Relay Co., Ltd.\" is listed on dod-1260h (name score 1.00)",
                    "evidence": [
                        {"kind": "list_match", "list": "dod-1260h", "entry": "dod-1260h/n1", "matched_name": "Northwind Relay Co., Ltd.",
                         "listed_name": "Northwind Relay Co., Ltd.", "score": 1.0, "why": ["legal form removed"], "role": "manufacturer", "through": null,
                         "scope": "", "citation": "NDAA FY2021 §1260H"},
                        {"kind": "country", "role": "manufacturer", "party": "Northwind Relay Co., Ltd.", "country": "CN", "groups": ["foreign-adversary"]}
                    ]
                }))
                .unwrap(),
                status: "未対応".to_owned(),
                justification: None,
            }
        })
        .collect();
    RegisterReport {
        lang: "ja".into(),
        operator_name: "港電力株式会社".into(),
        register_name: "main".into(),
        register_version: 1,
        provenance: serde_json::from_value(serde_json::json!({"policy": "jp-espa@1.1.0", "as_of": "2026-11-28", "input_sha256": "0", "software": "shinsa", "lists": {"dod-1260h": "2026-11-27"}})).unwrap(),
        screened_at: "2026-11-28T00:00:00Z".into(),
        findings,
        printed_on: time::macros::date!(2026 - 11 - 28),
    }
}

#[divan::bench(sample_count = 10)]
fn filing_pdf_20_items(bencher: divan::Bencher) {
    let document = shinsa_report::filing_document(&filing(20));
    bencher.bench(|| shinsa_report::pdf(&document).unwrap().bytes.len());
}

#[divan::bench(sample_count = 5)]
fn register_report_pdf_1000_findings(bencher: divan::Bencher) {
    let document = shinsa_report::register_document(&report(1_000));
    bencher.bench(|| shinsa_report::pdf(&document).unwrap().bytes.len());
}

#[divan::bench(sample_count = 10)]
fn register_report_html_1000_findings(bencher: divan::Bencher) {
    let document = shinsa_report::register_document(&report(1_000));
    bencher.bench(|| shinsa_report::html(&document).len());
}

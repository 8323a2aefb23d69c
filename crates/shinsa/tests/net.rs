#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Issue 5's "done when": a register and a day of its network's logs; the
//! connections to data centres in China (with Hong Kong) and Russia, the
//! unknown host, the unregistered DJI and Hikvision devices and the
//! register/hardware mismatch are flagged; domestic and allied destinations
//! and randomised MACs are left alone.

mod common;

use common::{fixture, path_str, shinsa};
use serde_json::Value;

fn net(view: &str, logs: &[&str], extra: &[&str]) -> common::Run {
    let day = fixture("net-day");
    let geo = day.join("lookups/geo-whois-asn-country-ipv4.csv");
    let asn = day.join("lookups/asn-ipv4.csv");
    let mut args = vec![
        "net",
        view,
        "--inventory",
        path_str(&day),
        "--as-of",
        "2026-11-27",
        "--geo",
        path_str(&geo),
        "--asn",
        path_str(&asn),
    ];
    args.extend(extra);
    let paths: Vec<String> = logs
        .iter()
        .map(|log| path_str(&day.join("logs").join(log)).to_owned())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    shinsa(&args)
}

/// The expected rules per subject, as `rules_by_subject` gives them.
fn owned(expected: &[(&str, Vec<&str>)]) -> std::collections::BTreeMap<String, Vec<String>> {
    expected
        .iter()
        .map(|(id, rules)| {
            (
                (*id).to_owned(),
                rules.iter().map(|r| (*r).to_owned()).collect(),
            )
        })
        .collect()
}

/// The first finding of `rule` and its first evidence item of `kind`.
fn evidence_of<'a>(report: &'a Value, rule: &str, kind: &str) -> (&'a Value, &'a Value) {
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"]["id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"));
    let item = finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} evidence in {finding}"));
    (finding, item)
}

/// Rules fired per subject id, sorted.
fn rules_by_subject(report: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut by_subject: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for finding in report["findings"].as_array().unwrap() {
        by_subject
            .entry(finding["subject"]["id"].as_str().unwrap().to_owned())
            .or_default()
            .push(format!(
                "{} {}",
                finding["severity"].as_str().unwrap(),
                finding["rule"]["id"].as_str().unwrap()
            ));
    }
    for rules in by_subject.values_mut() {
        rules.sort();
    }
    by_subject
}

#[test]
fn connections_abroad_are_flagged_and_allied_ones_left_alone() {
    let run = net("flows", &["conn.log", "dhcp.log"], &["--format", "json"]);
    assert_eq!(run.code, 1, "review findings exit 1: {}", run.stderr);
    let report = run.json();
    let fired = rules_by_subject(&report);
    let expected = [
        (
            "10.20.1.5→HK/Alibaba Cloud",
            vec!["notice JP-ESPA-019", "review JP-ESPA-016"],
        ),
        ("10.20.1.9→RU/Yandex Cloud", vec!["notice JP-ESPA-019"]),
        ("10.20.2.7→CN/Tencent Cloud", vec!["notice JP-ESPA-019"]),
        ("10.20.9.99→SG/Huawei Cloud", vec!["review JP-ESPA-018"]),
    ];
    assert_eq!(fired, owned(&expected));

    // Every connection is in the summary, flagged or not, tied to its asset.
    let observed = report["network"]["observed"].as_array().unwrap();
    let row = |id: &str| {
        observed
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {observed:?}"))
    };
    assert_eq!(observed.len(), 7);
    assert_eq!(
        row("10.20.0.10→JP/SAKURA internet")["source_asset"],
        "SCADA-1"
    );
    assert_eq!(row("10.20.1.20→US/Amazon Web Services")["bytes"], 737_000);
    let alibaba = row("10.20.1.5→HK/Alibaba Cloud");
    assert_eq!(
        (alibaba["flows"].as_u64(), alibaba["bytes"].as_u64()),
        (Some(2), Some(14_521_000))
    );
    assert_eq!(alibaba["first_seen"], "2026-11-26T01:00:00.2Z");
    assert_eq!(alibaba["provider_country"], "CN");
    assert_eq!(report["network"]["internal_flows"], 2);

    // The evidence says what was seen and which datasets answered.
    let (finding, seen) = evidence_of(&report, "JP-ESPA-016", "connection");
    assert_eq!(seen["dst"], "103.135.210.100");
    assert_eq!(seen["asn"], 45102);
    let answered: Vec<&str> = seen["answered_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        answered[0].starts_with("country: geo-whois-asn-country-ipv4.csv (file dated "),
        "{answered:?}"
    );
    assert!(
        answered[1].starts_with("network: asn-ipv4.csv"),
        "{answered:?}"
    );
    assert!(
        answered[2].starts_with("provider: data/asn_providers.csv"),
        "{answered:?}"
    );
    assert!(
        finding["explanation"]
            .as_str()
            .unwrap()
            .contains("source 10.20.1.5 is asset CRM-1 holding customer data"),
        "{}",
        finding["explanation"]
    );
}

#[test]
fn unregistered_listed_devices_and_a_hardware_mismatch() {
    let run = net("devices", &["dhcp.log", "conn.log"], &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let fired = rules_by_subject(&report);
    let expected = [
        ("00:18:82:aa:bb:01", vec!["review JP-ESPA-022"]),
        (
            "44:19:b6:77:88:99",
            vec!["notice JP-ESPA-023", "review JP-ESPA-021"],
        ),
        (
            "60:60:1f:3a:4b:5c",
            vec!["notice JP-ESPA-023", "review JP-ESPA-021"],
        ),
    ];
    assert_eq!(fired, owned(&expected));
    let devices = report["network"]["observed"].as_array().unwrap();
    let macs: Vec<&str> = devices.iter().map(|d| d["mac"].as_str().unwrap()).collect();
    assert_eq!(
        macs,
        [
            "00:18:82:aa:bb:01",
            "00:26:92:10:00:01",
            "00:40:8c:12:34:56",
            "44:19:b6:77:88:99",
            "60:60:1f:3a:4b:5c"
        ],
        "the randomised MAC is left out"
    );
    assert_eq!(report["network"]["randomised_macs_ignored"], 1);
    let (_, device) = evidence_of(&report, "JP-ESPA-022", "device");
    assert_eq!(device["asset"], "RTR-1");
    assert_eq!(device["registered_vendor"], "Cisco Systems, Inc.");
    assert!(
        device["vendor"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .starts_with("HUAWEI"),
        "{device}"
    );
    let drone = devices
        .iter()
        .find(|d| d["mac"] == "60:60:1f:3a:4b:5c")
        .unwrap();
    assert_eq!(
        (
            drone["hostname"].as_str(),
            drone["ip"].as_str(),
            drone["asset"].as_str()
        ),
        (Some("mavic3-inspection"), Some("10.20.3.40"), None)
    );
}

#[test]
fn tables_in_both_languages_and_csv() {
    let english = net("flows", &["conn.log"], &[]);
    assert!(
        english.stdout.contains("source asset"),
        "{}",
        english.stdout
    );
    assert!(english.stdout.contains("10.20.9.99"), "{}", english.stdout);
    assert!(
        english.stdout.contains("Read 10 records from 1 files"),
        "{}",
        english.stdout
    );
    let japanese = net("flows", &["conn.log"], &["--lang", "ja"]);
    assert!(
        japanese.stdout.contains("送信元資産"),
        "{}",
        japanese.stdout
    );
    assert!(
        japanese.stdout.contains("顧客データを扱うシステムが懸念国"),
        "{}",
        japanese.stdout
    );
    let csv = net("devices", &["dhcp.log"], &["--format", "csv"]);
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("mac,ip,hostname,hardware vendor (OUI),asset,register's maker,seen in,outcome,rules")
    );
    assert!(csv.stdout.contains("60:60:1f:3a:4b:5c,10.20.3.40,mavic3-inspection,\"SZ DJI TECHNOLOGY CO.,LTD\",(not registered),,dhcp.log,review,JP-ESPA-021 JP-ESPA-023"), "{}", csv.stdout);
}

#[test]
fn malformed_records_are_reported_and_strict_makes_them_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("conn.log");
    let mut text = std::fs::read_to_string(fixture("net-day/logs/conn.log")).unwrap();
    text = text.replacen("10.20.2.7", "10.20.2.700", 1);
    std::fs::write(&log, text).unwrap();
    let day = fixture("net-day");
    let args = [
        "net",
        "flows",
        "--inventory",
        path_str(&day),
        "--as-of",
        "2026-11-27",
        "--fail-on",
        "never",
        path_str(&log),
    ];
    let lenient = shinsa(&args);
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    assert!(
        lenient.stdout.contains("1 malformed records (not read):"),
        "{}",
        lenient.stdout
    );
    assert!(
        lenient.stdout.contains(
            "conn.log: line 12: id.orig_h: expected an IP address, found \"10.20.2.700\""
        ),
        "{}",
        lenient.stdout
    );
    assert!(
        lenient
            .stdout
            .contains("note: no --geo dataset (or SHINSA_GEO): destination countries are unknown"),
        "{}",
        lenient.stdout
    );
    let mut strict_args = args.to_vec();
    strict_args.push("--strict");
    let strict = shinsa(&strict_args);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(
        strict.stderr.contains("1 malformed records (--strict)"),
        "{}",
        strict.stderr
    );
}

/// `net flows` on a perimeter folder (the fixture or a copy of it), with
/// `args` after its lookups; `conn.log` and `conn-summary.txt` name its logs.
fn perimeter_flows(dir: &std::path::Path, args: &[&str]) -> common::Run {
    let path = |p: &str| path_str(&dir.join(p)).to_owned();
    let mut all: Vec<String> = vec![
        "net".into(),
        "flows".into(),
        "--inventory".into(),
        path(""),
        "--as-of".into(),
        "2026-11-27".into(),
        "--geo".into(),
        path("lookups/geo-whois-asn-country-ipv4.csv"),
        "--asn".into(),
        path("lookups/asn-ipv4.csv"),
    ];
    all.extend(args.iter().map(|arg| match *arg {
        "conn.log" | "conn-summary.txt" => path(&format!("logs/{arg}")),
        other => other.to_owned(),
    }));
    shinsa(&all.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `net flows` on the perimeter fixture (issue 16), with extra log lines
/// appended to a copy of its conn.log.
fn perimeter(extra_lines: &[String]) -> common::Run {
    let dir = common::copy_fixture("net-perimeter");
    let log = dir.path().join("logs/conn.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    let close = text.rfind("#close").unwrap();
    text.insert_str(close, &extra_lines.concat());
    std::fs::write(&log, text).unwrap();
    perimeter_flows(
        dir.path(),
        &["--format", "json", "conn.log", "conn-summary.txt"],
    )
}

/// A Zeek conn.log line (the fixture's columns).
fn conn(
    ts: f64,
    orig: (&str, u16),
    resp: (&str, u16),
    proto: &str,
    bytes: (u64, u64),
    state: &str,
) -> String {
    format!(
        "{ts:.6}\tCX{ts}\t{}\t{}\t{}\t{}\t{proto}\t-\t1.0\t{}\t{}\t{state}\t-\t-\t0\t-\t10\t1000\t10\t1000\t-\n",
        orig.0, orig.1, resp.0, resp.1, bytes.0, bytes.1
    )
}

#[test]
fn the_internet_knocking_is_summarised_not_flagged() {
    let run = perimeter(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert!(
        report["findings"].as_array().unwrap().is_empty(),
        "no finding from probes, ICMP replies, resets and domestic or US traffic: {}",
        report["findings"]
    );
    let network = &report["network"];
    assert_eq!(
        (
            network["outbound_flows"].as_u64(),
            network["inbound_flows"].as_u64(),
            network["answered_inbound_flows"].as_u64(),
            network["control_flows"].as_u64(),
            network["unplaced_flows"].as_u64(),
        ),
        (Some(4), Some(9), Some(0), Some(3), Some(0)),
        "{network}"
    );
    let inbound = network["inbound"].as_array().unwrap();
    let chinanet = inbound.iter().find(|row| row["asn"] == 4134).unwrap();
    assert_eq!(
        (
            chinanet["country"].as_str(),
            chinanet["flows"].as_u64(),
            chinanet["sources"].as_u64(),
            chinanet["kind"].as_str()
        ),
        (Some("CN"), Some(3), Some(2), Some("access"))
    );
    assert_eq!(chinanet["first_seen"], "2026-11-26T00:01:00Z");
    let selectel = inbound.iter().find(|row| row["asn"] == 49505).unwrap();
    assert_eq!(selectel["country"], "RU");
    // The conn-summary report is named as skipped, with the reason.
    let skipped = network["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{network}");
    assert!(
        skipped[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("conn-summary.txt")
    );
    assert!(skipped[0]["reason"].as_str().unwrap().contains("not a log"));
    assert_eq!(network["malformed_records"], 0);
}

#[test]
fn a_register_host_opening_tls_to_alibaba_cloud_in_hong_kong_is_still_reviewed() {
    let tls = conn(
        1_795_660_000.0,
        ("10.1.0.5", 50123),
        ("103.135.210.50", 443),
        "tcp",
        (40_000, 3_100),
        "SF",
    );
    // The same host to a carrier's access network in China: not a data
    // centre, so a notice of its own, not the data-centre review.
    let carrier = conn(
        1_795_660_100.0,
        ("10.1.0.5", 50124),
        ("1.48.10.23", 443),
        "tcp",
        (8_000, 1_000),
        "SF",
    );
    let run = perimeter(&[tls, carrier]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let fired = rules_by_subject(&report);
    assert_eq!(
        fired,
        owned(&[
            (
                "10.1.0.5→HK/Alibaba Cloud",
                vec![
                    "notice JP-ESPA-019",
                    "notice JP-ESPA-020",
                    "review JP-ESPA-017"
                ]
            ),
            (
                "10.1.0.5→CN/China Telecom",
                vec!["notice JP-ESPA-020", "notice JP-ESPA-025"]
            ),
        ])
    );
    let observed = report["network"]["observed"].as_array().unwrap();
    let kind = |id: &str| {
        observed.iter().find(|c| c["id"] == id).unwrap()["network_kind"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(kind("10.1.0.5→HK/Alibaba Cloud"), "hosting");
    assert_eq!(kind("10.1.0.5→CN/China Telecom"), "access");
}

#[test]
fn answering_foreign_traffic_is_exposure_and_a_private_asset_answering_is_reviewed() {
    // The public portal answers HTTPS from China Telecom; the management
    // server, not meant to be public, answers SSH from Rostelecom.
    let portal = conn(
        1_795_660_000.0,
        ("1.48.10.23", 41000),
        ("27.133.130.10", 443),
        "tcp",
        (900, 5_400),
        "SF",
    );
    let management = conn(
        1_795_660_100.0,
        ("2.60.12.34", 41001),
        ("10.1.0.5", 22),
        "tcp",
        (1_200, 2_300),
        "SF",
    );
    let unanswered = conn(
        1_795_660_200.0,
        ("2.60.12.34", 41002),
        ("10.1.0.5", 22),
        "tcp",
        (0, 0),
        "S0",
    );
    // Two addresses neither of which is the operator's: counted, named.
    let transit = conn(
        1_795_660_300.0,
        ("8.8.8.8", 53),
        ("1.178.1.10", 41003),
        "udp",
        (120, 0),
        "S0",
    );
    let run = perimeter(&[portal, management, unanswered, transit]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let fired = rules_by_subject(&report);
    assert_eq!(
        fired,
        owned(&[
            (
                "10.1.0.5:22←RU/Rostelecom",
                vec!["notice JP-ESPA-026", "review JP-ESPA-027"]
            ),
            (
                "27.133.130.10:443←CN/China Telecom",
                vec!["notice JP-ESPA-026"]
            ),
        ])
    );
    let observed = report["network"]["observed"].as_array().unwrap();
    let exposure = observed
        .iter()
        .find(|c| c["id"] == "27.133.130.10:443←CN/China Telecom")
        .unwrap();
    assert_eq!(
        (
            exposure["direction"].as_str(),
            exposure["service_port"].as_u64(),
            exposure["source_asset"].as_str(),
            exposure["bytes"].as_u64()
        ),
        (Some("inbound"), Some(443), Some("WEB-1"), Some(6_300))
    );
    assert_eq!(report["network"]["answered_inbound_flows"], 2);
    assert_eq!(report["network"]["unplaced_flows"], 1);
    assert!(
        report["network"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| note.as_str().unwrap().starts_with(
                "1 flows were between two addresses neither of which is the operator's"
            )),
        "{}",
        report["network"]["notes"]
    );
}

#[test]
fn a_bad_address_range_is_refused_with_its_place() {
    let dir = common::copy_fixture("net-perimeter");
    let operator = dir.path().join("operator.toml");
    let text = std::fs::read_to_string(&operator).unwrap();
    std::fs::write(
        &operator,
        text.replace("27.133.130.0/28", "27.133.130.0/33"),
    )
    .unwrap();
    let run = shinsa(&["screen", path_str(dir.path())]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("operator.toml:9:")
            && run
                .stderr
                .contains("field `network_internal`: expected a prefix length from 0 to 32")
            && run.stderr.contains("found \"27.133.130.0/33\""),
        "{}",
        run.stderr
    );
}

#[test]
fn the_inbound_summary_reads_in_japanese_and_english() {
    let day = fixture("net-perimeter");
    for (lang, heading, row) in [
        (
            "ja",
            "外部からの着信（ネットワーク別）",
            "CN AS4134 (China Telecom): 3 フロー, 2 送信元アドレス, 0 応答",
        ),
        (
            "en",
            "Inbound traffic (the outside knocking), by network",
            "CN AS4134 (China Telecom): 3 flows, 2 addresses, 0 answered",
        ),
    ] {
        let run = perimeter_flows(&day, &["--lang", lang, "conn.log"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains(heading) && run.stdout.contains(row),
            "{lang}: {}",
            run.stdout
        );
    }
}

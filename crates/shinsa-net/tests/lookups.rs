#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! Lookups on small hand-made datasets in the layouts operators have:
//! ip-location-db range CSVs, tor's geoip, a MaxMind-format .mmdb, IEEE
//! registry CSVs, and the shipped provider table.

use shinsa_net::{Lookups, Mac};
use std::net::IpAddr;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn range_csvs_in_every_layout() {
    let dir = tempfile::tempdir().unwrap();
    let dotted = write(&dir, "geo-ipv4.csv", b"1.12.0.0,1.15.255.255,CN\n103.135.208.0,103.135.211.255,HK\n27.132.0.0,27.143.255.255,JP\n5.0.0.0,5.0.0.255,??\n");
    // tor's geoip: comments, then decimal start,end,cc.
    let tor = write(&dir, "geoip", b"# Last updated based on June 25 2026 Maxmind GeoLite2 Country\n# Generated: Thu, 25 Jun 2026 04:33:59 GMT\n520093696,520093951,RU\n");
    // IPv6 as decimal numbers (the -num files).
    let start = u128::from("2a02:6b8::".parse::<std::net::Ipv6Addr>().unwrap());
    let v6 = write(
        &dir,
        "geo-ipv6-num.csv",
        format!("{start},{},RU\n", start + 0xffff_ffff).as_bytes(),
    );
    let asn = write(&dir, "asn-ipv4.csv", b"1.12.0.0,1.12.33.255,45090,Shenzhen Tencent Computer Systems Company Limited\n103.135.210.0,103.135.211.255,45102,\"Alibaba (US) Technology Co., Ltd.\"\n");
    let lookups = Lookups::open(&[dotted, tor, v6], &[asn], &[]).unwrap();

    let hk = lookups.destination(ip("103.135.210.100"));
    assert_eq!(hk.country.map(|c| c.to_string()).as_deref(), Some("HK"));
    assert_eq!(
        hk.network,
        Some((45102, "Alibaba (US) Technology Co., Ltd.".to_owned()))
    );
    let provider = hk.provider.unwrap();
    assert_eq!(
        (
            provider.name.as_str(),
            provider.parent.as_str(),
            provider.parent_country.to_string().as_str()
        ),
        ("Alibaba Cloud", "Alibaba Group Holding Limited", "CN")
    );
    // Range ends are inclusive; one past is outside.
    assert_eq!(
        lookups
            .destination(ip("1.15.255.255"))
            .country
            .map(|c| c.to_string())
            .as_deref(),
        Some("CN")
    );
    assert_eq!(lookups.destination(ip("1.16.0.0")).country, None);
    assert_eq!(
        lookups
            .destination(ip("31.0.0.5"))
            .country
            .map(|c| c.to_string())
            .as_deref(),
        Some("RU"),
        "tor's decimal IPv4"
    );
    assert_eq!(
        lookups
            .destination(ip("2a02:6b8::1"))
            .country
            .map(|c| c.to_string())
            .as_deref(),
        Some("RU"),
        "decimal IPv6"
    );
    assert_eq!(
        lookups
            .destination(ip("::ffff:1.12.0.1"))
            .country
            .map(|c| c.to_string())
            .as_deref(),
        Some("CN"),
        "IPv4-mapped"
    );
    assert_eq!(
        lookups.destination(ip("5.0.0.1")).country,
        None,
        "?? is unknown"
    );
    let labels = lookups.labels();
    assert!(
        labels.contains(&"country: geoip (generated Thu, 25 Jun 2026 04:33:59 GMT)".to_owned()),
        "{labels:?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with("country: geo-ipv4.csv (file dated ")),
        "{labels:?}"
    );
}

#[test]
fn a_bad_range_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        &dir,
        "geo.csv",
        b"1.0.0.0,1.0.0.255,JP\n1.0.1.0,1.0.1.255,Japan\n",
    );
    let error = Lookups::open(std::slice::from_ref(&bad), &[], &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: line 2: expected a country code, found \"Japan\"",
            bad.display()
        )
    );
    let not_mmdb = write(&dir, "broken.mmdb", b"not a MaxMind database");
    let error = Lookups::open(std::slice::from_ref(&not_mmdb), &[], &[])
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!("{}: ", not_mmdb.display())),
        "{error}"
    );
    assert!(
        !error.contains("line 0"),
        "a file-level error names no line: {error}"
    );
    let columns = write(&dir, "two.csv", b"1.0.0.0,1.0.0.255\n");
    let error = Lookups::open(&[columns], &[], &[]).unwrap_err();
    assert!(error.to_string().ends_with("line 1: expected 3 columns (start,end,country) or 4 (start,end,asn,organisation), found 2"), "{error}");
}

/// A MaxMind DB (IPv4 tree, 24-bit records) mapping one /8 to a record.
fn mmdb(first_octet: u8, record: &[u8]) -> Vec<u8> {
    const NODES: u32 = 8;
    let mut tree = Vec::new();
    for depth in 0..8u32 {
        let bit = (first_octet >> (7 - depth)) & 1;
        let next = if depth == 7 { NODES + 16 } else { depth + 1 };
        let (left, right) = if bit == 0 {
            (next, NODES)
        } else {
            (NODES, next)
        };
        for value in [left, right] {
            tree.extend(&value.to_be_bytes()[1..]);
        }
    }
    let mut file = tree;
    file.extend([0u8; 16]);
    file.extend(record);
    file.extend(b"\xAB\xCD\xEFMaxMind.com");
    let text = |s: &str| {
        let mut out = vec![(2 << 5) | s.len() as u8];
        out.extend(s.as_bytes());
        out
    };
    let uint16 = |v: u16| vec![(5 << 5) | 2, (v >> 8) as u8, v as u8];
    let mut meta = vec![(7 << 5) | 9];
    meta.extend(text("node_count"));
    meta.extend([(6 << 5) | 1, NODES as u8]);
    meta.extend(text("record_size"));
    meta.extend(uint16(24));
    meta.extend(text("ip_version"));
    meta.extend(uint16(4));
    meta.extend(text("database_type"));
    meta.extend(text("Test-Country"));
    meta.extend(text("languages"));
    meta.extend([0, 4]); // empty array (extended type 11)
    meta.extend(text("binary_format_major_version"));
    meta.extend(uint16(2));
    meta.extend(text("binary_format_minor_version"));
    meta.extend(uint16(0));
    meta.extend(text("build_epoch"));
    meta.extend([4, 2, 0x6a, 0x27, 0x3a, 0x00]); // uint64 (extended type 9), 2026-06-08
    meta.extend(text("description"));
    meta.extend([(7 << 5)]);
    file.extend(meta);
    file
}

#[test]
fn mmdb_country_and_asn_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut country = vec![(7 << 5) | 1];
    country.extend([(2 << 5) | 12]);
    country.extend(b"country_code");
    country.extend([(2 << 5) | 2]);
    country.extend(b"HK");
    let geo = write(&dir, "test-country.mmdb", &mmdb(203, &country));
    let mut network = vec![(7 << 5) | 2, (2 << 5) | 24];
    network.extend(b"autonomous_system_number");
    network.extend([(6 << 5) | 2, 0xb0, 0x2e]);
    network.extend([(2 << 5) | 29, 1]);
    network.extend(b"autonomous_system_organization");
    network.extend([(2 << 5) | 7]);
    network.extend(b"Alibaba");
    let asn = write(&dir, "test-asn.mmdb", &mmdb(203, &network));
    let lookups = Lookups::open(&[geo], &[asn], &[]).unwrap();
    let found = lookups.destination(ip("203.0.113.9"));
    assert_eq!(found.country.map(|c| c.to_string()).as_deref(), Some("HK"));
    assert_eq!(found.network, Some((45102, "Alibaba".to_owned())));
    assert_eq!(
        found.provider.map(|p| p.name).as_deref(),
        Some("Alibaba Cloud")
    );
    assert_eq!(lookups.destination(ip("198.51.100.1")).country, None);
    assert!(
        lookups
            .labels()
            .iter()
            .any(|l| l.starts_with("country: test-country.mmdb (Test-Country built 2026-")),
        "{:?}",
        lookups.labels()
    );
}

#[test]
fn mac_vendors_from_the_registry_longest_prefix_first() {
    let dir = tempfile::tempdir().unwrap();
    let oui = write(&dir, "oui.csv", b"Registry,Assignment,Organization Name,Organization Address\nMA-L,60601F,\"SZ DJI TECHNOLOGY CO.,LTD\",Shenzhen CN\nMA-L,70B3D5,IEEE Registration Authority,\n");
    let mam = write(&dir, "mam.csv", b"Registry,Assignment,Organization Name,Organization Address\nMA-M,70B3D51,Example Sensors Ltd,Osaka JP\n");
    let lookups = Lookups::open(&[], &[], &[oui, mam]).unwrap();
    let vendor = |text: &str| lookups.vendor(Mac::parse(text).unwrap());
    assert_eq!(
        vendor("60:60:1f:3a:4b:5c").as_deref(),
        Some("SZ DJI TECHNOLOGY CO.,LTD")
    );
    assert_eq!(
        vendor("70:b3:d5:1a:00:01").as_deref(),
        Some("Example Sensors Ltd"),
        "MA-M before MA-L"
    );
    assert_eq!(
        vendor("70:b3:d5:2a:00:01").as_deref(),
        Some("IEEE Registration Authority")
    );
    assert_eq!(vendor("62:60:1f:3a:4b:5c"), None, "locally administered");

    // The registry compiled in knows the vendors of concern.
    let built_in = Lookups::open(&[], &[], &[]).unwrap();
    let vendor = |text: &str| {
        built_in
            .vendor(Mac::parse(text).unwrap())
            .unwrap_or_default()
    };
    assert!(vendor("60:60:1f:00:00:01").contains("DJI"));
    assert!(vendor("44:19:b6:00:00:01").contains("Hikvision"));
    assert!(
        vendor("00:18:82:00:00:01")
            .to_uppercase()
            .contains("HUAWEI")
    );
}

#[test]
fn the_provider_table_is_sourced_and_well_formed() {
    let providers = shinsa_net::providers().unwrap();
    assert!(providers.len() >= 40);
    for (asn, provider) in &providers {
        assert!(!provider.source.is_empty(), "AS{asn} has no source");
        assert!(!provider.parent.is_empty(), "AS{asn} has no parent");
    }
    let country = |asn: u32| providers[&asn].parent_country.to_string();
    assert_eq!(
        country(136_907),
        "CN",
        "Huawei Cloud registered in Singapore is Huawei's"
    );
    assert_eq!(country(200_350), "RU");
    assert_eq!(country(16_509), "US");
    assert_eq!(country(9_370), "JP");
}

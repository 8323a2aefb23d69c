//! List importers on rows of the real published files and on hand-made
//! UN XML and FollowTheMoney documents shaped like the real ones.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use shinsa_ingest::lists::{ImportOptions, ListFile, ListFormat, import};
use shinsa_model::{ImportedList, PartyKind, RelationKind};
use std::path::Path;

fn file(name: &str) -> ListFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists")
        .join(name);
    ListFile {
        name: name.to_owned(),
        bytes: std::fs::read(path).unwrap(),
    }
}

fn text(name: &str, text: &str) -> ListFile {
    ListFile {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn options() -> ImportOptions {
    ImportOptions {
        id: None,
        version: None,
        today: shinsa_model::parse_date("2026-11-27").unwrap(),
    }
}

fn one(files: &[ListFile]) -> ImportedList {
    let mut lists = import(files, &options()).unwrap();
    assert_eq!(lists.len(), 1);
    lists.remove(0)
}

#[test]
fn ofac_sdn_with_alt_and_add_files() {
    let list = one(&[file("sdn.csv"), file("alt.csv"), file("add.csv")]);
    assert_eq!(list.info.id, "ofac-sdn");
    assert_eq!(list.info.version.to_string(), "2026-11-27");
    assert_eq!(list.info.sha256.len(), 64);
    let bank = list.parties.iter().find(|p| p.id == "306").unwrap();
    assert_eq!(
        bank.names,
        ["BANCO NACIONAL DE CUBA", "NATIONAL BANK OF CUBA", "BNC"]
    );
    assert_eq!(bank.kind, PartyKind::Organization);
    assert_eq!(bank.programs, ["CUBA"]);
    let countries: Vec<&str> = bank.countries.iter().map(|c| c.as_str()).collect();
    assert_eq!(countries, ["CH", "ES", "JP", "PA"]);
}

#[test]
fn ofac_consolidated_links_identifiers_and_companions_by_prefix() {
    let list = one(&[file("cons_alt.csv"), file("cons_prim.csv")]);
    assert_eq!(list.info.id, "ofac-cons");
    let bm = list.parties.iter().find(|p| p.id == "17017").unwrap();
    assert_eq!(bm.relations.len(), 1);
    assert_eq!(bm.relations[0].to, "17013");
    assert_eq!(bm.relations[0].kind, RelationKind::LinkedTo);
    let hikvision = list.parties.iter().find(|p| p.id == "30946").unwrap();
    let ids: Vec<String> = hikvision
        .identifiers
        .iter()
        .map(|i| format!("{}:{}", i.scheme, i.value))
        .collect();
    assert_eq!(ids, ["isin:CNE100000PM8", "cn_uscc:91330000733796106P"]);
    assert!(
        list.parties
            .iter()
            .find(|p| p.id == "17013")
            .unwrap()
            .names
            .len()
            > 1
    );
}

#[test]
fn a_companion_row_for_an_unknown_entry_is_refused_with_its_line() {
    let alt = text(
        "alt.csv",
        "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \n999,1,\"aka\",\"GHOST\",-0- \n",
    );
    let errors = import(&[file("sdn.csv"), alt], &options()).unwrap_err();
    let shown = errors.to_string();
    assert!(shown.contains("alt.csv:2:1"), "{shown}");
    assert!(shown.contains("999 (no such entry)"), "{shown}");
}

#[test]
fn a_short_ofac_record_is_refused() {
    let bad = text("sdn.csv", "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\"\n");
    let shown = import(&[bad], &options()).unwrap_err().to_string();
    assert!(shown.contains("sdn.csv:1:1"), "{shown}");
    assert!(
        shown.contains("expected 12 fields, found 4 fields"),
        "{shown}"
    );
}

#[test]
fn consolidated_screening_list_csv() {
    let list = one(&[file("csl.csv")]);
    assert_eq!(list.info.id, "us-csl");
    assert_eq!(list.parties.len(), 3);
    let first = &list.parties[0];
    assert_eq!(first.name(), "32 Group China Ltd.");
    assert_eq!(
        first.programs[0],
        "Entity List (EL) - Bureau of Industry and Security"
    );
    assert!(
        first.countries.iter().any(|c| c.as_str() == "HK"),
        "{:?}",
        first.countries
    );
}

#[test]
fn consolidated_screening_list_json() {
    let json = r#"{"total": 1, "results": [{"id": "e1", "source": "Entity List (EL) - Bureau of Industry and Security",
        "name": "Example Telecom Co., Ltd.", "type": "Entity", "alt_names": ["Example Tel"],
        "addresses": [{"address": "1 Road", "city": "Shenzhen", "country": "CN"}],
        "ids": [{"type": "Unified Social Credit Code (USCC)", "number": "914403001922038216"}]}]}"#;
    let list = one(&[text("csl.json", json)]);
    let party = &list.parties[0];
    assert_eq!(party.names, ["Example Telecom Co., Ltd.", "Example Tel"]);
    assert_eq!(party.countries[0].as_str(), "CN");
    assert_eq!(party.identifiers[0].scheme, "cn_uscc");
    let bad = text("csl.json", r#"{"results": [{"name": ""}]}"#);
    let shown = import(&[bad], &options()).unwrap_err().to_string();
    assert!(shown.contains("csl.json#/results/0/name"), "{shown}");
}

const UN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <FIRST_NAME>RI</FIRST_NAME>
      <SECOND_NAME>WON HO</SECOND_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.023</REFERENCE_NUMBER>
      <NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ri Won&#x2D;ho</ALIAS_NAME></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>110431</DATAID>
      <FIRST_NAME>KOREA MINING &amp; DEVELOPMENT TRADING CORPORATION</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>KOMID</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"#;

#[test]
fn un_consolidated_xml() {
    assert_eq!(
        ListFormat::detect("un.xml", UN.as_bytes()),
        Some(ListFormat::UnXml)
    );
    let list = one(&[text("un.xml", UN)]);
    assert_eq!(list.info.id, "un-sc");
    assert_eq!(list.info.version.to_string(), "2026-02-27");
    let person = &list.parties[0];
    assert_eq!(person.kind, PartyKind::Person);
    assert_eq!(person.names, ["RI WON HO", "Ri Won-ho"]);
    assert_eq!(person.countries[0].as_str(), "KP");
    let entity = &list.parties[1];
    assert_eq!(
        entity.names,
        ["KOREA MINING & DEVELOPMENT TRADING CORPORATION", "KOMID"]
    );
    let broken = UN.replace("</ENTITY>\n", "");
    let shown = import(&[text("un.xml", &broken)], &options())
        .unwrap_err()
        .to_string();
    assert!(shown.contains("un.xml:"), "{shown}");
}

#[test]
fn followthemoney_entities_and_ownership() {
    let lines = [
        r#"{"id": "os-parent", "schema": "Company", "target": true, "properties": {"name": ["Listed Parent Group"], "country": ["cn"], "leiCode": ["5493001KJTIIGC8Y1R12"]}}"#,
        r#"{"id": "os-child", "schema": "Company", "target": false, "properties": {"name": ["Child Trading Ltd"], "country": ["hk"]}}"#,
        r#"{"id": "os-own", "schema": "Ownership", "properties": {"owner": ["os-parent"], "asset": ["os-child"], "percentage": ["60"]}}"#,
    ];
    let list = one(&[text("targets.ftm.json", &lines.join("\n"))]);
    let child = list.parties.iter().find(|p| p.id == "os-child").unwrap();
    assert!(!child.target);
    assert_eq!(child.relations[0].to, "os-parent");
    assert_eq!(child.relations[0].kind, RelationKind::OwnedBy);
    assert_eq!(child.relations[0].share.map(|s| s.value()), Some(60.0));
    assert_eq!(list.entries().len(), 1, "only targets are entries");
    let broken = format!("{}\n{{\"id\": ", lines[0]);
    let shown = import(&[text("x.ftm.json", &broken)], &options())
        .unwrap_err()
        .to_string();
    assert!(shown.contains("x.ftm.json:2:"), "{shown}");
}

#[test]
fn diff_between_versions() {
    let old = one(&[file("sdn.csv")]);
    let newer_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lists/sdn.csv"),
    )
    .unwrap()
    .replace(
        "36,\"AEROCARIBBEAN AIRLINES\"",
        "36,\"AEROCARIBBEAN AIRLINES SA\"",
    )
    .lines()
    .filter(|line| !line.starts_with("173,"))
    .collect::<Vec<_>>()
    .join("\n");
    let new = one(&[text(
        "sdn.csv",
        &format!(
            "{newer_text}\n999,\"NEW CO\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
        ),
    )]);
    let changes = old.changes_to(&new);
    assert_eq!(
        changes
            .added
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["999"]
    );
    assert_eq!(
        changes
            .removed
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["173"]
    );
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].1.name(), "AEROCARIBBEAN AIRLINES SA");
}

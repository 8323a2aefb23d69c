//! The Japanese ministries' own workbooks, read whole: counts equal to the
//! ministries', removals with their day, both scripts, and a damaged copy
//! refused with its sheet and cell. See `fixtures/lists/jp/README.md`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use shinsa_ingest::lists::{ImportOptions, ListFile, import};
use shinsa_model::{ImportedList, LegalEffect, PartyKind};
use std::path::Path;

fn file(name: &str) -> ListFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists/jp")
        .join(name);
    ListFile {
        name: name.to_owned(),
        bytes: std::fs::read(path).unwrap(),
    }
}

fn options() -> ImportOptions {
    ImportOptions {
        id: None,
        version: None,
        today: shinsa_model::parse_date("2026-12-05").unwrap(),
    }
}

fn one(file: ListFile) -> ImportedList {
    let mut lists = import(&[file], &options()).unwrap();
    assert_eq!(lists.len(), 1);
    lists.remove(0)
}

#[test]
fn the_mof_workbook_gives_every_live_entry_and_every_removal() {
    let list = one(file("shisantouketsu20260305.xlsx"));
    assert_eq!(list.info.id, "jp-mof");
    assert_eq!(list.info.version.to_string(), "2026-03-05");
    assert_eq!(list.info.legal_effect, LegalEffect::Sanctions);
    assert_eq!(list.info.jurisdiction.as_str(), "JP");
    assert_eq!(
        list.parties.len(),
        2862,
        "the ministry's count of live entries"
    );
    assert_eq!(list.removals.len(), 598);
    // Ids are unique: programme number and notice number.
    let mut ids: Vec<&str> = list.parties.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2862);
    // Every programme sheet with a header row gives entries but one,
    // whose every row is struck out.
    let mut programmes: Vec<&str> = list
        .parties
        .iter()
        .flat_map(|p| p.programs.iter().map(String::as_str))
        .collect();
    programmes.sort_unstable();
    programmes.dedup();
    assert_eq!(programmes.len(), 40);

    let milosevic = list.parties.iter().find(|p| p.id == "1-1").unwrap();
    assert_eq!(
        milosevic.names,
        ["Milosevic Slobodan", "ミロシェヴィッチ・スロボダン"]
    );
    assert_eq!(milosevic.kind, PartyKind::Person);
    assert_eq!(milosevic.birth_dates, ["1941-08-20"]);
    assert_eq!(milosevic.programs, ["1.ミロシェビッチ前ユーゴ大統領関係者"]);
    let markovic = list.parties.iter().find(|p| p.id == "1-3").unwrap();
    assert_eq!(markovic.birth_dates, ["1942-07-10"]);

    // An organisation with aliases in both scripts, and its country.
    let mesbah = list
        .parties
        .iter()
        .find(|p| {
            p.names
                .first()
                .is_some_and(|n| n == "MESBAH ENERGY COMPANY")
        })
        .unwrap();
    assert_eq!(mesbah.kind, PartyKind::Organization);
    for alias in [
        "メスバーフ・エナジー・カンパニー",
        "メスバーフ・エナジー",
        "Messbah Energy",
        "MEC",
    ] {
        assert!(
            mesbah.names.iter().any(|n| n == alias),
            "{alias}: {:?}",
            mesbah.names
        );
    }
    assert!(mesbah.countries.iter().any(|c| c.as_str() == "IR"));

    // A removal keeps its notice number and day.
    let removed = list.removals.iter().find(|r| r.id == "3-2").unwrap();
    assert_eq!(removed.removed.to_string(), "2008-03-26");

    // Dates of birth: most persons have one, every one is a valid day,
    // month or year.
    let persons: Vec<_> = list
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Person)
        .collect();
    let dated = persons.iter().filter(|p| !p.birth_dates.is_empty()).count();
    assert!(
        dated * 10 >= persons.len() * 7,
        "{dated} of {}",
        persons.len()
    );
    for person in &persons {
        for date in &person.birth_dates {
            assert!(
                matches!(date.len(), 4 | 7 | 10) && date[..4].parse::<u32>().is_ok(),
                "{}: {date}",
                person.id
            );
        }
    }
}

#[test]
fn a_programme_sheet_without_its_header_row_refuses_the_workbook() {
    let errors = import(&[file("mof-header-row-deleted.xlsx")], &options()).unwrap_err();
    let text = errors.to_string();
    assert!(text.contains("mof-header-row-deleted.xlsx"), "{text}");
    assert!(text.contains("20.イラン (団体)"), "{text}");
    assert!(text.contains("A1"), "{text}");
    assert!(text.contains("告示日付"), "{text}");
}

#[test]
fn a_truncated_workbook_is_refused_with_its_file() {
    let mut damaged = file("shisantouketsu20260305.xlsx");
    damaged.bytes.truncate(damaged.bytes.len() / 2);
    let errors = import(&[damaged], &options()).unwrap_err();
    let text = errors.to_string();
    assert!(text.contains("shisantouketsu20260305.xlsx"), "{text}");
    assert!(text.contains("XLSX workbook"), "{text}");
}

#[test]
fn the_end_user_list_gives_835_entries_with_their_concerns() {
    let list = one(file("20250929_4.xlsx"));
    assert_eq!(list.info.id, "jp-meti-eul");
    assert_eq!(list.info.version.to_string(), "2025-09-29");
    assert_eq!(list.info.legal_effect, LegalEffect::ExportControl);
    assert_eq!(list.parties.len(), 835, "the ministry's count");
    let first = &list.parties[0];
    assert_eq!(first.names[0], "Al Qa'ida/Islamic Army");
    assert!(first.names.iter().any(|n| n == "Al Qaeda"));
    assert_eq!(
        first.programs,
        ["WMD concern: B,C,M,N", "Conventional weapons concern (CW)"]
    );
    assert_eq!(first.countries[0].as_str(), "AF");
    // Every entry has a concern, and a country the list names in English.
    assert!(list.parties.iter().all(|p| !p.programs.is_empty()));
    let placed = list
        .parties
        .iter()
        .filter(|p| !p.countries.is_empty())
        .count();
    assert_eq!(placed, 835, "every country the list names is known");
}

/// The export-ban PDFs as METI publishes them, checked against a text
/// extraction made by others (OpenSanctions' `.pdf.txt`, kept with the
/// matcher's fixtures): every entry's Japanese and English names are there.
#[test]
fn the_export_ban_pdfs_give_every_numbered_entry() {
    let extraction = |name: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shinsa-match/tests/fixtures/jp")
                .join(name),
        )
        .unwrap()
    };
    let flat = |text: &str| text.split_whitespace().collect::<String>();
    for (pdf, txt, id, numbers) in [
        (
            "20250912list_russia_tokutei.pdf",
            "250912_list_russia_tokutei.pdf.txt",
            "jp-meti-export-ban-ru",
            560..=561,
        ),
        (
            "20250912list_daisangoku_tokutei.pdf",
            "250912_list_daisangoku_tokutei.pdf.txt",
            "jp-meti-export-ban-third",
            48..=56,
        ),
    ] {
        let list = one(file(pdf));
        assert_eq!(list.info.id, id);
        assert_eq!(list.info.version.to_string(), "2025-09-12");
        let ids: Vec<String> = list.parties.iter().map(|p| p.id.clone()).collect();
        let expected: Vec<String> = numbers.map(|n: u32| n.to_string()).collect();
        assert_eq!(ids, expected, "{pdf}");
        let other = flat(&extraction(txt));
        for party in &list.parties {
            for name in party.names.iter().take(2) {
                assert!(other.contains(&flat(name)), "{pdf} {}: {name}", party.id);
            }
            assert!(
                !party.remarks.contains("could not be read"),
                "{}",
                party.remarks
            );
        }
    }
    let third = one(file("20250912list_daisangoku_tokutei.pdf"));
    let eastech = third.parties.iter().find(|p| p.id == "49").unwrap();
    for alias in [
        "Eastech Electronics Ltd",
        "イータイ・テクノロジー",
        "EASTECH",
    ] {
        assert!(
            eastech.names.iter().any(|n| n == alias),
            "{alias}: {:?}",
            eastech.names
        );
    }
    assert_eq!(eastech.countries[0].as_str(), "CN");

    let belarus = one(file("list_belarus_tokutei.pdf"));
    assert_eq!(belarus.info.id, "jp-meti-export-ban-by");
    assert_eq!(belarus.info.version.to_string(), "2022-07-05");
    let ids: Vec<String> = belarus.parties.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids, (1..=27).map(|n| n.to_string()).collect::<Vec<_>>());
    let integral = &belarus.parties[1];
    assert_eq!(
        integral.names,
        [
            "JSC Integral",
            "株式会社インテグラル",
            "OAO Integral",
            "Joint-Stock Company Integral-Holding Managing Company",
            "OAO インテグラル",
            "株式会社インテグラル＝ホールディング・マネージング"
        ]
    );
    // A Japanese name that opens with Latin letters stays the Japanese name.
    assert_eq!(
        belarus.parties[15].names[..2],
        ["KGB Alpha", "KGB アルファ"]
    );
    assert!(
        belarus
            .parties
            .iter()
            .all(|p| p.countries.iter().any(|c| c.as_str() == "BY"))
    );
}

#[test]
fn a_truncated_or_foreign_pdf_is_refused_with_its_file() {
    let mut damaged = file("list_belarus_tokutei.pdf");
    damaged.bytes.truncate(damaged.bytes.len() / 3);
    damaged.name = "list_belarus_tokutei-cut.pdf".to_owned();
    let text = import(&[damaged], &options()).unwrap_err().to_string();
    assert!(text.contains("list_belarus_tokutei-cut.pdf"), "{text}");
    assert!(text.contains("PDF"), "{text}");
    // A PDF that makes the PDF library panic (found by fuzzing) is refused
    // like any unreadable one.
    let text = import(&[file("pdf-library-panics.pdf")], &options())
        .unwrap_err()
        .to_string();
    assert!(text.contains("a readable PDF"), "{text}");
    // METI's End User List as a PDF is not an export-ban list.
    let text = import(&[file("20250929_2.pdf")], &options())
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("20250929_2.pdf") && text.contains("export-ban"),
        "{text}"
    );
}

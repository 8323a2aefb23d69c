//! Properties of name analysis and scoring that must hold for any input.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use shinsa_match::matcher::score;
use shinsa_match::name::{analyse, fold};
use shinsa_match::{Matcher, TargetRef};
use shinsa_model::{ImportedList, LegalEffect, ListInfo, ListedParty, PartyKind, ReferenceData};

/// Names from a small vocabulary, so that random names share words, with
/// legal forms, particles, initials, digits and other scripts among them.
fn name() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "huawei",
        "kestrel",
        "kastrel",
        "trading",
        "co",
        "ltd",
        "al",
        "rahman",
        "s.a.",
        "j.",
        "11420",
        "corp",
        "技术",
        "有限公司",
        "Путин",
        "Владимир",
        "김정은",
        "トヨタ",
        "gmbh",
        "hong",
        "kong",
        "hongkong",
        "international",
        "intl",
        "comp",
        "osprey",
        "heron",
    ]);
    prop::collection::vec(word, 1..5).prop_map(|words| words.join(" "))
}

fn list(names: &[String]) -> ReferenceData {
    let parties = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            ListedParty::new(i.to_string(), PartyKind::Organization, vec![name.clone()])
        })
        .collect();
    let mut reference = ReferenceData::default();
    reference.add_imported(ImportedList {
        info: ListInfo {
            id: "l".into(),
            name: "l".into(),
            publisher: "p".into(),
            jurisdiction: shinsa_model::CountryCode::parse("XX").unwrap(),
            legal_effect: LegalEffect::Sanctions,
            version: shinsa_model::parse_date("2026-01-01").unwrap(),
            source: String::new(),
            sha256: String::new(),
            coverage: None,
        },
        parties,
        removals: Vec::new(),
    });
    reference
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn folding_is_idempotent(text in "\\PC{0,40}") {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn analysis_of_a_key_is_the_key(text in name()) {
        let key = analyse(&text).key;
        prop_assert_eq!(analyse(&key).key, key);
    }

    #[test]
    fn scores_are_symmetric_and_bounded(a in name(), b in name()) {
        let (left, _) = score(&analyse(&a), &analyse(&b));
        let (right, _) = score(&analyse(&b), &analyse(&a));
        prop_assert!((0.0..=1.0).contains(&left), "{left}");
        prop_assert!((left - right).abs() < 1e-9, "{a:?} ~ {b:?}: {left} vs {right}");
    }

    #[test]
    fn an_unrelated_entry_never_changes_a_score(
        names in prop::collection::vec(name(), 1..12),
        extra in name(),
        query in name(),
    ) {
        let before = Matcher::new(&list(&names)).find(&query, 0.5);
        let mut more = names.clone();
        more.push(extra);
        let after = Matcher::new(&list(&more)).find(&query, 0.5);
        let extra_key = TargetRef::Entry(format!("l/{}", names.len()));
        let after: Vec<_> = after.into_iter().filter(|m| m.target != extra_key).collect();
        let scores = |found: &[shinsa_match::NameMatch]| -> Vec<(String, u64)> {
            let mut out: Vec<_> = found.iter().map(|m| (format!("{:?}", m.target), m.score.to_bits())).collect();
            out.sort();
            out
        };
        prop_assert_eq!(scores(&before), scores(&after));
    }
}

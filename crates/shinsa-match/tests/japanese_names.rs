//! Names written in Japanese against a list written in Latin letters: the
//! METI export-ban lists' own bilingual entries are the test set (the
//! Japanese name is the query; the list holds only the English names and
//! aliases), and names nobody listed are the negative set. See
//! `fixtures/jp/README.md` for the sources.

use shinsa_match::name::analyse;
use shinsa_match::{DEFAULT_THRESHOLD, Matcher, TargetRef};
use shinsa_model::{ListedParty, PartyKind, ReferenceData};

/// One numbered entry of a METI list as the PDF text gives it.
#[derive(Debug)]
struct Entry {
    number: usize,
    japanese: String,
    english: Vec<String>,
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

/// The entries numbered 1, 2, 3… in `text`; each starts with its number
/// and a space before Japanese, though the text sometimes runs it onto the
/// previous entry's address line.
fn entries(text: &str) -> Vec<Entry> {
    let text: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut starts = Vec::new();
    let mut from = 0;
    let mut number = 1;
    // Numbers of delisted entries are skipped: look a few ahead.
    while let Some((found, at)) = (number..number + 20).find_map(|candidate| {
        let marker = format!("{candidate} ");
        let rest = text.get(from..)?;
        rest.match_indices(&marker)
            .find(|(at, _)| {
                let before = rest.get(..*at).and_then(|b| b.chars().last());
                let line = rest
                    .get(at + marker.len()..)
                    .and_then(|a| a.lines().next())
                    .unwrap_or_default();
                !before.is_some_and(|b| b.is_ascii_digit())
                    && line.chars().take(12).any(is_japanese)
            })
            .map(|(at, _)| (candidate, from + at))
    }) {
        let marker = format!("{found} ");
        starts.push((found, at, at + marker.len()));
        from = at + marker.len();
        number = found + 1;
    }
    let mut out = Vec::new();
    for (index, &(number, _, body)) in starts.iter().enumerate() {
        let end = starts.get(index + 1).map_or(text.len(), |next| next.1);
        let block = &text[body..end];
        let block = block.split("所在地").next().unwrap_or(block);
        // The Japanese name runs until the first line without Japanese;
        // on its last line, up to its last Japanese character or bracket.
        let mut japanese = String::new();
        let mut english_text = String::new();
        let mut in_english = false;
        for line in block.lines() {
            if in_english {
                english_text.push_str(line);
                english_text.push('\n');
                continue;
            }
            if line.chars().any(is_japanese) {
                // Latin letters after the last Japanese character are the
                // English name run onto the line when they make three
                // words or more ("…「プログレス」JSC Rocket and Space
                // Centre"); fewer are part of the Japanese name
                // ("有限会社ミランドル EK", "株式会社766 UPTK").
                let last_japanese = line
                    .char_indices()
                    .rfind(|(_, c)| is_japanese(*c) || matches!(c, '）' | '」' | '』'))
                    .map(|(at, c)| at + c.len_utf8())
                    .unwrap_or(line.len());
                let tail_words = line[last_japanese..].split_whitespace().count();
                let cut = if tail_words >= 3 {
                    last_japanese
                } else {
                    line.len()
                };
                japanese.push_str(&line[..cut]);
                let rest = line[cut..].trim();
                if !rest.is_empty() && rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    english_text.push_str(rest);
                    english_text.push('\n');
                    in_english = true;
                }
            } else {
                english_text.push_str(line);
                english_text.push('\n');
                in_english = true;
            }
        }
        // The main name, without its aliases in parentheses.
        let japanese = japanese
            .split('（')
            .next()
            .unwrap_or(&japanese)
            .trim()
            .to_owned();
        let mut english = Vec::new();
        let mut lines = english_text.lines();
        let mut primary = String::new();
        for line in lines.by_ref() {
            let (head, aka) = match line.find("a.k.a") {
                Some(at) => (&line[..at], true),
                None => (line, false),
            };
            primary.push_str(head);
            primary.push(' ');
            if aka {
                break;
            }
        }
        // The third-country list writes Japanese aliases after "別称：",
        // and some entries "…, the following two aliases: —X; and —Y".
        let primary = primary.split("別称").next().unwrap_or(&primary);
        let primary = primary.split(", the following").next().unwrap_or(primary);
        let primary = primary.trim().trim_end_matches(',').trim().to_owned();
        // "Russian Space Systems (RKS)": the list's name, and the short
        // name in parentheses as an alias, as importers read them.
        let short = primary
            .split_once(" (")
            .and_then(|(name, rest)| Some((name.trim(), rest.strip_suffix(')')?)));
        english.push(primary.clone());
        if let Some((name, short)) = short {
            english.push(name.to_owned());
            english.push(short.to_owned());
        }
        for line in lines {
            if let Some(alias) = line.strip_prefix('-') {
                english.push(
                    alias
                        .trim()
                        .trim_end_matches("; and")
                        .trim_end_matches([';', ',', '.'])
                        .trim()
                        .to_owned(),
                );
            } else if english.len() > 1
                && let Some(last) = english.last_mut()
            {
                // An alias wrapped onto the next line.
                {
                    last.push(' ');
                    last.push_str(
                        line.trim()
                            .trim_end_matches("; and")
                            .trim_end_matches([';', '.']),
                    );
                }
            }
        }
        english.retain(|name| !name.is_empty() && !name.chars().any(is_japanese));
        if !japanese.is_empty() && !english.is_empty() {
            out.push(Entry {
                number,
                japanese,
                english,
            });
        }
    }
    out
}

fn lists() -> Vec<(&'static str, Vec<Entry>)> {
    vec![
        (
            "ru",
            entries(include_str!(
                "fixtures/jp/250912_list_russia_tokutei.pdf.txt"
            )),
        ),
        (
            "third",
            entries(include_str!(
                "fixtures/jp/250912_list_daisangoku_tokutei.pdf.txt"
            )),
        ),
    ]
}

/// Legal forms a Japanese name may carry whatever its script; the test
/// classifies a name as "with kanji" by what remains.
const LEGAL_FORMS: &[&str] = &[
    "公開株式会社",
    "公共株式会社",
    "非公開株式会社",
    "有限責任会社",
    "株式会社",
    "有限会社",
    "合同会社",
];

fn has_kanji(name: &str) -> bool {
    let mut rest = name.to_owned();
    for form in LEGAL_FORMS {
        rest = rest.replace(form, "");
    }
    rest.chars()
        .any(|c| matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々'))
}

/// The list as a Latin-script list: only the English names and aliases.
fn matcher(lists: &[(&str, Vec<Entry>)]) -> Matcher {
    let mut reference = ReferenceData::default();
    for (list, entries) in lists {
        for entry in entries {
            reference.listed.push((
                (*list).to_owned(),
                ListedParty::new(
                    entry.number.to_string(),
                    PartyKind::Organization,
                    entry.english.clone(),
                ),
            ));
        }
    }
    Matcher::new(&reference)
}

#[test]
fn the_bilingual_entries_are_read_whole() {
    let lists = lists();
    let (russia, third) = (&lists[0].1, &lists[1].1);
    for (name, entries) in &lists {
        let numbers: Vec<usize> = entries.iter().map(|e| e.number).collect();
        let last = numbers.last().copied().unwrap_or(0);
        let missing: Vec<usize> = (1..=last).filter(|n| !numbers.contains(n)).collect();
        eprintln!(
            "{name}: {} entries, last {last}, missing {missing:?}",
            entries.len()
        );
    }
    // The extracted text runs to No. 561 (Russia) and No. 56 (third
    // countries); of those it loses at most a few.
    assert!(russia.len() >= 550, "{}", russia.len());
    assert!(third.len() >= 50, "{}", third.len());
    let first = &russia[0];
    assert_eq!(first.japanese, "株式会社アドミラルティ造船所");
    assert_eq!(first.english, ["Admiralty Shipyard JSC"]);
    let fsb = russia.iter().find(|e| e.number == 6).map(|e| &e.english);
    assert_eq!(
        fsb,
        Some(&vec![
            "Federal Security Service (FSB)".to_owned(),
            "Federal Security Service".to_owned(),
            "FSB".to_owned(),
            "Federalnaya Sluzhba Bezopasnosti".to_owned()
        ])
    );
}

#[test]
fn japanese_names_find_their_latin_entries() {
    let lists = lists();
    let matcher = matcher(&lists);
    let english_of = |key: &str| -> Option<&Vec<String>> {
        let (list, id) = key.split_once('/')?;
        lists
            .iter()
            .find(|(name, _)| *name == list)?
            .1
            .iter()
            .find(|entry| entry.number.to_string() == id)
            .map(|entry| &entry.english)
    };
    let (mut katakana, mut kanji) = ((0usize, 0usize), (0usize, 0usize));
    let mut misses = Vec::new();
    for (list, entries) in &lists {
        for entry in entries {
            let found = matcher.find(&entry.japanese, DEFAULT_THRESHOLD);
            // Right when the first match is an entry of the same English
            // name after analysis (the lists repeat a name at each of its
            // addresses, once with "PJSC" and once without).
            let same = |a: &str, b: &str| analyse(a).key == analyse(b).key;
            let expected = format!("{list}/{}", entry.number);
            let right = found.first().is_some_and(|best| match &best.target {
                TargetRef::Entry(key) => {
                    *key == expected
                        || english_of(key)
                            .and_then(|names| names.first())
                            .is_some_and(|name| same(name, &entry.english[0]))
                }
                TargetRef::Identity(_) => false,
            });
            let tally = if has_kanji(&entry.japanese) {
                &mut kanji
            } else {
                &mut katakana
            };
            tally.1 += 1;
            if right {
                tally.0 += 1;
            } else {
                let near = matcher.find(&entry.japanese, 0.4);
                misses.push(format!(
                    "{} | {} | {:?} | {:?}",
                    entry.japanese,
                    entry.english[0],
                    found.first().map(|m| (&m.matched, &m.target)),
                    near.first()
                        .map(|m| (&m.matched, (m.score * 100.0).round(), &m.why))
                ));
            }
        }
    }
    let share = |(right, all): (usize, usize)| right as f64 / all as f64;
    eprintln!(
        "katakana: {}/{} ({:.1} %), kanji: {}/{} ({:.1} %)",
        katakana.0,
        katakana.1,
        100.0 * share(katakana),
        kanji.0,
        kanji.1,
        100.0 * share(kanji)
    );
    if std::env::var_os("SHINSA_SHOW_MISSES").is_some() {
        for miss in &misses {
            eprintln!("{miss}");
        }
    }
    assert!(
        katakana.1 >= 100 && kanji.1 >= 100,
        "{katakana:?} {kanji:?}"
    );
    // Issue 17's aims: 90 % of katakana names, 50 % of names with kanji
    // (reached: 185 of 205, 213 of 409).
    assert!(share(katakana) >= 0.90, "katakana {katakana:?}");
    assert!(share(kanji) >= 0.50, "kanji {kanji:?}");
}

/// And back: the list holds only the Japanese names, the queries are the
/// English ones.
#[test]
fn latin_names_find_their_japanese_entries() {
    let lists = lists();
    let mut reference = ReferenceData::default();
    for (list, entries) in &lists {
        for entry in entries {
            reference.listed.push((
                (*list).to_owned(),
                ListedParty::new(
                    entry.number.to_string(),
                    PartyKind::Organization,
                    vec![entry.japanese.clone()],
                ),
            ));
        }
    }
    let matcher = Matcher::new(&reference);
    let (mut right, mut all) = (0usize, 0usize);
    for (list, entries) in &lists {
        for entry in entries.iter().filter(|entry| !has_kanji(&entry.japanese)) {
            all += 1;
            let found = matcher.find(&entry.english[0], DEFAULT_THRESHOLD);
            let japanese_of = |key: &str| {
                let (list, id) = key.split_once('/')?;
                lists
                    .iter()
                    .find(|(name, _)| *name == list)?
                    .1
                    .iter()
                    .find(|e| e.number.to_string() == id)
                    .map(|e| e.japanese.clone())
            };
            let expected = format!("{list}/{}", entry.number);
            if found.first().is_some_and(|best| match &best.target {
                TargetRef::Entry(key) => {
                    *key == expected || japanese_of(key).as_ref() == Some(&entry.japanese)
                }
                TargetRef::Identity(_) => false,
            }) {
                right += 1;
            }
        }
    }
    eprintln!("Latin → katakana: {right}/{all}");
    assert!(all >= 100);
    // Reached: 171 of 205.
    assert!(right * 100 >= all * 80, "{right} of {all}");
}

/// A Japanese name in Latin letters finds its katakana form whichever
/// Hepburn spelling it uses. (Kanji names need a reading of the kanji,
/// which shinsa does not have: 大野 is found only as written.)
#[test]
fn hepburn_spellings_find_the_katakana_name() {
    let mut reference = ReferenceData::default();
    reference.listed.push((
        "test".to_owned(),
        ListedParty::new(
            "1".to_owned(),
            PartyKind::Person,
            vec!["オオノ・サトシ".to_owned()],
        ),
    ));
    let matcher = Matcher::new(&reference);
    for query in ["Satoshi Ono", "Ohno Satoshi", "Ōno Satoshi", "OONO SATOSHI"] {
        let found = matcher.find(query, DEFAULT_THRESHOLD);
        assert_eq!(
            found.first().map(|m| m.matched.as_str()),
            Some("オオノ・サトシ"),
            "{query}"
        );
    }
    assert!(matcher.find("Satoshi Ito", DEFAULT_THRESHOLD).is_empty());
}

#[test]
fn names_nobody_listed_raise_almost_no_alert() {
    let lists = lists();
    let matcher = matcher(&lists);
    let negatives: Vec<&str> = include_str!("fixtures/jp/negatives.txt")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert!(negatives.len() >= 200);
    let alerts: Vec<String> = negatives
        .iter()
        .filter_map(|name| {
            let found = matcher.find(name, DEFAULT_THRESHOLD);
            found.first().map(|best| {
                format!(
                    "{name} → {} ({:.2}) {:?}",
                    best.matched, best.score, best.why
                )
            })
        })
        .collect();
    eprintln!("{} of {} negatives alert", alerts.len(), negatives.len());
    for alert in &alerts {
        eprintln!("{alert}");
    }
    assert!(
        alerts.len() * 100 <= negatives.len(),
        "{} alerts: {alerts:#?}",
        alerts.len()
    );
}

#[test]
fn a_match_says_how_the_japanese_was_read() {
    let lists = lists();
    let matcher = matcher(&lists);
    let found = matcher.find("株式会社アドミラルティ造船所", DEFAULT_THRESHOLD);
    let best = found.first().expect("a match");
    assert_eq!(best.matched, "Admiralty Shipyard JSC");
    let why = best.why.join("\n");
    assert!(why.contains("legal form set aside: 株式会社"), "{why}");
    assert!(why.contains("by sound: アドミラルティ → JMRRT"), "{why}");
    assert!(why.contains("word matched by sound"), "{why}");
    assert!(why.contains("造船所 → shipyard"), "{why}");
}

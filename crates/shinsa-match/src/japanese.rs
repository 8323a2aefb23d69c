//! Names written in Japanese, read for lists written in Latin letters (and
//! the reverse).
//!
//! Japanese writes a foreign name by its sound, in katakana: ウラジーミル・
//! プーチン is Vladimir Putin. The sound goes through Japanese syllables —
//! a vowel after every consonant but ン, one sound for l and r, ヴ or バ or
//! ウ for v, ー for a long vowel, ッ for a doubled consonant, ン before b
//! and p where English writes m — so a katakana word is compared with a
//! Latin word on a *sound key* both reduce to: the consonants only, each
//! in a class the two writings share ([`sound_key`]). No table of names is
//! involved: the key is computed from the letters on both sides.
//!
//! Organisation words are translated, not transliterated, and written in
//! kanji (造船所 "shipyard", 研究所 "institute") or as katakana loanwords
//! (センター "center"); they are read from a vocabulary of institutional
//! words (`ja_words.csv`), legal forms (株式会社) are set aside like "JSC".
//!
//! A reading is an [`AnalysedName`] whose tokens are Latin words (the
//! translations), sound tokens (`#KEY:hepburn:hepburn-with-ー-as-r:katakana`) and
//! alternative translations (`=` + words joined by `|`);
//! [`special_similarity`] compares them with Latin words.

use crate::name::{AnalysedName, analyse};
use std::collections::HashMap;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// The scheme named in explanations for a match through a reading.
pub const SCHEME: &str = "Japanese: katakana by sound, kanji and loanwords by meaning";

/// The scheme of the reading that hears each run of katakana whole.
pub const WHOLE_SCHEME: &str = "Japanese: each run of katakana by sound, kanji by meaning";

/// Marks a sound token: `#KEY:katakana`.
const SOUND_MARK: char = '#';
/// Marks alternative translations: `=bank|banking`.
const MEANING_MARK: char = '=';

/// Credit for two words with the same sound key of three sounds or more.
const SOUND_SIMILARITY: f64 = 0.93;
/// … whose vowels agree as well where both say one ("ウラル", "Ural").
const SAME_SOUND_SIMILARITY: f64 = 0.97;
/// Credit for the same key of two sounds: "トヨタ" and "Tata" share TT.
const SHORT_SOUND_SIMILARITY: f64 = 0.7;
/// Credit for keys of four sounds one apart (ウラジーミル has no V).
const NEAR_SOUND_SIMILARITY: f64 = 0.85;
/// Credit for longer keys one sound apart: クロンシュタット for
/// "Kronshtadt" (the d before t is ッ).
const FAR_NEAR_SOUND_SIMILARITY: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Legal,
    Drop,
}

struct Vocabulary {
    words: HashMap<String, (Kind, Vec<String>)>,
    /// Longest entry, in characters.
    longest: usize,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut words = HashMap::new();
    let mut longest = 0;
    for line in include_str!("ja_words.csv").lines().skip(1) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let (Some(japanese), Some(english), Some(kind)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue; // a malformed row fails the vocabulary's own test
        };
        let kind = match kind {
            "legal" => Kind::Legal,
            "drop" => Kind::Drop,
            _ => Kind::Word,
        };
        let japanese: String = japanese.nfkc().collect();
        longest = longest.max(japanese.chars().count());
        let english = english
            .split('|')
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        words.insert(japanese, (kind, english));
    }
    Vocabulary { words, longest }
});

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | 'ヽ' | 'ヾ')
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Kana,
    Han,
    Latin,
    Separator,
}

fn run_of(c: char) -> Run {
    if is_katakana(c) || is_hiragana(c) {
        Run::Kana
    } else if is_han(c) {
        Run::Han
    } else if c.is_alphanumeric() {
        Run::Latin
    } else {
        Run::Separator
    }
}

/// The reading of a name written (at least partly) in Japanese, or `None`
/// for names without kana whose kanji are mostly not in the vocabulary
/// (a Chinese name, or a Japanese one the vocabulary cannot translate).
pub fn reading(name: &str) -> Option<AnalysedName> {
    read(name, true)
}

/// The readings a query is searched by: [`reading`], and when it split a
/// loanword off a run of katakana, the reading that hears the run whole —
/// ラジオザヴォド is "Radiozavod", one word, as often as "Radio Zavod".
pub fn query_readings(name: &str) -> Vec<(AnalysedName, &'static str)> {
    let mut out: Vec<(AnalysedName, &'static str)> = read(name, true)
        .map(|reading| (reading, SCHEME))
        .into_iter()
        .collect();
    if let Some(whole) = read(name, false)
        && out.iter().all(|(first, _)| first.key != whole.key)
    {
        out.push((whole, WHOLE_SCHEME));
    }
    out
}

fn read(name: &str, split_loanwords: bool) -> Option<AnalysedName> {
    let text: String = name.nfkc().collect();
    let has_kana = text.chars().any(|c| is_katakana(c) || is_hiragana(c));
    let han = text.chars().filter(|c| is_han(*c)).count();
    if !has_kana && han == 0 {
        return None;
    }
    let mut reader = Reader {
        split_loanwords,
        ..Reader::default()
    };
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        let kind = chars.get(start).map_or(Run::Separator, |c| run_of(*c));
        let end = (start..chars.len())
            .find(|&at| chars.get(at).is_some_and(|c| run_of(*c) != kind))
            .unwrap_or(chars.len());
        let run: String = chars.iter().skip(start).take(end - start).collect();
        match kind {
            Run::Kana => reader.kana(&run),
            Run::Han => reader.han(&run),
            Run::Latin => reader.latin.push_str(&run),
            Run::Separator => reader.latin.push(' '),
        }
        start = end;
    }
    if !has_kana && reader.translated_han * 2 < han {
        return None;
    }
    reader.finish(name)
}

#[derive(Default)]
struct Reader {
    tokens: Vec<String>,
    /// Latin letters in the name ("DMCC", "FZC"), analysed together at the
    /// end so that legal forms among them are set aside.
    latin: String,
    steps: Vec<String>,
    translated_han: usize,
    /// Whether a loanword at the end of a longer run of kana is read apart.
    split_loanwords: bool,
}

impl Reader {
    /// A run of kana: a loanword of the vocabulary, possibly run onto a
    /// name at either end ("ロシアヘリコプター"), else a name read by sound.
    fn kana(&mut self, run: &str) {
        let words = &VOCABULARY.words;
        if words.contains_key(run) {
            self.meaning(run);
            return;
        }
        if !self.split_loanwords {
            self.sound(run);
            return;
        }
        let chars: Vec<char> = run.chars().collect();
        for split in 2..chars.len().saturating_sub(1) {
            let head: String = chars.iter().take(split).collect();
            let tail: String = chars.iter().skip(split).collect();
            if tail.chars().count() >= 3 && words.contains_key(&tail) {
                self.kana(&head);
                self.meaning(&tail);
                return;
            }
        }
        for split in (2..chars.len().saturating_sub(1)).rev() {
            let head: String = chars.iter().take(split).collect();
            let tail: String = chars.iter().skip(split).collect();
            if head.chars().count() >= 3 && words.contains_key(&head) {
                self.meaning(&head);
                self.kana(&tail);
                return;
            }
        }
        self.sound(run);
    }

    fn sound(&mut self, kana: &str) {
        let latin = crate::translit::kana(kana);
        // ー after a vowel is often an r the English spelling writes and
        // the Japanese ear does not hear (スター "star", アート "art").
        let with_r = if kana.contains('ー') {
            crate::translit::kana(&kana.replace('ー', "ｒ")).replace('ｒ', "r")
        } else {
            String::new()
        };
        match sound_key(&latin) {
            Some(key) => {
                self.steps.push(format!("by sound: {kana} → {key}"));
                self.tokens
                    .push(format!("{SOUND_MARK}{key}:{latin}:{with_r}:{kana}"));
            }
            // All vowels ("アイ"): its Hepburn spelling is all there is.
            None => {
                if latin.bytes().all(|b| b.is_ascii_lowercase()) && !latin.is_empty() {
                    self.tokens.push(latin);
                }
            }
        }
    }

    /// Translates one vocabulary word.
    fn meaning(&mut self, word: &str) {
        let Some((kind, english)) = VOCABULARY.words.get(word) else {
            return;
        };
        match kind {
            Kind::Legal => self.steps.push(format!("legal form set aside: {word}")),
            Kind::Drop => self
                .steps
                .push(format!("not written in Latin lists: {word}")),
            Kind::Word => {
                self.steps
                    .push(format!("by meaning: {word} → {}", english.join(" | ")));
                match english.as_slice() {
                    [one] => self
                        .tokens
                        .extend(one.split(' ').map(str::to_owned).filter(|w| !w.is_empty())),
                    many => self
                        .tokens
                        .push(format!("{MEANING_MARK}{}", many.join("|"))),
                }
            }
        }
    }

    /// Kanji, longest vocabulary words first from the left; what is not in
    /// the vocabulary stays as written (it cannot match a Latin name, and
    /// says so by lowering the score).
    fn han(&mut self, run: &str) {
        let vocabulary = &*VOCABULARY;
        let chars: Vec<char> = run.chars().collect();
        let mut unknown = String::new();
        let mut at = 0;
        while at < chars.len() {
            let found = (1..=vocabulary.longest.min(chars.len() - at))
                .rev()
                .find_map(|length| {
                    let word: String = chars.get(at..at + length)?.iter().collect();
                    vocabulary.words.contains_key(&word).then_some(word)
                });
            match found {
                Some(word) => {
                    if !unknown.is_empty() {
                        self.tokens.push(std::mem::take(&mut unknown));
                    }
                    at += word.chars().count();
                    self.translated_han += word.chars().count();
                    self.meaning(&word);
                }
                None => {
                    if let Some(c) = chars.get(at) {
                        unknown.push(*c);
                    }
                    at += 1;
                }
            }
        }
        if !unknown.is_empty() {
            self.steps.push(format!("not translated: {unknown}"));
            self.tokens.push(unknown);
        }
    }

    fn finish(mut self, name: &str) -> Option<AnalysedName> {
        let latin = analyse(&self.latin);
        self.tokens.extend(latin.tokens);
        self.tokens.retain(|token| !token.is_empty());
        // A Chinese city the name opens with, in katakana (シェンジェン
        // Shenzhen), is set aside as Latin names set it aside.
        if self.tokens.len() > 1
            && let Some(first) = self.tokens.first()
            && is_sound(first)
            && let Some(place) = crate::name::PLACE_PREFIXES_LATIN.iter().find(|place| {
                spellings_of(first).next().is_some_and(|kana| {
                    let (Some(a), Some(b)) = (Sounds::of(kana), Sounds::of(place)) else {
                        return false;
                    };
                    a.key == b.key && a.key.len() >= 3
                })
            })
        {
            self.steps.push(format!(
                "place prefix removed: {} ({place})",
                display(first)
            ));
            self.tokens.remove(0);
        }
        if self.tokens.is_empty() {
            return None;
        }
        let weights: Vec<f64> = self
            .tokens
            .iter()
            .map(|token| AnalysedName::weight(token))
            .collect();
        let key = self.tokens.join(" ");
        Some(AnalysedName {
            original: name.to_owned(),
            total_weight: weights.iter().sum(),
            weights,
            base_key: key.clone(),
            key,
            romanised: None,
            unspaced: false,
            steps: self.steps,
            tokens: self.tokens,
        })
    }
}

/// Weight of a reading's special token: a sound token is a distinctive
/// word, alternatives weigh as the least of them (a generic alternative
/// is not a blocking key, so the token must not count as one);
/// `None` for other tokens.
pub(crate) fn special_weight(token: &str) -> Option<f64> {
    if token.starts_with(SOUND_MARK) {
        Some(1.0)
    } else {
        let alternatives = token.strip_prefix(MEANING_MARK)?;
        Some(
            alternatives
                .split('|')
                .map(AnalysedName::weight)
                .fold(1.0, f64::min),
        )
    }
}

/// The letters of a sound token (its kana in Hepburn, and again with
/// ー read as r when it has one), or the word.
fn spellings_of(token: &str) -> impl Iterator<Item = &str> {
    let (first, second) = match token.strip_prefix(SOUND_MARK) {
        Some(rest) => {
            let mut parts = rest.split(':').skip(1);
            (parts.next(), parts.next())
        }
        None => (Some(token), None),
    };
    first
        .into_iter()
        .chain(second)
        .filter(|spelling| !spelling.is_empty())
}

/// Similarity of two tokens when either is a reading's special token;
/// `None` for two ordinary words (the caller compares those).
pub(crate) fn special_similarity(a: &str, b: &str) -> Option<f64> {
    for (one, other) in [(a, b), (b, a)] {
        if let Some(alternatives) = one.strip_prefix(MEANING_MARK) {
            return Some(
                alternatives
                    .split('|')
                    .map(|word| crate::matcher::token_similarity(word, other))
                    .fold(0.0, f64::max),
            );
        }
    }
    let (kana, latin) = match (a.starts_with(SOUND_MARK), b.starts_with(SOUND_MARK)) {
        (false, false) => return None,
        (true, false) => (a, b),
        (false, true) => (b, a),
        // Two readings: their sounds alone.
        (true, true) => {
            return Some(match (spellings_of(a).next(), spellings_of(b).next()) {
                (Some(left), Some(right)) => sound_similarity(left, right),
                _ => 0.0,
            });
        }
    };
    let mut best: f64 = 0.0;
    let latin_forms = latin_forms(latin);
    for spelling in spellings_of(kana) {
        let spelt_alike = [plain(&without_added_vowels(spelling)), plain(spelling)]
            .iter()
            .any(|form| latin_forms.contains(form));
        best = best.max(if spelt_alike && latin.len() >= 3 {
            SAME_SOUND_SIMILARITY
        } else {
            sound_similarity(spelling, latin)
        });
    }
    Some(best)
}

/// A Latin word's letters as katakana may hear them ([`plain`]), and with
/// a closing "-er" heard as a long a (Müller ミュラー, Muller ムラー).
fn latin_forms(word: &str) -> Vec<String> {
    let mut forms = vec![plain(word)];
    if let Some(stem) = word.strip_suffix("er").filter(|stem| stem.len() >= 2) {
        forms.push(plain(&format!("{stem}a")));
    }
    forms
}

/// Kana in Hepburn without the vowels katakana adds to a bare consonant:
/// u after a consonant, o after t or d, when a consonant or the end
/// follows ("zuvezuda" → "zvezda", "vesuto" → "vest").
fn without_added_vowels(hepburn: &str) -> String {
    let bytes = hepburn.as_bytes();
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut out = String::with_capacity(hepburn.len());
    for (at, &letter) in bytes.iter().enumerate() {
        let previous = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
        let next = bytes.get(at + 1).copied();
        let added = match (letter, previous) {
            (b'u', Some(p)) => !vowel(p),
            (b'o', Some(b't' | b'd')) => true,
            _ => false,
        } && next.is_none_or(|n| !vowel(n) && n != b'y');
        if !added {
            out.push(char::from(letter));
        }
    }
    out
}

/// Letters as both writings can agree on: one letter for l and r, for v,
/// w and b, i for y; doubles once; and Hepburn's long vowels short —
/// Ōno, Ohno, Oono and Ono are one name (大野), as are Satou and Sato.
fn plain(word: &str) -> String {
    let letters: Vec<char> = word.chars().collect();
    let vowel = |c: Option<&char>| c.is_some_and(|c| "aeiouyāēīōū".contains(*c));
    let mut out = String::with_capacity(word.len());
    for (at, &letter) in letters.iter().enumerate() {
        let previous = at.checked_sub(1).and_then(|i| letters.get(i));
        let next = letters.get(at + 1);
        // "oh" and "ou" before a consonant or the end are a long o; h
        // after a consonant is not heard apart ("Thai" タイ; "shi" is "si"
        // on both sides).
        if (letter == 'h' || (letter == 'u' && previous == Some(&'o')))
            && vowel(previous)
            && !vowel(next)
        {
            continue;
        }
        if letter == 'h' && previous.is_some_and(|p| p.is_ascii_alphabetic() && !vowel(Some(p))) {
            continue;
        }
        let letter = match letter {
            'l' => 'r',
            'v' | 'w' => 'b',
            'y' => 'i',
            'ā' | 'â' => 'a',
            'ē' | 'ê' => 'e',
            'ī' | 'î' => 'i',
            'ō' | 'ô' => 'o',
            'ū' | 'û' => 'u',
            other => other,
        };
        if !out.ends_with(letter) {
            out.push(letter);
        }
    }
    out
}

/// Similarity of two words by sound (either may be kana in Hepburn).
fn sound_similarity(left: &str, right: &str) -> f64 {
    if left == right {
        return 1.0;
    }
    let (Some(one), Some(other)) = (Sounds::of(left), Sounds::of(right)) else {
        return 0.0;
    };
    let mut best: f64 = 0.0;
    // Without its closing r, a word must sound the same: one sound apart
    // as well would be two differences.
    for (i, left) in one.keys().enumerate() {
        for (j, right) in other.keys().enumerate() {
            best = best.max(key_similarity(left, right, i + j == 0));
        }
    }
    best
}

fn key_similarity(left: &Sounds, right: &Sounds, near: bool) -> f64 {
    let (shorter, longer) = (
        left.key.len().min(right.key.len()),
        left.key.len().max(right.key.len()),
    );
    if left.key == right.key {
        return match (longer, left.vowels_agree_with(right)) {
            (0 | 1, _) | (2, Vowels::Differ) => 0.0,
            (2, Vowels::Unknown) | (3.., Vowels::Differ) => SHORT_SOUND_SIMILARITY,
            (2, Vowels::Same) => NEAR_SOUND_SIMILARITY,
            (_, Vowels::Unknown) => SOUND_SIMILARITY,
            (_, Vowels::Same) => SAME_SOUND_SIMILARITY,
        };
    }
    match (near, shorter, strsim::osa_distance(&left.key, &right.key)) {
        (true, 5.., 1) => FAR_NEAR_SOUND_SIMILARITY,
        (true, 4, 1) => NEAR_SOUND_SIMILARITY,
        _ => 0.0,
    }
}

/// Blocking keys of a token by sound, such that two words with any
/// similarity by sound share one: each sound key whole; from four to
/// seven sounds with each sound deleted in turn (one edit apart shares a
/// deletion); from six its first and last three (one edit leaves one of
/// them whole); and the letters as both writings agree on them.
pub(crate) fn sound_blocking_keys(token: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let kana = is_sound(token);
    for spelling in spellings_of(token) {
        // Kana are filed as written and without the vowels katakana adds,
        // Latin words in the forms katakana may hear.
        let forms = if kana {
            vec![plain(spelling), plain(&without_added_vowels(spelling))]
        } else {
            latin_forms(spelling)
        };
        for form in forms.iter().filter(|form| form.len() >= 3) {
            keys.push(format!("@={form}"));
        }
        let Some(sounds) = Sounds::of(spelling) else {
            continue;
        };
        for key in sounds.keys().map(|sounds| &sounds.key) {
            let length = key.len();
            if length < 2 {
                continue;
            }
            keys.push(format!("@{key}"));
            if (4..=7).contains(&length) {
                // The whole key among the deletions meets a key one longer.
                keys.push(format!("@~{key}"));
                for skip in 0..length {
                    let deleted: String = key
                        .char_indices()
                        .filter(|(at, _)| *at != skip)
                        .map(|(_, c)| c)
                        .collect();
                    keys.push(format!("@~{deleted}"));
                }
            }
            if length >= 6
                && let (Some(head), Some(tail)) = (key.get(..3), key.get(length - 3..))
            {
                keys.push(format!("@^{head}"));
                keys.push(format!("@{tail}$"));
            }
        }
    }
    keys
}

/// Whether a token is a sound token (the query side files it by sound only).
pub(crate) fn is_sound(token: &str) -> bool {
    token.starts_with(SOUND_MARK)
}

/// The alternatives of a translation token, for blocking.
pub(crate) fn alternatives(token: &str) -> Option<impl Iterator<Item = &str>> {
    token
        .strip_prefix(MEANING_MARK)
        .map(|alternatives| alternatives.split('|'))
}

/// How two tokens matched when either is a reading's special token.
pub(crate) fn how_matched(a: &str, b: &str) -> Option<&'static str> {
    if a.starts_with(SOUND_MARK) || b.starts_with(SOUND_MARK) {
        Some("by sound")
    } else if a.starts_with(MEANING_MARK) || b.starts_with(MEANING_MARK) {
        Some("by translation")
    } else {
        None
    }
}

/// A token as a person reads it in an explanation: a sound token is its
/// katakana and key, alternatives are joined by " | ".
pub(crate) fn display(token: &str) -> String {
    let mut parts = token.strip_prefix(SOUND_MARK).map(|rest| rest.split(':'));
    if let Some(parts) = &mut parts
        && let (Some(key), Some(kana)) = (parts.next(), parts.nth(2))
    {
        format!("{kana} (sound {key})")
    } else if let Some(alternatives) = token.strip_prefix(MEANING_MARK) {
        alternatives.replace('|', " | ")
    } else {
        token.to_owned()
    }
}

/// The sound key of a word in Latin letters (or of kana in Hepburn): its
/// consonants, each in a class that the Latin spelling and the katakana
/// rendering share — B (b, v, w), P, H (f, h, kh, ph; v at the end of a
/// word or before a consonant, as in -ov → -オフ), K (k, c, q, ck), G, S
/// (s, sh, sch, c before e/i/y; shch is ST, シチ), J (d, j, z, zh, dz, dzh), T (t, ts,
/// tz, ch, tch, th), N, M, R (l, r). Vowels, y, and h but between vowels
/// are dropped; m before b or p is N (ン); n before m is M; a consonant
/// written twice in a row counts once (ッ doubles, so does English).
/// `None` for words with other characters or without consonants.
pub fn sound_key(word: &str) -> Option<String> {
    Sounds::of(word).map(|sounds| sounds.key)
}

/// A word's sound key, the vowels heard after each of its sounds, and
/// other ways the same letters are heard, which count only when they
/// sound the same: without an r that closes a syllable (English and
/// Russian write "-ar-", "-er-" where katakana has a long vowel: Kranark,
/// クラナーク), c as j, as Turkish spells it (Ticaret, ティジャーレット), and
/// ch as k (Eastech, イーステック).
#[derive(Debug, Clone, PartialEq)]
struct Sounds {
    key: String,
    /// Per sound of `key`: the vowels after it (a 1, e 2, i 4, o 8, u 16).
    vowels: Vec<u8>,
    variants: Vec<Sounds>,
}

/// How the vowels of two words with the same sound key compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vowels {
    /// Every vowel both words say after a sound agrees (one at least).
    Same,
    /// Too few to tell, or mostly agreeing.
    Unknown,
    /// More than a third differ.
    Differ,
}

impl Sounds {
    fn keys(&self) -> impl Iterator<Item = &Sounds> {
        std::iter::once(self).chain(&self.variants)
    }

    /// Whether the vowels after each shared sound agree: differing ones
    /// count unless either is u, or o after T or J — the vowels katakana
    /// adds after a bare consonant (ト, ド, ク, ス…). More than a third
    /// differing is [`Vowels::Differ`] ("ローソン" is not "Ilyushin",
    /// サントリー is not "Center").
    fn vowels_agree_with(&self, other: &Sounds) -> Vowels {
        const U: u8 = 16;
        const O: u8 = 8;
        let (mut compared, mut differ) = (0usize, 0usize);
        for ((class, &left), &right) in self.key.bytes().zip(&self.vowels).zip(&other.vowels) {
            if left == 0 || right == 0 {
                continue;
            }
            let added = |mask: u8| mask == U || (mask == O && matches!(class, b'T' | b'J'));
            if added(left) || added(right) {
                continue;
            }
            compared += 1;
            if left & right == 0 {
                differ += 1;
            }
        }
        if differ * 3 > compared {
            Vowels::Differ
        } else if compared > 0 && differ == 0 {
            Vowels::Same
        } else {
            Vowels::Unknown
        }
    }

    /// `None` for a word without vowels: an abbreviation ("SVR", "RKS")
    /// is read letter by letter (エスブイアール), not as a word.
    fn of(word: &str) -> Option<Sounds> {
        if !word
            .bytes()
            .any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
        {
            return None;
        }
        let mut sounds = Self::read(word, false)?;
        let mut variants = Vec::new();
        variants.extend(Self::read(word, true));
        if word.contains('c') && !word.contains("ch") && !word.contains("ck") {
            variants.extend(Self::read(&word.replace('c', "j"), false));
        }
        // ch as k, as English writes Greek words ("tech" テック, "chemical").
        if word.contains("ch") {
            variants.extend(Self::read(&word.replace("ch", "k"), false));
        }
        variants.retain(|variant| variant.key != sounds.key);
        variants.dedup_by(|a, b| a.key == b.key);
        sounds.variants = variants;
        Some(sounds)
    }

    fn read(word: &str, drop_closing_r: bool) -> Option<Sounds> {
        let bytes = word.as_bytes();
        if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_lowercase) {
            return None;
        }
        let vowel = |at: usize| {
            bytes
                .get(at)
                .is_some_and(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
        };
        let is = |at: usize, text: &[u8]| bytes.get(at..at + text.len()) == Some(text);
        let mut out = String::with_capacity(word.len());
        let mut vowels: Vec<u8> = Vec::with_capacity(word.len());
        // Whether the previous letter was a consonant (doubles collapse only
        // when written side by side).
        let mut adjacent = false;
        let mut at = 0;
        while let Some(&letter) = bytes.get(at) {
            let (classes, used): (&str, usize) = if is(at, b"shch") {
                ("ST", 4) // щ: シチ
            } else if is(at, b"sch") {
                ("S", 3)
            } else if is(at, b"tch") {
                ("T", 3)
            } else if is(at, b"dzh") {
                ("J", 3)
            } else {
                let next = bytes.get(at + 1).copied();
                match (letter, next) {
                    (b'k', Some(b'h')) | (b'p', Some(b'h')) => ("H", 2),
                    (b's', Some(b'h')) => ("S", 2),
                    (b'c', Some(b'h')) | (b't', Some(b'h')) => ("T", 2),
                    (b'z', Some(b'h')) => ("J", 2),
                    (b'g', Some(b'h')) => ("G", 2),
                    (b't', Some(b's' | b'z')) => ("T", 2),
                    (b'd', Some(b'z' | b'j')) => ("J", 2),
                    (b'c', Some(b'k')) => ("K", 2),
                    (b'c', Some(b'e' | b'i' | b'y')) => ("S", 1),
                    (b'c' | b'k' | b'q', _) => ("K", 1),
                    (b'x', _) => ("KS", 1),
                    // Russian v is voiceless at the end and before a
                    // voiceless consonant (-ov → -オフ, -vsk → -フスク).
                    (b'v', None | Some(b'k' | b's' | b't' | b'p' | b'f' | b'h' | b'c')) => ("H", 1),
                    (b'b' | b'v' | b'w', _) => ("B", 1),
                    (b'f', _) => ("H", 1),
                    (b'h', _) if vowel(at + 1) && (at == 0 || vowel(at - 1)) => ("H", 1),
                    (b'h', _) => ("", 1),
                    (b'm', Some(b'b' | b'p')) => ("N", 1),
                    // ng closing a syllable is ン: pinyin "Guangzhou" is
                    // グアンジョウ, "trading" トレーディング.
                    (b'n', Some(b'g'))
                        if !vowel(at + 2)
                            || (bytes.get(at + 2) == Some(&b'u') && !vowel(at + 3)) =>
                    {
                        (
                            "N",
                            if bytes.get(at + 2) == Some(&b'u') {
                                3
                            } else {
                                2
                            },
                        )
                    }
                    (b'n', Some(b'm')) => ("M", 1),
                    (b'r', _) if drop_closing_r && at > 0 && vowel(at - 1) && !vowel(at + 1) => {
                        ("", 1)
                    }
                    (b'l' | b'r', _) => ("R", 1),
                    (b'd' | b'j' | b'z', _) => ("J", 1),
                    (b't', _) => ("T", 1),
                    (b's', _) => ("S", 1),
                    (b'g', _) => ("G", 1),
                    (b'p', _) => ("P", 1),
                    (b'n', _) => ("N", 1),
                    (b'm', _) => ("M", 1),
                    _ => ("", 1), // a vowel
                }
            };
            if classes.is_empty() {
                if vowel(at) {
                    adjacent = false;
                    let mask = match letter {
                        b'a' => 1,
                        b'e' => 2,
                        b'i' | b'y' => 4,
                        b'o' => 8,
                        _ => 16,
                    };
                    if let Some(last) = vowels.last_mut() {
                        *last |= mask;
                    }
                }
            } else {
                for class in classes.chars() {
                    if !(adjacent && out.ends_with(class)) {
                        out.push(class);
                        vowels.push(0);
                    }
                    adjacent = true;
                }
            }
            at += used;
        }
        (!out.is_empty()).then_some(Sounds {
            key: out,
            vowels,
            variants: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(word: &str) -> String {
        sound_key(word).unwrap_or_default()
    }

    fn kana_key(kana: &str) -> String {
        key(&crate::translit::kana(kana))
    }

    #[test]
    fn katakana_and_latin_reach_the_same_key() {
        // Names not on any list file, written for this test.
        for (katakana, latin) in [
            ("プーチン", "putin"),
            ("ガガーリン", "gagarin"),
            ("チャイコフスキー", "tchaikovsky"),
            ("ドストエフスキー", "dostoevsky"),
            ("ハバロフスク", "khabarovsk"),
            ("イワノフ", "ivanov"),
            ("スミルノフ", "smirnov"),
            ("ムハンマド", "muhammad"),
            ("ケンピンスキー", "kempinski"),
            ("ゲンナジー", "gennady"),
            ("ミッチェル", "mitchell"),
            ("ツェントル", "tsentr"),
            ("シチェルバコフ", "shcherbakov"),
            ("ヴォルガ", "volga"),
        ] {
            assert_eq!(kana_key(katakana), key(latin), "{katakana} / {latin}");
        }
        assert_eq!(key("ohno"), key("ono"));
        assert_eq!(key("oono"), key("ono"));
    }

    fn similarity(kana: &str, latin: &str) -> f64 {
        sound_similarity(&crate::translit::kana(kana), latin)
    }

    #[test]
    fn a_missing_sound_is_one_sound_apart() {
        assert_ne!(kana_key("ウラジーミル"), key("vladimir"));
        assert_eq!(
            similarity("ウラジーミル", "vladimir"),
            NEAR_SOUND_SIMILARITY
        );
        assert_eq!(
            similarity("クロンシュタット", "kronshtadt"),
            FAR_NEAR_SOUND_SIMILARITY
        );
        assert_eq!(
            similarity("クラナーク", "kranark"),
            SAME_SOUND_SIMILARITY,
            "a closing r"
        );
        assert_eq!(
            similarity("ウラル", "ural"),
            NEAR_SOUND_SIMILARITY,
            "u is heard"
        );
    }

    #[test]
    fn different_names_stay_apart() {
        assert_eq!(similarity("トヨタ", "toyota"), 1.0);
        assert_eq!(
            similarity("トヨタ", "tata"),
            0.0,
            "two sounds, other vowels"
        );
        assert_eq!(similarity("スズキ", "sasaki"), 0.0);
        assert_eq!(similarity("ペトロフ", "ivanov"), 0.0);
        assert_eq!(similarity("サントリー", "center"), SHORT_SOUND_SIMILARITY);
        assert_eq!(similarity("ローソン", "ilyushin"), SHORT_SOUND_SIMILARITY);
    }

    #[test]
    fn a_company_name_is_read_by_sound_and_meaning() {
        let read = reading("株式会社ミハイロフ造船所").unwrap();
        assert_eq!(
            read.tokens,
            ["#MHRH:mihairofu::ミハイロフ", "=shipyard|shipbuilding"]
        );
        assert!(
            read.steps
                .iter()
                .any(|s| s == "legal form set aside: 株式会社")
        );
        let loan = reading("ペトロフ・エンジニアリング").unwrap();
        assert_eq!(loan.tokens, ["#PTRH:petorofu::ペトロフ", "engineering"]);
        let run_on = reading("カザンヘリコプター").unwrap();
        assert_eq!(run_on.tokens[1], "=helicopter|helicopters");
    }

    #[test]
    fn hepburn_variants_are_one_name() {
        for latin in ["ono", "ohno", "oono", "ōno"] {
            assert_eq!(
                plain(latin),
                plain(&without_added_vowels("oono")),
                "{latin}"
            );
        }
        assert_eq!(plain("satou"), plain("sato"));
        assert_ne!(plain("louis"), plain("lois"), "a vowel follows");
    }

    #[test]
    fn chinese_names_are_not_read_as_japanese() {
        assert!(reading("中国电信集团有限公司").is_none());
        assert!(reading("Huawei").is_none());
        assert!(reading("連邦保安庁").is_some());
    }

    #[test]
    fn the_vocabulary_is_well_formed() {
        let rows = include_str!("ja_words.csv")
            .lines()
            .skip(1)
            .filter(|line| !line.starts_with('#'));
        for row in rows {
            let fields: Vec<&str> = row.split(',').collect();
            assert_eq!(fields.len(), 3, "{row}");
            assert!(["word", "legal", "drop"].contains(&fields[2]), "{row}");
            assert!(fields[2] != "word" || !fields[1].is_empty(), "{row}");
        }
        let mut seen = std::collections::HashSet::new();
        for row in include_str!("ja_words.csv").lines().skip(1) {
            if let Some(word) = row.split(',').next().filter(|w| !w.starts_with('#')) {
                assert!(seen.insert(word), "{word} twice");
            }
        }
        assert!(VOCABULARY.words.len() > 200);
    }
}

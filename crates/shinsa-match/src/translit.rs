//! Latin spellings of names written in Cyrillic, Greek, Hangul and kana.
//!
//! Lists and registers spell the same name in several ways: Владимир is
//! "Vladimir", Юрий is "Yuriy" (BGN/PCGN) or "Yuri" (English usage), 김정은
//! is "Gim Jeong-eun" (Revised Romanization) or "Kim Jong Un" (the
//! McCune–Reischauer-like spelling North Korea and the sanctions lists
//! use). Each function returns one spelling; [`latin_spellings`] returns
//! every spelling shinsa compares, with the name of its scheme. Han
//! characters are read as pinyin elsewhere (`name::romanise`), only for
//! Chinese names.

/// Which scripts a text uses, as far as transliteration cares.
fn has(text: &str, range: std::ops::RangeInclusive<char>) -> bool {
    text.chars().any(|c| range.contains(&c))
}

/// Every Latin spelling of `name` that differs from it, with its scheme.
pub fn latin_spellings(name: &str) -> Vec<(String, &'static str)> {
    let lower = name.to_lowercase();
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let push = |out: &mut Vec<(String, &'static str)>, text: String, scheme: &'static str| {
        if text != lower && !out.iter().any(|(known, _)| *known == text) {
            out.push((text, scheme));
        }
    };
    if has(&lower, '\u{0400}'..='\u{04FF}') {
        push(&mut out, cyrillic(&lower, &BGN_PCGN), "Cyrillic, BGN/PCGN");
        push(
            &mut out,
            cyrillic(&lower, &ENGLISH),
            "Cyrillic, English usage",
        );
    }
    if has(&lower, '\u{0370}'..='\u{03FF}') {
        push(&mut out, greek(&lower), "Greek, ELOT 743");
    }
    if has(&lower, '\u{AC00}'..='\u{D7A3}') {
        push(
            &mut out,
            hangul(&lower, &REVISED),
            "Hangul, Revised Romanization",
        );
        push(
            &mut out,
            hangul(&lower, &NORTHERN),
            "Hangul, McCune–Reischauer usage",
        );
    }
    if has(&lower, '\u{3041}'..='\u{30FA}') && !lower.chars().any(is_han) {
        push(&mut out, kana(&lower), "kana, Hepburn");
    }
    // Other scripts (Arabic, Hebrew, Thai, Armenian, Georgian…): a generic
    // letter-by-letter reading, weaker than a scheme but better than none.
    // Never for names with Han or kana: deunicode reads kanji as Mandarin.
    let east_asian = lower
        .chars()
        .any(|c| is_han(c) || ('\u{3041}'..='\u{30FA}').contains(&c));
    if out.is_empty()
        && !east_asian
        && lower
            .chars()
            .any(|c| c.is_alphabetic() && !c.is_ascii() && !is_latin(c))
    {
        let generic = deunicode::deunicode(&lower).to_lowercase();
        if generic.chars().any(|c| c.is_ascii_alphabetic()) {
            push(&mut out, generic, "generic transliteration");
        }
    }
    out
}

/// Latin letters with diacritics ("é", "ş") fold through NFKC elsewhere.
fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// One Cyrillic romanisation: the letters а..я (and ё, і, ї, є, ґ, ў).
struct CyrillicTable {
    letters: [&'static str; 32],
    yo: &'static str,
    /// й, and й after и/ы ("-ий" is "-iy" in BGN/PCGN, "-y" in English usage).
    short_i: &'static str,
    ending_iy: &'static str,
}

const BGN_PCGN: CyrillicTable = CyrillicTable {
    letters: [
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
        "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
    ],
    yo: "ye",
    short_i: "y",
    ending_iy: "iy",
};

const ENGLISH: CyrillicTable = CyrillicTable {
    letters: [
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
        "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya",
    ],
    yo: "yo",
    short_i: "i",
    ending_iy: "y",
};

fn cyrillic(text: &str, table: &CyrillicTable) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let next = chars.get(index + 1).copied();
        let word_ends = next.is_none_or(|n| !n.is_alphabetic());
        match c {
            'и' | 'ы'
                if next == Some('й') && chars.get(index + 2).is_none_or(|n| !n.is_alphabetic()) =>
            {
                out.push_str(table.ending_iy);
                index += 2;
                continue;
            }
            'й' => out.push_str(if word_ends { table.short_i } else { "y" }),
            'ё' => out.push_str(table.yo),
            'і' => out.push('i'),
            'ї' => out.push_str("yi"),
            'є' => out.push_str("ye"),
            'ґ' => out.push('g'),
            'ў' => out.push('w'),
            'а'..='я' => {
                let at = (c as u32 - 'а' as u32) as usize;
                out.push_str(table.letters.get(at).copied().unwrap_or(""));
            }
            other => out.push(other),
        }
        index += 1;
    }
    out
}

fn greek(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let latin = match c {
            'α' | 'ά' => "a",
            'β' => "v",
            'γ' => "g",
            'δ' => "d",
            'ε' | 'έ' => "e",
            'ζ' => "z",
            'η' | 'ή' => "i",
            'θ' => "th",
            'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
            'κ' => "k",
            'λ' => "l",
            'μ' => "m",
            'ν' => "n",
            'ξ' => "x",
            'ο' | 'ό' => "o",
            'π' => "p",
            'ρ' => "r",
            'σ' | 'ς' => "s",
            'τ' => "t",
            'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
            'φ' => "f",
            'χ' => "ch",
            'ψ' => "ps",
            'ω' | 'ώ' => "o",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(latin);
    }
    out
}

/// One Hangul romanisation: initial consonants, vowels, final consonants.
struct HangulTable {
    initials: [&'static str; 19],
    vowels: [&'static str; 21],
    finals: [&'static str; 28],
}

const REVISED: HangulTable = HangulTable {
    initials: [
        "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
        "p", "h",
    ],
    vowels: [
        "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
        "we", "wi", "yu", "eu", "ui", "i",
    ],
    finals: [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
        "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
    ],
};

/// The spelling of Korean names in North Korean and sanctions usage:
/// 김 Kim, 정 Jong, 은 Un, 박 Pak, 리 Ri.
const NORTHERN: HangulTable = HangulTable {
    initials: [
        "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
        "p", "h",
    ],
    vowels: [
        "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
        "we", "wi", "yu", "u", "ui", "i",
    ],
    finals: [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
        "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
    ],
};

/// Each syllable becomes a word: Korean names are written without spaces
/// in Hangul and with one word per syllable (or hyphens) in Latin.
fn hangul(text: &str, table: &HangulTable) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let code = c as u32;
        if !(0xAC00..=0xD7A3).contains(&code) {
            out.push(c);
            continue;
        }
        let syllable = (code - 0xAC00) as usize;
        let (initial, vowel, last) = (syllable / 588, (syllable % 588) / 28, syllable % 28);
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        for part in [
            table.initials.get(initial),
            table.vowels.get(vowel),
            table.finals.get(last),
        ]
        .into_iter()
        .flatten()
        {
            out.push_str(part);
        }
        out.push(' ');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hepburn romaji of hiragana and katakana; a long-vowel mark is dropped,
/// a small tsu doubles the next consonant.
pub(crate) fn kana(text: &str) -> String {
    let chars: Vec<char> = text.chars().map(to_hiragana).collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    let mut double_next = false;
    while let Some(&c) = chars.get(index) {
        if c == 'っ' {
            double_next = true;
            index += 1;
            continue;
        }
        if c == 'ー' {
            index += 1;
            continue;
        }
        let pair: Option<String> = chars.get(index..index + 2).map(|p| p.iter().collect());
        let paired = pair
            .as_deref()
            .and_then(|pair| KANA_PAIRS.iter().find(|(kana, _)| *kana == pair));
        let (latin, used) = match paired {
            Some((_, latin)) => (*latin, 2),
            None => match KANA.iter().find(|(kana, _)| *kana == c) {
                Some((_, latin)) => (*latin, 1),
                None => {
                    out.push(c);
                    index += 1;
                    continue;
                }
            },
        };
        if double_next {
            if let Some(first) = latin.chars().next().filter(|f| !"aeiou".contains(*f)) {
                out.push(if latin.starts_with("ch") { 't' } else { first });
            }
            double_next = false;
        }
        out.push_str(latin);
        index += used;
    }
    out
}

/// Katakana to hiragana (same table position), other characters unchanged.
fn to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

const KANA: &[(char, &str)] = &[
    ('あ', "a"),
    ('い', "i"),
    ('う', "u"),
    ('え', "e"),
    ('お', "o"),
    ('か', "ka"),
    ('き', "ki"),
    ('く', "ku"),
    ('け', "ke"),
    ('こ', "ko"),
    ('が', "ga"),
    ('ぎ', "gi"),
    ('ぐ', "gu"),
    ('げ', "ge"),
    ('ご', "go"),
    ('さ', "sa"),
    ('し', "shi"),
    ('す', "su"),
    ('せ', "se"),
    ('そ', "so"),
    ('ざ', "za"),
    ('じ', "ji"),
    ('ず', "zu"),
    ('ぜ', "ze"),
    ('ぞ', "zo"),
    ('た', "ta"),
    ('ち', "chi"),
    ('つ', "tsu"),
    ('て', "te"),
    ('と', "to"),
    ('だ', "da"),
    ('ぢ', "ji"),
    ('づ', "zu"),
    ('で', "de"),
    ('ど', "do"),
    ('な', "na"),
    ('に', "ni"),
    ('ぬ', "nu"),
    ('ね', "ne"),
    ('の', "no"),
    ('は', "ha"),
    ('ひ', "hi"),
    ('ふ', "fu"),
    ('へ', "he"),
    ('ほ', "ho"),
    ('ば', "ba"),
    ('び', "bi"),
    ('ぶ', "bu"),
    ('べ', "be"),
    ('ぼ', "bo"),
    ('ぱ', "pa"),
    ('ぴ', "pi"),
    ('ぷ', "pu"),
    ('ぺ', "pe"),
    ('ぽ', "po"),
    ('ま', "ma"),
    ('み', "mi"),
    ('む', "mu"),
    ('め', "me"),
    ('も', "mo"),
    ('や', "ya"),
    ('ゆ', "yu"),
    ('よ', "yo"),
    ('ら', "ra"),
    ('り', "ri"),
    ('る', "ru"),
    ('れ', "re"),
    ('ろ', "ro"),
    ('わ', "wa"),
    ('を', "o"),
    ('ん', "n"),
    ('ゔ', "vu"),
    ('ぁ', "a"),
    ('ぃ', "i"),
    ('ぅ', "u"),
    ('ぇ', "e"),
    ('ぉ', "o"),
    // Small ya, yu, yo after a kana they do not combine with in Japanese
    // (ヴャ in ギドロスヴャジ).
    ('ゃ', "ya"),
    ('ゅ', "yu"),
    ('ょ', "yo"),
    ('ゎ', "wa"),
];

const KANA_PAIRS: &[(&str, &str)] = &[
    ("きゃ", "kya"),
    ("きゅ", "kyu"),
    ("きょ", "kyo"),
    ("ぎゃ", "gya"),
    ("ぎゅ", "gyu"),
    ("ぎょ", "gyo"),
    ("しゃ", "sha"),
    ("しゅ", "shu"),
    ("しょ", "sho"),
    ("じゃ", "ja"),
    ("じゅ", "ju"),
    ("じょ", "jo"),
    ("ちゃ", "cha"),
    ("ちゅ", "chu"),
    ("ちょ", "cho"),
    ("にゃ", "nya"),
    ("にゅ", "nyu"),
    ("にょ", "nyo"),
    ("ひゃ", "hya"),
    ("ひゅ", "hyu"),
    ("ひょ", "hyo"),
    ("びゃ", "bya"),
    ("びゅ", "byu"),
    ("びょ", "byo"),
    ("ぴゃ", "pya"),
    ("ぴゅ", "pyu"),
    ("ぴょ", "pyo"),
    ("みゃ", "mya"),
    ("みゅ", "myu"),
    ("みょ", "myo"),
    ("りゃ", "rya"),
    ("りゅ", "ryu"),
    ("りょ", "ryo"),
    ("ふぁ", "fa"),
    ("ふぃ", "fi"),
    ("ふぇ", "fe"),
    ("ふぉ", "fo"),
    ("うぃ", "wi"),
    ("うぇ", "we"),
    ("うぉ", "wo"),
    ("てぃ", "ti"),
    ("でぃ", "di"),
    ("ゔぁ", "va"),
    ("ちぇ", "che"),
    ("しぇ", "she"),
    ("じぇ", "je"),
    ("つぁ", "tsa"),
    ("つぃ", "tsi"),
    ("つぇ", "tse"),
    ("つぉ", "tso"),
    ("とぅ", "tu"),
    ("どぅ", "du"),
    ("ゔぃ", "vi"),
    ("ゔぇ", "ve"),
    ("ゔぉ", "vo"),
    ("いぇ", "ye"),
    ("でゅ", "dyu"),
    ("てゅ", "tyu"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn spellings(name: &str) -> Vec<String> {
        latin_spellings(name)
            .into_iter()
            .map(|(text, _)| text)
            .collect()
    }

    #[test]
    fn cyrillic_in_both_usages() {
        assert_eq!(spellings("Владимир Путин"), ["vladimir putin"]);
        assert_eq!(
            spellings("Юрий Хрущёв"),
            ["yuriy khrushchyev", "yury hruschyov"]
        );
        assert_eq!(spellings("Роснефть"), ["rosneft"]);
    }

    #[test]
    fn hangul_in_both_usages() {
        assert_eq!(spellings("김정은"), ["gim jeong eun", "kim jong un"]);
        assert_eq!(spellings("박"), ["bak", "pak"]);
    }

    #[test]
    fn kana_in_hepburn() {
        assert_eq!(spellings("トヨタ"), ["toyota"]);
        assert_eq!(spellings("きょうと"), ["kyouto"]);
        assert_eq!(spellings("ニッポン"), ["nippon"]);
        assert!(
            spellings("株式会社トヨタ").is_empty(),
            "kanji are not read here"
        );
    }

    #[test]
    fn greek() {
        assert_eq!(spellings("Αθήνα"), ["athina"]);
    }

    #[test]
    fn other_scripts_get_a_generic_reading() {
        let arabic = spellings("محمد");
        assert_eq!(arabic.len(), 1);
        assert!(arabic[0].starts_with('m'), "{arabic:?}");
        assert!(
            spellings("Müller").is_empty(),
            "Latin with diacritics is folded elsewhere"
        );
    }

    #[test]
    fn latin_names_have_no_other_spelling() {
        assert!(spellings("Huawei Technologies").is_empty());
    }
}

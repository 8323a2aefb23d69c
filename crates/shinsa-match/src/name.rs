//! Name analysis: from a name as written to comparable keys, remembering
//! every change so that a match can explain itself.

use unicode_normalization::UnicodeNormalization;

/// Legal forms, as folded token sequences. Longest first so that
/// "co ltd" goes before "co".
const LEGAL_FORMS_LATIN: &[&[&str]] = &[
    // English
    // Russian forms as the English lists write them (ПАО, ОАО, ЗАО, АО).
    &["non", "public", "joint", "stock", "company"],
    &["public", "joint", "stock", "company"],
    &["open", "joint", "stock", "company"],
    &["closed", "joint", "stock", "company"],
    &["joint", "stock", "company"],
    &["js", "co"],
    // Turkish: Anonim Şirketi (A.Ş.), Limited Şirketi (Ltd. Şti.).
    &["anonim", "sirketi"],
    &["anonim", "şirketi"],
    &["limited", "sirketi"],
    &["limited", "şirketi"],
    &["ltd", "sti"],
    &["ltd", "şti"],
    &["public", "limited", "company"],
    &["limited", "liability", "company"],
    &["company", "limited"],
    &["co", "ltd"],
    &["pte", "ltd"],
    &["pty", "ltd"],
    &["pvt", "ltd"],
    &["limited"],
    &["ltd"],
    &["incorporated"],
    &["inc"],
    &["corporation"],
    &["corp"],
    &["company"],
    &["co"],
    &["llc"],
    &["plc"],
    &["llp"],
    &["lp"],
    // Chinese, in pinyin (股份有限公司, 有限责任公司, 有限公司, 公司)
    &["gufen", "youxian", "gongsi"],
    &["youxian", "zeren", "gongsi"],
    &["youxian", "gongsi"],
    &["gongsi"],
    // German
    &["gmbh"],
    &["mbh"],
    &["ag"],
    &["kg"],
    &["ohg"],
    &["ug"],
    &["ev"],
    &["se"],
    // Japanese, romanised
    &["kabushiki", "kaisha"],
    &["kabushikikaisha"],
    &["godo", "kaisha"],
    &["yugen", "kaisha"],
    &["k", "k"],
    &["kk"],
    &["gk"],
    // Russian, transliterated and Cyrillic
    &["ooo"],
    &["oao"],
    &["pao"],
    &["zao"],
    &["ao"],
    &["ооо"],
    &["оао"],
    &["пао"],
    &["зао"],
    &["нао"],
    &["ао"],
    // Romance, Nordic, Dutch
    &["sa", "de", "cv"],
    &["s", "de", "rl"],
    &["sa"],
    &["sas"],
    &["ltda"],
    &["sl"],
    &["cjsc"],
    &["ojsc"],
    &["pjsc"],
    &["jsc"],
    &["sarl"],
    &["srl"],
    &["spa"],
    &["bv"],
    &["nv"],
    &["ab"],
    &["oy"],
    &["oyj"],
    &["asa"],
];

/// Legal forms in scripts written without spaces; removed where they stand
/// at either end of the name.
const LEGAL_FORMS_CJK: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "集团有限公司",
    "集團有限公司",
    "有限公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(株)",
    "㈱",
    "公司",
    "会社",
];

/// City and province names that Chinese legal names open with and English
/// usage drops (深圳市大疆创新 is DJI, "Shenzhen DJI" is DJI).
pub(crate) const PLACE_PREFIXES_LATIN: &[&str] = &[
    "shenzhen",
    "hangzhou",
    "zhejiang",
    "shanghai",
    "beijing",
    "guangdong",
    "guangzhou",
    "jiangsu",
    "nanjing",
    "wuhan",
    "chengdu",
    "hefei",
    "xiamen",
    "fujian",
    "shandong",
    "tianjin",
    "chongqing",
    "suzhou",
    "dongguan",
    "ningbo",
    "sz",
];
const PLACE_PREFIXES_CJK: &[&str] = &[
    "深圳市",
    "深圳",
    "杭州市",
    "杭州",
    "浙江省",
    "浙江",
    "上海市",
    "上海",
    "北京市",
    "北京",
    "广东省",
    "广东",
    "广州市",
    "广州",
    "江苏省",
    "江苏",
    "南京市",
    "南京",
    "武汉市",
    "武汉",
    "成都市",
    "成都",
    "合肥市",
    "合肥",
    "厦门市",
    "厦门",
    "福建省",
    "福建",
    "山东省",
    "山东",
    "天津市",
    "天津",
    "重庆市",
    "重庆",
    "苏州市",
    "苏州",
    "东莞市",
    "东莞",
    "宁波市",
    "宁波",
];

/// Abbreviations written out, so "Intl Grp" meets "International Group".
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("intl", "international"),
    ("int'l", "international"),
    ("tech", "technology"),
    ("techs", "technologies"),
    ("comm", "communications"),
    ("comms", "communications"),
    ("grp", "group"),
    ("hldgs", "holdings"),
    ("hldg", "holding"),
    ("mfg", "manufacturing"),
    ("sys", "systems"),
    ("svcs", "services"),
    ("elec", "electric"),
    ("natl", "national"),
    ("comp", "company"),
    ("cmpny", "company"),
    ("trdg", "trading"),
    ("srvcs", "services"),
    ("assn", "association"),
    ("inst", "institute"),
    ("univ", "university"),
    ("eng", "engineering"),
    ("engg", "engineering"),
    ("dev", "development"),
    ("invt", "investment"),
    ("mgmt", "management"),
    ("bros", "brothers"),
];

/// Words so common in company names that a match on them alone means little.
const GENERIC_WORDS: &[&str] = &[
    "technology",
    "technologies",
    "digital",
    "communications",
    "communication",
    "telecommunications",
    "telecommunication",
    "telecom",
    "systems",
    "system",
    "solutions",
    "electronics",
    "electronic",
    "electric",
    "international",
    "group",
    "holding",
    "holdings",
    "network",
    "networks",
    "industries",
    "industrial",
    "science",
    "sciences",
    "innovation",
    "innovations",
    "global",
    "services",
    "service",
    "information",
    "manufacturing",
    "and",
    "the",
    "of",
];

/// Country and region words that national subsidiaries add to their
/// parent's name ("Kaspersky Lab Japan", "ゼットティーイー・ジャパン").
const COUNTRY_WORDS: &[&str] = &[
    "japan",
    "nippon",
    "nihon",
    "america",
    "americas",
    "usa",
    "europe",
    "emea",
    "asia",
    "apac",
    "pacific",
    "deutschland",
    "germany",
    "korea",
    "taiwan",
    "singapore",
    "india",
    "uk",
    "france",
    "ジャパン",
    "日本",
    "ジャパン株式会社",
];

/// Particles of personal and place names ("al", "bin", "de", "van"): part
/// of the name, but shared by so many that they say little.
const PARTICLES: &[&str] = &[
    "al", "el", "bin", "ibn", "bint", "abu", "abd", "ben", "de", "da", "do", "dos", "das", "del",
    "della", "di", "du", "la", "le", "van", "von", "der", "den", "ter", "y", "e", "and", "of",
    "the",
];

/// Weight of a particle relative to a distinctive word.
pub const PARTICLE_WEIGHT: f64 = 0.5;

/// Weight of a generic word relative to a distinctive one.
pub const GENERIC_WEIGHT: f64 = 0.25;

/// A name taken apart for matching.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysedName {
    /// The name as given.
    pub original: String,
    /// Tokens that carry the name (legal forms and place prefixes removed);
    /// a name in a script without spaces is one token.
    pub tokens: Vec<String>,
    /// The tokens joined: the exact-match key.
    pub key: String,
    /// The key without country words, when it had any ("kaspersky lab"
    /// for "Kaspersky Lab Japan"); equal to `key` otherwise.
    pub base_key: String,
    /// The name in Latin letters without spaces: pinyin syllables for a
    /// name in Han characters (中兴通讯 → "zhongxingtongxun"), the letters
    /// of a Latin name ("Zhongxing Tongxun", "Hik Vision" → "hikvision").
    /// `None` for names in other scripts or mixing scripts.
    pub romanised: Option<String>,
    /// What analysis did, for the explanation.
    pub steps: Vec<String>,
    /// Written in a script without spaces between words (Han, kana,
    /// Hangul): compared by character bigrams, not words. A Japanese
    /// reading (`japanese::reading`) is made of words.
    pub unspaced: bool,
    /// [`AnalysedName::weight`] of each token, and their sum.
    pub weights: Vec<f64>,
    pub total_weight: f64,
}

impl AnalysedName {
    /// Weight of one token: distinctive words count fully, generic ones less.
    pub fn weight(token: &str) -> f64 {
        if let Some(weight) = crate::japanese::special_weight(token) {
            weight
        } else if GENERIC_WORDS.contains(&token) || COUNTRY_WORDS.contains(&token) {
            GENERIC_WEIGHT
        } else if PARTICLES.contains(&token) {
            PARTICLE_WEIGHT
        } else {
            1.0
        }
    }

    /// Whether the name is written in a script without spaces between words.
    pub fn is_unspaced(&self) -> bool {
        self.unspaced
    }
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' // CJK ideographs
        | '\u{F900}'..='\u{FAFF}'
        | '\u{AC00}'..='\u{D7AF}' // hangul
    )
}

/// Case fold after NFKC, and turn punctuation into spaces. Full-width forms
/// become ASCII, "Ｈｕａｗｅｉ" is "huawei". Katakana middle dots and long
/// marks that split words are spaces too.
pub fn fold(text: &str) -> String {
    let normalised: String = text.nfkc().collect::<String>().to_lowercase();
    let normalised = join_dotted(&normalised);
    let mut out = String::with_capacity(normalised.len());
    for c in normalised.chars() {
        if c.is_alphanumeric() || c == '(' || c == ')' || c == '㈱' {
            out.push(c);
        } else if c == '\'' || c == '’' {
            // "Int'l" and "McDonald's" keep their letters together.
        } else {
            out.push(' ');
        }
    }
    // Removing a character can bring two combining marks together out of
    // canonical order (`\u{1e023}'\u{64b}`): normalised again, so that a
    // folded text folds to itself.
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfkc()
        .collect()
}

/// Letters written with dots become one word: "s.a." is "sa", "l.l.c."
/// is "llc", "c.i." is "ci" (a lone initial, "s.", stays a letter).
fn join_dotted(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let letters: Vec<&str> = word.split('.').collect();
            let dotted = letters.len() >= 3
                && letters.last().is_some_and(|last| last.chars().count() <= 1)
                && letters[..letters.len() - 1]
                    .iter()
                    .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic));
            if dotted {
                word.replace('.', "")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Legal-form words long enough that a one-letter slip ("comany",
/// "limted") still reads as them.
const LONG_LEGAL_WORDS: &[&str] = &["company", "limited", "corporation", "incorporated"];

/// Legal forms that are often run onto the word before ("tradingcompany",
/// "bankplc", "groupltd").
const TRAILING_LEGAL_WORDS: &[&str] = &["company", "limited", "ltd", "plc", "llc", "gmbh"];

/// Splits a legal form run onto the end of a word, and reads a misspelt
/// long legal-form word as the word.
fn separate_legal_words(tokens: Vec<String>, steps: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len() + 1);
    for token in tokens {
        if let Some(word) = LONG_LEGAL_WORDS.iter().find(|word| {
            token.len() >= 6 && **word != token && strsim::osa_distance(&token, word) == 1
        }) {
            steps.push(format!("read as the legal form {word}: {token}"));
            out.push((*word).to_owned());
            continue;
        }
        let split = TRAILING_LEGAL_WORDS.iter().find_map(|word| {
            let rest = token.strip_suffix(word)?;
            (rest.chars().count() >= 3 || rest == "co").then(|| (rest.to_owned(), *word))
        });
        match split {
            Some((rest, word)) => {
                steps.push(format!("legal form run on: {token} → {rest} {word}"));
                out.push(rest);
                out.push(word.to_owned());
            }
            None => out.push(token),
        }
    }
    out
}

/// [`LEGAL_FORMS_CJK`] folded, once.
fn folded_cjk_forms() -> &'static [String] {
    static FOLDED: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        LEGAL_FORMS_CJK
            .iter()
            .map(|form| fold(form))
            .filter(|form| !form.is_empty())
            .collect()
    });
    &FOLDED
}

/// Analyses a name: fold, strip legal forms and place prefixes, expand
/// abbreviations, and record each step.
pub fn analyse(name: &str) -> AnalysedName {
    let mut steps = Vec::new();
    let folded = fold(name);
    if folded != name {
        steps.push("NFKC, case and punctuation folded".to_owned());
    }
    let mut text = folded;
    // Forms written without spaces, at either end ("株式会社東芝", "华为技术有限公司").
    for _ in 0..3 {
        // A name that is nothing but a legal form keeps it.
        if folded_cjk_forms().contains(&text) {
            break;
        }
        let mut changed = false;
        for form in folded_cjk_forms() {
            let form = form.as_str();
            if let Some(rest) = text
                .strip_suffix(form)
                .filter(|rest| !rest.trim().is_empty())
            {
                steps.push(format!("legal form removed: {form}"));
                text = rest.trim().to_owned();
                changed = true;
            } else if let Some(rest) = text
                .strip_prefix(form)
                .filter(|rest| !rest.trim().is_empty())
            {
                steps.push(format!("legal form removed: {form}"));
                text = rest.trim().to_owned();
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for prefix in PLACE_PREFIXES_CJK {
        if let Some(rest) = text
            .strip_prefix(prefix)
            .filter(|rest| rest.chars().count() >= 2)
        {
            steps.push(format!("place prefix removed: {prefix}"));
            text = rest.to_owned();
            break;
        }
    }
    let tokens: Vec<String> = text
        .split(' ')
        .filter(|token| !token.is_empty())
        .map(|token| token.trim_matches(|c| c == '(' || c == ')').to_owned())
        .filter(|token| !token.is_empty())
        .collect();
    let mut tokens = separate_legal_words(tokens, &mut steps);
    // Abbreviations first, so that "COMP LTD" is the legal form it stands for.
    for token in &mut tokens {
        if let Some((_, long)) = ABBREVIATIONS.iter().find(|(short, _)| short == token) {
            steps.push(format!("abbreviation expanded: {token} → {long}"));
            *token = (*long).to_owned();
        }
    }
    // Legal forms among the tokens, longest sequence first, anywhere but a
    // name that is nothing but a legal form keeps it.
    let mut removed_forms = Vec::new();
    for form in LEGAL_FORMS_LATIN {
        let mut index = 0;
        while index + form.len() <= tokens.len() {
            let window: Vec<&str> = tokens[index..index + form.len()]
                .iter()
                .map(String::as_str)
                .collect();
            if window == *form && tokens.len() > form.len() {
                removed_forms.push(form.join(" "));
                tokens.drain(index..index + form.len());
            } else {
                index += 1;
            }
        }
    }
    // A legal form in Han or kana standing as a word of its own, wherever
    // it stands ("Co. 有限公司 Huawei").
    let mut at = 0;
    while at < tokens.len() && tokens.len() > 1 {
        if folded_cjk_forms().contains(&tokens[at]) {
            removed_forms.push(tokens.remove(at));
        } else {
            at += 1;
        }
    }
    if !removed_forms.is_empty() {
        steps.push(format!("legal form removed: {}", removed_forms.join(", ")));
    }
    if tokens.len() > 1
        && let Some(first) = tokens.first()
        && PLACE_PREFIXES_LATIN.contains(&first.as_str())
    {
        steps.push(format!("place prefix removed: {first}"));
        tokens.remove(0);
    }
    let key = tokens.join(" ");
    let base_key = base_key(&tokens).unwrap_or_else(|| key.clone());
    let romanised = romanise(&base_key);
    let weights: Vec<f64> = tokens.iter().map(|t| AnalysedName::weight(t)).collect();
    AnalysedName {
        unspaced: key.chars().any(is_unspaced_script),
        original: name.to_owned(),
        total_weight: weights.iter().sum(),
        weights,
        tokens,
        key,
        base_key,
        romanised,
        steps,
    }
}

/// See [`AnalysedName::romanised`]. Kanji read as Japanese are not pinyin
/// (東芝 is Toshiba, not "dongzhi"): the matcher uses Han keys only for
/// Chinese names.
fn romanise(key: &str) -> Option<String> {
    use pinyin::ToPinyin;
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == ' ' {
            continue;
        } else {
            let syllable = c.to_pinyin()?;
            out.push_str(syllable.plain());
        }
    }
    (out.chars().count() >= 4).then_some(out)
}

/// The tokens without country words, and for unspaced names without a
/// country word at either end; `None` when nothing would be left.
fn base_key(tokens: &[String]) -> Option<String> {
    let kept: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|token| !COUNTRY_WORDS.contains(token))
        .collect();
    let mut base = kept.join(" ");
    for word in COUNTRY_WORDS.iter().filter(|word| !word.is_ascii()) {
        if let Some(rest) = base
            .strip_suffix(word)
            .filter(|rest| rest.chars().count() >= 2)
        {
            base = rest.trim().to_owned();
        } else if let Some(rest) = base
            .strip_prefix(word)
            .filter(|rest| rest.chars().count() >= 2)
        {
            base = rest.trim().to_owned();
        }
    }
    (!base.is_empty()).then_some(base)
}

/// A sound key for a word in Latin letters: letters that sound alike
/// merge (b/p, d/t, c/g/k/q, s/z/x, f/v/w), vowels after the first letter
/// and h, y are dropped, doubles collapse ("john" and "jon" are "jn",
/// "mohammed" and "muhamad" are "amt"). `None` for words with other
/// characters or under three letters, and when fewer than two sounds
/// remain.
pub fn phonetic(word: &str) -> Option<String> {
    let mut buffer = [0u8; SOUND_KEY_MAX];
    let length = sound_key(word, &mut buffer)?;
    buffer
        .get(..length)
        .map(|sounds| sounds.iter().map(|&b| char::from(b)).collect())
}

/// Whether two words have the same sound key, without allocating (the
/// scorer asks this for many word pairs).
pub fn same_sound(a: &str, b: &str) -> bool {
    let (mut left, mut right) = ([0u8; SOUND_KEY_MAX], [0u8; SOUND_KEY_MAX]);
    match (sound_key(a, &mut left), sound_key(b, &mut right)) {
        (Some(x), Some(y)) => x == y && left.get(..x) == right.get(..y),
        _ => false,
    }
}

/// Longest word given a sound key.
const SOUND_KEY_MAX: usize = 48;

/// Writes the sound key of `word` into `out`; its length, or `None`.
fn sound_key(word: &str, out: &mut [u8; SOUND_KEY_MAX]) -> Option<usize> {
    if word.len() < 3 || word.len() > SOUND_KEY_MAX || !word.bytes().all(|b| b.is_ascii_lowercase())
    {
        return None;
    }
    let bytes = word.as_bytes();
    let mut length = 0usize;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let next = bytes.get(index + 1).copied();
        let (sound, used) = match (byte, next) {
            (b'p', Some(b'h')) => (Some(b'f'), 2),
            (b'k' | b'g', Some(b'h')) => (Some(b'k'), 2),
            (b't' | b'd', Some(b'h')) => (Some(b't'), 2),
            (b's' | b'z', Some(b'h')) | (b'c', Some(b'h')) => (Some(b'j'), 2),
            (b'c', Some(b'k')) => (Some(b'k'), 2),
            (b'c', Some(b'e' | b'i' | b'y')) => (Some(b's'), 1),
            (b't', Some(b's' | b'z')) => (Some(b's'), 2),
            (b'd', Some(b'j')) => (Some(b'j'), 2),
            (b'a' | b'e' | b'i' | b'o' | b'u' | b'y', _) => ((length == 0).then_some(b'a'), 1),
            (b'h', _) => (None, 1),
            (b'b' | b'p', _) => (Some(b'p'), 1),
            (b'd' | b't', _) => (Some(b't'), 1),
            (b'c' | b'g' | b'k' | b'q', _) => (Some(b'k'), 1),
            (b's' | b'z' | b'x', _) => (Some(b's'), 1),
            (b'f' | b'v' | b'w', _) => (Some(b'f'), 1),
            (other, _) => (Some(other), 1),
        };
        if let Some(sound) = sound {
            let repeated = length > 0 && out.get(length - 1) == Some(&sound);
            if !repeated && let Some(slot) = out.get_mut(length) {
                *slot = sound;
                length += 1;
            }
        }
        index += used;
    }
    (length >= 2).then_some(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> String {
        analyse(name).key
    }

    #[test]
    fn legal_forms_go_in_every_language() {
        assert_eq!(key("Huawei Technologies Co., Ltd."), "huawei technologies");
        assert_eq!(key("ZTE Corporation"), "zte");
        assert_eq!(key("Siemens AG"), "siemens");
        assert_eq!(key("Beispiel GmbH & Co. KG"), "beispiel");
        assert_eq!(key("ООО «Ромашка»"), "ромашка");
        assert_eq!(
            key("АО «Лаборатория Касперского»"),
            "лаборатория касперского"
        );
        assert_eq!(key("株式会社東芝"), "東芝");
        assert_eq!(key("華為技術日本株式会社"), "華為技術日本");
        assert_eq!(key("中兴通讯股份有限公司"), "中兴通讯");
        assert_eq!(key("Toshiba K.K."), "toshiba");
        assert_eq!(
            key("Zhongxing Tongxun Gufen Youxian Gongsi"),
            "zhongxing tongxun"
        );
    }

    #[test]
    fn place_prefixes_of_chinese_names_go() {
        assert_eq!(key("深圳市大疆创新科技有限公司"), "大疆创新科技");
        assert_eq!(
            key("Shenzhen DJI Innovation Technology Co., Ltd."),
            "dji innovation technology"
        );
        assert_eq!(key("SZ DJI Technology Co., Ltd."), "dji technology");
        // A name that is only a place stays a name.
        assert_eq!(key("Shanghai"), "shanghai");
    }

    #[test]
    fn full_width_and_case_fold_away() {
        assert_eq!(key("ＨＵＡＷＥＩ"), "huawei");
        assert_eq!(key("Int'l Grp"), "international group");
    }

    #[test]
    fn country_words_leave_a_base_key() {
        assert_eq!(analyse("Kaspersky Lab Japan").base_key, "kaspersky lab");
        assert_eq!(
            analyse("ゼットティーイー・ジャパン株式会社").base_key,
            "ゼットティーイー"
        );
        assert_eq!(analyse("華為技術日本株式会社").base_key, "華為技術");
        assert_eq!(
            analyse("Japan").base_key,
            "japan",
            "a name that is only a country stays"
        );
        assert_eq!(analyse("Huawei").base_key, "huawei");
    }

    #[test]
    fn words_that_sound_alike_share_a_key() {
        assert_eq!(phonetic("john"), phonetic("jon"));
        assert_eq!(phonetic("mohammed"), phonetic("muhamad"));
        assert_eq!(phonetic("gazprom"), phonetic("gasprom"));
        assert_ne!(phonetic("bush"), phonetic("habbash"));
        assert_eq!(phonetic("al"), None);
    }

    #[test]
    fn romanised_keys_meet_across_scripts() {
        assert_eq!(
            analyse("中兴通讯股份有限公司").romanised.as_deref(),
            Some("zhongxingtongxun")
        );
        assert_eq!(
            analyse("Zhongxing Tongxun Co., Ltd.").romanised.as_deref(),
            Some("zhongxingtongxun")
        );
        assert_eq!(
            analyse("深圳市大疆创新科技有限公司").romanised,
            analyse("Shenzhen Dajiang Chuangxin Keji").romanised
        );
        assert_eq!(
            analyse("Hik Vision").romanised.as_deref(),
            Some("hikvision")
        );
        assert_eq!(
            analyse("ファーウェイ").romanised,
            None,
            "kana is not romanised here"
        );
    }

    #[test]
    fn digits_are_kept() {
        assert_eq!(key("11420 Corp."), "11420");
    }

    #[test]
    fn steps_explain_what_changed() {
        let analysed = analyse("Shenzhen DJI Innovation Technology Co., Ltd.");
        assert!(
            analysed
                .steps
                .iter()
                .any(|s| s == "legal form removed: co ltd"),
            "{:?}",
            analysed.steps
        );
        assert!(
            analysed
                .steps
                .iter()
                .any(|s| s == "place prefix removed: shenzhen")
        );
    }
}

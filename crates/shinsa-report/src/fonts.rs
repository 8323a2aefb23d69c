//! The fonts embedded in every PDF, and what happens to a character none
//! of them has.
//!
//! A register holds whatever its operator's suppliers are called: 华为 in
//! simplified Chinese, a Korean or Arabic name, a Cyrillic one, "≥" in a
//! rule's evidence, an emoji in a note. typst picks, per character, the
//! first font of the chain that has it (see `document.typ`); PDF/A forbids
//! drawing a character without its glyph, so a character that no embedded
//! font has would fail the whole document. Instead it is written as a
//! visible substitute, `[U+1F600]`, and reported with the document, so the
//! reader sees that something was there and what it was.
//!
//! The chain, chosen for coverage per byte (see `fonts/README.md`):
//! IPAMincho / IPAGothic (Japanese, JIS X 0213, with Latin, Greek and
//! Cyrillic), DejaVu Sans (Latin, Greek, Cyrillic, Hebrew and the common
//! symbols and arrows), Noto Naskh Arabic (Arabic with the letters of Urdu,
//! Persian and Pashto names — DejaVu lacks some, such as ہ in the UN
//! list's اللہ) and WenQuanYi Micro Hei (simplified and traditional
//! Chinese, 20,932 ideographs, and all 11,172 Hangul syllables).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

const FONT_FILES: [&[u8]; 5] = [
    include_bytes!("../fonts/ipam.ttf"),
    include_bytes!("../fonts/ipag.ttf"),
    include_bytes!("../fonts/DejaVuSans.ttf"),
    include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../fonts/wqy-microhei.ttc"),
];

/// The embedded fonts, parsed once per process.
pub(crate) fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|bytes| Font::iter(Bytes::new(*bytes)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        (LazyHash::new(book), fonts)
    })
}

/// A character no embedded font has, how often the document held it, and
/// what was drawn instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    pub character: char,
    pub count: usize,
}

impl Substitution {
    /// What the document shows in its place: `[U+1F600]`.
    pub fn replacement(character: char) -> String {
        format!("[U+{:04X}]", u32::from(character))
    }
}

impl std::fmt::Display for Substitution {
    /// ASCII only, so it can go into an HTTP header and any log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "U+{:04X} is in no embedded font, drawn as {} ({}x)",
            u32::from(self.character),
            Substitution::replacement(self.character),
            self.count
        )
    }
}

/// Whether typst can draw `character`: a font has it, or it is layout
/// rather than a glyph (a line break, a tab, and the default-ignorable
/// code points such as joiners, variation selectors and direction marks,
/// which shaping hides).
fn drawable(character: char) -> bool {
    matches!(character, '\n' | '\t')
        || default_ignorable(character)
        || (!character.is_control()
            && fonts()
                .1
                .iter()
                .any(|font| font.info().coverage.contains(u32::from(character))))
}

/// Replaces, in every string of `value`, each character no embedded font
/// has by its visible substitute; returns what was replaced, in code point
/// order.
pub(crate) fn substitute(value: &mut serde_json::Value) -> Vec<Substitution> {
    let mut seen: BTreeMap<char, usize> = BTreeMap::new();
    let mut known: BTreeMap<char, bool> = BTreeMap::new();
    walk(value, "", &mut |_, text: &mut String| {
        if text.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
            return;
        }
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        for character in text.chars() {
            let ok = *known
                .entry(character)
                .or_insert_with(|| drawable(character));
            if ok {
                out.push(character);
            } else {
                changed = true;
                *seen.entry(character).or_default() += 1;
                out.push_str(&Substitution::replacement(character));
            }
        }
        if changed {
            *text = out;
        }
    });
    seen.into_iter()
        .map(|(character, count)| Substitution { character, count })
        .collect()
}

/// Unicode's Default_Ignorable_Code_Point, the parts a register may hold.
fn default_ignorable(character: char) -> bool {
    matches!(u32::from(character),
        0x00AD | 0x034F | 0x061C | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE0FFF)
}

/// The longest text a PDF lays out in one piece; past it a text is cut
/// and says how long it was. A register's field is written by whoever
/// filled it in: one name of 200,000 characters took typst 33 s and 1.3 GB
/// (debug build), a cost any operator could make the server pay at will.
/// The HTML form of a document keeps the whole text.
pub const LONGEST_TEXT: usize = 4_000;

/// Cuts every text of `value` longer than [`LONGEST_TEXT`] characters (a
/// chart's SVG, which shinsa draws itself, excepted); returns how many.
pub(crate) fn shorten(value: &mut serde_json::Value) -> usize {
    let mut shortened = 0;
    walk(value, "", &mut |key, text| {
        if key == "svg" {
            return;
        }
        let length = text.chars().count();
        if length > LONGEST_TEXT {
            let kept: String = text.chars().take(LONGEST_TEXT).collect();
            *text = format!("{kept}… [{LONGEST_TEXT} of {length} characters]");
            shortened += 1;
        }
    });
    shortened
}

fn walk(value: &mut serde_json::Value, key: &str, visit: &mut impl FnMut(&str, &mut String)) {
    match value {
        serde_json::Value::String(text) => visit(key, text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|item| walk(item, key, visit)),
        serde_json::Value::Object(fields) => fields
            .iter_mut()
            .for_each(|(key, item)| walk(item, key, visit)),
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_a_register_may_hold_has_a_font() {
        let names = [
            "湊電力株式会社",
            "𠀋",
            "华为技术有限公司",
            "華為技術有限公司",
            "삼성전자 주식회사",
            "شركة الاتصالات السعودية",
            // Urdu spellings as the UN consolidated list writes them
            // (ہ U+06C1, چ, ی).
            "ثناء اللہ غفاری",
            "عامر علی چوہدری",
            "ООО «Лаборатория Касперского»",
            "Ελληνικές Τηλεπικοινωνίες",
            "Müller & Søn Ærø Łódź",
            "≥ 50 % → ✓ ★ © € № ℃ ± × ÷",
        ];
        for name in names {
            let mut value = serde_json::json!({ "name": name });
            assert_eq!(substitute(&mut value), [], "{name}");
            assert_eq!(value["name"], name);
        }
    }

    #[test]
    fn a_text_too_long_to_lay_out_is_cut_and_says_so() {
        let long = "華".repeat(LONGEST_TEXT + 10);
        let svg = format!("<svg>{}</svg>", "x".repeat(LONGEST_TEXT * 2));
        let mut value = serde_json::json!({"name": long, "svg": svg, "short": "ok"});
        assert_eq!(shorten(&mut value), 1);
        let name = value["name"].as_str().unwrap_or_default();
        assert_eq!(name.chars().filter(|c| *c == '華').count(), LONGEST_TEXT);
        assert!(name.ends_with("… [4000 of 4010 characters]"), "{name}");
        assert_eq!(value["svg"], svg.as_str(), "a chart is kept whole");
        assert_eq!(value["short"], "ok");
    }

    #[test]
    fn a_character_without_a_font_is_shown_by_its_code_point_and_counted() {
        // DejaVu Sans has the emoticons (😀) but not the camera, nor Thai.
        let mut value = serde_json::json!({"a": ["ok 😀 📷", {"b": "📷\u{0007}ก"}], "n": 3});
        let substituted = substitute(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": ["ok 😀 [U+1F4F7]", {"b": "[U+1F4F7][U+0007][U+0E01]"}], "n": 3})
        );
        assert_eq!(
            substituted,
            [
                Substitution {
                    character: '\u{7}',
                    count: 1
                },
                Substitution {
                    character: 'ก',
                    count: 1
                },
                Substitution {
                    character: '📷',
                    count: 2
                }
            ]
        );
        assert_eq!(
            substituted[2].to_string(),
            "U+1F4F7 is in no embedded font, drawn as [U+1F4F7] (2x)"
        );
    }
}

//! The candidate index and the scorer.
//!
//! Targets are every name of the identity table and every name a list entry
//! uses. A query is analysed once; exact keys are looked up in a hash map,
//! other candidates come from an inverted index of tokens (and of character
//! bigrams for names written without spaces), so a query never walks the
//! whole list. Each candidate is scored in [0, 1] with the reasons kept.

use crate::name::{AnalysedName, analyse};
use shinsa_model::{EntryTarget, ReferenceData};
use std::collections::{HashMap, HashSet};

/// Score at or above which a match is reported (the alerting threshold).
pub const DEFAULT_THRESHOLD: f64 = 0.85;

/// Score of a match on the name without its country words ("Hytera Japan"
/// for "Hytera"): high, but below an exact match so that a listed national
/// subsidiary wins over its parent when both are known.
const BASE_KEY_SCORE: f64 = 0.97;

/// Score of a match on the romanised key only (pinyin against Latin, or
/// the same letters spaced differently): strong, but the spelling was not
/// the list's.
const ROMANISED_SCORE: f64 = 0.93;

/// Jaro-Winkler similarity from which two long tokens count as the same word.
const TOKEN_SIMILARITY: f64 = 0.92;

/// What a target name stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetRef {
    /// A row of the identity table.
    Identity(String),
    /// A list entry that names a company not in the identity table.
    Entry(String),
}

#[derive(Debug, Clone)]
struct Target {
    target: TargetRef,
    name: String,
    analysed: AnalysedName,
    /// A Chinese company's name: its Han characters read as pinyin.
    chinese: bool,
}

/// A resolved name with the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    pub target: TargetRef,
    /// The name of the identity table or list that matched.
    pub matched: String,
    pub score: f64,
    pub why: Vec<String>,
}

/// The index over one set of reference data.
#[derive(Debug, Clone)]
pub struct Matcher {
    targets: Vec<Target>,
    by_key: HashMap<String, Vec<usize>>,
    by_base_key: HashMap<String, Vec<usize>>,
    by_romanised: HashMap<String, Vec<usize>>,
    by_token: HashMap<String, Vec<usize>>,
}

impl Matcher {
    /// Indexes every identity name and every named list entry.
    pub fn new(reference: &ReferenceData) -> Self {
        let mut targets = Vec::new();
        for identity in &reference.identities {
            let chinese = matches!(identity.country.as_str(), "CN" | "HK" | "MO" | "TW");
            for name in identity.all_names() {
                targets.push(Target {
                    target: TargetRef::Identity(identity.id.clone()),
                    name: name.to_owned(),
                    analysed: analyse(name),
                    chinese,
                });
            }
        }
        // Imported lists: every name of every listed party.
        let mut imported: HashSet<String> = HashSet::new();
        for (list, party) in &reference.listed {
            let key = format!("{list}/{}", party.id);
            let chinese = party
                .countries
                .iter()
                .any(|c| matches!(c.as_str(), "CN" | "HK" | "MO" | "TW"));
            for name in &party.names {
                targets.push(Target {
                    target: TargetRef::Entry(key.clone()),
                    name: name.clone(),
                    analysed: analyse(name),
                    chinese,
                });
            }
            imported.insert(key);
        }
        for entry in &reference.entries {
            if imported.contains(&entry.key()) {
                continue; // indexed above with all its names
            }
            if let EntryTarget::Named { name, identity } = &entry.target {
                let target = match identity {
                    Some(identity) => TargetRef::Identity(identity.clone()),
                    None => TargetRef::Entry(entry.key()),
                };
                targets.push(Target {
                    target,
                    name: name.clone(),
                    analysed: analyse(name),
                    chinese: true,
                });
            }
        }
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_base_key: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_romanised: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_token: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, target) in targets.iter().enumerate() {
            by_key
                .entry(target.analysed.key.clone())
                .or_default()
                .push(index);
            by_base_key
                .entry(target.analysed.base_key.clone())
                .or_default()
                .push(index);
            if let Some(romanised) = &target.analysed.romanised
                && (target.chinese || target.analysed.original.is_ascii())
            {
                by_romanised
                    .entry(romanised.clone())
                    .or_default()
                    .push(index);
            }
            for token in blocking_keys(&target.analysed) {
                by_token.entry(token).or_default().push(index);
            }
        }
        Self {
            targets,
            by_key,
            by_base_key,
            by_romanised,
            by_token,
        }
    }

    /// The best match per target for `name`, best first, at or above
    /// `threshold`.
    pub fn find(&self, name: &str, threshold: f64) -> Vec<NameMatch> {
        let query = analyse(name);
        if query.key.is_empty() {
            return Vec::new();
        }
        let exact: HashSet<usize> = self
            .by_key
            .get(&query.key)
            .map(|indexes| indexes.iter().copied().collect())
            .unwrap_or_default();
        let base = lookup(&self.by_base_key, Some(&query.base_key), &exact);
        let romanised = lookup(&self.by_romanised, query.romanised.as_ref(), &exact);
        let mut candidates: HashSet<usize> = base.union(&romanised).copied().collect();
        for token in blocking_keys(&query) {
            if let Some(indexes) = self.by_token.get(&token) {
                candidates.extend(indexes.iter().copied());
            }
        }
        let mut best: HashMap<TargetRef, NameMatch> = HashMap::new();
        for index in exact.iter().chain(candidates.difference(&exact)) {
            let Some(target) = self.targets.get(*index) else {
                continue;
            };
            let mut why = query.steps.clone();
            let score = if exact.contains(index) {
                why.push(format!(
                    "same name after analysis: {:?}",
                    target.analysed.key
                ));
                1.0
            } else {
                let (fuzzy, mut reasons) = score(&query, &target.analysed);
                if romanised.contains(index) && fuzzy < ROMANISED_SCORE && !base.contains(index) {
                    why.push(format!(
                        "same letters in Latin script: {:?}",
                        target.analysed.romanised.as_deref().unwrap_or_default()
                    ));
                    ROMANISED_SCORE
                } else if base.contains(index) && fuzzy < BASE_KEY_SCORE {
                    why.push(format!(
                        "same name once country words are set aside: {:?}",
                        target.analysed.base_key
                    ));
                    BASE_KEY_SCORE
                } else {
                    why.append(&mut reasons);
                    fuzzy
                }
            };
            if let TargetRef::Identity(id) = &target.target {
                why.push(format!(
                    "identity table: {:?} is a name of {id}",
                    target.name
                ));
            }
            let better = best
                .get(&target.target)
                .is_none_or(|current| score > current.score);
            if score >= threshold && better {
                best.insert(
                    target.target.clone(),
                    NameMatch {
                        target: target.target.clone(),
                        matched: target.name.clone(),
                        score,
                        why,
                    },
                );
            }
        }
        let mut matches: Vec<NameMatch> = best.into_values().collect();
        matches.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.matched.cmp(&b.matched))
        });
        matches
    }
}

/// The targets filed under `key`, less those already in `found`.
fn lookup(
    index: &HashMap<String, Vec<usize>>,
    key: Option<&String>,
    found: &HashSet<usize>,
) -> HashSet<usize> {
    key.and_then(|key| index.get(key))
        .map(|targets| {
            targets
                .iter()
                .copied()
                .filter(|target| !found.contains(target))
                .collect()
        })
        .unwrap_or_default()
}

/// Keys under which a name is filed for candidate generation: for names
/// with spaces, each distinctive token, its first three and its last three
/// letters (so a typo in one half still finds the name); for names without
/// spaces, character bigrams.
fn blocking_keys(name: &AnalysedName) -> Vec<String> {
    if name.is_unspaced() {
        let chars: Vec<char> = name.key.chars().filter(|c| !c.is_whitespace()).collect();
        if chars.len() < 2 {
            return vec![name.key.clone()];
        }
        chars.windows(2).map(|pair| pair.iter().collect()).collect()
    } else {
        let mut keys = Vec::new();
        for token in name
            .tokens
            .iter()
            .filter(|t| AnalysedName::weight(t) == 1.0)
        {
            keys.push(token.clone());
            let chars: Vec<char> = token.chars().collect();
            if chars.len() >= 5 {
                keys.push(format!("^{}", chars.iter().take(3).collect::<String>()));
                keys.push(format!(
                    "{}$",
                    chars.iter().skip(chars.len() - 3).collect::<String>()
                ));
            }
        }
        keys
    }
}

/// Similarity of two analysed names in [0, 1], with the reasons.
///
/// Names with spaces: every token of both names is paired with its most
/// similar token on the other side (equal, or Jaro-Winkler ≥ 0.92 for words
/// of five letters or more; digits only equal); the score is the weighted
/// share of tokens that found a partner, generic words weighing a quarter.
/// Names without spaces: the Dice coefficient of character bigrams.
pub fn score(query: &AnalysedName, target: &AnalysedName) -> (f64, Vec<String>) {
    if query.is_unspaced() || target.is_unspaced() {
        let whole = bigram_dice(&query.key, &target.key);
        // Without country words a name says less: never as much as a match
        // of the whole name (a listed subsidiary must beat its parent).
        let base = bigram_dice(&query.base_key, &target.base_key) * BASE_KEY_SCORE;
        return if base > whole {
            (
                base,
                vec![format!(
                    "character bigram overlap {base:.2} without country words"
                )],
            )
        } else {
            (whole, vec![format!("character bigram overlap {whole:.2}")])
        };
    }
    let mut why = Vec::new();
    let (matched_query, total_query) = side_weight(&query.tokens, &target.tokens, &mut why);
    let (matched_target, total_target) =
        side_weight(&target.tokens, &query.tokens, &mut Vec::new());
    let total = total_query + total_target;
    if total == 0.0 {
        return (0.0, why);
    }
    let score = (matched_query + matched_target) / total;
    let unmatched: Vec<&String> = target
        .tokens
        .iter()
        .chain(&query.tokens)
        .filter(|token| !query.tokens.contains(token) || !target.tokens.contains(token))
        .collect();
    if !unmatched.is_empty() {
        why.push(format!(
            "words on one side only: {}",
            unmatched
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (score, why)
}

/// Weighted share of `tokens` that find a partner in `other`.
fn side_weight(tokens: &[String], other: &[String], why: &mut Vec<String>) -> (f64, f64) {
    let mut matched = 0.0;
    let mut total = 0.0;
    for token in tokens {
        let weight = AnalysedName::weight(token);
        total += weight;
        let best = other
            .iter()
            .map(|candidate| (candidate, token_similarity(token, candidate)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((partner, similarity)) = best
            && similarity > 0.0
        {
            matched += weight * similarity;
            if partner == token {
                why.push(format!("word matched: {token}"));
            } else {
                why.push(format!(
                    "word matched with typo tolerance: {token} ~ {partner} ({similarity:.2})"
                ));
            }
        }
    }
    (matched, total)
}

fn token_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    // "Lab" and "Labs", "Technology" and "Technologys" are one word.
    let singular = |s: &'_ str| {
        s.strip_suffix('s')
            .map(str::to_owned)
            .unwrap_or_else(|| s.to_owned())
    };
    if a.chars().count() >= 3 && b.chars().count() >= 3 && singular(a) == singular(b) {
        return 0.95;
    }
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    if has_digit(a) || has_digit(b) || a.chars().count() < 5 || b.chars().count() < 5 {
        return 0.0;
    }
    let similarity = strsim::jaro_winkler(a, b);
    if similarity >= TOKEN_SIMILARITY {
        similarity
    } else {
        0.0
    }
}

fn bigram_dice(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (left, right) = (grams(a), grams(b));
    if left.is_empty() || right.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let mut remaining = right.clone();
    let mut shared = 0usize;
    for gram in &left {
        if let Some(position) = remaining.iter().position(|other| other == gram) {
            remaining.swap_remove(position);
            shared += 1;
        }
    }
    (2 * shared) as f64 / (left.len() + right.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use shinsa_model::{CountryCode, Identity};

    fn identity(id: &str, name: &str, names: &[&str]) -> Identity {
        Identity {
            id: id.into(),
            name: name.into(),
            country: CountryCode::parse("CN").unwrap_or_else(|_| unreachable!()),
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            brands: Vec::new(),
            identifiers: Vec::new(),
            parent: None,
            parent_share: None,
            source: "test".into(),
            verified: true,
        }
    }

    fn matcher() -> Matcher {
        Matcher::new(&ReferenceData {
            identities: vec![
                identity(
                    "huawei",
                    "Huawei Technologies Co., Ltd.",
                    &["华为技术有限公司", "ファーウェイ"],
                ),
                identity(
                    "dji",
                    "SZ DJI Technology Co., Ltd.",
                    &["深圳市大疆创新科技有限公司"],
                ),
                identity("belle", "Belletech Corp.", &[]),
                identity(
                    "huawei-japan",
                    "Huawei Technologies Japan K.K.",
                    &["ファーウェイ・ジャパン株式会社"],
                ),
            ],
            ..ReferenceData::default()
        })
    }

    fn best(name: &str) -> Option<(TargetRef, f64)> {
        matcher()
            .find(name, 0.5)
            .first()
            .map(|m| (m.target.clone(), m.score))
    }

    #[test]
    fn identity_names_in_any_script_resolve() {
        assert_eq!(
            best("ファーウェイ"),
            Some((TargetRef::Identity("huawei".into()), 1.0))
        );
        assert_eq!(best("華為"), None, "not in this small table");
        assert_eq!(
            best("大疆创新科技有限公司"),
            Some((TargetRef::Identity("dji".into()), 1.0)),
            "place prefix and legal form fall away"
        );
    }

    #[test]
    fn legal_forms_and_case_do_not_matter() {
        assert_eq!(
            best("HUAWEI TECHNOLOGIES CO LTD"),
            Some((TargetRef::Identity("huawei".into()), 1.0))
        );
    }

    #[test]
    fn typos_in_long_words_score_high_but_below_one() {
        let found = best("Huawai Technologies");
        assert!(
            matches!(&found, Some((TargetRef::Identity(id), s)) if id == "huawei" && *s > 0.9 && *s < 1.0),
            "{found:?}"
        );
    }

    #[test]
    fn generic_words_alone_do_not_match() {
        assert!(
            matcher()
                .find("Global Technologies", DEFAULT_THRESHOLD)
                .is_empty()
        );
    }

    #[test]
    fn a_listed_subsidiary_beats_its_parent() {
        for name in [
            "ファーウェイ・ジャパン株式会社",
            "Huawei Technologies Japan KK",
        ] {
            let found = matcher().find(name, DEFAULT_THRESHOLD);
            let best = found.first().map(|m| (m.target.clone(), m.score));
            assert_eq!(
                best,
                Some((TargetRef::Identity("huawei-japan".into()), 1.0)),
                "{name}"
            );
        }
    }

    #[test]
    fn a_national_subsidiary_name_finds_its_parent() {
        let found = matcher().find("Huawei Technologies Deutschland GmbH", DEFAULT_THRESHOLD);
        assert_eq!(
            found.first().map(|m| (m.target.clone(), m.score)),
            Some((TargetRef::Identity("huawei".into()), 0.97))
        );
        assert!(
            found[0]
                .why
                .iter()
                .any(|w| w.contains("country words are set aside")),
            "{:?}",
            found[0].why
        );
    }

    #[test]
    fn unspaced_names_are_also_compared_without_country_words() {
        let found = matcher().find("ファーウェイ日本", DEFAULT_THRESHOLD);
        assert_eq!(
            found.first().map(|m| m.target.clone()),
            Some(TargetRef::Identity("huawei".into()))
        );
    }

    #[test]
    fn pinyin_and_run_together_words_find_the_name() {
        let zte = Matcher::new(&ReferenceData {
            identities: vec![
                identity("zte", "ZTE Corporation", &["中兴通讯股份有限公司"]),
                identity("hik", "Hikvision", &[]),
            ],
            ..ReferenceData::default()
        });
        let best = |name: &str| {
            zte.find(name, DEFAULT_THRESHOLD)
                .first()
                .map(|m| (m.target.clone(), m.score))
        };
        for name in [
            "Zhongxing Tongxun Gufen Youxian Gongsi",
            "Zhongxing Tongxun Co., Ltd.",
        ] {
            assert_eq!(
                best(name),
                Some((TargetRef::Identity("zte".into()), ROMANISED_SCORE)),
                "{name}"
            );
        }
        assert_eq!(
            best("HIK VISION"),
            Some((TargetRef::Identity("hik".into()), ROMANISED_SCORE))
        );
    }

    #[test]
    fn plurals_of_short_words_match() {
        let found = matcher().find("Belletech Corps", 0.0);
        assert_eq!(
            found.first().map(|m| m.target.clone()),
            Some(TargetRef::Identity("belle".into()))
        );
    }

    #[test]
    fn digits_are_significant() {
        assert!(matcher().find("11420 Corp.", 0.3).is_empty());
    }

    #[test]
    fn an_extra_distinctive_word_lowers_the_score() {
        let found = matcher().find("Huawei Marine Networks", 0.0);
        let score = found.first().map(|m| m.score).unwrap_or(0.0);
        assert!(score < DEFAULT_THRESHOLD, "{score}");
        assert!(score > 0.3, "{score}");
    }
}

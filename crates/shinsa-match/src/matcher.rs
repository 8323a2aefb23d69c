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

/// Credit for two words written as one ("HONGKONG" for "HONG KONG").
const RUN_TOGETHER_SIMILARITY: f64 = 0.95;

/// Credit for two words with the same sound key.
const PHONETIC_SIMILARITY: f64 = 0.6;

/// Credit for a word of four letters or more one edit from the other.
const ONE_EDIT_SIMILARITY: f64 = 0.9;

/// Credit for an initial against a name that starts with it.
const INITIAL_SIMILARITY: f64 = 0.8;

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
    /// The transliteration scheme, when `analysed` is a Latin spelling of
    /// `name` (Cyrillic, Hangul, kana, Greek).
    spelling: Option<&'static str>,
}

impl Target {
    /// The name as written and each of its Latin spellings.
    fn all(target: &TargetRef, name: &str, chinese: bool) -> Vec<Self> {
        let mut out = vec![Self {
            target: target.clone(),
            name: name.to_owned(),
            analysed: without_steps(analyse(name)),
            chinese,
            spelling: None,
        }];
        for (latin, scheme) in crate::translit::latin_spellings(name) {
            out.push(Self {
                target: target.clone(),
                name: name.to_owned(),
                analysed: without_steps(analyse(&latin)),
                chinese,
                spelling: Some(scheme),
            });
        }
        if let Some(reading) = crate::japanese::reading(name) {
            out.push(Self {
                target: target.clone(),
                name: name.to_owned(),
                analysed: without_steps(reading),
                chinese,
                spelling: Some(crate::japanese::SCHEME),
            });
        }
        out
    }
}

/// What a target keeps of its analysis: not the steps (the query's are
/// shown), nor a base or romanised key equal to the key (empty or `None`
/// then means "the key"); a million names are a lot of strings.
fn without_steps(mut analysed: AnalysedName) -> AnalysedName {
    analysed.steps = Vec::new();
    analysed.original = String::new();
    if analysed.base_key == analysed.key {
        analysed.base_key = String::new();
    }
    if analysed.romanised.as_ref() == Some(&analysed.key) {
        analysed.romanised = None;
    }
    analysed
}

/// A target's base key (see [`without_steps`]).
fn base_key_of(name: &AnalysedName) -> &str {
    if name.base_key.is_empty() {
        &name.key
    } else {
        &name.base_key
    }
}

/// A match through a Latin spelling is slightly less sure than one of the
/// names as written.
const SPELLING_FACTOR: f64 = 0.97;

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
    /// Each target's total word weight and the weight its words that are
    /// not keys can earn (generic words, particles, initials), or `None`
    /// for a name in a script without spaces (no bound applies): kept apart
    /// from `targets` so that pruning a candidate does not touch its name.
    bound_weights: Vec<BoundWeights>,
    by_key: KeyIndex,
    by_base_key: KeyIndex,
    by_romanised: KeyIndex,
    by_token: KeyIndex,
    /// The words of every name by sound ([`crate::japanese`]), for queries
    /// written in katakana; built when the first such query comes, so that
    /// a run of Latin queries never pays for it.
    by_sound_of_words: std::sync::OnceLock<KeyIndex>,
    /// The katakana words of names written in Japanese, by sound, for
    /// Latin queries; empty when no list writes names in Japanese.
    by_sound_of_readings: KeyIndex,
}

/// Names filed under keys, stored compactly: the keys' 64-bit hashes
/// sorted, each with the start of its run of name indexes. A million names
/// file some twenty million keys; a map of strings to vectors took most of
/// the memory. Two keys with the same hash share a run: candidates, never
/// results, since exact keys are checked against the name (see `search`).
#[derive(Debug, Clone, Default)]
struct KeyIndex {
    hashes: Vec<u64>,
    starts: Vec<u32>,
    names: Vec<u32>,
}

impl KeyIndex {
    fn hash(key: &str) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x5348_494e_5341).hash_one(key)
    }

    /// Builds the index from (key hash, name index) pairs.
    fn build(mut pairs: Vec<(u64, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut index = Self::default();
        for (hash, name) in pairs {
            if index.hashes.last() != Some(&hash) {
                index.hashes.push(hash);
                index
                    .starts
                    .push(u32::try_from(index.names.len()).unwrap_or(u32::MAX));
            }
            index.names.push(name);
        }
        index.hashes.shrink_to_fit();
        index.starts.shrink_to_fit();
        index.names.shrink_to_fit();
        index
    }

    fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The names filed under `key`.
    fn get(&self, key: &str) -> &[u32] {
        let hash = Self::hash(key);
        let Ok(at) = self.hashes.binary_search(&hash) else {
            return &[];
        };
        let start = self.starts.get(at).map_or(0, |s| *s as usize);
        let end = self
            .starts
            .get(at + 1)
            .map_or(self.names.len(), |s| *s as usize);
        self.names.get(start..end).unwrap_or(&[])
    }
}

impl Matcher {
    /// Indexes every identity name and every named list entry.
    pub fn new(reference: &ReferenceData) -> Self {
        let mut targets = Vec::new();
        for identity in &reference.identities {
            let chinese = matches!(identity.country.as_str(), "CN" | "HK" | "MO" | "TW");
            for name in identity.all_names() {
                targets.extend(Target::all(
                    &TargetRef::Identity(identity.id.clone()),
                    name,
                    chinese,
                ));
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
                targets.extend(Target::all(&TargetRef::Entry(key.clone()), name, chinese));
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
                targets.extend(Target::all(&target, name, true));
            }
        }
        let mut by_key = Vec::with_capacity(targets.len());
        let mut by_base_key = Vec::new();
        let mut by_romanised = Vec::new();
        // Reserved generously rather than doubled into: pages never written
        // are never resident, while a doubling copies the whole vector.
        let mut by_token = Vec::with_capacity(targets.len().saturating_mul(24));
        let mut by_sound_of_readings = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            // More than four billion names is beyond any list: they go unindexed.
            let Ok(index) = u32::try_from(index) else {
                break;
            };
            by_key.push((KeyIndex::hash(&target.analysed.key), index));
            // Base and romanised keys equal to the key are found through
            // `by_key`; only those that differ are filed again.
            if !target.analysed.base_key.is_empty() {
                by_base_key.push((KeyIndex::hash(&target.analysed.base_key), index));
            }
            if let Some(romanised) = &target.analysed.romanised
                && (target.chinese || target.name.is_ascii())
            {
                by_romanised.push((KeyIndex::hash(romanised), index));
            }
            // Token keys also say which word of the name they come from.
            if index < TOKEN_FILING_LIMIT {
                for (token, at) in blocking_keys(&target.analysed) {
                    by_token.push((KeyIndex::hash(&token), filed_word(index, at)));
                }
                for (token, at) in sound_keys(&target.analysed, Words::Readings) {
                    by_sound_of_readings.push((KeyIndex::hash(&token), filed_word(index, at)));
                }
            }
        }
        let (by_key, by_base_key, by_romanised, by_token, by_sound_of_readings) = (
            KeyIndex::build(by_key),
            KeyIndex::build(by_base_key),
            KeyIndex::build(by_romanised),
            KeyIndex::build(by_token),
            KeyIndex::build(by_sound_of_readings),
        );
        Self {
            by_sound_of_words: std::sync::OnceLock::new(),
            by_sound_of_readings,
            bound_weights: targets
                .iter()
                .map(|target| BoundWeights::of(&target.analysed))
                .collect(),
            targets,
            by_key,
            by_base_key,
            by_romanised,
            by_token,
        }
    }

    /// The best match per target for `name`, best first, at or above
    /// `threshold`.
    ///
    /// Candidates are the names filed under the query's keys. A candidate
    /// is scored only if it could reach `threshold` with the query words it
    /// shares a key with (plus generic words and initials, which are not
    /// keys): the bound depends on the query and that candidate alone, so
    /// adding an unrelated name to the list never changes a score.
    pub fn find(&self, name: &str, threshold: f64) -> Vec<NameMatch> {
        let mut best: HashMap<&TargetRef, Candidate<'_>> = HashMap::new();
        let query = analyse(name);
        self.search(&query, None, threshold, &mut best);
        let mut spellings: Vec<(AnalysedName, &'static str)> =
            crate::translit::latin_spellings(name)
                .into_iter()
                .map(|(latin, scheme)| (analyse(&latin), scheme))
                .collect();
        spellings.extend(crate::japanese::query_readings(name));
        for (spelt, scheme) in &spellings {
            self.search(spelt, Some(scheme), threshold, &mut best);
        }
        let mut matches: Vec<NameMatch> = best
            .into_values()
            .map(|found| {
                let query = match found.query_spelling {
                    Some(scheme) => spellings
                        .iter()
                        .find(|(_, s)| *s == scheme)
                        .map_or(&query, |(spelt, _)| spelt),
                    None => &query,
                };
                NameMatch {
                    target: found.target.target.clone(),
                    matched: found.target.name.clone(),
                    score: found.score,
                    why: explain(query, found.target, found.basis, found.query_spelling),
                }
            })
            .collect();
        matches.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.matched.cmp(&b.matched))
        });
        matches
    }

    /// Adds the candidates of one spelling of the query to `best`.
    fn search<'a>(
        &'a self,
        query: &AnalysedName,
        query_spelling: Option<&'static str>,
        threshold: f64,
        best: &mut HashMap<&'a TargetRef, Candidate<'a>>,
    ) {
        if query.key.is_empty() {
            return;
        }
        // Hashes may collide: a key match counts only if the name has the key.
        let filed =
            |index: &KeyIndex, key: &str, has: &dyn Fn(&AnalysedName) -> bool| -> Vec<u32> {
                index
                    .get(key)
                    .iter()
                    .copied()
                    .filter(|at| {
                        self.targets
                            .get(*at as usize)
                            .is_some_and(|target| has(&target.analysed))
                    })
                    .collect()
            };
        let exact = filed(&self.by_key, &query.key, &|name| name.key == query.key);
        let exact = exact.as_slice();
        let mut base = filed(&self.by_base_key, &query.base_key, &|name| {
            name.base_key == query.base_key
        });
        if query.base_key != query.key {
            base.extend(filed(&self.by_key, &query.base_key, &|name| {
                name.key == query.base_key
            }));
        }
        let base = base.as_slice();
        let mut romanised = Vec::new();
        if let Some(key) = &query.romanised {
            romanised = filed(&self.by_romanised, key, &|name| {
                name.romanised.as_ref() == Some(key)
            });
            if *key != query.key {
                romanised.extend(filed(&self.by_key, key, &|name| name.key == *key));
            }
        }
        let romanised = romanised.as_slice();
        let mut keep = |index: u32, score: f64, basis: Basis| {
            let Some(target) = self.targets.get(index as usize) else {
                return;
            };
            let score = if target.spelling.is_some() || query_spelling.is_some() {
                score * SPELLING_FACTOR
            } else {
                score
            };
            if score < threshold {
                return;
            }
            let found = Candidate {
                target,
                score,
                basis,
                query_spelling,
            };
            match best.get_mut(&target.target) {
                Some(slot) if slot.score >= score => {}
                Some(slot) => *slot = found,
                None => {
                    best.insert(&target.target, found);
                }
            }
        };
        for &index in exact {
            keep(index, 1.0, Basis::Exact);
        }
        let spaced = !query.is_unspaced();
        let weights = &query.weights;
        let query_weight = query.total_weight;
        // What a query word can earn without sharing a key with the
        // candidate: generic words and particles are not keys, and an
        // initial may stand for a name.
        let unkeyed = unkeyed_credit(query);
        // Each initial of the query may stand for a word of the list's name.
        let query_initials = query
            .tokens
            .iter()
            .filter(|token| token.chars().count() == 1)
            .count() as f64
            * INITIAL_SIMILARITY;
        let covered = self.coverage(query);
        let mut memo = Similarities::default();
        // Names found by a whole key: a few at most, searched in a sorted vector.
        let mut special: Vec<u32> = exact.iter().chain(base).chain(romanised).copied().collect();
        special.sort_unstable();
        special.dedup();
        for &index in &special {
            if exact.contains(&index) {
                continue;
            }
            let Some(target) = self.targets.get(index as usize) else {
                continue;
            };
            let fuzzy = score_with(query, &target.analysed, None, Some(&mut memo));
            let (score, basis) = if romanised.contains(&index)
                && fuzzy < ROMANISED_SCORE
                && !base.contains(&index)
            {
                (ROMANISED_SCORE, Basis::Romanised)
            } else if base.contains(&index) && fuzzy < BASE_KEY_SCORE {
                (BASE_KEY_SCORE, Basis::BaseKey)
            } else {
                (fuzzy, Basis::Fuzzy)
            };
            keep(index, score, basis);
        }
        for &(index, mask) in &covered {
            let (query_words, target_words) = (mask & 0xFFFF_FFFF, mask >> 32);
            if spaced
                && let Some((target_weight, target_unkeyed)) = self
                    .bound_weights
                    .get(index as usize)
                    .and_then(|weights| weights.get())
            {
                let reachable: f64 = weights
                    .iter()
                    .zip(&unkeyed)
                    .enumerate()
                    .map(|(at, (weight, unkeyed))| {
                        if query_words & (1u64 << at.min(31)) != 0 {
                            *weight
                        } else {
                            *unkeyed
                        }
                    })
                    .sum();
                // On the list's side, only its words that share a key with
                // the query (all of weight 1) and those that are not keys
                // can find a partner.
                let reachable_target =
                    (f64::from(target_words.count_ones()) + target_unkeyed + query_initials)
                        .min(target_weight);
                // A small margin: the weights are stored in twentieths.
                let bound = (reachable + reachable_target) / (query_weight + target_weight) + 1e-6;
                if bound < threshold {
                    continue;
                }
            }
            if special.binary_search(&index).is_ok() {
                continue;
            }
            let Some(target) = self.targets.get(index as usize) else {
                continue;
            };
            keep(
                index,
                score_with(query, &target.analysed, None, Some(&mut memo)),
                Basis::Fuzzy,
            );
        }
    }
}

impl Matcher {
    /// The words of every name by sound, built on first use.
    fn by_sound_of_words(&self) -> &KeyIndex {
        self.by_sound_of_words.get_or_init(|| {
            let mut pairs = Vec::new();
            for (index, target) in self.targets.iter().enumerate() {
                let Ok(index) = u32::try_from(index) else {
                    break;
                };
                if index >= TOKEN_FILING_LIMIT {
                    break;
                }
                for (key, at) in sound_keys(&target.analysed, Words::Latin) {
                    pairs.push((KeyIndex::hash(&key), filed_word(index, at)));
                }
            }
            KeyIndex::build(pairs)
        })
    }

    /// Each name filed under a key of `query`, with the query tokens (as a
    /// bit mask) it shares a key with. Counted in a dense array per thread:
    /// a hash map cost most of a query's time on large lists.
    fn coverage(&self, query: &AnalysedName) -> Vec<(u32, u64)> {
        thread_local! {
            // Per name: the query's words (low half) and the name's words
            // (high half) that share a key; one word per name keeps the
            // array small enough to stay in cache on large lists.
            static MASKS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        MASKS.with(|masks| {
            let mut masks = masks.borrow_mut();
            if masks.len() < self.targets.len() {
                masks.resize(self.targets.len(), 0);
            }
            let mut touched: Vec<u32> = Vec::new();
            let spelling = blocking_keys(query)
                .into_iter()
                .map(|key| (key, &self.by_token));
            // Katakana words against every list word by sound; Latin words
            // against the katakana of names written in Japanese.
            let katakana = sound_keys(query, Words::Readings);
            let by_sound_of_words = if katakana.is_empty() {
                None
            } else {
                Some(self.by_sound_of_words())
            };
            let sound = katakana
                .into_iter()
                .filter_map(|key| Some((key, by_sound_of_words?)));
            let latin = if self.by_sound_of_readings.is_empty() {
                Vec::new()
            } else {
                sound_keys(query, Words::Latin)
            };
            let latin = latin
                .into_iter()
                .map(|key| (key, &self.by_sound_of_readings));
            for ((key, token), index) in spelling.chain(sound).chain(latin) {
                let bit = 1u64 << token.min(31);
                for &filed in index.get(&key) {
                    let (index, word) = (filed / WORDS_PER_NAME, filed % WORDS_PER_NAME);
                    if let Some(mask) = masks.get_mut(index as usize) {
                        if *mask == 0 {
                            touched.push(index);
                        }
                        *mask |= bit | (1u64 << (32 + word.min(31)));
                    }
                }
            }
            touched
                .into_iter()
                .map(|index| {
                    let mask = masks.get_mut(index as usize).map_or(0, std::mem::take);
                    (index, mask)
                })
                .collect()
        })
    }
}

/// A target's total word weight and what its words that are not keys can
/// earn, in twentieths of a word (weights are multiples of 0.05), packed
/// in four bytes; `u16::MAX` for a name without spaces (no bound).
#[derive(Debug, Clone, Copy)]
struct BoundWeights(u16, u16);

impl BoundWeights {
    fn of(name: &AnalysedName) -> Self {
        if name.is_unspaced() {
            return Self(u16::MAX, 0);
        }
        let twentieths = |weight: f64| (weight * 20.0).round().clamp(0.0, 65_000.0) as u16;
        let unkeyed = if name.tokens.len() > 31 {
            // Word positions past 31 share a bit: count every word reachable.
            name.total_weight
        } else {
            unkeyed_credit(name).iter().sum()
        };
        Self(twentieths(name.total_weight), twentieths(unkeyed))
    }

    /// (total, unkeyed), or `None` when no bound applies.
    fn get(self) -> Option<(f64, f64)> {
        (self.0 != u16::MAX).then(|| (f64::from(self.0) / 20.0, f64::from(self.1) / 20.0))
    }
}

/// Token keys are filed as `name index × 64 + word position`.
const WORDS_PER_NAME: u32 = 64;

/// Names past this index are not filed by token (they would overflow the
/// encoding): 67 million names, beyond any list.
const TOKEN_FILING_LIMIT: u32 = u32::MAX / WORDS_PER_NAME;

fn filed_word(index: u32, word: usize) -> u32 {
    index * WORDS_PER_NAME + u32::try_from(word.min(63)).unwrap_or(63)
}

/// What each word of a name can earn without sharing a key with the other
/// name: generic words and particles are not keys (full weight), an
/// initial may stand for a name, other words earn nothing.
fn unkeyed_credit(name: &AnalysedName) -> Vec<f64> {
    name.tokens
        .iter()
        .zip(&name.weights)
        .map(|(token, &weight)| match token.chars().count() {
            _ if weight < 1.0 => weight,
            1 => weight * INITIAL_SIMILARITY,
            _ => 0.0,
        })
        .collect()
}

/// The best way found so far to one target.
struct Candidate<'a> {
    target: &'a Target,
    score: f64,
    basis: Basis,
    query_spelling: Option<&'static str>,
}

/// How a candidate reached its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    Exact,
    Romanised,
    BaseKey,
    Fuzzy,
}

/// The reasons for a match, worked out only for the matches returned.
fn explain(
    query: &AnalysedName,
    target: &Target,
    basis: Basis,
    query_spelling: Option<&str>,
) -> Vec<String> {
    let mut why = query.steps.clone();
    if let Some(scheme) = query_spelling {
        let words: Vec<String> = query
            .tokens
            .iter()
            .map(|token| crate::japanese::display(token))
            .collect();
        why.push(format!(
            "query spelt in Latin letters ({scheme}): {}",
            words.join(" ")
        ));
    }
    if let Some(scheme) = target.spelling {
        why.push(format!(
            "listed name spelt in Latin letters ({scheme}): {}",
            target.analysed.key
        ));
    }
    match basis {
        Basis::Exact => why.push(format!(
            "same name after analysis: {:?}",
            target.analysed.key
        )),
        Basis::Romanised => why.push(format!(
            "same letters in Latin script: {:?}",
            target
                .analysed
                .romanised
                .as_deref()
                .unwrap_or(&target.analysed.key)
        )),
        Basis::BaseKey => why.push(format!(
            "same name once country words are set aside: {:?}",
            base_key_of(&target.analysed)
        )),
        Basis::Fuzzy => {
            score_with(query, &target.analysed, Some(&mut why), None);
        }
    }
    if let TargetRef::Identity(id) = &target.target {
        why.push(format!(
            "identity table: {:?} is a name of {id}",
            target.name
        ));
    }
    why
}

/// Which words of a name give sound keys ([`sound_keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    /// The katakana words of a Japanese reading.
    Readings,
    /// Distinctive words in Latin letters.
    Latin,
}

/// Keys of a name's words by sound
/// ([`crate::japanese::sound_blocking_keys`]), each with its word.
fn sound_keys(name: &AnalysedName, words: Words) -> Vec<(String, usize)> {
    let mut keys = Vec::new();
    if name.is_unspaced() {
        return keys;
    }
    for (at, token) in name.tokens.iter().enumerate() {
        let wanted = match words {
            Words::Readings => crate::japanese::is_sound(token),
            Words::Latin => {
                !crate::japanese::is_sound(token)
                    && crate::japanese::alternatives(token).is_none()
                    && AnalysedName::weight(token) >= 1.0
            }
        };
        if wanted {
            for key in crate::japanese::sound_blocking_keys(token) {
                keys.push((key, at));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Keys under which a name is filed for candidate generation, each with
/// the token it comes from. For names with spaces: each distinctive token;
/// from seven letters its first and its last three letters (one or two
/// edits leave one of them whole); from four to six letters the token
/// with each letter deleted in turn, so that any one edit (substitution,
/// insertion, deletion, transposition) shares a key; two neighbouring
/// words joined. A translation gives the keys of each alternative (sound
/// words are filed by [`sound_keys`]). For names without spaces,
/// character bigrams.
fn blocking_keys(name: &AnalysedName) -> Vec<(String, usize)> {
    let mut keys: Vec<(String, usize)> = Vec::new();
    if name.is_unspaced() {
        let chars: Vec<char> = name.key.chars().filter(|c| !c.is_whitespace()).collect();
        if chars.len() < 2 {
            return vec![(name.key.clone(), 0)];
        }
        for pair in chars.windows(2) {
            keys.push((pair.iter().collect(), 0));
        }
    } else {
        for (at, token) in name.tokens.iter().enumerate() {
            if crate::japanese::is_sound(token) {
                continue; // filed by sound (`sound_keys`)
            } else if let Some(alternatives) = crate::japanese::alternatives(token) {
                for word in alternatives {
                    word_keys(word, at, &mut keys);
                }
            } else {
                word_keys(token, at, &mut keys);
            }
        }
        // Two words the other side may write as one ("nano technology",
        // "Nanotechnology"): the pair joined is a key of both.
        for (at, pair) in name.tokens.windows(2).enumerate() {
            if let [first, second] = pair
                && [first, second]
                    .iter()
                    .all(|word| word.len() >= 2 && word.chars().all(char::is_alphanumeric))
            {
                let joined = format!("{first}{second}");
                keys.push((joined.clone(), at));
                keys.push((joined, at + 1));
            }
        }
    }
    // Two words of a name may share a key ("SPB Integral SPB", two sound
    // words' ends): each keeps it, or the bound would miss one.
    keys.sort();
    keys.dedup();
    keys
}

/// The keys of one word of a spaced name (see [`blocking_keys`]).
fn word_keys(token: &str, at: usize, keys: &mut Vec<(String, usize)>) {
    let chars: Vec<char> = token.chars().collect();
    if AnalysedName::weight(token) < 1.0 || chars.len() < 2 {
        return;
    }
    keys.push((token.to_owned(), at));
    // Sound keys of three sounds or more: shorter ones ("jn") file
    // too many names to narrow anything down.
    if let Some(code) = crate::name::phonetic(token).filter(|code| code.len() >= 3) {
        keys.push((format!("%{code}"), at));
    }
    match chars.len() {
        4..=6 => {
            if chars.len() == 6 {
                // Six letters also meet seven by their ends.
                keys.push((format!("^{}", chars.iter().take(3).collect::<String>()), at));
                keys.push((format!("{}$", chars.iter().skip(3).collect::<String>()), at));
            }
            keys.push((format!("~{token}"), at));
            // Four-letter words are compared with both ends kept.
            let inner = if chars.len() == 4 {
                1..3
            } else {
                0..chars.len()
            };
            for skip in inner {
                let deleted: String = chars
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| c)
                    .collect();
                keys.push((format!("~{deleted}"), at));
            }
        }
        7.. => {
            // Three-letter ends: four would be narrower, but lost
            // yente's two-typo positives (UN top-1 97.2 % → 96.0 %).
            let width = 3;
            keys.push((
                format!("^{}", chars.iter().take(width).collect::<String>()),
                at,
            ));
            keys.push((
                format!(
                    "{}$",
                    chars.iter().skip(chars.len() - width).collect::<String>()
                ),
                at,
            ));
        }
        _ => {}
    }
}

/// Similarity of two analysed names in [0, 1], with the reasons.
///
/// Names with spaces: every token of both names is paired with its most
/// similar token on the other side (equal; typo-tolerant for longer words;
/// an initial for a name; two words run together; digits only equal); the
/// score is the weighted share of tokens that found a partner, generic
/// words weighing a quarter. Names without spaces: the Dice coefficient of
/// character bigrams.
pub fn score(query: &AnalysedName, target: &AnalysedName) -> (f64, Vec<String>) {
    let mut why = Vec::new();
    let score = score_with(query, target, Some(&mut why), None);
    (score, why)
}

/// [`score`], writing reasons only when asked: most candidates are scored
/// and dropped, and their reasons would cost more than their scores.
/// Similarities of query words to list words, remembered across the
/// candidates of one query: lists repeat their words, and comparing two
/// words was the largest cost left on large lists.
#[derive(Default)]
struct Similarities<'a> {
    known: foldhash::HashMap<(usize, &'a str), f64>,
}

fn score_with<'a>(
    query: &AnalysedName,
    target: &'a AnalysedName,
    why: Option<&mut Vec<String>>,
    memo: Option<&mut Similarities<'a>>,
) -> f64 {
    if query.is_unspaced() || target.is_unspaced() {
        let whole = bigram_dice(&query.key, &target.key);
        // Without country words a name says less: never as much as a match
        // of the whole name (a listed subsidiary must beat its parent).
        let base = bigram_dice(base_key_of(query), base_key_of(target)) * BASE_KEY_SCORE;
        let (score, reason) = if base > whole {
            (base, "without country words")
        } else {
            (whole, "")
        };
        if let Some(why) = why {
            why.push(
                format!("character bigram overlap {score:.2} {reason}")
                    .trim()
                    .to_owned(),
            );
        }
        return score;
    }
    let mut why = why;
    let columns = target.tokens.len();
    // Most names have a handful of words: the table lives on the stack.
    let cells = query.tokens.len() * columns;
    let mut on_stack = [0.0f64; 64];
    let mut on_heap = Vec::new();
    let similarities: &mut [f64] = match on_stack.get_mut(..cells) {
        Some(table) => table,
        None => {
            on_heap.resize(cells, 0.0);
            &mut on_heap
        }
    };
    let mut memo = memo;
    for (at, word) in query.tokens.iter().enumerate() {
        for (column, other) in target.tokens.iter().enumerate() {
            let similarity = match memo.as_deref_mut() {
                Some(memo) => *memo
                    .known
                    .entry((at, other.as_str()))
                    .or_insert_with(|| token_similarity(word, other)),
                None => token_similarity(word, other),
            };
            if let Some(cell) = similarities.get_mut(at * columns + column) {
                *cell = similarity;
            }
        }
    }
    let similarities: &[f64] = similarities;
    let between = |row: usize, column: usize| {
        similarities
            .get(row * columns + column)
            .copied()
            .unwrap_or(0.0)
    };
    let (matched_query, total_query) =
        side_weight(query, &target.tokens, between, why.as_deref_mut());
    let (matched_target, total_target) =
        side_weight(target, &query.tokens, |j, i| between(i, j), None);
    let total = total_query + total_target;
    if total == 0.0 {
        return 0.0;
    }
    if let Some(why) = why {
        let unmatched: Vec<String> = target
            .tokens
            .iter()
            .chain(&query.tokens)
            .filter(|token| !query.tokens.contains(token) || !target.tokens.contains(token))
            .map(|token| crate::japanese::display(token))
            .collect();
        if !unmatched.is_empty() {
            why.push(format!("words on one side only: {}", unmatched.join(", ")));
        }
    }
    (matched_query + matched_target) / total
}

/// Weighted share of `tokens` that find a partner in `other`. A token
/// equal to two neighbouring tokens of the other side run together
/// ("STOCKCOMPANY", "HONGKONG") finds both.
fn side_weight(
    name: &AnalysedName,
    other: &[String],
    similarity: impl Fn(usize, usize) -> f64,
    mut why: Option<&mut Vec<String>>,
) -> (f64, f64) {
    let tokens = &name.tokens;
    let mut matched = 0.0;
    for (at, (token, &weight)) in tokens.iter().zip(&name.weights).enumerate() {
        let best = other
            .iter()
            .enumerate()
            .map(|(index, candidate)| (candidate, similarity(at, index)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((partner, similarity)) = best
            && similarity > 0.0
        {
            matched += weight * similarity;
            if let Some(why) = why.as_deref_mut() {
                if partner == token {
                    why.push(format!("word matched: {token}"));
                } else if let Some(how) = crate::japanese::how_matched(token, partner) {
                    why.push(format!(
                        "word matched {how}: {} ~ {} ({similarity:.2})",
                        crate::japanese::display(token),
                        crate::japanese::display(partner)
                    ));
                } else {
                    why.push(format!(
                        "word matched with typo tolerance: {token} ~ {partner} ({similarity:.2})"
                    ));
                }
            }
        } else if let Some(pair) = other.windows(2).find(|pair| {
            token.len() == pair[0].len() + pair[1].len()
                && token.starts_with(pair[0].as_str())
                && token.ends_with(pair[1].as_str())
        }) {
            matched += weight * RUN_TOGETHER_SIMILARITY;
            if let Some(why) = why.as_deref_mut() {
                why.push(format!(
                    "words run together: {token} = {} {}",
                    pair[0], pair[1]
                ));
            }
        } else if let Some(joined) = run_together_into(token, tokens, other) {
            matched += weight * RUN_TOGETHER_SIMILARITY;
            if let Some(why) = why.as_deref_mut() {
                why.push(format!("words run together: {joined}"));
            }
        }
    }
    (matched, name.total_weight)
}

/// Whether `token` is half of a pair of neighbouring tokens that the other
/// side writes as one word; the pair as written there.
fn run_together_into(token: &str, tokens: &[String], other: &[String]) -> Option<String> {
    let at = tokens.iter().position(|t| t == token)?;
    let joins = |first: &str, second: &str, word: &str| {
        word.len() == first.len() + second.len()
            && word.starts_with(first)
            && word.ends_with(second)
    };
    let previous = at.checked_sub(1).and_then(|i| tokens.get(i));
    let next = tokens.get(at + 1);
    other.iter().find_map(|word| {
        if previous.is_some_and(|prev| joins(prev, token, word))
            || next.is_some_and(|next| joins(token, next, word))
        {
            Some(word.clone())
        } else {
            None
        }
    })
}

/// Similarity of two tokens: 1 when equal; otherwise typo tolerance that
/// grows with length (one edit from four letters — inside the word for
/// four —, two from eight, or
/// Jaro-Winkler ≥ 0.92 from five), and an initial for a given name.
/// Digits are never approximated: "11420" is not "11421".
/// Optimal-string-alignment distance (adjacent transpositions count one),
/// on the stack for the short ASCII words names are made of.
fn edit_distance(a: &str, b: &str) -> usize {
    const MAX: usize = 40;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() >= MAX || b.len() >= MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::osa_distance(&String::from_utf8_lossy(a), &String::from_utf8_lossy(b));
    }
    let mut before = [0usize; MAX];
    let mut previous = [0usize; MAX];
    let mut current = [0usize; MAX];
    for (j, slot) in previous.iter_mut().enumerate().take(b.len() + 1) {
        *slot = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        before = previous;
        previous = current;
    }
    previous[b.len()]
}

fn singular(word: &str) -> &str {
    word.strip_suffix('s').unwrap_or(word)
}

pub(crate) fn token_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if let Some(similarity) = crate::japanese::special_similarity(a, b) {
        return similarity;
    }
    let (len_a, len_b) = (a.chars().count(), b.chars().count());
    // "Lab" and "Labs", "Technology" and "Technologys" are one word.
    if len_a >= 3 && len_b >= 3 && singular(a) == singular(b) {
        return 0.95;
    }
    // "S." for "Sayyad": an initial says little, but does not contradict.
    if (len_a == 1 || len_b == 1) && a.chars().next() == b.chars().next() {
        return INITIAL_SIMILARITY;
    }
    let shorter = len_a.min(len_b);
    let apart = len_a.abs_diff(len_b);
    // Words that sound alike ("jon", "john"; "gasprom", "gazprom").
    let by_sound = if shorter >= 3 && crate::name::same_sound(a, b) {
        PHONETIC_SIMILARITY
    } else {
        0.0
    };
    // Neither one or two edits nor Jaro-Winkler ≥ 0.92 reach words this
    // different in length; skip the costly comparisons.
    if shorter < 4 || apart > 2 {
        return by_sound;
    }
    let has_digit = |s: &str| s.chars().any(|c| c.is_ascii_digit());
    if has_digit(a) || has_digit(b) {
        return 0.0;
    }
    let edits = edit_distance(a, b);
    // Four-letter words differ by one letter far too often ("yong" and
    // "song", "chol" and "choe"): only inside the word, both ends kept.
    let ends_kept = a.chars().next() == b.chars().next() && a.chars().last() == b.chars().last();
    let by_edits: f64 = match (edits, shorter) {
        (1, 4) if ends_kept => ONE_EDIT_SIMILARITY,
        (1, 5..) => ONE_EDIT_SIMILARITY,
        (2, 8..) => 0.86,
        _ => 0.0,
    };
    let by_jaro = if shorter >= 5 {
        let similarity = strsim::jaro_winkler(a, b);
        if similarity >= TOKEN_SIMILARITY {
            similarity
        } else {
            0.0
        }
    } else {
        0.0
    };
    by_edits.max(by_jaro).max(by_sound)
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
        let hik = best("HIK VISION");
        assert!(
            matches!(&hik, Some((TargetRef::Identity(id), s)) if id == "hik" && *s > ROMANISED_SCORE && *s < 1.0),
            "{hik:?}"
        );
    }

    #[test]
    fn names_in_other_scripts_meet_their_latin_spellings() {
        let matcher = Matcher::new(&ReferenceData {
            identities: vec![
                identity("putin", "PUTIN, Vladimir Vladimirovich", &[]),
                identity("kim", "KIM Jong Un", &[]),
                identity("rosneft", "Роснефть", &[]),
            ],
            ..ReferenceData::default()
        });
        for (query, expected) in [
            ("Владимир Владимирович Путин", "putin"),
            ("김정은", "kim"),
            ("Rosneft", "rosneft"),
        ] {
            let found = matcher.find(query, DEFAULT_THRESHOLD);
            let first = found.first().unwrap_or_else(|| panic!("{query}: no match"));
            assert_eq!(
                first.target,
                TargetRef::Identity(expected.into()),
                "{query}"
            );
            assert!(
                first.score < 1.0 && first.score >= 0.9,
                "{query}: {}",
                first.score
            );
            assert!(
                first
                    .why
                    .iter()
                    .any(|w| w.contains("spelt in Latin letters")),
                "{query}: {:?}",
                first.why
            );
        }
    }

    #[test]
    fn edit_distance_is_osa() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "kestrel",
            "kastrel",
            "mohammed",
            "muhamad",
            "gupta",
            "gutpa",
            "rahab",
            "rahb",
            "ca",
            "abc",
            "владимир",
            "vladimir",
        ];
        for a in words {
            for b in words {
                assert_eq!(edit_distance(a, b), strsim::osa_distance(a, b), "{a} {b}");
            }
        }
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

//! Which versions a source means, read from how it writes them: `vers:`
//! strings (`vers:all/<V3.1.4`, including the ones the vers specification
//! would refuse, which CISA's advisories carry), bare constraints
//! (`>=2003|<=2006`, `<= 3.07.11`), and the English and Japanese prose
//! vendors write (`Versions after V5.00.000 (including V5.00.000) and before
//! V5.02.006（not including V5.02.006）`, `v6 R4 およびそれ以前のバージョン`).
//! What none of these patterns reads is kept as [`VersionRule::Prose`],
//! whole, for a person to read: a guess would be worse.

use shinsa_model::{Bound, VersionRule, VersionStatus};

/// The rules `text` states, each with `status`.
pub fn read(text: &str, status: VersionStatus) -> Vec<VersionRule> {
    let normal = normalise(text);
    let prose = || {
        vec![VersionRule::Prose {
            text: text.trim().to_owned(),
            status,
        }]
    };
    if normal.is_empty() {
        return prose();
    }
    if let Some(constraints) = normal.strip_prefix("vers:") {
        return match constraints.split_once('/') {
            Some((scheme, constraints)) => {
                constraint_rules(constraints, status, scheme_of(scheme)).unwrap_or_else(prose)
            }
            None => prose(),
        };
    }
    if let Some(rules) = constraint_rules(&normal, status, None) {
        return rules;
    }
    if let Some(rule) = english(&normal, status).or_else(|| japanese(&normal, status)) {
        return vec![rule];
    }
    if looks_like_version(&normal) {
        return vec![VersionRule::Exact {
            version: normal,
            status,
            scheme: None,
        }];
    }
    prose()
}

/// Full-width brackets, operators and spaces as ASCII; spaces collapsed.
fn normalise(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '＜' => '<',
            '＞' => '>',
            '＝' => '=',
            '　' | '\u{a0}' => ' ',
            '≤' => '≦',
            '≥' => '≧',
            other => other,
        })
        .collect();
    let mapped = mapped.replace('≦', "<=").replace('≧', ">=");
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn scheme_of(scheme: &str) -> Option<String> {
    (!matches!(scheme, "all" | "generic" | "")).then(|| scheme.to_owned())
}

/// `*`, `<V3.1.4`, `>=2003|<=2006`, `<= 3.07.11`, `=1.2|=1.3`: each `|`
/// part a constraint; a lower and the next upper bound make one range.
fn constraint_rules(
    text: &str,
    status: VersionStatus,
    scheme: Option<String>,
) -> Option<Vec<VersionRule>> {
    let text = text.trim();
    if text == "*" {
        return Some(vec![VersionRule::All { status }]);
    }
    let mut rules = Vec::new();
    let mut pending_from: Option<Bound> = None;
    let range =
        |from: Option<Bound>, to: Option<Bound>, scheme: &Option<String>| VersionRule::Range {
            from,
            to,
            status,
            scheme: scheme.clone(),
            changes: Vec::new(),
        };
    for part in text.split('|') {
        let part = part.trim();
        let (operator, version) = split_operator(part)?;
        let version = version.trim();
        if version.is_empty() || version.contains(' ') && !looks_like_version(version) {
            return None;
        }
        let bound = |inclusive| Bound {
            version: version.to_owned(),
            inclusive,
        };
        match operator {
            ">=" | ">" => {
                if let Some(from) = pending_from.take() {
                    rules.push(range(Some(from), None, &scheme));
                }
                pending_from = Some(bound(operator == ">="));
            }
            "<=" | "<" => rules.push(range(
                pending_from.take(),
                Some(bound(operator == "<=")),
                &scheme,
            )),
            "=" | "" => {
                if !looks_like_version(version) {
                    return None;
                }
                rules.push(VersionRule::Exact {
                    version: version.to_owned(),
                    status,
                    scheme: scheme.clone(),
                });
            }
            _ => return None,
        }
    }
    if let Some(from) = pending_from {
        rules.push(range(Some(from), None, &scheme));
    }
    // A bare word with no operator is no constraint list.
    let has_operator = text.contains(['<', '>', '=']);
    (!rules.is_empty() && (has_operator || text.contains('|'))).then_some(rules)
}

fn split_operator(part: &str) -> Option<(&str, &str)> {
    for operator in ["<=", ">=", "!=", "<", ">", "="] {
        if let Some(rest) = part.strip_prefix(operator) {
            return (operator != "!=").then_some((operator, rest));
        }
    }
    Some(("", part))
}

/// Whether `text` reads as one version: it has a digit, and no word of
/// prose.
fn looks_like_version(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text.split(' ').count() <= 3
        && text.is_ascii()
        && !text
            .split(' ')
            .any(|word| PROSE_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

const PROSE_WORDS: &[&str] = &[
    "all",
    "and",
    "before",
    "after",
    "prior",
    "versions",
    "version",
    "earlier",
    "later",
    "to",
    "through",
    "including",
    "not",
    "below",
    "above",
    "from",
    "up",
    "or",
    "than",
    "the",
    "of",
    "with",
    "without",
    "only",
    "firmware",
    "before:",
];

fn bound(version: &str, inclusive: bool) -> Option<Bound> {
    let version = version
        .trim()
        .trim_end_matches(['.', ',', ';'])
        .trim_start_matches("version ")
        .trim_start_matches("versions ")
        .trim();
    looks_like_version(version).then(|| Bound {
        version: version.to_owned(),
        inclusive,
    })
}

fn range(from: Option<Bound>, to: Option<Bound>, status: VersionStatus) -> VersionRule {
    VersionRule::Range {
        from,
        to,
        status,
        scheme: None,
        changes: Vec::new(),
    }
}

/// Whether `(including X)` (or `(inclusive)`) follows in `rest`; `Some(false)`
/// for `(not including X)` / `(excluding X)`; `None` when nothing is said.
fn inclusion(rest: &str) -> Option<bool> {
    let rest = rest.trim_start();
    if !rest.starts_with('(') {
        return None;
    }
    let inner = rest.get(1..rest.find(')')?)?.to_ascii_lowercase();
    if inner.starts_with("not including")
        || inner.starts_with("excluding")
        || inner.starts_with("exclusive")
    {
        Some(false)
    } else if inner.starts_with("including") || inner.starts_with("inclusive") {
        Some(true)
    } else {
        None
    }
}

/// The version at the start of `text`, up to a space-free end or a bracket,
/// and what follows it.
fn version_at(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let end = text.find([' ', '(', ',', ';']).unwrap_or(text.len());
    (
        text.get(..end).unwrap_or(text),
        text.get(end..).unwrap_or(""),
    )
}

/// English forms vendors write.
fn english(text: &str, status: VersionStatus) -> Option<VersionRule> {
    let text = text.trim_end_matches('.').trim();
    // ASCII lower case keeps every byte where it was: positions found in
    // `lower` cut `text` alike.
    let whole = text.to_ascii_lowercase();
    if matches!(
        whole.as_str(),
        "all versions" | "all" | "all versions are affected"
    ) {
        return Some(VersionRule::All { status });
    }
    let mut start = 0;
    for prefix in ["affected ", "all versions ", "versions ", "version "] {
        if whole
            .get(start..)
            .is_some_and(|rest| rest.starts_with(prefix))
        {
            start += prefix.len();
        }
    }
    let (text, lower) = (text.get(start..)?, whole.get(start..)?);
    // "All versions < V4.33".
    if start > 0
        && let Some(mut rules) = constraint_rules(text, status, None)
        && rules.len() == 1
    {
        return rules.pop();
    }
    // "after A (including A) and before B (not including B)", "between A
    // and B", "from A to B".
    for (word, middles, from_default, to_default) in [
        (
            "after ",
            &[" and before ", " and prior to ", " but before "][..],
            false,
            false,
        ),
        ("between ", &[" and "][..], true, true),
        ("from ", &[" to ", " through ", " up to "][..], true, true),
    ] {
        let Some(rest) = lower.strip_prefix(word).and(text.get(word.len()..)) else {
            continue;
        };
        let (from_text, after_from) = version_at(rest);
        let from_inclusive = inclusion(after_from).unwrap_or(from_default);
        let after_lower = after_from.to_ascii_lowercase();
        for middle in middles {
            if let Some(position) = after_lower.find(middle) {
                let (to_text, after_to) = version_at(after_from.get(position + middle.len()..)?);
                let to_inclusive = inclusion(after_to).unwrap_or(to_default);
                return Some(range(
                    Some(bound(from_text, from_inclusive)?),
                    Some(bound(to_text, to_inclusive)?),
                    status,
                ));
            }
        }
        if word == "after " && without_bracket(after_from).is_empty() {
            return Some(range(Some(bound(from_text, from_inclusive)?), None, status));
        }
        return None;
    }
    // "below X (including X)", "before X", "prior to X", "up to X".
    for (word, inclusive) in [
        ("below ", false),
        ("before ", false),
        ("prior to ", false),
        ("earlier than ", false),
        ("lower than ", false),
        ("less than ", false),
        ("up to and including ", true),
        ("up to ", true),
        ("through ", true),
    ] {
        if lower.starts_with(word) {
            let (to_text, after) = version_at(text.get(word.len()..)?);
            if !without_bracket(after).is_empty() {
                return None;
            }
            let inclusive = inclusion(after).unwrap_or(inclusive);
            return Some(range(None, Some(bound(to_text, inclusive)?), status));
        }
    }
    // "X and the versions prior to it", "X and earlier", "X or later".
    for (tail, earlier) in [
        (" and the versions prior to it", true),
        (" and the versions before it", true),
        (" and all prior versions", true),
        (" and all previous versions", true),
        (" and prior versions", true),
        (" and earlier versions", true),
        (" and earlier", true),
        (" or earlier", true),
        (" and prior", true),
        (" and before", true),
        (" and older", true),
        (" or older", true),
        (" and below", true),
        (" or below", true),
        (" and later", false),
        (" or later", false),
        (" and above", false),
        (" or above", false),
        (" and newer", false),
        (" or newer", false),
        (" and higher", false),
    ] {
        if lower.ends_with(tail) {
            let at = bound(text.get(..text.len() - tail.len())?, true)?;
            return Some(if earlier {
                range(None, Some(at), status)
            } else {
                range(Some(at), None, status)
            });
        }
    }
    // "A through B", "A to B", "A - B".
    let (first, after_first) = version_at(text);
    let after_lower = after_first.to_ascii_lowercase();
    for middle in [" through ", " to ", " - "] {
        if after_lower.starts_with(middle) {
            let (last, after_last) = version_at(after_first.get(middle.len()..)?);
            if after_last.trim().is_empty() {
                return Some(range(
                    Some(bound(first, true)?),
                    Some(bound(last, true)?),
                    status,
                ));
            }
        }
    }
    None
}

/// What follows a `(…)` at the start of `text`, trimmed.
fn without_bracket(text: &str) -> &str {
    let text = text.trim_start();
    if text.starts_with('(') {
        text.find(')')
            .and_then(|end| text.get(end + 1..))
            .unwrap_or("")
            .trim()
    } else {
        text.trim()
    }
}

/// Japanese forms (JVN writes versions as prose).
fn japanese(text: &str, status: VersionStatus) -> Option<VersionRule> {
    let text = text
        .trim_end_matches("のバージョン")
        .trim_end_matches("バージョン")
        .trim_end_matches("の各バージョン")
        .trim_end_matches('の')
        .trim();
    for (tail, earlier, inclusive) in [
        ("およびそれ以前", true, true),
        ("及びそれ以前", true, true),
        ("およびそれより前", true, true),
        ("およびそれ以降", false, true),
        ("及びそれ以降", false, true),
        ("以前", true, true),
        ("以下", true, true),
        ("より前", true, false),
        ("未満", true, false),
        ("以降", false, true),
        ("以上", false, true),
    ] {
        if let Some(head) = text.strip_suffix(tail) {
            let head = head.trim().trim_start_matches("バージョン").trim();
            let at = jp_bound(head, inclusive)?;
            return Some(if earlier {
                range(None, Some(at), status)
            } else {
                range(Some(at), None, status)
            });
        }
    }
    for middle in ["から", "～", "〜"] {
        if let Some((from, to)) = text.split_once(middle) {
            let to = to.trim().trim_end_matches("まで").trim();
            return Some(range(
                Some(jp_bound(from.trim(), true)?),
                Some(jp_bound(to, true)?),
                status,
            ));
        }
    }
    None
}

/// A version as JVN writes one (`v6 R4`, `Ver.2.1`): it may hold a space.
fn jp_bound(text: &str, inclusive: bool) -> Option<Bound> {
    let text = text
        .trim()
        .trim_start_matches("Ver.")
        .trim_start_matches("ver.")
        .trim();
    (text.chars().any(|c| c.is_ascii_digit()) && text.is_ascii() && text.split(' ').count() <= 3)
        .then(|| Bound {
            version: text.to_owned(),
            inclusive,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use VersionStatus::Affected;

    fn bounds(rules: &[VersionRule]) -> Vec<String> {
        rules
            .iter()
            .map(|rule| match rule {
                VersionRule::All { .. } => "all".to_owned(),
                VersionRule::Exact { version, .. } => format!("={version}"),
                VersionRule::Range { from, to, .. } => format!(
                    "{}..{}",
                    from.as_ref().map_or(String::new(), |b| format!(
                        "{}{}",
                        if b.inclusive { "[" } else { "(" },
                        b.version
                    )),
                    to.as_ref().map_or(String::new(), |b| format!(
                        "{}{}",
                        b.version,
                        if b.inclusive { "]" } else { ")" }
                    ))
                ),
                VersionRule::Prose { text, .. } => format!("prose:{text}"),
            })
            .collect()
    }

    // Texts as the sources write them (CVE-2024-29949, CVE-2024-47486,
    // CVE-2024-25064 of Hikvision; CISA's ICSA-19-038-02 and later CSAF;
    // JVNDB-2018-009328's VULDEF; MyJVN's documentation).
    #[test]
    fn the_forms_sources_write_are_read() {
        for (text, expected) in [
            ("vers:all/*", "all"),
            ("vers:all/<V3.1.4", "..V3.1.4)"),
            ("vers:generic/>=1.0|<2.0", "[1.0..2.0)"),
            (">=2003|<=2006", "[2003..2006]"),
            ("<= 3.07.11", "..3.07.11]"),
            ("All versions < V4.33", "..V4.33)"),
            ("All versions", "all"),
            ("Versions below V2.2.1 (including V2.2.1)", "..V2.2.1]"),
            ("Versions between V2.0.0 and V2.2.1", "[V2.0.0..V2.2.1]"),
            (
                "Versions after V2.0.0 and before V2.5.1",
                "(V2.0.0..V2.5.1)",
            ),
            (
                "Versions after V5.00.000 (including V5.00.000) and before V5.02.006（not including V5.02.006）",
                "[V5.00.000..V5.02.006)",
            ),
            (
                "V4.30.096build221220 and the versions prior to it",
                "..V4.30.096build221220]",
            ),
            (
                "V4.76.005 build231012 and the versions prior to it",
                "..V4.76.005 build231012]",
            ),
            ("v6 R4 およびそれ以前のバージョン", "..v6 R4]"),
            ("2.0.0 以降", "[2.0.0.."),
            ("1.0 から 1.5 まで", "[1.0..1.5]"),
            ("7.2.0 through 7.2.2", "[7.2.0..7.2.2]"),
            ("6.0.15 and earlier", "..6.0.15]"),
            ("prior to 2.4.1", "..2.4.1)"),
            ("1783-SAD4T0SBK9", "=1783-SAD4T0SBK9"),
            ("12.4(24)T3", "=12.4(24)T3"),
        ] {
            assert_eq!(bounds(&read(text, Affected)), [expected], "{text}");
        }
    }

    #[test]
    fn what_no_pattern_reads_is_kept_whole() {
        for text in [
            "See the vendor's advisory for the affected firmware",
            "7100 | 7900 | 100 | Protiva Carestation View",
            "各製品のバージョン（詳細はベンダ情報を参照）",
        ] {
            assert_eq!(
                bounds(&read(text, Affected)),
                [format!("prose:{text}")],
                "{text}"
            );
        }
    }
}

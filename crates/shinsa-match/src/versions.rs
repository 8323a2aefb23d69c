//! Ordering versions as their schemes need: semantic versions and their
//! pre-releases, Debian and RPM versions with epochs and `~`, Maven
//! qualifiers, Cisco IOS trains (`12.4(24)T3`), four-part appliance
//! versions (`9.8.2.14`), and vendors' firmware builds
//! (`V4.30.096build221220`, `2.1.0.20(H100SP30C00)`, `R10.04`).
//!
//! A version is read as a run of numbers and words; numbers compare as
//! numbers, pre-release words (`alpha`, `beta`, `rc`, `snapshot`, `~`) sort
//! before the release, and two different words where a scheme has no order
//! between them (Cisco's `T` and `M` trains, a build letter against a
//! number) make the pair **not comparable**: [`compare`] answers `None`
//! and the caller says so instead of guessing.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Number(u128),
    Word(String),
    /// A single letter ending the version, as OpenSSL and others patch a
    /// release (`1.0.2a`, then `1.0.2b`): later than the release.
    Letter(char),
}

/// Words that mark a version before its release, in their order.
const PRE_RELEASE: &[&str] = &[
    "~",
    "dev",
    "snapshot",
    "alpha",
    "a",
    "beta",
    "b",
    "pre",
    "preview",
    "m",
    "milestone",
    "rc",
    "cr",
];
/// Words that mean the release itself (`1.0.GA` is `1.0`).
const RELEASE: &[&str] = &["ga", "final", "release", "r"];

fn parts(version: &str) -> (u128, Vec<Part>) {
    let trimmed = version.trim();
    // A leading `v`/`V` or `Ver.` is no part of the version.
    let trimmed = trimmed
        .strip_prefix("Ver.")
        .or_else(|| trimmed.strip_prefix("ver."))
        .unwrap_or(trimmed);
    let trimmed = match trimmed.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => trimmed,
    };
    // Debian and RPM epochs: `1:2.3`.
    let (epoch, rest) = match trimmed.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()) => {
            (epoch.parse().unwrap_or(0), rest)
        }
        _ => (0, trimmed),
    };
    let mut out = Vec::new();
    let mut number = String::new();
    let mut word = String::new();
    let flush_number = |number: &mut String, out: &mut Vec<Part>| {
        if !number.is_empty() {
            // Digits past what u128 holds compare as the longest number.
            out.push(Part::Number(number.parse().unwrap_or(u128::MAX)));
            number.clear();
        }
    };
    let flush_word = |word: &mut String, out: &mut Vec<Part>| {
        if !word.is_empty() {
            out.push(Part::Word(word.to_ascii_lowercase()));
            word.clear();
        }
    };
    for c in rest.chars() {
        if c.is_ascii_digit() {
            flush_word(&mut word, &mut out);
            number.push(c);
        } else if c.is_alphabetic() {
            flush_number(&mut number, &mut out);
            word.push(c);
        } else if c == '~' {
            flush_number(&mut number, &mut out);
            flush_word(&mut word, &mut out);
            out.push(Part::Word("~".to_owned()));
        } else {
            flush_number(&mut number, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_number(&mut number, &mut out);
    flush_word(&mut word, &mut out);
    // Release words add nothing.
    out.retain(|part| !matches!(part, Part::Word(word) if RELEASE.contains(&word.as_str())));
    let parts = out.len();
    if parts > 1
        && let Some(last) = out.last_mut()
        && let Part::Word(word) = last
        && let [letter] = word.chars().collect::<Vec<_>>().as_slice()
    {
        *last = Part::Letter(*letter);
    }
    (epoch, out)
}

fn pre_release_rank(word: &str) -> Option<usize> {
    PRE_RELEASE.iter().position(|known| *known == word)
}

/// What the rest of a longer version means once the shorter has run out:
/// zeros and nothing else are equal (`1.0` = `1.0.0`), a pre-release word
/// is less (`1.0` > `1.0-rc1`), anything else is more (`1.0` < `1.0.1`,
/// `1.0.2` < `1.0.2a`).
fn remainder(rest: &[Part]) -> Ordering {
    match rest.iter().find(|part| **part != Part::Number(0)) {
        None => Ordering::Equal,
        Some(Part::Word(word)) if pre_release_rank(word).is_some() => Ordering::Less,
        Some(_) => Ordering::Greater,
    }
}

/// How `a` compares with `b`; `None` when they cannot be ordered (or
/// `scheme` is `git`, whose commits have no order).
pub fn compare(a: &str, b: &str, scheme: Option<&str>) -> Option<Ordering> {
    if a.trim().eq_ignore_ascii_case(b.trim()) {
        return Some(Ordering::Equal);
    }
    if scheme.is_some_and(|scheme| scheme.eq_ignore_ascii_case("git")) {
        return None;
    }
    let (epoch_a, a) = parts(a);
    let (epoch_b, b) = parts(b);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if epoch_a != epoch_b {
        return Some(epoch_a.cmp(&epoch_b));
    }
    for (left, right) in a.iter().zip(&b) {
        let order = match (left, right) {
            (Part::Number(x), Part::Number(y)) => x.cmp(y),
            (Part::Word(x), Part::Word(y)) if x == y => Ordering::Equal,
            (Part::Word(x), Part::Word(y)) => match (pre_release_rank(x), pre_release_rank(y)) {
                (Some(x), Some(y)) => x.cmp(&y),
                // Different trains or build letters: no order between them.
                _ => return None,
            },
            // A pre-release word against a number: the word comes first
            // (`1.0-rc1` < `1.0.1`); any other word against a number has
            // no order.
            (Part::Word(word), Part::Number(_)) => {
                pre_release_rank(word).map(|_| Ordering::Less)?
            }
            (Part::Number(_), Part::Word(word)) => {
                pre_release_rank(word).map(|_| Ordering::Greater)?
            }
            (Part::Letter(x), Part::Letter(y)) => x.cmp(y),
            // A patch letter against anything else: no order.
            (Part::Letter(_), _) | (_, Part::Letter(_)) => return None,
        };
        if order != Ordering::Equal {
            return Some(order);
        }
    }
    let common = a.len().min(b.len());
    Some(if a.len() > b.len() {
        remainder(a.get(common..).unwrap_or(&[]))
    } else {
        remainder(b.get(common..).unwrap_or(&[])).reverse()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn versions_order_as_their_schemes_do() {
        for (a, b, expected) in [
            ("7.0.8", "7.0.9", Some(Less)),
            ("7.2.2", "7.0.12", Some(Greater)),
            ("1.0", "1.0.0", Some(Equal)),
            ("1.0.0-rc1", "1.0.0", Some(Less)),
            ("1.0.0-beta.2", "1.0.0-rc.1", Some(Less)),
            ("2.0.0-SNAPSHOT", "2.0.0", Some(Less)),
            ("1.0.2", "1.0.2a", Some(Less)),
            ("1:1.0", "2.0", Some(Greater)),
            ("1.2~rc1", "1.2", Some(Less)),
            (
                "V4.30.096build221220",
                "V4.30.085build210101",
                Some(Greater),
            ),
            ("V5.01.070", "V5.02.006", Some(Less)),
            ("2.1.0.20(H100SP30C00)", "2.1.0.20(H100SP31C00)", Some(Less)),
            ("12.4(24)T3", "12.4(24)T4", Some(Less)),
            ("12.4(24)T3", "12.4(25)", Some(Less)),
            ("9.8.2.14", "9.8.2.8", Some(Greater)),
            ("R10.04", "R10.4", Some(Equal)),
            ("v6 R4", "v6 R5", Some(Less)),
            ("2.5.1.GA", "2.5.1", Some(Equal)),
        ] {
            assert_eq!(compare(a, b, None), expected, "{a} vs {b}");
            assert_eq!(
                compare(b, a, None),
                expected.map(Ordering::reverse),
                "{b} vs {a}"
            );
        }
    }

    #[test]
    fn versions_of_different_trains_are_not_ordered() {
        assert_eq!(compare("12.4(24)T3", "12.4(24)M3", None), None);
        assert_eq!(compare("1.0.x", "1.0.3", None), None);
        assert_eq!(compare("a1b2c3d", "9f8e7d6", Some("git")), None);
        assert_eq!(compare("latest", "1.0", None), None);
    }
}

//! A pack's own tests: `tests/NAME.toml` next to the policies, each naming a
//! register (a bundle folder beside it) and what the pack must decide about
//! some of its subjects:
//!
//! ```toml
//! description = "Huawei in a critical facility is barred"
//! as_of = "2026-11-27"
//! register = "register"          # folder, relative to this file
//!
//! [[expect]]
//! subject = "asset:BS-1"         # kind:id
//! severity = "prohibited"        # the highest severity, or "clear"
//! rules = ["JP-ESPA-001", "JP-ESPA-002", "JP-ESPA-004"]  # exactly these fire
//! ```
//!
//! `rules` is optional; when given, the rules that fire must be exactly those.

use serde::Deserialize;
use shinsa_model::{Date, Finding, Severity, parse_date};
use std::collections::BTreeSet;

/// One test file, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackTest {
    pub name: String,
    pub description: String,
    pub as_of: Date,
    /// The register folder, relative to the test file's folder.
    pub register: String,
    pub expectations: Vec<Expectation>,
}

/// What the pack must decide about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// `kind:id`, e.g. `asset:BS-1`.
    pub subject: String,
    /// `None` for "clear": no finding at all.
    pub severity: Option<Severity>,
    pub rules: Option<BTreeSet<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    #[serde(default)]
    description: String,
    as_of: String,
    register: String,
    #[serde(default)]
    expect: Vec<RawExpectation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpectation {
    subject: String,
    severity: String,
    rules: Option<Vec<String>>,
}

/// Parses a test file; the error names the file and says what is wrong.
pub fn parse_test(file: &str, name: &str, text: &str) -> Result<PackTest, String> {
    let raw: RawTest = toml::from_str(text).map_err(|error| format!("{file}: {error}"))?;
    let as_of = parse_date(&raw.as_of).map_err(|error| format!("{file}: as_of: {error}"))?;
    let mut expectations = Vec::new();
    for (index, expect) in raw.expect.into_iter().enumerate() {
        let severity = match expect.severity.as_str() {
            "clear" => None,
            other => Some(Severity::parse(other).ok_or_else(|| {
                format!(
                    "{file}: expect[{index}].severity: expected prohibited, review, notice or clear, found {other:?}"
                )
            })?),
        };
        if !expect.subject.contains(':') {
            return Err(format!(
                "{file}: expect[{index}].subject: expected kind:id such as asset:BS-1, found {:?}",
                expect.subject
            ));
        }
        expectations.push(Expectation {
            subject: expect.subject,
            severity,
            rules: expect.rules.map(|rules| rules.into_iter().collect()),
        });
    }
    Ok(PackTest {
        name: name.to_owned(),
        description: raw.description,
        as_of,
        register: raw.register,
        expectations,
    })
}

/// Every expectation the findings do not meet, as sentences.
pub fn failures(test: &PackTest, findings: &[Finding]) -> Vec<String> {
    let mut failures = Vec::new();
    for expectation in &test.expectations {
        let about: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                format!("{}:{}", f.subject.kind.as_str(), f.subject.id) == expectation.subject
            })
            .collect();
        let highest = about.iter().map(|f| f.severity).max();
        if highest != expectation.severity {
            failures.push(format!(
                "{}: expected {}, found {}",
                expectation.subject,
                expectation.severity.map_or("clear", Severity::as_str),
                highest.map_or("clear", Severity::as_str)
            ));
        }
        if let Some(expected) = &expectation.rules {
            let fired: BTreeSet<String> = about.iter().map(|f| f.rule.id.clone()).collect();
            if &fired != expected {
                let list =
                    |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
                failures.push(format!(
                    "{}: expected rules [{}], fired [{}]",
                    expectation.subject,
                    list(expected),
                    list(&fired)
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_severity_is_named() {
        let text = "as_of = \"2026-11-27\"\nregister = \"r\"\n[[expect]]\nsubject = \"asset:A\"\nseverity = \"urgent\"\n";
        let error = parse_test("t.toml", "t", text).err().unwrap_or_default();
        assert_eq!(
            error,
            "t.toml: expect[0].severity: expected prohibited, review, notice or clear, found \"urgent\""
        );
    }
}

//! Small value types whose invariants are checked once, where they are read.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar day. Screening is "as of" a day, list entries start and end on
/// days; times of day never matter in this regime.
pub type Date = time::Date;

/// Why a primitive value was refused; the reader adds file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found:?}")]
pub struct PrimitiveError {
    /// What a valid value looks like, in words a user understands.
    pub expected: &'static str,
    /// The text that was refused.
    pub found: String,
}

impl PrimitiveError {
    fn new(expected: &'static str, found: &str) -> Self {
        Self {
            expected,
            found: found.to_owned(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`, for
/// messages that point into a file.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

/// Parses an ISO 8601 calendar date (`2024-05-17`).
/// An optional clause of a sentence: what `write` makes of `value` when
/// there is one, nothing when there is none (", via Huawei", " (CN)").
/// The one place explanations and documents decide that an absent detail
/// is simply not said.
pub fn clause<T>(value: Option<T>, write: impl FnOnce(T) -> String) -> String {
    value.map(write).unwrap_or_default()
}

/// A value as a cell or field shows it: its text, or a blank where the
/// record has none (no due day yet, no note). For display and export
/// only: a value that must be there is read with its error, never blanked.
pub fn shown<T: std::fmt::Display>(value: Option<T>) -> String {
    clause(value, |value| value.to_string())
}

pub fn parse_date(text: &str) -> Result<Date, PrimitiveError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).map_err(|_| PrimitiveError::new("a date as YYYY-MM-DD", text))
}

/// Parses the booleans the bundle format allows: `true/false`, `yes/no`,
/// `1/0` (any case). Anything else is an error, never a silent `false`.
pub fn parse_bool(text: &str) -> Result<bool, PrimitiveError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(PrimitiveError::new("true/false, yes/no or 1/0", text)),
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`JP`, `CN`, `HK`).
///
/// Only the shape is checked (two ASCII letters): the register may name a
/// territory the bundled tables do not list yet, and refusing it would lose
/// data. `XX` is not special.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two ASCII letters in any case.
    pub fn parse(text: &str) -> Result<Self, PrimitiveError> {
        let trimmed = text.trim();
        match trimmed.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(PrimitiveError::new(
                "an ISO 3166-1 alpha-2 country code such as JP or CN",
                text,
            )),
        }
    }

    /// The code as text, e.g. `"JP"`.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = PrimitiveError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

/// A share in percent, 0 to 100 inclusive.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

impl Percent {
    /// Accepts `60`, `60.5` and `60%`.
    pub fn parse(text: &str) -> Result<Self, PrimitiveError> {
        let number = text.trim().trim_end_matches('%').trim();
        number
            .parse::<f64>()
            .ok()
            .and_then(|value| Self::new(value).ok())
            .ok_or_else(|| PrimitiveError::new("a percentage from 0 to 100", text))
    }

    /// A percentage from a number.
    pub fn new(value: f64) -> Result<Self, PrimitiveError> {
        if value.is_finite() && (0.0..=100.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(PrimitiveError::new(
                "a percentage from 0 to 100",
                &value.to_string(),
            ))
        }
    }

    /// The value in percent.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The value as a fraction of one.
    pub fn fraction(self) -> f64 {
        self.0 / 100.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = PrimitiveError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Percent> for f64 {
    fn from(value: Percent) -> Self {
        value.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{:.0}%", self.0)
        } else {
            write!(f, "{}%", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_upper_cased_and_checked() {
        assert_eq!(
            CountryCode::parse(" jp ").map(|c| c.to_string()),
            Ok("JP".into())
        );
        assert!(CountryCode::parse("JPN").is_err());
        assert!(CountryCode::parse("J1").is_err());
        assert!(CountryCode::parse("").is_err());
    }

    #[test]
    fn booleans_accept_the_documented_spellings_only() {
        for yes in ["true", "YES", "1", " True "] {
            assert_eq!(parse_bool(yes), Ok(true));
        }
        for no in ["false", "No", "0"] {
            assert_eq!(parse_bool(no), Ok(false));
        }
        let error = parse_bool("maybe").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("expected true/false, yes/no or 1/0, found \"maybe\"")
        );
    }

    #[test]
    fn percentages_stay_within_bounds() {
        assert_eq!(Percent::parse("60%").map(Percent::value), Ok(60.0));
        assert_eq!(Percent::parse("12.5").map(Percent::value), Ok(12.5));
        assert!(Percent::parse("101").is_err());
        assert!(Percent::parse("-1").is_err());
        assert!(Percent::parse("NaN").is_err());
        assert_eq!(
            Percent::parse("60").map(|p| p.to_string()),
            Ok("60%".into())
        );
    }

    #[test]
    fn dates_are_iso_days() {
        assert_eq!(
            parse_date("2024-05-17").map(|d| d.to_string()),
            Ok("2024-05-17".into())
        );
        assert!(parse_date("2024/05/17").is_err());
        assert!(parse_date("2024-02-30").is_err());
    }
}

/// A file kept by the server (a case document, a plan attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedFile {
    /// Hex SHA-256 of the content: its address in the store.
    pub sha256: String,
    /// The name it was uploaded under.
    pub name: String,
    pub media_type: String,
    pub size: u64,
}

impl AttachedFile {
    /// The first twelve characters of the hash, as a page shows it (the
    /// whole hash in its title); whatever the hash holds.
    pub fn short_hash(&self) -> String {
        self.sha256.chars().take(12).collect()
    }
}

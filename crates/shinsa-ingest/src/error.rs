//! Input errors that say where, which field, what was expected and what was
//! found. Readers collect every error they can before giving up, so a user
//! fixes a file in one pass rather than one error per run.

use std::fmt;

/// Where in the input a value sits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// A whole file (a missing sheet, an unreadable file).
    File { file: String },
    /// A text file position. For CSV the column is the 1-based field
    /// number, as a spreadsheet counts columns.
    Text {
        file: String,
        line: usize,
        column: usize,
    },
    /// A workbook cell, `B7`.
    Cell {
        file: String,
        sheet: String,
        cell: String,
    },
    /// A JSON value, by RFC 6901 pointer (`/assets/3/critical`).
    Pointer { file: String, pointer: String },
}

impl Location {
    /// The file the location is in.
    pub fn file(&self) -> &str {
        match self {
            Self::File { file }
            | Self::Text { file, .. }
            | Self::Cell { file, .. }
            | Self::Pointer { file, .. } => file,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { file } => write!(f, "{file}"),
            Self::Text { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Self::Cell { file, sheet, cell } => write!(f, "{file}[{sheet}!{cell}]"),
            Self::Pointer { file, pointer } => write!(f, "{file}#{pointer}"),
        }
    }
}

/// One problem with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub location: Location,
    /// The column, key or JSON property concerned.
    pub field: String,
    pub expected: String,
    pub found: String,
}

impl InputError {
    /// An error at `location` about `field`.
    pub fn new(
        location: Location,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Self {
            location,
            field: field.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: field `{}`: expected {}, found {}",
            self.location, self.field, self.expected, self.found
        )
    }
}

/// How many errors an input's refusal lists; the rest are counted. A file
/// with a million bad rows costs what a file with a hundred does, and the
/// person reading the refusal mends the first ones first anyway.
pub const ERRORS_KEPT: usize = 100;

/// Every problem found in one input, the first [`ERRORS_KEPT`] of them with
/// how many more there were; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors {
    errors: Vec<InputError>,
    more: usize,
}

impl InputErrors {
    /// Wraps a non-empty list; `None` when there is nothing wrong.
    pub fn from_vec(errors: Vec<InputError>) -> Option<Self> {
        let mut collected = Errors::default();
        for error in errors {
            collected.push(error);
        }
        collected.into_errors()
    }

    /// A single error.
    pub fn one(error: InputError) -> Self {
        Self {
            errors: vec![error],
            more: 0,
        }
    }

    /// The errors kept, ordered by location.
    pub fn errors(&self) -> &[InputError] {
        &self.errors
    }

    /// How many errors there were beyond those kept.
    pub fn more(&self) -> usize {
        self.more
    }

    /// How many errors there were in all.
    pub fn total(&self) -> usize {
        self.errors.len() + self.more
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.total();
        writeln!(
            f,
            "{count} input error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.errors {
            writeln!(f, "  {error}")?;
        }
        if self.more > 0 {
            writeln!(f, "  … and {} more", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

impl From<InputError> for InputErrors {
    fn from(error: InputError) -> Self {
        Self::one(error)
    }
}

/// Collects errors while a reader carries on: the first [`ERRORS_KEPT`]
/// (one each of a repeated error), then only a count.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    kept: Vec<InputError>,
    more: usize,
}

impl Errors {
    pub(crate) fn push(&mut self, error: InputError) {
        if self.kept.contains(&error) {
            return;
        }
        if self.kept.len() < ERRORS_KEPT {
            self.kept.push(error);
        } else {
            self.more += 1;
        }
    }

    /// Every error of another refusal, counted the same way.
    pub(crate) fn absorb(&mut self, other: InputErrors) {
        for error in other.errors {
            self.push(error);
        }
        self.more += other.more;
    }

    /// How many errors were found so far.
    pub(crate) fn count(&self) -> usize {
        self.kept.len() + self.more
    }

    /// The errors found so far, leaving none; `None` when there were none.
    pub(crate) fn take(&mut self) -> Option<InputErrors> {
        std::mem::take(self).into_errors()
    }

    /// The errors found, `None` when there were none.
    pub(crate) fn into_errors(mut self) -> Option<InputErrors> {
        if self.kept.is_empty() {
            return None;
        }
        self.kept.sort_by(|a, b| a.location.cmp(&b.location));
        Some(InputErrors {
            errors: self.kept,
            more: self.more,
        })
    }

    /// The collected problems as warnings: those kept, and when there were
    /// more, one that says how many.
    pub(crate) fn into_warnings(self) -> Vec<InputError> {
        let more = self.more;
        let mut warnings = self.kept;
        if more > 0
            && let Some(file) = warnings
                .first()
                .map(|first| first.location.file().to_owned())
        {
            warnings.push(InputError::new(
                Location::File { file },
                "(warnings)",
                format!("at most {ERRORS_KEPT} warnings listed"),
                format!("{more} more"),
            ));
        }
        warnings
    }

    /// `Ok(value)` when nothing was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, InputErrors> {
        match self.into_errors() {
            None => Ok(value),
            Some(errors) => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_errors_keeps_the_first_and_counts_the_rest() {
        let mut errors = Errors::default();
        for line in 1..=200_000 {
            errors.push(InputError::new(
                Location::Text {
                    file: "assets.csv".into(),
                    line,
                    column: 1,
                },
                "id",
                "an id",
                "nothing",
            ));
        }
        let errors = errors.into_errors().unwrap_or_else(|| unreachable!());
        assert_eq!(errors.errors().len(), ERRORS_KEPT);
        assert_eq!(errors.total(), 200_000);
        let text = errors.to_string();
        assert!(text.starts_with("200000 input errors:"), "{text}");
        assert!(text.ends_with("… and 199900 more\n"), "{text}");
    }
}

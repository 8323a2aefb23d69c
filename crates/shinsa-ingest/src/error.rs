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

/// Every problem found in one input; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(Vec<InputError>);

impl InputErrors {
    /// Wraps a non-empty list; `None` when there is nothing wrong.
    pub fn from_vec(mut errors: Vec<InputError>) -> Option<Self> {
        if errors.is_empty() {
            None
        } else {
            errors.sort_by(|a, b| a.location.cmp(&b.location));
            errors.dedup();
            Some(Self(errors))
        }
    }

    /// A single error.
    pub fn one(error: InputError) -> Self {
        Self(vec![error])
    }

    /// The errors, ordered by location.
    pub fn errors(&self) -> &[InputError] {
        &self.0
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(
            f,
            "{count} input error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
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

/// Collects errors while a reader carries on.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub(crate) Vec<InputError>);

impl Errors {
    pub(crate) fn push(&mut self, error: InputError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing was recorded.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, InputErrors> {
        match InputErrors::from_vec(self.0) {
            None => Ok(value),
            Some(errors) => Err(errors),
        }
    }
}

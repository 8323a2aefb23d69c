//! One shape for every tabular input: a CSV file, a workbook sheet, or an
//! array of objects in a JSON document become a [`Table`] of [`Row`]s whose
//! cells remember where they came from. The bundle and reference readers are
//! written once against it.

use crate::error::{Errors, InputError, Location};
use std::sync::Arc;

/// The columns a table may have.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableSpec {
    pub(crate) name: &'static str,
    pub(crate) required: &'static [&'static str],
    pub(crate) optional: &'static [&'static str],
}

impl TableSpec {
    fn knows(&self, column: &str) -> bool {
        self.required.contains(&column) || self.optional.contains(&column)
    }

    fn expected_columns(&self) -> String {
        let mut all: Vec<&str> = self.required.iter().chain(self.optional).copied().collect();
        all.sort_unstable();
        format!("one of {} (or a column prefixed x_)", all.join(", "))
    }

    /// Checks a header; returns the errors for unknown and missing columns.
    fn check_header<C: AsRef<str>>(
        &self,
        columns: &[C],
        location_of: impl Fn(usize) -> Location,
        table_location: &Location,
        errors: &mut Errors,
    ) {
        for (index, column) in columns.iter().enumerate() {
            let column = column.as_ref();
            if !column.starts_with("x_") && !self.knows(column) {
                errors.push(InputError::new(
                    location_of(index),
                    column,
                    self.expected_columns(),
                    format!("unknown column {column:?}"),
                ));
            }
        }
        for required in self.required {
            if !columns.iter().any(|column| column.as_ref() == *required) {
                errors.push(InputError::new(
                    table_location.clone(),
                    *required,
                    format!("a column {required:?} in {}", self.name),
                    "no such column",
                ));
            }
        }
    }
}

/// A cell's content: text, or a list where the input format has lists.
#[derive(Debug, Clone)]
pub(crate) enum CellValue {
    Text(String),
    List(Vec<String>),
}

/// A cell: its content and where it is. Cells are the bulk of what a
/// table costs, so a cell keeps its place in a few bytes (its column, or
/// that its pointer is its name's) and the row builds the whole location
/// only when a message needs it.
#[derive(Debug, Clone)]
struct Cell {
    name: Arc<str>,
    value: CellValue,
    place: Place,
}

/// Where a cell is, given its row.
#[derive(Debug, Clone)]
enum Place {
    /// Field `n` (from 1) of the row's line of a CSV file.
    Field(u32),
    /// A workbook cell, zero-based.
    Sheet { row: u32, column: u32 },
    /// The row's JSON pointer and the cell's name.
    Key,
    /// The row's JSON pointer and this suffix (a nested object's field).
    Suffix(Box<str>),
    /// A location of its own (a TOML value).
    Own(Box<Location>),
}

/// One record with its cells by column name.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) location: Location,
    cells: Vec<Cell>,
}

impl Row {
    fn cell(&self, field: &str) -> Option<&Cell> {
        self.cells.iter().find(|cell| &*cell.name == field)
    }

    /// The location of a field, or of the row when the field is absent.
    pub(crate) fn location_of(&self, field: &str) -> Location {
        match self.cell(field) {
            Some(cell) => self.location_of_cell(cell),
            None => self.location.clone(),
        }
    }

    fn location_of_cell(&self, cell: &Cell) -> Location {
        match (&cell.place, &self.location) {
            (Place::Field(column), Location::Text { file, line, .. }) => Location::Text {
                file: file.clone(),
                line: *line,
                column: *column as usize,
            },
            (Place::Sheet { row, column }, Location::Cell { file, sheet, .. }) => Location::Cell {
                file: file.clone(),
                sheet: sheet.clone(),
                cell: cell_name(*row as usize, *column as usize),
            },
            (Place::Key, Location::Pointer { file, pointer }) => Location::Pointer {
                file: file.clone(),
                pointer: format!("{pointer}/{}", escape_pointer(&cell.name)),
            },
            (Place::Suffix(suffix), Location::Pointer { file, pointer }) => Location::Pointer {
                file: file.clone(),
                pointer: format!("{pointer}{suffix}"),
            },
            (Place::Own(location), _) => (**location).clone(),
            // A place that does not fit its row's kind of location: the
            // row's is the nearest.
            _ => self.location.clone(),
        }
    }

    /// The trimmed text of an optional field, empty when it is absent or
    /// blank (a note such as a source or citation that may be left out).
    pub(crate) fn optional_text(&self, field: &str) -> String {
        self.text(field).unwrap_or_default()
    }

    /// The trimmed text of a field; `None` when absent or blank.
    pub(crate) fn text(&self, field: &str) -> Option<String> {
        match &self.cell(field)?.value {
            CellValue::Text(text) => {
                let trimmed = text.trim();
                (!trimmed.is_empty()).then(|| trimmed.to_owned())
            }
            CellValue::List(items) => {
                let joined = items.join(";");
                (!joined.trim().is_empty()).then_some(joined)
            }
        }
    }

    /// A field that must be present and not blank.
    pub(crate) fn required(&self, field: &str, errors: &mut Errors) -> Option<String> {
        let value = self.text(field);
        if value.is_none() {
            errors.push(InputError::new(
                self.location_of(field),
                field,
                "a value",
                "an empty cell",
            ));
        }
        value
    }

    /// A `;`-separated list (or a real list in JSON), blanks dropped.
    pub(crate) fn list(&self, field: &str) -> Vec<String> {
        let items: Vec<String> = match self.cell(field).map(|cell| &cell.value) {
            None => Vec::new(),
            Some(CellValue::Text(text)) => text.split(';').map(str::to_owned).collect(),
            Some(CellValue::List(items)) => items.clone(),
        };
        items
            .into_iter()
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect()
    }

    /// Parses an optional field; a parse failure is recorded.
    pub(crate) fn parse<T, E>(
        &self,
        field: &str,
        errors: &mut Errors,
        parse: impl Fn(&str) -> Result<T, E>,
        expected: &str,
    ) -> Option<T> {
        let text = self.text(field)?;
        match parse(&text) {
            Ok(value) => Some(value),
            Err(_) => {
                errors.push(InputError::new(
                    self.location_of(field),
                    field,
                    expected,
                    format!("{text:?}"),
                ));
                None
            }
        }
    }

    /// Parses a required field.
    pub(crate) fn parse_required<T, E>(
        &self,
        field: &str,
        errors: &mut Errors,
        parse: impl Fn(&str) -> Result<T, E>,
        expected: &str,
    ) -> Option<T> {
        if self.text(field).is_none() {
            errors.push(InputError::new(
                self.location_of(field),
                field,
                expected,
                "an empty cell",
            ));
            return None;
        }
        self.parse(field, errors, parse, expected)
    }
}

/// A named table of rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) rows: Vec<Row>,
}

/// Reads a CSV file with a header row. A UTF-8 byte-order mark is allowed.
pub(crate) fn read_csv(file: &str, bytes: &[u8], spec: &TableSpec, errors: &mut Errors) -> Table {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let file_location = Location::File {
        file: file.to_owned(),
    };
    let text_at = |line: usize, column: usize| Location::Text {
        file: file.to_owned(),
        line,
        column,
    };
    let header: Vec<Arc<str>> = match reader.headers() {
        Ok(header) => header.iter().map(|name| Arc::from(name.trim())).collect(),
        Err(error) => {
            errors.push(csv_error(file, &error));
            return Table { rows: Vec::new() };
        }
    };
    spec.check_header(
        &header,
        |index| text_at(1, index + 1),
        &file_location,
        errors,
    );
    let mut rows = Vec::new();
    // Cells built, against what a file of this size may hold within the
    // reader's budget (a cell costs its place as well as its text).
    let cap = crate::budget::Budget::current().cells(bytes.len());
    let mut built = 0usize;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(csv_error(file, &error));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |position| position.line() as usize);
        built = built.saturating_add(header.len().max(1));
        if built > cap {
            errors.push(InputError::new(
                text_at(line, 1),
                "(file)",
                "a table within the reader's budget",
                crate::budget::exceeded("cells", built, cap),
            ));
            break;
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // blank lines carry nothing
        }
        if record.len() != header.len() {
            errors.push(InputError::new(
                text_at(line, record.len().min(header.len()) + 1),
                "(row)",
                format!("{} fields as in the header", header.len()),
                format!("{} fields", record.len()),
            ));
            continue;
        }
        let cells = header
            .iter()
            .zip(record.iter())
            .enumerate()
            .map(|(index, (name, value))| Cell {
                name: name.clone(),
                value: CellValue::Text(value.to_owned()),
                place: Place::Field(u32::try_from(index + 1).unwrap_or(u32::MAX)),
            })
            .collect();
        rows.push(Row {
            location: text_at(line, 1),
            cells,
        });
    }
    Table { rows }
}

fn csv_error(file: &str, error: &csv::Error) -> InputError {
    let line = error
        .position()
        .map_or(0, |position| position.line() as usize);
    let found = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "bytes that are not UTF-8".to_owned(),
        _ => error.to_string(),
    };
    InputError::new(
        Location::Text {
            file: file.to_owned(),
            line,
            column: 1,
        },
        "(row)",
        "a well-formed UTF-8 CSV record",
        found,
    )
}

/// Converts a workbook sheet's cells (its first row with anything in it
/// the header) into a table.
pub(crate) fn read_sheet(
    file: &str,
    sheet: &str,
    cells: &crate::workbook::SheetCells,
    spec: &TableSpec,
    errors: &mut Errors,
) -> Table {
    let cell_at = |row: u32, column: u32| Location::Cell {
        file: file.to_owned(),
        sheet: sheet.to_owned(),
        cell: cell_name(row as usize, column as usize),
    };
    let mut sheet_rows = cells.rows.iter();
    let (header_row, header_cells) = match sheet_rows.next() {
        Some((row, cells)) => (*row, cells.as_slice()),
        None => (0, &[][..]),
    };
    // The header's names by column, in order from its first; a blank cell
    // between two names is a column without a name.
    let header: Vec<(u32, Arc<str>)> = header_cells
        .iter()
        .map(|(column, name)| (*column, Arc::from(name.as_str())))
        .collect();
    let first_column = header.first().map_or(0, |(column, _)| *column);
    let mut names: Vec<Arc<str>> = Vec::new();
    for (column, name) in &header {
        let index = (*column - first_column) as usize;
        if names.len() < index {
            names.resize_with(index, || Arc::from(""));
        }
        names.push(name.clone());
    }
    let sheet_location = Location::Cell {
        file: file.to_owned(),
        sheet: sheet.to_owned(),
        cell: "A1".to_owned(),
    };
    spec.check_header(
        &names,
        |index| cell_at(header_row, first_column + index as u32),
        &sheet_location,
        errors,
    );
    let mut rows = Vec::new();
    for (row, present) in sheet_rows {
        let row = *row;
        let cells = header
            .iter()
            .map(|(column, name)| {
                let text = present
                    .binary_search_by_key(column, |(at, _)| *at)
                    .ok()
                    .and_then(|index| present.get(index))
                    .map_or_else(String::new, |(_, text)| text.clone());
                Cell {
                    name: name.clone(),
                    value: CellValue::Text(text),
                    place: Place::Sheet {
                        row,
                        column: *column,
                    },
                }
            })
            .collect();
        rows.push(Row {
            location: cell_at(row, 0),
            cells,
        });
    }
    Table { rows }
}

/// `A1`-style name of a zero-based (row, column).
pub(crate) fn cell_name(row: usize, column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let remainder = (n - 1) % 26;
        letters.push(char::from(b'A' + remainder as u8));
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// A workbook cell as the text a CSV would hold. Excel dates become ISO days.
pub(crate) fn cell_text_ref(cell: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            text.clone()
        }
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(value) => value.to_string(),
        DataRef::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        DataRef::Float(value) => value.to_string(),
        DataRef::Bool(value) => value.to_string(),
        DataRef::DateTime(value) => excel_day(value.as_f64()).unwrap_or_else(|| value.to_string()),
        DataRef::Error(error) => format!("#{error:?}"),
    }
}

/// Excel's serial day (1900 system) as `YYYY-MM-DD`.
pub(crate) fn excel_day(serial: f64) -> Option<String> {
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let day = epoch.checked_add(time::Duration::days(serial.floor() as i64))?;
    Some(day.to_string())
}

/// Converts a JSON array of objects (already schema-checked) into a table.
pub(crate) fn read_json_array(
    file: &str,
    pointer: &str,
    array: &[serde_json::Value],
    errors: &mut Errors,
) -> Table {
    let mut rows = Vec::new();
    for (index, item) in array.iter().enumerate() {
        let item_pointer = format!("{pointer}/{index}");
        match item.as_object() {
            Some(object) => rows.push(json_object_row(file, &item_pointer, object)),
            None => errors.push(InputError::new(
                Location::Pointer {
                    file: file.to_owned(),
                    pointer: item_pointer,
                },
                "(item)",
                "an object",
                item.to_string(),
            )),
        }
    }
    Table { rows }
}

/// One JSON object as a row. Arrays of strings become list cells; nested
/// objects are flattened one level with `_` (`licence.id` → `licence_id`).
pub(crate) fn json_object_row(
    file: &str,
    pointer: &str,
    object: &serde_json::Map<String, serde_json::Value>,
) -> Row {
    let mut cells = Vec::with_capacity(object.len());
    for (name, value) in object {
        if let serde_json::Value::Object(inner) = value {
            for (inner_name, inner_value) in inner {
                cells.push(Cell {
                    name: Arc::from(format!("{name}_{inner_name}")),
                    value: json_cell(inner_value),
                    place: Place::Suffix(
                        format!("/{}/{}", escape_pointer(name), escape_pointer(inner_name))
                            .into_boxed_str(),
                    ),
                });
            }
        } else {
            cells.push(Cell {
                name: Arc::from(name.as_str()),
                value: json_cell(value),
                place: Place::Key,
            });
        }
    }
    Row {
        location: Location::Pointer {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
        },
        cells,
    }
}

fn json_cell(value: &serde_json::Value) -> CellValue {
    match value {
        serde_json::Value::Array(items) => CellValue::List(
            items
                .iter()
                .map(|item| match item {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        serde_json::Value::String(text) => CellValue::Text(text.clone()),
        serde_json::Value::Null => CellValue::Text(String::new()),
        other => CellValue::Text(other.to_string()),
    }
}

/// A row built from (name, text, location) triples, for inputs such as TOML
/// that are neither tables nor JSON.
pub(crate) fn row_from_cells(location: Location, cells: Vec<(String, String, Location)>) -> Row {
    Row {
        location,
        cells: cells
            .into_iter()
            .map(|(name, text, location)| Cell {
                name: Arc::from(name),
                value: CellValue::Text(text),
                place: Place::Own(Box::new(location)),
            })
            .collect(),
    }
}

/// Checks a single row's fields against a spec (for objects such as the
/// operator, which are one row rather than a table), in the order of
/// their names.
pub(crate) fn check_row_fields(row: &Row, spec: &TableSpec, errors: &mut Errors) {
    let mut cells: Vec<&Cell> = row.cells.iter().collect();
    cells.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = cells.iter().map(|cell| &*cell.name).collect();
    spec.check_header(
        &names,
        |index| {
            cells
                .get(index)
                .map_or_else(|| row.location.clone(), |cell| row.location_of_cell(cell))
        },
        &row.location,
        errors,
    );
}

/// RFC 6901 escaping of one pointer token.
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: TableSpec = TableSpec {
        name: "things",
        required: &["id", "name"],
        optional: &["flag"],
    };

    #[test]
    fn cell_names_follow_spreadsheet_letters() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(6, 1), "B7");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 27), "AB10");
    }

    #[test]
    fn excel_serial_days_become_iso_days() {
        assert_eq!(excel_day(45429.0).as_deref(), Some("2024-05-17"));
    }

    #[test]
    fn csv_rows_know_their_line_and_column() {
        let mut errors = Errors::default();
        let table = read_csv(
            "t.csv",
            b"id,name,flag\n\na,Alpha,yes\nb,Beta,no\n",
            &SPEC,
            &mut errors,
        );
        assert_eq!(errors.count(), 0);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[1].location_of("flag").to_string(), "t.csv:4:3");
        assert_eq!(table.rows[0].text("name").as_deref(), Some("Alpha"));
    }

    #[test]
    fn unknown_and_missing_columns_are_reported_together() {
        let mut errors = Errors::default();
        read_csv("t.csv", b"id,colour,x_note\n1,red,ok\n", &SPEC, &mut errors);
        let messages: Vec<String> = errors
            .into_errors()
            .map(|errors| errors.errors().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        // In the order of their places: the file's, then the cell's.
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("a column \"name\" in things"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("t.csv:1:2: field `colour`"),
            "{messages:?}"
        );
    }

    #[test]
    fn ragged_rows_and_bad_utf8_are_errors_with_lines() {
        let mut errors = Errors::default();
        read_csv("t.csv", b"id,name\n1,a,extra\n2,\xff\n", &SPEC, &mut errors);
        let messages: Vec<String> = errors
            .into_errors()
            .map(|errors| errors.errors().iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("t.csv:2:"), "{messages:?}");
        assert!(messages[1].starts_with("t.csv:3:"), "{messages:?}");
        assert!(messages[1].contains("not UTF-8"), "{messages:?}");
    }
}

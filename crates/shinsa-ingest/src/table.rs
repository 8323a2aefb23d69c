//! One shape for every tabular input: a CSV file, a workbook sheet, or an
//! array of objects in a JSON document become a [`Table`] of [`Row`]s whose
//! cells remember where they came from. The bundle and reference readers are
//! written once against it.

use crate::error::{Errors, InputError, Location};
use std::collections::BTreeMap;

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
    fn check_header(
        &self,
        columns: &[String],
        location_of: impl Fn(usize) -> Location,
        table_location: &Location,
        errors: &mut Errors,
    ) {
        for (index, column) in columns.iter().enumerate() {
            if !column.starts_with("x_") && !self.knows(column) {
                errors.push(InputError::new(
                    location_of(index),
                    column.as_str(),
                    self.expected_columns(),
                    format!("unknown column {column:?}"),
                ));
            }
        }
        for required in self.required {
            if !columns.iter().any(|column| column == required) {
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

#[derive(Debug, Clone)]
struct Cell {
    value: CellValue,
    location: Location,
}

/// One record with its cells by column name.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) location: Location,
    cells: BTreeMap<String, Cell>,
}

impl Row {
    /// The location of a field, or of the row when the field is absent.
    pub(crate) fn location_of(&self, field: &str) -> Location {
        self.cells
            .get(field)
            .map_or_else(|| self.location.clone(), |cell| cell.location.clone())
    }

    /// The trimmed text of an optional field, empty when it is absent or
    /// blank (a note such as a source or citation that may be left out).
    pub(crate) fn optional_text(&self, field: &str) -> String {
        self.text(field).unwrap_or_default()
    }

    /// The trimmed text of a field; `None` when absent or blank.
    pub(crate) fn text(&self, field: &str) -> Option<String> {
        match &self.cells.get(field)?.value {
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
        let items: Vec<String> = match self.cells.get(field).map(|cell| &cell.value) {
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
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|name| name.trim().to_owned()).collect(),
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
            .map(|(index, (name, value))| {
                let cell = Cell {
                    value: CellValue::Text(value.to_owned()),
                    location: text_at(line, index + 1),
                };
                (name.clone(), cell)
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

/// Converts a workbook sheet (first row the header) into a table.
pub(crate) fn read_sheet(
    file: &str,
    sheet: &str,
    range: &calamine::Range<calamine::Data>,
    spec: &TableSpec,
    errors: &mut Errors,
) -> Table {
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let cell_at = |row: usize, column: usize| Location::Cell {
        file: file.to_owned(),
        sheet: sheet.to_owned(),
        cell: cell_name(row + first_row as usize, column + first_column as usize),
    };
    let mut sheet_rows = range.rows();
    let header: Vec<String> = sheet_rows
        .next()
        .map(|cells| {
            cells
                .iter()
                .map(|cell| cell_text(cell).trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let sheet_location = Location::Cell {
        file: file.to_owned(),
        sheet: sheet.to_owned(),
        cell: "A1".to_owned(),
    };
    spec.check_header(
        &header,
        |column| cell_at(0, column),
        &sheet_location,
        errors,
    );
    let mut rows = Vec::new();
    for (index, cells) in sheet_rows.enumerate() {
        let row_index = index + 1;
        if cells.iter().all(|cell| cell_text(cell).trim().is_empty()) {
            continue;
        }
        let cells = header
            .iter()
            .enumerate()
            .filter(|(_, name)| !name.is_empty())
            .map(|(column, name)| {
                let text = cells.get(column).map(cell_text).unwrap_or_default();
                let cell = Cell {
                    value: CellValue::Text(text),
                    location: cell_at(row_index, column),
                };
                (name.clone(), cell)
            })
            .collect();
        rows.push(Row {
            location: cell_at(row_index, 0),
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
pub(crate) fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
            format!("{}", *value as i64)
        }
        Data::Float(value) => value.to_string(),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => excel_day(value.as_f64()).unwrap_or_else(|| value.to_string()),
        Data::Error(error) => format!("#{error:?}"),
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
    let at = |suffix: String| Location::Pointer {
        file: file.to_owned(),
        pointer: format!("{pointer}{suffix}"),
    };
    let mut cells = BTreeMap::new();
    for (name, value) in object {
        let value_pointer = format!("/{}", escape_pointer(name));
        if let serde_json::Value::Object(inner) = value {
            for (inner_name, inner_value) in inner {
                let cell = Cell {
                    value: json_cell(inner_value),
                    location: at(format!("{value_pointer}/{}", escape_pointer(inner_name))),
                };
                cells.insert(format!("{name}_{inner_name}"), cell);
            }
        } else {
            let cell = Cell {
                value: json_cell(value),
                location: at(value_pointer),
            };
            cells.insert(name.clone(), cell);
        }
    }
    Row {
        location: at(String::new()),
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
            .map(|(name, text, location)| {
                let cell = Cell {
                    value: CellValue::Text(text),
                    location,
                };
                (name, cell)
            })
            .collect(),
    }
}

/// Checks a single row's fields against a spec (for objects such as the
/// operator, which are one row rather than a table).
pub(crate) fn check_row_fields(row: &Row, spec: &TableSpec, errors: &mut Errors) {
    let names: Vec<String> = row.cells.keys().cloned().collect();
    let locations: Vec<Location> = row
        .cells
        .values()
        .map(|cell| cell.location.clone())
        .collect();
    spec.check_header(
        &names,
        |index| {
            locations
                .get(index)
                .cloned()
                .unwrap_or_else(|| row.location.clone())
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
        assert!(errors.0.is_empty());
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[1].location_of("flag").to_string(), "t.csv:4:3");
        assert_eq!(table.rows[0].text("name").as_deref(), Some("Alpha"));
    }

    #[test]
    fn unknown_and_missing_columns_are_reported_together() {
        let mut errors = Errors::default();
        read_csv("t.csv", b"id,colour,x_note\n1,red,ok\n", &SPEC, &mut errors);
        let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with("t.csv:1:2: field `colour`"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("a column \"name\" in things"),
            "{messages:?}"
        );
    }

    #[test]
    fn ragged_rows_and_bad_utf8_are_errors_with_lines() {
        let mut errors = Errors::default();
        read_csv("t.csv", b"id,name\n1,a,extra\n2,\xff\n", &SPEC, &mut errors);
        let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("t.csv:2:"), "{messages:?}");
        assert!(messages[1].starts_with("t.csv:3:"), "{messages:?}");
        assert!(messages[1].contains("not UTF-8"), "{messages:?}");
    }
}

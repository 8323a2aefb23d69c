//! Tables for spreadsheets: the same header and rows as CSV (UTF-8 with a
//! byte-order mark, which Excel needs to read Japanese) or as an XLSX
//! workbook with a frozen, filterable header.
//!
//! A register's names are written by whoever filled it in: an asset
//! called `=HYPERLINK("https://evil.example","click")` must reach the
//! reader's spreadsheet as text, not as a formula. A CSV cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is written after an
//! apostrophe, which spreadsheets take as "text follows" (a plain number
//! such as `-3` stays a number); an XLSX cell is a string cell marked with
//! the quote prefix, so it stays text even when edited.

use crate::ReportError;

/// Whether a spreadsheet could read `value` as a formula.
fn formula_like(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err()
}

/// `value` as a CSV cell a spreadsheet shows as text.
fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(value) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A table as CSV.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ReportError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |error: csv::Error| ReportError::Export(error.to_string());
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|value| csv_cell(value).into_owned()))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|error| ReportError::Export(error.to_string()))
}

/// A table as an XLSX workbook of one sheet.
pub fn xlsx(sheet: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ReportError> {
    let failed = |error: rust_xlsxwriter::XlsxError| ReportError::Export(error.to_string());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let text = rust_xlsxwriter::Format::new().set_quote_prefix();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(failed)?;
    for (column, label) in header.iter().enumerate() {
        worksheet
            .write_string_with_format(0, column as u16, *label, &bold)
            .map_err(failed)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            let (row, column) = (index as u32 + 1, column as u16);
            if formula_like(value) {
                worksheet.write_string_with_format(row, column, value, &text)
            } else {
                worksheet.write_string(row, column, value)
            }
            .map_err(failed)?;
        }
    }
    worksheet.set_freeze_panes(1, 0).map_err(failed)?;
    if !header.is_empty() {
        worksheet
            .autofilter(0, 0, rows.len() as u32, header.len() as u16 - 1)
            .map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_and_quotes_what_needs_it() {
        let bytes = csv(
            &["key", "title"],
            &[vec!["a".into(), "名前, \"引用\"".into()]],
        )
        .unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(text, "\u{feff}key,title\na,\"名前, \"\"引用\"\"\"\n");
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_stays_text() {
        let rows = [vec![
            "=HYPERLINK(\"https://evil.example\",\"click\")".into(),
            "+1+cmd|' /C calc'!A0".into(),
            "@SUM(A1)".into(),
            "\t=1".into(),
            "-3".into(),
            "a-b".into(),
        ]];
        let bytes = csv(&["a", "b", "c", "d", "e", "f"], &rows).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert_eq!(
            text.lines().nth(1),
            Some(
                "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"click\"\")\",'+1+cmd|' /C calc'!A0,'@SUM(A1),'\t=1,-3,a-b"
            )
        );
        let workbook = xlsx("findings", &["a", "b", "c", "d", "e", "f"], &rows).unwrap_or_default();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook))
            .unwrap_or_else(|error| unreachable!("{error}"));
        let mut styles = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name("xl/styles.xml")
                .unwrap_or_else(|error| unreachable!("{error}")),
            &mut styles,
        )
        .unwrap_or_else(|error| unreachable!("{error}"));
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name("xl/worksheets/sheet1.xml")
                .unwrap_or_else(|error| unreachable!("{error}")),
            &mut sheet,
        )
        .unwrap_or_else(|error| unreachable!("{error}"));
        assert!(!sheet.contains("<f>"), "no formula cell: {sheet}");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx("findings", &["key"], &[vec!["a".into()]]).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"), "an OOXML zip");
    }
}

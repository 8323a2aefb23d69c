//! Tables for spreadsheets: the same header and rows as CSV (UTF-8 with a
//! byte-order mark, which Excel needs to read Japanese) or as an XLSX
//! workbook with a frozen, filterable header.

use crate::ReportError;

/// A table as CSV.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ReportError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |error: csv::Error| ReportError::Export(error.to_string());
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer.write_record(row).map_err(failed)?;
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
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(failed)?;
    for (column, label) in header.iter().enumerate() {
        worksheet
            .write_string_with_format(0, column as u16, *label, &bold)
            .map_err(failed)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            worksheet
                .write_string(index as u32 + 1, column as u16, value)
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
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx("findings", &["key"], &[vec!["a".into()]]).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"), "an OOXML zip");
    }
}

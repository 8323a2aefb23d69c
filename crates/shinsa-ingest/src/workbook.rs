//! XLSX workbooks read by their cells, never by the rectangle a sheet
//! declares or spans: a sheet with one cell at A1 and one at XFD1048576 is
//! two cells, not seventeen billion. The workbook is refused when it
//! declares more than the budget's unpacked size (the zip reader holds
//! every entry to its declared size) or holds more cells than its size and
//! the budget allow; cells beyond [`MAX_COLUMNS`] are refused with their
//! cell, since no register or ministry list is that wide.

use crate::budget::{Budget, exceeded};
use crate::error::{InputError, InputErrors, Location};
use crate::table::{cell_name, cell_text_ref};
use calamine::Reader as _;
use std::io::Cursor;

/// The widest sheet read: a register's table has a few dozen columns, a
/// ministry's list fewer.
pub const MAX_COLUMNS: u32 = 1_024;

/// The cells of one sheet that hold something, row by row in sheet order.
#[derive(Debug, Default)]
pub(crate) struct SheetCells {
    /// (zero-based row, its non-empty cells as (zero-based column, text)).
    pub rows: Vec<(u32, Vec<(u32, String)>)>,
}

impl SheetCells {
    /// The rows from A1 as dense rows of text (a row missing between two
    /// is empty; a cell missing within a row is empty text), refused when
    /// the dense form would hold more than `cap` cells.
    pub fn dense(&self, cap: usize) -> Result<Vec<Vec<String>>, String> {
        let mut total = 0usize;
        for (row, cells) in &self.rows {
            let width = cells.last().map_or(0, |(column, _)| *column as usize + 1);
            total = total.saturating_add(width).saturating_add(1);
            if total > cap || *row as usize > cap {
                return Err(exceeded(
                    "cells once laid out in rows",
                    total.max(*row as usize),
                    cap,
                ));
            }
        }
        let mut dense: Vec<Vec<String>> = Vec::new();
        for (row, cells) in &self.rows {
            let row = *row as usize;
            if dense.len() < row {
                dense.resize_with(row, Vec::new);
            }
            let mut line = Vec::new();
            for (column, text) in cells {
                let column = *column as usize;
                if line.len() < column {
                    line.resize_with(column, String::new);
                }
                line.push(text.clone());
            }
            dense.push(line);
        }
        Ok(dense)
    }
}

/// An open workbook.
pub(crate) struct Workbook {
    file: String,
    xlsx: calamine::Xlsx<Cursor<Vec<u8>>>,
    unpacked: usize,
}

impl Workbook {
    /// Opens a workbook, refusing one that declares more than the budget's
    /// unpacked size before anything is unpacked.
    pub fn open(file: &str, bytes: Vec<u8>) -> Result<Self, InputErrors> {
        let whole = |expected: &str, found: String| {
            InputErrors::one(InputError::new(
                Location::File {
                    file: file.to_owned(),
                },
                "(workbook)",
                expected,
                found,
            ))
        };
        let unpacked = crate::upload::declared_size_within_limit(&bytes).map_err(|found| {
            whole(
                &format!(
                    "an XLSX workbook of at most {} MB once unpacked",
                    Budget::current().unpacked_bytes() / 1024 / 1024
                ),
                found,
            )
        })?;
        let xlsx = calamine::Xlsx::new(Cursor::new(bytes))
            .map_err(|error| whole("an XLSX workbook", error.to_string()))?;
        Ok(Workbook {
            file: file.to_owned(),
            xlsx,
            unpacked,
        })
    }

    /// The most cells this workbook may hold read (or laid out in rows).
    pub fn cell_cap(&self) -> usize {
        Budget::current().cells(self.unpacked)
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// The non-empty cells of `sheet`, trimmed, in sheet order.
    pub fn cells(&mut self, sheet: &str) -> Result<SheetCells, InputErrors> {
        let at = |cell: String| Location::Cell {
            file: self.file.clone(),
            sheet: sheet.to_owned(),
            cell,
        };
        let cap = self.cell_cap();
        let refused = |cell: String, expected: &str, found: String| {
            InputErrors::one(InputError::new(at(cell), "(sheet)", expected, found))
        };
        let mut reader = self
            .xlsx
            .worksheet_cells_reader(sheet)
            .map_err(|error| refused("A1".into(), "a readable sheet", error.to_string()))?;
        let mut out = SheetCells::default();
        let mut count = 0usize;
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(error) => {
                    return Err(refused("A1".into(), "a readable sheet", error.to_string()));
                }
            };
            let (row, column) = cell.get_position();
            let text = cell_text_ref(cell.get_value());
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            if column >= MAX_COLUMNS {
                return Err(refused(
                    cell_name(row as usize, column as usize),
                    &format!("a sheet of at most {MAX_COLUMNS} columns"),
                    format!("a value in column {}", column + 1),
                ));
            }
            count += 1;
            if count > cap {
                return Err(refused(
                    cell_name(row as usize, column as usize),
                    "a sheet within the reader's budget",
                    exceeded("cells", count, cap),
                ));
            }
            match out.rows.last_mut() {
                Some((last, cells)) if *last == row => {
                    // Cells come in order along a row; a sheet may still
                    // write them out of order, which is kept in order here.
                    match cells.binary_search_by_key(&column, |(at, _)| *at) {
                        Ok(index) => {
                            if let Some(slot) = cells.get_mut(index) {
                                slot.1 = text.to_owned();
                            }
                        }
                        Err(index) => cells.insert(index, (column, text.to_owned())),
                    }
                }
                _ => out.rows.push((row, vec![(column, text.to_owned())])),
            }
        }
        // A sheet may write a row's cells in more than one place: one row.
        out.rows.sort_by_key(|(row, _)| *row);
        let mut merged: Vec<(u32, Vec<(u32, String)>)> = Vec::with_capacity(out.rows.len());
        for (row, cells) in out.rows {
            match merged.last_mut() {
                Some((last, kept)) if *last == row => {
                    kept.extend(cells);
                    kept.sort_by_key(|(column, _)| *column);
                    kept.dedup_by_key(|(column, _)| *column);
                }
                _ => merged.push((row, cells)),
            }
        }
        out.rows = merged;
        Ok(out)
    }
}

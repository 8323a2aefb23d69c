//! What reading one input may cost, by construction.
//!
//! Every reader of outside data counts what it builds (workbook cells, JSON
//! values, XML elements, text lines, errors kept) and refuses an input
//! before it builds more than its budget allows. Each cap is the smaller
//! of two: what the process-wide budget pays for ([`Budget::bytes`], set
//! once by whoever runs the readers: the server from `upload_memory_mb`,
//! the CLI its default), and what an honest input of that size needs
//! ([`GROWTH`] times its bytes). So memory grows at most linearly with an
//! input's size, with a small constant, and never past the budget; a file
//! built to exhaust memory is refused with the limit it met, after work
//! linear in what was read.
//!
//! The cost of each unit was measured on the readers' own structures
//! (`crates/shinsa/tests/hostile.rs` holds each class of input to it by the
//! peak resident memory of a real process).

use std::sync::atomic::{AtomicU64, Ordering};

/// The default budget of one reader: enough for a national register of
/// 10,000 assets as a workbook, a JSON document or a BOM.
pub const DEFAULT_MB: u64 = 256;

/// How many times its own size an input may grow in memory while read.
/// The readers' structures cost more than the text they come from (a JSON
/// value is tens of bytes whatever its text), so an input made of nothing
/// but tiny values meets this before the budget.
pub const GROWTH: u64 = 24;

/// What one cell of a table costs once read: its name, its text and its
/// place (64 bytes), the text's own allocation, and its share of the
/// record built from its row (measured on floods of short bad rows).
const CELL_BYTES: u64 = 160;
/// What one JSON value costs in a document tree (measured on floods of
/// small objects, the costliest shape per byte of text).
const JSON_VALUE_BYTES: u64 = 128;
/// An object with keys costs its map's first node besides itself, about
/// as much as this many values: an object counts as this many.
const JSON_OBJECT_WEIGHT: usize = 8;
/// What one XML element costs in a document tree.
const XML_ELEMENT_BYTES: u64 = 192;
/// What one line of a text format (SPDX tag-value, CSV) costs read.
const LINE_BYTES: u64 = 64;

static BUDGET_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MB * 1024 * 1024);

/// The memory one reader may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
}

impl Budget {
    /// The process's budget per reader.
    pub fn current() -> Self {
        Budget {
            bytes: BUDGET_BYTES.load(Ordering::Relaxed),
        }
    }

    /// Sets the process's budget per reader (the server, at start).
    pub fn set(megabytes: u64) {
        BUDGET_BYTES.store(megabytes.max(16) * 1024 * 1024, Ordering::Relaxed);
    }

    /// The budget in whole megabytes, for messages.
    pub fn megabytes(self) -> u64 {
        self.bytes / 1024 / 1024
    }

    /// What a zip (a workbook is one) may hold unpacked: a quarter of the
    /// budget, the rest for what is built from it.
    pub fn unpacked_bytes(self) -> u64 {
        self.bytes / 4
    }

    fn units(self, input_bytes: usize, unit_bytes: u64) -> usize {
        let by_budget = self.bytes / unit_bytes;
        let by_size = (input_bytes as u64).saturating_mul(GROWTH) / unit_bytes;
        usize::try_from(by_budget.min(by_size).max(1_000)).unwrap_or(usize::MAX)
    }

    /// How many cells a workbook of `unpacked` bytes may hold.
    pub fn cells(self, unpacked: usize) -> usize {
        self.units(unpacked, CELL_BYTES)
    }

    /// How many values a JSON document of `bytes` may hold.
    pub fn json_values(self, bytes: usize) -> usize {
        self.units(bytes, JSON_VALUE_BYTES)
    }

    /// How many elements an XML document of `bytes` may hold.
    pub fn xml_elements(self, bytes: usize) -> usize {
        self.units(bytes, XML_ELEMENT_BYTES)
    }

    /// How many lines (records) a text file of `bytes` may hold.
    pub fn lines(self, bytes: usize) -> usize {
        self.units(bytes, LINE_BYTES)
    }
}

/// The refusal of an input that met a cap: what was counted, the cap, and
/// why the cap is there.
pub(crate) fn exceeded(what: &str, found: usize, cap: usize) -> String {
    format!(
        "{found} {what}, more than the {cap} a file of this size may hold within the reader's budget of {} MB (upload_memory_mb)",
        Budget::current().megabytes()
    )
}

/// Refuses a JSON text that would build more values than its size and the
/// reader's budget allow, counted on its bytes before it is parsed (every
/// reader of JSON asks this first).
pub(crate) fn json_within_budget(file: &str, bytes: &[u8]) -> Result<(), crate::InputErrors> {
    let cap = Budget::current().json_values(bytes.len());
    let found = json_value_count(bytes);
    if found <= cap {
        return Ok(());
    }
    Err(crate::InputErrors::one(crate::InputError::new(
        crate::Location::File {
            file: file.to_owned(),
        },
        "(document)",
        "a JSON document within the reader's budget",
        exceeded("JSON values", found, cap),
    )))
}

/// How many values a JSON text holds, near enough: every array and every
/// item after a comma, outside strings, and every object as
/// [`JSON_OBJECT_WEIGHT`] values (its map costs that much more). Linear in
/// the bytes, and never less than what a parser would build (a key and its
/// value count as one).
fn json_value_count(bytes: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (1usize, false, false);
    for byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' => count += JSON_OBJECT_WEIGHT,
            b'[' | b',' => count += 1,
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_grow_with_the_input_and_stop_at_the_budget() {
        let budget = Budget {
            bytes: 256 * 1024 * 1024,
        };
        assert_eq!(budget.json_values(1), 1_000, "a floor for tiny inputs");
        let small = budget.json_values(100_000);
        let large = budget.json_values(10_000_000);
        assert!(small < large);
        assert_eq!(
            budget.json_values(usize::MAX / 2),
            (256 * 1024 * 1024 / JSON_VALUE_BYTES) as usize
        );
    }
}

//! A bundle as one XLSX workbook.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shinsa_ingest::load_workbook("fuzz.xlsx", data.to_vec(), common::reference(), common::day());
});

//! A bundle as one JSON document.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shinsa_ingest::load_document("fuzz.json", data.to_vec(), common::reference(), common::day());
});

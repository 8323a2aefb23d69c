//! A reference-data folder (user-supplied with --reference).
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = common::split_files(data, &shinsa_ingest::reference::FILES);
    let _ = shinsa_ingest::reference::load_files("fuzz/", &files);
});

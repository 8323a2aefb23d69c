//! A query file for `shinsa match --input`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shinsa_ingest::queries::read_queries("fuzz.csv", data);
});

//! A policy pack's test file (`tests/*.toml`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = shinsa_policy::pack_test::parse_test("fuzz.toml", "fuzz", text);
    }
});

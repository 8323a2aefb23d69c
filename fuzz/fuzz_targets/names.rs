//! Name analysis and matching on arbitrary text.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static MATCHER: OnceLock<shinsa_match::Matcher> = OnceLock::new();
    let matcher = MATCHER.get_or_init(|| shinsa_match::Matcher::new(common::reference()));
    if let Ok(text) = std::str::from_utf8(data) {
        for found in matcher.find(text, 0.0) {
            assert!((0.0..=1.0).contains(&found.score), "score {} for {text:?}", found.score);
        }
    }
});

//! A bundle folder: operator.toml, the CSV sheets and a BOM, from one input.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

const FILES: [&str; 7] = [
    "operator.toml",
    "assets.csv",
    "parties.csv",
    "ownership.csv",
    "contracts.csv",
    "dataflows.csv",
    "x.cdx.json",
];

fuzz_target!(|data: &[u8]| {
    let files = common::split_files(data, &FILES);
    let loaded = shinsa_ingest::load_bundle_files("fuzz", files, common::reference(), common::day());
    if let Ok(bundle) = loaded {
        // Whatever loads must also resolve without panicking.
        let matcher = shinsa_match::Matcher::new(common::reference());
        let _ = shinsa_match::resolve(&bundle.inventory, common::reference(), &matcher, common::day(), 0.85);
    }
});

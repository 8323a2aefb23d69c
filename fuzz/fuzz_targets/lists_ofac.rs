//! OFAC legacy CSV: the primary file with its alt, add and comments files.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shinsa_ingest::lists::{ImportOptions, ListFile, import};

fuzz_target!(|data: &[u8]| {
    let files: Vec<ListFile> = common::split_files(
        data,
        &["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"],
    )
    .into_iter()
    .map(|(name, bytes)| ListFile { name, bytes })
    .collect();
    let options = ImportOptions {
        id: None,
        version: None,
        today: common::day(),
    };
    let _ = import(&files, &options);
});

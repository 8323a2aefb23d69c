//! The single-file list formats: CSL CSV and JSON, UN XML, FtM JSON lines.
//! The first byte picks the format's file name (detection also reads the
//! content, so any input can reach any reader).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shinsa_ingest::lists::{ImportOptions, ListFile, import};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let name = ["csl.csv", "csl.json", "un.xml", "targets.ftm.json"][usize::from(*first) % 4];
    let files = [ListFile {
        name: name.to_owned(),
        bytes: rest.to_vec(),
    }];
    let options = ImportOptions {
        id: None,
        version: None,
        today: common::day(),
    };
    let _ = import(&files, &options);
});

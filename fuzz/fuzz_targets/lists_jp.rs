//! Japan's ministries' files: the MOF and METI workbooks (XLSX) and METI's
//! export-ban PDFs. The first byte picks the file name; the reader is
//! chosen by the bytes (`PK` for a workbook, `%PDF` for a PDF), so any
//! input reaches either.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shinsa_ingest::lists::{ImportOptions, ListFile, import};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let name = ["shisantouketsu20260305.xlsx", "20250929_4.xlsx", "list_belarus_tokutei.pdf"]
        [usize::from(*first) % 3];
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

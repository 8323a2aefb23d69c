//! Japan's ministries' files: the MOF and METI workbooks (XLSX), and the
//! text of METI's export-ban PDFs as the PDF reader gives it (pages split
//! at form feeds). The PDF library itself is left out: it panics on
//! damaged files, which the importer contains (`catch_unwind`, tested)
//! but libFuzzer counts as crashes. The first byte picks the input.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use shinsa_ingest::lists::{ImportOptions, ListFile, export_ban_from_pages, import};

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let options = ImportOptions {
        id: None,
        version: None,
        today: common::day(),
    };
    match first % 3 {
        2 => {
            let text = String::from_utf8_lossy(rest);
            let pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
            let _ = export_ban_from_pages("list_belarus_tokutei.pdf", "", &pages, &options);
        }
        pick => {
            let name = ["shisantouketsu20260305.xlsx", "20250929_4.xlsx"][usize::from(pick)];
            let files = [ListFile {
                name: name.to_owned(),
                bytes: rest.to_vec(),
            }];
            let _ = import(&files, &options);
        }
    }
});

//! Vulnerability data in any form `shinsa vulns import` reads (told by
//! content): KEV JSON and CSV, CVE JSON 5, NVD 2.0, CSAF 2.0, MyJVN XML,
//! CycloneDX VEX, OpenVEX, and `.tgz` archives of them; and a VEX document
//! as `screen --vex` reads it. Whatever the bytes, a count of what was read
//! and refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = shinsa_ingest::advisories::AdvisoryFile {
        name: "fuzz.json".to_owned(),
        bytes: data.to_vec(),
        in_folder: false,
    };
    let today = shinsa_model::parse_date("2026-12-07").unwrap_or_else(|_| unreachable!());
    if let Ok(imported) = shinsa_ingest::advisories::import(&[file], today) {
        for set in &imported.sets {
            assert!(set.info.refusals.len() <= set.info.refused);
        }
    }
    let _ = shinsa_ingest::advisories::read_vex("fuzz.json", data);
});

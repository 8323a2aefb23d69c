//! A CycloneDX document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shinsa_ingest::cyclonedx::read_bom("fuzz.cdx.json", data);
});

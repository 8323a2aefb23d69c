//! A BOM in any form shinsa reads (told by content): CycloneDX JSON and
//! XML, SPDX 2 JSON and tag-value, SPDX 3 JSON-LD.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shinsa_ingest::sbom::read_bom("fuzz.bom", data);
});

//! A register as the server receives it: whatever the bytes are, the format
//! is detected and the upload read (zip unpacking with its size limit, a
//! bare CycloneDX BOM wrapped into a bundle, JSON, XLSX). The first byte
//! picks the content type the client claimed.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shinsa_ingest::upload::{BomOperator, UploadFormat, read_upload};

fuzz_target!(|data: &[u8]| {
    let Some((claimed, bytes)) = data.split_first() else {
        return;
    };
    let content_type = match claimed % 5 {
        0 => None,
        1 => Some("application/json"),
        2 => Some("application/zip"),
        3 => Some("application/vnd.cyclonedx+json"),
        _ => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    };
    let Some(format) = UploadFormat::detect(content_type, bytes) else {
        return;
    };
    let operator = BomOperator {
        id: "op".into(),
        name: "Operator".into(),
        sector: "electricity".into(),
        critical: claimed & 0x80 != 0,
    };
    let _ = read_upload("upload", format, bytes.to_vec(), &operator, common::reference(), common::day());
});

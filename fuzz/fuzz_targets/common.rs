//! Shared by the fuzz targets: the bundled reference data and a fixed day.
#![allow(dead_code)] // not every target uses every helper

use shinsa_model::{Date, ReferenceData};
use std::sync::OnceLock;

pub fn reference() -> &'static ReferenceData {
    static REFERENCE: OnceLock<ReferenceData> = OnceLock::new();
    REFERENCE.get_or_init(|| shinsa_ingest::reference::bundled().unwrap_or_default())
}

pub fn day() -> Date {
    shinsa_model::parse_date("2026-11-27").unwrap_or(Date::MIN)
}

/// Splits fuzz input into files at 0xFF bytes (never valid UTF-8), so one
/// input can stand for a whole bundle folder.
pub fn split_files(data: &[u8], names: &[&str]) -> Vec<(String, Vec<u8>)> {
    data.split(|byte| *byte == 0xFF)
        .zip(names)
        .map(|(bytes, name)| ((*name).to_owned(), bytes.to_vec()))
        .collect()
}

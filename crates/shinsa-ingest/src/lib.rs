//! Readers for everything shinsa takes in from outside: the operator's
//! inventory bundle (CSV folder, XLSX workbook, JSON document), BOMs
//! (CycloneDX JSON and XML, SPDX 2 JSON and tag-value, SPDX 3), and reference data (sectors, country groups, lists, identities).
//!
//! Every reader reports all the problems it finds at once, each with the
//! file, the line and column (or cell, or JSON pointer), the field, what was
//! expected and what was found; and nothing is half-loaded: a reader returns
//! either a whole value or its errors.

pub mod advisories;
pub mod budget;
mod bundle;
pub mod calendar;
mod error;
pub mod lists;
pub mod queries;
pub mod reference;
pub mod sbom;
pub mod shelf;
mod table;
pub mod upload;
mod workbook;
mod xml;

pub use bundle::{
    INVENTORY_SCHEMA, LoadedBundle, load_bundle, load_bundle_files, load_document, load_workbook,
};
pub use error::{ERRORS_KEPT, InputError, InputErrors, Location};

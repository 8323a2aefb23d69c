//! Names to screen one by one (`shinsa match --input FILE`): a CSV with a
//! `name` column and, optionally, `id`, `country` and `identifiers`. Each row
//! becomes a party, so that a query is resolved exactly like a register row.

use crate::bundle::identifiers;
use crate::error::{Errors, InputErrors};
use crate::table::{TableSpec, read_csv};
use shinsa_model::{CountryCode, Party};

const QUERIES: TableSpec = TableSpec {
    name: "queries",
    required: &["name"],
    optional: &["id", "aliases", "country", "identifiers"],
};

/// Reads a query file; rows without an `id` are named by their line.
pub fn read_queries(file: &str, bytes: &[u8]) -> Result<Vec<Party>, InputErrors> {
    let mut errors = Errors::default();
    let table = read_csv(file, bytes, &QUERIES, &mut errors);
    let mut parties = Vec::new();
    for row in &table.rows {
        let name = row.required("name", &mut errors);
        let country = row.parse(
            "country",
            &mut errors,
            CountryCode::parse,
            "an ISO 3166-1 alpha-2 country code such as JP",
        );
        let identifiers = identifiers(row, &mut errors);
        if let Some(name) = name {
            parties.push(Party {
                id: row
                    .text("id")
                    .unwrap_or_else(|| format!("line {}", line_of(&row.location))),
                name,
                aliases: row.list("aliases"),
                country,
                hq_country: None,
                identifiers,
            });
        }
    }
    errors.finish(parties)
}

fn line_of(location: &crate::Location) -> usize {
    match location {
        crate::Location::Text { line, .. } => *line,
        _ => 0,
    }
}

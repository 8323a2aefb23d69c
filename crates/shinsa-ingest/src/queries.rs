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

/// The makers a delivered BOM names, one query each (`shinsa match --input
/// vendor.cdx.json`): every manufacturer, supplier and author its
/// components give, and for a component that names none the publisher its
/// package URL, CPE or address points to. A query's id says which
/// components named the maker and how (`push@6.3.0 (purl …)`, `+2 more`).
pub fn bom_queries(
    file: &str,
    bytes: &[u8],
    reference: &shinsa_model::ReferenceData,
) -> Result<Vec<Party>, InputErrors> {
    let bom = crate::sbom::read_bom(file, bytes)?;
    let mut makers: Vec<(String, Vec<String>)> = Vec::new();
    let mut add =
        |maker: String, because: String| match makers.iter_mut().find(|(name, _)| *name == maker) {
            Some((_, reasons)) => reasons.push(because),
            None => makers.push((maker, vec![because])),
        };
    for component in &bom.components {
        let label = match &component.version {
            Some(version) => format!("{}@{version}", component.name),
            None => component.name.clone(),
        };
        let stated: Vec<(&str, &crate::sbom::BomParty)> = [
            ("manufacturer", component.manufacturer.as_ref()),
            ("supplier", component.supplier.as_ref()),
        ]
        .into_iter()
        .filter_map(|(role, party)| Some((role, party?)))
        .filter(|(_, party)| !party.name.is_empty())
        .collect();
        if stated.is_empty() {
            // As in screening: the identifiers first, then the author's
            // free text as written.
            if let Some(inferred) = crate::sbom::infer_publisher(component, reference) {
                add(inferred.name, format!("{label} ({})", inferred.because));
            } else if let Some(author) = component.author.as_ref().filter(|a| !a.name.is_empty()) {
                add(author.name.clone(), format!("{label} (author)"));
            }
            continue;
        }
        for (role, party) in stated {
            add(party.name.clone(), format!("{label} ({role})"));
        }
    }
    Ok(makers
        .into_iter()
        .map(|(name, reasons)| {
            let more = reasons.len().saturating_sub(1);
            let first = reasons.into_iter().next().unwrap_or_default();
            Party {
                id: if more > 0 {
                    format!("{first} +{more} more")
                } else {
                    first
                },
                name,
                aliases: Vec::new(),
                country: None,
                hq_country: None,
                identifiers: Vec::new(),
            }
        })
        .collect())
}

//! CISA's Known Exploited Vulnerabilities catalogue, as JSON (with its
//! `catalogVersion`) or CSV (the same columns).

use super::Refusal;
use super::{Read, day, refusal, text};
use crate::error::{InputError, Location};
use serde_json::Value;
use shinsa_model::KnownExploited;

pub(super) fn read_json(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let document = super::json(name, bytes)?;
    let Some(entries) = document.get("vulnerabilities").and_then(Value::as_array) else {
        return Err(Box::new(InputError::new(
            Location::Pointer {
                file: name.to_owned(),
                pointer: "/vulnerabilities".into(),
            },
            "vulnerabilities",
            "the catalogue's array of entries",
            "nothing",
        )));
    };
    let mut read = Read {
        day: text(&document, "/catalogVersion")
            .map(|version| version.replace('.', "-"))
            .and_then(|version| day(&version)),
        ..Read::default()
    };
    for (index, entry) in entries.iter().enumerate() {
        let field = |key: &str| {
            text(entry, &format!("/{key}"))
                .unwrap_or_default()
                .to_owned()
        };
        match entry_of(&field) {
            Ok(exploited) => read.exploited.push(exploited),
            Err(reason) => {
                read.refusals
                    .push(refusal(name, &format!("/vulnerabilities/{index}"), &reason))
            }
        }
    }
    Ok(read)
}

pub(super) fn read_csv(name: &str, bytes: &[u8]) -> Result<Read, Refusal> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| {
            InputError::new(
                Location::File {
                    file: name.to_owned(),
                },
                "(header)",
                "the KEV catalogue's CSV header",
                error.to_string(),
            )
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut read = Read::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                read.refusals.push(format!(
                    "{name}:{line}: not a well-formed CSV record: {error}"
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |position| position.line());
        let field = |key: &str| {
            header
                .iter()
                .position(|column| column == key)
                .and_then(|index| record.get(index))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        match entry_of(&field) {
            Ok(exploited) => {
                read.day = read.day.max(Some(exploited.date_added));
                read.exploited.push(exploited);
            }
            Err(reason) => read.refusals.push(format!("{name}:{line}: {reason}")),
        }
    }
    Ok(read)
}

fn entry_of(field: &dyn Fn(&str) -> String) -> Result<KnownExploited, String> {
    let cve = field("cveID");
    if !cve.starts_with("CVE-") {
        return Err(format!("cveID: expected a CVE id, found {cve:?}"));
    }
    let date_added = day(&field("dateAdded")).ok_or_else(|| {
        format!(
            "dateAdded: expected YYYY-MM-DD, found {:?}",
            field("dateAdded")
        )
    })?;
    let due = field("dueDate");
    let due_date = if due.is_empty() {
        None
    } else {
        Some(day(&due).ok_or_else(|| format!("dueDate: expected YYYY-MM-DD, found {due:?}"))?)
    };
    Ok(KnownExploited {
        cve,
        vendor: field("vendorProject"),
        product: field("product"),
        name: field("vulnerabilityName"),
        date_added,
        due_date,
        ransomware: field("knownRansomwareCampaignUse").eq_ignore_ascii_case("known"),
        required_action: field("requiredAction"),
    })
}

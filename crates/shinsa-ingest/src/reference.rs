//! Reference data: the files under `data/` (bundled into the binary) or a
//! folder with the same files that a user keeps up to date.

use crate::error::{Errors, InputError, InputErrors, Location};
use crate::table::{Row, TableSpec, read_csv};
use sha2::{Digest, Sha256};
use shinsa_model::{
    Category, CountryCode, CountryGroupMember, Date, EntryException, EntryTarget, Identity,
    LegalEffect, ListEntry, ListInfo, PackagePublisher, Percent, PublisherKey, ReferenceData,
    Scope, Sector, UseRestriction, parse_bool, parse_date,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The reference files, by their path under `data/`.
pub const FILES: [&str; 8] = [
    "sectors.csv",
    "country_groups.csv",
    "categories.csv",
    "identities.csv",
    "package_publishers.csv",
    "lists/lists.csv",
    "lists/entries.csv",
    "lists/exceptions.csv",
];

const BUNDLED: [(&str, &str); 8] = [
    ("sectors.csv", include_str!("../../../data/sectors.csv")),
    (
        "country_groups.csv",
        include_str!("../../../data/country_groups.csv"),
    ),
    (
        "categories.csv",
        include_str!("../../../data/categories.csv"),
    ),
    (
        "identities.csv",
        include_str!("../../../data/identities.csv"),
    ),
    (
        "package_publishers.csv",
        include_str!("../../../data/package_publishers.csv"),
    ),
    (
        "lists/lists.csv",
        include_str!("../../../data/lists/lists.csv"),
    ),
    (
        "lists/entries.csv",
        include_str!("../../../data/lists/entries.csv"),
    ),
    (
        "lists/exceptions.csv",
        include_str!("../../../data/lists/exceptions.csv"),
    ),
];

const SECTORS: TableSpec = TableSpec {
    name: "sectors",
    required: &[
        "regime",
        "code",
        "name_en",
        "name_ja",
        "ministry",
        "effective_from",
    ],
    optional: &["effective_until", "source", "verified"],
};
const COUNTRY_GROUPS: TableSpec = TableSpec {
    name: "country_groups",
    required: &["group", "country", "effective_from"],
    optional: &["effective_until", "source", "verified"],
};
const CATEGORIES: TableSpec = TableSpec {
    name: "categories",
    required: &["code", "name_en", "name_ja"],
    optional: &["parent", "synonyms"],
};
const IDENTITIES: TableSpec = TableSpec {
    name: "identities",
    required: &["id", "name", "country"],
    optional: &[
        "names",
        "brands",
        "identifiers",
        "parent",
        "parent_share",
        "source",
        "verified",
    ],
};
const PUBLISHERS: TableSpec = TableSpec {
    name: "package_publishers",
    required: &["kind", "key", "identity", "source"],
    optional: &["verified"],
};
const LISTS: TableSpec = TableSpec {
    name: "lists",
    required: &[
        "id",
        "name",
        "publisher",
        "jurisdiction",
        "legal_effect",
        "version",
    ],
    optional: &["source", "coverage"],
};
const ENTRIES: TableSpec = TableSpec {
    name: "entries",
    required: &["list", "id", "kind", "name", "added"],
    optional: &[
        "identity",
        "category",
        "produced_outside",
        "product_classes",
        "use_restriction",
        "scope_text",
        "includes_affiliates",
        "removed",
        "citation",
        "source",
        "verified",
    ],
};
const EXCEPTIONS: TableSpec = TableSpec {
    name: "exceptions",
    required: &["list", "entry", "id", "description"],
    optional: &["until", "source", "verified"],
};

/// The reference data compiled into shinsa.
pub fn bundled() -> Result<ReferenceData, InputErrors> {
    let files: Vec<(String, Vec<u8>)> = BUNDLED
        .iter()
        .map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec()))
        .collect();
    load_files("data/", &files)
}

/// Reads reference data given as (path under `data/`, bytes) pairs; `prefix`
/// stands for the folder in messages.
pub fn load_files(prefix: &str, files: &[(String, Vec<u8>)]) -> Result<ReferenceData, InputErrors> {
    parse(
        |name| {
            files
                .iter()
                .find(|(file, _)| file == name)
                .map(|(_, bytes)| bytes.clone())
                .ok_or(())
        },
        prefix,
    )
}

/// Reads reference data from a folder laid out like `data/`.
pub fn load_dir(dir: &Path) -> Result<ReferenceData, InputErrors> {
    parse(
        |name| std::fs::read(dir.join(name)).map_err(|_| ()),
        &format!("{}/", dir.display()),
    )
}

fn parse(
    read: impl Fn(&str) -> Result<Vec<u8>, ()>,
    prefix: &str,
) -> Result<ReferenceData, InputErrors> {
    let mut errors = Errors::default();
    let mut contents = HashMap::new();
    for name in FILES {
        match read(name) {
            Ok(bytes) => {
                contents.insert(name, bytes);
            }
            Err(()) => errors.push(InputError::new(
                Location::File {
                    file: format!("{prefix}{name}"),
                },
                "(file)",
                "a readable reference file",
                "no such file",
            )),
        }
    }
    // A file that could not be read is an error already; its table is empty.
    let mut table = |name: &str, spec: &TableSpec| match contents.get(name) {
        Some(bytes) => read_csv(&format!("{prefix}{name}"), bytes, spec, &mut errors).rows,
        None => Vec::new(),
    };
    let sector_rows = table("sectors.csv", &SECTORS);
    let group_rows = table("country_groups.csv", &COUNTRY_GROUPS);
    let category_rows = table("categories.csv", &CATEGORIES);
    let identity_rows = table("identities.csv", &IDENTITIES);
    let publisher_rows = table("package_publishers.csv", &PUBLISHERS);
    let list_rows = table("lists/lists.csv", &LISTS);
    let entry_rows = table("lists/entries.csv", &ENTRIES);
    let exception_rows = table("lists/exceptions.csv", &EXCEPTIONS);

    let sectors = sector_rows
        .iter()
        .filter_map(|row| sector(row, &mut errors))
        .collect();
    let country_groups = group_rows
        .iter()
        .filter_map(|row| group_member(row, &mut errors))
        .collect();
    let categories = categories(&category_rows, &mut errors);
    let identities = identities(&identity_rows, &mut errors);
    let mut exceptions: HashMap<(String, String), Vec<EntryException>> = HashMap::new();
    for row in &exception_rows {
        if let Some((key, exception)) = exception(row, &mut errors) {
            exceptions.entry(key).or_default().push(exception);
        }
    }
    let mut lists: Vec<ListInfo> = list_rows
        .iter()
        .filter_map(|row| list_info(row, &mut errors))
        .collect();
    let list_ids: HashSet<String> = lists.iter().map(|list| list.id.clone()).collect();
    let identity_ids: HashSet<String> = identities.iter().map(|i| i.id.clone()).collect();
    let publishers = publisher_rows
        .iter()
        .filter_map(|row| publisher(row, &identity_ids, &mut errors))
        .collect();
    let category_codes: HashSet<String> = categories.iter().map(|c| c.code.clone()).collect();
    let known = Known {
        lists: &list_ids,
        identities: &identity_ids,
        categories: &category_codes,
    };
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for row in &entry_rows {
        if let Some(mut entry) = list_entry(row, &known, &mut errors) {
            if !seen.insert(entry.key()) {
                errors.push(InputError::new(
                    row.location_of("id"),
                    "id",
                    "an entry id unique within its list",
                    format!("{:?}", entry.key()),
                ));
                continue;
            }
            entry.exceptions = exceptions
                .remove(&(entry.list.clone(), entry.id.clone()))
                .unwrap_or_default();
            entries.push(entry);
        }
    }
    for ((list, entry), _) in exceptions {
        errors.push(InputError::new(
            Location::File {
                file: format!("{prefix}lists/exceptions.csv"),
            },
            "entry",
            "an entry of lists/entries.csv",
            format!("{list}/{entry}"),
        ));
    }
    for list in &mut lists {
        match list_digest(list, &entries) {
            Ok(digest) => list.sha256 = digest,
            Err(error) => errors.push(InputError::new(
                Location::File {
                    file: format!("{prefix}lists/lists.csv"),
                },
                "(list digest)",
                "a list that can be written as JSON",
                error.to_string(),
            )),
        }
    }
    errors.finish(ReferenceData {
        sectors,
        country_groups,
        categories,
        lists,
        entries,
        identities,
        publishers,
        listed: Vec::new(),
    })
}

fn publisher(
    row: &Row,
    identities: &HashSet<String>,
    errors: &mut Errors,
) -> Option<PackagePublisher> {
    let kind = match row.required("kind", errors)?.as_str() {
        "purl" => PublisherKey::Purl,
        "cpe_vendor" => PublisherKey::CpeVendor,
        "domain" => PublisherKey::Domain,
        other => {
            errors.push(InputError::new(
                row.location_of("kind"),
                "kind",
                "purl, cpe_vendor or domain",
                format!("{other:?}"),
            ));
            return None;
        }
    };
    let key = row.required("key", errors)?.to_lowercase();
    let identity = row.required("identity", errors)?;
    if !identities.contains(&identity) {
        errors.push(InputError::new(
            row.location_of("identity"),
            "identity",
            "the id of an identity of identities.csv",
            format!("{identity:?}"),
        ));
        return None;
    }
    Some(PackagePublisher {
        kind,
        key,
        identity,
        source: row.required("source", errors)?,
        verified: verified(row, errors),
    })
}

/// SHA-256 over a list's header and entries as canonical JSON, so a list
/// version is identified by its content whichever file it came from.
fn list_digest(list: &ListInfo, entries: &[ListEntry]) -> Result<String, serde_json::Error> {
    let mut hasher = Sha256::new();
    let header = ListInfo {
        sha256: String::new(),
        ..list.clone()
    };
    hasher.update(serde_json::to_vec(&header)?);
    for entry in entries.iter().filter(|entry| entry.list == list.id) {
        hasher.update(serde_json::to_vec(entry)?);
    }
    Ok(hex::encode(hasher.finalize()))
}

struct Known<'a> {
    lists: &'a HashSet<String>,
    identities: &'a HashSet<String>,
    categories: &'a HashSet<String>,
}

fn date(row: &Row, field: &str, errors: &mut Errors) -> Option<Date> {
    row.parse(field, errors, parse_date, "a date as YYYY-MM-DD")
}

fn required_date(row: &Row, field: &str, errors: &mut Errors) -> Option<Date> {
    row.parse_required(field, errors, parse_date, "a date as YYYY-MM-DD")
}

fn country(row: &Row, field: &str, errors: &mut Errors) -> Option<CountryCode> {
    row.parse_required(
        field,
        errors,
        CountryCode::parse,
        "an ISO 3166-1 alpha-2 code",
    )
}

fn verified(row: &Row, errors: &mut Errors) -> bool {
    row.parse("verified", errors, parse_bool, "true or false")
        .unwrap_or(false)
}

fn sector(row: &Row, errors: &mut Errors) -> Option<Sector> {
    let sector = Sector {
        regime: row.required("regime", errors)?,
        code: row.required("code", errors)?,
        name_en: row.required("name_en", errors)?,
        name_ja: row.required("name_ja", errors)?,
        ministry: row.required("ministry", errors)?,
        effective_from: required_date(row, "effective_from", errors)?,
        effective_until: date(row, "effective_until", errors),
        source: row.optional_text("source"),
        verified: verified(row, errors),
    };
    Some(sector)
}

fn group_member(row: &Row, errors: &mut Errors) -> Option<CountryGroupMember> {
    Some(CountryGroupMember {
        group: row.required("group", errors)?,
        country: country(row, "country", errors)?,
        effective_from: required_date(row, "effective_from", errors)?,
        effective_until: date(row, "effective_until", errors),
        source: row.optional_text("source"),
        verified: verified(row, errors),
    })
}

fn categories(rows: &[Row], errors: &mut Errors) -> Vec<Category> {
    let categories: Vec<(Category, &Row)> = rows
        .iter()
        .filter_map(|row| {
            let category = Category {
                code: row.required("code", errors)?,
                parent: row.text("parent"),
                name_en: row.required("name_en", errors)?,
                name_ja: row.required("name_ja", errors)?,
                synonyms: row.list("synonyms"),
            };
            Some((category, row))
        })
        .collect();
    let codes: HashSet<&str> = categories.iter().map(|(c, _)| c.code.as_str()).collect();
    for (category, row) in &categories {
        if let Some(parent) = &category.parent
            && !codes.contains(parent.as_str())
        {
            errors.push(InputError::new(
                row.location_of("parent"),
                "parent",
                "the code of another category",
                format!("{parent:?}"),
            ));
        }
    }
    categories
        .into_iter()
        .map(|(category, _)| category)
        .collect()
}

fn identities(rows: &[Row], errors: &mut Errors) -> Vec<Identity> {
    let identities: Vec<(Identity, &Row)> = rows
        .iter()
        .filter_map(|row| {
            let identity = Identity {
                id: row.required("id", errors)?,
                name: row.required("name", errors)?,
                country: country(row, "country", errors)?,
                names: row.list("names"),
                brands: row.list("brands"),
                identifiers: crate::bundle::identifiers(row, errors),
                parent: row.text("parent"),
                parent_share: row.parse(
                    "parent_share",
                    errors,
                    Percent::parse,
                    "a percentage from 0 to 100",
                ),
                source: row.optional_text("source"),
                verified: verified(row, errors),
            };
            Some((identity, row))
        })
        .collect();
    let ids: HashSet<&str> = identities.iter().map(|(i, _)| i.id.as_str()).collect();
    for (identity, row) in &identities {
        if let Some(parent) = &identity.parent
            && !ids.contains(parent.as_str())
        {
            errors.push(InputError::new(
                row.location_of("parent"),
                "parent",
                "the id of another identity",
                format!("{parent:?}"),
            ));
        }
    }
    identities
        .into_iter()
        .map(|(identity, _)| identity)
        .collect()
}

fn list_info(row: &Row, errors: &mut Errors) -> Option<ListInfo> {
    let legal_effect = row.parse_required(
        "legal_effect",
        errors,
        |text| LegalEffect::parse(text).ok_or(()),
        &format!("one of {}", LegalEffect::NAMES.join(", ")),
    );
    Some(ListInfo {
        id: row.required("id", errors)?,
        name: row.required("name", errors)?,
        publisher: row.required("publisher", errors)?,
        jurisdiction: country(row, "jurisdiction", errors)?,
        legal_effect: legal_effect?,
        version: required_date(row, "version", errors)?,
        source: row.optional_text("source"),
        sha256: String::new(),
        coverage: row.text("coverage"),
    })
}

fn known_value(
    row: &Row,
    field: &str,
    value: Option<String>,
    known: &HashSet<String>,
    what: &str,
    errors: &mut Errors,
) -> Option<String> {
    let value = value?;
    if known.contains(&value) {
        Some(value)
    } else {
        errors.push(InputError::new(
            row.location_of(field),
            field,
            format!("the id of {what}"),
            format!("{value:?}"),
        ));
        None
    }
}

fn list_entry(row: &Row, known: &Known<'_>, errors: &mut Errors) -> Option<ListEntry> {
    let list = known_value(
        row,
        "list",
        row.required("list", errors),
        known.lists,
        "a list",
        errors,
    );
    let id = row.required("id", errors);
    let name = row.required("name", errors);
    let kind = row.required("kind", errors);
    let target = match kind.as_deref() {
        Some("named") => {
            let identity = match row.text("identity") {
                Some(value) => Some(known_value(
                    row,
                    "identity",
                    Some(value),
                    known.identities,
                    "an identity",
                    errors,
                )?),
                None => None,
            };
            Some(EntryTarget::Named {
                name: name.clone()?,
                identity,
            })
        }
        Some("categorical") => {
            let category = known_value(
                row,
                "category",
                row.required("category", errors),
                known.categories,
                "a category",
                errors,
            );
            let produced_outside = country(row, "produced_outside", errors);
            Some(EntryTarget::Categorical {
                category: category?,
                produced_outside: produced_outside?,
            })
        }
        Some(other) => {
            errors.push(InputError::new(
                row.location_of("kind"),
                "kind",
                "named or categorical",
                format!("{other:?}"),
            ));
            None
        }
        None => None,
    };
    let product_classes: Vec<String> = row
        .list("product_classes")
        .into_iter()
        .filter_map(|class| {
            known_value(
                row,
                "product_classes",
                Some(class),
                known.categories,
                "a category",
                errors,
            )
        })
        .collect();
    let use_restriction = row.parse(
        "use_restriction",
        errors,
        |text| UseRestriction::parse(text).ok_or(()),
        "public_safety_or_critical_infrastructure or nothing",
    );
    let includes_affiliates = row
        .parse("includes_affiliates", errors, parse_bool, "true or false")
        .unwrap_or(false);
    let added = required_date(row, "added", errors);
    let removed = date(row, "removed", errors);
    Some(ListEntry {
        list: list?,
        id: id?,
        target: target?,
        scope: Scope {
            product_classes,
            use_restriction,
            text: row.optional_text("scope_text"),
        },
        includes_affiliates,
        added: added?,
        removed,
        exceptions: Vec::new(),
        citation: row.optional_text("citation"),
        source: row.optional_text("source"),
        verified: verified(row, errors),
    })
}

fn exception(row: &Row, errors: &mut Errors) -> Option<((String, String), EntryException)> {
    let until = date(row, "until", errors);
    Some((
        (
            row.required("list", errors)?,
            row.required("entry", errors)?,
        ),
        EntryException {
            id: row.required("id", errors)?,
            description: row.required("description", errors)?,
            until,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_reference_data_loads_with_every_fact_sourced() {
        let reference = bundled().map_err(|e| e.to_string());
        let reference = match reference {
            Ok(reference) => reference,
            Err(message) => unreachable!("bundled data must load: {message}"),
        };
        let espa: Vec<&Sector> = reference
            .sectors
            .iter()
            .filter(|s| s.regime == "jp-espa")
            .collect();
        assert_eq!(espa.len(), 15, "ESPA has 14 sectors plus ports");
        assert_eq!(
            reference
                .sectors
                .iter()
                .filter(|s| s.regime == "us-cisa")
                .count(),
            16
        );
        assert!(
            reference
                .entries
                .iter()
                .all(|entry| !entry.source.is_empty())
        );
        assert!(
            reference
                .identities
                .iter()
                .all(|identity| !identity.source.is_empty())
        );
        for list in &reference.lists {
            assert_eq!(list.sha256.len(), 64, "{}", list.id);
        }
        let drones = reference
            .entries
            .iter()
            .find(|entry| entry.key() == "fcc-covered/foreign-uas")
            .map(|entry| entry.exceptions.len());
        assert_eq!(drones, Some(4));
    }

    #[test]
    fn ports_join_espa_on_2025_04_01() {
        let Ok(reference) = bundled() else {
            unreachable!("bundled data must load")
        };
        let day = |text| parse_date(text).unwrap_or(Date::MIN);
        let ports = reference.find_sector("一般港湾運送", day("2025-04-01"));
        assert_eq!(ports.map(|s| s.in_force(day("2025-04-01"))), Some(true));
        assert_eq!(ports.map(|s| s.in_force(day("2025-03-31"))), Some(false));
    }

    #[test]
    fn a_broken_reference_folder_names_file_and_line() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else {
            unreachable!("tempdir")
        };
        for (name, text) in BUNDLED {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let text = if name == "lists/entries.csv" {
                text.replacen(",2021-03-12,", ",2021-13-12,", 1)
            } else {
                text.to_owned()
            };
            let _ = std::fs::write(&path, text);
        }
        let message = load_dir(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("lists/entries.csv:2:"), "{message}");
        assert!(message.contains("field `added`"), "{message}");
        assert!(message.contains("\"2021-13-12\""), "{message}");
    }
}

//! CycloneDX XML, 1.0 to 1.6. No XML Schema validator runs here (there is
//! no maintained one in Rust); the structure shinsa reads is checked by
//! hand — the root is a `bom` in a CycloneDX namespace, every component
//! has a name, ids are unique — and a few format rules of fields shinsa
//! does not read (hash lengths, component types, licence shapes, the
//! serial number) give warnings, as they do for JSON.
//!
//! Locations are line and column. External entities are never fetched and
//! a document type declaration is ignored: the reader resolves only XML's
//! predefined entities and character references.

use super::{Bom, BomComponent, BomFormat, BomParty, BomSubject};
use crate::error::{Errors, InputError, Location};
use crate::xml::{Element, Source, parse};
use std::collections::{HashMap, HashSet};

/// The CycloneDX version a namespace names (`…/schema/bom/1.4` → `1.4`).
fn namespace_version(root: &Element) -> Option<String> {
    root.attributes
        .iter()
        .filter(|(key, _)| key == "xmlns" || key.starts_with("xmlns:"))
        .find_map(|(_, value)| {
            value
                .trim()
                .strip_prefix("http://cyclonedx.org/schema/bom/")
                .filter(|version| {
                    matches!(
                        *version,
                        "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6"
                    )
                })
                .map(str::to_owned)
        })
}

/// Reads a CycloneDX XML document.
pub(super) fn read(file: &str, bytes: &[u8], errors: &mut Errors) -> Option<Bom> {
    let text = super::utf8_text(file, bytes, errors)?;
    let source = Source::new(file, text);
    let root = match parse(&source) {
        Ok(root) => root,
        Err((offset, found)) => {
            errors.push(source.error(offset, found));
            return None;
        }
    };
    let Some(spec_version) = namespace_version(&root).filter(|_| root.name == "bom") else {
        errors.push(InputError::new(
            source.at(root.offset),
            "xmlns",
            "a <bom> element in the namespace http://cyclonedx.org/schema/bom/1.N (N from 0 to 6)",
            format!(
                "<{}> in {:?}",
                root.name,
                root.attribute("xmlns").unwrap_or_default()
            ),
        ));
        return None;
    };
    let before = errors.count();
    let mut warnings = Errors::default();
    if let Some(serial) = root.attribute("serialNumber")
        && !is_urn_uuid(serial)
    {
        warnings.push(InputError::new(
            source.at(root.offset),
            "serialNumber",
            "urn:uuid: followed by an RFC 4122 UUID",
            format!("{serial:?}"),
        ));
    }
    let mut components = Vec::new();
    if let Some(list) = root.child("components") {
        flatten(&source, list, None, &mut components, &mut warnings);
    }
    let subject = root.child("metadata").and_then(|metadata| {
        let component = metadata.child("component")?;
        let maker = |element: &Element, role: &str| {
            element.child(role).and_then(|party| party.text_of("name"))
        };
        Some(BomSubject {
            local_id: component.attribute("bom-ref").map(str::to_owned),
            name: component.text_of("name"),
            version: component.text_of("version"),
            kind: component.attribute("type").map(str::to_owned),
            maker: maker(component, "manufacturer")
                .or_else(|| maker(component, "supplier"))
                .or_else(|| maker(metadata, "manufacturer"))
                .or_else(|| maker(metadata, "manufacture"))
                .or_else(|| maker(metadata, "supplier")),
        })
    });
    let mut refs: HashMap<&str, &Location> = HashMap::new();
    for component in &components {
        if let Some(reference) = component.local_id.as_deref()
            && let Some(first) = refs.insert(reference, &component.location)
        {
            errors.push(InputError::new(
                component.location.clone(),
                "bom-ref",
                "a bom-ref unique within the BOM",
                format!("{reference:?}, already used at {first}"),
            ));
        }
    }
    let mut known: HashSet<String> = refs.keys().map(|key| (*key).to_owned()).collect();
    known.extend(
        subject
            .as_ref()
            .and_then(|subject| subject.local_id.clone()),
    );
    collect_service_refs(root.child("services"), &mut known);
    let mut dependencies = Vec::new();
    for dependency in root
        .child("dependencies")
        .into_iter()
        .flat_map(|list| list.children("dependency"))
    {
        let Some(from) = dependency.attribute("ref") else {
            errors.push(InputError::new(
                source.at(dependency.offset),
                "ref",
                "the bom-ref of the component whose dependencies these are",
                "none",
            ));
            continue;
        };
        let mut to = Vec::new();
        for (edge, reference) in std::iter::once((dependency, from)).chain(
            dependency
                .children("dependency")
                .filter_map(|edge| Some((edge, edge.attribute("ref")?))),
        ) {
            if !known.contains(reference) {
                warnings.push(InputError::new(
                    source.at(edge.offset),
                    "ref",
                    "the bom-ref of a component or service in this BOM",
                    format!("{reference:?}"),
                ));
            }
            if !std::ptr::eq(edge, dependency) {
                to.push(reference.to_owned());
            }
        }
        dependencies.push((from.to_owned(), to));
    }
    super::require_names(&components, errors);
    if errors.count() > before {
        return None;
    }
    Some(Bom {
        format: BomFormat::CycloneDxXml,
        spec_version,
        subject: subject.unwrap_or_default(),
        components,
        dependencies,
        warnings: warnings.into_warnings(),
    })
}

fn collect_service_refs(services: Option<&Element>, known: &mut HashSet<String>) {
    for service in services
        .into_iter()
        .flat_map(|list| list.children("service"))
    {
        known.extend(service.attribute("bom-ref").map(str::to_owned));
        collect_service_refs(service.child("services"), known);
    }
}

fn is_urn_uuid(text: &str) -> bool {
    text.strip_prefix("urn:uuid:").is_some_and(|uuid| {
        uuid.len() == 36
            && uuid.char_indices().all(|(at, c)| {
                if matches!(at, 8 | 13 | 18 | 23) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    })
}

/// The CycloneDX component types, 1.0 to 1.6.
const TYPES: [&str; 13] = [
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
    "cryptographic-asset",
];

/// Hex digits a hash of each algorithm has.
fn hash_length(algorithm: &str) -> Option<usize> {
    Some(match algorithm {
        "MD5" => 32,
        "SHA-1" => 40,
        "SHA-256" | "SHA3-256" | "BLAKE2b-256" => 64,
        "SHA-384" | "SHA3-384" | "BLAKE2b-384" => 96,
        "SHA-512" | "SHA3-512" | "BLAKE2b-512" => 128,
        "BLAKE3" => return Some(0),
        _ => return None,
    })
}

fn party(element: Option<&Element>) -> Option<BomParty> {
    let element = element?;
    let mut contacts: Vec<String> = element
        .children("url")
        .map(|url| url.text.trim().to_owned())
        .filter(|url| !url.is_empty())
        .collect();
    contacts.extend(
        element
            .children("contact")
            .filter_map(|contact| contact.text_of("email")),
    );
    let name = element.text_of("name").unwrap_or_default();
    (!name.is_empty() || !contacts.is_empty()).then(|| BomParty {
        name,
        country: element
            .child("address")
            .and_then(|address| address.text_of("country"))
            .and_then(|country| super::country_from_text(&country)),
        contacts,
    })
}

fn flatten(
    source: &Source<'_>,
    list: &Element,
    parent: Option<usize>,
    out: &mut Vec<BomComponent>,
    warnings: &mut Errors,
) {
    for component in list.children("component") {
        let at = source.at(component.offset);
        let kind = component.attribute("type").unwrap_or_default().to_owned();
        if !TYPES.contains(&kind.as_str()) {
            warnings.push(InputError::new(
                at.clone(),
                "type",
                format!("a component type ({})", TYPES.join(", ")),
                format!("{kind:?}"),
            ));
        }
        let mut hashes = Vec::new();
        for hash in component
            .child("hashes")
            .into_iter()
            .flat_map(|list| list.children("hash"))
        {
            let algorithm = hash.attribute("alg").unwrap_or_default().to_owned();
            let value = hash.text.trim().to_owned();
            let fits = match hash_length(&algorithm) {
                Some(0) => value.chars().all(|c| c.is_ascii_hexdigit()),
                Some(length) => {
                    value.len() == length && value.chars().all(|c| c.is_ascii_hexdigit())
                }
                None => false,
            };
            if !fits {
                warnings.push(InputError::new(
                    source.at(hash.offset),
                    "hash",
                    "a hash whose algorithm is one CycloneDX names and whose value has its length in hex digits",
                    format!("{algorithm:?} {value:?}"),
                ));
            }
            hashes.push((algorithm, value));
        }
        let mut licences = Vec::new();
        for choice in component
            .child("licenses")
            .into_iter()
            .flat_map(|list| &list.children)
        {
            let written = match choice.name.as_str() {
                "expression" => Some(choice.text.trim().to_owned()).filter(|t| !t.is_empty()),
                "license" => choice.text_of("id").or_else(|| choice.text_of("name")),
                _ => None,
            };
            match written {
                Some(licence) => licences.push(licence),
                None => warnings.push(InputError::new(
                    source.at(choice.offset),
                    "license",
                    "a licence with an id or a name, or an expression",
                    format!("<{}> without either", choice.name),
                )),
            }
        }
        let category = component
            .child("properties")
            .into_iter()
            .flat_map(|list| list.children("property"))
            .find(|property| property.attribute("name") == Some(super::CATEGORY_PROPERTY))
            .map(|property| property.text.trim().to_owned())
            .filter(|text| !text.is_empty());
        let author = component
            .text_of("author")
            .or_else(|| {
                component
                    .child("authors")
                    .and_then(|authors| authors.child("author"))
                    .and_then(|author| author.text_of("name"))
            })
            .map(|name| BomParty {
                name,
                ..BomParty::default()
            });
        let position = out.len();
        out.push(BomComponent {
            location: at,
            local_id: component.attribute("bom-ref").map(str::to_owned),
            name: component.text_of("name").unwrap_or_default(),
            kind,
            version: component.text_of("version"),
            group: component.text_of("group"),
            purl: component.text_of("purl"),
            cpes: component.text_of("cpe").into_iter().collect(),
            manufacturer: party(component.child("manufacturer")),
            supplier: party(component.child("supplier")),
            author,
            publisher: component.text_of("publisher"),
            hashes,
            licences,
            category,
            parent,
        });
        if let Some(nested) = component.child("components") {
            flatten(source, nested, Some(position), out, warnings);
        }
    }
}

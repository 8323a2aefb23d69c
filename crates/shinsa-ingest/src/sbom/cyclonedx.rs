//! CycloneDX JSON, 1.2 to 1.6. Every document is checked against the
//! official 1.6 schema (shipped under `schema/cyclonedx/`; the later
//! versions only add to the earlier ones, so an older BOM is a 1.6 BOM
//! without the new fields), and each breach is sorted: one in what shinsa
//! reads (the document's kind, a component, its name, version, ids and
//! makers, the dependency graph) refuses the document; any other is a
//! warning at its pointer.

use super::{Bom, BomComponent, BomFormat, BomParty, BomSubject, Pointers, text_at};
use crate::error::{Errors, InputError, Location};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const BOM_SCHEMA: &str = include_str!("../../../../schema/cyclonedx/bom-1.6.schema.json");
const SPDX_SCHEMA: &str = include_str!("../../../../schema/cyclonedx/spdx.schema.json");
const JSF_SCHEMA: &str = include_str!("../../../../schema/cyclonedx/jsf-0.82.schema.json");

/// The property a BOM author sets to give a component a taxonomy category.
pub const CATEGORY_PROPERTY: &str = "shinsa:category";

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let parse = |text: &str| serde_json::from_str::<Value>(text);
            let bom = parse(BOM_SCHEMA).map_err(|e| e.to_string())?;
            let spdx = parse(SPDX_SCHEMA).map_err(|e| e.to_string())?;
            let jsf = parse(JSF_SCHEMA).map_err(|e| e.to_string())?;
            let registry = jsonschema::Registry::new()
                .add("http://cyclonedx.org/schema/spdx.schema.json", spdx)
                .and_then(|registry| {
                    registry.add("http://cyclonedx.org/schema/jsf-0.82.schema.json", jsf)
                })
                .and_then(|registry| registry.prepare())
                .map_err(|e| e.to_string())?;
            jsonschema::options()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(&bom)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The fields of a component (and of the BOM's subject) that shinsa reads.
const READ_FIELDS: [&str; 9] = [
    "name",
    "version",
    "bom-ref",
    "group",
    "purl",
    "cpe",
    "author",
    "publisher",
    "type",
];

/// Whether a schema breach at `pointer` touches what shinsa reads.
fn decides(pointer: &str, kind: &ValidationErrorKind) -> bool {
    // Array positions say nothing about what the value is.
    let names: Vec<&str> = pointer
        .split('/')
        .skip(1)
        .filter(|segment| segment.parse::<usize>().is_err())
        .collect();
    // Where the component part of the path begins.
    let component_at = match names.as_slice() {
        [] => {
            return !matches!(kind, ValidationErrorKind::AdditionalProperties { .. });
        }
        ["bomFormat" | "specVersion"] => return true,
        ["dependencies", rest @ ..] => {
            return matches!(rest, [] | ["ref"] | ["dependsOn"]);
        }
        ["components", ..] => 0,
        ["metadata", "component", ..] => 2,
        _ => return false,
    };
    let tail = &names[component_at..];
    let components = tail
        .iter()
        .take_while(|name| **name == "components")
        .count();
    let after = &tail[components..];
    let names_a_component = components > 0 || component_at == 2;
    match after {
        // The component (or the array of them) itself.
        [] => match kind {
            ValidationErrorKind::Required { property } => property.as_str() == Some("name"),
            ValidationErrorKind::AdditionalProperties { .. } => false,
            _ => true,
        },
        [field] => names_a_component && READ_FIELDS.contains(field) && *field != "type",
        ["supplier" | "manufacturer", "name"] => names_a_component,
        _ => false,
    }
}

/// Reads a parsed CycloneDX JSON document.
pub(super) fn read(at: &Pointers<'_>, document: &Value, errors: &mut Errors) -> Option<Bom> {
    let validator = match validator() {
        Ok(validator) => validator,
        Err(message) => {
            errors.push(InputError::new(
                at.at(""),
                "(schema)",
                "the bundled CycloneDX 1.6 schema to load (a defect in shinsa)",
                message,
            ));
            return None;
        }
    };
    let before = errors.count();
    let mut warnings = Errors::default();
    for error in validator.iter_errors(document) {
        let breach = crate::bundle::schema_error(at.file, at.prefix, &error);
        if decides(&error.instance_path().to_string(), error.kind()) {
            errors.push(breach);
        } else {
            warnings.push(breach);
        }
    }
    if errors.count() > before {
        return None;
    }
    let mut components = Vec::new();
    if let Some(list) = document.get("components").and_then(Value::as_array) {
        flatten(at, list, "/components", None, &mut components);
    }
    // bom-refs must be unique across components and services (spec §bom-ref).
    let mut refs: HashMap<String, Location> = HashMap::new();
    let mut all_refs: Vec<(String, Location)> = components
        .iter()
        .filter_map(|c| c.local_id.clone().map(|r| (r, c.location.clone())))
        .collect();
    if let Some(subject_ref) = text_at(document, "/metadata/component/bom-ref") {
        all_refs.push((subject_ref, at.at("/metadata/component")));
    }
    if let Some(services) = document.get("services").and_then(Value::as_array) {
        collect_service_refs(at, services, "/services", &mut all_refs);
    }
    for (reference, location) in all_refs {
        if let Some(first) = refs.get(&reference) {
            errors.push(InputError::new(
                location,
                "bom-ref",
                "a bom-ref unique within the BOM",
                format!("{reference:?}, already used at {first}"),
            ));
        } else {
            refs.insert(reference, location);
        }
    }
    let known: HashSet<&String> = refs.keys().collect();
    let mut dependencies = Vec::new();
    for (index, dependency) in document
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let pointer = format!("/dependencies/{index}");
        let Some(from) = text_at(dependency, "/ref") else {
            continue;
        };
        // A dangling edge decides nothing shinsa screens: a warning.
        if !known.contains(&from) {
            warnings.push(dangling(at, &format!("{pointer}/ref"), "ref", &from));
        }
        let mut to = Vec::new();
        let depends_on = dependency.get("dependsOn").and_then(Value::as_array);
        for (position, target) in depends_on.into_iter().flatten().enumerate() {
            if let Some(target) = target.as_str() {
                if !known.contains(&target.to_owned()) {
                    let here = format!("{pointer}/dependsOn/{position}");
                    warnings.push(dangling(at, &here, "dependsOn", target));
                }
                to.push(target.to_owned());
            }
        }
        dependencies.push((from, to));
    }
    super::require_names(&components, errors);
    if errors.count() > before {
        return None;
    }
    let maker = |role: &str| text_at(document, &format!("/metadata/{role}/name"));
    Some(Bom {
        format: BomFormat::CycloneDxJson,
        spec_version: text_at(document, "/specVersion").unwrap_or_default(),
        subject: BomSubject {
            local_id: text_at(document, "/metadata/component/bom-ref"),
            name: text_at(document, "/metadata/component/name"),
            version: text_at(document, "/metadata/component/version"),
            kind: text_at(document, "/metadata/component/type"),
            maker: text_at(document, "/metadata/component/manufacturer/name")
                .or_else(|| text_at(document, "/metadata/component/supplier/name"))
                .or_else(|| maker("manufacturer"))
                .or_else(|| maker("manufacture"))
                .or_else(|| maker("supplier")),
        },
        components,
        dependencies,
        warnings: warnings.into_warnings(),
    })
}

fn dangling(at: &Pointers<'_>, pointer: &str, field: &str, reference: &str) -> InputError {
    InputError::new(
        at.at(pointer),
        field,
        "the bom-ref of a component or service in this BOM",
        format!("{reference:?}"),
    )
}

fn collect_service_refs(
    at: &Pointers<'_>,
    services: &[Value],
    pointer: &str,
    refs: &mut Vec<(String, Location)>,
) {
    for (index, service) in services.iter().enumerate() {
        let here = format!("{pointer}/{index}");
        if let Some(reference) = text_at(service, "/bom-ref") {
            refs.push((reference, at.at(&here)));
        }
        if let Some(nested) = service.get("services").and_then(Value::as_array) {
            collect_service_refs(at, nested, &format!("{here}/services"), refs);
        }
    }
}

fn party(component: &Value, role: &str) -> Option<BomParty> {
    let value = component.get(role)?;
    // A supplier given only by its web address still says who it is.
    let name = text_at(value, "/name").unwrap_or_default();
    let mut contacts: Vec<String> = value
        .get("url")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|url| url.as_str().map(str::to_owned))
        .collect();
    contacts.extend(
        value
            .get("contact")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|contact| text_at(contact, "/email")),
    );
    (!name.is_empty() || !contacts.is_empty()).then(|| BomParty {
        name,
        country: text_at(value, "/address/country")
            .and_then(|text| super::country_from_text(&text)),
        contacts,
    })
}

fn flatten(
    at: &Pointers<'_>,
    list: &[Value],
    pointer: &str,
    parent: Option<usize>,
    out: &mut Vec<BomComponent>,
) {
    for (index, component) in list.iter().enumerate() {
        let here = format!("{pointer}/{index}");
        let category = component
            .get("properties")
            .and_then(Value::as_array)
            .and_then(|properties| {
                properties.iter().find(|property| {
                    property.get("name").and_then(Value::as_str) == Some(CATEGORY_PROPERTY)
                })
            })
            .and_then(|property| text_at(property, "/value"));
        // CycloneDX before 1.6 names the maker in free text under `author`;
        // 1.6 adds `authors`.
        let author = text_at(component, "/author")
            .or_else(|| text_at(component, "/authors/0/name"))
            .map(|name| BomParty {
                name,
                ..BomParty::default()
            });
        let hashes = component
            .get("hashes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|hash| Some((text_at(hash, "/alg")?, text_at(hash, "/content")?)))
            .collect();
        let licences = component
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|choice| {
                text_at(choice, "/expression")
                    .or_else(|| text_at(choice, "/license/id"))
                    .or_else(|| text_at(choice, "/license/name"))
            })
            .collect();
        let cpes = text_at(component, "/cpe").into_iter().collect();
        let position = out.len();
        out.push(BomComponent {
            location: at.at(&here),
            local_id: text_at(component, "/bom-ref"),
            name: text_at(component, "/name").unwrap_or_default(),
            kind: text_at(component, "/type").unwrap_or_default(),
            version: text_at(component, "/version"),
            group: text_at(component, "/group"),
            purl: text_at(component, "/purl"),
            cpes,
            manufacturer: party(component, "manufacturer"),
            supplier: party(component, "supplier"),
            author,
            publisher: text_at(component, "/publisher"),
            hashes,
            licences,
            category,
            parent,
        });
        if let Some(nested) = component.get("components").and_then(Value::as_array) {
            flatten(
                at,
                nested,
                &format!("{here}/components"),
                Some(position),
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required(property: &str) -> ValidationErrorKind {
        ValidationErrorKind::Required {
            property: Value::String(property.to_owned()),
        }
    }

    #[test]
    fn only_breaches_in_what_shinsa_reads_decide() {
        let format = ValidationErrorKind::Format {
            format: "iri-reference".to_owned(),
        };
        let extra = ValidationErrorKind::AdditionalProperties {
            unexpected: vec!["new".to_owned()],
        };
        assert!(decides("", &required("bomFormat")));
        assert!(!decides("", &extra), "a property from a newer version");
        assert!(decides("/components/3", &required("name")));
        assert!(!decides("/components/3", &required("type")));
        assert!(decides("/components/3/components/0/name", &format));
        assert!(decides("/metadata/component/bom-ref", &format));
        assert!(decides("/components/3/supplier/name", &format));
        assert!(!decides("/components/3/supplier/url/0", &format));
        assert!(!decides("/components/3/externalReferences/0/url", &format));
        assert!(!decides("/components/3/licenses/1", &extra));
        assert!(!decides("/metadata/timestamp", &format));
        assert!(decides("/dependencies/0", &required("ref")));
        assert!(!decides("/serialNumber", &format));
    }
}

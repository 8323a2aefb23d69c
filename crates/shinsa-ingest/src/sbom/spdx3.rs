//! SPDX 3.0 JSON-LD (the compact form the specification's context gives):
//! a flat `@graph` of elements. `software_Package` elements are the
//! components; agents (`Organization`, `Person`) named by `suppliedBy` and
//! `originatedBy` are their supplier and author; `contains` relationships
//! make parts, `dependsOn` edges; `hasDeclaredLicense` and
//! `hasConcludedLicense` point at licence expressions. The root element of
//! the `software_Sbom` (or of the `SpdxDocument`) is the BOM's subject.

use super::{Bom, BomComponent, BomFormat, BomParty, BomSubject, Pointers, text_at};
use crate::error::{Errors, InputError};
use serde_json::Value;
use std::collections::HashMap;

fn id_of(element: &Value) -> Option<String> {
    text_at(element, "/spdxId").or_else(|| text_at(element, "/@id"))
}

fn kind_of(element: &Value) -> String {
    text_at(element, "/type")
        .or_else(|| text_at(element, "/@type"))
        .unwrap_or_default()
}

/// A property that may hold one id, one inline object or an array of them.
fn references(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    }
}

/// Reads an SPDX 3 JSON-LD document.
pub(super) fn read(at: &Pointers<'_>, document: &Value, errors: &mut Errors) -> Option<Bom> {
    let Some(graph) = document.get("@graph").and_then(Value::as_array) else {
        errors.push(InputError::new(
            at.at("/@graph"),
            "@graph",
            "an array of SPDX elements",
            document
                .get("@graph")
                .map_or_else(|| "none".to_owned(), Value::to_string),
        ));
        return None;
    };
    let before = errors.count();
    let mut warnings = Errors::default();
    let by_id: HashMap<String, &Value> = graph
        .iter()
        .filter_map(|element| Some((id_of(element)?, element)))
        .collect();
    let agent_name = |reference: &Value| match reference {
        Value::String(id) => by_id.get(id).and_then(|agent| text_at(agent, "/name")),
        object => text_at(object, "/name"),
    };
    let agent = |element: &Value, key: &str| {
        references(element.get(key))
            .into_iter()
            .find_map(agent_name)
            .map(|name| BomParty {
                name,
                ..BomParty::default()
            })
    };
    let spec_version = graph
        .iter()
        .find(|element| kind_of(element) == "CreationInfo")
        .and_then(|info| text_at(info, "/specVersion"))
        .unwrap_or_default();
    if !spec_version.starts_with("3.") {
        warnings.push(InputError::new(
            at.at("/@graph"),
            "specVersion",
            "a CreationInfo element with specVersion 3.0.x",
            format!("{spec_version:?}"),
        ));
    }
    // The subject: the SBOM's root element, else the document's.
    let root_of = |kind: &str| {
        graph
            .iter()
            .find(|element| kind_of(element) == kind)
            .and_then(|element| references(element.get("rootElement")).into_iter().next())
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut subject_id = root_of("software_Sbom").or_else(|| root_of("SpdxDocument"));
    if let Some(id) = &subject_id
        && by_id
            .get(id)
            .is_some_and(|element| kind_of(element) == "software_Sbom")
    {
        subject_id = by_id
            .get(id)
            .and_then(|sbom| references(sbom.get("rootElement")).into_iter().next())
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    let mut components = Vec::new();
    let mut component_of: HashMap<String, usize> = HashMap::new();
    let mut subject = BomSubject::default();
    for (index, element) in graph.iter().enumerate() {
        // software_Package and its subclasses (ai_AIPackage,
        // dataset_DatasetPackage).
        if !kind_of(element).ends_with("Package") {
            continue;
        }
        let here = format!("/@graph/{index}");
        let id = id_of(element);
        if id.is_some() && id == subject_id {
            subject = BomSubject {
                local_id: id,
                name: text_at(element, "/name"),
                version: text_at(element, "/software_packageVersion"),
                kind: text_at(element, "/software_primaryPurpose"),
                maker: agent(element, "suppliedBy")
                    .or_else(|| agent(element, "originatedBy"))
                    .map(|party| party.name),
            };
            continue;
        }
        let mut purl = text_at(element, "/software_packageUrl");
        let mut cpes = Vec::new();
        for identifier in references(element.get("externalIdentifier")) {
            let value = text_at(identifier, "/identifier");
            match text_at(identifier, "/externalIdentifierType").as_deref() {
                Some("packageUrl") if purl.is_none() => purl = value,
                Some("cpe23" | "cpe22") => cpes.extend(value),
                _ => {}
            }
        }
        let hashes = references(element.get("verifiedUsing"))
            .into_iter()
            .filter_map(|hash| Some((text_at(hash, "/algorithm")?, text_at(hash, "/hashValue")?)))
            .collect();
        if let Some(id) = &id {
            component_of.insert(id.clone(), components.len());
        }
        components.push(BomComponent {
            location: at.at(&here),
            local_id: id,
            name: text_at(element, "/name").unwrap_or_default(),
            kind: text_at(element, "/software_primaryPurpose").unwrap_or_else(|| "library".into()),
            version: text_at(element, "/software_packageVersion"),
            group: None,
            purl,
            cpes,
            manufacturer: None,
            supplier: agent(element, "suppliedBy"),
            author: agent(element, "originatedBy"),
            publisher: None,
            hashes,
            licences: Vec::new(),
            category: None,
            parent: None,
        });
    }
    if subject.name.is_none() {
        subject.name = graph
            .iter()
            .find(|element| kind_of(element) == "SpdxDocument")
            .and_then(|element| text_at(element, "/name"));
    }
    let mut dependencies = super::spdx::Edges::default();
    for (index, relationship) in graph.iter().enumerate() {
        if !kind_of(relationship).ends_with("Relationship") {
            continue;
        }
        let Some(from) = text_at(relationship, "/from") else {
            continue;
        };
        let kind = text_at(relationship, "/relationshipType").unwrap_or_default();
        // An element of another document (imported) decides nothing here: a
        // warning, not a refusal.
        let dangling = |field: &str, id: &str| {
            InputError::new(
                at.at(&format!("/@graph/{index}/{field}")),
                field,
                "the id of an element of this document",
                format!("{id:?}"),
            )
        };
        if !by_id.contains_key(&from) {
            warnings.push(dangling("from", &from));
        }
        for target in references(relationship.get("to"))
            .into_iter()
            .filter_map(Value::as_str)
        {
            if !by_id.contains_key(target) {
                warnings.push(dangling("to", target));
            }
            match kind.as_str() {
                "dependsOn" => dependencies.add(&from, target),
                "contains" => {
                    if let (Some(&whole), Some(&part)) =
                        (component_of.get(&from), component_of.get(target))
                        && whole != part
                        && components[part].parent.is_none()
                        && !super::spdx::is_ancestor(&components, part, whole)
                    {
                        components[part].parent = Some(whole);
                    }
                }
                "hasDeclaredLicense" | "hasConcludedLicense" => {
                    let expression = by_id.get(target).and_then(|licence| {
                        text_at(licence, "/simplelicensing_licenseExpression")
                            .or_else(|| text_at(licence, "/name"))
                    });
                    if let (Some(&component), Some(expression)) =
                        (component_of.get(&from), expression)
                    {
                        components[component].licences.push(expression);
                    }
                }
                _ => {}
            }
        }
    }
    super::require_names(&components, errors);
    if errors.count() > before {
        return None;
    }
    Some(Bom {
        format: BomFormat::Spdx3JsonLd,
        spec_version,
        subject,
        components,
        dependencies: dependencies.into_vec(),
        warnings: warnings.into_warnings(),
    })
}

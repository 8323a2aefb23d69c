//! CycloneDX 1.6 JSON BOMs: validated offline against the official schema
//! (shipped under `schema/cyclonedx/`), then checked for what a schema cannot
//! say (unique `bom-ref`s, dependencies that point at real components), then
//! turned into component assets under the asset the BOM describes.

use crate::error::{Errors, InputError, InputErrors, Location};
use shinsa_model::{Asset, AssetKind, CountryCode};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const BOM_SCHEMA: &str = include_str!("../../../schema/cyclonedx/bom-1.6.schema.json");
const SPDX_SCHEMA: &str = include_str!("../../../schema/cyclonedx/spdx.schema.json");
const JSF_SCHEMA: &str = include_str!("../../../schema/cyclonedx/jsf-0.82.schema.json");

/// The property a BOM author sets to give a component a taxonomy category.
pub const CATEGORY_PROPERTY: &str = "shinsa:category";

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text);
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

/// A component as the BOM describes it, flattened out of its nesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomComponent {
    /// JSON pointer of the component in the document.
    pub pointer: String,
    pub bom_ref: Option<String>,
    pub name: String,
    pub component_type: String,
    pub version: Option<String>,
    pub manufacturer: Option<String>,
    pub manufacturer_country: Option<CountryCode>,
    pub supplier: Option<String>,
    pub supplier_country: Option<CountryCode>,
    pub category: Option<String>,
    /// Pointer of the component this one is nested in.
    pub parent_pointer: Option<String>,
}

/// A checked BOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBom {
    /// `metadata.component`'s `bom-ref` and name, which tie a BOM to an asset.
    pub subject_ref: Option<String>,
    pub subject_name: Option<String>,
    pub components: Vec<BomComponent>,
}

/// Reads and checks one CycloneDX document.
pub fn read_bom(file: &str, bytes: &[u8]) -> Result<CheckedBom, InputErrors> {
    let mut errors = Errors::default();
    let document = crate::bundle::parse_json(file, bytes, &mut errors);
    let checked = document.and_then(|document| check_bom(file, "", &document, &mut errors));
    match (errors.finish(()), checked) {
        (Ok(()), Some(bom)) => Ok(bom),
        (Err(errors), _) => Err(errors),
        (Ok(()), None) => Err(InputErrors::one(InputError::new(
            Location::File {
                file: file.to_owned(),
            },
            "(document)",
            "a CycloneDX BOM",
            "nothing readable",
        ))),
    }
}

/// Checks a parsed BOM that sits at `prefix` (a JSON pointer, empty for a
/// whole file) in `file`.
pub(crate) fn check_bom(
    file: &str,
    prefix: &str,
    document: &serde_json::Value,
    errors: &mut Errors,
) -> Option<CheckedBom> {
    let at = |pointer: &str| {
        let full = format!("{prefix}{pointer}");
        Location::Pointer {
            file: file.to_owned(),
            pointer: if full.is_empty() {
                "/".to_owned()
            } else {
                full
            },
        }
    };
    let validator = match validator() {
        Ok(validator) => validator,
        Err(message) => {
            errors.push(InputError::new(
                at(""),
                "(schema)",
                "the bundled CycloneDX 1.6 schema to load (a defect in shinsa)",
                message,
            ));
            return None;
        }
    };
    let before = errors.0.len();
    for error in validator.iter_errors(document) {
        errors.push(crate::bundle::schema_error(file, prefix, &error));
    }
    if errors.0.len() > before {
        return None;
    }
    let mut components = Vec::new();
    if let Some(list) = document
        .get("components")
        .and_then(|value| value.as_array())
    {
        flatten(list, "/components", None, &mut components);
    }
    // bom-refs must be unique across components and services (spec §bom-ref).
    let mut refs: HashMap<String, String> = HashMap::new();
    let mut all_refs: Vec<(String, String)> = components
        .iter()
        .filter_map(|c| c.bom_ref.clone().map(|r| (r, c.pointer.clone())))
        .collect();
    if let Some(metadata_ref) = document
        .pointer("/metadata/component/bom-ref")
        .and_then(|value| value.as_str())
    {
        all_refs.push((metadata_ref.to_owned(), "/metadata/component".to_owned()));
    }
    if let Some(services) = document.get("services").and_then(|value| value.as_array()) {
        collect_service_refs(services, "/services", &mut all_refs);
    }
    for (reference, pointer) in all_refs {
        if let Some(first) = refs.get(&reference) {
            errors.push(InputError::new(
                at(&format!("{pointer}/bom-ref")),
                "bom-ref",
                "a bom-ref unique within the BOM",
                format!("{reference:?}, already used at {first}"),
            ));
        } else {
            refs.insert(reference, pointer);
        }
    }
    if let Some(dependencies) = document
        .get("dependencies")
        .and_then(|value| value.as_array())
    {
        let known: HashSet<&String> = refs.keys().collect();
        for (index, dependency) in dependencies.iter().enumerate() {
            let pointer = format!("/dependencies/{index}");
            if let Some(reference) = dependency.get("ref").and_then(|value| value.as_str())
                && !known.contains(&reference.to_owned())
            {
                errors.push(InputError::new(
                    at(&format!("{pointer}/ref")),
                    "ref",
                    "the bom-ref of a component or service in this BOM",
                    format!("{reference:?}"),
                ));
            }
            let depends_on = dependency
                .get("dependsOn")
                .and_then(|value| value.as_array());
            for (position, target) in depends_on.into_iter().flatten().enumerate() {
                if let Some(target) = target.as_str()
                    && !known.contains(&target.to_owned())
                {
                    errors.push(InputError::new(
                        at(&format!("{pointer}/dependsOn/{position}")),
                        "dependsOn",
                        "the bom-ref of a component or service in this BOM",
                        format!("{target:?}"),
                    ));
                }
            }
        }
    }
    if errors.0.len() > before {
        return None;
    }
    Some(CheckedBom {
        subject_ref: text_at(document, "/metadata/component/bom-ref"),
        subject_name: text_at(document, "/metadata/component/name"),
        components,
    })
}

fn collect_service_refs(
    services: &[serde_json::Value],
    pointer: &str,
    refs: &mut Vec<(String, String)>,
) {
    for (index, service) in services.iter().enumerate() {
        let here = format!("{pointer}/{index}");
        if let Some(reference) = service.get("bom-ref").and_then(|value| value.as_str()) {
            refs.push((reference.to_owned(), here.clone()));
        }
        if let Some(nested) = service.get("services").and_then(|value| value.as_array()) {
            collect_service_refs(nested, &format!("{here}/services"), refs);
        }
    }
}

fn text_at(value: &serde_json::Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(|value| value.as_str())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn flatten(
    list: &[serde_json::Value],
    pointer: &str,
    parent: Option<&str>,
    out: &mut Vec<BomComponent>,
) {
    for (index, component) in list.iter().enumerate() {
        let here = format!("{pointer}/{index}");
        let organisation = |role: &str| {
            let name = text_at(component, &format!("/{role}/name"));
            let country = text_at(component, &format!("/{role}/address/country"))
                .and_then(|text| country_from_text(&text));
            (name, country)
        };
        let (manufacturer, manufacturer_country) = organisation("manufacturer");
        let (supplier, supplier_country) = organisation("supplier");
        // CycloneDX before 1.6 names the maker in free text under "author".
        let manufacturer = manufacturer.or_else(|| text_at(component, "/author"));
        let category = component
            .get("properties")
            .and_then(|value| value.as_array())
            .and_then(|properties| {
                properties.iter().find(|property| {
                    property.get("name").and_then(|name| name.as_str()) == Some(CATEGORY_PROPERTY)
                })
            })
            .and_then(|property| text_at(property, "/value"));
        out.push(BomComponent {
            pointer: here.clone(),
            bom_ref: text_at(component, "/bom-ref"),
            name: text_at(component, "/name").unwrap_or_default(),
            component_type: text_at(component, "/type").unwrap_or_default(),
            version: text_at(component, "/version"),
            manufacturer,
            manufacturer_country,
            supplier,
            supplier_country,
            category,
            parent_pointer: parent.map(str::to_owned),
        });
        if let Some(nested) = component
            .get("components")
            .and_then(|value| value.as_array())
        {
            flatten(nested, &format!("{here}/components"), Some(&here), out);
        }
    }
}

/// `address.country` may be an ISO code or a country name (CycloneDX 1.6).
fn country_from_text(text: &str) -> Option<CountryCode> {
    if let Ok(code) = CountryCode::parse(text) {
        return Some(code);
    }
    let code = match text.trim().to_lowercase().as_str() {
        "china" | "people's republic of china" | "prc" | "中国" => "CN",
        "hong kong" | "香港" => "HK",
        "japan" | "日本" => "JP",
        "united states" | "united states of america" | "usa" | "us" => "US",
        "russia" | "russian federation" => "RU",
        "taiwan" | "台湾" => "TW",
        "south korea" | "republic of korea" | "korea" => "KR",
        "germany" | "deutschland" => "DE",
        "sweden" => "SE",
        "finland" => "FI",
        "france" => "FR",
        "united kingdom" | "uk" | "great britain" => "GB",
        "vietnam" | "viet nam" => "VN",
        "iran" => "IR",
        "north korea" => "KP",
        _ => return None,
    };
    CountryCode::parse(code).ok()
}

/// Turns a BOM of the bundle into component assets under the asset it
/// describes: named in the `bom` column of assets, or matched by
/// `metadata.component` bom-ref or name against asset ids and names.
pub(crate) fn components_for_assets(
    file: &str,
    prefix: &str,
    document: &serde_json::Value,
    attached: Option<String>,
    assets: &[Asset],
    errors: &mut Errors,
) -> Option<Vec<Asset>> {
    let bom = check_bom(file, prefix, document, errors)?;
    let subject = attached.or_else(|| {
        let candidates = [bom.subject_ref.as_deref(), bom.subject_name.as_deref()];
        candidates.into_iter().flatten().find_map(|wanted| {
            assets
                .iter()
                .find(|asset| asset.id == wanted || asset.name == wanted)
                .map(|asset| asset.id.clone())
        })
    });
    let Some(subject) = subject else {
        errors.push(InputError::new(
            Location::Pointer {
                file: file.to_owned(),
                pointer: format!("{prefix}/metadata/component"),
            },
            "metadata.component",
            "a BOM tied to an asset: its file named in the `bom` column of assets, \
             or metadata.component's bom-ref or name equal to an asset id or name",
            format!(
                "bom-ref {:?}, name {:?}",
                bom.subject_ref.unwrap_or_default(),
                bom.subject_name.unwrap_or_default()
            ),
        ));
        return None;
    };
    let id_of = |component: &BomComponent| {
        let local = component
            .bom_ref
            .clone()
            .unwrap_or_else(|| component.pointer.trim_start_matches('/').to_owned());
        format!("{subject}/{local}")
    };
    let by_pointer: HashMap<&str, String> = bom
        .components
        .iter()
        .map(|component| (component.pointer.as_str(), id_of(component)))
        .collect();
    let components = bom
        .components
        .iter()
        .map(|component| Asset {
            id: id_of(component),
            name: component.name.clone(),
            kind: AssetKind::Component,
            category: component
                .category
                .clone()
                .unwrap_or_else(|| component.component_type.clone()),
            // A category the author set is checked against the taxonomy by
            // the resolver; the bare CycloneDX type is never a taxonomy code.
            category_known: component.category.is_some(),
            critical: false,
            parent: Some(
                component
                    .parent_pointer
                    .as_deref()
                    .and_then(|pointer| by_pointer.get(pointer).cloned())
                    .unwrap_or_else(|| subject.clone()),
            ),
            manufacturer: component
                .manufacturer
                .clone()
                .map(shinsa_model::PartyRef::Text),
            supplier: component.supplier.clone().map(shinsa_model::PartyRef::Text),
            model: None,
            version: component.version.clone(),
            country_of_manufacture: component.manufacturer_country,
            ip: None,
            mac: None,
            location: None,
            status: None,
            exceptions: Vec::new(),
            origin: Some(format!("{file}#{prefix}{}", component.pointer)),
        })
        .collect();
    Some(components)
}

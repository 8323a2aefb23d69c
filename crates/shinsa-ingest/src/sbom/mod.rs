//! Software and hardware bills of materials as they are published:
//! CycloneDX 1.2–1.6 in JSON and XML, SPDX 2.2/2.3 in JSON and tag-value,
//! and SPDX 3.0 JSON-LD, each read into one [`Bom`] and turned into
//! component assets under the asset the BOM describes.
//!
//! **Structure decides acceptance.** A document that is not a BOM, is cut
//! short, or has a component without a name is refused with its file and
//! pointer or line. A value that breaks only a format rule of a field shinsa
//! does not read (a URL, a licence shape, a timestamp, a property from a
//! newer version of the format) is a [warning](Bom::warnings) with its
//! location: real generators emit such values every day (unexpanded
//! `${project.artifactId}` URLs, `git@` URLs), and refusing a 900-component
//! BOM for one of them helps nobody. `--strict-bom` turns the warnings into
//! errors for those who want the format enforced.
//!
//! The format is told by content, never by the file name.

mod cyclonedx;
mod cyclonedx_xml;
mod publishers;
mod spdx;
mod spdx3;

use crate::error::{Errors, InputError, InputErrors, Location};
use shinsa_model::{Asset, AssetKind, CountryCode, PartyRef, ReferenceData};
use std::collections::HashMap;

pub use cyclonedx::CATEGORY_PROPERTY;
pub use publishers::infer_publisher;

/// The largest BOM shinsa reads (the 1,115-component Juice Shop BOM is
/// 0.7 MB; a 3,000-component one about 2 MB).
pub const SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// The forms of BOM shinsa reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BomFormat {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
    Spdx3JsonLd,
}

impl BomFormat {
    /// How the format is named to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::CycloneDxJson => "CycloneDX JSON",
            Self::CycloneDxXml => "CycloneDX XML",
            Self::SpdxJson => "SPDX JSON",
            Self::SpdxTagValue => "SPDX tag-value",
            Self::Spdx3JsonLd => "SPDX 3 JSON-LD",
        }
    }

    /// The format of `bytes`, told by content alone; `None` when they are
    /// not a BOM in a form shinsa reads.
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = text
            .iter()
            .position(|byte| !byte.is_ascii_whitespace())
            .map_or(&[][..], |at| &text[at..]);
        match start.first() {
            Some(b'<') => {
                let head = String::from_utf8_lossy(&start[..start.len().min(4096)]);
                head.contains("cyclonedx.org/schema/bom")
                    .then_some(Self::CycloneDxXml)
            }
            // The first JSON value only: a BOM with text after it is one.
            Some(b'{') => match serde_json::Deserializer::from_slice(start)
                .into_iter::<JsonHead>()
                .next()
            {
                Some(Ok(head)) => head.format(),
                // Broken JSON that starts like a BOM is one, so that its
                // reader reports where it breaks.
                Some(Err(_)) | None => {
                    let head = String::from_utf8_lossy(&start[..start.len().min(4096)]);
                    if head.contains("\"bomFormat\"") {
                        Some(Self::CycloneDxJson)
                    } else if head.contains("\"spdxVersion\"") {
                        Some(Self::SpdxJson)
                    } else if head.contains("spdx.org/rdf/3") {
                        Some(Self::Spdx3JsonLd)
                    } else {
                        None
                    }
                }
            },
            Some(_) => tag_value_head(start).then_some(Self::SpdxTagValue),
            None => None,
        }
    }
}

/// The top-level keys that tell the JSON forms apart.
#[derive(serde::Deserialize)]
struct JsonHead {
    #[serde(rename = "bomFormat")]
    bom_format: Option<serde::de::IgnoredAny>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<serde::de::IgnoredAny>,
    #[serde(rename = "@context")]
    context: Option<serde_json::Value>,
    #[serde(rename = "@graph")]
    graph: Option<serde::de::IgnoredAny>,
}

impl JsonHead {
    fn format(&self) -> Option<BomFormat> {
        if self.bom_format.is_some() {
            Some(BomFormat::CycloneDxJson)
        } else if self.spdx_version.is_some() {
            Some(BomFormat::SpdxJson)
        } else if self.graph.is_some()
            && self
                .context
                .as_ref()
                .is_some_and(|context| context.to_string().contains("spdx.org/rdf/3"))
        {
            Some(BomFormat::Spdx3JsonLd)
        } else {
            None
        }
    }
}

/// Whether a text's first tag (after comments and blank lines) is
/// `SPDXVersion:`.
fn tag_value_head(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with("SPDXVersion:"))
}

/// An organisation or person a BOM names for a component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BomParty {
    pub name: String,
    pub country: Option<CountryCode>,
    /// Web addresses and e-mail addresses given for it.
    pub contacts: Vec<String>,
}

/// One component, whatever the format said it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BomComponent {
    /// Where the component is written (JSON pointer or line).
    pub location: Location,
    /// Its id within the BOM (`bom-ref`, `SPDXID`, `spdxId`), when it has one.
    pub local_id: Option<String>,
    pub name: String,
    /// CycloneDX `type` or SPDX primary purpose, as written.
    pub kind: String,
    pub version: Option<String>,
    /// Maven group, npm scope and the like (CycloneDX `group`).
    pub group: Option<String>,
    pub purl: Option<String>,
    pub cpes: Vec<String>,
    pub manufacturer: Option<BomParty>,
    pub supplier: Option<BomParty>,
    /// SPDX originator, CycloneDX `author`/`authors`.
    pub author: Option<BomParty>,
    pub publisher: Option<String>,
    /// Algorithm and value, as written.
    pub hashes: Vec<(String, String)>,
    /// SPDX licence ids, expressions or names, as written.
    pub licences: Vec<String>,
    /// A taxonomy category the author set (`shinsa:category`).
    pub category: Option<String>,
    /// Index in [`Bom::components`] of the component this one is part of.
    pub parent: Option<usize>,
}

/// What the BOM is the bill of materials of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BomSubject {
    pub local_id: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    /// CycloneDX `type` or SPDX purpose (`device`, `firmware`, `application`).
    pub kind: Option<String>,
    pub maker: Option<String>,
}

/// A BOM read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bom {
    pub format: BomFormat,
    pub spec_version: String,
    pub subject: BomSubject,
    pub components: Vec<BomComponent>,
    /// Who depends on whom, by local id.
    pub dependencies: Vec<(String, Vec<String>)>,
    /// Format-rule breaches in fields shinsa does not read; errors under
    /// `--strict-bom`.
    pub warnings: Vec<InputError>,
}

/// Reads one BOM file of any form shinsa knows.
pub fn read_bom(file: &str, bytes: &[u8]) -> Result<Bom, InputErrors> {
    let mut errors = Errors::default();
    let bom = read_into(file, bytes, &mut errors);
    finish(file, bom, errors)
}

/// Reads a CycloneDX or SPDX JSON BOM that sits at `prefix` within a JSON
/// document (a bundle's `boms` array).
pub fn read_bom_value(
    file: &str,
    prefix: &str,
    document: &serde_json::Value,
) -> Result<Bom, InputErrors> {
    let mut errors = Errors::default();
    let at = Pointers::new(file, prefix);
    let bom = if document.get("bomFormat").is_some() {
        cyclonedx::read(&at, document, &mut errors)
    } else if document.get("spdxVersion").is_some() {
        spdx::read_json(&at, document, &mut errors)
    } else if document.get("@graph").is_some() {
        spdx3::read(&at, document, &mut errors)
    } else {
        errors.push(not_a_bom(at.at("")));
        None
    };
    finish(file, bom, errors)
}

fn finish(file: &str, bom: Option<Bom>, errors: Errors) -> Result<Bom, InputErrors> {
    match (errors.finish(()), bom) {
        (Ok(()), Some(bom)) => Ok(bom),
        (Err(errors), _) => Err(errors),
        (Ok(()), None) => Err(InputErrors::one(not_a_bom(Location::File {
            file: file.to_owned(),
        }))),
    }
}

/// A file's name without its folders and its last extension.
fn file_stem(file: &str) -> &str {
    let name = file.rsplit_once(['/', '\\']).map_or(file, |(_, name)| name);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

impl Bom {
    /// The name of the system the BOM describes, and when it names none
    /// (many tools leave it out) the name of its file, with the warning that
    /// says so.
    pub fn system_name(&self, file: &str) -> (String, Option<String>) {
        match &self.subject.name {
            Some(name) => (name.clone(), None),
            None => {
                let stem = file_stem(file).to_owned();
                let warning = format!(
                    "{file}: the BOM names no system (CycloneDX metadata.component.name, SPDX the described package's name or the document name); it is screened under its file's name {stem:?}"
                );
                (stem, Some(warning))
            }
        }
    }
}

fn read_into(file: &str, bytes: &[u8], errors: &mut Errors) -> Option<Bom> {
    if bytes.len() > SIZE_LIMIT {
        errors.push(InputError::new(
            Location::File {
                file: file.to_owned(),
            },
            "(file)",
            format!("a BOM of at most {} MB", SIZE_LIMIT / 1024 / 1024),
            format!("{} bytes", bytes.len()),
        ));
        return None;
    }
    let at = Pointers::new(file, "");
    // A JSON BOM is its first JSON value; text after it (a web page's
    // footer pasted on) is left out with a warning.
    let json = |errors: &mut Errors| crate::bundle::parse_first_json(file, bytes, errors);
    let with_trailing = |bom: Option<Bom>, trailing: Option<InputError>| {
        bom.map(|mut bom| {
            bom.warnings.extend(trailing);
            bom
        })
    };
    match BomFormat::detect(bytes) {
        Some(BomFormat::CycloneDxXml) => cyclonedx_xml::read(file, bytes, errors),
        Some(BomFormat::SpdxTagValue) => spdx::read_tag_value(file, bytes, errors),
        Some(BomFormat::CycloneDxJson) => {
            let (document, trailing) = json(errors)?;
            with_trailing(cyclonedx::read(&at, &document, errors), trailing)
        }
        Some(BomFormat::SpdxJson) => {
            let (document, trailing) = json(errors)?;
            with_trailing(spdx::read_json(&at, &document, errors), trailing)
        }
        Some(BomFormat::Spdx3JsonLd) => {
            let (document, trailing) = json(errors)?;
            with_trailing(spdx3::read(&at, &document, errors), trailing)
        }
        None => {
            // Say why: broken JSON gets its line and column.
            if bytes.trim_ascii_start().starts_with(b"{") {
                crate::bundle::parse_json(file, bytes, errors)?;
            }
            errors.push(not_a_bom(Location::File {
                file: file.to_owned(),
            }));
            None
        }
    }
}

fn not_a_bom(location: Location) -> InputError {
    InputError::new(
        location,
        "(document)",
        "a BOM: CycloneDX (JSON with `bomFormat`, or XML in the \
         http://cyclonedx.org/schema/bom namespace), SPDX 2 (JSON with \
         `spdxVersion`, or tag-value starting `SPDXVersion:`) or SPDX 3 JSON-LD",
        "none of these",
    )
}

/// Builds JSON-pointer locations under a prefix within one file.
pub(crate) struct Pointers<'a> {
    file: &'a str,
    prefix: &'a str,
}

impl<'a> Pointers<'a> {
    pub(crate) fn new(file: &'a str, prefix: &'a str) -> Self {
        Self { file, prefix }
    }

    pub(crate) fn at(&self, pointer: &str) -> Location {
        let full = format!("{}{pointer}", self.prefix);
        Location::Pointer {
            file: self.file.to_owned(),
            pointer: if full.is_empty() {
                "/".to_owned()
            } else {
                full
            },
        }
    }
}

/// The bytes of a text form as text; an error when they are not UTF-8.
pub(crate) fn utf8_text<'a>(file: &str, bytes: &'a [u8], errors: &mut Errors) -> Option<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(error) => {
            errors.push(InputError::new(
                Location::File {
                    file: file.to_owned(),
                },
                "(encoding)",
                "UTF-8 text",
                format!(
                    "bytes that are not UTF-8 (from byte {})",
                    error.valid_up_to()
                ),
            ));
            None
        }
    }
}

/// Trimmed, non-empty text at `pointer`.
pub(crate) fn text_at(value: &serde_json::Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(|value| value.as_str())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// Refuses every component without a name: a component nobody can name is
/// not one shinsa can screen.
pub(crate) fn require_names(components: &[BomComponent], errors: &mut Errors) {
    for component in components.iter().filter(|c| c.name.is_empty()) {
        errors.push(InputError::new(
            component.location.clone(),
            "name",
            "the component's name",
            "none",
        ));
    }
}

/// `address.country` may be an ISO code or a country name.
pub(crate) fn country_from_text(text: &str) -> Option<CountryCode> {
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

/// Whether an asset described by a BOM subject of this kind is equipment
/// (a device) rather than a program.
pub fn subject_is_equipment(kind: Option<&str>) -> bool {
    matches!(kind, Some("device" | "DEVICE"))
}

/// Turns a BOM into component assets under the asset it describes: the
/// asset named in the `bom` column of assets (`attached`), or the asset
/// whose id or name is the BOM subject's id or name. A component that names
/// no maker gets one inferred from its identifiers when the reference data's
/// publisher table knows them (see [`infer_publisher`]).
pub(crate) fn components_for_assets(
    file: &str,
    bom: &Bom,
    attached: Option<String>,
    assets: &[Asset],
    reference: &ReferenceData,
    errors: &mut Errors,
) -> Option<Vec<Asset>> {
    let subject = attached.or_else(|| {
        let candidates = [bom.subject.local_id.as_deref(), bom.subject.name.as_deref()];
        candidates.into_iter().flatten().find_map(|wanted| {
            assets
                .iter()
                .find(|asset| asset.id == wanted || asset.name == wanted)
                .map(|asset| asset.id.clone())
        })
    });
    let Some(subject) = subject else {
        errors.push(InputError::new(
            Location::File {
                file: file.to_owned(),
            },
            "subject",
            "a BOM tied to an asset: its file named in the `bom` column of assets, \
             or the id or name of what it describes (CycloneDX metadata.component, \
             SPDX documentDescribes / rootElement) equal to an asset id or name",
            format!(
                "id {:?}, name {:?}",
                bom.subject.local_id.as_deref().unwrap_or_default(),
                bom.subject.name.as_deref().unwrap_or_default()
            ),
        ));
        return None;
    };
    let ids: Vec<String> = bom
        .components
        .iter()
        .enumerate()
        .map(|(index, component)| {
            let local = component
                .local_id
                .clone()
                .unwrap_or_else(|| format!("c{index}"));
            format!("{subject}/{local}")
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, id) in ids.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), index) {
            errors.push(InputError::new(
                bom.components[index].location.clone(),
                "id",
                "a component id unique within the BOM",
                format!("{id:?}, already used at {}", bom.components[first].location),
            ));
        }
    }
    let components = bom
        .components
        .iter()
        .zip(&ids)
        .map(|(component, id)| {
            let named = |party: Option<&BomParty>| {
                party
                    .map(|party| party.name.clone())
                    .filter(|name| !name.is_empty())
            };
            let manufacturer = named(component.manufacturer.as_ref());
            let stated_supplier = named(component.supplier.as_ref());
            // A component naming neither maker nor supplier: its identifiers
            // first (a purl says more than free text), then the `author`
            // text, which CycloneDX before 1.6 used for the maker.
            let inferred = if manufacturer.is_none() && stated_supplier.is_none() {
                infer_publisher(component, reference)
            } else {
                None
            };
            let manufacturer = match &inferred {
                Some(_) => None,
                None => manufacturer.or_else(|| named(component.author.as_ref())),
            };
            let (supplier, supplier_inferred_from) = match inferred {
                Some(inferred) => (Some(inferred.name), Some(inferred.because)),
                None => (stated_supplier, None),
            };
            Asset {
                id: id.clone(),
                name: component.name.clone(),
                kind: AssetKind::Component,
                category: component
                    .category
                    .clone()
                    .unwrap_or_else(|| component.kind.clone()),
                // A category the author set is checked against the taxonomy
                // by the resolver; a bare BOM type is never a taxonomy code.
                category_known: component.category.is_some(),
                critical: false,
                parent: Some(
                    component
                        .parent
                        .and_then(|parent| ids.get(parent).cloned())
                        .unwrap_or_else(|| subject.clone()),
                ),
                manufacturer: manufacturer.map(PartyRef::Text),
                supplier: supplier.map(PartyRef::Text),
                supplier_inferred_from,
                model: None,
                version: component.version.clone(),
                firmware: None,
                purl: component.purl.clone(),
                cpe: component.cpes.first().cloned(),
                country_of_manufacture: component
                    .manufacturer
                    .as_ref()
                    .and_then(|party| party.country),
                ip: None,
                mac: None,
                location: None,
                status: None,
                exceptions: Vec::new(),
                origin: Some(component.location.to_string()),
            }
        })
        .collect();
    Some(components)
}

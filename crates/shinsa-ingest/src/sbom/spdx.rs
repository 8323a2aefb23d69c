//! SPDX 2.2 and 2.3, in JSON and in tag-value. Both are read into the same
//! packages and relationships, then into a [`Bom`]: the package the
//! document describes is the BOM's subject, the other packages its
//! components, `CONTAINS` makes a component part of another, `DEPENDS_ON`
//! an edge of the dependency graph. SPDX files and snippets are not
//! components (they are parts of a package's contents, not things bought).

use super::{Bom, BomComponent, BomFormat, BomParty, BomSubject, Pointers, text_at};
use crate::error::{Errors, InputError, Location};
use serde_json::Value;
use std::collections::HashMap;

/// A package as either form writes it.
#[derive(Debug, Default)]
struct Package {
    location: Option<Location>,
    id: Option<String>,
    name: String,
    version: Option<String>,
    supplier: Option<String>,
    originator: Option<String>,
    purl: Option<String>,
    cpes: Vec<String>,
    checksums: Vec<(String, String, Location)>,
    licences: Vec<String>,
    purpose: Option<String>,
    download_location: Option<String>,
}

#[derive(Debug)]
struct Relationship {
    from: String,
    kind: String,
    to: String,
    location: Location,
}

#[derive(Debug, Default)]
struct Document {
    spec_version: String,
    id: Option<String>,
    name: Option<String>,
    describes: Vec<String>,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
    /// Ids of files and snippets, which relationships may name.
    other_ids: Vec<String>,
}

/// Reads SPDX 2 JSON.
pub(super) fn read_json(at: &Pointers<'_>, document: &Value, errors: &mut Errors) -> Option<Bom> {
    let mut read = Document {
        spec_version: text_at(document, "/spdxVersion").unwrap_or_default(),
        id: text_at(document, "/SPDXID"),
        name: text_at(document, "/name"),
        ..Document::default()
    };
    read.describes = strings(document.get("documentDescribes"));
    let Some(packages) = document.get("packages").and_then(Value::as_array) else {
        // A document of files only has nothing to screen, but is a BOM.
        if document.get("packages").is_some() {
            errors.push(InputError::new(
                at.at("/packages"),
                "packages",
                "an array of packages",
                document["packages"].to_string(),
            ));
            return None;
        }
        return Some(build(read, BomFormat::SpdxJson, at.at(""), errors));
    };
    for (index, package) in packages.iter().enumerate() {
        let here = format!("/packages/{index}");
        if !package.is_object() {
            errors.push(InputError::new(
                at.at(&here),
                "package",
                "a package object",
                package.to_string(),
            ));
            continue;
        }
        let mut read_package = Package {
            location: Some(at.at(&here)),
            id: text_at(package, "/SPDXID"),
            name: text_at(package, "/name").unwrap_or_default(),
            version: text_at(package, "/versionInfo"),
            supplier: text_at(package, "/supplier"),
            originator: text_at(package, "/originator"),
            purpose: text_at(package, "/primaryPackagePurpose"),
            download_location: text_at(package, "/downloadLocation"),
            ..Package::default()
        };
        for reference in package
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = text_at(reference, "/referenceType").unwrap_or_default();
            let locator = text_at(reference, "/referenceLocator");
            external_ref(&mut read_package, &kind, locator);
        }
        for (position, checksum) in package
            .get("checksums")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let (Some(algorithm), Some(value)) = (
                text_at(checksum, "/algorithm"),
                text_at(checksum, "/checksumValue"),
            ) {
                let location = at.at(&format!("{here}/checksums/{position}"));
                read_package.checksums.push((algorithm, value, location));
            }
        }
        read_package.licences = ["/licenseConcluded", "/licenseDeclared"]
            .iter()
            .filter_map(|pointer| text_at(package, pointer))
            .filter(|licence| !matches!(licence.as_str(), "NOASSERTION" | "NONE"))
            .collect();
        read.packages.push(read_package);
    }
    for key in ["files", "snippets"] {
        for element in document
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            read.other_ids.extend(text_at(element, "/SPDXID"));
        }
    }
    for (index, relationship) in document
        .get("relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (Some(from), Some(kind), Some(to)) = (
            text_at(relationship, "/spdxElementId"),
            text_at(relationship, "/relationshipType"),
            text_at(relationship, "/relatedSpdxElement"),
        ) else {
            continue;
        };
        read.relationships.push(Relationship {
            from,
            kind,
            to,
            location: at.at(&format!("/relationships/{index}")),
        });
    }
    Some(build(read, BomFormat::SpdxJson, at.at(""), errors))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// `PACKAGE-MANAGER purl pkg:…` and `SECURITY cpe23Type cpe:2.3:…`.
fn external_ref(package: &mut Package, kind: &str, locator: Option<String>) {
    let Some(locator) = locator else { return };
    match kind {
        "purl" if package.purl.is_none() => package.purl = Some(locator),
        "cpe23Type" | "cpe22Type" => package.cpes.push(locator),
        _ => {}
    }
}

/// Reads SPDX 2 tag-value: `Tag: value` lines, `<text>…</text>` spanning
/// lines, a package from each `PackageName:` until the next package, file
/// or snippet.
pub(super) fn read_tag_value(file: &str, bytes: &[u8], errors: &mut Errors) -> Option<Bom> {
    let text = super::utf8_text(file, bytes, errors)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let at_line = |line: usize| Location::Text {
        file: file.to_owned(),
        line,
        column: 1,
    };
    let mut document = Document::default();
    // What the lines belong to: the document, a package, or something else.
    #[derive(PartialEq)]
    enum Section {
        Document,
        Package,
        Other,
    }
    let mut section = Section::Document;
    let before = errors.count();
    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = trimmed.split_once(':') else {
            errors.push(InputError::new(
                at_line(number),
                "(line)",
                "`Tag: value`",
                format!("{:?}", cut(trimmed)),
            ));
            continue;
        };
        let tag = tag.trim();
        let mut value = value.trim().to_owned();
        if let Some(start) = value.strip_prefix("<text>") {
            let mut whole = start.to_owned();
            let mut closed = whole.contains("</text>");
            while !closed {
                match lines.next() {
                    Some((_, next)) => {
                        whole.push('\n');
                        whole.push_str(next);
                        closed = next.contains("</text>");
                    }
                    None => {
                        errors.push(InputError::new(
                            at_line(number),
                            tag,
                            "a <text> value closed by </text>",
                            "the end of the file",
                        ));
                        return None;
                    }
                }
            }
            value = whole
                .split_once("</text>")
                .map_or(whole.as_str(), |(text, _)| text)
                .trim()
                .to_owned();
        }
        let value = Some(value).filter(|value| !value.is_empty());
        match tag {
            "PackageName" => {
                section = Section::Package;
                document.packages.push(Package {
                    location: Some(at_line(number)),
                    name: value.unwrap_or_default(),
                    ..Package::default()
                });
                continue;
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => {
                section = Section::Other;
                if tag == "SnippetSPDXID" {
                    document.other_ids.extend(value);
                }
                continue;
            }
            "Relationship" => {
                let parts: Vec<&str> = value
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                match parts.as_slice() {
                    [from, kind, to] => document.relationships.push(Relationship {
                        from: (*from).to_owned(),
                        kind: (*kind).to_owned(),
                        to: (*to).to_owned(),
                        location: at_line(number),
                    }),
                    _ => errors.push(InputError::new(
                        at_line(number),
                        "Relationship",
                        "`Relationship: ELEMENT TYPE ELEMENT`",
                        format!("{:?}", cut(value.as_deref().unwrap_or_default())),
                    )),
                }
                continue;
            }
            _ => {}
        }
        match section {
            Section::Document => match tag {
                "SPDXVersion" => document.spec_version = value.unwrap_or_default(),
                "SPDXID" => document.id = value,
                "DocumentName" => document.name = value,
                _ => {}
            },
            Section::Package => {
                let Some(package) = document.packages.last_mut() else {
                    continue;
                };
                match tag {
                    "SPDXID" => package.id = value,
                    "PackageVersion" => package.version = value,
                    "PackageSupplier" => package.supplier = value,
                    "PackageOriginator" => package.originator = value,
                    "PrimaryPackagePurpose" => package.purpose = value,
                    "PackageDownloadLocation" => package.download_location = value,
                    "PackageLicenseConcluded" | "PackageLicenseDeclared" => {
                        package.licences.extend(
                            value.filter(|v| !matches!(v.as_str(), "NOASSERTION" | "NONE")),
                        );
                    }
                    "PackageChecksum" => {
                        if let Some((algorithm, checksum)) =
                            value.as_deref().and_then(|v| v.split_once(':'))
                        {
                            package.checksums.push((
                                algorithm.trim().to_owned(),
                                checksum.trim().to_owned(),
                                at_line(number),
                            ));
                        }
                    }
                    "ExternalRef" => {
                        let parts: Vec<&str> = value
                            .as_deref()
                            .unwrap_or_default()
                            .split_whitespace()
                            .collect();
                        if let [_, kind, locator] = parts.as_slice() {
                            external_ref(package, kind, Some((*locator).to_owned()));
                        }
                    }
                    _ => {}
                }
            }
            Section::Other => {
                if tag == "SPDXID" {
                    document.other_ids.extend(value);
                }
            }
        }
    }
    if document.spec_version.is_empty() {
        errors.push(InputError::new(
            at_line(1),
            "SPDXVersion",
            "an SPDXVersion line",
            "none",
        ));
    }
    if errors.count() > before {
        return None;
    }
    Some(build(
        document,
        BomFormat::SpdxTagValue,
        Location::File {
            file: file.to_owned(),
        },
        errors,
    ))
}

fn cut(text: &str) -> String {
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// Whether an SPDX id has the form the specification gives it
/// (`SPDXRef-` and letters, digits, `.` and `-`).
fn well_formed_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    })
}

/// Hex digits of a checksum of each SPDX algorithm.
fn checksum_length(algorithm: &str) -> Option<usize> {
    Some(match algorithm {
        "MD2" | "MD4" | "MD5" => 32,
        "MD6" | "ADLER32" | "BLAKE3" => return None,
        "SHA1" => 40,
        "SHA224" | "SHA3-224" => 56,
        "SHA256" | "SHA3-256" | "BLAKE2b-256" => 64,
        "SHA384" | "SHA3-384" | "BLAKE2b-384" => 96,
        "SHA512" | "SHA3-512" | "BLAKE2b-512" => 128,
        _ => return None,
    })
}

/// `Organization: ACME Corp (info@acme.example)` → the name and contact;
/// `NOASSERTION` → nothing.
fn party(text: Option<&str>) -> Option<BomParty> {
    let text = text?.trim();
    let rest = text
        .strip_prefix("Organization:")
        .or_else(|| text.strip_prefix("Person:"))
        .or_else(|| text.strip_prefix("Tool:"))
        .unwrap_or(text)
        .trim();
    if rest.is_empty() || rest == "NOASSERTION" {
        return None;
    }
    let (name, contacts) = match rest.rsplit_once('(') {
        Some((name, contact)) if contact.ends_with(')') => {
            let contact = contact.trim_end_matches(')').trim();
            let contacts = if contact.is_empty() {
                Vec::new()
            } else {
                vec![contact.to_owned()]
            };
            (name.trim(), contacts)
        }
        _ => (rest, Vec::new()),
    };
    (!name.is_empty()).then(|| BomParty {
        name: name.to_owned(),
        country: None,
        contacts,
    })
}

fn build(document: Document, format: BomFormat, at: Location, errors: &mut Errors) -> Bom {
    let mut warnings = Errors::default();
    if !matches!(
        document.spec_version.as_str(),
        "SPDX-2.0" | "SPDX-2.1" | "SPDX-2.2" | "SPDX-2.3"
    ) {
        warnings.push(InputError::new(
            at.clone(),
            "spdxVersion",
            "SPDX-2.2 or SPDX-2.3",
            format!("{:?}", document.spec_version),
        ));
    }
    let mut described = document.describes.clone();
    for relationship in &document.relationships {
        let from_document = Some(&relationship.from) == document.id.as_ref();
        match relationship.kind.as_str() {
            "DESCRIBES" if from_document => described.push(relationship.to.clone()),
            "DESCRIBED_BY" if Some(&relationship.to) == document.id.as_ref() => {
                described.push(relationship.from.clone());
            }
            _ => {}
        }
    }
    described.dedup();
    // One described package is the subject; with none or several, the
    // document itself is, and every package is a component of it.
    let subject_index = match described.as_slice() {
        [only] => document
            .packages
            .iter()
            .position(|package| package.id.as_deref() == Some(only.as_str())),
        _ => None,
    };
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    let mut components = Vec::new();
    let mut position_of_package: Vec<Option<usize>> = Vec::new();
    for (index, package) in document.packages.iter().enumerate() {
        let location = package.location.clone().unwrap_or_else(|| at.clone());
        // A package whose SPDXID an earlier package has (tools write such
        // documents every day) is kept under an id of its own; the
        // document's relationships naming that SPDXID read as the first's.
        let mut local_id = package.id.clone();
        if let Some(id) = package.id.as_deref() {
            if !well_formed_id(id) {
                warnings.push(InputError::new(
                    location.clone(),
                    "SPDXID",
                    "SPDXRef- followed by letters, digits, `.` or `-`",
                    format!("{id:?}"),
                ));
            }
            if index_of.contains_key(id) {
                let derived = format!("{id}-{}", index + 1);
                warnings.push(InputError::new(
                    location.clone(),
                    "SPDXID",
                    "an SPDXID unique within the document",
                    format!(
                        "{id:?} again; this package is kept as {derived:?} and relationships naming {id:?} read as the first's"
                    ),
                ));
                local_id = Some(derived);
            } else {
                index_of.insert(id, index);
            }
        }
        for (algorithm, value, location) in &package.checksums {
            let fits = checksum_length(algorithm).is_none_or(|length| {
                value.len() == length && value.chars().all(|c| c.is_ascii_hexdigit())
            });
            if !fits {
                warnings.push(InputError::new(
                    location.clone(),
                    "checksum",
                    "a checksum with as many hex digits as its algorithm gives",
                    format!("{algorithm} {value:?}"),
                ));
            }
        }
        if package.download_location.is_none() {
            warnings.push(InputError::new(
                location.clone(),
                "downloadLocation",
                "a download location (a URL, NONE or NOASSERTION)",
                "none",
            ));
        }
        if Some(index) == subject_index {
            position_of_package.push(None);
            continue;
        }
        position_of_package.push(Some(components.len()));
        components.push(BomComponent {
            location,
            local_id,
            name: package.name.clone(),
            kind: package
                .purpose
                .as_deref()
                .map_or_else(|| "library".to_owned(), str::to_lowercase),
            version: package.version.clone(),
            group: None,
            purl: package.purl.clone(),
            cpes: package.cpes.clone(),
            manufacturer: None,
            supplier: party(package.supplier.as_deref()),
            author: party(package.originator.as_deref()),
            publisher: None,
            hashes: package
                .checksums
                .iter()
                .map(|(algorithm, value, _)| (algorithm.clone(), value.clone()))
                .collect(),
            licences: package.licences.clone(),
            category: None,
            parent: None,
        });
    }
    let known = |id: &str| {
        index_of.contains_key(id)
            || document.id.as_deref() == Some(id)
            || document.other_ids.iter().any(|other| other == id)
            || id.starts_with("DocumentRef-")
            || matches!(id, "NONE" | "NOASSERTION")
    };
    let component_of = |id: &str| {
        index_of
            .get(id)
            .and_then(|&package| position_of_package.get(package).copied().flatten())
    };
    let mut dependencies = Edges::default();
    for relationship in &document.relationships {
        for id in [&relationship.from, &relationship.to] {
            if !known(id) {
                warnings.push(InputError::new(
                    relationship.location.clone(),
                    "relationship",
                    "the SPDXID of an element of this document",
                    format!("{id:?}"),
                ));
            }
        }
        let (whole, part) = match relationship.kind.as_str() {
            "CONTAINS" => (&relationship.from, &relationship.to),
            "CONTAINED_BY" => (&relationship.to, &relationship.from),
            "DEPENDS_ON" => {
                dependencies.add(&relationship.from, &relationship.to);
                continue;
            }
            "DEPENDENCY_OF" => {
                dependencies.add(&relationship.to, &relationship.from);
                continue;
            }
            _ => continue,
        };
        if let (Some(part), Some(whole)) = (component_of(part), component_of(whole))
            && part != whole
            && components[part].parent.is_none()
            && !is_ancestor(&components, part, whole)
        {
            components[part].parent = Some(whole);
        }
    }
    super::require_names(&components, errors);
    let subject = subject_index
        .and_then(|index| document.packages.get(index))
        .map_or_else(
            || BomSubject {
                local_id: document.id.clone(),
                name: document.name.clone(),
                ..BomSubject::default()
            },
            |package| BomSubject {
                local_id: package.id.clone(),
                name: Some(package.name.clone()).filter(|name| !name.is_empty()),
                version: package.version.clone(),
                kind: package.purpose.as_deref().map(str::to_lowercase),
                maker: party(package.supplier.as_deref())
                    .or_else(|| party(package.originator.as_deref()))
                    .map(|party| party.name),
            },
        );
    Bom {
        format,
        spec_version: document.spec_version,
        subject,
        components,
        dependencies: dependencies.into_vec(),
        warnings: warnings.into_warnings(),
    }
}

/// Dependency edges grouped by the dependent, in the order first seen.
#[derive(Default)]
pub(super) struct Edges(Vec<(String, Vec<String>)>, HashMap<String, usize>);

impl Edges {
    pub(super) fn add(&mut self, from: &str, to: &str) {
        let index = *self.1.entry(from.to_owned()).or_insert_with(|| {
            self.0.push((from.to_owned(), Vec::new()));
            self.0.len() - 1
        });
        if let Some((_, targets)) = self.0.get_mut(index) {
            targets.push(to.to_owned());
        }
    }

    pub(super) fn into_vec(self) -> Vec<(String, Vec<String>)> {
        self.0
    }
}

/// Whether `candidate` is `component` or one of the components it is in:
/// a cycle of CONTAINS must not make a component its own ancestor.
pub(super) fn is_ancestor(components: &[BomComponent], candidate: usize, component: usize) -> bool {
    let mut current = Some(component);
    let mut steps = 0;
    while let Some(index) = current {
        if index == candidate {
            return true;
        }
        steps += 1;
        if steps > components.len() {
            return true;
        }
        current = components.get(index).and_then(|c| c.parent);
    }
    false
}

//! What the server screens with: the bundled reference data plus the
//! newest published list versions, the candidate index built from them
//! once, and the packs. One value per list generation, shared by every job
//! until the next publication replaces it.

use shinsa_ingest::{InputErrors, LoadedBundle};
use shinsa_model::{Date, Finding, ImportedList, Inventory, Provenance, ReferenceData};
use shinsa_policy::Pack;
use shinsa_store::{FindingRow, NewPackVersion};
use std::io::Read as _;

#[derive(Debug)]
pub struct Screening {
    reference: ReferenceData,
    matcher: shinsa_match::Matcher,
    packs: Vec<Pack>,
    /// `ID` or `ID@VERSION` of the pack to screen with.
    pack: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ScreeningError {
    #[error("reference data: {0}")]
    Reference(String),
    #[error("policy pack: {0}")]
    Pack(String),
    #[error("stored register is not readable: {0}")]
    Register(String),
    #[error("screening: {0}")]
    Screen(#[from] shinsa_policy::ScreenError),
}

/// The largest register upload unpacked from a zip (all files together).
const ZIP_LIMIT: u64 = 256 * 1024 * 1024;

impl Screening {
    /// Bundled reference data with `lists` (stored `ImportedList` JSON)
    /// layered on top; the bundled packs and the `published` ones.
    pub fn build(
        lists: &[String],
        published: &[NewPackVersion],
        pack: &str,
    ) -> Result<Self, ScreeningError> {
        let mut reference = shinsa_ingest::reference::bundled()
            .map_err(|errors| ScreeningError::Reference(errors.to_string()))?;
        for body in lists {
            let list: ImportedList = serde_json::from_str(body)
                .map_err(|error| ScreeningError::Reference(format!("stored list: {error}")))?;
            reference.add_imported(list);
        }
        let mut packs = Pack::bundled().map_err(|error| ScreeningError::Pack(error.to_string()))?;
        for stored in published {
            packs.push(stored_pack(stored).map_err(ScreeningError::Pack)?);
        }
        let screening = Screening {
            matcher: shinsa_match::Matcher::new(&reference),
            reference,
            packs,
            pack: pack.to_owned(),
        };
        screening.pack(today())?;
        Ok(screening)
    }

    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    fn pack(&self, day: Date) -> Result<&Pack, ScreeningError> {
        shinsa_policy::catalogue::select(&self.packs, &self.pack, day).map_err(ScreeningError::Pack)
    }

    /// Reads an uploaded register. `format` is `json` (a bundle document),
    /// `xlsx`, `zip` (a bundle folder zipped) or `cyclonedx` (one system's
    /// BOM, which becomes a register of that system for `operator`).
    pub fn read_register(
        &self,
        label: &str,
        format: UploadFormat,
        bytes: Vec<u8>,
        operator: &BomOperator,
    ) -> Result<LoadedBundle, InputErrors> {
        let day = today();
        match format {
            UploadFormat::CycloneDx => {
                let files = bom_bundle(label, bytes, operator)?;
                shinsa_ingest::load_bundle_files(label, files, &self.reference, day)
            }
            UploadFormat::Json => shinsa_ingest::load_document(label, bytes, &self.reference, day),
            UploadFormat::Xlsx => shinsa_ingest::load_workbook(label, bytes, &self.reference, day),
            UploadFormat::Zip => {
                let files = unzip(label, &bytes)?;
                shinsa_ingest::load_bundle_files(label, files, &self.reference, day)
            }
        }
    }

    /// Screens a stored register; `progress` hears (done, total) subjects.
    pub fn screen(
        &self,
        inventory: &Inventory,
        input_sha256: &str,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(Vec<Finding>, Provenance), ScreeningError> {
        let day = today();
        let pack = self.pack(day)?;
        let register = shinsa_match::resolve(
            inventory,
            &self.reference,
            &self.matcher,
            day,
            shinsa_match::DEFAULT_THRESHOLD,
        );
        let provenance = shinsa_policy::provenance(input_sha256, &self.reference, pack, day);
        let findings = shinsa_policy::screen_with_progress(
            &register,
            &self.reference,
            pack,
            &provenance,
            progress,
        )?;
        Ok((findings, provenance))
    }
}

/// A published pack, compiled.
pub fn stored_pack(stored: &NewPackVersion) -> Result<Pack, String> {
    Pack::from_sources(
        &format!("published {}@{}", stored.pack_id, stored.version),
        &stored.manifest,
        &stored.schema,
        &stored.policies,
    )
    .map_err(|error| error.to_string())
}

/// Reads a pack folder uploaded as a zip: its three files, checked the way
/// `shinsa policy validate` checks them.
pub fn read_pack(label: &str, bytes: &[u8]) -> Result<(Pack, NewPackVersion), Vec<String>> {
    let files = unzip(label, bytes).map_err(|errors| vec![errors.to_string()])?;
    let file = |name: &str| {
        files
            .iter()
            .find(|(file, _)| file == name)
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .ok_or_else(|| vec![format!("{label}: the zip has no {name}")])
    };
    let stored = |pack: &Pack, manifest, schema, policies| NewPackVersion {
        pack_id: pack.id.clone(),
        version: pack.version.clone(),
        sha256: pack.sha256.clone(),
        manifest,
        schema,
        policies,
    };
    let (manifest, schema, policies) = (
        file(shinsa_policy::PACK_FILES[0])?,
        file(shinsa_policy::PACK_FILES[1])?,
        file(shinsa_policy::PACK_FILES[2])?,
    );
    let pack =
        Pack::from_sources(label, &manifest, &schema, &policies).map_err(|error| error.problems)?;
    let version = stored(&pack, manifest, schema, policies);
    Ok((pack, version))
}

/// What an upload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadFormat {
    Json,
    Xlsx,
    Zip,
    CycloneDx,
}

/// Who a bare CycloneDX BOM is registered for, and whether its system is a
/// critical facility (a BOM does not say).
#[derive(Clone, Debug)]
pub struct BomOperator {
    pub id: String,
    pub name: String,
    pub sector: String,
    pub critical: bool,
}

/// A bundle folder around one BOM: the operator, and one asset for the
/// BOM's `metadata.component` (its bom-ref or name as id, its manufacturer
/// or supplier as maker) that the BOM is attached to.
fn bom_bundle(
    label: &str,
    bytes: Vec<u8>,
    operator: &BomOperator,
) -> Result<Vec<(String, Vec<u8>)>, InputErrors> {
    let bad = |field: &str, expected: &str, found: String| {
        InputErrors::one(shinsa_ingest::InputError::new(
            shinsa_ingest::Location::Pointer {
                file: label.to_owned(),
                pointer: format!("/{}", field.replace('.', "/")),
            },
            field,
            expected,
            found,
        ))
    };
    let document: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|error| bad("", "a CycloneDX JSON document", error.to_string()))?;
    let component = &document["metadata"]["component"];
    let text = |value: &serde_json::Value| {
        value
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let name = text(&component["name"]).ok_or_else(|| {
        bad(
            "metadata.component.name",
            "the name of the system the BOM describes",
            component["name"].to_string(),
        )
    })?;
    let id = text(&component["bom-ref"]).unwrap_or_else(|| name.clone());
    let maker = text(&component["manufacturer"]["name"])
        .or_else(|| text(&component["supplier"]["name"]))
        .or_else(|| text(&document["metadata"]["manufacturer"]["name"]))
        .or_else(|| text(&document["metadata"]["supplier"]["name"]))
        .unwrap_or_default();
    let kind = match component["type"].as_str() {
        Some("device") => "equipment",
        _ => "program",
    };
    // The taxonomy has no word for "a BOM's system"; the component type
    // (application, firmware, device…) is kept as an unknown category.
    let category = text(&component["type"]).unwrap_or_else(|| "system".into());
    let field = |value: &str| format!("\"{}\"", value.replace('"', "\"\""));
    let assets = format!(
        "id,name,kind,category,critical,manufacturer,supplier,bom\n{},{},{kind},{},{},{},{},{}\n",
        field(&id),
        field(&name),
        field(&category),
        operator.critical,
        field(&maker),
        field(&maker),
        field("system.cdx.json"),
    );
    let mut table = toml::Table::new();
    table.insert("id".into(), operator.id.clone().into());
    table.insert("name".into(), operator.name.clone().into());
    table.insert("sector".into(), operator.sector.clone().into());
    table.insert("country".into(), "JP".into());
    Ok(vec![
        (
            "operator.toml".into(),
            toml::to_string(&table).unwrap_or_default().into_bytes(),
        ),
        ("assets.csv".into(), assets.into_bytes()),
        ("system.cdx.json".into(), bytes),
    ])
}

impl UploadFormat {
    /// From the content type, else from the bytes.
    pub fn detect(content_type: Option<&str>, bytes: &[u8]) -> Option<Self> {
        let content_type = content_type.unwrap_or_default();
        let cyclonedx = || memmem(bytes, b"\"bomFormat\"") && memmem(bytes, b"CycloneDX");
        if content_type.contains("cyclonedx") {
            return Some(UploadFormat::CycloneDx);
        }
        if content_type.contains("json") {
            return Some(if cyclonedx() {
                UploadFormat::CycloneDx
            } else {
                UploadFormat::Json
            });
        }
        if content_type.contains("spreadsheetml") {
            return Some(UploadFormat::Xlsx);
        }
        if content_type.contains("zip") {
            return Some(UploadFormat::Zip);
        }
        match bytes.first() {
            Some(b'{') if cyclonedx() => Some(UploadFormat::CycloneDx),
            Some(b'{') => Some(UploadFormat::Json),
            // An XLSX workbook is a zip too: it holds `xl/workbook.xml`.
            Some(b'P') if bytes.starts_with(b"PK") => {
                if memmem(bytes, b"xl/workbook.xml") {
                    Some(UploadFormat::Xlsx)
                } else {
                    Some(UploadFormat::Zip)
                }
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UploadFormat::Json => "json",
            UploadFormat::Xlsx => "xlsx",
            UploadFormat::Zip => "zip",
            UploadFormat::CycloneDx => "cyclonedx",
        }
    }
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The files of a zipped bundle folder, by file name (folders inside the
/// zip are flattened; the bundle is one folder).
fn unzip(label: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, InputErrors> {
    let bad = |found: String| {
        InputErrors::one(shinsa_ingest::InputError::new(
            shinsa_ingest::Location::File {
                file: label.to_owned(),
            },
            "(zip)",
            "a zip of a bundle folder",
            found,
        ))
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|error| bad(format!("not a readable zip: {error}")))?;
    let mut files = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| bad(format!("entry {index}: {error}")))?;
        if entry.is_dir() {
            continue;
        }
        let path = entry
            .name()
            .map_err(|error| bad(format!("entry {index}: {error}")))?
            .into_owned();
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        if name.is_empty() || name.starts_with('.') || path.starts_with("__MACOSX") {
            continue;
        }
        let mut content = Vec::new();
        let read = (&mut entry)
            .take(ZIP_LIMIT.saturating_sub(total) + 1)
            .read_to_end(&mut content)
            .map_err(|error| bad(format!("{name}: {error}")))?;
        total += read as u64;
        if total > ZIP_LIMIT {
            return Err(bad(format!(
                "more than {} MB once unpacked",
                ZIP_LIMIT / 1024 / 1024
            )));
        }
        files.push((name, content));
    }
    Ok(files)
}

/// The day screening is as of: today in Japan (the first jurisdiction's
/// calendar; a day boundary at 15:00 UTC).
pub fn today() -> Date {
    let japan = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(japan).date()
}

/// A finding as the store keeps it. Its provenance is left out of the
/// stored body: it is the run's (`runs.provenance`), the same for every
/// finding of the run, and would otherwise be most of each row.
pub fn finding_row(finding: &Finding) -> FindingRow {
    let mut body = serde_json::to_value(finding).unwrap_or_default();
    if let Some(object) = body.as_object_mut() {
        object.remove("provenance");
    }
    FindingRow {
        key: finding.id.clone(),
        severity: finding.severity.as_str().to_owned(),
        severity_rank: match finding.severity {
            shinsa_model::Severity::Prohibited => 0,
            shinsa_model::Severity::Review => 1,
            shinsa_model::Severity::Notice => 2,
        },
        rule_id: finding.rule.id.clone(),
        subject_kind: finding.subject.kind.as_str().to_owned(),
        subject_id: finding.subject.id.clone(),
        subject_name: finding.subject_name.clone(),
        title: finding.title.to_string(),
        title_ja: finding.title_ja.to_string(),
        body: body.to_string(),
    }
}

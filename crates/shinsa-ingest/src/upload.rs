//! Registers as they arrive over the network: a bundle as JSON, an XLSX
//! workbook, a zip of a bundle folder, or a bare BOM (CycloneDX or SPDX)
//! of one system. The server hands the bytes here; the readers are fuzzed
//! (`fuzz/fuzz_targets/uploads.rs`).

use crate::budget::Budget;
use crate::{InputError, InputErrors, LoadedBundle, Location};
use shinsa_model::{Date, ReferenceData};
use std::io::Read as _;

/// Refuses a zip (an XLSX workbook is one) whose entries declare more than
/// the budget's unpacked size, before anything is decompressed: a few
/// kilobytes of deflated zeros can declare gigabytes, and the zip reader
/// holds every entry to what it declares. Returns the declared total.
pub(crate) fn declared_size_within_limit(bytes: &[u8]) -> Result<usize, String> {
    let limit = Budget::current().unpacked_bytes();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|error| format!("not a readable zip: {error}"))?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| format!("entry {index}: {error}"))?;
        total = total.saturating_add(entry.size());
    }
    if total > limit {
        return Err(format!(
            "{} MB once unpacked, more than the {} MB allowed (a quarter of the reader's budget, upload_memory_mb)",
            total / 1024 / 1024,
            limit / 1024 / 1024
        ));
    }
    Ok(usize::try_from(total).unwrap_or(usize::MAX))
}

/// What an upload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadFormat {
    Json,
    Xlsx,
    Zip,
    /// A bare BOM of one system: CycloneDX or SPDX, in any form
    /// [`crate::sbom`] reads.
    Bom,
}

/// Who a bare BOM is registered for, and whether its system is a critical
/// facility (a BOM does not say).
#[derive(Clone, Debug)]
pub struct BomOperator {
    pub id: String,
    pub name: String,
    pub sector: String,
    pub critical: bool,
}

impl UploadFormat {
    /// From the bytes, then the content type: a BOM is told by its content
    /// whatever it is labelled (a bundle may hold BOMs inside, but only the
    /// top level counts).
    pub fn detect(content_type: Option<&str>, bytes: &[u8]) -> Option<Self> {
        let labelled = |word: &str| content_type.is_some_and(|label| label.contains(word));
        if crate::sbom::BomFormat::detect(bytes).is_some()
            || labelled("cyclonedx")
            || labelled("spdx")
        {
            return Some(UploadFormat::Bom);
        }
        if labelled("json") {
            return Some(UploadFormat::Json);
        }
        if labelled("spreadsheetml") {
            return Some(UploadFormat::Xlsx);
        }
        if labelled("zip") {
            return Some(UploadFormat::Zip);
        }
        match bytes.first() {
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
            UploadFormat::Bom => "bom",
        }
    }
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Reads an upload of `format` as a register; `operator` stands in for the
/// operator a bare BOM does not name.
pub fn read_upload(
    label: &str,
    format: UploadFormat,
    bytes: Vec<u8>,
    operator: &BomOperator,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    match format {
        UploadFormat::Json => crate::load_document(label, bytes, reference, day),
        UploadFormat::Xlsx => crate::load_workbook(label, bytes, reference, day),
        UploadFormat::Zip => crate::load_bundle_files(label, unzip(label, &bytes)?, reference, day),
        UploadFormat::Bom => load_bom(label, bytes, operator, reference, day),
    }
}

/// Reads a bare BOM as the register of the one system it describes, held
/// by `operator`.
pub fn load_bom(
    label: &str,
    bytes: Vec<u8>,
    operator: &BomOperator,
    reference: &ReferenceData,
    day: Date,
) -> Result<LoadedBundle, InputErrors> {
    let (files, warning) = bom_bundle(label, bytes, operator)?;
    let mut loaded = crate::load_bundle_files(label, files, reference, day)?;
    loaded.warnings.extend(warning);
    Ok(loaded)
}

/// The files of a bundle folder made around a BOM, and the warning when
/// the BOM names no system.
type BomBundle = (Vec<(String, Vec<u8>)>, Option<String>);

/// A bundle folder around one BOM: the operator, and one asset for what
/// the BOM describes (its id or name as id, its maker as manufacturer and
/// supplier, equipment when it is a device) that the BOM is attached to;
/// and the warning when the BOM names no system.
fn bom_bundle(
    label: &str,
    bytes: Vec<u8>,
    operator: &BomOperator,
) -> Result<BomBundle, InputErrors> {
    let bom = crate::sbom::read_bom(label, &bytes)?;
    let (name, warning) = bom.system_name(label);
    let subject = bom.subject;
    let id = subject.local_id.clone().unwrap_or_else(|| name.clone());
    let maker = subject.maker.clone().unwrap_or_default();
    let kind = if crate::sbom::subject_is_equipment(subject.kind.as_deref()) {
        "equipment"
    } else {
        "program"
    };
    let category = subject_category(subject.kind.as_deref());
    let field = |value: &str| format!("\"{}\"", value.replace('"', "\"\""));
    let assets = format!(
        "id,name,kind,category,critical,manufacturer,supplier,bom\n{},{},{kind},{},{},{},{},{}\n",
        field(&id),
        field(&name),
        field(&category),
        operator.critical,
        field(&maker),
        field(&maker),
        field(label),
    );
    let mut table = toml::Table::new();
    table.insert("id".into(), operator.id.clone().into());
    table.insert("name".into(), operator.name.clone().into());
    table.insert("sector".into(), operator.sector.clone().into());
    table.insert("country".into(), "JP".into());
    let operator_toml = toml::to_string(&table).map_err(|error| {
        InputErrors::one(InputError::new(
            Location::File {
                file: label.to_owned(),
            },
            "operator",
            "an operator that can be written as TOML",
            error.to_string(),
        ))
    })?;
    let files = vec![
        ("operator.toml".into(), operator_toml.into_bytes()),
        ("assets.csv".into(), assets.into_bytes()),
        // Named as the user named it, so that its messages point there.
        (label.to_owned(), bytes),
    ];
    Ok((files, warning))
}

/// The taxonomy category of what a BOM describes, from its type: software
/// is an IT system (or an operating system); a device or firmware keeps
/// its type, which the taxonomy does not know and the screening says so.
fn subject_category(kind: Option<&str>) -> String {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("operating-system") => "os".to_owned(),
        None
        | Some(
            "application"
            | "framework"
            | "library"
            | "container"
            | "platform"
            | "file"
            | "data"
            | "machine-learning-model"
            | "install"
            | "source"
            | "archive",
        ) => "it_system".to_owned(),
        Some(other) => other.to_owned(),
    }
}

/// The files of a zipped bundle folder, by file name (folders inside the
/// zip are flattened; the bundle is one folder).
pub fn unzip(label: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, InputErrors> {
    let bad = |found: String| {
        InputErrors::one(InputError::new(
            Location::File {
                file: label.to_owned(),
            },
            "(zip)",
            "a zip of a bundle folder",
            found,
        ))
    };
    declared_size_within_limit(bytes).map_err(bad)?;
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
        let name = path
            .rsplit_once('/')
            .map_or(path.as_ref(), |(_, name)| name)
            .to_owned();
        if name.is_empty() || name.starts_with('.') || path.starts_with("__MACOSX") {
            continue;
        }
        let limit = Budget::current().unpacked_bytes();
        let mut content = Vec::new();
        let read = (&mut entry)
            .take(limit.saturating_sub(total) + 1)
            .read_to_end(&mut content)
            .map_err(|error| bad(format!("{name}: {error}")))?;
        total += read as u64;
        if total > limit {
            return Err(bad(format!(
                "more than {} MB once unpacked",
                limit / 1024 / 1024
            )));
        }
        files.push((name, content));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content_type_then_by_content() {
        let bom = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#;
        let bundle = br#"{"operator": {"id": "X"}, "boms": [{"bomFormat": "CycloneDX"}]}"#;
        let detect = UploadFormat::detect;
        assert_eq!(detect(None, bom), Some(UploadFormat::Bom));
        assert_eq!(
            detect(Some("application/json"), bom),
            Some(UploadFormat::Bom)
        );
        let tag_value = b"# made by a tool\nSPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n";
        assert_eq!(
            detect(Some("application/json"), tag_value),
            Some(UploadFormat::Bom)
        );
        let xml = br#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>"#;
        assert_eq!(detect(None, xml), Some(UploadFormat::Bom));
        assert_eq!(
            detect(None, bundle),
            Some(UploadFormat::Json),
            "a BOM inside a bundle"
        );
        assert_eq!(
            detect(Some("application/json; charset=utf-8"), bundle),
            Some(UploadFormat::Json)
        );
        assert_eq!(
            detect(None, b"PK\x03\x04....xl/workbook.xml...."),
            Some(UploadFormat::Xlsx)
        );
        assert_eq!(
            detect(None, b"PK\x03\x04....assets.csv...."),
            Some(UploadFormat::Zip)
        );
        assert_eq!(
            detect(Some("application/zip"), b"anything"),
            Some(UploadFormat::Zip)
        );
        assert_eq!(detect(None, b"id,name\n"), None);
    }

    /// A small zip whose one entry declares `declared` bytes unpacked (the
    /// size fields patched, as a zip bomb's honest headers would say).
    fn declaring(name: &str, declared: u32) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut bytes);
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap_or_else(|e| unreachable!("{e}"));
            std::io::Write::write_all(&mut writer, b"<x/>").unwrap_or_else(|e| unreachable!("{e}"));
            writer.finish().unwrap_or_else(|e| unreachable!("{e}"));
        }
        let mut bytes = bytes.into_inner();
        for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let at = bytes
                .windows(4)
                .position(|window| window == signature)
                .unwrap_or_else(|| unreachable!("a zip header"));
            bytes[at + offset..at + offset + 4].copy_from_slice(&declared.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn a_workbook_or_zip_declaring_more_than_the_limit_is_refused_unread() {
        let bomb = declaring("xl/workbook.xml", 300 * 1024 * 1024);
        let reference = crate::reference::bundled().unwrap_or_else(|e| unreachable!("{e}"));
        let day = shinsa_model::parse_date("2026-12-04").unwrap_or_else(|e| unreachable!("{e}"));
        let error = crate::load_workbook("bomb.xlsx", bomb.clone(), &reference, day)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("bomb.xlsx")
                && error.contains("300 MB once unpacked, more than the 64 MB allowed"),
            "{error}"
        );
        let error = unzip("bomb.zip", &bomb).unwrap_err().to_string();
        assert!(error.contains("300 MB once unpacked"), "{error}");
        assert_eq!(
            declared_size_within_limit(&declaring("a.xml", 1024)),
            Ok(1024)
        );
    }

    #[test]
    fn a_zip_is_flattened_and_refused_when_unreadable() {
        let mut bytes = std::io::Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut bytes);
            let options = zip::write::SimpleFileOptions::default();
            for (name, text) in [
                ("plant/operator.toml", "id = 1"),
                ("plant/.hidden", "x"),
                ("__MACOSX/plant/._assets.csv", "x"),
            ] {
                writer
                    .start_file(name, options)
                    .unwrap_or_else(|e| unreachable!("{e}"));
                std::io::Write::write_all(&mut writer, text.as_bytes())
                    .unwrap_or_else(|e| unreachable!("{e}"));
            }
            writer.finish().unwrap_or_else(|e| unreachable!("{e}"));
        }
        let files = unzip("up.zip", bytes.get_ref()).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(files, [("operator.toml".to_owned(), b"id = 1".to_vec())]);
        let error = unzip("up.zip", b"PK\x03\x04 broken")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("up.zip") && error.contains("not a readable zip"),
            "{error}"
        );
    }
}

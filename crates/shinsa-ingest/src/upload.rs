//! Registers as they arrive over the network: a bundle as JSON, an XLSX
//! workbook, a zip of a bundle folder, or a bare CycloneDX BOM of one
//! system. The server hands the bytes here; the readers are fuzzed
//! (`fuzz/fuzz_targets/uploads.rs`).

use crate::{InputError, InputErrors, LoadedBundle, Location};
use shinsa_model::{Date, ReferenceData};
use std::io::Read as _;

/// The largest register upload unpacked from a zip (all files together),
/// an XLSX workbook (itself a zip) included.
pub(crate) const ZIP_LIMIT: u64 = 256 * 1024 * 1024;

/// Refuses a zip (an XLSX workbook is one) whose entries declare more than
/// [`ZIP_LIMIT`] once unpacked, before anything is decompressed: a few
/// kilobytes of deflated zeros can declare gigabytes.
pub(crate) fn declared_size_within_limit(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|error| format!("not a readable zip: {error}"))?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| format!("entry {index}: {error}"))?;
        total = total.saturating_add(entry.size());
    }
    if total > ZIP_LIMIT {
        return Err(format!(
            "{} MB once unpacked, more than the {} MB allowed",
            total / 1024 / 1024,
            ZIP_LIMIT / 1024 / 1024
        ));
    }
    Ok(())
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

impl UploadFormat {
    /// From the content type, else from the bytes.
    pub fn detect(content_type: Option<&str>, bytes: &[u8]) -> Option<Self> {
        let content_type = content_type.unwrap_or_default();
        // A CycloneDX document has `bomFormat` at the top; a bundle may
        // hold BOMs inside, so only the top level counts.
        let cyclonedx =
            || serde_json::from_slice::<TopLevel>(bytes).is_ok_and(|top| top.bom_format.is_some());
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

#[derive(serde::Deserialize)]
struct TopLevel {
    #[serde(rename = "bomFormat")]
    bom_format: Option<serde::de::IgnoredAny>,
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
        UploadFormat::CycloneDx => {
            crate::load_bundle_files(label, bom_bundle(label, bytes, operator)?, reference, day)
        }
    }
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
        InputErrors::one(InputError::new(
            Location::Pointer {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content_type_then_by_content() {
        let bom = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#;
        let bundle = br#"{"operator": {"id": "X"}, "boms": [{"bomFormat": "CycloneDX"}]}"#;
        let detect = UploadFormat::detect;
        assert_eq!(detect(None, bom), Some(UploadFormat::CycloneDx));
        assert_eq!(
            detect(Some("application/json"), bom),
            Some(UploadFormat::CycloneDx)
        );
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
            error.contains("bomb.xlsx") && error.contains("300 MB once unpacked"),
            "{error}"
        );
        let error = unzip("bomb.zip", &bomb).unwrap_err().to_string();
        assert!(error.contains("300 MB once unpacked"), "{error}");
        assert_eq!(
            declared_size_within_limit(&declaring("a.xml", 1024)),
            Ok(())
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

//! Files people attach (case documents): what kinds are taken, how big,
//! and how one is handed back.
//!
//! The kind is read from the file's first bytes, never from the name or
//! the `Content-Type` the uploader sent, and only documents a case needs
//! are taken: PDF, images (PNG, JPEG, GIF, TIFF) and office documents
//! (OOXML and OpenDocument, which are ZIP files, and the older OLE ones,
//! told apart by their extension). A file is always downloaded as an
//! attachment under the type read at upload, so a browser never renders
//! an uploaded file as a page of this server.

use crate::error::{Error, Result};
use shinsa_model::AttachedFile;
use shinsa_store::NewFile;

/// A file sent by someone: its name and bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// A request body read as a file, stopping past `limit_mb` (so a body
    /// the size of the server's upload limit is not read whole to be
    /// refused).
    pub async fn read(name: String, body: axum::body::Body, limit_mb: usize) -> Result<Self> {
        let limit = limit_mb * 1024 * 1024;
        let bytes = axum::body::to_bytes(body, limit + 1)
            .await
            .map_err(|error| {
                Error::TooLarge(format!(
                    "{name}: more than the {limit_mb} MB a document may have (document_limit_mb), or the body was cut off: {error}"
                ))
            })?;
        Ok(Upload {
            name,
            bytes: bytes.to_vec(),
        })
    }
}

/// A form with a file (`multipart/form-data`), as the case and plan pages
/// post it: its text fields (trimmed) and the file in the field `file`
/// (none when no file was chosen), and the revision the page was showing.
#[derive(Debug)]
pub struct FileForm {
    pub fields: std::collections::BTreeMap<String, String>,
    pub upload: Option<Upload>,
    pub revision: i64,
}

impl FileForm {
    pub async fn read(mut multipart: axum::extract::Multipart) -> Result<Self> {
        let mut fields = std::collections::BTreeMap::new();
        let mut upload = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|error| Error::BadRequest(error.body_text()))?
        {
            // A part without a name is no field of the form.
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            let file_name = shinsa_model::shown(field.file_name());
            let bytes = field
                .bytes()
                .await
                .map_err(|error| Error::BadRequest(error.body_text()))?;
            if name == "file" {
                if !bytes.is_empty() {
                    upload = Some(Upload {
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            } else {
                fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_owned());
            }
        }
        let revision = match fields.get("revision") {
            Some(revision) => revision
                .parse()
                .map_err(|_| Error::BadRequest(format!("revision: a number, not {revision:?}")))?,
            None => {
                return Err(Error::BadRequest(
                    "revision: the revision the page showed is missing".into(),
                ));
            }
        };
        Ok(FileForm {
            fields,
            upload,
            revision,
        })
    }

    /// A text field, empty when not sent.
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Checks an upload (size, kind) and makes what is kept of it: the entry
/// the case or plan names, and the bytes under their SHA-256.
pub fn keep(upload: Upload, limit_mb: usize) -> Result<(AttachedFile, NewFile)> {
    crate::limits::check(crate::limits::UPLOADED_FILE_NAME, &upload.name)?;
    check_size(&upload.name, upload.bytes.len(), limit_mb)?;
    let media_type = kind_of(&upload.name, &upload.bytes)?;
    let file = NewFile::new(media_type, upload.bytes);
    let attached = AttachedFile {
        sha256: file.sha256.clone(),
        name: upload.name,
        media_type: media_type.to_owned(),
        size: file.content.len() as u64,
    };
    Ok((attached, file))
}

/// The media type of an acceptable document, or why it is refused.
pub fn kind_of(name: &str, bytes: &[u8]) -> Result<&'static str> {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    let by_extension = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(known, _)| Some(*known) == extension.as_deref())
            .map(|(_, media_type)| *media_type)
    };
    let found = if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if bytes.starts_with(b"PK\x03\x04") {
        by_extension(&[
            (
                "docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                "pptx",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            ("odt", "application/vnd.oasis.opendocument.text"),
            ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ])
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        by_extension(&[
            ("doc", "application/msword"),
            ("xls", "application/vnd.ms-excel"),
            ("ppt", "application/vnd.ms-powerpoint"),
        ])
    } else {
        None
    };
    found.ok_or_else(|| {
        let start: String = bytes
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Error::Unsupported(format!(
            "{name}: expected a PDF, an image (PNG, JPEG, GIF, TIFF) or an office document (docx, xlsx, pptx, odt, ods, doc, xls, ppt), found a file starting {start}"
        ))
    })
}

/// Refuses a file over the configured size.
pub fn check_size(name: &str, size: usize, limit_mb: usize) -> Result<()> {
    if size > limit_mb * 1024 * 1024 {
        return Err(Error::TooLarge(format!(
            "{name}: {size} bytes, more than the {limit_mb} MB a document may have (document_limit_mb)"
        )));
    }
    if size == 0 {
        return Err(Error::BadRequest(format!("{name}: the file is empty")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_known_by_their_first_bytes_not_their_names() {
        assert_eq!(
            kind_of("report.bin", b"%PDF-1.7\n").ok(),
            Some("application/pdf")
        );
        assert_eq!(
            kind_of("photo.pdf", b"\xff\xd8\xff\xe0").ok(),
            Some("image/jpeg")
        );
        assert_eq!(
            kind_of("報告書.DOCX", b"PK\x03\x04rest").ok(),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        for (name, bytes) in [
            ("page.pdf", &b"<html><script>alert(1)</script>"[..]),
            ("archive.zip", b"PK\x03\x04"),
            ("run.exe", b"MZ\x90\x00"),
            ("legacy.xyz", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ] {
            let refused = kind_of(name, bytes).unwrap_err();
            assert!(matches!(refused, Error::Unsupported(_)), "{name}");
            assert!(refused.to_string().contains(name), "{refused}");
        }
        assert!(matches!(
            check_size("a.pdf", 2 * 1024 * 1024, 1),
            Err(Error::TooLarge(_))
        ));
        assert!(check_size("a.pdf", 10, 1).is_ok());
    }
}

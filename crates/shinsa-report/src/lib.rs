//! Documents for people, typeset with typst.
//!
//! A document ([`Document`]) is built in Rust with every label, date and
//! country already written out, then laid out twice from the same value:
//! PDF/A-2b through typst ([`pdf`]), with its fonts embedded (subset) so
//! it reads the same everywhere and can be archived as it is — any text a
//! register may hold renders, a character no embedded font has as a
//! visible substitute ([`Substitution`]) —, and a
//! standalone printable HTML page ([`html`]). The first document is the
//! installation plan as filed ([`filing_document`]).
//!
//! A leaf crate: typst is heavy, and only the server needs it. The
//! template is typst source compiled into the binary; the document reaches
//! it as one JSON file (`/data.json`), so nothing in a plan is ever
//! interpreted as markup, and the template reads nothing else.

// Nothing a user writes may panic the server: no slicing or indexing of
// data in handlers, templates and documents (tests may).
#![cfg_attr(not(test), deny(clippy::string_slice, clippy::indexing_slicing))]

pub mod charts;
mod document;
pub mod export;
mod filing;
pub mod fonts;
mod register_report;
pub mod vex;

pub use document::{Block, Cell, Document, Section, html};
pub use filing::{Filing, country, english_date, filing_document, japanese_date};
pub use fonts::Substitution;
pub use register_report::{RegisterReport, ReportedFinding, evidence_line, register_document};

use fonts::fonts;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt as _, World};

const TEMPLATE: &str = include_str!("document.typ");

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("typesetting: {0}")]
    Typeset(String),
    #[error("writing the PDF: {0}")]
    Pdf(String),
    #[error("preparing the data: {0}")]
    Data(#[from] serde_json::Error),
    #[error("writing the table: {0}")]
    Export(String),
}

/// A document laid out as PDF/A-2b, and the characters it could not draw.
#[derive(Debug)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// Characters no embedded font has, drawn as `[U+XXXX]` instead; the
    /// caller says so to whoever asked for the document.
    pub substitutions: Vec<Substitution>,
    /// How many texts were longer than [`fonts::LONGEST_TEXT`] characters
    /// and were cut (the HTML form keeps them whole).
    pub shortened: usize,
}

/// The document as PDF/A-2b.
pub fn pdf(document: &Document) -> Result<Pdf, ReportError> {
    let mut data = serde_json::to_value(document)?;
    let shortened = fonts::shorten(&mut data);
    let substitutions = fonts::substitute(&mut data);
    let world = DocumentWorld::new(TEMPLATE, serde_json::to_vec(&data)?);
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| ReportError::Typeset(describe(&errors)))?;
    let options = typst_pdf::PdfOptions {
        standards: typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b])
            .map_err(|error| ReportError::Pdf(error.to_string()))?,
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(&document, &options)
        .map_err(|errors| ReportError::Pdf(describe(&errors)))?;
    Ok(Pdf {
        bytes,
        substitutions,
        shortened,
    })
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| error.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// Everything a document may read: its template and its data, nothing
/// from the file system or the network.
struct DocumentWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl DocumentWorld {
    fn new(template: &str, data: Vec<u8>) -> Self {
        DocumentWorld {
            main: Source::new(
                FileId::new(None, VirtualPath::new("/main.typ")),
                template.to_owned(),
            ),
            data_id: FileId::new(None, VirtualPath::new("/data.json")),
            data: Bytes::new(data),
        }
    }
}

impl World for DocumentWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    /// Documents carry their own date (`printed_on`); the template does
    /// not ask for today.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shinsa_model::plan::Plan;

    fn filing() -> Filing {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "id": "plan_1", "title": "変電所保護リレーの更新",
            "measures": ["設定変更は国内の保守員のみが行う", "ファームウェアは検証環境で確認してから適用する"],
            "items": [
                {"id": "I-1", "kind": "introduction", "facility": "保護リレー 1", "asset": "RLY-1",
                 "category": "protection relay", "timing": "2027-04-01",
                 "supplier": {"name": "Northwind Relay Co., Ltd.", "country_of_incorporation": "CN",
                              "major_holders": [{"name": "Northwind Holdings", "voting_percent": 62.5, "country": "CN"}],
                              "officers": [{"name": "王 偉", "date_of_birth": "1968-02-03", "nationality": "CN"}],
                              "foreign_government_ties": "なし"},
                 "country_of_manufacture": "CN",
                 "components": [{"name": "通信モジュール", "supplier": {"name": "関西通信機材株式会社", "country_of_incorporation": "JP"}, "country_of_manufacture": "JP"}]},
                {"id": "I-2", "kind": "entrustment", "facility": "変電所監視システムの保守",
                 "contractor": {"name": "港保守サービス株式会社", "country_of_incorporation": "JP", "major_holders": [],
                                "officers": [{"name": "山田 太郎", "date_of_birth": "1970-04-01", "nationality": "JP"}],
                                "foreign_government_ties": "なし"},
                 "subcontractors": [{"name": "Sub Two Co.", "country_of_incorporation": "VN"}],
                 "period_from": "2027-04-01", "period_until": "2030-03-31", "scope": "maintenance"}
            ]
        }))
        .unwrap_or_else(|error| unreachable!("{error}"));
        Filing {
            plan,
            operator_name: "港電力株式会社".into(),
            sector_name_ja: "電気".into(),
            ministry: "METI (経済産業省)".into(),
            status_label_ja: "審査中".into(),
            edition: 3,
            digest: "ab".repeat(32),
            filed_at: Some("2026-11-28T01:02:03.000000Z".into()),
            received_on: Some("2026-11-30".into()),
            due_on: Some("2026-12-30".into()),
            snapshot: Some(
                serde_json::from_value(serde_json::json!({
                    "taken_at": "2026-11-28T01:02:03Z", "as_of": "2026-11-28",
                    "provenance": {"policy": "jp-espa@1.1.0", "lists": {"dod-1260h": "2026-11-27 sha256:cfb0"},
                                   "input_sha256": "ab", "software": "shinsa", "as_of": "2026-11-28"},
                    "findings": [{"id": "JP-ESPA-002@asset:I-1", "severity": "review",
                                  "subject": {"kind": "asset", "id": "I-1"}, "subject_name": "保護リレー 1",
                                  "rule": {"id": "JP-ESPA-002", "legal_basis": "ESPA Art. 52", "policy_version": "jp-espa@1.1.0"},
                                  "title": "Product of a military company in a critical facility",
                                  "title_ja": "特定重要設備に軍事関連企業の製品", "explanation": "listed on dod-1260h",
                                  "evidence": []}]
                }))
                .unwrap_or_else(|error| unreachable!("{error}")),
            ),
            printed_on: time::macros::date!(2026 - 11 - 28),
        }
    }

    #[test]
    fn the_filing_is_a_pdf_a_with_its_fonts_and_every_section() {
        let pdf = pdf(&filing_document(&filing()))
            .unwrap_or_else(|error| unreachable!("{error}"))
            .bytes;
        // To look at it: SHINSA_REPORT_OUT=/tmp/filing.pdf cargo test -p shinsa-report
        if let Some(path) = std::env::var_os("SHINSA_REPORT_OUT") {
            std::fs::write(path, &pdf).unwrap_or_else(|error| unreachable!("{error}"));
        }
        assert!(pdf.starts_with(b"%PDF-1."), "a PDF");
        let text = String::from_utf8_lossy(&pdf);
        // PDF/A identification in the XMP metadata, and embedded fonts.
        assert!(text.contains("pdfaid:part"), "PDF/A metadata");
        assert!(text.contains("IPAMincho"), "body font embedded");
        assert!(text.contains("IPAGothic"), "heading font embedded");
        assert!(pdf.len() > 20_000, "{} bytes", pdf.len());
    }

    #[test]
    fn the_filing_says_what_the_form_asks_in_order() {
        let document = filing_document(&filing());
        let headings: Vec<&str> = document
            .sections
            .iter()
            .map(|section| section.heading.as_str())
            .collect();
        assert_eq!(
            headings,
            [
                "1　届出の概要",
                "2　特定重要設備の導入（I-1）",
                "供給者",
                "構成設備",
                "3　重要維持管理等の委託（I-2）",
                "委託先",
                "再委託先 1",
                "4　リスク管理措置",
                "別添　届出時の審査結果"
            ]
        );
        assert_eq!(document.addressee.as_deref(), Some("経済産業省　御中"));
        let supplier = &document.sections[2].blocks[0];
        let Block::Fields { rows } = supplier else {
            unreachable!("{supplier:?}")
        };
        assert_eq!(rows[1], ("設立国".into(), "中国（CN）".into()));
        assert_eq!(
            rows[2].1, "Northwind Holdings（62.5%・中国（CN））",
            "holders with share and country"
        );
        let sub = &document.sections[6];
        assert_eq!(
            sub.blocks.last(),
            Some(&Block::Text {
                text: "役員：（記載なし）".into()
            }),
            "an unstated list says so"
        );
        let page = html(&document);
        assert!(page.contains("<h1>特定重要設備の導入等に関する計画書</h1>"));
        assert!(page.contains("1968年2月3日"), "officers' dates in Japanese");
    }

    #[test]
    fn a_filing_in_every_script_renders_and_names_what_it_could_not_draw() {
        let mut foreign = filing();
        let names = [
            "华为技术有限公司",
            "삼성전자 주식회사",
            "شركة الاتصالات السعودية",
            "ООО «Лаборатория Касперского»",
            "Ελληνικές Τηλεπικοινωνίες",
            "≥ 50 % → ✓",
        ];
        foreign.plan.measures = names.iter().map(|name| (*name).to_owned()).collect();
        foreign.plan.title = "変電所 👷\u{200d}♀\u{fe0f} e\u{301}".into();
        let rendered =
            pdf(&filing_document(&foreign)).unwrap_or_else(|error| unreachable!("{error}"));
        if let Some(path) = std::env::var_os("SHINSA_SCRIPTS_OUT") {
            std::fs::write(path, &rendered.bytes).unwrap_or_else(|error| unreachable!("{error}"));
        }
        assert!(rendered.bytes.starts_with(b"%PDF-1."));
        let missing: Vec<char> = rendered
            .substitutions
            .iter()
            .map(|substitution| substitution.character)
            .collect();
        assert_eq!(missing, ['👷'], "{:?}", rendered.substitutions);
        let text = String::from_utf8_lossy(&rendered.bytes);
        for font in ["IPAMincho", "DejaVuSans", "WenQuanYiMicroHei"] {
            assert!(text.contains(font), "{font} embedded");
        }
    }

    #[test]
    fn plan_text_is_data_not_markup() {
        let mut hostile = filing();
        hostile.plan.title = "#panic(\"injected\") *bold* $x$ [link] // comment".into();
        hostile.plan.measures = vec!["#{ 1 + }".into()];
        assert!(pdf(&filing_document(&hostile)).is_ok());
        let page = html(&filing_document(&hostile));
        assert!(
            page.contains("#panic(&quot;injected&quot;) *bold*"),
            "escaped in HTML"
        );
        assert!(!page.contains("<link"), "{page}");
    }

    #[test]
    fn the_register_report_carries_a_chart_and_every_finding_with_its_evidence() {
        let finding: shinsa_model::Finding = serde_json::from_value(serde_json::json!({
            "id": "JP-ESPA-001@asset:RLY-1", "severity": "prohibited",
            "subject": {"kind": "asset", "id": "RLY-1"}, "subject_name": "保護リレー 1",
            "rule": {"id": "JP-ESPA-001", "legal_basis": "ESPA Art. 52(1)", "policy_version": "jp-espa@1.1.0"},
            "title": "Vendor barred", "title_ja": "調達禁止ベンダー", "explanation": "listed",
            "evidence": [
                {"kind": "list_match", "list": "fcc-covered", "entry": "fcc-covered/huawei",
                 "matched_name": "Huawei Technologies Co., Ltd.", "listed_name": "Huawei Technologies Company",
                 "score": 0.97, "why": ["legal form removed"], "role": "manufacturer", "through": null,
                 "scope": "", "citation": "47 CFR 1.50002"},
                {"kind": "ownership", "path": ["A (60%)", "B (100%)"], "effective_share": 60.0}
            ]
        }))
        .unwrap_or_else(|error| unreachable!("{error}"));
        let report = RegisterReport {
            lang: "ja".into(),
            operator_name: "港電力".into(),
            register_name: "main".into(),
            register_version: 2,
            provenance: shinsa_model::Provenance {
                policy: "jp-espa@1.1.0".into(),
                as_of: "2026-11-28".into(),
                input_sha256: "ab".into(),
                lists: [("fcc-covered".to_owned(), "2026-07-28".to_owned())].into(),
                software: "shinsa".into(),
            },
            screened_at: "2026-11-28T01:00:00Z".into(),
            findings: vec![ReportedFinding {
                finding,
                status: "未対応".into(),
                justification: None,
            }],
            printed_on: time::macros::date!(2026 - 11 - 28),
        };
        let document = register_document(&report);
        let evidence = &document.sections[3];
        assert_eq!(evidence.heading, "JP-ESPA-001@asset:RLY-1");
        let Block::Fields { rows } = &evidence.blocks[0] else {
            unreachable!("{evidence:?}")
        };
        assert_eq!(rows[0].1, "ESPA Art. 52(1)");
        assert_eq!(
            rows[1].1,
            "fcc-covered fcc-covered/huawei: \"Huawei Technologies Co., Ltd.\" ≈ \"Huawei Technologies Company\" (0.97, manufacturer) — legal form removed"
        );
        assert_eq!(rows[2].1, "A (60%) → B (100%) (60.0 %)");
        assert!(
            document.sections[0]
                .blocks
                .iter()
                .any(|block| matches!(block, Block::Chart { svg } if svg.contains("禁止")))
        );
        let pdf = pdf(&document)
            .unwrap_or_else(|error| unreachable!("{error}"))
            .bytes;
        if let Some(path) = std::env::var_os("SHINSA_REGISTER_REPORT_OUT") {
            std::fs::write(path, &pdf).unwrap_or_else(|error| unreachable!("{error}"));
        }
        assert!(pdf.starts_with(b"%PDF-1."));
        assert!(html(&document).contains("<figure><svg"));
    }
}

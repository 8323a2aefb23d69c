//! What the server screens with: the bundled reference data plus the
//! newest published list versions, the candidate index built from them
//! once, and the packs. One value per list generation, shared by every job
//! until the next publication replaces it.

pub use shinsa_ingest::upload::{BomOperator, UploadFormat};
use shinsa_ingest::{InputErrors, LoadedBundle};
use shinsa_model::{Date, Finding, ImportedList, Inventory, Provenance, ReferenceData};
use shinsa_policy::Pack;
use shinsa_store::{FindingRow, NewPackVersion};

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
        screening.pack(today(), None)?;
        Ok(screening)
    }

    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// The people a plan names, screened as people against every loaded
    /// list ([`shinsa_match::people`]), as the frozen screening keeps them.
    pub fn people(&self, plan: &shinsa_model::plan::Plan) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for person in plan.people() {
            let hits = shinsa_match::people::screen_person(
                &self.matcher,
                &self.reference,
                &shinsa_match::people::Person {
                    name: &person.name,
                    born: person.born,
                    nationality: person.nationality,
                },
                shinsa_match::DEFAULT_THRESHOLD,
            );
            for hit in hits {
                out.push(serde_json::json!({
                    "pointer": person.pointer,
                    "role": person.role,
                    "supplier": person.supplier,
                    "name": person.name,
                    "entry": hit.entry,
                    "list": hit.list,
                    "listed_name": hit.listed_name,
                    "matched": hit.matched,
                    "score": (hit.score * 1000.0).round() / 1000.0,
                    "explanation": hit.why,
                }));
            }
        }
        out
    }

    /// The pack in force on `day` for `sector` (any sector: `None`).
    fn pack(&self, day: Date, sector: Option<&str>) -> Result<&Pack, ScreeningError> {
        shinsa_policy::catalogue::select(&self.packs, &self.pack, day, sector)
            .map_err(ScreeningError::Pack)
    }

    /// Reads an uploaded register (see [`shinsa_ingest::upload`]).
    pub fn read_register(
        &self,
        label: &str,
        format: UploadFormat,
        bytes: Vec<u8>,
        operator: &BomOperator,
    ) -> Result<LoadedBundle, InputErrors> {
        shinsa_ingest::upload::read_upload(label, format, bytes, operator, &self.reference, today())
    }

    /// Screens a stored register; `progress` hears (done, total) subjects.
    pub fn screen(
        &self,
        inventory: &Inventory,
        input_sha256: &str,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(Vec<Finding>, Provenance), ScreeningError> {
        let day = today();
        let pack = self.pack(day, Some(&inventory.operator.sector))?;
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
    let files =
        shinsa_ingest::upload::unzip(label, bytes).map_err(|errors| vec![errors.to_string()])?;
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

/// The day screening is as of: today in Japan (the first jurisdiction's
/// calendar; a day boundary at 15:00 UTC).
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().to_offset(JAPAN).date()
}

/// Japan Standard Time (no daylight saving): the regime's days, and the
/// times the UI shows.
pub const JAPAN: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

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

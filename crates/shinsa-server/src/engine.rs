//! The engine the server screens with ([`shinsa_policy::Engine`]), built
//! for the store's publications: the bundled reference data plus the newest
//! published list versions, the candidate index built from them once, and
//! the bundled and published packs. One engine per publication generation
//! ([`crate::AppState::engine`]), shared by every job until the next
//! publication replaces it. What is the server's alone is here too: reading
//! an upload, compiling a published pack, a finding as a stored row.

use crate::clock::today;
pub use shinsa_ingest::upload::{BomOperator, UploadFormat};
use shinsa_ingest::{InputErrors, LoadedBundle};
use shinsa_match::exposure::AdvisoryIndex;
use shinsa_model::{AdvisorySet, Finding, ImportedList};
use shinsa_policy::{Engine, Pack, PackChoice};
use shinsa_store::{FindingRow, NewPackVersion};
use std::sync::Arc;

/// Builds the engine for the store's current publications: the bundled
/// reference data with `lists` (stored `ImportedList` JSON) layered on top,
/// the bundled packs and the `published` ones, choosing `pack` (`ID` or
/// `ID@VERSION`) per register, and the vulnerability data's `advisories`
/// index (see [`advisory_index`]), shared by the engines of every list and
/// pack version until the vulnerability data changes. Refused when no
/// version of `pack` is in force today for any sector.
pub fn build(
    lists: &[String],
    published: &[NewPackVersion],
    pack: &str,
    advisories: Option<Arc<AdvisoryIndex>>,
) -> Result<Engine, EngineBuildError> {
    let mut reference = shinsa_ingest::reference::bundled()
        .map_err(|errors| EngineBuildError::Reference(errors.to_string()))?;
    for body in lists {
        let list: ImportedList = serde_json::from_str(body)
            .map_err(|error| EngineBuildError::Reference(format!("stored list: {error}")))?;
        reference.add_imported(list);
    }
    let mut packs = Pack::bundled().map_err(|error| EngineBuildError::Pack(error.to_string()))?;
    for stored in published {
        packs.push(stored_pack(stored).map_err(EngineBuildError::Pack)?);
    }
    shinsa_policy::catalogue::select(&packs, pack, today(), None)
        .map_err(EngineBuildError::Pack)?;
    Ok(Engine::new(reference, shinsa_match::DEFAULT_THRESHOLD)
        .with_packs(packs, PackChoice::Select(pack.to_owned()))
        .with_advisory_index(advisories))
}

/// The index of the vulnerability data: the `shelf`'s newest sets with the
/// `advisories` published through the API (stored `AdvisorySet` JSON,
/// oldest first) laid over them in turn. `None` when there is none.
pub fn advisory_index(
    shelf: Option<&shinsa_ingest::shelf::Shelf>,
    advisories: &[String],
) -> Result<Option<Arc<AdvisoryIndex>>, EngineBuildError> {
    let mut sets: Vec<AdvisorySet> = match shelf {
        Some(shelf) => shelf
            .latest()
            .map_err(|error| EngineBuildError::Advisories(error.to_string()))?,
        None => Vec::new(),
    };
    for body in advisories {
        let newer: AdvisorySet = serde_json::from_str(body).map_err(|error| {
            EngineBuildError::Advisories(format!("stored vulnerability data: {error}"))
        })?;
        match sets.iter().position(|set| set.info.id == newer.info.id) {
            Some(at) => {
                let older = sets.swap_remove(at);
                sets.push(shinsa_ingest::advisories::laid_over(older, newer));
            }
            None => sets.push(newer),
        }
    }
    Ok((!sets.is_empty()).then(|| Arc::new(AdvisoryIndex::new(sets))))
}

/// Why the engine for the store's publications could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineBuildError {
    #[error("reference data: {0}")]
    Reference(String),
    #[error("policy pack: {0}")]
    Pack(String),
    #[error("vulnerability data: {0}")]
    Advisories(String),
}

/// Reads an uploaded register (see [`shinsa_ingest::upload`]) as of today.
pub fn read_register(
    engine: &Engine,
    label: &str,
    format: UploadFormat,
    bytes: Vec<u8>,
    operator: &BomOperator,
) -> Result<LoadedBundle, InputErrors> {
    shinsa_ingest::upload::read_upload(label, format, bytes, operator, engine.reference(), today())
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

/// A finding as the store keeps it. Its provenance is left out of the
/// stored body: it is the run's (`runs.provenance`), the same for every
/// finding of the run, and would otherwise be most of each row.
pub fn finding_row(mut finding: Finding) -> Result<FindingRow, serde_json::Error> {
    finding.detach_provenance();
    Ok(FindingRow {
        body: serde_json::to_string(&finding)?,
        key: finding.id,
        severity: finding.severity.as_str().to_owned(),
        severity_rank: match finding.severity {
            shinsa_model::Severity::Prohibited => 0,
            shinsa_model::Severity::Review => 1,
            shinsa_model::Severity::Notice => 2,
        },
        rule_id: finding.rule.id,
        subject_kind: finding.subject.kind.as_str().to_owned(),
        subject_id: finding.subject.id,
        subject_name: finding.subject_name,
        title: finding.title.to_string(),
        title_ja: finding.title_ja.to_string(),
    })
}

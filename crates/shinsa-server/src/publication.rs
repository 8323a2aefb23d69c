//! The publication service: list and pack versions published to every
//! operator, each publication re-screening every register (queued in the
//! same transaction by the store). Who may publish what is
//! [`crate::access`]'s; refusals are [`crate::Error`]s.

use crate::Shared;
use crate::access::{self, LIST_PUBLISHERS, PACK_PUBLISHERS};
use crate::clock::today;
use crate::error::{Error, FieldError, Result};
use serde::Serialize;
use shinsa_store::*;
use utoipa::ToSchema;

/// What a list publication did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedLists {
    /// The versions that were new; an identical file publishes nothing.
    pub published: Vec<ListVersionSummary>,
    /// Registers queued for re-screening.
    pub runs_queued: usize,
}

/// Publishes the lists in a file (platform-admin: lists apply to every
/// sector, so no one ministry publishes them).
pub async fn publish_lists(
    state: &Shared,
    principal: &Principal,
    file: shinsa_ingest::lists::ListFile,
    id: Option<String>,
    version: Option<shinsa_model::Date>,
) -> Result<PublishedLists> {
    access::require(principal, LIST_PUBLISHERS, "publishing a list")?;
    let files = [file];
    let options = shinsa_ingest::lists::ImportOptions {
        id,
        version,
        today: today(),
    };
    let imported =
        tokio::task::spawn_blocking(move || shinsa_ingest::lists::import(&files, &options))
            .await?
            .map_err(Error::BadInput)?;
    let registers = state.store.registers(&Tenant::System).await?.len();
    let mut fresh = Vec::new();
    for list in imported {
        let body =
            serde_json::to_string(&list).map_err(|error| Error::Internal(error.to_string()))?;
        let new = NewListVersion {
            list_id: list.info.id.clone(),
            version: list.info.version.to_string(),
            sha256: list.info.sha256.clone(),
            entries: list.parties.len() as i64,
            body,
        };
        if state.store.publish_list(&principal.actor(), new).await? {
            fresh.push((list.info.id, list.info.sha256));
        }
    }
    state.jobs.notify_waiters();
    let published: Vec<ListVersionSummary> = state
        .store
        .list_versions()
        .await?
        .into_iter()
        .filter(|version| fresh.contains(&(version.list_id.clone(), version.sha256.clone())))
        .collect();
    Ok(PublishedLists {
        runs_queued: registers * published.len(),
        published,
    })
}

/// What a publication of vulnerability data did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedAdvisories {
    /// The sets that were new, one per source the file held; a file
    /// published before publishes nothing.
    pub published: Vec<AdvisoryVersionSummary>,
    /// Per source in the file: records refused, each with its file and
    /// pointer (the first 100 of each source; every one is counted).
    pub refusals: Vec<String>,
    /// Files inside an archive that are not vulnerability data, and
    /// sources of which nothing could be read, with why.
    pub skipped: Vec<String>,
    /// Registers queued for re-screening.
    pub runs_queued: usize,
}

/// Publishes the vulnerability data in a file (KEV JSON or CSV, CVE 5 or
/// NVD 2.0 records, CSAF advisories, MyJVN XML, vendor VEX, or a `.tgz` of
/// them), one version per source it holds (platform-admin: the data
/// applies to every sector). Each source's set is laid over what was
/// published of it before, and every register is re-screened.
pub async fn publish_advisories(
    state: &Shared,
    principal: &Principal,
    file: shinsa_ingest::advisories::AdvisoryFile,
) -> Result<PublishedAdvisories> {
    access::require(principal, LIST_PUBLISHERS, "publishing vulnerability data")?;
    let files = [file];
    let imported =
        tokio::task::spawn_blocking(move || shinsa_ingest::advisories::import(&files, today()))
            .await?
            .map_err(Error::BadInput)?;
    if imported.sets.iter().all(|set| set.info.read == 0) {
        // Nothing to publish: what screening uses stays as it was (an
        // empty KEV file must not empty the catalogue), and the sender is
        // told why rather than answered "created".
        let mut reasons: Vec<String> = imported
            .sets
            .iter()
            .flat_map(|set| set.info.refusals.iter().cloned())
            .chain(imported.skipped)
            .collect();
        if reasons.is_empty() {
            reasons.push("the file holds no records".to_owned());
        }
        return Err(Error::Invalid {
            kind: "nothing-read",
            title: "No vulnerability record could be read; nothing was published",
            detail: reasons.join("; "),
            errors: reasons
                .into_iter()
                .map(|message| FieldError {
                    pointer: None,
                    message,
                    message_ja: None,
                })
                .collect(),
        });
    }
    let registers = state.store.registers(&Tenant::System).await?.len();
    let mut fresh = Vec::new();
    let mut refusals = Vec::new();
    let mut skipped = imported.skipped;
    for set in imported.sets {
        refusals.extend(set.info.refusals.iter().cloned());
        if set.info.read == 0 {
            // Nothing read: what screening uses stays as it was (an empty
            // KEV file must not empty the catalogue).
            skipped.push(format!("{}: nothing read, not published", set.info.id));
            continue;
        }
        let body =
            serde_json::to_string(&set).map_err(|error| Error::Internal(error.to_string()))?;
        let new = NewAdvisoryVersion {
            source_id: set.info.id.clone(),
            version: set.info.version.to_string(),
            sha256: set.info.sha256.clone(),
            records: set.info.read as i64,
            refused: set.info.refused as i64,
            body,
        };
        if state
            .store
            .publish_advisories(&principal.actor(), new)
            .await?
        {
            fresh.push((set.info.id, set.info.sha256));
        }
    }
    state.jobs.notify_waiters();
    let published: Vec<AdvisoryVersionSummary> = state
        .store
        .advisory_versions()
        .await?
        .into_iter()
        .filter(|version| fresh.contains(&(version.source_id.clone(), version.sha256.clone())))
        .collect();
    Ok(PublishedAdvisories {
        runs_queued: registers * published.len(),
        published,
        refusals,
        skipped,
    })
}

/// A pack the server can screen with.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackSummary {
    pub pack_id: String,
    pub version: String,
    pub sha256: String,
    pub effective_from: String,
    pub effective_until: Option<String>,
    /// The sectors the pack is for; none: every sector.
    pub sectors: Option<Vec<String>>,
    pub rules: usize,
    /// `bundled`, or who published it and when.
    pub source: String,
}

fn pack_summary(pack: &shinsa_policy::Pack, source: String) -> PackSummary {
    PackSummary {
        pack_id: pack.id.clone(),
        version: pack.version.clone(),
        sha256: pack.sha256.clone(),
        effective_from: pack.effective_from.to_string(),
        effective_until: pack.effective_until.map(|day| day.to_string()),
        sectors: pack.sectors.clone(),
        rules: pack.rules().len(),
        source,
    }
}

fn bundled_packs() -> Result<Vec<shinsa_policy::Pack>> {
    shinsa_policy::Pack::bundled().map_err(|error| Error::Internal(error.to_string()))
}

/// The bundled and published packs.
pub async fn packs(state: &Shared) -> Result<Vec<PackSummary>> {
    let mut all: Vec<PackSummary> = bundled_packs()?
        .iter()
        .map(|pack| pack_summary(pack, "bundled".into()))
        .collect();
    let published = state.store.pack_versions().await?;
    for stored in state.store.stored_packs().await? {
        let pack = crate::engine::stored_pack(&stored).map_err(Error::Internal)?;
        let by = published
            .iter()
            .find(|version| version.pack_id == stored.pack_id && version.sha256 == stored.sha256)
            .map(|version| {
                format!(
                    "published by {} at {}",
                    version.published_by, version.published_at
                )
            })
            .ok_or_else(|| {
                Error::Internal(format!(
                    "pack {}@{} is stored without its publication",
                    stored.pack_id, stored.version
                ))
            })?;
        all.push(pack_summary(&pack, by));
    }
    Ok(all)
}

/// Publishes a pack version from a zip of its folder (a regulator-admin
/// for the sectors its ministry oversees; a platform-admin for any).
pub async fn publish_pack(
    state: &Shared,
    principal: &Principal,
    zip: &[u8],
) -> Result<PackSummary> {
    access::require(principal, PACK_PUBLISHERS, "publishing a pack")?;
    let zip = zip.to_vec();
    let read =
        tokio::task::spawn_blocking(move || crate::engine::read_pack("pack.zip", &zip)).await?;
    let (pack, stored) = read.map_err(|problems| Error::Invalid {
        kind: "bad-pack",
        title: "The pack does not validate; nothing was published",
        detail: problems.join("; "),
        errors: problems
            .into_iter()
            .map(|message| FieldError {
                pointer: None,
                message,
                message_ja: None,
            })
            .collect(),
    })?;
    let beyond = access::pack_sectors_beyond(principal, pack.sectors.as_deref());
    if !beyond.is_empty() {
        return Err(Error::Forbidden(format!(
            "{}@{} covers {}, which {} does not oversee (it oversees {}); a pack for other sectors is published by their ministry or a platform-admin",
            pack.id,
            pack.version,
            beyond.join(", "),
            principal.org.name,
            principal.org.sectors.join(", ")
        )));
    }
    let published = state.store.stored_packs().await?;
    let clash = bundled_packs()?
        .iter()
        .map(|other| {
            (
                other.id.clone(),
                other.version.clone(),
                other.sha256.clone(),
            )
        })
        .chain(published.iter().map(|other| {
            (
                other.pack_id.clone(),
                other.version.clone(),
                other.sha256.clone(),
            )
        }))
        .any(|(id, version, sha256)| {
            id == pack.id && version == pack.version && sha256 != pack.sha256
        });
    if clash {
        return Err(Error::Conflict {
            kind: "version-taken",
            title: "That version exists with other content",
            detail: format!(
                "{}@{} exists with other content; give the changed pack a new version",
                pack.id, pack.version
            ),
        });
    }
    state.store.publish_pack(&principal.actor(), stored).await?;
    state.jobs.notify_waiters();
    let source = format!("published by {}", principal.actor().0);
    Ok(pack_summary(&pack, source))
}

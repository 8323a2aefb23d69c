//! The registers service: an upload read, checked and stored with its
//! screening queued, and triage decisions on the findings. For the API and
//! the UI alike; refusals are [`crate::Error`]s.

use crate::Shared;
use crate::access::{self, OPERATOR_WRITERS};
use crate::clock::today;
use crate::engine::{BomOperator, UploadFormat};
use crate::error::{Error, Result};
use serde::Serialize;
use shinsa_store::*;
use utoipa::ToSchema;

/// A register accepted and its screening queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadAccepted {
    pub register: RegisterSummary,
    pub run: Run,
    /// Kept but worth telling (an unknown category).
    pub warnings: Vec<String>,
}

/// The organisation files the register, whatever the file says: its
/// identity replaces the operator the file names (said in a warning), and
/// the file's sector must be one the organisation has — screening rules
/// read the operator's sector, so a file must not choose its own rules.
fn file_under(
    org: &Organisation,
    file: &str,
    inventory: &mut shinsa_model::Inventory,
) -> Result<Vec<String>> {
    let stated = &inventory.operator;
    if !org.sectors.contains(&stated.sector) {
        let error = shinsa_ingest::InputError::new(
            shinsa_ingest::Location::Pointer {
                file: file.to_owned(),
                pointer: "/operator/sector".into(),
            },
            "sector",
            format!(
                "a sector of organisation {} ({}): {}",
                org.name,
                org.id,
                org.sectors.join(", ")
            ),
            stated.sector.clone(),
        );
        return Err(Error::BadInput(shinsa_ingest::InputErrors::one(error)));
    }
    if stated.id == org.id && stated.name == org.name {
        return Ok(Vec::new());
    }
    let warning = format!(
        "/operator: the file names the operator {} ({}); the register is filed under organisation {} ({}), whose identity replaces it",
        stated.name, stated.id, org.name, org.id
    );
    inventory.operator.id = org.id.clone();
    inventory.operator.name = org.name.clone();
    Ok(vec![warning])
}

/// Reads, checks and stores an uploaded register; queues its screening.
pub async fn accept(
    state: &Shared,
    principal: &Principal,
    name: &str,
    content_type: Option<&str>,
    bytes: Vec<u8>,
    critical: bool,
) -> Result<UploadAccepted> {
    access::require(principal, OPERATOR_WRITERS, "uploading a register")?;
    let format = UploadFormat::detect(content_type, &bytes).ok_or_else(|| {
        Error::BadRequest(
            "expected a bundle as JSON (application/json), an XLSX workbook, a zip of the bundle folder (application/zip) or a BOM (CycloneDX JSON or XML, SPDX JSON, tag-value or 3.0)".into(),
        )
    })?;
    let sector = principal.org.sectors.first().cloned().ok_or_else(|| {
        Error::Internal(format!(
            "organisation {} is an operator without a sector",
            principal.org.id
        ))
    })?;
    let operator = BomOperator {
        id: principal.org.id.clone(),
        name: principal.org.name.clone(),
        sector,
        critical,
    };
    if name.trim().is_empty() {
        return Err(Error::BadRequest("name: a register needs a name".into()));
    }
    crate::limits::check(crate::limits::REGISTER_NAME, name)?;
    if let Err(wait) = state.uploads.take(
        &principal.org.id,
        state.config.uploads_per_hour,
        std::time::Instant::now(),
    ) {
        return Err(Error::TooMany {
            detail: format!(
                "{} uploads an hour is the most for one organisation; the next may come in {} minutes",
                state.config.uploads_per_hour,
                wait.as_secs().div_ceil(60)
            ),
            retry_after: wait.as_secs(),
        });
    }
    let engine = state.engine().await?;
    let label = format!("{name}.{}", format.as_str());
    let file = label.clone();
    // Read by one of the few readers (`limits::takes_upload`), within its
    // share of upload_memory_mb.
    let mut loaded = tokio::task::spawn_blocking(move || {
        crate::engine::read_register(&engine, &label, format, bytes, &operator)
    })
    .await?
    .map_err(Error::BadInput)?;
    let decision = file_under(&principal.org, &file, &mut loaded.inventory)?;
    loaded.warnings.extend(decision);
    let inventory = &loaded.inventory;
    let subjects = inventory.assets.len() + inventory.contracts.len() + inventory.dataflows.len();
    let new = NewRegister {
        name: name.trim().to_owned(),
        format: format.as_str().to_owned(),
        input_sha256: loaded.input_sha256.clone(),
        inventory: serde_json::to_string(inventory)
            .map_err(|error| Error::Internal(error.to_string()))?,
        subjects: subjects as i64,
        warnings: loaded.warnings.clone(),
    };
    let (register, run) = state
        .store
        .upload_register(&access::tenant(principal), &principal.actor(), new)
        .await?;
    state.jobs.notify_one();
    Ok(UploadAccepted {
        register,
        run,
        warnings: loaded.warnings,
    })
}

/// Screens a register again (operators).
pub async fn screen_again(state: &Shared, principal: &Principal, id: &str) -> Result<Run> {
    access::require(principal, OPERATOR_WRITERS, "starting a screening")?;
    let run = state
        .store
        .queue_run(&access::tenant(principal), &principal.actor(), id, "manual")
        .await?;
    state.jobs.notify_one();
    Ok(run)
}

/// Checks a triage decision: an accepted risk needs a justification and a
/// future expiry date; a false positive needs a justification.
fn check_decision(decision: &TriageDecision) -> Result<()> {
    let justified = decision
        .justification
        .as_deref()
        .is_some_and(|text| !text.trim().is_empty());
    match decision.status {
        TriageStatus::AcceptedRisk => {
            if !justified {
                return Err(Error::BadRequest(
                    "an accepted risk needs a justification".into(),
                ));
            }
            let Some(expires) = decision.expires_at.as_deref() else {
                return Err(Error::BadRequest(
                    "expires_at: an accepted risk needs the day it must be looked at again (YYYY-MM-DD)".into(),
                ));
            };
            let day = shinsa_model::parse_date(expires).map_err(|_| {
                Error::BadRequest(format!(
                    "expires_at: expected a date YYYY-MM-DD for an accepted risk, found {expires:?}"
                ))
            })?;
            if day <= today() {
                return Err(Error::BadRequest(format!(
                    "expires_at: {day} is not in the future"
                )));
            }
        }
        TriageStatus::FalsePositive if !justified => {
            return Err(Error::BadRequest(
                "a false positive needs a justification".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Records a triage decision on a finding of a register (operators).
pub async fn triage(
    state: &Shared,
    principal: &Principal,
    register_id: &str,
    key: &str,
    decision: TriageDecision,
) -> Result<Triage> {
    access::require(principal, OPERATOR_WRITERS, "triaging a finding")?;
    crate::limits::check_optional(
        crate::limits::JUSTIFICATION,
        decision.justification.as_deref(),
    )?;
    check_decision(&decision)?;
    Ok(state
        .store
        .triage(
            &access::tenant(principal),
            &principal.actor(),
            register_id,
            key,
            decision,
        )
        .await?)
}

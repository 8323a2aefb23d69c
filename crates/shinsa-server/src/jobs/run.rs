//! A screening run: a stored register version screened by the engine, its
//! findings written with the run's completion in one transaction, so a run
//! is never half written nor written twice. A run a publication caused
//! asks, in that transaction, for the register's cleared plans to be
//! re-reviewed ([`super::rereview`]).

use crate::Shared;
use crate::engine::finding_row;
use shinsa_store::{ClaimedRun, RunResult, StoreError};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// Whether a run of `reason` is a publication's (a list or pack version),
/// which may change what cleared plans would be found to contain.
fn caused_by_publication(reason: &str) -> bool {
    !matches!(reason, "upload" | "manual")
}

/// Screens one claimed run, renewing its lease meanwhile, and stores its
/// outcome if the lease still holds.
pub async fn run(state: &Shared, claimed: ClaimedRun) {
    let id = claimed.run.id.clone();
    let store = state.store.clone();
    let renewed = id.clone();
    let renewal = super::renewing(state, format!("run {id}"), move |lease| {
        let store = store.clone();
        let id = renewed.clone();
        async move { store.renew_run_lease(&id, &lease).await }
    });
    let outcome = screen(state, claimed).await;
    drop(renewal);
    let stored = match outcome {
        Ok(result) => {
            let findings = result.findings.len() as u64;
            match state.store.finish_run(&id, &state.replica, result).await {
                Ok(change) => {
                    state.metrics.runs_done.fetch_add(1, Relaxed);
                    state.metrics.findings_written.fetch_add(findings, Relaxed);
                    tracing::info!(run = %id, register = %change.register_id, new = change.new.len(), resolved = change.resolved.len(), superseded_by = ?change.superseded_by, "run finished");
                    state.outbox.notify_one();
                    state.jobs.notify_one();
                    Ok(())
                }
                Err(error) => Err(error),
            }
        }
        Err(error) => match state.store.fail_run(&id, &state.replica, &error).await {
            Ok(()) => {
                state.metrics.runs_failed.fetch_add(1, Relaxed);
                tracing::warn!(run = %id, %error, "run failed");
                Ok(())
            }
            Err(stored) => Err(stored),
        },
    };
    match stored {
        Ok(()) => {}
        Err(StoreError::Stale(why)) => {
            state.metrics.runs_lost.fetch_add(1, Relaxed);
            tracing::warn!(run = %id, %why, "lease lost: the outcome is not written, the replica holding the run now writes its own");
        }
        Err(error) => {
            // The lease runs out and another replica (or this one) takes
            // the run again.
            state.metrics.runs_failed.fetch_add(1, Relaxed);
            tracing::error!(run = %id, %error, "recording a run's outcome");
        }
    }
}

async fn screen(state: &Shared, claimed: ClaimedRun) -> Result<RunResult, String> {
    let engine = state.engine().await.map_err(|error| error.to_string())?;
    let store = state.store.clone();
    let handle = tokio::runtime::Handle::current();
    let reason = claimed.run.reason.clone();
    let register_id = claimed.run.register_id.clone();
    tokio::task::spawn_blocking(move || {
        let inventory: shinsa_model::Inventory = serde_json::from_str(&claimed.inventory)
            .map_err(|error| format!("the stored register does not read: {error}"))?;
        let mut last = std::time::Instant::now();
        let run_id = claimed.run.id.clone();
        // Progress is written beside the screening, never in its way: a
        // write waits for the store's one writer (another run's findings
        // being committed), and the screening went on waiting with it. One
        // write at a time; one due while another is on its way is left
        // out, and finishing the run says it is all done.
        let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let screened = engine
            .screen(
                &inventory,
                &claimed.input_sha256,
                crate::clock::today(),
                &mut |done, total| {
                    if last.elapsed() > Duration::from_millis(250) && !writing.swap(true, Relaxed) {
                        last = std::time::Instant::now();
                        let (store, run_id, writing) =
                            (store.clone(), run_id.clone(), writing.clone());
                        handle.spawn(async move {
                            // Progress is a courtesy: a failed update is not the run's.
                            if let Err(error) =
                                store.run_progress(&run_id, done as i64, total as i64).await
                            {
                                tracing::debug!(run = %run_id, %error, "progress not recorded");
                            }
                            writing.store(false, Relaxed);
                        });
                    }
                },
            )
            .map_err(|error| error.to_string())?;
        Ok(RunResult {
            findings: screened
                .findings
                .into_iter()
                .map(finding_row)
                .collect::<Result<_, _>>()
                .map_err(|error| format!("writing a finding: {error}"))?,
            provenance: serde_json::to_value(&screened.provenance)
                .map_err(|error| format!("writing the run's provenance: {error}"))?,
            warnings: screened.warnings,
            mailed: crate::access::mailed_of_findings_change(&reason).to_vec(),
            then: if caused_by_publication(&reason) {
                vec![super::rereview::new(&register_id)]
            } else {
                Vec::new()
            },
        })
    })
    .await
    .map_err(|error| format!("the screening task stopped: {error}"))?
}

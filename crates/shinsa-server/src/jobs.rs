//! Background work: screening runs from the store's queue, the review
//! clocks' reminders, and (in [`crate::delivery`]) the outbox.
//!
//! Every replica runs the same workers against one database. A run is
//! taken with a lease that its worker renews while it screens; a replica
//! killed mid-run stops renewing, and once the lease runs out another
//! replica takes the run over. Only the lease holder may write the
//! outcome, and a run's findings are written with its completion in one
//! transaction, so a run is never half written nor written twice.

use crate::Shared;
use crate::screening::finding_row;
use shinsa_store::{ClaimedRun, Lease, RunResult, StoreError};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Starts the configured number of screening workers, the delivery pool
/// and the review clocks' reminders; each stops when `stop` turns true.
pub fn start(state: Shared, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = (0..state.config.workers.max(1))
        .map(|_| tokio::spawn(worker(state.clone(), stop.clone())))
        .collect();
    handles.push(tokio::spawn(reminders(state.clone(), stop.clone())));
    handles.push(tokio::spawn(crate::delivery::pool(state, stop)));
    handles
}

/// How often the review clocks are looked at and ended sessions purged.
const REMINDER_TICK: Duration = Duration::from_secs(600);

/// Sends the review clocks' reminders when the server starts and every
/// [`REMINDER_TICK`] after; each reminder goes once (the store keeps
/// which were sent), so replicas may all run this. Sessions that expired
/// or went idle are deleted on the same tick.
async fn reminders(state: Shared, mut stop: watch::Receiver<bool>) {
    loop {
        match crate::plans::send_reminders(&state, crate::screening::today()).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "review reminders queued"),
            Err(problem) => tracing::warn!(error = %problem.detail, "review reminders"),
        }
        let (now, idle_since) = crate::auth::session_bounds(&state.config);
        match state.store.purge_sessions(&now, &idle_since).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "ended sessions deleted"),
            Err(error) => tracing::warn!(%error, "purging ended sessions"),
        }
        tokio::select! {
            _ = tokio::time::sleep(REMINDER_TICK) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Waits for `notify`, a tick, or the stop; true when stopping.
async fn idle(notify: &tokio::sync::Notify, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = notify.notified() => false,
        _ = tokio::time::sleep(Duration::from_secs(2)) => false,
        _ = stop.changed() => true,
    }
}

async fn worker(state: Shared, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let lease = Lease::starting_now(&state.replica, state.config.lease());
        match state.store.claim_run(&lease).await {
            Ok(Some(claimed)) => run(&state, claimed).await,
            Ok(None) => {
                if idle(&state.jobs, &mut stop).await {
                    return;
                }
            }
            Err(error) => {
                tracing::error!(%error, "claiming a run");
                if idle(&state.jobs, &mut stop).await {
                    return;
                }
            }
        }
    }
}

/// Screens one claimed run, renewing its lease meanwhile, and stores its
/// outcome if the lease still holds.
pub async fn run(state: &Shared, claimed: ClaimedRun) {
    let id = claimed.run.id.clone();
    let renewal = tokio::spawn(renew(state.clone(), id.clone()));
    let outcome = screen(state, claimed).await;
    renewal.abort();
    let stored = match outcome {
        Ok(result) => {
            let findings = result.findings.len() as u64;
            match state.store.finish_run(&id, &state.replica, result).await {
                Ok(change) => {
                    state.metrics.runs_done.fetch_add(1, Relaxed);
                    state.metrics.findings_written.fetch_add(findings, Relaxed);
                    tracing::info!(run = %id, register = %change.register_id, new = change.new.len(), resolved = change.resolved.len(), superseded_by = ?change.superseded_by, "run finished");
                    state.outbox.notify_one();
                    // A list or pack change may touch items of plans
                    // already cleared.
                    if change.superseded_by.is_none()
                        && !matches!(change.reason.as_str(), "upload" | "manual")
                    {
                        match crate::plans::rereview_cleared(state, &change.register_id).await {
                            Ok(0) => {}
                            Ok(moved) => {
                                tracing::info!(register = %change.register_id, plans = moved, "cleared plans back to review")
                            }
                            Err(problem) => {
                                tracing::warn!(register = %change.register_id, error = %problem.detail, "re-screening cleared plans")
                            }
                        }
                    }
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

/// Renews the lease on run `id` every third of its length until aborted
/// or lost.
async fn renew(state: Shared, id: String) {
    let length = state.config.lease();
    loop {
        tokio::time::sleep(length / 3).await;
        let lease = Lease::starting_now(&state.replica, length);
        match state.store.renew_run_lease(&id, &lease).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(run = %id, "lease lost while screening");
                return;
            }
            Err(error) => tracing::warn!(run = %id, %error, "renewing a lease"),
        }
    }
}

async fn screen(state: &Shared, claimed: ClaimedRun) -> Result<RunResult, String> {
    let screening = state.screening().await.map_err(|problem| problem.detail)?;
    let store = state.store.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let inventory: shinsa_model::Inventory = serde_json::from_str(&claimed.inventory)
            .map_err(|error| format!("the stored register does not read: {error}"))?;
        let mut last = std::time::Instant::now();
        let run_id = claimed.run.id.clone();
        let (findings, provenance) = screening
            .screen(&inventory, &claimed.input_sha256, &mut |done, total| {
                if done == total || last.elapsed() > Duration::from_millis(250) {
                    last = std::time::Instant::now();
                    // Progress is a courtesy: a failed update is not the run's.
                    let _ = handle.block_on(store.run_progress(&run_id, done as i64, total as i64));
                }
            })
            .map_err(|error| error.to_string())?;
        Ok(RunResult {
            findings: findings.iter().map(finding_row).collect(),
            provenance: serde_json::to_value(&provenance)
                .map_err(|error| format!("writing the run's provenance: {error}"))?,
        })
    })
    .await
    .map_err(|error| format!("the screening task stopped: {error}"))?
}

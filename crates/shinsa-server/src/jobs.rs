//! Background work: screening runs from the store's queue, and webhook
//! deliveries from its outbox.
//!
//! A run's findings are written with its completion in one transaction, so
//! a server killed mid-run leaves the run `running` with nothing written;
//! the next start puts it back in the queue.

use crate::Shared;
use crate::screening::finding_row;
use hmac::{Hmac, Mac as _};
use shinsa_store::{ClaimedRun, RunResult};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Starts the configured number of screening workers, one outbox sender
/// and the review clocks' reminders; each stops when `stop` turns true.
pub fn start(state: Shared, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = (0..state.config.workers.max(1))
        .map(|_| tokio::spawn(worker(state.clone(), stop.clone())))
        .collect();
    handles.push(tokio::spawn(reminders(state.clone(), stop.clone())));
    handles.push(tokio::spawn(sender(state, stop)));
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
        match state.store.claim_run().await {
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

/// Screens one claimed run and stores its outcome.
pub async fn run(state: &Shared, claimed: ClaimedRun) {
    let id = claimed.run.id.clone();
    let outcome = screen(state, claimed).await;
    let stored = match outcome {
        Ok(result) => {
            let findings = result.findings.len() as u64;
            match state.store.finish_run(&id, result).await {
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
                Err(error) => Err(error.to_string()),
            }
        }
        Err(error) => Err(error),
    };
    if let Err(error) = stored {
        state.metrics.runs_failed.fetch_add(1, Relaxed);
        tracing::warn!(run = %id, %error, "run failed");
        if let Err(error) = state.store.fail_run(&id, &error).await {
            tracing::error!(run = %id, %error, "recording a failed run");
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
            provenance: serde_json::to_value(&provenance).unwrap_or_default(),
        })
    })
    .await
    .map_err(|error| format!("the screening task stopped: {error}"))?
}

/// The header a webhook receiver checks: `t=UNIX,v1=HMAC-SHA256(secret,
/// "UNIX.BODY")` in hex, so a replayed or altered delivery fails.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

async fn sender(state: Shared, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match state.store.outbox_pending("webhook", 50).await {
            Ok(messages) if !messages.is_empty() => {
                for message in messages {
                    let outcome = deliver(&state, &message).await;
                    let counter = if outcome.starts_with('2') {
                        &state.metrics.webhooks_sent
                    } else {
                        &state.metrics.webhooks_failed
                    };
                    counter.fetch_add(1, Relaxed);
                    if let Err(error) = state.store.outbox_sent(message.id, &outcome).await {
                        tracing::error!(%error, "recording a webhook delivery");
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "reading the outbox"),
        }
        if idle(&state.outbox, &mut stop).await {
            return;
        }
    }
}

/// Posts one webhook; returns the status code or the error, as recorded.
async fn deliver(state: &Shared, message: &shinsa_store::OutboxMessage) -> String {
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = webhook_signature(
        message.secret.as_deref().unwrap_or_default(),
        timestamp,
        &message.payload,
    );
    let url = message.target.clone();
    let body = message.payload.clone();
    let agent = crate::outbound::webhook_agent(&state.config.webhook_allow_hosts);
    let sent = tokio::task::spawn_blocking(move || {
        agent
            .post(&url)
            .header("content-type", "application/json")
            .header("shinsa-signature", &signature)
            .send(body.as_bytes())
            .map(|response| response.status().as_u16().to_string())
            .map_err(|error| format!("failed: {error}"))
    })
    .await;
    match sent {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => error,
        Err(error) => format!("failed: {error}"),
    }
}

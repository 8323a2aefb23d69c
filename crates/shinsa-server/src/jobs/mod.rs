//! The background runner: it claims work from the store and hands it to the
//! one service that owns it, and knows nothing of what the work means.
//!
//! - screening runs ([`run`]) are claimed from the runs queue and screened
//!   by the engine;
//! - other jobs ([`KINDS`]: re-reviewing a register's cleared plans) are
//!   claimed from the jobs queue, into which the change that calls for them
//!   put them in its own transaction, and retried with backoff until done
//!   or dead;
//! - deliveries are the delivery pool's ([`crate::delivery`]);
//! - every [`TICK`], the review clocks' reminders (the plans service) and
//!   the purge of ended sessions.
//!
//! Every replica runs the same workers against one database. Runs, jobs
//! and deliveries are all leased the same way ([`renewing`]): for
//! `lease_seconds`, renewed every third of that while the work goes on; a
//! replica killed mid-work stops renewing, and once the lease runs out
//! another replica takes the work over. Only the lease holder may write
//! the outcome.

mod rereview;
mod run;

use crate::Shared;
use shinsa_store::{Job, JobOutcome, Lease, StoreError};
use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Every kind of job the runner knows, by the name the store keeps.
pub const KINDS: &[&str] = &[rereview::KIND];

/// Attempts at a job before it is dead.
const MAX_ATTEMPTS: i64 = 8;

/// How often the review clocks are looked at and ended sessions purged.
const TICK: Duration = Duration::from_secs(600);

/// Starts the configured number of workers, the delivery pool and the
/// ticks; each stops when `stop` turns true.
pub fn start(state: Shared, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = (0..state.config.workers.max(1))
        .map(|_| tokio::spawn(worker(state.clone(), stop.clone())))
        .collect();
    handles.push(tokio::spawn(ticks(state.clone(), stop.clone())));
    handles.push(tokio::spawn(crate::delivery::pool(state, stop)));
    handles
}

/// Sends the review clocks' reminders when the server starts and every
/// [`TICK`] after (each reminder goes once: the store keeps which were
/// sent, so replicas may all do this), and deletes sessions that expired
/// or went idle.
async fn ticks(state: Shared, mut stop: watch::Receiver<bool>) {
    loop {
        match crate::plans::send_reminders(&state, crate::clock::today()).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "review reminders queued"),
            Err(error) => tracing::warn!(%error, "review reminders"),
        }
        let (now, idle_since) = crate::auth::session_bounds(&state.config);
        match state.store.purge_sessions(&now, &idle_since).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "ended sessions deleted"),
            Err(error) => tracing::warn!(%error, "purging ended sessions"),
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
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

/// Takes runs first (people wait for them), then other jobs.
async fn worker(state: Shared, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let lease = Lease::starting_now(&state.replica, state.config.lease());
        let worked = match state.store.claim_run(&lease).await {
            Ok(Some(claimed)) => {
                run::run(&state, claimed).await;
                true
            }
            Ok(None) => match state.store.claim_job(&lease).await {
                Ok(Some(job)) => {
                    job_attempt(&state, job).await;
                    true
                }
                Ok(None) => false,
                Err(error) => {
                    tracing::error!(%error, "claiming a job");
                    false
                }
            },
            Err(error) => {
                tracing::error!(%error, "claiming a run");
                false
            }
        };
        if !worked && idle(&state.jobs, &mut stop).await {
            return;
        }
    }
}

/// Keeps a lease renewed while the work it covers goes on: `renew` is
/// called with a fresh lease every third of `lease_seconds` until the
/// returned guard is dropped, or until it answers that the lease was lost.
/// Runs, jobs and deliveries are all held this way.
pub(crate) fn renewing<F, Fut>(state: &Shared, what: String, renew: F) -> Renewal
where
    F: Fn(Lease) -> Fut + Send + 'static,
    Fut: Future<Output = Result<bool, StoreError>> + Send,
{
    let length = state.config.lease();
    let replica = state.replica.clone();
    Renewal(tokio::spawn(async move {
        loop {
            tokio::time::sleep(length / 3).await;
            match renew(Lease::starting_now(&replica, length)).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(%what, "lease lost while working");
                    return;
                }
                Err(error) => tracing::warn!(%what, %error, "renewing a lease"),
            }
        }
    }))
}

/// Stops renewing a lease when dropped.
#[derive(Debug)]
pub(crate) struct Renewal(JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One attempt at a job: its service does the work; a failure is tried
/// again after a backoff (30 s doubled per attempt, at most an hour) until
/// [`MAX_ATTEMPTS`], then the job is dead (kept, listed, on the audit
/// chain).
async fn job_attempt(state: &Shared, job: Job) {
    let store = state.store.clone();
    let id = job.id.clone();
    let _renewal = renewing(state, format!("job {id}"), move |lease| {
        let store = store.clone();
        let id = id.clone();
        async move { store.renew_job_lease(&id, &lease).await }
    });
    let done = match job.kind.as_str() {
        rereview::KIND => rereview::run(state, &job).await,
        other => Err(format!("no job of kind {other:?} is known to this server")),
    };
    let outcome = match done {
        Ok(outcome) => {
            tracing::info!(job = %job.id, kind = %job.kind, %outcome, "job done");
            JobOutcome::Done(outcome)
        }
        Err(error) if job.attempts >= MAX_ATTEMPTS => {
            state.metrics.jobs_dead.fetch_add(1, Relaxed);
            tracing::error!(job = %job.id, kind = %job.kind, %error, "job dead");
            JobOutcome::Dead(error)
        }
        Err(error) => {
            state.metrics.jobs_failed.fetch_add(1, Relaxed);
            let wait = crate::delivery::backoff(30.0, job.attempts, 1.0);
            tracing::warn!(job = %job.id, kind = %job.kind, %error, retry_in = ?wait, "job failed");
            JobOutcome::Retry {
                error,
                run_after: shinsa_store::timestamp(time::OffsetDateTime::now_utc() + wait),
            }
        }
    };
    match state
        .store
        .finish_job(&job.id, &state.replica, outcome)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Stale(why)) => tracing::warn!(job = %job.id, %why, "job lease lost"),
        Err(error) => tracing::error!(job = %job.id, %error, "recording a job's outcome"),
    }
}

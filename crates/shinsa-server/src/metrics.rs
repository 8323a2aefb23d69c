//! `/health` and Prometheus `/metrics`.

use crate::Shared;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters since the server started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [AtomicU64; 5],
    request_micros: AtomicU64,
    pub runs_done: AtomicU64,
    pub runs_failed: AtomicU64,
    pub findings_written: AtomicU64,
    /// Runs whose lease was lost before their outcome was written.
    pub runs_lost: AtomicU64,
    pub deliveries_sent: AtomicU64,
    pub deliveries_failed: AtomicU64,
    /// Job attempts that failed and will be tried again.
    pub jobs_failed: AtomicU64,
    /// Jobs given up on.
    pub jobs_dead: AtomicU64,
}

/// Counts every request by status class and its time.
pub async fn count(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let class = usize::from(response.status().as_u16() / 100).clamp(1, 5) - 1;
    if let Some(counter) = state.metrics.requests.get(class) {
        counter.fetch_add(1, Relaxed);
    }
    state
        .metrics
        .request_micros
        .fetch_add(started.elapsed().as_micros() as u64, Relaxed);
    response
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

/// Up, and the database answers.
async fn health(State(state): State<Shared>) -> Response {
    match state.store.list_versions().await {
        Ok(_) => Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response(),
        // Who asks is not known here: the reason goes to the log only.
        Err(error) => {
            tracing::error!(%error, "health: the database does not answer");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "down"})),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<Shared>) -> Response {
    let m = &state.metrics;
    let mut text = String::from(
        "# HELP shinsa_http_requests_total HTTP requests answered, by status class.\n# TYPE shinsa_http_requests_total counter\n",
    );
    for (index, counter) in m.requests.iter().enumerate() {
        text.push_str(&format!(
            "shinsa_http_requests_total{{class=\"{}xx\"}} {}\n",
            index + 1,
            counter.load(Relaxed)
        ));
    }
    let counters = [
        (
            "shinsa_http_request_seconds_total",
            "Time spent answering requests.",
            m.request_micros.load(Relaxed) as f64 / 1e6,
        ),
        (
            "shinsa_runs_done_total",
            "Screening runs finished.",
            m.runs_done.load(Relaxed) as f64,
        ),
        (
            "shinsa_runs_failed_total",
            "Screening runs failed.",
            m.runs_failed.load(Relaxed) as f64,
        ),
        (
            "shinsa_findings_written_total",
            "Findings stored by finished runs.",
            m.findings_written.load(Relaxed) as f64,
        ),
        (
            "shinsa_runs_lost_total",
            "Runs whose lease ran out before their outcome was written (another replica took them over).",
            m.runs_lost.load(Relaxed) as f64,
        ),
        (
            "shinsa_deliveries_sent_total",
            "Webhook and mail attempts that were delivered.",
            m.deliveries_sent.load(Relaxed) as f64,
        ),
        (
            "shinsa_deliveries_failed_total",
            "Webhook and mail attempts that failed (each retry counts).",
            m.deliveries_failed.load(Relaxed) as f64,
        ),
        (
            "shinsa_jobs_failed_total",
            "Job attempts that failed and are tried again (a re-review of cleared plans).",
            m.jobs_failed.load(Relaxed) as f64,
        ),
        (
            "shinsa_jobs_dead_total",
            "Jobs given up on after their last attempt (listed at /api/v1/jobs?status=dead).",
            m.jobs_dead.load(Relaxed) as f64,
        ),
    ];
    for (name, help, value) in counters {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        ));
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
        .into_response()
}

//! The shinsa server: one store, many operators and regulators.
//!
//! - `/api/v1/…` — the JSON API ([`api`]), described by the OpenAPI
//!   document committed as `openapi.json` and served at
//!   `/api/v1/openapi.json`; errors are RFC 9457 problem+json.
//! - `/ui/…` — the web UI ([`ui`]): server-rendered HTML (askama) with
//!   htmx, in Japanese and English.
//! - `/health`, `/metrics` — for the operator of the server.
//!
//! All state is in the store; the server holds only caches (the screening
//! engine, rebuilt when the store's list or pack versions change), so any number of
//! replicas can run against one PostgreSQL database: runs and deliveries
//! are taken with leases ([`jobs`], [`delivery`]), and a replica that dies
//! loses its work to another when its lease runs out.

// Nothing a user writes may panic the server: no slicing or indexing of
// data in handlers, templates and documents (tests may).
#![cfg_attr(not(test), deny(clippy::string_slice, clippy::indexing_slicing))]

pub mod access;
pub mod api;
pub mod auth;
pub mod cases;
pub mod clock;
mod config;
mod connections;
pub mod delivery;
pub mod engine;
mod error;
pub mod files;
pub mod fuzzing;
mod guard;
mod i18n;
pub mod jobs;
pub mod limits;
mod list_cache;
mod metrics;
pub mod outbound;
pub mod plans;
mod problem;
pub mod publication;
pub mod registers;
pub mod reports;
pub mod respond;
mod throttle;
mod ui;
pub mod vulnerabilities;

pub use config::{Config, DeliveryConfig, MailConfig, MailSecurity, redact};
pub use error::{Error, FieldError};
pub use problem::Problem;

use axum::Router;
use shinsa_policy::Engine;
use shinsa_store::Store;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify};

/// What every request and job shares.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Config,
    /// The engine for the store's current publications, with their
    /// generation.
    engine: Mutex<Option<(String, Arc<Engine>)>>,
    /// The index of the vulnerability data, with its generation: kept
    /// while only lists or packs change, since building it from the whole
    /// corpus takes seconds of every re-screen's minute.
    advisory_index: Mutex<Option<(String, Option<Arc<shinsa_match::exposure::AdvisoryIndex>>)>>,
    /// Wakes the workers when a run is queued.
    pub jobs: Notify,
    /// Wakes the outbox sender when a run finishes.
    pub outbox: Notify,
    metrics: metrics::Metrics,
    /// Recently seen tokens and sessions (see [`auth::principal`]).
    pub(crate) principals: auth::PrincipalCache,
    /// How plans are reviewed, with the closed days read once.
    pub review_rules: shinsa_model::review::ReviewRules,
    /// Wrong passwords counted per login and address.
    pub(crate) sign_ins: throttle::SignInThrottle,
    /// Uploads counted per organisation and hour.
    pub(crate) uploads: throttle::UploadQuota,
    /// This server's name on leases and delivery attempts.
    pub replica: String,
    /// The SMTP relay, when `[mail]` is configured.
    pub(crate) mailer: Option<delivery::Mailer>,
    /// Findings pages served for the current generation.
    pub(crate) list_pages: list_cache::ListCache,
    /// Readers of uploads: at most `reads_at_once` inputs are read at once,
    /// each within its share of `upload_memory_mb`.
    pub(crate) readers: tokio::sync::Semaphore,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// The state of a server; fails when the configured closed-days
    /// calendar does not read, `[delivery]` makes no sense or `[mail]` is
    /// not a usable relay.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Result<Shared, String> {
        let review_rules = config.review.rules()?;
        config.delivery.check()?;
        config.check_limits()?;
        // Every reader of outside data holds itself to this budget.
        shinsa_ingest::budget::Budget::set(config.read_budget_mb());
        let mailer = config.mail.as_ref().map(delivery::mailer).transpose()?;
        Ok(Arc::new(AppState {
            replica: config.replica_name(),
            mailer,
            list_pages: list_cache::ListCache::default(),
            readers: tokio::sync::Semaphore::new(config.reads_at_once.max(1)),
            review_rules,
            store,
            config,
            engine: Mutex::new(None),
            advisory_index: Mutex::new(None),
            jobs: Notify::new(),
            outbox: Notify::new(),
            metrics: metrics::Metrics::default(),
            principals: auth::PrincipalCache::default(),
            sign_ins: throttle::SignInThrottle::default(),
            uploads: throttle::UploadQuota::default(),
        }))
    }

    /// The engine for the store's current list, pack and vulnerability
    /// data versions (with the data of `advisories_dir` under the
    /// published), rebuilt when another
    /// request or replica has published one since.
    pub async fn engine(&self) -> Result<Arc<Engine>, Error> {
        let lists = self.store.list_versions().await?;
        let packs = self.store.pack_versions().await?;
        let shelf = self
            .config
            .advisories_dir
            .clone()
            .map(|dir| shinsa_ingest::shelf::Shelf::advisories(Some(dir)));
        let published_advisories = self.store.advisory_versions().await?;
        let advisory_versions = match &shelf {
            Some(shelf) => shelf
                .latest_paths()
                .map_err(|error| Error::Internal(format!("vulnerability data: {error}")))?,
            None => Vec::new(),
        };
        let advisory_generation: String = advisory_versions
            .iter()
            .map(|path| format!("vulns {};", path.display()))
            .chain(
                published_advisories
                    .iter()
                    .map(|version| format!("vulns {}:{};", version.source_id, version.sha256)),
            )
            .collect();
        let generation: String = lists
            .iter()
            .map(|list| format!("list {}:{};", list.list_id, list.sha256))
            .chain(
                packs
                    .iter()
                    .map(|pack| format!("pack {}:{};", pack.pack_id, pack.sha256)),
            )
            .chain(std::iter::once(advisory_generation.clone()))
            .collect();
        let mut cached = self.engine.lock().await;
        if let Some((held, engine)) = cached.as_ref()
            && *held == generation
        {
            return Ok(engine.clone());
        }
        let index = {
            let mut kept = self.advisory_index.lock().await;
            match kept.as_ref() {
                Some((held, index)) if *held == advisory_generation => index.clone(),
                _ => {
                    let advisories = self.store.stored_advisories().await?;
                    let index = tokio::task::spawn_blocking(move || {
                        engine::advisory_index(shelf.as_ref(), &advisories)
                    })
                    .await?
                    .map_err(|error| Error::Internal(format!("building the engine: {error}")))?;
                    *kept = Some((advisory_generation, index.clone()));
                    index
                }
            }
        };
        let lists = self.store.latest_lists().await?;
        let published = self.store.stored_packs().await?;
        let pack = self.config.pack.clone();
        let built =
            tokio::task::spawn_blocking(move || engine::build(&lists, &published, &pack, index))
                .await?
                .map_err(|error| Error::Internal(format!("building the engine: {error}")))?;
        let built = Arc::new(built);
        *cached = Some((generation, built.clone()));
        Ok(built)
    }
}

impl AppState {
    /// Waits for a reader of uploads (at most `read_wait_seconds`), so that
    /// no more inputs are read at once than the memory allows.
    pub(crate) async fn reader(&self) -> Result<tokio::sync::SemaphorePermit<'_>, Error> {
        let wait = std::time::Duration::from_secs(self.config.read_wait_seconds);
        match tokio::time::timeout(wait, self.readers.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(Error::Internal(format!("the readers closed: {closed}"))),
            Err(_) => Err(Error::Busy(format!(
                "every reader of uploads was busy for {} s; send it again shortly",
                self.config.read_wait_seconds
            ))),
        }
    }
}

/// Every route.
pub fn router(state: Shared) -> Router {
    Router::new()
        .merge(api::routes(&state))
        .merge(ui::routes(&state))
        .merge(metrics::routes())
        .layer(limits::body_limit())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            connections::body_deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then lets requests in flight finish;
/// workers stop after their current run.
pub async fn serve(
    state: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tracing::info!(replica = %state.replica, "runs and deliveries are leased under this name");
    let workers = jobs::start(state.clone(), stopped);
    let address = listener.local_addr()?;
    tracing::info!(%address, "shinsa is listening");
    connections::serve(&state, listener, router(state.clone()), async move {
        shutdown.await;
        tracing::info!("stopping: finishing requests in flight");
    })
    .await?;
    let _ = stop.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}

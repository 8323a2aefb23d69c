//! Storage for the shinsa server.
//!
//! One trait per aggregate (organisations, people, registers, screening
//! runs, findings and triage, lists, the outbox, the audit log), all taking
//! the [`Tenant`] a call acts for, so that no query can forget whose data it
//! reads. [`SqlStore`] implements them once over SQLite and PostgreSQL
//! through sqlx's `Any` driver: the SQL is the common subset, numbered
//! `$n` parameters (which both accept), and each backend has its own
//! migrations (STRICT tables and triggers on SQLite; row-level security and
//! triggers on PostgreSQL). The conformance suite (`tests/conformance.rs`)
//! runs every behaviour against both.
//!
//! The store holds no business rules: who may see and do what is the
//! server's (`shinsa_server::access`), and the store filters by what it is
//! told (a [`Tenant`], a [`PlanReach`], the roles a [`Notice`] is mailed
//! to); what a finding means is the policy's. What it does guarantee is
//! that a state change and its audit event (and the jobs and notices it
//! calls for) are written in one transaction, and that an acknowledged
//! write survives a crash.

mod audit;
mod records;
mod sql;

pub use audit::{
    AuditEvent, ChainHead, ChainReport, Checkpoint, canonical_hash, verify_checkpoint,
};
pub use records::*;
pub use sql::{Backend, SqlStore};

use async_trait::async_trait;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    /// Someone else changed the object since the caller read it.
    #[error("{0}")]
    Stale(String),
    #[error("not a supported database address: {0} (expected sqlite:PATH or postgres://…)")]
    UnsupportedUrl(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// A change the store refuses as inconsistent (a role the user's kind
    /// of organisation does not have).
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Organisations: operators and regulator bodies.
#[async_trait]
pub trait OrganisationStore {
    async fn create_organisation(
        &self,
        actor: &Actor,
        new: NewOrganisation,
    ) -> Result<Organisation>;
    /// The organisations `tenant` may see: its own, and for a regulator the
    /// operators of its sectors.
    async fn organisations(&self, tenant: &Tenant) -> Result<Vec<Organisation>>;
    async fn set_webhook(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        webhook: Option<Webhook>,
    ) -> Result<Organisation>;
}

/// People, their sessions and API tokens.
#[async_trait]
pub trait PeopleStore {
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User>;
    /// The user and stored password hash for a login name.
    async fn user_for_login(&self, login: &str) -> Result<Option<(Principal, String)>>;
    async fn create_session(
        &self,
        user_id: &str,
        secret_hash: &str,
        expires_at: &str,
    ) -> Result<()>;
    /// The principal of a session that has not expired at `now` nor been
    /// idle since `idle_since`, of a user not disabled; its last use is
    /// noted (to the minute).
    async fn session_principal(
        &self,
        secret_hash: &str,
        now: &str,
        idle_since: &str,
    ) -> Result<Option<Principal>>;
    /// Deletes sessions expired at `now` or idle since `idle_since`;
    /// returns how many.
    async fn purge_sessions(&self, now: &str, idle_since: &str) -> Result<u64>;
    /// The users of `tenant`'s own organisation, by login.
    async fn accounts(&self, tenant: &Tenant) -> Result<Vec<Account>>;
    /// Disables or enables a user, or sets a password or role; audited.
    async fn change_account(
        &self,
        actor: &Actor,
        login: &str,
        change: AccountChange,
    ) -> Result<User>;
    async fn delete_session(&self, secret_hash: &str) -> Result<()>;
    /// Records that sign-in was locked for `key` (a login or an address)
    /// after too many wrong passwords: on the chain of the organisation of
    /// `login` when someone has that login, else on `system`.
    async fn record_sign_in_lockout(
        &self,
        login: &str,
        key: &str,
        detail: serde_json::Value,
    ) -> Result<()>;
    async fn create_token(
        &self,
        actor: &Actor,
        user_id: &str,
        new: NewToken<'_>,
    ) -> Result<TokenInfo>;
    /// The principal of a token neither revoked nor expired at `now`, of
    /// a user not disabled, with the token's scope; its last use is noted
    /// (to the minute).
    async fn token_principal(
        &self,
        secret_hash: &str,
        now: &str,
    ) -> Result<Option<(Principal, TokenScope)>>;
    /// Revokes a token of a user in `tenant`'s organisation.
    async fn revoke_token(&self, tenant: &Tenant, actor: &Actor, token_id: &str) -> Result<()>;
    async fn tokens(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>>;
}

/// Registers and their versions.
#[async_trait]
pub trait RegisterStore {
    /// Saves a new version of the operator's register named `new.name`
    /// and queues its screening, in one transaction.
    async fn upload_register(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        new: NewRegister,
    ) -> Result<(RegisterSummary, Run)>;
    async fn registers(&self, tenant: &Tenant) -> Result<Vec<RegisterSummary>>;
    async fn register(&self, tenant: &Tenant, id: &str) -> Result<Option<RegisterSummary>>;
    /// The current version's inventory (stored JSON) of a visible register.
    async fn register_inventory(&self, tenant: &Tenant, id: &str) -> Result<Option<String>>;
    /// Every version of a visible register, oldest first: version number,
    /// upload time and inventory (stored JSON).
    async fn register_history(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> Result<Vec<(i64, String, String)>>;
}

/// Screening runs: a queue of jobs in the store.
#[async_trait]
pub trait RunStore {
    async fn queue_run(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        register_id: &str,
        reason: &str,
    ) -> Result<Run>;
    /// Takes a run for `lease.owner` until `lease.until`: a queued one, or
    /// one whose holder's lease ran out before `lease.now` (its replica
    /// died), round-robin across organisations.
    async fn claim_run(&self, lease: &Lease) -> Result<Option<ClaimedRun>>;
    /// Extends the holder's lease; `false` when it no longer holds the run
    /// (the lease ran out, or the run ended), and must stop.
    async fn renew_run_lease(&self, run_id: &str, lease: &Lease) -> Result<bool>;
    async fn run_progress(&self, run_id: &str, done: i64, total: i64) -> Result<()>;
    /// Stores a run's findings, makes them the register's current ones and
    /// records what changed since the previous run, in one transaction;
    /// `Stale` when `owner` no longer holds the run (another replica took
    /// it over: nothing is written).
    async fn finish_run(&self, run_id: &str, owner: &str, result: RunResult) -> Result<RunChange>;
    /// Records that a run failed; `Stale` as for [`Self::finish_run`].
    async fn fail_run(&self, run_id: &str, owner: &str, error: &str) -> Result<()>;
    /// The leases taken on one run, or on every run, in the order taken.
    async fn run_leases(&self, run_id: Option<&str>) -> Result<Vec<RunLease>>;
    /// Runs `tenant` may see (of one register, when given), newest first,
    /// `limit` of them from `offset`, with how many there are.
    async fn runs(
        &self,
        tenant: &Tenant,
        register_id: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Run>>;
    async fn run(&self, tenant: &Tenant, id: &str) -> Result<Option<Run>>;
}

/// Current findings and their triage.
#[async_trait]
pub trait FindingStore {
    async fn findings(&self, tenant: &Tenant, filter: &FindingFilter) -> Result<Page<FindingView>>;
    async fn finding(
        &self,
        tenant: &Tenant,
        register_id: &str,
        key: &str,
        now: &str,
    ) -> Result<Option<FindingView>>;
    /// A number that moves whenever any list of findings may have changed
    /// (a run became current, a triage decision): what list pages' ETags
    /// are keyed by.
    async fn findings_generation(&self) -> Result<i64>;
    /// Records a triage decision; it is keyed by register and finding key,
    /// so it holds for the same finding in later runs.
    async fn triage(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        register_id: &str,
        key: &str,
        decision: TriageDecision,
    ) -> Result<Triage>;
}

/// Installation plans and their review history.
#[async_trait]
pub trait PlanStore {
    /// Saves a new draft of the operator's.
    async fn create_plan(&self, tenant: &Tenant, actor: &Actor, new: NewPlan)
    -> Result<PlanRecord>;
    /// The plans of `tenant` within `reach` (drafts only when it reaches
    /// them), newest first.
    async fn plans(&self, tenant: &Tenant, reach: PlanReach) -> Result<Vec<PlanRecord>>;
    async fn plan(&self, tenant: &Tenant, reach: PlanReach, id: &str)
    -> Result<Option<PlanRecord>>;
    /// A plan's history, oldest first (from the filing on unless `reach`
    /// goes before it).
    async fn plan_events(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        id: &str,
    ) -> Result<Vec<PlanEvent>>;
    /// Records a step with its audit event and notifications in one
    /// transaction; `Conflict` when the plan moved past
    /// `step.expected_revision` meanwhile.
    async fn plan_step(
        &self,
        reach: (&Tenant, PlanReach),
        actor: &Actor,
        id: &str,
        step: PlanStep,
    ) -> Result<PlanRecord>;
    /// The type and bytes of a file kept for a plan `tenant` may see within
    /// `reach` (the caller checks that the plan names it).
    async fn plan_file(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        plan_id: &str,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>>;
    /// The SHA-256 of every file kept for the organisation of a plan
    /// `tenant` may see within `reach` (to check what a plan names exists).
    async fn plan_file_hashes(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        plan_id: &str,
    ) -> Result<Vec<String>>;
    /// Cleared plans drawn from a register (to re-screen after a list
    /// change).
    async fn cleared_plans(&self, register_id: &str) -> Result<Vec<PlanRecord>>;
    /// Plans whose review or answer clock runs, for reminders.
    async fn plans_with_clocks(&self) -> Result<Vec<PlanRecord>>;
    /// Queues a reminder of `plan`'s `clock` at `days_left` unless one was
    /// queued already; `true` when it was queued now.
    async fn remind(
        &self,
        plan: &PlanRecord,
        clock: &str,
        days_left: i64,
        notice: Notice,
    ) -> Result<bool>;
}

/// Enforcement cases and remediation.
#[async_trait]
pub trait CaseStore {
    /// Opens a case (a regulator, against the operator and under the
    /// sector the server allowed).
    async fn create_case(&self, tenant: &Tenant, actor: &Actor, new: NewCase)
    -> Result<CaseRecord>;
    /// The cases `tenant` may see, newest change first.
    async fn cases(&self, tenant: &Tenant) -> Result<Vec<CaseRecord>>;
    async fn case(&self, tenant: &Tenant, id: &str) -> Result<Option<CaseRecord>>;
    /// The type and bytes of a file kept for a case `tenant` may see.
    /// The caller checks that the case names it (a hash alone opens
    /// nothing of another case).
    async fn case_file(
        &self,
        tenant: &Tenant,
        case_id: &str,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>>;
    /// Records a change (and the file it attaches) with its audit event and
    /// notifications; `Stale` when the case moved past
    /// `update.expected_revision`.
    async fn update_case(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        id: &str,
        update: CaseUpdate,
    ) -> Result<CaseRecord>;
}

/// Published list versions.
#[async_trait]
pub trait ListStore {
    /// Publishes a list version and queues the re-screening of every
    /// register, in one transaction. `false` when the version was already
    /// published (nothing is queued).
    async fn publish_list(&self, actor: &Actor, list: NewListVersion) -> Result<bool>;
    async fn list_versions(&self) -> Result<Vec<ListVersionSummary>>;
    /// The newest published version of each list, as stored.
    async fn latest_lists(&self) -> Result<Vec<String>>;
}

/// Published vulnerability data (issue 28).
#[async_trait]
pub trait AdvisoryStore {
    /// Publishes one source's imported set and queues the re-screening of
    /// every register, in one transaction; `false` when that very set was
    /// already published (nothing is queued).
    async fn publish_advisories(&self, actor: &Actor, set: NewAdvisoryVersion) -> Result<bool>;
    async fn advisory_versions(&self) -> Result<Vec<AdvisoryVersionSummary>>;
    /// Every published set as stored, oldest publication first, so that
    /// laying each over the ones before gives the data as it stands.
    async fn stored_advisories(&self) -> Result<Vec<String>>;
}

/// Published policy pack versions.
#[async_trait]
pub trait PackStore {
    /// Publishes a pack version and queues the re-screening of every
    /// register, in one transaction; `false` when already published.
    async fn publish_pack(&self, actor: &Actor, pack: NewPackVersion) -> Result<bool>;
    async fn pack_versions(&self) -> Result<Vec<PackVersionSummary>>;
    /// Every published version with its files.
    async fn stored_packs(&self) -> Result<Vec<NewPackVersion>>;
}

/// Messages waiting to be delivered (webhooks, mail).
#[async_trait]
pub trait OutboxStore {
    /// Takes up to `limit` messages of one kind (`webhook`, `mail`) that
    /// are due at `lease.now` and held by nobody, for `lease.owner` until
    /// `lease.until`: of each target only its oldest pending message (one
    /// delivery at a time per endpoint, in the order made).
    async fn claim_deliveries(
        &self,
        kind: &str,
        lease: &Lease,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// Extends the holder's lease on a message; `false` when it no longer
    /// holds it.
    async fn renew_delivery_lease(&self, id: i64, lease: &Lease) -> Result<bool>;
    /// Records an attempt at a message `owner` holds and its outcome;
    /// `Stale` when the hold was lost.
    async fn record_delivery(&self, id: i64, owner: &str, outcome: DeliveryOutcome) -> Result<()>;
    /// The attempts at one of `tenant`'s messages, first first.
    async fn delivery_attempts(&self, tenant: &Tenant, id: i64) -> Result<Vec<DeliveryAttempt>>;
    /// Sends a dead letter again: pending, due now; audited.
    async fn resend(&self, tenant: &Tenant, actor: &Actor, id: i64) -> Result<OutboxMessage>;
    /// `tenant`'s messages (of one status, when given), newest first, at
    /// most 500.
    async fn outbox(
        &self,
        tenant: &Tenant,
        status: Option<DeliveryStatus>,
    ) -> Result<Vec<OutboxMessage>>;
}

/// The hash-chained audit log.
#[async_trait]
pub trait AuditStore {
    /// The chains `tenant` may read, by name: an organisation's own, and
    /// for a regulator also those of the operators of its sectors; the
    /// system reads every chain, `system` included.
    async fn audit_chains(&self, tenant: &Tenant) -> Result<Vec<String>>;
    /// Events of the chains `tenant` may read (of `chain` only, when
    /// given), in chain and sequence order, `limit` of them from `offset`
    /// (all when `limit` is `None`), with how many there are in all.
    async fn audit_events(
        &self,
        tenant: &Tenant,
        chain: Option<&str>,
        offset: i64,
        limit: Option<i64>,
    ) -> Result<(Vec<AuditEvent>, i64)>;
    /// Re-walks `chains` (every chain when `None`); names the first broken
    /// link of each.
    async fn verify_audit(&self, chains: Option<&[String]>) -> Result<Vec<ChainReport>>;
    /// The head of every chain, to sign as a checkpoint.
    async fn chain_heads(&self) -> Result<Vec<ChainHead>>;
}

/// Background jobs besides runs and deliveries (re-reviewing the cleared
/// plans of a re-screened register), leased like runs.
#[async_trait]
pub trait JobStore {
    /// Queues a job on a register; one of the same kind already queued for
    /// it is the same job.
    async fn queue_job(&self, new: NewJob) -> Result<()>;
    /// Takes a queued job due at `lease.now`, or a running one whose lease
    /// ran out, for `lease.owner` until `lease.until`.
    async fn claim_job(&self, lease: &Lease) -> Result<Option<Job>>;
    /// Extends the holder's lease; `false` when it no longer holds the job.
    async fn renew_job_lease(&self, id: &str, lease: &Lease) -> Result<bool>;
    /// Records an attempt's outcome; `Stale` when `owner` lost the job.
    async fn finish_job(&self, id: &str, owner: &str, outcome: JobOutcome) -> Result<()>;
    /// `tenant`'s jobs (of one status, when given), newest first, at most
    /// 500.
    async fn jobs(&self, tenant: &Tenant, status: Option<JobStatus>) -> Result<Vec<Job>>;
}

/// The whole store.
pub trait Store:
    OrganisationStore
    + PeopleStore
    + RegisterStore
    + RunStore
    + FindingStore
    + PlanStore
    + CaseStore
    + ListStore
    + PackStore
    + AdvisoryStore
    + OutboxStore
    + AuditStore
    + JobStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: OrganisationStore
        + PeopleStore
        + RegisterStore
        + RunStore
        + FindingStore
        + PlanStore
        + CaseStore
        + ListStore
        + PackStore
        + AdvisoryStore
        + OutboxStore
        + AuditStore
        + JobStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

/// Fresh databases for tests (feature `testing`): the conformance suite and
/// the server's tests run against both kinds.
#[cfg(feature = "testing")]
pub mod testing {
    use sqlx::Executor as _;

    /// The server the tests use: `SHINSA_TEST_POSTGRES`, else the local one.
    pub fn postgres_admin_url() -> String {
        std::env::var("SHINSA_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
    }

    /// A new database owned by a new role that is not a superuser, so that
    /// row-level security applies to it as it does to a production server
    /// connecting as the owner. Returns the address to connect as that role.
    ///
    /// # Panics
    /// When PostgreSQL is not reachable: a test that needs it fails, it is
    /// not skipped.
    #[allow(clippy::panic)]
    pub async fn fresh_postgres() -> String {
        let admin_url = postgres_admin_url();
        sqlx::any::install_default_drivers();
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("PostgreSQL at {admin_url} is needed for this test (start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`): {error}")
            });
        let name = crate::new_id("shinsa_test");
        for statement in [
            format!("CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"),
            format!("CREATE DATABASE {name} OWNER {name}"),
        ] {
            admin
                .execute(statement.as_str())
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
        let (scheme, rest) = admin_url
            .split_once("://")
            .unwrap_or(("postgres", "127.0.0.1:5432/test"));
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let host = host.rsplit_once('/').map_or(host, |(host, _)| host);
        format!("{scheme}://{name}@{host}/{name}")
    }
}

//! The one implementation of the store traits, over SQLite and PostgreSQL.
//!
//! Written once against sqlx's `Any` driver in the SQL both databases
//! share: numbered `$n` parameters (SQLite reads `$3` as parameter 3),
//! `ON CONFLICT … DO`, `RETURNING`, text for times and JSON, 64-bit
//! integers. Where the two differ the code says so by [`Backend`]: how a
//! write transaction starts (`BEGIN IMMEDIATE` on SQLite, so two writers
//! never deadlock on a lock upgrade), and `FOR UPDATE SKIP LOCKED` when
//! workers claim runs on PostgreSQL.

mod audit_chains;
mod cases;
mod findings;
mod jobs;
mod organisations;
mod outbox;
mod people;
mod plans;
mod publications;
mod registers;
mod runs;

use crate::audit::{self, AuditEvent, ChainHead, ChainReport, GENESIS};
use crate::records::*;
use crate::{
    AdvisoryStore, AuditStore, FindingStore, JobStore, ListStore, OrganisationStore, OutboxStore,
    PackStore, PeopleStore, RegisterStore, Result, RunStore, StoreError,
};
use async_trait::async_trait;
use findings::HeldFindings;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Executor as _, Row as _};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// A statement being built, with its parameters numbered in the order
/// they are added.
#[derive(Default)]
struct Query {
    sql: String,
    args: Vec<Option<Value>>,
}

#[derive(Clone)]
enum Value {
    Text(String),
    Int(i64),
}

impl Query {
    fn new(sql: &str) -> Self {
        Query {
            sql: sql.to_owned(),
            args: Vec::new(),
        }
    }
    /// A statement whose parameters `$1`, `$2`… are already written in.
    fn with(sql: &str, args: impl IntoIterator<Item = Param>) -> Self {
        Query {
            sql: sql.to_owned(),
            args: args.into_iter().map(|arg| arg.0).collect(),
        }
    }
    /// Adds a parameter; returns its placeholder.
    fn arg(&mut self, value: impl Into<Param>) -> String {
        self.args.push(value.into().0);
        format!("${}", self.args.len())
    }
    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }
    fn build(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.sql);
        for arg in &self.args {
            query = match arg {
                Some(Value::Text(text)) => query.bind(text.as_str()),
                Some(Value::Int(int)) => query.bind(*int),
                None => query.bind(Option::<String>::None),
            };
        }
        query
    }
}

struct Param(Option<Value>);

impl From<&str> for Param {
    fn from(text: &str) -> Self {
        Param(Some(Value::Text(text.to_owned())))
    }
}
impl From<&String> for Param {
    fn from(text: &String) -> Self {
        Param(Some(Value::Text(text.clone())))
    }
}
impl From<String> for Param {
    fn from(text: String) -> Self {
        Param(Some(Value::Text(text)))
    }
}
impl From<i64> for Param {
    fn from(int: i64) -> Self {
        Param(Some(Value::Int(int)))
    }
}
impl From<Option<&str>> for Param {
    fn from(text: Option<&str>) -> Self {
        Param(text.map(|text| Value::Text(text.to_owned())))
    }
}

/// The condition that keeps `tenant` to its own rows: an operator's
/// organisation, a regulator's sectors, everything for the system.
fn scope(query: &mut Query, tenant: &Tenant, org_column: &str, sector_column: &str) -> String {
    match tenant {
        Tenant::Operator { org } => format!("{org_column} = {}", query.arg(org)),
        Tenant::Regulator { sectors, .. } if sectors.is_empty() => "1 = 0".to_owned(),
        Tenant::Regulator { sectors, .. } => {
            let placeholders: Vec<String> =
                sectors.iter().map(|sector| query.arg(sector)).collect();
            format!("{sector_column} IN ({})", placeholders.join(", "))
        }
        Tenant::System => "1 = 1".to_owned(),
    }
}

fn text(row: &AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(column)?)
}
fn maybe_text(row: &AnyRow, column: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}
fn int(row: &AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}
fn maybe_int(row: &AnyRow, column: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(column)?)
}
fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    serde_json::from_str(&text(row, column)?)
        .map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}
fn corrupt(what: &str, found: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {found:?}"))
}

const ORG_COLUMNS: &str = "o.id AS org_id, o.name AS org_name, o.kind AS org_kind, o.sectors AS org_sectors, o.webhook_url AS org_webhook, o.created_at AS org_created_at";
const USER_COLUMNS: &str = "u.id AS user_id, u.org_id AS user_org, u.login AS user_login, u.name AS user_name, u.role AS user_role, u.created_at AS user_created_at";

fn organisation(row: &AnyRow) -> Result<Organisation> {
    let kind = text(row, "org_kind")?;
    Ok(Organisation {
        id: text(row, "org_id")?,
        name: text(row, "org_name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("organisation kind", &kind))?,
        sectors: json(row, "org_sectors")?,
        webhook_url: maybe_text(row, "org_webhook")?,
        created_at: text(row, "org_created_at")?,
    })
}

fn user(row: &AnyRow) -> Result<User> {
    let role = text(row, "user_role")?;
    Ok(User {
        id: text(row, "user_id")?,
        org_id: text(row, "user_org")?,
        login: text(row, "user_login")?,
        name: text(row, "user_name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        created_at: text(row, "user_created_at")?,
    })
}

fn principal(row: &AnyRow) -> Result<Principal> {
    Ok(Principal {
        user: user(row)?,
        org: organisation(row)?,
    })
}

const RUN_COLUMNS: &str = "id, org_id, sector, register_id, register_version, generation, reason, status, done, total, created_at, started_at, finished_at, error, provenance, findings, new_findings, resolved_findings, lease_owner, lease_expires_at, warnings";

fn run(row: &AnyRow) -> Result<Run> {
    let status = text(row, "status")?;
    Ok(Run {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        sector: text(row, "sector")?,
        register_id: text(row, "register_id")?,
        register_version: int(row, "register_version")?,
        generation: int(row, "generation")?,
        reason: text(row, "reason")?,
        status: RunStatus::parse(&status).ok_or_else(|| corrupt("run status", &status))?,
        done: int(row, "done")?,
        total: int(row, "total")?,
        created_at: text(row, "created_at")?,
        started_at: maybe_text(row, "started_at")?,
        finished_at: maybe_text(row, "finished_at")?,
        error: maybe_text(row, "error")?,
        provenance: maybe_text(row, "provenance")?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|error| StoreError::Corrupt(format!("provenance: {error}")))?,
        findings: maybe_int(row, "findings")?,
        new_findings: maybe_int(row, "new_findings")?,
        resolved_findings: maybe_int(row, "resolved_findings")?,
        lease_owner: maybe_text(row, "lease_owner")?,
        lease_expires_at: maybe_text(row, "lease_expires_at")?,
        warnings: json(row, "warnings")?,
    })
}

const REGISTER_SELECT: &str = "SELECT r.id, r.org_id, o.name AS org_name, r.sector, r.name, r.version, r.current_run, v.format, v.input_sha256, v.subjects, v.uploaded_at, v.uploaded_by FROM registers r JOIN organisations o ON o.id = r.org_id JOIN register_versions v ON v.register_id = r.id AND v.version = r.version";

fn register(row: &AnyRow) -> Result<RegisterSummary> {
    Ok(RegisterSummary {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        org_name: text(row, "org_name")?,
        sector: text(row, "sector")?,
        name: text(row, "name")?,
        version: int(row, "version")?,
        format: text(row, "format")?,
        input_sha256: text(row, "input_sha256")?,
        subjects: int(row, "subjects")?,
        uploaded_at: text(row, "uploaded_at")?,
        uploaded_by: text(row, "uploaded_by")?,
        current_run: maybe_text(row, "current_run")?,
    })
}

fn triage_status(text_value: &str) -> Result<TriageStatus> {
    TriageStatus::parse(text_value).ok_or_else(|| corrupt("triage status", text_value))
}

fn audit_event(row: &AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        chain: text(row, "chain")?,
        seq: int(row, "seq")?,
        at: text(row, "at")?,
        actor: text(row, "actor")?,
        action: text(row, "action")?,
        subject: text(row, "subject")?,
        detail: json(row, "detail")?,
        prev_hash: text(row, "prev_hash")?,
        row_hash: text(row, "row_hash")?,
    })
}

/// Appends an event to `chain` inside the caller's transaction.
/// Tells PostgreSQL's row-level security whose rows the transaction on
/// `conn` may touch; nothing on SQLite, which has none.
pub(crate) async fn enter(conn: &mut AnyConnection, tenant: &Tenant) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        let (kind, org, sectors) = match tenant {
            Tenant::Operator { org } => ("operator", org.clone(), String::new()),
            Tenant::Regulator { org, sectors } => {
                ("regulator", org.clone(), sectors.join("\u{1f}"))
            }
            Tenant::System => ("system", String::new(), String::new()),
        };
        sqlx::query("SELECT set_config('shinsa.tenant_kind', $1, true), set_config('shinsa.tenant_org', $2, true), set_config('shinsa.tenant_sectors', $3, true)")
            .bind(kind)
            .bind(org)
            .bind(sectors)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn append_audit(
    conn: &mut AnyConnection,
    chain: &str,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<()> {
    // Recording is the server's own work, whoever's change it records: the
    // append runs as 'system' and then gives the transaction back to its
    // tenant.
    let tenant = current_tenant(conn).await?;
    enter(conn, &Tenant::System).await?;
    sqlx::query("INSERT INTO audit_heads (chain, seq, row_hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING")
        .bind(chain)
        .bind(GENESIS)
        .execute(&mut *conn)
        .await?;
    // Taking the head's row lock serialises appends to one chain.
    let head = sqlx::query(
        "UPDATE audit_heads SET seq = seq + 1 WHERE chain = $1 RETURNING seq, row_hash",
    )
    .bind(chain)
    .fetch_one(&mut *conn)
    .await?;
    let mut event = AuditEvent {
        chain: chain.to_owned(),
        seq: int(&head, "seq")?,
        at: now(),
        actor: actor.0.clone(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        detail,
        prev_hash: text(&head, "row_hash")?,
        row_hash: String::new(),
    };
    event.row_hash = event.expected_hash(&event.prev_hash);
    sqlx::query("INSERT INTO audit_events (chain, seq, at, actor, action, subject, detail, prev_hash, row_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&event.chain)
        .bind(event.seq)
        .bind(&event.at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.subject)
        .bind(event.detail.to_string())
        .bind(&event.prev_hash)
        .bind(&event.row_hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE audit_heads SET row_hash = $1 WHERE chain = $2")
        .bind(&event.row_hash)
        .bind(chain)
        .execute(&mut *conn)
        .await?;
    if let Some(tenant) = tenant {
        restore(conn, &tenant).await?;
    }
    Ok(())
}

/// The tenant settings of the transaction on `conn` (PostgreSQL), to give
/// back after a step that acts as the server.
pub(crate) async fn current_tenant(conn: &mut AnyConnection) -> Result<Option<[String; 3]>> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(None);
    }
    let row = sqlx::query("SELECT COALESCE(current_setting('shinsa.tenant_kind', true), '') AS kind, COALESCE(current_setting('shinsa.tenant_org', true), '') AS org, COALESCE(current_setting('shinsa.tenant_sectors', true), '') AS sectors")
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some([
        text(&row, "kind")?,
        text(&row, "org")?,
        text(&row, "sectors")?,
    ]))
}

pub(crate) async fn restore(
    conn: &mut AnyConnection,
    [kind, org, sectors]: &[String; 3],
) -> Result<()> {
    sqlx::query("SELECT set_config('shinsa.tenant_kind', $1, true), set_config('shinsa.tenant_org', $2, true), set_config('shinsa.tenant_sectors', $3, true)")
        .bind(kind)
        .bind(org)
        .bind(sectors)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Queues a run of a register's current version.
async fn insert_run(conn: &mut AnyConnection, register_id: &str, reason: &str) -> Result<Run> {
    let id = new_id("run");
    let row = sqlx::query(&format!(
        "INSERT INTO runs (id, org_id, sector, register_id, register_version, generation, reason, status, created_at) \
         SELECT $1, org_id, sector, id, version, \
                (SELECT COALESCE(MAX(generation), 0) + 1 FROM runs WHERE register_id = $4), \
                $2, 'queued', $3 FROM registers WHERE id = $4 RETURNING {RUN_COLUMNS}"
    ))
    .bind(&id)
    .bind(reason)
    .bind(now())
    .bind(register_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref()
        .map(run)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("register {register_id}")))
}

/// Queues a run of every register (a list or pack publication).
async fn rescreen_all(conn: &mut AnyConnection, reason: &str) -> Result<usize> {
    let registers = sqlx::query("SELECT id FROM registers ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    for row in &registers {
        insert_run(conn, &text(row, "id")?, reason).await?;
    }
    Ok(registers.len())
}

/// Finishes publishing a new list or pack version (`what`): queues the
/// re-screening of every register, records the event on the system chain
/// and commits.
async fn publication(
    mut tx: sqlx::Transaction<'static, Any>,
    actor: &Actor,
    what: &str,
    id: &str,
    version: &str,
    mut detail: serde_json::Value,
) -> Result<bool> {
    let rescreened = rescreen_all(&mut tx, &format!("{what} {id}@{version}")).await?;
    detail["rescreened_registers"] = rescreened.into();
    append_audit(
        &mut tx,
        SYSTEM_CHAIN,
        actor,
        &format!("{what}.publish"),
        id,
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

impl SqlStore {
    /// Opens (creating a SQLite file if needed) and migrates the store at
    /// `url`: `sqlite:PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let separator = if path.contains('?') { '&' } else { '?' };
            (
                Backend::Sqlite,
                format!("sqlite://{path}{separator}mode=rwc"),
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while one writer commits;
                        // FULL makes every acknowledged commit durable. A
                        // run's findings are megabytes: with SQLite's 2 MB
                        // page cache a commit read back and spilled pages
                        // it had just written, and checkpointed every 4 MB.
                        // 32 MB a connection (filled only as pages are
                        // read) and a checkpoint every 64 MB of log took
                        // 17 % off the national re-screening.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 16384;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = SqlStore { pool, backend };
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&store.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&store.pool)
                    .await?
            }
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Writes a consistent copy of a SQLite store to `path` while it is in
    /// use (`VACUUM INTO`: one read transaction, so the copy is the store
    /// at one moment, compacted). `path` must not exist. PostgreSQL is
    /// backed up with `pg_dump` (see the README).
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "a PostgreSQL store is backed up with pg_dump".into(),
            ));
        }
        if path.exists() {
            return Err(StoreError::Conflict(format!("{}", path.display())));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes every connection (before the file is replaced).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the role the store connects as passes over row-level
    /// security (a PostgreSQL superuser or a role with `BYPASSRLS`): then
    /// the second tenant barrier does not exist. Always false on SQLite,
    /// which has no row-level security to pass over.
    pub async fn bypasses_row_security(&self) -> Result<bool> {
        if self.backend == Backend::Sqlite {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT (rolsuper OR rolbypassrls)::int AS bypasses FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(int(&row, "bypasses")? != 0)
    }

    /// The pool, for tests and tools that must reach past the store (the
    /// tamper tests edit audit rows directly).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A write transaction.
    async fn write(&self) -> Result<sqlx::Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    async fn fetch_all(&self, query: &Query) -> Result<Vec<AnyRow>> {
        Ok(query.build().fetch_all(&self.pool).await?)
    }

    /// Tells PostgreSQL's row-level security whose rows this transaction
    /// may touch (the second barrier behind every query's own condition).
    async fn enter(&self, conn: &mut AnyConnection, tenant: &Tenant) -> Result<()> {
        enter(conn, tenant).await
    }

    /// Notes a session's or token's use at `now`, at most once a minute (a
    /// write per request would make every read a write).
    async fn touch(&self, table: &str, column: &str, secret_hash: &str, now: &str) -> Result<()> {
        let minute_ago =
            time::OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
                .map(|moment| timestamp(moment - time::Duration::minutes(1)))
                .unwrap_or_else(|_| now.to_owned());
        let query = Query::with(
            &format!(
                "UPDATE {table} SET {column} = $1 WHERE secret_hash = $2 AND ({column} IS NULL OR {column} < $3)"
            ),
            [now.into(), secret_hash.into(), minute_ago.into()],
        );
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    /// A write transaction acting for `tenant`.
    async fn write_as(&self, tenant: &Tenant) -> Result<sqlx::Transaction<'static, Any>> {
        let mut tx = self.write().await?;
        self.enter(&mut tx, tenant).await?;
        Ok(tx)
    }

    /// Runs a read for `tenant` (in a transaction on PostgreSQL, where the
    /// tenant setting lives).
    async fn fetch_all_as(&self, tenant: &Tenant, query: &Query) -> Result<Vec<AnyRow>> {
        if self.backend == Backend::Sqlite {
            return self.fetch_all(query).await;
        }
        let mut tx = self.pool.begin().await?;
        self.enter(&mut tx, tenant).await?;
        let rows = query.build().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    async fn fetch_optional_as(&self, tenant: &Tenant, query: &Query) -> Result<Option<AnyRow>> {
        Ok(self.fetch_all_as(tenant, query).await?.into_iter().next())
    }

    /// How many rows a paged list has in all, given the page read at
    /// `offset`: known from the page itself unless it is full or past the
    /// end, and only then counted with `count` (a window count over every
    /// row cost more than the page it was for).
    async fn page_total(
        &self,
        tenant: &Tenant,
        count: &Query,
        offset: i64,
        limit: i64,
        read: usize,
    ) -> Result<i64> {
        let read = read as i64;
        if (read > 0 && read < limit) || (read == 0 && offset == 0) {
            return Ok(offset + read);
        }
        match self.fetch_optional_as(tenant, count).await? {
            Some(row) => int(&row, "total"),
            None => Ok(0),
        }
    }

    async fn organisation_by_id(&self, id: &str) -> Result<Option<Organisation>> {
        let query = Query::with(
            &format!("SELECT {ORG_COLUMNS} FROM organisations o WHERE o.id = $1"),
            [id.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        row.as_ref().map(organisation).transpose()
    }

    /// The register `tenant` may see, for a write: its owner and sector.
    async fn visible_register(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        register_id: &str,
    ) -> Result<(String, Option<String>)> {
        let mut query = Query::new("SELECT org_id, current_run FROM registers WHERE ");
        let id = query.arg(register_id);
        let condition = scope(&mut query, tenant, "org_id", "sector");
        query.push(&format!("id = {id} AND {condition}"));
        let row = query.build().fetch_optional(&mut *conn).await?;
        match row {
            Some(row) => Ok((text(&row, "org_id")?, maybe_text(&row, "current_run")?)),
            None => Err(StoreError::NotFound(format!("register {register_id}"))),
        }
    }
}

/// Keeps a file for an organisation (a case document, a plan
/// attachment) inside the caller's transaction; the same bytes twice are
/// one row, as the key is their hash.
pub(crate) async fn keep_file(
    conn: &mut AnyConnection,
    (org_id, sector): (&str, &str),
    file: &NewFile,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO documents (org_id, sector, sha256, media_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, sha256) DO NOTHING")
        .bind(org_id)
        .bind(sector)
        .bind(&file.sha256)
        .bind(&file.media_type)
        .bind(file.content.len() as i64)
        .bind(file.content.clone())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves the generation that list pages' ETags are keyed by.
async fn bump_findings_generation(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE generations SET value = value + 1 WHERE name = 'findings'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Queues the webhook and mail of a change to an operator's plan or case
/// for its audience, if the change has any: the audience's webhooks, and
/// mail to its users of the roles the notice names.
pub(super) async fn notify(
    conn: &mut AnyConnection,
    (org_id, sector): (&str, &str),
    notice: Option<&Notice>,
    at: &str,
) -> Result<()> {
    let Some(notice) = notice else {
        return Ok(());
    };
    let payload = notice.payload.to_string();
    // The notice goes to another organisation's people (a ministry's
    // reviewers, an operator's admins): the server queues it as itself,
    // then gives the transaction back to its tenant.
    let tenant = current_tenant(conn).await?;
    enter(conn, &Tenant::System).await?;
    // Sectors are stored as a JSON array of codes.
    let (organisations, target) = match notice.audience {
        Audience::Operator => ("o.id = $3", org_id),
        Audience::Regulators => (
            "o.kind = 'regulator' AND o.sectors LIKE '%\"' || $3 || '\"%'",
            sector,
        ),
    };
    sqlx::query(&format!(
        "INSERT INTO outbox (org_id, kind, target, payload, secret, created_at) SELECT o.id, 'webhook', o.webhook_url, $1, o.webhook_secret, $2 FROM organisations o WHERE {organisations} AND o.webhook_url IS NOT NULL"
    ))
    .bind(&payload)
    .bind(at)
    .bind(target)
    .execute(&mut *conn)
    .await?;
    if !notice.mailed.is_empty() {
        let mut query = Query::new(
            "INSERT INTO outbox (org_id, kind, target, payload, created_at) SELECT u.org_id, 'mail', u.login, ",
        );
        let (payload, at, target) = (query.arg(payload), query.arg(at), query.arg(target));
        let roles: Vec<String> = notice
            .mailed
            .iter()
            .map(|role| query.arg(role.as_str()))
            .collect();
        let organisations = organisations.replace("$3", &target);
        query.push(&format!(
            "{payload}, {at} FROM users u JOIN organisations o ON o.id = u.org_id WHERE {organisations} AND u.role IN ({}) ORDER BY u.login",
            roles.join(", ")
        ));
        query.build().execute(&mut *conn).await?;
    }
    if let Some(tenant) = tenant {
        restore(conn, &tenant).await?;
    }
    Ok(())
}

/// Queues mail of `payload` to the users of `org_id` whose role is one of
/// `roles`.
async fn mail_users(
    conn: &mut AnyConnection,
    org_id: &str,
    roles: &[Role],
    payload: &str,
    at: &str,
) -> Result<()> {
    if roles.is_empty() {
        return Ok(());
    }
    let mut query = Query::new(
        "INSERT INTO outbox (org_id, kind, target, payload, created_at) SELECT org_id, 'mail', login, ",
    );
    let (payload, at, org) = (query.arg(payload), query.arg(at), query.arg(org_id));
    let roles: Vec<String> = roles.iter().map(|role| query.arg(role.as_str())).collect();
    query.push(&format!(
        "{payload}, {at} FROM users WHERE org_id = {org} AND role IN ({}) ORDER BY login",
        roles.join(", ")
    ));
    query.build().execute(&mut *conn).await?;
    Ok(())
}

/// Queues a job on a register, inside the caller's transaction; a job of
/// the same kind already queued for it is the same job.
async fn insert_job(conn: &mut AnyConnection, job: &NewJob) -> Result<()> {
    let at = now();
    sqlx::query("INSERT INTO jobs (id, kind, org_id, sector, subject, status, attempts, run_after, created_at) \
                 SELECT $1, $2, org_id, sector, id, 'queued', 0, $3, $3 FROM registers WHERE id = $4 \
                 ON CONFLICT (kind, subject) WHERE status = 'queued' DO NOTHING")
        .bind(new_id("job"))
        .bind(&job.kind)
        .bind(&at)
        .bind(&job.subject)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

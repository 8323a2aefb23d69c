//! The one implementation of the store traits, over SQLite and PostgreSQL.
//!
//! Written once against sqlx's `Any` driver in the SQL both databases
//! share: numbered `$n` parameters (SQLite reads `$3` as parameter 3),
//! `ON CONFLICT … DO`, `RETURNING`, text for times and JSON, 64-bit
//! integers. Where the two differ the code says so by [`Backend`]: how a
//! write transaction starts (`BEGIN IMMEDIATE` on SQLite, so two writers
//! never deadlock on a lock upgrade), and `FOR UPDATE SKIP LOCKED` when
//! workers claim runs on PostgreSQL.

mod cases;
mod plans;

use crate::audit::{self, AuditEvent, ChainHead, ChainReport, GENESIS};
use crate::records::*;
use crate::{
    AuditStore, FindingStore, ListStore, OrganisationStore, OutboxStore, PackStore, PeopleStore,
    RegisterStore, Result, RunStore, StoreError,
};
use async_trait::async_trait;
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

const RUN_COLUMNS: &str = "id, org_id, sector, register_id, register_version, generation, reason, status, done, total, created_at, started_at, finished_at, error, provenance, findings, new_findings, resolved_findings, lease_owner, lease_expires_at";

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
                        // FULL makes every acknowledged commit durable.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
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

#[async_trait]
impl OrganisationStore for SqlStore {
    async fn create_organisation(
        &self,
        actor: &Actor,
        new: NewOrganisation,
    ) -> Result<Organisation> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let created_at = now();
        let inserted = sqlx::query("INSERT INTO organisations (id, name, kind, sectors, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING")
            .bind(&new.id)
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(serde_json::to_string(&new.sectors).unwrap_or_default())
            .bind(&created_at)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("organisation {}", new.id)));
        }
        append_audit(
            &mut tx,
            SYSTEM_CHAIN,
            actor,
            "organisation.create",
            &new.id,
            serde_json::json!({"name": new.name, "kind": new.kind.as_str(), "sectors": new.sectors}),
        )
        .await?;
        tx.commit().await?;
        Ok(Organisation {
            id: new.id,
            name: new.name,
            kind: new.kind,
            sectors: new.sectors,
            webhook_url: None,
            created_at,
        })
    }

    async fn organisations(&self, tenant: &Tenant) -> Result<Vec<Organisation>> {
        let query = Query::new(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations o ORDER BY o.id"
        ));
        let rows = self.fetch_all_as(tenant, &query).await?;
        let all = rows.iter().map(organisation).collect::<Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|org| match tenant {
                Tenant::System => true,
                Tenant::Operator { org: own } => &org.id == own,
                Tenant::Regulator { org: own, sectors } => {
                    &org.id == own
                        || (org.kind == OrgKind::Operator
                            && org.sectors.iter().any(|sector| sectors.contains(sector)))
                }
            })
            .collect())
    }

    async fn set_webhook(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        webhook: Option<Webhook>,
    ) -> Result<Organisation> {
        let org_id = match tenant {
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => org.clone(),
            Tenant::System => return Err(StoreError::NotFound("organisation".into())),
        };
        let mut tx = self.write_as(tenant).await?;
        sqlx::query("UPDATE organisations SET webhook_url = $1, webhook_secret = $2 WHERE id = $3")
            .bind(webhook.as_ref().map(|hook| hook.url.clone()))
            .bind(webhook.as_ref().map(|hook| hook.secret.clone()))
            .bind(&org_id)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &org_id,
            actor,
            "organisation.webhook",
            &org_id,
            serde_json::json!({"url": webhook.as_ref().map(|hook| hook.url.clone())}),
        )
        .await?;
        tx.commit().await?;
        self.organisation_by_id(&org_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {org_id}")))
    }
}

#[async_trait]
impl PeopleStore for SqlStore {
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let org = self
            .organisation_by_id(&new.org_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {}", new.org_id)))?;
        let mut tx = self.write_as(&Tenant::System).await?;
        let user = User {
            id: new_id("usr"),
            org_id: new.org_id,
            login: new.login,
            name: new.name,
            role: new.role,
            created_at: now(),
        };
        let inserted = sqlx::query("INSERT INTO users (id, org_id, login, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login) DO NOTHING")
            .bind(&user.id)
            .bind(&user.org_id)
            .bind(&user.login)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(&new.password_hash)
            .bind(&user.created_at)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("user {}", user.login)));
        }
        append_audit(
            &mut tx,
            &org.id,
            actor,
            "user.create",
            &user.id,
            serde_json::json!({"login": user.login, "role": user.role.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user_for_login(&self, login: &str) -> Result<Option<(Principal, String)>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS}, u.password_hash FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.login = $1 AND u.disabled_at IS NULL"
            ),
            [login.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        match row {
            Some(row) => Ok(Some((principal(&row)?, text(&row, "password_hash")?))),
            None => Ok(None),
        }
    }

    async fn create_session(
        &self,
        user_id: &str,
        secret_hash: &str,
        expires_at: &str,
    ) -> Result<()> {
        let query = Query::with(
            "INSERT INTO sessions (secret_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            [secret_hash.into(), user_id.into(), expires_at.into()],
        );
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn session_principal(
        &self,
        secret_hash: &str,
        now: &str,
        idle_since: &str,
    ) -> Result<Option<Principal>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id WHERE s.secret_hash = $1 AND s.expires_at > $2 AND (s.last_seen_at IS NULL OR s.last_seen_at > $3) AND u.disabled_at IS NULL"
            ),
            [secret_hash.into(), now.into(), idle_since.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        if row.is_some() {
            self.touch("sessions", "last_seen_at", secret_hash, now)
                .await?;
        }
        row.as_ref().map(principal).transpose()
    }

    async fn purge_sessions(&self, now: &str, idle_since: &str) -> Result<u64> {
        let query = Query::with(
            "DELETE FROM sessions WHERE expires_at <= $1 OR (last_seen_at IS NOT NULL AND last_seen_at <= $2) RETURNING secret_hash",
            [now.into(), idle_since.into()],
        );
        Ok(self.fetch_all_as(&Tenant::System, &query).await?.len() as u64)
    }

    async fn accounts(&self, tenant: &Tenant) -> Result<Vec<Account>> {
        let org = match tenant {
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => org,
            Tenant::System => return Ok(Vec::new()),
        };
        let mut query = Query::new(&format!(
            "SELECT {USER_COLUMNS}, u.disabled_at FROM users u WHERE u.org_id = "
        ));
        let org = query.arg(org.as_str());
        query.push(&format!("{org} ORDER BY u.login"));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(Account {
                    user: user(row)?,
                    disabled_at: maybe_text(row, "disabled_at")?,
                })
            })
            .collect()
    }

    async fn change_account(
        &self,
        actor: &Actor,
        login: &str,
        change: AccountChange,
    ) -> Result<User> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let found = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, {ORG_COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {login}")))?;
        let mut user = principal(&found)?.user;
        let org_kind = principal(&found)?.org.kind;
        let (action, detail) = match &change {
            AccountChange::Disable => {
                sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                    .bind(now())
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.disable", serde_json::json!({"login": login}))
            }
            AccountChange::Enable => {
                sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.enable", serde_json::json!({"login": login}))
            }
            AccountChange::Password(hash) => {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.password", serde_json::json!({"login": login}))
            }
            AccountChange::Role(role) => {
                if !role.fits(org_kind) {
                    return Err(StoreError::Invalid(format!(
                        "{} is not a role in a {} organisation",
                        role.as_str(),
                        org_kind.as_str()
                    )));
                }
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                user.role = *role;
                (
                    "user.role",
                    serde_json::json!({"login": login, "role": role.as_str()}),
                )
            }
        };
        // A disabled account, a new password or a new role ends every
        // session: whoever holds one signs in again, as who they now are.
        if change != AccountChange::Enable {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, &user.org_id, actor, action, &user.id, detail).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn delete_session(&self, secret_hash: &str) -> Result<()> {
        let query = Query::with(
            "DELETE FROM sessions WHERE secret_hash = $1",
            [secret_hash.into()],
        );
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn record_sign_in_lockout(
        &self,
        login: &str,
        key: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let org = sqlx::query("SELECT org_id FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&mut *tx)
            .await?;
        let chain = match org {
            Some(row) => text(&row, "org_id")?,
            None => "system".to_owned(),
        };
        append_audit(
            &mut tx,
            &chain,
            &Actor::system("sign-in"),
            "sign_in.locked",
            key,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_token(
        &self,
        actor: &Actor,
        user_id: &str,
        new: NewToken<'_>,
    ) -> Result<TokenInfo> {
        let NewToken {
            name,
            secret_hash,
            expires_at,
            scope,
        } = new;
        let mut tx = self.write_as(&Tenant::System).await?;
        let org = sqlx::query("SELECT org_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        let org_id = text(&org, "org_id")?;
        let token = TokenInfo {
            id: new_id("tok"),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            created_at: now(),
            revoked_at: None,
            expires_at,
            scope,
            last_used_at: None,
        };
        sqlx::query("INSERT INTO tokens (id, user_id, org_id, name, secret_hash, created_at, expires_at, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&token.id)
            .bind(user_id)
            .bind(&org_id)
            .bind(name)
            .bind(secret_hash)
            .bind(&token.created_at)
            .bind(token.expires_at.as_deref())
            .bind(scope.as_str())
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &org_id,
            actor,
            "token.create",
            &token.id,
            serde_json::json!({"user": user_id, "name": name, "scope": scope.as_str(), "expires_at": token.expires_at}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    async fn token_principal(
        &self,
        secret_hash: &str,
        now: &str,
    ) -> Result<Option<(Principal, TokenScope)>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS}, t.scope FROM tokens t JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = u.org_id WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
            ),
            [secret_hash.into(), now.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        self.touch("tokens", "last_used_at", secret_hash, now)
            .await?;
        let scope = text(&row, "scope")?;
        let scope = TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope}")))?;
        Ok(Some((principal(&row)?, scope)))
    }

    async fn revoke_token(&self, tenant: &Tenant, actor: &Actor, token_id: &str) -> Result<()> {
        let mut tx = self.write_as(tenant).await?;
        let mut query = Query::new("UPDATE tokens SET revoked_at = ");
        let at = query.arg(now());
        let id = query.arg(token_id);
        let condition = match tenant {
            Tenant::System => "1 = 1".to_owned(),
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => {
                format!("org_id = {}", query.arg(org))
            }
        };
        query.push(&format!(
            "{at} WHERE id = {id} AND revoked_at IS NULL AND {condition} RETURNING org_id"
        ));
        let row = query
            .build()
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {token_id}")))?;
        append_audit(
            &mut tx,
            &text(&row, "org_id")?,
            actor,
            "token.revoke",
            token_id,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn tokens(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>> {
        let mut query = Query::new(
            "SELECT id, user_id, name, created_at, revoked_at, expires_at, scope, last_used_at FROM tokens WHERE ",
        );
        let condition = match tenant {
            Tenant::System => "1 = 1".to_owned(),
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => {
                format!("org_id = {}", query.arg(org))
            }
        };
        query.push(&condition).push(" ORDER BY created_at");
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: text(row, "id")?,
                    user_id: text(row, "user_id")?,
                    name: text(row, "name")?,
                    created_at: text(row, "created_at")?,
                    revoked_at: maybe_text(row, "revoked_at")?,
                    expires_at: maybe_text(row, "expires_at")?,
                    scope: TokenScope::parse(&text(row, "scope")?)
                        .ok_or_else(|| StoreError::Corrupt("token scope".into()))?,
                    last_used_at: maybe_text(row, "last_used_at")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl RegisterStore for SqlStore {
    async fn upload_register(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        new: NewRegister,
    ) -> Result<(RegisterSummary, Run)> {
        let Tenant::Operator { org } = tenant else {
            return Err(StoreError::NotFound("operator".into()));
        };
        let operator = self
            .organisation_by_id(org)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {org}")))?;
        let sector = operator.sectors.first().cloned().unwrap_or_default();
        let mut tx = self.write_as(tenant).await?;
        let existing =
            sqlx::query("SELECT id, version FROM registers WHERE org_id = $1 AND name = $2")
                .bind(org)
                .bind(&new.name)
                .fetch_optional(&mut *tx)
                .await?;
        let (register_id, version) = match existing {
            Some(row) => {
                let id = text(&row, "id")?;
                let version = int(&row, "version")? + 1;
                sqlx::query("UPDATE registers SET version = $1, sector = $2 WHERE id = $3")
                    .bind(version)
                    .bind(&sector)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                (id, version)
            }
            None => {
                let id = new_id("reg");
                sqlx::query("INSERT INTO registers (id, org_id, sector, name, version) VALUES ($1, $2, $3, $4, 1)")
                    .bind(&id)
                    .bind(org)
                    .bind(&sector)
                    .bind(&new.name)
                    .execute(&mut *tx)
                    .await?;
                (id, 1)
            }
        };
        let uploaded_at = now();
        sqlx::query("INSERT INTO register_versions (register_id, version, format, input_sha256, inventory, subjects, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&register_id)
            .bind(version)
            .bind(&new.format)
            .bind(&new.input_sha256)
            .bind(&new.inventory)
            .bind(new.subjects)
            .bind(&uploaded_at)
            .bind(&actor.0)
            .execute(&mut *tx)
            .await?;
        let queued = insert_run(&mut tx, &register_id, "upload").await?;
        append_audit(
            &mut tx,
            org,
            actor,
            "register.upload",
            &register_id,
            serde_json::json!({
                "name": new.name, "version": version, "format": new.format,
                "input_sha256": new.input_sha256, "subjects": new.subjects, "run": queued.id,
                "warnings": new.warnings,
            }),
        )
        .await?;
        let current = sqlx::query("SELECT current_run FROM registers WHERE id = $1")
            .bind(&register_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((
            RegisterSummary {
                id: register_id,
                org_id: org.clone(),
                org_name: operator.name,
                sector,
                name: new.name,
                version,
                format: new.format,
                input_sha256: new.input_sha256,
                subjects: new.subjects,
                uploaded_at,
                uploaded_by: actor.0.clone(),
                current_run: maybe_text(&current, "current_run")?,
            },
            queued,
        ))
    }

    async fn registers(&self, tenant: &Tenant) -> Result<Vec<RegisterSummary>> {
        let mut query = Query::new(REGISTER_SELECT);
        let condition = scope(&mut query, tenant, "r.org_id", "r.sector");
        query.push(&format!(" WHERE {condition} ORDER BY o.name, r.name"));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(register)
            .collect()
    }

    async fn register(&self, tenant: &Tenant, id: &str) -> Result<Option<RegisterSummary>> {
        let mut query = Query::new(REGISTER_SELECT);
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "r.org_id", "r.sector");
        query.push(&format!(" WHERE r.id = {id} AND {condition}"));
        self.fetch_optional_as(tenant, &query)
            .await?
            .as_ref()
            .map(register)
            .transpose()
    }

    async fn register_inventory(&self, tenant: &Tenant, id: &str) -> Result<Option<String>> {
        let mut query = Query::new(
            "SELECT v.inventory FROM registers r JOIN register_versions v ON v.register_id = r.id AND v.version = r.version",
        );
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "r.org_id", "r.sector");
        query.push(&format!(" WHERE r.id = {id} AND {condition}"));
        self.fetch_optional_as(tenant, &query)
            .await?
            .map(|row| text(&row, "inventory"))
            .transpose()
    }

    async fn register_history(
        &self,
        tenant: &Tenant,
        id: &str,
    ) -> Result<Vec<(i64, String, String)>> {
        let mut query = Query::new(
            "SELECT v.version, v.uploaded_at, v.inventory FROM registers r JOIN register_versions v ON v.register_id = r.id",
        );
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "r.org_id", "r.sector");
        query.push(&format!(
            " WHERE r.id = {id} AND {condition} ORDER BY v.version"
        ));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    int(row, "version")?,
                    text(row, "uploaded_at")?,
                    text(row, "inventory")?,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl RunStore for SqlStore {
    async fn queue_run(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        register_id: &str,
        reason: &str,
    ) -> Result<Run> {
        let mut tx = self.write_as(tenant).await?;
        let (org, _) = self.visible_register(&mut tx, tenant, register_id).await?;
        let queued = insert_run(&mut tx, register_id, reason).await?;
        append_audit(
            &mut tx,
            &org,
            actor,
            "run.queue",
            &queued.id,
            serde_json::json!({"register": register_id, "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        Ok(queued)
    }

    async fn claim_run(&self, lease: &Lease) -> Result<Option<ClaimedRun>> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let mut tx = self.write_as(&Tenant::System).await?;
        // Round-robin across organisations: the organisation with the
        // fewest runs in progress, then the one served longest ago, then the
        // oldest run; one tenant queueing a thousand runs does not hold up
        // another's one. A run whose holder's lease ran out (its replica
        // died or stalled) is taken over; the outer condition is checked
        // again on the row itself, so two replicas never both take it.
        let claimable = |alias: &str| {
            format!(
                "({alias}status = 'queued' OR ({alias}status = 'running' AND ({alias}lease_expires_at IS NULL OR {alias}lease_expires_at < $3)))"
            )
        };
        let claimed = sqlx::query(&format!(
            "UPDATE runs SET status = 'running', started_at = $3, done = 0, lease_owner = $1, lease_expires_at = $2 WHERE {outer} AND id = \
             (SELECT q.id FROM runs q WHERE {inner} ORDER BY \
              (SELECT COUNT(*) FROM runs r WHERE r.org_id = q.org_id AND r.status = 'running'), \
              COALESCE((SELECT MAX(r.started_at) FROM runs r WHERE r.org_id = q.org_id), ''), \
              q.created_at, q.id LIMIT 1{lock}) RETURNING {RUN_COLUMNS}",
            outer = claimable(""),
            inner = claimable("q."),
        ))
        .bind(&lease.owner)
        .bind(&lease.until)
        .bind(&lease.now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(claimed) = claimed else {
            return Ok(None);
        };
        let claimed = run(&claimed)?;
        sqlx::query("UPDATE run_leases SET ended_at = expires_at, outcome = 'expired' WHERE run_id = $1 AND ended_at IS NULL")
            .bind(&claimed.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO run_leases (run_id, org_id, sector, owner, claimed_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&claimed.id)
            .bind(&claimed.org_id)
            .bind(&claimed.sector)
            .bind(&lease.owner)
            .bind(&lease.now)
            .bind(&lease.until)
            .execute(&mut *tx)
            .await?;
        let version = sqlx::query(
            "SELECT inventory, input_sha256 FROM register_versions WHERE register_id = $1 AND version = $2",
        )
        .bind(&claimed.register_id)
        .bind(claimed.register_version)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(ClaimedRun {
            run: claimed,
            inventory: text(&version, "inventory")?,
            input_sha256: text(&version, "input_sha256")?,
        }))
    }

    async fn renew_run_lease(&self, run_id: &str, lease: &Lease) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        // A lease that already ran out is not renewed: another replica may
        // have taken the run over, or may at any moment.
        let renewed = sqlx::query("UPDATE runs SET lease_expires_at = $1 WHERE id = $2 AND status = 'running' AND lease_owner = $3 AND lease_expires_at >= $4")
            .bind(&lease.until)
            .bind(run_id)
            .bind(&lease.owner)
            .bind(&lease.now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if renewed {
            sqlx::query("UPDATE run_leases SET expires_at = $1 WHERE run_id = $2 AND owner = $3 AND ended_at IS NULL")
                .bind(&lease.until)
                .bind(run_id)
                .bind(&lease.owner)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(renewed)
    }

    async fn run_progress(&self, run_id: &str, done: i64, total: i64) -> Result<()> {
        let mut query = Query::new("UPDATE runs SET done = ");
        let (done, total, id) = (query.arg(done), query.arg(total), query.arg(run_id));
        query.push(&format!("{done}, total = {total} WHERE id = {id}"));
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn finish_run(&self, run_id: &str, owner: &str, result: RunResult) -> Result<RunChange> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let finished = hold(&mut tx, run_id, owner).await?;
        // A run of a higher generation already current (it was queued
        // later and finished first) stays current.
        let newer = sqlx::query("SELECT c.id FROM registers r JOIN runs c ON c.id = r.current_run WHERE r.id = $1 AND c.generation > $2")
            .bind(&finished.register_id)
            .bind(finished.generation)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| text(&row, "id"))
            .transpose()?;
        let previous = sqlx::query("SELECT f.key FROM registers r JOIN findings f ON f.run_id = r.current_run WHERE r.id = $1")
            .bind(&finished.register_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| text(row, "key"))
            .collect::<Result<BTreeSet<String>>>()?;
        // Several rows per statement: far fewer round trips to PostgreSQL,
        // well under its limit on parameters (14 per row). SQLite has no
        // round trips, and binding a statement's numbered parameters costs
        // the square of their number there (each is found by name in a
        // list): 400 rows a statement spent half a re-screening binding.
        let rows_per_statement = match self.backend {
            Backend::Sqlite => 16,
            Backend::Postgres => 400,
        };
        for chunk in result.findings.chunks(rows_per_statement) {
            let mut query = Query::new(
                "INSERT INTO findings (run_id, org_id, sector, register_id, key, severity, severity_rank, rule_id, subject_kind, subject_id, subject_name, title, title_ja, body) VALUES ",
            );
            for (index, finding) in chunk.iter().enumerate() {
                let values = [
                    query.arg(run_id),
                    query.arg(&finished.org_id),
                    query.arg(&finished.sector),
                    query.arg(&finished.register_id),
                    query.arg(&finding.key),
                    query.arg(&finding.severity),
                    query.arg(finding.severity_rank),
                    query.arg(&finding.rule_id),
                    query.arg(&finding.subject_kind),
                    query.arg(&finding.subject_id),
                    query.arg(&finding.subject_name),
                    query.arg(&finding.title),
                    query.arg(&finding.title_ja),
                    query.arg(&finding.body),
                ];
                if index > 0 {
                    query.push(", ");
                }
                query.push(&format!("({})", values.join(", ")));
            }
            query.build().execute(&mut *tx).await?;
        }
        let current: BTreeSet<String> = result.findings.iter().map(|f| f.key.clone()).collect();
        let (new, resolved): (Vec<String>, Vec<String>) = if newer.is_some() {
            (Vec::new(), Vec::new())
        } else {
            (
                current.difference(&previous).cloned().collect(),
                previous.difference(&current).cloned().collect(),
            )
        };
        let finished_at = now();
        end_lease(&mut tx, run_id, owner, &finished_at, "finished").await?;
        sqlx::query("UPDATE runs SET status = 'done', finished_at = $1, provenance = $2, findings = $3, new_findings = $4, resolved_findings = $5, done = total, lease_owner = NULL, lease_expires_at = NULL WHERE id = $6")
            .bind(&finished_at)
            .bind(result.provenance.to_string())
            .bind(current.len() as i64)
            .bind(new.len() as i64)
            .bind(resolved.len() as i64)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        if newer.is_none() {
            sqlx::query("UPDATE registers SET current_run = $1 WHERE id = $2")
                .bind(run_id)
                .bind(&finished.register_id)
                .execute(&mut *tx)
                .await?;
            bump_findings_generation(&mut tx).await?;
        }
        let change = RunChange {
            run_id: run_id.to_owned(),
            org_id: finished.org_id.clone(),
            register_id: finished.register_id.clone(),
            reason: finished.reason.clone(),
            new,
            resolved,
            superseded_by: newer,
        };
        append_audit(
            &mut tx,
            &finished.org_id,
            &Actor::system("screening"),
            "run.finish",
            run_id,
            serde_json::json!({
                "register": finished.register_id, "reason": finished.reason,
                "findings": current.len(), "new": change.new.len(), "resolved": change.resolved.len(),
                "policy": result.provenance.get("policy"), "superseded_by": change.superseded_by,
            }),
        )
        .await?;
        if !change.new.is_empty() || !change.resolved.is_empty() {
            let payload =
                serde_json::json!({"event": "findings.changed", "change": change}).to_string();
            sqlx::query("INSERT INTO outbox (org_id, kind, target, payload, secret, created_at) SELECT id, 'webhook', webhook_url, $1, webhook_secret, $2 FROM organisations WHERE id = $3 AND webhook_url IS NOT NULL")
                .bind(&payload)
                .bind(now())
                .bind(&finished.org_id)
                .execute(&mut *tx)
                .await?;
            // People are mailed about changes that came from outside (a
            // list or pack publication), not about their own uploads.
            if !matches!(finished.reason.as_str(), "upload" | "manual") {
                sqlx::query("INSERT INTO outbox (org_id, kind, target, payload, created_at) SELECT org_id, 'mail', login, $1, $2 FROM users WHERE org_id = $3 AND role = 'operator-admin' ORDER BY login")
                    .bind(&payload)
                    .bind(now())
                    .bind(&finished.org_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(change)
    }

    async fn fail_run(&self, run_id: &str, owner: &str, error: &str) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let failed = hold(&mut tx, run_id, owner).await?;
        let failed_at = now();
        end_lease(&mut tx, run_id, owner, &failed_at, "failed").await?;
        sqlx::query("UPDATE runs SET status = 'failed', finished_at = $1, error = $2, lease_owner = NULL, lease_expires_at = NULL WHERE id = $3")
            .bind(&failed_at)
            .bind(error)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &failed.org_id,
            &Actor::system("screening"),
            "run.fail",
            run_id,
            serde_json::json!({"error": error}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn run_leases(&self, run_id: Option<&str>) -> Result<Vec<RunLease>> {
        let mut query = Query::new(
            "SELECT run_id, owner, claimed_at, expires_at, ended_at, outcome FROM run_leases",
        );
        if let Some(run_id) = run_id {
            let id = query.arg(run_id);
            query.push(&format!(" WHERE run_id = {id}"));
        }
        query.push(" ORDER BY run_id, claimed_at, owner");
        self.fetch_all_as(&Tenant::System, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(RunLease {
                    run_id: text(row, "run_id")?,
                    owner: text(row, "owner")?,
                    claimed_at: text(row, "claimed_at")?,
                    expires_at: text(row, "expires_at")?,
                    ended_at: maybe_text(row, "ended_at")?,
                    outcome: maybe_text(row, "outcome")?,
                })
            })
            .collect()
    }

    async fn runs(
        &self,
        tenant: &Tenant,
        register_id: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Run>> {
        let mut query = Query::new(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE "));
        let condition = scope(&mut query, tenant, "org_id", "sector");
        query.push(&condition);
        if let Some(register_id) = register_id {
            let id = query.arg(register_id);
            query.push(&format!(" AND register_id = {id}"));
        }
        let (offset, limit) = (offset.max(0), limit.clamp(1, 1000));
        let count = Query {
            sql: query.sql.replacen(RUN_COLUMNS, "COUNT(*) AS total", 1),
            args: query.args.clone(),
        };
        let (limit_arg, offset_arg) = (query.arg(limit), query.arg(offset));
        query.push(&format!(
            " ORDER BY created_at DESC, id LIMIT {limit_arg} OFFSET {offset_arg}"
        ));
        let rows = self.fetch_all_as(tenant, &query).await?;
        let total = self
            .page_total(tenant, &count, offset, limit, rows.len())
            .await?;
        Ok(Page {
            items: rows.iter().map(run).collect::<Result<_>>()?,
            total,
            offset,
            limit,
        })
    }

    async fn run(&self, tenant: &Tenant, id: &str) -> Result<Option<Run>> {
        let mut query = Query::new(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE "));
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "org_id", "sector");
        query.push(&format!("id = {id} AND {condition}"));
        self.fetch_optional_as(tenant, &query)
            .await?
            .as_ref()
            .map(run)
            .transpose()
    }
}

/// Takes the row lock of a run `owner` holds (so that no replica takes it
/// over while its outcome is written), or says that the lease was lost.
async fn hold(conn: &mut AnyConnection, run_id: &str, owner: &str) -> Result<Run> {
    let row = sqlx::query(&format!(
        "UPDATE runs SET lease_owner = lease_owner WHERE id = $1 AND status = 'running' AND lease_owner = $2 RETURNING {RUN_COLUMNS}"
    ))
    .bind(run_id)
    .bind(owner)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => run(&row),
        None => Err(StoreError::Stale(format!(
            "run {run_id} is no longer held by {owner}: its lease ran out and another replica took it over, or it ended"
        ))),
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

/// Closes the holder's lease record of a run.
async fn end_lease(
    conn: &mut AnyConnection,
    run_id: &str,
    owner: &str,
    at: &str,
    outcome: &str,
) -> Result<()> {
    sqlx::query("UPDATE run_leases SET ended_at = $1, outcome = $2 WHERE run_id = $3 AND owner = $4 AND ended_at IS NULL")
        .bind(at)
        .bind(outcome)
        .bind(run_id)
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The status a finding has today: an accepted risk whose expiry has
/// passed is open again.
fn effective_status(today: &str) -> String {
    format!(
        "CASE WHEN t.status IS NULL THEN 'open' \
         WHEN t.status = 'accepted_risk' AND t.expires_at IS NOT NULL AND t.expires_at < {today} THEN 'open' \
         ELSE t.status END"
    )
}

const FINDING_FROM: &str = " FROM registers r JOIN findings f ON f.run_id = r.current_run JOIN organisations o ON o.id = r.org_id LEFT JOIN triage t ON t.register_id = f.register_id AND t.key = f.key WHERE ";

/// [`FINDING_FROM`] without the triage, for choosing and counting a page
/// that no status filter narrows (a lookup per finding saved).
const FINDING_FROM_UNTRIAGED: &str = " FROM registers r JOIN findings f ON f.run_id = r.current_run JOIN organisations o ON o.id = r.org_id WHERE ";

fn finding_view(row: &AnyRow) -> Result<FindingView> {
    let triage = match maybe_text(row, "t_status")? {
        Some(status) => Some(Triage {
            status: triage_status(&status)?,
            justification: maybe_text(row, "t_justification")?,
            expires_at: maybe_text(row, "t_expires_at")?,
            decided_by: text(row, "t_decided_by")?,
            decided_at: text(row, "t_decided_at")?,
        }),
        None => None,
    };
    Ok(FindingView {
        register_id: text(row, "register_id")?,
        org_id: text(row, "org_id")?,
        org_name: text(row, "org_name")?,
        sector: text(row, "sector")?,
        run_id: text(row, "run_id")?,
        row: FindingRow {
            key: text(row, "key")?,
            severity: text(row, "severity")?,
            severity_rank: int(row, "severity_rank")?,
            rule_id: text(row, "rule_id")?,
            subject_kind: text(row, "subject_kind")?,
            subject_id: text(row, "subject_id")?,
            subject_name: text(row, "subject_name")?,
            title: text(row, "title")?,
            title_ja: text(row, "title_ja")?,
            body: text(row, "body")?,
        },
        status: triage_status(&text(row, "effective")?)?,
        triage,
    })
}

/// The columns of a finding as shown (`FROM` and `WHERE` follow), its
/// body only with `evidence`.
fn finding_columns(effective: &str, evidence: bool) -> String {
    let body = if evidence { "f.body" } else { "'' AS body" };
    format!(
        "SELECT f.register_id, f.org_id, o.name AS org_name, f.sector, f.run_id, f.key, f.severity, f.severity_rank, f.rule_id, f.subject_kind, f.subject_id, f.subject_name, f.title, f.title_ja, {body}, \
         t.status AS t_status, t.justification AS t_justification, t.expires_at AS t_expires_at, t.decided_by AS t_decided_by, t.decided_at AS t_decided_at, {effective} AS effective"
    )
}

fn finding_select(effective: &str) -> String {
    format!("{}{FINDING_FROM}", finding_columns(effective, true))
}

#[async_trait]
impl FindingStore for SqlStore {
    async fn findings(&self, tenant: &Tenant, filter: &FindingFilter) -> Result<Page<FindingView>> {
        // The same conditions for the page and for the count.
        let conditions = |query: &mut Query| {
            let today = query.arg(&filter.today);
            let effective = effective_status(&today);
            let mut conditions = vec![scope(query, tenant, "r.org_id", "r.sector")];
            if let Some(register) = &filter.register_id {
                conditions.push(format!("f.register_id = {}", query.arg(register)));
            }
            if let Some(severity) = &filter.severity {
                conditions.push(format!("f.severity = {}", query.arg(severity)));
            }
            if let Some(rule) = &filter.rule_id {
                conditions.push(format!("f.rule_id = {}", query.arg(rule)));
            }
            if let Some(text) = filter
                .text
                .as_deref()
                .filter(|text| !text.trim().is_empty())
            {
                let pattern = query.arg(format!("%{}%", text.trim().to_lowercase()));
                conditions.push(format!(
                    "(LOWER(f.subject_name) LIKE {pattern} OR LOWER(f.title) LIKE {pattern} OR f.title_ja LIKE {pattern} OR LOWER(f.key) LIKE {pattern})"
                ));
            }
            if let Some(status) = filter.status {
                conditions.push(format!("{effective} = {}", query.arg(status.as_str())));
            }
            (effective, conditions.join(" AND "))
        };
        // The page is chosen on narrow rows (keys and sort columns), and
        // only its rows are read whole: sorting whole findings (their
        // bodies) was most of the time. The total is counted apart, and
        // only when the page does not tell it.
        let (offset, limit) = (filter.offset.max(0), filter.limit.clamp(1, 1000));
        let mut page = Query::default();
        let (effective, condition) = conditions(&mut page);
        let from = if filter.status.is_some() {
            FINDING_FROM
        } else {
            FINDING_FROM_UNTRIAGED
        };
        let count = Query {
            sql: format!("SELECT COUNT(*) AS total{from}{condition}"),
            args: page.args.clone(),
        };
        let (limit_arg, offset_arg) = (page.arg(limit), page.arg(offset));
        page.sql = format!(
            "{columns} FROM (SELECT f.run_id AS p_run, f.key AS p_key, f.severity_rank AS p_rank, o.name AS p_org{from}{condition} \
             ORDER BY f.severity_rank, o.name, f.key LIMIT {limit_arg} OFFSET {offset_arg}) p \
             JOIN findings f ON f.run_id = p.p_run AND f.key = p.p_key JOIN organisations o ON o.id = f.org_id \
             LEFT JOIN triage t ON t.register_id = f.register_id AND t.key = f.key ORDER BY p.p_rank, p.p_org, p.p_key",
            columns = finding_columns(&effective, filter.evidence)
        );
        let rows = self.fetch_all_as(tenant, &page).await?;
        let total = self
            .page_total(tenant, &count, offset, limit, rows.len())
            .await?;
        let items = rows.iter().map(finding_view).collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    async fn finding(
        &self,
        tenant: &Tenant,
        register_id: &str,
        key: &str,
        now: &str,
    ) -> Result<Option<FindingView>> {
        let mut query = Query::default();
        let today = query.arg(now);
        let register = query.arg(register_id);
        let key = query.arg(key);
        let condition = scope(&mut query, tenant, "r.org_id", "r.sector");
        query.sql = format!(
            "{}r.id = {register} AND f.key = {key} AND {condition}",
            finding_select(&effective_status(&today))
        );
        self.fetch_optional_as(tenant, &query)
            .await?
            .as_ref()
            .map(finding_view)
            .transpose()
    }

    async fn findings_generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT value FROM generations WHERE name = 'findings'")
            .fetch_one(self.pool())
            .await?;
        int(&row, "value")
    }

    async fn triage(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        register_id: &str,
        key: &str,
        decision: TriageDecision,
    ) -> Result<Triage> {
        let mut tx = self.write_as(tenant).await?;
        let (org, current_run) = self.visible_register(&mut tx, tenant, register_id).await?;
        let exists = sqlx::query("SELECT 1 AS found FROM findings WHERE run_id = $1 AND key = $2")
            .bind(current_run.unwrap_or_default())
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("finding {key}")));
        }
        let triage = Triage {
            status: decision.status,
            justification: decision.justification,
            expires_at: decision.expires_at,
            decided_by: actor.0.clone(),
            decided_at: now(),
        };
        sqlx::query("INSERT INTO triage (register_id, key, org_id, status, justification, expires_at, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (register_id, key) DO UPDATE SET status = excluded.status, justification = excluded.justification, expires_at = excluded.expires_at, decided_by = excluded.decided_by, decided_at = excluded.decided_at")
            .bind(register_id)
            .bind(key)
            .bind(&org)
            .bind(triage.status.as_str())
            .bind(triage.justification.clone())
            .bind(triage.expires_at.clone())
            .bind(&triage.decided_by)
            .bind(&triage.decided_at)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &org,
            actor,
            "finding.triage",
            &format!("{register_id}/{key}"),
            serde_json::json!({
                "status": triage.status.as_str(), "justification": triage.justification,
                "expires_at": triage.expires_at,
            }),
        )
        .await?;
        bump_findings_generation(&mut tx).await?;
        tx.commit().await?;
        Ok(triage)
    }
}

#[async_trait]
impl ListStore for SqlStore {
    async fn publish_list(&self, actor: &Actor, list: NewListVersion) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let inserted = sqlx::query("INSERT INTO list_versions (list_id, version, sha256, entries, body, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (list_id, sha256) DO NOTHING")
            .bind(&list.list_id)
            .bind(&list.version)
            .bind(&list.sha256)
            .bind(list.entries)
            .bind(&list.body)
            .bind(now())
            .bind(&actor.0)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({
            "version": list.version, "sha256": list.sha256, "entries": list.entries,
        });
        publication(tx, actor, "list", &list.list_id, &list.version, detail).await
    }

    async fn list_versions(&self) -> Result<Vec<ListVersionSummary>> {
        sqlx::query("SELECT list_id, version, sha256, entries, published_at, published_by FROM list_versions ORDER BY list_id, published_at")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(ListVersionSummary {
                    list_id: text(row, "list_id")?,
                    version: text(row, "version")?,
                    sha256: text(row, "sha256")?,
                    entries: int(row, "entries")?,
                    published_at: text(row, "published_at")?,
                    published_by: text(row, "published_by")?,
                })
            })
            .collect()
    }

    async fn latest_lists(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT l.body FROM list_versions l WHERE l.published_at = (SELECT MAX(m.published_at) FROM list_versions m WHERE m.list_id = l.list_id) ORDER BY l.list_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| text(row, "body"))
            .collect()
    }
}

#[async_trait]
impl PackStore for SqlStore {
    async fn publish_pack(&self, actor: &Actor, pack: NewPackVersion) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let inserted = sqlx::query("INSERT INTO pack_versions (pack_id, version, sha256, manifest, schema_text, policies, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (pack_id, sha256) DO NOTHING")
            .bind(&pack.pack_id)
            .bind(&pack.version)
            .bind(&pack.sha256)
            .bind(&pack.manifest)
            .bind(&pack.schema)
            .bind(&pack.policies)
            .bind(now())
            .bind(&actor.0)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({"version": pack.version, "sha256": pack.sha256});
        publication(tx, actor, "pack", &pack.pack_id, &pack.version, detail).await
    }

    async fn pack_versions(&self) -> Result<Vec<PackVersionSummary>> {
        sqlx::query("SELECT pack_id, version, sha256, published_at, published_by FROM pack_versions ORDER BY pack_id, published_at")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(PackVersionSummary {
                    pack_id: text(row, "pack_id")?,
                    version: text(row, "version")?,
                    sha256: text(row, "sha256")?,
                    published_at: text(row, "published_at")?,
                    published_by: text(row, "published_by")?,
                })
            })
            .collect()
    }

    async fn stored_packs(&self) -> Result<Vec<NewPackVersion>> {
        sqlx::query("SELECT pack_id, version, sha256, manifest, schema_text, policies FROM pack_versions ORDER BY pack_id, published_at")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(NewPackVersion {
                    pack_id: text(row, "pack_id")?,
                    version: text(row, "version")?,
                    sha256: text(row, "sha256")?,
                    manifest: text(row, "manifest")?,
                    schema: text(row, "schema_text")?,
                    policies: text(row, "policies")?,
                })
            })
            .collect()
    }
}

fn outbox_message(row: &AnyRow) -> Result<OutboxMessage> {
    let status = text(row, "status")?;
    Ok(OutboxMessage {
        id: int(row, "id")?,
        org_id: text(row, "org_id")?,
        kind: text(row, "kind")?,
        target: text(row, "target")?,
        payload: text(row, "payload")?,
        secret: maybe_text(row, "secret")?,
        created_at: text(row, "created_at")?,
        sent_at: maybe_text(row, "sent_at")?,
        outcome: maybe_text(row, "outcome")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| corrupt("delivery status", &status))?,
        attempts: int(row, "attempts")?,
        next_attempt_at: text(row, "next_attempt_at")?,
        retry_since: match maybe_text(row, "retry_since")? {
            Some(since) => since,
            None => text(row, "created_at")?,
        },
    })
}

const OUTBOX_COLUMNS: &str = "id, org_id, kind, target, payload, secret, created_at, sent_at, outcome, status, attempts, next_attempt_at, retry_since";

/// The tenant condition on the outbox: an organisation sees its own
/// messages (a regulator's are its reviewers' mail, not its operators').
fn outbox_scope(query: &mut Query, tenant: &Tenant) -> String {
    match tenant {
        Tenant::System => "1 = 1".to_owned(),
        Tenant::Operator { org } | Tenant::Regulator { org, .. } => {
            format!("org_id = {}", query.arg(org))
        }
    }
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn claim_deliveries(
        &self,
        kind: &str,
        lease: &Lease,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        // Candidates: the oldest pending message of each target, when it
        // is due. A target's messages go one at a time and in order: a
        // later one waits while an earlier one is held or waits to be
        // retried. Taking one is conditional on its still being free, so
        // of two replicas that pick the same message one gets it. A read
        // first, so that an idle pool does not take SQLite's write lock
        // every tick.
        let due = Query::with(
            "SELECT COUNT(*) AS due FROM outbox WHERE status = 'pending' AND kind = $1 AND next_attempt_at <= $2 AND (lease_expires_at IS NULL OR lease_expires_at < $2)",
            [kind.into(), lease.now.as_str().into()],
        );
        match self.fetch_optional_as(&Tenant::System, &due).await? {
            Some(row) if int(&row, "due")? > 0 => {}
            _ => return Ok(Vec::new()),
        }
        let mut tx = self.write_as(&Tenant::System).await?;
        let candidates = sqlx::query(
            "SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.kind = $1 AND o.next_attempt_at <= $2 \
             AND o.id = (SELECT MIN(c.id) FROM outbox c WHERE c.kind = o.kind AND c.target = o.target AND c.status = 'pending') \
             ORDER BY o.id LIMIT $3",
        )
        .bind(kind)
        .bind(&lease.now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::new();
        for candidate in &candidates {
            let id = int(candidate, "id")?;
            let row = sqlx::query(&format!(
                "UPDATE outbox SET lease_owner = $1, lease_expires_at = $2 WHERE id = $3 AND status = 'pending' \
                 AND (lease_expires_at IS NULL OR lease_expires_at < $4) RETURNING {OUTBOX_COLUMNS}"
            ))
            .bind(&lease.owner)
            .bind(&lease.until)
            .bind(id)
            .bind(&lease.now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                claimed.push(outbox_message(&row)?);
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn record_delivery(&self, id: i64, owner: &str, outcome: DeliveryOutcome) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let at = now();
        let held = sqlx::query("UPDATE outbox SET attempts = attempts + 1 WHERE id = $1 AND lease_owner = $2 AND status = 'pending' RETURNING attempts, org_id")
            .bind(id)
            .bind(owner)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Stale(format!("message {id} is no longer held by {owner}")))?;
        let attempt = int(&held, "attempts")?;
        let (status, delivered, text_outcome, next) = match &outcome {
            DeliveryOutcome::Delivered(outcome) => ("sent", true, outcome, None),
            DeliveryOutcome::Retry {
                outcome,
                next_attempt_at,
            } => ("pending", false, outcome, Some(next_attempt_at)),
            DeliveryOutcome::Dead(outcome) => ("dead", false, outcome, None),
        };
        sqlx::query("INSERT INTO delivery_attempts (outbox_id, org_id, attempt, at, owner, delivered, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(text(&held, "org_id")?)
            .bind(attempt)
            .bind(&at)
            .bind(owner)
            .bind(i64::from(delivered))
            .bind(text_outcome)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE outbox SET status = $1, outcome = $2, sent_at = $3, next_attempt_at = COALESCE($4, next_attempt_at), lease_owner = NULL, lease_expires_at = NULL WHERE id = $5")
            .bind(status)
            .bind(text_outcome)
            .bind(delivered.then_some(at.as_str()))
            .bind(next.map(String::as_str))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delivery_attempts(&self, tenant: &Tenant, id: i64) -> Result<Vec<DeliveryAttempt>> {
        let mut query = Query::new(
            "SELECT outbox_id, attempt, at, owner, delivered, outcome FROM delivery_attempts WHERE outbox_id = ",
        );
        let id = query.arg(id);
        let condition = outbox_scope(&mut query, tenant);
        query.push(&format!(
            "{id} AND EXISTS (SELECT 1 FROM outbox WHERE id = {id} AND {condition}) ORDER BY attempt"
        ));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(DeliveryAttempt {
                    outbox_id: int(row, "outbox_id")?,
                    attempt: int(row, "attempt")?,
                    at: text(row, "at")?,
                    owner: text(row, "owner")?,
                    delivered: int(row, "delivered")? != 0,
                    outcome: text(row, "outcome")?,
                })
            })
            .collect()
    }

    async fn resend(&self, tenant: &Tenant, actor: &Actor, id: i64) -> Result<OutboxMessage> {
        let mut tx = self.write_as(tenant).await?;
        let mut query = Query::new("UPDATE outbox SET status = 'pending', next_attempt_at = ");
        let at = query.arg(now());
        query.push(&format!("{at}, retry_since = "));
        let message = query.arg(id);
        let condition = outbox_scope(&mut query, tenant);
        query.push(&format!(
            "{at}, lease_owner = NULL, lease_expires_at = NULL WHERE id = {message} AND status = 'dead' AND {condition} RETURNING {OUTBOX_COLUMNS}"
        ));
        let row = query
            .build()
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("dead letter {id}")))?;
        let resent = outbox_message(&row)?;
        append_audit(
            &mut tx,
            &resent.org_id,
            actor,
            "delivery.resend",
            &id.to_string(),
            serde_json::json!({"kind": resent.kind, "target": resent.target, "attempts": resent.attempts}),
        )
        .await?;
        tx.commit().await?;
        Ok(resent)
    }

    async fn outbox(
        &self,
        tenant: &Tenant,
        status: Option<DeliveryStatus>,
    ) -> Result<Vec<OutboxMessage>> {
        let mut query = Query::new(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE "));
        let condition = outbox_scope(&mut query, tenant);
        query.push(&condition);
        if let Some(status) = status {
            let status = query.arg(status.as_str());
            query.push(&format!(" AND status = {status}"));
        }
        query.push(" ORDER BY id DESC LIMIT 500");
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(outbox_message)
            .collect()
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_chains(&self, tenant: &Tenant) -> Result<Vec<String>> {
        let mut names: BTreeSet<String> = self
            .organisations(tenant)
            .await?
            .into_iter()
            .map(|org| org.id)
            .collect();
        if *tenant == Tenant::System {
            names.extend(self.chain_heads().await?.into_iter().map(|head| head.chain));
            names.insert("system".into());
        }
        Ok(names.into_iter().collect())
    }

    async fn audit_events(
        &self,
        tenant: &Tenant,
        chain: Option<&str>,
        offset: i64,
        limit: Option<i64>,
    ) -> Result<(Vec<AuditEvent>, i64)> {
        let readable = self.audit_chains(tenant).await?;
        let chains: Vec<&String> = readable
            .iter()
            .filter(|name| chain.is_none_or(|wanted| wanted == name.as_str()))
            .collect();
        if chains.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut condition = Query::new("");
        let listed: Vec<String> = chains
            .iter()
            .map(|name| condition.arg(name.as_str()))
            .collect();
        let condition_sql = format!(" WHERE chain IN ({})", listed.join(", "));
        let mut count = Query::new("SELECT COUNT(*) AS n FROM audit_events");
        count.args = condition.args.clone();
        count.push(&condition_sql);
        let total = match self.fetch_optional_as(tenant, &count).await? {
            Some(row) => int(&row, "n")?,
            None => 0,
        };
        let mut query = Query::new(
            "SELECT chain, seq, at, actor, action, subject, detail, prev_hash, row_hash FROM audit_events",
        );
        query.args = condition.args;
        query.push(&condition_sql);
        query.push(" ORDER BY chain, seq");
        if let Some(limit) = limit {
            let limit = query.arg(limit);
            let offset = query.arg(offset.max(0));
            query.push(&format!(" LIMIT {limit} OFFSET {offset}"));
        }
        let events = self
            .fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(audit_event)
            .collect::<Result<Vec<_>>>()?;
        Ok((events, total))
    }

    async fn verify_audit(&self, chains: Option<&[String]>) -> Result<Vec<ChainReport>> {
        let heads: Vec<ChainHead> = self
            .chain_heads()
            .await?
            .into_iter()
            .filter(|head| chains.is_none_or(|wanted| wanted.contains(&head.chain)))
            .collect();
        let rows: Vec<AnyRow> = self
            .fetch_all_as(&Tenant::System, &Query::new("SELECT chain, seq, at, actor, action, subject, detail, prev_hash, row_hash FROM audit_events ORDER BY chain, seq"))
            .await?
            .into_iter()
            .filter(|row| {
                chains.is_none_or(|wanted| {
                    text(row, "chain").is_ok_and(|chain| wanted.contains(&chain))
                })
            })
            .collect();
        let mut reports = Vec::new();
        let mut chains: std::collections::BTreeMap<String, Vec<AuditEvent>> = Default::default();
        for row in &rows {
            // An event whose detail no longer parses was edited too: it
            // still takes its place in the chain, with a detail that cannot
            // hash to the stored value.
            let event = match audit_event(row) {
                Ok(event) => event,
                Err(_) => AuditEvent {
                    chain: text(row, "chain")?,
                    seq: int(row, "seq")?,
                    at: text(row, "at")?,
                    actor: text(row, "actor")?,
                    action: text(row, "action")?,
                    subject: text(row, "subject")?,
                    detail: serde_json::Value::String(text(row, "detail")?),
                    prev_hash: text(row, "prev_hash")?,
                    row_hash: text(row, "row_hash")?,
                },
            };
            chains.entry(event.chain.clone()).or_default().push(event);
        }
        let mut names: BTreeSet<String> = chains.keys().cloned().collect();
        names.extend(heads.iter().map(|head| head.chain.clone()));
        for name in names {
            let events = chains.get(&name).map(Vec::as_slice).unwrap_or_default();
            let head = heads.iter().find(|head| head.chain == name);
            reports.push(audit::verify_chain(&name, events, head));
        }
        Ok(reports)
    }

    async fn chain_heads(&self) -> Result<Vec<ChainHead>> {
        self.fetch_all_as(
            &Tenant::System,
            &Query::new(
                "SELECT chain, seq, row_hash FROM audit_heads WHERE seq > 0 ORDER BY chain",
            ),
        )
        .await?
        .iter()
        .map(|row| {
            Ok(ChainHead {
                chain: text(row, "chain")?,
                seq: int(row, "seq")?,
                row_hash: text(row, "row_hash")?,
            })
        })
        .collect()
    }
}

//! Current findings and their triage over SQL, and how a finished run
//! makes its findings the register's current ones.

use super::*;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// The status a finding has today: an accepted risk whose expiry has
/// passed is open again.
fn effective_status(today: &str) -> String {
    format!(
        "CASE WHEN t.status IS NULL THEN 'open' \
         WHEN t.status = 'accepted_risk' AND t.expires_at IS NOT NULL AND t.expires_at < {today} THEN 'open' \
         ELSE t.status END"
    )
}

/// A register's current findings are its rows no run has ended
/// (`last_run IS NULL`, the partial index `findings_current`).
const FINDING_FROM: &str = " FROM registers r JOIN findings f ON f.register_id = r.id AND f.last_run IS NULL JOIN organisations o ON o.id = r.org_id LEFT JOIN triage t ON t.register_id = f.register_id AND t.key = f.key WHERE ";

/// [`FINDING_FROM`] without the triage, for choosing and counting a page
/// that no status filter narrows (a lookup per finding saved).
const FINDING_FROM_UNTRIAGED: &str = " FROM registers r JOIN findings f ON f.register_id = r.id AND f.last_run IS NULL JOIN organisations o ON o.id = r.org_id WHERE ";

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
/// body only with `evidence`. Its run is the register's current run
/// (`current_run`, the column that holds it): the run that screened it
/// last, whose provenance it is given, not the earlier run that first
/// stored it reading the same.
fn finding_columns(effective: &str, evidence: bool, current_run: &str) -> String {
    let body = if evidence { "f.body" } else { "'' AS body" };
    format!(
        "SELECT f.register_id, f.org_id, o.name AS org_name, f.sector, {current_run} AS run_id, f.key, f.severity, f.severity_rank, f.rule_id, f.subject_kind, f.subject_id, f.subject_name, f.title, f.title_ja, {body}, \
         t.status AS t_status, t.justification AS t_justification, t.expires_at AS t_expires_at, t.decided_by AS t_decided_by, t.decided_at AS t_decided_at, {effective} AS effective"
    )
}

fn finding_select(effective: &str) -> String {
    format!(
        "{}{FINDING_FROM}",
        finding_columns(effective, true, "r.current_run")
    )
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
            if let Some(kind) = &filter.subject_kind {
                conditions.push(format!("f.subject_kind = {}", query.arg(kind)));
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
            "{columns} FROM (SELECT f.run_id AS p_run, r.current_run AS p_current, f.key AS p_key, f.severity_rank AS p_rank, o.name AS p_org{from}{condition} \
             ORDER BY f.severity_rank, o.name, f.key LIMIT {limit_arg} OFFSET {offset_arg}) p \
             JOIN findings f ON f.run_id = p.p_run AND f.key = p.p_key JOIN organisations o ON o.id = f.org_id \
             LEFT JOIN triage t ON t.register_id = f.register_id AND t.key = f.key ORDER BY p.p_rank, p.p_org, p.p_key",
            columns = finding_columns(&effective, filter.evidence, "p.p_current")
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
        let (org, _) = self.visible_register(&mut tx, tenant, register_id).await?;
        // Only a finding the register has now may be triaged (a register
        // not screened yet has none).
        let exists = sqlx::query("SELECT 1 AS found FROM findings WHERE register_id = $1 AND key = $2 AND last_run IS NULL")
            .bind(register_id)
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

/// A finished run's findings made the register's current ones. A finding
/// that reads as it did is not written again (a re-screening after a list
/// change finds almost everything unchanged): a finding new, or reading
/// differently, gets a row from this run; the row of one gone, or read
/// differently, ends at the previous current run. The rows of a finding
/// so tell when it was found as it reads and until when.
pub(super) struct HeldFindings<'a> {
    pub register_id: &'a str,
    pub org_id: &'a str,
    pub sector: &'a str,
    /// The run finishing.
    pub run_id: &'a str,
    /// The register's current run until now.
    pub previous_run: Option<&'a str>,
}

impl HeldFindings<'_> {
    /// Writes what changed; returns the keys of the findings new and of
    /// those resolved.
    pub async fn replace(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        findings: &[FindingRow],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let held = sqlx::query(
            "SELECT key, digest FROM findings WHERE register_id = $1 AND last_run IS NULL",
        )
        .bind(self.register_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((text(row, "key")?, maybe_text(row, "digest")?)))
        .collect::<Result<BTreeMap<String, Option<String>>>>()?;
        let (mut new, mut ended, mut written) = (Vec::new(), Vec::new(), Vec::new());
        for finding in findings {
            let digest = finding_digest(finding);
            match held.get(&finding.key) {
                None => new.push(finding.key.clone()),
                Some(Some(stored)) if *stored == digest => continue,
                Some(_) => ended.push(finding.key.clone()),
            }
            written.push((finding, digest));
        }
        let current: BTreeSet<&str> = findings.iter().map(|f| f.key.as_str()).collect();
        let resolved: Vec<String> = held
            .keys()
            .filter(|key| !current.contains(key.as_str()))
            .cloned()
            .collect();
        ended.extend(resolved.iter().cloned());
        if !ended.is_empty() {
            let previous_run = self.previous_run.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "register {} has current findings but no current run",
                    self.register_id
                ))
            })?;
            for chunk in ended.chunks(500) {
                let mut query = Query::new("UPDATE findings SET last_run = ");
                let (last, register) = (query.arg(previous_run), query.arg(self.register_id));
                let keys: Vec<String> = chunk.iter().map(|key| query.arg(key)).collect();
                query.push(&format!(
                    "{last} WHERE register_id = {register} AND last_run IS NULL AND key IN ({})",
                    keys.join(", ")
                ));
                query.build().execute(&mut *conn).await?;
            }
        }
        self.insert(conn, backend, &written).await?;
        Ok((new, resolved))
    }

    async fn insert(
        &self,
        conn: &mut AnyConnection,
        backend: Backend,
        written: &[(&FindingRow, String)],
    ) -> Result<()> {
        // Several rows per statement: far fewer round trips to PostgreSQL,
        // well under its limit on parameters (15 per row). SQLite has no
        // round trips, and binding a statement's numbered parameters costs
        // the square of their number there (each is found by name in a
        // list): 400 rows a statement spent half a re-screening binding.
        let rows_per_statement = match backend {
            Backend::Sqlite => 16,
            Backend::Postgres => 400,
        };
        for chunk in written.chunks(rows_per_statement) {
            let mut query = Query::new(
                "INSERT INTO findings (run_id, org_id, sector, register_id, key, severity, severity_rank, rule_id, subject_kind, subject_id, subject_name, title, title_ja, body, digest) VALUES ",
            );
            for (index, (finding, digest)) in chunk.iter().enumerate() {
                let values = [
                    query.arg(self.run_id),
                    query.arg(self.org_id),
                    query.arg(self.sector),
                    query.arg(self.register_id),
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
                    query.arg(digest),
                ];
                if index > 0 {
                    query.push(", ");
                }
                query.push(&format!("({})", values.join(", ")));
            }
            query.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// The SHA-256 of everything a finding's row says, each field prefixed
/// by its length so no two findings share the text hashed. A collision
/// would let a changed finding keep its old reading, so the hash is one
/// nobody can collide.
fn finding_digest(finding: &FindingRow) -> String {
    let mut hasher = Sha256::new();
    let rank = finding.severity_rank.to_string();
    for field in [
        finding.key.as_str(),
        &finding.severity,
        &rank,
        &finding.rule_id,
        &finding.subject_kind,
        &finding.subject_id,
        &finding.subject_name,
        &finding.title,
        &finding.title_ja,
        &finding.body,
    ] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

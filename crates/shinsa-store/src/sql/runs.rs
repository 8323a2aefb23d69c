//! Screening runs over SQL: a queue of leased work, finished in one transaction with its findings.

use super::*;

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
        // Only while it runs: a progress write that arrives after the run
        // finished (they are written beside the screening) changes nothing.
        query.push(&format!(
            "{done}, total = {total} WHERE id = {id} AND status = 'running'"
        ));
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn finish_run(&self, run_id: &str, owner: &str, result: RunResult) -> Result<RunChange> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let finished = hold(&mut tx, run_id, owner).await?;
        // The register's row is held first, so two replicas finishing two
        // runs of one register apply their changes one after the other
        // (SQLite's writer is one already).
        let lock = match self.backend {
            Backend::Sqlite => "SELECT current_run FROM registers WHERE id = $1",
            Backend::Postgres => "SELECT current_run FROM registers WHERE id = $1 FOR UPDATE",
        };
        let previous_run = maybe_text(
            &sqlx::query(lock)
                .bind(&finished.register_id)
                .fetch_one(&mut *tx)
                .await?,
            "current_run",
        )?;
        // A run of a higher generation already current (it was queued
        // later and finished first) stays current.
        let newer = sqlx::query("SELECT id FROM runs WHERE id = $1 AND generation > $2")
            .bind(&previous_run)
            .bind(finished.generation)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| text(&row, "id"))
            .transpose()?;
        let (new, resolved) = match &newer {
            // A superseded run's findings were never the register's: only
            // its counts are kept.
            Some(_) => (Vec::new(), Vec::new()),
            None => {
                let held = HeldFindings {
                    register_id: &finished.register_id,
                    run_id,
                    previous_run: previous_run.as_deref(),
                    org_id: &finished.org_id,
                    sector: &finished.sector,
                };
                held.replace(&mut tx, self.backend, &result.findings)
                    .await?
            }
        };
        let finished_at = now();
        end_lease(&mut tx, run_id, owner, &finished_at, "finished").await?;
        let warnings = serde_json::to_string(&result.warnings)
            .map_err(|error| StoreError::Corrupt(format!("warnings: {error}")))?;
        sqlx::query("UPDATE runs SET status = 'done', finished_at = $1, provenance = $2, findings = $3, new_findings = $4, resolved_findings = $5, done = total, lease_owner = NULL, lease_expires_at = NULL, warnings = $7 WHERE id = $6")
            .bind(&finished_at)
            .bind(result.provenance.to_string())
            .bind(result.findings.len() as i64)
            .bind(new.len() as i64)
            .bind(resolved.len() as i64)
            .bind(run_id)
            .bind(warnings)
            .execute(&mut *tx)
            .await?;
        if newer.is_none() {
            sqlx::query("UPDATE registers SET current_run = $1 WHERE id = $2")
                .bind(run_id)
                .bind(&finished.register_id)
                .execute(&mut *tx)
                .await?;
            bump_findings_generation(&mut tx).await?;
            for job in &result.then {
                insert_job(&mut tx, job).await?;
            }
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
                "findings": result.findings.len(), "new": change.new.len(), "resolved": change.resolved.len(),
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
            mail_users(&mut tx, &finished.org_id, &result.mailed, &payload, &now()).await?;
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

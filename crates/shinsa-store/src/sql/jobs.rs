//! Background jobs over SQL: queued in the transaction of the change that
//! calls for them, claimed with a lease like runs, retried until done or
//! dead. The store keeps no rule of what a job does or how often it is
//! retried: the server's runner says so with each outcome.

use super::*;

const JOB_COLUMNS: &str = "id, kind, org_id, sector, subject, status, attempts, run_after, lease_owner, lease_expires_at, last_error, outcome, created_at, finished_at";

fn job(row: &AnyRow) -> Result<Job> {
    let status = text(row, "status")?;
    Ok(Job {
        id: text(row, "id")?,
        kind: text(row, "kind")?,
        org_id: text(row, "org_id")?,
        sector: text(row, "sector")?,
        subject: text(row, "subject")?,
        status: JobStatus::parse(&status).ok_or_else(|| corrupt("job status", &status))?,
        attempts: int(row, "attempts")?,
        run_after: text(row, "run_after")?,
        lease_owner: maybe_text(row, "lease_owner")?,
        lease_expires_at: maybe_text(row, "lease_expires_at")?,
        last_error: maybe_text(row, "last_error")?,
        outcome: maybe_text(row, "outcome")?,
        created_at: text(row, "created_at")?,
        finished_at: maybe_text(row, "finished_at")?,
    })
}

#[async_trait]
impl JobStore for SqlStore {
    async fn queue_job(&self, new: NewJob) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        insert_job(&mut tx, &new).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_job(&self, lease: &Lease) -> Result<Option<Job>> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let row = sqlx::query(&format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_expires_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_after <= $3) \
                         OR (status = 'running' AND lease_expires_at < $3) \
                         ORDER BY run_after, id LIMIT 1{lock}) RETURNING {JOB_COLUMNS}"
        ))
        .bind(&lease.owner)
        .bind(&lease.until)
        .bind(&lease.now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.as_ref().map(job).transpose()
    }

    async fn renew_job_lease(&self, id: &str, lease: &Lease) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let renewed = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND status = 'running' AND lease_owner = $3",
        )
        .bind(&lease.until)
        .bind(id)
        .bind(&lease.owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(renewed.rows_affected() == 1)
    }

    async fn finish_job(&self, id: &str, owner: &str, outcome: JobOutcome) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let held = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND status = 'running' AND lease_owner = $2"
        ))
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(held) = held.as_ref().map(job).transpose()? else {
            return Err(StoreError::Stale(format!(
                "job {id} is no longer held by {owner}"
            )));
        };
        let at = now();
        match outcome {
            JobOutcome::Done(outcome) => {
                sqlx::query("UPDATE jobs SET status = 'done', outcome = $1, finished_at = $2, lease_owner = NULL, lease_expires_at = NULL WHERE id = $3")
                    .bind(outcome)
                    .bind(&at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            JobOutcome::Retry { error, run_after } => {
                // A job of the same kind queued meanwhile does the same work
                // on fresher data: this one ends in its favour.
                let queued = sqlx::query(
                    "SELECT id FROM jobs WHERE kind = $1 AND subject = $2 AND status = 'queued'",
                )
                .bind(&held.kind)
                .bind(&held.subject)
                .fetch_optional(&mut *tx)
                .await?;
                match queued {
                    Some(queued) => {
                        sqlx::query("UPDATE jobs SET status = 'done', last_error = $1, outcome = $2, finished_at = $3, lease_owner = NULL, lease_expires_at = NULL WHERE id = $4")
                            .bind(error)
                            .bind(format!("superseded by {}", text(&queued, "id")?))
                            .bind(&at)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        sqlx::query("UPDATE jobs SET status = 'queued', last_error = $1, run_after = $2, lease_owner = NULL, lease_expires_at = NULL WHERE id = $3")
                            .bind(error)
                            .bind(run_after)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            JobOutcome::Dead(error) => {
                sqlx::query("UPDATE jobs SET status = 'dead', last_error = $1, finished_at = $2, lease_owner = NULL, lease_expires_at = NULL WHERE id = $3")
                    .bind(&error)
                    .bind(&at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                append_audit(
                    &mut tx,
                    &held.org_id,
                    &Actor::system("jobs"),
                    "job.dead",
                    id,
                    serde_json::json!({"kind": held.kind, "subject": held.subject, "attempts": held.attempts, "error": error}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn jobs(&self, tenant: &Tenant, status: Option<JobStatus>) -> Result<Vec<Job>> {
        let mut query = Query::new(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE "));
        let condition = scope(&mut query, tenant, "org_id", "sector");
        query.push(&condition);
        if let Some(status) = status {
            let status = query.arg(status.as_str());
            query.push(&format!(" AND status = {status}"));
        }
        query.push(" ORDER BY created_at DESC, id LIMIT 500");
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(job)
            .collect()
    }
}

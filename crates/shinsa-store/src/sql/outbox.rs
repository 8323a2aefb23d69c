//! The outbox over SQL: webhooks and mail, leased, retried and recorded.

use super::*;

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

    async fn renew_delivery_lease(&self, id: i64, lease: &Lease) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let renewed = sqlx::query(
            "UPDATE outbox SET lease_expires_at = $1 WHERE id = $2 AND status = 'pending' AND lease_owner = $3",
        )
        .bind(&lease.until)
        .bind(id)
        .bind(&lease.owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(renewed.rows_affected() == 1)
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

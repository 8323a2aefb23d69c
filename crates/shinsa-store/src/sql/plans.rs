//! Installation plans over SQL: the plan's current state in `plans`, every
//! step in the append-only `plan_events`, each step's audit event and
//! notifications in the same transaction.

use super::{Query, SqlStore, append_audit, int, keep_file, maybe_text, notify, scope, text};
use crate::records::*;
use crate::{PlanStore, Result, StoreError};
use async_trait::async_trait;
use sha2::Digest as _;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const PLAN_SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.sector, p.register_id, p.title, p.status, p.revision, p.body, p.received_on, p.due_on, p.response_due_on, p.filed_at, p.created_at, p.updated_at FROM plans p JOIN organisations o ON o.id = p.org_id";

fn plan_record(row: &AnyRow) -> Result<PlanRecord> {
    Ok(PlanRecord {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        org_name: text(row, "org_name")?,
        sector: text(row, "sector")?,
        register_id: maybe_text(row, "register_id")?,
        title: text(row, "title")?,
        status: text(row, "status")?,
        revision: int(row, "revision")?,
        body: super::json(row, "body")?,
        received_on: maybe_text(row, "received_on")?,
        due_on: maybe_text(row, "due_on")?,
        response_due_on: maybe_text(row, "response_due_on")?,
        filed_at: maybe_text(row, "filed_at")?,
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
    })
}

fn maybe_json(row: &AnyRow, column: &str) -> Result<Option<serde_json::Value>> {
    maybe_text(row, column)?
        .map(|body| {
            serde_json::from_str(&body)
                .map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
        })
        .transpose()
}

fn plan_event(row: &AnyRow) -> Result<PlanEvent> {
    Ok(PlanEvent {
        seq: int(row, "seq")?,
        at: text(row, "at")?,
        actor: text(row, "actor")?,
        side: text(row, "side")?,
        action: text(row, "action")?,
        status: text(row, "status")?,
        note: maybe_text(row, "note")?,
        body: maybe_json(row, "body")?,
        snapshot: maybe_json(row, "snapshot")?,
    })
}

/// The condition on `plans p` for `tenant` within `reach`: drafts only
/// when the reach includes them.
fn plan_scope(query: &mut Query, tenant: &Tenant, reach: PlanReach) -> String {
    let condition = scope(query, tenant, "p.org_id", "p.sector");
    if reach.drafts {
        condition
    } else {
        format!("{condition} AND p.filed_at IS NOT NULL")
    }
}

fn sha256(value: &serde_json::Value) -> String {
    hex::encode(sha2::Sha256::digest(value.to_string().as_bytes()))
}

async fn insert_event(
    conn: &mut AnyConnection,
    plan: &PlanRecord,
    actor: &Actor,
    step: &PlanStep,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO plan_events (plan_id, seq, org_id, sector, at, actor, side, action, status, note, body, snapshot) \
                 SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM plan_events WHERE plan_id = $1")
        .bind(&plan.id)
        .bind(&plan.org_id)
        .bind(&plan.sector)
        .bind(at)
        .bind(&actor.0)
        .bind(&step.side)
        .bind(&step.action)
        .bind(&step.status)
        .bind(step.note.clone())
        .bind(step.body.as_ref().map(serde_json::Value::to_string))
        .bind(step.snapshot.as_ref().map(serde_json::Value::to_string))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl SqlStore {
    async fn plan_in(
        &self,
        conn: &mut AnyConnection,
        (tenant, reach): (&Tenant, PlanReach),
        id: &str,
    ) -> Result<Option<PlanRecord>> {
        let mut query = Query::new(PLAN_SELECT);
        let id = query.arg(id);
        let condition = plan_scope(&mut query, tenant, reach);
        query.push(&format!(" WHERE p.id = {id} AND {condition}"));
        query
            .build()
            .fetch_optional(&mut *conn)
            .await?
            .as_ref()
            .map(plan_record)
            .transpose()
    }
}

#[async_trait]
impl PlanStore for SqlStore {
    async fn plan_file(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        plan_id: &str,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        use sqlx::Row as _;
        let mut query = Query::new(
            "SELECT d.media_type, d.content FROM documents d JOIN plans p ON p.org_id = d.org_id WHERE p.id = ",
        );
        let plan = query.arg(plan_id);
        let hash = query.arg(sha256);
        let condition = plan_scope(&mut query, tenant, reach);
        query.push(&format!("{plan} AND d.sha256 = {hash} AND {condition}"));
        let Some(row) = self.fetch_optional_as(tenant, &query).await? else {
            return Ok(None);
        };
        let content: Vec<u8> = row.try_get("content")?;
        Ok(Some((text(&row, "media_type")?, content)))
    }

    async fn plan_file_hashes(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        plan_id: &str,
    ) -> Result<Vec<String>> {
        let mut query = Query::new(
            "SELECT d.sha256 FROM documents d JOIN plans p ON p.org_id = d.org_id WHERE p.id = ",
        );
        let plan = query.arg(plan_id);
        let condition = plan_scope(&mut query, tenant, reach);
        query.push(&format!("{plan} AND {condition} ORDER BY d.sha256"));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| text(row, "sha256"))
            .collect()
    }

    async fn create_plan(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        new: NewPlan,
    ) -> Result<PlanRecord> {
        let Tenant::Operator { org } = tenant else {
            return Err(StoreError::NotFound("operator".into()));
        };
        let operator = self
            .organisation_by_id(org)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {org}")))?;
        let sector = operator.sectors.first().cloned().ok_or_else(|| {
            StoreError::Invalid(format!(
                "organisation {org} is an operator without a sector"
            ))
        })?;
        let mut tx = self.write_as(tenant).await?;
        if let Some(register_id) = &new.register_id {
            self.visible_register(&mut tx, tenant, register_id).await?;
        }
        let at = now();
        let inserted = sqlx::query("INSERT INTO plans (id, org_id, sector, register_id, title, status, revision, body, created_at, updated_at) \
                                    VALUES ($1, $2, $3, $4, $5, 'draft', 1, $6, $7, $7) ON CONFLICT (id) DO NOTHING")
            .bind(&new.id)
            .bind(org)
            .bind(&sector)
            .bind(new.register_id.clone())
            .bind(&new.title)
            .bind(new.body.to_string())
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("plan {}", new.id)));
        }
        let plan = self
            .plan_in(&mut tx, (tenant, PlanReach::WHOLE), &new.id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("plan {}", new.id)))?;
        let step = PlanStep {
            expected_revision: 0,
            side: "operator".into(),
            action: "create".into(),
            status: "draft".into(),
            received_on: None,
            due_on: None,
            response_due_on: None,
            note: None,
            body: Some(new.body.clone()),
            snapshot: None,
            notify: None,
            file: None,
        };
        insert_event(&mut tx, &plan, actor, &step, &at).await?;
        append_audit(
            &mut tx,
            org,
            actor,
            "plan.create",
            &new.id,
            serde_json::json!({"title": new.title, "register": new.register_id, "body_sha256": sha256(&new.body)}),
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn plans(&self, tenant: &Tenant, reach: PlanReach) -> Result<Vec<PlanRecord>> {
        let mut query = Query::new(PLAN_SELECT);
        let condition = plan_scope(&mut query, tenant, reach);
        query.push(&format!(
            " WHERE {condition} ORDER BY p.updated_at DESC, p.id"
        ));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(plan_record)
            .collect()
    }

    async fn plan(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        id: &str,
    ) -> Result<Option<PlanRecord>> {
        let mut query = Query::new(PLAN_SELECT);
        let id = query.arg(id);
        let condition = plan_scope(&mut query, tenant, reach);
        query.push(&format!(" WHERE p.id = {id} AND {condition}"));
        self.fetch_optional_as(tenant, &query)
            .await?
            .as_ref()
            .map(plan_record)
            .transpose()
    }

    async fn plan_events(
        &self,
        tenant: &Tenant,
        reach: PlanReach,
        id: &str,
    ) -> Result<Vec<PlanEvent>> {
        let mut query = Query::new(
            "SELECT e.seq, e.at, e.actor, e.side, e.action, e.status, e.note, e.body, e.snapshot FROM plan_events e JOIN plans p ON p.id = e.plan_id",
        );
        let id = query.arg(id);
        let condition = plan_scope(&mut query, tenant, reach);
        // The operator's drafting before it filed is its own.
        let since_filing = if reach.before_filing {
            ""
        } else {
            " AND e.at >= p.filed_at"
        };
        query.push(&format!(
            " WHERE e.plan_id = {id} AND {condition}{since_filing} ORDER BY e.seq"
        ));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(plan_event)
            .collect()
    }

    async fn plan_step(
        &self,
        (tenant, reach): (&Tenant, PlanReach),
        actor: &Actor,
        id: &str,
        step: PlanStep,
    ) -> Result<PlanRecord> {
        let mut tx = self.write_as(tenant).await?;
        let Some(before) = self.plan_in(&mut tx, (tenant, reach), id).await? else {
            return Err(StoreError::NotFound(format!("plan {id}")));
        };
        let at = now();
        let filed_at = before
            .filed_at
            .clone()
            .or_else(|| (step.action == "file").then(|| at.clone()));
        let body = step.body.as_ref().unwrap_or(&before.body);
        let title = body
            .get("title")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&before.title)
            .to_owned();
        let updated = sqlx::query("UPDATE plans SET status = $1, revision = revision + 1, body = $2, title = $3, received_on = $4, due_on = $5, response_due_on = $6, filed_at = $7, updated_at = $8 \
                                   WHERE id = $9 AND revision = $10")
            .bind(&step.status)
            .bind(body.to_string())
            .bind(&title)
            .bind(step.received_on.clone())
            .bind(step.due_on.clone())
            .bind(step.response_due_on.clone())
            .bind(filed_at)
            .bind(&at)
            .bind(id)
            .bind(step.expected_revision)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Stale(format!(
                "plan {id} changed since revision {} (it is at {}): reload it and try again",
                step.expected_revision, before.revision
            )));
        }
        if let Some(file) = &step.file {
            keep_file(&mut tx, (&before.org_id, &before.sector), file, &at).await?;
        }
        insert_event(&mut tx, &before, actor, &step, &at).await?;
        // The chain keeps who did what and a digest of the plan, not the
        // plan: officers' personal data stays out of the audit log.
        append_audit(
            &mut tx,
            &before.org_id,
            actor,
            &format!("plan.{}", step.action),
            id,
            serde_json::json!({
                "status": step.status, "revision": before.revision + 1, "note": step.note,
                "received_on": step.received_on, "due_on": step.due_on,
                "response_due_on": step.response_due_on,
                "body_sha256": step.body.as_ref().map(sha256),
                "snapshot_sha256": step.snapshot.as_ref().map(sha256),
                "file_sha256": step.file.as_ref().map(|file| &file.sha256),
            }),
        )
        .await?;
        notify(
            &mut tx,
            (&before.org_id, &before.sector),
            step.notify.as_ref(),
            &at,
        )
        .await?;
        let after = self
            .plan_in(&mut tx, (tenant, reach), id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("plan {id}")))?;
        tx.commit().await?;
        Ok(after)
    }

    async fn cleared_plans(&self, register_id: &str) -> Result<Vec<PlanRecord>> {
        let mut query = Query::new(PLAN_SELECT);
        let register_id = query.arg(register_id);
        query.push(&format!(
            " WHERE p.register_id = {register_id} AND p.status = 'cleared' ORDER BY p.id"
        ));
        self.fetch_all_as(&Tenant::System, &query)
            .await?
            .iter()
            .map(plan_record)
            .collect()
    }

    async fn plans_with_clocks(&self) -> Result<Vec<PlanRecord>> {
        let query = Query::new(&format!(
            "{PLAN_SELECT} WHERE p.status IN ('under_review', 'information_requested', 'recommended') ORDER BY p.id"
        ));
        self.fetch_all_as(&Tenant::System, &query)
            .await?
            .iter()
            .map(plan_record)
            .collect()
    }

    async fn remind(
        &self,
        plan: &PlanRecord,
        clock: &str,
        days_left: i64,
        notice: Notice,
    ) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let at = now();
        let inserted = sqlx::query("INSERT INTO reminders (subject, clock, days_left, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT (subject, clock, days_left) DO NOTHING")
            .bind(&plan.id)
            .bind(clock)
            .bind(days_left)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        notify(&mut tx, (&plan.org_id, &plan.sector), Some(&notice), &at).await?;
        tx.commit().await?;
        Ok(true)
    }
}

//! Enforcement cases over SQL: one row per case with its documents and
//! milestones as JSON and a revision; every change an audit event on the
//! operator's chain, in the same transaction as its notifications.

use super::{Query, SqlStore, append_audit, int, keep_file, maybe_text, notify, scope, text};
use crate::records::*;
use crate::{CaseStore, Result, StoreError};
use async_trait::async_trait;
use sqlx::AnyConnection;
use sqlx::Row as _;
use sqlx::any::AnyRow;

const CASE_SELECT: &str = "SELECT c.id, c.org_id, o.name AS org_name, c.sector, c.opened_by, c.register_id, c.kind, c.title, c.status, c.revision, c.body, c.opened_on, c.due_on, c.created_at, c.updated_at FROM cases c JOIN organisations o ON o.id = c.org_id";

fn case_record(row: &AnyRow) -> Result<CaseRecord> {
    Ok(CaseRecord {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        org_name: text(row, "org_name")?,
        sector: text(row, "sector")?,
        opened_by: text(row, "opened_by")?,
        register_id: maybe_text(row, "register_id")?,
        kind: text(row, "kind")?,
        title: text(row, "title")?,
        status: text(row, "status")?,
        revision: int(row, "revision")?,
        body: super::json(row, "body")?,
        opened_on: text(row, "opened_on")?,
        due_on: maybe_text(row, "due_on")?,
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
    })
}

impl SqlStore {
    async fn case_in(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        id: &str,
    ) -> Result<Option<CaseRecord>> {
        let mut query = Query::new(CASE_SELECT);
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "c.org_id", "c.sector");
        query.push(&format!(" WHERE c.id = {id} AND {condition}"));
        query
            .build()
            .fetch_optional(&mut *conn)
            .await?
            .as_ref()
            .map(case_record)
            .transpose()
    }
}

#[async_trait]
impl CaseStore for SqlStore {
    async fn case_file(
        &self,
        tenant: &Tenant,
        case_id: &str,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let mut query = Query::new(
            "SELECT d.media_type, d.content FROM documents d JOIN cases c ON c.org_id = d.org_id WHERE c.id = ",
        );
        let case = query.arg(case_id);
        let hash = query.arg(sha256);
        let condition = scope(&mut query, tenant, "c.org_id", "c.sector");
        query.push(&format!("{case} AND d.sha256 = {hash} AND {condition}"));
        let Some(row) = self.fetch_optional_as(tenant, &query).await? else {
            return Ok(None);
        };
        let content: Vec<u8> = row.try_get("content")?;
        Ok(Some((text(&row, "media_type")?, content)))
    }

    async fn create_case(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        new: NewCase,
    ) -> Result<CaseRecord> {
        // The regulator body is the one that opens it; which operators it
        // may open a case against, and under which sector, the server
        // decided (`new.sector`).
        let Tenant::Regulator { org, .. } = tenant else {
            return Err(StoreError::NotFound("regulator".into()));
        };
        let sector = new.sector.clone();
        let mut tx = self.write_as(tenant).await?;
        if let Some(register_id) = &new.register_id {
            let (owner, _) = self.visible_register(&mut tx, tenant, register_id).await?;
            if owner != new.org_id {
                return Err(StoreError::NotFound(format!("register {register_id}")));
            }
        }
        let at = now();
        sqlx::query("INSERT INTO cases (id, org_id, sector, opened_by, register_id, kind, title, status, revision, body, opened_on, due_on, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', 1, $8, $9, $10, $11, $11)")
            .bind(&new.id)
            .bind(&new.org_id)
            .bind(&sector)
            .bind(org)
            .bind(new.register_id.clone())
            .bind(&new.kind)
            .bind(&new.title)
            .bind(new.body.to_string())
            .bind(&new.opened_on)
            .bind(new.due_on.clone())
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &new.org_id,
            actor,
            "case.open",
            &new.id,
            serde_json::json!({"kind": new.kind, "title": new.title, "by": org, "due_on": new.due_on}),
        )
        .await?;
        notify(&mut tx, (&new.org_id, &sector), new.notify.as_ref(), &at).await?;
        let created = self
            .case_in(&mut tx, tenant, &new.id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {}", new.id)))?;
        tx.commit().await?;
        Ok(created)
    }

    async fn cases(&self, tenant: &Tenant) -> Result<Vec<CaseRecord>> {
        let mut query = Query::new(CASE_SELECT);
        let condition = scope(&mut query, tenant, "c.org_id", "c.sector");
        query.push(&format!(
            " WHERE {condition} ORDER BY c.updated_at DESC, c.id"
        ));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(case_record)
            .collect()
    }

    async fn case(&self, tenant: &Tenant, id: &str) -> Result<Option<CaseRecord>> {
        let mut query = Query::new(CASE_SELECT);
        let id = query.arg(id);
        let condition = scope(&mut query, tenant, "c.org_id", "c.sector");
        query.push(&format!(" WHERE c.id = {id} AND {condition}"));
        self.fetch_optional_as(tenant, &query)
            .await?
            .as_ref()
            .map(case_record)
            .transpose()
    }

    async fn update_case(
        &self,
        tenant: &Tenant,
        actor: &Actor,
        id: &str,
        update: CaseUpdate,
    ) -> Result<CaseRecord> {
        let mut tx = self.write_as(tenant).await?;
        let Some(before) = self.case_in(&mut tx, tenant, id).await? else {
            return Err(StoreError::NotFound(format!("case {id}")));
        };
        let at = now();
        let updated = sqlx::query("UPDATE cases SET status = $1, due_on = $2, body = $3, revision = revision + 1, updated_at = $4 WHERE id = $5 AND revision = $6")
            .bind(&update.status)
            .bind(update.due_on.clone())
            .bind(update.body.to_string())
            .bind(&at)
            .bind(id)
            .bind(update.expected_revision)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Stale(format!(
                "case {id} changed since revision {} (it is at {}): reload it and try again",
                update.expected_revision, before.revision
            )));
        }
        if let Some(file) = &update.file {
            keep_file(&mut tx, (&before.org_id, &before.sector), file, &at).await?;
        }
        append_audit(
            &mut tx,
            &before.org_id,
            actor,
            &format!("case.{}", update.action),
            id,
            serde_json::json!({"status": update.status, "revision": before.revision + 1, "due_on": update.due_on, "body": update.body}),
        )
        .await?;
        notify(
            &mut tx,
            (&before.org_id, &before.sector),
            update.notify.as_ref(),
            &at,
        )
        .await?;
        let after = self
            .case_in(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
        tx.commit().await?;
        Ok(after)
    }
}

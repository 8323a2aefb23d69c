//! Registers over SQL: each upload a new version, its screening queued with it.

use super::*;

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
        let sector = operator.sectors.first().cloned().ok_or_else(|| {
            StoreError::Invalid(format!(
                "organisation {org} is an operator without a sector"
            ))
        })?;
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

//! Organisations over SQL: operators and regulator bodies, and their webhooks.

use super::*;

#[async_trait]
impl OrganisationStore for SqlStore {
    async fn create_organisation(
        &self,
        actor: &Actor,
        new: NewOrganisation,
    ) -> Result<Organisation> {
        let sectors = serde_json::to_string(&new.sectors)
            .map_err(|error| StoreError::Invalid(format!("sectors: {error}")))?;
        let mut tx = self.write_as(&Tenant::System).await?;
        let created_at = now();
        let inserted = sqlx::query("INSERT INTO organisations (id, name, kind, sectors, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING")
            .bind(&new.id)
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(sectors)
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

//! Published list, pack and vulnerability data versions over SQL: each publication re-screens every register.

use super::*;

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

#[async_trait]
impl AdvisoryStore for SqlStore {
    async fn publish_advisories(&self, actor: &Actor, set: NewAdvisoryVersion) -> Result<bool> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let inserted = sqlx::query("INSERT INTO advisory_versions (source_id, version, sha256, records, refused, body, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source_id, sha256) DO NOTHING")
            .bind(&set.source_id)
            .bind(&set.version)
            .bind(&set.sha256)
            .bind(set.records)
            .bind(set.refused)
            .bind(&set.body)
            .bind(now())
            .bind(&actor.0)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({
            "version": set.version, "sha256": set.sha256,
            "records": set.records, "refused": set.refused,
        });
        publication(
            tx,
            actor,
            "advisories",
            &set.source_id,
            &set.version,
            detail,
        )
        .await
    }

    async fn advisory_versions(&self) -> Result<Vec<AdvisoryVersionSummary>> {
        sqlx::query("SELECT source_id, version, sha256, records, refused, published_at, published_by FROM advisory_versions ORDER BY published_at, source_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok(AdvisoryVersionSummary {
                    source_id: text(row, "source_id")?,
                    version: text(row, "version")?,
                    sha256: text(row, "sha256")?,
                    records: int(row, "records")?,
                    refused: int(row, "refused")?,
                    published_at: text(row, "published_at")?,
                    published_by: text(row, "published_by")?,
                })
            })
            .collect()
    }

    async fn stored_advisories(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT body FROM advisory_versions ORDER BY published_at, source_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| text(row, "body"))
            .collect()
    }
}

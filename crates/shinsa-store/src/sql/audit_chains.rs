//! The audit chains over SQL: reading and re-walking them (appending is `append_audit`, in the caller's transaction).

use super::*;

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

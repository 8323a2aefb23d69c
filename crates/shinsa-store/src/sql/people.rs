//! People over SQL: users, their sessions and API tokens, account changes.

use super::*;

#[async_trait]
impl PeopleStore for SqlStore {
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        let org = self
            .organisation_by_id(&new.org_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("organisation {}", new.org_id)))?;
        let mut tx = self.write_as(&Tenant::System).await?;
        let user = User {
            id: new_id("usr"),
            org_id: new.org_id,
            login: new.login,
            name: new.name,
            role: new.role,
            created_at: now(),
        };
        let inserted = sqlx::query("INSERT INTO users (id, org_id, login, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (login) DO NOTHING")
            .bind(&user.id)
            .bind(&user.org_id)
            .bind(&user.login)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(&new.password_hash)
            .bind(&user.created_at)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("user {}", user.login)));
        }
        append_audit(
            &mut tx,
            &org.id,
            actor,
            "user.create",
            &user.id,
            serde_json::json!({"login": user.login, "role": user.role.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user_for_login(&self, login: &str) -> Result<Option<(Principal, String)>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS}, u.password_hash FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.login = $1 AND u.disabled_at IS NULL"
            ),
            [login.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        match row {
            Some(row) => Ok(Some((principal(&row)?, text(&row, "password_hash")?))),
            None => Ok(None),
        }
    }

    async fn create_session(
        &self,
        user_id: &str,
        secret_hash: &str,
        expires_at: &str,
    ) -> Result<()> {
        let query = Query::with(
            "INSERT INTO sessions (secret_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            [secret_hash.into(), user_id.into(), expires_at.into()],
        );
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn session_principal(
        &self,
        secret_hash: &str,
        now: &str,
        idle_since: &str,
    ) -> Result<Option<Principal>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.org_id WHERE s.secret_hash = $1 AND s.expires_at > $2 AND (s.last_seen_at IS NULL OR s.last_seen_at > $3) AND u.disabled_at IS NULL"
            ),
            [secret_hash.into(), now.into(), idle_since.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        if row.is_some() {
            self.touch("sessions", "last_seen_at", secret_hash, now)
                .await?;
        }
        row.as_ref().map(principal).transpose()
    }

    async fn purge_sessions(&self, now: &str, idle_since: &str) -> Result<u64> {
        let query = Query::with(
            "DELETE FROM sessions WHERE expires_at <= $1 OR (last_seen_at IS NOT NULL AND last_seen_at <= $2) RETURNING secret_hash",
            [now.into(), idle_since.into()],
        );
        Ok(self.fetch_all_as(&Tenant::System, &query).await?.len() as u64)
    }

    async fn accounts(&self, tenant: &Tenant) -> Result<Vec<Account>> {
        let org = match tenant {
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => org,
            Tenant::System => return Ok(Vec::new()),
        };
        let mut query = Query::new(&format!(
            "SELECT {USER_COLUMNS}, u.disabled_at FROM users u WHERE u.org_id = "
        ));
        let org = query.arg(org.as_str());
        query.push(&format!("{org} ORDER BY u.login"));
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(Account {
                    user: user(row)?,
                    disabled_at: maybe_text(row, "disabled_at")?,
                })
            })
            .collect()
    }

    async fn change_account(
        &self,
        actor: &Actor,
        login: &str,
        change: AccountChange,
    ) -> Result<User> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let found = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, {ORG_COLUMNS} FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.login = $1"
        ))
        .bind(login)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {login}")))?;
        let mut user = principal(&found)?.user;
        let (action, detail) = match &change {
            AccountChange::Disable => {
                sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                    .bind(now())
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.disable", serde_json::json!({"login": login}))
            }
            AccountChange::Enable => {
                sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.enable", serde_json::json!({"login": login}))
            }
            AccountChange::Password(hash) => {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                ("user.password", serde_json::json!({"login": login}))
            }
            AccountChange::Role(role) => {
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await?;
                user.role = *role;
                (
                    "user.role",
                    serde_json::json!({"login": login, "role": role.as_str()}),
                )
            }
        };
        // A disabled account, a new password or a new role ends every
        // session: whoever holds one signs in again, as who they now are.
        if change != AccountChange::Enable {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
        }
        append_audit(&mut tx, &user.org_id, actor, action, &user.id, detail).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn delete_session(&self, secret_hash: &str) -> Result<()> {
        let query = Query::with(
            "DELETE FROM sessions WHERE secret_hash = $1",
            [secret_hash.into()],
        );
        self.fetch_all_as(&Tenant::System, &query).await?;
        Ok(())
    }

    async fn record_sign_in_lockout(
        &self,
        login: &str,
        key: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.write_as(&Tenant::System).await?;
        let org = sqlx::query("SELECT org_id FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&mut *tx)
            .await?;
        let chain = match org {
            Some(row) => text(&row, "org_id")?,
            None => "system".to_owned(),
        };
        append_audit(
            &mut tx,
            &chain,
            &Actor::system("sign-in"),
            "sign_in.locked",
            key,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_token(
        &self,
        actor: &Actor,
        user_id: &str,
        new: NewToken<'_>,
    ) -> Result<TokenInfo> {
        let NewToken {
            name,
            secret_hash,
            expires_at,
            scope,
        } = new;
        let mut tx = self.write_as(&Tenant::System).await?;
        let org = sqlx::query("SELECT org_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        let org_id = text(&org, "org_id")?;
        let token = TokenInfo {
            id: new_id("tok"),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            created_at: now(),
            revoked_at: None,
            expires_at,
            scope,
            last_used_at: None,
        };
        sqlx::query("INSERT INTO tokens (id, user_id, org_id, name, secret_hash, created_at, expires_at, scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&token.id)
            .bind(user_id)
            .bind(&org_id)
            .bind(name)
            .bind(secret_hash)
            .bind(&token.created_at)
            .bind(token.expires_at.as_deref())
            .bind(scope.as_str())
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            &org_id,
            actor,
            "token.create",
            &token.id,
            serde_json::json!({"user": user_id, "name": name, "scope": scope.as_str(), "expires_at": token.expires_at}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    async fn token_principal(
        &self,
        secret_hash: &str,
        now: &str,
    ) -> Result<Option<(Principal, TokenScope)>> {
        let query = Query::with(
            &format!(
                "SELECT {USER_COLUMNS}, {ORG_COLUMNS}, t.scope FROM tokens t JOIN users u ON u.id = t.user_id JOIN organisations o ON o.id = u.org_id WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
            ),
            [secret_hash.into(), now.into()],
        );
        let row = self.fetch_optional_as(&Tenant::System, &query).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        self.touch("tokens", "last_used_at", secret_hash, now)
            .await?;
        let scope = text(&row, "scope")?;
        let scope = TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope}")))?;
        Ok(Some((principal(&row)?, scope)))
    }

    async fn revoke_token(&self, tenant: &Tenant, actor: &Actor, token_id: &str) -> Result<()> {
        let mut tx = self.write_as(tenant).await?;
        let mut query = Query::new("UPDATE tokens SET revoked_at = ");
        let at = query.arg(now());
        let id = query.arg(token_id);
        let condition = match tenant {
            Tenant::System => "1 = 1".to_owned(),
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => {
                format!("org_id = {}", query.arg(org))
            }
        };
        query.push(&format!(
            "{at} WHERE id = {id} AND revoked_at IS NULL AND {condition} RETURNING org_id"
        ));
        let row = query
            .build()
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {token_id}")))?;
        append_audit(
            &mut tx,
            &text(&row, "org_id")?,
            actor,
            "token.revoke",
            token_id,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn tokens(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>> {
        let mut query = Query::new(
            "SELECT id, user_id, name, created_at, revoked_at, expires_at, scope, last_used_at FROM tokens WHERE ",
        );
        let condition = match tenant {
            Tenant::System => "1 = 1".to_owned(),
            Tenant::Operator { org } | Tenant::Regulator { org, .. } => {
                format!("org_id = {}", query.arg(org))
            }
        };
        query.push(&condition).push(" ORDER BY created_at");
        self.fetch_all_as(tenant, &query)
            .await?
            .iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: text(row, "id")?,
                    user_id: text(row, "user_id")?,
                    name: text(row, "name")?,
                    created_at: text(row, "created_at")?,
                    revoked_at: maybe_text(row, "revoked_at")?,
                    expires_at: maybe_text(row, "expires_at")?,
                    scope: TokenScope::parse(&text(row, "scope")?)
                        .ok_or_else(|| StoreError::Corrupt("token scope".into()))?,
                    last_used_at: maybe_text(row, "last_used_at")?,
                })
            })
            .collect()
    }
}

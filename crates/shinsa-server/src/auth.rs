//! Who is asking (what they may do is [`crate::access`]'s).
//!
//! Machines send `Authorization: Bearer shinsa_…` (an API token, shown
//! once and stored only as its SHA-256); people sign in with a password
//! (argon2id) and carry a session cookie (`HttpOnly`, `SameSite=Strict`,
//! so another site cannot make the browser post with it). Every request is
//! turned into a [`shinsa_store::Principal`] whose organisation is the
//! tenant every store call takes.

use crate::{Problem, Shared};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use sha2::{Digest as _, Sha256};
use shinsa_store::Principal;

pub const SESSION_COOKIE: &str = "shinsa_session";

/// An argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|error| format!("no random source: {error}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|error| error.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of nothing in particular, checked when a login name is unknown
/// so that the answer takes as long as for a known one.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2hpbnNhLWRlY295LXNhbHQ$0tbM0M7xB0mlx7C7k0yJrE+9cmF7Cn3rX2GZt7ddQpw";

/// Checks a login and password; `None` for either wrong.
pub async fn sign_in(
    state: &Shared,
    login: &str,
    password: &str,
) -> Result<Option<Principal>, Problem> {
    let found = state.store.user_for_login(login).await?;
    let (principal, hash) = match found {
        Some((principal, hash)) => (Some(principal), hash),
        None => (None, DECOY_HASH.to_owned()),
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|error| Problem::internal(error.to_string()))?;
    Ok(principal.filter(|_| matches))
}

/// A new secret (API token or session id): 32 random bytes.
pub fn new_secret(prefix: &str) -> Result<String, Problem> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| Problem::internal(format!("no random source: {error}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// What the store keeps of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The signed-in principal of an API request (401 otherwise).
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

/// The value of the cookie `name` in a request.
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Principals of recently seen tokens and sessions, for a few seconds: a
/// request then needs no query to know who asks. Revoking a token or
/// signing out forgets at once on this server; another replica may still
/// accept the secret for up to [`PrincipalCache::TTL`].
#[derive(Debug, Default)]
pub struct PrincipalCache(
    std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Signed)>>,
);

/// Who a secret signs in, and whether it may only read (a read-only API
/// token).
#[derive(Debug, Clone)]
struct Signed {
    principal: Principal,
    read_only: bool,
}

impl PrincipalCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(10);
    const LIMIT: usize = 10_000;

    fn get(&self, key: &str) -> Option<Signed> {
        let held = self.0.lock().ok()?;
        held.get(key)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, signed)| signed.clone())
    }

    fn put(&self, key: String, signed: &Signed) {
        if let Ok(mut held) = self.0.lock() {
            if held.len() >= Self::LIMIT {
                held.clear();
            }
            held.insert(key, (std::time::Instant::now(), signed.clone()));
        }
    }

    /// Forgets everything (a token was revoked, a session ended).
    pub fn clear(&self) {
        if let Ok(mut held) = self.0.lock() {
            held.clear();
        }
    }
}

/// The principal of a request, from its bearer token or session cookie.
pub async fn principal(parts: &Parts, state: &Shared) -> Result<Option<Principal>, Problem> {
    let (key, token) = if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(Problem::unauthorized)?;
        (format!("token {}", secret_hash(token.trim())), true)
    } else {
        match cookie(parts, SESSION_COOKIE) {
            Some(session) => (format!("session {}", secret_hash(session)), false),
            None => return Ok(None),
        }
    };
    let signed = match state.principals.get(&key) {
        Some(signed) => Some(signed),
        None => {
            let hash = key.split_once(' ').map_or("", |(_, hash)| hash);
            let (now, idle_since) = session_bounds(&state.config);
            let found = if token {
                state
                    .store
                    .token_principal(hash, &now)
                    .await?
                    .map(|(principal, scope)| Signed {
                        principal,
                        read_only: scope == shinsa_store::TokenScope::ReadOnly,
                    })
            } else {
                state
                    .store
                    .session_principal(hash, &now, &idle_since)
                    .await?
                    .map(|principal| Signed {
                        principal,
                        read_only: false,
                    })
            };
            if let Some(signed) = &found {
                state.principals.put(key, signed);
            }
            found
        }
    };
    match signed {
        Some(signed) if signed.read_only && !parts.method.is_safe() => Err(Problem::forbidden(
            "this API token is read-only; a read-write token is needed to change anything",
        )),
        Some(signed) => Ok(Some(signed.principal)),
        None => Ok(None),
    }
}

/// Now, and the moment before which an unused session has ended (both as
/// the store writes times).
pub fn session_bounds(config: &crate::Config) -> (String, String) {
    let now = time::OffsetDateTime::now_utc();
    (
        shinsa_store::timestamp(now),
        shinsa_store::timestamp(now - time::Duration::minutes(config.session_idle_minutes)),
    )
}

impl FromRequestParts<Shared> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Problem> {
        principal(parts, state)
            .await?
            .map(Auth)
            .ok_or_else(Problem::unauthorized)
    }
}

/// The session cookie for a new sign-in.
pub fn session_cookie(secret: &str, hours: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        hours * 3600,
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_against_their_own_hash_only() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("correct horse", DECOY_HASH));
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
    }
}

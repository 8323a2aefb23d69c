//! Sign-in throttling: each wrong password costs the guesser time.
//!
//! Failures are counted per login name and per client address. Five wrong
//! passwords for one login within fifteen minutes (fifty from one address,
//! where several people may share a proxy) lock that key for a minute,
//! doubling with each further lock-out up to an hour. While locked, a
//! sign-in is answered 429 with `Retry-After` without checking the
//! password, so a locked key costs the server no argon2 hash either. A
//! correct password clears its login's count. Counts live in the memory of
//! one server: replicas count apart, which at worst multiplies the
//! guesses allowed by the number of replicas.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const FIRST_LOCK: Duration = Duration::from_secs(60);
const LONGEST_LOCK: Duration = Duration::from_secs(60 * 60);
const LOGIN_FAILURES: u32 = 5;
const ADDRESS_FAILURES: u32 = 50;
/// Keys kept at most; past it, keys neither locked nor recent are dropped.
const KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    since: Instant,
    locked_until: Option<Instant>,
    lockouts: u32,
}

#[derive(Debug, Default)]
pub struct SignInThrottle(Mutex<HashMap<String, Entry>>);

/// What is being counted: a login name or a client address.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Login(&'a str),
    Address(&'a str),
}

impl Key<'_> {
    fn text(&self) -> String {
        match self {
            Key::Login(login) => format!("login {}", login.to_lowercase()),
            Key::Address(address) => format!("address {address}"),
        }
    }
    fn limit(&self) -> u32 {
        match self {
            Key::Login(_) => LOGIN_FAILURES,
            Key::Address(_) => ADDRESS_FAILURES,
        }
    }
}

impl SignInThrottle {
    /// How long until any of `keys` may try again; `None` when none is
    /// locked.
    pub fn locked(&self, keys: &[Key<'_>], now: Instant) -> Option<Duration> {
        let held = self.0.lock().ok()?;
        keys.iter()
            .filter_map(|key| held.get(&key.text())?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a wrong password against every key; returns the lock-outs it
    /// started (key and length), for the audit record.
    pub fn failed(&self, keys: &[Key<'_>], now: Instant) -> Vec<(String, Duration)> {
        let Ok(mut held) = self.0.lock() else {
            return Vec::new();
        };
        if held.len() >= KEYS {
            held.retain(|_, entry| {
                entry.locked_until.is_some_and(|until| until > now)
                    || now.duration_since(entry.since) < WINDOW
            });
        }
        let mut started = Vec::new();
        for key in keys {
            let entry = held.entry(key.text()).or_insert(Entry {
                failures: 0,
                since: now,
                locked_until: None,
                lockouts: 0,
            });
            if now.duration_since(entry.since) >= WINDOW {
                entry.failures = 0;
                entry.since = now;
            }
            entry.failures += 1;
            if entry.failures >= key.limit() {
                let length = FIRST_LOCK
                    .saturating_mul(1 << entry.lockouts.min(6))
                    .min(LONGEST_LOCK);
                entry.locked_until = Some(now + length);
                entry.lockouts += 1;
                entry.failures = 0;
                entry.since = now;
                started.push((key.text(), length));
            }
        }
        started
    }

    /// A correct password: the login's count starts again.
    pub fn succeeded(&self, login: &str) {
        if let Ok(mut held) = self.0.lock() {
            held.remove(&Key::Login(login).text());
        }
    }
}

/// Uploads per organisation in the last hour: each starts a screening run,
/// so one tenant sending thousands would fill the queue and the disk.
#[derive(Debug, Default)]
pub struct UploadQuota(Mutex<HashMap<String, std::collections::VecDeque<Instant>>>);

impl UploadQuota {
    /// Counts an upload by `org` at `now` if fewer than `per_hour` were
    /// made in the hour before; otherwise how long until one more may be.
    pub fn take(&self, org: &str, per_hour: usize, now: Instant) -> Result<(), Duration> {
        const HOUR: Duration = Duration::from_secs(3600);
        let Ok(mut held) = self.0.lock() else {
            return Ok(());
        };
        let recent = held.entry(org.to_owned()).or_default();
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= HOUR)
        {
            recent.pop_front();
        }
        if recent.len() >= per_hour {
            let oldest = recent.front().copied().unwrap_or(now);
            return Err(HOUR.saturating_sub(now.duration_since(oldest)));
        }
        recent.push_back(now);
        Ok(())
    }
}

/// The client's address: the peer's, or, when the peer is a trusted
/// reverse proxy, the last address its `X-Forwarded-For` adds.
pub fn client_address(
    parts: &axum::http::request::Parts,
    trusted_proxies: &[std::net::IpAddr],
) -> String {
    let Some(peer) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
    else {
        return "unknown".into();
    };
    if trusted_proxies.contains(&peer) {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
            .next_back();
        if let Some(client) = forwarded {
            return client.to_string();
        }
    }
    peer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_passwords_lock_a_login_for_longer_each_time() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        let keys = [Key::Login("Alice@A.example"), Key::Address("192.0.2.7")];
        for attempt in 0..4 {
            assert!(throttle.failed(&keys, start).is_empty(), "{attempt}");
            assert_eq!(throttle.locked(&keys, start), None);
        }
        let started = throttle.failed(&keys, start);
        assert_eq!(
            started,
            [("login alice@a.example".to_owned(), Duration::from_secs(60))]
        );
        // The same login in other letters is the same account.
        assert_eq!(
            throttle.locked(&[Key::Login("alice@a.example")], start),
            Some(Duration::from_secs(60))
        );
        // After the minute, five more failures lock for two minutes.
        let later = start + Duration::from_secs(61);
        assert_eq!(throttle.locked(&keys, later), None);
        for _ in 0..4 {
            throttle.failed(&keys, later);
        }
        assert_eq!(
            throttle.failed(&keys, later),
            [("login alice@a.example".to_owned(), Duration::from_secs(120))]
        );
        // Another login from another address is not held up.
        assert_eq!(
            throttle.locked(&[Key::Login("bob"), Key::Address("192.0.2.8")], later),
            None
        );
        // A correct password clears the login (the lock-out history too).
        throttle.succeeded("ALICE@a.example");
        assert_eq!(
            throttle.locked(&[Key::Login("alice@a.example")], later),
            None
        );
    }

    #[test]
    fn uploads_beyond_the_hourly_quota_wait_for_the_oldest_to_age() {
        let quota = UploadQuota::default();
        let start = Instant::now();
        for minute in 0..3 {
            let at = start + Duration::from_secs(60 * minute);
            assert_eq!(quota.take("op-a", 3, at), Ok(()));
        }
        let later = start + Duration::from_secs(600);
        assert_eq!(
            quota.take("op-a", 3, later),
            Err(Duration::from_secs(3000)),
            "the first upload leaves the hour 50 minutes from now"
        );
        assert_eq!(quota.take("op-b", 3, later), Ok(()), "another organisation");
        assert_eq!(
            quota.take("op-a", 3, start + Duration::from_secs(3600)),
            Ok(())
        );
    }

    #[test]
    fn one_address_guessing_many_logins_is_locked_too() {
        let throttle = SignInThrottle::default();
        let now = Instant::now();
        let mut started = Vec::new();
        for index in 0..50 {
            let login = format!("user{index}");
            started
                .extend(throttle.failed(&[Key::Login(&login), Key::Address("203.0.113.9")], now));
        }
        assert_eq!(
            started,
            [("address 203.0.113.9".to_owned(), Duration::from_secs(60))]
        );
        assert!(
            throttle
                .locked(&[Key::Login("someone"), Key::Address("203.0.113.9")], now)
                .is_some()
        );
    }
}

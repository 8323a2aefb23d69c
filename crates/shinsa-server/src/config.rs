//! Configuration: defaults, then a TOML file, then `SHINSA_*` variables,
//! then command-line flags (the binary applies those). Nothing is needed:
//! with no configuration the server listens on 127.0.0.1:8080 with a
//! SQLite file in the data directory.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite:PATH` or `postgres://USER:PASSWORD@HOST/DB`; by default a
    /// SQLite file `shinsa.db` in `data_dir`.
    pub database: Option<String>,
    pub data_dir: PathBuf,
    /// The pack to screen with: `ID` (the version in force each day) or
    /// `ID@VERSION`.
    pub pack: String,
    /// Screening jobs run at once.
    pub workers: usize,
    /// How long a sign-in lasts at most.
    pub session_hours: i64,
    /// A session unused this long has ended.
    pub session_idle_minutes: i64,
    /// How long a new API token lasts unless its maker says otherwise.
    pub token_days: i64,
    /// Mark the session cookie `Secure` and send HSTS (served over
    /// HTTPS). Unset: on, unless the server listens on a loopback address
    /// only (a laptop, or behind a reverse proxy on the same machine that
    /// speaks HTTPS to the world — then set it to true).
    pub secure_cookies: Option<bool>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the
    /// client (for sign-in throttling per address); empty: the peer
    /// address is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The largest upload, in megabytes.
    pub upload_limit_mb: usize,
    /// Registers one organisation may upload in an hour (each queues a
    /// screening run).
    pub uploads_per_hour: usize,
    /// Hosts a webhook may be posted to although they are not public
    /// addresses (`["hooks.ministry.internal", "10.20.0.5"]`); by default
    /// only public addresses are (see `outbound.rs`).
    pub webhook_allow_hosts: Vec<String>,
    /// How installation plans are reviewed (`[review]` in the file).
    pub review: ReviewConfig,
    /// This server's name among the replicas sharing one database, as the
    /// lease records and delivery attempts name it; by default the host
    /// name, the process id and a random suffix (unique per start).
    pub replica: Option<String>,
    /// How long a replica holds a run or a delivery without renewing it;
    /// a replica that dies loses its work to another after this long.
    pub lease_seconds: u64,
    /// How webhooks and mail are retried (`[delivery]`).
    pub delivery: DeliveryConfig,
    /// The SMTP relay mail goes through (`[mail]`); without it mail waits
    /// in the outbox, listed as pending.
    pub mail: Option<MailConfig>,
    /// The largest case document or plan attachment, in megabytes.
    pub document_limit_mb: usize,
    /// The most memory reading uploads (registers, BOMs, lists, packs) may
    /// take at once, in megabytes: each of `reads_at_once` readers gets an
    /// equal share as its budget, and refuses an input that would need
    /// more (`shinsa_ingest::budget`).
    pub upload_memory_mb: u64,
    /// Uploads read at once; more wait for a reader (up to
    /// `read_wait_seconds`, then 503).
    pub reads_at_once: usize,
    /// How long an upload waits for a free reader before it is refused.
    pub read_wait_seconds: u64,
    /// How long a client may take to send a request's headers.
    pub header_timeout_seconds: u64,
    /// How long a client may take to send a request's body.
    pub body_timeout_seconds: u64,
    /// Connections one address may hold open at once (a proxy in front
    /// of the server counts as one address: raise it there).
    pub connections_per_address: usize,
    /// Vulnerability data to screen with: a folder `shinsa vulns import`
    /// wrote (`--advisories-dir`). The newest version of each source is
    /// loaded when the engine is built, and again when the folder's
    /// versions change. `None`: registers are screened without exposures.
    pub advisories_dir: Option<PathBuf>,
}

/// Retries of webhooks and mail.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// A message not delivered this many hours after it was made (or sent
    /// again by hand) is given up on: a dead letter.
    pub max_age_hours: f64,
    /// The wait before the first retry; each retry waits twice as long
    /// as the one before (at most an hour), with ±50 % jitter.
    pub retry_base_seconds: f64,
    /// Deliveries in flight at once (each to a different endpoint).
    pub concurrency: usize,
    /// How long one webhook post may take.
    pub timeout_seconds: u64,
}

impl DeliveryConfig {
    /// Refuses settings that make no sense (a non-positive age, a negative
    /// or non-finite wait), with the key to fix.
    pub fn check(&self) -> Result<(), String> {
        if !(self.max_age_hours.is_finite()
            && self.max_age_hours > 0.0
            && self.max_age_hours <= 24.0 * 365.0)
        {
            return Err(format!(
                "[delivery] max_age_hours: expected more than 0 and at most a year of hours, found {}",
                self.max_age_hours
            ));
        }
        if !(self.retry_base_seconds.is_finite()
            && (0.0..=3600.0).contains(&self.retry_base_seconds))
        {
            return Err(format!(
                "[delivery] retry_base_seconds: expected 0 to 3600, found {}",
                self.retry_base_seconds
            ));
        }
        Ok(())
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            max_age_hours: 24.0,
            retry_base_seconds: 10.0,
            concurrency: 8,
            timeout_seconds: 10,
        }
    }
}

/// An SMTP relay.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub host: String,
    /// 587 for STARTTLS, 465 for TLS, 25 for none, unless given.
    pub port: Option<u16>,
    /// `starttls` (the default), `tls`, or `none` (a relay on the same
    /// machine or a test sink only).
    #[serde(default)]
    pub security: MailSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender address, `Name <address>` or `address`.
    pub from: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    #[default]
    Starttls,
    Tls,
    None,
}

/// The password stays out of logs.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// The statutory periods of plan review. ESPA's are the defaults; some
/// are unverified (DOMAIN.md [M]), which is why they are settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// Days from receipt to the review's last day.
    pub review_days: u32,
    /// The longest the review may be extended to, in months from receipt.
    pub maximum_months: u32,
    /// Days the operator has to accept or decline a recommendation.
    pub response_days: u32,
    /// Whether the day of receipt counts as day one (the Civil Code: no).
    pub first_day_counts: bool,
    /// Whether a period ending on a closed day runs to the next open day.
    pub closed_days_extend: bool,
    /// A CSV of closed days (`date,name,…`) replacing the bundled Japanese
    /// calendar.
    pub closed_days: Option<PathBuf>,
    /// Days left at which a running clock is reminded of (and once when
    /// overdue).
    pub reminder_days: Vec<i64>,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            review_days: 30,
            maximum_months: 4,
            response_days: 10,
            first_day_counts: false,
            closed_days_extend: true,
            closed_days: None,
            reminder_days: vec![7, 3, 1, 0],
        }
    }
}

impl ReviewConfig {
    /// The rules, with the closed days read from the configured file or
    /// the bundled calendar.
    pub fn rules(&self) -> Result<shinsa_model::review::ReviewRules, String> {
        let closed = match &self.closed_days {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|error| format!("reading {}: {error}", path.display()))?;
                shinsa_ingest::calendar::read_closed_days(&path.display().to_string(), &bytes)
            }
            None => shinsa_ingest::calendar::bundled_closed_days(),
        }
        .map_err(|errors| errors.to_string())?;
        let mut clock = shinsa_model::clock::ClockRules::espa(closed);
        clock.review_days = self.review_days;
        clock.maximum_months = self.maximum_months;
        clock.first_day_counts = self.first_day_counts;
        clock.closed_days_extend = self.closed_days_extend;
        Ok(shinsa_model::review::ReviewRules {
            clock,
            response_days: self.response_days,
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database: None,
            data_dir: default_data_dir(),
            pack: "jp-espa".into(),
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            session_hours: 12,
            session_idle_minutes: 30,
            token_days: 90,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            upload_limit_mb: 256,
            uploads_per_hour: 120,
            webhook_allow_hosts: Vec::new(),
            review: ReviewConfig::default(),
            replica: None,
            lease_seconds: 60,
            delivery: DeliveryConfig::default(),
            mail: None,
            document_limit_mb: 50,
            upload_memory_mb: 512,
            reads_at_once: 2,
            read_wait_seconds: 30,
            header_timeout_seconds: 10,
            body_timeout_seconds: 120,
            connections_per_address: 64,
            advisories_dir: None,
        }
    }
}

/// Secrets stay out of logs: the database password is masked.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database.as_deref().map(redact))
            .field("data_dir", &self.data_dir)
            .field("pack", &self.pack)
            .field("workers", &self.workers)
            .field("session_hours", &self.session_hours)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("token_days", &self.token_days)
            .field("secure_cookies", &self.secure_cookies)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
            .field("upload_limit_mb", &self.upload_limit_mb)
            .field("uploads_per_hour", &self.uploads_per_hour)
            .field("review", &self.review)
            .field("replica", &self.replica)
            .field("lease_seconds", &self.lease_seconds)
            .field("delivery", &self.delivery)
            .field("mail", &self.mail)
            .field("document_limit_mb", &self.document_limit_mb)
            .field("upload_memory_mb", &self.upload_memory_mb)
            .field("reads_at_once", &self.reads_at_once)
            .field("read_wait_seconds", &self.read_wait_seconds)
            .field("header_timeout_seconds", &self.header_timeout_seconds)
            .field("body_timeout_seconds", &self.body_timeout_seconds)
            .field("connections_per_address", &self.connections_per_address)
            .field("advisories_dir", &self.advisories_dir)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `$XDG_DATA_HOME/shinsa`, else
/// `~/.local/share/shinsa`.
fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("shinsa");
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".local/share/shinsa")
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: {error}")]
    Parse {
        path: String,
        error: toml::de::Error,
    },
    #[error("{variable}: expected {expected}, found {found:?}")]
    Variable {
        variable: &'static str,
        expected: &'static str,
        found: String,
    },
}

impl Config {
    /// Defaults, then `file`, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
                    path: path.display().to_string(),
                    error,
                })?;
                toml::from_str(&text).map_err(|error| ConfigError::Parse {
                    path: path.display().to_string(),
                    error,
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(value) = var("SHINSA_LISTEN") {
            self.listen = value;
        }
        if let Some(value) = var("SHINSA_DATABASE") {
            self.database = Some(value);
        }
        if let Some(value) = var("SHINSA_DATA_DIR") {
            self.data_dir = PathBuf::from(value);
        }
        if let Some(value) = var("SHINSA_PACK") {
            self.pack = value;
        }
        if let Some(value) = var("SHINSA_WORKERS") {
            self.workers = value.parse().map_err(|_| ConfigError::Variable {
                variable: "SHINSA_WORKERS",
                expected: "a number of workers",
                found: value,
            })?;
        }
        Ok(())
    }

    /// Whether cookies are `Secure` (see [`Config::secure_cookies`]).
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            !self
                .listen
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|address| address.ip().is_loopback())
                && !self.listen.starts_with("localhost:")
        })
    }

    /// The budget of one reader of uploads, in megabytes: an equal share
    /// of `upload_memory_mb` (at least 16).
    pub fn read_budget_mb(&self) -> u64 {
        (self.upload_memory_mb / self.reads_at_once.max(1) as u64).max(16)
    }

    /// Refuses limits that leave the server without protection or without
    /// room to work, with the key to fix.
    pub fn check_limits(&self) -> Result<(), String> {
        if self.upload_memory_mb < 32 {
            return Err(format!(
                "upload_memory_mb: expected at least 32, found {}",
                self.upload_memory_mb
            ));
        }
        if self.reads_at_once == 0 {
            return Err("reads_at_once: expected at least 1, found 0".into());
        }
        for (key, value) in [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
        ] {
            if value == 0 {
                return Err(format!("{key}: expected at least 1 second, found 0"));
            }
        }
        if self.connections_per_address == 0 {
            return Err("connections_per_address: expected at least 1, found 0".into());
        }
        Ok(())
    }

    /// How long a lease lasts (at least two seconds).
    pub fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.lease_seconds.max(2))
    }

    /// The replica name (see [`Config::replica`]).
    pub fn replica_name(&self) -> String {
        self.replica.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|name| name.trim().to_owned())
                .unwrap_or_else(|_| "shinsa".to_owned());
            // new_id's random part tells two starts with the same pid apart.
            shinsa_store::new_id(&format!("{host}-{}", std::process::id()))
        })
    }

    /// The database to open.
    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("shinsa.db").display()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_environment_overrides_the_file_and_secrets_stay_out_of_debug() {
        let mut config: Config =
            toml::from_str("listen = \"0.0.0.0:9000\"\nworkers = 3\n").unwrap();
        config
            .apply_env(|name| {
                (name == "SHINSA_DATABASE").then(|| "postgres://shinsa:hunter2@db/shinsa".into())
            })
            .unwrap();
        assert_eq!(
            (config.listen.as_str(), config.workers),
            ("0.0.0.0:9000", 3)
        );
        let shown = format!("{config:?}");
        assert!(shown.contains("postgres://shinsa:***@db/shinsa"), "{shown}");
        assert!(!shown.contains("hunter2"));
        let bad = config.apply_env(|name| (name == "SHINSA_WORKERS").then(|| "many".into()));
        assert!(bad.unwrap_err().to_string().contains("SHINSA_WORKERS"));
        assert!(toml::from_str::<Config>("listne = \"x\"").is_err());
    }

    #[test]
    fn delivery_settings_that_make_no_sense_are_refused() {
        assert_eq!(DeliveryConfig::default().check(), Ok(()));
        for (age, base, key) in [
            (0.0, 10.0, "max_age_hours"),
            (f64::NAN, 10.0, "max_age_hours"),
            (-1.0, 10.0, "max_age_hours"),
            (24.0, -1.0, "retry_base_seconds"),
            (24.0, f64::INFINITY, "retry_base_seconds"),
        ] {
            let delivery = DeliveryConfig {
                max_age_hours: age,
                retry_base_seconds: base,
                ..DeliveryConfig::default()
            };
            let refused = delivery.check().unwrap_err();
            assert!(refused.contains(key), "{refused}");
        }
    }
}

//! `shinsa serve`, `shinsa admin` and `shinsa audit`: the server and the
//! commands that set it up and check its record.

use crate::cli::{EXIT_CLEAN, EXIT_FINDINGS, emit};
use crate::output::{Format, rows_output};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use shinsa_server::Config;
use shinsa_store::{
    AccountChange, Actor, AuditEvent, AuditStore as _, Checkpoint, NewOrganisation, NewToken,
    NewUser, OrgKind, OrganisationStore as _, PeopleStore as _, Role, SqlStore, Tenant, TokenScope,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Where the store is: `--database`, else the configuration.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// `sqlite:PATH` or `postgres://USER:PASSWORD@HOST/DB` (also SHINSA_DATABASE); by default
    /// shinsa.db in the data directory.
    #[arg(long)]
    database: Option<String>,
    /// A TOML configuration file (keys: listen, database, data_dir, pack, workers,
    /// session_hours, secure_cookies, trusted_proxies, upload_limit_mb,
    /// webhook_allow_hosts, replica, lease_seconds, document_limit_mb, [review],
    /// [delivery], [mail]; see the README).
    #[arg(long, env = "SHINSA_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory (also SHINSA_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl StoreArgs {
    fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(database) = &self.database {
            config.database = Some(database.clone());
        }
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        Ok(config)
    }
}

async fn open(config: &Config) -> anyhow::Result<SqlStore> {
    if config.database.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let url = config.database_url();
    SqlStore::open(&url)
        .await
        .with_context(|| format!("opening the store at {}", shinsa_server::redact(&url)))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on (also SHINSA_LISTEN).
    #[arg(long)]
    listen: Option<String>,
    /// Screening jobs run at once (also SHINSA_WORKERS; default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Logs as JSON lines (for a log collector) rather than text.
    #[arg(long)]
    json_logs: bool,
    /// Start although the PostgreSQL role passes over row-level security
    /// (a superuser, or BYPASSRLS): the second tenant barrier is then gone,
    /// and a warning says so at start and every hour. Without it such a
    /// server refuses to start; connect as the tables' owner instead.
    #[arg(long)]
    allow_bypass_rls: bool,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = args.store.config()?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(workers) = args.workers {
        config.workers = workers;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHINSA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.json_logs {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
    runtime()?.block_on(async move {
        tracing::info!(config = ?config, "starting");
        let store = open(&config).await?;
        if store.bypasses_row_security().await? {
            if !args.allow_bypass_rls {
                anyhow::bail!(
                    "the database role is a superuser or has BYPASSRLS, so row-level security would not separate tenants; connect as a role that owns the tables and is neither (or start with --allow-bypass-rls to accept the risk)"
                );
            }
            const BYPASSED: &str = "row-level security is bypassed by the database role (--allow-bypass-rls): tenants are separated by the server's queries alone";
            tracing::warn!("{BYPASSED}");
            tokio::spawn(async {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                    tracing::warn!("{BYPASSED}");
                }
            });
        }
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("listening on {}", config.listen))?;
        let state = shinsa_server::AppState::new(Arc::new(store), config)
            .map_err(|error| anyhow::anyhow!("configuration: {error}"))?;
        shinsa_server::serve(state, listener, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(ExitCode::from(EXIT_CLEAN))
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organisation: an operator (one sector) or a regulator body (the sectors it
    /// oversees).
    #[command(
        after_help = "Examples:\n  shinsa admin org meti --name 経済産業省 --kind regulator --sector electricity\n  \
shinsa admin org minato --name 湊電力 --kind operator --sector electricity"
    )]
    Org {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["operator", "regulator"])]
        kind: String,
        /// Repeat for a regulator's several sectors.
        #[arg(long = "sector", required = true)]
        sectors: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create a user. The password is read from the first line of standard input.
    #[command(
        after_help = "Roles: operator-admin, operator-member (operators); regulator-reviewer, \
regulator-admin (regulators: publishes packs for its ministry's sectors); platform-admin \
(in the regulator body that runs the server: publishes lists, which apply to every sector, and \
packs for any sector; created here only); auditor (either, read-only).\n\nExample:\n  \
printf '%s\\n' \"$PASSWORD\" | shinsa admin user alice@minato.example --org minato --role operator-admin"
    )]
    User {
        login: String,
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = Role::ALL.map(Role::as_str))]
        role: String,
        /// The name shown (default: the login).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create an API token for a user; the secret is printed once.
    Token {
        login: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (1 to 365).
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// A token that may only read (GET); without it the token may change
        /// what its user may change.
        #[arg(long)]
        read_only: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change a user's account: disable or enable it, set a new password
    /// (read like `admin user`'s), or give another role. Each change is on
    /// the audit chain; all but enabling end the user's sessions.
    #[command(
        after_help = "Examples:\n  shinsa admin account alice@minato.example --disable\n  \
shinsa admin account alice@minato.example --password\n  \
shinsa admin account rita@meti.example --role regulator-admin"
    )]
    Account {
        login: String,
        #[arg(long, conflicts_with_all = ["enable", "password", "role"])]
        disable: bool,
        #[arg(long, conflicts_with_all = ["password", "role"])]
        enable: bool,
        #[arg(long, conflicts_with = "role")]
        password: bool,
        #[arg(long, value_parser = Role::ALL.map(Role::as_str))]
        role: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Copy the whole store to FILE while the server runs. SQLite: a consistent
    /// copy of the database file. PostgreSQL: `pg_dump --format=custom`, as a role
    /// that passes over row-level security (a superuser, or BYPASSRLS).
    #[command(
        after_help = "Examples:\n  shinsa admin backup /backups/shinsa-2026-12-05.db\n  \
shinsa admin backup /backups/shinsa.dump --database postgres://postgres@db/shinsa\n\n\
Sign an audit checkpoint (`shinsa audit checkpoint`) before and keep it apart from the \
backup: after a restore, `shinsa audit verify --checkpoint` proves the restored log still \
holds what the checkpoint signed."
    )]
    Backup {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Put a backup in place of the configured store, with the server stopped.
    /// The backup is checked first (it opens, migrates, and every audit chain
    /// verifies); an existing store is replaced only with --replace. PostgreSQL:
    /// `pg_restore` into an empty database, as a role that passes over
    /// row-level security; the tables keep their owner.
    #[command(
        after_help = "Examples:\n  shinsa admin restore /backups/shinsa-2026-12-05.db --data-dir /var/lib/shinsa --replace\n  \
createdb -O shinsa shinsa_restored && shinsa admin restore /backups/shinsa.dump --database postgres://postgres@db/shinsa_restored"
    )]
    Restore {
        file: PathBuf,
        /// Replace a store that exists (SQLite).
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the organisations.
    Orgs {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn admin(command: AdminCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(admin_async(command))
}

async fn admin_async(command: AdminCommand) -> anyhow::Result<ExitCode> {
    let actor = Actor::system("cli");
    match command {
        AdminCommand::Org {
            id,
            name,
            kind,
            sectors,
            store,
        } => {
            let store = open(&store.config()?).await?;
            let kind = OrgKind::parse(&kind).context("--kind: operator or regulator")?;
            if kind == OrgKind::Operator && sectors.len() != 1 {
                anyhow::bail!(
                    "--sector: an operator is in exactly one sector, found {}",
                    sectors.len()
                );
            }
            let org = store
                .create_organisation(
                    &actor,
                    NewOrganisation {
                        id,
                        name,
                        kind,
                        sectors,
                    },
                )
                .await?;
            emit(&format!(
                "created {} {} ({})\n",
                org.kind.as_str(),
                org.id,
                org.name
            ))?;
        }
        AdminCommand::User {
            login,
            org,
            role,
            name,
            store,
        } => {
            let store = open(&store.config()?).await?;
            let role = Role::parse(&role).context("--role")?;
            let organisation = store
                .organisations(&Tenant::System)
                .await?
                .into_iter()
                .find(|candidate| candidate.id == org)
                .with_context(|| format!("--org: no organisation {org}"))?;
            shinsa_server::access::check_role_fits(role, organisation.kind).context("--role")?;
            let password_hash = new_password()?;
            let user = store
                .create_user(
                    &actor,
                    NewUser {
                        org_id: org,
                        name: name.unwrap_or_else(|| login.clone()),
                        login,
                        role,
                        password_hash,
                    },
                )
                .await?;
            emit(&format!(
                "created user {} ({}) in {}\n",
                user.login,
                user.role.as_str(),
                user.org_id
            ))?;
        }
        AdminCommand::Account {
            login,
            disable,
            enable,
            password,
            role,
            store,
        } => {
            let store = open(&store.config()?).await?;
            let change = match (disable, enable, password, role) {
                (true, ..) => AccountChange::Disable,
                (_, true, ..) => AccountChange::Enable,
                (_, _, true, _) => AccountChange::Password(new_password()?),
                (_, _, _, Some(role)) => {
                    let role = Role::parse(&role).context("--role")?;
                    let (holder, _) = store
                        .user_for_login(&login)
                        .await?
                        .with_context(|| format!("no user {login}"))?;
                    shinsa_server::access::check_role_fits(role, holder.org.kind)
                        .context("--role")?;
                    AccountChange::Role(role)
                }
                _ => anyhow::bail!("say what to change: --disable, --enable, --password or --role"),
            };
            let user = store.change_account(&actor, &login, change.clone()).await?;
            let done = match change {
                AccountChange::Disable => "disabled".to_owned(),
                AccountChange::Enable => "enabled".to_owned(),
                AccountChange::Password(_) => "given a new password".to_owned(),
                AccountChange::Role(role) => format!("now {}", role.as_str()),
            };
            emit(&format!("{} {done}\n", user.login))?;
        }
        AdminCommand::Token {
            login,
            name,
            days,
            read_only,
            store,
        } => {
            if !(1..=365).contains(&days) {
                anyhow::bail!("--days: expected 1 to 365, found {days}");
            }
            let store = open(&store.config()?).await?;
            let (principal, _) = store
                .user_for_login(&login)
                .await?
                .with_context(|| format!("no user {login}"))?;
            let secret = shinsa_server::auth::new_secret("shinsa_")
                .map_err(|problem| anyhow::anyhow!(problem.detail))?;
            let hash = shinsa_server::auth::secret_hash(&secret);
            let token = store
                .create_token(
                    &actor,
                    &principal.user.id,
                    NewToken {
                        name: &name,
                        secret_hash: &hash,
                        expires_at: Some(shinsa_store::timestamp(
                            time::OffsetDateTime::now_utc() + time::Duration::days(days),
                        )),
                        scope: if read_only {
                            TokenScope::ReadOnly
                        } else {
                            TokenScope::ReadWrite
                        },
                    },
                )
                .await?;
            eprintln!(
                "token {} for {login} ({}, until {}); the secret is shown this once:",
                token.id,
                token.scope.as_str(),
                token.expires_at.as_deref().unwrap_or("-")
            );
            emit(&format!("{secret}\n"))?;
        }
        AdminCommand::Backup { file, store } => {
            let config = store.config()?;
            let url = config.database_url();
            let summary = if url.starts_with("sqlite:") {
                let store = open(&config).await?;
                store
                    .backup_sqlite(&file)
                    .await
                    .with_context(|| format!("backing up to {}", file.display()))?;
                let copy = SqlStore::open(&format!("sqlite:{}", file.display())).await?;
                let summary = audit_summary(&copy).await?;
                copy.close().await;
                summary
            } else {
                postgres_tool("pg_dump", &["--format=custom", "--file"], &file, &url)?;
                format!("pg_dump --format=custom of {}", shinsa_server::redact(&url))
            };
            emit(&format!("backed up to {}: {summary}\n", file.display()))?;
        }
        AdminCommand::Restore {
            file,
            replace,
            store,
        } => {
            let config = store.config()?;
            let url = config.database_url();
            let summary = match url.strip_prefix("sqlite:") {
                Some(target) => restore_sqlite(&file, Path::new(target), replace).await?,
                None => {
                    postgres_tool(
                        "pg_restore",
                        &["--exit-on-error", "--single-transaction"],
                        &file,
                        &url,
                    )?;
                    let restored = open(&config).await?;
                    audit_summary(&restored).await?
                }
            };
            emit(&format!("restored {}: {summary}\n", file.display()))?;
        }
        AdminCommand::Orgs { format, store } => {
            let store = open(&store.config()?).await?;
            let orgs = store.organisations(&Tenant::System).await?;
            let rows: Vec<Vec<String>> = orgs
                .iter()
                .map(|org| {
                    vec![
                        org.id.clone(),
                        org.name.clone(),
                        org.kind.as_str().to_owned(),
                        org.sectors.join(" "),
                    ]
                })
                .collect();
            emit(&rows_output(
                &["id", "name", "kind", "sectors"],
                &rows,
                &orgs,
                format,
            )?)?;
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

/// How many audit events a store holds in how many chains, and whether
/// every chain verifies (an error when one does not).
async fn audit_summary(store: &SqlStore) -> anyhow::Result<String> {
    let reports = store.verify_audit(None).await?;
    if let Some(broken) = reports.iter().find(|report| !report.intact()) {
        let at = shinsa_model::clause(broken.first_broken, |seq| format!(" at event {seq}"));
        anyhow::bail!(
            "the audit chain {} is broken{at}: {}",
            broken.chain,
            broken.problem.as_deref().unwrap_or("no reason given")
        );
    }
    let events: i64 = reports.iter().map(|report| report.events).sum();
    Ok(format!(
        "{events} audit events in {} chains, every chain intact",
        reports.len()
    ))
}

/// Restores a SQLite backup to `target`: copied beside it, opened (which
/// migrates a backup from an older version), every audit chain verified,
/// then moved into place; nothing is replaced unless all of that worked.
async fn restore_sqlite(backup: &Path, target: &Path, replace: bool) -> anyhow::Result<String> {
    if target.exists() && !replace {
        anyhow::bail!(
            "{} exists; stop the server and add --replace to put the backup in its place",
            target.display()
        );
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let staged = target.with_extension("restoring");
    std::fs::copy(backup, &staged)
        .with_context(|| format!("copying {} to {}", backup.display(), staged.display()))?;
    let checked = async {
        let store = SqlStore::open(&format!("sqlite:{}", staged.display()))
            .await
            .with_context(|| format!("{} is not a shinsa store", backup.display()))?;
        let summary = audit_summary(&store).await;
        store.close().await;
        summary
    }
    .await;
    let summary = match checked {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&staged);
            return Err(error);
        }
    };
    // The old store's write-ahead log belongs to the old file.
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("removing {side:?}")),
        }
    }
    std::fs::rename(&staged, target)
        .with_context(|| format!("moving the restored store to {}", target.display()))?;
    Ok(summary)
}

/// Runs `pg_dump` or `pg_restore` on `file` against the database at `url`.
fn postgres_tool(tool: &str, options: &[&str], file: &Path, url: &str) -> anyhow::Result<()> {
    let mut command = std::process::Command::new(tool);
    command.args(options);
    if tool == "pg_dump" {
        command.arg(file).arg(format!("--dbname={url}"));
    } else {
        command.arg(format!("--dbname={url}")).arg(file);
    }
    let output = command.output().with_context(|| {
        format!("running {tool} (install the PostgreSQL client tools of the server's version)")
    })?;
    if !output.status.success() {
        anyhow::bail!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-walk every audit chain; name the first broken link of each. Exit 1 if any is broken.
    #[command(
        after_help = "With --checkpoint, also check that every chain head the checkpoint \
signed is still in the log (a checkpoint kept elsewhere proves what the log held, even if the \
whole database was rewritten since)."
    )]
    Verify {
        /// A checkpoint written by `shinsa audit checkpoint`.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The public key (hex) the checkpoint must be signed by.
        #[arg(long, requires = "checkpoint")]
        trusted_key: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sign the heads of every chain (Ed25519; make a key with `shinsa policy keygen`).
    Checkpoint {
        /// The secret key file (hex).
        #[arg(long)]
        key: PathBuf,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the audit events (optionally of one chain: an organisation id, or `system`).
    Log {
        #[arg(long)]
        chain: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub fn audit(command: AuditCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(audit_async(command))
}

async fn audit_async(command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify {
            checkpoint,
            trusted_key,
            format,
            store,
        } => {
            let store = open(&store.config()?).await?;
            let reports = store.verify_audit(None).await?;
            let mut problems = Vec::new();
            if let Some(path) = &checkpoint {
                let checkpoint = read_checkpoint(path)?;
                let events = store.audit_events(&Tenant::System, None, 0, None).await?.0;
                problems =
                    shinsa_store::verify_checkpoint(&checkpoint, trusted_key.as_deref(), &events);
            }
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|report| {
                    vec![
                        report.chain.clone(),
                        report.events.to_string(),
                        if report.intact() {
                            "intact".into()
                        } else {
                            "BROKEN".into()
                        },
                        shinsa_model::shown(report.first_broken),
                        shinsa_model::shown(report.problem.as_ref()),
                    ]
                })
                .collect();
            let document = serde_json::json!({"chains": reports, "checkpoint_problems": problems});
            emit(&rows_output(
                &[
                    "chain",
                    "events",
                    "verdict",
                    "first broken event",
                    "problem",
                ],
                &rows,
                &document,
                format,
            )?)?;
            for problem in &problems {
                eprintln!("checkpoint: {problem}");
            }
            let intact =
                reports.iter().all(shinsa_store::ChainReport::intact) && problems.is_empty();
            Ok(ExitCode::from(if intact {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            }))
        }
        AuditCommand::Checkpoint { key, output, store } => {
            let secret = std::fs::read_to_string(&key)
                .with_context(|| format!("reading {}", key.display()))?;
            let key = shinsa_policy::signing::signing_key(&secret)?;
            let store = open(&store.config()?).await?;
            let checkpoint = Checkpoint::sign(store.chain_heads().await?, &key);
            let text = serde_json::to_string_pretty(&checkpoint)? + "\n";
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => emit(&text)?,
            }
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        AuditCommand::Log {
            chain,
            format,
            store,
        } => {
            let store = open(&store.config()?).await?;
            let events: Vec<AuditEvent> = store
                .audit_events(&Tenant::System, chain.as_deref(), 0, None)
                .await?
                .0;
            let rows: Vec<Vec<String>> = events
                .iter()
                .map(|event| {
                    vec![
                        event.chain.clone(),
                        event.seq.to_string(),
                        event.at.clone(),
                        event.actor.clone(),
                        event.action.clone(),
                        event.subject.clone(),
                        event.row_hash.chars().take(16).collect(),
                    ]
                })
                .collect();
            emit(&rows_output(
                &["chain", "seq", "at", "actor", "action", "subject", "hash"],
                &rows,
                &events,
                format,
            )?)?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
    }
}

fn read_checkpoint(path: &Path) -> anyhow::Result<Checkpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a checkpoint", path.display()))
}

/// A new password: typed on the terminal without echo (asked twice), or
/// the first line of standard input when it is not a terminal; at least 12
/// characters. Returns its argon2 hash.
fn new_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if rustix::termios::isatty(&stdin) {
        let first = read_hidden("Password: ")?;
        let again = read_hidden("The same again: ")?;
        if first != again {
            anyhow::bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.chars().count() < 12 {
        anyhow::bail!(
            "the password (first line of standard input) must have at least 12 characters"
        );
    }
    shinsa_server::auth::hash_password(&password).map_err(anyhow::Error::msg)
}

/// A line typed on the terminal with echo off (restored afterwards, also
/// when reading fails).
fn read_hidden(prompt: &str) -> anyhow::Result<String> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{prompt}");
    let saved = tcgetattr(&stdin)?;
    let mut hidden = saved.clone();
    hidden.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &hidden)?;
    let mut line = String::new();
    let read = stdin.read_line(&mut line);
    tcsetattr(&stdin, OptionalActions::Now, &saved)?;
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

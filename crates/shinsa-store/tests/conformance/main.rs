//! One behaviour, two databases: every test here runs against a fresh
//! SQLite file and a fresh PostgreSQL database (on `SHINSA_TEST_POSTGRES`,
//! by default the local server), owned by a role that is not a superuser
//! so that row-level security applies. PostgreSQL being down is a failure,
//! not a skip.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit;
mod jobs;
mod plans;
mod row_security;
mod whole_store;

use shinsa_store::*;
use sqlx::Executor as _;

/// A fresh store of each kind. The SQLite file and the PostgreSQL database
/// live as long as the returned guard.
struct Fresh {
    store: SqlStore,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open(&format!(
        "sqlite:{}",
        dir.path().join("shinsa.db").display()
    ))
    .await
    .unwrap();
    Fresh {
        store,
        _dir: Some(dir),
    }
}

async fn postgres() -> Fresh {
    let store = SqlStore::open(&testing::fresh_postgres().await)
        .await
        .unwrap();
    Fresh { store, _dir: None }
}

fn system() -> Actor {
    Actor::system("test")
}

async fn organisation(store: &SqlStore, id: &str, kind: OrgKind, sectors: &[&str]) -> Organisation {
    store
        .create_organisation(
            &system(),
            NewOrganisation {
                id: id.into(),
                name: format!("{id} name"),
                kind,
                sectors: sectors.iter().map(|s| s.to_string()).collect(),
            },
        )
        .await
        .unwrap()
}

async fn user(store: &SqlStore, org: &str, login: &str, role: Role) -> User {
    store
        .create_user(
            &system(),
            NewUser {
                org_id: org.into(),
                login: login.into(),
                name: login.into(),
                role,
                password_hash: format!("hash-of-{login}"),
            },
        )
        .await
        .unwrap()
}

fn register(name: &str) -> NewRegister {
    NewRegister {
        name: name.into(),
        format: "json".into(),
        input_sha256: format!("sha-{name}"),
        inventory: format!("{{\"register\": \"{name}\"}}"),
        subjects: 3,
        warnings: Vec::new(),
    }
}

fn finding(key: &str, severity: &str) -> FindingRow {
    FindingRow {
        key: key.into(),
        severity: severity.into(),
        severity_rank: match severity {
            "prohibited" => 0,
            "review" => 1,
            _ => 2,
        },
        rule_id: key.split('@').next().unwrap().into(),
        subject_kind: "asset".into(),
        subject_id: key.rsplit(':').next().unwrap().into(),
        subject_name: format!("Camera {key}"),
        title: "Listed vendor".into(),
        title_ja: "掲載ベンダー".into(),
        body: format!("{{\"id\": \"{key}\"}}"),
    }
}

/// The replica the tests work as, unless one says otherwise.
const REPLICA: &str = "replica-a";

/// A minute's lease for `owner`, from now.
fn lease(owner: &str) -> Lease {
    Lease::starting_now(owner, std::time::Duration::from_secs(60))
}

/// A lease for `owner` from `start` seconds after `base` to `end` seconds.
fn lease_at(owner: &str, base: time::OffsetDateTime, start: i64, end: i64) -> Lease {
    Lease {
        owner: owner.into(),
        now: timestamp(base + time::Duration::seconds(start)),
        until: timestamp(base + time::Duration::seconds(end)),
    }
}

/// Claims the next run and finishes it with `findings`.
async fn screen(store: &SqlStore, findings: &[FindingRow]) -> (Run, RunChange) {
    let claimed = store
        .claim_run(&lease(REPLICA))
        .await
        .unwrap()
        .expect("a queued run");
    assert_eq!(claimed.run.status, RunStatus::Running);
    store.run_progress(&claimed.run.id, 1, 3).await.unwrap();
    let change = store
        .finish_run(
            &claimed.run.id,
            REPLICA,
            RunResult {
                findings: findings.to_vec(),
                provenance: serde_json::json!({"policy": "jp-espa@1.1.0"}),
                warnings: Vec::new(),
                mailed: Vec::new(),
                then: Vec::new(),
            },
        )
        .await
        .unwrap();
    (claimed.run, change)
}

/// op-a's webhook, set by its administrator.
async fn listen(store: &SqlStore, admin: &User) {
    store
        .set_webhook(
            &op("op-a"),
            &Actor::user(admin),
            Some(Webhook {
                url: "http://127.0.0.1:9/hook".into(),
                secret: "s3cret".into(),
            }),
        )
        .await
        .unwrap();
}

fn op(org: &str) -> Tenant {
    Tenant::Operator { org: org.into() }
}

/// What the server's access policy makes of a regulator body.
fn regulator_of(org: &Organisation) -> Tenant {
    Tenant::Regulator {
        org: org.id.clone(),
        sectors: org.sectors.clone(),
    }
}

fn filter() -> FindingFilter {
    FindingFilter {
        today: "2026-11-28".into(),
        limit: 50,
        ..FindingFilter::default()
    }
}

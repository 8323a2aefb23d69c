//! Re-screening at country scale: OPERATORS operators, each with a register
//! of ASSETS assets (the demo utility's register scaled), screened once on
//! upload, then all re-screened when a list version is published — the
//! server's own workers and store, as `shinsa serve` runs them.
//!
//! `cargo run --release -p shinsa-server --example rescreen_bench -- [OPERATORS] [ASSETS] [DATABASE] [REPLICAS]`
//! (defaults 250, 10000, a SQLite file in a temporary folder, 1 replica);
//! bench/server/rescreen.sh. Several replicas are several servers' states
//! in this process against the one store, the cores shared between them,
//! each taking runs with its own leases as separate processes would.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shinsa_server::{AppState, Config, redact};
use shinsa_store::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A count over the whole store, every tenant's rows (on PostgreSQL the
/// transaction says it acts as the server, so row-level security shows
/// everything).
async fn count(store: &SqlStore, sql: &str) -> i64 {
    use sqlx::Row as _;
    let mut tx = store.pool().begin().await.unwrap();
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT set_config('shinsa.tenant_kind', 'system', true)")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let counted = sqlx::query(sql)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap();
    tx.commit().await.unwrap();
    counted
}

/// Waits for the queue to empty; returns the seconds it took.
async fn drain(store: &SqlStore, started: Instant, total: i64) -> f64 {
    loop {
        let left = count(
            store,
            "SELECT COUNT(*) FROM runs WHERE status IN ('queued', 'running')",
        )
        .await;
        eprint!(
            "\r  {} of {total} runs done ({:.0} s)   ",
            total - left,
            started.elapsed().as_secs_f64()
        );
        if left == 0 {
            eprintln!();
            return started.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let operators: usize = args.get(1).map_or(250, |n| n.parse().unwrap());
    let assets: usize = args.get(2).map_or(10_000, |n| n.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let url = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("shinsa.db").display()));
    let store = Arc::new(SqlStore::open(&url).await.unwrap());

    let reference = shinsa_ingest::reference::bundled().unwrap();
    let demo_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minato-electric");
    let demo = shinsa_ingest::load_bundle(&demo_dir, &reference, shinsa_server::clock::today())
        .unwrap()
        .inventory;
    let register = demo.scaled(assets);
    let subjects =
        (register.assets.len() + register.contracts.len() + register.dataflows.len()) as i64;
    let inventory = serde_json::to_string(&register).unwrap();
    println!(
        "{operators} operators x {} assets ({subjects} subjects each), register JSON {:.1} MB, store {}",
        register.assets.len(),
        inventory.len() as f64 / 1e6,
        redact(&url)
    );

    let started = Instant::now();
    let system = Actor::system("bench");
    for n in 0..operators {
        let id = format!("op-{n:04}");
        store
            .create_organisation(
                &system,
                NewOrganisation {
                    id: id.clone(),
                    name: id.clone(),
                    kind: OrgKind::Operator,
                    sectors: vec!["electricity".into()],
                },
            )
            .await
            .unwrap();
        let new = NewRegister {
            name: "main".into(),
            format: "json".into(),
            input_sha256: format!("bench-{n}"),
            inventory: inventory.clone(),
            subjects,
            warnings: Vec::new(),
        };
        store
            .upload_register(&Tenant::Operator { org: id }, &system, new)
            .await
            .unwrap();
    }
    println!(
        "stored {operators} registers in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let replicas: usize = args.get(4).map_or(1, |n| n.parse().unwrap());
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let workers = (cores / replicas).max(1);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut states = Vec::new();
    let mut handles = Vec::new();
    for replica in 0..replicas {
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            workers,
            replica: Some(format!("bench-{replica}")),
            // With vulnerability data (`shinsa vulns import` into this
            // folder), every screening matches exposures too.
            advisories_dir: std::env::var_os("SHINSA_ADVISORIES_DIR").map(std::path::PathBuf::from),
            ..Config::default()
        };
        let state = AppState::new(store.clone(), config).unwrap();
        handles.extend(shinsa_server::jobs::start(state.clone(), stopped.clone()));
        states.push(state);
    }
    let wake = || {
        for state in &states {
            state.jobs.notify_waiters();
        }
    };

    let started = Instant::now();
    wake();
    let first = drain(&store, started, operators as i64).await;
    let findings = count(&store, "SELECT COUNT(*) FROM findings").await;

    // A new DoD 1260H version naming one of the demo's suppliers: every
    // register is re-screened, and every one changes.
    let list = serde_json::json!({"results": [{"id": "b1", "source": "1260H", "name": "関西通信機材株式会社", "type": "Entity"}]});
    let imported = shinsa_ingest::lists::import(
        &[shinsa_ingest::lists::ListFile {
            name: "csl.json".into(),
            bytes: list.to_string().into_bytes(),
        }],
        &shinsa_ingest::lists::ImportOptions {
            id: Some("dod-1260h".into()),
            version: Some(shinsa_model::parse_date("2026-11-27").unwrap()),
            today: shinsa_server::clock::today(),
        },
    )
    .unwrap();
    let list = &imported[0];
    let started = Instant::now();
    let new = NewListVersion {
        list_id: list.info.id.clone(),
        version: list.info.version.to_string(),
        sha256: list.info.sha256.clone(),
        entries: list.parties.len() as i64,
        body: serde_json::to_string(list).unwrap(),
    };
    store.publish_list(&system, new).await.unwrap();
    wake();
    let second = drain(&store, started, operators as i64).await;
    let changed = count(&store, "SELECT COUNT(*) FROM runs WHERE reason LIKE 'list %' AND (new_findings > 0 OR resolved_findings > 0)").await;
    let failed = count(&store, "SELECT COUNT(*) FROM runs WHERE status = 'failed'").await;
    // A finding reading as it did keeps its row: the re-screening writes
    // only what changed.
    let written = count(&store, "SELECT COUNT(*) FROM findings").await - findings;
    let current = count(
        &store,
        "SELECT COUNT(*) FROM findings WHERE last_run IS NULL",
    )
    .await;
    let _ = stop.send(true);
    for handle in handles {
        let _ = handle.await;
    }
    let total_subjects = subjects * operators as i64;
    println!();
    println!("                                   seconds   registers/s   subjects/s");
    for (label, seconds) in [
        ("screening on upload             ", first),
        ("re-screening after a list update", second),
    ] {
        println!(
            "{label} {seconds:9.1} {:13.2} {:12.0}",
            operators as f64 / seconds,
            total_subjects as f64 / seconds
        );
    }
    println!();
    let mut shares = Vec::new();
    for replica in 0..replicas {
        let taken = count(
            &store,
            &format!("SELECT COUNT(*) FROM run_leases WHERE owner = 'bench-{replica}'"),
        )
        .await;
        shares.push(format!("bench-{replica} {taken}"));
    }
    println!(
        "replicas {replicas} x workers {workers} (runs taken: {}); findings stored by the first pass {findings}; registers the list changed {changed}; failed runs {failed}",
        shares.join(", ")
    );
    println!("findings current after the re-screening {current}, rows it wrote {written}");
    println!(
        "target (issue 18): {operators} x {assets} re-screened in under 60 s: {}",
        if second < 60.0 && failed == 0 {
            "met"
        } else {
            "NOT met"
        }
    );
}

//! `shinsa serve`, `shinsa admin` and `shinsa audit` as a user runs them:
//! real processes, real HTTP on loopback, a real SQLite file, Debian's
//! Chromium for the web UI, and `kill -9` in the middle of uploads.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Served, agent, ok, on_database, serve, serve_with, shinsa_in};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PASSWORD: &str = "a long password 1";

/// The database at `url` (a fresh test database, as its owner) as the
/// tests' PostgreSQL administrator, a superuser.
fn as_superuser(url: &str) -> String {
    let admin = shinsa_store::testing::postgres_admin_url();
    let admin_user = admin
        .split_once("://")
        .unwrap()
        .1
        .split_once('@')
        .unwrap()
        .0;
    let host_and_db = url.split_once("://").unwrap().1.split_once('@').unwrap().1;
    format!("postgres://{admin_user}@{host_and_db}")
}

/// Organisations, users and tokens, all made by the CLI.
fn set_up(data: &Path) -> (String, String, String) {
    ok(shinsa_in(
        data,
        &[
            "admin",
            "org",
            "meti",
            "--name",
            "経済産業省",
            "--kind",
            "regulator",
            "--sector",
            "electricity",
        ],
        "",
    ));
    ok(shinsa_in(
        data,
        &[
            "admin",
            "org",
            "op-a",
            "--name",
            "A電力",
            "--kind",
            "operator",
            "--sector",
            "electricity",
        ],
        "",
    ));
    ok(shinsa_in(
        data,
        &[
            "admin",
            "org",
            "op-b",
            "--name",
            "B電力",
            "--kind",
            "operator",
            "--sector",
            "electricity",
        ],
        "",
    ));
    for (login, org, role) in [
        ("alice@a.example", "op-a", "operator-admin"),
        ("bob@b.example", "op-b", "operator-admin"),
        ("rita@meti.example", "meti", "regulator-reviewer"),
        ("ren@meti.example", "meti", "regulator-admin"),
        ("pat@meti.example", "meti", "platform-admin"),
    ] {
        ok(shinsa_in(
            data,
            &["admin", "user", login, "--org", org, "--role", role],
            &format!("{PASSWORD}\n"),
        ));
    }
    let short = shinsa_in(
        data,
        &[
            "admin",
            "user",
            "x@a.example",
            "--org",
            "op-a",
            "--role",
            "operator-member",
        ],
        "short\n",
    );
    assert_eq!(short.code, 2);
    assert!(
        short.stderr.contains("at least 12 characters"),
        "{}",
        short.stderr
    );
    let misfit = shinsa_in(
        data,
        &[
            "admin",
            "user",
            "y@a.example",
            "--org",
            "op-a",
            "--role",
            "regulator-admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        misfit
            .stderr
            .contains("not a role in a operator organisation"),
        "{}",
        misfit.stderr
    );
    let token = |login: &str| {
        ok(shinsa_in(data, &["admin", "token", login], ""))
            .trim()
            .to_owned()
    };
    (
        token("alice@a.example"),
        token("bob@b.example"),
        token("ren@meti.example"),
    )
}

/// A server whose PostgreSQL role passes over row-level security (here a
/// superuser) refuses to start, unless told to accept the risk, and then
/// says so in its log.
#[test]
fn a_database_role_that_bypasses_row_security_is_refused() {
    let owner_url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(shinsa_store::testing::fresh_postgres());
    // The same fresh database, as the administrator (a superuser).
    let superuser_url = as_superuser(&owner_url);
    let data = tempfile::tempdir().unwrap();
    let refused = shinsa_in(
        data.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &superuser_url,
        ],
        "",
    );
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("superuser or has BYPASSRLS"),
        "{}",
        refused.stderr
    );
    let (served, logged) = serve_with(
        data.path(),
        &["--database", &superuser_url, "--allow-bypass-rls"],
    );
    assert!(
        logged.iter().any(|event| event["fields"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("row-level security is bypassed"))),
        "{logged:?}"
    );
    drop(served);
}

fn get(base: &str, token: &str, path: &str) -> Value {
    let mut response = agent()
        .get(&format!("{base}{path}"))
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

fn upload(base: &str, token: &str, name: &str, register: &Value) -> (u16, Value) {
    let mut response = agent()
        .post(&format!("{base}/api/v1/registers?name={name}"))
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(register.to_string().as_bytes())
        .unwrap();
    (
        response.status().as_u16(),
        serde_json::from_str(&response.body_mut().read_to_string().unwrap_or_default())
            .unwrap_or_default(),
    )
}

fn settle(base: &str, token: &str) -> Vec<Value> {
    for _ in 0..600 {
        let runs = get(base, token, "/api/v1/runs?per_page=500");
        let runs = runs["items"].as_array().unwrap().clone();
        if !runs.is_empty() && runs.iter().all(|run| run["status"] == "done") {
            return runs;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("runs did not finish");
}

fn register(operator: &str, relay_vendor: &str) -> Value {
    json!({
        "operator": {"id": operator, "name": format!("{operator} 株式会社"), "sector": "electricity", "country": "JP"},
        "parties": [{"id": "V1", "name": relay_vendor, "country": "CN"}],
        "assets": [
            {"id": "RLY-1", "name": "保護リレー 1", "kind": "equipment", "category": "protection relay",
             "critical": true, "manufacturer": "V1", "supplier": "V1", "country_of_manufacture": "CN"},
            {"id": "CAM-1", "name": "監視カメラ 1", "kind": "equipment", "category": "video_surveillance",
             "critical": false, "manufacturer": "Hikvision"}
        ]
    })
}

fn keys(page: &Value) -> Vec<String> {
    let mut keys: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            format!(
                "{}/{}",
                item["org_id"].as_str().unwrap(),
                item["key"].as_str().unwrap()
            )
        })
        .collect();
    keys.sort();
    keys
}

fn sql(data: &Path, statements: &[&str]) {
    let url = format!("sqlite://{}", data.join("shinsa.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::{Connection as _, Executor as _};
        let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
        for statement in statements {
            connection.execute(*statement).await.unwrap();
        }
    });
}

#[test]
fn a_regulator_and_two_operators_from_the_cli_to_a_caught_audit_edit() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let (alice, bob, ren) = set_up(data);
    let served = serve(data);
    let base = &served.base;

    // Accounts from the command line: a read-only token for a day; a
    // disabled user's token signs nothing in, and enabling brings it back.
    ok(shinsa_in(
        data,
        &[
            "admin",
            "user",
            "carol@a.example",
            "--org",
            "op-a",
            "--role",
            "operator-member",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let carol = ok(shinsa_in(
        data,
        &[
            "admin",
            "token",
            "carol@a.example",
            "--read-only",
            "--days",
            "1",
        ],
        "",
    ))
    .trim()
    .to_owned();
    let status = |method: &str, token: &str| {
        let request = match method {
            "GET" => agent()
                .get(&format!("{base}/api/v1/findings"))
                .header("authorization", &format!("Bearer {token}"))
                .call(),
            _ => agent()
                .put(&format!("{base}/api/v1/webhook"))
                .header("authorization", &format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(r#"{"url": null}"#.as_bytes()),
        };
        request.unwrap().status().as_u16()
    };
    ok(shinsa_in(
        data,
        &["admin", "account", "carol@a.example", "--disable"],
        "",
    ));
    assert_eq!(status("GET", &carol), 401, "a disabled user's token");
    ok(shinsa_in(
        data,
        &["admin", "account", "carol@a.example", "--enable"],
        "",
    ));
    assert_eq!(status("GET", &carol), 200);
    assert_eq!(
        status("PUT", &carol),
        403,
        "a read-only token changes nothing"
    );
    let short = shinsa_in(
        data,
        &["admin", "account", "carol@a.example", "--password"],
        "short\n",
    );
    assert_eq!(short.code, 2, "{}", short.stderr);

    assert_eq!(
        upload(
            base,
            &alice,
            "main",
            &register("OP-A", "Northwind Relay Co., Ltd.")
        )
        .0,
        202
    );
    assert_eq!(
        upload(
            base,
            &bob,
            "main",
            &register("OP-B", "Eastfield Switchgear Co., Ltd.")
        )
        .0,
        202
    );
    settle(base, &alice);
    settle(base, &bob);
    let camera = "JP-ESPA-003@asset:CAM-1";
    let made_in = "JP-ESPA-004@asset:RLY-1";
    assert_eq!(
        keys(&get(base, &alice, "/api/v1/findings")),
        [format!("op-a/{camera}"), format!("op-a/{made_in}")]
    );
    assert_eq!(
        keys(&get(base, &bob, "/api/v1/findings")),
        [format!("op-b/{camera}"), format!("op-b/{made_in}")]
    );
    assert_eq!(
        get(base, &ren, "/api/v1/findings")["total"],
        4,
        "the regulator sees both"
    );

    // A list update re-screens both and says what changed.
    let list = json!({"results": [{"id": "n1", "source": "1260H", "name": "Northwind Relay Co., Ltd.", "type": "Entity"}]});
    // Lists apply to every sector: the platform administrator publishes
    // them, not one ministry.
    let platform = ok(shinsa_in(data, &["admin", "token", "pat@meti.example"], ""))
        .trim()
        .to_owned();
    let refused = agent()
        .post(&format!(
            "{base}/api/v1/lists?file=csl.json&id=dod-1260h&version=2026-11-27"
        ))
        .header("authorization", &format!("Bearer {ren}"))
        .send(list.to_string().as_bytes())
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let response = agent()
        .post(&format!(
            "{base}/api/v1/lists?file=csl.json&id=dod-1260h&version=2026-11-27"
        ))
        .header("authorization", &format!("Bearer {platform}"))
        .send(list.to_string().as_bytes())
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let runs = settle(base, &ren);
    let changed: Vec<(String, i64)> = runs
        .iter()
        .filter(|run| run["reason"] == "list dod-1260h@2026-11-27")
        .map(|run| {
            (
                run["org_id"].as_str().unwrap().to_owned(),
                run["new_findings"].as_i64().unwrap(),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(changed, [("op-a".to_owned(), 1), ("op-b".to_owned(), 0)]);
    drop(served);

    // The record verifies; a checkpoint is signed; an edited row is caught.
    let intact = shinsa_in(data, &["audit", "verify", "--format", "json"], "");
    assert_eq!(intact.code, 0, "{}", intact.stderr);
    let chains = intact.json()["chains"].as_array().unwrap().clone();
    let names: Vec<&str> = chains
        .iter()
        .map(|c| c["chain"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["meti", "op-a", "op-b", "system"]);
    let key = data.join("audit.key");
    let keygen = common::shinsa(&["policy", "keygen", key.to_str().unwrap()]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let checkpoint = data.join("checkpoint.json");
    ok(shinsa_in(
        data,
        &[
            "audit",
            "checkpoint",
            "--key",
            key.to_str().unwrap(),
            "--output",
            checkpoint.to_str().unwrap(),
        ],
        "",
    ));
    let log = ok(shinsa_in(
        data,
        &["audit", "log", "--chain", "op-a", "--format", "csv"],
        "",
    ));
    assert!(
        log.lines().any(|line| line.contains("register.upload")),
        "{log}"
    );

    sql(
        data,
        &[
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET actor = 'user:mallory@a.example' WHERE chain = 'op-a' AND seq = 2",
        ],
    );
    let broken = shinsa_in(
        data,
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(broken.code, 1, "{}", broken.stdout);
    assert!(broken.stdout.contains("BROKEN"), "{}", broken.stdout);
    assert!(
        broken.stdout.contains("event 2 was altered"),
        "{}",
        broken.stdout
    );

    // Rewriting the whole chain to match is caught by the checkpoint.
    sql(
        data,
        &[
            "DROP TRIGGER audit_events_no_delete",
            "DELETE FROM audit_events WHERE chain = 'op-a' AND seq > 1",
            "UPDATE audit_heads SET seq = 1, row_hash = (SELECT row_hash FROM audit_events WHERE chain = 'op-a' AND seq = 1) WHERE chain = 'op-a'",
        ],
    );
    let rewritten = shinsa_in(
        data,
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(rewritten.code, 1);
    let report = rewritten.json();
    let op_a = report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == "op-a")
        .unwrap()
        .clone();
    assert!(
        op_a["first_broken"].is_null(),
        "the shortened chain links up: {op_a}"
    );
    assert!(
        rewritten.stderr.contains("chain op-a event"),
        "{}",
        rewritten.stderr
    );
    assert!(
        rewritten.stderr.contains("no longer in the log"),
        "{}",
        rewritten.stderr
    );
}

/// One engine: the same register screened by `shinsa screen` and by the
/// server on the same day gives the same findings and the same warnings
/// (the engine's, such as a pack written against another version of a
/// list, then the reader's, such as an unknown category).
#[test]
fn the_cli_and_the_server_screen_alike() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let (alice, _, _) = set_up(data);
    let served = serve(data);
    let register = json!({
        "operator": {"id": "op-a", "name": "A電力", "sector": "electricity", "country": "JP"},
        "parties": [{"id": "V1", "name": "Huawei Technologies Co., Ltd.", "country": "CN"},
                    {"id": "V2", "name": "Northwind Relay", "country": "CN"}],
        "ownership": [{"owner": "V1", "owned": "V2", "share_percent": 60}],
        "assets": [
            {"id": "RLY-1", "name": "保護リレー 1", "kind": "equipment", "category": "relay cabinet of a kind",
             "critical": true, "manufacturer": "V2", "supplier": "V2", "country_of_manufacture": "CN"},
            {"id": "CAM-1", "name": "監視カメラ 1", "kind": "equipment", "category": "video_surveillance",
             "critical": false, "manufacturer": "Hikvision"}
        ]
    });
    let (status, accepted) = upload(&served.base, &alice, "main", &register);
    assert_eq!(status, 202, "{accepted}");
    settle(&served.base, &alice);
    let run = get(
        &served.base,
        &alice,
        &format!("/api/v1/runs/{}", accepted["run"]["id"].as_str().unwrap()),
    );
    let page = get(
        &served.base,
        &alice,
        "/api/v1/findings?per_page=500&evidence=true",
    );
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|text| text.as_str().unwrap().to_owned())
            .collect()
    };
    let server_findings: std::collections::BTreeSet<(String, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["key"].as_str().unwrap().to_owned(),
                item["severity"].as_str().unwrap().to_owned(),
                item["body"]["explanation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut server_warnings = strings(&run["warnings"]);
    assert!(
        server_warnings
            .iter()
            .any(|warning| warning.starts_with("pack jp-espa")),
        "the server says what the CLI says of the pack: {server_warnings:?}"
    );
    server_warnings.extend(strings(&accepted["warnings"]));

    // Named as the server names an upload, so that warnings carry the
    // same file name.
    std::fs::write(data.join("main.json"), register.to_string()).unwrap();
    let japan = time::UtcOffset::from_hms(9, 0, 0).unwrap();
    let today = time::OffsetDateTime::now_utc().to_offset(japan).date();
    let lists = data.join("no-lists");
    let screened = Command::new(env!("CARGO_BIN_EXE_shinsa"))
        .args([
            "screen",
            "main.json",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--as-of",
            &today.to_string(),
            "--lists-dir",
            lists.to_str().unwrap(),
        ])
        .current_dir(data)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&screened.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&screened.stderr)));
    let cli_findings: std::collections::BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["id"].as_str().unwrap().to_owned(),
                finding["severity"].as_str().unwrap().to_owned(),
                finding["explanation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(!cli_findings.is_empty());
    assert_eq!(cli_findings, server_findings);
    assert_eq!(strings(&report["warnings"]), server_warnings);
}

#[test]
fn kill_9_during_uploads_loses_nothing_acknowledged() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let (alice, _, _) = set_up(data);
    // As many uploads as the server takes in a second and a half, beyond
    // the hourly quota of one organisation; the runs the killed server held
    // are taken over when their two-second leases run out.
    let config = data.join("shinsa.toml");
    std::fs::write(&config, "uploads_per_hour = 1000000\nlease_seconds = 2\n").unwrap();
    let (served, _) = serve_with(data, &["--config", config.to_str().unwrap()]);
    let base = served.base.clone();
    // Upload as fast as possible from another thread; kill the server hard
    // while uploads are in flight.
    let uploader = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for n in 0..10_000 {
            let name = format!("site-{n}");
            match agent()
                .post(&format!("{base}/api/v1/registers?name={name}"))
                .header("authorization", &format!("Bearer {alice}"))
                .header("content-type", "application/json")
                .send(
                    register("OP-A", "Northwind Relay Co., Ltd.")
                        .to_string()
                        .as_bytes(),
                ) {
                Ok(response) if response.status().as_u16() == 202 => acknowledged.push(name),
                Ok(response) => panic!("upload refused: {}", response.status()),
                Err(_) => break, // the server is gone
            }
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(1500));
    let pid = served.child.id().to_string();
    let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success());
    let acknowledged = uploader.join().unwrap();
    assert!(
        acknowledged.len() >= 3,
        "only {} uploads before the kill",
        acknowledged.len()
    );
    drop(served);

    // Every acknowledged register is there, with its version; no register
    // lacks its content; runs cut off are screened after the restart.
    let (restarted, _) = serve_with(data, &["--config", config.to_str().unwrap()]);
    let alice = ok(shinsa_in(data, &["admin", "token", "alice@a.example"], ""))
        .trim()
        .to_owned();
    let registers = get(&restarted.base, &alice, "/api/v1/registers");
    let names: std::collections::BTreeSet<String> = registers
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    for name in &acknowledged {
        assert!(names.contains(name), "{name} was acknowledged and is gone");
    }
    assert!(
        names.len() <= acknowledged.len() + 1,
        "at most the one in flight is extra"
    );
    // Every stored upload gets screened (the runs listing shows only the
    // newest 200, so ask each register for its current run).
    let screened = (0..600).any(|_| {
        let registers = get(&restarted.base, &alice, "/api/v1/registers");
        let done = registers
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["current_run"].is_null());
        if !done {
            std::thread::sleep(Duration::from_millis(50));
        }
        done
    });
    assert!(
        screened,
        "every stored upload was screened after the restart"
    );
    settle(&restarted.base, &alice);
    let page = get(&restarted.base, &alice, "/api/v1/findings?per_page=1");
    assert_eq!(page["total"].as_i64().unwrap(), 2 * names.len() as i64);
    drop(restarted);
    let verify = shinsa_in(data, &["audit", "verify"], "");
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

/// The web UI in Chromium (playwright-core and axe-core; `e2e/`): both
/// stories, each page at 390, 1280 and 1920 px in the language it is shown
/// in, with the navigation's layout and accessibility checked. npm installs
/// the packages on first use; Chromium must be /usr/bin/chromium (Debian's
/// `chromium`) or `CHROMIUM`.
#[test]
fn the_web_ui_in_chromium() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if !["playwright-core", "axe-core"]
        .iter()
        .all(|package| e2e.join("node_modules").join(package).is_dir())
    {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status()
            .unwrap();
        assert!(installed.success(), "npm ci in e2e/ failed");
    }
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    set_up(data);
    let served = serve(data);
    let register_file = data.join("register.json");
    // A Huawei router in a critical facility (prohibited, within the FCC
    // Covered List's scope) and a Hikvision camera.
    let mut document = register("OP-A", "Huawei Technologies Co., Ltd.");
    document["assets"][0]["category"] = json!("router");
    std::fs::write(&register_file, document.to_string()).unwrap();
    // The review clock the reviewer should see after receiving today.
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .date();
    let rules = shinsa_server::Config::default().review.rules().unwrap();
    let due = rules.clock.review_due(today);
    let screenshots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&screenshots).unwrap();
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "ui.test.mjs"])
        .current_dir(&e2e)
        .env("SHINSA_URL", &served.base)
        .env("SHINSA_REGISTER", &register_file)
        .env("SHINSA_OPERATOR_LOGIN", "alice@a.example")
        .env("SHINSA_REVIEWER_LOGIN", "rita@meti.example")
        .env("SHINSA_PASSWORD", PASSWORD)
        .env("SHINSA_SCREENSHOTS", &screenshots)
        .env("SHINSA_EXPECTED_DUE", due.to_string())
        .env(
            "SHINSA_EXPECTED_DAYS_LEFT",
            (due - today).whole_days().to_string(),
        )
        .output()
        .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("pass 2"), "{report}");
    for width in [390, 1280, 1920] {
        for lang in ["en", "ja"] {
            let shot = screenshots.join(format!("findings-{lang}-{width}.png"));
            assert!(shot.is_file(), "{}", shot.display());
        }
    }
    let filing = std::fs::read(screenshots.join("filing.pdf")).unwrap();
    assert!(filing.starts_with(b"%PDF-1."));
}

/// Signs a checkpoint of the store `args` name; returns its path.
fn checkpoint(data: &Path, args: &[&str]) -> (PathBuf, PathBuf) {
    let key = data.join("audit.key");
    let keygen = common::shinsa(&["policy", "keygen", key.to_str().unwrap()]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    let signed = data.join("checkpoint.json");
    let mut command = vec![
        "audit",
        "checkpoint",
        "--key",
        key.to_str().unwrap(),
        "--output",
        signed.to_str().unwrap(),
    ];
    command.extend_from_slice(args);
    ok(shinsa_in(data, &command, ""));
    (signed, key)
}

/// `admin backup` while the server works, `admin restore` elsewhere
/// (issue 18): the restored store holds the record, its chains verify,
/// and a checkpoint signed before the backup still verifies against it.
/// A damaged backup is refused and replaces nothing.
#[test]
fn a_sqlite_backup_taken_while_serving_restores_with_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("live");
    let (alice, _, _) = set_up(&data);
    let served = serve(&data);
    let (status, _) = upload(&served.base, &alice, "main", &register("OP-A", "Hikvision"));
    assert_eq!(status, 202);
    settle(&served.base, &alice);
    let (signed, _) = checkpoint(&data, &[]);
    let backup = dir.path().join("shinsa-backup.db");
    let backed_up = ok(shinsa_in(
        &data,
        &["admin", "backup", backup.to_str().unwrap()],
        "",
    ));
    assert!(backed_up.contains("every chain intact"), "{backed_up}");
    let again = shinsa_in(&data, &["admin", "backup", backup.to_str().unwrap()], "");
    assert_ne!(again.code, 0, "a backup never overwrites a file");
    // Work goes on after the backup; the restore does not have it.
    let (status, _) = upload(
        &served.base,
        &alice,
        "second",
        &register("OP-A", "Hikvision"),
    );
    assert_eq!(status, 202);
    settle(&served.base, &alice);
    drop(served);

    let restored = dir.path().join("restored");
    let summary = ok(shinsa_in(
        &restored,
        &["admin", "restore", backup.to_str().unwrap()],
        "",
    ));
    assert!(summary.contains("every chain intact"), "{summary}");
    let verified = shinsa_in(
        &restored,
        &[
            "audit",
            "verify",
            "--checkpoint",
            signed.to_str().unwrap(),
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(verified.code, 0, "{}\n{}", verified.stdout, verified.stderr);
    assert_eq!(verified.json()["checkpoint_problems"], json!([]));
    let served = serve(&restored);
    let registers = get(&served.base, &alice, "/api/v1/registers");
    let names: Vec<&str> = registers
        .as_array()
        .unwrap()
        .iter()
        .map(|register| register["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main"], "the state at the backup");
    drop(served);

    let over = shinsa_in(
        &restored,
        &["admin", "restore", backup.to_str().unwrap()],
        "",
    );
    assert!(over.stderr.contains("add --replace"), "{}", over.stderr);
    let damaged = dir.path().join("damaged.db");
    let bytes = std::fs::read(&backup).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 3]).unwrap();
    let refused = shinsa_in(
        &restored,
        &["admin", "restore", damaged.to_str().unwrap(), "--replace"],
        "",
    );
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(refused.stderr.contains("damaged.db"), "{}", refused.stderr);
    let still = shinsa_in(&restored, &["audit", "verify"], "");
    assert_eq!(still.code, 0, "the restored store is untouched");
}

/// PostgreSQL is backed up with pg_dump and restored with pg_restore into
/// an empty database, both as a role that passes over row-level security
/// (the README's procedure); the restored tables keep their owner, so the
/// server's own role reads them, and the record verifies with a
/// checkpoint signed before the backup.
#[test]
fn a_postgres_store_is_backed_up_and_restored_with_the_documented_procedure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let owner_url = runtime.block_on(shinsa_store::testing::fresh_postgres());
    let admin = shinsa_store::testing::postgres_admin_url();
    let (role, host_and_db) = owner_url
        .split_once("://")
        .unwrap()
        .1
        .split_once('@')
        .unwrap();
    let (host, _) = host_and_db.split_once('/').unwrap();
    let owner = |database: &str| format!("postgres://{role}@{host}/{database}");
    let superuser = |database: &str| as_superuser(&owner(database));
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    ok(on_database(
        data,
        &owner_url,
        &[
            "admin",
            "org",
            "op-a",
            "--name",
            "A電力",
            "--kind",
            "operator",
            "--sector",
            "electricity",
        ],
        "",
    ));
    ok(on_database(
        data,
        &owner_url,
        &[
            "admin",
            "user",
            "alice@a.example",
            "--org",
            "op-a",
            "--role",
            "operator-admin",
        ],
        &format!("{PASSWORD}\n"),
    ));
    let (signed, _) = checkpoint(data, &["--database", &owner_url]);
    let dump = data.join("shinsa.dump");
    let backed_up = ok(on_database(
        data,
        &superuser(role),
        &["admin", "backup", dump.to_str().unwrap()],
        "",
    ));
    assert!(backed_up.contains("pg_dump"), "{backed_up}");
    let target = format!("{role}_restored");
    runtime.block_on(async {
        use sqlx::{Connection as _, Executor as _};
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&admin).await.unwrap();
        connection
            .execute(format!("CREATE DATABASE {target} OWNER {role}").as_str())
            .await
            .unwrap();
    });
    let restored = ok(on_database(
        data,
        &superuser(&target),
        &["admin", "restore", dump.to_str().unwrap()],
        "",
    ));
    assert!(restored.contains("every chain intact"), "{restored}");
    let verified = on_database(
        data,
        &owner(&target),
        &["audit", "verify", "--checkpoint", signed.to_str().unwrap()],
        "",
    );
    assert_eq!(verified.code, 0, "{}\n{}", verified.stdout, verified.stderr);
    let orgs = ok(on_database(
        data,
        &owner(&target),
        &["admin", "orgs", "--format", "csv"],
        "",
    ));
    assert!(orgs.contains("op-a,A電力,operator,electricity"), "{orgs}");
}

/// What a webhook receiver saw: the path posted to, the Idempotency-Key,
/// and the body.
type Posts = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

/// A webhook receiver on 127.0.0.1 that answers 204 to everything.
fn counting_receiver() -> (u16, Posts) {
    use std::io::Read as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let posts: Posts = Posts::default();
    let seen = posts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut received = Vec::new();
                let mut buffer = [0u8; 16384];
                loop {
                    let Ok(read) = stream.read(&mut buffer) else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    received.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&received).to_string();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let header = |name: &str| {
                        head.lines()
                            .find_map(|line| {
                                let (key, value) = line.split_once(':')?;
                                key.eq_ignore_ascii_case(name)
                                    .then(|| value.trim().to_owned())
                            })
                            .unwrap_or_default()
                    };
                    if body.len() < header("content-length").parse().unwrap_or(0) {
                        continue;
                    }
                    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                    seen.lock()
                        .unwrap()
                        .push((path, header("idempotency-key"), body.to_owned()));
                    let _ = stream.write_all(
                        b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                    return;
                }
            });
        }
    });
    (port, posts)
}

/// Issue 18's proof that replicas share the work safely: three `shinsa
/// serve` processes on one PostgreSQL database; a list version re-screens
/// 200 registers of ten operators and one process is `kill -9`ed while it
/// holds runs. Every register ends with exactly one current run, of the
/// newest version; the lease records show no run held by two processes at
/// once, and the killed one's runs taken over after their leases ran out;
/// each organisation's webhook receives each change event (counted by
/// idempotency key) once; the audit chains verify.
#[test]
fn three_replicas_share_a_national_rescreen_and_survive_a_kill_9() {
    const OPERATORS: usize = 10;
    const REGISTERS_EACH: usize = 20;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let owner_url = runtime.block_on(shinsa_store::testing::fresh_postgres());
    let superuser_url = as_superuser(&owner_url);
    let query = |sql: &str| -> Vec<Vec<String>> {
        runtime.block_on(async {
            use sqlx::{Connection as _, Row as _};
            let mut connection = sqlx::AnyConnection::connect(&superuser_url).await.unwrap();
            sqlx::query(sql)
                .fetch_all(&mut connection)
                .await
                .unwrap()
                .iter()
                .map(|row| {
                    (0..row.len())
                        .map(|index| {
                            row.try_get::<String, _>(index)
                                .or_else(|_| row.try_get::<i64, _>(index).map(|n| n.to_string()))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect()
        })
    };
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let cli = |args: &[&str], stdin: &str| ok(on_database(data, &owner_url, args, stdin));
    cli(
        &[
            "admin",
            "org",
            "meti",
            "--name",
            "経済産業省",
            "--kind",
            "regulator",
            "--sector",
            "electricity",
        ],
        "",
    );
    cli(
        &[
            "admin",
            "user",
            "pat@meti.example",
            "--org",
            "meti",
            "--role",
            "platform-admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    let mut tokens = Vec::new();
    for n in 0..OPERATORS {
        let org = format!("op-{n}");
        let login = format!("admin@{org}.example");
        cli(
            &[
                "admin",
                "org",
                &org,
                "--name",
                &format!("{org} 電力"),
                "--kind",
                "operator",
                "--sector",
                "electricity",
            ],
            "",
        );
        cli(
            &[
                "admin",
                "user",
                &login,
                "--org",
                &org,
                "--role",
                "operator-admin",
            ],
            &format!("{PASSWORD}\n"),
        );
        tokens.push((org, cli(&["admin", "token", &login], "").trim().to_owned()));
    }
    let platform = cli(&["admin", "token", "pat@meti.example"], "")
        .trim()
        .to_owned();
    let (receiver_port, posts) = counting_receiver();
    let config = data.join("shinsa.toml");
    std::fs::write(
        &config,
        format!(
            "database = \"{owner_url}\"\nworkers = 1\nlease_seconds = 2\nuploads_per_hour = 100000\n\
             webhook_allow_hosts = [\"127.0.0.1\"]\n[delivery]\nretry_base_seconds = 0.2\n"
        ),
    )
    .unwrap();
    let servers: Vec<(Served, String)> = (0..3)
        .map(|_| {
            let (served, logged) = serve_with(data, &["--config", config.to_str().unwrap()]);
            let replica = logged
                .iter()
                .find_map(|event| event["fields"]["replica"].as_str().map(str::to_owned))
                .expect("the replica says its name");
            (served, replica)
        })
        .collect();
    let bases: Vec<String> = servers
        .iter()
        .map(|(served, _)| served.base.clone())
        .collect();

    // Each operator listens, and files its registers through any replica.
    for (index, (org, token)) in tokens.iter().enumerate() {
        let mut response = agent()
            .put(&format!("{}/api/v1/webhook", bases[index % 3]))
            .header("authorization", &format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(
                json!({"url": format!("http://127.0.0.1:{receiver_port}/hook/{org}"), "secret": "a-webhook-secret-123"})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "{}",
            response.body_mut().read_to_string().unwrap()
        );
        for r in 0..REGISTERS_EACH {
            let (status, body) = upload(
                &bases[(index + r) % 3],
                token,
                &format!("site-{r}"),
                &register(&org.to_uppercase(), "Northwind Relay Co., Ltd."),
            );
            assert_eq!(status, 202, "{body}");
        }
    }
    let wait_for = |what: &str, sql: &str, expected: &str| {
        for _ in 0..1200 {
            if query(sql)[0][0] == expected {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what}: {sql} never gave {expected}");
    };
    wait_for(
        "the uploads screened",
        "SELECT COUNT(*) FROM runs WHERE status = 'done'",
        &(OPERATORS * REGISTERS_EACH).to_string(),
    );

    // The list version that names the relays' vendor.
    let list = json!({"results": [{"id": "n1", "source": "1260H", "name": "Northwind Relay Co., Ltd.", "type": "Entity",
        "addresses": [{"address": "1 Road", "city": "Shenzhen", "country": "CN"}]}]});
    let response = agent()
        .post(&format!(
            "{}/api/v1/lists?file=csl.json&id=dod-1260h&version=2026-12-05",
            bases[1]
        ))
        .header("authorization", &format!("Bearer {platform}"))
        .send(list.to_string().as_bytes())
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let reason = "list dod-1260h@2026-12-05";
    // Kill the first replica while it holds a re-screening run.
    let (victim, victim_name) = &servers[0];
    wait_for(
        "the first replica holds a run",
        &format!(
            "SELECT CASE WHEN COUNT(*) > 0 THEN 'yes' ELSE 'no' END FROM runs WHERE status = 'running' AND lease_owner = '{victim_name}'"
        ),
        "yes",
    );
    let killed = Command::new("kill")
        .args(["-9", &victim.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for(
        "the re-screening finished on the two left",
        &format!("SELECT COUNT(*) FROM runs WHERE reason = '{reason}' AND status = 'done'"),
        &(OPERATORS * REGISTERS_EACH).to_string(),
    );

    // One current run per register, of the newest version and generation.
    let registers = query(&format!(
        "SELECT r.id, c.reason, c.status, \
         (SELECT COUNT(*) FROM runs x WHERE x.register_id = r.id AND x.reason = '{reason}') \
         FROM registers r JOIN runs c ON c.id = r.current_run ORDER BY r.id"
    ));
    assert_eq!(registers.len(), OPERATORS * REGISTERS_EACH);
    for row in &registers {
        assert_eq!(row[1..], [reason, "done", "1"], "register {}", row[0]);
    }
    // No run held by two replicas at once; the killed one's were taken over.
    let leases = query(
        "SELECT run_id, owner, claimed_at, expires_at, COALESCE(ended_at, ''), COALESCE(outcome, '') FROM run_leases ORDER BY run_id, claimed_at",
    );
    for pair in leases.windows(2) {
        if pair[0][0] == pair[1][0] {
            let held_until = if pair[0][4].is_empty() {
                &pair[0][3]
            } else {
                &pair[0][4]
            };
            assert!(
                pair[1][2] > *held_until,
                "run {} taken by {} at {} while {} held it until {held_until}",
                pair[0][0],
                pair[1][1],
                pair[1][2],
                pair[0][1]
            );
        }
    }
    let taken_over: Vec<&Vec<String>> = leases
        .iter()
        .filter(|lease| lease[1] == *victim_name && lease[5] == "expired")
        .collect();
    assert!(
        !taken_over.is_empty(),
        "the killed replica's run was taken over: {leases:?}"
    );
    assert!(
        leases.iter().all(|lease| !lease[5].is_empty()),
        "every lease ended (finished, failed or expired)"
    );

    // Each change event reached its organisation once, by idempotency key.
    wait_for(
        "every webhook sent",
        "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook' AND status <> 'sent'",
        "0",
    );
    let events = query(
        "SELECT org_id, COUNT(*) FROM outbox WHERE kind = 'webhook' GROUP BY org_id ORDER BY org_id",
    );
    let posts = posts.lock().unwrap().clone();
    let mut keys: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for (path, key, body) in &posts {
        let org = path.trim_start_matches("/hook/").to_owned();
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            payload["change"]["org_id"],
            org.as_str(),
            "delivered to its own organisation"
        );
        keys.entry(org).or_default().insert(key.clone());
    }
    for event in &events {
        assert_eq!(
            keys.get(&event[0]).map_or(0, |keys| keys.len()).to_string(),
            event[1],
            "{}: distinct events received vs made",
            event[0]
        );
    }
    let distinct: usize = keys.values().map(|keys| keys.len()).sum();
    eprintln!(
        "{} registers, {} leases, {} taken over from the killed replica, {} posts for {distinct} events",
        registers.len(),
        leases.len(),
        taken_over.len(),
        posts.len()
    );
    assert!(
        posts.len() - distinct <= 3,
        "repeats only for deliveries the killed replica held: {} posts, {distinct} events",
        posts.len()
    );
    drop(servers);
    let verify = on_database(data, &owner_url, &["audit", "verify"], "");
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

/// A server given vulnerability data (`advisories_dir`, written by `shinsa
/// vulns import`) reports an uploaded register's exposures as the CLI
/// does: the FortiGate on an exploited FortiOS, with KEV's due date.
#[test]
fn a_server_with_vulnerability_data_reports_exposures() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let (alice, _, _) = set_up(data);
    let shelf = data.join("advisories");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/vulns");
    let imported = common::shinsa(&[
        "vulns",
        "import",
        examples.to_str().unwrap(),
        "--advisories-dir",
        shelf.to_str().unwrap(),
    ]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let config = data.join("shinsa.toml");
    std::fs::write(
        &config,
        format!("advisories_dir = {:?}\n", shelf.to_str().unwrap()),
    )
    .unwrap();
    let (served, _) = serve_with(data, &["--config", config.to_str().unwrap()]);
    let register = json!({
        "operator": {"id": "op-a", "name": "A電力", "sector": "electricity", "country": "JP"},
        "parties": [{"id": "FTN", "name": "Fortinet, Inc.", "country": "US"}],
        "assets": [
            {"id": "FW-1", "name": "本店 ファイアウォール", "kind": "equipment", "category": "firewall",
             "critical": true, "manufacturer": "FTN", "supplier": "FTN", "model": "FortiGate 600F",
             "firmware": "FortiOS", "version": "7.0.8"},
            {"id": "FW-2", "name": "支店 ファイアウォール", "kind": "equipment", "category": "firewall",
             "critical": true, "manufacturer": "FTN", "supplier": "FTN", "model": "FortiGate 600F",
             "firmware": "FortiOS", "version": "7.0.9"}
        ]
    });
    let (status, accepted) = upload(&served.base, &alice, "main", &register);
    assert_eq!(status, 202, "{accepted}");
    settle(&served.base, &alice);
    let page = get(
        &served.base,
        &alice,
        "/api/v1/findings?per_page=500&evidence=true",
    );
    let items = page["items"].as_array().unwrap();
    let exposure = items
        .iter()
        .find(|item| item["key"] == "JP-ESPA-032@exposure:FW-1/CVE-2022-42475")
        .unwrap_or_else(|| panic!("no KEV exposure of FW-1: {page}"));
    let evidence = &exposure["body"]["evidence"][0];
    assert_eq!(evidence["kind"], "exposure");
    assert_eq!(evidence["kev_due"], "2023-01-03");
    assert_eq!(evidence["ransomware"], true);
    // 7.0.9 is the fixed version of that line: no exposure.
    assert!(
        items.iter().all(|item| !item["key"]
            .as_str()
            .unwrap()
            .contains("FW-2/CVE-2022-42475")),
        "{page}"
    );
}

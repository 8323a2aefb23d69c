//! The server over real HTTP on loopback, against a real SQLite file and a
//! real PostgreSQL database: tenancy and roles on every route, the upload →
//! screening → triage → list update → re-screening story, the signed
//! webhook, and the audit chain caught after a row is edited.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use shinsa_server::{AppState, Config};
use shinsa_store::*;
use sqlx::Executor as _;
use std::sync::Arc;
use std::time::Duration;

struct Server {
    base: String,
    store: Arc<SqlStore>,
    state: shinsa_server::Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A server whose webhooks may go to the tests' receivers on
    /// 127.0.0.1.
    async fn start(database: Option<String>) -> Server {
        Server::start_with(database, |config| {
            config.webhook_allow_hosts = vec!["127.0.0.1".into()];
        })
        .await
    }

    async fn start_with(database: Option<String>, configure: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = match database {
            Some(url) => url,
            None => format!("sqlite:{}", dir.path().join("shinsa.db").display()),
        };
        let store = Arc::new(SqlStore::open(&url).await.unwrap());
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            workers: 2,
            ..Config::default()
        };
        configure(&mut config);
        let state = AppState::new(store.clone(), config).unwrap();
        let shared = state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            shinsa_server::serve(state, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server {
            base,
            store,
            state: shared,
            stop: Some(stop),
            task,
            _dir: dir,
        }
    }

    async fn shut(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("graceful shutdown")
            .unwrap();
    }
}

/// One user per role and organisation, each with an API token.
struct People {
    tokens: std::collections::BTreeMap<&'static str, String>,
}

impl People {
    fn token(&self, who: &str) -> &str {
        self.tokens.get(who).unwrap_or_else(|| panic!("no {who}"))
    }
}

async fn people(store: &SqlStore) -> People {
    let system = Actor::system("test");
    for (id, kind, sectors) in [
        ("meti", OrgKind::Regulator, vec!["electricity"]),
        ("mic", OrgKind::Regulator, vec!["telecommunications"]),
        ("mhlw", OrgKind::Regulator, vec!["water"]),
        ("platform", OrgKind::Regulator, vec![]),
        ("op-a", OrgKind::Operator, vec!["electricity"]),
        ("op-b", OrgKind::Operator, vec!["electricity"]),
        ("op-c", OrgKind::Operator, vec!["telecommunications"]),
        ("op-w", OrgKind::Operator, vec!["water"]),
        ("op-e", OrgKind::Operator, vec!["energy"]),
    ] {
        store
            .create_organisation(
                &system,
                NewOrganisation {
                    id: id.into(),
                    name: format!("{id} org"),
                    kind,
                    sectors: sectors.into_iter().map(String::from).collect(),
                },
            )
            .await
            .unwrap();
    }
    let mut tokens = std::collections::BTreeMap::new();
    for (who, org, role) in [
        ("a-admin", "op-a", Role::OperatorAdmin),
        ("a-member", "op-a", Role::OperatorMember),
        ("a-auditor", "op-a", Role::Auditor),
        ("b-admin", "op-b", Role::OperatorAdmin),
        ("c-admin", "op-c", Role::OperatorAdmin),
        ("w-admin", "op-w", Role::OperatorAdmin),
        ("e-admin", "op-e", Role::OperatorAdmin),
        ("meti-reviewer", "meti", Role::RegulatorReviewer),
        ("meti-admin", "meti", Role::RegulatorAdmin),
        ("meti-auditor", "meti", Role::Auditor),
        ("mic-reviewer", "mic", Role::RegulatorReviewer),
        ("mhlw-admin", "mhlw", Role::RegulatorAdmin),
        ("platform-admin", "platform", Role::PlatformAdmin),
    ] {
        let user = store
            .create_user(
                &system,
                NewUser {
                    org_id: org.into(),
                    login: format!("{who}@example.jp"),
                    name: who.into(),
                    role,
                    password_hash: shinsa_server::auth::hash_password("a long password 1").unwrap(),
                },
            )
            .await
            .unwrap();
        let secret = format!("shinsa_test_{who}");
        store
            .create_token(
                &system,
                &user.id,
                NewToken {
                    name: "test",
                    secret_hash: &shinsa_server::auth::secret_hash(&secret),
                    expires_at: None,
                    scope: TokenScope::ReadWrite,
                },
            )
            .await
            .unwrap();
        tokens.insert(who, secret);
    }
    People { tokens }
}

/// A small register: a relay from a vendor that no bundled list names
/// (until a list update does), and a Hikvision camera.
fn register(operator: &str, sector: &str, relay_vendor: &str) -> Value {
    json!({
        "operator": {"id": operator, "name": format!("{operator} 株式会社"), "sector": sector, "country": "JP"},
        "parties": [{"id": "V1", "name": relay_vendor, "country": "CN"}],
        "assets": [
            {"id": "RLY-1", "name": "保護リレー 1", "kind": "equipment", "category": "protection relay",
             "critical": true, "manufacturer": "V1", "supplier": "V1", "country_of_manufacture": "CN"},
            {"id": "CAM-1", "name": "監視カメラ 1", "kind": "equipment", "category": "video_surveillance",
             "critical": false, "manufacturer": "Hikvision"}
        ]
    })
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client of `server` that shows redirects rather than following
    /// them (a test asserts where the server sends the browser).
    fn of(server: &Server) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        who: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = who {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, Some(who), path, None).await
    }
    async fn upload(&self, who: &str, name: &str, body: &Value) -> (StatusCode, Value) {
        self.upload_file(who, name, "application/json", body.to_string().into_bytes())
            .await
    }
    /// Uploads a register file; `name` may carry more of the query
    /// (`ems&critical=true`).
    async fn upload_file(
        &self,
        who: &str,
        name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/api/v1/registers?name={name}", self.base))
            .bearer_auth(who)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
    /// Publishes a DoD 1260H version (as the platform administrator
    /// `token`) that names Northwind, the relays' vendor; every register
    /// is re-screened. Returns what the server answered.
    async fn publish_northwind(&self, token: &str, version: &str) -> Value {
        let list = json!({"results": [{"id": "n1", "source": "1260H", "name": "Northwind Relay Co., Ltd.", "type": "Entity",
            "addresses": [{"address": "1 Road", "city": "Shenzhen", "country": "CN"}]}]});
        let response = self
            .http
            .post(format!(
                "{}/api/v1/lists?file=csl.json&id=dod-1260h&version={version}",
                self.base
            ))
            .bearer_auth(token)
            .body(list.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Waits until every run the caller sees is done.
    async fn settle(&self, who: &str) -> Vec<Value> {
        for _ in 0..300 {
            let (_, runs) = self.get(who, "/api/v1/runs?per_page=500").await;
            let runs = runs["items"].as_array().unwrap().clone();
            if runs
                .iter()
                .all(|run| run["status"] == "done" || run["status"] == "failed")
            {
                return runs;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("runs did not finish");
    }
    async fn keys(&self, who: &str, query: &str) -> Vec<String> {
        let (status, page) = self
            .get(who, &format!("/api/v1/findings?per_page=500{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["items"]
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
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

async fn the_story(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();

    // Nobody gets in without a valid token.
    let (status, problem) = client
        .call(reqwest::Method::GET, None, "/api/v1/findings", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["status"], 401);
    let (status, _) = client.get("shinsa_not_a_token", "/api/v1/findings").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Each operator uploads its register.
    let (status, a) = client
        .upload(
            &t("a-member"),
            "main",
            &register("OP-A", "electricity", "Northwind Relay Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{a}");
    let (status, b) = client
        .upload(
            &t("b-admin"),
            "main",
            &register("OP-B", "electricity", "Eastfield Switchgear Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{b}");
    let (status, c) = client
        .upload(
            &t("c-admin"),
            "core",
            &register("OP-C", "telecommunications", "Northwind Relay Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{c}");
    let a_register = a["register"]["id"].as_str().unwrap().to_owned();
    let c_register = c["register"]["id"].as_str().unwrap().to_owned();
    for who in ["a-admin", "b-admin", "c-admin"] {
        let runs = client.settle(&t(who)).await;
        assert!(runs.iter().all(|run| run["status"] == "done"), "{runs:?}");
    }

    // Bad input: every error with its JSON pointer; nothing stored.
    let mut bad = register("OP-A", "electricity", "X");
    bad["assets"][0]["critical"] = json!("maybe");
    let (status, problem) = client.upload(&t("a-admin"), "broken", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointed = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|error| error["pointer"] == "/assets/0/critical");
    assert_eq!(pointed.unwrap()["found"], "\"maybe\"", "{problem}");
    let (_, registers) = client.get(&t("a-admin"), "/api/v1/registers").await;
    assert_eq!(
        registers.as_array().unwrap().len(),
        1,
        "the bad upload left nothing"
    );

    // Operators see only their own; regulators only their sectors.
    let camera = "JP-ESPA-003@asset:CAM-1";
    let made_in = "JP-ESPA-004@asset:RLY-1";
    let of = |org: &str| [format!("{org}/{camera}"), format!("{org}/{made_in}")];
    assert_eq!(client.keys(&t("a-admin"), "").await, of("op-a"));
    assert_eq!(client.keys(&t("b-admin"), "").await, of("op-b"));
    assert_eq!(client.keys(&t("c-admin"), "").await, of("op-c"));
    assert_eq!(
        client.keys(&t("meti-reviewer"), "").await,
        [of("op-a"), of("op-b")].concat()
    );
    assert_eq!(client.keys(&t("mic-reviewer"), "").await, of("op-c"));
    assert_eq!(client.keys(&t("meti-auditor"), "").await.len(), 4);
    assert_eq!(
        client
            .keys(&t("meti-reviewer"), "&q=cam&severity=review")
            .await
            .len(),
        2
    );

    // Across tenants every object route answers 404, exactly like a missing object.
    let a_run = a["run"]["id"].as_str().unwrap();
    let finding = format!("/api/v1/registers/{a_register}/findings/{camera}");
    for (who, path) in [
        ("b-admin", format!("/api/v1/registers/{a_register}")),
        ("b-admin", format!("/api/v1/runs/{a_run}")),
        ("b-admin", finding.clone()),
        ("c-admin", finding.clone()),
        ("mic-reviewer", finding.clone()),
        ("mic-reviewer", format!("/api/v1/registers/{a_register}")),
        ("meti-reviewer", format!("/api/v1/registers/{c_register}")),
        ("a-admin", "/api/v1/registers/reg_no_such".into()),
    ] {
        let (status, body) = client.get(&t(who), &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}: {body}");
        assert_eq!(body["status"], 404);
    }
    let (status, body) = client.get(&t("meti-reviewer"), &finding).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["row"].is_null(), "the row is flattened");
    assert_eq!(body["key"], camera);
    let triage = json!({"status": "accepted_risk", "justification": "replaced at the spring outage", "expires_at": "2099-04-30"});
    let put = |who: &str| {
        let client = &client;
        let path = format!("{finding}/triage");
        let body = triage.clone();
        let token = t(who);
        async move {
            client
                .call(reqwest::Method::PUT, Some(&token), &path, Some(body))
                .await
        }
    };
    assert_eq!(put("b-admin").await.0, StatusCode::NOT_FOUND);
    let (status, _) = client
        .call(
            reqwest::Method::POST,
            Some(&t("b-admin")),
            &format!("/api/v1/registers/{a_register}/runs"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Roles: regulators and auditors read, they do not change an operator's data.
    for who in ["meti-reviewer", "meti-admin", "meti-auditor", "a-auditor"] {
        let (status, body) = put(who).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {body}");
        let (status, _) = client
            .upload(&t(who), "x", &register("X", "electricity", "X"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} uploading");
    }
    for who in ["a-admin", "meti-reviewer", "meti-auditor", "meti-admin"] {
        let (status, _) = client
            .call(
                reqwest::Method::POST,
                Some(&t(who)),
                "/api/v1/lists?file=csl.json",
                Some(json!({"results": []})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} publishing a list");
    }
    for who in ["a-member", "meti-reviewer", "b-admin"] {
        let (status, _) = client.get(&t(who), "/api/v1/audit/verify").await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{who} verifying the audit log"
        );
    }
    // Triage is validated, then kept.
    let (status, body) = client
        .call(
            reqwest::Method::PUT,
            Some(&t("a-member")),
            &format!("{finding}/triage"),
            Some(json!({"status": "accepted_risk", "justification": "ok"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("expires_at"));
    // A list page is a summary with an ETag; the same page asked again
    // with it is 304 until a triage (or a run) moves the findings.
    let list = |who: &str, query: &str, tag: Option<String>| {
        let request = client
            .http
            .get(format!("{}/api/v1/findings{query}", client.base))
            .bearer_auth(t(who));
        let request = match tag {
            Some(tag) => request.header("if-none-match", tag),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let tag = response.headers()["etag"].to_str().unwrap().to_owned();
            let text = response.text().await.unwrap();
            (status, tag, text)
        }
    };
    let (status, tag, page) = list("a-admin", "", None).await;
    assert_eq!(status, StatusCode::OK);
    let page: Value = serde_json::from_str(&page).unwrap();
    assert!(page["items"][0]["body"].is_null(), "a summary: {page}");
    assert!(page["items"][0]["title"].is_string());
    let (_, _, whole) = list("a-admin", "?evidence=true", None).await;
    let whole: Value = serde_json::from_str(&whole).unwrap();
    assert!(whole["items"][0]["body"].is_object(), "{whole}");
    let (status, same, body) = list("a-admin", "", Some(tag.clone())).await;
    assert_eq!(
        (status, same.as_str(), body.as_str()),
        (StatusCode::NOT_MODIFIED, tag.as_str(), "")
    );
    let (_, other, _) = list("b-admin", "", None).await;
    assert_ne!(other, tag, "another caller's page has its own tag");
    let (status, body) = put("a-member").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decided_by"], "user:a-member@example.jp");
    let (status, moved, _) = list("a-admin", "", Some(tag.clone())).await;
    assert_eq!(status, StatusCode::OK, "the triage moved the page");
    assert_ne!(moved, tag);

    // Nothing of another tenant leaks into any listing.
    for (who, hidden) in [
        ("a-admin", "op-b"),
        ("b-admin", "op-a"),
        ("c-admin", "op-a"),
        ("mic-reviewer", "op-a"),
        ("meti-reviewer", "op-c"),
    ] {
        for path in [
            "/api/v1/registers",
            "/api/v1/findings",
            "/api/v1/runs",
            "/api/v1/organisations",
            "/api/v1/tokens",
        ] {
            let (status, body) = client.get(&t(who), path).await;
            assert_eq!(status, StatusCode::OK, "{who} {path}");
            assert!(
                !body.to_string().contains(&format!("\"{hidden}")),
                "{who} sees {hidden} in {path}: {body}"
            );
        }
    }

    // A token made over the API works at once and stops at once when revoked.
    let (status, created) = client
        .call(
            reqwest::Method::POST,
            Some(&t("a-member")),
            "/api/v1/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(&secret, "/api/v1/me").await.1["user"]["login"],
        "a-member@example.jp"
    );
    let id = created["token"]["id"].as_str().unwrap();
    let (status, _) = client
        .call(
            reqwest::Method::DELETE,
            Some(&t("b-admin")),
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another organisation cannot revoke it"
    );
    let (status, _) = client
        .call(
            reqwest::Method::DELETE,
            Some(&secret),
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        client.get(&secret, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A webhook into the ministry's own network is refused, whatever the
    // spelling; the receiver's host is allowed by this server's config.
    for url in [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/",
        "https://[::1]/",
        "https://localhost/",
        "http://127.0.0.2:9/",
    ] {
        let (status, body) = client
            .call(
                reqwest::Method::PUT,
                Some(&t("a-admin")),
                "/api/v1/webhook",
                Some(json!({"url": url, "secret": "a-webhook-secret-123"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("public addresses"),
            "{body}"
        );
    }

    // op-a listens for changes.
    let (hook, hits) = webhook_receiver(0).await;
    let (status, body) = client
        .call(
            reqwest::Method::PUT,
            Some(&t("a-admin")),
            "/api/v1/webhook",
            Some(json!({"url": hook, "secret": "a-webhook-secret-123"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A list update (the regulator publishes a new DoD 1260H version that
    // names Northwind) re-screens every register and records what changed.
    let published = client
        .publish_northwind(&t("platform-admin"), "2026-11-27")
        .await;
    assert_eq!(published["published"][0]["list_id"], "dod-1260h");
    assert_eq!(published["runs_queued"], 3);
    let runs = client.settle(&t("meti-reviewer")).await;
    let rescreens: Vec<&Value> = runs
        .iter()
        .filter(|run| run["reason"] == "list dod-1260h@2026-11-27")
        .collect();
    assert_eq!(
        rescreens.len(),
        2,
        "both electricity operators were re-screened"
    );
    let a_rescreen = rescreens
        .iter()
        .find(|run| run["org_id"] == "op-a")
        .unwrap();
    assert_eq!(a_rescreen["new_findings"], 1, "{a_rescreen}");
    let b_rescreen = rescreens
        .iter()
        .find(|run| run["org_id"] == "op-b")
        .unwrap();
    assert_eq!(b_rescreen["new_findings"], 0);
    let relay = "JP-ESPA-002@asset:RLY-1";
    assert_eq!(
        client.keys(&t("meti-reviewer"), "&q=rly-1").await,
        [
            format!("op-a/{relay}"),
            format!("op-a/{made_in}"),
            format!("op-b/{made_in}")
        ]
    );
    client.settle(&t("mic-reviewer")).await; // op-c's run, in another sector
    assert_eq!(
        client.keys(&t("mic-reviewer"), "").await.len(),
        3,
        "op-c's relay too"
    );
    // The triage held through the re-screening.
    let (_, accepted) = client
        .get(&t("a-admin"), "/api/v1/findings?status=accepted_risk")
        .await;
    assert_eq!(accepted["total"], 1);
    assert_eq!(accepted["items"][0]["key"], camera);

    // The signed webhook arrived.
    for _ in 0..400 {
        if !hits.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (head, body, _) = hits.lock().unwrap().first().cloned().expect("a delivery");
    let signature = header(&head, "shinsa-signature");
    let timestamp: i64 = signature
        .strip_prefix("t=")
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        signature,
        shinsa_server::delivery::webhook_signature("a-webhook-secret-123", timestamp, &body)
    );
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["change"]["new"], json!([relay]));
    assert_eq!(payload["change"]["org_id"], "op-a");

    // A pack version without the rule for listed vendors outside critical
    // facilities: published, in force today, it re-screens every register
    // and the cameras' findings are resolved.
    let bundled = &shinsa_policy::BUNDLED[0];
    let manifest = bundled.file("pack.toml").unwrap().replace(
        "version = \"1.2.0\"",
        "version = \"1.3.0\"\nsectors = [\"electricity\"]",
    );
    let policies = bundled.file("policies.cedar").unwrap();
    let start = policies.find("@id(\"JP-ESPA-003\")").unwrap();
    let end = start + policies[start..].find("\n@id(").unwrap();
    let policies = format!("{}{}", &policies[..start], &policies[end + 1..]);
    let pack_zip = |manifest: &str| {
        let mut zipped = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut zipped);
        for (name, text) in [
            ("jp-espa/pack.toml", manifest),
            (
                "jp-espa/schema.cedarschema",
                bundled.file("schema.cedarschema").unwrap(),
            ),
            ("jp-espa/policies.cedar", policies.as_str()),
        ] {
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, text.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
        zipped
    };
    let zipped = pack_zip(&manifest);
    let publish = |who: String, body: Vec<u8>| {
        let client = &client;
        async move {
            let response = client
                .http
                .post(format!("{}/api/v1/packs", client.base))
                .bearer_auth(who)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        publish(t("meti-reviewer"), zipped.get_ref().clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A ministry publishes for the sectors it oversees, not for others',
    // nor for every sector at once.
    let (status, body) = publish(t("mhlw-admin"), zipped.get_ref().clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("covers electricity, which mhlw org does not oversee"),
        "{body}"
    );
    let everywhere = pack_zip(&manifest.replace("sectors = [\"electricity\"]\n", ""));
    let (status, body) = publish(t("meti-admin"), everywhere.get_ref().clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("every sector"),
        "{body}"
    );
    let (status, body) = publish(t("meti-admin"), zipped.get_ref().clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["sectors"], json!(["electricity"]), "{body}");
    assert_eq!(
        (body["version"].as_str(), body["rules"].as_u64()),
        (Some("1.3.0"), Some(30))
    );
    let runs = client.settle(&t("meti-reviewer")).await;
    let by_pack: Vec<&Value> = runs
        .iter()
        .filter(|run| run["reason"] == "pack jp-espa@1.3.0")
        .collect();
    assert_eq!(by_pack.len(), 2);
    assert!(
        by_pack.iter().all(|run| run["resolved_findings"] == 1),
        "{by_pack:?}"
    );
    assert!(by_pack.iter().all(|run| {
        run["provenance"]["policy"]
            .as_str()
            .unwrap()
            .starts_with("jp-espa@1.3.0")
    }));
    // The telecommunications operator's register is screened again too, by
    // the version in force for its sector: still the bundled one.
    let telecom = client.settle(&t("c-admin")).await;
    let telecom_run = telecom
        .iter()
        .find(|run| run["reason"] == "pack jp-espa@1.3.0")
        .expect("op-c's register was screened again");
    assert!(
        telecom_run["provenance"]["policy"]
            .as_str()
            .unwrap()
            .starts_with("jp-espa@1.2.0"),
        "{telecom_run}"
    );
    assert!(
        !client
            .keys(&t("meti-reviewer"), "")
            .await
            .iter()
            .any(|key| key.contains(camera))
    );
    let (_, packs) = client.get(&t("a-admin"), "/api/v1/packs").await;
    assert!(
        packs.as_array().unwrap().iter().any(
            |p| p["version"] == "1.3.0" && p["source"].as_str().unwrap().contains("meti-admin")
        )
    );
    // The same version with other content is refused; a broken pack too.
    let (status, _) = publish(t("meti-admin"), {
        let mut other = zipped.get_ref().clone();
        let at = other.len() / 2;
        other[at] ^= 1;
        other
    })
    .await;
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT,
        "{status}"
    );
    let (status, problem) = publish(t("meti-admin"), b"not a zip".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // The audit chain holds, until someone edits a row behind the server's back.
    let (status, reports) = client.get(&t("meti-admin"), "/api/v1/audit/verify").await;
    assert_eq!(status, StatusCode::OK);
    let chains: Vec<&str> = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|report| report["chain"].as_str().unwrap())
        .collect();
    assert_eq!(
        chains,
        ["meti", "op-a", "op-b"],
        "a ministry verifies its own chain and its sectors' operators'"
    );
    // An operator's auditor sees its own chain only, not the ministry's nor
    // another operator's, even when it names them.
    let (status, own) = client.get(&t("a-auditor"), "/api/v1/audit/verify").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["total"], 1, "{own}");
    assert_eq!(own["items"][0]["chain"], "op-a", "{own}");
    let (_, other) = client
        .get(&t("a-auditor"), "/api/v1/audit/verify?chain=meti")
        .await;
    assert_eq!(other["items"], json!([]), "{other}");
    let (_, other) = client
        .get(&t("a-auditor"), "/api/v1/audit?chain=op-b")
        .await;
    assert_eq!(other["total"], 0, "{other}");
    let (status, _) = client
        .get(&t("a-auditor"), "/api/v1/audit?page=9223372036854775807")
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "page arithmetic is checked"
    );
    assert!(
        reports["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["first_broken"].is_null()),
        "{reports}"
    );
    let (status, events) = client.get(&t("a-auditor"), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|event| event["chain"] == "op-a")
    );
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["action"] == "finding.triage")
    );
    let pool = server.store.pool();
    match server.store.backend() {
        Backend::Sqlite => pool
            .execute("DROP TRIGGER audit_events_no_update")
            .await
            .unwrap(),
        Backend::Postgres => pool
            .execute("DROP TRIGGER audit_events_no_update ON audit_events")
            .await
            .unwrap(),
    };
    // As whoever owns the tables would: naming the server as the tenant,
    // which row-level security lets through on PostgreSQL.
    let mut tx = pool.begin().await.unwrap();
    if server.store.backend() == Backend::Postgres {
        tx.execute("SELECT set_config('shinsa.tenant_kind', 'system', true)")
            .await
            .unwrap();
    }
    tx.execute("UPDATE audit_events SET actor = 'user:nobody' WHERE chain = 'op-a' AND action = 'finding.triage'")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, reports) = client.get(&t("meti-auditor"), "/api/v1/audit/verify").await;
    let op_a = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["chain"] == "op-a")
        .unwrap();
    assert!(
        op_a["problem"].as_str().unwrap().contains("was altered"),
        "{op_a}"
    );

    // A bare CycloneDX BOM is a register of the one system it describes.
    let bom = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/minato-electric/ems-core.cdx.json"
    ))
    .unwrap();
    let (status, ems) = client
        .upload_file(
            &t("c-admin"),
            "ems&critical=true",
            "application/vnd.cyclonedx+json",
            bom,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{ems}");
    assert_eq!(ems["register"]["format"], "bom");
    client.settle(&t("c-admin")).await;
    let (_, bom_findings) = client
        .get(
            &t("c-admin"),
            &format!(
                "/api/v1/findings?register={}",
                ems["register"]["id"].as_str().unwrap()
            ),
        )
        .await;
    let subjects: Vec<&str> = bom_findings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject_id"].as_str().unwrap())
        .collect();
    assert!(
        !subjects.is_empty() && subjects.iter().all(|id| id.starts_with("A-EMS-01")),
        "{bom_findings}"
    );
    // A CycloneDX XML BOM sent as text/xml is told by its content; one
    // that is cut short is refused with its line and column.
    let xml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shinsa/tests/fixtures/boms/gateway.cdx.xml"
    ))
    .unwrap();
    let (status, gateway) = client
        .upload_file(&t("c-admin"), "gateway", "text/xml", xml.clone())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{gateway}");
    assert_eq!(gateway["register"]["format"], "bom");
    let (status, cut) = client
        .upload_file(
            &t("c-admin"),
            "cut",
            "text/xml",
            xml[..xml.len() / 2].to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{cut}");
    assert_eq!(
        (
            cut["errors"][0]["at"].as_str(),
            cut["errors"][0]["line"].as_u64()
        ),
        (Some("cut.bom:24:62"), Some(24)),
        "{cut}"
    );

    // Health, metrics and the OpenAPI document need no sign-in.
    let (status, health) = client
        .call(reqwest::Method::GET, None, "/health", None)
        .await;
    assert_eq!(
        (status, health["database"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    // Each event op-a's receiver takes (the list's, then the pack's) is
    // delivered at the first attempt.
    let mut metrics = String::new();
    for _ in 0..200 {
        let (_, text) = client
            .call(reqwest::Method::GET, None, "/metrics", None)
            .await;
        metrics = text.as_str().unwrap().to_owned();
        if metrics.contains("shinsa_deliveries_sent_total 2") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(metrics.contains("shinsa_runs_done_total 10"), "{metrics}");
    assert!(
        metrics.contains("shinsa_deliveries_sent_total 2")
            && metrics.contains("shinsa_deliveries_failed_total 0"),
        "{metrics}"
    );
    assert_eq!(hits.lock().unwrap().len(), 2, "each event posted once");
    server.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_story_on_sqlite() {
    the_story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_story_on_postgres() {
    the_story(Some(shinsa_store::testing::fresh_postgres().await)).await;
}

impl Client {
    async fn send(
        &self,
        who: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.call(method, Some(who), path, Some(body)).await
    }
    async fn step(
        &self,
        who: &str,
        plan: &Value,
        action: &str,
        extra: Value,
    ) -> (StatusCode, Value) {
        let mut body = json!({"revision": plan["revision"], "action": action});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let id = plan["id"].as_str().unwrap();
        self.send(
            who,
            reqwest::Method::POST,
            &format!("/api/v1/plans/{id}/steps"),
            body,
        )
        .await
    }
}

/// An installation plan from draft to clearance over the API, then back
/// to review when a list update names its supplier.
async fn the_plan_story(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();
    let (status, uploaded) = client
        .upload(
            &t("a-admin"),
            "main",
            &register("OP-A", "electricity", "Northwind Relay Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{uploaded}");
    client.settle(&t("a-admin")).await;
    let register_id = uploaded["register"]["id"].as_str().unwrap();

    // The register's screening as documents and tables.
    let download = |who: String, path: String| {
        let request = client
            .http
            .get(format!("{}{path}", client.base))
            .bearer_auth(who);
        async move {
            let response = request.send().await.unwrap();
            let kind = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (
                response.status(),
                kind,
                response.bytes().await.unwrap().to_vec(),
            )
        }
    };
    let (status, kind, csv) = download(
        t("meti-reviewer"),
        format!("/api/v1/registers/{register_id}/findings/export/findings.csv"),
    )
    .await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::OK, "text/csv; charset=utf-8")
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("\u{feff}register,key,severity,rule,"),
        "{csv}"
    );
    assert!(
        csv.contains("main,JP-ESPA-004@asset:RLY-1,review,JP-ESPA-004,asset,RLY-1,保護リレー 1,"),
        "{csv}"
    );
    let (_, _, xlsx) = download(
        t("a-admin"),
        format!("/api/v1/registers/{register_id}/findings/export/findings.xlsx"),
    )
    .await;
    assert!(xlsx.starts_with(b"PK"));
    let (status, _, _) = download(
        t("b-admin"),
        format!("/api/v1/registers/{register_id}/findings/export/findings.csv"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another operator's register");
    let (status, kind, pdf) = download(
        t("a-admin"),
        format!("/api/v1/registers/{register_id}/report/report.pdf"),
    )
    .await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-1.") && String::from_utf8_lossy(&pdf).contains("pdfaid:part"));
    let (_, _, html) = download(
        t("a-admin"),
        format!("/api/v1/registers/{register_id}/report/report.html?lang=en"),
    )
    .await;
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("<h1>Supply-chain screening report</h1>") && html.contains("<figure><svg"),
        "{html}"
    );
    assert!(
        html.contains("JP-ESPA-004@asset:RLY-1")
            && html.contains("country of manufacture: CN [foreign-adversary]"),
        "every finding's evidence: {html}"
    );

    // A draft from the register: the critical relay, and what is missing.
    let (status, draft) = client
        .send(
            &t("a-admin"),
            reqwest::Method::POST,
            "/api/v1/plans",
            json!({"title": "保護リレー更新", "register_id": register_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["body"]["items"][0]["asset"], "RLY-1");
    assert_eq!(
        draft["body"]["items"][0]["supplier"]["name"],
        "Northwind Relay Co., Ltd."
    );
    let pointers: Vec<&str> = draft["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gap| gap["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            "/measures",
            "/items/0/timing",
            "/items/0/supplier/major_holders",
            "/items/0/supplier/officers",
            "/items/0/supplier/foreign_government_ties"
        ]
    );
    let id = draft["id"].as_str().unwrap().to_owned();
    let plan_path = format!("/api/v1/plans/{id}");
    // A draft is the operator's alone.
    let (_, listed) = client.get(&t("meti-reviewer"), "/api/v1/plans").await;
    assert_eq!(listed, json!([]));
    assert_eq!(
        client.get(&t("b-admin"), &plan_path).await.0,
        StatusCode::NOT_FOUND
    );
    // Filing an incomplete plan names every gap.
    let (status, problem) = client.step(&t("a-admin"), &draft, "file", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 5);
    assert_eq!(problem["errors"][0]["message_ja"], "リスク管理措置");

    let mut body = draft["body"].clone();
    body["measures"] = json!(["設定変更は国内の保守員のみが行う"]);
    body["items"][0]["timing"] = json!("2027-04-01");
    body["items"][0]["supplier"]["major_holders"] = json!([]);
    body["items"][0]["supplier"]["officers"] =
        json!([{"name": "王 偉", "date_of_birth": "1968-02-03", "nationality": "CN"}]);
    body["items"][0]["supplier"]["foreign_government_ties"] = json!("none");
    let (status, complete) = client
        .send(
            &t("a-admin"),
            reqwest::Method::PUT,
            &plan_path,
            json!({"revision": draft["revision"], "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{complete}");
    assert_eq!(complete["gaps"], json!([]));
    let (status, _) = client
        .send(
            &t("a-admin"),
            reqwest::Method::PUT,
            &plan_path,
            json!({"revision": draft["revision"], "body": body}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a change on an old revision is refused"
    );
    let (status, filed) = client
        .step(&t("a-admin"), &complete, "file", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(
        (filed["status"].as_str(), filed["days_left"].as_i64()),
        (Some("filed"), None)
    );

    // The ministry of the sector sees it, with the officers' details; its
    // auditor without them; another ministry not at all.
    let (_, listed) = client.get(&t("meti-reviewer"), "/api/v1/plans").await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(
        listed[0]["body"]["items"][0]["supplier"]["officers"][0]["date_of_birth"],
        "1968-02-03"
    );
    let (_, audited) = client.get(&t("meti-auditor"), &plan_path).await;
    assert_eq!(
        audited["body"]["items"][0]["supplier"]["officers"][0]["name"],
        "王 偉"
    );
    assert_eq!(
        audited["body"]["items"][0]["supplier"]["officers"][0]["date_of_birth"],
        Value::Null
    );
    assert_eq!(
        client.get(&t("mic-reviewer"), &plan_path).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, history) = client
        .get(&t("meti-reviewer"), &format!("{plan_path}/history"))
        .await;
    let snapshot = &history["history"].as_array().unwrap().last().unwrap()["snapshot"];
    assert!(
        snapshot["provenance"]["lists"].is_array() || snapshot["provenance"]["lists"].is_object(),
        "{snapshot}"
    );
    let frozen: Vec<&str> = snapshot["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        frozen.iter().all(|id| !id.contains("dod-1260h")),
        "{frozen:?}"
    );

    // The operator attaches the supplier's declaration to the filed plan
    // (an amendment the ministry is told of); the ministry downloads it,
    // another ministry and another operator cannot.
    let declaration = b"%PDF-1.7\n% supplier declaration\n%%EOF\n".to_vec();
    let attach = |who: &str, plan: &Value, bytes: Vec<u8>| {
        let request = client
            .http
            .post(format!(
                "{}{plan_path}/attachments?revision={}&name=%E7%94%B3%E5%91%8A%E6%9B%B8.pdf",
                client.base, plan["revision"]
            ))
            .bearer_auth(t(who))
            .body(bytes);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, _) = attach("meti-reviewer", &filed, declaration.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the ministry does not amend");
    let (status, refused) = attach("a-admin", &filed, b"MZ\x90\x00 not a document".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
    let (status, attached) = attach("a-admin", &filed, declaration.clone()).await;
    assert_eq!(status, StatusCode::OK, "{attached}");
    assert_eq!(attached["status"], "filed");
    let file = &attached["body"]["attachments"][0];
    assert_eq!(file["name"], "申告書.pdf");
    let attachment = format!(
        "{plan_path}/attachments/{}",
        file["sha256"].as_str().unwrap()
    );
    for (who, expected) in [
        ("meti-reviewer", StatusCode::OK),
        ("mic-reviewer", StatusCode::NOT_FOUND),
        ("b-admin", StatusCode::NOT_FOUND),
    ] {
        let response = client
            .http
            .get(format!("{}{attachment}", client.base))
            .bearer_auth(t(who))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{who}");
        if expected == StatusCode::OK {
            assert!(
                response.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains("filename*=UTF-8''%E7%94%B3%E5%91%8A%E6%9B%B8.pdf")
            );
            assert_eq!(response.bytes().await.unwrap().to_vec(), declaration);
        }
    }
    let (_, audit) = client.get(&t("a-admin"), "/api/v1/audit?chain=op-a").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["action"] == "plan.amend"
                && event["detail"]["file_sha256"] == file["sha256"]),
        "the file's hash is on the chain with the amendment"
    );
    let filed = attached;

    // Receipt starts the clock; only the ministry may receive.
    assert_eq!(
        client
            .step(&t("a-admin"), &filed, "receive", json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap())
        .date();
    let (status, received) = client
        .step(
            &t("meti-reviewer"),
            &filed,
            "receive",
            json!({"on": today.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{received}");
    let rules = Config::default().review.rules().unwrap();
    let due = rules.clock.review_due(today);
    assert_eq!(received["due_on"], due.to_string().as_str());
    assert_eq!(received["days_left"], (due - today).whole_days());
    assert_eq!(
        received["latest_extension"],
        rules.clock.latest_extension(today).to_string().as_str()
    );
    let (status, problem) = client
        .step(
            &t("meti-reviewer"),
            &received,
            "set_due",
            json!({"until": rules.clock.latest_extension(today).next_day().unwrap().to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // Reminders of the clock go to the reviewers once per threshold
    // (7, 3, 1, 0 days left, then once overdue), whenever the server looks.
    let remind = |day: time::Date| shinsa_server::plans::send_reminders(&server.state, day);
    assert_eq!(
        remind(due - time::Duration::days(20)).await.unwrap(),
        0,
        "not yet"
    );
    assert_eq!(
        remind(due - time::Duration::days(5)).await.unwrap(),
        1,
        "the 7-day reminder, late"
    );
    assert_eq!(
        remind(due - time::Duration::days(4)).await.unwrap(),
        0,
        "sent once"
    );
    assert_eq!(remind(due - time::Duration::days(2)).await.unwrap(), 1);
    assert_eq!(
        remind(due + time::Duration::days(1)).await.unwrap(),
        1,
        "overdue"
    );
    assert_eq!(remind(due + time::Duration::days(2)).await.unwrap(), 0);
    let reminded: Vec<Value> = server
        .store
        .outbox(&Tenant::System, None)
        .await
        .unwrap()
        .into_iter()
        .rev() // oldest first
        .filter(|message| message.kind == "mail" && message.target == "meti-reviewer@example.jp")
        .map(|message| serde_json::from_str::<Value>(&message.payload).unwrap())
        .filter(|payload| payload["event"] == "plan.reminder")
        .collect();
    let days: Vec<i64> = reminded
        .iter()
        .map(|payload| payload["days_left"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [5, 2, -1]);
    assert_eq!(reminded[0]["due_on"], due.to_string().as_str());

    // Information, a recommendation, its acceptance, clearance.
    assert_eq!(
        client
            .step(
                &t("meti-reviewer"),
                &received,
                "request_information",
                json!({})
            )
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a request says what it asks"
    );
    let (_, asked) = client
        .step(
            &t("meti-reviewer"),
            &received,
            "request_information",
            json!({"note": "保守拠点の所在地を示してください"}),
        )
        .await;
    assert_eq!(asked["status"], "information_requested");
    let (_, answered) = client
        .step(
            &t("a-admin"),
            &asked,
            "answer",
            json!({"note": "大阪の国内拠点のみ"}),
        )
        .await;
    assert_eq!(answered["status"], "under_review");
    let (_, recommended) = client
        .step(
            &t("meti-reviewer"),
            &answered,
            "recommend",
            json!({"note": "遠隔保守を無効化すること"}),
        )
        .await;
    assert_eq!(recommended["status"], "recommended");
    assert!(recommended["response_due_on"].is_string());
    let (status, problem) = client
        .step(
            &t("meti-reviewer"),
            &recommended,
            "order",
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the operator still has time to answer: {problem}"
    );
    let (_, accepted) = client
        .step(&t("a-admin"), &recommended, "accept", json!({}))
        .await;
    assert_eq!(accepted["status"], "recommendation_accepted");
    let (status, cleared) = client
        .step(&t("meti-reviewer"), &accepted, "clear", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(
        (cleared["status"].as_str(), cleared["may_install"].as_bool()),
        (Some("cleared"), Some(true))
    );

    // The filing document: PDF/A with its fonts; HTML with the officers'
    // data for the ministry and without it for an auditor.
    let response = client
        .http
        .get(format!("{}{plan_path}/filing.pdf", client.base))
        .bearer_auth(t("meti-reviewer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.") && String::from_utf8_lossy(&pdf).contains("pdfaid:part"));
    let html = |who: String| {
        let request = client
            .http
            .get(format!("{}{plan_path}/filing.html", client.base))
            .bearer_auth(who);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let reviewed = html(t("meti-reviewer")).await;
    assert!(
        reviewed.contains("特定重要設備の導入等に関する計画書") && reviewed.contains("経済産業省"),
        "{reviewed}"
    );
    assert!(reviewed.contains("1968年2月3日"), "{reviewed}");
    assert!(
        reviewed.contains("添付書類") && reviewed.contains("申告書.pdf（"),
        "the attachment is listed with its hash: {reviewed}"
    );
    assert!(
        reviewed.contains(&format!("{id}（第3版）")),
        "drafted, amended once, and a file attached: {reviewed}"
    );
    assert!(
        reviewed.contains("審査終了（導入等可）"),
        "the status as of printing"
    );
    assert!(!html(t("meti-auditor")).await.contains("1968年2月3日"));

    let (_, _, inbox) = download(t("meti-reviewer"), "/api/v1/plans/export/plans.csv".into()).await;
    let inbox = String::from_utf8(inbox).unwrap();
    assert!(
        inbox.contains(&format!(
            "{id},保護リレー更新,op-a org,electricity,cleared,"
        )),
        "{inbox}"
    );

    // Each side heard of the other's steps.
    let mails: Vec<(String, String)> = server
        .store
        .outbox(&Tenant::System, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|message| message.kind == "mail")
        .map(|message| {
            (
                message.target,
                serde_json::from_str::<Value>(&message.payload).unwrap()["event"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .filter(|(_, event)| event.starts_with("plan."))
        .collect();
    for expected in [
        ("meti-reviewer@example.jp", "plan.file"),
        ("a-admin@example.jp", "plan.receive"),
        ("a-admin@example.jp", "plan.recommend"),
        ("meti-reviewer@example.jp", "plan.accept"),
        ("a-admin@example.jp", "plan.clear"),
    ] {
        assert!(
            mails
                .iter()
                .any(|(to, event)| (to.as_str(), event.as_str()) == expected),
            "{expected:?} in {mails:?}"
        );
    }
    assert!(
        !mails.iter().any(|(to, _)| to.starts_with("mic-")),
        "{mails:?}"
    );

    // A list update naming the supplier sends the cleared plan back.
    client
        .publish_northwind(&t("platform-admin"), "2026-11-27")
        .await;
    client.settle(&t("a-admin")).await;
    let mut status = String::new();
    for _ in 0..200 {
        let (_, plan) = client.get(&t("meti-reviewer"), &plan_path).await;
        status = plan["status"].as_str().unwrap_or_default().to_owned();
        if status == "re_review" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "re_review");
    let (_, history) = client
        .get(&t("meti-reviewer"), &format!("{plan_path}/history"))
        .await;
    let last = history["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str()),
        (Some("re_review"), Some("system:re-review"))
    );
    assert!(
        last["note"].as_str().unwrap().contains("dod-1260h"),
        "{last}"
    );
    let actions: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "file",
            "amend",
            "receive",
            "request_information",
            "answer",
            "recommend",
            "accept",
            "clear",
            "re_review"
        ],
        "the ministry's history starts at the filing (the attachment amended it)"
    );
    let (_, report) = client.get(&t("meti-admin"), "/api/v1/audit/verify").await;
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|chain| chain["first_broken"].is_null()),
        "{report}"
    );
    server.shut().await;
}

/// The officers a plan names are screened as people against the lists the
/// server holds — here the Ministry of Finance's own asset-freeze
/// workbook — with the date of birth telling a listed person from a
/// namesake; what is found is frozen with the filing and shown only to
/// those who may see the officers' personal data.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn officers_on_a_list_are_frozen_with_the_filing() {
    let server = Server::start(None).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();
    let workbook = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shinsa-ingest/tests/fixtures/lists/jp/shisantouketsu20260305.xlsx"),
    )
    .unwrap();
    let response = client
        .http
        .post(format!(
            "{}/api/v1/lists?file=shisantouketsu20260305.xlsx",
            client.base
        ))
        .bearer_auth(t("platform-admin"))
        .body(workbook)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let (status, uploaded) = client
        .upload(
            &t("a-admin"),
            "main",
            &register("OP-A", "electricity", "Northwind Relay Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{uploaded}");
    client.settle(&t("a-admin")).await;
    let register_id = uploaded["register"]["id"].as_str().unwrap();
    let (status, draft) = client
        .send(
            &t("a-admin"),
            reqwest::Method::POST,
            "/api/v1/plans",
            json!({"title": "保護リレー更新", "register_id": register_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let plan_path = format!("/api/v1/plans/{}", draft["id"].as_str().unwrap());
    let mut body = draft["body"].clone();
    body["measures"] = json!(["設定変更は国内の保守員のみが行う"]);
    body["items"][0]["timing"] = json!("2027-04-01");
    body["items"][0]["supplier"]["major_holders"] = json!([]);
    body["items"][0]["supplier"]["foreign_government_ties"] = json!("none");
    // The list gives Vladimir Putin's date of birth as 1952-10-07; the
    // second officer is a namesake born on another day.
    body["items"][0]["supplier"]["officers"] = json!([
        {"name": "王 偉", "date_of_birth": "1968-02-03", "nationality": "CN"},
        {"name": "Vladimir Putin", "date_of_birth": "1952-10-07", "nationality": "RU"},
        {"name": "Vladimir Putin", "date_of_birth": "1984-05-05", "nationality": "RU"}
    ]);
    let (status, complete) = client
        .send(
            &t("a-admin"),
            reqwest::Method::PUT,
            &plan_path,
            json!({"revision": draft["revision"], "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{complete}");
    let (status, filed) = client
        .step(&t("a-admin"), &complete, "file", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{filed}");

    let frozen = |who: String| {
        let path = format!("{plan_path}/history");
        let client = &client;
        async move {
            let (_, history) = client.get(&who, &path).await;
            history["history"].as_array().unwrap().last().unwrap()["snapshot"].clone()
        }
    };
    let snapshot = frozen(t("meti-reviewer")).await;
    let hits = snapshot["people"].as_array().unwrap();
    assert_eq!(
        hits.len(),
        1,
        "the namesake is not the listed person: {hits:?}"
    );
    assert_eq!(hits[0]["pointer"], "/items/0/supplier/officers/1");
    assert_eq!(hits[0]["role"], "officer");
    assert_eq!(hits[0]["entry"], "jp-mof/29-1");
    let why = hits[0]["explanation"].to_string();
    assert!(why.contains("date of birth 1952-10-07 as listed"), "{why}");
    // The operator sees it too; the ministry's auditor learns only that
    // something is withheld.
    assert_eq!(frozen(t("a-admin")).await["people"], snapshot["people"]);
    let audited = frozen(t("meti-auditor")).await;
    assert!(audited.get("people").is_none(), "{audited}");
    assert_eq!(audited["people_withheld"], 1);
    server.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_plan_story_on_sqlite() {
    the_plan_story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_plan_story_on_postgres() {
    the_plan_story(Some(shinsa_store::testing::fresh_postgres().await)).await;
}

/// A ministry's case against an operator, with a remediation milestone
/// whose progress is read from the operator's next register version.
async fn the_case_story(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();
    let fleet = |made_in: &[&str]| {
        let mut document = register("OP-A", "electricity", "Northwind Relay Co., Ltd.");
        for (index, country) in made_in.iter().enumerate() {
            document["assets"].as_array_mut().unwrap().push(json!({
                "id": format!("DRN-{index}"), "name": "点検ドローン", "kind": "equipment", "category": "drone",
                "critical": false, "manufacturer": if *country == "CN" { "SZ DJI Technology Co., Ltd." } else { "ACSL Ltd." },
                "country_of_manufacture": country}));
        }
        document
    };
    let (status, uploaded) = client
        .upload(&t("a-admin"), "main", &fleet(&["CN", "CN", "JP"]))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{uploaded}");
    let register_id = uploaded["register"]["id"].as_str().unwrap().to_owned();
    let opening = json!({"org_id": "op-a", "register_id": register_id, "kind": "report_demand",
                         "title": "点検ドローンの調達先について", "due_on": "2027-03-31",
                         "note": "外国製ドローンの台数と置換計画を報告してください"});
    assert_eq!(
        client
            .send(
                &t("a-member"),
                reqwest::Method::POST,
                "/api/v1/cases",
                opening.clone()
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        client
            .send(
                &t("mic-reviewer"),
                reqwest::Method::POST,
                "/api/v1/cases",
                opening.clone()
            )
            .await
            .0,
        StatusCode::NOT_FOUND,
        "another ministry cannot open a case against this operator"
    );
    let (status, opened) = client
        .send(
            &t("meti-reviewer"),
            reqwest::Method::POST,
            "/api/v1/cases",
            opening,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    assert_eq!(
        (opened["kind_label_ja"].as_str(), opened["status"].as_str()),
        (Some("報告徴収"), Some("open"))
    );
    let path = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    assert_eq!(
        client.get(&t("b-admin"), &path).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, listed) = client.get(&t("a-admin"), "/api/v1/cases").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let (status, with_milestone) = client.send(&t("meti-reviewer"), reqwest::Method::POST, &path, json!({
        "change": "milestone", "revision": opened["revision"], "title": "外国製の点検ドローンを置き換える",
        "due": "2027-03-31", "selector": {"category": "drone", "not_made_in": "JP"}})).await;
    assert_eq!(status, StatusCode::OK, "{with_milestone}");
    assert_eq!(with_milestone["milestones"][0]["milestone"]["baseline"], 2);
    let (status, _) = client
        .send(
            &t("a-admin"),
            reqwest::Method::POST,
            &path,
            json!({
        "change": "document", "revision": opened["revision"], "title": "stale"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a change on an old revision is refused"
    );
    let (status, reported) = client
        .send(
            &t("a-admin"),
            reqwest::Method::POST,
            &path,
            json!({
        "change": "document", "revision": with_milestone["revision"], "title": "報告書",
        "note": "2台を2027年3月までに国産機へ置換"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reported}");

    // The report's file: read by its bytes (a page named .pdf is refused),
    // kept by its SHA-256 (on the audit record), downloaded by both sides
    // of the case as an attachment and by nobody else.
    let case_id = opened["id"].as_str().unwrap();
    let post_file = |who: &str, revision: &Value, name: &str, bytes: Vec<u8>| {
        let request = client
            .http
            .post(format!(
                "{}/api/v1/cases/{case_id}/documents?revision={revision}&title=%E5%A0%B1%E5%91%8A%E6%9B%B8&name={name}",
                client.base
            ))
            .bearer_auth(t(who))
            .body(bytes);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, refused) = post_file(
        "a-admin",
        &reported["revision"],
        "report.pdf",
        b"<html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{refused}");
    let report_pdf = b"%PDF-1.4\n% the operator's report\ntrailer <<>>\n%%EOF\n".to_vec();
    let (status, filed) = post_file(
        "a-admin",
        &reported["revision"],
        "report.pdf",
        report_pdf.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let documents = filed["body"]["documents"].as_array().unwrap();
    let attached = &documents.last().unwrap()["file"];
    let sha256 = attached["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha256.len(), 64);
    assert_eq!(
        (
            attached["name"].as_str(),
            attached["media_type"].as_str(),
            attached["size"].as_u64()
        ),
        (
            Some("report.pdf"),
            Some("application/pdf"),
            Some(report_pdf.len() as u64)
        )
    );
    for (who, expected) in [
        ("meti-reviewer", StatusCode::OK),
        ("a-member", StatusCode::OK),
        ("b-admin", StatusCode::NOT_FOUND),
        ("mic-reviewer", StatusCode::NOT_FOUND),
    ] {
        let response = client
            .http
            .get(format!(
                "{}/api/v1/cases/{case_id}/documents/{sha256}",
                client.base
            ))
            .bearer_auth(t(who))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{who}");
        if expected == StatusCode::OK {
            assert_eq!(response.headers()["content-type"], "application/pdf");
            assert!(
                response.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment; filename=\"report.pdf\""),
            );
            assert_eq!(response.bytes().await.unwrap().to_vec(), report_pdf);
        }
    }
    let (status, _) = client
        .get(
            &t("a-admin"),
            &format!("/api/v1/cases/{case_id}/documents/{}", "0".repeat(64)),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a hash the case does not name"
    );
    let (_, audit) = client.get(&t("a-admin"), "/api/v1/audit?chain=op-a").await;
    assert!(
        audit.to_string().contains(&sha256),
        "the file's hash is on the chain"
    );

    // The operator replaces one drone: the register says so.
    let (status, _) = client
        .upload(&t("a-admin"), "main", &fleet(&["CN", "JP", "JP"]))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, progressed) = client.get(&t("meti-reviewer"), &path).await;
    let milestone = &progressed["milestones"][0];
    assert_eq!(
        (
            milestone["progress"]["remaining"].as_u64(),
            milestone["progress"]["percent_done"].as_u64()
        ),
        (Some(1), Some(50))
    );
    let burn_down: Vec<(i64, u64)> = milestone["burn_down"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| (point[0].as_i64().unwrap(), point[2].as_u64().unwrap()))
        .collect();
    assert_eq!(burn_down, [(1, 2), (2, 1)]);
    assert_eq!(
        client
            .send(
                &t("a-admin"),
                reqwest::Method::POST,
                &path,
                json!({"change": "close", "revision": progressed["revision"]})
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, closed) = client
        .send(
            &t("meti-reviewer"),
            reqwest::Method::POST,
            &path,
            json!({"change": "close", "revision": progressed["revision"], "note": "報告を受理"}),
        )
        .await;
    assert_eq!(
        (status, closed["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    assert_eq!(
        client
            .send(
                &t("a-admin"),
                reqwest::Method::POST,
                &path,
                json!({
        "change": "document", "revision": closed["revision"], "title": "late"})
            )
            .await
            .0,
        StatusCode::CONFLICT
    );
    let events: Vec<String> = server
        .store
        .outbox(&Tenant::System, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|message| message.kind == "mail")
        .map(|message| {
            format!(
                "{} {}",
                message.target,
                serde_json::from_str::<Value>(&message.payload).unwrap()["event"]
                    .as_str()
                    .unwrap_or_default()
            )
        })
        .collect();
    for expected in [
        "a-admin@example.jp case.open",
        "meti-reviewer@example.jp case.document",
        "a-admin@example.jp case.close",
    ] {
        assert!(
            events.iter().any(|event| event == expected),
            "{expected} in {events:?}"
        );
    }
    let (_, audit) = client.get(&t("a-admin"), "/api/v1/audit?chain=op-a").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| event["action"].as_str())
        .filter(|action| action.starts_with("case."))
        .collect();
    assert_eq!(
        actions,
        [
            "case.open",
            "case.milestone",
            "case.document",
            "case.document",
            "case.close"
        ]
    );
    server.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_case_story_on_sqlite() {
    the_case_story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_case_story_on_postgres() {
    the_case_story(Some(shinsa_store::testing::fresh_postgres().await)).await;
}

/// CI fails when the committed OpenAPI document differs from the code's;
/// `SHINSA_UPDATE_OPENAPI=1 cargo test -p shinsa-server` rewrites it.
#[test]
fn the_committed_openapi_document_is_the_served_one() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = shinsa_server::api::openapi_json();
    if std::env::var_os("SHINSA_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from the code's document; run SHINSA_UPDATE_OPENAPI=1 cargo test -p shinsa-server and commit it",
        path.display()
    );
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert!(document["paths"]["/api/v1/findings"]["get"].is_object());
    assert!(document["components"]["schemas"]["FindingView"].is_object());
}

/// The text of a PDF as `pdftotext` (poppler-utils) reads it, without
/// whitespace, so a name that a table cell broke over two lines still
/// reads whole.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    // -raw: in the order typst wrote the text, cell by cell, rather than
    // line by line across a table's columns.
    let output = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|error| {
            panic!("pdftotext (Debian's poppler-utils; ./test.sh installs it) is needed: {error}")
        });
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn compact(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether the text of a PDF holds `name`. Right-to-left words come out of
/// pdftotext in the order they stand on the page, so an Arabic name is
/// looked for word by word.
fn in_pdf(text: &str, name: &str) -> bool {
    if name.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
        name.split_whitespace().all(|word| text.contains(word))
    } else {
        text.contains(&compact(name))
    }
}

fn html_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A register folder as the zip an operator uploads.
fn zipped_folder(folder: &std::path::Path) -> Vec<u8> {
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut zipped);
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, &std::fs::read(&path).unwrap()).unwrap();
        }
        writer.finish().unwrap();
    }
    zipped.into_inner()
}

/// Names an operator with foreign suppliers holds, in every script a
/// register may carry: each a critical asset made in CN by a supplier named
/// in the same script, so each is a finding of the report and an item of
/// the plan drawn from it. The camera's name has a character no embedded
/// font has (an emoji).
fn all_scripts_register() -> (Value, Vec<&'static str>) {
    let names = [
        ("ZH-HANS", "华为技术有限公司 路由器", "华为技术有限公司"),
        (
            "ZH-HANT",
            "臺灣積體電路製造 控制器",
            "臺灣積體電路製造股份有限公司",
        ),
        ("KO", "삼성전자 통신장비", "삼성전자 주식회사"),
        // No lam-alef (لا): pdftotext reads that ligature back as ال.
        ("AR", "جهاز توجيه", "شركة زين السعودية"),
        (
            "RU",
            "Маршрутизатор Касперского",
            "ООО «Лаборатория Касперского»",
        ),
        (
            "EL",
            "Ελληνικός δρομολογητής",
            "Οργανισμός Τηλεπικοινωνιών Ελλάδος",
        ),
        ("LATIN", "Prüfgerät Łódź", "Müller Søn Ærø Technik"),
        ("JIS2004", "髙﨑変電所 𠀋 装置", "髙﨑製作所"),
        ("SYMBOLS", "計測器 ≥ 50 % → ✓ №3 ℃", "Measurement ± Co."),
        ("EMOJI", "監視カメラ 📷", "カメラ株式会社"),
    ];
    let parties: Vec<Value> = names
        .iter()
        .map(
            |(id, _, supplier)| json!({"id": format!("P-{id}"), "name": supplier, "country": "CN"}),
        )
        .collect();
    let assets: Vec<Value> = names
        .iter()
        .map(|(id, asset, _)| {
            json!({"id": format!("A-{id}"), "name": asset, "kind": "equipment", "category": "router",
                   "critical": true, "manufacturer": format!("P-{id}"), "supplier": format!("P-{id}"),
                   "country_of_manufacture": "CN"})
        })
        .collect();
    let register = json!({
        "operator": {"id": "OP-A", "name": "多言語電力株式会社", "sector": "electricity", "country": "JP"},
        "parties": parties,
        "assets": assets,
    });
    let mut expected: Vec<&'static str> = Vec::new();
    for (_, asset, supplier) in names {
        expected.push(asset);
        expected.push(supplier);
    }
    (register, expected)
}

/// Every document of every bundled example and fixture register, and of a
/// plan drawn from each, through the HTTP API in both languages: the
/// screening report (PDF/A and HTML), the filing (PDF/A and HTML), the
/// findings and the plan inbox as CSV and XLSX. The PDFs' text is read back
/// and must hold the names.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_document_of_every_register_renders() {
    let server = Server::start(None).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let operator = people.token("a-admin");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Each register filed by an operator of its sector.
    let folders = [
        ("examples/minato-electric", "a-admin"),
        ("crates/shinsa/tests/fixtures/kitakaze-telecom", "c-admin"),
        ("crates/shinsa/tests/fixtures/net-day", "w-admin"),
        ("packs/jp-espa/tests/core", "a-admin"),
        ("packs/us/tests/grid", "e-admin"),
        ("packs/generic/tests/plant", "w-admin"),
    ];
    let mut registers: Vec<(String, String, &str)> = Vec::new();
    for (folder, who) in folders {
        let name = folder.rsplit('/').next().unwrap();
        let (status, body) = client
            .upload_file(
                people.token(who),
                name,
                "application/zip",
                zipped_folder(&root.join(folder)),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{folder}: {body}");
        registers.push((
            name.to_owned(),
            body["register"]["id"].as_str().unwrap().to_owned(),
            people.token(who),
        ));
    }
    let (scripts, script_names) = all_scripts_register();
    let (status, body) = client.upload(operator, "all-scripts", &scripts).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    registers.push((
        "all-scripts".into(),
        body["register"]["id"].as_str().unwrap().to_owned(),
        operator,
    ));
    for (_, _, who) in &registers {
        for run in client.settle(who).await {
            assert_eq!(run["status"], "done", "{run}");
        }
    }

    let get = |who: &str, path: String| {
        let client = &client;
        let who = who.to_owned();
        async move {
            let response = client
                .http
                .get(format!("{}{path}", client.base))
                .bearer_auth(who)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let warnings: Vec<String> = response
                .headers()
                .get_all("shinsa-warning")
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            let bytes = response.bytes().await.unwrap().to_vec();
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&bytes)
            );
            (bytes, warnings)
        }
    };
    for (name, id, operator) in &registers {
        let operator: &str = operator;
        let (_, page) = client
            .get(
                operator,
                &format!("/api/v1/findings?register={id}&per_page=500"),
            )
            .await;
        let subjects: std::collections::BTreeSet<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["subject_name"].as_str().unwrap().to_owned())
            .filter(|subject| !subject.is_empty())
            .collect();
        // net-day's findings come from its network logs, not its register.
        assert_eq!(subjects.is_empty(), name == "net-day", "{name}: findings");
        let operator_name = server
            .store
            .register(&Tenant::System, id)
            .await
            .unwrap()
            .unwrap()
            .org_name;
        for lang in ["ja", "en"] {
            let (pdf, warnings) = get(
                operator,
                format!("/api/v1/registers/{id}/report/report.pdf?lang={lang}"),
            )
            .await;
            assert!(pdf.starts_with(b"%PDF-1."), "{name} {lang}");
            let text = pdf_text(&pdf);
            assert!(
                in_pdf(&text, &operator_name),
                "{name} {lang}: {operator_name}"
            );
            for subject in &subjects {
                if !subject.contains('📷') {
                    assert!(
                        in_pdf(&text, subject),
                        "{name} {lang}: {subject} not in\n{text}"
                    );
                }
            }
            if name == "all-scripts" {
                assert_eq!(warnings.len(), 1, "{lang}: {warnings:?}");
                assert!(
                    warnings[0].starts_with("U+1F4F7 is in no embedded font, drawn as [U+1F4F7] ("),
                    "{lang}: the camera's name: {warnings:?}"
                );
                assert!(text.contains("監視カメラ[U+1F4F7]"), "{text}");
            } else {
                assert_eq!(warnings, Vec::<String>::new(), "{name} {lang}");
            }
            let (html, _) = get(
                operator,
                format!("/api/v1/registers/{id}/report/report.html?lang={lang}"),
            )
            .await;
            let html = String::from_utf8(html).unwrap();
            for subject in &subjects {
                assert!(
                    html.contains(&html_escaped(subject)),
                    "{name} {lang} html: {subject}"
                );
            }
        }
        let (csv, _) = get(
            operator,
            format!("/api/v1/registers/{id}/findings/export/findings.csv"),
        )
        .await;
        let csv = String::from_utf8(csv).unwrap();
        for subject in &subjects {
            assert!(csv.contains(subject.as_str()), "{name} csv: {subject}");
        }
        let (xlsx, _) = get(
            operator,
            format!("/api/v1/registers/{id}/findings/export/findings.xlsx"),
        )
        .await;
        assert!(xlsx.starts_with(b"PK"), "{name}: xlsx is a zip");

        // A plan drawn from the register, as the ministry would receive it.
        let (status, plan) = client
            .call(
                reqwest::Method::POST,
                Some(operator),
                "/api/v1/plans",
                Some(json!({"title": format!("{name} の導入等計画"), "register_id": id})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let plan_id = plan["id"].as_str().unwrap();
        let mut plan_names: Vec<String> = vec![format!("{name} の導入等計画")];
        for item in plan["body"]["items"].as_array().unwrap() {
            plan_names.extend(item["facility"].as_str().map(str::to_owned));
            plan_names.extend(item["supplier"]["name"].as_str().map(str::to_owned));
            plan_names.extend(item["contractor"]["name"].as_str().map(str::to_owned));
        }
        let (pdf, _) = get(operator, format!("/api/v1/plans/{plan_id}/filing.pdf")).await;
        let text = pdf_text(&pdf);
        let (html, _) = get(operator, format!("/api/v1/plans/{plan_id}/filing.html")).await;
        let html = String::from_utf8(html).unwrap();
        for wanted in &plan_names {
            if !wanted.contains('📷') {
                assert!(
                    in_pdf(&text, wanted),
                    "{name} filing: {wanted} not in\n{text}"
                );
            }
            assert!(
                html.contains(&html_escaped(wanted)),
                "{name} filing html: {wanted}"
            );
        }
        if name == "all-scripts" {
            for wanted in &script_names {
                assert!(
                    plan_names.iter().any(|drawn| drawn == wanted),
                    "{wanted} is in the plan"
                );
            }
        }
    }
    let (csv, _) = get(operator, "/api/v1/plans/export/plans.csv".into()).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let own = registers
        .iter()
        .filter(|(_, _, who)| *who == operator)
        .count();
    assert_eq!(csv.lines().count(), 1 + own, "{csv}");
    let (xlsx, _) = get(operator, "/api/v1/plans/export/plans.xlsx".into()).await;
    assert!(xlsx.starts_with(b"PK"));
    server.shut().await;
}

/// A webhook whose host resolves into a private network when it is
/// delivered (here: stored before the check existed, or a name whose DNS
/// answer changed) is not posted, and the outcome says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_webhook_is_not_delivered_into_a_private_network() {
    let server = Server::start_with(None, |_| {}).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let admin = people.token("a-admin");
    let (hook, hits) = webhook_receiver(0).await;
    let (status, body) = client
        .call(
            reqwest::Method::PUT,
            Some(admin),
            "/api/v1/webhook",
            Some(json!({"url": hook, "secret": "a-webhook-secret-123"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    server
        .store
        .set_webhook(
            &Tenant::Operator { org: "op-a".into() },
            &Actor::system("test"),
            Some(Webhook {
                url: hook.clone(),
                secret: "a-webhook-secret-123".into(),
            }),
        )
        .await
        .unwrap();
    let (status, body) = client
        .upload(
            admin,
            "main",
            &register("OP-A", "electricity", "Huawei Technologies Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    client.settle(admin).await;
    let mut outcome = None;
    for _ in 0..200 {
        let messages = server.store.outbox(&Tenant::System, None).await.unwrap();
        outcome = messages
            .iter()
            .find(|message| message.kind == "webhook")
            .and_then(|message| message.outcome.clone());
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outcome = outcome.expect("the delivery was attempted and recorded");
    assert!(
        outcome.starts_with("failed:") && outcome.contains("not a public address"),
        "{outcome}"
    );
    assert!(
        hits.lock().unwrap().is_empty(),
        "nothing reached the receiver"
    );
    server.shut().await;
}

/// What a hostile user or a careless deployment tries against a running
/// server (issue 15): pages that another site could frame or script, a
/// session cookie carried by another site's request, password guessing,
/// an oversized sign-in, a formula planted in a register's names.
async fn the_server_refuses_what_a_hostile_user_tries(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let admin = people.token("a-admin");
    let host = server.base.trim_start_matches("http://").to_owned();

    // Every answer carries the browser protections.
    let page = client
        .http
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    let headers = page.headers();
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS on plain HTTP on loopback"
    );

    // Signing in: from another site, refused; from the page itself, a
    // session.
    let sign_in = |origin: &str, password: &'static str| {
        let origin = origin.to_owned();
        let client = &client;
        async move {
            client
                .http
                .post(format!("{}/login?lang=en", client.base))
                .header("origin", origin)
                .form(&[("login", "a-admin@example.jp"), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    let forged = sign_in("https://evil.example", "a long password 1").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let own = format!("http://{host}");
    let signed_in = sign_in(&own, "a long password 1").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("shinsa_session="));

    // The session cookie changes nothing unless the request comes from
    // this server's pages.
    let change_webhook = |headers: Vec<(&'static str, String)>, bearer: bool| {
        let client = &client;
        let cookie = cookie.clone();
        async move {
            let mut request = client
                .http
                .put(format!("{}/api/v1/webhook", client.base))
                .header("cookie", cookie)
                .json(&json!({"url": "http://127.0.0.1:9/hook", "secret": "a-webhook-secret-123"}));
            for (name, value) in headers {
                request = request.header(name, value);
            }
            if bearer {
                request = request.bearer_auth(admin);
            }
            request.send().await.unwrap().status()
        }
    };
    for headers in [
        vec![("origin", "https://evil.example".to_owned())],
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![("sec-fetch-site", "same-site".to_owned())],
        vec![],
    ] {
        assert_eq!(
            change_webhook(headers.clone(), false).await,
            StatusCode::FORBIDDEN,
            "{headers:?}"
        );
    }
    assert_eq!(
        change_webhook(vec![("sec-fetch-site", "same-origin".into())], false).await,
        StatusCode::OK
    );
    assert_eq!(
        change_webhook(vec![("origin", own.clone())], false).await,
        StatusCode::OK
    );
    assert_eq!(
        change_webhook(vec![("origin", "https://evil.example".into())], true).await,
        StatusCode::OK,
        "a bearer token is not a browser's ambient credential"
    );

    // API tokens expire and may only read: a read-only token reads and
    // changes nothing; a year is the longest a token lives.
    let (status, created) = client
        .call(
            reqwest::Method::POST,
            Some(admin),
            "/api/v1/tokens",
            Some(json!({"name": "dashboard", "scope": "read-only", "days": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["token"]["scope"], "read-only");
    let expires = created["token"]["expires_at"].as_str().unwrap();
    let in_a_week = (time::OffsetDateTime::now_utc() + time::Duration::days(7)).date();
    assert!(expires.starts_with(&in_a_week.to_string()), "{expires}");
    let reader = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(&reader, "/api/v1/findings").await.0,
        StatusCode::OK
    );
    let (status, body) = client
        .call(
            reqwest::Method::PUT,
            Some(&reader),
            "/api/v1/webhook",
            Some(json!({"url": null})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("read-only"),
        "{body}"
    );
    let (status, _) = client
        .call(
            reqwest::Method::POST,
            Some(admin),
            "/api/v1/tokens",
            Some(json!({"name": "forever", "days": 3650})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, listed) = client.get(admin, "/api/v1/tokens").await;
    let dashboard = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["name"] == "dashboard")
        .unwrap();
    assert!(dashboard["last_used_at"].is_string(), "{dashboard}");

    // Guessing passwords: five wrong ones lock the account; then even the
    // right one waits, without a password check.
    for attempt in 0..5 {
        assert_eq!(
            sign_in(&own, "not the password").await.status(),
            StatusCode::UNAUTHORIZED,
            "{attempt}"
        );
    }
    let locked = sign_in(&own, "a long password 1").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=61).contains(&retry), "{retry}");
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Too many wrong passwords")
    );
    let events = server
        .store
        .audit_events(&Tenant::Operator { org: "op-a".into() }, None, 0, None)
        .await
        .unwrap()
        .0;
    let lockout = events
        .iter()
        .find(|event| event.action == "sign_in.locked")
        .expect("the lock-out is on the organisation's audit chain");
    assert_eq!(lockout.subject, "login a-admin@example.jp");

    // A sign-in body over the 16 KiB limit is refused before it is read
    // (64 KiB, which the kernel takes whole, so the client always gets the
    // answer rather than a reset; on a connection of its own, because the
    // server closes it unread).
    let big = reqwest::Client::new()
        .post(format!("{}/login", server.base))
        .header("origin", &own)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=x&password={}", "a".repeat(64 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The organisation files the register: a file that claims a sector
    // the organisation does not have is refused by pointer; one that names
    // another operator is filed under the organisation, and says so.
    let (status, body) = client
        .upload(
            admin,
            "other-sector",
            &register("OP-A", "telecommunications", "Northwind"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "/operator/sector", "{body}");
    assert_eq!(body["errors"][0]["found"], "telecommunications", "{body}");
    let (status, body) = client
        .upload(
            admin,
            "claimed",
            &register("SOMEONE-ELSE", "electricity", "Northwind"),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert!(
        body["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|warning| warning.as_str().unwrap().contains(
                "the file names the operator SOMEONE-ELSE 株式会社 (SOMEONE-ELSE); the register is filed under organisation op-a org (op-a)"
            )),
        "{body}"
    );
    let stored: Value = serde_json::from_str(
        &server
            .store
            .register_inventory(&Tenant::System, body["register"]["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["operator"]["id"], "op-a");
    assert_eq!(stored["operator"]["name"], "op-a org");
    let (upload_events, _) = server
        .store
        .audit_events(&Tenant::Operator { org: "op-a".into() }, None, 0, None)
        .await
        .unwrap();
    assert!(
        upload_events
            .iter()
            .any(|event| event.action == "register.upload"
                && event.detail["warnings"]
                    .to_string()
                    .contains("SOMEONE-ELSE")),
        "the decision is on the register's audit record"
    );

    // A formula planted as an asset's name reaches the spreadsheet as text.
    let mut planted = register("OP-A", "electricity", "Huawei Technologies Co., Ltd.");
    planted["assets"][0]["name"] = json!("=HYPERLINK(\"https://evil.example\",\"click\")");
    let (status, body) = client.upload(admin, "main", &planted).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    client.settle(admin).await;
    let register_id = body["register"]["id"].as_str().unwrap();
    let csv = client
        .http
        .get(format!(
            "{}/api/v1/registers/{register_id}/findings/export/findings.csv",
            server.base
        ))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let planted_cells: Vec<&str> = csv
        .split(',')
        .filter(|cell| cell.contains("HYPERLINK"))
        .collect();
    assert!(!planted_cells.is_empty(), "{csv}");
    for cell in planted_cells {
        assert!(cell.starts_with("\"'="), "{cell}");
    }

    // The HTML report keeps its own style and runs nothing.
    let report = client
        .http
        .get(format!(
            "{}/api/v1/registers/{register_id}/report/report.html",
            server.base
        ))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        report.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    server.shut().await;
}

/// Who calls in the access matrix: anonymous, each role of op-a (the
/// owner of every object named), the same role of op-b (another operator
/// of the sector), the sector's ministry, a ministry of another sector,
/// and the platform administrator.
const CALLERS: [&str; 10] = [
    "anonymous",
    "a-admin",
    "a-member",
    "a-auditor",
    "b-admin",
    "meti-reviewer",
    "meti-admin",
    "meti-auditor",
    "mic-reviewer",
    "platform-admin",
];

/// Every operation of the OpenAPI document, called by each of [`CALLERS`]
/// on objects of op-a, against `tests/access.txt`: a status per caller per
/// operation. An operation missing from the table, or a status that
/// differs, fails the test; `SHINSA_UPDATE_ACCESS=1` writes what was seen
/// (to be read line by line before it is committed).
async fn the_access_matrix(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let admin = people.token("a-admin");
    // Objects of op-a to name in paths: a screened register with findings,
    // its run, a draft plan, a case the ministry opened.
    let (status, uploaded) = client
        .upload(
            admin,
            "main",
            &register("OP-A", "electricity", "Huawei Technologies Co., Ltd."),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{uploaded}");
    client.settle(admin).await;
    let register_id = uploaded["register"]["id"].as_str().unwrap().to_owned();
    let run_id = uploaded["run"]["id"].as_str().unwrap().to_owned();
    let (_, page) = client.get(admin, "/api/v1/findings?per_page=1").await;
    let key = page["items"][0]["key"].as_str().unwrap().to_owned();
    let (_, plan) = client
        .call(
            reqwest::Method::POST,
            Some(admin),
            "/api/v1/plans",
            Some(json!({"title": "draft", "register_id": register_id})),
        )
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (status, case) = client
        .call(
            reqwest::Method::POST,
            Some(people.token("meti-reviewer")),
            "/api/v1/cases",
            Some(json!({"org_id": "op-a", "kind": "report_demand", "title": "report"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();

    let document: Value = serde_json::from_str(&shinsa_server::api::openapi_json()).unwrap();
    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, methods) in document["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    operations.sort();
    let mut seen = String::from(
        "# Access matrix: the status each caller gets from each operation, on objects of op-a.\n\
         # Written by `SHINSA_UPDATE_ACCESS=1 cargo test -p shinsa-server --test server access`\n\
         # and read line by line before it is committed: this table is the access policy.\n\
         # columns:",
    );
    for caller in CALLERS {
        seen.push(' ');
        seen.push_str(caller);
    }
    seen.push('\n');
    for (method, template) in &operations {
        let path = template
            .replace("/registers/{id}", &format!("/registers/{register_id}"))
            .replace("/runs/{id}", &format!("/runs/{run_id}"))
            .replace("/plans/{id}", &format!("/plans/{plan_id}"))
            .replace("/cases/{id}", &format!("/cases/{case_id}"))
            .replace("{key}", &key)
            .replace("/findings/export/{file}", "/findings/export/findings.csv")
            .replace("/report/{file}", "/report/report.html")
            .replace("/plans/export/{file}", "/plans/export/plans.csv");
        let mut row = format!("{method} {template}:");
        for caller in CALLERS {
            let token = (caller != "anonymous").then(|| people.token(caller).to_owned());
            // Revoking: a fresh token of a-member's each time, so that one
            // caller's success does not change what the next one sees.
            let path = if path == "/api/v1/tokens/{id}" {
                let member = server
                    .store
                    .user_for_login("a-member@example.jp")
                    .await
                    .unwrap()
                    .unwrap()
                    .0
                    .user;
                let made = server
                    .store
                    .create_token(
                        &Actor::system("test"),
                        &member.id,
                        NewToken {
                            name: "to revoke",
                            secret_hash: &format!("{caller}-revoke"),
                            expires_at: None,
                            scope: TokenScope::ReadWrite,
                        },
                    )
                    .await
                    .unwrap();
                format!("/api/v1/tokens/{}", made.id)
            } else {
                path.clone()
            };
            let mut request = client
                .http
                .request(method.parse().unwrap(), format!("{}{path}", client.base));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            request = match (method.as_str(), template.as_str()) {
                // Another register, so that op-a's screened one stays as it is.
                ("POST", "/api/v1/registers") => {
                    let url = format!("{}/api/v1/registers?name=matrix", client.base);
                    let mut upload = client
                        .http
                        .post(url)
                        .header("content-type", "application/json")
                        .body(register("OP-A", "electricity", "Northwind").to_string());
                    if let Some(token) = &token {
                        upload = upload.bearer_auth(token);
                    }
                    upload
                }
                ("POST", "/api/v1/lists") => {
                    let url = format!(
                        "{}/api/v1/lists?file=csl.json&id=matrix&version=2026-01-01",
                        client.base
                    );
                    let mut publish = client.http.post(url).body(r#"{"results": []}"#);
                    if let Some(token) = &token {
                        publish = publish.bearer_auth(token);
                    }
                    publish
                }
                ("POST", "/api/v1/packs") => request.body("not a zip"),
                ("POST", "/api/v1/plans") => request.json(&json!({"title": "another"})),
                ("PUT", "/api/v1/plans/{id}") => {
                    request.json(&json!({"revision": 0, "body": plan["body"]}))
                }
                ("POST", "/api/v1/plans/{id}/steps") => {
                    request.json(&json!({"revision": 0, "action": "file"}))
                }
                ("POST", "/api/v1/cases") => request
                    .json(&json!({"org_id": "op-a", "kind": "report_demand", "title": "another"})),
                ("POST", "/api/v1/cases/{id}") => {
                    request.json(&json!({"change": "document", "revision": 0, "title": "x"}))
                }
                ("POST", "/api/v1/cases/{id}/documents" | "/api/v1/plans/{id}/attachments") => {
                    let url = format!("{}{path}?revision=0&title=x&name=x.pdf", client.base);
                    let mut attach = client.http.post(url).body("%PDF-1.4\n");
                    if let Some(token) = &token {
                        attach = attach.bearer_auth(token);
                    }
                    attach
                }
                ("PUT", "/api/v1/registers/{id}/findings/{key}/triage") => {
                    request.json(&json!({"status": "open"}))
                }
                ("POST", "/api/v1/tokens") => request.json(&json!({"name": "matrix"})),
                ("PUT", "/api/v1/webhook") => request.json(&json!({"url": null})),
                _ => request,
            };
            let status = request.send().await.unwrap().status();
            row.push_str(&format!(" {}", status.as_u16()));
        }
        seen.push_str(&row);
        seen.push('\n');
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/access.txt");
    if std::env::var_os("SHINSA_UPDATE_ACCESS").is_some() {
        std::fs::write(&path, &seen).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let differ: Vec<String> = seen
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| !expected.lines().any(|wanted| wanted == *line))
        .map(|line| {
            let operation = line.split(':').next().unwrap_or_default();
            let wanted = expected
                .lines()
                .find(|wanted| wanted.split(':').next() == Some(operation))
                .unwrap_or("(no entry: a new route needs its line)");
            format!("seen     {line}\nexpected {wanted}")
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} differs (columns: {}):\n{}",
        path.display(),
        CALLERS.join(" "),
        differ.join("\n")
    );
    server.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_access_matrix_on_sqlite() {
    the_access_matrix(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_access_matrix_on_postgres() {
    the_access_matrix(Some(shinsa_store::testing::fresh_postgres().await)).await;
}

/// One organisation may upload so many registers an hour; the next is
/// refused with the wait, and another organisation is not held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_beyond_the_hourly_quota_are_refused() {
    let server = Server::start_with(None, |config| config.uploads_per_hour = 2).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let document = register("OP-A", "electricity", "Northwind");
    for name in ["one", "two"] {
        let (status, body) = client
            .upload(people.token("a-admin"), name, &document)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let response = client
        .http
        .post(format!("{}/api/v1/registers?name=three", client.base))
        .bearer_auth(people.token("a-member"))
        .header("content-type", "application/json")
        .body(document.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2 uploads an hour"),
        "{body}"
    );
    let (status, body) = client
        .upload(people.token("b-admin"), "one", &document)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    server.shut().await;
}

/// Signs `login` in through the form, as the login page would; returns the
/// session cookie.
async fn session_cookie(client: &Client, login: &str) -> String {
    let host = client.base.trim_start_matches("http://").to_owned();
    let response = client
        .http
        .post(format!("{}/login?lang=en", client.base))
        .header("origin", format!("http://{host}"))
        .form(&[("login", login), ("password", "a long password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login}");
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// An organisation's administrator manages its users in the web UI: only
/// its own, never itself out of administration, each change audited and
/// in force at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_administrator_manages_the_organisations_users() {
    let server = Server::start(None).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let admin = session_cookie(&client, "a-admin@example.jp").await;
    let form = |cookie: String, login: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let client = &client;
        async move {
            let response = client
                .http
                .post(format!("{}/ui/users/{login}?lang=en", client.base))
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    let page = client
        .http
        .get(format!("{}/ui/users?lang=en", server.base))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    for own in [
        "a-admin@example.jp",
        "a-member@example.jp",
        "a-auditor@example.jp",
    ] {
        assert!(page.contains(own), "{own}");
    }
    assert!(
        !page.contains("b-admin@example.jp"),
        "another organisation's"
    );
    assert!(
        !page.contains("value=\"platform-admin\""),
        "platform-admin is given from the command line only"
    );

    // Disabling a member stops its token at once; enabling brings it back.
    let member = people.token("a-member");
    assert_eq!(client.get(member, "/api/v1/me").await.0, StatusCode::OK);
    let (status, body) = form(
        admin.clone(),
        "a-member@example.jp",
        vec![("action", "disable")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("a-member@example.jp: changed."), "{body}");
    assert_eq!(
        client.get(member, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    form(
        admin.clone(),
        "a-member@example.jp",
        vec![("action", "enable")],
    )
    .await;
    assert_eq!(client.get(member, "/api/v1/me").await.0, StatusCode::OK);

    // A role, a password; not too short; not oneself out of administration.
    let (status, _) = form(
        admin.clone(),
        "a-member@example.jp",
        vec![("action", "role"), ("role", "auditor")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = client.get(member, "/api/v1/me").await;
    assert_eq!(me["user"]["role"], "auditor", "{me}");
    let (status, body) = form(
        admin.clone(),
        "a-member@example.jp",
        vec![("action", "password"), ("password", "short")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("at least 12 characters"), "{body}");
    let (status, _) = form(
        admin.clone(),
        "a-member@example.jp",
        vec![
            ("action", "password"),
            ("password", "another long password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for refused in [
        vec![("action", "disable")],
        vec![("action", "role"), ("role", "operator-member")],
    ] {
        let (status, body) = form(admin.clone(), "a-admin@example.jp", refused.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
        assert!(body.contains("You cannot disable yourself"), "{body}");
    }
    let (status, _) = form(
        admin.clone(),
        "a-member@example.jp",
        vec![("action", "role"), ("role", "regulator-admin")],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a role of an operator"
    );
    // Another organisation's user is not found; a member may not manage.
    let (status, _) = form(
        admin.clone(),
        "b-admin@example.jp",
        vec![("action", "disable")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let auditor = session_cookie(&client, "a-auditor@example.jp").await;
    let (status, _) = form(auditor, "a-member@example.jp", vec![("action", "disable")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (events, _) = server
        .store
        .audit_events(&Tenant::Operator { org: "op-a".into() }, None, 0, None)
        .await
        .unwrap();
    let changes: Vec<&str> = events
        .iter()
        .map(|event| event.action.as_str())
        .filter(|action| action.starts_with("user.") && *action != "user.create")
        .collect();
    assert_eq!(
        changes,
        ["user.disable", "user.enable", "user.role", "user.password"]
    );
    server.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_refuses_what_a_hostile_user_tries_on_sqlite() {
    the_server_refuses_what_a_hostile_user_tries(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_refuses_what_a_hostile_user_tries_on_postgres() {
    the_server_refuses_what_a_hostile_user_tries(Some(
        shinsa_store::testing::fresh_postgres().await,
    ))
    .await;
}

/// What an SMTP sink received: each mail's envelope recipients and data.
type Mailbag = Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server on 127.0.0.1 that accepts every mail; returns its
/// port and what it received.
async fn smtp_sink() -> (u16, Mailbag) {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bag: Mailbag = Arc::default();
    let received = bag.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let bag = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut recipients = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "RCPT" => {
                            recipients.push(line[8..].trim().to_owned());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            bag.lock()
                                .unwrap()
                                .push((std::mem::take(&mut recipients), data));
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, bag)
}

/// What a webhook receiver saw, in order: each request's head and body,
/// and the status it answered.
type Hits = Arc<std::sync::Mutex<Vec<(String, String, u16)>>>;

/// A webhook receiver on 127.0.0.1 that answers 503 to its first
/// `failures` requests and 204 after; returns its URL and what it saw.
async fn webhook_receiver(failures: usize) -> (String, Hits) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let hits: Hits = Arc::default();
    let seen = hits.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            let mut buffer = [0u8; 8192];
            let (head, body) = loop {
                let read = socket.read(&mut buffer).await.unwrap();
                received.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&received).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = header(head, "content-length").parse().unwrap();
                    if body.len() >= length {
                        break (head.to_owned(), body.to_owned());
                    }
                }
                assert!(read > 0, "closed early");
            };
            let status = if seen.lock().unwrap().len() < failures {
                503
            } else {
                204
            };
            seen.lock().unwrap().push((head, body, status));
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    (url, hits)
}

/// A header's value in an HTTP request head, or empty.
fn header(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default()
}

/// A MIME header's encoded words (`=?utf-8?b?…?=`) decoded.
fn decoded_header(data: &str, name: &str) -> String {
    use base64::Engine as _;
    let mut value = String::new();
    let mut lines = data.lines().skip_while(|line| {
        !line
            .to_ascii_lowercase()
            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
    });
    if let Some(first) = lines.next() {
        value.push_str(first.split_once(':').unwrap().1.trim());
        for folded in lines.take_while(|line| line.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(folded.trim());
        }
    }
    value
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            match lower
                .strip_prefix("=?utf-8?b?")
                .and_then(|rest| rest.strip_suffix("?="))
            {
                Some(_) => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(&word[10..word.len() - 2])
                        .unwrap(),
                )
                .unwrap(),
                None => format!(" {word} "),
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Deliveries arrive (issue 18): a webhook that fails twice gets the event
/// on the third attempt, every attempt under one Idempotency-Key and kept
/// for the organisation to see; one that always fails ends among the dead
/// letters (in the API and the UI, for its own organisation only) and can
/// be sent again; mail about a list's change goes through the SMTP relay
/// with its subject in Japanese and English.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_are_retried_dead_lettered_and_mailed() {
    let (smtp_port, mailbag) = smtp_sink().await;
    let server = Server::start_with(None, |config| {
        config.webhook_allow_hosts = vec!["127.0.0.1".into()];
        config.delivery.retry_base_seconds = 0.05;
        // Long enough for three quick attempts, short enough for a test.
        config.delivery.max_age_hours = 3.0 / 3600.0;
        config.mail = Some(shinsa_server::MailConfig {
            host: "127.0.0.1".into(),
            port: Some(smtp_port),
            security: shinsa_server::MailSecurity::None,
            username: None,
            password: None,
            from: "shinsa <shinsa@example.jp>".into(),
        });
    })
    .await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();
    let (flaky, hits) = webhook_receiver(2).await;
    // Nothing listens on the discard port: every attempt is refused.
    let dead_end = "http://127.0.0.1:9/hook";
    for (who, url) in [("a-admin", flaky.as_str()), ("b-admin", dead_end)] {
        let (status, body) = client
            .call(
                reqwest::Method::PUT,
                Some(&t(who)),
                "/api/v1/webhook",
                Some(json!({"url": url, "secret": "a-webhook-secret-123"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Only op-a's relay is from the vendor the list below names.
    for (who, operator, vendor) in [
        ("a-admin", "OP-A", "Northwind Relay Co., Ltd."),
        ("b-admin", "OP-B", "Southgate Instruments KK"),
    ] {
        let (status, body) = client
            .upload(&t(who), "main", &register(operator, "electricity", vendor))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    client.settle(&t("a-admin")).await;
    client.settle(&t("b-admin")).await;
    // A list naming the relay's vendor: op-a's change is mailed to its
    // administrator too (mail is for changes from outside).
    client
        .publish_northwind(&t("platform-admin"), "2026-12-05")
        .await;
    client.settle(&t("a-admin")).await;

    let mut waited = 0;
    while (hits.lock().unwrap().len() < 4 || mailbag.lock().unwrap().is_empty()) && waited < 400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let seen: Vec<(String, String, u16)> = hits
        .lock()
        .unwrap()
        .iter()
        .map(|(head, _, status)| {
            (
                header(head, "idempotency-key"),
                header(head, "shinsa-delivery-attempt"),
                *status,
            )
        })
        .collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let first_key = seen[0].0.clone();
    assert!(first_key.starts_with("shinsa-"), "{first_key}");
    let attempts: Vec<(bool, &str, u16)> = seen
        .iter()
        .map(|(key, attempt, status)| (*key == first_key, attempt.as_str(), *status))
        .collect();
    assert_eq!(
        attempts,
        [
            (true, "1", 503),
            (true, "2", 503),
            (true, "3", 204),
            (false, "1", 204)
        ],
        "the upload's event three times, then the list change's once"
    );

    // op-a sees its deliveries and every attempt; a member does not.
    let (_, sent) = client
        .get(&t("a-admin"), "/api/v1/deliveries?status=sent")
        .await;
    let upload_event = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["kind"] == "webhook" && message["attempts"] == 3)
        .unwrap_or_else(|| panic!("{sent}"))
        .clone();
    let (_, tried) = client
        .get(
            &t("a-admin"),
            &format!("/api/v1/deliveries/{}/attempts", upload_event["id"]),
        )
        .await;
    let outcomes: Vec<(&str, bool)> = tried
        .as_array()
        .unwrap()
        .iter()
        .map(|attempt| {
            (
                attempt["outcome"].as_str().unwrap(),
                attempt["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(outcomes, [("503", false), ("503", false), ("204", true)]);
    let (status, _) = client.get(&t("a-member"), "/api/v1/deliveries").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The mail reached the relay, subject in both languages.
    let mails = mailbag.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (recipients, data) = &mails[0];
    assert_eq!(recipients, &["<a-admin@example.jp>"]);
    let register_id = upload_event["payload"]
        .as_str()
        .map(|payload| serde_json::from_str::<Value>(payload).unwrap())
        .unwrap()["change"]["register_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        decoded_header(data, "subject"),
        format!("[shinsa] 指摘事項の変更 / Findings changed: {register_id}")
    );
    assert!(header(data, "message-id").starts_with("<shinsa-"), "{data}");

    // op-b's webhook never answers: a dead letter after the configured
    // age, listed for op-b only.
    let mut dead = Value::Null;
    for _ in 0..200 {
        let (_, listed) = client
            .get(&t("b-admin"), "/api/v1/deliveries?status=dead")
            .await;
        if listed.as_array().is_some_and(|items| !items.is_empty()) {
            dead = listed[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dead["target"], dead_end, "{dead}");
    assert!(dead["attempts"].as_i64().unwrap() >= 2, "{dead}");
    assert!(
        dead["outcome"].as_str().unwrap().starts_with("failed:"),
        "{dead}"
    );
    let (_, a_dead) = client
        .get(&t("a-admin"), "/api/v1/deliveries?status=dead")
        .await;
    assert_eq!(a_dead, json!([]));
    let cookie = session_cookie(&client, "b-admin@example.jp").await;
    let page = client
        .http
        .get(format!("{}/ui/deliveries?lang=en", client.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = format!("id=\"delivery-{}\" class=\"delivery-dead\"", dead["id"]);
    assert!(page.contains(&row), "{page}");
    assert!(page.contains("Dead letter") && page.contains("Send again"));
    let (status, _) = client
        .call(
            reqwest::Method::POST,
            Some(&t("a-admin")),
            &format!("/api/v1/deliveries/{}/resend", dead["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another organisation's");
    let (status, resent) = client
        .call(
            reqwest::Method::POST,
            Some(&t("b-admin")),
            &format!("/api/v1/deliveries/{}/resend", dead["id"]),
            None,
        )
        .await;
    assert_eq!(
        (status, &resent["status"]),
        (StatusCode::OK, &json!("pending"))
    );
    let (_, audit) = client.get(&t("b-admin"), "/api/v1/audit?chain=op-b").await;
    assert!(audit.to_string().contains("delivery.resend"), "{audit}");
    server.shut().await;
}

/// A document over `document_limit_mb` is refused (413) once that much is
/// read, not after the whole body; one under it is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_document_over_the_limit_is_refused() {
    let server = Server::start_with(None, |config| config.document_limit_mb = 1).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let (status, opened) = client
        .call(
            reqwest::Method::POST,
            Some(people.token("meti-reviewer")),
            "/api/v1/cases",
            Some(json!({"org_id": "op-a", "kind": "report_demand", "title": "報告徴収"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    // Each post on a client of its own: a connection the server closed
    // after refusing a body is not used again.
    let post = |bytes: Vec<u8>| {
        let request = Client::of(&server)
            .http
            .post(format!(
                "{}/api/v1/cases/{}/documents?revision={}&title=report&name=report.pdf",
                client.base,
                opened["id"].as_str().unwrap(),
                opened["revision"]
            ))
            .bearer_auth(people.token("a-admin"))
            .body(bytes);
        async move {
            match request.send().await {
                Ok(response) => Ok((response.status(), response.json::<Value>().await.unwrap())),
                Err(error) => Err(error),
            }
        }
    };
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(3 * 1024 * 1024, b' ');
    // The server answers once it has read past the limit and reads no
    // more: the client gets the 413, or (when it was still writing the
    // rest) a connection closed under it. Either way nothing is kept.
    match post(big).await {
        Ok((status, refused)) => {
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
            assert!(
                refused["detail"].as_str().unwrap().contains("1 MB"),
                "{refused}"
            );
        }
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    let (_, unchanged) = client
        .get(
            people.token("a-admin"),
            &format!("/api/v1/cases/{}", opened["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(unchanged["revision"], opened["revision"], "nothing kept");
    let mut small = b"%PDF-1.7\n".to_vec();
    small.resize(64 * 1024, b' ');
    let (status, kept) = post(small).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["body"]["documents"][1]["file"]["size"], 64 * 1024);
    server.shut().await;
}

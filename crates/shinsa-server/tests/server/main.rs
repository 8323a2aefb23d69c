//! The server over real HTTP on loopback, against a real SQLite file and a
//! real PostgreSQL database: tenancy and roles on every route, the upload →
//! screening → triage → list update → re-screening story, the signed
//! webhook, and the audit chain caught after a row is edited.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod access;
mod accounts;
mod cases;
mod deliveries;
mod documents;
mod exposures;
mod hostile;
mod plans;
mod story;

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

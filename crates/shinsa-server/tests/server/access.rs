//! The access matrix: every operation of the API and every form of the UI, called by ten callers, against `tests/access.txt`.

use super::*;

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
        "# Access matrix: the status each caller gets from each operation of the API and each\n\
         # route of the web UI (lines starting UI, signed in by a session), on objects of op-a.\n\
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
                ("POST", "/api/v1/advisories") => {
                    let url = format!(
                        "{}/api/v1/advisories?file=known_exploited_vulnerabilities.json",
                        client.base
                    );
                    let mut publish = client.http.post(url).body(MATRIX_KEV);
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
    let ids = Ids {
        register: &register_id,
        plan: &plan_id,
        case: &case_id,
        key: &key,
        body: &plan["body"],
    };
    seen.push_str(&ui_matrix(&server, &client, &ids).await);
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

/// The objects of op-a the matrix names in paths and forms.
struct Ids<'a> {
    register: &'a str,
    plan: &'a str,
    case: &'a str,
    key: &'a str,
    body: &'a Value,
}

/// Every route of the web UI, as its source declares it (`.route("PATH",
/// get(…).post(…))` in `src/ui.rs` and `src/ui/*.rs`), with its methods:
/// a route added to the UI is in the matrix without anyone listing it.
fn ui_routes() -> Vec<(String, String)> {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![source.join("ui.rs")];
    for entry in std::fs::read_dir(source.join("ui")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split(".route(").skip(1) {
            let Some(rest) = piece.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some((path, handlers)) = rest.split_once('"') else {
                continue;
            };
            // The route call's own arguments: up to its closing bracket
            // (an upload route merges its POST: `get(…).merge(…post(…))`).
            let mut depth = 1;
            let end = handlers
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(handlers.len(), |(at, _)| at);
            let handlers = &handlers[..end];
            for (method, call) in [("GET", "get("), ("POST", "post(")] {
                if handlers.contains(call) {
                    routes.push((method.to_owned(), path.to_owned()));
                }
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// A `multipart/form-data` body of text fields and one file.
fn multipart(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    let boundary = "matrix-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The web UI's routes × the same callers, each signed in with a fresh
/// session (so that signing out, or a change one caller makes, does not
/// change what the next one sees), every form posted as the page posts
/// it. Sign-in itself is left out: it is the door, not a room.
async fn ui_matrix(server: &Server, client: &Client, ids: &Ids<'_>) -> String {
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let host = client.base.trim_start_matches("http://").to_owned();
    let mut out = String::new();
    for (method, template) in ui_routes() {
        if template == "/login" || template == "/" || template.starts_with("/assets/") {
            continue;
        }
        let path = template
            .replace("/registers/{id}", &format!("/registers/{}", ids.register))
            .replace("/plans/{id}", &format!("/plans/{}", ids.plan))
            .replace("/cases/{id}", &format!("/cases/{}", ids.case))
            .replace("/users/{login}", "/users/a-member@example.jp")
            .replace("/deliveries/{id}", "/deliveries/0")
            .replace("{sha256}", &"0".repeat(64));
        let mut row = format!("UI {method} {template}:");
        for caller in CALLERS {
            let mut request = no_redirects
                .request(
                    method.parse().unwrap(),
                    format!("{}{path}?lang=en", client.base),
                )
                .header("sec-fetch-site", "same-origin")
                .header("origin", format!("http://{host}"));
            if caller != "anonymous" {
                let user = server
                    .store
                    .user_for_login(&format!("{caller}@example.jp"))
                    .await
                    .unwrap()
                    .unwrap()
                    .0
                    .user;
                let secret = format!("matrix-{caller}-{}", new_id("s"));
                server
                    .store
                    .create_session(
                        &user.id,
                        &shinsa_server::auth::secret_hash(&secret),
                        "2999-01-01T00:00:00.000000Z",
                    )
                    .await
                    .unwrap();
                request = request.header("cookie", format!("shinsa_session={secret}"));
            }
            let register = register("OP-A", "electricity", "Northwind").to_string();
            let plan_json = ids.body.to_string();
            request = match (method.as_str(), template.as_str()) {
                ("POST", "/ui/registers") => {
                    let (kind, body) =
                        multipart(&[("name", "matrix")], ("matrix.json", register.as_bytes()));
                    request.header("content-type", kind).body(body)
                }
                ("POST", "/ui/cases/{id}/documents" | "/ui/plans/{id}/attachments") => {
                    let (kind, body) = multipart(
                        &[("revision", "0"), ("title", "x")],
                        ("x.pdf", b"%PDF-1.4\n"),
                    );
                    request.header("content-type", kind).body(body)
                }
                ("POST", "/ui/triage") => request.form(&[
                    ("register", ids.register),
                    ("key", ids.key),
                    ("status", "open"),
                ]),
                ("POST", "/ui/users/{login}") => request.form(&[("action", "enable")]),
                ("POST", "/ui/cases") => request.form(&[
                    ("org_id", "op-a"),
                    ("kind", "report_demand"),
                    ("title", "another"),
                ]),
                ("POST", "/ui/cases/{id}/change") => {
                    request.form(&[("change", "close"), ("revision", "0")])
                }
                ("POST", "/ui/plans") => request.form(&[("title", "another")]),
                ("POST", "/ui/plans/{id}/fill") => request.form(&[("revision", "0")]),
                ("POST", "/ui/plans/{id}/edit") => {
                    request.form(&[("revision", "0"), ("json", plan_json.as_str())])
                }
                ("POST", "/ui/plans/{id}/step") => {
                    request.form(&[("revision", "0"), ("action", "file")])
                }
                _ => request,
            };
            let status = request.send().await.unwrap().status();
            row.push_str(&format!(" {}", status.as_u16()));
        }
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// A KEV catalogue of one entry (the shape of CISA's file; the entry is
/// CVE-2022-42475 as KEV lists it), for the matrix's publication.
const MATRIX_KEV: &str = r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.01.01", "dateReleased": "2026-01-01T00:00:00.000Z", "count": 1, "vulnerabilities": [{"cveID": "CVE-2022-42475", "vendorProject": "Fortinet", "product": "FortiOS", "vulnerabilityName": "Fortinet FortiOS Heap-Based Buffer Overflow Vulnerability", "dateAdded": "2022-12-13", "shortDescription": "A heap-based buffer overflow in FortiOS SSL-VPN.", "requiredAction": "Apply updates per vendor instructions.", "dueDate": "2023-01-03", "knownRansomwareCampaignUse": "Known", "notes": "", "cwes": ["CWE-122"]}]}"#;

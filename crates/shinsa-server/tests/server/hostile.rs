//! What a hostile user tries: webhooks into private networks, other tenants, forged requests, floods of uploads.

use super::*;

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

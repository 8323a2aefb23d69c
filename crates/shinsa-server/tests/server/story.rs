//! The register story: upload, screening, triage, a list update and re-screening, the signed webhook, and an audit edit caught.

use super::*;

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
        "version = \"1.3.0\"",
        "version = \"1.4.0\"\nsectors = [\"electricity\"]",
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
        (Some("1.4.0"), Some(35))
    );
    let runs = client.settle(&t("meti-reviewer")).await;
    let by_pack: Vec<&Value> = runs
        .iter()
        .filter(|run| run["reason"] == "pack jp-espa@1.4.0")
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
            .starts_with("jp-espa@1.4.0")
    }));
    // The telecommunications operator's register is screened again too, by
    // the version in force for its sector: still the bundled one.
    let telecom = client.settle(&t("c-admin")).await;
    let telecom_run = telecom
        .iter()
        .find(|run| run["reason"] == "pack jp-espa@1.4.0")
        .expect("op-c's register was screened again");
    assert!(
        telecom_run["provenance"]["policy"]
            .as_str()
            .unwrap()
            .starts_with("jp-espa@1.3.0"),
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
            |p| p["version"] == "1.4.0" && p["source"].as_str().unwrap().contains("meti-admin")
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

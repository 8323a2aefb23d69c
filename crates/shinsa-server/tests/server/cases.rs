//! Enforcement cases: opened by a ministry, documents from both sides, milestones measured on the register.

use super::*;

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

//! Installation plans from draft to clearance and back to review, and the people they name.

use super::*;

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

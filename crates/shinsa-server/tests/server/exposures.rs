//! Vulnerability data published through the API (issue 28): the platform
//! administrator publishes a CVE record, then KEV; every register is
//! re-screened with what appeared per operator; the ministry sees which
//! operators run the exposed models; a plan drawn from the register asks
//! for a measure per exposure, will not file without one, and the filing
//! PDF carries them.

use super::*;

/// The example's real records (examples/vulns/PROVENANCE.md says where
/// they come from).
fn example(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/vulns")
        .join(name);
    std::fs::read(path).unwrap()
}

/// An operator with two FortiGates: one on FortiOS 7.0.8 (inside
/// CVE-2022-42475's range), one on 7.0.9 (its fixed version).
fn firewalls(operator: &str, critical_version: &str) -> Value {
    json!({
        "operator": {"id": operator, "name": format!("{operator} 株式会社"), "sector": "electricity", "country": "JP"},
        "parties": [{"id": "FTN", "name": "Fortinet, Inc.", "country": "US"}],
        "assets": [
            {"id": "FW-1", "name": "本店 ファイアウォール", "kind": "equipment", "category": "firewall",
             "critical": true, "manufacturer": "FTN", "supplier": "FTN", "model": "FortiGate 600F",
             "firmware": "FortiOS", "version": critical_version, "country_of_manufacture": "TW"},
            {"id": "FW-2", "name": "支店 ファイアウォール", "kind": "equipment", "category": "firewall",
             "critical": false, "manufacturer": "FTN", "supplier": "FTN", "model": "FortiGate 60F",
             "firmware": "FortiOS", "version": "7.0.9"}
        ]
    })
}

async fn publish(client: &Client, token: &str, file: &str) -> Value {
    let response = client
        .http
        .post(format!("{}/api/v1/advisories?file={file}", client.base))
        .bearer_auth(token)
        .body(example(file))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn the_exposure_story(database: Option<String>) {
    let server = Server::start(database).await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();

    for (who, operator, version) in [("a-admin", "OP-A", "7.0.8"), ("b-admin", "OP-B", "7.0.9")] {
        let (status, body) = client
            .upload(&t(who), "main", &firewalls(operator, version))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    client.settle(&t("meti-reviewer")).await;
    assert!(
        client
            .keys(&t("meti-reviewer"), "&kind=exposure")
            .await
            .is_empty(),
        "no vulnerability data yet, no exposures"
    );

    // Only the platform administrator publishes; a ministry may not.
    let refused = client
        .http
        .post(format!(
            "{}/api/v1/advisories?file=CVE-2022-42475.json",
            client.base
        ))
        .bearer_auth(t("meti-admin"))
        .body(example("CVE-2022-42475.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // A catalogue with no entries is refused, saying why, and publishes
    // nothing (an empty KEV file must not empty the catalogue).
    let empty = client
        .http
        .post(format!(
            "{}/api/v1/advisories?file=known_exploited_vulnerabilities.json",
            client.base
        ))
        .bearer_auth(t("platform-admin"))
        .body(r#"{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.01.01", "dateReleased": "2026-01-01T00:00:00.000Z", "count": 0, "vulnerabilities": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = empty.json().await.unwrap();
    assert!(
        problem["title"]
            .as_str()
            .unwrap()
            .contains("nothing was published"),
        "{problem}"
    );
    let (_, advisories) = client.get(&t("a-member"), "/api/v1/advisories").await;
    assert_eq!(advisories, json!([]));

    // The CVE record: op-a's FortiGate on 7.0.8 is exposed, with a fix.
    let published = publish(&client, &t("platform-admin"), "CVE-2022-42475.json").await;
    assert_eq!(published["published"][0]["source_id"], "cve", "{published}");
    assert_eq!(published["published"][0]["records"], 1, "{published}");
    assert_eq!(published["runs_queued"], 2, "{published}");
    let runs = client.settle(&t("meti-reviewer")).await;
    let rescreen = |org: &str| {
        runs.iter()
            .find(|run| {
                run["org_id"] == org
                    && run["reason"]
                        .as_str()
                        .unwrap()
                        .starts_with("advisories cve@")
            })
            .cloned()
            .unwrap_or_else(|| panic!("no re-screen of {org}: {runs:?}"))
    };
    assert_eq!(
        rescreen("op-a")["new_findings"],
        1,
        "{:?}",
        rescreen("op-a")
    );
    assert_eq!(rescreen("op-b")["new_findings"], 0, "7.0.9 is fixed");
    assert_eq!(
        client.keys(&t("meti-reviewer"), "&kind=exposure").await,
        ["op-a/JP-ESPA-033@exposure:FW-1/CVE-2022-42475"]
    );
    // The same file again publishes nothing and re-screens nothing.
    let again = publish(&client, &t("platform-admin"), "CVE-2022-42475.json").await;
    assert_eq!(again["published"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(again["runs_queued"], 0);

    // KEV: the exposure is now known exploited, with its due date and
    // ransomware use; the re-screen says what appeared.
    let kev = publish(
        &client,
        &t("platform-admin"),
        "known_exploited_vulnerabilities.json",
    )
    .await;
    assert_eq!(kev["published"][0]["source_id"], "kev", "{kev}");
    assert_eq!(kev["published"][0]["records"], 31, "{kev}");
    let runs = client.settle(&t("meti-reviewer")).await;
    let a_kev = runs
        .iter()
        .find(|run| {
            run["org_id"] == "op-a"
                && run["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("advisories kev@")
        })
        .unwrap();
    // The notice of a fix gives way to the review of a known exploited
    // vulnerability on a critical facility: one appeared, one went.
    assert_eq!(a_kev["new_findings"], 1, "{a_kev}");
    assert_eq!(a_kev["resolved_findings"], 1, "{a_kev}");
    assert_eq!(
        client.keys(&t("meti-reviewer"), "&kind=exposure").await,
        ["op-a/JP-ESPA-032@exposure:FW-1/CVE-2022-42475"]
    );
    let (status, advisories) = client.get(&t("a-member"), "/api/v1/advisories").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(advisories.as_array().unwrap().len(), 2, "{advisories}");

    // The ministry's view across its sector: who runs the exposed model.
    let (status, seen) = client
        .get(&t("meti-reviewer"), "/api/v1/vulnerabilities?kev=true")
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let rows = seen.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{seen}");
    assert_eq!(rows[0]["vulnerability"], "CVE-2022-42475");
    assert_eq!(rows[0]["kev_due"], "2023-01-03");
    assert_eq!(rows[0]["ransomware"], true);
    assert_eq!(rows[0]["critical_assets"], 1);
    assert_eq!(
        rows[0]["score"], 9.3,
        "the highest CVSS the record gives: {seen}"
    );
    assert_eq!(rows[0]["operators"].as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["operators"][0]["org_id"], "op-a");
    assert_eq!(
        rows[0]["operators"][0]["models"][0], "FortiGate 600F 7.0.8",
        "{seen}"
    );
    // Another ministry's sector shows nothing; op-b sees nothing of op-a.
    for who in ["mic-reviewer", "b-admin"] {
        let (_, seen) = client.get(&t(who), "/api/v1/vulnerabilities").await;
        assert_eq!(seen, json!([]), "{who}");
    }
    let (status, page) = client
        .get(&t("meti-reviewer"), "/api/v1/findings?kind=nothing-such")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 0);

    // A plan drawn from op-a's register lists the exposure and asks for
    // its measure.
    let register_id = runs.iter().find(|run| run["org_id"] == "op-a").unwrap()["register_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, plan) = client
        .send(
            &t("a-admin"),
            reqwest::Method::POST,
            "/api/v1/plans",
            json!({"title": "ファイアウォール更新", "register_id": register_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let item = &plan["body"]["items"][0];
    assert_eq!(item["model"], "FortiGate 600F");
    assert_eq!(item["version"], "7.0.8");
    assert_eq!(item["exposures"][0]["vulnerability"], "CVE-2022-42475");
    assert!(
        item["exposures"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("KEV due 2023-01-03"),
        "{item}"
    );
    assert!(item["exposures"][0]["measure"].is_null());
    let (_, view) = client
        .get(&t("a-admin"), &format!("/api/v1/plans/{plan_id}"))
        .await;
    let pointers: Vec<&str> = view["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gap| gap["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"/items/0/exposures/0/measure"),
        "{pointers:?}"
    );

    // Complete everything else, and drop the exposure: filing is refused,
    // naming the exposure the screening found.
    let mut body = plan["body"].clone();
    let supplier = json!({"name": "Fortinet, Inc.", "country_of_incorporation": "US",
        "major_holders": [], "officers": [{"name": "Ken Xie", "date_of_birth": "1963-01-01", "nationality": "US"}],
        "foreign_government_ties": "none"});
    body["items"][0]["supplier"] = supplier;
    body["items"][0]["timing"] = json!("2027-04-01");
    body["measures"] = json!(["ファームウェアは国内で検証してから適用する"]);
    body["items"][0]["exposures"] = json!([]);
    let revision = amend(
        &client,
        &t("a-admin"),
        &plan_id,
        plan["revision"].as_i64().unwrap(),
        &body,
    )
    .await;
    let (status, refused) = client
        .step(
            &t("a-admin"),
            &json!({"id": plan_id, "revision": revision}),
            "file",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["errors"][0]["pointer"], "/items/0/exposures",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("CVE-2022-42475"),
        "{refused}"
    );

    // With the measure stated, it files, and the filing carries it.
    body["items"][0]["exposures"] = json!([{"vulnerability": "CVE-2022-42475",
        "summary": "FortiOS SSL-VPN heap overflow",
        "measure": {"kind": "update", "detail": "FortiOS 7.0.9 へ更新済み"}}]);
    let revision = amend(&client, &t("a-admin"), &plan_id, revision, &body).await;
    let (status, filed) = client
        .step(
            &t("a-admin"),
            &json!({"id": plan_id, "revision": revision}),
            "file",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let pdf = client
        .http
        .get(format!("{}/api/v1/plans/{plan_id}/filing.pdf", client.base))
        .bearer_auth(t("meti-reviewer"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let text = super::documents::pdf_text(&pdf.bytes().await.unwrap());
    for expected in [
        "既知の脆弱性とリスク管理措置",
        "CVE-2022-42475",
        "FortiOS 7.0.9 へ更新済み",
        "FortiGate 600F / FortiOS / 7.0.8",
    ] {
        assert!(
            text.contains(&super::documents::compact(expected)),
            "{expected} not in the filing:\n{text}"
        );
    }
    server.shut().await;
}

/// Amends a plan's body; returns the new revision.
async fn amend(client: &Client, who: &str, id: &str, revision: i64, body: &Value) -> i64 {
    let (status, amended) = client
        .send(
            who,
            reqwest::Method::PUT,
            &format!("/api/v1/plans/{id}"),
            json!({"revision": revision, "body": body}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{amended}");
    amended["revision"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_exposure_story_on_sqlite() {
    the_exposure_story(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_exposure_story_on_postgres() {
    the_exposure_story(Some(shinsa_store::testing::fresh_postgres().await)).await;
}

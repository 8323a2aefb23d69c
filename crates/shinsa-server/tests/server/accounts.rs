//! Accounts in the web UI: an organisation's administrator manages its users.

use super::*;

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

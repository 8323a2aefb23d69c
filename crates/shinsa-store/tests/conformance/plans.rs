//! Plans from draft to decision; runs claimed round the organisations.

use super::*;

fn step(revision: i64, side: &str, action: &str, status: &str) -> PlanStep {
    PlanStep {
        expected_revision: revision,
        side: side.into(),
        action: action.into(),
        status: status.into(),
        received_on: None,
        due_on: None,
        response_due_on: None,
        note: None,
        body: None,
        snapshot: None,
        notify: None,
        file: None,
    }
}

/// A draft is the operator's alone; once filed its sector's regulator
/// reviews it; every step is kept, in order, and cannot be edited; a step
/// on a stale revision is refused; notifications go to the other side.
async fn plans_from_draft_to_decision(store: &SqlStore) {
    let meti = organisation(store, "meti", OrgKind::Regulator, &["electricity"]).await;
    let mic = organisation(store, "mic", OrgKind::Regulator, &["telecom"]).await;
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    organisation(store, "op-b", OrgKind::Operator, &["electricity"]).await;
    user(store, "meti", "reviewer", Role::RegulatorReviewer).await;
    user(store, "mic", "other-reviewer", Role::RegulatorReviewer).await;
    user(store, "op-a", "admin-a", Role::OperatorAdmin).await;
    let (registered, _) = store
        .upload_register(&op("op-a"), &system(), register("grid"))
        .await
        .unwrap();
    assert_eq!(
        store
            .register_inventory(&op("op-a"), &registered.id)
            .await
            .unwrap()
            .as_deref(),
        Some("{\"register\": \"grid\"}")
    );
    assert_eq!(
        store
            .register_inventory(&op("op-b"), &registered.id)
            .await
            .unwrap(),
        None
    );
    let body = serde_json::json!({"id": "plan_1", "title": "変電所ルータ", "items": []});
    let draft = store
        .create_plan(
            &op("op-a"),
            &system(),
            NewPlan {
                id: "plan_1".into(),
                register_id: Some(registered.id.clone()),
                title: "変電所ルータ".into(),
                body: body.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!((draft.status.as_str(), draft.revision), ("draft", 1));
    // Another operator cannot draw a plan from op-a's register.
    let foreign = store
        .create_plan(
            &op("op-b"),
            &system(),
            NewPlan {
                id: "plan_2".into(),
                register_id: Some(registered.id.clone()),
                title: "x".into(),
                body: body.clone(),
            },
        )
        .await;
    assert!(
        matches!(foreign, Err(StoreError::NotFound(_))),
        "{foreign:?}"
    );
    let regulator = regulator_of(&meti);
    assert!(
        store
            .plans(&regulator, PlanReach::FILED)
            .await
            .unwrap()
            .is_empty(),
        "drafts are private"
    );
    assert!(
        store
            .plan(&op("op-b"), PlanReach::WHOLE, "plan_1")
            .await
            .unwrap()
            .is_none()
    );

    let mut filing = step(1, "operator", "file", "filed");
    filing.body =
        Some(serde_json::json!({"id": "plan_1", "title": "変電所ルータ更新", "items": [1]}));
    filing.snapshot =
        Some(serde_json::json!({"findings": 2, "lists": {"fcc-covered": "2025-12-22"}}));
    filing.notify = Some(Notice {
        audience: Audience::Regulators,
        mailed: vec![Role::RegulatorReviewer],
        payload: serde_json::json!({"event": "plan.filed"}),
    });
    let filed = store
        .plan_step(
            (&op("op-a"), PlanReach::WHOLE),
            &Actor("user:admin-a".into()),
            "plan_1",
            filing,
        )
        .await
        .unwrap();
    assert_eq!((filed.status.as_str(), filed.revision), ("filed", 2));
    assert_eq!(
        filed.title, "変電所ルータ更新",
        "the title follows the body"
    );
    assert!(filed.filed_at.is_some());
    let seen: Vec<String> = store
        .plans(&regulator, PlanReach::FILED)
        .await
        .unwrap()
        .into_iter()
        .map(|plan| plan.id)
        .collect();
    assert_eq!(seen, ["plan_1"]);
    assert!(
        store
            .plans(&regulator_of(&mic), PlanReach::FILED)
            .await
            .unwrap()
            .is_empty()
    );

    let mut receipt = step(2, "reviewer", "receive", "under_review");
    receipt.received_on = Some("2026-04-03".into());
    receipt.due_on = Some("2026-05-07".into());
    receipt.notify = Some(Notice {
        audience: Audience::Operator,
        mailed: vec![Role::OperatorAdmin],
        payload: serde_json::json!({"event": "plan.received"}),
    });
    let stale = store
        .plan_step(
            (&regulator, PlanReach::FILED),
            &system(),
            "plan_1",
            step(1, "reviewer", "receive", "under_review"),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Stale(_))), "{stale:?}");
    let received = store
        .plan_step(
            (&regulator, PlanReach::FILED),
            &Actor("user:reviewer".into()),
            "plan_1",
            receipt,
        )
        .await
        .unwrap();
    assert_eq!(received.due_on.as_deref(), Some("2026-05-07"));
    assert!(
        store
            .plan_step(
                (&op("op-b"), PlanReach::WHOLE),
                &system(),
                "plan_1",
                step(3, "operator", "withdraw", "withdrawn")
            )
            .await
            .is_err(),
        "another operator cannot touch it"
    );

    let events = store
        .plan_events(&op("op-a"), PlanReach::WHOLE, "plan_1")
        .await
        .unwrap();
    let actions: Vec<(i64, &str, &str)> = events
        .iter()
        .map(|event| (event.seq, event.action.as_str(), event.status.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (1, "create", "draft"),
            (2, "file", "filed"),
            (3, "receive", "under_review")
        ]
    );
    assert_eq!(events[1].snapshot.as_ref().unwrap()["findings"], 2);
    let reviewed: Vec<i64> = store
        .plan_events(&regulator, PlanReach::FILED, "plan_1")
        .await
        .unwrap()
        .iter()
        .map(|event| event.seq)
        .collect();
    assert_eq!(
        reviewed,
        [2, 3],
        "the ministry's history starts at the filing"
    );
    assert!(
        store
            .plan_events(&regulator_of(&mic), PlanReach::FILED, "plan_1")
            .await
            .unwrap()
            .is_empty()
    );
    // Even a connection that sees every row (row-level security aside)
    // cannot rewrite the history.
    let mut conn = store.pool().acquire().await.unwrap();
    if store.backend() == Backend::Postgres {
        conn.execute("SELECT set_config('shinsa.tenant_kind', 'system', false)")
            .await
            .unwrap();
    }
    for statement in [
        "UPDATE plan_events SET note = 'rewritten' WHERE plan_id = 'plan_1'",
        "DELETE FROM plan_events WHERE plan_id = 'plan_1'",
    ] {
        assert!(conn.execute(statement).await.is_err(), "{statement}");
    }
    if store.backend() == Backend::Postgres {
        conn.execute("RESET shinsa.tenant_kind").await.unwrap();
    }
    drop(conn);
    let mails: Vec<(String, String)> = store
        .claim_deliveries("mail", &lease(REPLICA), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|message| (message.target, message.payload))
        .collect();
    assert_eq!(
        mails,
        [
            (
                "reviewer".to_owned(),
                "{\"event\":\"plan.filed\"}".to_owned()
            ),
            (
                "admin-a".to_owned(),
                "{\"event\":\"plan.received\"}".to_owned()
            ),
        ]
    );
    let audit: Vec<String> = store
        .audit_events(&op("op-a"), Some("op-a"), 0, None)
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|event| event.action)
        .filter(|action| action.starts_with("plan."))
        .collect();
    assert_eq!(audit, ["plan.create", "plan.file", "plan.receive"]);
    let cleared_none = store.cleared_plans(&registered.id).await.unwrap();
    assert!(cleared_none.is_empty());
}

#[tokio::test]
async fn sqlite_keeps_plans_and_their_history() {
    plans_from_draft_to_decision(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_keeps_plans_and_their_history() {
    plans_from_draft_to_decision(&postgres().await.store).await;
}

/// One organisation queueing many runs does not hold up another's: claims
/// go round the organisations.
async fn claims_go_round_the_organisations(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    organisation(store, "op-b", OrgKind::Operator, &["electricity"]).await;
    for index in 0..4 {
        store
            .upload_register(&op("op-a"), &system(), register(&format!("a{index}")))
            .await
            .unwrap();
    }
    store
        .upload_register(&op("op-b"), &system(), register("b0"))
        .await
        .unwrap();
    let mut order = Vec::new();
    while let Some(claimed) = store.claim_run(&lease(REPLICA)).await.unwrap() {
        order.push(claimed.run.org_id.clone());
    }
    assert_eq!(order, ["op-a", "op-b", "op-a", "op-a", "op-a"]);
}

#[tokio::test]
async fn sqlite_claims_go_round_the_organisations() {
    claims_go_round_the_organisations(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_claims_go_round_the_organisations() {
    claims_go_round_the_organisations(&postgres().await.store).await;
}

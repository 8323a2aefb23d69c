//! The audit chains: tampering refused, then caught; appends from many writers keep one chain.

use super::*;

/// Fills op-a's chain with four events.
async fn four_events(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    for login in ["a1", "a2", "a3", "a4"] {
        user(store, "op-a", login, Role::OperatorMember).await;
    }
}

/// Runs `statement` as whoever owns the tables would: on PostgreSQL naming
/// the server as the tenant, which row-level security lets through.
async fn as_owner(store: &SqlStore, statement: &str) -> Result<(), sqlx::Error> {
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        tx.execute("SELECT set_config('shinsa.tenant_kind', 'system', true)")
            .await?;
    }
    tx.execute(statement).await?;
    tx.commit().await
}

async fn tampered(store: &SqlStore, statements: &[&str]) -> ChainReport {
    for statement in statements {
        as_owner(store, statement).await.unwrap();
    }
    store
        .verify_audit(None)
        .await
        .unwrap()
        .into_iter()
        .find(|report| report.chain == "op-a")
        .unwrap()
}

async fn drop_guards(store: &SqlStore) {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ],
        Backend::Postgres => &["DROP TRIGGER audit_events_no_update ON audit_events"],
    };
    for statement in statements {
        store.pool().execute(*statement).await.unwrap();
    }
}

async fn tampering_is_refused_then_caught(fresh: impl AsyncFn() -> Fresh) {
    // The triggers refuse edits and deletes outright.
    let guarded = fresh().await;
    four_events(&guarded.store).await;
    for statement in [
        "UPDATE audit_events SET actor = 'someone else' WHERE chain = 'op-a' AND seq = 2",
        "DELETE FROM audit_events WHERE chain = 'op-a' AND seq = 2",
    ] {
        let error = as_owner(&guarded.store, statement).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    // Past the triggers (a database administrator), verify still sees it.
    let cases: [(&[&str], i64, &str); 4] = [
        (
            &[
                "UPDATE audit_events SET detail = '{\"login\":\"mallory\",\"role\":\"operator-admin\"}' WHERE chain = 'op-a' AND seq = 3",
            ],
            3,
            "altered",
        ),
        (
            &["DELETE FROM audit_events WHERE chain = 'op-a' AND seq = 2"],
            2,
            "missing",
        ),
        (
            &[
                "UPDATE audit_events SET seq = -2 WHERE chain = 'op-a' AND seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE chain = 'op-a' AND seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE chain = 'op-a' AND seq = -2",
            ],
            2,
            "does not link",
        ),
        (
            &["DELETE FROM audit_events WHERE chain = 'op-a' AND seq = 4"],
            4,
            "deleted from the end",
        ),
    ];
    for (statements, broken, problem) in cases {
        let case = fresh().await;
        four_events(&case.store).await;
        drop_guards(&case.store).await;
        let report = tampered(&case.store, statements).await;
        assert_eq!(
            report.first_broken,
            Some(broken),
            "{statements:?}: {report:?}"
        );
        assert!(
            report.problem.as_deref().unwrap().contains(problem),
            "{report:?}"
        );
    }
}

#[tokio::test]
async fn sqlite_audit_tampering_is_refused_then_caught() {
    tampering_is_refused_then_caught(sqlite).await;
}

#[tokio::test]
async fn postgres_audit_tampering_is_refused_then_caught() {
    tampering_is_refused_then_caught(postgres).await;
}

async fn concurrent_appends_keep_one_chain(fresh: Fresh) {
    let store = std::sync::Arc::new(fresh.store);
    organisation(&store, "op-a", OrgKind::Operator, &["electricity"]).await;
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                user(&store, "op-a", &format!("u{n}"), Role::OperatorMember).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let reports = store.verify_audit(None).await.unwrap();
    let chain = reports.iter().find(|r| r.chain == "op-a").unwrap();
    assert!(chain.intact(), "{chain:?}");
    assert_eq!(chain.events, 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_appends_keep_one_chain() {
    concurrent_appends_keep_one_chain(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_appends_keep_one_chain() {
    concurrent_appends_keep_one_chain(postgres().await).await;
}

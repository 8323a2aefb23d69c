//! Accounts end: disabled users, expired tokens and sessions.

use super::*;

/// Accounts have lifetimes: sessions end when idle, tokens when they
/// expire, and a disabled user signs in by nothing; every change of an
/// account is audited and ends its sessions.
async fn accounts_end(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    let alice = user(store, "op-a", "alice@a.example", Role::OperatorAdmin).await;
    let at = |time: &str| format!("2026-11-28T{time}.000000Z");
    store
        .create_session(&alice.id, "session", &at("20:00:00"))
        .await
        .unwrap();
    // Used at 10:00; idle for 30 minutes ends it at 10:30.
    let seen = store
        .session_principal("session", &at("10:00:00"), &at("09:30:00"))
        .await
        .unwrap();
    assert!(seen.is_some());
    assert!(
        store
            .session_principal("session", &at("10:31:00"), &at("10:01:00"))
            .await
            .unwrap()
            .is_none(),
        "idle since its last use"
    );
    assert_eq!(
        store
            .purge_sessions(&at("10:31:00"), &at("10:01:00"))
            .await
            .unwrap(),
        1
    );
    for (hash, expires, scope) in [
        ("expired", Some(at("09:00:00")), TokenScope::ReadWrite),
        ("reader", Some(at("23:00:00")), TokenScope::ReadOnly),
    ] {
        store
            .create_token(
                &system(),
                &alice.id,
                NewToken {
                    name: hash,
                    secret_hash: hash,
                    expires_at: expires,
                    scope,
                },
            )
            .await
            .unwrap();
    }
    assert!(
        store
            .token_principal("expired", &at("10:00:00"))
            .await
            .unwrap()
            .is_none()
    );
    let (_, scope) = store
        .token_principal("reader", &at("10:00:00"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scope, TokenScope::ReadOnly);
    let listed = store.tokens(&op("op-a")).await.unwrap();
    let reader = listed.iter().find(|token| token.name == "reader").unwrap();
    assert_eq!(
        reader.last_used_at.as_deref(),
        Some(at("10:00:00").as_str())
    );

    store
        .create_session(&alice.id, "again", &at("20:00:00"))
        .await
        .unwrap();
    store
        .change_account(&system(), "alice@a.example", AccountChange::Disable)
        .await
        .unwrap();
    assert!(
        store
            .user_for_login("alice@a.example")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .token_principal("reader", &at("10:05:00"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session_principal("again", &at("10:05:00"), &at("09:00:00"))
            .await
            .unwrap()
            .is_none(),
        "disabling ended the session"
    );
    store
        .change_account(&system(), "alice@a.example", AccountChange::Enable)
        .await
        .unwrap();
    assert!(
        store
            .user_for_login("alice@a.example")
            .await
            .unwrap()
            .is_some()
    );
    let member = store
        .change_account(
            &system(),
            "alice@a.example",
            AccountChange::Role(Role::OperatorMember),
        )
        .await
        .unwrap();
    assert_eq!(member.role, Role::OperatorMember);
    let (events, _) = store
        .audit_events(&op("op-a"), None, 0, None)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|event| event.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "token.create",
            "token.create",
            "user.disable",
            "user.enable",
            "user.role"
        ]
    );
}

#[tokio::test]
async fn sqlite_accounts_end() {
    accounts_end(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_accounts_end() {
    accounts_end(&postgres().await.store).await;
}

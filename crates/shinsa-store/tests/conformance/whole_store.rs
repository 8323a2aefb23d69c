//! The whole store at work: organisations, people, registers, runs, findings, lists, packs and the outbox.

use super::*;

/// A webhook that fails is tried again when due, held by one replica at a
/// time; one too old to retry is a dead letter that its organisation (and
/// no other) may send again; every attempt is kept.
async fn deliveries_are_retried_and_dead_letters_sent_again(store: &SqlStore, id: i64) {
    let base = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    let claimed = store
        .claim_deliveries("webhook", &lease_at("replica-a", base, 0, 30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
    let held_elsewhere = store
        .claim_deliveries("webhook", &lease_at("replica-b", base, 1, 30), 10)
        .await
        .unwrap();
    assert!(held_elsewhere.is_empty());
    assert!(matches!(
        store
            .record_delivery(id, "replica-b", DeliveryOutcome::Delivered("200".into()))
            .await,
        Err(StoreError::Stale(_))
    ));
    let retry_at = timestamp(base + time::Duration::seconds(60));
    store
        .record_delivery(
            id,
            "replica-a",
            DeliveryOutcome::Retry {
                outcome: "503".into(),
                next_attempt_at: retry_at.clone(),
            },
        )
        .await
        .unwrap();
    let not_due = store
        .claim_deliveries("webhook", &lease_at("replica-b", base, 30, 60), 10)
        .await
        .unwrap();
    assert!(not_due.is_empty(), "due at 60 s, not 30 s");
    let due = store
        .claim_deliveries("webhook", &lease_at("replica-b", base, 61, 90), 10)
        .await
        .unwrap();
    assert_eq!((due.len(), due[0].attempts), (1, 1));
    store
        .record_delivery(
            id,
            "replica-b",
            DeliveryOutcome::Dead("failed: refused".into()),
        )
        .await
        .unwrap();
    let dead = store
        .outbox(&op("op-a"), Some(DeliveryStatus::Dead))
        .await
        .unwrap();
    assert_eq!(
        dead.iter().map(|m| (m.id, m.attempts)).collect::<Vec<_>>(),
        [(id, 2)]
    );
    assert!(matches!(
        store.resend(&op("op-b"), &system(), id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .delivery_attempts(&op("op-b"), id)
            .await
            .unwrap()
            .is_empty()
    );
    let resent = store.resend(&op("op-a"), &system(), id).await.unwrap();
    assert_eq!(resent.status, DeliveryStatus::Pending);
    assert!(resent.retry_since > resent.created_at);
    let claimed = store
        .claim_deliveries("webhook", &lease(REPLICA), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .record_delivery(id, REPLICA, DeliveryOutcome::Delivered("204".into()))
        .await
        .unwrap();
    let attempts: Vec<(i64, String, bool, String)> = store
        .delivery_attempts(&op("op-a"), id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.attempt, a.owner, a.delivered, a.outcome))
        .collect();
    assert_eq!(
        attempts,
        [
            (1, "replica-a".into(), false, "503".into()),
            (2, "replica-b".into(), false, "failed: refused".into()),
            (3, REPLICA.into(), true, "204".into()),
        ]
    );
    let sent = &store.outbox(&op("op-a"), None).await.unwrap();
    let sent = sent.iter().find(|m| m.id == id).unwrap();
    assert_eq!((sent.status, sent.attempts), (DeliveryStatus::Sent, 3));
    assert!(sent.sent_at.is_some());
    assert_ne!(sent.idempotency_key(), String::new());
}

async fn the_whole_store(store: &SqlStore) {
    // Organisations and people.
    let meti = organisation(store, "meti", OrgKind::Regulator, &["electricity"]).await;
    organisation(store, "mic", OrgKind::Regulator, &["telecommunications"]).await;
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    organisation(store, "op-b", OrgKind::Operator, &["electricity"]).await;
    organisation(store, "op-c", OrgKind::Operator, &["telecommunications"]).await;
    let duplicate = store
        .create_organisation(
            &system(),
            NewOrganisation {
                id: "op-a".into(),
                name: "again".into(),
                kind: OrgKind::Operator,
                sectors: vec![],
            },
        )
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict(_))),
        "{duplicate:?}"
    );
    let regulator = regulator_of(&meti);
    let seen: Vec<String> = store
        .organisations(&regulator)
        .await
        .unwrap()
        .into_iter()
        .map(|org| org.id)
        .collect();
    assert_eq!(seen, ["meti", "op-a", "op-b"]);

    let alice = user(store, "op-a", "alice@a.example", Role::OperatorAdmin).await;
    user(store, "op-b", "bob@b.example", Role::OperatorMember).await;
    let again = store
        .create_user(
            &system(),
            NewUser {
                org_id: "op-b".into(),
                login: "alice@a.example".into(),
                name: "x".into(),
                role: Role::OperatorMember,
                password_hash: "x".into(),
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    let (found, hash) = store
        .user_for_login("alice@a.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.user.id.as_str(), found.org.id.as_str()),
        (alice.id.as_str(), "op-a")
    );
    assert_eq!(hash, "hash-of-alice@a.example");
    assert!(store.user_for_login("nobody").await.unwrap().is_none());

    // Sessions expire; tokens are revoked only by their organisation.
    store
        .create_session(&alice.id, "session-hash", "2026-11-28T12:00:00.000000Z")
        .await
        .unwrap();
    let signed_in = store
        .session_principal("session-hash", "2026-11-28T11:59:59.000000Z", "2000-01-01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signed_in.user.login, "alice@a.example");
    assert!(
        store
            .session_principal("session-hash", "2026-11-28T12:00:00.000001Z", "2000-01-01")
            .await
            .unwrap()
            .is_none()
    );
    store.delete_session("session-hash").await.unwrap();
    assert!(
        store
            .session_principal("session-hash", "2000-01-01", "1999-12-31")
            .await
            .unwrap()
            .is_none()
    );

    let token = store
        .create_token(
            &Actor::user(&alice),
            &alice.id,
            NewToken {
                name: "ci",
                secret_hash: "token-hash",
                expires_at: None,
                scope: TokenScope::ReadWrite,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .token_principal("token-hash", "2026-11-28T00:00:00.000000Z")
            .await
            .unwrap()
            .unwrap()
            .0
            .user
            .id,
        alice.id
    );
    let foreign = store.revoke_token(&op("op-b"), &system(), &token.id).await;
    assert!(matches!(foreign, Err(StoreError::NotFound(_))));
    assert_eq!(store.tokens(&op("op-b")).await.unwrap(), vec![]);
    store
        .revoke_token(&op("op-a"), &system(), &token.id)
        .await
        .unwrap();
    assert!(
        store
            .token_principal("token-hash", "2026-11-28T00:00:00.000000Z")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.tokens(&op("op-a")).await.unwrap()[0]
            .revoked_at
            .is_some()
    );

    // Registers: versions per name, one queued run per upload.
    let (first, run_1) = store
        .upload_register(&op("op-a"), &Actor::user(&alice), register("main"))
        .await
        .unwrap();
    assert_eq!((first.version, first.sector.as_str()), (1, "electricity"));
    assert_eq!(
        (run_1.status, run_1.reason.as_str()),
        (RunStatus::Queued, "upload")
    );
    let (second, _) = store
        .upload_register(&op("op-a"), &Actor::user(&alice), register("main"))
        .await
        .unwrap();
    assert_eq!((second.id.as_str(), second.version), (first.id.as_str(), 2));
    let (b_register, _) = store
        .upload_register(&op("op-b"), &system(), register("b-main"))
        .await
        .unwrap();
    let refused = store
        .upload_register(&regulator, &system(), register("regulator's"))
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound(_))));
    let names = |registers: Vec<RegisterSummary>| -> Vec<String> {
        registers.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(names(store.registers(&op("op-a")).await.unwrap()), ["main"]);
    assert_eq!(
        names(store.registers(&op("op-b")).await.unwrap()),
        ["b-main"]
    );
    assert_eq!(
        names(store.registers(&regulator).await.unwrap()),
        ["main", "b-main"]
    );
    let mic = Tenant::Regulator {
        org: "mic".into(),
        sectors: vec!["telecommunications".into()],
    };
    assert!(store.registers(&mic).await.unwrap().is_empty());
    assert!(
        store
            .register(&op("op-b"), &first.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .register(&regulator, &first.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.register(&mic, &first.id).await.unwrap().is_none());

    // Runs are claimed round the organisations (op-a's first, then op-b's,
    // which waited while op-a was served, then op-a's next); each records
    // what changed.
    let (claimed, change) = screen(
        store,
        &[
            finding("R1@asset:a1", "review"),
            finding("R2@asset:a2", "prohibited"),
        ],
    )
    .await;
    assert_eq!(
        (claimed.id.as_str(), claimed.register_version),
        (run_1.id.as_str(), 1)
    );
    assert_eq!(change.new, ["R1@asset:a1", "R2@asset:a2"]);
    assert!(change.resolved.is_empty());
    let (b_run, _) = screen(store, &[finding("R9@asset:b1", "review")]).await;
    assert_eq!(b_run.org_id, "op-b");
    let (claimed, change) = screen(
        store,
        &[
            finding("R2@asset:a2", "prohibited"),
            finding("R3@asset:a3", "notice"),
        ],
    )
    .await;
    assert_eq!(claimed.register_version, 2);
    assert_eq!(
        (change.new.as_slice(), change.resolved.as_slice()),
        (
            &["R3@asset:a3".to_owned()][..],
            &["R1@asset:a1".to_owned()][..]
        )
    );
    let done = store.run(&op("op-a"), &claimed.id).await.unwrap().unwrap();
    assert_eq!(
        (
            done.status,
            done.findings,
            done.new_findings,
            done.resolved_findings
        ),
        (RunStatus::Done, Some(2), Some(1), Some(1))
    );
    assert_eq!(done.provenance.unwrap()["policy"], "jp-espa@1.1.0");
    assert!(store.run(&op("op-b"), &claimed.id).await.unwrap().is_none());
    assert_eq!(store.runs(&op("op-a"), None, 0, 50).await.unwrap().total, 2);
    assert_eq!(store.runs(&regulator, None, 0, 50).await.unwrap().total, 3);
    assert!(
        store
            .runs(&mic, None, 0, 50)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Findings: the current run's, each tenant its own, paged and filtered.
    let keys = |page: Page<FindingView>| -> Vec<String> {
        page.items.into_iter().map(|f| f.row.key).collect()
    };
    assert_eq!(
        keys(store.findings(&op("op-a"), &filter()).await.unwrap()),
        ["R2@asset:a2", "R3@asset:a3"]
    );
    assert_eq!(
        keys(store.findings(&op("op-b"), &filter()).await.unwrap()),
        ["R9@asset:b1"]
    );
    let everything = store.findings(&regulator, &filter()).await.unwrap();
    assert_eq!(everything.total, 3);
    assert!(
        store
            .findings(&mic, &filter())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let paged = store
        .findings(
            &regulator,
            &FindingFilter {
                limit: 1,
                offset: 1,
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (paged.total, keys(paged)),
        (3, vec!["R9@asset:b1".to_owned()])
    );
    let past_the_end = store
        .findings(
            &regulator,
            &FindingFilter {
                limit: 2,
                offset: 4,
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!((past_the_end.total, past_the_end.items.len()), (3, 0));
    let searched = store
        .findings(
            &regulator,
            &FindingFilter {
                text: Some("CAMERA r3".into()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(keys(searched), ["R3@asset:a3"]);
    let prohibited = store
        .findings(
            &regulator,
            &FindingFilter {
                severity: Some("prohibited".into()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(keys(prohibited), ["R2@asset:a2"]);
    let of_register = store
        .findings(
            &regulator,
            &FindingFilter {
                register_id: Some(b_register.id.clone()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(keys(of_register), ["R9@asset:b1"]);

    // Triage: only on a visible register's current finding; it survives
    // re-screening; an accepted risk past its expiry is open again.
    let accepted = TriageDecision {
        status: TriageStatus::AcceptedRisk,
        justification: Some("replaced in the spring outage".into()),
        expires_at: Some("2026-12-01".into()),
    };
    let other = store
        .triage(
            &op("op-b"),
            &system(),
            &first.id,
            "R2@asset:a2",
            accepted.clone(),
        )
        .await;
    assert!(matches!(other, Err(StoreError::NotFound(_))));
    let gone = store
        .triage(
            &op("op-a"),
            &system(),
            &first.id,
            "R1@asset:a1",
            accepted.clone(),
        )
        .await;
    assert!(
        matches!(gone, Err(StoreError::NotFound(_))),
        "R1 was resolved"
    );
    store
        .triage(
            &op("op-a"),
            &Actor::user(&alice),
            &first.id,
            "R2@asset:a2",
            accepted,
        )
        .await
        .unwrap();
    store
        .queue_run(&op("op-a"), &Actor::user(&alice), &first.id, "manual")
        .await
        .unwrap();
    let foreign_queue = store
        .queue_run(&op("op-b"), &system(), &first.id, "manual")
        .await;
    assert!(matches!(foreign_queue, Err(StoreError::NotFound(_))));
    screen(
        store,
        &[
            finding("R2@asset:a2", "prohibited"),
            finding("R3@asset:a3", "notice"),
        ],
    )
    .await;
    let accepted_now = store
        .findings(
            &op("op-a"),
            &FindingFilter {
                status: Some(TriageStatus::AcceptedRisk),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(accepted_now.items.len(), 1);
    let view = &accepted_now.items[0];
    assert_eq!(view.row.key, "R2@asset:a2");
    let triage = view.triage.as_ref().unwrap();
    assert_eq!(triage.decided_by, "user:alice@a.example");
    let later = FindingFilter {
        today: "2026-12-02".into(),
        status: Some(TriageStatus::Open),
        ..filter()
    };
    assert_eq!(
        keys(store.findings(&op("op-a"), &later).await.unwrap()),
        ["R2@asset:a2", "R3@asset:a3"]
    );
    let one = store
        .finding(&op("op-a"), &first.id, "R2@asset:a2", "2026-11-28")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.status, TriageStatus::AcceptedRisk);
    assert!(
        store
            .finding(&op("op-b"), &first.id, "R2@asset:a2", "2026-11-28")
            .await
            .unwrap()
            .is_none()
    );

    // Webhook and mail go to the outbox with the run that changed things.
    listen(store, &alice).await;

    // A list version re-screens every register, once.
    let list = NewListVersion {
        list_id: "fcc-covered".into(),
        version: "2026-11-27".into(),
        sha256: "abc".into(),
        entries: 12,
        body: "{\"list\": 1}".into(),
    };
    assert!(store.publish_list(&system(), list.clone()).await.unwrap());
    assert!(!store.publish_list(&system(), list.clone()).await.unwrap());
    assert_eq!(store.latest_lists().await.unwrap(), ["{\"list\": 1}"]);
    assert_eq!(store.list_versions().await.unwrap()[0].entries, 12);
    for _ in 0..2 {
        let claimed = store.claim_run(&lease(REPLICA)).await.unwrap().unwrap();
        assert_eq!(claimed.run.reason, "list fcc-covered@2026-11-27");
        let a = claimed.run.register_id == first.id;
        let findings = if a {
            vec![finding("R2@asset:a2", "prohibited")]
        } else {
            vec![finding("R9@asset:b1", "review")]
        };
        // The server mails the operator's admins of a publication's
        // change, and asks for the register's cleared plans to be looked at.
        let result = RunResult {
            findings,
            provenance: serde_json::json!({}),
            warnings: vec!["pack jp-espa expects list x, which is not loaded".into()],
            mailed: vec![Role::OperatorAdmin],
            then: vec![NewJob {
                kind: "rereview".into(),
                subject: claimed.run.register_id.clone(),
            }],
        };
        let change = store
            .finish_run(&claimed.run.id, REPLICA, result)
            .await
            .unwrap();
        let expected: &[&str] = if a { &["R3@asset:a3"] } else { &[] };
        assert_eq!(change.resolved, expected);
        assert!(change.new.is_empty());
    }
    let outbox = store.outbox(&op("op-a"), None).await.unwrap();
    let kinds: Vec<(&str, &str)> = outbox
        .iter()
        .map(|m| (m.kind.as_str(), m.target.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("mail", "alice@a.example"),
            ("webhook", "http://127.0.0.1:9/hook"),
        ]
    );
    assert_eq!(outbox[1].secret.as_deref(), Some("s3cret"));
    assert!(outbox[1].payload.contains("R3@asset:a3"));
    assert_eq!(outbox[1].status, DeliveryStatus::Pending);
    assert!(store.outbox(&op("op-b"), None).await.unwrap().is_empty());
    // What the engine warned of is kept with the run, and each register a
    // publication re-screened has the job the server asked for queued,
    // visible to its own organisation only.
    let runs = store.runs(&op("op-a"), None, 0, 10).await.unwrap().items;
    assert_eq!(
        runs[0].warnings,
        ["pack jp-espa expects list x, which is not loaded"]
    );
    let queued = store
        .jobs(&Tenant::System, Some(JobStatus::Queued))
        .await
        .unwrap();
    assert_eq!(queued.len(), 2, "{queued:?}");
    let own = store.jobs(&op("op-a"), None).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].subject, first.id);
    deliveries_are_retried_and_dead_letters_sent_again(store, outbox[1].id).await;
    let mails = store
        .claim_deliveries("mail", &lease(REPLICA), 10)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    store
        .record_delivery(
            mails[0].id,
            REPLICA,
            DeliveryOutcome::Delivered("250".into()),
        )
        .await
        .unwrap();

    // A pack version re-screens every register too, once.
    let pack = NewPackVersion {
        pack_id: "jp-espa".into(),
        version: "1.2.0".into(),
        sha256: "def".into(),
        manifest: "id = \"jp-espa\"".into(),
        schema: "namespace Shinsa {}".into(),
        policies: "// none".into(),
    };
    assert!(store.publish_pack(&system(), pack.clone()).await.unwrap());
    assert!(!store.publish_pack(&system(), pack.clone()).await.unwrap());
    assert_eq!(store.stored_packs().await.unwrap(), [pack]);
    assert_eq!(store.pack_versions().await.unwrap()[0].version, "1.2.0");
    for _ in 0..2 {
        let claimed = store.claim_run(&lease(REPLICA)).await.unwrap().unwrap();
        assert_eq!(claimed.run.reason, "pack jp-espa@1.2.0");
        store
            .fail_run(&claimed.run.id, REPLICA, "test")
            .await
            .unwrap();
    }

    // A run whose holder stopped renewing is taken over once its lease
    // runs out, and only then; the old holder can then neither renew nor
    // finish it. A failure is kept.
    store
        .queue_run(&op("op-b"), &system(), &b_register.id, "manual")
        .await
        .unwrap();
    let base = time::OffsetDateTime::now_utc();
    let claimed = store
        .claim_run(&lease_at("replica-a", base, 0, 10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.inventory, "{\"register\": \"b-main\"}");
    assert_eq!(claimed.run.lease_owner.as_deref(), Some("replica-a"));
    assert!(
        store
            .renew_run_lease(&claimed.run.id, &lease_at("replica-a", base, 5, 20))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_run(&lease_at("replica-b", base, 15, 25))
            .await
            .unwrap()
            .is_none(),
        "renewed to 20 s: still held at 15 s"
    );
    let again = store
        .claim_run(&lease_at("replica-b", base, 21, 31))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.run.id, claimed.run.id);
    assert!(
        !store
            .renew_run_lease(&claimed.run.id, &lease_at("replica-a", base, 22, 32))
            .await
            .unwrap()
    );
    let result = RunResult {
        findings: vec![],
        provenance: serde_json::json!({}),
        warnings: Vec::new(),
        mailed: Vec::new(),
        then: Vec::new(),
    };
    assert!(matches!(
        store.finish_run(&claimed.run.id, "replica-a", result).await,
        Err(StoreError::Stale(_))
    ));
    store
        .fail_run(&again.run.id, "replica-b", "the pack would not load")
        .await
        .unwrap();
    let failed = store
        .run(&Tenant::System, &again.run.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (failed.status, failed.error.as_deref(), failed.lease_owner),
        (RunStatus::Failed, Some("the pack would not load"), None)
    );
    let leases = store.run_leases(Some(&again.run.id)).await.unwrap();
    let held: Vec<(&str, &str, Option<&str>)> = leases
        .iter()
        .map(|l| {
            (
                l.owner.as_str(),
                l.expires_at.as_str(),
                l.outcome.as_deref(),
            )
        })
        .collect();
    let at = |seconds| timestamp(base + time::Duration::seconds(seconds));
    assert_eq!(
        held,
        [
            ("replica-a", at(20).as_str(), Some("expired")),
            ("replica-b", at(31).as_str(), Some("failed")),
        ]
    );
    assert_eq!(leases[0].ended_at.as_deref(), Some(at(20).as_str()));
    assert!(store.claim_run(&lease(REPLICA)).await.unwrap().is_none());

    // Every change above is on its tenant's chain, and every chain holds.
    let reports = store.verify_audit(None).await.unwrap();
    assert!(reports.iter().all(ChainReport::intact), "{reports:?}");
    let chains: Vec<&str> = reports.iter().map(|r| r.chain.as_str()).collect();
    assert_eq!(chains, ["op-a", "op-b", "system"]);
    let a_events = store
        .audit_events(&op("op-a"), None, 0, None)
        .await
        .unwrap()
        .0;
    assert!(a_events.iter().all(|event| event.chain == "op-a"));
    // An operator reads its own chain only, even when it names another;
    // a ministry its own and its sectors' operators' (not the system's,
    // nor another sector's); pages count every event they could read.
    assert_eq!(store.audit_chains(&op("op-a")).await.unwrap(), ["op-a"]);
    assert_eq!(
        store.audit_chains(&regulator).await.unwrap(),
        ["meti", "op-a", "op-b"]
    );
    assert!(
        store
            .audit_events(&op("op-a"), Some("op-b"), 0, None)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let (page, total) = store
        .audit_events(&regulator, None, 2, Some(3))
        .await
        .unwrap();
    let (all, _) = store.audit_events(&regulator, None, 0, None).await.unwrap();
    assert_eq!(total, all.len() as i64);
    assert_eq!(page, all[2..5]);
    assert!(all.iter().all(|event| event.chain != "system"));
    let chains = store.audit_chains(&Tenant::System).await.unwrap();
    assert!(chains.contains(&"system".to_owned()), "{chains:?}");
    let actions: Vec<&str> = a_events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "token.create",
            "token.revoke",
            "register.upload",
            "register.upload",
            "run.finish",
            "run.finish",
            "finding.triage",
            "run.queue",
            "run.finish",
            "organisation.webhook",
            "run.finish",
            "delivery.resend",
            "run.fail"
        ]
    );
}

/// Runs of one register finishing out of order: the run queued last stays
/// current, and the one that finishes after it notifies nobody.
async fn a_run_finishing_late_changes_nothing(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    let alice = user(store, "op-a", "alice@a.example", Role::OperatorAdmin).await;
    listen(store, &alice).await;
    let (tenant, actor) = (op("op-a"), Actor::user(&alice));
    let upload = || store.upload_register(&tenant, &actor, register("main"));
    let (_, first) = upload().await.unwrap();
    screen(store, &[finding("R1@asset:a1", "review")]).await;
    let (_, version_2) = upload().await.unwrap();
    let (register, version_3) = upload().await.unwrap();
    assert_eq!(register.version, 3);
    assert_eq!(
        (first.generation, version_2.generation, version_3.generation),
        (1, 2, 3)
    );
    let claimed_2 = store.claim_run(&lease(REPLICA)).await.unwrap().unwrap();
    let claimed_3 = store.claim_run(&lease("replica-b")).await.unwrap().unwrap();
    assert_eq!(
        (
            claimed_2.run.register_version,
            claimed_3.run.register_version
        ),
        (2, 3)
    );
    let result = |key: &str| RunResult {
        findings: vec![finding(key, "review")],
        provenance: serde_json::json!({}),
        warnings: Vec::new(),
        mailed: Vec::new(),
        then: Vec::new(),
    };
    let before = store.findings_generation().await.unwrap();
    let change_3 = store
        .finish_run(&claimed_3.run.id, "replica-b", result("R3@asset:a3"))
        .await
        .unwrap();
    assert_eq!(
        (change_3.new.as_slice(), change_3.resolved.as_slice()),
        (
            &["R3@asset:a3".to_owned()][..],
            &["R1@asset:a1".to_owned()][..]
        )
    );
    let change_2 = store
        .finish_run(&claimed_2.run.id, REPLICA, result("R2@asset:a2"))
        .await
        .unwrap();
    assert_eq!(
        change_2.superseded_by.as_deref(),
        Some(version_3.id.as_str())
    );
    assert!(change_2.new.is_empty() && change_2.resolved.is_empty());
    assert_eq!(
        store.findings_generation().await.unwrap(),
        before + 1,
        "version 3 moved the lists' generation; the superseded run did not"
    );
    let summary = store
        .register(&op("op-a"), &register.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.current_run.as_deref(), Some(version_3.id.as_str()));
    let current: Vec<String> = store
        .findings(&op("op-a"), &filter())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|finding| finding.row.key)
        .collect();
    assert_eq!(current, ["R3@asset:a3"]);
    // A list page is a summary unless the evidence is asked for.
    let summary = store.findings(&op("op-a"), &filter()).await.unwrap();
    assert_eq!(summary.items[0].row.body, "");
    let whole = FindingFilter {
        evidence: true,
        ..filter()
    };
    let whole = store.findings(&op("op-a"), &whole).await.unwrap();
    assert_eq!(whole.items[0].row.body, "{\"id\": \"R3@asset:a3\"}");
    // Runs come a page at a time, newest first, with the total.
    let page = store.runs(&op("op-a"), None, 1, 1).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1));
    assert_eq!(page.items[0].id, version_2.id);
    let past = store.runs(&op("op-a"), None, 10, 5).await.unwrap();
    assert_eq!((past.total, past.items.len()), (3, 0));
    let webhooks: Vec<String> = store
        .outbox(&op("op-a"), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|message| message.kind == "webhook")
        .map(|message| message.payload)
        .collect();
    assert_eq!(
        webhooks.len(),
        2,
        "the first run and version 3's: {webhooks:?}"
    );
    assert!(
        webhooks
            .iter()
            .all(|payload| !payload.contains(&claimed_2.run.id))
    );
    let report = store.verify_audit(None).await.unwrap();
    assert!(
        report.iter().all(|chain| chain.problem.is_none()),
        "{report:?}"
    );
}

/// The rows kept for a register's findings, as (first run, key, last
/// run), every tenant's (on PostgreSQL the transaction acts as the
/// server).
async fn stored_findings(
    store: &SqlStore,
    register_id: &str,
) -> Vec<(String, String, Option<String>)> {
    use sqlx::Row as _;
    let mut tx = store.pool().begin().await.unwrap();
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT set_config('shinsa.tenant_kind', 'system', true)")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let rows = sqlx::query("SELECT run_id, key, last_run FROM findings WHERE register_id = $1 ORDER BY key, last_run IS NULL")
        .bind(register_id)
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    tx.commit().await.unwrap();
    rows
}

/// A re-screening writes only what changed: a finding that reads the
/// same keeps its row (and is shown with the run that screened it last),
/// one that reads differently gets a new row and ends the old one, one
/// gone ends its row at the run that last found it.
async fn a_finding_unchanged_is_not_stored_again(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["electricity"]).await;
    let alice = user(store, "op-a", "alice@a.example", Role::OperatorAdmin).await;
    let (tenant, actor) = (op("op-a"), Actor::user(&alice));
    let (register, _) = store
        .upload_register(&tenant, &actor, register("main"))
        .await
        .unwrap();
    let (same, gone) = (
        finding("R1@asset:a1", "review"),
        finding("R1@asset:a2", "review"),
    );
    let changed = finding("R2@asset:a3", "notice");
    let (first, _) = screen(store, &[same.clone(), gone.clone(), changed.clone()]).await;
    store
        .queue_run(&tenant, &actor, &register.id, "list fcc-covered@2026-12-01")
        .await
        .unwrap();
    let now_prohibited = FindingRow {
        severity: "prohibited".into(),
        severity_rank: 0,
        body: "{\"id\": \"R2@asset:a3\", \"listed\": true}".into(),
        ..changed.clone()
    };
    let appeared = finding("R3@asset:a4", "review");
    let (second, change) = screen(
        store,
        &[same.clone(), now_prohibited.clone(), appeared.clone()],
    )
    .await;
    assert_eq!(change.new, ["R3@asset:a4"]);
    assert_eq!(change.resolved, ["R1@asset:a2"]);
    let (first, second) = (first.id, second.id);
    assert_eq!(
        stored_findings(store, &register.id).await,
        [
            (first.clone(), same.key.clone(), None),
            (first.clone(), gone.key.clone(), Some(first.clone())),
            (first.clone(), changed.key.clone(), Some(first.clone())),
            (second.clone(), changed.key.clone(), None),
            (second.clone(), appeared.key.clone(), None),
        ]
    );
    let whole = FindingFilter {
        evidence: true,
        ..filter()
    };
    let shown: Vec<(String, String, String)> = store
        .findings(&tenant, &whole)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|finding| (finding.run_id, finding.row.key, finding.row.body))
        .collect();
    assert_eq!(
        shown,
        [
            (
                second.clone(),
                now_prohibited.key.clone(),
                now_prohibited.body.clone()
            ),
            (second.clone(), same.key.clone(), same.body.clone()),
            (second.clone(), appeared.key.clone(), appeared.body.clone()),
        ]
    );
    let one = store
        .finding(&tenant, &register.id, &same.key, "2026-11-28")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((one.run_id, one.row), (second.clone(), same.clone()));
    // A finding resolved is no longer there to triage.
    assert!(matches!(
        store
            .triage(
                &tenant,
                &actor,
                &register.id,
                &gone.key,
                TriageDecision {
                    status: TriageStatus::FalsePositive,
                    justification: Some("removed".into()),
                    expires_at: None,
                },
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn sqlite_stores_an_unchanged_finding_once() {
    a_finding_unchanged_is_not_stored_again(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_stores_an_unchanged_finding_once() {
    a_finding_unchanged_is_not_stored_again(&postgres().await.store).await;
}

#[tokio::test]
async fn sqlite_keeps_the_newest_run_current() {
    a_run_finishing_late_changes_nothing(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_keeps_the_newest_run_current() {
    a_run_finishing_late_changes_nothing(&postgres().await.store).await;
}

#[tokio::test]
async fn sqlite_keeps_the_whole_store() {
    the_whole_store(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_keeps_the_whole_store() {
    the_whole_store(&postgres().await.store).await;
}

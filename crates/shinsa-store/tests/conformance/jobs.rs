//! Background jobs: leased, retried, given up on.

use super::*;

/// A job is claimed with a lease, taken over when the lease runs out,
/// retried after a failure (a second request while it runs waits as its own
/// job, which a failed attempt then ends in favour of), and dead on the
/// audit chain when given up on.
async fn jobs_are_leased_retried_and_given_up(store: &SqlStore) {
    organisation(store, "op-a", OrgKind::Operator, &["telecom"]).await;
    let admin = user(store, "op-a", "admin@a.example", Role::OperatorAdmin).await;
    let (register, _) = store
        .upload_register(&op("op-a"), &Actor::user(&admin), register("main"))
        .await
        .unwrap();
    let job = |kind: &str| NewJob {
        kind: kind.into(),
        subject: register.id.clone(),
    };
    store.queue_job(job("rereview")).await.unwrap();
    store.queue_job(job("rereview")).await.unwrap();
    assert_eq!(
        store.jobs(&Tenant::System, None).await.unwrap().len(),
        1,
        "a second request joins the queued one"
    );
    let base = time::OffsetDateTime::now_utc();
    let held = store
        .claim_job(&lease_at("replica-a", base, 0, 10))
        .await
        .unwrap()
        .expect("the queued job");
    assert_eq!((held.status, held.attempts), (JobStatus::Running, 1));
    assert!(
        store
            .claim_job(&lease_at("replica-b", base, 5, 15))
            .await
            .unwrap()
            .is_none(),
        "held"
    );
    assert!(
        store
            .renew_job_lease(&held.id, &lease_at("replica-a", base, 6, 20))
            .await
            .unwrap()
    );
    let taken = store
        .claim_job(&lease_at("replica-b", base, 21, 31))
        .await
        .unwrap()
        .expect("taken over after the lease ran out");
    assert_eq!((taken.id.as_str(), taken.attempts), (held.id.as_str(), 2));
    assert!(matches!(
        store
            .finish_job(&held.id, "replica-a", JobOutcome::Done("late".into()))
            .await,
        Err(StoreError::Stale(_))
    ));
    // A failure is queued again for later.
    let later = shinsa_store::timestamp(base + time::Duration::seconds(60));
    store
        .finish_job(
            &taken.id,
            "replica-b",
            JobOutcome::Retry {
                error: "the engine could not be built".into(),
                run_after: later.clone(),
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_job(&lease_at("replica-b", base, 32, 42))
            .await
            .unwrap()
            .is_none(),
        "not before its time"
    );
    let again = store
        .claim_job(&lease_at("replica-b", base, 61, 71))
        .await
        .unwrap()
        .expect("due again");
    assert_eq!(
        again.last_error.as_deref(),
        Some("the engine could not be built")
    );
    // Asked for again while it runs: a new job; the failing one ends in its
    // favour rather than running the same work twice.
    store.queue_job(job("rereview")).await.unwrap();
    store
        .finish_job(
            &again.id,
            "replica-b",
            JobOutcome::Retry {
                error: "again".into(),
                run_after: later,
            },
        )
        .await
        .unwrap();
    let all = store.jobs(&op("op-a"), None).await.unwrap();
    let statuses: Vec<(JobStatus, Option<&str>)> = all
        .iter()
        .map(|job| (job.status, job.outcome.as_deref()))
        .collect();
    assert_eq!(statuses.len(), 2, "{all:?}");
    assert!(statuses.contains(&(JobStatus::Queued, None)));
    assert!(all.iter().any(|job| {
        job.status == JobStatus::Done
            && job
                .outcome
                .as_deref()
                .is_some_and(|outcome| outcome.starts_with("superseded by job_"))
    }));
    // Given up on: dead, on the organisation's chain.
    let last = store
        .claim_job(&lease_at("replica-a", base, 100, 110))
        .await
        .unwrap()
        .expect("the new job");
    store
        .finish_job(&last.id, "replica-a", JobOutcome::Dead("no more".into()))
        .await
        .unwrap();
    let dead = store
        .jobs(&op("op-a"), Some(JobStatus::Dead))
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(store.jobs(&op("op-b"), None).await.unwrap().is_empty());
    let (events, _) = store
        .audit_events(&op("op-a"), Some("op-a"), 0, None)
        .await
        .unwrap();
    assert!(events.iter().any(|event| event.action == "job.dead"));
}

#[tokio::test]
async fn sqlite_leases_retries_and_gives_up_jobs() {
    jobs_are_leased_retried_and_given_up(&sqlite().await.store).await;
}

#[tokio::test]
async fn postgres_leases_retries_and_gives_up_jobs() {
    jobs_are_leased_retried_and_given_up(&postgres().await.store).await;
}

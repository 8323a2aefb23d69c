//! Delivering the outbox: webhooks posted and mail sent through the SMTP
//! relay, by a pool that every replica runs.
//!
//! A message is taken with a lease (one replica at a time, one message at a
//! time per endpoint, in the order made), tried, and its attempt recorded
//! with the outcome. A failure is tried again after a backoff that doubles
//! each time (from `[delivery] retry_base_seconds`, at most an hour, ±50 %
//! jitter so that endpoints coming back are not all hit at once) until the
//! message is `[delivery] max_age_hours` old; then it is a dead letter,
//! listed for its organisation, which may send it again. Every attempt at
//! one message carries the same `Idempotency-Key` (and a mail the same
//! `Message-ID`): a replica that dies between posting and recording makes
//! the message be posted again, and the receiver can tell.

use crate::Shared;
use crate::config::{MailConfig, MailSecurity};
use hmac::{Hmac, Mac as _};
use lettre::AsyncTransport as _;
use shinsa_store::{DeliveryOutcome, Lease, OutboxMessage, StoreError};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::sync::watch;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// How often the pool looks for due retries when nothing wakes it.
const TICK: Duration = Duration::from_millis(500);

/// An SMTP relay's transport, built once from `[mail]`.
pub type Mailer = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;

/// The transport for `[mail]`; an error names what is wrong with it.
pub fn mailer(config: &MailConfig) -> Result<Mailer, String> {
    let builder = match config.security {
        MailSecurity::Starttls => Mailer::starttls_relay(&config.host),
        MailSecurity::Tls => Mailer::relay(&config.host),
        MailSecurity::None => Ok(Mailer::builder_dangerous(&config.host)),
    }
    .map_err(|error| format!("[mail] host {}: {error}", config.host))?;
    let port = config.port.unwrap_or(match config.security {
        MailSecurity::Starttls => 587,
        MailSecurity::Tls => 465,
        MailSecurity::None => 25,
    });
    let builder = builder.port(port).timeout(Some(Duration::from_secs(30)));
    let builder = match (&config.username, &config.password) {
        (Some(user), Some(password)) => {
            builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                user.clone(),
                password.clone(),
            ))
        }
        (None, None) => builder,
        _ => return Err("[mail] needs both username and password, or neither".into()),
    };
    config
        .from
        .parse::<lettre::message::Mailbox>()
        .map_err(|error| format!("[mail] from {:?}: {error}", config.from))?;
    Ok(builder.build())
}

/// Delivers due messages until `stop` turns true: webhooks always, mail
/// when a relay is configured (otherwise mail waits, listed as pending).
/// Up to `[delivery] concurrency` attempts are in flight; a slow endpoint
/// holds one place, not the pool. On stop, attempts in flight finish.
pub async fn pool(state: Shared, mut stop: watch::Receiver<bool>) {
    let kinds: &[&str] = if state.mailer.is_some() {
        &["webhook", "mail"]
    } else {
        &["webhook"]
    };
    let concurrency = state.config.delivery.concurrency.max(1);
    let mut in_flight = tokio::task::JoinSet::new();
    loop {
        if *stop.borrow() {
            break;
        }
        let mut took = false;
        for kind in kinds {
            let room = concurrency.saturating_sub(in_flight.len());
            if room == 0 {
                break;
            }
            let lease = Lease::starting_now(&state.replica, state.config.lease());
            match state
                .store
                .claim_deliveries(kind, &lease, room as i64)
                .await
            {
                Ok(messages) => {
                    for message in messages {
                        took = true;
                        in_flight.spawn(attempt(state.clone(), message));
                    }
                }
                Err(error) => tracing::error!(%error, kind, "taking deliveries"),
            }
        }
        if took {
            continue;
        }
        tokio::select! {
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Err(error) = done {
                    tracing::error!(%error, "a delivery task stopped");
                }
            }
            _ = state.outbox.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => break,
        }
    }
    while let Some(done) = in_flight.join_next().await {
        if let Err(error) = done {
            tracing::error!(%error, "a delivery task stopped");
        }
    }
}

/// Tries one message, its lease renewed meanwhile like a run's, and
/// records the attempt.
async fn attempt(state: Shared, message: OutboxMessage) {
    let store = state.store.clone();
    let id = message.id;
    let _renewal = crate::jobs::renewing(&state, format!("delivery {id}"), move |lease| {
        let store = store.clone();
        async move { store.renew_delivery_lease(id, &lease).await }
    });
    let tried = match message.kind.as_str() {
        "webhook" => post(&state, &message).await,
        "mail" => send_mail(&state, &message).await,
        other => Err(Failure::Permanent(format!("no way to deliver {other}"))),
    };
    let outcome = match tried {
        Ok(outcome) => {
            state.metrics.deliveries_sent.fetch_add(1, Relaxed);
            DeliveryOutcome::Delivered(outcome)
        }
        Err(failure) => {
            state.metrics.deliveries_failed.fetch_add(1, Relaxed);
            retry_or_give_up(&state, &message, failure)
        }
    };
    tracing::info!(message = message.id, kind = %message.kind, outcome = ?outcome, "delivery attempt");
    match state
        .store
        .record_delivery(message.id, &state.replica, outcome)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Stale(why)) => tracing::warn!(%why, "delivery lease lost"),
        Err(error) => tracing::error!(%error, message = message.id, "recording a delivery"),
    }
}

/// Why an attempt failed.
#[derive(Debug)]
enum Failure {
    /// Worth trying again (a timeout, a 5xx, a refused connection).
    Transient(String),
    /// Will not get better by waiting (not a mail address).
    Permanent(String),
}

/// The next step after a failed attempt: another try after the backoff,
/// or a dead letter when that would pass the configured age.
fn retry_or_give_up(state: &Shared, message: &OutboxMessage, failure: Failure) -> DeliveryOutcome {
    let reason = match failure {
        Failure::Permanent(reason) => return DeliveryOutcome::Dead(reason),
        Failure::Transient(reason) => reason,
    };
    let now = time::OffsetDateTime::now_utc();
    let wait = backoff(
        state.config.delivery.retry_base_seconds,
        message.attempts + 1,
        jitter(),
    );
    let next = now + wait;
    let since = match time::OffsetDateTime::parse(
        &message.retry_since,
        &time::format_description::well_known::Rfc3339,
    ) {
        Ok(since) => since,
        Err(error) => {
            // Written by the store as RFC 3339; were it not, the age
            // counts from now rather than the message being lost.
            tracing::warn!(message = message.id, %error, since = %message.retry_since, "unreadable retry start");
            now
        }
    };
    let max_age = time::Duration::seconds_f64(state.config.delivery.max_age_hours * 3600.0);
    if next - since > max_age {
        DeliveryOutcome::Dead(reason)
    } else {
        DeliveryOutcome::Retry {
            outcome: reason,
            next_attempt_at: shinsa_store::timestamp(next),
        }
    }
}

/// The wait after the `attempt`th failure: `base` doubled for each earlier
/// one, at most [`MAX_BACKOFF`], times `jitter` (0.5 to 1.5).
pub fn backoff(base_seconds: f64, attempt: i64, jitter: f64) -> Duration {
    let doublings = (attempt.max(1) - 1).min(30) as i32;
    let seconds = (base_seconds.max(0.0) * 2f64.powi(doublings)).min(MAX_BACKOFF.as_secs_f64());
    Duration::from_secs_f64(seconds * jitter.clamp(0.5, 1.5))
}

/// A factor from 0.5 to 1.5.
fn jitter() -> f64 {
    let mut bytes = [0u8; 2];
    match getrandom::fill(&mut bytes) {
        Ok(()) => 0.5 + f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX),
        Err(_) => 1.0,
    }
}

/// The header a webhook receiver checks: `t=UNIX,v1=HMAC-SHA256(secret,
/// "UNIX.BODY")` in hex, so a replayed or altered delivery fails.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Posts one webhook; a 2xx status is delivered.
async fn post(state: &Shared, message: &OutboxMessage) -> Result<String, Failure> {
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    // Every webhook is set with its secret; one without would be posted
    // unsigned, which a receiver must not be asked to trust.
    let Some(secret) = message.secret.as_deref() else {
        return Err(Failure::Permanent(
            "the webhook has no secret to sign with".into(),
        ));
    };
    let signature = webhook_signature(secret, timestamp, &message.payload);
    let url = message.target.clone();
    let body = message.payload.clone();
    let key = message.idempotency_key();
    let attempt = (message.attempts + 1).to_string();
    let agent = crate::outbound::webhook_agent(
        &state.config.webhook_allow_hosts,
        Duration::from_secs(state.config.delivery.timeout_seconds),
    );
    let sent = tokio::task::spawn_blocking(move || {
        agent
            .post(&url)
            .header("content-type", "application/json")
            .header("shinsa-signature", &signature)
            .header("idempotency-key", &key)
            .header("shinsa-delivery-attempt", &attempt)
            .send(body.as_bytes())
            .map(|response| response.status().as_u16())
            .map_err(|error| format!("failed: {error}"))
    })
    .await;
    match sent {
        Ok(Ok(status)) if (200..300).contains(&status) => Ok(status.to_string()),
        Ok(Ok(status)) => Err(Failure::Transient(status.to_string())),
        Ok(Err(error)) => Err(Failure::Transient(error)),
        Err(error) => Err(Failure::Transient(format!("failed: {error}"))),
    }
}

/// Sends one mail through the relay.
async fn send_mail(state: &Shared, message: &OutboxMessage) -> Result<String, Failure> {
    let (Some(mailer), Some(config)) = (&state.mailer, &state.config.mail) else {
        return Err(Failure::Transient("no [mail] relay is configured".into()));
    };
    match mailer.send(compose(&config.from, message)?).await {
        Ok(response) => Ok(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        )),
        Err(error) if error.is_permanent() => Err(Failure::Permanent(format!("refused: {error}"))),
        Err(error) => Err(Failure::Transient(format!("failed: {error}"))),
    }
}

/// The mail for one message, from `from`.
fn compose(from: &str, message: &OutboxMessage) -> Result<lettre::Message, Failure> {
    let to: lettre::message::Mailbox = message.target.parse().map_err(|error| {
        Failure::Permanent(format!("{} is not a mail address: {error}", message.target))
    })?;
    let from: lettre::message::Mailbox = from
        .parse()
        .map_err(|error| Failure::Permanent(format!("[mail] from: {error}")))?;
    let (subject, body) = mail_text(&message.payload);
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{}@shinsa>", message.idempotency_key())))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|error| Failure::Permanent(format!("building the mail: {error}")))
}

/// A notification's subject and plain-text body, Japanese first then
/// English (the recipient's language is not known to the outbox).
pub fn mail_text(payload: &str) -> (String, String) {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_else(
        |error| serde_json::json!({"event": "unreadable", "error": error.to_string()}),
    );
    let field = |pointer: &str| {
        value
            .pointer(pointer)
            .map(|found| match found {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let items = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len)
    };
    let (new, resolved) = (items("/change/new"), items("/change/resolved"));
    let event = field("/event");
    let (ja, en, subject_of) = match event.as_str() {
        "findings.changed" => (
            format!(
                "登録簿 {} の指摘事項が変わりました（新規 {new} 件、解消 {resolved} 件）。",
                field("/change/register_id"),
            ),
            format!(
                "The findings of register {} changed ({new} new, {resolved} resolved).",
                field("/change/register_id"),
            ),
            (
                "指摘事項の変更",
                "Findings changed",
                field("/change/register_id"),
            ),
        ),
        "plan.reminder" => (
            format!(
                "導入等計画「{}」の期限は {} です（残り {} 日）。",
                field("/title"),
                field("/due_on"),
                field("/days_left")
            ),
            format!(
                "Installation plan \"{}\" is due on {} ({} days left).",
                field("/title"),
                field("/due_on"),
                field("/days_left")
            ),
            ("期限のお知らせ", "Deadline reminder", field("/plan")),
        ),
        plan if plan.starts_with("plan.") => (
            format!(
                "導入等計画「{}」が {} になりました。",
                field("/title"),
                field("/status")
            ),
            format!(
                "Installation plan \"{}\" is now {}.",
                field("/title"),
                field("/status")
            ),
            (
                "導入等計画の更新",
                "Installation plan update",
                field("/plan"),
            ),
        ),
        case if case.starts_with("case.") => (
            format!("案件「{}」が更新されました。", field("/title")),
            format!("Case \"{}\" was updated.", field("/title")),
            ("案件の更新", "Case update", field("/case")),
        ),
        _ => (
            "shinsa からのお知らせです。".to_owned(),
            "A notification from shinsa.".to_owned(),
            ("お知らせ", "Notification", event.clone()),
        ),
    };
    let (subject_ja, subject_en, about) = subject_of;
    let subject = format!("[shinsa] {subject_ja} / {subject_en}: {about}");
    let details = serde_json::to_string_pretty(&value).unwrap_or_else(|_| payload.to_owned());
    let body = format!("{ja}\n\n{en}\n\n-- \n{details}\n");
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour_within_its_jitter() {
        let waits: Vec<u64> = (1..=5)
            .map(|attempt| backoff(10.0, attempt, 1.0).as_secs())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 160]);
        assert_eq!(backoff(10.0, 40, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(10.0, 1, 0.5).as_secs(), 5);
        assert_eq!(backoff(10.0, 1, 9.0).as_secs(), 15, "jitter is clamped");
        let factor = jitter();
        assert!((0.5..=1.5).contains(&factor), "{factor}");
    }

    /// Text in a notice (a title someone typed goes into the body, an id
    /// into the subject) cannot add a header or a recipient.
    #[test]
    fn a_title_cannot_forge_mail_headers() {
        let message = OutboxMessage {
            id: 1,
            org_id: "op-a".into(),
            kind: "mail".into(),
            target: "alice@a.example".into(),
            payload: serde_json::json!({"event": "plan.filed",
                "plan": "p1\r\nBcc: mallory@evil.example",
                "title": "report\r\nBcc: mallory@evil.example\r\n\r\nfake body"})
            .to_string(),
            secret: None,
            created_at: "2026-12-05T00:00:00.000000Z".into(),
            sent_at: None,
            outcome: None,
            status: shinsa_store::DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: String::new(),
            retry_since: String::new(),
        };
        let mail = String::from_utf8(
            compose("shinsa <shinsa@example.jp>", &message)
                .map(|m| m.formatted())
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        let head = mail.split("\r\n\r\n").next().unwrap_or_default();
        assert!(head.contains("Subject: "), "{mail}");
        assert!(
            !head
                .lines()
                .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
            "{head}"
        );
        let to_refused = OutboxMessage {
            target: "reviewer".into(),
            ..message
        };
        assert!(
            matches!(compose("shinsa@example.jp", &to_refused), Err(Failure::Permanent(why)) if why.contains("not a mail address"))
        );
    }

    #[test]
    fn a_change_mail_says_what_changed_in_both_languages() {
        let payload = serde_json::json!({
            "event": "findings.changed",
            "change": {"register_id": "reg_1", "new": ["a", "b"], "resolved": ["c"]}
        });
        let (subject, body) = mail_text(&payload.to_string());
        assert_eq!(subject, "[shinsa] 指摘事項の変更 / Findings changed: reg_1");
        assert!(
            body.starts_with("登録簿 reg_1 の指摘事項が変わりました（新規 2 件、解消 1 件）。")
        );
        assert!(body.contains("The findings of register reg_1 changed (2 new, 1 resolved)."));
    }
}

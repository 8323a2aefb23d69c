//! Deliveries: webhooks retried and dead-lettered, mail through an SMTP relay.

use super::*;

/// What an SMTP sink received: each mail's envelope recipients and data.
type Mailbag = Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server on 127.0.0.1 that accepts every mail; returns its
/// port and what it received.
async fn smtp_sink() -> (u16, Mailbag) {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bag: Mailbag = Arc::default();
    let received = bag.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let bag = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut recipients = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "RCPT" => {
                            recipients.push(line[8..].trim().to_owned());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            bag.lock()
                                .unwrap()
                                .push((std::mem::take(&mut recipients), data));
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, bag)
}

/// A MIME header's encoded words (`=?utf-8?b?…?=`) decoded.
fn decoded_header(data: &str, name: &str) -> String {
    use base64::Engine as _;
    let mut value = String::new();
    let mut lines = data.lines().skip_while(|line| {
        !line
            .to_ascii_lowercase()
            .starts_with(&format!("{}:", name.to_ascii_lowercase()))
    });
    if let Some(first) = lines.next() {
        value.push_str(first.split_once(':').unwrap().1.trim());
        for folded in lines.take_while(|line| line.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(folded.trim());
        }
    }
    value
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            match lower
                .strip_prefix("=?utf-8?b?")
                .and_then(|rest| rest.strip_suffix("?="))
            {
                Some(_) => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(&word[10..word.len() - 2])
                        .unwrap(),
                )
                .unwrap(),
                None => format!(" {word} "),
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Deliveries arrive (issue 18): a webhook that fails twice gets the event
/// on the third attempt, every attempt under one Idempotency-Key and kept
/// for the organisation to see; one that always fails ends among the dead
/// letters (in the API and the UI, for its own organisation only) and can
/// be sent again; mail about a list's change goes through the SMTP relay
/// with its subject in Japanese and English.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deliveries_are_retried_dead_lettered_and_mailed() {
    let (smtp_port, mailbag) = smtp_sink().await;
    let server = Server::start_with(None, |config| {
        config.webhook_allow_hosts = vec!["127.0.0.1".into()];
        config.delivery.retry_base_seconds = 0.05;
        // Long enough for three quick attempts, short enough for a test.
        config.delivery.max_age_hours = 3.0 / 3600.0;
        config.mail = Some(shinsa_server::MailConfig {
            host: "127.0.0.1".into(),
            port: Some(smtp_port),
            security: shinsa_server::MailSecurity::None,
            username: None,
            password: None,
            from: "shinsa <shinsa@example.jp>".into(),
        });
    })
    .await;
    let people = people(&server.store).await;
    let client = Client::of(&server);
    let t = |who: &str| people.token(who).to_owned();
    let (flaky, hits) = webhook_receiver(2).await;
    // Nothing listens on the discard port: every attempt is refused.
    let dead_end = "http://127.0.0.1:9/hook";
    for (who, url) in [("a-admin", flaky.as_str()), ("b-admin", dead_end)] {
        let (status, body) = client
            .call(
                reqwest::Method::PUT,
                Some(&t(who)),
                "/api/v1/webhook",
                Some(json!({"url": url, "secret": "a-webhook-secret-123"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Only op-a's relay is from the vendor the list below names.
    for (who, operator, vendor) in [
        ("a-admin", "OP-A", "Northwind Relay Co., Ltd."),
        ("b-admin", "OP-B", "Southgate Instruments KK"),
    ] {
        let (status, body) = client
            .upload(&t(who), "main", &register(operator, "electricity", vendor))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    client.settle(&t("a-admin")).await;
    client.settle(&t("b-admin")).await;
    // A list naming the relay's vendor: op-a's change is mailed to its
    // administrator too (mail is for changes from outside).
    client
        .publish_northwind(&t("platform-admin"), "2026-12-05")
        .await;
    client.settle(&t("a-admin")).await;

    let mut waited = 0;
    while (hits.lock().unwrap().len() < 4 || mailbag.lock().unwrap().is_empty()) && waited < 400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let seen: Vec<(String, String, u16)> = hits
        .lock()
        .unwrap()
        .iter()
        .map(|(head, _, status)| {
            (
                header(head, "idempotency-key"),
                header(head, "shinsa-delivery-attempt"),
                *status,
            )
        })
        .collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let first_key = seen[0].0.clone();
    assert!(first_key.starts_with("shinsa-"), "{first_key}");
    let attempts: Vec<(bool, &str, u16)> = seen
        .iter()
        .map(|(key, attempt, status)| (*key == first_key, attempt.as_str(), *status))
        .collect();
    assert_eq!(
        attempts,
        [
            (true, "1", 503),
            (true, "2", 503),
            (true, "3", 204),
            (false, "1", 204)
        ],
        "the upload's event three times, then the list change's once"
    );

    // op-a sees its deliveries and every attempt; a member does not.
    let (_, sent) = client
        .get(&t("a-admin"), "/api/v1/deliveries?status=sent")
        .await;
    let upload_event = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["kind"] == "webhook" && message["attempts"] == 3)
        .unwrap_or_else(|| panic!("{sent}"))
        .clone();
    let (_, tried) = client
        .get(
            &t("a-admin"),
            &format!("/api/v1/deliveries/{}/attempts", upload_event["id"]),
        )
        .await;
    let outcomes: Vec<(&str, bool)> = tried
        .as_array()
        .unwrap()
        .iter()
        .map(|attempt| {
            (
                attempt["outcome"].as_str().unwrap(),
                attempt["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(outcomes, [("503", false), ("503", false), ("204", true)]);
    let (status, _) = client.get(&t("a-member"), "/api/v1/deliveries").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The mail reached the relay, subject in both languages.
    let mails = mailbag.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (recipients, data) = &mails[0];
    assert_eq!(recipients, &["<a-admin@example.jp>"]);
    let register_id = upload_event["payload"]
        .as_str()
        .map(|payload| serde_json::from_str::<Value>(payload).unwrap())
        .unwrap()["change"]["register_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        decoded_header(data, "subject"),
        format!("[shinsa] 指摘事項の変更 / Findings changed: {register_id}")
    );
    assert!(header(data, "message-id").starts_with("<shinsa-"), "{data}");

    // op-b's webhook never answers: a dead letter after the configured
    // age, listed for op-b only.
    let mut dead = Value::Null;
    for _ in 0..200 {
        let (_, listed) = client
            .get(&t("b-admin"), "/api/v1/deliveries?status=dead")
            .await;
        if listed.as_array().is_some_and(|items| !items.is_empty()) {
            dead = listed[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dead["target"], dead_end, "{dead}");
    assert!(dead["attempts"].as_i64().unwrap() >= 2, "{dead}");
    assert!(
        dead["outcome"].as_str().unwrap().starts_with("failed:"),
        "{dead}"
    );
    let (_, a_dead) = client
        .get(&t("a-admin"), "/api/v1/deliveries?status=dead")
        .await;
    assert_eq!(a_dead, json!([]));
    let cookie = session_cookie(&client, "b-admin@example.jp").await;
    let page = client
        .http
        .get(format!("{}/ui/deliveries?lang=en", client.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = format!("id=\"delivery-{}\" class=\"delivery-dead\"", dead["id"]);
    assert!(page.contains(&row), "{page}");
    assert!(page.contains("Dead letter") && page.contains("Send again"));
    let (status, _) = client
        .call(
            reqwest::Method::POST,
            Some(&t("a-admin")),
            &format!("/api/v1/deliveries/{}/resend", dead["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another organisation's");
    let (status, resent) = client
        .call(
            reqwest::Method::POST,
            Some(&t("b-admin")),
            &format!("/api/v1/deliveries/{}/resend", dead["id"]),
            None,
        )
        .await;
    assert_eq!(
        (status, &resent["status"]),
        (StatusCode::OK, &json!("pending"))
    );
    let (_, audit) = client.get(&t("b-admin"), "/api/v1/audit?chain=op-b").await;
    assert!(audit.to_string().contains("delivery.resend"), "{audit}");
    server.shut().await;
}

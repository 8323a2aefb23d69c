//! The bodies the server's routes read from a client, parsed and checked
//! as the routes do, without a database or a network: the entry point of
//! the fuzz target `server_bodies` (`fuzz/`). Whatever the bytes, nothing
//! here may panic or hang.

/// One input: its first byte chooses the route, the rest is the body.
pub fn body(data: &[u8]) {
    let Some((&route, rest)) = data.split_first() else {
        return;
    };
    match route % 6 {
        // The sign-in form, and what the throttle makes of its login.
        0 => {
            if let Ok(form) = serde_urlencoded::from_bytes::<crate::ui::LoginForm>(rest) {
                let throttle = crate::throttle::SignInThrottle::default();
                let keys = [crate::throttle::Key::Login(form.login.trim())];
                let now = std::time::Instant::now();
                throttle.failed(&keys, now);
                throttle.locked(&keys, now);
            }
        }
        // Upload metadata: the query string, the content type, and the
        // detection of the format from them and the first bytes.
        1 => {
            let mut parts = rest.splitn(3, |byte| *byte == 0xFF);
            if let (Some(query), content_type, Some(bytes)) = (
                parts.next(),
                parts.next().map(String::from_utf8_lossy),
                parts.next(),
            ) {
                let _ = serde_urlencoded::from_bytes::<crate::api::UploadQuery>(query);
                let _ = shinsa_ingest::upload::UploadFormat::detect(content_type.as_deref(), bytes);
            }
        }
        // A plan step, with its dates read.
        2 => {
            if let Ok(request) = serde_json::from_slice::<crate::plans::StepRequest>(rest) {
                let _ = crate::plans::action_of(&request, time::macros::date!(2026 - 12 - 04));
            }
        }
        // A webhook: the URL read and, for a literal address, judged.
        3 => {
            if let Ok(request) = serde_json::from_slice::<crate::api::WebhookRequest>(rest)
                && let Some(url) = request.url
                && let Ok(crate::outbound::Target::Address(address)) =
                    crate::outbound::webhook_target(&url, &["127.0.0.1".to_owned()])
            {
                let _ = crate::outbound::is_public(address);
            }
        }
        // The users page's form.
        4 => {
            let _ = serde_urlencoded::from_bytes::<crate::ui::accounts::ChangeForm>(rest);
        }
        // A token request.
        _ => {
            let _ = serde_json::from_slice::<crate::api::TokenRequest>(rest);
        }
    }
}

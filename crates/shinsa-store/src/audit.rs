//! The audit chain: each event's hash covers the previous event's hash and
//! the event itself in RFC 8785 canonical JSON, so an edited, deleted or
//! reordered row breaks every link after it. Checkpoints sign the heads of
//! all chains with Ed25519, so a copy kept elsewhere proves what the log
//! held at that time even if the whole database is rewritten later.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The hash before the first event of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub chain: String,
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub row_hash: String,
}

impl AuditEvent {
    /// What the hash covers: everything but the hashes themselves.
    fn hashed(&self) -> serde_json::Value {
        serde_json::json!({
            "chain": self.chain,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        })
    }

    /// The hash this event must carry after `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        canonical_hash(prev_hash, &self.hashed())
    }
}

/// SHA-256 over the previous hash (its 32 bytes) and the RFC 8785 form of
/// `body`.
pub fn canonical_hash(prev_hash: &str, body: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    match hex::decode(prev_hash) {
        Ok(bytes) => hasher.update(bytes),
        // A malformed stored hash still hashes to something that cannot
        // match a well-formed chain.
        Err(_) => hasher.update(prev_hash.as_bytes()),
    }
    // Values built from serde_json always canonicalise; an error would be
    // a number JSON cannot hold, hashed as its plain text instead.
    let canonical =
        serde_json_canonicalizer::to_vec(body).unwrap_or_else(|_| body.to_string().into_bytes());
    hasher.update(canonical);
    hex::encode(hasher.finalize())
}

/// One chain's verdict.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub chain: String,
    pub events: i64,
    /// The sequence number of the first event that does not link, if any.
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
}

impl ChainReport {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Walks one chain's events (in stored order) and compares the end with
/// the head the store keeps.
pub(crate) fn verify_chain(
    chain: &str,
    events: &[AuditEvent],
    head: Option<&ChainHead>,
) -> ChainReport {
    let mut prev = GENESIS.to_owned();
    let broken = |seq: i64, problem: String| ChainReport {
        chain: chain.to_owned(),
        events: events.len() as i64,
        first_broken: Some(seq),
        problem: Some(problem),
    };
    for (index, event) in events.iter().enumerate() {
        let expected_seq = index as i64 + 1;
        if event.seq != expected_seq {
            return broken(
                expected_seq,
                format!(
                    "event {expected_seq} is missing or out of order (found event {} in its place)",
                    event.seq
                ),
            );
        }
        if event.prev_hash != prev {
            return broken(
                event.seq,
                format!(
                    "event {} does not link to the event before it (it names {}, the chain has {})",
                    event.seq, event.prev_hash, prev
                ),
            );
        }
        let expected = event.expected_hash(&prev);
        if event.row_hash != expected {
            return broken(
                event.seq,
                format!(
                    "event {} was altered: its content hashes to {expected}, the row says {}",
                    event.seq, event.row_hash
                ),
            );
        }
        prev = expected;
    }
    let last = events.len() as i64;
    if let Some(head) = head
        && (head.seq != last || head.row_hash != prev)
    {
        return broken(
            last + 1,
            format!(
                "the chain ends at event {last} but its head records event {} ({}): events were deleted from the end",
                head.seq, head.row_hash
            ),
        );
    }
    ChainReport {
        chain: chain.to_owned(),
        events: last,
        first_broken: None,
        problem: None,
    }
}

/// The last event of a chain.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub row_hash: String,
}

/// Signed heads of every chain at one moment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub created_at: String,
    pub heads: Vec<ChainHead>,
    pub public_key: String,
    pub signature: String,
}

fn checkpoint_message(created_at: &str, heads: &[ChainHead]) -> Vec<u8> {
    let body = serde_json::json!({ "created_at": created_at, "heads": heads });
    let mut message = b"shinsa-audit-checkpoint-v1\n".to_vec();
    message.extend(
        serde_json_canonicalizer::to_vec(&body).unwrap_or_else(|_| body.to_string().into_bytes()),
    );
    message
}

impl Checkpoint {
    pub fn sign(heads: Vec<ChainHead>, key: &SigningKey) -> Self {
        let created_at = crate::now();
        let signature = key.sign(&checkpoint_message(&created_at, &heads));
        Checkpoint {
            created_at,
            public_key: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(signature.to_bytes()),
            heads,
        }
    }
}

/// Checks a checkpoint's signature (by `trusted` when given) and that each
/// head it signed is still in the chains `events` hold. Returns the
/// problems; empty means the log still holds everything the checkpoint saw.
pub fn verify_checkpoint(
    checkpoint: &Checkpoint,
    trusted: Option<&str>,
    events: &[AuditEvent],
) -> Vec<String> {
    let mut problems = Vec::new();
    let key = hex::decode(checkpoint.public_key.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    let signature = hex::decode(checkpoint.signature.trim())
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| Signature::from_bytes(&bytes));
    match (key, signature) {
        (Some(key), Some(signature)) => {
            if key
                .verify(
                    &checkpoint_message(&checkpoint.created_at, &checkpoint.heads),
                    &signature,
                )
                .is_err()
            {
                problems.push("the checkpoint's signature does not match its content".to_owned());
            }
        }
        _ => problems.push("the checkpoint's public key or signature is malformed".to_owned()),
    }
    if let Some(trusted) = trusted
        && !trusted
            .trim()
            .eq_ignore_ascii_case(checkpoint.public_key.trim())
    {
        problems.push(format!(
            "the checkpoint was signed by {}, not by the trusted key {}",
            checkpoint.public_key,
            trusted.trim()
        ));
    }
    for head in &checkpoint.heads {
        let found = events
            .iter()
            .find(|event| event.chain == head.chain && event.seq == head.seq);
        match found {
            Some(event) if event.row_hash == head.row_hash => {}
            Some(event) => problems.push(format!(
                "chain {} event {}: the checkpoint signed {}, the log now has {}",
                head.chain, head.seq, head.row_hash, event.row_hash
            )),
            None => problems.push(format!(
                "chain {} event {}: signed by the checkpoint, no longer in the log",
                head.chain, head.seq
            )),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut event = AuditEvent {
                    chain: "org".into(),
                    seq,
                    at: format!("2026-11-28T00:00:0{seq}.000000Z"),
                    actor: "user:a".into(),
                    action: "register.upload".into(),
                    subject: format!("reg_{seq}"),
                    detail: serde_json::json!({"b": seq, "a": "x"}),
                    prev_hash: prev.clone(),
                    row_hash: String::new(),
                };
                event.row_hash = event.expected_hash(&prev);
                prev = event.row_hash.clone();
                event
            })
            .collect()
    }

    #[test]
    fn the_hash_is_over_canonical_json() {
        // Key order does not change the hash; content does.
        let one = canonical_hash(GENESIS, &serde_json::json!({"a": 1, "b": "é"}));
        let two = canonical_hash(GENESIS, &serde_json::json!({"b": "é", "a": 1}));
        let three = canonical_hash(GENESIS, &serde_json::json!({"b": "e", "a": 1}));
        assert_eq!(one, two);
        assert_ne!(one, three);
    }

    #[test]
    fn every_kind_of_tampering_names_its_event() {
        let events = chain(4);
        let head = ChainHead {
            chain: "org".into(),
            seq: 4,
            row_hash: events[3].row_hash.clone(),
        };
        assert!(verify_chain("org", &events, Some(&head)).intact());

        let mut edited = events.clone();
        edited[1].subject = "reg_other".into();
        assert_eq!(
            verify_chain("org", &edited, Some(&head)).first_broken,
            Some(2)
        );

        let mut deleted = events.clone();
        deleted.remove(2);
        assert_eq!(
            verify_chain("org", &deleted, Some(&head)).first_broken,
            Some(3)
        );

        let mut reordered = events.clone();
        reordered.swap(1, 2);
        assert_eq!(
            verify_chain("org", &reordered, Some(&head)).first_broken,
            Some(2)
        );

        let truncated = &events[..3];
        let report = verify_chain("org", truncated, Some(&head));
        assert_eq!(report.first_broken, Some(4));
        assert!(report.problem.unwrap().contains("deleted from the end"));
    }

    #[test]
    fn a_checkpoint_proves_what_the_log_held() {
        let events = chain(3);
        let key = SigningKey::from_bytes(&[7; 32]);
        let heads = vec![ChainHead {
            chain: "org".into(),
            seq: 3,
            row_hash: events[2].row_hash.clone(),
        }];
        let checkpoint = Checkpoint::sign(heads, &key);
        assert!(verify_checkpoint(&checkpoint, Some(&checkpoint.public_key), &events).is_empty());

        let mut rewritten = chain(3);
        rewritten[2].detail = serde_json::json!({"rewritten": true});
        rewritten[2].row_hash = rewritten[2].expected_hash(&rewritten[1].row_hash);
        let problems = verify_checkpoint(&checkpoint, None, &rewritten);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("chain org event 3"));

        let mut forged = checkpoint.clone();
        forged.heads[0].seq = 2;
        assert!(verify_checkpoint(&forged, None, &events)[0].contains("signature"));
        let other = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes());
        assert!(
            verify_checkpoint(&checkpoint, Some(&other), &events)[0]
                .contains("not by the trusted key")
        );
    }
}

//! Ed25519 signatures over a pack: a regulator signs what it publishes; an
//! operator or auditor verifies that the pack it screens with is that one.
//! The signature covers the pack's id, version and content hash (manifest,
//! schema and policies), so any change to a rule breaks it.

use crate::pack::Pack;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The file in a pack folder that holds its signature.
pub const SIGNATURE_FILE: &str = "pack.sig";

/// A pack signature as stored in `pack.sig` (TOML, hex values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackSignature {
    /// The signer's public key.
    pub public_key: String,
    pub signature: String,
    /// What was signed, for people: `id@version+hash`.
    pub pack: String,
}

/// Why a signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("expected {what} as {bytes} bytes of hex, found {found:?}")]
    Malformed {
        what: &'static str,
        bytes: usize,
        found: String,
    },
    #[error(
        "the signature does not match this pack's content ({0}): the pack changed after signing, or another key signed it"
    )]
    Mismatch(String),
    #[error("the pack is signed by {0}, which is not a trusted key")]
    Untrusted(String),
}

/// Reads `pack.sig` from a pack folder; `Ok(None)` when there is none.
pub fn read_signature(dir: &std::path::Path) -> Result<Option<PackSignature>, String> {
    let path = dir.join(SIGNATURE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map(Some)
            .map_err(|error| format!("{}: {error}", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

/// Writes `pack.sig` into a pack folder.
pub fn write_signature(dir: &std::path::Path, signature: &PackSignature) -> Result<(), String> {
    let text = toml::to_string(signature).map_err(|error| error.to_string())?;
    let path = dir.join(SIGNATURE_FILE);
    std::fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))
}

fn message(pack: &Pack) -> Vec<u8> {
    format!(
        "shinsa-pack-v1\n{}\n{}\n{}\n",
        pack.id, pack.version, pack.sha256
    )
    .into_bytes()
}

fn bytes<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], SignatureError> {
    let malformed = || SignatureError::Malformed {
        what,
        bytes: N,
        found: text.to_owned(),
    };
    let decoded = hex::decode(text.trim()).map_err(|_| malformed())?;
    decoded.try_into().map_err(|_| malformed())
}

/// A signing key from 32 secret bytes given as hex.
pub fn signing_key(secret_hex: &str) -> Result<SigningKey, SignatureError> {
    Ok(SigningKey::from_bytes(&bytes::<32>(
        secret_hex,
        "a secret key",
    )?))
}

/// Signs a pack.
pub fn sign(pack: &Pack, key: &SigningKey) -> PackSignature {
    let signature = key.sign(&message(pack));
    PackSignature {
        public_key: hex::encode(key.verifying_key().to_bytes()),
        signature: hex::encode(signature.to_bytes()),
        pack: pack.version_label(),
    }
}

/// Verifies a signature over a pack; with `trusted` keys, the signer must be
/// one of them.
pub fn verify(
    pack: &Pack,
    signature: &PackSignature,
    trusted: &[String],
) -> Result<(), SignatureError> {
    let key = VerifyingKey::from_bytes(&bytes::<32>(&signature.public_key, "a public key")?)
        .map_err(|_| SignatureError::Malformed {
            what: "a public key",
            bytes: 32,
            found: signature.public_key.clone(),
        })?;
    let value = Signature::from_bytes(&bytes::<64>(&signature.signature, "a signature")?);
    key.verify(&message(pack), &value)
        .map_err(|_| SignatureError::Mismatch(pack.version_label()))?;
    let signer = signature.public_key.trim().to_ascii_lowercase();
    if !trusted.is_empty()
        && !trusted
            .iter()
            .any(|key| key.trim().to_ascii_lowercase() == signer)
    {
        return Err(SignatureError::Untrusted(signer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack() -> Pack {
        Pack::default_pack().unwrap_or_else(|error| unreachable!("{error}"))
    }

    #[test]
    fn a_signature_holds_for_its_pack_and_key_only() {
        let key = signing_key(&"11".repeat(32)).unwrap_or_else(|e| unreachable!("{e}"));
        let signed = sign(&pack(), &key);
        assert_eq!(verify(&pack(), &signed, &[]), Ok(()));
        assert_eq!(
            verify(&pack(), &signed, std::slice::from_ref(&signed.public_key)),
            Ok(())
        );
        let other = "22".repeat(32);
        assert!(matches!(
            verify(&pack(), &signed, &[other]),
            Err(SignatureError::Untrusted(_))
        ));
        let mut forged = signed.clone();
        forged.signature.replace_range(
            0..2,
            if signed.signature.starts_with("00") {
                "01"
            } else {
                "00"
            },
        );
        assert!(matches!(
            verify(&pack(), &forged, &[]),
            Err(SignatureError::Mismatch(_))
        ));
    }
}

//! Sealing sensitive values at rest (partner tax ids, payout accounts): AES-256-GCM with a
//! random 96-bit nonce per value, stored as `nonce ‖ ciphertext ‖ tag`. The key comes from
//! configuration (`MTBP_DATA_KEY`, 32 bytes as 64 hex digits) and never reaches the database.

use anyhow::Context;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// Seals and opens values with the data key.
#[derive(Clone)]
pub struct Sealer {
    key: std::sync::Arc<LessSafeKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer from 32 key bytes.
    pub fn new(key: &[u8]) -> anyhow::Result<Self> {
        let key = UnboundKey::new(&AES_256_GCM, key)
            .map_err(|_| anyhow::anyhow!("the data key must be 32 bytes"))?;
        Ok(Self {
            key: std::sync::Arc::new(LessSafeKey::new(key)),
        })
    }

    /// A sealer from 64 hex digits.
    pub fn from_hex(hex_key: &str) -> anyhow::Result<Self> {
        let bytes = hex::decode(hex_key.trim()).context("the data key must be hex")?;
        Self::new(&bytes)
    }

    /// A sealer with a random key (values die with the process).
    pub fn random() -> anyhow::Result<Self> {
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| anyhow::anyhow!("no randomness"))?;
        Self::new(&key)
    }

    /// Seals `plain`; `context` (e.g. the column and row id) is bound to the ciphertext, so a
    /// sealed value copied to another row or column does not open.
    pub fn seal(&self, plain: &str, context: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("no randomness"))?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.append(&mut data);
        Ok(out)
    }

    /// Opens a value sealed with the same key and context.
    pub fn open(&self, sealed: &[u8], context: &str) -> anyhow::Result<String> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "sealed value too short");
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| anyhow::anyhow!("the sealed value does not open with this key"))?;
        Ok(String::from_utf8(plain.to_vec())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let sealer = Sealer::from_hex(&"11".repeat(32)).expect("key");
        let sealed = sealer
            .seal("GSTIN 29ABCDE1234F1Z5", "tax_id:1")
            .expect("seal");
        assert!(!String::from_utf8_lossy(&sealed).contains("ABCDE"));
        assert_eq!(
            sealer.open(&sealed, "tax_id:1").expect("open"),
            "GSTIN 29ABCDE1234F1Z5"
        );
        assert!(sealer.open(&sealed, "tax_id:2").is_err());
        let other = Sealer::from_hex(&"22".repeat(32)).expect("key");
        assert!(other.open(&sealed, "tax_id:1").is_err());
        let again = sealer
            .seal("GSTIN 29ABCDE1234F1Z5", "tax_id:1")
            .expect("seal");
        assert_ne!(sealed, again, "a fresh nonce per value");
    }
}

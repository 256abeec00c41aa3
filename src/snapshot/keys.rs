//! Ed25519 keys: a signing key for the control plane, and the set of trusted public
//! keys a loader picks from by key id, so keys can rotate without a redeploy.

use std::fmt;

use ed25519_dalek::{Signer, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{base64_decode, base64_encode, hex_encode};
use crate::error::{Error, ErrorKind, Result};

/// The longest key id, in bytes.
pub const MAX_KEY_ID_BYTES: usize = 64;

/// Whether `s` can be a key id: 1 to 64 of `A-Z a-z 0-9 . _ : -`.
pub fn is_key_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_KEY_ID_BYTES
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'))
}

fn check_key_id(key_id: &str) -> Result<()> {
    if is_key_id(key_id) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::BadKey,
            format!("invalid key id `{key_id}`: use 1 to 64 letters, digits, `.`, `_`, `:` or `-`"),
        ))
    }
}

/// The default key id of a public key: the first 8 bytes of its SHA-256, in hex.
pub fn default_key_id(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    hex_encode(digest.get(..8).unwrap_or_default())
}

/// A private Ed25519 key with its key id, used to sign snapshots.
pub struct SigningKey {
    key_id: String,
    inner: ed25519_dalek::SigningKey,
}

/// The on-disk form of a signing key (`rolegate keygen` writes it).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    key_id: String,
    secret_key: String,
    public_key: String,
}

const KEY_FILE_FORMAT: &str = "rolegate.signing-key/1";

impl SigningKey {
    /// A signing key from a 32-byte secret seed; the key id defaults to [`default_key_id`].
    pub fn from_seed(seed: [u8; 32], key_id: Option<&str>) -> Result<SigningKey> {
        let inner = ed25519_dalek::SigningKey::from_bytes(&seed);
        let key_id = match key_id {
            Some(id) => {
                check_key_id(id)?;
                id.to_string()
            }
            None => default_key_id(inner.verifying_key().as_bytes()),
        };
        Ok(SigningKey { key_id, inner })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, to give to loaders.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key_id: self.key_id.clone(),
            key: self.inner.verifying_key(),
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).to_bytes()
    }

    /// The key file: JSON with the key id, the base64 secret seed and the public key.
    pub fn to_json(&self) -> String {
        let file = KeyFile {
            format: KEY_FILE_FORMAT.to_string(),
            key_id: self.key_id.clone(),
            secret_key: base64_encode(self.inner.as_bytes()),
            public_key: self.public_key().to_base64(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
    }

    /// Reads a key file written by [`SigningKey::to_json`].
    pub fn from_json(text: &str) -> Result<SigningKey> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::BadKey,
                format!("not a rolegate signing key file: {why}"),
            )
        };
        let file: KeyFile = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        if file.format != KEY_FILE_FORMAT {
            return Err(bad(&format!(
                "format is `{}`, expected `{KEY_FILE_FORMAT}`",
                file.format
            )));
        }
        let seed: [u8; 32] = base64_decode(&file.secret_key)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("`secret_key` is not 32 bytes of base64"))?;
        let key = SigningKey::from_seed(seed, Some(&file.key_id))?;
        if key.public_key().to_base64() != file.public_key {
            return Err(bad("`public_key` does not belong to `secret_key`"));
        }
        Ok(key)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A trusted Ed25519 public key with its key id. Only canonical encodings of keys that
/// are not of small order are accepted.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_id: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// A public key from its 32 bytes, strictly checked.
    pub fn from_bytes(key_id: &str, bytes: &[u8]) -> Result<PublicKey> {
        check_key_id(key_id)?;
        let bad = |why: &str| Error::new(ErrorKind::BadKey, format!("public key `{key_id}` {why}"));
        let raw: &[u8; 32] = bytes.try_into().map_err(|_| {
            bad(&format!(
                "is {} bytes; an Ed25519 public key is 32",
                bytes.len()
            ))
        })?;
        let key = VerifyingKey::from_bytes(raw).map_err(|_| bad("is not a point on the curve"))?;
        if key.is_weak() {
            return Err(bad("is of small order and would accept forged signatures"));
        }
        if key.to_edwards().compress().as_bytes() != raw {
            return Err(bad("is not canonically encoded"));
        }
        Ok(PublicKey {
            key_id: key_id.to_string(),
            key,
        })
    }

    /// A public key from base64 (standard or URL-safe).
    pub fn from_base64(key_id: &str, text: &str) -> Result<PublicKey> {
        let bytes = base64_decode(text.trim()).ok_or_else(|| {
            Error::new(
                ErrorKind::BadKey,
                format!("public key `{key_id}` is not base64"),
            )
        })?;
        PublicKey::from_bytes(key_id, &bytes)
    }

    /// Parses `KEY_ID=BASE64`, the form the CLI takes and `keygen` prints.
    pub fn parse(spec: &str) -> Result<PublicKey> {
        let (key_id, b64) = spec.split_once('=').ok_or_else(|| {
            Error::new(
                ErrorKind::BadKey,
                format!("expected `KEY_ID=BASE64`, got `{spec}`"),
            )
        })?;
        PublicKey::from_base64(key_id, b64)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn to_base64(&self) -> String {
        base64_encode(self.key.as_bytes())
    }

    /// Strict verification: refuses small-order R and non-canonical S.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        #[cfg(feature = "wasm")]
        return self.verify_with::<crate::wasm::digest::Sha512>(message, signature);
        #[cfg(not(feature = "wasm"))]
        return self.verify_with::<sha2::Sha512>(message, signature);
    }

    /// `verify_strict` with the SHA-512 of the signature's challenge computed by `D`: the
    /// same checks (R decompresses and is not of small order, the key is not weak, S is
    /// canonical, and R matches), so that a host's native SHA-512 can stand in for the
    /// software one without changing what verifies.
    pub(crate) fn verify_with<D>(&self, message: &[u8], signature: &[u8; 64]) -> bool
    where
        D: Digest<OutputSize = sha2::digest::consts::U64>,
    {
        let mut r = [0; 32];
        r.copy_from_slice(&signature[..32]);
        let strong_r = curve25519_dalek::edwards::CompressedEdwardsY(r)
            .decompress()
            .is_some_and(|point| !point.is_small_order());
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        strong_r
            && !self.key.is_weak()
            && ed25519_dalek::hazmat::raw_verify::<D>(&self.key, message, &signature).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({}={})", self.key_id, self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key_id, self.to_base64())
    }
}

/// The public keys a loader trusts, by key id.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// A set trusting each of `keys`.
    pub fn from_keys(keys: impl IntoIterator<Item = PublicKey>) -> Result<KeySet> {
        let mut set = KeySet::new();
        for key in keys {
            set.insert(key)?;
        }
        Ok(set)
    }

    /// Trusts `key`. A second, different key under a key id already trusted is refused.
    pub fn insert(&mut self, key: PublicKey) -> Result<()> {
        match self.get(key.key_id()) {
            Some(existing) if *existing == key => Ok(()),
            Some(_) => Err(Error::new(
                ErrorKind::BadKey,
                format!(
                    "key id `{}` is already trusted with another key: remove it first",
                    key.key_id()
                ),
            )),
            None => {
                self.keys.push(key);
                Ok(())
            }
        }
    }

    /// Stops trusting the key with `key_id`; returns whether it was trusted.
    pub fn remove(&mut self, key_id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.key_id() != key_id);
        self.keys.len() != before
    }

    pub fn get(&self, key_id: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.key_id() == key_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signatures `verify_with` must judge exactly as `verify_strict` does: a good one, a
    /// wrong message, R of small order (the identity), R off the curve, S not canonical
    /// (S + l), and a flipped bit in each half.
    pub(crate) fn signature_cases(key: &SigningKey, message: &[u8]) -> Vec<(Vec<u8>, [u8; 64])> {
        let good = key.sign(message);
        let mut cases = vec![(message.to_vec(), good), (b"other".to_vec(), good)];
        let mut identity_r = good;
        identity_r[..32].copy_from_slice(&{
            let mut id = [0; 32];
            id[0] = 1;
            id
        });
        let mut off_curve = good;
        off_curve[..32].copy_from_slice(&[0xff; 32]);
        // l, the group order, little-endian: S + l verifies under the cofactored equation
        // but is not canonical.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut s_plus_l = good;
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(good[32 + i]) + u16::from(l[i]) + carry;
            s_plus_l[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        let (mut flip_r, mut flip_s) = (good, good);
        flip_r[3] ^= 1;
        flip_s[40] ^= 1;
        for sig in [identity_r, off_curve, s_plus_l, flip_r, flip_s] {
            cases.push((message.to_vec(), sig));
        }
        cases
    }

    #[test]
    fn verify_with_judges_as_verify_strict() {
        let key = SigningKey::from_seed([3; 32], Some("k")).unwrap();
        let public = key.public_key();
        for (message, sig) in signature_cases(&key, b"the signed bytes") {
            let strict = public
                .key
                .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok();
            assert_eq!(public.verify_with::<sha2::Sha512>(&message, &sig), strict);
            assert_eq!(public.verify(&message, &sig), strict);
        }
        assert!(public.verify(b"the signed bytes", &key.sign(b"the signed bytes")));
    }

    #[test]
    fn key_file_round_trips() {
        let key = SigningKey::from_seed([7; 32], None).unwrap();
        assert_eq!(key.key_id().len(), 16);
        let again = SigningKey::from_json(&key.to_json()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains(&base64_encode(&[7; 32])));
        let tampered = key.to_json().replace(
            &key.public_key().to_base64(),
            &SigningKey::from_seed([8; 32], None)
                .unwrap()
                .public_key()
                .to_base64(),
        );
        assert_eq!(
            SigningKey::from_json(&tampered).unwrap_err().code(),
            "BAD_KEY"
        );
        assert_eq!(SigningKey::from_json("{}").unwrap_err().code(), "BAD_KEY");
    }

    #[test]
    fn public_keys_parse_strictly() {
        let key = SigningKey::from_seed([1; 32], Some("k1"))
            .unwrap()
            .public_key();
        assert_eq!(PublicKey::parse(&key.to_string()).unwrap(), key);
        for bad in ["k1", "k1=", "k1=!!!", "=AAAA", "bad id=AAAA"] {
            assert_eq!(
                PublicKey::parse(bad).unwrap_err().code(),
                "BAD_KEY",
                "{bad}"
            );
        }
        // The identity point: small order, so it would accept forgeries.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(
            PublicKey::from_bytes("k", &identity)
                .unwrap_err()
                .message()
                .contains("small order")
        );
        // y = p + 1 encodes the same point as y = 1 but is not canonical (and is small order).
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(PublicKey::from_bytes("k", &non_canonical).is_err());
        assert!(PublicKey::from_bytes("k", &[0; 31]).is_err());
    }

    #[test]
    fn key_sets_refuse_conflicting_ids() {
        let a = SigningKey::from_seed([1; 32], Some("k"))
            .unwrap()
            .public_key();
        let b = SigningKey::from_seed([2; 32], Some("k"))
            .unwrap()
            .public_key();
        let mut set = KeySet::new();
        set.insert(a.clone()).unwrap();
        set.insert(a).unwrap();
        assert_eq!(set.insert(b).unwrap_err().code(), "BAD_KEY");
        assert_eq!(set.len(), 1);
        assert!(set.remove("k"));
        assert!(set.is_empty());
    }
}

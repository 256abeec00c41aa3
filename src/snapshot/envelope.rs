//! The signed envelope around a payload:
//!
//! ```text
//! magic "RGSN" | format version (u16 LE) | key id length (u8) | key id | payload | signature (64)
//! ```
//!
//! The Ed25519 signature covers every byte before it. Parsing yields an [`Unverified`]
//! envelope whose payload can only be decoded after [`Unverified::verify`].

use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::keys::{KeySet, SigningKey, is_key_id};
use crate::snapshot::payload::Payload;

/// The first four bytes of every snapshot.
pub const MAGIC: [u8; 4] = *b"RGSN";
/// The envelope format this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
pub const SIGNATURE_BYTES: usize = 64;

/// Signs `payload` with `key` into snapshot bytes.
pub fn seal(payload: &Payload, key: &SigningKey) -> Vec<u8> {
    let mut out = signed_part(payload, key.key_id());
    let signature = key.sign(&out);
    out.extend_from_slice(&signature);
    out
}

/// The bytes a snapshot's signature covers (magic, version, key id, payload), for a
/// signer outside the process (a KMS or HSM); the snapshot is these bytes followed by
/// the 64-byte Ed25519 signature of them. `key_id` must pass [`super::keys::is_key_id`].
pub fn signed_part(payload: &Payload, key_id: &str) -> Vec<u8> {
    framed(&MAGIC, key_id, &payload.to_bytes())
}

/// The length of an envelope around `body_len` bytes, signed under `key_id`.
pub fn sealed_len(key_id: &str, body_len: usize) -> usize {
    MAGIC.len() + 3 + key_id.len() + body_len + SIGNATURE_BYTES
}

/// `magic | version | key id | body`: what a signature covers, for any envelope.
pub(crate) fn framed(magic: &[u8; 4], key_id: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sealed_len(key_id, body.len()));
    let key_id = key_id.as_bytes();
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // Key ids are at most 64 bytes (checked by the caller).
    out.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_id);
    out.extend_from_slice(body);
    out
}

/// A parsed envelope whose signature has not been checked yet.
#[derive(Debug, Clone, Copy)]
pub struct Unverified<'a> {
    /// What the envelope holds (`snapshot`, `delta`), for messages.
    what: &'static str,
    version: u16,
    key_id: &'a str,
    signed: &'a [u8],
    payload: &'a [u8],
    signature: [u8; SIGNATURE_BYTES],
}

impl<'a> Unverified<'a> {
    /// Parses the framing: magic, version, key id and signature. Nothing is trusted yet.
    pub fn parse(bytes: &'a [u8]) -> Result<Unverified<'a>> {
        Unverified::parse_as(bytes, &MAGIC, "snapshot")
    }

    /// [`Unverified::parse`] for an envelope of another magic (a delta's), named `what`.
    pub(crate) fn parse_as(
        bytes: &'a [u8],
        magic: &[u8; 4],
        what: &'static str,
    ) -> Result<Unverified<'a>> {
        let truncated = || Error::new(ErrorKind::Malformed, format!("{what} is truncated"));
        if !bytes.starts_with(magic) {
            if magic.starts_with(bytes) {
                return Err(truncated());
            }
            return Err(Error::new(
                ErrorKind::BadMagic,
                format!("not a rolegate {what} (bad magic bytes)"),
            ));
        }
        let version = bytes.get(4..6).ok_or_else(truncated)?;
        let version = u16::from_le_bytes([
            version.first().copied().unwrap_or(0),
            version.get(1).copied().unwrap_or(0),
        ]);
        if version != FORMAT_VERSION {
            return Err(Error::new(
                ErrorKind::UnsupportedVersion,
                format!(
                    "{what} format version {version} is not supported (this build reads version {FORMAT_VERSION}): upgrade rolegate"
                ),
            ));
        }
        let key_id_len = usize::from(*bytes.get(6).ok_or_else(truncated)?);
        let key_id = bytes.get(7..7 + key_id_len).ok_or_else(truncated)?;
        let key_id = std::str::from_utf8(key_id)
            .ok()
            .filter(|k| is_key_id(k))
            .ok_or_else(|| {
                Error::new(ErrorKind::Malformed, format!("{what} key id is not valid"))
            })?;
        let signed_len = bytes
            .len()
            .checked_sub(SIGNATURE_BYTES)
            .filter(|&n| n >= 7 + key_id_len)
            .ok_or_else(truncated)?;
        let (signed, signature) = bytes.split_at(signed_len);
        let signature: [u8; SIGNATURE_BYTES] = signature.try_into().map_err(|_| truncated())?;
        let payload = signed.get(7 + key_id_len..).ok_or_else(truncated)?;
        Ok(Unverified {
            what,
            version,
            key_id,
            signed,
            payload,
            signature,
        })
    }

    pub fn version(&self) -> u16 {
        self.version
    }

    /// The key id the envelope claims it was signed with.
    pub fn key_id(&self) -> &'a str {
        self.key_id
    }

    /// Checks the signature with the trusted key of the envelope's key id and returns the
    /// payload bytes, now safe to decode.
    pub fn verify(&self, keys: &KeySet) -> Result<&'a [u8]> {
        let key = keys.get(self.key_id).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownKey,
                format!(
                    "{} is signed with key `{}`, which is not trusted",
                    self.what, self.key_id
                ),
            )
        })?;
        if !key.verify(self.signed, &self.signature) {
            return Err(Error::new(
                ErrorKind::BadSignature,
                format!(
                    "{} signature does not verify with key `{}`",
                    self.what, self.key_id
                ),
            ));
        }
        Ok(self.payload)
    }

    /// The payload bytes without checking the signature: for inspection only.
    pub fn payload_unverified(&self) -> &'a [u8] {
        self.payload
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::keys::PublicKey;

    fn payload() -> Payload {
        crate::snapshot::payload::bare()
    }

    #[test]
    fn seals_and_verifies() {
        let key = SigningKey::from_seed([3; 32], Some("k1")).unwrap();
        let bytes = seal(&payload(), &key);
        let env = Unverified::parse(&bytes).unwrap();
        assert_eq!(env.key_id(), "k1");
        let keys = KeySet::from_keys([key.public_key()]).unwrap();
        assert_eq!(
            Payload::from_bytes(env.verify(&keys).unwrap()).unwrap(),
            payload()
        );
    }

    #[test]
    fn refuses_bad_framing_with_codes() {
        let key = SigningKey::from_seed([3; 32], Some("k1")).unwrap();
        let bytes = seal(&payload(), &key);
        let code = |b: &[u8]| Unverified::parse(b).unwrap_err().code();
        assert_eq!(code(b"PK\x03\x04"), "BAD_MAGIC");
        assert_eq!(code(b""), "MALFORMED");
        assert_eq!(code(b"RGS"), "MALFORMED");
        let mut v2 = bytes.clone();
        v2[4] = 2;
        assert_eq!(code(&v2), "UNSUPPORTED_VERSION");
        assert_eq!(code(&bytes[..bytes.len() - 1 - 10 - 64]), "MALFORMED");
        let other = KeySet::from_keys([SigningKey::from_seed([4; 32], Some("k2"))
            .unwrap()
            .public_key()])
        .unwrap();
        assert_eq!(
            Unverified::parse(&bytes)
                .unwrap()
                .verify(&other)
                .unwrap_err()
                .code(),
            "UNKNOWN_KEY"
        );
        let impostor = KeySet::from_keys([PublicKey::from_bytes(
            "k1",
            &SigningKey::from_seed([4; 32], None)
                .unwrap()
                .public_key()
                .to_bytes(),
        )
        .unwrap()])
        .unwrap();
        assert_eq!(
            Unverified::parse(&bytes)
                .unwrap()
                .verify(&impostor)
                .unwrap_err()
                .code(),
            "BAD_SIGNATURE"
        );
    }
}

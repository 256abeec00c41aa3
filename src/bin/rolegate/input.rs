//! Reading what commands are given: files, keys, times, and snapshots or policies.

use std::io::Read;
use std::path::Path;

use rolegate::policy::limits::MAX_INPUT_BYTES;
use rolegate::snapshot::loader::check_freshness;
use rolegate::{
    BuildOptions, Engine, KeySet, LoadOptions, Payload, Policy, PublicKey, SigningKey, Timestamp,
    Unverified, compile_document, load,
};

use crate::Trust;
use crate::output::{Failure, is_stdio, shown};

fn too_large(path: &Path, len: u64) -> Failure {
    Failure::new(
        "TOO_LARGE",
        format!(
            "`{}` is {len} bytes or more, over the cap of {MAX_INPUT_BYTES}",
            shown(path)
        ),
    )
}

/// The bytes of a file, or of standard input for `-`: at most `MAX_INPUT_BYTES`, read
/// through a bounded reader, so pipes and devices (whose size metadata says 0) are capped
/// too; a regular file over the cap is refused before reading.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    let cap = MAX_INPUT_BYTES as u64;
    let mut bytes = Vec::new();
    let read = if is_stdio(path) {
        read_chunks(std::io::stdin().lock().take(cap + 1), &mut bytes)
    } else {
        let file = std::fs::File::open(path).map_err(|e| Failure::io(path, &e))?;
        let len = file.metadata().map_err(|e| Failure::io(path, &e))?.len();
        if len > cap {
            return Err(too_large(path, len));
        }
        read_chunks(file.take(cap + 1), &mut bytes)
    };
    read.map_err(|e| Failure::io(path, &e))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, cap + 1));
    }
    Ok(bytes)
}

/// Reads to the end in reads of at most 64 KiB: Node's WASI (under `npx rolegate`)
/// aborts the process on one very large read from a device.
fn read_chunks(mut from: impl Read, bytes: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = vec![0; 64 << 10];
    loop {
        match from.read(&mut chunk) {
            Ok(0) => return Ok(bytes.len()),
            Ok(n) => bytes.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A UTF-8 text file (or standard input for `-`), without a leading byte-order mark.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    text_of(read_bytes(path)?, path)
}

/// Bytes as UTF-8 text, a leading byte-order mark dropped; the same refusal everywhere.
fn text_of(mut bytes: Vec<u8>, path: &Path) -> Result<String, Failure> {
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|_| Failure::not_utf8(path))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn signing_key(path: &Path) -> Result<SigningKey, Failure> {
    Ok(SigningKey::from_json(&read_text(path)?)?)
}

/// Parses an RFC 3339 time given on the command line, or the system time.
pub fn time_or_now(text: Option<&str>, flag: &str) -> Result<Timestamp, Failure> {
    match text {
        None => Ok(rolegate::time::now()),
        Some(t) => rolegate::time::parse_rfc3339(t).ok_or_else(|| {
            Failure::new(
                "USAGE",
                format!("`{flag} {t}` is not an RFC 3339 time such as `2026-12-01T00:00:00Z`"),
            )
        }),
    }
}

impl Trust {
    pub fn now(&self) -> Result<Timestamp, Failure> {
        time_or_now(self.now.as_deref(), "--now")
    }

    pub fn keys(&self) -> Result<KeySet, Failure> {
        let mut keys = KeySet::new();
        for spec in &self.public_keys {
            keys.insert(PublicKey::parse(spec)?)?;
        }
        for file in &self.key_files {
            keys.insert(signing_key(file)?.public_key())?;
        }
        Ok(keys)
    }

    pub fn options(&self, now: Timestamp) -> LoadOptions {
        LoadOptions {
            tenant: self.tenant.clone(),
            min_revision: self.min_revision.unwrap_or(0),
            ..LoadOptions::at(now)
        }
    }
}

/// Whether the bytes look like a JSON policy document (after any byte-order mark) rather
/// than a snapshot.
fn is_policy(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(BOM).unwrap_or(bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Opens a snapshot (verified when keys are given) or compiles a policy document, for
/// queries at the trust options' time.
pub fn open(path: &Path, trust: &Trust) -> Result<(Engine, Timestamp), Failure> {
    open_document(path, trust).map(|(engine, _, now)| (engine, now))
}

/// As [`open`], with the policy document itself when `path` is one (for what a
/// snapshot does not carry: descriptions).
pub fn open_document(
    path: &Path,
    trust: &Trust,
) -> Result<(Engine, Option<Policy>, Timestamp), Failure> {
    let now = trust.now()?;
    let bytes = read_bytes(path)?;
    if is_policy(&bytes) {
        let text = text_of(bytes, path)?;
        let (policy, payload) = compile_document(
            &text,
            &BuildOptions {
                revision: 0,
                issued_at: now,
                expires_at: None,
            },
        )
        .map_err(|e| Failure::policy(vec![e], path))?;
        return Ok((Engine::from_payload(payload)?, Some(policy), now));
    }
    let keys = trust.keys()?;
    let options = trust.options(now);
    if !keys.is_empty() {
        return Ok((load(&bytes, &keys, &options)?, None, now));
    }
    eprintln!(
        "warning: `{}` is not verified: pass --public-key KEY_ID=BASE64 or --key FILE to check its signature",
        shown(path)
    );
    let payload = Payload::from_bytes(Unverified::parse(&bytes)?.payload_unverified())?;
    check_freshness(&payload.stamp(), &options)?;
    Ok((Engine::from_payload(payload)?, None, now))
}

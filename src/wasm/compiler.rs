//! `rolegate/compiler`'s bindings, in a .wasm of their own (built with `wasm,compiler`,
//! so the engine's stays as small as it is): compile a policy once, then sign the whole
//! tenant or any subject's slice with a key or through an outside signer; diff, lint,
//! access levels, TypeScript types and keys. Results cross as JSON text or bytes; the
//! JS layer (`js/compiler.js`) checks arguments and shapes them.

use rustc_hash::FxHashMap;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::convert::js_error;
use crate::admin::access::{access, rows_json};
use crate::admin::{diff::diff, lint::lint_json, typegen::typescript};
use crate::error::{Error, ErrorKind};
use crate::policy::{BuildOptions, Policy, compile, diagnose};
use crate::snapshot::delta::delta_from_snapshot;
use crate::snapshot::envelope::SIGNATURE_BYTES;
use crate::snapshot::keys::is_key_id;
use crate::snapshot::limits::check_revision;
use crate::snapshot::{Payload, SigningKey, seal, signed_part};
use crate::time::Timestamp;
use crate::{Engine, Result};

/// A policy's mistakes as the CLI's `--json` reports them (see [`Error::to_json`]).
fn errors_json(errors: &[Error]) -> String {
    Value::Array(errors.iter().map(Error::to_json).collect()).to_string()
}

/// Every mistake in a policy document's text (`[]` when it compiles), as JSON.
#[wasm_bindgen(js_name = diagnosePolicy)]
pub fn diagnose_policy(text: &str) -> String {
    errors_json(&diagnose(text))
}

fn js(result: Result<String>) -> std::result::Result<String, JsValue> {
    result.map_err(|e| js_error(&e))
}

fn seconds(value: f64) -> Timestamp {
    // The JS layer passes whole seconds within ±2^53.
    value as Timestamp
}

/// A compiled policy: the document and its payload, signed as often as needed.
#[wasm_bindgen]
#[derive(Debug)]
pub struct CompiledPolicy {
    policy: Policy,
    payload: Payload,
    /// Subject id → index in `payload.subjects`, built on the first slice.
    index: Option<FxHashMap<String, usize>>,
}

#[wasm_bindgen]
impl CompiledPolicy {
    /// Compiles `text`; a policy with mistakes throws the first (the JS layer runs
    /// `diagnosePolicy` first, for all of them).
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> std::result::Result<CompiledPolicy, JsValue> {
        let build = || -> Result<CompiledPolicy> {
            let policy = Policy::from_json(text)?;
            let options = BuildOptions {
                revision: 0,
                issued_at: 0,
                expires_at: None,
            };
            let payload = compile(&policy, &options)?;
            Ok(CompiledPolicy {
                policy,
                payload,
                index: None,
            })
        };
        build().map_err(|e| js_error(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn tenant(&self) -> String {
        self.payload.tenant.clone()
    }

    /// The subject ids, in the policy's order.
    #[wasm_bindgen(js_name = subjectIds)]
    pub fn subject_ids(&self) -> Vec<String> {
        self.payload.subjects.iter().map(|s| s.id.clone()).collect()
    }

    /// The payload to sign: stamped with the revision and times, cut to `subject`'s slice
    /// when one is given (by an index built once, so slicing every subject stays linear).
    fn stamped(
        &mut self,
        revision: f64,
        issued_at: f64,
        expires_at: Option<f64>,
        subject: Option<String>,
    ) -> Result<Payload> {
        let revision = revision as u64;
        check_revision(revision)?;
        let mut payload = match subject {
            None => self.payload.clone(),
            Some(id) => {
                let subjects = &self.payload.subjects;
                let index = self.index.get_or_insert_with(|| {
                    subjects
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (s.id.clone(), i))
                        .collect()
                });
                match index.get(&id) {
                    Some(&at) => self.payload.slice_at(at)?,
                    // The library's own refusal, with its suggestion.
                    None => self.payload.slice(&id)?,
                }
            }
        };
        payload.revision = revision;
        payload.issued_at = seconds(issued_at);
        payload.expires_at = expires_at.map(seconds);
        Ok(payload)
    }

    /// Snapshot bytes signed with a key file's key (`keyJson`, the `keygen` format).
    pub fn seal(
        &mut self,
        key_json: &str,
        revision: f64,
        issued_at: f64,
        expires_at: Option<f64>,
        subject: Option<String>,
    ) -> std::result::Result<Vec<u8>, JsValue> {
        self.signed(
            key_json,
            revision,
            issued_at,
            expires_at,
            subject,
            |payload, key| Ok(seal(payload, key)),
        )
    }

    /// `sign(stamped payload, key file's key)`, its errors as JS errors.
    fn signed(
        &mut self,
        key_json: &str,
        revision: f64,
        issued_at: f64,
        expires_at: Option<f64>,
        subject: Option<String>,
        sign: impl FnOnce(&Payload, &SigningKey) -> Result<Vec<u8>>,
    ) -> std::result::Result<Vec<u8>, JsValue> {
        SigningKey::from_json(key_json)
            .and_then(|key| {
                sign(
                    &self.stamped(revision, issued_at, expires_at, subject)?,
                    &key,
                )
            })
            .map_err(|e| js_error(&e))
    }

    /// A signed delta from the snapshot `old` to this policy stamped as `seal` stamps it
    /// (the same tenant and slice, a higher revision), signed with a key file's key.
    #[wasm_bindgen(js_name = sealDelta)]
    pub fn seal_delta(
        &mut self,
        key_json: &str,
        old: &[u8],
        revision: f64,
        issued_at: f64,
        expires_at: Option<f64>,
        subject: Option<String>,
    ) -> std::result::Result<Vec<u8>, JsValue> {
        self.signed(
            key_json,
            revision,
            issued_at,
            expires_at,
            subject,
            |payload, key| delta_from_snapshot(old, payload, key).map(|(delta, _)| delta),
        )
    }

    /// The bytes an outside signer signs for `keyId`; the snapshot is them followed by the
    /// signature (`assemble`).
    #[wasm_bindgen(js_name = signedPart)]
    pub fn signed_part(
        &mut self,
        key_id: &str,
        revision: f64,
        issued_at: f64,
        expires_at: Option<f64>,
        subject: Option<String>,
    ) -> std::result::Result<Vec<u8>, JsValue> {
        if !is_key_id(key_id) {
            return Err(js_error(&Error::new(
                ErrorKind::BadKey,
                format!(
                    "invalid key id `{key_id}`: use 1 to 64 letters, digits, `.`, `_`, `:` or `-`"
                ),
            )));
        }
        let payload = self
            .stamped(revision, issued_at, expires_at, subject)
            .map_err(|e| js_error(&e))?;
        Ok(signed_part(&payload, key_id))
    }

    /// TypeScript types of the catalog (and scope ids, with `scopes`).
    pub fn typegen(&self, scopes: bool, name: &str) -> String {
        typescript(&self.payload, scopes, name)
    }

    /// Each subject's access level (tenant-wide, per scope or mixed) at `now`, as JSON
    /// (`rolegate access --json`'s rows); an unknown `subject` is refused.
    pub fn access(
        &self,
        subject: Option<String>,
        now: f64,
    ) -> std::result::Result<String, JsValue> {
        let rows = access(&self.payload, subject.as_deref(), seconds(now));
        if let Some(id) = &subject
            && rows.is_empty()
        {
            return Err(js_error(&Error::new(
                ErrorKind::UnknownSubject,
                format!("no subject `{id}` in the policy"),
            )));
        }
        Ok(rows_json(&rows).to_string())
    }

    /// What changed from `old` to this policy at `now`, as JSON.
    #[wasm_bindgen(js_name = diffFrom)]
    pub fn diff_from(
        &self,
        old: &CompiledPolicy,
        now: f64,
    ) -> std::result::Result<String, JsValue> {
        js((|| {
            let old = Engine::from_payload(old.payload.clone())?;
            let new = Engine::from_payload(self.payload.clone())?;
            Ok(serde_json::to_string(&diff(&old, &new, seconds(now))).unwrap_or_default())
        })())
    }

    /// The policy document as compiled (defaults filled in), as JSON.
    pub fn document(&self) -> String {
        serde_json::to_string(&self.policy).unwrap_or_default()
    }
}

/// Puts a signature after the signed part; a signature of any length but 64 is refused.
pub fn assemble_snapshot(signed: &[u8], signature: &[u8]) -> Result<Vec<u8>> {
    if signature.len() != SIGNATURE_BYTES {
        return Err(Error::new(
            ErrorKind::BadSignature,
            format!(
                "the signer returned {} bytes; an Ed25519 signature is {SIGNATURE_BYTES}",
                signature.len()
            ),
        ));
    }
    Ok([signed, signature].concat())
}

#[wasm_bindgen]
pub fn assemble(signed: &[u8], signature: &[u8]) -> std::result::Result<Vec<u8>, JsValue> {
    assemble_snapshot(signed, signature).map_err(|e| js_error(&e))
}

/// Lint warnings on a policy document's text, as JSON.
#[wasm_bindgen(js_name = lintPolicy)]
pub fn lint_policy(text: &str) -> std::result::Result<String, JsValue> {
    js(lint_json(text).map(|w| serde_json::to_string(&w).unwrap_or_default()))
}

/// A key file (the `keygen` format) from 32 random bytes and an optional key id.
#[wasm_bindgen(js_name = keyFromSeed)]
pub fn key_from_seed(seed: &[u8], key_id: Option<String>) -> std::result::Result<String, JsValue> {
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| js_error(&Error::new(ErrorKind::BadKey, "a key seed is 32 bytes")))?;
    js(SigningKey::from_seed(seed, key_id.as_deref()).map(|k| k.to_json()))
}

/// A key file's public key as `KEY_ID=BASE64`, the form loaders trust.
#[wasm_bindgen(js_name = publicKeyOf)]
pub fn public_key_of(key_json: &str) -> std::result::Result<String, JsValue> {
    js(SigningKey::from_json(key_json).map(|k| k.public_key().to_string()))
}

/// Seconds in a duration such as `15m`, `12h`, `7d` or `1h30m` (as `--ttl` reads it), or
/// NaN when it is not one (or not positive).
#[wasm_bindgen(js_name = parseDuration)]
pub fn parse_duration(text: &str) -> f64 {
    match crate::time::parse_duration(text) {
        Some(s) if s > 0 => s as f64,
        _ => f64::NAN,
    }
}

/// Unix seconds of an RFC 3339 time (as `--issued-at` reads it), or NaN.
#[wasm_bindgen(js_name = parseTime)]
pub fn parse_time(text: &str) -> f64 {
    crate::time::parse_rfc3339(text).map_or(f64::NAN, |t| t as f64)
}

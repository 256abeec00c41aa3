//! `WasmGate`: one loaded snapshot with its trusted keys and load options, answering
//! checks. Times cross the boundary as JS milliseconds.

use wasm_bindgen::prelude::*;

use super::convert::{bytes_arg, js_error, millis, object, seconds, type_error};
use super::trust::WasmTrust;
use crate::engine::Engine;
use crate::engine::decision::Reason;
use crate::snapshot::keys::KeySet;
use crate::snapshot::loader::{LoadOptions, apply_delta, load_owned};

#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmGate {
    engine: Engine,
    keys: KeySet,
    options: LoadOptions,
    /// The set `permissionWords` computed last.
    scratch: Vec<u64>,
}

#[wasm_bindgen]
impl WasmGate {
    /// Verifies and loads `bytes` with the keys and options of `trust` at `now_ms`.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: JsValue, trust: &WasmTrust, now_ms: f64) -> Result<WasmGate, JsValue> {
        let keys = trust.keys.clone();
        let mut options = trust.options.clone();
        options.now = seconds(now_ms);
        let bytes = bytes_arg(&bytes, options.max_bytes)?;
        let engine = load_owned(bytes, &keys, &options).map_err(|e| js_error(&e))?;
        Ok(WasmGate {
            engine,
            keys,
            options,
            scratch: Vec::new(),
        })
    }

    /// Swaps in a newer snapshot atomically, or with `delta` the one a signed delta
    /// builds on top of the snapshot serving (see `loader::apply_delta`). A refused one
    /// (including a lower revision than the one serving) throws, and the current
    /// snapshot keeps serving.
    pub fn update(&mut self, bytes: JsValue, now_ms: f64, delta: bool) -> Result<(), JsValue> {
        let bytes = bytes_arg(&bytes, self.options.max_bytes)?;
        let options = LoadOptions {
            now: seconds(now_ms),
            min_revision: self.options.min_revision.max(self.engine.revision()),
            ..self.options.clone()
        };
        let engine = if delta {
            apply_delta(&self.engine, &bytes, &self.keys, &options)
        } else {
            load_owned(bytes, &self.keys, &options)
        };
        self.engine = engine.map_err(|e| js_error(&e))?;
        Ok(())
    }

    pub fn can(&self, subject: &str, permission: &str, scope: Option<String>, now_ms: f64) -> bool {
        self.engine
            .can(subject, permission, scope.as_deref(), seconds(now_ms))
    }

    /// `can` on ids from `subjectId`, `permissionNames` and `scopeIds`, for callers that
    /// resolve names themselves (the JS layer answers from cached `permissionWords`).
    #[wasm_bindgen(js_name = canIds)]
    pub fn can_ids(&self, subject: u32, permission: u32, scope: u32, now_ms: f64) -> bool {
        self.engine
            .can_ids(subject, permission, scope, seconds(now_ms))
    }

    /// `{allowed, reason, role, grantScope, grantExpiresAt, revision}`.
    pub fn explain(
        &self,
        subject: &str,
        permission: &str,
        scope: Option<String>,
        now_ms: f64,
    ) -> JsValue {
        let d = self
            .engine
            .explain(subject, permission, scope.as_deref(), seconds(now_ms));
        let (role, grant_scope, until) = match &d.reason {
            Reason::Granted {
                role,
                scope,
                expires_at,
            } => (Some(*role), Some(*scope), expires_at.map(millis)),
            Reason::GrantExpired {
                role,
                scope,
                expired_at,
            } => (Some(*role), Some(*scope), Some(millis(*expired_at))),
            _ => (None, None, None),
        };
        let opt_str = |s: Option<&str>| s.map_or(JsValue::NULL, JsValue::from_str);
        object(&[
            ("allowed", JsValue::from_bool(d.allowed)),
            ("reason", JsValue::from_str(d.reason.code())),
            ("message", JsValue::from_str(&d.reason.to_string())),
            ("role", opt_str(role)),
            ("grantScope", opt_str(grant_scope)),
            (
                "grantExpiresAt",
                until.map_or(JsValue::NULL, JsValue::from_f64),
            ),
            ("revision", JsValue::from_f64(d.revision as f64)),
        ])
    }

    pub fn permissions(&self, subject: &str, scope: Option<String>, now_ms: f64) -> Vec<String> {
        self.engine
            .permissions(subject, scope.as_deref(), seconds(now_ms))
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// Computes the subject's permissions on a scope, for [`WasmGate::word`] to read, and
    /// returns when the set may change (ms). Numbers only cross the boundary: no object,
    /// no array is built.
    #[wasm_bindgen(js_name = permissionWords)]
    pub fn permission_words(&mut self, subject: u32, scope: u32, now_ms: f64) -> f64 {
        self.scratch.resize(self.engine.permission_words(), 0);
        let until =
            self.engine
                .fill_permission_set(subject, scope, seconds(now_ms), &mut self.scratch);
        millis(until)
    }

    /// Word `i` of the last `permissionWords` set: permission `32 i + b` is bit `b`.
    pub fn word(&self, i: u32) -> u32 {
        let w = self.scratch.get(i as usize / 2).copied().unwrap_or(0);
        (w >> (32 * (i % 2))) as u32
    }

    #[wasm_bindgen(js_name = whoCan)]
    pub fn who_can(&self, permission: &str, scope: Option<String>, now_ms: f64) -> Vec<String> {
        self.engine
            .who_can(permission, scope.as_deref(), seconds(now_ms))
            .into_iter()
            .map(String::from)
            .collect()
    }

    /// The API key subject whose token this is (SHA-256 lookup), or `undefined`.
    #[wasm_bindgen(js_name = subjectForToken)]
    pub fn subject_for_token(&self, token: &str) -> Option<String> {
        self.engine.subject_for_token(token).map(String::from)
    }

    /// The same, from a SHA-256 the caller computed (WebCrypto).
    #[wasm_bindgen(js_name = subjectForTokenHash)]
    pub fn subject_for_token_hash(&self, hash: &[u8]) -> Result<Option<String>, JsValue> {
        let hash: &[u8; 32] = hash
            .try_into()
            .map_err(|_| type_error("a token hash is 32 bytes (SHA-256)"))?;
        Ok(self.engine.subject_for_token_hash(hash).map(String::from))
    }

    /// 1 for an active subject, 0 for a deactivated user or revoked key, -1 when unknown.
    #[wasm_bindgen(js_name = subjectStatus)]
    pub fn subject_status(&self, subject: &str) -> i32 {
        self.engine.subject_active(subject).map_or(-1, i32::from)
    }

    /// The id of a subject, or -1 when unknown.
    #[wasm_bindgen(js_name = subjectId)]
    pub fn subject_id(&self, subject: &str) -> i32 {
        self.engine.subject_id(subject).map_or(-1, |i| i as i32)
    }

    /// The id of a permission, or -1 when unknown.
    #[wasm_bindgen(js_name = permissionId)]
    pub fn permission_id(&self, permission: &str) -> i32 {
        self.engine
            .permission_id(permission)
            .map_or(-1, |i| i as i32)
    }

    /// The id of a scope, or -1 when unknown.
    #[wasm_bindgen(js_name = scopeId)]
    pub fn scope_id(&self, scope: &str) -> i32 {
        self.engine.scope_id(Some(scope)).map_or(-1, |i| i as i32)
    }

    /// How many permissions the catalog holds.
    #[wasm_bindgen(getter, js_name = permissionCount)]
    pub fn permission_count(&self) -> u32 {
        self.engine.permission_count() as u32
    }

    /// How many scopes the snapshot holds.
    #[wasm_bindgen(getter, js_name = scopeCount)]
    pub fn scope_count(&self) -> u32 {
        self.engine.scope_count() as u32
    }

    /// Permission names in id order.
    #[wasm_bindgen(js_name = permissionNames)]
    pub fn permission_names(&self) -> Vec<String> {
        self.engine.permission_names().map(String::from).collect()
    }

    /// Scope ids in id order (the root first).
    #[wasm_bindgen(js_name = scopeIds)]
    pub fn scope_ids(&self) -> Vec<String> {
        self.engine.scope_names().map(String::from).collect()
    }

    /// How many subjects the snapshot holds.
    #[wasm_bindgen(getter, js_name = subjectCount)]
    pub fn subject_count(&self) -> u32 {
        self.engine.subject_count() as u32
    }

    #[wasm_bindgen(getter)]
    pub fn tenant(&self) -> String {
        self.engine.tenant().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn revision(&self) -> f64 {
        self.engine.revision() as f64
    }

    #[wasm_bindgen(getter, js_name = issuedAt)]
    pub fn issued_at(&self) -> f64 {
        millis(self.engine.issued_at())
    }

    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<f64> {
        self.engine.expires_at().map(millis)
    }

    /// When checks start denying (expiry plus grace), in ms; `Number.MAX_VALUE` if never.
    #[wasm_bindgen(getter, js_name = denyFrom)]
    pub fn deny_from(&self) -> f64 {
        millis(self.engine.deny_from())
    }

    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> Option<String> {
        self.engine.key_id().map(String::from)
    }

    #[wasm_bindgen(getter, js_name = sliceSubject)]
    pub fn slice_subject(&self) -> Option<String> {
        self.engine.slice_subject().map(String::from)
    }
}

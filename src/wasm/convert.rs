//! Moving values across the JS boundary: bytes, options, times and errors with codes.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;
use crate::snapshot::keys::{KeySet, PublicKey};
use crate::snapshot::loader::LoadOptions;
use crate::time::Timestamp;

/// A JS `Error` named `RolegateError` with the error's stable `code`.
pub fn js_error(e: &Error) -> JsValue {
    coded(
        js_sys::Error::new(&e.to_string()),
        "RolegateError",
        e.code(),
    )
}

/// A JS `TypeError` with code `INVALID_ARGUMENT`, for arguments of the wrong type.
pub fn type_error(message: &str) -> JsValue {
    let e: js_sys::Error = js_sys::TypeError::new(message).unchecked_into();
    let name = e.name();
    coded(e, &String::from(name), "INVALID_ARGUMENT")
}

fn coded(e: js_sys::Error, name: &str, code: &str) -> JsValue {
    e.set_name(name);
    let value: JsValue = e.into();
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&value, &JsValue::from_str("code"), &JsValue::from_str(code));
    value
}

/// Copies snapshot bytes out of a `Uint8Array` or `ArrayBuffer`, refusing anything else
/// and anything over `max_bytes` before copying.
pub fn bytes_arg(value: &JsValue, max_bytes: usize) -> Result<Vec<u8>, JsValue> {
    let array = if let Some(a) = value.dyn_ref::<Uint8Array>() {
        a.clone()
    } else if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        Uint8Array::new(buffer)
    } else {
        return Err(type_error(
            "snapshot bytes must be a Uint8Array or an ArrayBuffer",
        ));
    };
    let len = array.length() as usize;
    crate::snapshot::loader::check_size("snapshot", len, max_bytes).map_err(|e| js_error(&e))?;
    Ok(array.to_vec())
}

fn get(object: &JsValue, key: &str) -> Result<Option<JsValue>, JsValue> {
    let v = Reflect::get(object, &JsValue::from_str(key))
        .map_err(|_| type_error(&format!("cannot read option `{key}`")))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn string_option(object: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    match get(object, key)? {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| type_error(&format!("option `{key}` must be a string"))),
    }
}

/// A whole, non-negative number option (formatting no floats keeps the .wasm small).
fn count_option(object: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    match get(object, key)? {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 => Ok(Some(n)),
            _ => Err(type_error(&format!(
                "option `{key}` must be a whole number, 0 or more"
            ))),
        },
    }
}

/// Reads `keys`: an object or `Map` from key id to a 32-byte `Uint8Array`, or an array
/// of `[keyId, key]` pairs.
fn keys_option(options: &JsValue) -> Result<KeySet, JsValue> {
    let Some(keys) = get(options, "keys")? else {
        return Err(type_error(
            "option `keys` is required: trusted public keys by key id",
        ));
    };
    let entries: Array = if let Some(map) = keys.dyn_ref::<js_sys::Map>() {
        Array::from(&map.entries().into())
    } else if Array::is_array(&keys) {
        keys.unchecked_into()
    } else if keys.is_object() {
        Object::entries(keys.unchecked_ref())
    } else {
        return Err(type_error(
            "option `keys` must be an object, a Map or an array of [keyId, key] pairs",
        ));
    };
    let mut set = KeySet::new();
    for entry in entries.iter() {
        let pair: Option<&Array> = entry.dyn_ref::<Array>();
        let (id, key) = match pair {
            Some(p) if p.length() == 2 => (p.get(0), p.get(1)),
            _ => return Err(type_error("each trusted key must be a [keyId, key] pair")),
        };
        let id = id
            .as_string()
            .ok_or_else(|| type_error("a key id must be a string"))?;
        // The JS layer decodes base64 text (js/plain.js): only bytes reach the engine.
        let key = if let Some(bytes) = key.dyn_ref::<Uint8Array>() {
            PublicKey::from_bytes(&id, &bytes.to_vec())
        } else {
            return Err(type_error(&format!(
                "key `{id}` must be a base64 string or a Uint8Array"
            )));
        };
        set.insert(key.map_err(|e| js_error(&e))?)
            .map_err(|e| js_error(&e))?;
    }
    if set.is_empty() {
        return Err(type_error(
            "option `keys` holds no key: trust at least one public key",
        ));
    }
    Ok(set)
}

/// Reads the options object of a gate: `keys`, `tenant`, `subject`, `minRevision`,
/// `maxBytes`, `clockSkew` and `expiryGrace` (seconds).
pub fn options_arg(options: &JsValue) -> Result<(KeySet, LoadOptions), JsValue> {
    if !options.is_object() {
        return Err(type_error("options must be an object with at least `keys`"));
    }
    let keys = keys_option(options)?;
    let mut load = LoadOptions::at(0);
    load.tenant = string_option(options, "tenant")?;
    load.subject = string_option(options, "subject")?;
    if let Some(n) = count_option(options, "minRevision")? {
        load.min_revision = n as u64;
    }
    if let Some(n) = count_option(options, "maxBytes")? {
        load.max_bytes = n as usize;
    }
    if let Some(n) = count_option(options, "clockSkew")? {
        load.clock_skew = n as i64;
    }
    if let Some(n) = count_option(options, "expiryGrace")? {
        load.expiry_grace = n as i64;
    }
    Ok((keys, load))
}

/// Milliseconds since the epoch (JS time) to engine seconds, rounding down. A time that
/// is not a finite number counts as the end of time, so every check denies (fail closed).
pub fn seconds(ms: f64) -> Timestamp {
    if ms.is_finite() {
        (ms / 1000.0).floor() as Timestamp
    } else {
        Timestamp::MAX
    }
}

/// Engine seconds to JS milliseconds (`Number.MAX_VALUE` for "never").
pub fn millis(t: Timestamp) -> f64 {
    if t == Timestamp::MAX {
        f64::MAX
    } else {
        t as f64 * 1000.0
    }
}

/// Builds a plain JS object from key/value pairs.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

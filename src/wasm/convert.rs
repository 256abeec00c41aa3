//! Moving values across the JS boundary: bytes, times and errors with codes.

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;
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

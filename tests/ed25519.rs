//! Ed25519 edge cases a strict verifier must refuse: malleated signatures (S + L), small
//! order R, and small-order or non-canonical public keys, each with its own code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
#[path = "../examples/golden.rs"]
mod golden;

use rolegate::time::parse_rfc3339;
use rolegate::{KeySet, LoadOptions, PublicKey, load};

/// The group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The eight points of small order (the torsion subgroup) in their canonical encodings,
/// and non-canonical encodings of some of them (y >= p).
const SMALL_ORDER: [&str; 8] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];
const NON_CANONICAL: [&str; 3] = [
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn snapshot() -> Vec<u8> {
    std::fs::read(golden::root().join("tests/fixtures/acme.snapshot")).unwrap()
}

fn code(bytes: &[u8]) -> &'static str {
    let keys = KeySet::from_keys([golden::test_key().public_key()]).unwrap();
    let options = LoadOptions::at(parse_rfc3339("2026-11-23T12:00:00Z").unwrap());
    load(bytes, &keys, &options).unwrap_err().code()
}

#[test]
fn the_untouched_snapshot_loads() {
    let keys = KeySet::from_keys([golden::test_key().public_key()]).unwrap();
    let options = LoadOptions::at(parse_rfc3339("2026-11-23T12:00:00Z").unwrap());
    assert!(load(&snapshot(), &keys, &options).is_ok());
}

#[test]
fn a_malleated_signature_s_plus_l_is_refused() {
    let mut bytes = snapshot();
    let s_at = bytes.len() - 32;
    let mut carry = 0u16;
    for (i, l) in L.iter().enumerate() {
        let sum = u16::from(bytes[s_at + i]) + u16::from(*l) + carry;
        bytes[s_at + i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L still fits in 32 bytes");
    assert_eq!(code(&bytes), "BAD_SIGNATURE");
}

#[test]
fn a_small_order_r_is_refused() {
    for point in SMALL_ORDER {
        let mut bytes = snapshot();
        let r_at = bytes.len() - 64;
        bytes[r_at..r_at + 32].copy_from_slice(&hex(point));
        // With S = 0, R of small order satisfies a non-strict verifier's equation for
        // some keys; the strict one refuses it outright.
        let s_at = bytes.len() - 32;
        bytes[s_at..].fill(0);
        assert_eq!(code(&bytes), "BAD_SIGNATURE", "R = {point}");
    }
}

#[test]
fn small_order_and_non_canonical_public_keys_are_refused() {
    for point in SMALL_ORDER.iter().chain(NON_CANONICAL.iter()) {
        let err = PublicKey::from_bytes("k", &hex(point)).unwrap_err();
        assert_eq!(err.code(), "BAD_KEY", "{point}");
    }
    for wrong_length in [0, 31, 33, 64] {
        let err = PublicKey::from_bytes("k", &vec![9u8; wrong_length]).unwrap_err();
        assert_eq!(err.code(), "BAD_KEY");
    }
}

#[test]
fn a_signature_from_another_key_under_the_trusted_key_id_is_refused() {
    let other =
        rolegate::SigningKey::from_seed([7; 32], Some(golden::test_key().key_id())).unwrap();
    let payload = rolegate::Unverified::parse(&snapshot())
        .unwrap()
        .payload_unverified()
        .to_vec();
    let payload = rolegate::Payload::from_bytes(&payload).unwrap();
    assert_eq!(code(&rolegate::seal(&payload, &other)), "BAD_SIGNATURE");
}

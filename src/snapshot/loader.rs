//! Loading snapshot bytes: verify the signature before decoding, then refuse what is
//! stale, foreign or rolled back. Each refusal has its own error code.

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::decode::decode;
use crate::snapshot::envelope::Unverified;
use crate::snapshot::head::{Head, Stamp};
use crate::snapshot::keys::KeySet;
use crate::snapshot::limits::DEFAULT_MAX_SNAPSHOT_BYTES;
use crate::snapshot::subjects::Subjects;
use crate::time::{Timestamp, format_rfc3339};

/// How far in the future a snapshot's issue time may be, by default (clock skew).
pub const DEFAULT_CLOCK_SKEW_SECS: i64 = 60;

/// What a loader accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// The current time, for expiry checks.
    pub now: Timestamp,
    /// Refuse snapshots of any other tenant.
    pub tenant: Option<String>,
    /// Accept only a slice cut for this subject.
    pub subject: Option<String>,
    /// Refuse revisions below this (pass the revision already loaded to stop rollbacks).
    pub min_revision: u64,
    /// Refuse inputs larger than this many bytes.
    pub max_bytes: usize,
    /// Accept an issue time up to this many seconds ahead of `now`.
    pub clock_skew: i64,
    /// Keep accepting (and answering from) a snapshot this many seconds past its expiry.
    pub expiry_grace: i64,
}

impl LoadOptions {
    /// Defaults at time `now`: any tenant, no minimum revision, 32 MiB cap, 60 s skew, no grace.
    pub fn at(now: Timestamp) -> LoadOptions {
        LoadOptions {
            now,
            tenant: None,
            subject: None,
            min_revision: 0,
            max_bytes: DEFAULT_MAX_SNAPSHOT_BYTES,
            clock_skew: DEFAULT_CLOCK_SKEW_SECS,
            expiry_grace: 0,
        }
    }
}

/// Verifies, decodes and indexes snapshot bytes into an [`Engine`].
///
/// Order: size cap, framing, key id, signature; only then decode; then tenant, slice
/// subject, revision and times.
pub fn load(bytes: &[u8], keys: &KeySet, options: &LoadOptions) -> Result<Engine> {
    let opened = open(bytes, keys, options)?;
    let payload = bytes
        .get(opened.payload.clone())
        .unwrap_or_default()
        .to_vec();
    let len = payload.len();
    opened.into_engine(payload, 0..len, options)
}

/// [`load`] on bytes it may keep: the engine answers from them, with no copy.
pub fn load_owned(bytes: Vec<u8>, keys: &KeySet, options: &LoadOptions) -> Result<Engine> {
    let opened = open(&bytes, keys, options)?;
    let payload = opened.payload.clone();
    opened.into_engine(bytes, payload, options)
}

/// Refuses inputs (a snapshot, a delta, what a delta builds) over the byte cap.
pub(crate) fn check_size(what: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!("{what} is {len} bytes, over the cap of {max} bytes"),
        ));
    }
    Ok(())
}

/// A snapshot that passed every check of [`load`], decoded but not yet indexed.
struct Opened {
    head: Head,
    subjects: Subjects,
    key_id: String,
    /// Where the payload is in the snapshot bytes.
    payload: std::ops::Range<usize>,
}

/// The checks of [`load`], in its order, and the decoding.
fn open(bytes: &[u8], keys: &KeySet, options: &LoadOptions) -> Result<Opened> {
    check_size("snapshot", bytes.len(), options.max_bytes)?;
    let envelope = Unverified::parse(bytes)?;
    let payload = envelope.verify(keys)?;
    let (head, subjects) = decode(payload)?;
    check_freshness(&head.stamp, options)?;
    let start = payload.as_ptr() as usize - bytes.as_ptr() as usize;
    Ok(Opened {
        head,
        subjects,
        key_id: envelope.key_id().to_string(),
        payload: start..start + payload.len(),
    })
}

impl Opened {
    /// The engine over `data`, whose bytes `data[payload]` are this payload.
    fn into_engine(
        self,
        data: Vec<u8>,
        payload: std::ops::Range<usize>,
        options: &LoadOptions,
    ) -> Result<Engine> {
        Ok(Engine::from_parts(self.head, self.subjects, data, payload)?
            .with_key_id(&self.key_id)
            .with_expiry_grace(options.expiry_grace))
    }
}

/// Applies a signed delta to what `current` holds and returns the engine of the new
/// revision, exactly as if its full snapshot had been loaded.
///
/// Order: size cap, framing, key id, signature; only then the delta's header is read:
/// its base revision must be `current`'s; the payload it builds must have the length and
/// SHA-512 it states, or the delta is refused: `DELTA_BASE` when `current`'s payload is
/// not the one it was built on (its SHA-512 differs), `DELTA_MISMATCH` otherwise. Only
/// then is that payload decoded and held to every check of [`load`], pinned to
/// `current`'s tenant and slice, above its revision.
pub fn apply_delta(
    current: &Engine,
    delta: &[u8],
    keys: &KeySet,
    options: &LoadOptions,
) -> Result<Engine> {
    use crate::snapshot::delta::{DELTA_MAGIC, Delta, sha512};
    check_size("delta", delta.len(), options.max_bytes)?;
    let envelope = Unverified::parse_as(delta, &DELTA_MAGIC, "delta")?;
    let d = Delta::decode(envelope.verify(keys)?)?;
    let old = current.payload_bytes();
    let base = || {
        Error::new(
            ErrorKind::DeltaBase,
            format!(
                "delta is built on revision {}, not on the revision {} this gate holds",
                d.from_revision,
                current.revision()
            ),
        )
    };
    if d.from_revision != current.revision() {
        return Err(base());
    }
    // One hash on the way that succeeds (the new payload's); the old payload's only to
    // name a failure: built on other bytes of this revision (DELTA_BASE) or not.
    let built = d.apply(old, options.max_bytes).and_then(|new| {
        if sha512(&new) == d.to_sha512 {
            Ok(new)
        } else {
            Err(d.mismatch())
        }
    });
    let new = match built {
        Err(_) if sha512(old) != d.from_sha512 => return Err(base()),
        other => other?,
    };
    let options = LoadOptions {
        tenant: Some(current.tenant().to_string()),
        subject: current.slice_subject().map(String::from),
        min_revision: options
            .min_revision
            .max(current.revision().saturating_add(1)),
        ..options.clone()
    };
    let (head, subjects) = decode(&new)?;
    if head.stamp.revision != d.to_revision {
        return Err(d.mismatch());
    }
    check_freshness(&head.stamp, &options)?;
    let payload = 0..new.len();
    Opened {
        head,
        subjects,
        key_id: envelope.key_id().to_string(),
        payload: payload.clone(),
    }
    .into_engine(new, payload, &options)
}

/// The header checks of [`load`] on a decoded payload's stamp.
pub fn check_freshness(payload: &Stamp, options: &LoadOptions) -> Result<()> {
    if let Some(tenant) = &options.tenant {
        if &payload.tenant != tenant {
            return Err(Error::new(
                ErrorKind::WrongTenant,
                format!(
                    "snapshot is for tenant `{}`, expected `{tenant}`",
                    payload.tenant
                ),
            ));
        }
    }
    if let Some(subject) = &options.subject {
        if payload.subject.as_ref() != Some(subject) {
            let found = match &payload.subject {
                Some(other) => format!("a slice for `{other}`"),
                None => "not a slice".to_string(),
            };
            return Err(Error::new(
                ErrorKind::WrongSubject,
                format!("snapshot is {found}, expected a slice for `{subject}`"),
            ));
        }
    }
    if payload.revision < options.min_revision {
        return Err(Error::new(
            ErrorKind::Rollback,
            format!(
                "snapshot revision {} is older than revision {}",
                payload.revision, options.min_revision
            ),
        ));
    }
    if let Some(expires_at) = payload.expires_at {
        if options.now >= expires_at.saturating_add(options.expiry_grace.max(0)) {
            return Err(Error::new(
                ErrorKind::Expired,
                format!("snapshot expired at {}", format_rfc3339(expires_at)),
            ));
        }
    }
    if payload.issued_at > options.now.saturating_add(options.clock_skew.max(0)) {
        return Err(Error::new(
            ErrorKind::NotYetValid,
            format!(
                "snapshot is issued at {}, in the future: check the clock",
                format_rfc3339(payload.issued_at)
            ),
        ));
    }
    Ok(())
}

//! Loading snapshot bytes: verify the signature before decoding, then refuse what is
//! stale, foreign or rolled back. Each refusal has its own error code.

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::decode::decode;
use crate::snapshot::envelope::Unverified;
use crate::snapshot::keys::KeySet;
use crate::snapshot::limits::DEFAULT_MAX_SNAPSHOT_BYTES;
use crate::snapshot::payload::Payload;
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
    opened.into_engine(payload, 0, options)
}

/// [`load`] on bytes it may keep: the engine answers from them, with no copy.
pub fn load_owned(bytes: Vec<u8>, keys: &KeySet, options: &LoadOptions) -> Result<Engine> {
    let opened = open(&bytes, keys, options)?;
    let base = opened.payload.start;
    opened.into_engine(bytes, base, options)
}

/// A snapshot that passed every check of [`load`], decoded but not yet indexed.
struct Opened {
    head: Payload,
    subjects: Subjects,
    key_id: String,
    /// Where the payload is in the snapshot bytes.
    payload: std::ops::Range<usize>,
}

/// The checks of [`load`], in its order, and the decoding.
fn open(bytes: &[u8], keys: &KeySet, options: &LoadOptions) -> Result<Opened> {
    if bytes.len() > options.max_bytes {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "snapshot is {} bytes, over the cap of {} bytes",
                bytes.len(),
                options.max_bytes
            ),
        ));
    }
    let envelope = Unverified::parse(bytes)?;
    let payload = envelope.verify(keys)?;
    let (head, subjects) = decode(payload)?;
    check_freshness(&head, options)?;
    let start = payload.as_ptr() as usize - bytes.as_ptr() as usize;
    Ok(Opened {
        head,
        subjects,
        key_id: envelope.key_id().to_string(),
        payload: start..start + payload.len(),
    })
}

impl Opened {
    /// The engine over `data`, whose bytes from `base` on are this payload.
    fn into_engine(self, data: Vec<u8>, base: usize, options: &LoadOptions) -> Result<Engine> {
        Ok(Engine::from_parts(self.head, self.subjects, data, base)?
            .with_key_id(&self.key_id)
            .with_expiry_grace(options.expiry_grace))
    }
}

/// The header checks of [`load`] on a decoded payload.
pub fn check_freshness(payload: &Payload, options: &LoadOptions) -> Result<()> {
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

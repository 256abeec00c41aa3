//! The one error type of the crate, with a stable code per kind.

use std::borrow::Cow;
use std::fmt;

/// What kind of failure an [`Error`] is; [`ErrorKind::code`] is its stable name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // Loading a snapshot.
    /// The input is larger than the configured cap.
    TooLarge,
    /// The input does not start with the snapshot magic.
    BadMagic,
    /// The envelope's format version is not one this build reads.
    UnsupportedVersion,
    /// The envelope names a key id that is not trusted.
    UnknownKey,
    /// The signature does not verify under the named key.
    BadSignature,
    /// The bytes are not a well-formed envelope or payload.
    Malformed,
    /// The snapshot belongs to another tenant than the expected one.
    WrongTenant,
    /// The snapshot is a slice for another subject than the expected one.
    WrongSubject,
    /// The snapshot is past its expiry.
    Expired,
    /// The snapshot was issued in the future (beyond the allowed clock skew).
    NotYetValid,
    /// The snapshot's revision is below the minimum (an older snapshot).
    Rollback,
    /// A key is malformed, weak or not canonical.
    BadKey,
    /// A count or length is over a documented limit.
    LimitExceeded,
    /// A delta is built on another snapshot than the one loaded (tenant, slice, revision
    /// or bytes differ): fetch the full snapshot instead.
    DeltaBase,
    /// Applying a delta did not give the payload it promises (its SHA-512 or length).
    DeltaMismatch,

    // Policy documents.
    /// The policy is not valid JSON or does not have the document's shape.
    #[cfg(feature = "compiler")]
    PolicySyntax,
    /// The policy's `format` is not `rolegate.policy/1`.
    #[cfg(feature = "compiler")]
    UnsupportedFormat,
    /// A name or id is empty, too long or not in the allowed form.
    #[cfg(feature = "compiler")]
    InvalidName,
    /// A permission is listed twice in the catalog.
    #[cfg(feature = "compiler")]
    DuplicatePermission,
    /// A scope id is used twice.
    #[cfg(feature = "compiler")]
    DuplicateScope,
    /// A role name is used twice.
    #[cfg(feature = "compiler")]
    DuplicateRole,
    /// A subject id is used twice.
    #[cfg(feature = "compiler")]
    DuplicateSubject,
    /// A role names a permission that is not in the catalog.
    #[cfg(feature = "compiler")]
    UnknownPermission,
    /// A grant or extension names a role that does not exist.
    #[cfg(feature = "compiler")]
    UnknownRole,
    /// A grant or scope names a scope that does not exist.
    #[cfg(feature = "compiler")]
    UnknownScope,
    /// A subject named (for a slice, say) does not exist.
    #[cfg(feature = "compiler")]
    UnknownSubject,
    /// A permission pattern matches nothing in the catalog.
    #[cfg(feature = "compiler")]
    PatternMatchesNothing,
    /// Roles extend each other in a cycle.
    #[cfg(feature = "compiler")]
    ExtensionCycle,
    /// A custom role has no permission and no extension.
    #[cfg(feature = "compiler")]
    EmptyRole,
    /// The scopes do not have exactly one root.
    #[cfg(feature = "compiler")]
    RootScope,
    /// Scopes are their own ancestors.
    #[cfg(feature = "compiler")]
    ScopeCycle,
    /// A subject's `kind` is neither `user` nor `api_key`.
    #[cfg(feature = "compiler")]
    UnknownSubjectKind,
    /// A `token_sha256` is not 64 hex digits, or is on a user.
    #[cfg(feature = "compiler")]
    BadTokenHash,
    /// Two API keys share one token hash.
    #[cfg(feature = "compiler")]
    DuplicateToken,
    /// A timestamp is not RFC 3339.
    #[cfg(feature = "compiler")]
    BadTimestamp,
    /// A role has fewer holders than its `min_holders` or more than its `max_holders`.
    #[cfg(feature = "compiler")]
    HolderLimit,
}

impl ErrorKind {
    /// The stable, machine-readable code (`"BAD_SIGNATURE"`, `"UNKNOWN_ROLE"`, ...).
    pub fn code(self) -> &'static str {
        use ErrorKind::*;
        match self {
            TooLarge => "TOO_LARGE",
            BadMagic => "BAD_MAGIC",
            UnsupportedVersion => "UNSUPPORTED_VERSION",
            UnknownKey => "UNKNOWN_KEY",
            BadSignature => "BAD_SIGNATURE",
            Malformed => "MALFORMED",
            WrongTenant => "WRONG_TENANT",
            WrongSubject => "WRONG_SUBJECT",
            Expired => "EXPIRED",
            NotYetValid => "NOT_YET_VALID",
            Rollback => "ROLLBACK",
            BadKey => "BAD_KEY",
            LimitExceeded => "LIMIT_EXCEEDED",
            DeltaBase => "DELTA_BASE",
            DeltaMismatch => "DELTA_MISMATCH",
            #[cfg(feature = "compiler")]
            PolicySyntax => "POLICY_SYNTAX",
            #[cfg(feature = "compiler")]
            UnsupportedFormat => "UNSUPPORTED_FORMAT",
            #[cfg(feature = "compiler")]
            InvalidName => "INVALID_NAME",
            #[cfg(feature = "compiler")]
            DuplicatePermission => "DUPLICATE_PERMISSION",
            #[cfg(feature = "compiler")]
            DuplicateScope => "DUPLICATE_SCOPE",
            #[cfg(feature = "compiler")]
            DuplicateRole => "DUPLICATE_ROLE",
            #[cfg(feature = "compiler")]
            DuplicateSubject => "DUPLICATE_SUBJECT",
            #[cfg(feature = "compiler")]
            UnknownPermission => "UNKNOWN_PERMISSION",
            #[cfg(feature = "compiler")]
            UnknownRole => "UNKNOWN_ROLE",
            #[cfg(feature = "compiler")]
            UnknownScope => "UNKNOWN_SCOPE",
            #[cfg(feature = "compiler")]
            UnknownSubject => "UNKNOWN_SUBJECT",
            #[cfg(feature = "compiler")]
            PatternMatchesNothing => "PATTERN_MATCHES_NOTHING",
            #[cfg(feature = "compiler")]
            ExtensionCycle => "EXTENSION_CYCLE",
            #[cfg(feature = "compiler")]
            EmptyRole => "EMPTY_ROLE",
            #[cfg(feature = "compiler")]
            RootScope => "ROOT_SCOPE",
            #[cfg(feature = "compiler")]
            ScopeCycle => "SCOPE_CYCLE",
            #[cfg(feature = "compiler")]
            UnknownSubjectKind => "UNKNOWN_SUBJECT_KIND",
            #[cfg(feature = "compiler")]
            BadTokenHash => "BAD_TOKEN_HASH",
            #[cfg(feature = "compiler")]
            DuplicateToken => "DUPLICATE_TOKEN",
            #[cfg(feature = "compiler")]
            BadTimestamp => "BAD_TIMESTAMP",
            #[cfg(feature = "compiler")]
            HolderLimit => "HOLDER_LIMIT",
        }
    }

    /// Whether this kind is a mistake in a policy document.
    pub fn is_policy_error(self) -> bool {
        use ErrorKind::*;
        !matches!(
            self,
            TooLarge
                | BadMagic
                | UnsupportedVersion
                | UnknownKey
                | BadSignature
                | Malformed
                | WrongTenant
                | WrongSubject
                | Expired
                | NotYetValid
                | Rollback
                | BadKey
                | LimitExceeded
                | DeltaBase
                | DeltaMismatch
        )
    }
}

/// A failure: bad bytes, an unverifiable or stale snapshot, a bad key or a policy mistake.
///
/// A denied check is not an error; see [`crate::Decision`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    path: Option<String>,
    line: Option<usize>,
}

impl Error {
    /// An error of `kind` with a message (lowercase, user input in backticks); control
    /// characters in it (from names echoed back) are escaped.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: escape_controls(&message.into()).into_owned(),
            path: None,
            line: None,
        }
    }

    /// The same error, located at a JSON path of the policy document.
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The same error, located at a line of the policy document.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code of this error's kind.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The message without location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON path of the mistake in a policy document (`subjects[1].grants[0].role`).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The 1-based line of the mistake in a policy document, when the source is known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The error as data, as the CLI's `--json` and `rolegate/compiler` report it:
    /// `code`, `message`, and `path`, `line` and `suggestion` where known.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("code".into(), self.code().into());
        map.insert("message".into(), self.message().into());
        if let Some(path) = self.path() {
            map.insert("path".into(), path.into());
        }
        if let Some(line) = self.line() {
            map.insert("line".into(), line.into());
        }
        if let Some(suggestion) = self.suggestion() {
            map.insert("suggestion".into(), suggestion.into());
        }
        serde_json::Value::Object(map)
    }

    /// The name the message's "did you mean" hint proposes, if it has one.
    pub fn suggestion(&self) -> Option<&str> {
        let (_, rest) = self.message.rsplit_once(" (did you mean `")?;
        rest.strip_suffix("`?)")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.path, self.line) {
            (Some(path), Some(line)) => write!(f, " at `{path}` (line {line})"),
            (Some(path), None) => write!(f, " at `{path}`"),
            (None, Some(line)) => write!(f, " at line {line}"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_location() {
        let e = Error::new(ErrorKind::UnknownRole, "unknown role `admn`")
            .at("subjects[1].grants[0].role")
            .at_line(54);
        assert_eq!(
            e.to_string(),
            "unknown role `admn` at `subjects[1].grants[0].role` (line 54)"
        );
        assert_eq!(e.code(), "UNKNOWN_ROLE");
        assert!(e.kind().is_policy_error());
        assert!(!ErrorKind::BadSignature.is_policy_error());
    }
}

/// `text` with control and bidirectional-formatting characters written as `\u{..}`, so a
/// name echoed in a message cannot move a terminal's cursor or reorder what is shown.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(escape_controls("admin"), "admin");
        assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape_controls("x\ny\t\u{7f}"), "x\\u{a}y\\u{9}\\u{7f}");
        assert_eq!(escape_controls("\u{202e}nimda"), "\\u{202e}nimda");
        assert_eq!(escape_controls("аdmin ✓"), "аdmin ✓");
        let e = Error::new(ErrorKind::UnknownRole, "unknown role `\u{1b}]0;pwned\u{7}`");
        assert_eq!(e.message(), "unknown role `\\u{1b}]0;pwned\\u{7}`");
    }
}

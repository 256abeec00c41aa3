//! Decoding a payload: the header, catalog, scopes and roles into a [`Head`] (names as
//! spans of the bytes), and every subject record checked and located in [`Subjects`]
//! (the records stay in the bytes). It reads
//! exactly postcard's encoding of [`Payload`](crate::snapshot::payload::Payload) (the differential tests hold it to
//! `postcard::from_bytes`) and applies the snapshot limits as it goes, so nothing is
//! allocated past them.

use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::head::{Head, PermissionHead, RoleHead, ScopeHead, Span, Stamp};
use crate::snapshot::limits::{self, MAX_GRANTS_PER_SUBJECT, MAX_NAME_BYTES};
use crate::snapshot::payload::malformed;
use crate::snapshot::reader::Reader;
use crate::snapshot::record;
use crate::snapshot::subjects::{Subjects, read_grant, read_head};

/// A name, held to the name-length limit.
fn name<'a>(r: &mut Reader<'a>) -> Result<&'a str> {
    let name = r.str()?;
    limits::check("bytes in a name", name.len(), MAX_NAME_BYTES)?;
    Ok(name)
}

fn owned_name(r: &mut Reader<'_>) -> Result<String> {
    name(r).map(String::from)
}

/// Where some bytes just read are in the payload.
fn span(part: &[u8], payload: &[u8]) -> Result<Span> {
    Span::of(part, payload).ok_or_else(too_big)
}

/// Decodes payload bytes; the whole input must be consumed.
pub fn decode(bytes: &[u8]) -> Result<(Head, Subjects)> {
    let mut r = Reader::new(bytes);
    let tenant = owned_name(&mut r)?;
    let revision = r.u64()?;
    limits::check_revision(revision)?;
    let issued_at = r.i64()?;
    let expires_at = r.option(Reader::i64)?;
    let subject = r.option(owned_name)?;
    let name = |r: &mut Reader<'_>| span(name(r)?.as_bytes(), bytes);
    let label = |r: &mut Reader<'_>| span(r.str()?.as_bytes(), bytes);
    let groups = r.seq("groups", usize::MAX, label)?;
    let kinds = r.seq("kinds", usize::MAX, label)?;
    let permissions = r.seq("permissions", limits::MAX_PERMISSIONS, |r| {
        Ok(PermissionHead {
            name: name(r)?,
            group: r.option(Reader::u32)?,
        })
    })?;
    let scopes = r.seq("scopes", limits::MAX_SCOPES, |r| {
        Ok(ScopeHead {
            id: name(r)?,
            parent: r.u32()?,
            kind: r.option(Reader::u32)?,
            name: r.option(label)?,
        })
    })?;
    let roles = r.seq("roles", limits::MAX_ROLES, |r| {
        Ok(RoleHead {
            name: name(r)?,
            system: r.bool()?,
            permissions: span(r.bytes()?, bytes)?,
        })
    })?;
    let mut subjects = subjects(&mut r, bytes)?;
    subjects.shrink_to_fit();
    if r.remaining() > 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!("{} bytes after the snapshot payload", r.remaining()),
        ));
    }
    let head = Head {
        stamp: Stamp {
            tenant,
            revision,
            issued_at,
            expires_at,
            subject,
        },
        groups,
        kinds,
        permissions,
        scopes,
        roles,
    };
    Ok((head, subjects))
}

fn subjects(r: &mut Reader<'_>, payload: &[u8]) -> Result<Subjects> {
    let n = r.length()?;
    limits::check("subjects", n, limits::MAX_SUBJECTS)?;
    let mut table = Subjects::with_capacity(n);
    for _ in 0..n {
        // The usual record is checked in one pass; any other is read again the slow way,
        // which refuses it with what is wrong (or accepts it, as `record::check` would).
        let rest = r.rest();
        let Some(record) = record::check(rest) else {
            subject(r, payload, &mut table)?;
            continue;
        };
        let start = offset(rest, payload)?;
        let token = match record.token {
            Some(t) => Some(offset(rest.get(t..).ok_or_else(too_big)?, payload)?),
            None => None,
        };
        table.saw_max(record.max_role, record.max_scope);
        table.push(start, token).ok_or_else(too_big)?;
        r.skip(record.len);
    }
    Ok(table)
}

/// Where `at` starts, as a distance from the payload's first byte.
fn offset(at: &[u8], payload: &[u8]) -> Result<u32> {
    let distance = at.as_ptr() as usize - payload.as_ptr() as usize;
    u32::try_from(distance).map_err(|_| too_big())
}

/// Checks one subject record and notes where it is.
fn subject(r: &mut Reader<'_>, payload: &[u8], table: &mut Subjects) -> Result<()> {
    let offset = |at: &[u8]| offset(at, payload);
    let start = offset(r.rest())?;
    // The id, first in the record, is held to the rules of every name.
    name(&mut r.clone())?;
    let head = read_head(r)?;
    limits::check(
        "grants of one subject",
        head.grant_count(),
        MAX_GRANTS_PER_SUBJECT,
    )?;
    let token = head.token.map(offset).transpose()?;
    for _ in 0..head.grant_count() {
        let grant = read_grant(r)?;
        table.saw(&grant);
    }
    table.push(start, token).ok_or_else(too_big)
}

fn too_big() -> Error {
    malformed("the payload is too large to index")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::payload::{Grant, GrantScope, Subject, SubjectKind};

    /// What the slow way makes of a record at the start of `bytes`, as the fast check
    /// reports it, or nothing when it refuses it.
    fn slow(bytes: &[u8]) -> Option<record::Record> {
        let mut r = Reader::new(bytes);
        let mut table = Subjects::with_capacity(1);
        subject(&mut r, bytes, &mut table).ok()?;
        let token = table.token(bytes, 0);
        Some(record::Record {
            len: bytes.len() - r.remaining(),
            token: token.map(|(t, _)| t.as_ptr() as usize - bytes.as_ptr() as usize),
            max_role: table.max_role,
            max_scope: table.max_scope,
        })
    }

    fn records() -> Vec<Vec<u8>> {
        let grant = |role, scope, expires_at| Grant {
            role,
            scope,
            expires_at,
        };
        let subjects = [
            Subject {
                id: "usr_1".into(),
                kind: SubjectKind::User,
                active: true,
                token_sha256: None,
                grants: vec![],
            },
            Subject {
                id: "key_é".into(),
                kind: SubjectKind::ApiKey,
                active: false,
                token_sha256: Some([7; 32]),
                grants: vec![
                    grant(3, GrantScope::BelowRoot, None),
                    grant(200, GrantScope::Scope(70_000), Some(-1)),
                ],
            },
            Subject {
                id: "u".repeat(200),
                kind: SubjectKind::User,
                active: true,
                token_sha256: None,
                grants: vec![
                    grant(u32::MAX, GrantScope::Scope(0), Some(i64::MAX)),
                    grant(0, GrantScope::Scope(9), Some(1_800_000_000)),
                ],
            },
        ];
        subjects
            .iter()
            .map(|s| postcard::to_allocvec(s).unwrap())
            .collect()
    }

    #[test]
    fn the_fast_check_reads_records_as_the_slow_way_does() {
        for record in records() {
            // The record alone, with bytes after it, and every byte of it changed to values
            // that matter to varints, flags and UTF-8; then every truncation.
            let mut cases = vec![record.clone(), [record.as_slice(), &[1, 2, 3]].concat()];
            for at in 0..record.len() {
                for value in [
                    0x00, 0x01, 0x02, 0x0f, 0x10, 0x1f, 0x20, 0x7f, 0x80, 0x81, 0xbf, 0xc3, 0xff,
                ] {
                    let mut changed = record.clone();
                    changed[at] = value;
                    cases.push(changed);
                }
                cases.push(record[..at].to_vec());
            }
            let accepted = cases.iter().filter(|c| slow(c).is_some()).count();
            assert!(
                accepted > record.len(),
                "mutations the slow way accepts: {accepted}"
            );
            for case in &cases {
                assert_eq!(record::check(case), slow(case), "{case:?}");
            }
        }
    }

    #[test]
    fn over_the_limits_the_fast_check_leaves_the_record_to_the_slow_way() {
        let long = Subject {
            id: "u".repeat(MAX_NAME_BYTES + 1),
            kind: SubjectKind::User,
            active: true,
            token_sha256: None,
            grants: vec![],
        };
        let many = Subject {
            id: "u".into(),
            kind: SubjectKind::User,
            active: true,
            token_sha256: None,
            grants: vec![
                Grant {
                    role: 0,
                    scope: GrantScope::BelowRoot,
                    expires_at: None
                };
                MAX_GRANTS_PER_SUBJECT + 1
            ],
        };
        for s in [long, many] {
            let bytes = postcard::to_allocvec(&s).unwrap();
            assert_eq!(record::check(&bytes), None);
            let mut r = Reader::new(&bytes);
            let err = subject(&mut r, &bytes, &mut Subjects::with_capacity(1)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        }
    }
}

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
        subject(r, payload, &mut table)?;
    }
    Ok(table)
}

/// Checks one subject record and notes where it is.
fn subject(r: &mut Reader<'_>, payload: &[u8], table: &mut Subjects) -> Result<()> {
    // Offsets are distances from the payload's first byte.
    let offset = |at: &[u8]| {
        let distance = at.as_ptr() as usize - payload.as_ptr() as usize;
        u32::try_from(distance).map_err(|_| too_big())
    };
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

//! Decoding a payload: the header, catalog, scopes and roles into a [`Payload`] (whose
//! `subjects` stay empty) and the subjects straight into a [`SubjectTable`]. It reads
//! exactly postcard's encoding of [`Payload`] (the differential tests hold it to
//! `postcard::from_bytes`) and applies the snapshot limits as it goes, so nothing is
//! allocated past them.

use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::limits::{self, MAX_GRANTS_PER_SUBJECT, MAX_NAME_BYTES};
use crate::snapshot::payload::{
    GrantScope, Payload, Permission, Role, Scope, SubjectKind, malformed,
};
use crate::snapshot::reader::Reader;
use crate::snapshot::subjects::SubjectTable;

/// A name, held to the name-length limit.
fn name<'a>(r: &mut Reader<'a>) -> Result<&'a str> {
    let name = r.str()?;
    limits::check("bytes in a name", name.len(), MAX_NAME_BYTES)?;
    Ok(name)
}

fn owned_name(r: &mut Reader<'_>) -> Result<String> {
    name(r).map(String::from)
}

fn label(r: &mut Reader<'_>) -> Result<String> {
    r.string()
}

/// Decodes payload bytes; the whole input must be consumed.
pub fn decode(bytes: &[u8]) -> Result<(Payload, SubjectTable)> {
    let mut r = Reader::new(bytes);
    let tenant = owned_name(&mut r)?;
    let revision = r.u64()?;
    limits::check_revision(revision)?;
    let issued_at = r.i64()?;
    let expires_at = r.option(Reader::i64)?;
    let subject = r.option(owned_name)?;
    let groups = r.seq("groups", usize::MAX, label)?;
    let kinds = r.seq("kinds", usize::MAX, label)?;
    let permissions = r.seq("permissions", limits::MAX_PERMISSIONS, |r| {
        Ok(Permission {
            name: owned_name(r)?,
            group: r.option(Reader::u32)?,
        })
    })?;
    let scopes = r.seq("scopes", limits::MAX_SCOPES, |r| {
        Ok(Scope {
            id: owned_name(r)?,
            parent: r.u32()?,
            kind: r.option(Reader::u32)?,
            name: r.option(Reader::string)?,
        })
    })?;
    let roles = r.seq("roles", limits::MAX_ROLES, |r| {
        Ok(Role {
            name: owned_name(r)?,
            system: r.bool()?,
            permissions: r.bytes()?.to_vec(),
        })
    })?;
    let subjects = subjects(&mut r)?;
    if r.remaining() > 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!("{} bytes after the snapshot payload", r.remaining()),
        ));
    }
    let head = Payload {
        tenant,
        revision,
        issued_at,
        expires_at,
        subject,
        groups,
        kinds,
        permissions,
        scopes,
        roles,
        subjects: Vec::new(),
    };
    Ok((head, subjects))
}

fn unstorable() -> Error {
    malformed("a subject's indices or names do not fit")
}

fn subjects(r: &mut Reader<'_>) -> Result<SubjectTable> {
    let n = r.length()?;
    limits::check("subjects", n, limits::MAX_SUBJECTS)?;
    // Ids take most of what is left; one grant per subject is the common case.
    let mut table = SubjectTable::with_capacity(n, r.remaining());
    for _ in 0..n {
        let id = name(r)?;
        let kind = match r.u32()? {
            0 => SubjectKind::User,
            1 => SubjectKind::ApiKey,
            _ => return Err(malformed("bad subject kind")),
        };
        let active = r.bool()?;
        let token = match r.option(Reader::bytes)? {
            None => None,
            Some(hash) => Some(
                <[u8; 32]>::try_from(hash).map_err(|_| malformed("a token hash is 32 bytes"))?,
            ),
        };
        table
            .begin(id, kind, active, token)
            .map_err(|_| unstorable())?;
        let grants = r.length()?;
        limits::check("grants of one subject", grants, MAX_GRANTS_PER_SUBJECT)?;
        for _ in 0..grants {
            let role = r.u32()?;
            let scope = match r.u32()? {
                0 => GrantScope::BelowRoot,
                1 => GrantScope::Scope(r.u32()?),
                _ => return Err(malformed("bad grant scope")),
            };
            let expires_at = r.option(Reader::i64)?;
            table
                .grant(role, scope, expires_at)
                .map_err(|_| unstorable())?;
        }
    }
    Ok(table)
}

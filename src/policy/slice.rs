//! Slices: a snapshot cut down to one subject, what a browser should get (the catalog and
//! scopes, only the roles its grants use, and no other subject).

use super::suggest::{did_you_mean, suggest};
use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::payload::{Grant, Payload, Subject, malformed};

impl Payload {
    /// Cuts the payload down to one subject: the catalog and scopes stay, only the roles
    /// its grants use remain, and the header names the subject.
    pub fn slice(&self, subject_id: &str) -> Result<Payload> {
        let at = self
            .subjects
            .iter()
            .position(|s| s.id == subject_id)
            .ok_or_else(|| {
                let hint = suggest(subject_id, self.subjects.iter().map(|s| s.id.as_str()));
                Error::new(
                    ErrorKind::UnknownSubject,
                    format!(
                        "cannot slice for unknown subject `{subject_id}`{}",
                        did_you_mean(hint)
                    ),
                )
            })?;
        self.slice_at(at)
    }

    /// [`Payload::slice`] for the subject at index `at` of `subjects`: what cuts every
    /// subject's slice from one compile without searching for each.
    pub fn slice_at(&self, at: usize) -> Result<Payload> {
        let subject = self
            .subjects
            .get(at)
            .ok_or_else(|| malformed("no subject at that index"))?;
        let mut remap: Vec<Option<u32>> = vec![None; self.roles.len()];
        let mut roles = Vec::new();
        let mut grants = Vec::with_capacity(subject.grants.len());
        for grant in &subject.grants {
            let slot = remap
                .get_mut(grant.role as usize)
                .ok_or_else(|| malformed("grant names a missing role"))?;
            let role = match *slot {
                Some(r) => r,
                None => {
                    let source = self
                        .roles
                        .get(grant.role as usize)
                        .ok_or_else(|| malformed("grant names a missing role"))?;
                    let r = u32::try_from(roles.len()).map_err(|_| malformed("too many roles"))?;
                    roles.push(source.clone());
                    *slot = Some(r);
                    r
                }
            };
            grants.push(Grant {
                role,
                ..grant.clone()
            });
        }
        // Field by field, so slicing a large tenant per subject does not copy every subject.
        Ok(Payload {
            tenant: self.tenant.clone(),
            revision: self.revision,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            subject: Some(subject.id.clone()),
            groups: self.groups.clone(),
            kinds: self.kinds.clone(),
            permissions: self.permissions.clone(),
            scopes: self.scopes.clone(),
            roles,
            subjects: vec![Subject {
                id: subject.id.clone(),
                kind: subject.kind,
                active: subject.active,
                token_sha256: subject.token_sha256,
                grants,
            }],
        })
    }
}

//! A deterministic synthetic tenant of any size, for load benchmarks: an organization,
//! 20 projects of 3 environments, 60 permissions, 10 roles, and `n` subjects with one to
//! three grants each (a tenth of them API keys).

use rolegate::encoding::hex_encode;
use rolegate::policy::{GrantDecl, PermissionDecl, Policy, RoleDecl, ScopeDecl, SubjectDecl};
use sha2::{Digest, Sha256};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn policy(subjects: usize) -> Policy {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let resources = [
        "folders",
        "roles",
        "renders",
        "webhooks",
        "billing",
        "members",
        "projects",
        "environments",
        "audit",
        "shares",
    ];
    let actions = ["view", "create", "update", "delete", "export", "manage"];
    let permissions: Vec<PermissionDecl> = resources
        .iter()
        .flat_map(|r| {
            actions.iter().map(move |a| PermissionDecl {
                name: format!("{r}.{a}"),
                group: Some(r.to_string()),
                description: None,
            })
        })
        .collect();
    let mut scopes = vec![ScopeDecl {
        id: "org".into(),
        parent: None,
        kind: Some("organization".into()),
        name: None,
    }];
    for p in 0..20 {
        scopes.push(ScopeDecl {
            id: format!("prj_{p:02}"),
            parent: Some("org".into()),
            kind: Some("project".into()),
            name: None,
        });
        for e in ["dev", "staging", "prod"] {
            scopes.push(ScopeDecl {
                id: format!("env_{p:02}_{e}"),
                parent: Some(format!("prj_{p:02}")),
                kind: Some("environment".into()),
                name: None,
            });
        }
    }
    let role = |name: &str, extends: &[&str], permissions: &[&str]| RoleDecl {
        name: name.into(),
        system: true,
        description: None,
        extends: extends.iter().map(|s| s.to_string()).collect(),
        permissions: permissions.iter().map(|s| s.to_string()).collect(),
        min_holders: None,
        max_holders: None,
    };
    let mut roles = vec![
        role("owner", &[], &["*"]),
        role(
            "admin",
            &["developer"],
            &["roles.*", "members.*", "billing.view"],
        ),
        role(
            "developer",
            &["agent"],
            &["folders.*", "renders.*", "webhooks.*"],
        ),
        role("agent", &[], &["*.view"]),
    ];
    for c in 0..6 {
        let picks: Vec<String> = (0..8)
            .map(|_| permissions[rng.below(permissions.len())].name.clone())
            .collect();
        roles.push(RoleDecl {
            name: format!("custom-{c}"),
            system: false,
            description: None,
            extends: vec![],
            permissions: picks,
            min_holders: None,
            max_holders: None,
        });
    }
    let subjects = (0..subjects)
        .map(|i| {
            let api_key = i % 10 == 9;
            let id = if api_key {
                format!("key_{i:08x}")
            } else {
                format!("usr_{i:08x}")
            };
            let grants = (0..1 + rng.below(3))
                .map(|_| {
                    let scope = match rng.below(10) {
                        0 => "org".to_string(),
                        1 => "*".to_string(),
                        2..=5 => scopes[1 + rng.below(scopes.len() - 1)].id.clone(),
                        _ => format!("prj_{:02}", rng.below(20)),
                    };
                    GrantDecl {
                        role: roles[rng.below(roles.len())].name.clone(),
                        scope,
                        expires_at: None,
                    }
                })
                .collect();
            SubjectDecl {
                token_sha256: api_key.then(|| hex_encode(&Sha256::digest(format!("rg_test_{id}")))),
                id,
                kind: if api_key { "api_key" } else { "user" }.into(),
                active: rng.below(50) != 0,
                grants,
            }
        })
        .collect();
    Policy {
        format: "rolegate.policy/1".into(),
        tenant: "synthetic".into(),
        permissions,
        scopes,
        roles,
        subjects,
    }
}

//! Permission names, `*` patterns, and the limits on names.

/// The longest name or id (permission, role, scope, subject, tenant), in bytes.
pub use crate::snapshot::limits::MAX_NAME_BYTES;

/// Whether `s` is a permission name: lowercase dotted words, `[a-z0-9_]+(\.[a-z0-9_]+)*`.
pub fn is_permission_name(s: &str) -> bool {
    s.len() <= MAX_NAME_BYTES
        && s.split('.').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        })
}

/// Whether `s` is a permission pattern: a permission name in which `*` stands for words.
pub fn is_pattern(s: &str) -> bool {
    s.contains('*')
        && s.len() <= MAX_NAME_BYTES
        && s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'*')
        })
}

/// Whether an id (role, scope, subject, tenant) is acceptable: not empty, not too long,
/// no control characters.
pub fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME_BYTES && !s.chars().any(char::is_control)
}

/// A likely intended permission name for an invalid one (`Roles Create` → `roles.create`).
pub fn permission_name_hint(s: &str) -> Option<String> {
    let hint: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '-' || c == ':' || c == '/' {
                '.'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    (is_permission_name(&hint) && hint != s).then_some(hint)
}

/// Whether `pattern` matches `name`, where each `*` matches a non-empty run of
/// characters, dots included. Runs in O(|pattern| · |name|).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    // Rewrite each `*` as "one character, then any run" and match greedily with backtracking
    // to the last run, the classic linear wildcard algorithm.
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Lit(u8),
        One,
        Run,
    }
    let mut toks = Vec::with_capacity(pattern.len() * 2);
    for c in pattern.bytes() {
        if c == b'*' {
            toks.extend([Tok::One, Tok::Run]);
        } else {
            toks.push(Tok::Lit(c));
        }
    }
    let name = name.as_bytes();
    let (mut p, mut n) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while n < name.len() {
        match (toks.get(p), name.get(n)) {
            (Some(Tok::Run), _) => {
                backtrack = Some((p, n));
                p += 1;
            }
            (Some(Tok::One), Some(_)) => {
                p += 1;
                n += 1;
            }
            (Some(Tok::Lit(a)), Some(b)) if a == b => {
                p += 1;
                n += 1;
            }
            _ => match backtrack {
                Some((bp, bn)) => {
                    backtrack = Some((bp, bn + 1));
                    p = bp + 1;
                    n = bn + 1;
                }
                None => return false,
            },
        }
    }
    toks.get(p..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Tok::Run))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names() {
        for ok in [
            "roles.create",
            "api.key.revoke",
            "view_statistics",
            "a",
            "v2.x_1",
        ] {
            assert!(is_permission_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Roles Create",
            "roles.",
            ".roles",
            "roles..create",
            "roles.*",
            "roles-create",
            "rôles",
        ] {
            assert!(!is_permission_name(bad), "{bad}");
        }
        assert!(!is_permission_name(&"a".repeat(MAX_NAME_BYTES + 1)));
    }

    #[test]
    fn patterns_match_non_empty_runs_across_dots() {
        let cases = [
            ("*", "roles.create", true),
            ("roles.*", "roles.create", true),
            ("roles.*", "roles.x.y", true),
            ("roles.*", "roles.", false),
            ("roles.*", "roles", false),
            ("roles.*", "rolesx.create", false),
            ("*.view", "organization.whitelist.view", true),
            ("*.view", "view", false),
            ("*.view", ".view", false),
            ("api.*.revoke", "api.key.revoke", true),
            ("api.*.revoke", "api..revoke", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "abc", false),
            ("**", "ab", true),
            ("**", "a", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                pattern_matches(pattern, name),
                expected,
                "{pattern} vs {name}"
            );
        }
    }

    #[test]
    fn hostile_patterns_stay_linear() {
        let pattern = "*a".repeat(100);
        let name = "a".repeat(199);
        assert!(!pattern_matches(&pattern, &name));
    }

    #[test]
    fn hints_for_invalid_names() {
        assert_eq!(
            permission_name_hint("Roles Create").as_deref(),
            Some("roles.create")
        );
        assert_eq!(permission_name_hint("roles.create"), None);
        assert_eq!(permission_name_hint("!!"), None);
    }
}

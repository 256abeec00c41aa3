//! "Did you mean" suggestions for unknown names.

/// Work one suggestion may do (bytes compared plus distance cells): past it, the names
/// not yet looked at are not considered, so a suggestion costs the same in any policy.
pub const MAX_SUGGEST_WORK: usize = 1 << 20;

/// The candidate closest to `name`, if one is close enough to be a likely typo:
/// a case-only difference, a small edit distance, or the only name `name` abbreviates.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // One edit per three characters: names shorter than that only get case and prefix hints.
    let length = name.chars().count();
    let budget = length / 3;
    let mut best: Option<(usize, &'a str)> = None;
    let mut prefixed: Vec<&'a str> = Vec::new();
    let mut work = 0usize;
    for candidate in candidates {
        work += name.len().min(candidate.len()) + 1;
        if work > MAX_SUGGEST_WORK {
            break;
        }
        if candidate == name {
            continue;
        }
        if candidate.eq_ignore_ascii_case(name) {
            return Some(candidate);
        }
        if name.len() >= 2 && candidate.starts_with(name) {
            prefixed.push(candidate);
        }
        // Names whose lengths differ by more than the budget cannot be within it.
        let other = candidate.chars().count();
        if budget == 0 || other.abs_diff(length) > budget {
            continue;
        }
        work += length * other;
        if work > MAX_SUGGEST_WORK {
            break;
        }
        let d = distance(name, candidate);
        if d > 0 && d <= budget && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    match (best, prefixed.as_slice()) {
        (Some((_, c)), _) => Some(c),
        (None, [only]) => Some(only),
        _ => None,
    }
}

/// Optimal string alignment distance: edits, with a swap of neighbours counting as one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    let get = |d: &[usize], i: usize, j: usize| d.get(at(i, j)).copied().unwrap_or(usize::MAX);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let v = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a.get(i - 1) != b.get(j - 1));
                let mut v = (get(&d, i - 1, j) + 1)
                    .min(get(&d, i, j - 1) + 1)
                    .min(get(&d, i - 1, j - 1) + cost);
                if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                    v = v.min(get(&d, i - 2, j - 2) + 1);
                }
                v
            };
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = v;
            }
        }
    }
    get(&d, a.len(), b.len())
}

/// ` (did you mean `NAME`?)` for a hint, or nothing.
pub fn did_you_mean(hint: Option<&str>) -> String {
    hint.map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names() {
        let roles = ["owner", "admin", "developer", "agent", "analyst"];
        assert_eq!(suggest("admn", roles), Some("admin"));
        assert_eq!(suggest("Admin", roles), Some("admin"));
        assert_eq!(suggest("dev", roles), Some("developer"));
        assert_eq!(suggest("zzz", roles), None);
        assert_eq!(suggest("a", roles), None);
        assert_eq!(suggest("b", ["a"]), None);
        assert_eq!(
            suggest("roles.craete", ["roles.create", "roles.delete"]),
            Some("roles.create")
        );
    }

    #[test]
    fn distance_counts_swaps_once() {
        assert_eq!(distance("craete", "create"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}

// "Did you mean" for unknown names in JS (the engine's rule: a case-only difference, one
// edit per three characters, or the only name it abbreviates), and the development-time
// warning that uses it. Production builds (NODE_ENV=production) stay silent.

/** Optimal string alignment distance, bounded: past `limit` it stops counting. */
function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2 = null;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      row.push(v);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length];
}

/** The candidate nearest `name`, if one is close enough to be a likely typo; at most 10,000 are looked at. */
export function suggest(name, candidates) {
  // Longer than any name can be (256 bytes): near nothing.
  if (typeof name !== "string" || name.length > 256) return null;
  const budget = Math.floor(name.length / 3);
  const lower = name.toLowerCase();
  let best = null;
  let bestDistance = Infinity;
  const prefixed = [];
  let seen = 0;
  for (const candidate of candidates) {
    if (++seen > 10000) break;
    if (candidate === name) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    if (name.length >= 2 && candidate.startsWith(name)) prefixed.push(candidate);
    if (budget === 0) continue;
    const d = distance(name, candidate, budget);
    if (d > 0 && d <= budget && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ?? (prefixed.length === 1 ? prefixed[0] : null);
}

const warned = new Set();
let development;

/**
 * Whether this is a development build, read once, on the first unknown name: bundlers
 * replace `process.env.NODE_ENV` in production builds; plain pages have no `process`;
 * Deno without --allow-env refuses to read it (then: production, silent).
 */
function isDevelopment() {
  if (development === undefined) {
    try {
      development = typeof process !== "undefined" && process.env.NODE_ENV !== "production";
    } catch {
      development = false;
    }
  }
  return development;
}

/** In development, warns once per name that `permission` is unknown, with a near name. */
export function warnUnknown(permission, known, where) {
  if (warned.has(permission) || warned.size > 1000 || !isDevelopment()) return;
  warned.add(permission);
  const near = suggest(permission, known);
  const shown = permission.length > 80 ? `${permission.slice(0, 80)}…` : permission;
  console.warn(`rolegate: unknown permission \`${shown}\` in ${where} is denied${near ? ` (did you mean \`${near}\`?)` : ""}`);
}

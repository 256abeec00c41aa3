// The tenant's roles, members and API keys, with the seed consoles' rules. Every change
// runs in one transaction: the rules are checked, the rows written, the policy rebuilt
// from the rows and compiled (the compiler enforces what the policy states: one owner,
// at least one admin, known names), and the tenant's snapshots signed, all before the
// commit; any refusal rolls everything back.
import { createHash, randomBytes } from "node:crypto";
import { access, compile, delta as deltaOf, sign, slices } from "rolegate/compiler";

export class AdminError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    Object.assign(this, { status, code, ...extra });
  }
}

const refuse = (status, code, message, extra) => {
  throw new AdminError(status, code, message, extra);
};

/** The owner role moves only by an ownership transfer. */
const oneOwner = () => refuse(409, "ONE_OWNER", "there is exactly one owner: hand the role over with an ownership transfer");

const json = (text, fallback) => (text === null || text === undefined ? fallback : JSON.parse(text));
const int = (v) => (v === null || v === undefined ? undefined : Number(v));

/** Loads a policy document into an empty database, as tenant `doc.tenant`. */
export async function seed(db, doc, { name = doc.scopes?.[0]?.name ?? doc.tenant } = {}) {
  return db.tx(async (q) => {
    if (await q.get("SELECT id FROM tenants WHERE id = ?", [doc.tenant])) return false;
    await q.run("INSERT INTO tenants (id, name, revision) VALUES (?, ?, 0)", [doc.tenant, name]);
    // The decision log is the owner's to read (seed 003): `logs.read`, which no `*.view`
    // wildcard reaches.
    const permissions = doc.permissions.some((p) => p.name === "logs.read") ? doc.permissions : [...doc.permissions, { name: "logs.read", group: "Logs", description: "Read the decision log" }];
    for (const [i, p] of permissions.entries()) await q.run("INSERT INTO permissions (tenant, name, grp, description, position) VALUES (?, ?, ?, ?, ?)", [doc.tenant, p.name, p.group ?? null, p.description ?? null, i]);
    for (const [i, s] of doc.scopes.entries()) await q.run("INSERT INTO scopes (tenant, id, parent, kind, name, position) VALUES (?, ?, ?, ?, ?, ?)", [doc.tenant, s.id, s.parent ?? null, s.kind ?? null, s.name ?? null, i]);
    for (const [i, r] of doc.roles.entries()) {
      // The seeds' rules that the policy itself states: exactly one owner (002), at least
      // one admin (004).
      const limits = r.name === "owner" ? [1, 1] : r.name === "admin" ? [1, null] : [r.min_holders ?? null, r.max_holders ?? null];
      await q.run("INSERT INTO roles (tenant, name, system, description, permissions, extends, min_holders, max_holders, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [doc.tenant, r.name, r.system === true, r.description ?? null, JSON.stringify(r.permissions ?? []), JSON.stringify(r.extends ?? []), ...limits, i]);
    }
    for (const [i, s] of doc.subjects.entries()) {
      await q.run("INSERT INTO subjects (tenant, id, kind, email, active, token_sha256, position) VALUES (?, ?, ?, ?, ?, ?, ?)", [doc.tenant, s.id, s.kind, s.kind === "user" ? `${s.id}@${doc.tenant}.example` : null, s.active !== false, s.token_sha256 ?? null, i]);
      for (const g of s.grants) await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, ?, ?)", [doc.tenant, s.id, g.role, g.scope]);
    }
    return true;
  });
}

/** The tenant's policy document, rebuilt from its rows. */
export async function policyOf(q, tenant) {
  const t = await q.get("SELECT id FROM tenants WHERE id = ?", [tenant]);
  if (!t) refuse(404, "UNKNOWN_TENANT", `no tenant \`${tenant}\``);
  const permissions = (await q.all("SELECT * FROM permissions WHERE tenant = ? ORDER BY position", [tenant])).map((p) => ({ name: p.name, ...(p.grp ? { group: p.grp } : {}), ...(p.description ? { description: p.description } : {}) }));
  const scopes = (await q.all("SELECT * FROM scopes WHERE tenant = ? ORDER BY position", [tenant])).map((s) => ({ id: s.id, ...(s.parent ? { parent: s.parent } : {}), ...(s.kind ? { kind: s.kind } : {}), ...(s.name ? { name: s.name } : {}) }));
  const roles = (await q.all("SELECT * FROM roles WHERE tenant = ? ORDER BY position", [tenant])).map((r) => ({
    name: r.name,
    ...(r.system === true || r.system === 1 ? { system: true } : {}),
    ...(r.description ? { description: r.description } : {}),
    ...(json(r.extends, []).length ? { extends: json(r.extends, []) } : {}),
    permissions: json(r.permissions, []),
    ...(r.min_holders !== null ? { min_holders: int(r.min_holders) } : {}),
    ...(r.max_holders !== null ? { max_holders: int(r.max_holders) } : {}),
  }));
  const grants = await q.all("SELECT * FROM grants WHERE tenant = ? ORDER BY subject, scope, role", [tenant]);
  const subjects = (await q.all("SELECT * FROM subjects WHERE tenant = ? ORDER BY position", [tenant])).map((s) => ({
    id: s.id,
    kind: s.kind,
    ...(s.active === true || s.active === 1 ? {} : { active: false }),
    ...(s.token_sha256 ? { token_sha256: s.token_sha256 } : {}),
    grants: grants.filter((g) => g.subject === s.id).map((g) => ({ role: g.role, scope: g.scope })),
  }));
  return { format: "rolegate.policy/1", tenant, permissions, scopes, roles, subjects };
}

async function role(q, tenant, name) {
  const r = await q.get("SELECT * FROM roles WHERE tenant = ? AND name = ?", [tenant, name]);
  if (!r) refuse(404, "UNKNOWN_ROLE", `no role \`${name}\``);
  return { ...r, system: r.system === true || r.system === 1 };
}

async function subject(q, tenant, id, kind) {
  const s = await q.get("SELECT * FROM subjects WHERE tenant = ? AND id = ?", [tenant, id]);
  if (!s || (kind && s.kind !== kind)) refuse(404, kind === "api_key" ? "UNKNOWN_KEY" : "UNKNOWN_SUBJECT", `no ${kind === "api_key" ? "API key" : "member"} \`${id}\``);
  return { ...s, active: s.active === true || s.active === 1 };
}

async function scope(q, tenant, id) {
  const s = await q.get("SELECT * FROM scopes WHERE tenant = ? AND id = ?", [tenant, id]);
  if (!s && id !== "*") refuse(404, "UNKNOWN_SCOPE", `no scope \`${id}\``);
  return s;
}

function checkRoleFields({ name, description, permissions, extends: parents }, creating) {
  if (creating && (typeof name !== "string" || !/^[a-z][a-z0-9_-]{0,63}$/.test(name))) refuse(422, "BAD_NAME", "a role name is 1 to 64 lowercase letters, digits, `_` or `-`, starting with a letter");
  if (description !== undefined && typeof description !== "string") refuse(422, "BAD_FIELD", "`description` must be a string");
  if (permissions !== undefined && (!Array.isArray(permissions) || permissions.some((p) => typeof p !== "string"))) refuse(422, "BAD_FIELD", "`permissions` must be an array of permission names");
  if ((creating || permissions !== undefined) && (permissions ?? []).length === 0) refuse(422, "NO_PERMISSIONS", "select at least one permission: a custom role needs one");
  if (parents !== undefined && (!Array.isArray(parents) || parents.some((p) => typeof p !== "string"))) refuse(422, "BAD_FIELD", "`extends` must be an array of role names");
}

/**
 * Runs one change for `tenant`: `change(q)` writes rows; then the policy is rebuilt and
 * compiled (a mistake refuses the change), the revision bumped and every snapshot signed,
 * all inside the transaction. Resolves to `{ result, published }`.
 */
export async function change(db, signing, tenant, change) {
  return db.tx(async (q) => {
    const result = await change(q);
    const doc = await policyOf(q, tenant);
    const compiled = compile(doc);
    if (!compiled.ok) {
      const [first] = compiled.errors;
      refuse(409, first.code, first.message, { errors: compiled.errors });
    }
    const t = await q.get("SELECT revision FROM tenants WHERE id = ?", [tenant]);
    const revision = Math.max(Number(t.revision) + 1, 1);
    await q.run("UPDATE tenants SET revision = ? WHERE id = ?", [revision, tenant]);
    const published = await signAll(compiled.compiled, doc, signing, revision);
    compiled.compiled.free();
    return { result, published };
  });
}

/**
 * The delta from the revision published before, `{ from, bytes }`, or null: none at the
 * first publish, and none when the compiler refuses one (that snapshot is of another
 * tenant or at a revision not below this one): readers then fetch the full snapshot.
 */
function deltaFrom(before, compiled, stamp) {
  if (before === null || stamp.key === undefined) return null;
  try {
    return { from: before.revision, bytes: deltaOf(before.snapshot, compiled, stamp) };
  } catch {
    return null;
  }
}

/** The tenant snapshot and every user's slice, signed at `revision`. */
export async function signAll(compiled, doc, { previous, ...signing }, revision) {
  // One issue time for the snapshot and its delta, so that the delta builds exactly it.
  const stamp = { ...signing, revision, ttl: "30d", issuedAt: new Date() };
  const tenant = await sign(compiled, stamp);
  const users = doc.subjects.filter((s) => s.kind === "user").map((s) => s.id);
  const delta = deltaFrom(previous?.() ?? null, compiled, stamp);
  return { tenant: doc.tenant, revision, snapshot: tenant, slices: await slices(compiled, { ...stamp, subjects: users }), delta };
}

/** Reads (no change): the current policy document. */
export const read = (db, tenant, fn) => db.tx(async (q) => fn(q, await policyOf(q, tenant)));

export const ops = {
  async createRole(q, tenant, body) {
    checkRoleFields(body, true);
    if (await q.get("SELECT name FROM roles WHERE tenant = ? AND name = ?", [tenant, body.name])) refuse(409, "ROLE_EXISTS", `a role named \`${body.name}\` exists: role names are unique`);
    const { n } = await q.get("SELECT COUNT(*) AS n FROM roles WHERE tenant = ?", [tenant]);
    await q.run("INSERT INTO roles (tenant, name, system, description, permissions, extends, position) VALUES (?, ?, ?, ?, ?, ?, ?)", [tenant, body.name, false, body.description ?? null, JSON.stringify(body.permissions), JSON.stringify(body.extends ?? []), Number(n)]);
    return { name: body.name };
  },
  async updateRole(q, tenant, name, body) {
    const r = await role(q, tenant, name);
    if (r.system) refuse(409, "SYSTEM_ROLE", `\`${name}\` is a system role: it can be viewed, not edited`);
    checkRoleFields(body, false);
    await q.run("UPDATE roles SET description = ?, permissions = ?, extends = ? WHERE tenant = ? AND name = ?", [body.description ?? r.description, JSON.stringify(body.permissions ?? json(r.permissions, [])), JSON.stringify(body.extends ?? json(r.extends, [])), tenant, name]);
    return { name };
  },
  async deleteRole(q, tenant, name) {
    const r = await role(q, tenant, name);
    if (r.system) refuse(409, "SYSTEM_ROLE", `\`${name}\` is a system role: it cannot be deleted`);
    const holders = await q.all("SELECT DISTINCT subject FROM grants WHERE tenant = ? AND role = ?", [tenant, name]);
    if (holders.length > 0) refuse(409, "ROLE_IN_USE", `role \`${name}\` is still assigned to ${holders.map((h) => h.subject).join(", ")}: revoke it first`);
    const dependents = (await q.all("SELECT name, extends FROM roles WHERE tenant = ?", [tenant])).filter((x) => json(x.extends, []).includes(name));
    if (dependents.length > 0) refuse(409, "ROLE_IN_USE", `role \`${name}\` is extended by ${dependents.map((d) => d.name).join(", ")}`);
    await q.run("DELETE FROM roles WHERE tenant = ? AND name = ?", [tenant, name]);
    return { name };
  },
  async assign(q, tenant, scopeId, { subject: id, role: name }) {
    await scope(q, tenant, scopeId);
    const s = await subject(q, tenant, String(id ?? ""));
    await role(q, tenant, String(name ?? ""));
    if (name === "owner") oneOwner();
    if (!s.active) refuse(409, "INACTIVE", `\`${id}\` is deactivated`);
    if (await q.get("SELECT role FROM grants WHERE tenant = ? AND subject = ? AND role = ? AND scope = ?", [tenant, id, name, scopeId])) refuse(409, "ALREADY_GRANTED", `\`${id}\` already holds \`${name}\` on \`${scopeId}\``);
    await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, ?, ?)", [tenant, id, name, scopeId]);
    return { subject: id, role: name, scope: scopeId };
  },
  async revoke(q, tenant, scopeId, id, name) {
    if (name === "owner") oneOwner();
    const gone = await q.run("DELETE FROM grants WHERE tenant = ? AND subject = ? AND role = ? AND scope = ?", [tenant, id, name, scopeId]);
    if (gone === 0) refuse(404, "NO_SUCH_GRANT", `\`${id}\` holds no \`${name}\` on \`${scopeId}\``);
    return { subject: id, role: name, scope: scopeId };
  },
  async invite(q, tenant, { id, email, role: name, scope: scopeId }) {
    if (typeof id !== "string" || !/^[a-z][a-z0-9_.-]{0,63}$/.test(id)) refuse(422, "BAD_NAME", "a member id is 1 to 64 lowercase letters, digits, `_`, `.` or `-`");
    if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email)) refuse(422, "BAD_FIELD", "an invitation needs an email address");
    if (await q.get("SELECT id FROM subjects WHERE tenant = ? AND id = ?", [tenant, id])) refuse(409, "MEMBER_EXISTS", `\`${id}\` is already a member or key`);
    await scope(q, tenant, scopeId);
    await role(q, tenant, name);
    if (name === "owner") refuse(409, "ONE_OWNER", "there is exactly one owner: invite as admin, then transfer ownership");
    const { n } = await q.get("SELECT COUNT(*) AS n FROM subjects WHERE tenant = ?", [tenant]);
    await q.run("INSERT INTO subjects (tenant, id, kind, email, active, position) VALUES (?, ?, 'user', ?, ?, ?)", [tenant, id, email, true, Number(n)]);
    await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, ?, ?)", [tenant, id, name, scopeId]);
    return { id, email, role: name, scope: scopeId };
  },
  async setActive(q, tenant, id, active) {
    const s = await subject(q, tenant, id, "user");
    if (s.active === active) refuse(409, active ? "ALREADY_ACTIVE" : "INACTIVE", `\`${id}\` is already ${active ? "active" : "deactivated"}`);
    await q.run("UPDATE subjects SET active = ? WHERE tenant = ? AND id = ?", [active, tenant, id]);
    return { id, active };
  },
  async createKey(q, tenant, scopeId, { id, role: name }) {
    if (typeof id !== "string" || !/^key_[a-z0-9_]{1,60}$/.test(id)) refuse(422, "BAD_NAME", "an API key id is `key_` and 1 to 60 lowercase letters, digits or `_`");
    if (await q.get("SELECT id FROM subjects WHERE tenant = ? AND id = ?", [tenant, id])) refuse(409, "KEY_EXISTS", `\`${id}\` exists`);
    await scope(q, tenant, scopeId);
    await role(q, tenant, name);
    if (name === "owner") refuse(409, "ONE_OWNER", "an API key cannot be the owner");
    // The token is shown once; only its SHA-256 is stored (and signed into snapshots).
    const token = `rg_live_${randomBytes(24).toString("base64url")}`;
    const { n } = await q.get("SELECT COUNT(*) AS n FROM subjects WHERE tenant = ?", [tenant]);
    await q.run("INSERT INTO subjects (tenant, id, kind, active, token_sha256, position) VALUES (?, ?, 'api_key', ?, ?, ?)", [tenant, id, true, createHash("sha256").update(token).digest("hex"), Number(n)]);
    await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, ?, ?)", [tenant, id, name, scopeId]);
    return { id, role: name, scope: scopeId, token };
  },
  async revokeKey(q, tenant, scopeId, id) {
    const s = await subject(q, tenant, id, "api_key");
    // A key is revoked where it was made: the caller's api.key.revoke was checked there.
    if (!(await q.get("SELECT role FROM grants WHERE tenant = ? AND subject = ? AND scope = ?", [tenant, id, scopeId]))) refuse(404, "UNKNOWN_KEY", `no API key \`${id}\` on \`${scopeId}\``);
    if (!s.active) refuse(409, "INACTIVE", `\`${id}\` is already revoked`);
    await q.run("UPDATE subjects SET active = ?, token_sha256 = NULL WHERE tenant = ? AND id = ?", [false, tenant, id]);
    return { id, revoked: true };
  },
  async transferOwnership(q, tenant, caller, to) {
    const root = await q.get("SELECT id FROM scopes WHERE tenant = ? AND parent IS NULL ORDER BY position", [tenant]);
    const mine = await q.get("SELECT scope FROM grants WHERE tenant = ? AND subject = ? AND role = 'owner'", [tenant, caller]);
    if (!mine) refuse(403, "NOT_OWNER", "only the owner can transfer ownership");
    const target = await subject(q, tenant, String(to ?? ""), "user");
    if (!target.active) refuse(409, "INACTIVE", `\`${to}\` is deactivated`);
    if (to === caller) refuse(409, "ALREADY_OWNER", `\`${to}\` is the owner`);
    // The old owner stays an admin of the organization: never locked out of it.
    await q.run("DELETE FROM grants WHERE tenant = ? AND role = 'owner'", [tenant]);
    await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, 'owner', ?)", [tenant, to, root.id]);
    if (!(await q.get("SELECT role FROM grants WHERE tenant = ? AND subject = ? AND role = 'admin' AND scope = ?", [tenant, caller, root.id]))) {
      await q.run("INSERT INTO grants (tenant, subject, role, scope) VALUES (?, ?, 'admin', ?)", [tenant, caller, root.id]);
    }
    return { owner: to, previous: caller };
  },
  async settings(q, tenant, body) {
    if (body === null || typeof body !== "object" || Array.isArray(body)) refuse(422, "BAD_FIELD", "settings are an object");
    if (body.name !== undefined && (typeof body.name !== "string" || body.name.length === 0 || body.name.length > 100)) refuse(422, "BAD_FIELD", "a name is 1 to 100 characters");
    if (body.name !== undefined) await q.run("UPDATE tenants SET name = ? WHERE id = ?", [body.name, tenant]);
    return { name: body.name };
  },
};

/** The members table: each user with email, state and access level (seed 003's "Mixed"). */
export async function members(db, tenant) {
  return read(db, tenant, async (q, doc) => {
    const rows = await q.all("SELECT id, email FROM subjects WHERE tenant = ? AND kind = 'user' ORDER BY position", [tenant]);
    const levels = new Map(access(doc).map((a) => [a.subject, a]));
    return rows.map((r) => ({ id: r.id, email: r.email, active: levels.get(r.id)?.active ?? false, level: levels.get(r.id)?.level_label, grants: levels.get(r.id)?.grants ?? [] }));
  });
}

/** The roles table: description, permission count, Global (system) or Custom. */
export async function roles(db, tenant) {
  return read(db, tenant, async (q, doc) => {
    const held = await q.all("SELECT role, COUNT(DISTINCT subject) AS n FROM grants WHERE tenant = ? GROUP BY role", [tenant]);
    return doc.roles.map((r) => ({ name: r.name, description: r.description ?? "", type: r.system ? "Global" : "Custom", permissions: r.permissions, extends: r.extends ?? [], holders: Number(held.find((h) => h.role === r.name)?.n ?? 0) }));
  });
}

/** API keys by level (organization, project, environment), without their tokens; with `under`, only those granted at or below that scope. */
export async function keys(db, tenant, under) {
  return read(db, tenant, async (q, doc) => {
    const kinds = new Map(doc.scopes.map((s) => [s.id, s.kind ?? "scope"]));
    const parent = new Map(doc.scopes.map((s) => [s.id, s.parent]));
    const within = (scopeId) => {
      for (let at = scopeId; at !== undefined; at = parent.get(at)) if (at === under) return true;
      return under === undefined;
    };
    return doc.subjects
      .filter((s) => s.kind === "api_key")
      .map((s) => ({ id: s.id, active: s.active !== false, grants: s.grants.filter((g) => within(g.scope)).map((g) => ({ ...g, level: kinds.get(g.scope) ?? "all" })) }))
      .filter((k) => k.grants.length > 0);
  });
}

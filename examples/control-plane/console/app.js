// The admin console on the control plane: the signed-in user's slice gates every
// section and control (rolegate/dom), every action calls the control plane's API (which
// checks it again with its own guard), and pushed revisions (Server-Sent Events) re-gate
// the page at once. The user switcher stands in for a login: it sets `x-user`.
import { Gate } from "rolegate";
import { gateElements, refresher } from "rolegate/dom";

const params = new URLSearchParams(location.search);
const config = await (await fetch("/console/config.json")).json();
const user = params.get("user") ?? config.users[0];
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
};

const withUser = (url, init = {}) => fetch(url, { ...init, headers: { ...init.headers, "x-user": user } });
async function api(method, path, body) {
  const response = await withUser(path, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
  const data = (response.headers.get("content-type") ?? "").includes("json") ? await response.json() : null;
  if (!response.ok) throw Object.assign(new Error(data?.message ?? `HTTP ${response.status}`), { code: data?.error });
  return data;
}
const fail = (error) => {
  $("error").hidden = false;
  $("error").textContent = `${error.code ? `${error.code}: ` : ""}${error.message}`;
};
const act = (run) => (event) => {
  event?.preventDefault?.();
  $("error").hidden = true;
  Promise.resolve().then(run).catch(fail);
};

// The user and scope switchers.
$("tenant-name").textContent = config.name;
for (const id of config.users) $("user").add(new Option(id, id, false, id === user));
$("user").addEventListener("change", () => {
  params.set("user", $("user").value);
  location.search = params.toString();
});
const path = (s) => (s.parent ? [...path(config.scopes.find((p) => p.id === s.parent)), s.name ?? s.id] : []);
for (const s of config.scopes) {
  $("scope").add(new Option(s.parent ? path(s).join(" / ") : `${s.name ?? s.id} (whole organization)`, s.parent ? s.id : "", false, s.id === params.get("scope")));
  for (const select of document.querySelectorAll(".scope-options")) select.add(new Option(s.name ?? s.id, s.id));
}
const scope = () => $("scope").value || config.scopes[0].id;

// The slice, verified, gating the page; kept fresh by push and by polling.
const sliceUrl = `/snapshots/user/${encodeURIComponent(user)}`;
const gate = new Gate(new Uint8Array(await (await withUser(sliceUrl)).arrayBuffer()), { keys: config.keys, tenant: config.tenant, subject: user });
const show = (text) => ($("status").textContent = `${text} · revision ${gate.revision} · ${user}`);
window.rolegateConsole = { gate, ready: false, regatedAt: null };

// Tables: loaded from the API where the user may read them (a section they may not view
// is collapsed by its own data-can, and never fetched).
async function load() {
  const tasks = [];
  if (gate.can(user, "organization.view")) tasks.push(api("GET", "/api/members").then(renderMembers));
  if (gate.can(user, "roles.view", scope())) tasks.push(api("GET", `/api/scopes/${scope()}/roles`).then(renderRoles));
  if (gate.can(user, "api.key.view", scope())) tasks.push(api("GET", `/api/scopes/${scope()}/keys`).then(renderKeys));
  if (gate.can(user, "billing.portal")) tasks.push(api("GET", "/api/billing").then((b) => ($("plan").textContent = b.plan)));
  await Promise.all(tasks.map((t) => t.catch(fail)));
}

function renderMembers(members) {
  $("members-rows").replaceChildren(
    ...members.map((m) => {
      const roles = m.grants.map((g) => `${g.role} on ${g.scope}`).join(", ") || "none";
      const action = m.active ? el("button", { "data-can": "organization.update", "data-mode": "disable" }, "Deactivate") : el("span", {}, "deactivated");
      action.addEventListener?.("click", act(() => api("POST", `/api/members/${encodeURIComponent(m.id)}/deactivate`)));
      return el("tr", { "data-member": m.id }, el("td", {}, m.id), el("td", {}, m.email ?? ""), el("td", {}, m.active ? m.level : "none"), el("td", {}, roles), el("td", {}, action));
    }),
  );
}

function renderRoles(roles) {
  for (const select of document.querySelectorAll(".role-options")) select.replaceChildren(...roles.filter((r) => r.name !== "owner").map((r) => new Option(r.name, r.name)));
  $("roles-rows").replaceChildren(
    ...roles.map((r) => {
      const actions = el("td");
      if (r.type === "Global") {
        const view = el("button", { "data-can": "roles.view" }, "View");
        view.addEventListener("click", () => alert(`${r.name}: ${r.permissions.join(", ")}`));
        actions.append(view);
      } else {
        const edit = el("button", { "data-can": "roles.update" }, "Edit");
        edit.addEventListener("click", act(async () => {
          const next = prompt(`Permissions of ${r.name}`, r.permissions.join(", "));
          if (next !== null) await api("PATCH", `/api/roles/${r.name}`, { permissions: next.split(",").map((p) => p.trim()).filter(Boolean) });
        }));
        const remove = el("button", { "data-can": "roles.delete" }, "Delete");
        remove.addEventListener("click", act(() => api("DELETE", `/api/roles/${r.name}`)));
        actions.append(edit, " ", remove);
      }
      return el("tr", { "data-role": r.name }, el("td", {}, r.name), el("td", {}, r.description), el("td", {}, String(r.permissions.length)), el("td", {}, el("span", { class: `badge ${r.type}` }, r.type)), actions);
    }),
  );
}

function renderKeys(keys) {
  const levels = ["organization", "project", "environment"];
  $("keys-levels").replaceChildren(
    ...levels.map((level) => {
      const rows = keys.flatMap((k) => k.grants.filter((g) => g.level === level).map((g) => [k, g]));
      return el(
        "div",
        { "data-level": level },
        el("h3", {}, `${level[0].toUpperCase()}${level.slice(1)} keys`),
        rows.length === 0
          ? el("p", {}, "none")
          : el(
              "table",
              {},
              el(
                "tbody",
                {},
                ...rows.map(([k, g]) => {
                  // A key is revoked where it was made: the control's scope is the key's.
                  const revoke = el("button", { "data-can": "api.key.revoke", "data-mode": "disable", "data-scope": g.scope }, k.active ? "Revoke" : "Revoked");
                  if (!k.active) revoke.disabled = true;
                  revoke.addEventListener("click", act(() => api("DELETE", `/api/scopes/${g.scope}/keys/${k.id}`)));
                  return el("tr", { "data-key": k.id }, el("td", {}, k.id), el("td", {}, `${g.role} on ${g.scope}`), el("td", {}, revoke));
                }),
              ),
            ),
      );
    }),
  );
}

$("invite").addEventListener("submit", act(() => api("POST", "/api/members", Object.fromEntries(new FormData($("invite"))))));
$("create-role").addEventListener(
  "submit",
  act(() => {
    const form = Object.fromEntries(new FormData($("create-role")));
    return api("POST", "/api/roles", { ...form, permissions: form.permissions.split(",").map((p) => p.trim()).filter(Boolean) });
  }),
);
$("create-key").addEventListener(
  "submit",
  act(async () => {
    const made = await api("POST", `/api/scopes/${scope()}/keys`, Object.fromEntries(new FormData($("create-key"))));
    $("new-token").hidden = false;
    $("new-token").textContent = `Token for ${made.id} (shown once): ${made.token}`;
  }),
);
$("rename").addEventListener("submit", act(() => api("PATCH", "/api/settings", Object.fromEntries(new FormData($("rename"))))));
$("cancel").addEventListener("click", act(() => alert("The subscription would be cancelled here.")));

// Gating starts once every control has its listener (a removed control keeps none).
// Members, billing and settings are the organization's: judged on its root whatever
// project is selected.
for (const id of ["members", "billing", "settings"]) $(id).setAttribute("data-scope", config.scopes[0].id);
const ui = gateElements(gate, { subject: user, scope: $("scope").value || undefined });
const live = refresher(gate, sliceUrl, { interval: 30000, fetch: withUser, events: "/events" });
$("scope").addEventListener("change", () => {
  ui.setScope($("scope").value || undefined);
  load();
});

// A new revision (pushed, or found by polling) re-gates at once; the tables follow.
live.addEventListener("updated", () => {
  window.rolegateConsole.regatedAt = performance.now();
  show("updated");
  load();
});
live.addEventListener("error", (e) => show(`refresh failed (${e.error.code ?? e.error.message})`));
show("up to date");
await load();
Object.assign(window.rolegateConsole, { ui, live, ready: true });

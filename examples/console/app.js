// The console: loads the signed-in user's snapshot slice, gates the page with
// rolegate/dom, follows the project/environment switcher and keeps the snapshot fresh.
import { Gate } from "rolegate";
import { gateElements, refresher } from "rolegate/dom";

const params = new URLSearchParams(location.search);
const user = params.get("user") ?? "alice";
const config = await (await fetch("/config.json")).json();

const userSelect = document.getElementById("user");
for (const id of config.users) userSelect.add(new Option(id, id, false, id === user));
userSelect.addEventListener("change", () => {
  params.set("user", userSelect.value);
  location.search = params.toString();
});

const scopeSelect = document.getElementById("scope");
// "Shopping App / dev": the names from below the organization down to the scope.
const path = (s) => (s.parent ? [...path(config.scopes.find((p) => p.id === s.parent)), s.name] : []);
for (const s of config.scopes) {
  const label = s.parent ? path(s).join(" / ") : `${s.name} (whole organization)`;
  scopeSelect.add(new Option(label, s.parent ? s.id : "", false, s.id === params.get("scope")));
}

const status = document.getElementById("status");
const url = `/snapshot?subject=${encodeURIComponent(user)}${params.has("ttl") ? `&ttl=${params.get("ttl")}` : ""}`;
const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
// A slice for this user only, from this tenant, signed by a trusted key.
const gate = new Gate(bytes, { keys: config.keys, tenant: config.tenant, subject: user });
const ui = gateElements(gate, { subject: user, scope: scopeSelect.value || undefined });
scopeSelect.addEventListener("change", () => ui.setScope(scopeSelect.value || undefined));

const show = (text) => (status.textContent = `${text} · revision ${gate.revision} · slice for ${gate.sliceSubject}`);
show("up to date");
const live = refresher(gate, url, { interval: 5000 });
live.addEventListener("updated", () => show("updated"));
live.addEventListener("error", (e) => show(`refused a snapshot (${e.error.code ?? e.error.message})`));
live.addEventListener("expired", () => show("snapshot expired: everything is denied until a fresh one arrives"));

window.rolegateConsole = { gate, ui, live, refresher, ready: true };

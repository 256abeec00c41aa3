// Loads a signed snapshot with the rolegate npm package and prints decisions.
//   node index.mjs SNAPSHOT KEY_ID=BASE64
import { readFileSync } from "node:fs";
import { Gate } from "rolegate";

const [snapshotPath, trusted] = process.argv.slice(2);
if (!snapshotPath || !trusted?.includes("=")) {
  console.error("usage: node index.mjs SNAPSHOT KEY_ID=BASE64");
  process.exit(2);
}
const keyId = trusted.slice(0, trusted.indexOf("="));
const publicKey = trusted.slice(trusted.indexOf("=") + 1);

const gate = new Gate(readFileSync(snapshotPath), { keys: { [keyId]: publicKey }, tenant: "acme" });
console.log(`loaded tenant ${gate.tenant}, revision ${gate.revision}, signed by ${gate.keyId}, expires ${gate.expiresAt?.toISOString() ?? "never"}`);

for (const [subject, permission, scope] of [
  ["bob", "roles.create", "shop-dev"],
  ["bob", "roles.create", "internal"],
  ["carol", "folders.create", "shop-dev"],
  ["frank", "events.retrieve", "shop"],
  ["frank", "events.retrieve", undefined],
  ["dave", "folders.view", undefined],
  ["bob", "roles.craete", "shop"],
]) {
  const d = gate.explain(subject, permission, scope);
  const where = scope ?? "(root)";
  console.log(`${d.allowed ? "allow" : "deny "}  ${subject.padEnd(6)} ${permission.padEnd(16)} on ${where.padEnd(9)} ${d.message}`);
}

// A hot path: bind once, check many permissions.
const bob = gate.bind("bob", "shop");
const visible = ["roles.create", "billing.portal", "billing.cancel", "api.key.revoke"].filter((p) => bob.can(p));
console.log(`bob on shop may see: ${visible.join(", ")}`);

// The same token lookup an edge worker does.
console.log(`token rg_live_ci_0001 belongs to ${gate.subjectForToken("rg_live_ci_0001")}`);

// A refused update keeps the old snapshot serving.
const tampered = new Uint8Array(readFileSync(snapshotPath));
tampered[tampered.length - 1] ^= 1;
try {
  gate.update(tampered);
} catch (e) {
  console.log(`update refused: ${e.code} (${e.message}); still serving revision ${gate.revision}`);
}

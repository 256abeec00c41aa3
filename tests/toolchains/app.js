// The page every bundler fixture builds, written as the README shows it: load bob's
// slice with the package's one way to be ready, and show what it answers.
import { Gate } from "rolegate";

async function main() {
  const [snapshot, trusted] = await Promise.all([
    fetch("/bob.snapshot").then((r) => r.arrayBuffer()),
    fetch("/public-key.txt").then((r) => r.text()),
  ]);
  const cut = trusted.indexOf("=");
  const keys = { [trusted.slice(0, cut)]: trusted.slice(cut + 1).trim() };
  const gate = await Gate.load(new Uint8Array(snapshot), { keys, tenant: "acme", subject: "bob" });
  const answers = [gate.can("bob", "roles.create", "shop-dev"), gate.can("bob", "roles.create", "internal"), gate.sliceSubject];
  document.querySelector("#answers").textContent = JSON.stringify(answers);
}

main().catch((error) => {
  document.querySelector("#answers").textContent = `error: ${error?.code ?? ""} ${error?.message ?? error}`;
});

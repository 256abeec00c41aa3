// rolegate/dom against hostile or careless markup, in Chromium from the packed tarball:
// author CSS that would keep a hidden control visible, SVG and MathML controls, open
// shadow roots, several conditions on one element, a framework flipping `hidden`,
// `disabled` or the inline style back, markers already in the markup, and a removed
// control restored under its own scope. A denied control must be unseen and unclickable.
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixtures, launchChromium, project, serveStatic } from "./harness.mjs";

// The page starts from a snapshot where bob holds nothing, then updates to one where he is
// admin on `shop` (roles.* there, nothing on `internal`); billing.cancel stays denied.
const PAGE = `<!doctype html>
<style>
  html:not([data-rolegate-ready]) :is([data-can], [data-can-any], [data-can-all], [data-cannot]),
  :is([data-can], [data-can-any], [data-can-all], [data-cannot]):not([data-rolegate]) { visibility: hidden; }
  .btn { display: inline-block !important; }
  svg, math { display: inline !important; }
</style>
<script type="importmap">{"imports": {"rolegate": "/node_modules/rolegate/browser.js", "rolegate/dom": "/node_modules/rolegate/dom.js"}}</script>
<main data-scope="shop">
  <button id="css" class="btn" data-can="billing.cancel">Cancel (author CSS says show)</button>
  <button id="allowed" class="btn" data-can="roles.create">Create role</button>
  <svg width="80" height="40"><a id="svg" data-can="billing.cancel"><rect width="80" height="40" fill="red"/></a></svg>
  <svg id="svg-disable" data-can="billing.cancel" data-mode="disable" width="80" height="40"><rect width="80" height="40" fill="blue"/></svg>
  <math id="math" data-can="billing.cancel"><mi>x</mi></math>
  <button id="both" data-can="billing.cancel" data-cannot="billing.cancel">both</button>
  <button id="any-and-can" data-can="billing.cancel" data-can-any="billing.cancel roles.view">both again</button>
  <button id="flip" data-can="billing.cancel">flip</button>
  <button id="flip-disable" data-can="billing.cancel" data-mode="disable">flip disabled</button>
  <div id="div-disable" data-can="billing.cancel" data-mode="disable" style="width:80px;height:40px;background:green">div</div>
  <button id="premarked" data-can="billing.cancel" data-rolegate="allowed">pre-marked</button>
  <x-panel id="host"></x-panel>
  <div data-scope="shop"><button id="removed" data-can="roles.create" data-mode="remove">Remove me</button></div>
</main>
<script>
  customElements.define("x-panel", class extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" }).innerHTML = '<button id="shadow-denied" data-can="billing.cancel">in shadow</button><button id="shadow-allowed" data-can="roles.view">in shadow, allowed</button>';
    }
  });
  window.clicks = [];
  for (const id of ["svg-disable", "div-disable", "css"]) document.getElementById(id).addEventListener("click", () => window.clicks.push(id));
  // What shows before rolegate has judged the page.
  window.before = getComputedStyle(document.getElementById("premarked")).visibility;
</script>
<script type="module">
  import { Gate } from "rolegate";
  import { gateElements } from "rolegate/dom";
  const bytes = async (name) => new Uint8Array(await (await fetch(name)).arrayBuffer());
  const keys = await (await fetch("/keys.json")).json();
  const gate = await Gate.load(await bytes("/acme-rev103-without-bob.snapshot"), { keys, clock: () => Date.parse("2026-11-23T12:00:00Z") });
  const ui = gateElements(gate, { subject: "bob", scope: "internal" });
  window.t = { gate, ui, bytes };
  window.ready = true;
</script>`;

let server;
let browser;
let page;
let origin;

before(async () => {
  const dir = project("dom-hostile");
  for (const f of ["acme-rev103-without-bob.snapshot", "acme-rev104-key-b.snapshot", "keys.json"]) copyFileSync(join(fixtures, f), join(dir, f));
  writeFileSync(join(dir, "index.html"), PAGE);
  ({ server, origin } = await serveStatic(dir));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
});

const visible = (id) =>
  page.evaluate((id) => {
    const find = (root) => root.getElementById?.(id) ?? [...root.querySelectorAll("*")].map((e) => e.shadowRoot && find(e.shadowRoot)).find(Boolean) ?? null;
    const el = find(document);
    return el ? el.checkVisibility({ visibilityProperty: true }) : "absent";
  }, id);

/** Clicks where the element is drawn, as a person would (a scripted click ignores CSS). */
async function clickAt(id) {
  const box = await page.evaluate((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }, id);
  await page.mouse.click(box.x, box.y);
}

test("a denied control is unseen whatever the author CSS, in SVG and MathML too", async () => {
  assert.equal(await visible("css"), false, "`.btn { display: inline-block !important }` does not bring it back");
  assert.equal(await visible("svg"), false);
  assert.equal(await visible("math"), false);
});

test("a disabled control that is not a form control cannot be clicked, SVG included", async () => {
  await clickAt("svg-disable");
  await clickAt("div-disable");
  assert.deepEqual(await page.evaluate(() => window.clicks), []);
  const attrs = await page.evaluate(() => ["svg-disable", "div-disable"].map((id) => [document.getElementById(id).hasAttribute("inert"), document.getElementById(id).getAttribute("aria-disabled")]));
  assert.deepEqual(attrs, [[true, "true"], [true, "true"]]);
});

test("controls inside open shadow roots are gated, also when added later", async () => {
  assert.equal(await visible("shadow-denied"), false);
  assert.equal(await visible("shadow-allowed"), false, "bob holds nothing in the first snapshot");
  await page.evaluate(() => {
    const b = document.createElement("button");
    b.id = "shadow-late";
    b.setAttribute("data-can", "billing.cancel");
    document.getElementById("host").shadowRoot.append(b);
  });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.equal(await visible("shadow-late"), false);
});

test("several conditions on one element must all hold", async () => {
  assert.equal(await visible("both"), false, "data-cannot holds (billing.cancel is denied) but data-can does not");
  assert.equal(await visible("any-and-can"), false, "data-can-any may hold but data-can does not");
});

test("a framework flipping hidden, disabled or the inline style back is re-gated", async () => {
  await page.evaluate(() => {
    const flip = document.getElementById("flip");
    flip.hidden = false;
    flip.style.display = "block";
    document.getElementById("flip-disable").disabled = false;
  });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.equal(await visible("flip"), false);
  assert.equal(await page.evaluate(() => document.getElementById("flip-disable").disabled), true);
});

test("markers already in the markup are not trusted, before or after the first pass", async () => {
  assert.equal(await page.evaluate(() => window.before), "hidden", "hidden before rolegate judged the page");
  assert.equal(await visible("premarked"), false);
  assert.equal(await page.evaluate(() => document.getElementById("premarked").getAttribute("data-rolegate")), "denied");
});

test("a removed control comes back under its own scope, not the default one", async () => {
  assert.equal(await visible("removed"), "absent");
  // bob's admin grant on shop arrives; the default scope (internal) still denies.
  await page.evaluate(async () => window.t.gate.update(await window.t.bytes("/acme-rev104-key-b.snapshot")));
  assert.equal(await visible("removed"), true);
  // The same update shows what bob may now do, author CSS and shadow roots included.
  assert.equal(await visible("allowed"), true);
  assert.equal(await visible("shadow-allowed"), true);
  assert.equal(await visible("css"), false);
  assert.equal(await visible("any-and-can"), false, "roles.view now holds for data-can-any; data-can still denies");
});

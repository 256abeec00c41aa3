// rolegate/dom: gate DOM elements by data attributes, synchronously, for one subject.
//
//   <button data-can="roles.create">Create role</button>
//   <a data-can-any="billing.portal billing.cancel">Billing</a>
//   <div data-scope="shop"><button data-can-all="api.key.view api.key.revoke" data-mode="disable">Revoke</button></div>
//   <p data-cannot="roles.create">Ask an admin to create roles.</p>
//
// Until an element has been gated it carries no `data-rolegate` attribute, so this CSS
// keeps gated controls from flashing before the first (synchronous) pass:
//
//   [data-can]:not([data-rolegate]), [data-can-any]:not([data-rolegate]),
//   [data-can-all]:not([data-rolegate]), [data-cannot]:not([data-rolegate]) { visibility: hidden; }

import { readOptions, typeError } from "./errors.js";
import { etagFetcher } from "./snapshot-fetch.js";

/** Throws a TypeError unless `gate` has `method` (reading it may not throw either). */
function checkGate(gate, method, caller) {
  try {
    if (gate !== null && typeof gate === "object" && typeof gate[method] === "function") return;
  } catch {
    // A Proxy or getter that throws is no gate.
  }
  throw typeError(`${caller} needs a Gate as its first argument`);
}

const SELECTOR = "[data-can],[data-can-any],[data-can-all],[data-cannot]";
const ATTRIBUTES = ["data-can", "data-can-any", "data-can-all", "data-cannot", "data-scope", "data-mode"];
const MODES = new Set(["hide", "disable", "remove"]);
const FORM_CONTROLS = new Set(["BUTTON", "INPUT", "SELECT", "TEXTAREA", "FIELDSET", "OPTGROUP", "OPTION"]);

function names(value) {
  return value.split(/[\s,]+/).filter(Boolean);
}

/**
 * Gates every element below `root` for `subject`, now and (with `watch`) as the DOM and
 * the snapshot change. Returns a controller; `stop()` detaches it.
 *
 * Options: `subject` (required), `scope` (default for elements without a `data-scope`
 * ancestor; the tenant root when omitted), `root` (default `document.body`), `mode`
 * (`hide` | `disable` | `remove`, default `hide`), `watch` (default true).
 */
export function gateElements(gate, options) {
  checkGate(gate, "can", "gateElements");
  options = readOptions(options, ["subject", "scope", "root", "mode", "watch"], "gateElements' options (at least `subject`)");
  let { subject, scope } = options;
  if (typeof subject !== "string") throw typeError("option `subject` must be a string");
  if (scope !== undefined && scope !== null && typeof scope !== "string") throw typeError("option `scope` must be a string");
  const root = options.root ?? globalThis.document?.body;
  if (!root || typeof root.querySelectorAll !== "function") throw typeError("option `root` must be a DOM element");
  const defaultMode = options.mode ?? "hide";
  if (!MODES.has(defaultMode)) throw typeError("option `mode` must be `hide`, `disable` or `remove`");

  const events = new EventTarget();
  const reported = new Set();
  // Removed elements wait here, with the comment that marks their place, to come back.
  const removed = new Map();
  let stopped = false;

  const report = (name, element) => {
    if (reported.has(name)) return;
    reported.add(name);
    console.warn(`rolegate: unknown permission \`${name}\` in markup is denied`, element);
    // Dispatched after the current task's code, so listeners added right after
    // gateElements() returns also hear about the first pass.
    queueMicrotask(() => events.dispatchEvent(Object.assign(new Event("unknown"), { permission: name, element })));
  };

  const scopeOf = (element) => {
    const holder = element.closest("[data-scope]");
    return holder && root.contains(holder) ? holder.getAttribute("data-scope") : (scope ?? undefined);
  };

  const allowedFor = (element, wanted, all) => {
    const list = names(wanted);
    if (list.length === 0) return false;
    const where = scopeOf(element);
    const check = (name) => {
      if (gate.permissionId(name) < 0) {
        report(name, element);
        return false;
      }
      return gate.can(subject, name, where);
    };
    return all ? list.every(check) : list.some(check);
  };

  const decide = (element) => {
    if (element.hasAttribute("data-cannot")) return !allowedFor(element, element.getAttribute("data-cannot"), false);
    if (element.hasAttribute("data-can-all")) return allowedFor(element, element.getAttribute("data-can-all"), true);
    if (element.hasAttribute("data-can-any")) return allowedFor(element, element.getAttribute("data-can-any"), false);
    return allowedFor(element, element.getAttribute("data-can"), true);
  };

  const apply = (element, show) => {
    const mode = MODES.has(element.getAttribute("data-mode")) ? element.getAttribute("data-mode") : defaultMode;
    element.setAttribute("data-rolegate", show ? "allowed" : "denied");
    if (mode === "hide") {
      element.hidden = !show;
    } else if (mode === "disable") {
      if (FORM_CONTROLS.has(element.tagName)) element.disabled = !show;
      else element.inert = !show;
      if (show) element.removeAttribute("aria-disabled");
      else element.setAttribute("aria-disabled", "true");
    } else if (!show && element.isConnected) {
      const marker = element.ownerDocument.createComment("rolegate: removed");
      element.replaceWith(marker);
      removed.set(element, marker);
    }
  };

  const gateOne = (element) => apply(element, !stopped && decide(element));

  /** Gates every element under `node` (and `node` itself). */
  const pass = (node = root) => {
    if (node.nodeType !== 1) return;
    if (node.matches(SELECTOR)) gateOne(node);
    for (const element of node.querySelectorAll(SELECTOR)) gateOne(element);
  };

  const restoreRemoved = () => {
    for (const [element, marker] of removed) {
      if (!marker.isConnected) {
        removed.delete(element);
      } else if (stopped || decide(element)) {
        marker.replaceWith(element);
        removed.delete(element);
        if (!stopped) apply(element, true);
      }
    }
  };

  const regate = () => {
    if (stopped) return;
    restoreRemoved();
    pass();
    events.dispatchEvent(new Event("gated"));
  };

  const observer =
    options.watch === false || typeof MutationObserver === "undefined"
      ? null
      : new MutationObserver((records) => {
          if (stopped) return;
          for (const r of records) {
            if (r.type === "childList") for (const n of r.addedNodes) pass(n);
            else if (r.target.nodeType === 1) pass(r.target);
          }
        });
  observer?.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ATTRIBUTES });
  gate.addEventListener("updated", regate);
  gate.addEventListener("expired", regate);

  regate();

  return Object.assign(events, {
    /** Gates again now (after changing what `can` depends on outside rolegate). */
    refresh: regate,
    /** Gates for another subject. */
    setSubject(next) {
      if (typeof next !== "string") throw typeError("subject must be a string");
      subject = next;
      regate();
    },
    /** Changes the default scope (elements under a `data-scope` keep theirs). */
    setScope(next) {
      if (next !== undefined && next !== null && typeof next !== "string") throw typeError("scope must be a string");
      scope = next;
      regate();
    },
    /** Detaches: stops watching, restores removed elements, un-hides and re-enables. */
    stop() {
      if (stopped) return;
      observer?.disconnect();
      gate.removeEventListener("updated", regate);
      gate.removeEventListener("expired", regate);
      stopped = true;
      restoreRemoved();
      for (const element of root.querySelectorAll("[data-rolegate]")) {
        element.removeAttribute("data-rolegate");
        element.hidden = false;
        element.inert = false;
        if (FORM_CONTROLS.has(element.tagName)) element.disabled = false;
        element.removeAttribute("aria-disabled");
      }
    },
  });
}

/**
 * A store for UI frameworks: `subscribe(listener)` (returns an unsubscribe function) and
 * `getSnapshot()` (a number that changes whenever the gate's answers may have: an update
 * or expiry). React: `useSyncExternalStore(store.subscribe, store.getSnapshot)`, then call
 * `gate.can(...)` while rendering.
 */
export function gateStore(gate) {
  checkGate(gate, "addEventListener", "gateStore");
  let version = 0;
  const listeners = new Set();
  const bump = () => {
    version++;
    for (const listener of [...listeners]) listener();
  };
  gate.addEventListener("updated", bump);
  gate.addEventListener("expired", bump);
  return {
    subscribe(listener) {
      if (typeof listener !== "function") throw typeError("a listener must be a function");
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => version,
  };
}

/**
 * Keeps `gate` fresh from `url`: fetches with `If-None-Match` every `interval` ms (and on
 * `refresh()`), verifies and swaps in new snapshots. Emits `updated`, `error` (a refused
 * or unreachable snapshot: the old one keeps serving; `event.error` says why) and
 * `expired` (the gate's snapshot ran out: everything gated is denied until a fresh one
 * arrives). `stop()` ends polling.
 */
export function refresher(gate, url, options = {}) {
  checkGate(gate, "update", "refresher");
  if (typeof url !== "string" && !(url instanceof URL)) throw typeError("url must be a string or a URL");
  options = readOptions(options, ["interval", "fetch"], "refresher's options");
  const interval = options.interval ?? 60000;
  if (typeof interval !== "number" || !(interval > 0)) throw typeError("option `interval` must be a positive number of ms");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw typeError("option `fetch` must be a function");

  const events = new EventTarget();
  const next = etagFetcher(url, fetchImpl, { cache: "no-cache" });
  let timer = null;
  let stopped = false;
  let running = null;

  const emit = (type, extra = {}) => events.dispatchEvent(Object.assign(new Event(type), extra));
  const onExpired = () => emit("expired");
  gate.addEventListener("expired", onExpired);

  const once = async () => {
    try {
      const fetched = await next();
      if (fetched === null) return false;
      gate.update(fetched.bytes);
      fetched.accept();
      emit("updated");
      return true;
    } catch (error) {
      emit("error", { error });
      return false;
    }
  };

  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, interval);
  };
  const tick = () => {
    refresh().finally(schedule);
  };

  /** Fetches now (one fetch at a time); resolves to whether a new snapshot was loaded. */
  const refresh = () => {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  };

  schedule();
  return Object.assign(events, {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
      gate.removeEventListener("expired", onExpired);
    },
  });
}

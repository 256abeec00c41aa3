// rolegate/dom: gate DOM elements by data attributes, synchronously, for one subject.
//
//   <button data-can="roles.create">Create role</button>
//   <a data-can-any="billing.portal billing.cancel">Billing</a>
//   <div data-scope="shop"><button data-can-all="api.key.view api.key.revoke" data-mode="disable">Revoke</button></div>
//   <p data-cannot="roles.create">Ask an admin to create roles.</p>
//
// This CSS keeps gated controls from showing before the first (synchronous) pass, even
// when the markup already carries a `data-rolegate` marker (markers are not trusted;
// rolegate marks <html data-rolegate-ready> once it has judged the page):
//
//   html:not([data-rolegate-ready]) :is([data-can], [data-can-any], [data-can-all], [data-cannot]),
//   :is([data-can], [data-can-any], [data-can-all], [data-cannot]):not([data-rolegate]) { visibility: hidden; }

import { readOptions, typeError } from "./errors.js";
import { deltaBuild, etagFetcher } from "./snapshot-fetch.js";
import { subscribe } from "./snapshot-events.js";
import { deltaOption, refreshFromDelta } from "./deltas.js";

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
/** The conditions an element may carry: attribute, all (or any) of its names, inverted. */
const CONDITIONS = [
  ["data-can", true, false],
  ["data-can-all", true, false],
  ["data-can-any", false, false],
  ["data-cannot", false, true],
];
// Attributes whose change re-gates an element: its conditions, and what gating sets (a
// framework re-render that flips `hidden` or `disabled` back is undone at once).
const ATTRIBUTES = [...CONDITIONS.map(([a]) => a), "data-scope", "data-mode", "data-rolegate", "hidden", "disabled", "inert", "style", "aria-disabled"];
const MODES = new Set(["hide", "disable", "remove"]);
const FORM_CONTROLS = new Set(["BUTTON", "INPUT", "SELECT", "TEXTAREA", "FIELDSET", "OPTGROUP", "OPTION"]);

function names(value) {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** The nearest `data-scope` at or above `node`, across shadow-root boundaries. */
function scopeAbove(node) {
  let at = node;
  while (at) {
    const holder = at.nodeType === 1 ? at.closest("[data-scope]") : at.parentElement?.closest("[data-scope]");
    if (holder) return holder.getAttribute("data-scope");
    const top = at.getRootNode?.();
    at = top && top !== at && top.host ? top.host : null;
  }
  return null;
}

/**
 * Calls `visit` on every element matching `selector` at or under `node`, inside open
 * shadow roots too, and `onRoot` on each shadow root on the way.
 */
function each(node, selector, visit, onRoot = () => {}) {
  if (node.nodeType !== 1 && node.nodeType !== 11) return;
  if (node.nodeType === 1 && node.matches(selector)) visit(node);
  for (const element of node.querySelectorAll(selector)) visit(element);
  const hosts = node.nodeType === 1 && node.shadowRoot ? [node] : [];
  for (const element of node.querySelectorAll("*")) if (element.shadowRoot) hosts.push(element);
  for (const host of hosts) {
    onRoot(host.shadowRoot);
    each(host.shadowRoot, selector, visit, onRoot);
  }
}

/**
 * Gates every element below `root` (open shadow roots included) for `subject`, now and
 * (with `watch`) as the DOM and the snapshot change. Returns a controller; `stop()`
 * detaches it.
 *
 * Options: `subject` (required), `scope` (default for elements without a `data-scope`
 * ancestor; the tenant root when omitted), `root` (default `document.body`), `mode`
 * (`hide` | `disable` | `remove`, default `hide`), `watch` (default true).
 *
 * A denied element is unseen and unclickable whatever the page's CSS: `hide` sets the
 * `hidden` attribute and an inline `display: none !important` (which works on SVG and
 * MathML too); `disable` sets `disabled` on form controls and the `inert` attribute,
 * `aria-disabled` and `pointer-events: none !important` on anything else. Several
 * conditions on one element must all hold. Markers already in the markup are not
 * trusted. `remove` takes elements out of the DOM: never use it inside a tree a UI
 * framework renders (the framework will fail to find its nodes).
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
  // What gating changed on an element, to undo exactly that: inline styles as they were,
  // and whether `hidden`, `disabled` and `inert` were set by rolegate.
  const changed = new WeakMap();
  let stopped = false;

  const warnOnce = (key, message, element) => {
    if (reported.has(key)) return false;
    reported.add(key);
    console.warn(message, element);
    return true;
  };

  const report = (name, element) => {
    if (!warnOnce(name, `rolegate: unknown permission \`${name}\` in markup is denied`, element)) return;
    // Dispatched after the current task's code, so listeners added right after
    // gateElements() returns also hear about the first pass.
    queueMicrotask(() => events.dispatchEvent(Object.assign(new Event("unknown"), { permission: name, element })));
  };

  const scopeOf = (node) => scopeAbove(node) ?? scope ?? undefined;

  const allowedFor = (element, wanted, all, where) => {
    const list = names(wanted);
    if (list.length === 0) return false;
    const check = (name) => {
      if (gate.permissionId(name) < 0) {
        report(name, element);
        return false;
      }
      return gate.can(subject, name, where);
    };
    return all ? list.every(check) : list.some(check);
  };

  /** Whether every condition on `element` holds, checked on scope `where`. */
  const decide = (element, where = scopeOf(element)) => {
    const present = CONDITIONS.filter(([attribute]) => element.hasAttribute(attribute));
    if (present.length > 1) {
      warnOnce(`several:${present.map(([a]) => a).join(" ")}`, `rolegate: an element with ${present.map(([a]) => a).join(" and ")} is shown only when all of them hold`, element);
    }
    return present.length > 0 && present.every(([attribute, all, inverted]) => allowedFor(element, element.getAttribute(attribute), all, where) !== inverted);
  };

  const record = (element) => {
    let c = changed.get(element);
    if (!c) changed.set(element, (c = { styles: {} }));
    return c;
  };
  const setAttribute = (element, name, value) => element.getAttribute(name) !== value && element.setAttribute(name, value);
  const removeAttribute = (element, name) => element.hasAttribute(name) && element.removeAttribute(name);
  const force = (element, property, value) => {
    const style = element.style;
    if (!style || (style.getPropertyValue(property) === value && style.getPropertyPriority(property) === "important")) return;
    const c = record(element);
    if (!(property in c.styles)) c.styles[property] = [style.getPropertyValue(property), style.getPropertyPriority(property)];
    style.setProperty(property, value, "important");
  };
  const unforce = (element, property) => {
    const c = changed.get(element);
    if (!c || !(property in c.styles)) return;
    const [value, priority] = c.styles[property];
    delete c.styles[property];
    if (value) element.style.setProperty(property, value, priority);
    else element.style.removeProperty(property);
  };
  /** Sets boolean attribute `name` (remembering that rolegate did), or clears it if rolegate did. */
  const flag = (element, name, on) => {
    const c = record(element);
    if (on) {
      if (!element.hasAttribute(name)) {
        element.setAttribute(name, "");
        c[name] = true;
      }
    } else if (c[name]) {
      removeAttribute(element, name);
      c[name] = false;
    }
  };

  /** Shows or denies `element`, writing only what differs (so re-gating settles). */
  const apply = (element, show) => {
    const mode = MODES.has(element.getAttribute("data-mode")) ? element.getAttribute("data-mode") : defaultMode;
    setAttribute(element, "data-rolegate", show ? "allowed" : "denied");
    const hide = mode === "hide" && !show;
    flag(element, "hidden", hide);
    if (hide) force(element, "display", "none");
    else unforce(element, "display");
    const off = mode === "disable" && !show;
    flag(element, FORM_CONTROLS.has(element.tagName) ? "disabled" : "inert", off);
    const c = record(element);
    if (off) {
      if (element.getAttribute("aria-disabled") !== "true") {
        element.setAttribute("aria-disabled", "true");
        c.aria = true;
      }
      force(element, "pointer-events", "none");
    } else {
      if (c.aria) {
        removeAttribute(element, "aria-disabled");
        c.aria = false;
      }
      unforce(element, "pointer-events");
    }
    if (mode === "remove" && !show && element.isConnected) {
      const marker = element.ownerDocument.createComment("rolegate: removed");
      element.replaceWith(marker);
      removed.set(element, marker);
    }
  };

  const gateOne = (element) => apply(element, !stopped && decide(element));

  const observed = new WeakSet();
  let observer = null;
  const watch = (target) => {
    if (!observer || observed.has(target)) return;
    observed.add(target);
    observer.observe(target, { childList: true, subtree: true, attributes: true, attributeFilter: ATTRIBUTES });
  };

  /** Gates every element under `node` (and `node` itself), and inside open shadow roots. */
  const pass = (node = root) => each(node, SELECTOR, gateOne, watch);

  const restoreRemoved = () => {
    for (const [element, marker] of removed) {
      if (!marker.isConnected) {
        removed.delete(element);
      } else if (stopped || decide(element, scopeOf(marker.parentNode))) {
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

  observer =
    options.watch === false || typeof MutationObserver === "undefined"
      ? null
      : new MutationObserver((records) => {
          if (stopped) return;
          for (const r of records) {
            if (r.type === "childList") for (const n of r.addedNodes) pass(n);
            // A new scope changes what everything below it is judged on; any other
            // attribute only what the element itself shows.
            else if (r.attributeName === "data-scope") pass(r.target);
            else if (r.target.nodeType === 1 && r.target.matches(SELECTOR)) gateOne(r.target);
          }
        });
  watch(root);
  gate.addEventListener("updated", regate);
  gate.addEventListener("expired", regate);

  // Markers already in the markup say nothing: every element is judged afresh.
  each(root, "[data-rolegate]", (element) => element.removeAttribute("data-rolegate"));
  regate();
  root.ownerDocument?.documentElement?.setAttribute("data-rolegate-ready", "");

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
    /** Detaches: stops watching, restores removed elements, and undoes what gating set. */
    stop() {
      if (stopped) return;
      observer?.disconnect();
      gate.removeEventListener("updated", regate);
      gate.removeEventListener("expired", regate);
      stopped = true;
      restoreRemoved();
      each(root, "[data-rolegate]", (element) => {
        element.removeAttribute("data-rolegate");
        for (const name of ["hidden", "disabled", "inert"]) flag(element, name, false);
        if (changed.get(element)?.aria) element.removeAttribute("aria-disabled");
        unforce(element, "display");
        unforce(element, "pointer-events");
      });
    },
  });
}

/**
 * A store for UI frameworks: `subscribe(listener)` (calls it at once and on every change
 * with the current value, and returns an unsubscribe function: the Svelte store
 * contract) and `getSnapshot()` (that value: a number that changes whenever the gate's
 * answers may have, on an update or expiry). React: `useSyncExternalStore(store.subscribe, store.getSnapshot)`, then call
 * `gate.can(...)` while rendering.
 */
export function gateStore(gate) {
  checkGate(gate, "addEventListener", "gateStore");
  let version = 0;
  const listeners = new Set();
  const bump = () => {
    version++;
    for (const listener of [...listeners]) listener(version);
  };
  gate.addEventListener("updated", bump);
  gate.addEventListener("expired", bump);
  return {
    subscribe(listener) {
      if (typeof listener !== "function") throw typeError("a listener must be a function");
      listeners.add(listener);
      // The Svelte store contract: a subscriber hears the current value at once (React's
      // useSyncExternalStore takes the call as a cue to read getSnapshot, unchanged).
      listener(version);
      return () => {
        listeners.delete(listener);
      };
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
  options = readOptions(options, ["interval", "fetch", "events", "delta"], "refresher's options");
  const delta = deltaOption(options.delta);
  const interval = options.interval ?? 60000;
  if (typeof interval !== "number" || !(interval > 0)) throw typeError("option `interval` must be a positive number of ms");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw typeError("option `fetch` must be a function");

  const events = new EventTarget();
  const next = etagFetcher(url, fetchImpl, { cache: "no-cache" }, () => deltaBuild(gate));
  let timer = null;
  let stopped = false;
  let running = null;

  const emit = (type, extra = {}) => events.dispatchEvent(Object.assign(new Event(type), extra));
  const onExpired = () => emit("expired");
  gate.addEventListener("expired", onExpired);

  const once = async () => {
    try {
      if (await refreshFromDelta(gate, delta, (error) => emit("error", { error }))) {
        emit("updated");
        return true;
      }
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
  // Push: with `events` (a Server-Sent Events URL), a published revision newer than the
  // gate's is fetched at once; polling stays as the fallback.
  let unsubscribe = () => {};
  if (options.events !== undefined) {
    if (typeof options.events !== "string" && !(options.events instanceof URL)) throw typeError("option `events` must be a string or a URL");
    unsubscribe = subscribe(
      options.events,
      fetchImpl,
      () => gate.revision,
      refresh,
      (error) => emit("error", { error }),
    );
  }
  return Object.assign(events, {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      gate.removeEventListener("expired", onExpired);
    },
  });
}

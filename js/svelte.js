// rolegate/svelte: `can(gate, subject, permission, scope?)`, a readable store following
// the Svelte store contract (works with `$store`, `get()` and `derived`), and a `use:can`
// action. Both follow the gate's `updated` and `expired` events. No import of Svelte.
import { typeError } from "./errors.js";
import { toggle } from "./toggle.js";

function follow(gate, changed) {
  gate.addEventListener("updated", changed);
  gate.addEventListener("expired", changed);
  return () => {
    gate.removeEventListener("updated", changed);
    gate.removeEventListener("expired", changed);
  };
}

/**
 * `can(gate, subject, permission, scope?)`: a readable store of whether `subject` holds
 * `permission` on `scope`. Given a DOM node first, `can` is the action instead:
 * `<button use:can={{ gate, subject, permission, scope, mode }}>`.
 */
export function can(gate, subject, permission, scope) {
  if (gate?.nodeType === 1) return canAction(gate, subject);
  if (gate === null || typeof gate !== "object" || typeof gate.can !== "function") throw typeError("can() needs a Gate");
  const read = () => gate.can(subject, permission, scope ?? undefined);
  return {
    subscribe(run) {
      if (typeof run !== "function") throw typeError("a subscriber must be a function");
      let value = read();
      run(value);
      return follow(gate, () => {
        const next = read();
        if (next !== value) run((value = next));
      });
    },
  };
}

/**
 * `<button use:canAction={{ gate, subject, permission, scope, mode }}>`: hides the node
 * when denied (`mode: "disable"` disables it instead); re-applies on updates.
 */
export function canAction(node, params) {
  let current = params;
  const apply = () => {
    const { gate, subject, permission, scope, mode } = current ?? {};
    const allowed = !!gate && typeof gate.can === "function" && gate.can(subject, permission, scope ?? undefined);
    toggle(node, allowed, mode);
  };
  let stop = current?.gate ? follow(current.gate, apply) : () => {};
  apply();
  return {
    update(next) {
      if (next?.gate !== current?.gate) {
        stop();
        stop = next?.gate ? follow(next.gate, apply) : () => {};
      }
      current = next;
      apply();
    },
    destroy() {
      stop();
    },
  };
}

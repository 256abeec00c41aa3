// rolegate/vue: `app.use(createRolegate({ gate, subject, scope }))`, a `useCan` composable,
// `$can` in templates and a `v-can` directive. Reactive to the gate's `updated` and
// `expired` events and to `setSubject` / `setScope`.
import { computed, inject, readonly, ref, unref, watchEffect } from "vue";
import { typeError } from "./errors.js";
import { toggle } from "./toggle.js";

const KEY = Symbol("rolegate");

/** The plugin. `setSubject(id)` and `setScope(id)` change whom and where it answers for. */
export function createRolegate({ gate, subject, scope } = {}) {
  if (gate === null || typeof gate !== "object" || typeof gate.can !== "function") throw typeError("createRolegate needs a `gate`");
  if (typeof subject !== "string") throw typeError("createRolegate needs a `subject` string");
  const version = ref(0);
  const state = { gate, version: readonly(version), subject: ref(subject), scope: ref(scope ?? undefined) };
  const bump = () => version.value++;
  gate.addEventListener("updated", bump);
  gate.addEventListener("expired", bump);
  const can = (permission, where) => {
    void version.value; // a dependency, so templates and computeds follow updates
    return gate.can(state.subject.value, permission, where ?? state.scope.value);
  };
  state.can = can;
  return {
    install(app) {
      app.provide(KEY, state);
      app.config.globalProperties.$can = can;
      app.directive("can", canDirective(state));
    },
    setSubject(next) {
      state.subject.value = next;
    },
    setScope(next) {
      state.scope.value = next ?? undefined;
    },
  };
}

function useState() {
  const state = inject(KEY, null);
  if (state === null) throw new Error("rolegate/vue: install createRolegate(...) with app.use before useCan");
  return state;
}

/** A computed boolean: whether the subject holds `permission` (a ref or a string) on `scope`. */
export function useCan(permission, scope) {
  const state = useState();
  return computed(() => state.can(unref(permission), unref(scope) ?? undefined));
}

/**
 * `v-can="'roles.create'"` hides the element when denied; `v-can:disable` disables it
 * instead (`disabled` on form controls, `inert` and `aria-disabled` otherwise). The value
 * may also be `{ permission, scope }`. It only toggles attributes on its own element.
 */
function canDirective(state) {
  const effects = new WeakMap();
  const apply = (el, binding) => {
    const value = binding.value;
    const permission = typeof value === "string" ? value : value?.permission;
    const where = typeof value === "object" && value !== null ? value.scope : undefined;
    const allowed = typeof permission === "string" && state.can(permission, where);
    toggle(el, allowed, binding.arg === "disable" ? "disable" : "hide");
  };
  return {
    mounted(el, binding) {
      effects.set(el, { binding, stop: watchEffect(() => apply(el, effects.get(el)?.binding ?? binding)) });
    },
    updated(el, binding) {
      const entry = effects.get(el);
      if (entry) entry.binding = binding;
      apply(el, binding);
    },
    unmounted(el) {
      effects.get(el)?.stop();
      effects.delete(el);
    },
  };
}

// rolegate/react: a provider, hooks and <Can> over a Gate. Synchronous (no loading state),
// safe under server rendering (the server snapshot is the same answer), and each
// component re-renders only when its own answer changes, on the gate's `updated` and
// `expired` events or a new subject or scope.
import { createContext, createElement, useCallback, useContext, useMemo, useRef, useSyncExternalStore } from "react";
import { typeError } from "./errors.js";

const Context = createContext(null);

/** `<GateProvider gate={gate} subject="bob" scope="shop">`: what the hooks below answer for. */
export function GateProvider({ gate, subject, scope, children }) {
  if (gate === null || typeof gate !== "object" || typeof gate.can !== "function") throw typeError("<GateProvider> needs a `gate`");
  if (typeof subject !== "string") throw typeError("<GateProvider> needs a `subject` string");
  const value = useMemo(() => ({ gate, subject, scope: scope ?? undefined }), [gate, subject, scope]);
  return createElement(Context.Provider, { value }, children);
}

/** `{gate, subject, scope}` of the nearest provider. */
export function useGate() {
  const value = useContext(Context);
  if (value === null) throw new Error("rolegate/react: useGate, useCan, usePermissions and <Can> need a <GateProvider> above them");
  return value;
}

function useSubscribe(gate) {
  return useCallback(
    (changed) => {
      gate.addEventListener("updated", changed);
      gate.addEventListener("expired", changed);
      return () => {
        gate.removeEventListener("updated", changed);
        gate.removeEventListener("expired", changed);
      };
    },
    [gate],
  );
}

/** Whether the provider's subject holds `permission` on `scope` (default: the provider's scope). */
export function useCan(permission, scope) {
  const { gate, subject, scope: fallback } = useGate();
  const where = scope ?? fallback;
  const read = () => gate.can(subject, permission, where);
  return useSyncExternalStore(useSubscribe(gate), read, read);
}

/** The permissions the provider's subject holds on `scope`, as a stable array. */
export function usePermissions(scope) {
  const { gate, subject, scope: fallback } = useGate();
  const where = scope ?? fallback;
  const last = useRef(null);
  const read = () => {
    const now = gate.permissions(subject, where);
    const prev = last.current;
    if (prev && prev.length === now.length && prev.every((p, i) => p === now[i])) return prev;
    last.current = now;
    return now;
  };
  return useSyncExternalStore(useSubscribe(gate), read, read);
}

/**
 * `<Can permission="roles.create" scope? fallback?>…</Can>`, or `anyOf` / `allOf` lists:
 * the children when allowed, else `fallback` (default nothing). Renders no DOM of its own.
 */
export function Can({ permission, anyOf, allOf, scope, fallback = null, children }) {
  const { gate, subject, scope: provided } = useGate();
  const where = scope ?? provided;
  const list = permission !== undefined ? [permission] : (allOf ?? anyOf);
  if (!Array.isArray(list) || list.length === 0) throw typeError("<Can> needs `permission`, `anyOf` or `allOf`");
  const all = anyOf === undefined || permission !== undefined || allOf !== undefined;
  const key = list.join("\n");
  const read = () => {
    const names = key.split("\n");
    return all ? names.every((p) => gate.can(subject, p, where)) : names.some((p) => gate.can(subject, p, where));
  };
  const allowed = useSyncExternalStore(useSubscribe(gate), read, read);
  return allowed ? children : fallback;
}

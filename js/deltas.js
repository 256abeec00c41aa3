// Refreshing a gate from a signed delta when one is published, for the sources: a delta
// that is missing or refused (built on another revision, tampered, ...) is no failure,
// the caller fetches the full snapshot instead.
import { typeError } from "./errors.js";

/** Checks a source's `delta` option: a function resolving to delta bytes, or null. */
export function deltaOption(delta) {
  if (delta !== undefined && typeof delta !== "function") throw typeError("option `delta` must be a function (revision) => delta bytes, or null when there is none");
  return delta;
}

/**
 * Applies `await delta(gate.revision)` to `gate`, unless `live()` says the gate was
 * dropped meanwhile. Resolves to true when applied; false when there is no delta or it
 * was refused (the refusal goes to `onError`), and the caller then fetches in full.
 */
export async function refreshFromDelta(gate, delta, onError, live = () => true) {
  if (delta === undefined) return false;
  try {
    const bytes = await delta(gate.revision);
    if (bytes === null || bytes === undefined || !live()) return false;
    gate.applyDelta(bytes);
    return true;
  } catch (error) {
    onError(error);
    return false;
  }
}

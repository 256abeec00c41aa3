// The TypeError every layer throws for arguments of the wrong type.

/** A `TypeError` with code `INVALID_ARGUMENT`. */
export function typeError(message) {
  const error = new TypeError(message);
  error.code = "INVALID_ARGUMENT";
  return error;
}

/** How a wrong argument is named in a TypeError's message. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/**
 * Copies `names` out of an options object, so a throwing getter or Proxy becomes a
 * TypeError here rather than an arbitrary exception later. `what` names the options.
 */
export function readOptions(options, names, what) {
  if (options === null || typeof options !== "object") throw typeError(`${what} must be an object`);
  const copy = {};
  try {
    for (const name of names) copy[name] = options[name];
  } catch (error) {
    throw typeError(`${what} could not be read: ${error?.message ?? error}`);
  }
  return copy;
}

// The TypeError every layer throws for arguments of the wrong type.

/** A `TypeError` with code `INVALID_ARGUMENT`. */
export function typeError(message) {
  const error = new TypeError(message);
  error.code = "INVALID_ARGUMENT";
  return error;
}

/** An `Error` named `RolegateError` with `code`, as the engine's refusals are. */
export function rolegateError(code, message) {
  const error = new Error(message);
  error.name = "RolegateError";
  error.code = code;
  return error;
}

/** How a wrong argument is named in a TypeError's message. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/**
 * Runs `read()`, turning anything it throws that is not already a TypeError (a Proxy
 * trap, a throwing getter or toString) into one: "`what` could not be read".
 */
export function readSafely(what, read) {
  try {
    return read();
  } catch (error) {
    throw error instanceof TypeError ? error : typeError(`${what} could not be read: ${error?.message ?? error}`);
  }
}

/**
 * Copies `names` out of an options object, so a throwing getter or Proxy becomes a
 * TypeError here rather than an arbitrary exception later. `what` names the options.
 */
export function readOptions(options, names, what) {
  if (options === null || typeof options !== "object") throw typeError(`${what} must be an object`);
  return readSafely(what, () => Object.fromEntries(names.map((name) => [name, options[name]])));
}

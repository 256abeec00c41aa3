// The TypeError every layer throws for arguments of the wrong type.

/** A `TypeError` with code `INVALID_ARGUMENT`. */
export function typeError(message) {
  const error = new TypeError(message);
  error.code = "INVALID_ARGUMENT";
  return error;
}

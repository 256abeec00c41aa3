// Deno entry: the inlined engine (no file read, so no --allow-read is needed for it).
export * from "./inline.js";

// Browser and default entry (bundlers): the inlined engine; nothing runs at import.
export * from "./inline.js";

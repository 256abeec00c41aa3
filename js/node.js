// Node entry: the inlined engine, so bundled server code (Next.js, esbuild) needs no
// file beside it; nothing runs at import.
export * from "./inline.js";

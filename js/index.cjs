// CommonJS entry (require("rolegate")): Node 20.19+ and 22.12+ load the ES module
// synchronously, so CommonJS and ESM users share one engine build. Older Node cannot:
// say so plainly instead of ERR_REQUIRE_ESM.
if (!process.features?.require_module) {
  const error = new Error(
    `require("rolegate") needs Node.js 20.19 or 22.12 or later (this is ${process.version}): upgrade Node, or load it with \`await import("rolegate")\``,
  );
  error.code = "UNSUPPORTED_RUNTIME";
  throw error;
}
module.exports = require("./node.js");

// CommonJS entry (require("rolegate")): Node 20.19+ and 22.12+ load the ES module
// synchronously, so CommonJS and ESM users share one engine build.
module.exports = require("./node.js");

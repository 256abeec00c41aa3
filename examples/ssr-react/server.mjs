// Server rendering with rolegate/react: node server.mjs SLICE KEY_ID=BASE64 [PORT]
// Renders the toolbar for the slice's subject on the server, and sends the slice inline
// (base64, in a JSON script element) with the client bundle (dist/client.js) that hydrates it.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { Gate } from "rolegate";
import { App } from "./app.js";

const [slicePath, trusted, port = "8790"] = process.argv.slice(2);
const cut = trusted.indexOf("=");
const keys = { [trusted.slice(0, cut)]: trusted.slice(cut + 1) };
const slice = readFileSync(slicePath);
const gate = await Gate.load(slice, { keys, tenant: "acme" });
const subject = gate.sliceSubject;
if (!subject) throw new Error("serve a slice (rolegate build --subject ID), not the whole tenant");

const page = () => {
  const markup = renderToString(h(App, { gate, subject }));
  // The JSON is escaped so that nothing in it can close the script element.
  const data = JSON.stringify({ snapshot: slice.toString("base64"), keys, tenant: "acme", subject }).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><title>rolegate SSR</title></head><body>
<div id="app">${markup}</div>
<script id="rolegate-slice" type="application/json">${data}</script>
<script type="module" src="/client.js"></script>
</body></html>`;
};

createServer((req, res) => {
  if (req.url === "/client.js") {
    res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(new URL("./dist/client.js", import.meta.url)));
  } else {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page());
  }
}).listen(Number(port), "127.0.0.1", () => console.log(`http://127.0.0.1:${port}/ (${subject})`));

// Hydration: the slice the server rendered with is inline in the page; it is verified
// again here (never trusted because the server sent it) before the same tree hydrates.
import { createElement as h } from "react";
import { hydrateRoot } from "react-dom/client";
import { Gate } from "rolegate";
import { App } from "./app.js";

const data = JSON.parse(document.getElementById("rolegate-slice").textContent);
const bytes = Uint8Array.from(atob(data.snapshot), (c) => c.charCodeAt(0));
const gate = await Gate.load(bytes, { keys: data.keys, tenant: data.tenant, subject: data.subject });
hydrateRoot(document.getElementById("app"), h(App, { gate, subject: data.subject }));
window.hydrated = true;

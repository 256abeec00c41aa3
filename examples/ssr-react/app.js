// The console's toolbar, rendered on the server and hydrated in the browser from the same
// signed slice, so both render the same markup and nothing flickers at hydration.
import { createElement as h } from "react";
import { Can, GateProvider } from "rolegate/react";

export function App({ gate, subject }) {
  return h(
    GateProvider,
    { gate, subject, scope: "shop" },
    h(
      "nav",
      null,
      h(Can, { permission: "roles.view" }, h("a", { id: "roles", href: "#roles" }, "Roles")),
      h(Can, { permission: "roles.create" }, h("button", { id: "create-role" }, "Create role")),
      h(Can, { permission: "billing.cancel", fallback: h("span", { id: "ask-owner" }, "Ask the owner to cancel") }, h("button", { id: "cancel" }, "Cancel subscription")),
      h(Can, { permission: "api.key.revoke", scope: "internal" }, h("button", { id: "revoke-internal" }, "Revoke internal key")),
    ),
  );
}

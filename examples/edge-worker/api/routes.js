// The route table of the example API (roles, members, API keys, renders, billing), shared
// by examples/edge-worker and examples/node-service: which permission each route needs
// and where its scope comes from. Routes without a scope check the tenant root.
export const ROUTES = [
  { method: "GET", path: "/roles", permission: "roles.view" },
  { method: "POST", path: "/roles", permission: "roles.create" },
  { method: "PATCH", path: "/roles/:role", permission: "roles.update" },
  { method: "DELETE", path: "/roles/:role", permission: "roles.delete" },

  { method: "GET", path: "/members", permission: "organization.view" },
  { method: "POST", path: "/members", permission: "organization.invite" },
  { method: "PUT", path: "/projects/:project/members/:member/roles/:role", permission: "roles.assign", scope: { param: "project" } },
  { method: "DELETE", path: "/projects/:project/members/:member/roles/:role", permission: "roles.revoke", scope: { param: "project" } },

  { method: "GET", path: "/api-keys", permission: "api.key.view" },
  { method: "POST", path: "/api-keys", permission: "api.key.create" },
  { method: "DELETE", path: "/api-keys/:key", permission: "api.key.revoke" },

  { method: "GET", path: "/environments/:env/renders", permission: "renders.retrieve", scope: { param: "env" } },
  { method: "POST", path: "/environments/:env/renders", all: ["renders.create", "renders.retrieve"], scope: { param: "env" } },
  { method: "DELETE", path: "/environments/:env/renders/:render", permission: "renders.delete", scope: { param: "env" } },

  { method: "GET", path: "/billing", any: ["billing.portal", "billing.cancel"] },
  { method: "POST", path: "/billing/cancel", permission: "billing.cancel" },
];

/** The header carrying the caller, set by the guard for the origin (and by a trusted upstream). */
export const SUBJECT_HEADER = "x-rolegate-subject";

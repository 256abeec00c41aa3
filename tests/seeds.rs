//! The five seed systems (docs/seeds) as example policies (examples/policies): each
//! document's stated rules, asserted through compile, sign, verify and load.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use rolegate::{BuildOptions, Engine, compile_json};
use serde_json::{Value, json};

const NOW: i64 = 1_795_435_200; // 2026-11-23T12:00:00Z

fn source(name: &str) -> String {
    common::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("examples/policies/{name}.json")),
    )
}

fn engine(name: &str) -> Engine {
    common::engine_for(&source(name), NOW)
}

fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(&source(name)).unwrap();
    edit(&mut doc);
    doc.to_string()
}

fn compile_error(src: &str) -> rolegate::Error {
    let options = BuildOptions {
        revision: 1,
        issued_at: NOW,
        expires_at: None,
    };
    compile_json(src, &options).unwrap_err()
}

/// Every permission of the catalog.
fn catalog(e: &Engine) -> Vec<String> {
    e.payload()
        .permissions
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

// --- 000: the document-generation platform (permissions as `resource action`) --------

#[test]
fn inkit_names_follow_the_documents_resource_action_list() {
    let e = engine("inkit");
    for p in [
        "folders.create",
        "api_keys.refresh",
        "billing_invoices.list",
        "users.management",
        "webhook_secret.refresh",
        "renders.update",
    ] {
        assert!(catalog(&e).contains(&p.to_string()), "{p}");
    }
}

#[test]
fn inkit_api_keys_hold_roles_like_members() {
    let e = engine("inkit");
    let key = e.subject_for_token("ik_live_renders_0001").unwrap();
    assert_eq!(key, "key_renders");
    assert!(e.can(key, "renders.create", None, NOW));
    assert!(!e.can(key, "folders.create", None, NOW));
    // The admin key answers exactly like the admin member.
    for p in catalog(&e) {
        assert_eq!(
            e.can("key_admin", &p, None, NOW),
            e.can("adam", &p, None, NOW),
            "{p}"
        );
    }
}

#[test]
fn inkit_two_roles_combine_as_a_union() {
    let e = engine("inkit");
    for p in catalog(&e) {
        let union = e.can("vera", &p, None, NOW);
        let viewer = p.ends_with(".retrieve");
        let accountant = p == "billing_invoices.list" || p == "accounts.retrieve";
        assert_eq!(union, viewer || accountant, "{p}");
    }
}

#[test]
fn inkit_the_owner_holds_every_permission_including_ones_added_later() {
    let later = edited("inkit", |doc| {
        doc["permissions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "templates.create", "group": "Templates"}));
    });
    let e = common::engine_for(&later, NOW);
    for p in catalog(&e) {
        assert!(e.can("olivia", &p, None, NOW), "{p}");
    }
    assert!(e.can("olivia", "templates.create", None, NOW));
    assert!(
        !e.can("adam", "templates.create", None, NOW),
        "the admin's patterns do not cover it"
    );
}

#[test]
fn inkit_a_deactivated_user_has_nothing() {
    let e = engine("inkit");
    assert!(catalog(&e).iter().all(|p| !e.can("dan", p, None, NOW)));
    assert!(e.permissions("dan", None, NOW).is_empty());
}

// --- 001: the document-review product (roles on inboxes) ------------------------------

#[test]
fn rossum_keeps_the_documents_own_names() {
    let e = engine("rossum");
    for p in [
        "view_statistics",
        "edit_roles",
        "de_escalate_document",
        "pick_next_escalated",
    ] {
        assert!(catalog(&e).contains(&p.to_string()), "{p}");
    }
}

#[test]
fn rossum_a_wildcard_inbox_role_covers_every_inbox_but_not_the_organisation() {
    let e = engine("rossum");
    for inbox in ["invoices-eu", "invoices-us", "receipts"] {
        assert!(e.can("amy", "edit_roles", Some(inbox), NOW), "{inbox}");
        assert!(e.can("lars", "upload", Some(inbox), NOW), "{inbox}");
    }
    assert!(!e.can("amy", "edit_roles", None, NOW));
    assert!(!e.can("amy", "edit_roles", Some("rossum-acme"), NOW));
}

#[test]
fn rossum_users_hold_roles_per_inbox_only() {
    let e = engine("rossum");
    assert!(e.can("otto", "review", Some("invoices-eu"), NOW));
    assert!(!e.can("otto", "review", Some("invoices-us"), NOW));
    assert!(!e.can("otto", "review", None, NOW), "no role as such");
    // tina: team leader on receipts, operator on invoices-eu.
    assert!(e.can("tina", "escalate_document", Some("receipts"), NOW));
    assert!(!e.can("tina", "escalate_document", Some("invoices-eu"), NOW));
    assert!(e.can("tina", "upload", Some("invoices-eu"), NOW));
    assert!(e.can("sam", "view_statistics", Some("invoices-us"), NOW));
    assert!(!e.can("sam", "view_statistics", Some("receipts"), NOW));
}

// --- 002: the IP-intelligence API (system roles, dotted names in groups) ---------------

#[test]
fn ipaware_groups_and_system_roles_are_the_documents() {
    let e = engine("ipaware");
    let p = e.payload();
    let groups: Vec<&str> = p.groups.iter().map(String::as_str).collect();
    assert_eq!(
        groups,
        [
            "Permissions",
            "Roles",
            "Organization",
            "API Keys",
            "Billing",
            "IP"
        ]
    );
    let system: Vec<&str> = p
        .roles
        .iter()
        .filter(|r| r.system)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(system, ["owner", "admin", "member"]);
}

#[test]
fn ipaware_the_owner_holds_all_and_there_is_exactly_one() {
    let e = engine("ipaware");
    assert!(catalog(&e).iter().all(|p| e.can("owen", p, None, NOW)));
    let two = edited("ipaware", |doc| {
        doc["subjects"][1]["grants"]
            .as_array_mut()
            .unwrap()
            .push(json!({"role": "owner", "scope": "ipaware-acme"}));
    });
    let err = compile_error(&two);
    assert_eq!(err.code(), "HOLDER_LIMIT");
    assert!(
        err.to_string().contains("owen") && err.to_string().contains("ada"),
        "{err}"
    );
    let none = edited("ipaware", |doc| {
        doc["subjects"][0]["grants"] = json!([]);
    });
    assert_eq!(compile_error(&none).code(), "HOLDER_LIMIT");
}

#[test]
fn ipaware_admins_manage_members_and_keys_but_not_billing_changes() {
    let e = engine("ipaware");
    for p in [
        "organization.invite",
        "organization.remove",
        "api.key.create",
        "billing.portal",
        "roles.assign",
    ] {
        assert!(e.can("ada", p, None, NOW), "{p}");
    }
    for p in [
        "billing.update",
        "billing.cancel",
        "roles.create",
        "roles.delete",
    ] {
        assert!(!e.can("ada", p, None, NOW), "{p}");
    }
    // Members view and query; multiple roles combine for rita.
    assert!(e.can("mia", "ip.query", None, NOW) && !e.can("mia", "organization.invite", None, NOW));
    assert!(
        e.can("rita", "billing.cancel", None, NOW)
            && e.can("rita", "organization.whitelist.view", None, NOW)
    );
    assert!(!e.can("rita", "organization.update", None, NOW));
    assert_eq!(
        e.subject_for_token("ipa_live_billing_0002"),
        Some("key_billing")
    );
    assert!(
        e.can("key_billing", "billing.checkout", None, NOW)
            && !e.can("key_billing", "ip.query", None, NOW)
    );
}

// --- 003: the authorization service's workspace (workspace -> project -> environment) --

#[test]
fn permit_an_environment_editor_on_dev_has_nothing_on_prod() {
    let e = engine("permit");
    assert!(e.can("shaul", "policies.create", Some("internal-app-dev"), NOW));
    assert!(
        e.permissions("shaul", Some("internal-app-prod"), NOW)
            .is_empty()
    );
    assert!(
        e.permissions("key_shop_dev", Some("shopping-app-prod"), NOW)
            .is_empty()
    );
    assert!(e.can(
        "key_shop_dev",
        "resources.create",
        Some("shopping-app-dev"),
        NOW
    ));
}

#[test]
fn permit_the_project_owner_has_every_environment() {
    let e = engine("permit");
    for env in ["shopping-app", "shopping-app-dev", "shopping-app-prod"] {
        assert!(
            catalog(&e)
                .iter()
                .all(|p| e.can("shaul", p, Some(env), NOW)),
            "{env}"
        );
    }
    assert!(
        !e.can("shaul", "members.invite", None, NOW),
        "not at the workspace"
    );
}

#[test]
fn permit_editors_cannot_invite_and_only_workspace_owners_see_the_logs() {
    let e = engine("permit");
    assert!(e.can("eddie", "roles.create", None, NOW));
    assert!(
        !e.can("eddie", "members.invite", None, NOW)
            && !e.can("eddie", "members.update", None, NOW)
    );
    assert_eq!(
        e.who_can("activity_log.view", None, NOW),
        ["wendy", "key_org"]
    );
    assert_eq!(e.who_can("api_log.view", None, NOW), ["wendy", "key_org"]);
}

// --- 004: the app-building platform (Agent < Developer < Admin) -----------------------

#[test]
fn airkit_agents_cannot_invite_or_use_the_studio_while_admins_can() {
    let e = engine("airkit");
    for p in [
        "users.invite",
        "users.roles.change",
        "studio.access",
        "console.resources.manage",
        "apps.publish",
    ] {
        assert!(!e.can("aggie", p, None, NOW), "agent: {p}");
        assert!(e.can("ana", p, None, NOW), "admin: {p}");
    }
    assert!(e.can("aggie", "portals.data.read", None, NOW));
}

#[test]
fn airkit_developers_publish_but_cannot_change_roles() {
    let e = engine("airkit");
    assert!(e.can("dev", "apps.publish", None, NOW) && e.can("dev", "studio.access", None, NOW));
    assert!(
        !e.can("dev", "users.roles.change", None, NOW) && !e.can("dev", "users.invite", None, NOW)
    );
    // Capabilities only grow: agent ⊆ developer ⊆ admin.
    for p in catalog(&e) {
        assert!(
            !e.can("aggie", &p, None, NOW) || e.can("dev", &p, None, NOW),
            "{p}"
        );
        assert!(
            !e.can("dev", &p, None, NOW) || e.can("ana", &p, None, NOW),
            "{p}"
        );
    }
}

#[test]
fn airkit_custom_roles_give_environment_specific_access_and_an_admin_is_required() {
    let e = engine("airkit");
    assert!(e.can("pat", "apps.publish", Some("production"), NOW));
    assert!(!e.can("pat", "apps.publish", Some("staging"), NOW));
    assert!(!e.can("pat", "apps.publish", None, NOW));
    let no_admin = edited("airkit", |doc| {
        doc["subjects"][0]["grants"][0]["role"] = json!("developer");
    });
    let err = compile_error(&no_admin);
    assert_eq!(err.code(), "HOLDER_LIMIT");
    assert!(err.to_string().contains("admin"), "{err}");
}

//! The admin views: the role × permission matrix, diffs, TypeScript types, lint and
//! access levels.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use rolegate::admin::access::{Access, access, rows_json};
use rolegate::admin::diff::diff;
use rolegate::admin::lint::lint_json;
use rolegate::admin::typegen::typescript;
use rolegate::time::format_rfc3339;
use rolegate::{Payload, Policy};

use crate::input::{open, open_document, read_text};
use crate::output::{Failure, print_json, write_out};
use crate::{MatrixFormat, Outcome, Trust};

/// The catalog grouped as the payload lists its groups (ungrouped permissions last).
fn grouped(p: &Payload) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> =
        p.groups.iter().map(|g| (g.clone(), Vec::new())).collect();
    let mut other = Vec::new();
    for (i, perm) in p.permissions.iter().enumerate() {
        match perm.group.and_then(|g| groups.get_mut(g as usize)) {
            Some((_, list)) => list.push(i),
            None => other.push(i),
        }
    }
    if !other.is_empty() {
        groups.push(("Other".to_string(), other));
    }
    groups.retain(|(_, list)| !list.is_empty());
    groups
}

/// The description the policy gives role `name` (`role`) or permission `name`.
fn describe<'a>(policy: Option<&'a Policy>, name: &str, role: bool) -> Option<&'a str> {
    let policy = policy?;
    if role {
        policy
            .roles
            .iter()
            .find(|r| r.name == name)?
            .description
            .as_deref()
    } else {
        policy
            .permissions
            .iter()
            .find(|p| p.name == name)?
            .description
            .as_deref()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn matrix(input: &Path, format: MatrixFormat, trust: &Trust) -> Outcome {
    let (engine, policy, _) = open_document(input, trust)?;
    let p = engine.payload();
    let text = match format {
        MatrixFormat::Text => matrix_text(p),
        MatrixFormat::Md => matrix_md(p, policy.as_ref()),
        MatrixFormat::Html => matrix_html(p, policy.as_ref()),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn matrix_text(p: &Payload) -> String {
    let width = p
        .permissions
        .iter()
        .map(|x| x.name.len() + 2)
        .max()
        .unwrap_or(10)
        .max(12);
    let mut out = format!(
        "{}: {} permissions × {} roles (S: system role)\n\n",
        p.tenant,
        p.permissions.len(),
        p.roles.len()
    );
    let _ = write!(out, "{:width$}", "");
    for r in &p.roles {
        let _ = write!(out, "  {}", r.name);
    }
    out.push('\n');
    let _ = write!(out, "{:width$}", "");
    for r in &p.roles {
        let _ = write!(
            out,
            "  {:w$}",
            if r.system { "S" } else { "" },
            w = r.name.len()
        );
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    for (group, list) in grouped(p) {
        let _ = writeln!(out, "{group}");
        for i in list {
            let name = p.permissions.get(i).map_or("", |x| x.name.as_str());
            let _ = write!(out, "  {:w$}", name, w = width - 2);
            for r in &p.roles {
                let _ = write!(
                    out,
                    "  {:w$}",
                    if r.holds(i) { "✓" } else { "·" },
                    w = r.name.len()
                );
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
    }
    out
}

fn matrix_md(p: &Payload, policy: Option<&Policy>) -> String {
    let mut out = String::from("| Permission |");
    for r in &p.roles {
        let _ = write!(
            out,
            " {}{} |",
            r.name,
            if r.system { " (system)" } else { "" }
        );
    }
    out.push_str("\n|---|");
    out.push_str(&":-:|".repeat(p.roles.len()));
    out.push('\n');
    for (group, list) in grouped(p) {
        let _ = writeln!(out, "| **{group}** |{}", " |".repeat(p.roles.len()));
        for i in list {
            let name = p.permissions.get(i).map_or("", |x| x.name.as_str());
            let _ = write!(out, "| `{name}` |");
            for r in &p.roles {
                out.push_str(if r.holds(i) { " ✓ |" } else { "  |" });
            }
            out.push('\n');
        }
    }
    if policy.is_some() {
        out.push('\n');
        for r in &p.roles {
            let kind = if r.system { "system" } else { "custom" };
            let _ = writeln!(
                out,
                "- **{}** ({kind}): {}",
                r.name,
                describe(policy, &r.name, true).unwrap_or("no description")
            );
        }
    }
    out
}

fn matrix_html(p: &Payload, policy: Option<&Policy>) -> String {
    let tenant = escape(&p.tenant);
    let groups = grouped(p);
    let mut out = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roles and permissions · {tenant}</title>
<style>
  :root {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2430; background: #f6f7f9; }}
  body {{ margin: 0; padding: 32px; }}
  h1 {{ font-size: 22px; margin: 0 0 4px; }}
  p.lead {{ margin: 0 0 24px; color: #5b6270; }}
  .card {{ background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(20,24,40,.08), 0 4px 16px rgba(20,24,40,.06); overflow: auto; max-height: 80vh; }}
  table {{ border-collapse: separate; border-spacing: 0; width: 100%; }}
  th, td {{ padding: 8px 14px; border-bottom: 1px solid #eceef2; text-align: center; white-space: nowrap; }}
  thead th {{ position: sticky; top: 0; background: #fff; z-index: 2; vertical-align: bottom; font-weight: 600; }}
  th.perm, td.perm {{ text-align: left; position: sticky; left: 0; background: #fff; z-index: 1; }}
  thead th.perm {{ z-index: 3; }}
  td.perm code {{ font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }}
  td.perm small {{ display: block; color: #7a8190; white-space: normal; max-width: 420px; }}
  tr.group th {{ text-align: left; background: #f0f2f6; color: #3b4252; font-size: 12px; text-transform: uppercase; letter-spacing: .06em; position: sticky; left: 0; }}
  .yes {{ color: #1a7f4b; font-weight: 700; }}
  .no {{ color: #c4c8d0; }}
  .badge {{ display: inline-block; margin-top: 4px; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600; }}
  .system {{ background: #fff4cc; color: #7a5b00; }}
  .custom {{ background: #dcf5e6; color: #17663c; }}
  tbody tr:hover td {{ background: #fafbfd; }}
  dl {{ margin: 24px 0 0; display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }}
  dt {{ font-weight: 600; }} dd {{ margin: 0; color: #4a5160; }}
</style>
</head>
<body>
<h1>Roles and permissions</h1>
<p class="lead">Tenant <strong>{tenant}</strong> · {} permissions in {} groups · {} roles</p>
<div class="card"><table>
<thead><tr><th class="perm">Permission</th>"#,
        p.permissions.len(),
        groups.len(),
        p.roles.len()
    );
    for r in &p.roles {
        let (class, label) = if r.system {
            ("system", "System")
        } else {
            ("custom", "Custom")
        };
        let title = describe(policy, &r.name, true)
            .map(|d| format!(" title=\"{}\"", escape(d)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<th{title}>{}<br><span class=\"badge {class}\">{label}</span></th>",
            escape(&r.name)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (group, list) in groups {
        let _ = writeln!(
            out,
            "<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>",
            p.roles.len() + 1,
            escape(&group)
        );
        for i in list {
            let name = p.permissions.get(i).map_or("", |x| x.name.as_str());
            let description = describe(policy, name, false)
                .map(|d| format!("<small>{}</small>", escape(d)))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td class=\"perm\"><code>{}</code>{description}</td>",
                escape(name)
            );
            for r in &p.roles {
                out.push_str(if r.holds(i) {
                    "<td class=\"yes\" aria-label=\"yes\">✓</td>"
                } else {
                    "<td class=\"no\" aria-label=\"no\">·</td>"
                });
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody></table></div>\n");
    if policy.is_some() {
        out.push_str("<dl>\n");
        for r in &p.roles {
            let _ = writeln!(
                out,
                "<dt>{}</dt><dd>{}</dd>",
                escape(&r.name),
                escape(describe(policy, &r.name, true).unwrap_or(""))
            );
        }
        out.push_str("</dl>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

pub fn diff_cmd(old: &Path, new: &Path, trust: &Trust, json: bool) -> Outcome {
    let (a, now) = open(old, trust)?;
    let (b, _) = open(new, trust)?;
    let d = diff(&a, &b, now);
    if json {
        print_json(&serde_json::to_value(&d).unwrap_or_default());
    } else {
        print!("{}", diff_text(&d));
    }
    Ok(if d.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn signed(gained: &[String], lost: &[String]) -> String {
    gained
        .iter()
        .map(|p| format!("+{p}"))
        .chain(lost.iter().map(|p| format!("-{p}")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn diff_text(d: &rolegate::admin::diff::Diff) -> String {
    let mut out = String::new();
    for w in &d.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    if !d.permissions_added.is_empty() || !d.permissions_removed.is_empty() {
        let _ = writeln!(
            out,
            "catalog: {}",
            signed(&d.permissions_added, &d.permissions_removed)
        );
    }
    for r in &d.roles_added {
        let _ = writeln!(out, "role added: {r}");
    }
    for r in &d.roles_removed {
        let _ = writeln!(out, "role removed: {r}");
    }
    for c in &d.roles_changed {
        let system = if c.system { " (system)" } else { "" };
        let flag = if c.system_flag_changed {
            " [system flag changed]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "role changed: {}{system}: {}{flag}",
            c.name,
            signed(&c.gained, &c.lost)
        );
    }
    if !d.access.is_empty() {
        out.push_str("access:\n");
        for a in &d.access {
            let scope = a.scope.as_deref().unwrap_or("(tenant root)");
            let _ = writeln!(
                out,
                "  {} on {scope}: {}",
                a.subject,
                signed(&a.gained, &a.lost)
            );
        }
    }
    if d.is_empty() {
        out.push_str("no differences\n");
    }
    out
}

pub fn typegen(input: &Path, scopes: bool, out: Option<&Path>, trust: &Trust) -> Outcome {
    let (engine, _) = open(input, trust)?;
    let name = input
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let text = typescript(engine.payload(), scopes, &name);
    match out {
        Some(path) => write_out(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn lint_cmd(policy: &Path, json: bool) -> Outcome {
    let src = read_text(policy)?;
    let warnings = lint_json(&src).map_err(|e| Failure::policy(vec![e], policy))?;
    if json {
        print_json(&serde_json::to_value(&warnings).unwrap_or_default());
    } else {
        for w in &warnings {
            let at = w.line.map_or_else(String::new, |l| format!(":{l}"));
            println!(
                "warning[{}]: {}\n  --> {}{at} ({})",
                w.code,
                w.message,
                policy.display(),
                w.path
            );
        }
        match warnings.len() {
            0 => println!("no warnings"),
            1 => println!("1 warning"),
            n => println!("{n} warnings"),
        }
    }
    Ok(if warnings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn access_cmd(input: &Path, subject: Option<&str>, trust: &Trust, json: bool) -> Outcome {
    let (engine, now) = open(input, trust)?;
    let rows = access(engine.payload(), subject, now);
    if let Some(id) = subject
        && rows.is_empty()
    {
        return Err(Failure::new(
            "UNKNOWN_SUBJECT",
            format!("no subject `{id}` in {}", input.display()),
        ));
    }
    if json {
        print_json(&rows_json(&rows));
    } else {
        print!("{}", access_text(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

fn access_text(rows: &[Access]) -> String {
    let w = rows
        .iter()
        .map(|a| a.subject.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let lw = rows
        .iter()
        .map(|a| a.level_label().len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = format!("{:w$}  {:8}  {:lw$}  ROLES\n", "SUBJECT", "KIND", "ACCESS");
    for a in rows {
        let grants: Vec<String> = a
            .grants
            .iter()
            .map(|g| {
                let kind = g
                    .kind
                    .as_deref()
                    .map(|k| {
                        if g.scope == "*" {
                            format!(" (every {k})")
                        } else {
                            format!(" ({k})")
                        }
                    })
                    .unwrap_or_default();
                let until = g
                    .expires_at
                    .map(|t| format!(" until {}", format_rfc3339(t)))
                    .unwrap_or_default();
                format!("{} on {}{kind}{until}", g.role, g.scope)
            })
            .collect();
        let note = if a.active { "" } else { "deactivated: " };
        let _ = writeln!(
            out,
            "{:w$}  {:8}  {:lw$}  {note}{}",
            a.subject,
            a.kind,
            a.level_label(),
            grants.join(", ")
        );
    }
    out
}

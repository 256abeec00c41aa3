//! The commands.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use rolegate::snapshot::delta::delta_from_snapshot;
use rolegate::time::{format_rfc3339, parse_duration};
use rolegate::{BuildOptions, Engine, Payload, SigningKey, Unverified, compile, diagnose, seal};
use serde_json::{Value, json};

use crate::decision_text::{decision_json, describe, hint, permission_names};
use crate::input::{open, read_bytes, read_text, signing_key, time_or_now};
use crate::output::{Failure, is_stdio, print_json, set, write_out};
use crate::{Command, Outcome, Query, admin, test_cmd};

pub fn run(command: Command, json: bool) -> Outcome {
    match command {
        Command::Keygen { out, key_id, force } => keygen(&out, key_id.as_deref(), force, json),
        Command::PublicKey { key } => {
            let public = signing_key(&key)?.public_key();
            if json {
                print_json(&json!({"key_id": public.key_id(), "public_key": public.to_base64()}));
            } else {
                println!("{public}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            policy,
            key,
            revision,
            ttl,
            subject,
            issued_at,
            delta_from,
            out,
        } => build(
            &policy,
            &key,
            revision,
            ttl.as_deref(),
            subject.as_deref(),
            issued_at.as_deref(),
            delta_from.as_deref(),
            &out,
            json,
        ),
        Command::Inspect { snapshot } => inspect(&snapshot, json),
        Command::Matrix {
            input,
            format,
            trust,
        } => admin::matrix(&input, format, &trust),
        Command::Diff { old, new, trust } => admin::diff_cmd(&old, &new, &trust, json),
        Command::Typegen {
            input,
            scopes,
            out,
            trust,
        } => admin::typegen(&input, scopes, out.as_deref(), &trust),
        Command::Lint { policy } => admin::lint_cmd(&policy, json),
        Command::Access {
            input,
            subject,
            trust,
        } => admin::access_cmd(&input, subject.as_deref(), &trust, json),
        Command::Verify { snapshot, trust } => {
            let now = trust.now()?;
            let keys = trust.keys()?;
            if keys.is_empty() {
                return Err(Failure::new(
                    "USAGE",
                    "no trusted key: pass --public-key KEY_ID=BASE64 or --key FILE",
                ));
            }
            let bytes = read_bytes(&snapshot)?;
            // A snapshot that fails verification is the answer, not a usage error: exit 1.
            let engine = rolegate::load(&bytes, &keys, &trust.options(now))
                .map_err(|e| Failure::from(e).with_exit(1))?;
            if json {
                print_json(&json!({"valid": true, "header": header_json(&engine)}));
            } else {
                println!(
                    "valid: tenant `{}`, revision {}, signed by `{}`",
                    engine.tenant(),
                    engine.revision(),
                    engine.key_id().unwrap_or("?")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(q) => query(&q, json, false),
        Command::Explain(q) => query(&q, json, true),
        Command::WhoCan {
            snapshot,
            permission,
            scope,
            trust,
        } => {
            let (engine, now) = open(&snapshot, &trust)?;
            let subjects = engine.who_can(&permission, scope.as_deref(), now);
            if json {
                print_json(
                    &json!({"permission": permission, "scope": scope, "subjects": subjects}),
                );
            } else {
                if engine.permission_id(&permission).is_none() {
                    eprintln!(
                        "warning: unknown permission `{permission}`{}",
                        hint(&permission, permission_names(&engine))
                    );
                }
                if engine.scope_id(scope.as_deref()).is_none() {
                    eprintln!(
                        "warning: unknown scope `{}`",
                        scope.as_deref().unwrap_or("")
                    );
                }
                for s in &subjects {
                    println!("{s}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Permissions {
            snapshot,
            subject,
            scope,
            trust,
        } => {
            let (engine, now) = open(&snapshot, &trust)?;
            let permissions = engine.permissions(&subject, scope.as_deref(), now);
            if json {
                print_json(
                    &json!({"subject": subject, "scope": scope, "permissions": permissions}),
                );
            } else {
                for p in &permissions {
                    println!("{p}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test {
            policy,
            expectations,
        } => test_cmd::run(&policy, &expectations, json),
    }
}

fn keygen(out: &Path, key_id: Option<&str>, force: bool, json: bool) -> Outcome {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Failure::new("RANDOM", format!("no randomness for a new key: {e}")))?;
    let key = SigningKey::from_seed(seed, key_id)?;
    let public = key.public_key();
    if is_stdio(out) {
        // The key itself is the output; what would describe it goes to stderr.
        write_out(out, key.to_json().as_bytes())?;
        eprintln!(
            "key id {}, public key {} (trust it with: --public-key {public})",
            public.key_id(),
            public.to_base64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    write_secret(out, key.to_json().as_bytes(), force)?;
    if json {
        print_json(
            &json!({"key_id": public.key_id(), "public_key": public.to_base64(), "file": out.display().to_string()}),
        );
    } else {
        println!("wrote signing key to {} (keep it secret)", out.display());
        println!("key id:     {}", public.key_id());
        println!("public key: {}", public.to_base64());
        println!("trust it with: --public-key {public}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a new file readable by its owner only; refuses to overwrite unless `force`.
fn write_secret(path: &Path, contents: &[u8], force: bool) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::new(
                "IO",
                format!(
                    "`{}` already exists: pass --force to overwrite it",
                    path.display()
                ),
            )
        } else {
            Failure::io(path, &e)
        }
    })?;
    file.write_all(contents).map_err(|e| Failure::io(path, &e))
}

#[allow(clippy::too_many_arguments)]
fn build(
    policy_path: &Path,
    key_path: &Path,
    revision: Option<u64>,
    ttl: Option<&str>,
    subject: Option<&str>,
    issued_at: Option<&str>,
    delta_from: Option<&Path>,
    out: &Path,
    json: bool,
) -> Outcome {
    let key = signing_key(key_path)?;
    let old = delta_from
        .map(|path| read_bytes(path).map(|b| (path, b)))
        .transpose()?;
    let issued_at = time_or_now(issued_at, "--issued-at")?;
    let expires_at = match ttl {
        None => None,
        Some(t) => {
            let secs = parse_duration(t).filter(|&s| s > 0).ok_or_else(|| {
                Failure::new(
                    "USAGE",
                    format!("`--ttl {t}` is not a duration such as `15m`, `12h` or `7d`"),
                )
            })?;
            Some(issued_at.saturating_add(secs))
        }
    };
    // The default revision is the Unix time, so successive builds only grow.
    let revision = revision.unwrap_or_else(|| u64::try_from(rolegate::time::now()).unwrap_or(0));
    let text = read_text(policy_path)?;
    let errors = diagnose(&text);
    if !errors.is_empty() {
        return Err(Failure::policy(errors, policy_path));
    }
    let policy = rolegate::Policy::from_json(&text)?;
    let mut payload = compile(
        &policy,
        &BuildOptions {
            revision,
            issued_at,
            expires_at,
        },
    )?;
    if let Some(subject) = subject {
        payload = payload.slice(subject)?;
    }
    if let Some((path, old)) = old {
        let (delta, old_head) = delta_from_snapshot(&old, &payload, &key)?;
        write_out(out, &delta)?;
        if is_stdio(out) {
            return Ok(ExitCode::SUCCESS);
        }
        // The full snapshot's size, from the payload length the delta states (not by
        // signing the whole snapshot again).
        let (_, stated) = rolegate::snapshot::delta::read_unverified(&delta)?;
        let full = rolegate::snapshot::envelope::sealed_len(
            key.key_id(),
            usize::try_from(stated.to_len).unwrap_or(usize::MAX),
        );
        if json {
            print_json(&json!({
                "file": out.display().to_string(), "bytes": delta.len(), "full_bytes": full,
                "delta_from": path.display().to_string(), "from_revision": old_head.revision,
                "key_id": key.key_id(), "header": payload_header_json(&payload),
            }));
        } else {
            println!(
                "wrote {} ({} bytes, {:.2}% of the full snapshot's {full}): delta of tenant `{}` from revision {} to {}, signed by `{}`",
                out.display(),
                delta.len(),
                100.0 * delta.len() as f64 / full.max(1) as f64,
                payload.tenant,
                old_head.revision,
                payload.revision,
                key.key_id()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = seal(&payload, &key);
    write_out(out, &bytes)?;
    if is_stdio(out) {
        // The snapshot is the output: say nothing more on stdout.
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        print_json(
            &json!({"file": out.display().to_string(), "bytes": bytes.len(), "key_id": key.key_id(), "header": payload_header_json(&payload)}),
        );
    } else {
        println!(
            "wrote {} ({} bytes): tenant `{}`, revision {}, {}{}, signed by `{}`",
            out.display(),
            bytes.len(),
            payload.tenant,
            payload.revision,
            expires_at.map_or("no expiry".to_string(), |t| format!(
                "expires {}",
                format_rfc3339(t)
            )),
            payload
                .subject
                .as_ref()
                .map(|s| format!(", slice for `{s}`"))
                .unwrap_or_default(),
            key.key_id()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(path: &Path, json: bool) -> Outcome {
    let bytes = read_bytes(path)?;
    if bytes.starts_with(&rolegate::snapshot::delta::DELTA_MAGIC) {
        return inspect_delta(&bytes, json);
    }
    let envelope = Unverified::parse(&bytes)?;
    let body = envelope.payload_unverified();
    let payload = Payload::from_bytes(body)?;
    let counts = [
        ("permissions", payload.permissions.len()),
        ("scopes", payload.scopes.len()),
        ("roles", payload.roles.len()),
        ("subjects", payload.subjects.len()),
        (
            "api_keys",
            payload
                .subjects
                .iter()
                .filter(|s| s.token_sha256.is_some())
                .count(),
        ),
        ("grants", payload.grant_count()),
    ];
    if json {
        print_json(&json!({
            "verified": false,
            "format_version": envelope.version(),
            "key_id": envelope.key_id(),
            "header": payload_header_json(&payload),
            "counts": counts.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "bytes": {"total": bytes.len(), "payload": body.len()},
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("UNVERIFIED snapshot (inspect does not check the signature; use `rolegate verify`)");
    println!("format version  {}", envelope.version());
    println!("key id          {}", envelope.key_id());
    println!("tenant          {}", payload.tenant);
    println!("revision        {}", payload.revision);
    println!("issued at       {}", format_rfc3339(payload.issued_at));
    println!(
        "expires at      {}",
        payload
            .expires_at
            .map_or("never".to_string(), format_rfc3339)
    );
    println!(
        "slice for       {}",
        payload.subject.as_deref().unwrap_or("(whole tenant)")
    );
    for (name, count) in counts {
        println!("{:<15} {count}", name.replace('_', " "));
    }
    println!("bytes           {} ({} payload)", bytes.len(), body.len());
    Ok(ExitCode::SUCCESS)
}

/// `inspect` of a delta: its header, unverified.
fn inspect_delta(bytes: &[u8], json: bool) -> Outcome {
    let (key_id, d) = rolegate::snapshot::delta::read_unverified(bytes)?;
    let hex = |h: &[u8]| rolegate::encoding::hex_encode(h.get(..8).unwrap_or_default());
    if json {
        print_json(&json!({
            "verified": false,
            "delta": true,
            "key_id": key_id,
            "tenant": d.tenant,
            "subject": d.subject,
            "from_revision": d.from_revision,
            "to_revision": d.to_revision,
            "payload_bytes": d.to_len,
            "bytes": bytes.len(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "UNVERIFIED delta (inspect does not check the signature; a gate does before reading it)"
    );
    println!("key id          {key_id}");
    println!("tenant          {}", d.tenant);
    println!("slice for       {}", d.subject.unwrap_or("(whole tenant)"));
    println!("revisions       {} -> {}", d.from_revision, d.to_revision);
    println!(
        "builds          {} payload bytes (SHA-512 {}...)",
        d.to_len,
        hex(d.to_sha512)
    );
    println!(
        "on              a payload of SHA-512 {}...",
        hex(d.from_sha512)
    );
    println!("bytes           {}", bytes.len());
    Ok(ExitCode::SUCCESS)
}

fn query(q: &Query, json: bool, explain: bool) -> Outcome {
    let (engine, now) = open(&q.snapshot, &q.trust)?;
    let decision = engine.explain(&q.subject, &q.permission, q.scope.as_deref(), now);
    let code = ExitCode::from(if decision.allowed { 0 } else { 1 });
    if json {
        print_json(&decision_json(&decision, &engine, q));
    } else if explain {
        println!("{}", describe(&decision, &engine, q));
    } else {
        println!(
            "{}",
            if decision.allowed {
                "allowed"
            } else {
                "denied"
            }
        );
    }
    Ok(code)
}

fn payload_header_json(p: &Payload) -> Value {
    json!({
        "tenant": p.tenant,
        "revision": p.revision,
        "issued_at": format_rfc3339(p.issued_at),
        "expires_at": p.expires_at.map(format_rfc3339),
        "subject": p.subject,
    })
}

fn header_json(engine: &Engine) -> Value {
    let mut v = payload_header_json(engine.payload());
    set(&mut v, "key_id", json!(engine.key_id()));
    v
}

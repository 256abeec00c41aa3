//! How the CLI reads and writes, found by hostile testing: reads are bounded for pipes
//! and devices, `-` is standard input or output, a byte-order mark and non-UTF-8 input
//! are handled the same by every command, names with control characters are escaped
//! when echoed, revisions JavaScript cannot hold exactly are refused, and lint flags
//! look-alike role names.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::cli::{Run, acme, rolegate, s, temp_dir};

/// Runs the binary with `stdin` piped in; stdout as raw bytes.
fn with_stdin(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = common::cli::command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // The child may stop reading early (a capped read): a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn key(dir: &Path) -> PathBuf {
    let key = dir.join("key.json");
    let run = rolegate(&["keygen", "--out", s(&key), "--key-id", "k1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    key
}

#[test]
fn devices_and_pipes_are_read_up_to_the_cap() {
    // /dev/zero reports size 0 and never ends: the read stops at the cap.
    let key = key(&temp_dir("devices"));
    let run = rolegate(&["verify", "/dev/zero", "--key", s(&key)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error[TOO_LARGE]"), "{}", run.stderr);
    let run = rolegate(&["inspect", "/dev/zero"]);
    assert!(run.stderr.contains("error[TOO_LARGE]"), "{}", run.stderr);
    // A pipe larger than the cap: refused the same way, without reading it all.
    let big = vec![b' '; rolegate::policy::limits::MAX_INPUT_BYTES + 10];
    let (code, _, stderr) = with_stdin(&["lint", "-"], &big);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[TOO_LARGE]"), "{stderr}");
}

#[test]
fn dash_reads_stdin_and_writes_stdout() {
    let dir = temp_dir("dash");
    let key = key(&dir);
    let policy = std::fs::read(acme()).unwrap();
    // build - --out -: a snapshot from a piped policy, on stdout and nothing else.
    let (code, snapshot, stderr) = with_stdin(
        &[
            "build",
            "-",
            "--key",
            s(&key),
            "--revision",
            "5",
            "--out",
            "-",
        ],
        &policy,
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(&snapshot[..4], b"RGSN");
    let file = dir.join("from-stdout.snapshot");
    std::fs::write(&file, &snapshot).unwrap();
    let run = rolegate(&[
        "check",
        s(&file),
        "bob",
        "roles.create",
        "--scope",
        "shop-dev",
        "--key",
        s(&key),
    ]);
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "allowed"),
        "{}",
        run.stderr
    );
    // check - reads the snapshot from stdin.
    let (code, out, stderr) = with_stdin(
        &[
            "check",
            "-",
            "bob",
            "roles.create",
            "--scope",
            "internal",
            "--key",
            s(&key),
        ],
        &snapshot,
    );
    assert_eq!(
        (code, String::from_utf8(out).unwrap().trim()),
        (1, "denied"),
        "{stderr}"
    );
    // keygen --out -: the key file on stdout, its description on stderr.
    let run = rolegate(&["keygen", "--out", "-", "--key-id", "piped"]);
    assert_eq!(run.code, 0);
    assert!(
        rolegate::SigningKey::from_json(&run.stdout).is_ok(),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("key id piped"), "{}", run.stderr);
    // typegen --out - is the same as no --out.
    let a = rolegate(&["typegen", s(&acme()), "--out", "-"]);
    let b = rolegate(&["typegen", s(&acme())]);
    assert_eq!((a.code, &a.stdout), (0, &b.stdout));
}

#[test]
fn a_byte_order_mark_is_accepted_by_every_command() {
    let dir = temp_dir("bom");
    let key = key(&dir);
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend(std::fs::read(acme()).unwrap());
    let policy = dir.join("bom.json");
    std::fs::write(&policy, &text).unwrap();
    let p = s(&policy);
    let out = dir.join("bom.snapshot");
    let runs: Vec<(&str, Run)> = vec![
        (
            "build",
            rolegate(&["build", p, "--key", s(&key), "--out", s(&out)]),
        ),
        (
            "check",
            rolegate(&["check", p, "bob", "roles.create", "--scope", "shop-dev"]),
        ),
        (
            "explain",
            rolegate(&["explain", p, "bob", "roles.create", "--scope", "shop-dev"]),
        ),
        ("matrix", rolegate(&["matrix", p])),
        ("lint", rolegate(&["lint", p])),
        ("access", rolegate(&["access", p])),
        ("typegen", rolegate(&["typegen", p])),
        ("diff", rolegate(&["diff", p, s(&acme())])),
        (
            "test",
            rolegate(&[
                "test",
                p,
                s(&common::conformance_dir().join("acme.queries.json")),
            ]),
        ),
    ];
    for (name, run) in runs {
        assert!(
            run.code == 0 || (name == "lint" && run.code == 1),
            "{name}: {} {}",
            run.code,
            run.stderr
        );
        assert!(!run.stderr.contains("error["), "{name}: {}", run.stderr);
    }
    // A mistake in such a file is still located on its line.
    let broken = String::from_utf8(text)
        .unwrap()
        .replace("\"role\": \"admin\"", "\"role\": \"admn\"");
    std::fs::write(&policy, broken).unwrap();
    let run = rolegate(&["build", p, "--key", s(&key), "--out", s(&out)]);
    assert!(
        run.stderr.contains("UNKNOWN_ROLE") && run.stderr.contains("bom.json:"),
        "{}",
        run.stderr
    );
}

#[test]
fn non_utf8_policies_get_the_same_code_from_every_command() {
    let dir = temp_dir("utf8");
    let key = key(&dir);
    let policy = dir.join("latin1.json");
    std::fs::write(
        &policy,
        b"{\"format\": \"rolegate.policy/1\", \"tenant\": \"caf\xE9\"}",
    )
    .unwrap();
    let p = s(&policy);
    let out = dir.join("x.snapshot");
    for args in [
        vec!["build", p, "--key", s(&key), "--out", s(&out)],
        vec!["check", p, "bob", "roles.create"],
        vec!["lint", p],
        vec!["matrix", p],
    ] {
        let run = rolegate(&args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(
            run.stderr.contains("error[NOT_UTF8]"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn control_characters_in_names_are_escaped_when_echoed() {
    let dir = temp_dir("controls");
    let policy = dir.join("evil.json");
    let text = std::fs::read_to_string(acme()).unwrap().replace(
        "\"role\": \"admin\"",
        "\"role\": \"\\u001b[2J\\u001b]0;pwned\\u0007\"",
    );
    std::fs::write(&policy, text).unwrap();
    let run = rolegate(&["lint", s(&policy)]);
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "{:?}",
        run.stderr
    );
    assert!(run.stderr.contains("\\u{1b}[2J"), "{}", run.stderr);
    let run = rolegate(&["explain", s(&acme()), "\u{1b}[2Jbob", "roles.create"]);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(run.stdout.contains("\\u{1b}[2Jbob"), "{}", run.stdout);
    let run = rolegate(&["check", "/nonexistent/\u{1b}[2J", "bob", "x"]);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

#[test]
fn revisions_beyond_two_to_the_53_are_refused() {
    let dir = temp_dir("revision");
    let key = key(&dir);
    let out = dir.join("r.snapshot");
    let ok = rolegate(&[
        "build",
        s(&acme()),
        "--key",
        s(&key),
        "--revision",
        "9007199254740991",
        "--out",
        s(&out),
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let run = rolegate(&[
        "build",
        s(&acme()),
        "--key",
        s(&key),
        "--revision",
        "9007199254740995",
        "--out",
        s(&out),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[LIMIT_EXCEEDED]"),
        "{}",
        run.stderr
    );
}

#[test]
fn lint_flags_a_custom_role_spelt_like_a_system_role() {
    let dir = temp_dir("confusable");
    let policy = dir.join("confusable.json");
    // `аdmin` with a Cyrillic а, and `admіn` with a Ukrainian і.
    let text = std::fs::read_to_string(acme()).unwrap().replacen(
        "\"roles\": [",
        "\"roles\": [{\"name\": \"\u{430}dmin\", \"permissions\": [\"*\"]}, {\"name\": \"adm\u{456}n\", \"permissions\": [\"roles.view\"]},",
        1,
    );
    std::fs::write(&policy, text).unwrap();
    let run = rolegate(&["lint", s(&policy)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(out.matches("CONFUSABLE_ROLE").count(), 2, "{out}");
    assert!(
        out.contains("looks exactly like system role `admin`"),
        "{out}"
    );
}

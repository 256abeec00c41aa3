//! `rolegate`: compile, sign, inspect, verify and query role snapshots.

mod admin;
mod commands;
mod decision_text;
mod input;
mod output;
mod test_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::Failure;

/// Compile, sign, inspect, verify and query rolegate role snapshots.
#[derive(Parser, Debug)]
#[command(name = "rolegate", version, about, max_term_width = 100)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a new Ed25519 signing key and print its key id and public key.
    Keygen {
        /// Where to write the key file (created with mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Key id to embed in snapshots (default: derived from the public key).
        #[arg(long)]
        key_id: Option<String>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the public key of a signing key file as KEY_ID=BASE64, for loaders to trust.
    PublicKey {
        /// The signing key file written by `keygen`.
        key: PathBuf,
    },
    /// Compile a policy document and sign it into a snapshot.
    Build {
        /// The policy document (JSON, rolegate.policy/1).
        policy: PathBuf,
        /// The signing key file written by `keygen`.
        #[arg(long)]
        key: PathBuf,
        /// Snapshot revision (default: the current Unix time in seconds, so it only grows).
        #[arg(long)]
        revision: Option<u64>,
        /// Lifetime, such as `15m`, `12h`, `7d` (default: no expiry).
        #[arg(long)]
        ttl: Option<String>,
        /// Cut the snapshot down to this one subject (what a browser should get).
        #[arg(long)]
        subject: Option<String>,
        /// Issue time, RFC 3339 (default: now); for reproducible builds.
        #[arg(long)]
        issued_at: Option<String>,
        /// Write a signed delta from this older snapshot (same tenant, same slice) instead
        /// of the full snapshot: a gate holding the old one applies it with `applyDelta`.
        #[arg(long, value_name = "OLD")]
        delta_from: Option<PathBuf>,
        /// Where to write the snapshot (or the delta).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a snapshot's header, counts and sizes, without verifying it.
    Inspect { snapshot: PathBuf },
    /// Verify a snapshot: exit 0 only if it is valid for the given keys and options.
    Verify {
        snapshot: PathBuf,
        #[command(flatten)]
        trust: Trust,
    },
    /// Check a permission: exit 0 allowed, 1 denied, 2 error.
    Check(Query),
    /// Explain a check: the granting role and grant scope, or why not (exit codes as `check`).
    Explain(Query),
    /// List the subjects that hold a permission on a scope.
    WhoCan {
        /// A snapshot, or a policy document.
        snapshot: PathBuf,
        permission: String,
        /// Scope id (default: the tenant root).
        #[arg(long)]
        scope: Option<String>,
        #[command(flatten)]
        trust: Trust,
    },
    /// List the permissions a subject holds on a scope.
    Permissions {
        /// A snapshot, or a policy document.
        snapshot: PathBuf,
        subject: String,
        /// Scope id (default: the tenant root).
        #[arg(long)]
        scope: Option<String>,
        #[command(flatten)]
        trust: Trust,
    },
    /// Roles × permissions, grouped by permission group, system roles marked.
    Matrix {
        /// A policy document (role descriptions included) or a snapshot.
        input: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: MatrixFormat,
        #[command(flatten)]
        trust: Trust,
    },
    /// What changed between two policies or snapshots: access gained and lost per
    /// subject and scope, the catalog, roles; warns when a system role changed. Exit 0
    /// when nothing changed, 1 when something did.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[command(flatten)]
        trust: Trust,
    },
    /// TypeScript types of a policy's permission names (and scope ids) and a typed Gate.
    Typegen {
        /// A policy document or a snapshot.
        input: PathBuf,
        /// Also type scope ids (default: any string).
        #[arg(long)]
        scopes: bool,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        trust: Trust,
    },
    /// Best-practice warnings on a policy (exit 1 when there are any).
    Lint { policy: PathBuf },
    /// Per subject: tenant-wide, per scope (per project, ...) or mixed access, with the
    /// roles on each scope.
    Access {
        /// A policy document or a snapshot.
        input: PathBuf,
        /// Only this subject.
        #[arg(long)]
        subject: Option<String>,
        #[command(flatten)]
        trust: Trust,
    },
    /// Run expectation files (the conformance query form) against a policy, through
    /// compile, sign, verify and load; exit 1 on any mismatch.
    Test {
        policy: PathBuf,
        #[arg(required = true)]
        expectations: Vec<PathBuf>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum MatrixFormat {
    Text,
    Md,
    Html,
}

#[derive(Args, Debug)]
struct Query {
    /// A snapshot, or a policy document.
    snapshot: PathBuf,
    subject: String,
    permission: String,
    /// Scope id (default: the tenant root).
    #[arg(long)]
    scope: Option<String>,
    #[command(flatten)]
    trust: Trust,
}

/// What to trust when loading a snapshot.
#[derive(Args, Debug, Default)]
struct Trust {
    /// A trusted public key as KEY_ID=BASE64 (repeat for several).
    #[arg(long = "public-key", value_name = "KEY_ID=BASE64")]
    public_keys: Vec<String>,
    /// Trust the public half of this signing key file.
    #[arg(long = "key", value_name = "FILE")]
    key_files: Vec<PathBuf>,
    /// Refuse snapshots of any other tenant.
    #[arg(long)]
    tenant: Option<String>,
    /// Refuse snapshots below this revision.
    #[arg(long)]
    min_revision: Option<u64>,
    /// The time to check at, RFC 3339 (default: now).
    #[arg(long)]
    now: Option<String>,
}

fn main() -> ExitCode {
    // Compiled to wasm32-wasip1 for `npx rolegate`, the host preopens `/` and says where
    // the user is, so that relative paths mean what they mean natively.
    #[cfg(target_os = "wasi")]
    if let Some(cwd) = std::env::var_os("ROLEGATE_CWD") {
        let _ = std::env::set_current_dir(cwd);
    }
    let cli = Cli::parse();
    match commands::run(cli.command, cli.json) {
        Ok(code) => code,
        Err(failure) => failure.report(cli.json),
    }
}

/// The result of a command: its exit code, or a failure to report (exit 2).
type Outcome = Result<ExitCode, Failure>;

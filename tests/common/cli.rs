//! Running the `rolegate` binary as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The CLI under test: the native binary, or with `ROLEGATE_CLI=COMMAND` another
/// implementation, such as the `rolegate` bin of the installed npm package (`npx
/// rolegate`); a `.js` file runs under node. The same suite holds both to the same
/// outputs, files and exit codes.
pub fn command() -> Command {
    match std::env::var_os("ROLEGATE_CLI") {
        Some(cli) if cli.to_string_lossy().ends_with(".js") => {
            let mut command = Command::new("node");
            command.arg(cli);
            command
        }
        Some(cli) => Command::new(cli),
        None => Command::new(env!("CARGO_BIN_EXE_rolegate")),
    }
}

pub fn rolegate(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command().args(args).output().unwrap();
    Run {
        code: status.code().unwrap(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// A fresh scratch folder for test `name` (per process, so parallel runs do not meet).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A path as a CLI argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The acme policy of the conformance vectors.
pub fn acme() -> PathBuf {
    super::conformance_dir().join("acme.policy.json")
}

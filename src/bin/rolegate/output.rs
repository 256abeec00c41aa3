//! Reporting: failures to stderr with their code, as text or JSON.

use std::io::Write;

use rolegate::error::escape_controls;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rolegate::Error;
use serde_json::{Value, json};

/// Exit code for a failure (bad input, bad snapshot, I/O).
pub const EXIT_ERROR: u8 = 2;

/// A command's failure: one or more errors, each with a stable code.
#[derive(Debug)]
pub struct Failure {
    errors: Vec<Error>,
    /// The file the errors are about (a policy), for `file:line` locations.
    file: Option<PathBuf>,
    /// Errors that are not rolegate's own (I/O, usage): code and message.
    other: Option<(&'static str, String)>,
    exit: u8,
}

impl Failure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            errors: Vec::new(),
            file: None,
            other: Some((code, escape_controls(&message.into()).into_owned())),
            exit: EXIT_ERROR,
        }
    }

    /// A text input that is not UTF-8, the same from every command.
    pub fn not_utf8(path: &Path) -> Failure {
        Failure::new(
            "NOT_UTF8",
            format!("`{}` is not UTF-8 text: save it as UTF-8", shown(path)),
        )
    }

    /// The system's words for an I/O error, without its errno: the numbers differ between
    /// this binary and the same CLI compiled to WASI for `npx rolegate`, the words do not.
    pub fn io(path: &Path, e: &std::io::Error) -> Failure {
        let text = e.to_string();
        let text = match (e.raw_os_error(), text.rfind(" (os error ")) {
            (Some(_), Some(at)) => &text[..at],
            _ => &text,
        };
        Failure::new("IO", format!("cannot access `{}`: {text}", shown(path)))
    }

    /// Every mistake found in a policy file.
    pub fn policy(errors: Vec<Error>, file: &Path) -> Failure {
        Failure {
            errors,
            file: Some(file.to_path_buf()),
            other: None,
            exit: EXIT_ERROR,
        }
    }

    /// The same failure, exiting with `exit` instead of 2.
    pub fn with_exit(mut self, exit: u8) -> Failure {
        self.exit = exit;
        self
    }

    pub fn report(&self, json: bool) -> ExitCode {
        if json {
            let mut errors: Vec<Value> = self
                .errors
                .iter()
                .map(|e| error_json(e, self.file.as_deref()))
                .collect();
            if let Some((code, message)) = &self.other {
                errors.push(json!({"code": code, "message": message}));
            }
            eprintln!("{}", json!({"errors": errors}));
        } else {
            for e in &self.errors {
                eprintln!("error[{}]: {}", e.code(), e.message());
                match (&self.file, e.line(), e.path()) {
                    (Some(file), Some(line), Some(path)) => {
                        eprintln!("  --> {}:{line} ({path})", file.display())
                    }
                    (Some(file), Some(line), None) => eprintln!("  --> {}:{line}", file.display()),
                    (_, _, Some(path)) => eprintln!("  --> {path}"),
                    _ => {}
                }
            }
            if let Some((code, message)) = &self.other {
                eprintln!("error[{code}]: {message}");
            }
        }
        ExitCode::from(self.exit)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure {
            errors: vec![e],
            file: None,
            other: None,
            exit: EXIT_ERROR,
        }
    }
}

pub fn error_json(e: &Error, file: Option<&Path>) -> Value {
    let mut v = e.to_json();
    if let Some(file) = file {
        set(&mut v, "file", json!(file.display().to_string()));
    }
    v
}

/// Prints a JSON document on stdout.
pub fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Sets a field of a JSON object (a no-op on anything else).
pub fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// How a path given on the command line is named in messages (`-` is standard input or output).
pub fn shown(path: &Path) -> String {
    if is_stdio(path) {
        "standard input/output".to_string()
    } else {
        path.display().to_string()
    }
}

/// Whether `path` is `-`: standard input where a file is read, standard output where one is written.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes `bytes` to the file `path`, or to standard output for `-`.
pub fn write_out(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if is_stdio(path) {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| Failure::io(path, &e));
    }
    std::fs::write(path, bytes).map_err(|e| Failure::io(path, &e))
}

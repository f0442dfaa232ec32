//! What every end-to-end test shares: a [`Sandbox`] (a temporary folder with its own ledger)
//! that runs the real `amity` binary, what one run did ([`Run`]), and small readers of its JSON
//! answers.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub const AMITY: &str = env!("CARGO_BIN_EXE_amity");

pub const CS: &str = "Colorado Springs, US-CO";
pub const SMOLENSK: &str = "Smolensk, RU";
pub const CS_SMOLENSK: &str = "ru:smolensk+us-co:colorado-springs";

/// What one run of `amity` did.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// The base command: the test environment, in `dir`, with no inherited store.
pub fn amity_in(dir: &Path) -> Command {
    let mut command = Command::new(AMITY);
    command
        .current_dir(dir)
        .env("AMITY_RECORDED_BY", "test")
        .env("COLUMNS", "200")
        .env_remove("AMITY_STORE")
        .env_remove("AMITY_PROJECTIONS")
        .env_remove("AMITY_SIGNING_KEY")
        .env_remove("RUST_LOG");
    command
}

/// A temporary folder with a ledger at `sqlite://<dir>/ledger.db`.
pub struct Sandbox {
    pub dir: TempDir,
    pub store: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = format!("sqlite://{}", dir.path().join("ledger.db").display());
        Sandbox { dir, store }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run `amity --store <ledger> ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = amity_in(self.path())
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .output()
            .expect("amity runs");
        Run::from(output)
    }

    /// Run and require success; the stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(
            run.success,
            "amity {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            run.code, run.stdout, run.stderr
        );
        run.stdout
    }

    /// Run with `--format json`, require success; the parsed stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let stdout = self.ok(&args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("amity {args:?}: not JSON ({error}):\n{stdout}"))
    }

    /// `status --format json`: the whole ledger, as a snapshot.
    /// Every partnership's status; none while no ledger file exists yet (reading commands
    /// refuse a missing ledger rather than create an empty one).
    pub fn status(&self) -> Vec<Value> {
        if !self.dir.path().join("ledger.db").exists() {
            return Vec::new();
        }
        match self.json(&["status"]) {
            Value::Array(rows) => rows,
            other => panic!("status is not a JSON array: {other}"),
        }
    }

    /// How many events the ledger holds in all.
    pub fn event_count(&self) -> u64 {
        self.status()
            .iter()
            .map(|row| row["events"].as_u64().expect("events is a number"))
            .sum()
    }

    /// `history … --format json`.
    pub fn history(&self, partnership: &[&str]) -> Value {
        let mut args = vec!["history"];
        args.extend_from_slice(partnership);
        self.json(&args)
    }

    /// Record a lifecycle event between Colorado Springs and Smolensk; its event id.
    pub fn record(&self, command: &str, occurred: &str, extra: &[&str]) -> String {
        let mut args = vec![command, CS, SMOLENSK, "--occurred", occurred];
        args.extend_from_slice(extra);
        let out = self.json(&args);
        assert_eq!(out["recorded"], Value::Bool(true), "{out}");
        out["event_id"].as_str().expect("event_id").to_owned()
    }

    /// Run a command that must fail: exit code non-zero, exactly one `error:` line on stderr,
    /// nothing on stdout, and the ledger unchanged. The error line.
    pub fn fails(&self, args: &[&str]) -> String {
        let before = self.status();
        let run = self.run(args);
        assert!(
            !run.success,
            "amity {args:?} should fail but succeeded:\n{}",
            run.stdout
        );
        assert_ne!(run.code, Some(0));
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "amity {args:?}: expected one line on stderr, got:\n{}",
            run.stderr
        );
        assert!(
            lines[0].starts_with("error:"),
            "amity {args:?}: stderr does not start with 'error:': {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "amity {args:?}: unexpected stdout on failure:\n{}",
            run.stdout
        );
        assert_eq!(
            self.status(),
            before,
            "amity {args:?} failed but changed the ledger"
        );
        lines[0].to_owned()
    }

    /// The example ledger.
    pub fn example(&self) -> String {
        self.ok(&["example"])
    }
}

pub fn strings(values: &Value, field: &str) -> Vec<String> {
    values
        .as_array()
        .expect("an array")
        .iter()
        .map(|value| match &value[field] {
            Value::String(text) => text.clone(),
            Value::Null => "null".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

pub fn events(history: &Value) -> &Vec<Value> {
    history["events"].as_array().expect("history has events")
}

pub fn absent_or_null(value: &Value, field: &str) -> bool {
    value.get(field).is_none_or(Value::is_null)
}

/// A ledger with one founding, so that "nothing written" is checked against real content.
pub fn founded_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    sandbox
}

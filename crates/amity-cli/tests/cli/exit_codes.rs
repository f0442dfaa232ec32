//! Exit codes (0 done, 1 bad input or a rule violation, 2 usage, 3 infrastructure, 4 a check
//! not finished: that one is in `honest`), the one-line report of a server that cannot be
//! reached, and what `-v`, `-q` and `RUST_LOG` log.

use std::path::Path;

use super::{amity_in, Run, Sandbox, CS, SMOLENSK};

/// Run `amity ARGS…` in `dir` with extra environment variables.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = amity_in(dir);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    Run::from(command.output().expect("amity runs"))
}

/// The run failed with `code` and said so in one `error:` line, and nothing else.
fn assert_fails_with(run: &Run, code: i32) -> &str {
    assert_eq!(run.code, Some(code), "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {run:?}");
    assert!(lines[0].starts_with("error: "), "{run:?}");
    lines[0]
}

#[test]
fn a_rule_violation_and_bad_input_exit_with_1() {
    let sandbox = Sandbox::new();
    // An impossible event: suspended before any founding.
    let run = sandbox.run(&["suspend", CS, SMOLENSK, "--occurred", "2022-03"]);
    assert_fails_with(&run, 1);
    // A date that is not EDTF.
    let run = sandbox.run(&["found", CS, SMOLENSK, "--occurred", "1993-13"]);
    assert_fails_with(&run, 1);
    sandbox.ok(&["found", CS, SMOLENSK, "--occurred", "1993"]);
    // An unknown partnership.
    let run = sandbox.run(&["history", "ru:moscow+us-co:denver"]);
    assert_fails_with(&run, 1);
}

#[test]
fn usage_errors_exit_with_2() {
    let sandbox = Sandbox::new();
    // clap's own: an unknown subcommand, an unknown option.
    let run = sandbox.run(&["frobnicate"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    let run = sandbox.run(&["status", "--no-such-option"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    // Ours: options that do not go together, a value the command does not take.
    sandbox.ok(&["found", CS, SMOLENSK, "--occurred", "1993"]);
    let run = sandbox.run(&["export", "--format", "csv"]);
    assert_fails_with(&run, 2);
    let run = sandbox.run(&["import", "--format", "table", "events.jsonl"]);
    assert_fails_with(&run, 2);
    let run = sandbox.run(&["--projections", "p.db", "status"]);
    assert_fails_with(&run, 2);
    let run = run_in(
        sandbox.path(),
        &["--store", "ftp://example.org/ledger", "status"],
        &[],
    );
    assert_fails_with(&run, 2);
    // A value the option does not take: clap names the option and the values it takes
    // (certainty, step and view are closed lists).
    for (args, option, values) in [
        (
            &[
                "suspend",
                CS,
                SMOLENSK,
                "--occurred",
                "2000",
                "--certainty",
                "sure",
            ][..],
            "--certainty",
            "confirmed, probable, possible, disputed",
        ),
        (
            &[
                "series", "--cohort", "US:RU", "--from", "1990", "--to", "2024", "--step", "week",
            ],
            "--step",
            "year, month",
        ),
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(run.stderr.contains(option), "{run:?}");
        assert!(run.stderr.contains(values), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
    // -v and -q contradict each other.
    let run = sandbox.run(&["-v", "-q", "status"]);
    assert_eq!(run.code, Some(2), "{run:?}");
}

#[test]
fn an_unreachable_postgres_server_is_one_line_and_exits_with_3() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 1.
    let run = run_in(
        dir.path(),
        &["--store", "postgres://postgres@127.0.0.1:1/none", "status"],
        &[],
    );
    let line = assert_fails_with(&run, 3);
    assert_eq!(
        line,
        "error: cannot reach PostgreSQL at 127.0.0.1:1: connection refused"
    );
}

#[test]
fn an_unreachable_kurrentdb_server_is_one_line_and_exits_with_3() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 1; the client's own error lines stay hidden, even with -v.
    for verbosity in [None, Some("-v")] {
        let mut args = vec!["--store", "esdb://127.0.0.1:1?tls=false", "status"];
        args.extend(verbosity);
        let run = run_in(dir.path(), &args, &[]);
        assert_eq!(run.code, Some(3), "{run:?}");
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|line| line.starts_with("error: "))
            .collect();
        assert_eq!(
            errors,
            ["error: cannot reach KurrentDB at 127.0.0.1:1: connection refused"],
            "{run:?}"
        );
        // (-v shows the client's report in amity's own debug line, not the client's lines.)
        assert!(!run.stderr.contains(" eventstore::"), "{run:?}");
        if verbosity.is_none() {
            assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
        }
    }
}

#[test]
fn a_ledger_or_file_that_cannot_be_written_exits_with_3() {
    let sandbox = Sandbox::new();
    let missing = sandbox.path().join("no-such-folder").join("ledger.db");
    let store = format!("sqlite://{}", missing.display());
    let run = run_in(
        sandbox.path(),
        &[
            "--store",
            &store,
            "found",
            CS,
            SMOLENSK,
            "--occurred",
            "1993",
        ],
        &[],
    );
    assert_fails_with(&run, 3);
    sandbox.ok(&["found", CS, SMOLENSK, "--occurred", "1993"]);
    let run = sandbox.run(&["export", "--format", "jsonl", "no-such-folder/events.jsonl"]);
    assert_fails_with(&run, 3);
}

#[test]
fn help_lists_the_exit_codes() {
    let sandbox = Sandbox::new();
    let help = sandbox.ok(&["--help"]);
    for code in [
        "0  done",
        "1  bad input",
        "2  usage",
        "3  infrastructure",
        "4  a check",
    ] {
        assert!(help.contains(code), "{code:?} in:\n{help}");
    }
}

#[test]
fn verbosity_and_rust_log_choose_what_is_logged() {
    let sandbox = Sandbox::new();
    // Quiet by default: a recording prints its result, and nothing on stderr.
    let run = sandbox.run(&["found", CS, SMOLENSK, "--occurred", "1993"]);
    assert!(run.success, "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    // -v: each command's span, the ledger's and the store's calls with their timings.
    let run = sandbox.run(&["-v", "attest", CS, SMOLENSK, "--occurred", "2000"]);
    assert!(run.success, "{run:?}");
    for expected in [
        "command{command=attest}",
        "ledger.record_all",
        "store.append",
    ] {
        assert!(run.stderr.contains(expected), "{expected} in {run:?}");
    }
    assert!(run.stderr.contains("elapsed="), "{run:?}");
    // -vv adds every read.
    let run = sandbox.run(&["-vv", "status"]);
    assert!(run.stderr.contains("store.read_all"), "{run:?}");
    // RUST_LOG, when set, wins over -v.
    let run = run_in(
        sandbox.path(),
        &["--store", &sandbox.store, "-v", "status"],
        &[("RUST_LOG", "off")],
    );
    assert!(run.success, "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    let run = run_in(
        sandbox.path(),
        &["--store", &sandbox.store, "rebuild"],
        &[("RUST_LOG", "amity_projections=debug")],
    );
    assert!(run.stderr.contains("projections.rebuild"), "{run:?}");
    assert!(!run.stderr.contains("store.feed_summary"), "{run:?}");
}

#[test]
fn a_file_that_cannot_be_read_exits_with_3_whatever_its_format() {
    let sandbox = Sandbox::new();
    for format in ["jsonl", "csv"] {
        let run = sandbox.run(&["import", "--format", format, "missing.file"]);
        let line = assert_fails_with(&run, 3);
        assert!(line.starts_with("error: missing.file: "), "{run:?}");
    }
}

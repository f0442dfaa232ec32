//! Hardening (issue 19): the files amity writes never follow a symbolic link (exports, the
//! chart, signing keys, SQLite ledger and projection files), a failed export leaves nothing
//! behind, dates may begin with `-` (EDTF negative years), a closed stdout ends quietly, and
//! an error says SQLite's reason once.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;

use super::support::*;

/// The names in a folder that a write left behind (`.amity-….partial`).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.contains("partial"))
        .collect()
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|found| found.file_type().is_symlink())
}

#[test]
fn export_does_not_follow_a_link_planted_at_the_old_partial_name() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let victim = sandbox.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    symlink(&victim, sandbox.path().join("out.jsonl.partial")).unwrap();
    sandbox.ok(&["export", "--format", "jsonl", "out.jsonl"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let written = std::fs::read_to_string(sandbox.path().join("out.jsonl")).unwrap();
    assert_eq!(written, sandbox.ok(&["export", "--format", "jsonl"]));
}

#[test]
fn export_replaces_a_link_at_its_destination_and_leaves_what_it_pointed_to() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let victim = sandbox.path().join("victim.csv");
    std::fs::write(&victim, "precious\n").unwrap();
    let destination = sandbox.path().join("status.csv");
    symlink(&victim, &destination).unwrap();
    sandbox.ok(&[
        "export",
        "--format",
        "csv",
        "--view",
        "status",
        "status.csv",
    ]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        !is_link(&destination),
        "the link was followed, not replaced"
    );
    let written = std::fs::read_to_string(&destination).unwrap();
    assert!(written.starts_with("partnership,"), "{written}");
    assert!(
        leftovers(sandbox.path()).is_empty(),
        "{:?}",
        leftovers(sandbox.path())
    );
}

#[test]
fn an_export_that_fails_half_way_leaves_no_partial_file_and_the_destination_alone() {
    let sandbox = Sandbox::new();
    sandbox.example();
    std::fs::write(sandbox.path().join("keep.jsonl"), "precious\n").unwrap();
    // The last stored event's metadata is not JSON: the export fails after writing the others.
    let connection = rusqlite::Connection::open(sandbox.path().join("ledger.db")).unwrap();
    connection
        .execute_batch(
            "UPDATE events SET metadata = 'not json' \
             WHERE position = (SELECT max(position) FROM events);",
        )
        .unwrap();
    drop(connection);
    let run = sandbox.run(&["export", "--format", "jsonl", "keep.jsonl"]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("metadata"), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("keep.jsonl")).unwrap(),
        "precious\n"
    );
    assert!(
        leftovers(sandbox.path()).is_empty(),
        "{:?}",
        leftovers(sandbox.path())
    );
}

#[test]
fn the_chart_replaces_a_link_at_its_path_and_leaves_what_it_pointed_to() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let victim = sandbox.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let chart = sandbox.path().join("chart.svg");
    symlink(&victim, &chart).unwrap();
    sandbox.ok(&[
        "series",
        "--from",
        "1990",
        "--to",
        "2024",
        "--chart",
        "chart.svg",
    ]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(!is_link(&chart), "the link was followed, not replaced");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    assert!(
        leftovers(sandbox.path()).is_empty(),
        "{:?}",
        leftovers(sandbox.path())
    );
}

#[test]
fn a_signing_key_is_never_written_through_a_link_nor_over_a_file_and_is_private() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // A link to nothing: writing through it would create the key where it points.
    let elsewhere = sandbox.path().join("elsewhere.key");
    symlink(&elsewhere, sandbox.path().join("dangling.key")).unwrap();
    let run = sandbox.run(&["key", "generate", "dangling.key"]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("dangling.key"), "{run:?}");
    assert!(
        run.stderr.contains("never written over a file (or a link)"),
        "{run:?}"
    );
    assert!(!elsewhere.exists(), "the key was written through the link");
    // A link to an existing file, and the file itself: both untouched.
    let victim = sandbox.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    symlink(&victim, sandbox.path().join("linked.key")).unwrap();
    for path in ["linked.key", "victim.txt"] {
        let run = sandbox.run(&["key", "generate", path]);
        assert!(!run.success, "{path}: {run:?}");
        assert!(run.stderr.contains("never written over"), "{run:?}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }
    // A new key: mode 0600, nothing left beside it.
    sandbox.ok(&["key", "generate", "new.key"]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sandbox.path().join("new.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(
        leftovers(sandbox.path()).is_empty(),
        "{:?}",
        leftovers(sandbox.path())
    );
}

#[test]
fn a_ledger_path_that_is_a_link_to_nothing_is_refused_naming_it() {
    let sandbox = Sandbox::new();
    let elsewhere = sandbox.path().join("elsewhere.db");
    let link = sandbox.path().join("link.db");
    symlink(&elsewhere, &link).unwrap();
    let store = format!("sqlite://{}", link.display());
    let run = Run::from(
        amity_in(sandbox.path())
            .args([
                "--store",
                &store,
                "found",
                CS,
                SMOLENSK,
                "--occurred",
                "1993",
            ])
            .output()
            .unwrap(),
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains(&link.display().to_string()), "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{run:?}");
    assert!(
        !elsewhere.exists(),
        "the ledger was created through the link"
    );
}

#[test]
fn a_link_to_an_existing_ledger_is_opened() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    let link = sandbox.path().join("link.db");
    symlink(sandbox.path().join("ledger.db"), &link).unwrap();
    let store = format!("sqlite://{}", link.display());
    let run = Run::from(
        amity_in(sandbox.path())
            .args(["--store", &store, "status", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert!(run.success, "{run:?}");
    assert!(run.stdout.contains(CS_SMOLENSK), "{run:?}");
}

#[test]
fn a_projections_file_that_is_a_link_to_nothing_is_refused_naming_it() {
    let sandbox = Sandbox::new();
    let elsewhere = sandbox.path().join("elsewhere.db");
    let link = sandbox.path().join("tables.db");
    symlink(&elsewhere, &link).unwrap();
    let run = Run::from(
        amity_in(sandbox.path())
            .args([
                "--store",
                "memory://",
                "--projections",
                "tables.db",
                "status",
            ])
            .output()
            .unwrap(),
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("tables.db"), "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{run:?}");
    assert!(!elsewhere.exists(), "the file was created through the link");
}

#[test]
fn sqlites_reason_for_a_ledger_that_cannot_be_opened_is_said_once() {
    let sandbox = Sandbox::new();
    let run = Run::from(
        amity_in(sandbox.path())
            .args([
                "--store",
                "sqlite:///nonexistent-dir/x.db",
                "found",
                CS,
                SMOLENSK,
                "--occurred",
                "1993",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, Some(3), "{run:?}");
    let said = run.stderr.to_lowercase().matches("unable to open").count();
    assert_eq!(said, 1, "{}", run.stderr);
    assert!(run.stderr.contains("/nonexistent-dir/x.db"), "{run:?}");
}

#[test]
fn a_negative_edtf_year_is_taken_where_a_date_is_expected() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "-0500", &[]);
    let history = sandbox.history(&[CS_SMOLENSK]);
    assert_eq!(events(&history)[0]["occurred"], "-0500", "{history}");
    // As the value of other date options too.
    let status = sandbox.json(&["status", "--as-of", "-0400"]);
    assert_eq!(status[0]["status"], "active", "{status}");
    sandbox.ok(&["changes", "--from", "-0600", "--to", "-0400"]);
}

/// Run amity with stdout a pipe whose reader is gone: success, and nothing on stderr.
fn into_a_closed_pipe(sandbox: &Sandbox, args: &[&str]) -> Run {
    let mut child = amity_in(sandbox.path())
        .arg("--store")
        .arg(&sandbox.store)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("amity runs");
    // The reader goes away before amity writes anything.
    drop(child.stdout.take());
    Run::from(child.wait_with_output().expect("amity ends"))
}

#[test]
fn output_into_a_pipe_closed_early_ends_quietly() {
    let sandbox = Sandbox::new();
    sandbox.example();
    for args in [
        &["status"][..],
        &["status", "--format", "csv"],
        &["export", "--format", "jsonl"],
        &["export", "--format", "csv", "--view", "timeline"],
        &["history", CS_SMOLENSK, "--format", "json"],
        &[
            "changes", "--from", "1990", "--to", "2026", "--format", "json",
        ],
        &[
            "changes", "--from", "1990", "--to", "2026", "--format", "csv",
        ],
    ] {
        let run = into_a_closed_pipe(&sandbox, args);
        assert!(run.success, "amity {args:?}: {run:?}");
        assert_eq!(run.stderr, "", "amity {args:?}");
    }
}

//! End-to-end tests of import and export: the JSON Lines archive (`import`/`export --format
//! jsonl`: exact round trip, idempotence, resuming an import killed half-way, bad lines), the
//! lifecycle CSV import (`import --format csv`) and the CSV views (`export --format csv --view
//! status|timeline`).
//!
//! The rules under test (crates/amity-ledger/src/archive/, crates/amity-ledger/src/import/csv/,
//! README "Import and export"): an export imported into an empty ledger exports again byte for
//! byte; importing twice adds nothing; the whole file is validated first and, without
//! `--skip-invalid`, nothing is written if one row is bad; bad rows are reported as
//! `FILE:LINE: field: reason`; one summary line ends every import.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{amity_in, events, strings, Run, Sandbox, AMITY, CS, CS_SMOLENSK, SMOLENSK};

const KAOHSIUNG: &str = "Kaohsiung, TW";
const CS_KAOHSIUNG: &str = "tw:kaohsiung+us-co:colorado-springs";

/// Lines per atomic batch of a JSON Lines import (`amity_ledger::archive::BATCH_LINES`).
const BATCH_LINES: usize = 2_000;

/// The lifecycle CSV header, in documentation order.
const CSV_HEADER: &str = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,\
                          occurred,term_as_written,certainty,source_title,source_publisher,\
                          source_url,source_date,note";

// ---------------------------------------------------------------------------------------------
// Helpers.

/// The summary line of an import.
fn summary(file: &str, read: usize, written: usize, duplicates: usize, rejected: usize) -> String {
    format!(
        "{file}: {read} rows read, {written} events written, {duplicates} duplicates skipped, \
         {rejected} rows rejected"
    )
}

/// The error line of an import refused because of bad rows.
fn refused(summary: &str) -> String {
    format!("error: {summary}; nothing was written (fix the rows, or use --skip-invalid)")
}

/// The ledger's archive (`export --format jsonl` to stdout); empty while no ledger file exists.
fn archive(sandbox: &Sandbox) -> String {
    if !sandbox.path().join("ledger.db").exists() {
        return String::new();
    }
    sandbox.ok(&["export", "--format", "jsonl"])
}

/// How many events the ledger holds, milestones included.
fn stored_events(sandbox: &Sandbox) -> usize {
    archive(sandbox).lines().count()
}

/// Write a file into the sandbox's folder.
fn write(sandbox: &Sandbox, name: &str, contents: impl AsRef<[u8]>) {
    std::fs::write(sandbox.path().join(name), contents).expect("write a test file");
}

/// Read a file of the sandbox's folder.
fn read(sandbox: &Sandbox, name: &str) -> String {
    std::fs::read_to_string(sandbox.path().join(name)).expect("read a test file")
}

/// `import --format FORMAT FILE EXTRA…`.
fn import(sandbox: &Sandbox, format: &str, file: &str, extra: &[&str]) -> Run {
    let mut args = vec!["import", "--format", format, file];
    args.extend_from_slice(extra);
    sandbox.run(&args)
}

/// An import that must succeed: its stdout is exactly `expected` (the summary line).
fn import_ok(sandbox: &Sandbox, format: &str, file: &str, extra: &[&str], expected: &str) -> Run {
    let run = import(sandbox, format, file, extra);
    assert!(
        run.success,
        "import {format} {file} {extra:?} failed: {run:?}"
    );
    assert_eq!(run.stdout.trim_end(), expected, "{run:?}");
    run
}

/// Record a lifecycle event between two parties; its event id.
fn record_between(sandbox: &Sandbox, command: &str, a: &str, b: &str, occurred: &str) -> String {
    record_with(sandbox, command, a, b, occurred, &[])
}

/// Record a lifecycle event with more options; its event id.
fn record_with(
    sandbox: &Sandbox,
    command: &str,
    a: &str,
    b: &str,
    occurred: &str,
    extra: &[&str],
) -> String {
    let mut args = vec![command, a, b, "--occurred", occurred];
    args.extend_from_slice(extra);
    let out = sandbox.json(&args);
    assert_eq!(out["recorded"], Value::Bool(true), "{out}");
    out["event_id"].as_str().expect("event_id").to_owned()
}

/// The example ledger and, on top of it, events of several streams recorded alternately: a
/// termination later retracted, a milestone, a disputed reinstatement, a citation and an
/// attestation with a source.
fn example_with_more(sandbox: &Sandbox) {
    sandbox.example();
    let ended = record_between(sandbox, "terminate", CS, KAOHSIUNG, "2005");
    let milestone = sandbox.ok(&[
        "milestone",
        "add",
        "archive-test-2023",
        "--title",
        "A milestone recorded for the archive test",
        "--occurred",
        "2023-05",
        "--source-title",
        "Minutes",
        "--source-url",
        "https://example.org/minutes",
    ]);
    assert!(milestone.contains("archive-test-2023"), "{milestone}");
    let retract = sandbox.json(&["retract", &ended, "--reason", "misread the list"]);
    assert_eq!(retract["recorded"], true, "{retract}");
    record_with(
        sandbox,
        "reinstate",
        CS,
        SMOLENSK,
        "2024",
        &["--certainty", "disputed", "--note", "one blog says so"],
    );
    let founded = events(&sandbox.history(&[CS_SMOLENSK]))[0]["event_id"]
        .as_str()
        .expect("event_id")
        .to_owned();
    let cite = sandbox.json(&[
        "cite",
        &founded,
        "--source-title",
        "Sister Cities directory",
        "--source-url",
        "https://example.org/directory",
    ]);
    assert_eq!(cite["recorded"], true, "{cite}");
    record_with(
        sandbox,
        "attest",
        CS,
        KAOHSIUNG,
        "2023",
        &[
            "--term",
            "sister city",
            "--source-title",
            "City website",
            "--source-date",
            "2023-06",
        ],
    );
}

/// Everything a reader sees of a ledger: status, every partnership's history, the milestones.
fn views(sandbox: &Sandbox) -> (Value, Vec<Value>, Value) {
    let status = sandbox.json(&["status"]);
    let histories = strings(&status, "partnership")
        .iter()
        .map(|id| sandbox.history(&[id]))
        .collect();
    let milestones = sandbox.json(&["milestone", "list"]);
    (status, histories, milestones)
}

/// Where two texts first differ, by line, for failure messages.
fn first_difference(expected: &str, actual: &str) -> String {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    match (0..expected.len().max(actual.len())).find(|&i| expected.get(i) != actual.get(i)) {
        None => "no difference by line".to_owned(),
        Some(i) => format!(
            "line {}:\nexpected: {}\nactual:   {}",
            i + 1,
            expected
                .get(i)
                .map_or("(none)", |line| &line[..line.len().min(220)]),
            actual
                .get(i)
                .map_or("(none)", |line| &line[..line.len().min(220)]),
        ),
    }
}

/// The event ids of an archive's lines.
fn event_ids(archive: &str) -> Vec<String> {
    archive
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).expect("an archive line is JSON");
            line["event_id"].as_str().expect("event_id").to_owned()
        })
        .collect()
}

/// A CSV file with a header, one `founded` and one `attested` row per partnership.
fn generated_csv(partnerships: usize) -> String {
    let mut csv = String::with_capacity(partnerships * 120);
    csv.push_str(CSV_HEADER);
    csv.push('\n');
    for i in 0..partnerships {
        let year = 1950 + i % 70;
        csv.push_str(&format!(
            "Town {i},US,US-CO,Ville {i},FR,,,founded,{year},,,Registry,Registry office,,,\n\
             Town {i},US,US-CO,Ville {i},FR,,,attested,2021,,probable,,,,,row {i}\n"
        ));
    }
    csv
}

// ---------------------------------------------------------------------------------------------
// JSON Lines archives.

#[test]
fn jsonl_round_trip_into_an_empty_ledger_is_exact() {
    let a = Sandbox::new();
    example_with_more(&a);
    let export = a.run(&["export", "--format", "jsonl", "a.jsonl"]);
    assert!(export.success, "{export:?}");
    assert!(export.stdout.is_empty(), "{export:?}");
    let original = read(&a, "a.jsonl");
    let count = original.lines().count();
    // 25 events and 3 milestones of the example, 5 more events and 1 more milestone.
    assert_eq!(count, 34);
    assert_eq!(
        export.stderr.trim_end(),
        format!("exported {count} events to a.jsonl")
    );
    // The archive to stdout is the same.
    assert_eq!(archive(&a), original);

    let b = Sandbox::new();
    write(&b, "a.jsonl", &original);
    import_ok(
        &b,
        "jsonl",
        "a.jsonl",
        &[],
        &summary("a.jsonl", count, count, 0, 0),
    );

    // Ids, transaction times, sources, retractions, disputes and milestones are kept.
    let (status_a, histories_a, milestones_a) = views(&a);
    let (status_b, histories_b, milestones_b) = views(&b);
    assert_eq!(status_b, status_a);
    assert_eq!(histories_b.len(), 23);
    for (b_history, a_history) in histories_b.iter().zip(&histories_a) {
        assert_eq!(b_history, a_history);
    }
    assert_eq!(milestones_b, milestones_a);
    let kaohsiung = b.history(&[CS_KAOHSIUNG]);
    assert_eq!(
        strings(&kaohsiung["events"], "type"),
        [
            "PartnershipFounded",
            "PartnershipTerminated",
            "EntryRetracted",
            "PartnershipAttested"
        ]
    );
    assert_eq!(kaohsiung["status"], "active");
    let smolensk = b.history(&[CS_SMOLENSK]);
    assert_eq!(smolensk["status"], "suspended");
    assert!(
        events(&smolensk)
            .iter()
            .any(|event| event["type"] == "PartnershipReinstated" && event["disputed"] == true),
        "{smolensk}"
    );

    // Exported again: the same file, byte for byte (the same lines, in the same global order).
    let again = b.run(&["export", "--format", "jsonl", "b.jsonl"]);
    assert!(again.success, "{again:?}");
    let exported = read(&b, "b.jsonl");
    let sorted = |text: &str| text.lines().map(str::to_owned).collect::<BTreeSet<_>>();
    assert_eq!(
        sorted(&exported),
        sorted(&original),
        "the re-export holds other lines"
    );
    assert!(
        exported == original,
        "the re-export has the same lines in another order (global order not kept by the \
         import); first difference at {}",
        first_difference(&original, &exported)
    );
}

#[test]
fn importing_an_archive_twice_adds_nothing() {
    let a = Sandbox::new();
    example_with_more(&a);
    a.ok(&["export", "--format", "jsonl", "a.jsonl"]);
    let original = read(&a, "a.jsonl");
    let count = original.lines().count();

    let b = Sandbox::new();
    write(&b, "a.jsonl", &original);
    import_ok(
        &b,
        "jsonl",
        "a.jsonl",
        &[],
        &summary("a.jsonl", count, count, 0, 0),
    );
    let first = archive(&b);
    let status = b.status();
    assert_eq!(first.lines().count(), count);

    let run = import_ok(
        &b,
        "jsonl",
        "a.jsonl",
        &[],
        &summary("a.jsonl", count, 0, count, 0),
    );
    assert_eq!(run.stderr, "", "{run:?}");
    assert_eq!(archive(&b), first);
    assert_eq!(b.status(), status);

    // Into the ledger it came from: nothing new either.
    let before = archive(&a);
    import_ok(
        &a,
        "jsonl",
        "a.jsonl",
        &[],
        &summary("a.jsonl", count, 0, count, 0),
    );
    assert_eq!(archive(&a), before);
}

#[test]
#[cfg(unix)]
fn an_import_killed_half_way_finishes_when_run_again() {
    use std::os::unix::process::ExitStatusExt;

    // Ledger A: 12,000 partnerships from a CSV file, two events each.
    let a = Sandbox::new();
    let partnerships = 12_000;
    write(&a, "many.csv", generated_csv(partnerships));
    let rows = 2 * partnerships;
    import_ok(
        &a,
        "csv",
        "many.csv",
        &[],
        &summary("many.csv", rows, rows, 0, 0),
    );
    a.ok(&["export", "--format", "jsonl", "a.jsonl"]);
    let path = a.path().join("a.jsonl");
    let original = std::fs::read_to_string(&path).expect("the archive");
    assert_eq!(original.lines().count(), rows);
    let file = path.display().to_string();

    // Ledger B: the import is killed (SIGKILL) once B's files have grown by a few batches.
    let b = Sandbox::new();
    let size = |dir: &Path| -> u64 {
        ["ledger.db", "ledger.db-wal"]
            .iter()
            .map(|name| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len()))
            .sum()
    };
    let mut child = amity_in(b.path())
        .args(["--store", &b.store, "import", "--format", "jsonl", &file])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("amity starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for amity") {
            break status;
        }
        if size(b.path()) > 2 << 20 || started.elapsed() > Duration::from_secs(120) {
            child.kill().expect("kill amity");
            break child.wait().expect("amity ends");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let killed = status.signal() == Some(9);
    assert!(
        killed || status.success(),
        "the import neither finished nor was killed: {status:?}"
    );
    let partial = archive(&b);
    let written = partial.lines().count();
    if killed {
        println!(
            "killed after {:?}: {written} of {rows} events written",
            started.elapsed()
        );
    } else {
        println!(
            "the import finished before the kill ({:?}); checking the end state only",
            started.elapsed()
        );
    }
    // Batches are atomic, and written in the archive's order.
    assert_eq!(
        written % BATCH_LINES,
        0,
        "{written} events: not a whole number of batches"
    );
    assert!(
        original.starts_with(&partial),
        "what was written is not the start of the archive: {}",
        first_difference(&original, &partial)
    );

    // Run again: it finishes the job and writes nothing twice.
    import_ok(
        &b,
        "jsonl",
        &file,
        &[],
        &summary(&file, rows, rows - written, written, 0),
    );
    let exported = archive(&b);
    assert_eq!(exported.lines().count(), rows);
    let ids = event_ids(&exported);
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        rows,
        "duplicate event ids"
    );
    assert!(
        exported == original,
        "the ledger differs from the archive: {}",
        first_difference(&original, &exported)
    );
    // A third run writes nothing.
    import_ok(&b, "jsonl", &file, &[], &summary(&file, rows, 0, rows, 0));
    assert_eq!(archive(&b), original);
}

/// The lines of the example ledger's archive.
fn example_archive() -> Vec<String> {
    let a = Sandbox::new();
    a.example();
    archive(&a).lines().map(str::to_owned).collect()
}

/// The first archive line of this stream at this version.
fn line_of<'a>(lines: &'a [String], stream: &str, version: u64) -> &'a str {
    lines
        .iter()
        .find(|line| {
            let value: Value = serde_json::from_str(line).expect("JSON");
            value["stream"] == stream && value["stream_version"] == version
        })
        .unwrap_or_else(|| panic!("no line of {stream} v{version}"))
}

/// An archive line changed by `change` (serialized again: the keys come out sorted).
fn changed(line: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(line).expect("JSON");
    change(&mut value);
    serde_json::to_string(&value).expect("serializes")
}

/// An archive line with a 0xFF byte at the start of its first source title.
fn with_invalid_utf8(line: &str) -> Vec<u8> {
    let marker = "\"title\":\"";
    let at = line.find(marker).expect("a source title") + marker.len();
    let mut bytes = line.as_bytes().to_vec();
    bytes.insert(at, 0xff);
    assert!(std::str::from_utf8(&bytes).is_err());
    bytes
}

/// Check rejected rows: `(line, field, words)`, in this order, each `FILE:LINE: field: …`
/// with the words in the reason.
fn assert_rejected(stderr_lines: &[&str], file: &str, expected: &[(usize, &str, &str)]) {
    let listed: Vec<String> = expected
        .iter()
        .map(|(line, field, _)| format!("{file}:{line}: {field}: "))
        .collect();
    assert_eq!(
        stderr_lines.len(),
        expected.len(),
        "expected rejected rows {listed:?}, got:\n{}",
        stderr_lines.join("\n")
    );
    for ((line, field, words), got) in expected.iter().zip(stderr_lines) {
        let prefix = format!("{file}:{line}: {field}: ");
        assert!(
            got.starts_with(&prefix),
            "expected {prefix}…, got {got}\nall:\n{}",
            stderr_lines.join("\n")
        );
        assert!(got.contains(words), "expected {words:?} in {got}");
    }
}

const FUJIYOSHIDA: &str = "jp:fujiyoshida+us-co:colorado-springs";
const BISHKEK: &str = "kg:bishkek+us-co:colorado-springs";
const NUEVO_CASAS_GRANDES: &str = "mx:nuevo-casas-grandes+us-co:colorado-springs";
const BANKSTOWN: &str = "au:bankstown+us-co:colorado-springs";
const OLYMPIA: &str = "gr:ancient-olympia+us-co:colorado-springs";
const AXUM: &str = "et:axum+us-co:denver";
const MARIBOR: &str = "si:maribor+us-co:pueblo";
const BERGAMO: &str = "it:bergamo+us-co:pueblo";
const CHIHUAHUA: &str = "mx:chihuahua+us-co:pueblo";

/// An archive of 14 lines, from the example ledger's archive `lines`: 4 valid (1, 2, 7, 11), a
/// blank one (12), the others bad in one way each (see [`BAD_LINES`]).
fn bad_archive(lines: &[String]) -> Vec<u8> {
    let mut file: Vec<Vec<u8>> = Vec::new();
    let add = |file: &mut Vec<Vec<u8>>, line: &str| file.push(line.as_bytes().to_vec());
    // 1, 2: valid.
    add(&mut file, line_of(lines, FUJIYOSHIDA, 0));
    add(&mut file, line_of(lines, CS_KAOHSIUNG, 0));
    // 3: not JSON (cut short).
    add(&mut file, &line_of(lines, AXUM, 0)[..60]);
    // 4: an unknown type.
    let merged = changed(line_of(lines, BISHKEK, 0), |v| {
        v["type"] = "PartnershipMerged".into();
    });
    add(&mut file, &merged);
    // 5: a payload without its certainty (the decoder requires it; for `occurred`, which it
    // does not, see `an_archive_payload_without_its_date_is_rejected`).
    let unsure = changed(line_of(lines, NUEVO_CASAS_GRANDES, 0), |v| {
        v["payload"]
            .as_object_mut()
            .expect("payload")
            .remove("certainty");
    });
    add(&mut file, &unsure);
    // 6: a lifecycle payload about another partnership than its stream.
    let elsewhere = changed(line_of(lines, BANKSTOWN, 0), |v| {
        v["stream"] = OLYMPIA.into();
    });
    add(&mut file, &elsewhere);
    // 7: valid; 8: a version gap after it.
    add(&mut file, line_of(lines, CS_SMOLENSK, 0));
    add(&mut file, line_of(lines, CS_SMOLENSK, 2));
    // 9: an invalid UTF-8 byte in a source title.
    file.push(with_invalid_utf8(line_of(lines, MARIBOR, 0)));
    // 10: a later line of the stream of a rejected line (4).
    let later = changed(line_of(lines, BISHKEK, 0), |v| {
        v["event_id"] = "0190a5d2-4444-7000-8000-000000000004".into();
        v["stream_version"] = 1.into();
        v["type"] = "PartnershipAttested".into();
    });
    add(&mut file, &later);
    // 11: valid (a milestone); 12: blank (not a row).
    add(&mut file, line_of(lines, "milestones", 0));
    add(&mut file, "");
    // 13: an unknown envelope field; 14: a transaction time that is not one.
    let extra = changed(line_of(lines, BERGAMO, 0), |v| {
        v["extra"] = 1.into();
    });
    add(&mut file, &extra);
    let undated_record = changed(line_of(lines, CHIHUAHUA, 0), |v| {
        v["recorded_at"] = "yesterday".into();
    });
    add(&mut file, &undated_record);
    let mut bytes = file.join(&b'\n');
    bytes.push(b'\n');
    bytes
}

/// The rejected lines of [`bad_archive`]: line, field, words of the reason.
const BAD_LINES: [(usize, &str, &str); 9] = [
    (3, "line", "EOF"),
    (4, "type", "PartnershipMerged"),
    (5, "/payload/certainty", "missing field"),
    (6, "stream", BANKSTOWN),
    (8, "stream_version", "expected 1"),
    (9, "line", "UTF-8"),
    (10, "stream_version", "rejected line"),
    (13, "line", "unknown field `extra`"),
    (14, "recorded_at", ""),
];

/// A ledger with one partnership already, so that "nothing written" means something.
fn paris_rome() -> Sandbox {
    let sandbox = Sandbox::new();
    record_between(&sandbox, "found", "Paris, FR", "Rome, IT", "1956");
    sandbox
}

#[test]
fn bad_archive_lines_are_listed_and_nothing_is_written() {
    let lines = example_archive();
    let b = paris_rome();
    let before = archive(&b);
    write(&b, "bad.jsonl", bad_archive(&lines));

    // Refused: every bad line listed, one error line with the summary, nothing written.
    let run = import(&b, "jsonl", "bad.jsonl", &[]);
    assert!(!run.success, "{run:?}");
    assert_ne!(run.code, Some(0));
    assert!(run.stdout.is_empty(), "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let (error, listed) = stderr.split_last().expect("stderr");
    assert_rejected(listed, "bad.jsonl", &BAD_LINES);
    assert_eq!(*error, refused(&summary("bad.jsonl", 13, 0, 0, 9)));
    assert_eq!(archive(&b), before);

    // A dry run lists the same, writes nothing, and fails (so that scripts can validate).
    let dry = import(&b, "jsonl", "bad.jsonl", &["--dry-run"]);
    assert!(!dry.success, "{dry:?}");
    assert!(dry.stdout.is_empty(), "{dry:?}");
    let stderr: Vec<&str> = dry.stderr.lines().collect();
    let (error, listed) = stderr.split_last().expect("stderr");
    assert_rejected(listed, "bad.jsonl", &BAD_LINES);
    assert_eq!(
        *error,
        format!(
            "error: {} (dry run: nothing written)",
            summary("bad.jsonl", 13, 0, 0, 9)
        )
    );
    assert_eq!(archive(&b), before);

    // A dry run of a valid archive writes nothing either.
    write(&b, "good.jsonl", lines.join("\n") + "\n");
    import_ok(
        &b,
        "jsonl",
        "good.jsonl",
        &["--dry-run"],
        &format!(
            "{} (dry run: nothing written)",
            summary("good.jsonl", lines.len(), 0, 0, 0)
        ),
    );
    assert_eq!(archive(&b), before);
}

#[test]
fn skip_invalid_writes_only_the_valid_archive_lines() {
    let lines = example_archive();
    let b = paris_rome();
    let before = archive(&b);
    write(&b, "bad.jsonl", bad_archive(&lines));

    // The valid lines (1, 2, 7, 11) are written as they were; the rest are listed.
    let run = import(&b, "jsonl", "bad.jsonl", &["--skip-invalid"]);
    assert!(run.success, "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_rejected(&stderr, "bad.jsonl", &BAD_LINES);
    let after = archive(&b);
    let expected: Vec<&str> = before
        .lines()
        .chain([
            line_of(&lines, FUJIYOSHIDA, 0),
            line_of(&lines, CS_KAOHSIUNG, 0),
            line_of(&lines, CS_SMOLENSK, 0),
            line_of(&lines, "milestones", 0),
        ])
        .collect();
    let streams: Vec<String> = after
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("JSON");
            format!(
                "{} v{} {}",
                value["stream"], value["stream_version"], value["type"]
            )
        })
        .collect();
    assert_eq!(
        after.lines().collect::<Vec<_>>(),
        expected,
        "the ledger holds rejected lines too: {streams:#?}"
    );
    assert_eq!(run.stdout.trim_end(), summary("bad.jsonl", 13, 4, 0, 9));
}

#[test]
fn skip_invalid_rejects_the_rest_of_a_stream_after_an_unreadable_line() {
    let lines = example_archive();
    let b = paris_rome();
    let before = archive(&b);
    // 1: Smolensk v0 with an invalid UTF-8 byte (its stream cannot be read); 2, 3: Smolensk v1
    // and v2, fine in themselves; 4: another partnership, valid.
    let mut bytes = with_invalid_utf8(line_of(&lines, CS_SMOLENSK, 0));
    for line in [
        line_of(&lines, CS_SMOLENSK, 1),
        line_of(&lines, CS_SMOLENSK, 2),
        line_of(&lines, FUJIYOSHIDA, 0),
    ] {
        bytes.push(b'\n');
        bytes.extend_from_slice(line.as_bytes());
    }
    bytes.push(b'\n');
    write(&b, "torn.jsonl", &bytes);

    // The dry run sees one bad line.
    let dry = import(&b, "jsonl", "torn.jsonl", &["--dry-run"]);
    assert!(
        dry.stderr.starts_with("torn.jsonl:1: line: invalid UTF-8"),
        "{dry:?}"
    );

    // Smolensk v1 and v2 cannot be written without v0: they are rejected like any later line
    // of a rejected line's stream, and the rest is written.
    let run = import(&b, "jsonl", "torn.jsonl", &["--skip-invalid"]);
    assert!(
        run.success,
        "the import should write the valid line and list the others: {run:?}"
    );
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_rejected(
        &stderr,
        "torn.jsonl",
        &[
            (1, "line", "invalid UTF-8"),
            (2, "stream_version", ""),
            (3, "stream_version", ""),
        ],
    );
    assert_eq!(run.stdout.trim_end(), summary("torn.jsonl", 4, 1, 0, 3));
    let expected: Vec<&str> = before
        .lines()
        .chain([line_of(&lines, FUJIYOSHIDA, 0)])
        .collect();
    assert_eq!(archive(&b).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn an_archive_payload_without_its_date_is_rejected() {
    // events-schema/PartnershipFounded.v1.schema.json: `occurred` is required ("an EDTF date,
    // or null when unknown. Always present").
    let lines = example_archive();
    let b = paris_rome();
    let before = archive(&b);
    let undated = changed(line_of(&lines, FUJIYOSHIDA, 0), |v| {
        v["payload"]
            .as_object_mut()
            .expect("payload")
            .remove("occurred");
    });
    write(&b, "undated.jsonl", undated + "\n");
    let run = import(&b, "jsonl", "undated.jsonl", &[]);
    assert!(
        !run.success,
        "a payload without `occurred` should be refused: {run:?}"
    );
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_rejected(
        &stderr[..stderr.len() - 1],
        "undated.jsonl",
        &[(1, "/payload/occurred", "missing field `occurred`")],
    );
    assert_eq!(archive(&b), before);
}

#[test]
fn an_archive_that_cannot_be_written_whole_writes_nothing() {
    // 1,001 partnerships, two lines each: 2,002 lines, more than one batch. Then the founding
    // of the last partnership is left out: its attestation (version 1, last line) can never
    // be written into a ledger without that stream.
    let a = Sandbox::new();
    write(&a, "some.csv", generated_csv(1_001));
    import_ok(
        &a,
        "csv",
        "some.csv",
        &[],
        &summary("some.csv", 2_002, 2_002, 0, 0),
    );
    let mut lines: Vec<String> = archive(&a).lines().map(str::to_owned).collect();
    let founding = lines.len() - 2;
    let removed = lines.remove(founding);
    assert!(removed.contains("\"stream_version\":0"), "{removed}");
    assert!(
        lines[founding].contains("\"stream_version\":1"),
        "{}",
        lines[founding]
    );

    let b = paris_rome();
    let before = archive(&b);
    write(&b, "gap.jsonl", lines.join("\n") + "\n");
    let run = import(&b, "jsonl", "gap.jsonl", &[]);
    assert!(!run.success, "{run:?}");
    let written = archive(&b).lines().count() - before.lines().count();
    assert_eq!(
        written,
        0,
        "the import failed ({}) but wrote {written} events",
        run.stderr.trim_end()
    );
    assert!(
        run.stderr.contains("gap.jsonl:2001: stream_version"),
        "the line that cannot be written is named: {run:?}"
    );
}

#[test]
fn an_archive_reusing_an_event_id_is_refused_with_its_line() {
    // Line 3 (Smolensk v1) carries the event id of line 1 (Fujiyoshida v0): it cannot be
    // written, so validation must say so, with its line.
    let lines = example_archive();
    let fujiyoshida = line_of(&lines, FUJIYOSHIDA, 0);
    let reused = changed(line_of(&lines, CS_SMOLENSK, 1), |v| {
        let first: Value = serde_json::from_str(fujiyoshida).expect("JSON");
        v["event_id"] = first["event_id"].clone();
    });
    let b = paris_rome();
    let before = archive(&b);
    write(
        &b,
        "reused.jsonl",
        format!(
            "{fujiyoshida}\n{}\n{reused}\n",
            line_of(&lines, CS_SMOLENSK, 0)
        ),
    );
    let dry = import(&b, "jsonl", "reused.jsonl", &["--dry-run"]);
    assert!(
        dry.stderr.starts_with("reused.jsonl:3: event_id: "),
        "the dry run should name line 3: {dry:?}"
    );
    let run = import(&b, "jsonl", "reused.jsonl", &[]);
    assert!(!run.success, "{run:?}");
    assert!(
        run.stderr.starts_with("reused.jsonl:3: event_id: "),
        "the refusal should name line 3: {run:?}"
    );
    assert_eq!(archive(&b), before);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle CSV import.

/// A lifecycle CSV file: the header, then these rows.
fn csv_file(rows: &[&str]) -> String {
    let mut text = CSV_HEADER.to_owned();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

/// Rows in any order: a suspension before its founding, a party order reversed.
const ANY_ORDER: [&str; 4] = [
    "Colorado Springs,US,US-CO,Smolensk,RU,,,suspended,2022-03-03~,indefinitely suspended,,\
     City statement,City of Colorado Springs,https://example.org/statement,2022-03,",
    "Colorado Springs,US,US-CO,Kaohsiung,TW,,,founded,1983,,,,,,,\"a note, with a comma\"",
    "Colorado Springs,US,US-CO,Smolensk,RU,,,founded,1993,,,,,,,",
    "Smolensk,RU,,Colorado Springs,US,US-CO,,attested,2001,,probable,,,,,",
];

#[test]
fn csv_rows_in_any_order_are_accepted_and_importing_again_records_nothing() {
    let b = Sandbox::new();
    write(&b, "events.csv", csv_file(&ANY_ORDER));

    // A dry run writes nothing.
    import_ok(
        &b,
        "csv",
        "events.csv",
        &["--dry-run"],
        &format!(
            "{} (dry run: nothing written)",
            summary("events.csv", 4, 0, 0, 0)
        ),
    );
    assert_eq!(stored_events(&b), 0);

    import_ok(
        &b,
        "csv",
        "events.csv",
        &[],
        &summary("events.csv", 4, 4, 0, 0),
    );
    let history = b.history(&[CS_SMOLENSK]);
    assert_eq!(
        strings(&history["events"], "type"),
        [
            "PartnershipFounded",
            "PartnershipAttested",
            "PartnershipSuspended"
        ]
    );
    assert_eq!(history["status"], "suspended");
    let rows = events(&history);
    assert_eq!(rows[1]["certainty"], "probable");
    let suspended = &rows[2];
    assert_eq!(suspended["occurred"], "2022-03-03~");
    assert_eq!(suspended["term_as_written"], "indefinitely suspended");
    assert_eq!(suspended["sources"][0]["title"], "City statement");
    assert_eq!(
        suspended["sources"][0]["publisher"],
        "City of Colorado Springs"
    );
    assert_eq!(
        suspended["sources"][0]["url"],
        "https://example.org/statement"
    );
    assert_eq!(suspended["sources"][0]["published"], "2022-03");
    for row in rows {
        assert_eq!(row["recorded_by"], "test", "{row}");
    }
    let kaohsiung = b.history(&[CS_KAOHSIUNG]);
    assert_eq!(events(&kaohsiung)[0]["note"], "a note, with a comma");
    assert_eq!(kaohsiung["status"], "active");

    // Again: every row is a duplicate (its id comes from its content).
    let before = archive(&b);
    import_ok(
        &b,
        "csv",
        "events.csv",
        &[],
        &summary("events.csv", 4, 0, 4, 0),
    );
    assert_eq!(archive(&b), before);
    // The same rows in another file, in another order: nothing new either.
    let mut reversed = ANY_ORDER;
    reversed.reverse();
    write(&b, "again.csv", csv_file(&reversed));
    import_ok(
        &b,
        "csv",
        "again.csv",
        &[],
        &summary("again.csv", 4, 0, 4, 0),
    );
    assert_eq!(archive(&b), before);
}

/// Bad rows, each with its line (a quoted note spans lines 9 and 10).
const BAD_ROWS: [&str; 10] = [
    // 2: valid.
    "Colorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,,",
    // 3: an unknown event word.
    "Colorado Springs,US,US-CO,Smolensk,RU,,,merged,1995,,,,,,,",
    // 4: an invalid EDTF date.
    "Colorado Springs,US,US-CO,Kaohsiung,TW,,,attested,2022-13,,,,,,,",
    // 5: no party_a.
    ",US,US-CO,Kaohsiung,TW,,,attested,2001,,,,,,,",
    // 6: a three-letter country code.
    "Colorado Springs,US,US-CO,Smolensk,RUS,,,attested,2001,,,,,,,",
    // 7: a suspension before the founding of line 8: a rule violation.
    "Colorado Springs,US,US-CO,Ancient Olympia,GR,,,suspended,2010,,,,,,,",
    // 8: valid.
    "Colorado Springs,US,US-CO,Ancient Olympia,GR,,,founded,2014,,,,,,,",
    // 9-10: valid, with a note over two lines.
    "Colorado Springs,US,US-CO,Bankstown,AU,,,founded,1999,,,,,,,\"first line\nsecond line\"",
    // 11: an invalid source date.
    "Colorado Springs,US,US-CO,Bankstown,AU,,,attested,2005,,,Directory,,,2022-13,",
    // 12: a quoted field that is never closed.
    "Colorado Springs,US,US-CO,Nuevo Casas Grandes,MX,,,founded,\"1996,,,,,,,",
];

/// Rejected rows sorted by line (rule violations are listed after the rows that do not parse).
fn by_line<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut sorted = lines.to_vec();
    sorted.sort_by_key(|line| {
        line.split(':')
            .nth(1)
            .and_then(|number| number.parse::<u64>().ok())
            .unwrap_or(u64::MAX)
    });
    sorted
}

const BAD_ROWS_REJECTED: [(usize, &str, &str); 7] = [
    (3, "event", "\"merged\""),
    (4, "occurred", "2022-13"),
    (5, "party_a", "missing"),
    (6, "country_b", "RUS"),
    (7, "event", "impossible timeline"),
    (11, "source_date", "2022-13"),
    (12, "row", ""),
];

#[test]
fn csv_bad_rows_are_listed_with_their_line_and_nothing_is_written() {
    let b = Sandbox::new();
    write(&b, "events.csv", csv_file(&ANY_ORDER));
    import_ok(
        &b,
        "csv",
        "events.csv",
        &[],
        &summary("events.csv", 4, 4, 0, 0),
    );
    let before = archive(&b);
    write(&b, "bad.csv", csv_file(&BAD_ROWS));

    let run = import(&b, "csv", "bad.csv", &[]);
    assert!(!run.success, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let (error, listed) = stderr.split_last().expect("stderr");
    assert_rejected(&by_line(listed), "bad.csv", &BAD_ROWS_REJECTED);
    assert_eq!(*error, refused(&summary("bad.csv", 10, 0, 0, 7)));
    assert_eq!(archive(&b), before);

    // --skip-invalid: the three valid rows are written, the others listed.
    let run = import_ok(
        &b,
        "csv",
        "bad.csv",
        &["--skip-invalid"],
        &summary("bad.csv", 10, 3, 0, 7),
    );
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_rejected(&by_line(&stderr), "bad.csv", &BAD_ROWS_REJECTED);
    assert_eq!(stored_events(&b), 4 + 3);
    let olympia = b.history(&[CS, "Ancient Olympia, GR"]);
    assert_eq!(strings(&olympia["events"], "type"), ["PartnershipFounded"]);
    assert_eq!(olympia["status"], "active");
    let bankstown = b.history(&[CS, "Bankstown, AU"]);
    assert_eq!(events(&bankstown)[0]["note"], "first line\nsecond line");
    assert_eq!(b.history(&[CS, "Bishkek, KG"])["status"], "active");

    // Once more: the valid rows are duplicates, the others are still listed.
    let run = import_ok(
        &b,
        "csv",
        "bad.csv",
        &["--skip-invalid"],
        &summary("bad.csv", 10, 0, 3, 7),
    );
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_rejected(&by_line(&stderr), "bad.csv", &BAD_ROWS_REJECTED);
    assert_eq!(stored_events(&b), 4 + 3);
}

#[test]
fn csv_without_a_column_fails_naming_it() {
    let b = Sandbox::new();
    write(&b, "events.csv", csv_file(&ANY_ORDER));
    import_ok(
        &b,
        "csv",
        "events.csv",
        &[],
        &summary("events.csv", 4, 4, 0, 0),
    );
    let header = CSV_HEADER.replace(",certainty,", ",");
    write(
        &b,
        "short.csv",
        format!("{header}\nColorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,\n"),
    );
    let error = b.fails(&["import", "--format", "csv", "short.csv"]);
    assert_eq!(
        error,
        "error: short.csv:1: header: missing columns certainty"
    );
    assert_eq!(stored_events(&b), 4);
}

#[test]
fn an_endless_or_huge_input_is_refused_with_its_line_and_nothing_is_written() {
    let b = Sandbox::new();
    record_between(&b, "found", "Paris, FR", "Rome, IT", "1956");
    // An endless stream of zeros: refused after its first megabyte, with no backtrace.
    for format in ["jsonl", "csv", "pairs"] {
        let mut args = vec!["import", "--format", format, "/dev/zero"];
        if format == "pairs" {
            args.extend(["--source-title", "A list", "--as-of", "2025"]);
        }
        let error = b.fails(&args);
        assert!(
            error.starts_with("error: /dev/zero:1: line: longer than the limit of 1 MiB"),
            "{format}: {error}"
        );
    }
    // A CSV row with a cell of ten megabytes.
    let mut text =
        format!("{CSV_HEADER}\nColorado Springs,US,US-CO,Bishkek,KG,,,founded,1994,,,,,,,");
    text.push_str(&"x".repeat(10 << 20));
    text.push('\n');
    write(&b, "huge.csv", text);
    let error = b.fails(&["import", "--format", "csv", "huge.csv"]);
    assert!(
        error.starts_with("error: huge.csv:2: line: longer than the limit of 1 MiB"),
        "{error}"
    );
    assert_eq!(stored_events(&b), 1);
}

// ---------------------------------------------------------------------------------------------
// CSV exports.

/// A CSV text as its header and rows.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records().map(|record| {
        record
            .expect("a CSV record")
            .iter()
            .map(str::to_owned)
            .collect::<Vec<String>>()
    });
    let header = records.next().expect("a header");
    (header, records.collect())
}

/// One column of parsed CSV rows.
fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.iter().map(|row| row[at].clone()).collect()
}

/// The row of a partnership.
fn row_of<'a>(header: &[String], rows: &'a [Vec<String>], id: &str) -> &'a [String] {
    let at = column(header, rows, "partnership")
        .iter()
        .position(|p| p == id)
        .unwrap_or_else(|| panic!("no row for {id}"));
    &rows[at]
}

/// The status view's columns (docs/csv-views.md).
const STATUS_HEADER: [&str; 23] = [
    "partnership",
    "party_a_key",
    "party_a_name",
    "party_a_country",
    "party_a_subdivision",
    "party_a_wikidata",
    "party_b_key",
    "party_b_name",
    "party_b_country",
    "party_b_subdivision",
    "party_b_wikidata",
    "kind",
    "status",
    "possible_statuses",
    "certainty",
    "since",
    "first_attested",
    "as_of",
    "known_at",
    "events",
    "straddling",
    "founding_claims",
    "conflict",
];

/// The timeline view's columns (docs/csv-views.md).
const TIMELINE_HEADER: [&str; 35] = [
    "partnership",
    "seq",
    "log_index",
    "event_id",
    "stream",
    "stream_version",
    "type",
    "schema_version",
    "occurred",
    "earliest",
    "latest",
    "term_as_written",
    "certainty",
    "disputed",
    "status_after",
    "retracted_by",
    "target",
    "reason",
    "alternative_to",
    "initiated_by",
    "party_a_name",
    "party_a_country",
    "party_a_subdivision",
    "party_a_wikidata",
    "party_a_qualifier",
    "party_b_name",
    "party_b_country",
    "party_b_subdivision",
    "party_b_wikidata",
    "party_b_qualifier",
    "kind",
    "note",
    "source_count",
    "recorded_by",
    "recorded_at",
];

#[test]
fn csv_status_view_has_one_row_per_partnership() {
    let a = Sandbox::new();
    a.example();
    let text = a.ok(&["export", "--format", "csv", "--view", "status"]);
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, STATUS_HEADER);
    let status = a.json(&["status"]);
    assert_eq!(
        column(&header, &rows, "partnership"),
        strings(&status, "partnership")
    );
    assert_eq!(column(&header, &rows, "status"), strings(&status, "status"));
    let total: u64 = column(&header, &rows, "events")
        .iter()
        .map(|n| n.parse::<u64>().expect("events is a number"))
        .sum();
    assert_eq!(total, 25);

    let smolensk = row_of(&header, &rows, CS_SMOLENSK);
    assert_eq!(
        smolensk,
        [
            CS_SMOLENSK,
            "us-co:colorado-springs",
            "Colorado Springs",
            "US",
            "US-CO",
            "",
            "ru:smolensk",
            "Smolensk",
            "RU",
            "",
            "",
            "sister-city",
            "suspended",
            "suspended",
            "definite",
            "2022-03-03~",
            "",
            "",
            "",
            "3",
            "",
            "1993",
            ""
        ]
    );

    // As of 2021, Smolensk was active; the date is in the as_of column.
    let text = a.ok(&[
        "export", "--format", "csv", "--view", "status", "--as-of", "2021",
    ]);
    let (header_2021, rows_2021) = parse_csv(&text);
    assert_eq!(header_2021, STATUS_HEADER);
    assert_eq!(rows_2021.len(), rows.len());
    let smolensk = row_of(&header_2021, &rows_2021, CS_SMOLENSK);
    let field =
        |name: &str| smolensk[STATUS_HEADER.iter().position(|h| *h == name).unwrap()].clone();
    assert_eq!(field("status"), "active");
    assert_eq!(field("since"), "1993");
    assert_eq!(field("as_of"), "2021");

    // To a file: the same text.
    a.ok(&[
        "export",
        "--format",
        "csv",
        "--view",
        "status",
        "--as-of",
        "2021",
        "status.csv",
    ]);
    assert_eq!(read(&a, "status.csv"), text);
}

#[test]
fn csv_timeline_view_has_one_row_per_event() {
    let a = Sandbox::new();
    a.example();
    let text = a.ok(&["export", "--format", "csv", "--view", "timeline"]);
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, TIMELINE_HEADER);
    assert_eq!(rows.len(), 25);
    let lifecycle_ids: BTreeSet<String> = archive(&a)
        .lines()
        .filter(|line| !line.contains("\"stream\":\"milestones\""))
        .flat_map(event_ids)
        .collect();
    let listed: BTreeSet<String> = column(&header, &rows, "event_id").into_iter().collect();
    assert_eq!(listed, lifecycle_ids);

    let smolensk: Vec<&Vec<String>> = rows.iter().filter(|row| row[0] == CS_SMOLENSK).collect();
    let field = |row: &Vec<String>, name: &str| {
        row[TIMELINE_HEADER.iter().position(|h| *h == name).unwrap()].clone()
    };
    let history = a.history(&[CS_SMOLENSK]);
    assert_eq!(
        smolensk
            .iter()
            .map(|row| field(row, "event_id"))
            .collect::<Vec<_>>(),
        strings(&history["events"], "event_id")
    );
    assert_eq!(
        smolensk
            .iter()
            .map(|row| field(row, "type"))
            .collect::<Vec<_>>(),
        [
            "PartnershipFounded",
            "PartnershipSuspended",
            "PartnershipTerminated"
        ]
    );
    assert_eq!(
        smolensk
            .iter()
            .map(|row| field(row, "disputed"))
            .collect::<Vec<_>>(),
        ["false", "false", "true"]
    );
    assert_eq!(field(smolensk[1], "status_after"), "suspended");
    assert_eq!(
        field(smolensk[1], "term_as_written"),
        "indefinitely suspended"
    );
}

#[test]
fn csv_export_needs_a_view_and_as_of_only_for_status() {
    let a = Sandbox::new();
    a.example();
    let error = a.fails(&["export", "--format", "csv"]);
    assert!(
        error.contains("--view timeline, sources, registrations, party-links"),
        "{error}"
    );
    // A view that does not exist: the argument parser names the ones that do (exit 2).
    let run = a.run(&["export", "--format", "csv", "--view", "nothing"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("--view"), "{run:?}");
    assert!(
        run.stderr.contains("status, timeline, sources, parties"),
        "{run:?}"
    );
    let error = a.fails(&[
        "export", "--format", "csv", "--view", "timeline", "--as-of", "2021",
    ]);
    assert!(error.contains("--as-of"), "{error}");
    let error = a.fails(&["export", "--format", "json"]);
    assert!(
        error.contains("export writes jsonl, csv, prov-o, prov-json, eac-cpf or quickstatements"),
        "{error}"
    );
    // Each command takes its own formats: a query prints, it does not write an archive.
    let error = a.fails(&["status", "--format", "jsonl"]);
    assert!(
        error.contains("--format jsonl: this command prints table, json or csv"),
        "{error}"
    );
    let error = a.fails(&["import", "--format", "json", "x.json"]);
    assert!(
        error.contains("import reads jsonl, csv, pairs or timeline-csv"),
        "{error}"
    );
}

#[test]
fn a_refused_export_leaves_an_existing_file_alone() {
    let a = Sandbox::new();
    a.example();
    for args in [
        &["export", "--format", "csv", "keep.csv"][..],
        &[
            "export", "--format", "csv", "--view", "timeline", "--as-of", "2021", "keep.csv",
        ],
    ] {
        write(&a, "keep.csv", "precious,data\n1,2\n");
        let error = a.fails(args);
        assert!(error.starts_with("error:"), "{error}");
        assert_eq!(
            read(&a, "keep.csv"),
            "precious,data\n1,2\n",
            "amity {args:?} was refused but emptied keep.csv"
        );
    }
}

/// `amity migrate`: SQLite → PostgreSQL → SQLite keeps every event byte for byte, is
/// resumable (a second run writes nothing), and checks the projections on both sides.
#[test]
fn migrate_through_postgres_and_back_is_exact() {
    let Ok(url) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
        eprintln!("skipped: set AMITY_TEST_POSTGRES_URL to test `amity migrate` with PostgreSQL");
        return;
    };
    let a = Sandbox::new();
    a.example();
    let schema = format!("amity_test_migrate_{}", std::process::id());
    let separator = if url.contains('?') { '&' } else { '?' };
    let postgres = format!("{url}{separator}schema={schema}_{}", uuid_like());
    let back = format!("sqlite://{}", a.path().join("back.db").display());
    let migrate = |from: &str, to: &str| {
        Run::from(
            amity_in(a.path())
                .args(["migrate", "--from", from, "--to", to])
                .output()
                .expect("amity runs"),
        )
    };
    let first = migrate(&a.store, &postgres);
    assert!(first.success, "{first:?}");
    assert!(first.stdout.contains("28 written"), "{first:?}");
    assert!(
        first.stdout.contains("projections verified identical"),
        "{first:?}"
    );
    let again = migrate(&a.store, &postgres);
    assert!(
        again.stdout.contains("0 written, 28 already there"),
        "{again:?}"
    );
    let home = migrate(&postgres, &back);
    assert!(home.success, "{home:?}");
    let original = archive(&a);
    let returned = Run::from(
        amity_in(a.path())
            .args(["--store", &back, "export", "--format", "jsonl"])
            .output()
            .expect("amity runs"),
    );
    assert_eq!(returned.stdout, original);
}

/// A short unique suffix for schema names.
fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    )
}

/// `history --format csv` has the columns and rows of the timeline export for that partnership.
#[test]
fn history_csv_matches_the_timeline_export() {
    let a = Sandbox::new();
    a.example();
    let history = a.ok(&[
        "history",
        "Colorado Springs, US-CO",
        "Smolensk, RU",
        "--format",
        "csv",
    ]);
    let export = a.ok(&["export", "--format", "csv", "--view", "timeline"]);
    let mut export_lines = export.lines();
    let header = export_lines.next().expect("header");
    let mut history_lines = history.lines();
    assert_eq!(history_lines.next(), Some(header));
    let expected: Vec<&str> = export_lines
        .filter(|line| line.starts_with("ru:smolensk+us-co:colorado-springs,"))
        .collect();
    let got: Vec<&str> = history_lines.collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got, expected);
}

// ---------------------------------------------------------------------------------------------
// Progress on a terminal.

/// Run `amity ARGS…` in `sandbox` on a pseudo-terminal (util-linux `script`); whether it
/// succeeded and its whole terminal output, or `None` (with the reason printed) where `script`
/// is not installed.
fn on_terminal(sandbox: &Sandbox, args: &[&str]) -> Option<(bool, String)> {
    let mut words = vec![
        AMITY.to_owned(),
        "--store".to_owned(),
        sandbox.store.clone(),
    ];
    words.extend(args.iter().map(|arg| (*arg).to_owned()));
    let quoted: Vec<String> = words
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect();
    let output = Command::new("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &quoted.join(" "),
            "/dev/null",
        ])
        .current_dir(sandbox.path())
        .env("AMITY_RECORDED_BY", "test")
        .env("TERM", "xterm")
        .env_remove("AMITY_STORE")
        .output();
    match output {
        Ok(output) => Some((
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )),
        Err(error) => {
            println!("skipped: cannot run util-linux `script` for a pseudo-terminal: {error}");
            None
        }
    }
}

#[test]
fn a_long_csv_import_shows_its_progress_on_a_terminal_only() {
    let partnerships = 6_000;
    let rows = 2 * partnerships;
    // Piped: the summary alone, nothing on stderr.
    let piped = Sandbox::new();
    write(&piped, "many.csv", generated_csv(partnerships));
    let run = piped.run(&["import", "--format", "csv", "many.csv"]);
    assert!(run.success, "{run:?}");
    assert_eq!(
        run.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
    // On a terminal: a bar counting the events written, then the same summary.
    let terminal = Sandbox::new();
    write(&terminal, "many.csv", generated_csv(partnerships));
    let Some((success, screen)) =
        on_terminal(&terminal, &["import", "--format", "csv", "many.csv"])
    else {
        return;
    };
    assert!(success, "{screen}");
    assert!(
        screen.contains(&format!("/{rows} events")),
        "no progress bar on the terminal:\n{screen}"
    );
    assert!(
        screen.contains(&run.stdout.lines().next().unwrap_or_default().to_owned()),
        "{screen}"
    );
    assert_eq!(terminal.event_count(), rows as u64);
}

// ---------------------------------------------------------------------------------------------
// Text no store keeps reliably.

#[test]
fn a_nul_character_is_refused_in_every_import_format_naming_its_line_and_field() {
    let sandbox = Sandbox::new();
    // CSV: a note with a NUL, beside a valid row.
    write(
        &sandbox,
        "nul.csv",
        csv_file(&[
            "Colorado Springs,US,US-CO,Smolensk,RU,,,founded,1993,,,,,,,",
            "Colorado Springs,US,US-CO,Kaohsiung,TW,,,founded,1983,,,,,,,frozen\0note",
        ]),
    );
    let run = import(&sandbox, "csv", "nul.csv", &[]);
    assert!(!run.success, "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let (error, listed) = stderr.split_last().expect("stderr");
    assert_rejected(listed, "nul.csv", &[(3, "note", "NUL character")]);
    assert_eq!(*error, refused(&summary("nul.csv", 2, 0, 0, 1)));
    assert_eq!(stored_events(&sandbox), 0);

    // JSON Lines: an archive line whose payload's note holds an escaped NUL.
    let lines = example_archive();
    let line = changed(line_of(&lines, FUJIYOSHIDA, 0), |value| {
        value["payload"]["note"] = Value::String("frozen\u{0}".to_owned());
    });
    assert!(line.contains("\\u0000"), "{line}");
    write(
        &sandbox,
        "nul.jsonl",
        format!("{}\n{line}\n", line_of(&lines, CS_KAOHSIUNG, 0)),
    );
    let run = import(&sandbox, "jsonl", "nul.jsonl", &[]);
    assert!(!run.success, "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let (error, listed) = stderr.split_last().expect("stderr");
    assert_rejected(
        listed,
        "nul.jsonl",
        &[(2, "payload", "note holds a NUL character")],
    );
    assert_eq!(*error, refused(&summary("nul.jsonl", 2, 0, 0, 1)));

    // Pairs: a city name with a NUL.
    write(
        &sandbox,
        "pairs.csv",
        "city1,country1,city2,country2\nParis,France,Rome,Italy\nBer\0lin,Germany,Paris,France\n",
    );
    let run = import(
        &sandbox,
        "pairs",
        "pairs.csv",
        &["--source-title", "A list", "--as-of", "2026"],
    );
    assert!(!run.success, "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let (_, listed) = stderr.split_last().expect("stderr");
    assert_rejected(listed, "pairs.csv", &[(3, "city1", "NUL character")]);
    assert_eq!(stored_events(&sandbox), 0);
}

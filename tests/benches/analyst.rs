//! Benchmark (issue 22, target 1): the analyst commands at real scale, as whole `amity`
//! processes, each printed whole to a pipe, on the Wikipedia list ledger (an empty ledger plus
//! the README's pairs import: 24,847 partnerships, one attestation each).
//! `cargo build --release -p amity-cli && cargo bench -p amity-tests --bench analyst`.
//!
//! Measures, in rotating order within each run, medians of `AMITY_BENCH_RUNS` (default 5):
//! - the first read after the import (the catch-up of 25,000 events, then `series`, whose
//!   answer is a few lines), on a fresh copy of the imported ledger each run;
//! - `status`, `changes --from 2020 --to 2026`, `outcomes --from 2020 --to 2026` and `series
//!   --from 2000 --to 2026`, as JSON, CSV and tables;
//! - `export --format csv --view timeline`, in rows per second.
//!
//! Beside them, in the same run: the process's floor (`amity --version`), and plain rusqlite
//! reading the same rows from the documented views (`partnership_status`,
//! `partnership_timeline`) without building anything: what any reader of the file pays.
//! `AMITY_BENCH_LEDGER=PATH` adds the same commands on another ledger (e.g. the 1M-event
//! synthetic one of `--bench ledger`), reported, not targeted.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "common.rs"]
mod common;

use common::{env_number, median};

/// Milliseconds for one whole `amity` process whose output is read whole from a pipe, and the
/// lines it printed.
fn amity(binary: &Path, ledger: &Path, args: &[&str]) -> (f64, usize) {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["--store", &format!("sqlite://{}", ledger.display())])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("amity runs");
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut out)
        .expect("read the output");
    let output = child.wait_with_output().expect("amity ends");
    let millis = started.elapsed().as_secs_f64() * 1e3;
    assert!(
        output.status.success(),
        "amity {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = out.iter().filter(|&&byte| byte == b'\n').count();
    (millis, lines)
}

/// Milliseconds for plain rusqlite to read every row of the status rows and the history view
/// (every column, as text or numbers), in one process. The status rows are read as stored
/// (`status_entries`, every column), not through the `partnership_status` view, which makes
/// each row's JSON as it reads it (code version 10; before, it read the stored JSON).
fn plain_read(ledger: &Path) -> (f64, usize) {
    let started = Instant::now();
    let connection = rusqlite::Connection::open(ledger).expect("open");
    let mut rows = 0;
    for sql in [
        "SELECT * FROM status_entries ORDER BY partnership",
        "SELECT * FROM partnership_timeline ORDER BY partnership, seq",
    ] {
        let mut statement = connection.prepare(sql).expect("prepare");
        let columns = statement.column_count();
        let mut found = statement.query([]).expect("query");
        while let Some(row) = found.next().expect("row") {
            for index in 0..columns {
                let value = row.get_ref(index).expect("value");
                std::hint::black_box(value);
            }
            rows += 1;
        }
    }
    (started.elapsed().as_secs_f64() * 1e3, rows)
}

/// A copy of `from` (with its WAL folded in) at `to`.
fn copy_ledger(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    let connection = rusqlite::Connection::open(from).expect("open");
    connection
        .execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .expect("copy the ledger");
}

struct Measure {
    name: String,
    args: Vec<String>,
    target_ms: Option<f64>,
    millis: Vec<f64>,
    lines: usize,
}

impl Measure {
    fn new(name: &str, args: &[&str], target_ms: Option<f64>) -> Measure {
        Measure {
            name: name.to_owned(),
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            target_ms,
            millis: Vec::new(),
            lines: 0,
        }
    }
}

/// The analyst commands, with their targets (whole process, 25,000 partnerships).
fn commands() -> Vec<Measure> {
    let window = ["--from", "2020", "--to", "2026"];
    let mut measures = vec![Measure::new(
        "amity --version (floor)",
        &["--version"],
        None,
    )];
    for (format, target) in [("json", 150.0), ("csv", 150.0), ("table", 200.0)] {
        let with = |command: &[&str]| -> Vec<String> {
            command
                .iter()
                .map(|arg| (*arg).to_owned())
                .chain(["--format".to_owned(), format.to_owned()])
                .collect()
        };
        for (name, command) in [
            ("status", vec!["status"]),
            ("changes", [&["changes"][..], &window].concat()),
            ("outcomes", [&["outcomes"][..], &window].concat()),
            ("series", vec!["series", "--from", "2000", "--to", "2026"]),
        ] {
            let args = with(&command);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            measures.push(Measure::new(
                &format!("{name} --format {format}"),
                &args,
                Some(target),
            ));
        }
    }
    measures.push(Measure::new(
        "export --format csv --view timeline",
        &["export", "--format", "csv", "--view", "timeline"],
        None,
    ));
    measures
}

/// Every command `runs` times on `ledger` (caught up), in rotating order; prints the medians.
fn measure_commands(binary: &Path, ledger: &Path, runs: usize, targeted: bool) {
    let mut measures = commands();
    let mut plain = Vec::new();
    let mut plain_rows = 0;
    for run in 0..runs {
        let count = measures.len() + 1;
        for slot in 0..count {
            let index = (slot + run) % count;
            if index == measures.len() {
                let (millis, rows) = plain_read(ledger);
                plain.push(millis);
                plain_rows = rows;
                continue;
            }
            let measure = &mut measures[index];
            let args: Vec<&str> = measure.args.iter().map(String::as_str).collect();
            let (millis, lines) = amity(binary, ledger, &args);
            measure.millis.push(millis);
            measure.lines = lines;
        }
    }
    let plain_median = median(&mut plain);
    println!(
        "  plain rusqlite reading the status and history views ({plain_rows} rows, in process): median {plain_median:.1} ms"
    );
    for measure in &mut measures {
        let middle = median(&mut measure.millis);
        let runs: Vec<String> = measure.millis.iter().map(|ms| format!("{ms:.0}")).collect();
        let mut line = format!(
            "  {:<36} {:>8} lines  median {middle:>7.1} ms  (runs {})",
            measure.name,
            measure.lines,
            runs.join(", ")
        );
        if measure.name.starts_with("export") {
            let rows = measure.lines.saturating_sub(1) as f64;
            line.push_str(&format!(
                "  {:.0} rows/s{}",
                rows / (middle / 1e3),
                if targeted { " (target >= 500,000)" } else { "" }
            ));
        } else if let (Some(target), true) = (measure.target_ms, targeted) {
            let verdict = if middle < target { "met" } else { "missed" };
            line.push_str(&format!(" (target < {target:.0} ms: {verdict})"));
        }
        line.push_str(&format!("  = {:.1}x the plain read", middle / plain_median));
        println!("{line}");
    }
}

fn main() {
    let runs = env_number("AMITY_BENCH_RUNS", 5).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = root.join("../target/release/amity");
    let wikipedia = root.join("../../shared/data/wikipedia-twin-cities-2026/twin_cities_raw.csv");
    if !binary.exists() {
        println!(
            "skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
        return;
    }
    if !wikipedia.exists() {
        println!("skipped: ../shared/data not found beside the project");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let imported = dir.path().join("imported.db");
    let wikipedia = wikipedia.to_string_lossy().into_owned();
    let (import_ms, _) = amity(&binary, &imported, &common::wikipedia_import(&wikipedia));
    println!("wikipedia list ledger: imported in {import_ms:.0} ms");

    // The first read after the import: a fresh copy each run, then `series` (a few lines).
    let mut first = Vec::new();
    let mut again = Vec::new();
    for run in 0..runs {
        let copy = dir.path().join(format!("first-{run}.db"));
        copy_ledger(&imported, &copy);
        let args = [
            "series", "--from", "2000", "--to", "2026", "--format", "csv",
        ];
        first.push(amity(&binary, &copy, &args).0);
        again.push(amity(&binary, &copy, &args).0);
    }
    let (first, again) = (median(&mut first), median(&mut again));
    println!(
        "first read after the import (catch-up of 25,000 events + series): median {first:.0} ms; \
         the same read caught up: {again:.0} ms; catch-up {:.0} ms (target < 300 ms: {})",
        first - again,
        if first - again < 300.0 {
            "met"
        } else {
            "missed"
        }
    );

    let ledger = dir.path().join("caught-up.db");
    copy_ledger(&imported, &ledger);
    amity(
        &binary,
        &ledger,
        &["series", "--from", "2000", "--to", "2026"],
    );
    println!("analyst commands on the wikipedia list ledger (whole processes, printed to a pipe):");
    measure_commands(&binary, &ledger, runs, true);

    if let Ok(other) = std::env::var("AMITY_BENCH_LEDGER") {
        let other = PathBuf::from(other);
        if other.exists() {
            amity(
                &binary,
                &other,
                &["series", "--from", "2000", "--to", "2026"],
            );
            println!(
                "the same commands on {} (reported, not targeted):",
                other.display()
            );
            measure_commands(&binary, &other, runs.min(3), false);
        } else {
            println!("AMITY_BENCH_LEDGER={} not found: skipped", other.display());
        }
    }
}

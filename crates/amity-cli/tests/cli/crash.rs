//! Crash tests (issue 19, docs/reliability.md): `amity` killed with SIGKILL at random moments
//! during an import (JSON Lines, lifecycle CSV, pairs) or a rebuild, on SQLite and on
//! PostgreSQL. Run again to completion, it finishes the job, and the ledger is exactly what an
//! uninterrupted run makes: the same archive (`export --format jsonl`, each line's
//! `recorded_at` aside, as it stamps the commit) or, for a rebuild, the same views.
//!
//! The kill moments are drawn from a seeded generator over the measured length of an
//! uninterrupted run (half of them in its second half, where the writing is). Each test prints its seed and its kill points (shown when it fails, or
//! with `--nocapture`); `AMITY_CRASH_SEED=N` replays them. The PostgreSQL tests run when
//! `AMITY_TEST_POSTGRES_URL` is set, each ledger in a fresh schema, and say why they skip
//! otherwise. Inputs are small (a few thousand rows) to keep the suite within its budget.

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::{amity_in, Run};

/// How many times each command is killed.
const KILLS: usize = 10;

/// Partnerships in the generated lifecycle CSV file (2.5 events each on average): 3,000
/// events, one atomic batch of a CSV import (up to 50,000 events), so a kill leaves all or
/// nothing and the rerun writes the rest or nothing.
const CSV_PARTNERSHIPS: usize = 1_200;

/// Partnerships of the ledger whose archive is imported: 7,000 lines, four atomic batches of
/// a JSON Lines import (2,000 lines each), so a kill can leave some batches written.
const ARCHIVE_PARTNERSHIPS: usize = 2_800;

/// Rows in the generated pairs list: three atomic batches of a pairs import (2,000 each).
const PAIRS: usize = 4_500;

const CSV_HEADER: &str = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,\
                          occurred,term_as_written,certainty,source_title,source_publisher,\
                          source_url,source_date,note";

// ---------------------------------------------------------------------------------------------
// Shared with the concurrency tests: the seeded generator and the ledgers of a test.

/// A small seeded generator (SplitMix64): enough to spread kill moments, and replayable.
pub struct Rng(u64);

impl Rng {
    /// The generator of one test: the seed (one per test run) is `AMITY_CRASH_SEED` if set,
    /// else the clock; it is printed, and mixed with the test's name so that tests draw
    /// different moments.
    pub fn seeded(test: &str) -> Rng {
        static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let seed = *SEED.get_or_init(|| match std::env::var("AMITY_CRASH_SEED") {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("AMITY_CRASH_SEED={text:?} is not a number")),
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos() as u64,
        });
        println!("{test}: seed {seed} (replay with AMITY_CRASH_SEED={seed})");
        let name_hash = test.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
        Rng(seed ^ name_hash)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// Where a test keeps its ledgers: SQLite files in its temporary folder, or fresh schemas of
/// the test PostgreSQL server (dropped when the test ends).
pub struct Ledgers {
    pub dir: TempDir,
    server: Option<String>,
    label: String,
    schemas: std::sync::Mutex<Vec<String>>,
}

impl Ledgers {
    /// Ledgers in SQLite files.
    pub fn sqlite(label: &str) -> Ledgers {
        Ledgers {
            dir: tempfile::tempdir().expect("temp dir"),
            server: None,
            label: label.to_owned(),
            schemas: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Ledgers in schemas of the test server; `None`, with the reason printed, without one.
    pub fn postgres(label: &str) -> Option<Ledgers> {
        let Ok(url) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
            eprintln!(
                "skipped: set AMITY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run {label} on PostgreSQL"
            );
            return None;
        };
        Some(Ledgers {
            dir: tempfile::tempdir().expect("temp dir"),
            server: Some(url),
            label: label.to_owned(),
            schemas: std::sync::Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The URL of a new, empty ledger.
    pub fn fresh(&self) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos();
        let name = format!("{}_{}_{nanos:x}", self.label, std::process::id());
        match &self.server {
            None => format!(
                "sqlite://{}",
                self.path().join(format!("{name}.db")).display()
            ),
            Some(url) => {
                let schema = format!("amity_test_{name}");
                self.schemas.lock().expect("schemas").push(schema.clone());
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}schema={schema}")
            }
        }
    }

    /// `amity --store STORE ARGS…`, in the test's folder.
    pub fn command(&self, store: &str, args: &[String]) -> Command {
        let mut command = amity_in(self.path());
        command.arg("--store").arg(store).args(args);
        command
    }

    /// Run and require success; the stdout.
    pub fn ok(&self, store: &str, args: &[String]) -> String {
        let output = self.command(store, args).output().expect("amity runs");
        let run = Run::from(output);
        assert!(
            run.success,
            "amity {args:?} on {store} failed ({:?}):\nstdout: {}\nstderr: {}",
            run.code, run.stdout, run.stderr
        );
        run.stdout
    }

    /// The ledger's archive, `recorded_at` removed from each line.
    pub fn archive_without_times(&self, store: &str) -> String {
        let archive = self.ok(store, &words(&["export", "--format", "jsonl"]));
        archive
            .lines()
            .map(|line| without_recorded_at(line) + "\n")
            .collect()
    }
}

impl Drop for Ledgers {
    fn drop(&mut self) {
        let (Some(url), Ok(schemas)) = (&self.server, self.schemas.get_mut()) else {
            return;
        };
        if schemas.is_empty() {
            return;
        }
        let statement = format!("DROP SCHEMA IF EXISTS {} CASCADE", schemas.join(", "));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            // A test that failed still leaves the server tidy; .ci/run drops leftovers anyway.
            if let Ok((client, connection)) =
                tokio_postgres::connect(url, tokio_postgres::NoTls).await
            {
                tokio::spawn(connection);
                let _ = client.batch_execute(&statement).await;
            }
        });
    }
}

pub fn words(args: &[&str]) -> Vec<String> {
    args.iter().map(|&word| word.to_owned()).collect()
}

/// An archive line without its `"recorded_at":"…"` field, the rest byte for byte.
fn without_recorded_at(line: &str) -> String {
    const FIELD: &str = "\"recorded_at\":\"";
    let Some(start) = line.find(FIELD) else {
        panic!("an archive line without recorded_at: {line}");
    };
    let value_end = start
        + FIELD.len()
        + line[start + FIELD.len()..]
            .find('"')
            .expect("recorded_at ends");
    let mut end = value_end + 1;
    if line[end..].starts_with(',') {
        end += 1;
    }
    format!("{}{}", &line[..start], &line[end..])
}

/// Where two texts first differ, by line.
fn first_difference(expected: &str, actual: &str) -> String {
    let expected_lines: Vec<&str> = expected.lines().collect();
    let actual_lines: Vec<&str> = actual.lines().collect();
    let line = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    format!(
        "{} lines expected, {} found; first difference at line {}:\nexpected: {}\nfound:    {}",
        expected_lines.len(),
        actual_lines.len(),
        line + 1,
        expected_lines.get(line).unwrap_or(&"(none)"),
        actual_lines.get(line).unwrap_or(&"(none)"),
    )
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/// A lifecycle CSV file: per partnership a founding and an attestation; every third one is
/// suspended, every sixth reinstated after, so that the views hold every status.
pub fn lifecycle_csv(partnerships: usize) -> String {
    let mut csv = String::with_capacity(partnerships * 250);
    csv.push_str(CSV_HEADER);
    csv.push('\n');
    for i in 0..partnerships {
        let year = 1950 + i % 70;
        let pair = format!("Town {i},US,US-CO,Ville {i},FR,,");
        writeln!(csv, "{pair},founded,{year},,,Registry,Registry office,,,").unwrap();
        writeln!(csv, "{pair},attested,2021,,probable,,,,,row {i}").unwrap();
        if i.is_multiple_of(3) {
            writeln!(csv, "{pair},suspended,2022-03,,,News,,,,").unwrap();
        }
        if i.is_multiple_of(6) {
            writeln!(csv, "{pair},reinstated,2023-05~,,,News,,,,").unwrap();
        }
    }
    csv
}

/// A snapshot list of pairs, `city1,country1,city2,country2`.
fn pairs_csv(pairs: usize) -> String {
    let mut csv = String::from("city1,country1,city2,country2\n");
    for i in 0..pairs {
        writeln!(csv, "Town {i},France,Stadt {},Germany", i * 7 % pairs).unwrap();
    }
    csv
}

fn write_file(ledgers: &Ledgers, name: &str, contents: &str) -> PathBuf {
    let path = ledgers.path().join(name);
    std::fs::write(&path, contents).expect("write the input");
    path
}

// ---------------------------------------------------------------------------------------------
// Killing.

/// What became of a run that was to be killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Killed by SIGKILL.
    Killed,
    /// Done before the kill came.
    Finished,
}

/// Start the command, and SIGKILL it after `delay` unless it is done by then.
fn kill_after(mut command: Command, delay: Duration) -> Fate {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("amity starts");
    std::thread::sleep(delay);
    if let Some(status) = child.try_wait().expect("wait for amity") {
        assert!(status.success(), "amity failed before the kill: {status:?}");
        return Fate::Finished;
    }
    child.kill().expect("kill amity");
    let status = child.wait().expect("amity ends");
    if status.signal() == Some(9) {
        Fate::Killed
    } else {
        assert!(status.success(), "amity failed at the kill: {status:?}");
        Fate::Finished
    }
}

/// When to kill the `kill`th run of a command that takes `duration`: anywhere in the run for
/// even kills, in its second half for odd ones, where the writing is (a command reads and
/// checks its whole input first, so uniform moments alone would seldom find a write).
fn kill_moment(rng: &mut Rng, kill: usize, duration: Duration) -> Duration {
    let fraction = if kill.is_multiple_of(2) {
        rng.unit()
    } else {
        0.5 + rng.unit() / 2.0
    };
    duration.mul_f64(fraction)
}

/// A command measured on a run to completion: how long it took.
fn timed(ledgers: &Ledgers, store: &str, args: &[String]) -> Duration {
    let started = Instant::now();
    ledgers.ok(store, args);
    started.elapsed()
}

/// Require that enough kills landed while the command ran (else the test proved little): a
/// loaded machine makes some runs slower, others faster, than the one measured.
fn assert_mostly_killed(test: &str, fates: &[Fate]) {
    let killed = fates.iter().filter(|&&fate| fate == Fate::Killed).count();
    println!("{test}: {killed} of {} runs killed", fates.len());
    assert!(
        killed * 5 >= fates.len(),
        "{test}: only {killed} of {} runs were killed before they finished",
        fates.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Imports.

/// Import `file` (`format`, `extra` options) once uninterrupted, then [`KILLS`] times into
/// fresh ledgers with a kill at a random moment and a rerun: each rerun's archive equals the
/// uninterrupted run's. The uninterrupted run's archive.
fn import_survives_kills(
    ledgers: &Ledgers,
    test: &str,
    format: &str,
    file: &Path,
    extra: &[&str],
) -> String {
    let mut args = words(&["import", "--format", format]);
    args.push(file.display().to_string());
    args.extend(words(extra));

    let reference = ledgers.fresh();
    // The run's length: the shorter of two (the first may wait for a cold disk or cache).
    let duration = timed(ledgers, &reference, &args).min(timed(ledgers, &ledgers.fresh(), &args));
    let expected = ledgers.archive_without_times(&reference);
    let total = expected.lines().count();
    assert!(total > 1_000, "{test}: the input made only {total} events");
    println!("{test}: an uninterrupted run takes {duration:?} and writes {total} events");

    let mut rng = Rng::seeded(test);
    let mut fates = Vec::with_capacity(KILLS);
    for kill in 0..KILLS {
        let store = ledgers.fresh();
        let delay = kill_moment(&mut rng, kill, duration);
        let fate = kill_after(ledgers.command(&store, &args), delay);
        let before_rerun = match ledgers
            .command(&store, &words(&["export", "--format", "jsonl"]))
            .output()
            .expect("amity runs")
        {
            // A kill before the ledger existed leaves nothing to export.
            output if output.status.success() => output.stdout.split(|&b| b == b'\n').count() - 1,
            _ => 0,
        };
        println!("{test}: kill {kill} after {delay:?}: {fate:?}, {before_rerun} of {total} events written");
        ledgers.ok(&store, &args);
        let actual = ledgers.archive_without_times(&store);
        assert!(
            actual == expected,
            "{test}: kill {kill} after {delay:?} ({fate:?}, {before_rerun} events written): the rerun's archive differs from an uninterrupted run's: {}",
            first_difference(&expected, &actual)
        );
        fates.push(fate);
    }
    assert_mostly_killed(test, &fates);
    expected
}

fn jsonl_import_survives_kills(ledgers: &Ledgers, test: &str) {
    // The archive to import: that of a ledger made from the lifecycle CSV file (on SQLite).
    let source = Ledgers::sqlite("crash_source");
    let csv = write_file(
        &source,
        "lifecycle.csv",
        &lifecycle_csv(ARCHIVE_PARTNERSHIPS),
    );
    let store = source.fresh();
    source.ok(
        &store,
        &[
            words(&["import", "--format", "csv"]),
            vec![csv.display().to_string()],
        ]
        .concat(),
    );
    let archive = source.ok(&store, &words(&["export", "--format", "jsonl"]));
    let file = write_file(ledgers, "archive.jsonl", &archive);

    let imported = import_survives_kills(ledgers, test, "jsonl", &file, &[]);
    let archived: String = archive
        .lines()
        .map(|line| without_recorded_at(line) + "\n")
        .collect();
    assert!(
        imported == archived,
        "{test}: the imported ledger is not the archive: {}",
        first_difference(&archived, &imported)
    );
}

fn csv_import_survives_kills(ledgers: &Ledgers, test: &str) {
    let file = write_file(ledgers, "lifecycle.csv", &lifecycle_csv(CSV_PARTNERSHIPS));
    import_survives_kills(ledgers, test, "csv", &file, &[]);
}

fn pairs_import_survives_kills(ledgers: &Ledgers, test: &str) {
    let file = write_file(ledgers, "pairs.csv", &pairs_csv(PAIRS));
    import_survives_kills(
        ledgers,
        test,
        "pairs",
        &file,
        &[
            "--source-title",
            "A list of twin towns",
            "--as-of",
            "2026-02",
        ],
    );
}

#[test]
fn a_jsonl_import_killed_anywhere_finishes_exactly_when_run_again_sqlite() {
    let test = "jsonl_import_sqlite";
    jsonl_import_survives_kills(&Ledgers::sqlite("crash_jsonl"), test);
}

#[test]
fn a_jsonl_import_killed_anywhere_finishes_exactly_when_run_again_postgres() {
    let test = "jsonl_import_postgres";
    if let Some(ledgers) = Ledgers::postgres("crash_jsonl") {
        jsonl_import_survives_kills(&ledgers, test);
    }
}

#[test]
fn a_csv_import_killed_anywhere_finishes_exactly_when_run_again_sqlite() {
    let test = "csv_import_sqlite";
    csv_import_survives_kills(&Ledgers::sqlite("crash_csv"), test);
}

#[test]
fn a_csv_import_killed_anywhere_finishes_exactly_when_run_again_postgres() {
    let test = "csv_import_postgres";
    if let Some(ledgers) = Ledgers::postgres("crash_csv") {
        csv_import_survives_kills(&ledgers, test);
    }
}

#[test]
fn a_pairs_import_killed_anywhere_finishes_exactly_when_run_again_sqlite() {
    let test = "pairs_import_sqlite";
    pairs_import_survives_kills(&Ledgers::sqlite("crash_pairs"), test);
}

#[test]
fn a_pairs_import_killed_anywhere_finishes_exactly_when_run_again_postgres() {
    let test = "pairs_import_postgres";
    if let Some(ledgers) = Ledgers::postgres("crash_pairs") {
        pairs_import_survives_kills(&ledgers, test);
    }
}

// ---------------------------------------------------------------------------------------------
// Rebuild.

/// The projections as a reader sees them: every status (JSON) and both CSV views.
fn views(ledgers: &Ledgers, store: &str) -> [String; 3] {
    [
        ledgers.ok(store, &words(&["status", "--format", "json"])),
        ledgers.ok(
            store,
            &words(&["export", "--format", "csv", "--view", "status"]),
        ),
        ledgers.ok(
            store,
            &words(&["export", "--format", "csv", "--view", "timeline"]),
        ),
    ]
}

fn assert_views(test: &str, what: &str, expected: &[String; 3], actual: &[String; 3]) {
    for (name, (expected, actual)) in ["status json", "status csv", "timeline csv"]
        .iter()
        .zip(expected.iter().zip(actual))
    {
        assert!(
            expected == actual,
            "{test}: {what}: the {name} view differs from an uninterrupted rebuild's: {}",
            first_difference(expected, actual)
        );
    }
}

/// One ledger (the lifecycle CSV file): a rebuild run to completion gives the views; then
/// [`KILLS`] times a rebuild killed at a random moment, the views read right after (the tables
/// catch up), and a rebuild run again: the views are the same each time.
fn rebuild_survives_kills(ledgers: &Ledgers, test: &str) {
    let csv = write_file(ledgers, "lifecycle.csv", &lifecycle_csv(CSV_PARTNERSHIPS));
    let store = ledgers.fresh();
    ledgers.ok(
        &store,
        &[
            words(&["import", "--format", "csv"]),
            vec![csv.display().to_string()],
        ]
        .concat(),
    );
    let caught_up = views(ledgers, &store);

    let rebuild = words(&["rebuild"]);
    let duration = timed(ledgers, &store, &rebuild).min(timed(ledgers, &store, &rebuild));
    let expected = views(ledgers, &store);
    assert_views(
        test,
        "the views caught up before any rebuild",
        &expected,
        &caught_up,
    );
    println!("{test}: an uninterrupted rebuild takes {duration:?}");

    let mut rng = Rng::seeded(test);
    let mut fates = Vec::with_capacity(KILLS);
    for kill in 0..KILLS {
        let delay = kill_moment(&mut rng, kill, duration);
        let fate = kill_after(ledgers.command(&store, &rebuild), delay);
        println!("{test}: kill {kill} after {delay:?}: {fate:?}");
        let after_kill = views(ledgers, &store);
        assert_views(
            test,
            &format!("read after kill {kill} ({delay:?}, {fate:?})"),
            &expected,
            &after_kill,
        );
        ledgers.ok(&store, &rebuild);
        let rebuilt = views(ledgers, &store);
        assert_views(
            test,
            &format!("rebuilt after kill {kill} ({delay:?}, {fate:?})"),
            &expected,
            &rebuilt,
        );
        fates.push(fate);
    }
    assert_mostly_killed(test, &fates);
}

#[test]
fn a_rebuild_killed_anywhere_leaves_the_same_views_sqlite() {
    rebuild_survives_kills(&Ledgers::sqlite("crash_rebuild"), "rebuild_sqlite");
}

#[test]
fn a_rebuild_killed_anywhere_leaves_the_same_views_postgres() {
    if let Some(ledgers) = Ledgers::postgres("crash_rebuild") {
        rebuild_survives_kills(&ledgers, "rebuild_postgres");
    }
}

// ---------------------------------------------------------------------------------------------
// Export to a file.

/// An export to a file killed at a random moment leaves the file as it was or whole: it is
/// written beside the file and renamed when complete (README, CSV exports), never torn.
#[test]
fn an_export_killed_anywhere_leaves_the_old_file_or_the_whole_new_one() {
    let test = "export_sqlite";
    let ledgers = Ledgers::sqlite("crash_export");
    let csv = write_file(
        &ledgers,
        "lifecycle.csv",
        &lifecycle_csv(ARCHIVE_PARTNERSHIPS),
    );
    let store = ledgers.fresh();
    ledgers.ok(
        &store,
        &[
            words(&["import", "--format", "csv"]),
            vec![csv.display().to_string()],
        ]
        .concat(),
    );
    let target = ledgers.path().join("ledger.jsonl");
    let export = words(&["export", "--format", "jsonl", "ledger.jsonl"]);
    let duration = timed(&ledgers, &store, &export).min(timed(&ledgers, &store, &export));
    let whole = std::fs::read_to_string(&target).expect("the export");
    println!("{test}: an uninterrupted export takes {duration:?}");

    let old = "an older file, kept until the export is complete\n";
    let mut rng = Rng::seeded(test);
    let mut fates = Vec::with_capacity(KILLS);
    for kill in 0..KILLS {
        std::fs::write(&target, old).expect("the older file");
        let delay = kill_moment(&mut rng, kill, duration);
        let fate = kill_after(ledgers.command(&store, &export), delay);
        let after = std::fs::read_to_string(&target).expect("the file is still there");
        let kept = if after == old {
            "the old file"
        } else {
            "the whole export"
        };
        println!("{test}: kill {kill} after {delay:?}: {fate:?}, {kept}");
        assert!(
            after == old || after == whole,
            "{test}: kill {kill} after {delay:?} ({fate:?}) left a torn file: {}",
            first_difference(&whole, &after)
        );
        fates.push(fate);
    }
    assert_mostly_killed(test, &fates);
}

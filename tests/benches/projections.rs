//! Benchmark: rebuild the projections of a 1,000,000-event synthetic ledger, then time a
//! status "as of" query for one partnership inside the library and as a whole `amity`
//! process, and the analyst views `outcomes` and `series` for the US:RU cohort (10,000
//! partnerships) as whole processes (`cargo bench -p amity-tests --bench projections`).
//!
//! Before each rebuild it reads and decodes the whole ledger without writing anything (what
//! every rebuild must do at least), and reports the rebuild's rate as a share of that one: a
//! figure that compares across machines and days, where events/s alone do not.
//!
//! Each rebuild runs in a fresh process of this benchmark (the same binary, started again with
//! `AMITY_BENCH_REBUILD_CHILD` naming the ledger), which times itself and reads its own peak
//! memory: what `amity rebuild` holds, not what this process kept from the readings before it
//! (rebuilt in this process, later rebuilds peaked 10–30 MB above the first, holding what the
//! readings before them left).
//!
//! The ledger is the one of the `ledger` benchmark (100,000 partnerships × 10 events). It is
//! built once per invocation in a temporary file, or kept at `AMITY_BENCH_LEDGER` and reused.
//! The process timing needs the release binary (`cargo build --release -p amity-cli`); without
//! it that part is skipped with a message. Figures are medians (`AMITY_BENCH_RUNS` rebuilds,
//! 200 library queries, 20 processes).

#[path = "common.rs"]
mod common;
#[path = "plain.rs"]
mod plain;

use std::sync::Arc;
use std::time::Instant;

use amity_domain::EdtfDate;
use amity_ledger::Ledger;
use amity_projections::{AsOf, Projections, Selection};
use amity_store::{EventStore, Position};
use amity_store_sqlite::SqliteEventStore;
use common::{
    env_number, fill, median, partnership_events, peak_rss_mb, process_cpu_seconds, rss_mb,
};
use plain::plain_read;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set in the environment of a fresh process of this benchmark that rebuilds the ledger at
/// its value once and reports (see [`Rebuilt`]).
const CHILD: &str = "AMITY_BENCH_REBUILD_CHILD";

/// One rebuild, as its fresh process measured it.
struct Rebuilt {
    events: u64,
    partnerships: u64,
    /// The rebuild's wall time.
    seconds: f64,
    /// The fold of the WAL after it, on a thread of its own (waited for, timed apart).
    settled: f64,
    /// CPU time of every thread, the fold included.
    cpu_seconds: f64,
    /// Peak resident memory of the process (MB), and what it held before the rebuild.
    peak: f64,
    before: f64,
}

/// The runtime the ledger and the projections run on, as `amity` has it (2 workers).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// In a fresh process (`CHILD` set): rebuild the projections of the ledger at `path` once and
/// print the figures of a [`Rebuilt`] on one line.
fn rebuild_child(path: &str) {
    let runtime = runtime();
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(path).expect("open"));
    let mut projections =
        Projections::open_in_ledger(Ledger::new(store), path.as_ref()).expect("projections");
    let before = rss_mb().unwrap_or(f64::NAN);
    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let progress = runtime
        .block_on(projections.rebuild(&mut |_, _| {}))
        .expect("rebuild");
    let seconds = started.elapsed().as_secs_f64();
    // The WAL is folded back into the file after the rebuild, on a thread of its own while the
    // caller goes on; waited for here, timed apart, and counted in the CPU time.
    let settling = Instant::now();
    runtime.block_on(projections.settle());
    let settled = settling.elapsed().as_secs_f64();
    let peak = peak_rss_mb().unwrap_or(f64::NAN);
    let cpu_seconds = process_cpu_seconds() - cpu_before;
    println!(
        "{} {} {seconds} {settled} {cpu_seconds} {peak} {before}",
        progress.events, progress.partnerships
    );
}

/// Rebuild the projections of the ledger at `path` in a fresh process of this benchmark.
fn rebuild_in_child(path: &std::path::Path) -> Rebuilt {
    let output = std::process::Command::new(std::env::current_exe().expect("this benchmark"))
        .env(CHILD, path)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("a fresh process rebuilds");
    assert!(output.status.success(), "the rebuild's process failed");
    let text = String::from_utf8(output.stdout).expect("figures");
    let figures: Vec<f64> = text
        .split_whitespace()
        .map(|figure| figure.parse().expect("a figure"))
        .collect();
    let [events, partnerships, seconds, settled, cpu_seconds, peak, before] = figures[..] else {
        panic!("the rebuild's process printed {text:?}");
    };
    Rebuilt {
        events: events as u64,
        partnerships: partnerships as u64,
        seconds,
        settled,
        cpu_seconds,
        peak,
        before,
    }
}

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        return rebuild_child(&path);
    }
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let temporary = tempfile::tempdir().expect("temp dir");
    let path = std::env::var("AMITY_BENCH_LEDGER").map_or_else(
        |_| temporary.path().join("projections-bench.db"),
        Into::into,
    );
    let runtime = runtime();
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path).expect("open"));
    let existing = runtime
        .block_on(store.read_all(Position::START, 1))
        .expect("read")
        .len();
    if existing == 0 {
        println!(
            "building a ledger of {partnerships} partnerships × 10 events at {}",
            path.display()
        );
        runtime.block_on(fill(&store, partnerships));
    }
    let ledger = Ledger::new(store);
    let projections = Projections::open_in_ledger(ledger, &path).expect("projections");

    let mut rates = Vec::new();
    let mut floors = Vec::new();
    let mut shares = Vec::new();
    let mut plains = Vec::new();
    let mut plain_shares = Vec::new();
    let mut peaks = Vec::new();
    let mut cpus = Vec::new();
    let lanes = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(1, amity_ledger::feed::MAX_LANES);
    for run in 0..runs {
        // Plain rusqlite + serde_json reading the same rows (the baseline), and the
        // ledger's own read and decode, in alternating order from one run to the next.
        let mut plain = 0.0;
        let mut floor = 0.0;
        let mut decoded_all = 0;
        for turn in 0..2 {
            if (turn + run).is_multiple_of(2) {
                plain = plain_read(&path, lanes).rate;
                continue;
            }
            let started = Instant::now();
            let mut decoded = 0u64;
            let (_, read) = runtime
                .block_on(
                    projections
                        .ledger()
                        .scan(Position::START, 4_096, |_| decoded += 1),
                )
                .expect("read and decode");
            assert_eq!(read, decoded);
            floor = decoded as f64 / started.elapsed().as_secs_f64();
            decoded_all = decoded;
        }
        let Rebuilt {
            events,
            partnerships,
            seconds,
            settled,
            cpu_seconds,
            peak,
            before,
        } = rebuild_in_child(&path);
        let cpu = cpu_seconds * 1e6 / events.max(1) as f64;
        let rate = events as f64 / seconds;
        assert_eq!(events, decoded_all, "the rebuild covers every event read");
        println!(
            "rebuild {}: {} events, {} partnerships in {seconds:.2} s = {rate:.0} events/s (the log folded after it in the background in {settled:.2} s more), {cpu:.2} µs of CPU per event, peak RSS {peak:.0} MB in its own process ({before:.0} MB before the rebuild); \
             read+decode alone {floor:.0} events/s, the rebuild runs at {:.0} % of it; \
             plain rusqlite + serde_json on {lanes} threads {plain:.0} events/s, the rebuild at {:.0} % of it",
            run + 1,
            events,
            partnerships,
            100.0 * rate / floor,
            100.0 * rate / plain,
        );
        rates.push(rate);
        floors.push(floor);
        shares.push(100.0 * rate / floor);
        plains.push(plain);
        plain_shares.push(100.0 * rate / plain);
        peaks.push(peak);
        cpus.push(cpu);
    }

    // One partnership, as of a date inside its history.
    let id = partnership_events(4_242 % partnerships).0.id();
    let as_of = AsOf {
        date: EdtfDate::parse("2000-06-15").expect("date"),
    };
    let selection = Selection::One(id.clone());
    let mut library = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let answer = runtime
            .block_on(projections.status(&selection, Some(&as_of), None))
            .expect("status");
        library.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(answer.len(), 1);
    }

    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/amity");
    let mut process = Vec::new();
    if binary.exists() {
        let store_url = format!("sqlite://{}", path.display());
        for _ in 0..20 {
            let started = Instant::now();
            let output = std::process::Command::new(&binary)
                .args([
                    "--store",
                    &store_url,
                    "status",
                    id.as_str(),
                    "--as-of",
                    "2000-06-15",
                    "--format",
                    "json",
                ])
                .output()
                .expect("amity runs");
            process.push(started.elapsed().as_secs_f64() * 1e3);
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    } else {
        println!(
            "process timing skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
    }

    let mut outcomes = Vec::new();
    let mut series = Vec::new();
    if binary.exists() {
        let store_url = format!("sqlite://{}", path.display());
        let time = |args: &[&str]| -> f64 {
            let started = Instant::now();
            let output = std::process::Command::new(&binary)
                .args(["--store", &store_url])
                .args(args)
                .output()
                .expect("amity runs");
            let elapsed = started.elapsed().as_secs_f64() * 1e3;
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            elapsed
        };
        let cohort = ["--cohort", "US:RU", "--format", "json"];
        for _ in 0..10 {
            let mut args = vec!["outcomes", "--from", "1990", "--to", "2010"];
            args.extend(cohort);
            outcomes.push(time(&args));
            let mut args = vec!["series", "--from", "1990", "--to", "2024", "--step", "year"];
            args.extend(cohort);
            series.push(time(&args));
        }
    }
    println!(
        "median: rebuild {:.0} events/s (read+decode alone {:.0} events/s, the rebuild at {:.0} % \
         of it; plain rusqlite + serde_json {:.0} events/s, the rebuild at {:.0} % of it, target \
         ≥ 40 %), {:.2} µs of CPU per event, rebuild peak RSS {:.0} MB in its own process (target < 120); \
         status --as-of in the library {:.3} ms (target < 1 ms){}",
        median(&mut rates),
        median(&mut floors),
        median(&mut shares),
        median(&mut plains),
        median(&mut plain_shares),
        median(&mut cpus),
        median(&mut peaks),
        median(&mut library),
        if process.is_empty() {
            String::new()
        } else {
            format!(
                ", as a process {:.1} ms (target < 50 ms)",
                median(&mut process)
            )
        }
    );
    if !outcomes.is_empty() {
        println!(
            "median: outcomes US:RU (10,000 partnerships) {:.0} ms as a process (target < 100 ms); \
             series over 35 years {:.0} ms (target < 200 ms)",
            median(&mut outcomes),
            median(&mut series)
        );
    }
}

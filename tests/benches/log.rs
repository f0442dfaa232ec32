//! Benchmark: the verifiable log of the 1,000,000-event synthetic ledger, each step a whole
//! `amity` process (`cargo build --release -p amity-cli && cargo bench -p amity-tests --bench
//! log`): `key generate` and the first `checkpoint` (every event hashed), a `checkpoint` after
//! appending 1,000 events (only those hashed: the tree's right edge is cached), and `verify
//! --key` of the whole ledger (the store's integrity, every event hashed, every stored
//! checkpoint and the latest signature checked).
//!
//! The ledger is the one of the `ledger` benchmark (100,000 partnerships × 10 events). It is
//! built once per invocation in a temporary file, or kept at `AMITY_BENCH_LEDGER` and reused;
//! its projection tables are brought up to date once, as a ledger in use has them (`verify`
//! compares a sample of them with the events). Each run works on a copy without checkpoints,
//! so the first checkpoint always hashes (and keeps the leaves of) everything.
//! Needs the release binary; figures are medians of `AMITY_BENCH_RUNS` runs (default 3).
//! Appending is not timed here: it hashes nothing (leaves are hashed at checkpoint and verify
//! time), so the `ledger` benchmark's append figure holds with the log in place.

#[path = "common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use amity_store::{EventStore, Position};
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, fill, median, partnership_events};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Events appended before the second checkpoint.
const APPENDED_PARTNERSHIPS: usize = 100;

/// Run `amity` on the ledger at `path`: its wall time in seconds and its standard output, after
/// checking it succeeded.
fn amity(binary: &Path, path: &Path, args: &[&str]) -> (f64, Vec<u8>) {
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["--store", &format!("sqlite://{}", path.display())])
        .args(args)
        .output()
        .expect("amity runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "amity {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    (seconds, output.stdout)
}

/// A copy of the ledger at `base` for one run, without any checkpoint or cached right edge.
fn copy_ledger(base: &Path, copy: &Path) {
    let connection = rusqlite::Connection::open(base).expect("open the ledger");
    connection
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint the WAL");
    drop(connection);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(base, copy).expect("copy the ledger");
    let connection = rusqlite::Connection::open(copy).expect("open the copy");
    connection
        .execute_batch(
            "DELETE FROM log_checkpoints; DELETE FROM log_frontier; DELETE FROM log_leaves; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("clear the log");
}

fn main() {
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/amity");
    if !binary.exists() {
        println!(
            "skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
        return;
    }
    let temporary = tempfile::tempdir().expect("temp dir");
    let base: PathBuf = std::env::var("AMITY_BENCH_LEDGER")
        .map_or_else(|_| temporary.path().join("log-bench.db"), Into::into);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    {
        let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&base).expect("open"));
        let existing = runtime
            .block_on(store.read_all(Position::START, 1))
            .expect("read")
            .len();
        if existing == 0 {
            println!(
                "building a ledger of {partnerships} partnerships × 10 events at {}",
                base.display()
            );
            runtime.block_on(fill(&store, partnerships));
        }
    }

    // The projection tables up to date, as in a ledger in use (not timed).
    amity(&binary, &base, &["status", "--limit", "1"]);
    let events = (partnerships * common::EVENTS_PER_PARTNERSHIP) as f64;
    let mut first_rates = Vec::new();
    let mut incremental = Vec::new();
    let mut verify_rates = Vec::new();
    for run in 0..runs {
        let copy = temporary.path().join("log-bench-run.db");
        copy_ledger(&base, &copy);
        let key = temporary.path().join(format!("signing-key-{run}"));
        let verifier = temporary.path().join(format!("verifier-key-{run}"));
        let key_text = key.display().to_string();

        let (generate, verifier_key) = amity(&binary, &copy, &["key", "generate", &key_text]);
        std::fs::write(&verifier, verifier_key).expect("write the verifier key");
        let (first, _) = amity(&binary, &copy, &["checkpoint", "--signing-key", &key_text]);
        let first_rate = events / (generate + first);

        // Append 1,000 events through the library (not timed), then checkpoint again.
        {
            let store: Arc<dyn EventStore> =
                Arc::new(SqliteEventStore::open(&copy).expect("open the copy"));
            let mut batch = Vec::new();
            for n in partnerships..partnerships + APPENDED_PARTNERSHIPS {
                let (partnership, events) = partnership_events(n);
                batch.push(common::new_stream(&partnership, &events));
            }
            runtime
                .block_on(store.append_many(batch))
                .expect("append 1,000 events");
        }
        let (second, _) = amity(&binary, &copy, &["checkpoint", "--signing-key", &key_text]);

        let verifier_text = verifier.display().to_string();
        let (verify, _) = amity(&binary, &copy, &["verify", "--key", &verifier_text]);
        let verified = events + (APPENDED_PARTNERSHIPS * common::EVENTS_PER_PARTNERSHIP) as f64;
        let verify_rate = verified / verify;
        println!(
            "run {}: key generate {:.0} ms + first checkpoint {first:.2} s = {first_rate:.0} \
             events/s; checkpoint after 1,000 more {:.0} ms; verify --key {verify:.2} s = \
             {verify_rate:.0} events/s",
            run + 1,
            generate * 1e3,
            second * 1e3
        );
        first_rates.push(first_rate);
        incremental.push(second * 1e3);
        verify_rates.push(verify_rate);
    }
    println!(
        "median: key generate + first checkpoint {:.0} events/s; checkpoint after appending \
         1,000 events {:.0} ms (target < 100 ms); verify --key {:.0} events/s (target ≥ 500000)",
        median(&mut first_rates),
        median(&mut incremental),
        median(&mut verify_rates)
    );
}

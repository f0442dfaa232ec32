//! Benchmark (issue 22, target 2): one-at-a-time writes, as the HTTP server and every CLI
//! recording do them: durable transactions of 10 events, one per stream
//! (`ExpectedVersion::NoStream`), through the SQLite store; beside each figure, in the same run
//! and in rotating order, plain rusqlite doing the same (the store's PRAGMAs: WAL,
//! `synchronous = FULL`, 16 KiB pages; the same tables and unique indexes; the same payload
//! bytes; `BEGIN IMMEDIATE` and a busy timeout where several write), and the ratio.
//!
//! Three ways of writing, each in transactions (durable commits) per second:
//! - one process, one transaction after another: the store (the target: at least 80 % of plain
//!   rusqlite), and the ledger recording the same events (`Ledger::record_all` of each
//!   partnership's 10 events: the rules checked against the stored history, no signing key),
//!   the three taking turns 50 transactions at a time on files of their own;
//! - 8 writers in one process: the store from 8 tasks (their appends committed in groups)
//!   beside plain rusqlite from 8 threads sharing one connection;
//! - 8 processes (this binary run again as a child), each writing its share of the streams:
//!   the store beside plain rusqlite.
//!
//! `cargo bench -p amity-tests --bench writes`. Environment: `AMITY_BENCH_STREAMS` (default
//! 2000, shared among the writers where there are 8), `AMITY_BENCH_RUNS` (default 5),
//! `AMITY_BENCH_DIR` (default the system temp dir), `AMITY_BENCH_MEASURES` (only these parts,
//! for profiling, the others printed as 0: `0` one at a time, `1` the store's 8 tasks, `2` plain
//! rusqlite's 8 threads, `3` the store's 8 processes, `4` plain rusqlite's).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use amity_ledger::{Ledger, ToRecord};
use amity_store::{EventStore, ExpectedVersion, NewEvent};
use amity_store_sqlite::SqliteEventStore;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common.rs"]
mod common;

use common::{env_number, median, partnership_events};

/// Concurrent writers, in one process or as processes.
const WRITERS: usize = 8;

/// Set in a child process: what it writes with (`store` or `plain`); the file, and the range of
/// streams, in `CHILD_PATH`, `CHILD_FROM` and `CHILD_TO`.
const CHILD: &str = "AMITY_BENCH_WRITES_CHILD";
const CHILD_PATH: &str = "AMITY_BENCH_WRITES_PATH";
const CHILD_FROM: &str = "AMITY_BENCH_WRITES_FROM";
const CHILD_TO: &str = "AMITY_BENCH_WRITES_TO";

/// One stream's transaction: the stream and its 10 events, encoded.
type Transaction = (String, Vec<NewEvent>);

/// The `k`th synthetic partnership whose events all lie in the past (so that the ledger takes
/// them as new input): those of the common generator whose first year is before 1964.
fn past(k: usize) -> usize {
    k / 14 * 50 + k % 14
}

/// The transactions of streams `range`, encoded once (with fresh ids).
fn workload(range: std::ops::Range<usize>) -> Vec<Transaction> {
    range
        .map(|k| {
            let (partnership, events) = partnership_events(past(k));
            let encoded = events
                .iter()
                .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
                .collect();
            (partnership.id().as_str().to_owned(), encoded)
        })
        .collect()
}

/// The same streams as the ledger records them: each partnership's events, with fresh ids.
fn ledger_workload(streams: usize) -> Vec<Vec<ToRecord>> {
    (0..streams)
        .map(|k| {
            let (partnership, events) = partnership_events(past(k));
            events
                .into_iter()
                .map(|event| ToRecord::about(partnership.id(), event, "bench"))
                .collect()
        })
        .collect()
}

/// A fresh file's path in `dir`, with any leftovers of an earlier run removed.
fn fresh(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("amity-writes-{}-{name}.db", std::process::id()));
    remove(&path);
    path
}

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A plain rusqlite connection with the store's PRAGMAs.
fn plain_connection(path: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).expect("open");
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .expect("busy timeout");
    connection
        .execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384;",
        )
        .expect("PRAGMAs");
    connection
}

/// A new file for plain rusqlite: the store's tables and unique indexes.
fn plain_schema(path: &Path) {
    plain_connection(path)
        .execute_batch(
            "CREATE TABLE streams (stream_no INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                                   version INTEGER NOT NULL);
             CREATE TABLE events (position INTEGER PRIMARY KEY, stream_no INTEGER NOT NULL,
                                  stream_version INTEGER NOT NULL, event_id BLOB NOT NULL,
                                  event_type TEXT NOT NULL, schema_version INTEGER NOT NULL,
                                  payload TEXT NOT NULL, metadata TEXT NOT NULL,
                                  recorded_at INTEGER NOT NULL);
             CREATE UNIQUE INDEX events_by_stream ON events (stream_no, stream_version);
             CREATE UNIQUE INDEX events_by_id ON events (event_id);",
        )
        .expect("schema");
}

/// One stream's transaction through plain rusqlite.
fn write_plain(connection: &mut rusqlite::Connection, stream: &str, events: &[NewEvent]) {
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .expect("begin");
    transaction
        .prepare_cached("INSERT INTO streams (name, version) VALUES (?1, ?2)")
        .expect("prepare")
        .execute(rusqlite::params![stream, events.len() as i64 - 1])
        .expect("stream");
    let stream_no = transaction.last_insert_rowid();
    {
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO events (stream_no, stream_version, event_id, event_type,
                                     schema_version, payload, metadata, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .expect("prepare");
        let now = jiff::Timestamp::now().as_microsecond();
        for (version, event) in events.iter().enumerate() {
            insert
                .execute(rusqlite::params![
                    stream_no,
                    version as i64,
                    event.event_id.as_bytes().as_slice(),
                    event.event_type,
                    event.schema_version,
                    std::str::from_utf8(&event.payload).expect("JSON"),
                    std::str::from_utf8(&event.metadata).expect("JSON"),
                    now,
                ])
                .expect("insert");
        }
    }
    transaction.commit().expect("commit");
}

/// Append `work` through `store`, one transaction after another (the events handed over, as
/// a caller does: copied before the clock starts).
async fn write_store(store: &SqliteEventStore, work: Vec<Transaction>) {
    for (stream, events) in work {
        store
            .append(&stream, ExpectedVersion::NoStream, events)
            .await
            .expect("append");
    }
}

/// Transactions per second: `transactions` done by `work`, timed.
fn rate(transactions: usize, work: impl FnOnce()) -> f64 {
    let started = Instant::now();
    work();
    transactions as f64 / started.elapsed().as_secs_f64()
}

/// Transactions written one at a time in a chunk of each figure, in turn: on a shared disk
/// whose syncs slow down and speed up by the second, figures taken a few seconds apart differ
/// more than the store and plain rusqlite do.
const CHUNK: usize = 50;

/// One process, one transaction after another: the store, plain rusqlite and the ledger over
/// the store, each on a file of its own, taking turns a [`CHUNK`] at a time (each starting a
/// turn in rotation); transactions per second of each, from the time spent in its own chunks.
fn one_at_a_time(
    runtime: &tokio::runtime::Runtime,
    paths: [&Path; 3],
    work: &[Transaction],
    ledger_work: &[Vec<ToRecord>],
) -> [f64; 3] {
    let store = SqliteEventStore::open(paths[0]).expect("open");
    plain_schema(paths[1]);
    let mut plain = plain_connection(paths[1]);
    let ledger = Ledger::new(Arc::new(SqliteEventStore::open(paths[2]).expect("open")));
    let mut spent = [std::time::Duration::ZERO; 3];
    for (chunk, start) in (0..work.len()).step_by(CHUNK).enumerate() {
        let end = (start + CHUNK).min(work.len());
        for turn in 0..3 {
            let which = (chunk + turn) % 3;
            // What the store and the ledger take is theirs, copied before the clock starts.
            let to_store = (which == 0).then(|| work[start..end].to_vec());
            let to_record = (which == 2).then(|| ledger_work[start..end].to_vec());
            let started = Instant::now();
            match (to_store, to_record) {
                (Some(to_store), _) => runtime.block_on(write_store(&store, to_store)),
                (_, Some(to_record)) => runtime.block_on(async {
                    for items in to_record {
                        ledger.record_all(items).await.expect("record");
                    }
                }),
                _ => {
                    for (stream, events) in &work[start..end] {
                        write_plain(&mut plain, stream, events);
                    }
                }
            }
            spent[which] += started.elapsed();
        }
    }
    spent.map(|spent| work.len() as f64 / spent.as_secs_f64())
}

/// The store from [`WRITERS`] tasks, each writing its share one transaction at a time.
fn store_tasks(runtime: &tokio::runtime::Runtime, path: &Path, work: &[Transaction]) -> f64 {
    let store = SqliteEventStore::open(path).expect("open");
    let shares = shares(work);
    rate(work.len(), || {
        runtime.block_on(async {
            let tasks: Vec<_> = shares
                .into_iter()
                .map(|share| {
                    let store = store.clone();
                    tokio::spawn(async move { write_store(&store, share).await })
                })
                .collect();
            for task in tasks {
                task.await.expect("task");
            }
        })
    })
}

/// Plain rusqlite from [`WRITERS`] threads sharing one connection (each transaction under a
/// lock): faster than a connection each, whose writers wait for one another in SQLite's busy
/// handler, sleeping.
fn plain_threads(path: &Path, work: &[Transaction]) -> f64 {
    plain_schema(path);
    let connection = std::sync::Mutex::new(plain_connection(path));
    let shares = shares(work);
    rate(work.len(), || {
        std::thread::scope(|scope| {
            for share in &shares {
                let connection = &connection;
                scope.spawn(move || {
                    for (stream, events) in share {
                        write_plain(&mut connection.lock().expect("lock"), stream, events);
                    }
                });
            }
        })
    })
}

/// `work` dealt out to [`WRITERS`] writers.
fn shares(work: &[Transaction]) -> Vec<Vec<Transaction>> {
    let size = work.len().div_ceil(WRITERS).max(1);
    work.chunks(size).map(<[Transaction]>::to_vec).collect()
}

/// [`WRITERS`] child processes writing `streams` streams to `path` with `kind` (`store` or
/// `plain`), timed from the moment all are ready (their work encoded, the file open).
fn processes(kind: &str, path: &Path, streams: usize) -> f64 {
    match kind {
        "store" => drop(SqliteEventStore::open(path).expect("open")),
        _ => plain_schema(path),
    }
    let size = streams.div_ceil(WRITERS);
    let mut children: Vec<_> = (0..WRITERS)
        .map(|writer| {
            std::process::Command::new(std::env::current_exe().expect("this benchmark"))
                .env(CHILD, kind)
                .env(CHILD_PATH, path)
                .env(CHILD_FROM, (writer * size).min(streams).to_string())
                .env(CHILD_TO, ((writer + 1) * size).min(streams).to_string())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("a writer process")
        })
        .collect();
    for child in &mut children {
        let mut line = String::new();
        let stdout = child.stdout.as_mut().expect("piped");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ready");
        assert_eq!(line.trim(), "ready", "a writer process failed to start");
    }
    rate(streams, || {
        for child in &mut children {
            let mut stdin = child.stdin.take().expect("piped");
            stdin.write_all(b"go\n").expect("go");
        }
        for mut child in children {
            assert!(child.wait().expect("a writer process").success());
        }
    })
}

/// A child process: encode its share, open the file, say it is ready, and write when told.
fn child(kind: &str) {
    let number = |name: &str| -> usize {
        std::env::var(name)
            .ok()
            .and_then(|value| value.parse().ok())
            .expect("a number")
    };
    let path = PathBuf::from(std::env::var(CHILD_PATH).expect("the file"));
    let work = workload(number(CHILD_FROM)..number(CHILD_TO));
    let ready = || {
        println!("ready");
        std::io::stdout().flush().expect("flush");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).expect("go");
    };
    if kind == "store" {
        let runtime = runtime();
        let store = SqliteEventStore::open(&path).expect("open");
        ready();
        runtime.block_on(write_store(&store, work));
    } else {
        let mut connection = plain_connection(&path);
        ready();
        for (stream, events) in &work {
            write_plain(&mut connection, stream, events);
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The machine's load averages (1, 5 and 15 minutes).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The figures: one process (store, plain, ledger), 8 writers in one process (store,
/// plain), 8 processes (store, plain).
const MEASURES: usize = 7;

/// One run's figures, transactions per second, in the order of [`MEASURES`].
type Figures = [f64; MEASURES];

/// What is measured apart, in turn: one at a time (figures 0 to 2, together), 8 tasks, 8
/// threads, 8 store processes, 8 plain processes.
const PARTS: usize = 5;

fn ratio(figure: f64, baseline: f64) -> String {
    format!("{:.0} %", 100.0 * figure / baseline)
}

fn report(label: &str, [store, plain, ledger, tasks, threads, s_procs, p_procs]: Figures) {
    println!(
        "{label}: one process, one at a time: store {store:.0}/s vs plain rusqlite {plain:.0}/s \
         ({}; target ≥ 80 %), ledger {ledger:.0}/s ({} of plain, {} of the store); \
         8 writers in one process: store (8 tasks) {tasks:.0}/s vs plain rusqlite (8 threads, \
         one connection) {threads:.0}/s ({}); 8 processes: store {s_procs:.0}/s vs plain rusqlite \
         {p_procs:.0}/s ({})",
        ratio(store, plain),
        ratio(ledger, plain),
        ratio(ledger, store),
        ratio(tasks, threads),
        ratio(s_procs, p_procs),
    );
}

fn main() {
    if let Ok(kind) = std::env::var(CHILD) {
        return child(&kind);
    }
    let streams = env_number("AMITY_BENCH_STREAMS", 2_000);
    let runs = env_number("AMITY_BENCH_RUNS", 5).max(1);
    let dir = std::env::var("AMITY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let runtime = runtime();
    let chosen: Option<Vec<usize>> = std::env::var("AMITY_BENCH_MEASURES").ok().map(|list| {
        list.split(',')
            .map(|number| number.trim().parse().expect("a measure's number"))
            .collect()
    });
    println!(
        "{streams} transactions of 10 events (one per stream) per figure, transactions/s; \
         load averages {}",
        load()
    );
    let mut all: Vec<Figures> = Vec::new();
    for run in 1..=runs {
        // Fresh ids each run (the files are new, but the ids are the ledger's own).
        let work = workload(0..streams);
        let ledger_work = ledger_workload(streams);
        let mut figures = [0.0; MEASURES];
        // Each part writes fresh files, starting with a different one each run, so that the
        // machine's drift touches all alike.
        for turn in 0..PARTS {
            let part = (run + turn) % PARTS;
            if chosen
                .as_ref()
                .is_some_and(|chosen| !chosen.contains(&part))
            {
                continue;
            }
            let paths =
                ["store", "plain", "ledger"].map(|name| fresh(&dir, &format!("{name}-{run}")));
            let path = &paths[0];
            match part {
                0 => {
                    let [store, plain, ledger] = one_at_a_time(
                        &runtime,
                        paths.each_ref().map(PathBuf::as_path),
                        &work,
                        &ledger_work,
                    );
                    figures[..3].copy_from_slice(&[store, plain, ledger]);
                }
                1 => figures[3] = store_tasks(&runtime, path, &work),
                2 => figures[4] = plain_threads(path, &work),
                3 => figures[5] = processes("store", path, streams),
                _ => figures[6] = processes("plain", path, streams),
            }
            paths.iter().for_each(|path| remove(path));
        }
        report(&format!("run {run} (load {})", load()), figures);
        all.push(figures);
    }
    let mut medians = [0.0; MEASURES];
    for (measure, value) in medians.iter_mut().enumerate() {
        let mut values: Vec<f64> = all.iter().map(|figures| figures[measure]).collect();
        *value = median(&mut values);
    }
    report(&format!("median of {runs} (load {})", load()), medians);
    let mut ratios: Vec<f64> = all.iter().map(|figures| figures[0] / figures[1]).collect();
    println!(
        "median of the runs' ratios, store to plain rusqlite one at a time: {:.0} %",
        100.0 * median(&mut ratios)
    );
}

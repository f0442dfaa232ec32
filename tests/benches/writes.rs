//! Benchmark (issue 22, target 2): one-at-a-time writes, as the HTTP server and every CLI
//! recording do them: one durable transaction of 10 events per stream
//! (`ExpectedVersion::NoStream`), one after another, through the SQLite store; beside it, in
//! the same run and alternating with it, plain rusqlite doing the same (the store's PRAGMAs:
//! WAL, `synchronous = FULL`, 16 KiB pages; the same tables and unique indexes; the same
//! payload bytes). Prints each run, the medians and the ratio (target: the store at least 80 %
//! of plain rusqlite). `cargo bench -p amity-tests --bench writes`.
//!
//! Environment: `AMITY_BENCH_STREAMS` (default 2000), `AMITY_BENCH_RUNS` (default 3),
//! `AMITY_BENCH_DIR` (default the system temp dir).

use std::time::Instant;

use amity_store::{EventStore, ExpectedVersion, NewEvent};
use amity_store_sqlite::SqliteEventStore;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common.rs"]
mod common;

use common::{env_number, median, partnership_events};

/// The streams' events, encoded once: (stream, its 10 events).
fn workload(streams: usize) -> Vec<(String, Vec<NewEvent>)> {
    (0..streams)
        .map(|n| {
            let (partnership, events) = partnership_events(n);
            let encoded = events
                .iter()
                .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
                .collect();
            (partnership.id().as_str().to_owned(), encoded)
        })
        .collect()
}

/// A fresh file's path in `dir`, with any leftovers of an earlier run removed.
fn fresh(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(format!("amity-writes-{}-{name}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// Transactions per second through the store.
fn store_rate(
    runtime: &tokio::runtime::Runtime,
    path: &std::path::Path,
    work: &[(String, Vec<NewEvent>)],
) -> f64 {
    let store = SqliteEventStore::open(path).expect("open");
    let started = Instant::now();
    runtime.block_on(async {
        for (stream, events) in work {
            store
                .append(stream, ExpectedVersion::NoStream, events.clone())
                .await
                .expect("append");
        }
    });
    let rate = work.len() as f64 / started.elapsed().as_secs_f64();
    drop(store);
    rate
}

/// Transactions per second through plain rusqlite, the same tables and PRAGMAs; with
/// `runtime`, each transaction run as the store runs it (a blocking task of the runtime,
/// awaited), to tell the cost of that hop from the rest.
fn rusqlite_rate(
    runtime: Option<&tokio::runtime::Runtime>,
    path: &std::path::Path,
    work: &[(String, Vec<NewEvent>)],
) -> f64 {
    let connection = rusqlite::Connection::open(path).expect("open");
    connection
        .execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE streams (stream_no INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
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
    let connection = std::sync::Arc::new(std::sync::Mutex::new(connection));
    let started = Instant::now();
    for (stream, events) in work {
        let (stream, events) = (stream.clone(), events.clone());
        let connection = connection.clone();
        let write = move || write_plain(&mut connection.lock().expect("lock"), &stream, &events);
        match runtime {
            None => write(),
            Some(runtime) => {
                runtime.block_on(async { tokio::task::spawn_blocking(write).await.expect("task") })
            }
        }
    }
    work.len() as f64 / started.elapsed().as_secs_f64()
}

/// One stream's transaction through plain rusqlite.
fn write_plain(connection: &mut rusqlite::Connection, stream: &str, events: &[NewEvent]) {
    {
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .expect("begin");
        transaction
            .execute(
                "INSERT INTO streams (name, version) VALUES (?1, ?2)",
                rusqlite::params![stream, events.len() as i64 - 1],
            )
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
}

fn main() {
    let streams = env_number("AMITY_BENCH_STREAMS", 2_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let dir = std::env::var("AMITY_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let work = workload(streams);
    let (mut amity, mut plain, mut hopped) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=runs {
        // Each run writes three fresh files, starting with a different one each run, so that
        // the machine's drift touches all alike.
        let mut rates = [0.0; 3];
        for turn in 0..3 {
            let which = (run + turn) % 3;
            let path = fresh(&dir, &format!("{which}-{run}"));
            rates[which] = match which {
                0 => store_rate(&runtime, &path, &work),
                1 => rusqlite_rate(None, &path, &work),
                _ => rusqlite_rate(Some(&runtime), &path, &work),
            };
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        let [store, baseline, hop] = rates;
        println!(
            "run {run}: store {store:.0} transactions/s ({:.0} events/s), plain rusqlite \
             {baseline:.0}/s ({:.0} %), plain rusqlite from a blocking task {hop:.0}/s",
            store * 10.0,
            100.0 * store / baseline
        );
        amity.push(store);
        plain.push(baseline);
        hopped.push(hop);
    }
    let (store, baseline, hop) = (median(&mut amity), median(&mut plain), median(&mut hopped));
    println!(
        "median: one 10-event transaction per stream, {streams} streams: store {store:.0}/s, \
         plain rusqlite {baseline:.0}/s, {:.0} % (target ≥ 80 %); plain rusqlite from a blocking \
         task {hop:.0}/s",
        100.0 * store / baseline
    );
}

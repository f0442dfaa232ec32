//! Benchmark: append 1,000,000 synthetic events to a SQLite ledger, then read them all back
//! in global order and decode them (`cargo bench -p amity-tests --bench ledger`).
//!
//! 100,000 partnerships × 10 events with realistic payloads (parties with subdivisions and
//! Wikidata ids, sources with titles, URLs, dates and quotes), appended in batches of 1,000
//! events through the ledger's codec and the store's multi-stream append. Each run uses a fresh
//! file; the figures printed last are medians over the runs. The read also reports the CPU time
//! of all threads per event, steadier than wall time on a shared machine. Peak memory of the
//! read phase is the process's peak RSS after resetting it (`/proc/self/clear_refs`) before the
//! read.
//!
//! Environment: `AMITY_BENCH_PARTNERSHIPS` (default 100000), `AMITY_BENCH_RUNS` (default 3),
//! `AMITY_BENCH_DIR` (default the system temp dir), `AMITY_BENCH_PAGE` (events per page for a
//! store that reads in pages; SQLite reads in lanes of its own; default 10000), `AMITY_BENCH_LEDGER` (keep the ledger at this path; a full one is reused and
//! only read, for iterating on the read path).

use std::time::Instant;

use amity_domain::event::SCHEMA_VERSION;
use amity_ledger::Ledger;
use amity_store::{EventStore, ExpectedVersion, Position, StreamAppend};
use amity_store_sqlite::SqliteEventStore;

/// The allocator the `amity` binary uses too: decoding allocates many small strings that are
/// freed on other threads, where glibc's allocator spends most of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common.rs"]
mod common;

#[path = "plain.rs"]
mod plain;

use common::{
    env_number, median, partnership_events, peak_rss_mb, process_cpu_seconds, reset_peak_rss,
    EVENTS_PER_PARTNERSHIP,
};
use plain::plain_read;
const BATCH_EVENTS: usize = 1_000;

struct Run {
    /// `None` when a kept ledger was reused and nothing was appended.
    append_per_s: Option<f64>,
    read_per_s: f64,
    raw_read_per_s: f64,
    read_peak_mb: f64,
    /// CPU time (all threads) per event read and decoded, in microseconds.
    read_cpu_us: f64,
    /// Plain rusqlite + serde_json reading and decoding the same rows (see `plain.rs`).
    plain_per_s: f64,
    /// Its CPU time (all threads) per event, in microseconds.
    plain_cpu_us: f64,
    /// Bytes of payload appended (`None` when nothing was appended).
    payload_bytes: Option<usize>,
}

async fn run_once(dir: &std::path::Path, partnerships: usize, run: usize) -> Run {
    // AMITY_BENCH_LEDGER=path keeps the ledger between invocations and skips appending when it
    // is already full (for iterating on the read path).
    let kept = std::env::var("AMITY_BENCH_LEDGER").ok();
    let path = match &kept {
        Some(path) => std::path::PathBuf::from(path),
        None => dir.join(format!("amity-bench-{}-{run}.db", std::process::id())),
    };
    let reuse = kept.is_some() && path.exists();
    if !reuse {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let sqlite = SqliteEventStore::open(&path).expect("open ledger");
    let store: std::sync::Arc<dyn EventStore> = std::sync::Arc::new(sqlite);

    let total = partnerships * EVENTS_PER_PARTNERSHIP;
    let mut payload_bytes = 1;
    // Generating the synthetic events is not part of the measurement; encoding and appending
    // them is. Events are generated a chunk at a time while nothing is being written; within a
    // chunk, like an importer, the next batch is encoded while the previous one is written.
    let mut appending = std::time::Duration::ZERO;
    let partnerships_per_batch = BATCH_EVENTS / EVENTS_PER_PARTNERSHIP;
    let chunk = partnerships_per_batch * 20;
    let mut next = if reuse { partnerships } else { 0 };
    while next < partnerships {
        let generated: Vec<_> = (next..(next + chunk).min(partnerships))
            .map(partnership_events)
            .collect();
        next += generated.len();
        let started = Instant::now();
        let mut writing: Option<
            tokio::task::JoinHandle<amity_store::Result<Vec<amity_store::Appended>>>,
        > = None;
        for group in generated.chunks(partnerships_per_batch) {
            let mut batch = Vec::with_capacity(group.len());
            for (partnership, events) in group {
                let new_events: Vec<_> = events
                    .iter()
                    .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
                    .collect();
                payload_bytes += new_events.iter().map(|e| e.payload.len()).sum::<usize>();
                batch.push(StreamAppend {
                    stream: partnership.id().as_str().to_owned(),
                    expected: ExpectedVersion::NoStream,
                    events: new_events,
                });
            }
            if let Some(previous) = writing.take() {
                previous.await.expect("append task").expect("append");
            }
            let store = store.clone();
            writing = Some(tokio::spawn(async move { store.append_many(batch).await }));
        }
        if let Some(previous) = writing.take() {
            previous.await.expect("append task").expect("append");
        }
        appending += started.elapsed();
    }
    let append_s = appending.as_secs_f64();

    // The store alone, without decoding, for comparison.
    let started = Instant::now();
    let mut after = Position::START;
    let mut raw = 0;
    loop {
        let page = store.read_all(after, 10_000).await.expect("read_all");
        let Some(last) = page.last() else { break };
        after = last.position;
        raw += page.len();
    }
    let raw_s = started.elapsed().as_secs_f64();
    assert_eq!(raw, total);

    // The store's read and decode, and plain rusqlite + serde_json reading the same rows on as
    // many threads, in alternating order from one run to the next.
    let ledger = Ledger::new(store.clone());
    let mut plain = None;
    let mut measured = None;
    for turn in 0..2 {
        if (turn + run).is_multiple_of(2) {
            let cpu = process_cpu_seconds();
            let read = plain_read(&path, lanes());
            let cpu_us = (process_cpu_seconds() - cpu) * 1e6 / total as f64;
            assert_eq!(read.events as usize, total);
            assert_eq!(read.sources, total);
            plain = Some((read.rate, cpu_us));
            continue;
        }
        reset_peak_rss();
        let cpu = process_cpu_seconds();
        let started = Instant::now();
        let mut decoded = 0u64;
        let mut check = 0usize;
        let (_, count) = ledger
            .scan(Position::START, page_size(), |recorded| {
                decoded += 1;
                check += recorded.event.facts().sources.len();
            })
            .await
            .expect("scan");
        let read_s = started.elapsed().as_secs_f64();
        let read_cpu_us = (process_cpu_seconds() - cpu) * 1e6 / total as f64;
        let read_peak_mb = peak_rss_mb().unwrap_or(f64::NAN);
        assert_eq!(count as usize, total);
        assert_eq!(decoded as usize, total);
        assert_eq!(check, total);
        measured = Some((read_s, read_cpu_us, read_peak_mb));
    }
    let (read_s, read_cpu_us, read_peak_mb) = measured.expect("the store's read");
    let (plain_per_s, plain_cpu_us) = plain.expect("the plain read");
    drop(ledger);
    drop(store);
    for suffix in ["", "-wal", "-shm"].iter().filter(|_| kept.is_none()) {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Run {
        append_per_s: (!reuse).then(|| total as f64 / append_s),
        read_per_s: total as f64 / read_s,
        raw_read_per_s: total as f64 / raw_s,
        read_peak_mb,
        read_cpu_us,
        plain_per_s,
        plain_cpu_us,
        payload_bytes: (!reuse).then_some(payload_bytes),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let dir = std::env::var("AMITY_BENCH_DIR").map_or_else(|_| std::env::temp_dir(), Into::into);
    let total = partnerships * EVENTS_PER_PARTNERSHIP;
    println!(
        "ledger bench: {total} events ({partnerships} partnerships × {EVENTS_PER_PARTNERSHIP}), \
         batches of {BATCH_EVENTS}, schema v{SCHEMA_VERSION}, {runs} runs, file in {}",
        dir.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut append = Vec::new();
    let mut read = Vec::new();
    let mut peak = Vec::new();
    let mut cpu = Vec::new();
    let mut plain = Vec::new();
    let mut plain_cpu = Vec::new();
    let mut shares = Vec::new();
    for run in 0..runs {
        let result = runtime.block_on(run_once(&dir, partnerships, run));
        let appended = match (result.append_per_s, result.payload_bytes) {
            (Some(rate), Some(bytes)) => format!(
                "append {rate:>9.0} events/s   avg payload {} B",
                bytes / total
            ),
            _ => "append not measured (the kept ledger was reused)".to_owned(),
        };
        let share = 100.0 * result.read_per_s / result.plain_per_s;
        println!(
            "run {}: {appended}   read+decode {:>9.0} events/s ({:.2} µs CPU/event)   \
             plain rusqlite + serde_json {:>9.0} events/s ({:.2} µs CPU/event): {share:.0} %   \
             (store read alone {:>9.0} events/s)   read peak RSS {:.0} MB",
            run + 1,
            result.read_per_s,
            result.read_cpu_us,
            result.plain_per_s,
            result.plain_cpu_us,
            result.raw_read_per_s,
            result.read_peak_mb,
        );
        append.extend(result.append_per_s);
        read.push(result.read_per_s);
        peak.push(result.read_peak_mb);
        cpu.push(result.read_cpu_us);
        plain.push(result.plain_per_s);
        plain_cpu.push(result.plain_cpu_us);
        shares.push(share);
    }
    let append = if append.is_empty() {
        "append not measured".to_owned()
    } else {
        format!(
            "append {:.0} events/s (target ≥ 150000)",
            median(&mut append)
        )
    };
    println!(
        "median: {append}; read+decode {:.0} events/s, {:.2} µs CPU/event; plain rusqlite + \
         serde_json on {} threads {:.0} events/s, {:.2} µs CPU/event; read+decode at {:.0} % of \
         plain (target ≥ 90 %, issue 22); read peak RSS {:.0} MB (target < 300)",
        median(&mut read),
        median(&mut cpu),
        lanes(),
        median(&mut plain),
        median(&mut plain_cpu),
        median(&mut shares),
        median(&mut peak)
    );
}

/// Threads of the plain reading: as many as the store's reading has lanes (one per core, at
/// most `amity_ledger::feed::MAX_LANES`).
fn lanes() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(1, amity_ledger::feed::MAX_LANES)
}

/// Events per `read_all` page.
fn page_size() -> usize {
    env_number("AMITY_BENCH_PAGE", 10_000)
}

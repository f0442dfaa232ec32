//! Benchmark: the PostgreSQL store beside the SQLite one, on the same synthetic events
//! (`AMITY_TEST_POSTGRES_URL=postgres://… cargo bench -p amity-tests --bench postgres`).
//!
//! Batched append of `AMITY_BENCH_PARTNERSHIPS` × 10 events (default 100,000 × 10 = 1,000,000)
//! in batches of 1,000; read-all with decoding; then 8 concurrent writers on distinct streams,
//! checking that no event is lost or duplicated. Each run uses a fresh schema (dropped after it) / file; figures
//! are medians of `AMITY_BENCH_RUNS` runs (default 3). Without the URL it says so and stops.

#[path = "common.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use amity_ledger::Ledger;
use amity_store::{EventStore, ExpectedVersion, Position, StreamAppend};
use amity_store_postgres::PostgresEventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, median, partnership_events};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn append_all(store: &Arc<dyn EventStore>, partnerships: usize) -> f64 {
    let mut seconds = 0.0;
    let mut batch = Vec::new();
    for n in 0..partnerships {
        let (partnership, events) = partnership_events(n);
        batch.push(StreamAppend {
            stream: partnership.id().as_str().to_owned(),
            expected: ExpectedVersion::NoStream,
            events: events
                .iter()
                .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
                .collect(),
        });
        if batch.len() == 100 || n + 1 == partnerships {
            let started = Instant::now();
            store
                .append_many(std::mem::take(&mut batch))
                .await
                .expect("append");
            seconds += started.elapsed().as_secs_f64();
        }
    }
    seconds
}

/// Drop a run's schema: each leaves nearly 1 GB behind otherwise.
async fn drop_schema(base: &str, schema: &str) {
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("connect to drop the bench schema");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("drop the bench schema");
}

/// The store's feed alone, without decoding: events per second.
async fn read_raw(store: &Arc<dyn EventStore>) -> f64 {
    let started = Instant::now();
    let mut after = Position::START;
    let mut count = 0;
    loop {
        let page = store.read_all(after, 10_000).await.expect("read_all");
        let Some(last) = page.last() else { break };
        after = last.position;
        count += page.len();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn read_all(store: &Arc<dyn EventStore>) -> (u64, f64) {
    let started = Instant::now();
    let (_, count) = Ledger::new(store.clone())
        .scan(
            Position::START,
            env_number("AMITY_BENCH_PAGE", 10_000),
            |_| {},
        )
        .await
        .expect("scan");
    (count, started.elapsed().as_secs_f64())
}

async fn concurrent(url: &str) -> (usize, f64) {
    let started = Instant::now();
    let mut writers = Vec::new();
    for writer in 0..8 {
        let url = url.to_owned();
        writers.push(tokio::spawn(async move {
            let store = PostgresEventStore::connect(&url).await.expect("connect");
            let mut ids = Vec::new();
            for n in 0..250 {
                let (partnership, events) = partnership_events(1_000_000 + writer * 1_000 + n);
                let batch: Vec<_> = events
                    .iter()
                    .map(|event| amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench"))
                    .collect();
                ids.extend(batch.iter().map(|e| e.event_id));
                store
                    .append(partnership.id().as_str(), ExpectedVersion::NoStream, batch)
                    .await
                    .expect("append");
            }
            ids
        }));
    }
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.expect("writer"));
    }
    let seconds = started.elapsed().as_secs_f64();
    let unique: HashSet<_> = written.iter().collect();
    assert_eq!(unique.len(), written.len());
    (written.len(), seconds)
}

fn main() {
    let Ok(base) = std::env::var("AMITY_TEST_POSTGRES_URL") else {
        println!("skipped: set AMITY_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL benchmark");
        return;
    };
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let total = (partnerships * 10) as f64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut pg_append = Vec::new();
    let mut pg_read = Vec::new();
    let mut sqlite_append = Vec::new();
    let mut sqlite_read = Vec::new();
    let mut concurrent_rates = Vec::new();
    for run in 0..runs {
        let schema = format!("amity_bench_{}_{run}", std::process::id());
        let url = format!("{base}{separator}schema={schema}");
        let (pg, sqlite) = runtime.block_on(async {
            let pg: Arc<dyn EventStore> =
                Arc::new(PostgresEventStore::connect(&url).await.expect("connect"));
            let sqlite: Arc<dyn EventStore> = Arc::new(
                SqliteEventStore::open(dir.path().join(format!("bench-{run}.db"))).expect("open"),
            );
            (pg, sqlite)
        });
        let pg_seconds = runtime.block_on(append_all(&pg, partnerships));
        let (pg_count, pg_read_seconds) = runtime.block_on(read_all(&pg));
        let pg_raw = runtime.block_on(read_raw(&pg));
        let sqlite_seconds = runtime.block_on(append_all(&sqlite, partnerships));
        let (sqlite_count, sqlite_read_seconds) = runtime.block_on(read_all(&sqlite));
        assert_eq!(pg_count as f64, total);
        assert_eq!(sqlite_count as f64, total);
        let (events, seconds) = runtime.block_on(concurrent(&url));
        println!(
            "run {}: postgres append {:.0}/s, read+decode {:.0}/s (feed alone {pg_raw:.0}/s); sqlite append {:.0}/s, read+decode {:.0}/s; \
             8 concurrent postgres writers: {events} events, none lost or duplicated, {:.0}/s",
            run + 1,
            total / pg_seconds,
            total / pg_read_seconds,
            total / sqlite_seconds,
            total / sqlite_read_seconds,
            events as f64 / seconds
        );
        pg_append.push(total / pg_seconds);
        pg_read.push(total / pg_read_seconds);
        sqlite_append.push(total / sqlite_seconds);
        sqlite_read.push(total / sqlite_read_seconds);
        concurrent_rates.push(events as f64 / seconds);
        drop(pg);
        runtime.block_on(drop_schema(&base, &schema));
    }
    println!(
        "median: postgres append {:.0} events/s (target ≥ 30000), read+decode {:.0} events/s (target ≥ 300000), \
         8 writers {:.0} events/s; sqlite append {:.0} events/s, read+decode {:.0} events/s",
        median(&mut pg_append),
        median(&mut pg_read),
        median(&mut concurrent_rates),
        median(&mut sqlite_append),
        median(&mut sqlite_read)
    );
}

//! Benchmark: the PostgreSQL store beside the SQLite one, on the same synthetic events
//! (`AMITY_TEST_POSTGRES_URL=postgres://… cargo bench -p amity-tests --bench postgres`).
//!
//! Batched append of `AMITY_BENCH_PARTNERSHIPS` × 10 events (default 100,000 × 10 = 1,000,000)
//! in batches of 1,000, beside the same rows written by plain SQL into fresh copies of the
//! store's tables (binary `COPY`, and `INSERT … SELECT FROM UNNEST`), batch by batch in
//! rotating order; read-all with decoding beside a plain streamed `SELECT` of the same rows
//! decoded by the same codec on as many connections as the store reads with (alternating which
//! goes first); then, unless `AMITY_BENCH_PG_ONLY` is set, the SQLite store and 8 concurrent
//! writers on distinct streams, checking that no event is lost or duplicated. Each run uses
//! fresh schemas (dropped after it) / file; figures are medians of `AMITY_BENCH_RUNS` runs
//! (default 3). Without the URL it says so and stops.

#[path = "common.rs"]
mod common;
#[path = "pg/plain.rs"]
mod plain;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use amity_ledger::Ledger;
use amity_store::{EventStore, ExpectedVersion, Position, StreamAppend};
use amity_store_postgres::PostgresEventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, median, new_stream, partnership_events};
use plain::{plain_read, PlainInsert, PlainWriter};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The batches of the synthetic ledger, 100 partnerships (1,000 events) each, made as they
/// are asked for.
fn batches(partnerships: usize) -> impl Iterator<Item = Vec<StreamAppend>> {
    (0..partnerships).step_by(100).map(move |first| {
        (first..(first + 100).min(partnerships))
            .map(|n| {
                let (partnership, events) = partnership_events(n);
                new_stream(&partnership, &events)
            })
            .collect()
    })
}

/// Append every batch to the store: seconds taken.
async fn append_all(store: &Arc<dyn EventStore>, partnerships: usize) -> f64 {
    let mut seconds = 0.0;
    for batch in batches(partnerships) {
        seconds += append_batch(store, batch).await;
    }
    seconds
}

/// Append one batch to the store: seconds taken.
async fn append_batch(store: &Arc<dyn EventStore>, batch: Vec<StreamAppend>) -> f64 {
    let started = Instant::now();
    store.append_many(batch).await.expect("append");
    started.elapsed().as_secs_f64()
}

/// Append every batch to the store and write it with each plain writer, batch by batch, who
/// goes first rotating: the store's seconds and each writer's.
async fn append_beside_plain(
    store: &Arc<dyn EventStore>,
    writers: &mut [PlainWriter],
    partnerships: usize,
) -> (f64, Vec<f64>) {
    let mut store_seconds = 0.0;
    let mut plain_seconds = vec![0.0; writers.len()];
    let turns = writers.len() + 1;
    for (index, batch) in batches(partnerships).enumerate() {
        for turn in 0..turns {
            match (index + turn) % turns {
                0 => store_seconds += append_batch(store, batch.clone()).await,
                writer => plain_seconds[writer - 1] += writers[writer - 1].write(&batch).await,
            }
        }
    }
    (store_seconds, plain_seconds)
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

/// Read and decode the whole feed through the ledger: events read and seconds taken.
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
    let pg_only = std::env::var_os("AMITY_BENCH_PG_ONLY").is_some();
    let total = (partnerships * 10) as f64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut figures: [Vec<f64>; 11] = Default::default();
    for run in 0..runs {
        let schema = format!("amity_bench_{}_{run}", std::process::id());
        let url = format!("{base}{separator}schema={schema}");
        let ways = [(PlainInsert::Copy, "copy"), (PlainInsert::Unnest, "unnest")];
        let (pg, mut writers) = runtime.block_on(async {
            let pg: Arc<dyn EventStore> =
                Arc::new(PostgresEventStore::connect(&url).await.expect("connect"));
            let mut writers = Vec::new();
            for (how, suffix) in ways {
                // The store makes the plain writer's tables: the same tables and indexes.
                let plain_schema = format!("{schema}_{suffix}");
                PostgresEventStore::connect(&format!("{base}{separator}schema={plain_schema}"))
                    .await
                    .expect("connect");
                writers.push(PlainWriter::new(&base, &plain_schema, how).await);
            }
            (pg, writers)
        });
        let (pg_seconds, plain_seconds) =
            runtime.block_on(append_beside_plain(&pg, &mut writers, partnerships));
        drop(writers);
        let connections = 2;
        let ((pg_count, pg_read_seconds), (plain_count, plain_read_seconds)) = if run % 2 == 0 {
            let store = runtime.block_on(read_all(&pg));
            (
                store,
                runtime.block_on(plain_read(&base, &schema, connections)),
            )
        } else {
            let plain = runtime.block_on(plain_read(&base, &schema, connections));
            (runtime.block_on(read_all(&pg)), plain)
        };
        let pg_raw = runtime.block_on(read_raw(&pg));
        assert_eq!(pg_count as f64, total);
        assert_eq!(plain_count as f64, total);
        let append = total / pg_seconds;
        let (copy, unnest) = (total / plain_seconds[0], total / plain_seconds[1]);
        let (read, plain) = (total / pg_read_seconds, total / plain_read_seconds);
        println!(
            "run {}: postgres append {append:.0}/s, plain COPY {copy:.0}/s, plain UNNEST {unnest:.0}/s \
             ({:.0} % of the faster); read+decode {read:.0}/s, plain SELECT+decode {plain:.0}/s \
             ({:.0} %); feed alone {pg_raw:.0}/s",
            run + 1,
            100.0 * append / copy.max(unnest),
            100.0 * read / plain,
        );
        let mut run_figures = vec![
            append,
            copy,
            unnest,
            append / copy.max(unnest),
            read,
            plain,
            read / plain,
            pg_raw,
        ];
        if !pg_only {
            let sqlite: Arc<dyn EventStore> = Arc::new(
                SqliteEventStore::open(dir.path().join(format!("bench-{run}.db"))).expect("open"),
            );
            let sqlite_seconds = runtime.block_on(append_all(&sqlite, partnerships));
            let (sqlite_count, sqlite_read_seconds) = runtime.block_on(read_all(&sqlite));
            assert_eq!(sqlite_count as f64, total);
            let (events, seconds) = runtime.block_on(concurrent(&url));
            println!(
                "run {}: sqlite append {:.0}/s, read+decode {:.0}/s; 8 concurrent postgres \
                 writers: {events} events, none lost or duplicated, {:.0}/s",
                run + 1,
                total / sqlite_seconds,
                total / sqlite_read_seconds,
                events as f64 / seconds
            );
            run_figures.extend([
                total / sqlite_seconds,
                total / sqlite_read_seconds,
                events as f64 / seconds,
            ]);
        }
        for (figure, values) in run_figures.into_iter().zip(&mut figures) {
            values.push(figure);
        }
        drop(pg);
        runtime.block_on(async {
            for suffix in ["", "_copy", "_unnest"] {
                drop_schema(&base, &format!("{schema}{suffix}")).await;
            }
        });
    }
    let [append, copy, unnest, append_share, read, plain, read_share, raw, sqlite_append, sqlite_read, writers] =
        &mut figures;
    println!(
        "median: postgres append {:.0} events/s, plain COPY {:.0}/s, plain UNNEST {:.0}/s, \
         append {:.0} % of the faster (target ≥ 60 %); read+decode {:.0} events/s, plain \
         SELECT+decode {:.0}/s, {:.0} % (target ≥ 80 %); feed alone {:.0}/s",
        median(append),
        median(copy),
        median(unnest),
        100.0 * median(append_share),
        median(read),
        median(plain),
        100.0 * median(read_share),
        median(raw),
    );
    if !pg_only {
        println!(
            "median: sqlite append {:.0} events/s, read+decode {:.0} events/s; 8 postgres \
             writers {:.0} events/s",
            median(sqlite_append),
            median(sqlite_read),
            median(writers)
        );
    }
}

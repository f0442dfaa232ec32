//! Benchmark: the EAC-CPF 2.0 record of a party with 1,000 partnerships (10 events each, every
//! one citing a source), from projections in the ledger's SQLite file as `amity` keeps them
//! (`cargo bench -p amity-tests --bench eac`). Target: under 200 ms.
//!
//! It times the export as the ledger is now and as known at a moment (after the ledger was
//! filled: the same record, the path of `--known-at`). `AMITY_BENCH_PARTNERSHIPS` (default
//! 1,000) and `AMITY_BENCH_RUNS` (default 7) adjust it; figures are medians.

#[path = "common.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use amity_domain::{Event, Partnership, Party};
use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_store::EventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, events_between, median};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The party every partnership has.
fn hub() -> Party {
    Party::new("Springfield", "US", Some("US-CO"), Some("Q100000")).expect("party")
}

/// Ten events of the hub's partnership with partner `n` (`common::events_between`).
fn events(n: usize) -> (Partnership, Vec<Event>) {
    let partner = Party::new(
        &format!("Partnerstadt {n}"),
        ["DE", "FR", "JP", "IT", "RU"][n % 5],
        None,
        Some(&format!("Q{}", 900_000 + n)),
    )
    .expect("party");
    events_between(n, hub(), partner)
}

fn main() {
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 1_000);
    let runs = env_number("AMITY_BENCH_RUNS", 7).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("eac-bench.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path).expect("open"));
    runtime.block_on(common::fill_with(&store, partnerships, events));
    let known_at = jiff::Timestamp::now();
    let ledger = Ledger::new(store);
    let mut projections = Projections::open_in_ledger(ledger, &path).expect("projections");
    runtime.block_on(projections.catch_up()).expect("catch up");
    let party = hub().key();

    for (label, moment) in [("now", None), ("as known at a moment", Some(known_at))] {
        let mut seconds = Vec::new();
        let mut size = 0;
        for _ in 0..runs {
            let mut out = Vec::with_capacity(16 << 20);
            let started = Instant::now();
            runtime
                .block_on(amity_interchange::eac::export(
                    &projections,
                    &party,
                    moment,
                    &mut out,
                ))
                .expect("export");
            seconds.push(started.elapsed().as_secs_f64());
            size = out.len();
            assert_eq!(
                String::from_utf8(out)
                    .expect("UTF-8")
                    .matches("<relation>")
                    .count(),
                partnerships
            );
        }
        let runs_ms: Vec<String> = seconds.iter().map(|s| format!("{:.0}", s * 1e3)).collect();
        println!(
            "EAC-CPF record of a party with {partnerships} partnerships ({} events), {label}: \
             {:.1} MB; runs {} ms; median {:.0} ms (target < 200 ms)",
            partnerships * 10,
            size as f64 / 1e6,
            runs_ms.join(", "),
            median(&mut seconds) * 1e3
        );
    }
}

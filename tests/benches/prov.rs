//! Benchmark: the W3C PROV export (`amity export --format prov-o|prov-json`) of the
//! 1,000,000-event synthetic ledger (`cargo bench -p amity-tests --bench prov`); target at
//! least 200,000 events/s.
//!
//! Each run writes the whole ledger to a file, as Turtle and as PROV-JSON; the medians of the
//! runs are printed with the output's size and the process's peak memory during the export.
//! Before them, reading and decoding the feed alone (what any export must do) is timed, so
//! that the share of the writing shows. `AMITY_BENCH_PARTNERSHIPS` (default 100,000 × 10
//! events) and `AMITY_BENCH_RUNS` (default 3) adjust it, and
//! `AMITY_BENCH_FORMATS` (`prov-o,prov-json`) which formats are timed.

#[path = "common.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use amity_interchange::prov::{export, ProvFormat};
use amity_ledger::{Ledger, Position};
use amity_projections::Projections;
use amity_store::EventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, fill, median, peak_rss_mb, process_cpu_seconds, reset_peak_rss};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let runs = env_number("AMITY_BENCH_RUNS", 3).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteEventStore::open(dir.path().join("ledger.db")).expect("open"));
    runtime.block_on(fill(&store, partnerships));
    let ledger = Ledger::new(store);
    let projections = Projections::open(ledger.clone(), None).expect("projections");

    let mut read_rates = Vec::new();
    let mut read_cpu = Vec::new();
    for _ in 0..runs {
        let cpu = process_cpu_seconds();
        let started = Instant::now();
        let mut decoded = 0u64;
        runtime
            .block_on(ledger.scan(Position::START, 10_000, |_| decoded += 1))
            .expect("read");
        read_rates.push(decoded as f64 / started.elapsed().as_secs_f64());
        read_cpu.push((process_cpu_seconds() - cpu) / decoded as f64 * 1e6);
    }
    let read_rate = median(&mut read_rates);
    println!(
        "reading and decoding the feed alone: {read_rate:.0} events/s, {:.2} µs CPU per event \
         (medians of {runs})",
        median(&mut read_cpu)
    );

    let formats =
        std::env::var("AMITY_BENCH_FORMATS").unwrap_or_else(|_| "prov-o,prov-json".to_owned());
    let formats = [
        (ProvFormat::Turtle, "prov-o"),
        (ProvFormat::Json, "prov-json"),
    ]
    .into_iter()
    .filter(|(_, name)| formats.split(',').any(|asked| asked == *name));
    for (format, name) in formats {
        let mut rates = Vec::new();
        let mut cpu_per_event = Vec::new();
        let mut peaks = Vec::new();
        let mut size_mb = 0.0;
        for run in 0..runs {
            let path = dir.path().join("export.out");
            let before = rss_mb().unwrap_or(f64::NAN);
            reset_peak_rss();
            let cpu = process_cpu_seconds();
            let started = Instant::now();
            let count = runtime
                .block_on(async {
                    let file = std::fs::File::create(&path).expect("create");
                    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                    let count = export(&ledger, &projections, None, format, &mut out).await;
                    std::io::Write::flush(&mut out).expect("flush");
                    count
                })
                .expect("export");
            let seconds = started.elapsed().as_secs_f64();
            let cpu = process_cpu_seconds() - cpu;
            let peak = peak_rss_mb().unwrap_or(f64::NAN);
            size_mb = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
            std::fs::remove_file(&path).expect("remove");
            let rate = count as f64 / seconds;
            println!(
                "{name} {}: {count} events in {seconds:.2} s = {rate:.0} events/s, \
                 {:.2} µs CPU per event, {size_mb:.0} MB, peak RSS {peak:.0} MB \
                 ({before:.0} MB before)",
                run + 1,
                cpu / count as f64 * 1e6
            );
            rates.push(rate);
            cpu_per_event.push(cpu / count as f64 * 1e6);
            peaks.push(peak);
        }
        let rate = median(&mut rates);
        println!(
            "median: {name} {rate:.0} events/s (target ≥ 200000; {:.0} % of the read alone), \
             {:.2} µs CPU per event, {size_mb:.0} MB, peak RSS {:.0} MB",
            rate / read_rate * 100.0,
            median(&mut cpu_per_event),
            median(&mut peaks)
        );
    }
}

/// The process's resident memory now (VmRSS) in MB: what the peak during an export starts
/// from (the store's cache, the allocator's free pages).
fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

//! Benchmark: export a 1,000,000-event synthetic ledger as a JSON Lines archive, then import
//! that archive into an empty ledger (`cargo bench -p amity-tests --bench interchange`).
//!
//! The import streams the file twice (validation, then atomic batches); its peak memory is
//! measured from a reset of the process's peak RSS. `AMITY_BENCH_PARTNERSHIPS` (default
//! 100,000 × 10 events) and `AMITY_BENCH_RUNS` (default 3) adjust it.

#[path = "common.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use amity_ledger::archive::{export, import, ImportOptions};
use amity_ledger::Ledger;
use amity_store::EventStore;
use amity_store_sqlite::SqliteEventStore;
use common::{env_number, fill, median, peak_rss_mb, reset_peak_rss};

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
    let source_path = dir.path().join("source.db");
    let source: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&source_path).expect("open"));
    runtime.block_on(fill(&source, partnerships));
    let archive = dir.path().join("archive.jsonl");
    let started = Instant::now();
    let exported = runtime
        .block_on(async {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&archive)?);
            export(&Ledger::new(source.clone()), &mut file, None)
                .await
                .map_err(std::io::Error::other)
        })
        .expect("export");
    let export_rate = exported as f64 / started.elapsed().as_secs_f64();
    let size_mb = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!("exported {exported} events ({size_mb:.0} MB) at {export_rate:.0} events/s");

    let mut rates = Vec::new();
    let mut peaks = Vec::new();
    for run in 0..runs {
        let target_path = dir.path().join(format!("target-{run}.db"));
        let target = Ledger::new(Arc::new(
            SqliteEventStore::open(&target_path).expect("open"),
        ));
        reset_peak_rss();
        let started = Instant::now();
        let summary = runtime
            .block_on(import(
                &target,
                &archive,
                ImportOptions::default(),
                &mut |_| {},
            ))
            .expect("import");
        let seconds = started.elapsed().as_secs_f64();
        let peak = peak_rss_mb().unwrap_or(f64::NAN);
        assert_eq!(summary.events_written, exported);
        assert!(summary.rejected.is_empty());
        println!(
            "import {}: {} events in {seconds:.2} s = {:.0} events/s, peak RSS {peak:.0} MB",
            run + 1,
            summary.events_written,
            summary.events_written as f64 / seconds
        );
        rates.push(summary.events_written as f64 / seconds);
        peaks.push(peak);
        drop(target);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", target_path.display()));
        }
    }
    println!(
        "median: import {:.0} events/s (target ≥ 100000), peak RSS {:.0} MB (target < 300)",
        median(&mut rates),
        median(&mut peaks)
    );

    // The real snapshot list, imported by the `amity` binary as a whole process.
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/amity");
    let list = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/wikipedia-twin-cities-2026/twin_cities_raw.csv");
    if !binary.exists() {
        println!(
            "pairs import skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
        return;
    }
    if !list.exists() {
        println!(
            "pairs import skipped: {} not found (../shared beside the project)",
            list.display()
        );
        return;
    }
    let mut seconds = Vec::new();
    for run in 0..runs.max(5) {
        let ledger = dir.path().join(format!("pairs-{run}.db"));
        let started = Instant::now();
        let output = std::process::Command::new(&binary)
            .args(["--store", &format!("sqlite://{}", ledger.display())])
            .args([
                "import",
                "--format",
                "pairs",
                "--skip-invalid",
                "--as-of",
                "2026-02",
            ])
            .args([
                "--source-title",
                "Wikipedia: List of twin towns and sister cities",
            ])
            .arg(&list)
            .output()
            .expect("amity runs");
        seconds.push(started.elapsed().as_secs_f64());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if run == 0 {
            print!("{}", String::from_utf8_lossy(&output.stdout));
        }
    }
    println!(
        "median: importing twin_cities_raw.csv (26,114 rows) as a process {:.2} s (target < 2 s)",
        median(&mut seconds)
    );
}

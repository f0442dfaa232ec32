//! Benchmark of the party register's targets, as whole `amity` processes
//! (`cargo build --release -p amity-cli && cargo bench -p amity-tests --bench identity`):
//! importing the Wikipedia list (26,114 rows) into an empty ledger (target: under 2 s), and
//! `amity parties QUERY` on the Wikidata crawl's 10,000 parties (target: under 50 ms).
//! `AMITY_BENCH_RUNS` (default 5) sets the runs; medians are printed.

#[path = "common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{env_number, median};

fn amity(binary: &Path, ledger: &Path, args: &[&str]) -> f64 {
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["--store", &format!("sqlite://{}", ledger.display())])
        .args(args)
        .output()
        .expect("amity runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "amity {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    seconds
}

fn main() {
    let runs = env_number("AMITY_BENCH_RUNS", 5).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = root.join("../target/release/amity");
    let data = root.join("../../shared/data");
    let wikipedia = data.join("wikipedia-twin-cities-2026/twin_cities_raw.csv");
    let relations = data.join("wikidata-twinned-2016/relations.tsv");
    let names = data.join("wikidata-twinned-2016/names.tsv");
    if !binary.exists() {
        println!(
            "skipped: {} not built (cargo build --release -p amity-cli)",
            binary.display()
        );
        return;
    }
    if !wikipedia.exists() || !relations.exists() {
        println!("skipped: ../shared/data not found beside the project");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wikipedia = wikipedia.to_string_lossy().into_owned();
    let mut seconds = Vec::new();
    for run in 0..runs {
        let ledger = dir.path().join(format!("wikipedia-{run}.db"));
        let took = amity(&binary, &ledger, &common::wikipedia_import(&wikipedia));
        println!("wikipedia list import, run {run}: {took:.3} s");
        seconds.push(took);
    }
    println!(
        "wikipedia list import (26,114 rows, whole process): median {:.3} s (target < 2 s)",
        median(&mut seconds)
    );

    let ledger = dir.path().join("wikidata.db");
    let relations = relations.to_string_lossy().into_owned();
    let names = names.to_string_lossy().into_owned();
    amity(
        &binary,
        &ledger,
        &[
            "import",
            "--format",
            "pairs",
            &relations,
            "--names",
            &names,
            "--skip-invalid",
            "--source-title",
            "Wikidata P190",
            "--as-of",
            "2016-09",
        ],
    );
    // The first query catches the projections up; the ones timed find them up to date.
    amity(&binary, &ledger, &["parties", "frankenberg"]);
    let mut all = Vec::new();
    for query in ["frankenberg", "krak", "san", "new york", "moskau"] {
        let mut times: Vec<f64> = (0..runs.max(5))
            .map(|_| amity(&binary, &ledger, &["parties", query, "--format", "json"]) * 1e3)
            .collect();
        let middle = median(&mut times);
        println!("parties {query:?} (wikidata crawl): median {middle:.1} ms");
        all.extend(times);
    }
    println!(
        "parties QUERY on the wikidata crawl (whole process): median {:.1} ms (target < 50 ms)",
        median(&mut all)
    );
}

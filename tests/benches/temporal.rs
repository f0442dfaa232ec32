//! Benchmarks of the honest-answers issue (run with `cargo bench -p amity-tests --bench
//! temporal`, after `cargo build --release -p amity-cli`):
//!
//! - recording one event, in the library, on a partnership that holds 3,000 events (the
//!   seeded [`common::long_history`]): target under 20 ms;
//! - importing those 3,000 rows as a lifecycle CSV, as a whole `amity` process: under 1 s;
//! - importing the synthetic ledger (`AMITY_BENCH_PARTNERSHIPS` × 10 events, default 100,000
//!   × 10 = 1M rows) as a lifecycle CSV, as a whole process: at least 100,000 rows/s.
//!
//! Figures are medians of `AMITY_BENCH_RUNS` runs (default 5; 3 for the large import).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use amity_domain::{EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipKind};
use amity_ledger::{Ledger, ToRecord};
use common::{env_number, long_history, median, CSV_HEADER};

const AMITY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/amity");

fn partnership() -> Partnership {
    Partnership::new(
        "Tallahassee, US-FL".parse().expect("party"),
        "Krasnodar, RU".parse().expect("party"),
        PartnershipKind::sister_city(),
    )
    .expect("partnership")
}

fn item(event_type: EventType, occurred: &str, note: String) -> ToRecord {
    let facts = Facts {
        occurred: Occurred::Date(EdtfDate::parse(occurred).expect("date")),
        note: Some(note),
        ..Facts::default()
    };
    let mut item = ToRecord::lifecycle(Event::lifecycle(event_type, partnership(), facts), "bench");
    item.event_id = uuid::Uuid::now_v7();
    item
}

/// A CSV field, quoted when it must be.
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

async fn open(path: &Path) -> Ledger {
    let store = amity_store_sqlite::SqliteEventStore::open(path).expect("ledger file");
    Ledger::new(std::sync::Arc::new(store))
}

fn run_amity(ledger: &Path, args: &[&str]) -> f64 {
    let started = Instant::now();
    let output = Command::new(AMITY)
        .arg("--store")
        .arg(format!("sqlite://{}", ledger.display()))
        .args(args)
        .output()
        .expect("run amity (cargo build --release -p amity-cli first)");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "amity {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    seconds
}

#[tokio::main]
async fn main() {
    let runs = env_number("AMITY_BENCH_RUNS", 5).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let history = long_history(3_000, 2022);

    // 1. Recording one event on a partnership that holds 3,000 (in the library).
    let path = dir.path().join("long.db");
    let ledger = open(&path).await;
    let items: Vec<ToRecord> = history
        .iter()
        .enumerate()
        .map(|(n, (event_type, occurred))| item(*event_type, occurred, format!("n={n}")))
        .collect();
    let started = Instant::now();
    ledger
        .record_all(items)
        .await
        .expect("the long history is legal");
    println!(
        "recorded the 3,000-event history in one batch (checked together) in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let mut times = Vec::new();
    for run in 0..runs.max(5) * 4 {
        let (event_type, occurred) = if run % 2 == 0 {
            (EventType::PartnershipAttested, "2023")
        } else {
            (EventType::PartnershipReaffirmed, "2023-02")
        };
        let next = item(event_type, occurred, format!("extra {run}"));
        let started = Instant::now();
        ledger.record_all(vec![next]).await.expect("legal");
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "record one event on a 3,000-event partnership: median {:.2} ms over {} records \
         (target < 20 ms)",
        median(&mut times),
        times.len()
    );

    // 2. The same 3,000 rows as a lifecycle CSV, imported by the binary.
    let csv = dir.path().join("long.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).expect("csv"));
        writeln!(out, "{CSV_HEADER}").expect("write");
        for (n, (event_type, occurred)) in history.iter().enumerate() {
            writeln!(
                out,
                "Tallahassee,US,US-FL,Krasnodar,RU,,,{},{occurred},,,,,,,n={n}",
                event_type.verb()
            )
            .expect("write");
        }
    }
    let csv_text = csv.to_string_lossy().into_owned();
    let mut times = Vec::new();
    for run in 0..runs {
        let ledger = dir.path().join(format!("csv-{run}.db"));
        times.push(run_amity(
            &ledger,
            &["import", "--format", "csv", &csv_text],
        ));
    }
    println!(
        "import 3,000 CSV rows of one partnership (whole process): median {:.3} s over {runs} \
         runs (target < 1 s)",
        median(&mut times)
    );

    // 3. The synthetic ledger as a lifecycle CSV.
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 100_000);
    let big = dir.path().join("synthetic.csv");
    let mut rows = 0u64;
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&big).expect("csv"));
        writeln!(out, "{CSV_HEADER}").expect("write");
        for n in 0..partnerships {
            let (partnership, events) = common::partnership_events(n);
            let [a, b] = &partnership.parties;
            for event in events {
                let facts = event.facts();
                let source = &facts.sources[0];
                let fields = [
                    a.name.as_str(),
                    &a.country,
                    a.subdivision.as_deref().unwrap_or(""),
                    &b.name,
                    &b.country,
                    b.subdivision.as_deref().unwrap_or(""),
                    "",
                    event.event_type().verb(),
                    &facts.occurred.to_string(),
                    facts.term_as_written.as_deref().unwrap_or(""),
                    "",
                    &source.title,
                    source.publisher.as_deref().unwrap_or(""),
                    source.url.as_deref().unwrap_or(""),
                    source.published.as_ref().map_or("", |d| d.as_str()),
                    facts.note.as_deref().unwrap_or(""),
                ]
                .map(quoted);
                writeln!(out, "{}", fields.join(",")).expect("write");
                rows += 1;
            }
        }
    }
    let big_text = big.to_string_lossy().into_owned();
    let mut rates = Vec::new();
    for run in 0..runs.min(3) {
        let ledger = dir.path().join(format!("synthetic-{run}.db"));
        let seconds = run_amity(&ledger, &["import", "--format", "csv", &big_text]);
        let rate = rows as f64 / seconds;
        println!(
            "  run {}: {rows} rows in {seconds:.2} s ({rate:.0} rows/s)",
            run + 1
        );
        rates.push(rate);
        let _ = std::fs::remove_file(&ledger);
    }
    println!(
        "import the synthetic ledger as CSV ({rows} rows, whole process): median {:.0} rows/s \
         (target >= 100,000)",
        median(&mut rates)
    );
}

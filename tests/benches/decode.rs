//! Micro-benchmark: decoding stored events into domain events, on one thread, without any
//! store (`cargo bench -p amity-tests --bench decode`). It isolates the codec's share of the
//! read path that the `ledger` benchmark measures end to end.
//!
//! The events are the `ledger` benchmark's synthetic ones (10 per partnership, stored in
//! stream order as a feed would return them). Time is the thread's CPU time, so other work on
//! the machine disturbs it less than wall time.
//!
//! Environment: `AMITY_BENCH_PARTNERSHIPS` (default 20000), `AMITY_BENCH_RUNS` (default 5).

use amity_store::{Position, RecordedEvent};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common.rs"]
mod common;

use common::{env_number, median, partnership_events};

/// This thread's CPU time, in seconds.
fn thread_cpu_seconds() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos: f64 = text
        .split_whitespace()
        .next()
        .and_then(|field| field.parse().ok())
        .unwrap_or(f64::NAN);
    nanos / 1e9
}

fn main() {
    let partnerships = env_number("AMITY_BENCH_PARTNERSHIPS", 20_000);
    let runs = env_number("AMITY_BENCH_RUNS", 5).max(1);
    let mut stored = Vec::new();
    for n in 0..partnerships {
        let (partnership, events) = partnership_events(n);
        for (version, event) in events.iter().enumerate() {
            let new = amity_ledger::encode(uuid::Uuid::now_v7(), event, "bench");
            let position = stored.len() as u64 + 1;
            stored.push(RecordedEvent {
                position: Position::new(position, position),
                stream: partnership.id().as_str().into(),
                stream_version: version as u64,
                event_id: new.event_id,
                event_type: new.event_type.into(),
                schema_version: new.schema_version,
                payload: new.payload,
                metadata: new.metadata,
                recorded_at: jiff::Timestamp::now(),
            });
        }
    }
    println!(
        "decode bench: {} events ({partnerships} partnerships), {runs} runs, one thread",
        stored.len()
    );
    let mut per_event = Vec::new();
    for run in 0..runs {
        let started = thread_cpu_seconds();
        let mut check = 0usize;
        for event in &stored {
            let recorded = amity_ledger::decode(event).expect("decode");
            check += recorded.event.facts().sources.len();
        }
        let nanos = (thread_cpu_seconds() - started) * 1e9 / stored.len() as f64;
        assert_eq!(check, stored.len());
        println!("run {}: {nanos:.0} ns/event", run + 1);
        per_event.push(nanos);
    }
    println!("median: {:.0} ns/event", median(&mut per_event));
}

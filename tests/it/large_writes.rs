//! A large rebuild (more history rows than `LARGE_WRITE`, and more parties named than one
//! sorted batch holds) writes what small catch-ups one after another write, and leaves the
//! folding of the SQLite log to a thread of its own, which `settle` waits for.

use std::sync::Arc;

use amity_domain::{Certainty, Event, EventType, Facts};
use amity_ledger::{Ledger, ToRecord};
use amity_projections::Projections;
use amity_store_sqlite::SqliteEventStore;

use crate::projections::partnership;

/// 4,200 partnerships of three entries (12,600 history rows); a French town is named by many
/// of them, under one key, so that the parties named repeat across batches; the later half
/// writes its name in capitals (the same key): the first naming is the one kept.
fn events() -> Vec<ToRecord> {
    use EventType as T;
    let steps = [
        (T::PartnershipFounded, "1990"),
        (T::PartnershipSuspended, "2022-03"),
        (T::PartnershipReinstated, "2023"),
    ];
    let mut items = Vec::new();
    for number in 0..4_200_usize {
        let town = if number < 2_100 { "Town" } else { "TOWN" };
        let pair = partnership(
            &format!("{town} {}, FR", number % 300),
            &format!("City {number}, DE"),
        );
        for (event_type, occurred) in steps {
            let facts = Facts {
                occurred: occurred.parse().unwrap(),
                certainty: Certainty::Confirmed,
                ..Facts::default()
            };
            let event = Event::lifecycle(event_type, pair.clone(), facts);
            items.push(ToRecord::lifecycle(event, "test"));
        }
    }
    items
}

#[tokio::test]
async fn a_large_rebuild_writes_what_small_catch_ups_write_and_folds_the_log_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::new(Arc::new(SqliteEventStore::open(&path).unwrap()));
    // Tables in a file of their own, caught up after every 600 events (small writes).
    let mut small = Projections::open(ledger.clone(), Some(&dir.path().join("small.db"))).unwrap();
    for chunk in events().chunks(600) {
        ledger.record_all(chunk.to_vec()).await.unwrap();
        small.catch_up().await.unwrap();
    }
    // The ledger file's own tables, built at once.
    let mut large = Projections::open_in_ledger(ledger.clone(), &path).unwrap();
    let progress = large.catch_up().await.unwrap();
    assert!(progress.rebuilt);
    assert_eq!((progress.events, progress.partnerships), (12_600, 4_200));
    // Readable at once, whether or not the log is folded yet.
    let status = large.tables().unwrap().status_rows(None).await.unwrap();
    assert_eq!(status.len(), 4_200);
    large.settle().await;
    let log = std::fs::metadata(dir.path().join("ledger.db-wal")).map_or(0, |found| found.len());
    assert_eq!(log, 0, "the log is folded back into the file once settled");
    let small_rows = small.tables().unwrap().dump().await.unwrap();
    let large_rows = large.tables().unwrap().dump().await.unwrap();
    let parties = large_rows
        .iter()
        .filter(|line| line.starts_with("parties"))
        .count();
    assert_eq!(parties, 300 + 4_200, "each party once");
    assert!(large_rows
        .iter()
        .any(|line| line.starts_with("parties: \"fr:town-7\" | \"Town 7\"")));
    assert_eq!(small_rows, large_rows);
}

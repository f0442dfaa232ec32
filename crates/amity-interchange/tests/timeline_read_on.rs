//! The timeline export when the histories show events its reading of the feed did not meet
//! (another process appended them and caught the tables up while the export read): it reads
//! the feed on for them, and writes what the reference writes from the whole feed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use amity_domain::event::{Facts, Lifecycle, SCHEMA_VERSION};
use amity_domain::{Certainty, EdtfDate, Event, Occurred, Partnership, PartnershipKind, Party};
use amity_interchange::views;
use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_store::{
    Appended, EventId, EventStore, ExpectedVersion, FeedLane, LaneRead, LogCheckpoint, LogLeaf,
    NewEvent, Position, RecordedEvent, Result, StreamAppend,
};
use async_trait::async_trait;

/// A store whose readings in lanes stop at `until` while `behind` is set, as if the events
/// after it were appended once the reading had begun; everything else as `inner` does it.
#[derive(Debug)]
struct Behind {
    inner: Arc<dyn EventStore>,
    until: Position,
    behind: AtomicBool,
}

#[async_trait]
impl EventStore for Behind {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        self.inner.read_stream(stream, from, max).await
    }
    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        self.inner.read_all(after, max).await
    }
    async fn read_all_in_lanes(self: Arc<Self>, read: LaneRead, lanes: Vec<Box<dyn FeedLane>>) {
        let read = match self.behind.load(Ordering::SeqCst) {
            true => LaneRead {
                until: Some(self.until),
                ..read
            },
            false => read,
        };
        self.inner.clone().read_all_in_lanes(read, lanes).await
    }
    fn atomic_multi_stream(&self) -> bool {
        self.inner.atomic_multi_stream()
    }
    fn detects_ids_across_streams(&self) -> bool {
        self.inner.detects_ids_across_streams()
    }
    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        self.inner.append_many(appends).await
    }
    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        self.inner.log_checkpoints().await
    }
    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        self.inner
            .add_log_checkpoint(tree_size, note, frontier)
            .await
    }
    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        self.inner.log_frontier().await
    }
    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        self.inner.save_log_frontier(tree_size, frontier).await
    }
    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        self.inner.keep_log_leaves(leaves).await
    }
    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        self.inner.kept_log_leaves(from, limit).await
    }
    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        self.inner.kept_log_leaves_of(events).await
    }
}

/// `n` partnerships of one city, each founded in its own stream, then one of them
/// suspended: the stored events of a small ledger.
fn events(n: usize) -> Vec<(String, NewEvent)> {
    let city = Party::new("Colorado Springs", "US", Some("US-CO"), None).unwrap();
    let lifecycle = |partnership: &Arc<Partnership>, kind: fn(Lifecycle) -> Event| {
        let facts = Facts {
            occurred: Occurred::Date("2001".parse::<EdtfDate>().unwrap()),
            term_as_written: None,
            sources: Vec::new(),
            certainty: Certainty::Confirmed,
            initiated_by: None,
            note: None,
        };
        let event = kind(Lifecycle {
            partnership: partnership.clone(),
            alternative_to: None,
            facts,
        });
        let new = NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: event.event_type().name().to_owned(),
            schema_version: SCHEMA_VERSION,
            payload: event.encode().into_bytes(),
            metadata: br#"{"recorded_by":"test"}"#.to_vec(),
            recorded_at: None,
        };
        (partnership.id().to_string(), new)
    };
    let mut events = Vec::new();
    let mut first = None;
    for k in 0..n {
        let other = Party::new(&format!("Town {k}"), "JP", None, None).unwrap();
        let partnership = Arc::new(
            Partnership::new(city.clone(), other, PartnershipKind::sister_city()).unwrap(),
        );
        events.push(lifecycle(&partnership, Event::Founded));
        first.get_or_insert(partnership);
    }
    events.push(lifecycle(first.as_ref().unwrap(), Event::Suspended));
    events
}

/// Given histories in the ledger's own SQLite file caught up to events the export's reading
/// of the feed stops before, when the timeline is exported, then it reads on for them and
/// writes what the reference writes from the whole feed.
#[test]
fn given_histories_ahead_of_the_exports_reading_when_exported_then_it_reads_on_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (exported, reference) = runtime.block_on(async {
        let sqlite: Arc<dyn EventStore> =
            Arc::new(amity_store_sqlite::SqliteEventStore::open(&path).unwrap());
        let events = events(2_500);
        let total = events.len();
        for (stream, event) in events {
            sqlite
                .append(&stream, ExpectedVersion::Any, vec![event])
                .await
                .unwrap();
        }
        let feed = sqlite.read_all(Position::START, usize::MAX).await.unwrap();
        // The reading stops 700 events short: the suspension and 699 foundings.
        let until = feed[total - 701].position;
        let store = Arc::new(Behind {
            inner: sqlite,
            until,
            behind: AtomicBool::new(false),
        });
        let ledger = Ledger::new(store.clone());
        let mut projections = Projections::open_in_ledger(ledger.clone(), &path).unwrap();
        projections.catch_up().await.unwrap();
        let placements = projections.placements(None).await.unwrap();
        let stored = placements.iter().filter(|p| p.entry.stored_at.is_some());
        assert_eq!(
            stored.count(),
            total,
            "every entry keeps where its event is"
        );
        store.behind.store(true, Ordering::SeqCst);
        let mut exported = Vec::new();
        let rows = views::export_timeline(&ledger, &projections, None, false, &mut exported)
            .await
            .unwrap();
        assert_eq!(rows as usize, total);
        let feed = views::Feed::read(&ledger, None).await.unwrap();
        let mut reference = Vec::new();
        views::write_timeline(&feed, &placements, false, &mut reference).unwrap();
        (
            String::from_utf8(exported).unwrap(),
            String::from_utf8(reference).unwrap(),
        )
    });
    assert_eq!(exported.lines().count(), 2_502);
    assert_eq!(exported, reference);
}

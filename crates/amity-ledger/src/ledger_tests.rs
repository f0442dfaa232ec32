//! Tests of `ledger`.
use std::sync::atomic::{AtomicUsize, Ordering};

use amity_domain::{EventType, Facts, Partnership, PartnershipKind};
use amity_store::{Appended, MemoryEventStore, NewEvent, RecordedEvent, StreamAppend};
use async_trait::async_trait;

use super::*;

/// A store with faults: another writer always gets in first (`raced`), or its feed
/// cannot be read past `broken` (and its pages are short: never more than 9 events, long
/// before the end, as a store may return).
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn EventStore>,
    raced: bool,
    attempts: AtomicUsize,
    broken: Option<Position>,
}

impl Faulty {
    fn new(inner: Arc<dyn EventStore>, raced: bool, broken: Option<Position>) -> Faulty {
        Faulty {
            inner,
            raced,
            attempts: AtomicUsize::new(0),
            broken,
        }
    }
}

#[async_trait]
impl EventStore for Faulty {
    fn backend(&self) -> &'static str {
        "faulty"
    }
    async fn log_checkpoints(&self) -> amity_store::Result<Vec<amity_store::LogCheckpoint>> {
        self.inner.log_checkpoints().await
    }
    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> amity_store::Result<amity_store::LogCheckpoint> {
        self.inner
            .add_log_checkpoint(tree_size, note, frontier)
            .await
    }
    async fn log_frontier(&self) -> amity_store::Result<Option<(u64, Vec<u8>)>> {
        self.inner.log_frontier().await
    }
    async fn save_log_frontier(
        &self,
        tree_size: u64,
        frontier: Vec<u8>,
    ) -> amity_store::Result<()> {
        self.inner.save_log_frontier(tree_size, frontier).await
    }
    async fn keep_log_leaves(&self, leaves: Vec<amity_store::LogLeaf>) -> amity_store::Result<()> {
        self.inner.keep_log_leaves(leaves).await
    }
    async fn kept_log_leaves(
        &self,
        from: u64,
        limit: usize,
    ) -> amity_store::Result<Vec<amity_store::LogLeaf>> {
        self.inner.kept_log_leaves(from, limit).await
    }
    async fn kept_log_leaves_of(
        &self,
        events: &[amity_store::EventId],
    ) -> amity_store::Result<Vec<amity_store::LogLeaf>> {
        self.inner.kept_log_leaves_of(events).await
    }
    async fn append_many(&self, appends: Vec<StreamAppend>) -> amity_store::Result<Vec<Appended>> {
        let mut results = Vec::with_capacity(appends.len());
        for part in appends {
            results.push(
                self.append(&part.stream, part.expected, part.events)
                    .await?,
            );
        }
        Ok(results)
    }
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> amity_store::Result<Appended> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.raced {
            return Err(amity_store::Error::VersionConflict {
                stream: stream.to_owned(),
                expected,
                actual: Some(41),
            });
        }
        self.inner.append(stream, expected, events).await
    }
    async fn read_stream(
        &self,
        stream: &str,
        from: u64,
        max: usize,
    ) -> amity_store::Result<Vec<RecordedEvent>> {
        self.inner.read_stream(stream, from, max).await
    }
    async fn read_all(
        &self,
        after: Position,
        max: usize,
    ) -> amity_store::Result<Vec<RecordedEvent>> {
        let Some(broken) = self.broken else {
            return self.inner.read_all(after, max).await;
        };
        if after >= broken {
            return Err(amity_store::Error::backend("broken", "the disk is gone"));
        }
        let mut page = self.inner.read_all(after, max.min(9)).await?;
        page.truncate(page.partition_point(|event| event.position <= broken));
        Ok(page)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_error_comes_after_every_event_before_it_and_short_pages_do_not_end_the_feed() {
    let (ledger, feed) = interleaved(Arc::new(MemoryEventStore::new()), 7, 20).await;
    let broken = feed[99].position;
    let ledger = Ledger::new(Arc::new(Faulty::new(
        ledger.store().clone(),
        false,
        Some(broken),
    )));
    let mut pages = ledger.pages_in_chunks(Position::START, None, 50, (3, 4));
    let mut seen = Vec::new();
    let error = loop {
        match pages.next().await {
            Ok(Some(page)) => seen.extend(page.iter().map(|recorded| recorded.id)),
            Ok(None) => panic!("the store error was not reported"),
            Err(error) => break error,
        }
    };
    let expected: Vec<EventId> = feed[..100].iter().map(|event| event.event_id).collect();
    assert_eq!(seen, expected);
    assert!(error.to_string().contains("the disk is gone"), "{error}");
    assert!(pages.next().await.unwrap().is_none(), "read past the error");
}

fn founding() -> ToRecord {
    let partnership = Partnership::new(
        "Colorado Springs, US-CO".parse().unwrap(),
        "Smolensk, RU".parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap();
    let facts = Facts {
        occurred: "1993".parse().unwrap(),
        ..Facts::default()
    };
    ToRecord::lifecycle(
        Event::lifecycle(EventType::PartnershipFounded, partnership, facts),
        "test",
    )
}

#[tokio::test]
async fn a_version_conflict_that_retries_cannot_resolve_is_reported() {
    let store = Arc::new(Faulty::new(Arc::new(MemoryEventStore::new()), true, None));
    let ledger = Ledger::new(store.clone());
    let error = ledger.record(founding()).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("version conflict on stream ru:smolensk+us-co:colorado-springs"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert_eq!(store.attempts.load(Ordering::SeqCst), MAX_ATTEMPTS);
    assert!(store
        .read_all(Position::START, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn given_new_input_the_rules_refuse_when_recorded_then_the_field_is_named_and_nothing_written(
) {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let mut future = founding();
    if let Event::Founded(body) = &mut future.event {
        body.facts.occurred = "2999".parse().unwrap();
    }
    let error = ledger.record(future).await.unwrap_err();
    assert!(matches!(error, Error::Input(_)), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("occurred: 2999 is in the future"),
        "{error}"
    );
    let mut escaped = founding();
    escaped.recorded_by = "mallory\u{1b}]0;pwned\u{7}".to_owned();
    let error = ledger.record(escaped).await.unwrap_err();
    assert!(error.to_string().starts_with("recorded_by: "), "{error}");
    let mut url = founding();
    if let Event::Founded(body) = &mut url.event {
        body.facts.sources = vec![amity_domain::Source {
            title: "Minutes".to_owned(),
            url: Some("javascript:alert(1)".to_owned()),
            ..Default::default()
        }];
    }
    let error = ledger.record(url).await.unwrap_err();
    assert!(error.to_string().starts_with("source_url: "), "{error}");
    assert!(ledger
        .store()
        .read_all(Position::START, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn recording_the_same_event_twice_writes_it_once() {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let item = founding();
    assert!(matches!(
        ledger.record(item.clone()).await.unwrap(),
        Outcome::Recorded(_)
    ));
    assert!(matches!(
        ledger.record(item).await.unwrap(),
        Outcome::AlreadyRecorded(_)
    ));
    assert_eq!(
        ledger
            .store()
            .read_all(Position::START, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn stored_records_are_the_bytes_the_feed_decodes_in_feed_order() {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    ledger.record(founding()).await.unwrap();
    let milestone = amity_domain::Milestone {
        key: "invasion-2022-02-24".parse().unwrap(),
        title: "The invasion of Ukraine".to_owned(),
        occurred: "2022-02-24".parse().unwrap(),
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_milestone(milestone, uuid::Uuid::now_v7(), "test")
        .await
        .unwrap();
    // Read one at a time, on from each last position, as a verifier pages through.
    let mut records = Vec::new();
    let mut after = Position::START;
    loop {
        let page = ledger.stored_records(after, 1).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        records.extend(page);
    }
    assert_eq!(records.len(), 2, "the milestone's stream is read too");
    assert_eq!(records[1].stream, amity_domain::MILESTONES_STREAM);
    // The partnership's record holds the bytes that decode to the event the feed gives.
    let mut decoded = Vec::new();
    ledger
        .scan(Position::START, 10, |event| decoded.push(event))
        .await
        .unwrap();
    assert_eq!(decoded.len(), 1, "the feed leaves milestones out");
    assert_eq!(records[0].event_id, decoded[0].id);
    let again = crate::decode(&records[0]).unwrap();
    assert_eq!(again.event, decoded[0].event);
    let payload: serde_json::Value = serde_json::from_slice(&records[0].payload).unwrap();
    assert_eq!(payload["occurred"], "1993");
}

/// An attestation of synthetic partnership `n`, encoded, with its stream.
fn attestation(n: usize) -> (String, NewEvent) {
    let partnership = Partnership::new(
        format!("Springfield {n}, US").parse().unwrap(),
        format!("Partnerstadt {n}, DE").parse().unwrap(),
        PartnershipKind::sister_city(),
    )
    .unwrap();
    let stream = partnership.id().to_string();
    let event = Event::lifecycle(
        EventType::PartnershipAttested,
        partnership,
        Facts::default(),
    );
    (stream, encode(uuid::Uuid::now_v7(), &event, "test"))
}

/// The stores the reading pipeline is checked on: memory (read in pages) and a SQLite
/// file (read in lanes of its own), with the folder that holds the file.
fn pipeline_stores() -> Vec<(Arc<dyn EventStore>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = amity_store_sqlite::SqliteEventStore::open(dir.path().join("l.db")).unwrap();
    vec![
        (Arc::new(MemoryEventStore::new()), None),
        (Arc::new(sqlite), Some(dir)),
    ]
}

/// A ledger on `store` of `streams` partnerships with `per_stream` attestations each,
/// appended round-robin so that streams interleave in the feed; the feed is returned.
async fn interleaved(
    store: Arc<dyn EventStore>,
    streams: usize,
    per_stream: usize,
) -> (Ledger, Vec<RecordedEvent>) {
    for _ in 0..per_stream {
        for n in 0..streams {
            let (stream, new) = attestation(n);
            store
                .append(&stream, ExpectedVersion::Any, vec![new])
                .await
                .unwrap();
        }
    }
    let feed = store.read_all(Position::START, usize::MAX).await.unwrap();
    (Ledger::new(store), feed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_many_chunks_come_in_feed_order_up_to_until() {
    for (store, _dir) in pipeline_stores() {
        let (ledger, feed) = interleaved(store, 37, 9).await;
        // Chunks of 7 (pages of 100 read from memory); `until` falls inside a chunk.
        for until in [None, Some(feed[250].position)] {
            let mut pages = ledger.pages_in_chunks(Position::START, until, 100, (3, 7));
            let mut seen = Vec::new();
            while let Some(page) = pages.next().await.unwrap() {
                assert!(!page.is_empty() && page.len() <= 7);
                seen.extend(page.iter().map(|recorded| recorded.id));
            }
            let expected: Vec<EventId> = match until {
                None => feed.iter().map(|event| event.event_id).collect(),
                Some(_) => feed[..=250].iter().map(|event| event.event_id).collect(),
            };
            assert_eq!(seen, expected);
            let last = until.unwrap_or(feed.last().unwrap().position);
            assert_eq!(
                (pages.position(), pages.events()),
                (last, expected.len() as u64)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_does_not_decode_stops_the_pages_after_those_before_it() {
    for (store, _dir) in pipeline_stores() {
        let (ledger, _) = interleaved(store, 5, 40).await;
        let bad = NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "PartnershipAttested".to_owned(),
            schema_version: 1,
            payload: b"{\"occurred\":".to_vec(),
            metadata: b"{\"recorded_by\":\"test\"}".to_vec(),
            recorded_at: None,
        };
        let (stream, _) = attestation(0);
        let store = ledger.store().clone();
        store
            .append(&stream, ExpectedVersion::Any, vec![bad.clone()])
            .await
            .unwrap();
        for _ in 0..30 {
            let (stream, new) = attestation(1);
            store
                .append(&stream, ExpectedVersion::Any, vec![new])
                .await
                .unwrap();
        }
        let mut pages = ledger.pages_in_chunks(Position::START, None, 50, (3, 6));
        let mut good = 0;
        let error = loop {
            match pages.next().await {
                Ok(Some(page)) => good += page.len(),
                Ok(None) => panic!("the bad event was not reported"),
                Err(error) => break error,
            }
        };
        assert_eq!(good, 200, "{}", ledger.store().backend());
        assert!(pages.next().await.unwrap().is_none(), "read past the error");
        assert!(
            error.to_string().contains(&bad.event_id.to_string()),
            "{error}"
        );
    }
}

#[tokio::test]
async fn pages_stop_at_until_and_leave_milestones_out() {
    let ledger = Ledger::new(Arc::new(MemoryEventStore::new()));
    let partnership = founding().partnership;
    let mut recorded = Vec::new();
    for year in ["1993", "1994", "1995", "1996", "1997"] {
        let facts = Facts {
            occurred: year.parse().unwrap(),
            ..Facts::default()
        };
        let event = match year {
            "1993" => founding().event,
            _ => Event::lifecycle(
                EventType::PartnershipAttested,
                founding().event.as_lifecycle().unwrap().partnership.clone(),
                facts,
            ),
        };
        let item = ToRecord::about(partnership.clone(), event, "test");
        recorded.push(ledger.record(item).await.unwrap().recorded().id);
    }
    let milestone = Milestone {
        key: "invasion".parse().unwrap(),
        title: "Invasion".to_owned(),
        occurred: "2022-02-24".parse().unwrap(),
        sources: Vec::new(),
        note: None,
    };
    ledger
        .record_milestone(milestone, uuid::Uuid::now_v7(), "test")
        .await
        .unwrap();
    let feed = ledger.store().read_all(Position::START, 10).await.unwrap();
    assert_eq!(feed.len(), 6);

    // Up to the third event, in pages of two: the rest is left for later.
    let mut pages = ledger.pages(Position::START, Some(feed[2].position), 2);
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await.unwrap() {
        assert!(page.len() <= 2);
        seen.extend(page.iter().map(|r| r.id));
    }
    assert_eq!(seen, recorded[..3]);
    assert_eq!((pages.position(), pages.events()), (feed[2].position, 3));

    // Everything: the milestone is counted and passed, not returned.
    let mut pages = ledger.pages(feed[1].position, None, 4);
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await.unwrap() {
        seen.extend(page.iter().map(|r| r.id));
    }
    assert_eq!(seen, recorded[2..]);
    assert_eq!((pages.position(), pages.events()), (feed[5].position, 4));
}

/// The whole feed's summary (streams counted by the store, the map built at once) is what
/// reading every event from the start counts, on both reading pipelines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_counts_what_reading_the_feed_counts() {
    for (store, _dir) in pipeline_stores() {
        let (ledger, feed) = interleaved(store, 37, 3).await;
        let summary = ledger.summary().await.unwrap();
        assert_eq!(
            summary,
            ledger.changes_since(Position::START).await.unwrap()
        );
        assert_eq!(
            (summary.partnerships.len(), summary.events),
            (37, feed.len() as u64)
        );
        assert!(summary.partnerships.values().all(|count| *count == 3));
    }
}

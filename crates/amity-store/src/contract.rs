//! The contract suite every backend passes (feature `contract`).
//!
//! Each function checks one clause of the contract in the crate docs against a store, using
//! fresh stream names so that it can run against a shared server database. A backend test
//! calls [`crate::contract_tests!`] with an expression that opens a store; a backend that lacks
//! a capability says so through the trait (e.g. [`EventStore::atomic_multi_stream`]), never by
//! copying the suite.

use std::collections::{HashMap, HashSet};

use crate::{
    Error, EventId, EventStore, EventStoreExt, ExpectedVersion, NewEvent, Position, RecordedEvent,
    StreamAppend,
};

/// A fresh stream name with a recognisable prefix.
pub fn fresh_stream(label: &str) -> String {
    format!("contract-{label}-{}", uuid::Uuid::new_v4().simple())
}

/// A small serialized event with a fresh id.
pub fn sample_event(n: usize) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type: "ContractSampled".to_owned(),
        schema_version: 1,
        payload: format!("{{\"n\":{n},\"text\":\"Смоленск ✓\"}}").into_bytes(),
        metadata: b"{\"recorded_by\":\"contract\"}".to_vec(),
        recorded_at: None,
    }
}

fn samples(count: usize) -> Vec<NewEvent> {
    (0..count).map(sample_event).collect()
}

/// The position of the newest event, found by appending a marker to a fresh stream.
async fn head(store: &dyn EventStore) -> Position {
    let appended = store
        .append(
            &fresh_stream("marker"),
            ExpectedVersion::NoStream,
            samples(1),
        )
        .await
        .expect("marker append");
    appended.last_position.expect("marker has a position")
}

/// Every event after `after` whose stream is in `streams`, following pages of `page` events.
async fn read_all_of(
    store: &dyn EventStore,
    after: Position,
    page: usize,
    streams: &HashSet<&str>,
) -> Vec<RecordedEvent> {
    let mut found = Vec::new();
    let mut cursor = after;
    loop {
        let events = store.read_all(cursor, page).await.expect("read_all");
        let Some(last) = events.last() else {
            return found;
        };
        assert!(last.position > cursor, "read_all went backwards");
        cursor = last.position;
        found.extend(
            events
                .into_iter()
                .filter(|e| streams.contains(e.stream.as_str())),
        );
    }
}

/// Appended events read back byte for byte, with versions 0.. and positions.
pub async fn round_trip(store: &dyn EventStore) {
    let stream = fresh_stream("round-trip");
    let events = samples(3);
    let appended = store
        .append(&stream, ExpectedVersion::NoStream, events.clone())
        .await
        .expect("append");
    assert_eq!(appended.written, 3);
    assert_eq!(appended.last_version, Some(2));
    let read = store.read_whole_stream(&stream).await.expect("read");
    assert_eq!(read.len(), 3);
    for (version, (sent, got)) in events.iter().zip(&read).enumerate() {
        assert_eq!(got.stream, stream);
        assert_eq!(got.stream_version, version as u64);
        assert_eq!(got.event_id, sent.event_id);
        assert_eq!(got.event_type, sent.event_type);
        assert_eq!(got.schema_version, sent.schema_version);
        assert_eq!(got.payload, sent.payload);
        assert_eq!(got.metadata, sent.metadata);
    }
    assert_eq!(read[2].position, appended.last_position.unwrap());
    let tail = store.read_stream(&stream, 1, 1).await.expect("read from 1");
    assert_eq!(tail.len(), 1);
    assert_eq!(tail[0].stream_version, 1);
    // A transaction time given with the event (an archive copy) is kept as is.
    let mut archived = sample_event(9);
    let original = jiff::Timestamp::from_microsecond(1_648_000_000_123_456).unwrap();
    archived.recorded_at = Some(original);
    let archive_stream = fresh_stream("archived");
    store
        .append(&archive_stream, ExpectedVersion::NoStream, vec![archived])
        .await
        .expect("append archived");
    let kept = store.read_whole_stream(&archive_stream).await.unwrap();
    assert_eq!(kept[0].recorded_at, original);
    assert!(
        read[0].recorded_at > original,
        "commit time is stamped when none is given"
    );
    let missing = store
        .read_whole_stream(&fresh_stream("missing"))
        .await
        .unwrap();
    assert!(missing.is_empty());
    let found = store
        .find_event(events[1].event_id)
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.stream_version, 1);
    assert!(store
        .find_event(uuid::Uuid::new_v4())
        .await
        .unwrap()
        .is_none());
}

fn assert_conflict(result: crate::Result<crate::Appended>, expected_actual: Option<u64>) {
    match result {
        Err(Error::VersionConflict { actual, .. }) => assert_eq!(actual, expected_actual),
        other => panic!("expected a version conflict, got {other:?}"),
    }
}

/// Each expected-version variant admits and refuses what its docs say, writing nothing.
pub async fn version_conflicts(store: &dyn EventStore) {
    let stream = fresh_stream("versions");
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::StreamExists, samples(1))
            .await,
        None,
    );
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exact(0), samples(1))
            .await,
        None,
    );
    store
        .append(&stream, ExpectedVersion::NoStream, samples(2))
        .await
        .expect("first append");
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::NoStream, samples(1))
            .await,
        Some(1),
    );
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exact(0), samples(1))
            .await,
        Some(1),
    );
    assert_conflict(
        store
            .append(&stream, ExpectedVersion::Exact(5), samples(1))
            .await,
        Some(1),
    );
    let exact = store
        .append(&stream, ExpectedVersion::Exact(1), samples(1))
        .await
        .unwrap();
    assert_eq!(exact.last_version, Some(2));
    let exists = store
        .append(&stream, ExpectedVersion::StreamExists, samples(1))
        .await
        .unwrap();
    assert_eq!(exists.last_version, Some(3));
    let any = store
        .append(&stream, ExpectedVersion::Any, samples(2))
        .await
        .unwrap();
    assert_eq!(any.last_version, Some(5));
    let fresh_any = store
        .append(
            &fresh_stream("versions-any"),
            ExpectedVersion::Any,
            samples(1),
        )
        .await
        .unwrap();
    assert_eq!(fresh_any.last_version, Some(0));
    assert_eq!(store.read_whole_stream(&stream).await.unwrap().len(), 6);
}

/// A batch that fails writes nothing, in one stream and (where atomic) across streams.
pub async fn atomic_batches(store: &dyn EventStore) {
    let stream = fresh_stream("atomic");
    store
        .append(&stream, ExpectedVersion::NoStream, samples(1))
        .await
        .unwrap();
    // An id repeated inside the batch fails the whole batch.
    let mut batch = samples(3);
    batch[2].event_id = batch[0].event_id;
    let error = store
        .append(&stream, ExpectedVersion::Exact(0), batch)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::DuplicateInBatch { .. }), "{error}");
    // An id stored in another stream fails the whole batch.
    if store.detects_ids_across_streams() {
        let other = fresh_stream("atomic-other");
        let stored = samples(1);
        store
            .append(&other, ExpectedVersion::NoStream, stored.clone())
            .await
            .unwrap();
        let mut batch = samples(2);
        batch.push(stored[0].clone());
        let error = store
            .append(&stream, ExpectedVersion::Exact(0), batch)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::DuplicateEvent { .. }), "{error}");
    } else {
        println!(
            "clause not checked: the {} store does not detect an id stored in another stream (documented)",
            store.backend()
        );
    }
    assert_eq!(store.read_whole_stream(&stream).await.unwrap().len(), 1);

    // Several streams at once: a conflict in the last part.
    let fresh = fresh_stream("atomic-many");
    let parts = vec![
        StreamAppend {
            stream: fresh.clone(),
            expected: ExpectedVersion::NoStream,
            events: samples(2),
        },
        StreamAppend {
            stream: stream.clone(),
            expected: ExpectedVersion::Exact(7),
            events: samples(1),
        },
    ];
    let error = store.append_many(parts).await.unwrap_err();
    assert!(matches!(error, Error::VersionConflict { .. }), "{error}");
    let written = store.read_whole_stream(&fresh).await.unwrap().len();
    if store.atomic_multi_stream() {
        assert_eq!(
            written, 0,
            "a failed multi-stream append left events behind"
        );
    } else {
        println!(
            "clause not checked: the {} store's appends to several streams are not atomic (documented)",
            store.backend()
        );
    }
    let parts = vec![
        StreamAppend {
            stream: fresh_stream("atomic-many-ok"),
            expected: ExpectedVersion::NoStream,
            events: samples(2),
        },
        StreamAppend {
            stream: stream.clone(),
            expected: ExpectedVersion::Exact(0),
            events: samples(1),
        },
    ];
    let outcomes = store.append_many(parts).await.unwrap();
    assert_eq!(outcomes[0].last_version, Some(1));
    assert_eq!(outcomes[1].last_version, Some(1));
}

/// Re-appending the same event ids adds nothing and reports the original versions.
pub async fn idempotent_appends(store: &dyn EventStore) {
    let stream = fresh_stream("idempotent");
    let first = samples(2);
    let second = samples(2);
    store
        .append(&stream, ExpectedVersion::NoStream, first.clone())
        .await
        .unwrap();
    let appended = store
        .append(&stream, ExpectedVersion::Exact(1), second.clone())
        .await
        .unwrap();
    for expected in [
        ExpectedVersion::NoStream,
        ExpectedVersion::Any,
        ExpectedVersion::Exact(3),
    ] {
        let repeat = store
            .append(&stream, expected, first.clone())
            .await
            .unwrap();
        assert_eq!(repeat.written, 0);
        assert_eq!(repeat.last_version, Some(1));
    }
    let repeat = store
        .append(&stream, ExpectedVersion::Exact(1), second.clone())
        .await
        .unwrap();
    assert_eq!(repeat.written, 0);
    assert_eq!(repeat.last_version, Some(3));
    assert_eq!(repeat.last_position, appended.last_position);
    // A batch that overlaps stored ids only in part is refused.
    let mut partial = samples(1);
    partial.insert(0, second[1].clone());
    let error = store
        .append(&stream, ExpectedVersion::Any, partial)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::DuplicateEvent { .. }), "{error}");
    // Out of order is not the same batch either.
    let swapped = vec![first[1].clone(), first[0].clone()];
    assert!(store
        .append(&stream, ExpectedVersion::Any, swapped)
        .await
        .is_err());
    assert_eq!(store.read_whole_stream(&stream).await.unwrap().len(), 4);
    // A repeat is recognised by its ids alone and never changes what is stored: comparing the
    // contents is the ledger's job, which reads the stored event back.
    let mut changed = first.clone();
    for event in &mut changed {
        event.payload = br#"{"changed":true}"#.to_vec();
    }
    let repeat = store
        .append(&stream, ExpectedVersion::Any, changed)
        .await
        .unwrap();
    assert_eq!(repeat.written, 0);
    let stored = store.read_whole_stream(&stream).await.unwrap();
    for (stored, sent) in stored.iter().zip(&first) {
        assert_eq!(stored.payload, sent.payload, "the stored payload stays");
    }
}

/// `read_all` returns every event once, in commit order, across pages and from any position.
pub async fn global_order(store: &dyn EventStore) {
    let start = head(store).await;
    let streams: Vec<String> = (0..3)
        .map(|i| fresh_stream(&format!("global-{i}")))
        .collect();
    let mut sent = Vec::new();
    for round in 0..4 {
        for stream in &streams {
            let batch = samples(round % 2 + 1);
            sent.extend(batch.iter().map(|e| e.event_id));
            store
                .append(stream, ExpectedVersion::Any, batch)
                .await
                .unwrap();
        }
    }
    let names: HashSet<&str> = streams.iter().map(String::as_str).collect();
    for page in [1, 2, 5, 1000] {
        let read = read_all_of(store, start, page, &names).await;
        let ids: Vec<EventId> = read.iter().map(|e| e.event_id).collect();
        assert_eq!(ids, sent, "global order with pages of {page}");
        assert!(read.windows(2).all(|w| w[0].position < w[1].position));
    }
    let read = read_all_of(store, start, 100, &names).await;
    let middle = read[5].position;
    let rest = read_all_of(store, middle, 3, &names).await;
    assert_eq!(rest.len(), read.len() - 6);
    assert_eq!(rest[0].event_id, read[6].event_id);
    let text = middle.to_string();
    assert_eq!(text.parse::<Position>().unwrap(), middle);
}

/// `feed_summary` counts each stream's events and ends at the last one (other writers may
/// share the store, so only this test's streams are checked exactly).
pub async fn feed_summary(store: &dyn EventStore) {
    let streams: Vec<String> = (0..3)
        .map(|i| fresh_stream(&format!("summary-{i}")))
        .collect();
    let mut last = Position::START;
    for (i, stream) in streams.iter().enumerate() {
        let appended = store
            .append(stream, ExpectedVersion::NoStream, samples(i + 1))
            .await
            .unwrap();
        last = appended.last_position.unwrap();
    }
    let summary = store.feed_summary().await.unwrap();
    for (i, stream) in streams.iter().enumerate() {
        let found = summary.streams.iter().find(|(name, _)| name == stream);
        assert_eq!(found.map(|(_, n)| *n), Some(i as u64 + 1), "{stream}");
    }
    assert!(summary.last.is_some_and(|end| end >= last));
    assert!(summary.first_event.is_some());
    assert!(summary.streams.windows(2).all(|w| w[0].0 < w[1].0));
}

/// What a collecting lane of [`read_in_lanes`] saw, in order.
#[derive(Debug)]
enum Seen {
    Event(RecordedEvent),
    EndOfChunk,
    Failed(String),
}

/// A lane that keeps what it is given; it stops after `stop_after` events, if set.
struct CollectingLane {
    seen: std::sync::mpsc::Sender<Seen>,
    stop_after: Option<usize>,
}

impl crate::FeedLane for CollectingLane {
    fn event(&mut self, event: crate::StoredEvent<'_>) -> bool {
        if let Some(left) = &mut self.stop_after {
            if *left == 0 {
                return false;
            }
            *left -= 1;
        }
        let owned = event.to_recorded(event.stream.into());
        self.seen.send(Seen::Event(owned)).is_ok()
    }

    fn end_chunk(&mut self) -> bool {
        self.seen.send(Seen::EndOfChunk).is_ok()
    }

    fn fail(&mut self, error: Error) {
        let _ = self.seen.send(Seen::Failed(error.to_string()));
    }
}

/// Read in `lanes` lanes and put the chunks back in feed order by taking them from the lanes
/// in turn; also returns the largest chunk.
async fn read_lanes(
    store: &std::sync::Arc<dyn EventStore>,
    read: crate::LaneRead,
    lanes: usize,
) -> (Vec<RecordedEvent>, usize) {
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..lanes).map(|_| std::sync::mpsc::channel()).unzip();
    let boxed = senders
        .into_iter()
        .map(|seen| {
            Box::new(CollectingLane {
                seen,
                stop_after: None,
            }) as Box<dyn crate::FeedLane>
        })
        .collect();
    store.clone().read_all_in_lanes(read, boxed).await;
    // Each lane's chunks, in the order the lane got them.
    let mut chunks: Vec<std::collections::VecDeque<Vec<RecordedEvent>>> = receivers
        .into_iter()
        .map(|receiver| {
            let mut lane_chunks = std::collections::VecDeque::new();
            let mut current = Vec::new();
            for seen in receiver.try_iter() {
                match seen {
                    Seen::Event(event) => current.push(event),
                    Seen::EndOfChunk => lane_chunks.push_back(std::mem::take(&mut current)),
                    Seen::Failed(error) => panic!("reading in lanes failed: {error}"),
                }
            }
            assert!(current.is_empty(), "a lane's last chunk was not ended");
            lane_chunks
        })
        .collect();
    let mut feed = Vec::new();
    let mut largest = 0;
    for turn in 0.. {
        let Some(chunk) = chunks[turn % lanes].pop_front() else {
            break;
        };
        largest = largest.max(chunk.len());
        feed.extend(chunk);
    }
    assert!(
        chunks.iter().all(|lane| lane.is_empty()),
        "a lane had chunks after the feed's end"
    );
    (feed, largest)
}

/// `read_all_in_lanes` hands over every event once: the lanes' chunks, taken in turn, are the
/// feed in global order, from any position, up to `until` or the end, whatever the number of
/// lanes and the chunk size; a lane that stops does not hold up the reading.
pub async fn read_in_lanes(store: std::sync::Arc<dyn EventStore>) {
    let start = head(&*store).await;
    let streams: Vec<String> = (0..3)
        .map(|i| fresh_stream(&format!("lanes-{i}")))
        .collect();
    let mut last = start;
    for round in 0..5 {
        for stream in &streams {
            let appended = store
                .append(stream, ExpectedVersion::Any, samples(round % 3 + 1))
                .await
                .unwrap();
            last = appended.last_position.unwrap();
        }
    }
    let names: HashSet<&str> = streams.iter().map(String::as_str).collect();
    let expected = read_all_of(&*store, start, 1000, &names).await;
    assert_eq!(expected.len(), 27);
    let ours = |feed: &[RecordedEvent]| -> Vec<RecordedEvent> {
        feed.iter()
            .filter(|e| names.contains(e.stream.as_str()))
            .cloned()
            .collect()
    };
    for (lanes, chunk, page) in [(1, 1, 1), (2, 1, 3), (2, 4, 7), (3, 5, 2), (4, 64, 1000)] {
        let read = crate::LaneRead {
            after: start,
            until: Some(last),
            chunk,
            page,
        };
        let (feed, largest) = read_lanes(&store, read, lanes).await;
        let context = format!("{lanes} lanes, chunks of {chunk}, pages of {page}");
        assert_eq!(ours(&feed), expected, "{context}");
        assert!(largest <= chunk, "{context}: a chunk of {largest}");
        assert!(
            feed.windows(2).all(|w| w[0].position < w[1].position),
            "{context}: out of order"
        );
        assert!(
            feed.iter()
                .all(|e| e.position > start && e.position <= last),
            "{context}: outside the range"
        );
        assert_eq!(feed.last().map(|e| e.position), Some(last), "{context}");
    }
    // From the middle, and up to the end of the feed.
    let middle = expected[11].position;
    let read = crate::LaneRead {
        after: middle,
        until: None,
        chunk: 3,
        page: 4,
    };
    let (feed, _) = read_lanes(&store, read, 2).await;
    assert_eq!(ours(&feed), expected[12..].to_vec());
    // Nothing after the end.
    let read = crate::LaneRead {
        after: last,
        until: Some(last),
        chunk: 3,
        page: 4,
    };
    assert!(read_lanes(&store, read, 2).await.0.is_empty());
    // A lane that stops: it gets nothing more, and the reading still returns.
    let (seen, stopped) = std::sync::mpsc::channel();
    let (other_seen, other) = std::sync::mpsc::channel();
    let stopping: Vec<Box<dyn crate::FeedLane>> = vec![
        Box::new(CollectingLane {
            seen,
            stop_after: Some(3),
        }),
        Box::new(CollectingLane {
            seen: other_seen,
            stop_after: None,
        }),
    ];
    let read = crate::LaneRead {
        after: start,
        until: Some(last),
        chunk: 2,
        page: 5,
    };
    in_time(store.clone().read_all_in_lanes(read, stopping)).await;
    let events = |seen: Vec<Seen>| -> Vec<Position> {
        seen.into_iter()
            .filter_map(|seen| match seen {
                Seen::Event(event) => Some(event.position),
                _ => None,
            })
            .collect()
    };
    // Three events taken (two chunks' worth, whichever way the backend cuts them), then it
    // refused the fourth.
    assert_eq!(events(stopped.try_iter().collect()).len(), 3);
    let others = events(other.try_iter().collect());
    assert!(others.windows(2).all(|w| w[0] < w[1]));
    // A lane that panics makes the reading panic (and does not hang it).
    let (seen, _kept) = std::sync::mpsc::channel();
    let panicking: Vec<Box<dyn crate::FeedLane>> = vec![
        Box::new(CollectingLane {
            seen,
            stop_after: None,
        }),
        Box::new(PanickingLane),
    ];
    let reading = tokio::spawn(store.clone().read_all_in_lanes(read, panicking));
    let outcome = in_time(reading).await;
    assert!(outcome.is_err_and(|error| error.is_panic()));
}

/// A lane that panics at its first event.
struct PanickingLane;

impl crate::FeedLane for PanickingLane {
    fn event(&mut self, _: crate::StoredEvent<'_>) -> bool {
        panic!("a lane panics (on purpose, in a test)")
    }

    fn end_chunk(&mut self) -> bool {
        true
    }

    fn fail(&mut self, _: Error) {}
}

/// `future`'s output, or a panic if it takes more than a minute (a hang).
async fn in_time<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(60), future)
        .await
        .expect("the reading hung")
}

/// Many tasks appending with optimistic concurrency lose nothing and duplicate nothing.
pub async fn concurrent_writers(store: std::sync::Arc<dyn EventStore>) {
    let streams: Vec<String> = (0..2).map(|i| fresh_stream(&format!("race-{i}"))).collect();
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let store = store.clone();
        let streams = streams.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..25 {
                let stream = &streams[(writer + n) % streams.len()];
                ids.extend(append_with_retry(&*store, stream, sample_event(n)).await);
            }
            ids
        }));
    }
    let mut sent = HashSet::new();
    for task in tasks {
        sent.extend(task.await.expect("writer task"));
    }
    assert_eq!(sent.len(), 100);
    check_streams(&*store, &streams, &sent).await;
}

/// Append one event after the stream's current version, re-reading on conflict.
pub async fn append_with_retry(
    store: &dyn EventStore,
    stream: &str,
    event: NewEvent,
) -> Vec<EventId> {
    for _ in 0..1000 {
        let current = store.read_whole_stream(stream).await.expect("read stream");
        let expected = match current.last() {
            None => ExpectedVersion::NoStream,
            Some(last) => ExpectedVersion::Exact(last.stream_version),
        };
        match store.append(stream, expected, vec![event.clone()]).await {
            Ok(_) => return vec![event.event_id],
            Err(Error::VersionConflict { .. }) => continue,
            Err(other) => panic!("append failed: {other}"),
        }
    }
    panic!("no append succeeded after 1000 conflicts on {stream}");
}

/// The streams hold exactly `sent`, each once, at versions 0.. without gaps, and `read_all`
/// sees each exactly once in increasing positions.
pub async fn check_streams(store: &dyn EventStore, streams: &[String], sent: &HashSet<EventId>) {
    let mut seen = HashMap::new();
    for stream in streams {
        let events = store.read_whole_stream(stream).await.expect("read stream");
        for (version, event) in events.iter().enumerate() {
            assert_eq!(event.stream_version, version as u64, "gap in {stream}");
            assert!(
                seen.insert(event.event_id, event.position).is_none(),
                "duplicate"
            );
        }
    }
    let stored: HashSet<EventId> = seen.keys().copied().collect();
    assert_eq!(&stored, sent, "events lost or invented");
    let names: HashSet<&str> = streams.iter().map(String::as_str).collect();
    let all = read_all_of(store, Position::START, 500, &names).await;
    assert_eq!(all.len(), sent.len(), "read_all count");
    assert!(all.windows(2).all(|w| w[0].position < w[1].position));
}

/// Generate one `#[tokio::test]` per contract clause for a backend.
///
/// `$open` is an async expression yielding `Arc<dyn EventStore>`; it is evaluated once per
/// test, so it should open a fresh (or shared, server-side) store each time.
/// Generate one `#[tokio::test]` per contract clause for a backend.
///
/// `$open` is an async expression yielding `Arc<dyn EventStore>`; it is evaluated once per
/// test, so it should open a fresh (or shared, server-side) store each time. With
/// `optional:`, it yields `Option<Arc<dyn EventStore>>`, and `None` (no server configured)
/// skips the test; the expression prints why.
#[macro_export]
macro_rules! contract_tests {
    (optional: $open:expr) => {
        $crate::contract_tests!(@tests (match $open { Some(store) => store, None => return }));
    };
    ($open:expr) => {
        $crate::contract_tests!(@tests $open);
    };
    (@tests $open:expr) => {
        #[tokio::test]
        async fn contract_round_trip() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::round_trip(&*store).await;
        }
        #[tokio::test]
        async fn contract_version_conflicts() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::version_conflicts(&*store).await;
        }
        #[tokio::test]
        async fn contract_atomic_batches() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::atomic_batches(&*store).await;
        }
        #[tokio::test]
        async fn contract_idempotent_appends() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::idempotent_appends(&*store).await;
        }
        #[tokio::test]
        async fn contract_global_order() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::global_order(&*store).await;
        }
        #[tokio::test]
        async fn contract_feed_summary() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::feed_summary(&*store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_read_in_lanes() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::read_in_lanes(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_concurrent_writers() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::concurrent_writers(store).await;
        }
    };
}

//! Concurrent writers: tasks appending with optimistic concurrency lose and duplicate nothing.

use std::collections::{HashMap, HashSet};

use super::support::{fresh_stream, read_all_of, sample_event};
use crate::{Error, EventId, EventStore, EventStoreExt, ExpectedVersion, NewEvent, Position};

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

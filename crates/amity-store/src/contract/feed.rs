//! The global feed: `read_all` in commit order, and `feed_summary`.

use std::collections::HashSet;

use super::support::{fresh_stream, head, read_all_of, samples};
use crate::{EventId, EventStore, ExpectedVersion, Position};

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

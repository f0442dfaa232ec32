//! What every part of the suite shares: fresh stream names, sample events, the feed's head,
//! and the feed read back for a set of streams.

use std::collections::HashSet;

use crate::{EventStore, ExpectedVersion, NewEvent, Position, RecordedEvent};

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

/// `count` sample events, each with a fresh id.
pub(crate) fn samples(count: usize) -> Vec<NewEvent> {
    (0..count).map(sample_event).collect()
}

/// The position of the newest event, found by appending a marker to a fresh stream.
pub(crate) async fn head(store: &dyn EventStore) -> Position {
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
pub(crate) async fn read_all_of(
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

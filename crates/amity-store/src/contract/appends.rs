//! Appending: events read back as written, the expected versions, atomic batches and
//! idempotent re-appends.

use super::support::{fresh_stream, sample_event, samples};
use crate::{Error, EventStore, EventStoreExt, ExpectedVersion, StreamAppend};

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

//! Tests of group commit: appends written together in one transaction keep each its own
//! outcome, and one that fails leaves the others whole.

use amity_store::{Error, EventStore, ExpectedVersion, NewEvent, StreamAppend};

use crate::append::append_group;
use crate::SqliteEventStore;

fn event(n: u8) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::from_bytes([n; 16]),
        event_type: "Noted".to_owned(),
        schema_version: 1,
        payload: format!("{{\"n\":{n}}}").into_bytes(),
        metadata: b"{}".to_vec(),
        recorded_at: None,
    }
}

fn part(stream: &str, expected: ExpectedVersion, ids: &[u8]) -> Vec<StreamAppend> {
    vec![StreamAppend {
        stream: stream.to_owned(),
        expected,
        events: ids.iter().copied().map(event).collect(),
    }]
}

fn fresh_store() -> (std::path::PathBuf, SqliteEventStore) {
    let dir = std::env::temp_dir().join(format!("amity-group-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let store = SqliteEventStore::open(dir.join("ledger.db")).unwrap();
    (dir, store)
}

/// The streams and their events' ids, as stored.
fn stored(connection: &rusqlite::Connection) -> Vec<(String, i64, u8)> {
    let mut statement = connection
        .prepare(
            "SELECT s.name, e.stream_version, e.event_id FROM events e JOIN streams s
             USING (stream_no) ORDER BY e.position",
        )
        .unwrap();
    let rows = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, Vec<u8>>(2)?[0]))
        })
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn a_group_writes_its_good_appends_and_fails_only_the_bad_ones() {
    let (dir, store) = fresh_store();
    let mut connection = store.connect().unwrap();
    // Given a stream "a" at version 1 (events 1 and 2).
    let first = append_group(
        &mut connection,
        vec![part("a", ExpectedVersion::NoStream, &[1, 2])],
    );
    assert_eq!(first[0].as_ref().unwrap()[0].written, 2);
    // When a group holds: a new stream; a conflict on "a"; an idempotent repeat of "a"'s
    // events; an id stored already, sent to another stream; an append after "a"; and an
    // append that expects the stream the first of the group creates.
    let outcomes = append_group(
        &mut connection,
        vec![
            part("b", ExpectedVersion::NoStream, &[3, 4]),
            part("a", ExpectedVersion::NoStream, &[5]),
            part("a", ExpectedVersion::NoStream, &[1, 2]),
            part("c", ExpectedVersion::NoStream, &[6, 1]),
            part("a", ExpectedVersion::Exact(1), &[7]),
            part("b", ExpectedVersion::Exact(1), &[8]),
        ],
    );
    // Then each gets its own outcome, as if they had come one after another.
    assert_eq!(outcomes.len(), 6);
    let written: Vec<_> = outcomes
        .iter()
        .map(|outcome| outcome.as_ref().map(|parts| parts[0].written).ok())
        .collect();
    assert_eq!(written, [Some(2), None, Some(0), None, Some(1), Some(1)]);
    assert!(matches!(
        outcomes[1],
        Err(Error::VersionConflict {
            actual: Some(1),
            ..
        })
    ));
    assert!(matches!(outcomes[3], Err(Error::DuplicateEvent { .. })));
    assert_eq!(outcomes[4].as_ref().unwrap()[0].last_version, Some(2));
    // And the failed ones wrote nothing, the others all of theirs, in order.
    assert_eq!(
        stored(&connection),
        [
            ("a".to_owned(), 0, 1),
            ("a".to_owned(), 1, 2),
            ("b".to_owned(), 0, 3),
            ("b".to_owned(), 1, 4),
            ("a".to_owned(), 2, 7),
            ("b".to_owned(), 2, 8),
        ]
    );
    let versions: Vec<(String, i64)> = connection
        .prepare("SELECT name, version FROM streams ORDER BY name")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(versions, [("a".to_owned(), 2), ("b".to_owned(), 2)]);
    drop((connection, store));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_group_of_new_streams_is_written_at_once_with_dense_positions() {
    let (dir, store) = fresh_store();
    let mut connection = store.connect().unwrap();
    let outcomes = append_group(
        &mut connection,
        vec![
            part("a", ExpectedVersion::NoStream, &[1, 2]),
            part("b", ExpectedVersion::NoStream, &[3]),
        ],
    );
    let positions: Vec<_> = outcomes
        .iter()
        .map(|outcome| outcome.as_ref().unwrap()[0].last_position.unwrap())
        .collect();
    assert_eq!(
        positions,
        [
            amity_store::Position::new(2, 2),
            amity_store::Position::new(3, 3)
        ]
    );
    drop((connection, store));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_each_get_their_own_outcome() {
    let (dir, store) = fresh_store();
    // 64 tasks at once: each appends two events to a new stream of its own, then expects a
    // stream that another one creates, which only one of each pair wins.
    let tasks: Vec<_> = (0..64u8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let own = store
                    .append(
                        &format!("own-{n}"),
                        ExpectedVersion::NoStream,
                        vec![event(2 * n), event(2 * n + 1)],
                    )
                    .await
                    .map(|appended| appended.written);
                let shared = store
                    .append(
                        &format!("shared-{}", n / 2),
                        ExpectedVersion::NoStream,
                        vec![event(128 + n)],
                    )
                    .await;
                (
                    own,
                    shared.is_ok(),
                    matches!(shared, Err(Error::VersionConflict { .. })),
                )
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        let (own, shared_ok, conflict) = task.await.unwrap();
        assert_eq!(own.unwrap(), 2);
        assert!(shared_ok != conflict);
        won += usize::from(shared_ok);
    }
    assert_eq!(won, 32);
    let summary = store.feed_summary().await.unwrap();
    assert_eq!(summary.streams.len(), 96);
    assert_eq!(summary.last, Some(amity_store::Position::new(160, 160)));
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn appends_on_a_current_thread_runtime_are_written() {
    let (dir, store) = fresh_store();
    let appended = store
        .append("a", ExpectedVersion::NoStream, vec![event(1)])
        .await
        .unwrap();
    assert_eq!(appended.written, 1);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

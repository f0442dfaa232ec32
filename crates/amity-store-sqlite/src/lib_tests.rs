//! Tests of the SQLite store's own errors (the contract suite runs in `tests/it`).

use std::error::Error as _;

use super::*;

#[test]
fn a_file_that_cannot_be_opened_keeps_the_driver_error_as_its_source() {
    let missing = std::env::temp_dir()
        .join(format!("amity-missing-{}", uuid::Uuid::new_v4().simple()))
        .join("ledger.db");
    let error = SqliteEventStore::open(&missing).unwrap_err();
    let expected = format!("sqlite store: cannot open {}: ", missing.display());
    assert!(error.to_string().starts_with(&expected), "{error}");
    let opening = error.source().expect("the failed opening");
    assert!(opening.source().expect("the cause").is::<rusqlite::Error>());
}

#[cfg(unix)]
#[test]
fn a_link_to_nothing_at_the_ledger_path_is_refused_and_nothing_is_created_through_it() {
    let dir = std::env::temp_dir().join(format!("amity-link-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let elsewhere = dir.join("elsewhere.db");
    let link = dir.join("ledger.db");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let error = SqliteEventStore::open(&link).unwrap_err().to_string();
    assert!(error.contains(&link.display().to_string()), "{error}");
    assert!(error.contains("symbolic link"), "{error}");
    assert!(
        !elsewhere.exists(),
        "the ledger was created through the link"
    );
    // A link to an existing ledger is opened.
    drop(SqliteEventStore::open(&elsewhere).unwrap());
    assert!(SqliteEventStore::open(&link).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_older_file_gets_the_readable_ledger_events_view_and_its_rows_stay_as_stored() {
    let dir = std::env::temp_dir().join(format!("amity-view-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("ledger.db");
    drop(SqliteEventStore::open(&path).unwrap());
    // Given a file of version 3, with the view as it was then, and one stored event.
    let id = uuid::Uuid::parse_str("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "DROP VIEW ledger_events;
             CREATE VIEW ledger_events AS SELECT lower(hex(event_id)) AS event_id FROM events;
             PRAGMA user_version = 3;
             INSERT INTO streams (stream_no, name, version) VALUES (1, 'a:x+b:y', 0);",
        )
        .unwrap();
    connection
        .execute(
            "INSERT INTO events (position, stream_no, stream_version, event_id, event_type,
                                 schema_version, payload, metadata, recorded_at)
             VALUES (1, 1, 0, ?1, 'PartnershipFounded', 1, '{}', '{\"recorded_by\":\"ann\"}',
                     1764888000000001)",
            [id.as_bytes().as_slice()],
        )
        .unwrap();
    drop(connection);
    // When the store opens it.
    drop(SqliteEventStore::open(&path).unwrap());
    // Then the view shows the id dashed, the time in RFC 3339 with microseconds, who recorded
    // it; the stored row is as it was.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let shown: (String, String, String, i64) = connection
        .query_row(
            "SELECT event_id, recorded_at, recorded_by,
                    (SELECT user_version FROM pragma_user_version) FROM ledger_events",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        shown,
        (
            id.to_string(),
            "2025-12-04T22:40:00.000001Z".to_owned(),
            "ann".to_owned(),
            4
        )
    );
    let stored: (Vec<u8>, i64) = connection
        .query_row("SELECT event_id, recorded_at FROM events", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(stored, (id.as_bytes().to_vec(), 1_764_888_000_000_001));
    // Every fraction of a second is written as the archive and the JSON answers write it.
    for micros in [0, 1, 10, 100_000, 120_000, 123_456, 999_999, 500_000] {
        let at = 1_764_888_000_000_000i64 + micros;
        let shown: String = connection
            .query_row(
                "UPDATE events SET recorded_at = ?1 RETURNING
                    (SELECT recorded_at FROM ledger_events)",
                [at],
                |row| row.get(0),
            )
            .unwrap();
        let expected = jiff::Timestamp::from_microsecond(at).unwrap().to_string();
        assert_eq!(shown, expected);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reading in lanes of at least `LANE_NAMES_AT_ONCE` events (a few, under test) loads every
/// stream name once and shares them among its lanes; the contract's reading in lanes holds
/// that way too (the tests in `tests/it` read fewer events than the real threshold).
#[test]
fn a_long_reading_in_lanes_shares_every_stream_name_among_its_lanes_and_keeps_the_contract() {
    let dir = std::env::temp_dir().join(format!("amity-names-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let store = SqliteEventStore::open(dir.join("ledger.db")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(amity_store::contract::read_in_lanes(std::sync::Arc::new(
        store,
    )));
    drop(runtime);
    std::fs::remove_dir_all(&dir).unwrap();
}

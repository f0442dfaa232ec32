//! Direct edits to what the SQL backends store (raw SQL beside the store, as a user with
//! `sqlite3` or `psql` could make them) are found by `check_integrity`, which names the first
//! problem precisely; an untouched store reports none. Also: the log beside the feed survives
//! reopening, and a SQLite file of schema version 1 is migrated and keeps working.

use std::sync::Arc;

use amity_store::contract::sample_event;
use amity_store::{EventId, EventStore, ExpectedVersion, IntegrityProblem, Position};
use amity_store_postgres::PostgresEventStore;
use amity_store_sqlite::SqliteEventStore;

/// Three streams written in turns: `a` 4 events, `b` 3, `c` 2, so positions 1 to 9 are
/// a0 b0 c0 a1 b1 c1 a2 b2 a3. Returns the ids by position (index 0 is position 1).
async fn fill(store: &dyn EventStore) -> Vec<EventId> {
    let mut ids = Vec::new();
    for round in 0..4 {
        for (stream, length) in [("a", 4), ("b", 3), ("c", 2)] {
            if round < length {
                let event = sample_event(ids.len());
                ids.push(event.event_id);
                store
                    .append(stream, ExpectedVersion::Any, vec![event])
                    .await
                    .unwrap();
            }
        }
    }
    ids
}

fn at(position: u64) -> Position {
    Position::new(position, position)
}

/// A tampering (SQL run beside the store) and the problems it must make the store report.
struct Case {
    name: &'static str,
    sql: &'static str,
    expected: fn(&[EventId]) -> Vec<IntegrityProblem>,
}

/// The cases every SQL backend is checked with (their SQL is the same on both).
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "delete an event row",
            sql: "DELETE FROM events WHERE position = 4",
            expected: |ids| {
                vec![
                    IntegrityProblem::VersionGap {
                        stream: "a".to_owned(),
                        expected: 1,
                        found: 2,
                        position: at(7),
                        event_id: Some(ids[6]),
                    },
                    IntegrityProblem::StreamLengthMismatch {
                        stream: "a".to_owned(),
                        recorded: 4,
                        found: 3,
                        last_position: at(9),
                    },
                ]
            },
        },
        Case {
            name: "change a stream's stored length",
            sql: "UPDATE streams SET version = 5 WHERE name = 'b'",
            expected: |_| {
                vec![IntegrityProblem::StreamLengthMismatch {
                    stream: "b".to_owned(),
                    recorded: 6,
                    found: 3,
                    last_position: at(8),
                }]
            },
        },
        Case {
            name: "make a version gap",
            sql: "UPDATE events SET stream_version = 3 WHERE position = 8",
            expected: |ids| {
                vec![IntegrityProblem::VersionGap {
                    stream: "b".to_owned(),
                    expected: 2,
                    found: 3,
                    position: at(8),
                    event_id: Some(ids[7]),
                }]
            },
        },
        Case {
            name: "swap two events of a stream in the feed",
            sql: "UPDATE events SET position = 100 WHERE position = 1;
                  UPDATE events SET position = 1 WHERE position = 4;
                  UPDATE events SET position = 4 WHERE position = 100;",
            expected: |ids| {
                vec![IntegrityProblem::OutOfFeedOrder {
                    stream: "a".to_owned(),
                    version: 1,
                    position: at(1),
                    previous_position: at(4),
                    event_id: Some(ids[3]),
                }]
            },
        },
        Case {
            name: "delete a stream's events",
            sql: "DELETE FROM events WHERE position IN (3, 6)",
            expected: |_| {
                vec![IntegrityProblem::StreamWithoutEvents {
                    stream: "c".to_owned(),
                    recorded: 2,
                }]
            },
        },
    ]
}

/// Check a case's outcome, naming the case.
fn check(case: &Case, ids: &[EventId], problems: &[IntegrityProblem]) {
    let expected = (case.expected)(ids);
    assert_eq!(
        problems.first(),
        expected.first(),
        "{}: the first problem",
        case.name
    );
    assert_eq!(problems, expected, "{}: every problem", case.name);
}

mod sqlite {
    use super::*;

    /// A filled store in a fresh file, and the file.
    async fn filled() -> (Arc<dyn EventStore>, Vec<EventId>, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap().keep();
        let path = dir.join("ledger.db");
        let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path).unwrap());
        let ids = fill(&*store).await;
        (store, ids, path)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_tampering_is_found_and_named() {
        for case in cases() {
            let (store, ids, path) = filled().await;
            assert_eq!(store.check_integrity().await.unwrap(), [], "untouched");
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute_batch(case.sql)
                .unwrap();
            check(&case, &ids, &store.check_integrity().await.unwrap());
        }
    }

    /// `sqlite3` does not enforce foreign keys unless asked: a stream's row can go.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_events_whose_stream_is_deleted_are_named() {
        let (store, ids, path) = filled().await;
        let connection = rusqlite::Connection::open(&path).unwrap();
        let number: i64 = connection
            .query_row(
                "SELECT stream_no FROM streams WHERE name = 'c'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        connection
            .execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM streams WHERE name = 'c';")
            .unwrap();
        let problems = store.check_integrity().await.unwrap();
        let orphan = |version: u64, position: u64| IntegrityProblem::EventWithoutStream {
            stream_number: number,
            version,
            position: at(position),
            event_id: Some(ids[position as usize - 1]),
        };
        assert_eq!(problems, [orphan(0, 3), orphan(1, 6)]);
        assert!(
            problems[0].to_string().contains("position 3/3"),
            "{}",
            problems[0]
        );
    }

    /// A file as schema version 1 left it (no log tables) is migrated when opened: its events
    /// read as before, checkpoints are added and kept across reopening.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_version_1_file_gets_the_log_and_keeps_its_events() {
        let (store, ids, path) = filled().await;
        drop(store);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TABLE log_checkpoints; DROP TABLE log_frontier; DROP TABLE log_leaves; \
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        let store = SqliteEventStore::open(&path).unwrap();
        let feed = store.read_all(Position::START, 100).await.unwrap();
        assert_eq!(feed.iter().map(|e| e.event_id).collect::<Vec<_>>(), ids);
        assert_eq!(store.log_checkpoints().await.unwrap(), []);
        let added = store
            .add_log_checkpoint(9, "note\n".to_owned(), vec![1; 64])
            .await
            .unwrap();
        store.save_log_frontier(9, vec![2; 64]).await.unwrap();
        drop(store);
        let version: i32 = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, 4);
        let store = SqliteEventStore::open(&path).unwrap();
        assert_eq!(store.log_checkpoints().await.unwrap(), [added]);
        assert_eq!(store.log_frontier().await.unwrap(), Some((9, vec![2; 64])));
        assert_eq!(store.check_integrity().await.unwrap(), []);
        // A file of a later schema is refused, not half-read.
        drop(store);
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 5;")
            .unwrap();
        let error = SqliteEventStore::open(&path).unwrap_err();
        assert!(error.to_string().contains("schema version 5"), "{error}");
    }
}

mod postgres {
    use super::*;

    const URL: &str = "AMITY_TEST_POSTGRES_URL";

    /// The server's URL and a fresh schema's name, or `None` (with the reason printed).
    fn fresh() -> Option<(String, String)> {
        let Ok(url) = std::env::var(URL) else {
            eprintln!("skipped: set {URL} to run the PostgreSQL tampering tests");
            return None;
        };
        Some((url, format!("amity_test_{}", uuid::Uuid::new_v4().simple())))
    }

    /// A store in the schema.
    async fn open(url: &str, schema: &str) -> Arc<dyn EventStore> {
        let separator = if url.contains('?') { '&' } else { '?' };
        let store = PostgresEventStore::connect(&format!("{url}{separator}schema={schema}"))
            .await
            .expect("connect to the test PostgreSQL");
        Arc::new(store)
    }

    /// Run `sql` in the schema, beside the store.
    async fn tamper(url: &str, schema: &str, sql: &str) {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path TO {schema}; {sql}"))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_tampering_is_found_and_named() {
        for case in cases() {
            let Some((url, schema)) = fresh() else { return };
            let store = open(&url, &schema).await;
            let ids = fill(&*store).await;
            assert_eq!(store.check_integrity().await.unwrap(), [], "untouched");
            tamper(&url, &schema, case.sql).await;
            check(&case, &ids, &store.check_integrity().await.unwrap());
        }
    }

    /// With its foreign key dropped, a stream's row can go.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_events_whose_stream_is_deleted_are_named() {
        let Some((url, schema)) = fresh() else { return };
        let store = open(&url, &schema).await;
        let ids = fill(&*store).await;
        tamper(
            &url,
            &schema,
            "ALTER TABLE events DROP CONSTRAINT events_stream_no_fkey;
             DELETE FROM streams WHERE name = 'c';",
        )
        .await;
        let problems = store.check_integrity().await.unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(matches!(
            &problems[0],
            IntegrityProblem::EventWithoutStream { version: 0, position, event_id, .. }
                if *position == at(3) && *event_id == Some(ids[2])
        ));
    }

    /// Checkpoints and the frontier are in the schema, not the connection: a new connection
    /// finds them.
    #[tokio::test]
    async fn postgres_the_log_survives_reconnecting() {
        let Some((url, schema)) = fresh() else { return };
        let store = open(&url, &schema).await;
        fill(&*store).await;
        let added = store
            .add_log_checkpoint(9, "note\n".to_owned(), vec![1; 64])
            .await
            .unwrap();
        store.save_log_frontier(8, vec![2; 64]).await.unwrap();
        drop(store);
        let store = open(&url, &schema).await;
        assert_eq!(store.log_checkpoints().await.unwrap(), [added]);
        assert_eq!(store.log_frontier().await.unwrap(), Some((8, vec![2; 64])));
    }
}

//! The verifiable log through the library on PostgreSQL (`AMITY_TEST_POSTGRES_URL`, a fresh
//! schema per case): a small ledger checkpointed with a generated key verifies clean; raw SQL
//! beside the store (a payload byte, a `recorded_at`, a stream name, a row deleted, the feed
//! truncated, two positions swapped, a forged row inserted, the last row deleted) is reported
//! by `amity_ledger::log::verify`, naming the first bad event; so are a checkpoint signed by
//! another key and a rollback after a checkpoint was published; and the same kinds of edits to
//! its exported archive are reported offline by `verify_archive`, with no store.

use std::path::Path;
use std::sync::Arc;

use amity_ledger::log::{self, VerifyOptions};
use amity_ledger::Ledger;
use amity_log::SignerKey;
use amity_store::{ExpectedVersion, NewEvent};
use amity_store_postgres::PostgresEventStore;

const URL: &str = "AMITY_TEST_POSTGRES_URL";

/// The server's URL and a fresh schema's name, or `None` (with the reason printed).
fn fresh() -> Option<(String, String)> {
    let Ok(url) = std::env::var(URL) else {
        eprintln!("skipped: set {URL} to run the PostgreSQL log tampering tests");
        return None;
    };
    Some((url, format!("amity_test_{}", uuid::Uuid::new_v4().simple())))
}

/// A ledger of five events in two streams (positions 1 to 5: a0 b0 a1 a2 b1) in the schema,
/// with the events' ids in feed order.
async fn filled(url: &str, schema: &str) -> (Ledger, Vec<uuid::Uuid>) {
    let ledger = opened(url, schema).await;
    let mut ids = Vec::new();
    for (index, (stream, payload)) in [
        ("a", r#"{"n":0}"#),
        ("b", r#"{"text":"Kraków"}"#),
        ("a", r#"{"n":1}"#),
        ("a", r#"{"n":2}"#),
        ("b", r#"{"n":3}"#),
    ]
    .into_iter()
    .enumerate()
    {
        let event = raw(index as i64, payload);
        ids.push(event.event_id);
        ledger
            .store()
            .append(stream, ExpectedVersion::Any, vec![event])
            .await
            .unwrap();
    }
    (ledger, ids)
}

/// The ledger in the schema, on a new connection (as a new process opens it: the store's
/// cache of stream names is fresh).
async fn opened(url: &str, schema: &str) -> Ledger {
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = PostgresEventStore::connect(&format!("{url}{separator}schema={schema}"))
        .await
        .expect("connect to the test PostgreSQL");
    Ledger::new(Arc::new(store))
}

/// An event of type `Raw` with this payload, recorded at a fixed time plus `index` µs.
fn raw(index: i64, payload: &str) -> NewEvent {
    NewEvent {
        event_id: uuid::Uuid::new_v4(),
        event_type: "Raw".to_owned(),
        schema_version: 1,
        payload: payload.as_bytes().to_vec(),
        metadata: br#"{"recorded_by":"tester"}"#.to_vec(),
        recorded_at: Some(
            jiff::Timestamp::from_microsecond(1_700_000_000_000_001 + index).unwrap(),
        ),
    }
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

/// Which event the report must name first: the one at this index of the filled ledger (as
/// the first bad event), or one gone from the feed (named in the first problem only).
#[derive(Debug, Clone, Copy)]
enum Named {
    Event(usize),
    Gone(usize),
    Forged,
}

const CASES: [(&str, &str, Named); 8] = [
    (
        "one payload byte",
        r#"UPDATE events SET payload = replace(payload, '"n":1', '"n":7') WHERE position = 3"#,
        Named::Event(2),
    ),
    (
        "a recorded_at",
        "UPDATE events SET recorded_at = recorded_at + 1 WHERE position = 2",
        Named::Event(1),
    ),
    (
        "a stream name",
        "UPDATE streams SET name = 'c' WHERE name = 'b'",
        Named::Event(1),
    ),
    (
        "a row deleted",
        "DELETE FROM events WHERE position = 3",
        Named::Gone(2),
    ),
    (
        "the feed truncated",
        "DELETE FROM events WHERE position >= 4",
        Named::Gone(3),
    ),
    (
        "two positions swapped",
        "UPDATE events SET position = -1 WHERE position = 1;
         UPDATE events SET position = 1 WHERE position = 2;
         UPDATE events SET position = 2 WHERE position = -1",
        Named::Event(1),
    ),
    (
        // A new stream of one event, its streams row too, slid in at position 3: the store's
        // own checks find nothing wrong.
        "a forged row inserted",
        "UPDATE events SET position = -position WHERE position >= 3;
         UPDATE events SET position = 1 - position WHERE position < 0;
         UPDATE ledger_head SET position = position + 1;
         INSERT INTO streams (name, version) VALUES ('c', 0);
         INSERT INTO events (position, stream_no, stream_version, event_id, event_type,
                             schema_version, payload, metadata, recorded_at)
         SELECT 3, (SELECT stream_no FROM streams WHERE name = 'c'), 0,
                'f0f0f0f0-0000-4000-8000-000000000000', event_type, schema_version,
                '{\"n\":9}', metadata, recorded_at FROM events WHERE position = 1",
        Named::Forged,
    ),
    (
        "the last row deleted",
        "DELETE FROM events WHERE position = (SELECT max(position) FROM events)",
        Named::Gone(4),
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_edits_behind_the_ledger_are_reported_by_verify_naming_the_first_bad_event() {
    for (what, sql, named) in CASES {
        let Some((url, schema)) = fresh() else { return };
        let (ledger, ids) = filled(&url, &schema).await;
        let key = SignerKey::generate("amity/test").unwrap();
        ledger.checkpoint(&key).await.unwrap();
        let options = VerifyOptions {
            key: Some(key.verifier()),
            published: None,
        };
        let report = log::verify(&ledger, &options).await.unwrap();
        assert!(report.is_clean(), "{what}: clean before: {report:?}");
        assert_eq!((report.tree_size, report.covered), (5, 5), "{what}");
        tamper(&url, &schema, sql).await;
        let report = log::verify(&opened(&url, &schema).await, &options)
            .await
            .unwrap();
        assert!(!report.problems.is_empty(), "{what}: {report:?}");
        let first = &report.problems[0];
        match named {
            Named::Event(index) => {
                let event = report.first_bad_event.as_ref().expect("a first bad event");
                assert_eq!(event.event_id, ids[index], "{what}: {report:?}");
                assert!(first.contains(&ids[index].to_string()), "{what}: {first}");
            }
            Named::Gone(index) => {
                assert!(
                    first.contains(&ids[index].to_string()),
                    "{what}: {report:?}"
                );
                assert!(first.contains("no longer in the feed"), "{what}: {first}");
            }
            Named::Forged => {
                let event = report.first_bad_event.as_ref().expect("a first bad event");
                assert_eq!(
                    event.event_id.to_string(),
                    "f0f0f0f0-0000-4000-8000-000000000000",
                    "{what}: {report:?}"
                );
                assert_eq!((event.stream.as_str(), event.index), ("c", 2), "{what}");
            }
        }
    }
}

/// A checkpoint signed by another key in the latest place fails with the ledger's key; a
/// store rolled back whole (events, kept leaves and checkpoints) after a checkpoint was
/// published verifies clean by itself, and is found by the published checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_another_key_and_a_rollback_after_publishing_are_found() {
    let Some((url, schema)) = fresh() else { return };
    let (ledger, _) = filled(&url, &schema).await;
    let key = SignerKey::generate("amity/test").unwrap();
    ledger.checkpoint(&key).await.unwrap();
    let options = |published: Option<String>| VerifyOptions {
        key: Some(key.verifier()),
        published,
    };
    // Another key signs the latest checkpoint.
    let other = SignerKey::generate("amity/test").unwrap();
    ledger.checkpoint(&other).await.unwrap();
    let report = log::verify(&ledger, &options(None)).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("no signature by key")),
        "{report:?}"
    );
    tamper(&url, &schema, "DELETE FROM log_checkpoints WHERE checkpoint_no = (SELECT max(checkpoint_no) FROM log_checkpoints)").await;
    assert!(log::verify(&ledger, &options(None))
        .await
        .unwrap()
        .is_clean());
    // One more event, checkpointed and published; then the store rolled back whole.
    ledger
        .store()
        .append("a", ExpectedVersion::Any, vec![raw(5, r#"{"n":4}"#)])
        .await
        .unwrap();
    let published = ledger.checkpoint(&key).await.unwrap().note;
    tamper(
        &url,
        &schema,
        "DELETE FROM events WHERE position = 6;
         UPDATE streams SET version = version - 1 WHERE name = 'a';
         UPDATE ledger_head SET position = 5;
         DELETE FROM log_leaves WHERE leaf_index >= 5;
         DELETE FROM log_checkpoints WHERE tree_size = 6;
         DELETE FROM log_frontier;",
    )
    .await;
    let alone = log::verify(&ledger, &options(None)).await.unwrap();
    assert!(alone.is_clean(), "{alone:?}");
    let report = log::verify(&ledger, &options(Some(published)))
        .await
        .unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("rolled back")),
        "{report:?}"
    );
}

/// The ledger's export in `dir/ledger.jsonl`, its checkpoint in `dir/cp.txt`.
async fn exported(dir: &Path, ledger: &Ledger, key: &SignerKey) {
    let signed = ledger.checkpoint(key).await.unwrap();
    std::fs::write(dir.join("cp.txt"), signed.note).unwrap();
    let mut out = Vec::new();
    amity_ledger::archive::export(ledger, &mut out, None)
        .await
        .unwrap();
    std::fs::write(dir.join("ledger.jsonl"), out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_leaves_are_the_leaves_of_its_export_and_edits_to_the_export_are_found() {
    type Edit = fn(&mut Vec<String>);
    let cases: [(&str, Edit); 4] = [
        ("a payload byte", |lines| {
            lines[2] = lines[2].replace(r#""n":1"#, r#""n":7"#)
        }),
        ("the last line dropped", |lines| drop(lines.pop())),
        ("two lines of one stream swapped", |lines| lines.swap(2, 3)),
        ("two lines of two streams swapped", |lines| lines.swap(0, 1)),
    ];
    let Some((url, schema)) = fresh() else { return };
    let (ledger, _) = filled(&url, &schema).await;
    let key = SignerKey::generate("amity/test").unwrap();
    let dir = tempfile::tempdir().unwrap();
    exported(dir.path(), &ledger, &key).await;
    let archive = dir.path().join("ledger.jsonl");
    assert_eq!(
        log::archive_leaves(&archive).unwrap(),
        ledger.log_leaves().await.unwrap().hashes,
        "the export hashes as the store"
    );
    let published = log::read_checkpoint(&dir.path().join("cp.txt")).unwrap();
    let report = log::verify_archive(&archive, &published, &key.verifier(), None).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.tree_size, report.covered), (5, 5));
    let text = std::fs::read_to_string(&archive).unwrap();
    for (what, edit) in cases {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        edit(&mut lines);
        let edited = dir.path().join("edited.jsonl");
        std::fs::write(&edited, lines.join("\n") + "\n").unwrap();
        let report = log::verify_archive(&edited, &published, &key.verifier(), None).unwrap();
        assert!(!report.problems.is_empty(), "{what}: {report:?}");
        assert_eq!(report.covered, 0, "{what}");
    }
}

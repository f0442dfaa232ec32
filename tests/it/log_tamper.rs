//! The verifiable log through the library on PostgreSQL (`AMITY_TEST_POSTGRES_URL`, a fresh
//! schema per case): a small ledger checkpointed with a generated key verifies clean; raw SQL
//! beside the store (a payload byte, a `recorded_at`, the last event deleted, two positions
//! swapped) is reported by `amity_ledger::log::verify`; and the same kinds of edits to its
//! exported archive are reported offline by `verify_archive`, with no store.

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

/// A ledger of five events in two streams (positions 1 to 5: a0 b0 a1 a2 b1) in the schema.
async fn filled(url: &str, schema: &str) -> Ledger {
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = PostgresEventStore::connect(&format!("{url}{separator}schema={schema}"))
        .await
        .expect("connect to the test PostgreSQL");
    let ledger = Ledger::new(Arc::new(store));
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
        let event = NewEvent {
            event_id: uuid::Uuid::new_v4(),
            event_type: "Raw".to_owned(),
            schema_version: 1,
            payload: payload.as_bytes().to_vec(),
            metadata: br#"{"recorded_by":"tester"}"#.to_vec(),
            recorded_at: Some(
                jiff::Timestamp::from_microsecond(1_700_000_000_000_001 + index as i64).unwrap(),
            ),
        };
        ledger
            .store()
            .append(stream, ExpectedVersion::Any, vec![event])
            .await
            .unwrap();
    }
    ledger
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

const CASES: [(&str, &str); 4] = [
    (
        "one payload byte",
        r#"UPDATE events SET payload = replace(payload, '"n":1', '"n":7') WHERE position = 3"#,
    ),
    (
        "a recorded_at",
        "UPDATE events SET recorded_at = recorded_at + 1 WHERE position = 2",
    ),
    (
        "the last event deleted",
        "DELETE FROM events WHERE position = (SELECT max(position) FROM events)",
    ),
    (
        "two positions swapped",
        "UPDATE events SET position = -1 WHERE position = 1;
         UPDATE events SET position = 1 WHERE position = 2;
         UPDATE events SET position = 2 WHERE position = -1",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_edits_behind_the_ledger_are_reported_by_verify() {
    for (what, sql) in CASES {
        let Some((url, schema)) = fresh() else { return };
        let ledger = filled(&url, &schema).await;
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
        let report = log::verify(&ledger, &options).await.unwrap();
        assert!(!report.problems.is_empty(), "{what}: {report:?}");
    }
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
    let ledger = filled(&url, &schema).await;
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
    let report = log::verify_archive(&archive, &published, &key.verifier()).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.tree_size, report.covered), (5, 5));
    let text = std::fs::read_to_string(&archive).unwrap();
    for (what, edit) in cases {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        edit(&mut lines);
        let edited = dir.path().join("edited.jsonl");
        std::fs::write(&edited, lines.join("\n") + "\n").unwrap();
        let report = log::verify_archive(&edited, &published, &key.verifier()).unwrap();
        assert!(!report.problems.is_empty(), "{what}: {report:?}");
        assert_eq!(report.covered, 0, "{what}");
    }
}

//! The store contract against the SQLite backend, including two OS processes on one file.

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;

use amity_store::contract::{append_with_retry, check_streams, sample_event};
use amity_store::{EventId, EventStore};
use amity_store_sqlite::SqliteEventStore;

/// A store in a fresh temporary file; the directory lives as long as the test process.
fn open_fresh() -> Arc<dyn EventStore> {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Arc::new(SqliteEventStore::open(dir.join("ledger.db")).expect("open sqlite store"))
}

amity_store::contract_tests!(open_fresh());

/// The same contract through the tracing wrapper the CLI puts around every store (SQLite
/// overrides the feed's summary and its reading in lanes: the wrapper must keep them).
mod traced {
    use std::sync::Arc;

    use amity_store::TracedEventStore;

    amity_store::contract_tests!(Arc::new(TracedEventStore::new(super::open_fresh())));
}

const CHILD_DB: &str = "AMITY_TEST_CHILD_DB";
const CHILD_WRITER: &str = "AMITY_TEST_CHILD_WRITER";
const EVENTS_PER_WRITER: usize = 500;

fn shared_streams() -> Vec<String> {
    (0..3).map(|i| format!("shared-{i}")).collect()
}

/// Append this writer's events to the shared streams, one at a time with optimistic
/// concurrency; print each id so the parent can check it.
async fn write_as(store: &dyn EventStore, writer: usize) -> Vec<EventId> {
    let streams = shared_streams();
    let mut ids = Vec::new();
    for n in 0..EVENTS_PER_WRITER {
        let stream = &streams[(writer + n) % streams.len()];
        ids.extend(append_with_retry(store, stream, sample_event(n)).await);
    }
    ids
}

/// In a child process (started by `two_processes_append_to_one_file`) this is the writer;
/// run directly, it checks that one writer alone leaves exactly its events.
#[tokio::test]
async fn sqlite_process_writer() {
    match (std::env::var(CHILD_DB), std::env::var(CHILD_WRITER)) {
        (Ok(path), Ok(writer)) => {
            let store = SqliteEventStore::open(path).expect("child opens the ledger");
            for id in write_as(&store, writer.parse().expect("writer number")).await {
                println!("APPENDED {id}");
            }
        }
        _ => {
            let store = open_fresh();
            let ids: HashSet<EventId> = write_as(&*store, 0).await.into_iter().collect();
            check_streams(&*store, &shared_streams(), &ids).await;
        }
    }
}

#[tokio::test]
async fn sqlite_two_processes_append_to_one_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    // Create the file first so both children find the schema in place.
    drop(SqliteEventStore::open(&path).expect("create ledger"));
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..2)
        .map(|writer| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "store_sqlite::sqlite_process_writer",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DB, &path)
                .env(CHILD_WRITER, writer.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn child writer")
        })
        .collect();
    let mut sent = HashSet::new();
    let mut writer_of = std::collections::HashMap::new();
    for (writer, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().expect("child finished");
        assert!(output.status.success(), "child writer failed");
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        let ids: Vec<EventId> = stdout
            .lines()
            .filter_map(|line| line.split_once("APPENDED ").map(|(_, id)| id))
            .map(|id| id.parse().expect("uuid"))
            .collect();
        assert_eq!(ids.len(), EVENTS_PER_WRITER, "child output: {stdout}");
        writer_of.extend(ids.iter().map(|id| (*id, writer)));
        sent.extend(ids);
    }
    assert_eq!(sent.len(), 2 * EVENTS_PER_WRITER);
    let store = SqliteEventStore::open(&path).expect("reopen");
    check_streams(&store, &shared_streams(), &sent).await;
    // The two writers really ran at the same time: their events interleave in global order.
    let all = store
        .read_all(amity_store::Position::START, 10_000)
        .await
        .unwrap();
    let switches = all
        .windows(2)
        .filter(|pair| writer_of[&pair[0].event_id] != writer_of[&pair[1].event_id])
        .count();
    println!("writer switches in global order: {switches}");
    assert!(
        switches > 1,
        "the child writers did not overlap; the test proved nothing"
    );
}

/// The SQLite feed summary (read from the `streams` table, no payloads) is exactly what
/// reading the whole feed finds, before and after appends, with a failed batch in between.
#[tokio::test]
async fn the_feed_summary_from_stream_lengths_is_what_reading_the_feed_finds() {
    use amity_store::{summarize_feed, ExpectedVersion, FeedSummary};
    let store = open_fresh();
    assert_eq!(store.feed_summary().await.unwrap(), FeedSummary::default());
    for (n, stream) in ["b", "a", "c", "a", "b", "a"].iter().enumerate() {
        store
            .append(
                stream,
                ExpectedVersion::Any,
                vec![sample_event(n), sample_event(n)],
            )
            .await
            .unwrap();
    }
    // A batch refused as a whole (version conflict) leaves no trace in the lengths.
    let refused = store
        .append("d", ExpectedVersion::Exact(3), vec![sample_event(9)])
        .await;
    assert!(refused.is_err());
    let summary = store.feed_summary().await.unwrap();
    assert_eq!(summary, summarize_feed(&*store).await.unwrap());
    let lengths: Vec<(&str, u64)> = summary
        .streams
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(lengths, [("a", 6), ("b", 4), ("c", 2)]);
    let feed = store
        .read_all(amity_store::Position::START, 100)
        .await
        .unwrap();
    assert_eq!(summary.first_event, Some(feed[0].event_id));
    assert_eq!(summary.last, Some(feed[11].position));
}

/// The page size of the SQLite file at `path`.
fn page_size(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ledger_has_16_kib_pages_and_an_older_one_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.db");
    let store = SqliteEventStore::open(&new).unwrap();
    store
        .append(
            "s",
            amity_store::ExpectedVersion::NoStream,
            vec![sample_event(0)],
        )
        .await
        .unwrap();
    drop(store);
    assert_eq!(page_size(&new), 16_384);
    // A file made with 4 KiB pages (as earlier builds did) opens, takes appends and reads them
    // back, with its pages as they were.
    let old = dir.path().join("old.db");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x);")
        .unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&old).unwrap());
    for n in 0..3 {
        store
            .append(
                "s",
                amity_store::ExpectedVersion::Any,
                vec![sample_event(n)],
            )
            .await
            .unwrap();
    }
    let all = store
        .read_all(amity_store::Position::START, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    drop(store);
    assert_eq!(page_size(&old), 4_096);
}

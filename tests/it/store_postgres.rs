//! The store contract against a real PostgreSQL (`AMITY_TEST_POSTGRES_URL`, which `.ci/run`
//! points at the local server), plus the feed test: many concurrent writers while a reader
//! follows the global order must never lose, repeat or reorder an event. Each test uses a
//! schema of its own. Without the variable the tests say why they skip.

use std::collections::HashSet;
use std::sync::Arc;

use amity_store::contract::{fresh_stream, sample_event};
use amity_store::{EventId, EventStore, ExpectedVersion, Position};
use amity_store_postgres::PostgresEventStore;

const URL: &str = "AMITY_TEST_POSTGRES_URL";

/// The URL of a fresh schema on the test server, or `None` (with the reason printed).
fn fresh_url() -> Option<String> {
    let Ok(url) = std::env::var(URL) else {
        eprintln!(
            "skipped: set {URL} (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL contract tests"
        );
        return None;
    };
    let schema = format!("amity_test_{}", uuid::Uuid::new_v4().simple());
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{separator}schema={schema}"))
}

/// A store in a fresh schema, or `None` without a server.
async fn open_fresh() -> Option<Arc<dyn EventStore>> {
    let url = fresh_url()?;
    let store = PostgresEventStore::connect(&url)
        .await
        .expect("connect to the test PostgreSQL");
    Some(Arc::new(store))
}

amity_store::contract_tests!(optional: open_fresh().await);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_feed_never_skips_an_event_under_concurrent_writers() {
    feed_never_skips(37, 1).await;
}

/// The same with pages large enough to be read in two halves at once, and batches large
/// enough for both halves to be full while the writers go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_feed_read_in_halves_never_skips_an_event_under_concurrent_writers() {
    feed_never_skips(4_000, 25).await;
}

/// Eight writers append 60 batches of `batch` events each while a reader follows the feed
/// `page` events at a time: the reader sees every event exactly once, in order.
async fn feed_never_skips(page: usize, batch: usize) {
    let Some(url) = fresh_url() else { return };
    let reader = PostgresEventStore::connect(&url)
        .await
        .expect("reader connects");
    // Eight writers, each with its own connections, on the same schema.
    let mut writers = Vec::new();
    for writer in 0..8 {
        let url = url.clone();
        writers.push(tokio::spawn(async move {
            let store = PostgresEventStore::connect(&url)
                .await
                .expect("writer connects");
            let stream = fresh_stream(&format!("feed-{writer}"));
            let mut ids = Vec::new();
            for n in 0..60 {
                let events: Vec<_> = (0..batch).map(|i| sample_event(n * batch + i)).collect();
                ids.extend(events.iter().map(|event| event.event_id));
                store
                    .append(&stream, ExpectedVersion::Any, events)
                    .await
                    .expect("append");
            }
            ids
        }));
    }
    // A reader follows the feed while they write.
    let mut seen: Vec<(Position, EventId)> = Vec::new();
    let mut after = Position::START;
    let mut idle_rounds = 0;
    loop {
        let page = reader.read_all(after, page).await.expect("read_all");
        if let Some(last) = page.last() {
            after = last.position;
            seen.extend(page.iter().map(|e| (e.position, e.event_id)));
            idle_rounds = 0;
        } else if writers.iter().all(|w| w.is_finished()) {
            idle_rounds += 1;
            if idle_rounds > 2 {
                break;
            }
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    let mut written = HashSet::new();
    for writer in writers {
        written.extend(writer.await.expect("writer"));
    }
    let ids: Vec<EventId> = seen.iter().map(|(_, id)| *id).collect();
    let unique: HashSet<EventId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "the reader saw an event twice");
    assert_eq!(unique, written, "the reader missed events");
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "positions out of order"
    );
    assert_eq!(seen.len(), 8 * 60 * batch);
}

/// The readable `ledger_events` view shows an event as the CSV views and exports do: its id
/// dashed, its time in RFC 3339 (UTC) to the microsecond as the archive writes it.
#[tokio::test]
async fn postgres_ledger_events_shows_ids_and_times_as_the_exports_do() {
    let Some(url) = fresh_url() else { return };
    let store = PostgresEventStore::connect(&url).await.expect("connect");
    let event = sample_event(1);
    let id = event.event_id;
    let stream = fresh_stream("view");
    store
        .append(&stream, ExpectedVersion::NoStream, vec![event])
        .await
        .expect("append");
    let stored = store
        .read_stream(&stream, 0, 1)
        .await
        .expect("read")
        .remove(0);
    let (server, schema) = url.rsplit_once(['?', '&']).expect("a schema parameter");
    let schema = schema.strip_prefix("schema=").expect("the schema");
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .expect("a plain client");
    tokio::spawn(connection);
    let row = client
        .query_one(
            &format!("SELECT event_id, recorded_at FROM {schema}.ledger_events"),
            &[],
        )
        .await
        .expect("the view");
    let (shown_id, shown_at): (String, String) = (row.get(0), row.get(1));
    assert_eq!(shown_id, id.to_string());
    assert_eq!(shown_at, stored.recorded_at.to_string());
    // Every fraction of a second is written as the archive writes it.
    for micros in [0i64, 1, 10, 100_000, 120_000, 123_456, 999_999] {
        let at = 1_764_888_000_000_000i64 + micros;
        client
            .execute(
                &format!("UPDATE {schema}.events SET recorded_at = $1"),
                &[&at],
            )
            .await
            .expect("update");
        let shown: String = client
            .query_one(
                &format!("SELECT recorded_at FROM {schema}.ledger_events"),
                &[],
            )
            .await
            .expect("the view")
            .get(0);
        let expected = jiff::Timestamp::from_microsecond(at).unwrap().to_string();
        assert_eq!(shown, expected);
    }
}

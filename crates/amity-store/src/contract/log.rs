//! The log beside the feed (checkpoints and the cached frontier) and the store's integrity
//! check. Checkpoints may be there already (a shared server), so the suite works from the last
//! one and the feed's length as it finds them.

use super::support::{fresh_stream, samples};
use crate::{Error, EventStore, ExpectedVersion, LogCheckpoint, LogLeaf, Position};

/// How many events the feed holds now.
async fn feed_length(store: &dyn EventStore) -> u64 {
    let summary = store.feed_summary().await.expect("feed summary");
    summary.streams.iter().map(|(_, count)| count).sum()
}

/// Whether any event of the feed carries `text` in its payload or metadata.
async fn feed_mentions(store: &dyn EventStore, text: &str) -> bool {
    let mut after = Position::START;
    loop {
        let page = store.read_all(after, 4096).await.expect("read_all");
        let Some(last) = page.last() else {
            return false;
        };
        after = last.position;
        let found = page.iter().any(|event| {
            String::from_utf8_lossy(&event.payload).contains(text)
                || String::from_utf8_lossy(&event.metadata).contains(text)
        });
        if found {
            return true;
        }
    }
}

/// Checkpoints are kept in the order added, as given and stamped; a checkpoint that shrinks the
/// log or covers more than the feed is refused with its typed error and stores nothing; they
/// never show in the feed.
pub async fn log_checkpoints(store: &dyn EventStore) {
    let before = store.log_checkpoints().await.expect("log checkpoints");
    let stream = fresh_stream("log");
    store
        .append(&stream, ExpectedVersion::NoStream, samples(3))
        .await
        .unwrap();
    let length = feed_length(store).await;
    let base = before.last().map_or(0, |last| last.tree_size);
    assert!(
        length >= base + 3,
        "the feed holds {length}, the log {base}"
    );
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let started = jiff::Timestamp::now();
    let first = store
        .add_log_checkpoint(length - 1, format!("note {marker} 1\n"), vec![1, 2, 3])
        .await
        .expect("a checkpoint within the feed");
    assert_eq!(first.tree_size, length - 1);
    assert_eq!(first.note, format!("note {marker} 1\n"));
    assert_eq!(first.frontier, [1, 2, 3]);
    assert!(first.recorded_at >= started - jiff::SignedDuration::from_secs(5));
    let shrinks = store
        .add_log_checkpoint(length - 2, "shrinks".to_owned(), Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(shrinks, Error::LogCheckpointShrinks { tree_size, last_tree_size }
            if tree_size == length - 2 && last_tree_size == length - 1),
        "{shrinks:?}"
    );
    let beyond = store
        .add_log_checkpoint(length + 1_000_000, "beyond".to_owned(), Vec::new())
        .await
        .unwrap_err();
    assert!(
        matches!(beyond, Error::LogCheckpointBeyondFeed { tree_size, feed_length }
            if tree_size == length + 1_000_000 && feed_length >= length),
        "{beyond:?}"
    );
    let second = store
        .add_log_checkpoint(length, format!("note {marker} 2\n"), Vec::new())
        .await
        .expect("a checkpoint of the whole feed");
    let again = store
        .add_log_checkpoint(length, format!("note {marker} 3\n"), vec![0; 1000])
        .await
        .expect("a checkpoint of the same size again");
    let after = store.log_checkpoints().await.expect("log checkpoints");
    assert!(after.starts_with(&before), "earlier checkpoints were kept");
    let added: Vec<LogCheckpoint> = after[before.len()..].to_vec();
    assert_eq!(
        added,
        [first.clone(), second, again],
        "only what was admitted"
    );
    assert!(added
        .windows(2)
        .all(|w| w[0].recorded_at <= w[1].recorded_at));
    assert!(
        !feed_mentions(store, &marker).await,
        "a checkpoint showed in the feed"
    );
    assert!(feed_length(store).await >= length);
}

/// The cached frontier is the one saved last, whatever its size, and reads as it was saved.
pub async fn log_frontier(store: &dyn EventStore) {
    store.save_log_frontier(3, vec![7; 96]).await.unwrap();
    assert_eq!(store.log_frontier().await.unwrap(), Some((3, vec![7; 96])));
    store.save_log_frontier(2, vec![0, 255]).await.unwrap();
    assert_eq!(store.log_frontier().await.unwrap(), Some((2, vec![0, 255])));
    store.save_log_frontier(0, Vec::new()).await.unwrap();
    assert_eq!(store.log_frontier().await.unwrap(), Some((0, Vec::new())));
}

/// Kept leaves read back by index and by event, in index order; a leaf at an index already
/// kept stays as first kept; an event with no kept leaf is left out. Leaves may be there
/// already (a shared server): the suite keeps its own after the last.
pub async fn log_leaves(store: &dyn EventStore) {
    let kept = store
        .kept_log_leaves(0, usize::MAX)
        .await
        .expect("kept leaves");
    let start = kept.last().map_or(0, |leaf| leaf.index + 1);
    let leaf = |index: u64, mark: u8| LogLeaf {
        index,
        event_id: uuid::Uuid::now_v7(),
        hash: [mark; 32],
    };
    let first: Vec<LogLeaf> = (start..start + 5).map(|index| leaf(index, 1)).collect();
    store.keep_log_leaves(first.clone()).await.unwrap();
    store.keep_log_leaves(Vec::new()).await.unwrap();
    assert_eq!(store.kept_log_leaves(start, 100).await.unwrap(), first);
    assert_eq!(
        store.kept_log_leaves(start + 1, 2).await.unwrap(),
        first[1..3]
    );
    // Hashed again, changed: the first kept stays; the new one after them is kept.
    let again: Vec<LogLeaf> = (start + 3..start + 7).map(|index| leaf(index, 2)).collect();
    store.keep_log_leaves(again.clone()).await.unwrap();
    let now = store.kept_log_leaves(start, 100).await.unwrap();
    assert_eq!(now[..5], first[..]);
    assert_eq!(now[5..], again[2..]);
    let unknown = uuid::Uuid::now_v7();
    let of = store
        .kept_log_leaves_of(&[
            again[3].event_id,
            unknown,
            first[2].event_id,
            again[0].event_id,
        ])
        .await
        .unwrap();
    // `again[0]` was never kept (its index was already), nor the unknown event.
    assert_eq!(of, [first[2], again[3]]);
    assert!(
        store
            .kept_log_leaves(start + 7, 10)
            .await
            .unwrap()
            .is_empty(),
        "no leaf after the last"
    );
}

/// A store written only through the trait has no integrity problem, across streams, batches
/// and an idempotent repeat.
pub async fn integrity(store: &dyn EventStore) {
    let streams: Vec<String> = (0..3)
        .map(|i| fresh_stream(&format!("integrity-{i}")))
        .collect();
    for round in 0..3 {
        for stream in &streams {
            store
                .append(stream, ExpectedVersion::Any, samples(round + 1))
                .await
                .unwrap();
        }
    }
    let repeat = samples(2);
    store
        .append(&streams[0], ExpectedVersion::Any, repeat.clone())
        .await
        .unwrap();
    store
        .append(&streams[0], ExpectedVersion::Any, repeat)
        .await
        .unwrap();
    let problems = store.check_integrity().await.expect("check integrity");
    assert!(
        problems.is_empty(),
        "problems in an untouched store: {problems:?}"
    );
}

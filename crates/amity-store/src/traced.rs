//! Tracing around any store: one span per call, with its counts and duration, so that no
//! backend logs its own calls.
//!
//! Spans and events are cheap when their level is off (the field values are not even
//! evaluated), and payloads are never formatted: the wrapper costs one more virtual call per
//! store call. Calls a command makes once or a few times (appends, the feed's summary, reading
//! it in lanes, finding an event) are at `debug`; the many small reads a recording or a rebuild
//! makes (`read_stream`, `read_all` pages) are at `trace`.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tracing::Instrument;

use crate::{
    Appended, EventId, EventStore, ExpectedVersion, FeedLane, FeedSummary, IntegrityProblem,
    LaneRead, LogCheckpoint, LogLeaf, NewEvent, Position, RecordedEvent, Result, StreamAppend,
};

/// Any [`EventStore`], each of its calls in a `tracing` span (`store.append`,
/// `store.read_stream`, …) with the backend's name and the call's stream, counts and duration.
/// It delegates every method, the provided ones too, so a backend's overrides are kept.
#[derive(Debug)]
pub struct TracedEventStore<S: ?Sized = dyn EventStore> {
    inner: Arc<S>,
}

impl<S: EventStore + ?Sized> TracedEventStore<S> {
    /// Trace the calls to `inner`.
    pub fn new(inner: Arc<S>) -> TracedEventStore<S> {
        TracedEventStore { inner }
    }

    /// The store underneath.
    pub fn inner(&self) -> &Arc<S> {
        &self.inner
    }
}

/// The outcome of a call, as a debug event in its span (`outcome` when it failed).
fn finished<T>(
    result: &Result<T>,
    started: Instant,
    what: &'static str,
    count: impl Fn(&T) -> usize,
) {
    match result {
        Ok(value) => {
            tracing::debug!(n = count(value), elapsed = ?started.elapsed(), "{what}: done")
        }
        Err(error) => tracing::debug!(%error, elapsed = ?started.elapsed(), "{what}: failed"),
    }
}

/// As [`finished`], at `trace` level, for the frequent reads.
fn finished_trace<T>(
    result: &Result<T>,
    started: Instant,
    what: &'static str,
    count: impl Fn(&T) -> usize,
) {
    match result {
        Ok(value) => {
            tracing::trace!(n = count(value), elapsed = ?started.elapsed(), "{what}: done")
        }
        Err(error) => tracing::trace!(%error, elapsed = ?started.elapsed(), "{what}: failed"),
    }
}

#[async_trait]
impl<S: EventStore + ?Sized + 'static> EventStore for TracedEventStore<S> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended> {
        let span = tracing::debug_span!(
            "store.append",
            backend = self.inner.backend(),
            stream,
            %expected,
            n_events = events.len(),
        );
        async {
            let started = Instant::now();
            let result = self.inner.append(stream, expected, events).await;
            finished(&result, started, "append", |appended| appended.written);
            result
        }
        .instrument(span)
        .await
    }

    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>> {
        let span = tracing::trace_span!(
            "store.read_stream",
            backend = self.inner.backend(),
            stream,
            from,
            max,
        );
        async {
            let started = Instant::now();
            let result = self.inner.read_stream(stream, from, max).await;
            finished_trace(&result, started, "read_stream", Vec::len);
            result
        }
        .instrument(span)
        .await
    }

    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let span = tracing::trace_span!(
            "store.read_all",
            backend = self.inner.backend(),
            %after,
            max,
        );
        async {
            let started = Instant::now();
            let result = self.inner.read_all(after, max).await;
            finished_trace(&result, started, "read_all", Vec::len);
            result
        }
        .instrument(span)
        .await
    }

    async fn read_all_in_lanes(self: Arc<Self>, read: LaneRead, lanes: Vec<Box<dyn FeedLane>>)
    where
        Self: 'static,
    {
        let span = tracing::debug_span!(
            "store.read_all_in_lanes",
            backend = self.inner.backend(),
            after = %read.after,
            until = read.until.map(tracing::field::display),
            chunk = read.chunk,
            n_lanes = lanes.len(),
        );
        let inner = self.inner.clone();
        async move {
            let started = Instant::now();
            inner.read_all_in_lanes(read, lanes).await;
            tracing::debug!(elapsed = ?started.elapsed(), "read_all_in_lanes: done");
        }
        .instrument(span)
        .await
    }

    fn atomic_multi_stream(&self) -> bool {
        self.inner.atomic_multi_stream()
    }

    fn detects_ids_across_streams(&self) -> bool {
        self.inner.detects_ids_across_streams()
    }

    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>> {
        let span = tracing::debug_span!(
            "store.append_many",
            backend = self.inner.backend(),
            n_streams = appends.len(),
            n_events = appends.iter().map(|part| part.events.len()).sum::<usize>(),
        );
        async {
            let started = Instant::now();
            let result = self.inner.append_many(appends).await;
            finished(&result, started, "append_many", |appended| {
                appended.iter().map(|part| part.written).sum()
            });
            result
        }
        .instrument(span)
        .await
    }

    async fn feed_summary(&self) -> Result<FeedSummary> {
        let span = tracing::debug_span!("store.feed_summary", backend = self.inner.backend());
        async {
            let started = Instant::now();
            let result = self.inner.feed_summary().await;
            finished(&result, started, "feed_summary", |summary| {
                summary.streams.len()
            });
            result
        }
        .instrument(span)
        .await
    }

    async fn find_event(&self, event_id: EventId) -> Result<Option<RecordedEvent>> {
        let span = tracing::debug_span!(
            "store.find_event",
            backend = self.inner.backend(),
            %event_id,
        );
        async {
            let started = Instant::now();
            let result = self.inner.find_event(event_id).await;
            finished(&result, started, "find_event", |found| {
                usize::from(found.is_some())
            });
            result
        }
        .instrument(span)
        .await
    }

    async fn check_integrity(&self) -> Result<Vec<IntegrityProblem>> {
        let span = tracing::debug_span!("store.check_integrity", backend = self.inner.backend());
        async {
            let started = Instant::now();
            let result = self.inner.check_integrity().await;
            finished(&result, started, "check_integrity", Vec::len);
            result
        }
        .instrument(span)
        .await
    }

    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>> {
        let span = tracing::debug_span!("store.log_checkpoints", backend = self.inner.backend());
        async {
            let started = Instant::now();
            let result = self.inner.log_checkpoints().await;
            finished(&result, started, "log_checkpoints", Vec::len);
            result
        }
        .instrument(span)
        .await
    }

    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint> {
        let span = tracing::debug_span!(
            "store.add_log_checkpoint",
            backend = self.inner.backend(),
            tree_size,
            frontier_bytes = frontier.len(),
        );
        async {
            let started = Instant::now();
            let result = self
                .inner
                .add_log_checkpoint(tree_size, note, frontier)
                .await;
            finished(&result, started, "add_log_checkpoint", |_| 1);
            result
        }
        .instrument(span)
        .await
    }

    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let span = tracing::debug_span!("store.log_frontier", backend = self.inner.backend());
        async {
            let started = Instant::now();
            let result = self.inner.log_frontier().await;
            finished(&result, started, "log_frontier", |found| {
                usize::from(found.is_some())
            });
            result
        }
        .instrument(span)
        .await
    }

    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()> {
        let span = tracing::debug_span!(
            "store.save_log_frontier",
            backend = self.inner.backend(),
            tree_size,
            frontier_bytes = frontier.len(),
        );
        async {
            let started = Instant::now();
            let result = self.inner.save_log_frontier(tree_size, frontier).await;
            finished(&result, started, "save_log_frontier", |_| 1);
            result
        }
        .instrument(span)
        .await
    }

    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()> {
        let span = tracing::debug_span!(
            "store.keep_log_leaves",
            backend = self.inner.backend(),
            leaves = leaves.len(),
        );
        async {
            let started = Instant::now();
            let count = leaves.len();
            let result = self.inner.keep_log_leaves(leaves).await;
            finished(&result, started, "keep_log_leaves", |_| count);
            result
        }
        .instrument(span)
        .await
    }

    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>> {
        let span = tracing::debug_span!(
            "store.kept_log_leaves",
            backend = self.inner.backend(),
            from,
            limit
        );
        async {
            let started = Instant::now();
            let result = self.inner.kept_log_leaves(from, limit).await;
            finished(&result, started, "kept_log_leaves", Vec::len);
            result
        }
        .instrument(span)
        .await
    }

    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>> {
        let span = tracing::debug_span!(
            "store.kept_log_leaves_of",
            backend = self.inner.backend(),
            events = events.len(),
        );
        async {
            let started = Instant::now();
            let result = self.inner.kept_log_leaves_of(events).await;
            finished(&result, started, "kept_log_leaves_of", Vec::len);
            result
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryEventStore;

    #[tokio::test]
    async fn the_wrapper_delegates_every_call() {
        let inner: Arc<dyn EventStore> = Arc::new(MemoryEventStore::new());
        let store = TracedEventStore::new(inner.clone());
        assert_eq!(store.backend(), inner.backend());
        assert_eq!(store.atomic_multi_stream(), inner.atomic_multi_stream());
        let event = NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "Tried".to_owned(),
            schema_version: 1,
            payload: b"{}".to_vec(),
            metadata: b"{}".to_vec(),
            recorded_at: None,
        };
        let appended = store
            .append("a", ExpectedVersion::NoStream, vec![event.clone()])
            .await
            .unwrap();
        assert_eq!(appended.written, 1);
        assert_eq!(store.read_stream("a", 0, 10).await.unwrap().len(), 1);
        assert_eq!(inner.read_all(Position::START, 10).await.unwrap().len(), 1);
        assert_eq!(
            store
                .find_event(event.event_id)
                .await
                .unwrap()
                .unwrap()
                .stream,
            "a"
        );
        assert_eq!(store.feed_summary().await.unwrap().streams.len(), 1);
        assert_eq!(store.check_integrity().await.unwrap(), []);
        let added = store
            .add_log_checkpoint(1, "note".to_owned(), vec![1])
            .await
            .unwrap();
        assert_eq!(
            inner.log_checkpoints().await.unwrap(),
            std::slice::from_ref(&added)
        );
        assert_eq!(store.log_checkpoints().await.unwrap(), [added]);
        store.save_log_frontier(1, vec![2]).await.unwrap();
        assert_eq!(inner.log_frontier().await.unwrap(), Some((1, vec![2])));
        assert_eq!(store.log_frontier().await.unwrap(), Some((1, vec![2])));
    }
}

//! The `EventStore` trait, its conveniences, and the defaults it falls back on: reading the
//! feed in lanes by pages, summing up the feed and checking its integrity by reading it whole.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use smol_str::SmolStr;

use crate::{
    check_stream_step, sort_problems, Appended, EventId, ExpectedVersion, FeedLane, FeedSummary,
    IntegrityProblem, LaneRead, LogCheckpoint, LogLeaf, NewEvent, Position, RecordedEvent, Result,
    StreamAppend,
};

/// An append-only store of event streams. See the crate docs for the contract.
#[async_trait]
pub trait EventStore: Send + Sync + fmt::Debug {
    /// The backend's name, for messages (`sqlite`, `memory`, …).
    fn backend(&self) -> &'static str;

    /// Append a batch to one stream, atomically, if the stream is at `expected`: one part of
    /// [`EventStore::append_many`].
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<Appended> {
        let part = StreamAppend {
            stream: stream.to_owned(),
            expected,
            events,
        };
        let mut outcomes = self.append_many(vec![part]).await?;
        Ok(outcomes.remove(0))
    }

    /// Up to `max` events of a stream, from version `from` on, in version order. A stream that
    /// does not exist reads as empty.
    async fn read_stream(&self, stream: &str, from: u64, max: usize) -> Result<Vec<RecordedEvent>>;

    /// Up to `max` events of all streams strictly after `after`, in global order.
    async fn read_all(&self, after: Position, max: usize) -> Result<Vec<RecordedEvent>>;

    /// Read the events after `read.after` (up to `read.until`, else up to the end of the feed
    /// as the reading starts) and hand them to `lanes`, working in parallel: the feed is cut
    /// into consecutive chunks of at most `read.chunk` events (possibly fewer, even none), and
    /// chunk *k* goes to lane *k* mod `lanes.len()` ([`FeedLane::begin_chunk`] with *k*, then
    /// its events one by one, then [`FeedLane::end_chunk`]). Each lane gets its chunks in feed
    /// order, so a reader that takes the chunks from the lanes in turn has the feed in global
    /// order. A [`LaneRead::balanced`] reading may instead hand each chunk to whichever lane is
    /// free first (each lane still gets its chunks in feed order). A lane whose method
    /// returns `false` gets nothing more (the other lanes may go on to their own end, or stop
    /// sooner); an error goes to the lane whose chunk it stops ([`FeedLane::fail`]), which gets
    /// nothing more. Returns once every lane has had its last call; the lanes are then dropped.
    /// A lane that panics makes the returned future panic.
    ///
    /// The default reads pages ([`read_in_lanes_by_pages`]); a backend that can read several
    /// parts of the feed at once overrides it, and hands over events straight from its buffers.
    async fn read_all_in_lanes(
        self: std::sync::Arc<Self>,
        read: LaneRead,
        lanes: Vec<Box<dyn FeedLane>>,
    ) where
        Self: 'static,
    {
        read_in_lanes_by_pages(self, read, lanes).await
    }

    /// Whether [`EventStore::append_many`] is atomic across streams (all or nothing).
    fn atomic_multi_stream(&self) -> bool {
        false
    }

    /// Whether an append is refused with [`Error::DuplicateEvent`](crate::Error::DuplicateEvent) when one of its ids is
    /// stored in *another* stream (every backend detects ids repeated in the same stream).
    fn detects_ids_across_streams(&self) -> bool {
        true
    }

    /// Append to several streams, each part atomically if its stream is at its expected
    /// version (see the crate docs' contract); across streams the batch is all-or-nothing only
    /// where [`EventStore::atomic_multi_stream`] says so; otherwise parts are applied in order
    /// and the first error stops the rest. Imports use it to write many streams per
    /// transaction; [`EventStore::append`] is its one-stream case.
    async fn append_many(&self, appends: Vec<StreamAppend>) -> Result<Vec<Appended>>;

    /// How many events each stream holds, the first event's id and the last event's position.
    /// The counts are exactly the events at or before `last` (a rebuild reads up to `last`
    /// and relies on them). The default reads the whole feed ([`summarize_feed`]); backends
    /// that keep stream lengths override it.
    async fn feed_summary(&self) -> Result<FeedSummary> {
        summarize_feed(self).await
    }

    /// The stored event with this id, if any. The default scans the global order; backends
    /// with an index on event ids override it.
    async fn find_event(&self, event_id: EventId) -> Result<Option<RecordedEvent>> {
        let mut after = Position::START;
        loop {
            let page = self.read_all(after, 4096).await?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            after = last.position;
            if let Some(found) = page.into_iter().find(|event| event.event_id == event_id) {
                return Ok(Some(found));
            }
        }
    }

    /// Check what the store holds against its own invariants, without hashing anything:
    /// every stream's versions follow on from 0 and its events are in feed order, positions
    /// strictly increase, and where the backend keeps its own record of streams (the SQL
    /// backends' `streams` table) that record agrees with the events (each stream's length, no
    /// stream without events, no event without its stream). Problems come in feed order of
    /// where they show ([`IntegrityProblem::position`]); an untouched store has none. An
    /// `Err` is a failure to read, not a problem found.
    ///
    /// The default reads the whole feed ([`check_feed_integrity`]); backends with a streams
    /// record override it, and check in the database without reading payloads.
    async fn check_integrity(&self) -> Result<Vec<IntegrityProblem>> {
        check_feed_integrity(self).await
    }

    /// The log's checkpoints, in the order they were added. They are store data beside the
    /// feed, not events: [`EventStore::read_all`] and the feed's summary never show them, and a
    /// rebuild of the projections leaves them alone.
    async fn log_checkpoints(&self) -> Result<Vec<LogCheckpoint>>;

    /// Add a checkpoint after the last one, stamped with the time it is stored, atomically
    /// with the checks: refused with [`Error::LogCheckpointShrinks`](crate::Error::LogCheckpointShrinks)
    /// if `tree_size` is smaller than the last checkpoint's, and with
    /// [`Error::LogCheckpointBeyondFeed`](crate::Error::LogCheckpointBeyondFeed) if it is larger
    /// than the number of events in the feed at that moment (nothing is stored then). The
    /// note and the frontier are kept as given; the store reads neither.
    async fn add_log_checkpoint(
        &self,
        tree_size: u64,
        note: String,
        frontier: Vec<u8>,
    ) -> Result<LogCheckpoint>;

    /// The cached frontier: the log tree's right edge at some tree size, so that the next
    /// checkpoint hashes only the events after it. `None` when none is saved. It is a cache:
    /// the store may lose it, and a verifier never trusts it.
    async fn log_frontier(&self) -> Result<Option<(u64, Vec<u8>)>>;

    /// Save the frontier at `tree_size`, replacing the one saved before (whatever its size).
    async fn save_log_frontier(&self, tree_size: u64, frontier: Vec<u8>) -> Result<()>;

    /// Keep leaves of the log, given in index order following on from the kept ones. A leaf
    /// at an index already kept is left as it was: the first kept wins, so a leaf hashed again
    /// from a changed event never hides the change. All or none are kept.
    async fn keep_log_leaves(&self, leaves: Vec<LogLeaf>) -> Result<()>;

    /// The kept leaves from index `from` on, at most `limit`, in index order.
    async fn kept_log_leaves(&self, from: u64, limit: usize) -> Result<Vec<LogLeaf>>;

    /// The kept leaves of these events, in index order; an event with no kept leaf is left
    /// out.
    async fn kept_log_leaves_of(&self, events: &[EventId]) -> Result<Vec<LogLeaf>>;
}

/// [`EventStore::feed_summary`] by reading the whole feed.
pub async fn summarize_feed<S: EventStore + ?Sized>(store: &S) -> Result<FeedSummary> {
    let mut streams: std::collections::BTreeMap<SmolStr, u64> = Default::default();
    let mut summary = FeedSummary::default();
    let mut after = Position::START;
    loop {
        let page = store.read_all(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        summary.last = Some(last.position);
        summary.first_event = summary.first_event.or(page.first().map(|e| e.event_id));
        for event in page {
            *streams.entry(event.stream).or_default() += 1;
        }
    }
    summary.streams = streams.into_iter().collect();
    Ok(summary)
}

/// [`EventStore::check_integrity`] by reading the whole feed: positions strictly increase, and
/// every stream's versions follow on from 0 in feed order. For backends that keep no record of
/// stream lengths apart from the events.
pub async fn check_feed_integrity<S: EventStore + ?Sized>(
    store: &S,
) -> Result<Vec<IntegrityProblem>> {
    let mut problems = Vec::new();
    let mut streams: std::collections::HashMap<SmolStr, (u64, Position)> = Default::default();
    let mut after = Position::START;
    loop {
        let page = store.read_all(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        let next = last.position;
        for event in page {
            if event.position <= after {
                problems.push(IntegrityProblem::PositionNotIncreasing {
                    position: event.position,
                    previous: after,
                    event_id: Some(event.event_id),
                });
            }
            after = after.max(event.position);
            let here = (event.stream_version, event.position);
            let previous = streams.insert(event.stream.clone(), here);
            problems.extend(check_stream_step(
                &event.stream,
                previous,
                here,
                Some(event.event_id),
            ));
        }
        after = after.max(next);
    }
    sort_problems(&mut problems);
    Ok(problems)
}

/// Conveniences on top of [`EventStore`] (not part of what a backend implements).
#[async_trait]
pub trait EventStoreExt: EventStore {
    /// Every event of a stream, in version order.
    async fn read_whole_stream(&self, stream: &str) -> Result<Vec<RecordedEvent>> {
        let mut events = Vec::new();
        loop {
            let page = self.read_stream(stream, events.len() as u64, 4096).await?;
            let done = page.len() < 4096;
            events.extend(page);
            if done {
                return Ok(events);
            }
        }
    }
}

impl<T: EventStore + ?Sized> EventStoreExt for T {}

/// A lane that is not busy, or the job that has it.
enum Lane {
    Idle(Box<dyn FeedLane>),
    Busy(tokio::task::JoinHandle<Option<Box<dyn FeedLane>>>),
    Stopped,
}

impl Lane {
    /// The lane once its job is done (`None` once it has stopped).
    async fn take(&mut self) -> Option<Box<dyn FeedLane>> {
        match std::mem::replace(self, Lane::Stopped) {
            Lane::Idle(lane) => Some(lane),
            Lane::Busy(job) => match job.await {
                Ok(lane) => lane,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(_) => None,
            },
            Lane::Stopped => None,
        }
    }
}

/// [`crate::EventStore::read_all_in_lanes`] for a backend that reads the feed in pages: a task
/// reads the next page while the last one is handed to the lanes, each chunk a job on the
/// blocking pool, so the lanes work in parallel with each other and with the reading.
pub async fn read_in_lanes_by_pages<S: EventStore + ?Sized + 'static>(
    store: Arc<S>,
    read: LaneRead,
    lanes: Vec<Box<dyn FeedLane>>,
) {
    let count = lanes.len();
    if count == 0 {
        return;
    }
    let chunk = read.chunk.max(1);
    let page_size = read.page.max(1);
    let mut lanes: Vec<Lane> = lanes.into_iter().map(Lane::Idle).collect();
    // Pages are read one ahead, on their own task. Only an empty page ends the feed: a
    // backend may return fewer events than asked before the end (KurrentDB leaves out its
    // system events).
    let (pages, mut receiver) = tokio::sync::mpsc::channel(1);
    let reader = tokio::spawn(async move {
        let mut after = read.after;
        loop {
            let page = store.read_all(after, page_size).await;
            let (page, done) = match page {
                Ok(mut page) => {
                    if let Some(until) = read.until {
                        page.truncate(page.partition_point(|event| event.position <= until));
                    }
                    let Some(last) = page.last() else { return };
                    after = last.position;
                    (Ok(page), read.until.is_some_and(|until| after >= until))
                }
                Err(error) => (Err(error), true),
            };
            if pages.send(page).await.is_err() || done {
                return;
            }
        }
    });
    let mut next = 0;
    'pages: while let Some(page) = receiver.recv().await {
        let page = match page {
            Ok(page) => Arc::new(page),
            Err(error) => {
                if let Some(mut lane) = lanes[next % count].take().await {
                    let failing = tokio::task::spawn_blocking(move || lane.fail(error));
                    if let Err(error) = failing.await {
                        if error.is_panic() {
                            std::panic::resume_unwind(error.into_panic());
                        }
                    }
                }
                break;
            }
        };
        for start in (0..page.len()).step_by(chunk) {
            let slot = &mut lanes[next % count];
            next += 1;
            // A lane that stopped ends the reading (after the other lanes' chunks, below).
            let Some(mut lane) = slot.take().await else {
                break 'pages;
            };
            let page = page.clone();
            let end = (start + chunk).min(page.len());
            let number = next as u64 - 1;
            *slot = Lane::Busy(tokio::task::spawn_blocking(move || {
                lane.begin_chunk(number);
                for event in &page[start..end] {
                    if !lane.event(event.as_stored()) {
                        return None;
                    }
                }
                lane.end_chunk().then_some(lane)
            }));
        }
    }
    reader.abort();
    // Each lane's last chunk is handed over before the lanes are dropped (their end).
    for lane in &mut lanes {
        lane.take().await;
    }
}

//! The event-store contract shared by every Amity backend.
//!
//! Backends store *serialized* events: a stream name, a 0-based version within the stream, an
//! event id, a type name, a schema version, a JSON payload and JSON metadata. They know nothing
//! of partnerships; the ledger layer maps domain events to and from this form.
//!
//! # Contract (every backend, checked by [`contract`] when the `contract` feature is on)
//!
//! - **Atomicity.** [`EventStore::append`] writes all events of the batch or none.
//! - **Optimistic concurrency.** Each append names an [`ExpectedVersion`]; if the stream is not
//!   in that state, nothing is written and [`Error::VersionConflict`] is returned.
//! - **Idempotency by event id.** If every event id of a batch is already stored in that
//!   stream, consecutively and in the same order, the append writes nothing and succeeds with
//!   the versions originally written, whatever its expected version. If only some ids are
//!   stored, or any is stored in another stream, it fails with [`Error::DuplicateEvent`]
//!   (a backend that cannot see ids of other streams says so through
//!   [`EventStore::detects_ids_across_streams`]). A repeat is recognised by its ids alone and
//!   never changes what is stored; the store does not compare contents. The ledger does: it
//!   reads the stored event back and accepts a re-sent id as already recorded only when type,
//!   schema version and payload are the same, and refuses other content naming the id.
//! - **Stream order.** Versions in a stream are 0, 1, 2, … with no gaps, in append order.
//! - **Global order.** [`EventStore::read_all`] returns every event of every stream exactly
//!   once, in commit order: an event appended after another one committed has a greater
//!   [`Position`]. Reading from a position never returns an event at or before it, and a reader
//!   that has seen position P never later discovers an event before P.
//! - **Positions** are opaque: compare them, store them as text ([`Position`]'s `Display` and
//!   `FromStr`), and pass them back. They are not event counts.
//! - **Transaction time.** The store stamps `recorded_at` when it commits, unless the event
//!   carries one (an event copied from an archive keeps its original transaction time).

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
pub use smol_str::SmolStr;

mod error;
mod lanes;
mod memory;
mod traced;

#[cfg(feature = "contract")]
pub mod contract;

pub use error::{BoxError, Error, Result};
pub use lanes::{read_in_lanes_by_pages, FeedLane, LaneRead, StoredEvent};
pub use memory::MemoryEventStore;
pub use traced::TracedEventStore;

/// An event id (UUID). The ledger writes version 7 (time-ordered) ids, which index fast.
pub type EventId = uuid::Uuid;

/// The state a stream must be in for an append to proceed (maps 1:1 onto EventStoreDB's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectedVersion {
    /// No check. Never fails with [`Error::VersionConflict`].
    Any,
    /// The stream must have no events; otherwise [`Error::VersionConflict`] with `actual` set.
    NoStream,
    /// The stream must have at least one event; otherwise [`Error::VersionConflict`] with
    /// `actual: None`.
    StreamExists,
    /// The stream's last event must have exactly this version; otherwise
    /// [`Error::VersionConflict`].
    Exact(u64),
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any version"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::StreamExists => f.write_str("an existing stream"),
            ExpectedVersion::Exact(version) => write!(f, "version {version}"),
        }
    }
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `actual` (`None`: no stream) satisfies this.
    pub fn admits(self, actual: Option<u64>) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual.is_none(),
            ExpectedVersion::StreamExists => actual.is_some(),
            ExpectedVersion::Exact(version) => actual == Some(version),
        }
    }
}

/// An opaque place in the global order of all events.
///
/// Its text form (`start`, or `commit/prepare`) is what checkpoints store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position(Option<(u64, u64)>);

impl Position {
    /// Before the first event.
    pub const START: Position = Position(None);

    /// A position as a backend knows it: `commit` and `prepare` coordinates (EventStoreDB's
    /// transaction-log positions; the SQL backends use their sequence number for both).
    pub fn new(commit: u64, prepare: u64) -> Position {
        Position(Some((commit, prepare)))
    }

    /// The backend's coordinates, or `None` for [`Position::START`].
    pub fn parts(self) -> Option<(u64, u64)> {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("start"),
            Some((commit, prepare)) => write!(f, "{commit}/{prepare}"),
        }
    }
}

impl FromStr for Position {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        if input == "start" {
            return Ok(Position::START);
        }
        let invalid = || Error::InvalidPosition {
            input: input.to_owned(),
        };
        let (commit, prepare) = input.split_once('/').ok_or_else(invalid)?;
        let commit = commit.parse().map_err(|_| invalid())?;
        let prepare = prepare.parse().map_err(|_| invalid())?;
        Ok(Position::new(commit, prepare))
    }
}

/// An event to append, already serialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Unique across the store; makes re-appends idempotent.
    pub event_id: EventId,
    /// The stored type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The payload, JSON.
    pub payload: Vec<u8>,
    /// Envelope data such as who recorded it, JSON.
    pub metadata: Vec<u8>,
    /// Transaction time to keep instead of the commit time: only for events copied from an
    /// archive or another store, whose original recording time is part of the record.
    pub recorded_at: Option<jiff::Timestamp>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Its place in the global order.
    pub position: Position,
    /// The stream it belongs to (a backend shares one copy among the events it reads of a
    /// stream: cloning a long name is a reference count, and short ones are held inline).
    pub stream: SmolStr,
    /// Its 0-based version in the stream.
    pub stream_version: u64,
    /// Its id.
    pub event_id: EventId,
    /// The stored type name (held inline: no allocation).
    pub event_type: SmolStr,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The payload, JSON.
    pub payload: Vec<u8>,
    /// Envelope data, JSON.
    pub metadata: Vec<u8>,
    /// When the store committed it (transaction time).
    pub recorded_at: jiff::Timestamp,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The version of the batch's last event (pass as `Exact` to append after it), or the
    /// stream's current version for an empty batch (`None`: no stream).
    pub last_version: Option<u64>,
    /// The position of the batch's last event, when it has one.
    pub last_position: Option<Position>,
    /// How many events were written: 0 for an idempotent repeat.
    pub written: usize,
}

/// One stream's part of a multi-stream append.
#[derive(Debug, Clone)]
pub struct StreamAppend {
    /// The stream.
    pub stream: String,
    /// Its expected version.
    pub expected: ExpectedVersion,
    /// Its events.
    pub events: Vec<NewEvent>,
}

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
    /// chunk *k* goes to lane *k* mod `lanes.len()`, event by event, then
    /// [`FeedLane::end_chunk`]. Each lane gets its chunks in feed order, so a reader that takes
    /// the chunks from the lanes in turn has the feed in global order. A lane whose method
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

    /// Whether an append is refused with [`Error::DuplicateEvent`] when one of its ids is
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
}

/// What the global feed holds (see [`EventStore::feed_summary`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Every stream with events, by name, with how many it holds.
    pub streams: Vec<(SmolStr, u64)>,
    /// The id of the first event in global order.
    pub first_event: Option<EventId>,
    /// The position of the last event in global order (`None` when the feed is empty).
    pub last: Option<Position>,
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

/// Where an event id of a batch is already stored: `(stream, version)`.
pub type StoredAt<'a> = Option<(&'a str, u64)>;

/// Decide what an append of `batch` to `stream` must do, given where each of its ids is
/// already stored (`found[i]` for `batch[i]`). Shared by every backend so that idempotency
/// means the same everywhere.
///
/// Returns `Ok(None)` when nothing is stored (write the batch), `Ok(Some(last_version))` when
/// the whole batch is stored already as one run of this stream (write nothing), and
/// [`Error::DuplicateEvent`] or [`Error::DuplicateInBatch`] otherwise.
pub fn idempotency(
    stream: &str,
    batch: &[NewEvent],
    found: &[StoredAt<'_>],
) -> Result<Option<u64>> {
    let mut seen = std::collections::HashSet::with_capacity(batch.len());
    for event in batch {
        if !seen.insert(event.event_id) {
            return Err(Error::DuplicateInBatch {
                event_id: event.event_id,
                stream: stream.to_owned(),
            });
        }
    }
    if found.iter().all(Option::is_none) {
        return Ok(None);
    }
    let first_version = match found.first() {
        Some(Some((stored_stream, version))) if *stored_stream == stream => *version,
        _ => u64::MAX,
    };
    for (offset, (event, stored)) in batch.iter().zip(found).enumerate() {
        let expected_place = first_version.checked_add(offset as u64);
        match stored {
            Some((stored_stream, version))
                if *stored_stream == stream && Some(*version) == expected_place => {}
            Some((stored_stream, version)) => {
                return Err(Error::DuplicateEvent {
                    event_id: event.event_id,
                    stream: stream.to_owned(),
                    stored_in: (*stored_stream).to_owned(),
                    stored_version: *version,
                })
            }
            None => {
                let (event_id, stored_in, stored_version) = batch
                    .iter()
                    .zip(found)
                    .find_map(|(event, stored)| stored.map(|(s, v)| (event.event_id, s, v)))
                    .expect("some id is stored");
                return Err(Error::DuplicateEvent {
                    event_id,
                    stream: stream.to_owned(),
                    stored_in: stored_in.to_owned(),
                    stored_version,
                });
            }
        }
    }
    Ok(Some(first_version + batch.len() as u64 - 1))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_as_text_and_order() {
        for position in [Position::START, Position::new(7, 7), Position::new(12, 3)] {
            assert_eq!(position.to_string().parse::<Position>().unwrap(), position);
        }
        assert!(Position::START < Position::new(0, 0));
        assert!(Position::new(1, 9) < Position::new(2, 0));
        assert!("7".parse::<Position>().is_err());
    }

    #[test]
    fn expected_versions_admit_what_their_docs_say() {
        assert!(ExpectedVersion::Any.admits(None));
        assert!(ExpectedVersion::NoStream.admits(None));
        assert!(!ExpectedVersion::NoStream.admits(Some(0)));
        assert!(!ExpectedVersion::StreamExists.admits(None));
        assert!(ExpectedVersion::Exact(3).admits(Some(3)));
        assert!(!ExpectedVersion::Exact(3).admits(Some(4)));
    }
}

//! What a reading of the global feed in parallel lanes hands over and to whom: the lanes, the
//! events borrowed where they are read, and what to read (see
//! [`crate::EventStore::read_all_in_lanes`]; the default reader is in `store`).

use crate::{Error, EventId, Position, RecordedEvent};

/// A stored event borrowed from a backend's buffers while it reads: a reader decodes it in
/// place, with no copy of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEvent<'a> {
    /// Its place in the global order.
    pub position: Position,
    /// The stream it belongs to.
    pub stream: &'a str,
    /// Its 0-based version in the stream.
    pub stream_version: u64,
    /// Its id.
    pub event_id: EventId,
    /// The stored type name.
    pub event_type: &'a str,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The payload, JSON.
    pub payload: &'a [u8],
    /// Envelope data, JSON.
    pub metadata: &'a [u8],
    /// When the store committed it (transaction time).
    pub recorded_at: jiff::Timestamp,
}

impl StoredEvent<'_> {
    /// An owned copy, in `stream` (the same name as [`StoredEvent::stream`], shared).
    pub fn to_recorded(&self, stream: crate::SmolStr) -> RecordedEvent {
        debug_assert_eq!(stream, self.stream);
        RecordedEvent {
            position: self.position,
            stream,
            stream_version: self.stream_version,
            event_id: self.event_id,
            event_type: self.event_type.into(),
            schema_version: self.schema_version,
            payload: self.payload.to_vec(),
            metadata: self.metadata.to_vec(),
            recorded_at: self.recorded_at,
        }
    }
}

impl RecordedEvent {
    /// The event as a borrowed [`StoredEvent`].
    pub fn as_stored(&self) -> StoredEvent<'_> {
        StoredEvent {
            position: self.position,
            stream: &self.stream,
            stream_version: self.stream_version,
            event_id: self.event_id,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at: self.recorded_at,
        }
    }
}

/// One lane of a reading in lanes: what the reader does with its share of the feed. A backend
/// calls these methods on a thread where blocking is allowed (never on an async worker), one
/// call at a time per lane.
pub trait FeedLane: Send + 'static {
    /// The lane's next chunk is chunk `number` of the reading (counted from 0 in feed order):
    /// called before its events and its [`FeedLane::end_chunk`]. Chunk *k* goes to lane *k* mod
    /// the number of lanes unless the reading is [`LaneRead::balanced`].
    fn begin_chunk(&mut self, number: u64) {
        let _ = number;
    }

    /// The next event of the lane's current chunk; `false` stops this lane.
    fn event(&mut self, event: StoredEvent<'_>) -> bool;

    /// The current chunk is complete (it may be empty); `false` stops this lane.
    fn end_chunk(&mut self) -> bool;

    /// The reading failed here: after the events of the current chunk handed over so far
    /// (possibly none); nothing more comes to this lane.
    fn fail(&mut self, error: Error);
}

/// What to read in lanes (see [`crate::EventStore::read_all_in_lanes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneRead {
    /// Read the events strictly after this position…
    pub after: Position,
    /// …up to and including this one, if given (else up to the end of the feed: where it ended
    /// as the reading started, or later for a backend that reads in pages).
    pub until: Option<Position>,
    /// Events per chunk, at most (at least 1).
    pub chunk: usize,
    /// Events per [`crate::EventStore::read_all`] page, for backends that read in pages.
    pub page: usize,
    /// Read through a memory map of the store's file, for a backend that has one (SQLite): a
    /// reading of the whole feed once then copies no page of the file into a cache of its
    /// own. The pages read count in the process's resident memory, so a reading that keeps its
    /// memory low (a rebuild) leaves this off.
    pub mapped: bool,
    /// Hand each chunk to whichever lane is free first, rather than chunk *k* to lane *k* mod
    /// the number of lanes: for a reader that puts the chunks back in order by their numbers
    /// ([`FeedLane::begin_chunk`]), so that a lane slowed down (sharing a core with other work)
    /// does not hold up the end of the reading. A backend may keep to the fixed turn.
    pub balanced: bool,
}

//! What the store gives back: events as stored, what an append did, what the feed holds.

use smol_str::SmolStr;

use crate::{EventId, Position};

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

/// What the global feed holds (see [`EventStore::feed_summary`](crate::EventStore::feed_summary)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Every stream with events, by name, with how many it holds.
    pub streams: Vec<(SmolStr, u64)>,
    /// The id of the first event in global order.
    pub first_event: Option<EventId>,
    /// The position of the last event in global order (`None` when the feed is empty).
    pub last: Option<Position>,
}

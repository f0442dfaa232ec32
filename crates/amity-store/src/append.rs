//! What an append names: event ids, the version a stream must be at, and the events to write.

use std::fmt;

/// An event id (UUID). The ledger writes version 7 (time-ordered) ids, which index fast.
pub type EventId = uuid::Uuid;

/// The state a stream must be in for an append to proceed (maps 1:1 onto EventStoreDB's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpectedVersion {
    /// No check. Never fails with [`Error::VersionConflict`](crate::Error::VersionConflict).
    Any,
    /// The stream must have no events; otherwise [`Error::VersionConflict`](crate::Error::VersionConflict) with `actual` set.
    NoStream,
    /// The stream must have at least one event; otherwise [`Error::VersionConflict`](crate::Error::VersionConflict) with
    /// `actual: None`.
    StreamExists,
    /// The stream's last event must have exactly this version; otherwise
    /// [`Error::VersionConflict`](crate::Error::VersionConflict).
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

#[cfg(test)]
mod tests {
    use super::*;

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

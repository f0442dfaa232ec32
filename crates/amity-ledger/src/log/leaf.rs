//! What names a leaf to a reader ([`LeafSource`]), the log's leaves as recomputed from a store
//! ([`Leaves`]), and the log's errors as the ledger's.

use amity_log::Hash;

use crate::Error;

/// Where a leaf comes from: enough to name the event to a reader.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeafSource {
    /// Its leaf index (0-based, in feed order).
    pub index: u64,
    /// The event's id.
    pub event_id: amity_store::EventId,
    /// Its stream.
    pub stream: String,
    /// Its version in the stream.
    pub stream_version: u64,
    /// Its position in the store's feed (a leaf read from a store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Its 1-based line in the archive (a leaf read from an archive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// The whole log as the store holds it now: every leaf hash, and where each comes from.
#[derive(Debug, Clone, Default)]
pub struct Leaves {
    /// The leaf hashes, in feed order.
    pub hashes: Vec<Hash>,
    /// Where each leaf comes from.
    pub sources: Vec<LeafSource>,
}

/// A log error as a ledger error.
pub fn log_error(error: amity_log::Error) -> Error {
    Error::Log(error)
}

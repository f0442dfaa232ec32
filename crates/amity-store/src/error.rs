//! What can go wrong in a store, by what went wrong rather than which backend.

use crate::{EventId, ExpectedVersion};

/// A boxed source error from a driver.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A store error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The stream was not at the expected version; nothing was written.
    #[error("version conflict on stream {stream}: expected {expected}, found {}", match actual { Some(v) => format!("version {v}"), None => "no stream".to_owned() })]
    VersionConflict {
        /// The stream.
        stream: String,
        /// What the append expected.
        expected: ExpectedVersion,
        /// The stream's last version (`None`: no stream).
        actual: Option<u64>,
    },
    /// An event id of the batch is stored already, elsewhere or as part of another batch.
    #[error("event {event_id} is already stored in stream {stored_in} at version {stored_version}; nothing of this batch to {stream} was written")]
    DuplicateEvent {
        /// The id.
        event_id: EventId,
        /// The stream appended to.
        stream: String,
        /// Where it is stored.
        stored_in: String,
        /// At which version.
        stored_version: u64,
    },
    /// The same event id appears twice in one batch.
    #[error("event {event_id} appears twice in one batch to {stream}; nothing was written")]
    DuplicateInBatch {
        /// The id.
        event_id: EventId,
        /// The stream appended to.
        stream: String,
    },
    /// A log checkpoint for a smaller tree than the last one stored: the log only grows, so
    /// nothing was stored.
    #[error("log checkpoint refused: tree size {tree_size} is smaller than the last checkpoint's, {last_tree_size}")]
    LogCheckpointShrinks {
        /// The checkpoint's tree size.
        tree_size: u64,
        /// The last stored checkpoint's.
        last_tree_size: u64,
    },
    /// A log checkpoint for more events than the feed holds; nothing was stored.
    #[error("log checkpoint refused: tree size {tree_size} is more than the {feed_length} events the feed holds")]
    LogCheckpointBeyondFeed {
        /// The checkpoint's tree size.
        tree_size: u64,
        /// How many events the feed held.
        feed_length: u64,
    },
    /// A position string that this crate did not write.
    #[error("invalid position {input:?}: expected \"start\" or \"commit/prepare\"")]
    InvalidPosition {
        /// What was given.
        input: String,
    },
    /// The store URL cannot be used.
    #[error("invalid store URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server cannot be reached (not running, a wrong address, the network down): nothing
    /// was read or written. The source is the reason as an [`std::io::Error`], whose kind
    /// says what happened and whose text is short ("connection refused"); the driver's own
    /// report goes to the debug log.
    #[error("cannot reach {server} at {address}")]
    Unreachable {
        /// Which backend (`postgres`, `kurrentdb`).
        backend: &'static str,
        /// The server's name for people (`PostgreSQL`, `KurrentDB`).
        server: &'static str,
        /// `HOST:PORT`, as the URL named it.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The backend failed (IO, connection, corruption…); the operation may not have happened.
    #[error("{backend} store: {source}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
}

/// A store result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wrap a driver error.
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Error {
        Error::Backend {
            backend,
            source: source.into(),
        }
    }

    /// A server that cannot be reached, for `reason` (the driver's IO error): the reason kept
    /// is its kind, with the kind's short text ("connection refused") when the system gave
    /// the error, else the error's own text (a failed name lookup).
    pub fn unreachable(
        backend: &'static str,
        server: &'static str,
        address: impl Into<String>,
        reason: &std::io::Error,
    ) -> Error {
        let kind = reason.kind();
        let text = if reason.raw_os_error().is_some() && format!("{kind:?}") != "Uncategorized" {
            kind.to_string()
        } else {
            reason.to_string()
        };
        Error::Unreachable {
            backend,
            server,
            address: address.into(),
            source: std::io::Error::new(kind, text),
        }
    }
}

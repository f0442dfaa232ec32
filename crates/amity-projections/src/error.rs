//! The projection error, and the result every projection call returns.

use amity_domain::PartnershipId;

/// A projection error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or decoding events failed.
    #[error(transparent)]
    Ledger(#[from] amity_ledger::Error),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] amity_ledger::StoreError),
    /// A stored event type this code does not know: the tables hold what it did not write.
    #[error("projection tables: unknown event type {0:?}")]
    UnknownEventType(String),
    /// A stored event id that is not a UUID.
    #[error("projection tables: unreadable event id {text:?}: {source}")]
    EventId {
        /// The stored text.
        text: String,
        /// Why it is no UUID.
        #[source]
        source: uuid::Error,
    },
    /// A stored row (JSON), or an enum stored by its name, that this code cannot read.
    #[error("projection tables: unreadable row: {0}")]
    Row(#[source] serde_json::Error),

    /// A stored event the history refers to does not read back.
    #[error("projection tables: unreadable stored event: {0}")]
    StoredEvent(#[source] amity_domain::DecodeError),
    /// A stored partnership id that is not one.
    #[error("projection tables: {0}")]
    PartnershipId(#[source] amity_domain::PartyError),
    /// The checkpoint's stored position is not one.
    #[error("projection tables: unreadable checkpoint: {0}")]
    Checkpoint(#[source] amity_ledger::StoreError),
    /// The PostgreSQL store's URL, read again for its tables, cannot be used.
    #[error("projection tables: {0}")]
    Url(#[source] amity_ledger::Error),
    /// A file was named for SQLite tables, in a build without them (feature `sqlite`).
    #[error("projection tables: {}: this build has no SQLite projection tables (feature `sqlite`)", path.display())]
    NoSqlite {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The SQLite file named for the tables is a symbolic link to nothing: creating it would
    /// put the file wherever the link points, so it is refused.
    #[error("projection tables: {} is a symbolic link to a file that does not exist; refused: a projections file is never created through a link (remove the link, or give the path of an existing file)", path.display())]
    LinkToNothing {
        /// The path given.
        path: std::path::PathBuf,
    },
    /// The thread that writes the SQLite tables cannot be started.
    #[error("projection tables: cannot start the writer: {0}")]
    WriterThread(#[source] std::io::Error),
    /// The thread that writes the SQLite tables stopped without an error (it panicked).
    #[error("projection tables: the projection writer stopped")]
    WriterStopped,
    /// A batch of rows for PostgreSQL holds a value whose type is not its column's (a bug:
    /// the rows and their column types are built together).
    #[error("projection tables: a value of the wrong type")]
    WrongValueType,
    /// The SQLite projection tables failed.
    #[cfg(feature = "sqlite")]
    #[error("projection tables: {0}")]
    Sqlite(#[source] rusqlite::Error),
    /// The PostgreSQL projection tables failed: the server's message (and detail) in one
    /// line; the driver's error, typed, beside it (not repeated as a cause: its text says the
    /// same at length).
    #[cfg(feature = "postgres")]
    #[error("projection tables: postgres: {message}")]
    Postgres {
        /// The server's message and detail, or the driver's.
        message: String,
        /// The driver's error.
        driver: Box<tokio_postgres::Error>,
    },
    /// The partnership exists in the ledger, but nothing about it was recorded by then.
    #[error("nothing about {partnership} had been recorded by {moment} (transaction time)")]
    NotYetRecorded {
        /// The partnership.
        partnership: PartnershipId,
        /// The moment asked.
        moment: jiff::Timestamp,
    },
    /// Another process moved the checkpoint while this one was catching up.
    #[error("another process updated the projections at the same time")]
    Raced,
    /// The tables were written by a newer amity: this one does not know their layout, and
    /// leaves them alone rather than rebuilding them.
    #[error("the projection tables were built by a newer amity (v{found}); this amity (v{ours}) leaves them alone: use the newer amity")]
    Newer {
        /// The tables' code version.
        found: u32,
        /// This build's.
        ours: u32,
    },
    /// A temporal question about a partnership could not be finished within the budget.
    #[error("the answer for {partnership} was not finished: {source}")]
    Unfinished {
        /// The partnership.
        partnership: PartnershipId,
        /// The limit hit.
        source: amity_domain::Unfinished,
    },
}

/// A projection result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Connections to the ledger file: how each is opened and configured (WAL, `synchronous=FULL`,
//! 16 KiB pages), the thread that checkpoints the WAL, and the backend's error wrapper.

use std::path::Path;

use amity_store::{Error, Result};
use rusqlite::Connection;

/// The backend's name, in errors and spans.
pub(crate) const BACKEND: &str = "sqlite";

/// A driver error as a store error of this backend.
pub(crate) fn backend_error(error: impl Into<amity_store::BoxError>) -> Error {
    Error::backend(BACKEND, error)
}

/// A thread that checkpoints the WAL (PASSIVE: never blocks readers or the writer) whenever
/// woken. Closing the last connection also checkpoints, so nothing is left behind at exit.
pub(crate) fn spawn_checkpointer(connection: Connection) -> std::sync::mpsc::SyncSender<()> {
    let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("amity-sqlite-checkpoint".to_owned())
        .spawn(move || {
            while woken.recv().is_ok() {
                if let Err(error) = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(%error, "sqlite checkpoint failed; will retry after the next append");
                }
            }
        })
        .expect("spawn the checkpoint thread");
    wake
}

/// A connection to the ledger file at `path`, configured like every other of the store's.
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path).map_err(|source| {
        backend_error(OpenError {
            path: path.to_path_buf(),
            source,
        })
    })?;
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .map_err(backend_error)?;
    connection
        .execute_batch(
            "PRAGMA page_size = 16384;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -16384;",
        )
        .map_err(backend_error)?;
    Ok(connection)
}

/// A ledger file that cannot be opened (the driver's error is the source).
#[derive(Debug)]
struct OpenError {
    path: std::path::PathBuf,
    source: rusqlite::Error,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot open {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

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
/// woken, on a connection of its own to the file at `path`, opened when it is first woken: a
/// command that only reads opens (and closes) one connection fewer. Closing the last
/// connection also checkpoints, so nothing is left behind at exit.
pub(crate) fn spawn_checkpointer(path: &Path) -> std::sync::mpsc::SyncSender<()> {
    let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("amity-sqlite-checkpoint".to_owned())
        .spawn(move || {
            let mut connection = None;
            while woken.recv().is_ok() {
                let opened = match connection.take() {
                    Some(connection) => Ok(connection),
                    None => open_connection(&path),
                };
                let checkpointed = opened.and_then(|opened| {
                    let done = opened
                        .execute_batch("PRAGMA wal_checkpoint(PASSIVE);")
                        .map_err(backend_error);
                    connection = Some(opened);
                    done
                });
                if let Err(error) = checkpointed {
                    tracing::warn!(%error, "sqlite checkpoint failed; will retry after the next append");
                }
            }
        })
        .expect("spawn the checkpoint thread");
    wake
}

/// Make sure that opening the ledger file at `path` does not create it through a symbolic
/// link. SQLite follows a link, and creates a missing file wherever it points: a link to
/// nothing at the ledger's path would put the ledger somewhere else. So a missing file is
/// created here, exclusively (`O_CREAT|O_EXCL`, which never follows a link; an empty file is
/// an empty SQLite database), and a link to nothing is refused, naming the path. A link to
/// an existing file is opened: that file is the ledger someone chose to keep elsewhere (SQLite
/// puts its WAL beside the file the link resolves to), and refusing it would break setups
/// that are not attacks. Any other failure (a missing folder) is left to SQLite to report.
pub(crate) fn create_in_place(path: &Path) -> Result<()> {
    let is_link = std::fs::symlink_metadata(path).map(|found| found.file_type().is_symlink());
    match is_link {
        Ok(true) if std::fs::metadata(path).is_err() => Err(backend_error(LinkToNothing {
            path: path.to_path_buf(),
        })),
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let created = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path);
            match created {
                // Created meanwhile by someone else: check it again.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    create_in_place(path)
                }
                _ => Ok(()),
            }
        }
        Err(_) => Ok(()),
    }
}

/// A symbolic link to nothing where the ledger file should be.
#[derive(Debug)]
struct LinkToNothing {
    path: std::path::PathBuf,
}

impl std::fmt::Display for LinkToNothing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is a symbolic link to a file that does not exist; refused: a ledger is never \
             created through a link (remove the link, or give the path of an existing ledger)",
            self.path.display()
        )
    }
}

impl std::error::Error for LinkToNothing {}

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

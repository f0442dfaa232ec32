//! Choosing a store from its URL; backends are compiled in by cargo feature.

use std::sync::Arc;

use amity_store::{Error, EventStore, MemoryEventStore};

/// An open store, and the SQLite file that also holds the projections, if any.
pub struct Opened {
    /// The store.
    pub store: Arc<dyn EventStore>,
    /// The ledger file, for SQLite stores.
    pub sqlite_file: Option<std::path::PathBuf>,
}

/// Open the store named by `url`: `sqlite://PATH` (default), `postgres://…` (projections are
/// then computed from the events on each query), or `memory://` (empty, for trials).
/// With `must_exist`, a ledger file that is not there is an error rather than a new empty
/// ledger (a mistyped path must not answer "no partnerships").
#[allow(unreachable_patterns)] // `sqlite` is matched twice when its feature is on.
pub async fn open_store(url: &str, must_exist: bool) -> Result<Opened, Error> {
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    if scheme == "sqlite" && must_exist {
        let path = std::path::Path::new(url.trim_start_matches("sqlite://"));
        if !path.exists() {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: format!(
                    "no ledger at {} (record an event or run `amity example` to create one)",
                    path.display()
                ),
            });
        }
    }
    match scheme {
        #[cfg(feature = "sqlite")]
        "sqlite" => {
            let store = amity_store_sqlite::SqliteEventStore::open_url(url)?;
            Ok(Opened {
                sqlite_file: Some(store.path().to_path_buf()),
                store: Arc::new(store),
            })
        }
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Opened {
            store: Arc::new(amity_store_postgres::PostgresEventStore::connect(url).await?),
            sqlite_file: None,
        }),
        #[cfg(feature = "kurrentdb")]
        "esdb" | "kurrentdb" => Ok(Opened {
            store: Arc::new(amity_store_kurrentdb::KurrentEventStore::connect(url)?),
            sqlite_file: None,
        }),
        "memory" => Ok(Opened {
            store: Arc::new(MemoryEventStore::new()),
            sqlite_file: None,
        }),
        "postgres" | "postgresql" | "esdb" | "kurrentdb" | "sqlite" => Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: format!("the {scheme} backend is not built into this amity binary"),
        }),
        _ => Err(Error::InvalidUrl {
            url: url.to_owned(),
            reason: "unknown scheme; use sqlite://PATH (e.g. sqlite://amity.db) or memory://"
                .to_owned(),
        }),
    }
}

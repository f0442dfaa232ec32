//! Choosing a store from its URL, and where its projections live; backends are compiled in
//! by cargo feature.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use amity_ledger::Ledger;
use amity_projections::Projections;
use amity_store::{Error, EventStore, MemoryEventStore, TracedEventStore};

/// Where the projections of an opened store live.
#[derive(Debug, Clone)]
pub enum ProjectionsAt {
    /// Tables in the SQLite ledger's own file.
    #[cfg(feature = "sqlite")]
    LedgerFile(PathBuf),
    /// Tables in the `--projections` SQLite file.
    SqliteFile(PathBuf),
    /// Tables in the PostgreSQL store's schema (the store's URL).
    #[cfg(feature = "postgres")]
    Postgres(String),
    /// No tables: computed from the events on each query.
    Live,
}

/// An open store, and where its projections live.
#[derive(Clone)]
pub struct Opened {
    /// The store.
    pub store: Arc<dyn EventStore>,
    /// Where its projections live.
    pub projections: ProjectionsAt,
}

impl Opened {
    /// The projections of `ledger` (a ledger over this store), where they live.
    pub async fn projections(&self, ledger: Ledger) -> amity_projections::Result<Projections> {
        match &self.projections {
            #[cfg(feature = "sqlite")]
            ProjectionsAt::LedgerFile(path) => Projections::open_in_ledger(ledger, path),
            ProjectionsAt::SqliteFile(path) => Projections::open(ledger, Some(path)),
            #[cfg(feature = "postgres")]
            ProjectionsAt::Postgres(url) => Projections::open_postgres(ledger, url).await,
            ProjectionsAt::Live => Projections::open(ledger, None),
        }
    }
}

/// Open the store named by `url`: `sqlite://PATH` (default; projections in the same file),
/// `postgres://…` (projections in its schema), `esdb://…`/`kurrentdb://…` (projections
/// computed from the events on each query), or `memory://` (empty, for trials). With
/// `projections_file` (`--projections`), the projections of a store other than SQLite are
/// tables in that SQLite file instead; a SQLite ledger refuses it, since it keeps them itself.
/// With `must_exist`, a ledger file that is not there is an error rather than a new empty
/// ledger (a mistyped path must not answer "no partnerships"). Every store is wrapped in a
/// [`TracedEventStore`]: its calls are logged with `-v`, whatever the backend.
#[allow(unreachable_patterns)] // `sqlite` is matched twice when its feature is on.
pub async fn open_store(
    url: &str,
    must_exist: bool,
    projections_file: Option<&Path>,
) -> anyhow::Result<Opened> {
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
    if scheme == "sqlite" {
        if let Some(file) = projections_file {
            return Err(anyhow::Error::new(crate::exit::Usage(format!(
                "--projections {}: a sqlite:// ledger keeps its projections in its own file; \
                 --projections (or AMITY_PROJECTIONS) is for postgres://, esdb:// and memory:// stores",
                file.display()
            ))));
        }
    }
    // (A binary without the SQLite backend says so below, not that the file is missing.)
    if cfg!(feature = "sqlite") && scheme == "sqlite" && must_exist {
        let path = std::path::Path::new(url.trim_start_matches("sqlite://"));
        if !path.exists() {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: format!(
                    "no ledger at {} (record an event or run `amity example` to create one)",
                    path.display()
                ),
            }
            .into());
        }
    }
    let in_file = || projections_file.map(|file| ProjectionsAt::SqliteFile(file.to_path_buf()));
    let mut opened = match scheme {
        #[cfg(feature = "sqlite")]
        "sqlite" => {
            let store = amity_store_sqlite::SqliteEventStore::open_url(url)?;
            Opened {
                projections: ProjectionsAt::LedgerFile(store.path().to_path_buf()),
                store: Arc::new(store),
            }
        }
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Opened {
            store: Arc::new(amity_store_postgres::PostgresEventStore::connect(url).await?),
            projections: in_file().unwrap_or_else(|| ProjectionsAt::Postgres(url.to_owned())),
        },
        #[cfg(feature = "kurrentdb")]
        "esdb" | "kurrentdb" => Opened {
            store: Arc::new(amity_store_kurrentdb::KurrentEventStore::connect(url)?),
            projections: in_file().unwrap_or(ProjectionsAt::Live),
        },
        "memory" => Opened {
            store: Arc::new(MemoryEventStore::new()),
            projections: in_file().unwrap_or(ProjectionsAt::Live),
        },
        "postgres" | "postgresql" | "esdb" | "kurrentdb" | "sqlite" => {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason: format!("the {scheme} backend is not built into this amity binary"),
            }
            .into())
        }
        _ => {
            return Err(Error::InvalidUrl {
                url: url.to_owned(),
                reason:
                    "unknown scheme; use sqlite://PATH (e.g. sqlite://amity.db), postgres://…, \
                         esdb://… or memory://"
                        .to_owned(),
            }
            .into())
        }
    };
    opened.store = Arc::new(TracedEventStore::new(opened.store));
    Ok(opened)
}

//! The projections of one ledger: where their tables are (or that they are computed live),
//! and how to open them. The queries are in `queries`, catch-up and rebuild in `update`.

use std::path::Path;

use amity_ledger::Ledger;

use crate::tables::{TableBackend, Tables};
#[cfg(not(feature = "sqlite"))]
use crate::Error;
use crate::Result;

/// Where the rows come from.
pub(crate) enum Backend {
    /// Materialized tables.
    Tables(Tables),
    /// Computed from the events on demand.
    Live,
}

/// The projections of one ledger.
pub struct Projections {
    pub(crate) ledger: Ledger,
    pub(crate) backend: Backend,
}

impl std::fmt::Debug for Projections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projections").finish_non_exhaustive()
    }
}

impl Projections {
    /// Projections for a ledger: tables in the SQLite file `sqlite_file` when given (a file of
    /// their own: it needs no events, and holds every column; for the ledger's own file see
    /// [`Projections::open_in_ledger`]), else computed live. A file is an error in a build
    /// without the `sqlite` feature.
    pub fn open(ledger: Ledger, sqlite_file: Option<&Path>) -> Result<Projections> {
        let backend = match sqlite_file {
            #[cfg(feature = "sqlite")]
            Some(path) => Backend::Tables(Box::new(crate::sqlite::SqliteTables::open(path)?)),
            #[cfg(not(feature = "sqlite"))]
            Some(path) => {
                return Err(Error::NoSqlite {
                    path: path.to_path_buf(),
                })
            }
            None => Backend::Live,
        };
        Ok(Projections { ledger, backend })
    }

    /// Projections for a SQLite ledger, as tables in the ledger's own file at `path`: the
    /// history's event details are read from the stored events rather than copied
    /// ([`crate::sqlite::Details::Events`]).
    #[cfg(feature = "sqlite")]
    pub fn open_in_ledger(ledger: Ledger, path: &Path) -> Result<Projections> {
        let tables = crate::sqlite::SqliteTables::open_in_ledger(path)?;
        Ok(Projections::with_tables(ledger, Box::new(tables)))
    }

    /// Projections for a PostgreSQL store, as tables in its schema: `url` is the store's URL
    /// (`postgres://…?schema=NAME`).
    #[cfg(feature = "postgres")]
    pub async fn open_postgres(ledger: Ledger, url: &str) -> Result<Projections> {
        let tables = crate::postgres::PostgresTables::connect(url).await?;
        Ok(Projections::with_tables(ledger, Box::new(tables)))
    }

    /// Projections for a ledger in tables already open.
    pub fn with_tables(ledger: Ledger, tables: Tables) -> Projections {
        Projections {
            ledger,
            backend: Backend::Tables(tables),
        }
    }

    /// The ledger underneath.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The tables, when materialized (`None`: computed live).
    pub fn tables(&self) -> Option<&dyn TableBackend> {
        match &self.backend {
            Backend::Tables(tables) => Some(tables.as_ref()),
            Backend::Live => None,
        }
    }
}

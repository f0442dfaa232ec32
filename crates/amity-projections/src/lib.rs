//! Projections: what the queries read, rebuilt from the events alone.
//!
//! Three projections, all computed by [`rows::rows`] from one partnership's timeline:
//! partnership status, timeline (the history), and the party directory. They are materialized
//! as tables (behind [`tables::TableBackend`]): in the SQLite ledger file for the SQLite store, in the
//! store's own schema for PostgreSQL ([`postgres`], feature `postgres`), or in a SQLite file of
//! their own for any store ([`sqlite`]). The tables are kept up to date from the store's global
//! feed: [`Projections::catch_up`] reads the events after the saved checkpoint, recomputes the
//! partnerships they touch, and writes rows and checkpoint in one transaction; a change of
//! [`CODE_VERSION`], or a feed that starts with another event than the one the tables were
//! built from (another ledger), rebuilds everything. Without tables (KurrentDB unless given a
//! file) the same rows are computed on demand from the events ("live"), so answers do not
//! depend on where the projections are.
//!
//! Queries: `status` and `partners` as of a date (valid time, three-valued with
//! [`amity_domain::status_at`]) and as known at a moment (transaction time: only the events
//! recorded by then, recomputed from the store), and `history`.
//!
//! # Use Amity from Rust
//!
//! Open a SQLite ledger, record a founding and a suspension with their sources, and ask for
//! the status as of a date (valid time). The answer is an exact set: a suspension dated
//! "2022-03" makes 2022-03-10 possibly active, possibly suspended.
//!
//! ```
//! use std::sync::Arc;
//!
//! use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind, Source, Status};
//! use amity_ledger::{Ledger, ToRecord};
//! use amity_projections::{AsOf, Projections, Selection};
//! use amity_store_sqlite::SqliteEventStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("ledger.db");
//! let ledger = Ledger::new(Arc::new(SqliteEventStore::open(&path)?));
//!
//! let partnership = Partnership::new(
//!     "Colorado Springs, US-CO".parse()?,
//!     "Smolensk, RU".parse()?,
//!     PartnershipKind::sister_city(),
//! )?;
//! let source = Source {
//!     title: "City of Colorado Springs, sister cities".to_owned(),
//!     ..Source::default()
//! };
//! for (event_type, occurred) in [
//!     (EventType::PartnershipFounded, "1993"),
//!     (EventType::PartnershipSuspended, "2022-03"),
//! ] {
//!     let facts = Facts {
//!         occurred: occurred.parse()?,
//!         sources: vec![source.clone()],
//!         ..Facts::default()
//!     };
//!     let event = Event::lifecycle(event_type, partnership.clone(), facts);
//!     ledger.record(ToRecord::lifecycle(event, "archivist")).await?;
//! }
//!
//! // The projections live in the ledger's own file; catch up, then ask.
//! let mut projections = Projections::open_in_ledger(ledger.clone(), &path)?;
//! projections.catch_up().await?;
//! let as_of = AsOf { date: "2022-03-10".parse()? };
//! let answer = projections
//!     .status(&Selection::One(partnership.id()), Some(&as_of), None)
//!     .await?;
//! assert_eq!(answer[0].status, Status::Suspended);
//! assert_eq!(answer[0].competing, [Status::Active, Status::Suspended]);
//! // Today, once every recorded event has happened, it is definitely suspended.
//! let now = projections.status(&Selection::One(partnership.id()), None, None).await?;
//! assert_eq!(now[0].status, Status::Suspended);
//! assert!(now[0].competing.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! The program `examples/embed.rs` does the same and prints the history
//! (`cargo run -p amity-projections --example embed`).

pub mod analysis;
#[cfg(feature = "postgres")]
pub mod postgres;
mod queries;
pub mod query;
pub mod rows;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod tables;
mod update;

use std::path::Path;

use amity_domain::{
    Certainty3, Day, EdtfDate, PartnershipId, PartnershipKind, Party, PartyKey, Status,
};
use amity_ledger::Ledger;
use amity_ledger::{EventId, Position};
use serde::Serialize;

pub use queries::PartyResolver;
pub use rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
pub use tables::{TableBackend, TableWriter};

/// The projection tables of one ledger, in whichever database holds them.
pub type Tables = Box<dyn TableBackend>;

/// The version of the projection code; bump it whenever [`rows::rows`] or the tables change,
/// and every ledger rebuilds its projections on next use.
pub const CODE_VERSION: u32 = 8;

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

/// A valid-time question: the days of an EDTF date.
#[derive(Debug, Clone)]
pub struct AsOf {
    /// The date as asked.
    pub date: EdtfDate,
}

impl AsOf {
    fn days(&self) -> (Day, Day) {
        (self.date.earliest(), self.date.latest())
    }
}

/// Which partnerships a status query is about.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every partnership.
    All,
    /// One partnership.
    One(PartnershipId),
    /// Every partnership of a party.
    Party(PartyKey),
}

/// One answer of `status`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusView {
    /// The partnership.
    pub partnership: PartnershipId,
    /// The two parties.
    pub parties: Vec<Party>,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date, as written, of the event that set it; `null` when unknown or never set, and
    /// for a partnership known only from lists.
    pub since: Option<String>,
    /// The date, as written, of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite`, or `possible` when several statuses are.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be, in lifecycle order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// For `possible`: the events whose dates straddle the date asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub straddling: Vec<String>,
    /// The date asked (valid time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The moment asked (transaction time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_at: Option<String>,
    /// The founding claims.
    pub founding_claims: Vec<rows::FoundingClaim>,
    /// How many entries its history holds (as known at the moment asked).
    pub events: u64,
    /// Set when the stored history breaks today's rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// One answer of `partners`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartnerView {
    /// The other party.
    pub partner: Party,
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The founding date that drives the status, as written.
    pub founded: Option<String>,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date of the event that set it.
    pub since: Option<String>,
    /// The date of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite` or `possible`.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// When the partner was succeeded by another party (renamed, merged: a `successor_of`
    /// link), or succeeded one: the other party's key, with which way it goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succession: Option<Succession>,
}

/// A partner's succession (`successor_of` links): not one community, but one lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Succession {
    /// The partner was succeeded by this party.
    SucceededBy(String),
    /// The partner succeeded this party.
    SuccessorOf(String),
}

/// Where a projection's checkpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last event covered.
    pub position: Position,
    /// The projection code that wrote the rows.
    pub code_version: u32,
    /// How many events are covered.
    pub events: u64,
    /// The first event of the feed (`None` while it was empty): tables whose feed now starts
    /// with another event were built from another ledger, and are rebuilt.
    pub first_event: Option<EventId>,
}

/// What a catch-up or rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events read from the feed.
    pub events: u64,
    /// Partnerships recomputed.
    pub partnerships: u64,
    /// Whether everything was rebuilt.
    pub rebuilt: bool,
}

enum Backend {
    Tables(Tables),
    Live,
}

/// The projections of one ledger.
pub struct Projections {
    ledger: Ledger,
    backend: Backend,
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
            Some(path) => Backend::Tables(Box::new(sqlite::SqliteTables::open(path)?)),
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
    /// ([`sqlite::Details::Events`]).
    #[cfg(feature = "sqlite")]
    pub fn open_in_ledger(ledger: Ledger, path: &Path) -> Result<Projections> {
        let tables = sqlite::SqliteTables::open_in_ledger(path)?;
        Ok(Projections::with_tables(ledger, Box::new(tables)))
    }

    /// Projections for a PostgreSQL store, as tables in its schema: `url` is the store's URL
    /// (`postgres://…?schema=NAME`).
    #[cfg(feature = "postgres")]
    pub async fn open_postgres(ledger: Ledger, url: &str) -> Result<Projections> {
        let tables = postgres::PostgresTables::connect(url).await?;
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

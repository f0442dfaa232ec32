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
mod checkpoint;
mod enlist;
mod error;
pub mod placement;
#[cfg(feature = "postgres")]
pub mod postgres;
mod projections;
mod queries;
pub mod query;
pub mod rows;
mod sample;
pub mod selectors;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod tables;
mod update;
mod views;

pub use checkpoint::{Checkpoint, CODE_VERSION};
pub use enlist::Enlisted;
pub use error::{Error, Result};
pub use projections::Projections;
pub use queries::PartyResolver;
pub use rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
pub use sample::SampleCheck;
pub use tables::{TableBackend, TableWriter, Tables};
pub use update::Progress;
pub use views::{AsOf, PartnerView, Selection, StatusView, Succession};

/// Cases per property test: `default` unless `AMITY_PROPTEST_CASES` says otherwise.
#[cfg(test)]
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("AMITY_PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

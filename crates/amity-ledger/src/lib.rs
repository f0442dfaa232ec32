//! The ledger: the one layer between the domain and a store.
//!
//! It serializes domain events into stored events (type name, schema version, JSON payload,
//! metadata with `recorded_by`) and back, upcasting through [`amity_domain::Event::decode`]; it
//! checks the lifecycle rules against a partnership's stored history before every append and
//! appends with the stream's exact expected version, retrying on a concurrent write; it
//! answers the read queries; and it imports and exports files ([`archive`], [`import`]).

pub mod archive;
mod codec;
mod error;
pub mod feed;
pub mod import;
mod ledger;
pub mod log;
pub mod register;

pub use codec::{decode, decode_stored, encode, Metadata};
pub use error::{DecodeFailure, Error, Result};
pub use feed::{FeedChanges, Pages, StoredRecord};

/// The PostgreSQL store's URL (`postgres://…?schema=NAME`) split into the connection URL and the
/// schema, as the store reads it: for layers above the ledger that keep tables beside it.
#[cfg(feature = "postgres")]
pub fn postgres_url(url: &str) -> Result<(String, String)> {
    Ok(amity_store_postgres::parse_url(url)?)
}
pub use amity_store::{
    Error as StoreError, EventId, FeedLane, IntegrityProblem, LogCheckpoint, Position, StoredEvent,
};
pub use ledger::{Ledger, Outcome, ToRecord};

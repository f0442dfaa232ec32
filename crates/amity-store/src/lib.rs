//! The event-store contract shared by every Amity backend.
//!
//! Backends store *serialized* events: a stream name, a 0-based version within the stream, an
//! event id, a type name, a schema version, a JSON payload and JSON metadata. They know nothing
//! of partnerships; the ledger layer maps domain events to and from this form.
//!
//! # Contract (every backend, checked by [`contract`] when the `contract` feature is on)
//!
//! - **Atomicity.** [`EventStore::append`] writes all events of the batch or none.
//! - **Optimistic concurrency.** Each append names an [`ExpectedVersion`]; if the stream is not
//!   in that state, nothing is written and [`Error::VersionConflict`] is returned.
//! - **Idempotency by event id.** If every event id of a batch is already stored in that
//!   stream, consecutively and in the same order, the append writes nothing and succeeds with
//!   the versions originally written, whatever its expected version. If only some ids are
//!   stored, or any is stored in another stream, it fails with [`Error::DuplicateEvent`]
//!   (a backend that cannot see ids of other streams says so through
//!   [`EventStore::detects_ids_across_streams`]). A repeat is recognised by its ids alone and
//!   never changes what is stored; the store does not compare contents. The ledger does: it
//!   reads the stored event back and accepts a re-sent id as already recorded only when type,
//!   schema version and payload are the same, and refuses other content naming the id.
//! - **Stream order.** Versions in a stream are 0, 1, 2, … with no gaps, in append order.
//! - **Global order.** [`EventStore::read_all`] returns every event of every stream exactly
//!   once, in commit order: an event appended after another one committed has a greater
//!   [`Position`]. Reading from a position never returns an event at or before it, and a reader
//!   that has seen position P never later discovers an event before P.
//! - **Positions** are opaque: compare them, store them as text ([`Position`]'s `Display` and
//!   `FromStr`), and pass them back. They are not event counts.
//! - **Transaction time.** The store stamps `recorded_at` when it commits, unless the event
//!   carries one (an event copied from an archive keeps its original transaction time).
//! - **The log beside the feed.** The store keeps the ledger's log checkpoints, in the order
//!   added, the leaf hashes kept as they were hashed ([`LogLeaf`], [`EventStore::keep_log_leaves`];
//!   the first kept at an index stays) and a cached frontier ([`LogCheckpoint`],
//!   [`EventStore::add_log_checkpoint`]): opaque data, never events (`read_all` leaves them
//!   out), that survives a rebuild of the projections. A checkpoint never shrinks the log nor
//!   covers more events than are stored.
//! - **Integrity.** [`EventStore::check_integrity`] reports what breaks the invariants above in
//!   what is stored ([`IntegrityProblem`]), in feed order; an untouched store reports nothing.

pub use smol_str::SmolStr;

mod append;
mod error;
mod idempotency;
mod integrity;
mod lanes;
mod log;
mod memory;
mod position;
mod recorded;
mod store;
mod traced;

#[cfg(feature = "contract")]
pub mod contract;

pub use append::{EventId, ExpectedVersion, NewEvent, StreamAppend};
pub use error::{BoxError, Error, Result};
pub use idempotency::{idempotency, StoredAt};
pub use integrity::{check_stream_step, sort_problems, IntegrityProblem};
pub use lanes::{FeedLane, LaneRead, StoredEvent};
pub use log::{admit_log_checkpoint, LogCheckpoint, LogLeaf};
pub use memory::MemoryEventStore;
pub use position::Position;
pub use recorded::{Appended, FeedSummary, RecordedEvent};
pub use store::{
    check_feed_integrity, read_in_lanes_by_pages, summarize_feed, EventStore, EventStoreExt,
};
pub use traced::TracedEventStore;

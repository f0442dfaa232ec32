//! The embedded default store: every stream in one SQLite file (`sqlite://path`).
//!
//! The file is in WAL mode with `synchronous=FULL`, so a committed append survives a power
//! cut, and readers never block the writer. Appends run in `BEGIN IMMEDIATE` transactions, so
//! several OS processes can append to the same file: SQLite serialises them, and each append
//! re-checks the stream's version inside its transaction. In one process, appends that arrive
//! while another is being written are committed together, in one transaction and one sync,
//! each all or nothing with its own outcome (group commit: `writer`, ADR 0014). Global
//! positions are the `events` rowid, which grows with commit order because there is one writer
//! at a time.
//!
//! Schema (user_version 4: the migrations in `schema`), designed for insert speed: the global order is the integer
//! primary key, streams are numbered in a small table so that the per-stream index holds
//! integers, and event ids are 16-byte blobs whose index stays append-mostly because the
//! ledger writes time-ordered (v7) UUIDs. Payloads are JSON text so that `sqlite3` users can
//! query them with `json_extract`; the `ledger_events` view shows everything readably (dashed
//! ids, RFC 3339 times with microseconds, who recorded each event). The
//! log beside the feed (checkpoints, the cached frontier) has tables of its own, which the feed
//! never reads.
//!
//! Modules by job: `connection` (opening and configuring a connection, the checkpoint
//! thread), `schema` (the tables), `append` (writing a group of batches), `writer` (the write connection and group commit), `read` (rows, the feed and the
//! lanes' chunks), `log` (checkpoints and the frontier), `integrity` (the check of the tables
//! against each other) and `store` ([`SqliteEventStore`] and its [`amity_store::EventStore`]
//! implementation).

mod append;
mod connection;
mod integrity;
mod log;
mod read;
mod schema;
mod store;
mod writer;

pub use store::SqliteEventStore;

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "writer_tests.rs"]
mod writer_tests;

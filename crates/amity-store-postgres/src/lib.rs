//! The PostgreSQL event store (`postgres://user@host:port/db?schema=NAME`).
//!
//! Tables live in their own schema (`amity` unless the URL's `schema` parameter names
//! another), so several ledgers can share a database; the backend creates and migrates them
//! itself (`schema_migrations`). Payloads are kept as text so that archives stay byte-exact.
//!
//! Global order: a reader following the feed must never skip an event. With sequences, a
//! transaction can commit a smaller position after a larger one is visible. Here every append
//! first locks the single row of `ledger_head` and takes its positions from it; the lock is held
//! until commit, so positions are committed in increasing order and a reader that has seen
//! position P will never later find one below P (see docs/adr/0004).
//!
//! Modules by job: `url` (the URL and its schema), `connection` (connecting, a server that
//! cannot be reached), `schema` (the migrations), `rows` (event rows both ways), `feed`
//! (pages of the global feed), `append` (writing a batch), `log` (the log's checkpoints and
//! frontier beside the feed), `integrity` (the check of the tables against each other) and
//! `store` ([`PostgresEventStore`] and its [`amity_store::EventStore`] implementation).

mod append;
mod connection;
mod feed;
mod integrity;
mod log;
mod rows;
mod schema;
mod store;
mod url;

pub use store::PostgresEventStore;
pub use url::parse_url;

#[cfg(test)]
#[path = "lib_tests.rs"]
mod tests;

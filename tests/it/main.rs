//! The workspace's one integration-test binary (`cargo test -p amity-tests --test it`).

mod answers;
mod changes_window;
mod large_writes;
mod log_tamper;
mod projections;
mod schema;
mod store_kurrentdb;
mod store_memory;
mod store_postgres;
mod store_sqlite;
mod store_tamper;
mod tables;

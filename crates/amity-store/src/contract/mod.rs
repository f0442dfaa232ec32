//! The contract suite every backend passes (feature `contract`).
//!
//! Each function checks one clause of the contract in the crate docs against a store, using
//! fresh stream names so that it can run against a shared server database. A backend test
//! calls [`crate::contract_tests!`] with an expression that opens a store; a backend that lacks
//! a capability says so through the trait (e.g. [`crate::EventStore::atomic_multi_stream`]),
//! never by copying the suite.
//!
//! The suite is split by the part of the contract it checks: `appends` (round trips, expected
//! versions, atomic batches, idempotency), `feed` (global order, the feed's summary), `lanes`
//! (reading in lanes), `concurrency` (racing writers), `log` (the log's checkpoints and
//! frontier beside the feed, the integrity check); `support` has the shared helpers.

mod appends;
mod concurrency;
mod feed;
mod lanes;
mod log;
mod support;

pub use appends::{atomic_batches, idempotent_appends, round_trip, version_conflicts};
pub use concurrency::{append_with_retry, check_streams, concurrent_writers};
pub use feed::{feed_summary, global_order};
pub use lanes::read_in_lanes;
pub use log::{integrity, log_checkpoints, log_frontier, log_leaves};
pub use support::{fresh_stream, sample_event};

/// Generate one `#[tokio::test]` per contract clause for a backend.
///
/// `$open` is an async expression yielding `Arc<dyn EventStore>`; it is evaluated once per
/// test, so it should open a fresh (or shared, server-side) store each time. With
/// `optional:`, it yields `Option<Arc<dyn EventStore>>`, and `None` (no server configured)
/// skips the test; the expression prints why.
#[macro_export]
macro_rules! contract_tests {
    (optional: $open:expr) => {
        $crate::contract_tests!(@tests (match $open { Some(store) => store, None => return }));
    };
    ($open:expr) => {
        $crate::contract_tests!(@tests $open);
    };
    (@tests $open:expr) => {
        #[tokio::test]
        async fn contract_round_trip() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::round_trip(&*store).await;
        }
        #[tokio::test]
        async fn contract_version_conflicts() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::version_conflicts(&*store).await;
        }
        #[tokio::test]
        async fn contract_atomic_batches() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::atomic_batches(&*store).await;
        }
        #[tokio::test]
        async fn contract_idempotent_appends() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::idempotent_appends(&*store).await;
        }
        #[tokio::test]
        async fn contract_global_order() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::global_order(&*store).await;
        }
        #[tokio::test]
        async fn contract_feed_summary() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::feed_summary(&*store).await;
        }
        #[tokio::test]
        async fn contract_log_checkpoints() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::log_checkpoints(&*store).await;
        }
        #[tokio::test]
        async fn contract_log_frontier() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::log_frontier(&*store).await;
        }
        #[tokio::test]
        async fn contract_log_leaves() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::log_leaves(&*store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_integrity() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::integrity(&*store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_read_in_lanes() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::read_in_lanes(store).await;
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn contract_concurrent_writers() {
            let store: std::sync::Arc<dyn $crate::EventStore> = $open;
            $crate::contract::concurrent_writers(store).await;
        }
    };
}

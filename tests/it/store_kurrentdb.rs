//! The store contract against an EventStoreDB/KurrentDB server, when
//! `AMITY_TEST_KURRENTDB_URL` names one (e.g. `esdb://localhost:2113?tls=false`); no server can
//! run on the project's machines, so without it every test says why it skips. The contract's
//! clauses the server cannot meet are listed in the backend's docs.

use std::sync::Arc;

use amity_store::EventStore;
use amity_store_kurrentdb::KurrentEventStore;

const URL: &str = "AMITY_TEST_KURRENTDB_URL";

fn open() -> Option<Arc<dyn EventStore>> {
    let Ok(url) = std::env::var(URL) else {
        eprintln!(
            "skipped: set {URL} (e.g. esdb://localhost:2113?tls=false) to run the KurrentDB contract tests"
        );
        return None;
    };
    Some(Arc::new(
        KurrentEventStore::connect(&url).expect("connect to KurrentDB"),
    ))
}

amity_store::contract_tests!(optional: open());

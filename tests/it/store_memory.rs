//! The store contract against the in-memory backend.

use std::sync::Arc;

use amity_store::MemoryEventStore;

amity_store::contract_tests!(Arc::new(MemoryEventStore::new()));

/// The same contract through the tracing wrapper the CLI puts around every store.
mod traced {
    use std::sync::Arc;

    use amity_store::{EventStore, MemoryEventStore, TracedEventStore};

    amity_store::contract_tests!(Arc::new(TracedEventStore::new(
        Arc::new(MemoryEventStore::new()) as Arc<dyn EventStore>
    )));
}

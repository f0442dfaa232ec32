//! The store contract against the in-memory backend.

use std::sync::Arc;

use amity_store::MemoryEventStore;

amity_store::contract_tests!(Arc::new(MemoryEventStore::new()));

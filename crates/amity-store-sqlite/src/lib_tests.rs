//! Tests of the SQLite store's own errors (the contract suite runs in `tests/it`).

use std::error::Error as _;

use super::*;

#[test]
fn a_file_that_cannot_be_opened_keeps_the_driver_error_as_its_source() {
    let missing = std::env::temp_dir()
        .join(format!("amity-missing-{}", uuid::Uuid::new_v4().simple()))
        .join("ledger.db");
    let error = SqliteEventStore::open(&missing).unwrap_err();
    let expected = format!("sqlite store: cannot open {}: ", missing.display());
    assert!(error.to_string().starts_with(&expected), "{error}");
    let opening = error.source().expect("the failed opening");
    assert!(opening.source().expect("the cause").is::<rusqlite::Error>());
}

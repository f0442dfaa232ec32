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

#[cfg(unix)]
#[test]
fn a_link_to_nothing_at_the_ledger_path_is_refused_and_nothing_is_created_through_it() {
    let dir = std::env::temp_dir().join(format!("amity-link-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let elsewhere = dir.join("elsewhere.db");
    let link = dir.join("ledger.db");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let error = SqliteEventStore::open(&link).unwrap_err().to_string();
    assert!(error.contains(&link.display().to_string()), "{error}");
    assert!(error.contains("symbolic link"), "{error}");
    assert!(
        !elsewhere.exists(),
        "the ledger was created through the link"
    );
    // A link to an existing ledger is opened.
    drop(SqliteEventStore::open(&elsewhere).unwrap());
    assert!(SqliteEventStore::open(&link).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

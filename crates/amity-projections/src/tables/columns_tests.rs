//! Tests of reading stored column values back: what cannot be read is a typed error whose
//! source is the cause.

use std::error::Error as _;

use super::*;

#[test]
fn an_unreadable_stored_value_keeps_its_cause_as_the_source() {
    let error = checkpoint("nowhere", 1, 0, None).unwrap_err();
    assert!(matches!(error, Error::Checkpoint(_)), "{error:?}");
    assert!(error.source().unwrap().is::<amity_ledger::StoreError>());

    let error = checkpoint("start", 1, 0, Some("not-an-id")).unwrap_err();
    assert!(matches!(&error, Error::EventId { text, .. } if text == "not-an-id"));
    assert!(error.source().unwrap().is::<uuid::Error>());

    let error = from_json::<Vec<u32>>("{").unwrap_err();
    assert!(error.source().unwrap().is::<serde_json::Error>(), "{error}");
    assert!(error
        .to_string()
        .starts_with("projection tables: unreadable row: "));

    let error = partnership_id("nobody").unwrap_err();
    assert!(error.source().unwrap().is::<amity_domain::PartyError>());

    let error = driving_step(
        "00000000-0000-0000-0000-000000000001",
        "NoSuchType",
        None,
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "projection tables: unknown event type \"NoSuchType\""
    );
}

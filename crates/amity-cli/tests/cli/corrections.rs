//! Corrections archivists need: `amend` retracts an entry and records its replacement in one
//! atomic append, legal as a whole even when neither half is legal alone.

use serde_json::Value;

use super::*;

#[test]
fn given_a_misdated_founding_when_amended_then_history_keeps_both_and_status_follows() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1990", &[]);
    sandbox.record("suspend", "2022-03", &[]);
    // Neither half alone: the retraction leaves the suspension without a founding, the new
    // founding would be a second one.
    let error = sandbox.fails(&["retract", &founded, "--reason", "misdated"]);
    assert!(error.contains("cannot retract"), "{error}");
    let error = sandbox.fails(&["found", CS, SMOLENSK, "--occurred", "1993"]);
    assert!(error.contains("impossible timeline"), "{error}");
    // Together, in one append.
    let out = sandbox.json(&[
        "amend",
        &founded,
        "--occurred",
        "1993",
        "--reason",
        "the agreement was signed in 1993",
        "--source-title",
        "Council minutes 1993-114",
    ]);
    assert_eq!(out["occurred"], "1993", "{out}");
    let history = sandbox.history(&[CS_SMOLENSK]);
    let rows = events(&history);
    let founding = |occurred: &str| {
        rows.iter()
            .find(|row| row["type"] == "PartnershipFounded" && row["occurred"] == occurred)
            .unwrap_or_else(|| panic!("founding {occurred} in {history:#}"))
    };
    assert_eq!(founding("1990")["retracted_by"], out["retraction"]);
    assert!(founding("1993")["retracted_by"].is_null());
    assert_eq!(
        founding("1993")["sources"][0]["title"],
        "Council minutes 1993-114"
    );
    let retraction = rows
        .iter()
        .find(|row| row["type"] == "EntryRetracted")
        .expect("the retraction is in the history");
    assert_eq!(retraction["reason"], "the agreement was signed in 1993");
    // The status follows the corrected date.
    let then = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1991"]);
    assert_eq!(then[0]["status"], "not_yet", "{then}");
    let now = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(now[0]["status"], "suspended", "{now}");
    // The same entry cannot be amended twice: it is retracted already.
    let error = sandbox.fails(&["amend", &founded, "--occurred", "1994", "--reason", "again"]);
    assert!(error.contains("already retracted"), "{error}");
}

#[test]
fn amend_changes_the_type_and_keeps_what_is_not_given() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &[]);
    let terminated = sandbox.record(
        "terminate",
        "2022-03-03~",
        &["--term", "terminated", "--source-title", "FOX21 News"],
    );
    let out = sandbox.json(&[
        "amend",
        &terminated,
        "--type",
        "suspended",
        "--term",
        "indefinitely suspended",
        "--reason",
        "the city's statement says suspended",
    ]);
    assert_eq!(out["type"], "PartnershipSuspended", "{out}");
    let history = sandbox.history(&[CS_SMOLENSK]);
    let replacement = events(&history)
        .iter()
        .find(|row| row["type"] == "PartnershipSuspended")
        .expect("the replacement");
    assert_eq!(replacement["occurred"], "2022-03-03~");
    assert_eq!(replacement["term_as_written"], "indefinitely suspended");
    assert_eq!(
        replacement["sources"][0]["title"], "FOX21 News",
        "sources kept"
    );
    let status: Value = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(status[0]["status"], "suspended");
    // A retraction is not amended.
    let retraction = out["retraction"]
        .as_str()
        .expect("retraction id")
        .to_owned();
    let error = sandbox.fails(&["amend", &retraction, "--occurred", "2022", "--reason", "x"]);
    assert!(error.contains("lifecycle"), "{error}");
}

/// A citation's sources are shown among its target's sources, with who cited them and when;
/// the history keeps one row per stored event in JSON and CSV.
#[test]
fn a_citation_is_folded_into_the_entry_it_supports() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1993", &["--source-title", "FOX21 News"]);
    let cite = sandbox.json(&[
        "cite",
        &founded,
        "--source-title",
        "City council resolution 93-41",
    ]);
    let citation = cite["event_id"].as_str().expect("citation id").to_owned();
    let table = sandbox.ok(&["history", CS, SMOLENSK]);
    assert!(
        table.contains("City council resolution 93-41 (cited by test on"),
        "{table}"
    );
    assert!(!table.contains("cites sources for"), "{table}");
    let history = sandbox.history(&[CS_SMOLENSK]);
    let rows = events(&history);
    assert_eq!(rows.len(), 2, "one row per stored event: {history:#}");
    let target = rows
        .iter()
        .find(|row| row["event_id"] == founded.as_str())
        .expect("the founding");
    assert_eq!(target["citations"][0]["event_id"], citation.as_str());
    assert_eq!(
        target["citations"][0]["sources"][0]["title"],
        "City council resolution 93-41"
    );
    assert_eq!(target["citations"][0]["recorded_by"], "test");
}

//! Corrections archivists need: `amend` retracts an entry and records its replacement in one
//! atomic append, legal as a whole even when neither half is legal alone; an alternative claim
//! (`--alternative-to`) keeps another source's version of an entry beside it, and the status
//! spans both dates instead of ruling one source wrong.

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

/// Founded 1983 according to one source, 1984 according to another: both are kept with their
/// sources, and the status says "possibly not yet" until the end of 1984.
#[test]
fn given_founded_1983_when_another_source_says_1984_then_both_stand_and_the_status_spans_them() {
    let sandbox = Sandbox::new();
    let first = sandbox.record("found", "1983", &["--source-title", "City council minutes"]);
    let history = sandbox.history(&[CS_SMOLENSK]);
    let before_alternative = events(&history)[0]["recorded_at"]
        .as_str()
        .expect("recorded_at")
        .to_owned();
    // Today another founding would be refused (or kept only as disputed).
    let error = sandbox.fails(&["found", CS, SMOLENSK, "--occurred", "1984"]);
    assert!(error.contains("impossible timeline"), "{error}");
    let second = sandbox.record(
        "found",
        "1984",
        &[
            "--alternative-to",
            &first,
            "--source-title",
            "Smolensk city portal",
        ],
    );
    // History: both claims side by side, each with its date and source.
    let history = sandbox.history(&[CS_SMOLENSK]);
    let rows = events(&history);
    assert_eq!(strings(&history["events"], "occurred"), ["1983", "1984"]);
    assert_eq!(rows[0]["event_id"], first.as_str());
    assert_eq!(rows[0]["sources"][0]["title"], "City council minutes");
    assert_eq!(rows[0]["alternatives"][0], second.as_str());
    assert!(absent_or_null(&rows[0], "alternative_to"), "{history:#}");
    assert_eq!(rows[1]["sources"][0]["title"], "Smolensk city portal");
    assert_eq!(rows[1]["alternative_to"], first.as_str());
    assert!(rows[1]["retracted_by"].is_null() && rows[1]["disputed"] == false);
    let table = sandbox.ok(&["history", CS, SMOLENSK]);
    let first_block = first.rsplit('-').next().expect("a block");
    assert!(
        table.contains(&format!("alternative to …{first_block} (founded 1983)")),
        "{table}"
    );
    assert!(table.contains("Smolensk city portal"), "{table}");
    assert!(table.contains("since 1983 or 1984"), "{table}");
    // Status: the founding may have been any day of 1983–1984.
    let during = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1983-06-01"]);
    assert_eq!(during[0]["certainty"], "possible", "{during}");
    assert_eq!(
        during[0]["competing"],
        serde_json::json!(["not_yet", "active"])
    );
    let later = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1984-06-01"]);
    assert_eq!(later[0]["certainty"], "possible", "{later}");
    let after = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1985-01-01"]);
    assert_eq!(after[0]["status"], "active", "{after}");
    assert_eq!(after[0]["certainty"], "definite", "{after}");
    assert_eq!(after[0]["since"], "1983 or 1984", "{after}");
    // As the ledger stood before the alternative: the 1983 claim alone.
    let narrow = sandbox.json(&[
        "status",
        CS,
        SMOLENSK,
        "--as-of",
        "1984-06-01",
        "--known-at",
        &before_alternative,
    ]);
    assert_eq!(narrow[0]["status"], "active", "{narrow}");
    assert_eq!(narrow[0]["certainty"], "definite", "{narrow}");
    assert_eq!(narrow[0]["since"], "1983", "{narrow}");
    // A suspension in March 1983 is legal: the founding may have come before it.
    sandbox.record("suspend", "1983-03", &[]);
    // Retracting the 1983 claim would leave the founding in 1984, after that suspension.
    let error = sandbox.fails(&["retract", &first, "--reason", "misread"]);
    assert!(error.contains("cannot retract"), "{error}");
}

#[test]
fn an_alternative_claim_must_name_an_earlier_standing_entry_of_its_type() {
    let sandbox = Sandbox::new();
    let founded = sandbox.record("found", "1993", &[]);
    let suspended = sandbox.record("suspend", "2022-03", &[]);
    // Another type.
    let error = sandbox.fails(&[
        "found",
        CS,
        SMOLENSK,
        "--occurred",
        "1994",
        "--alternative-to",
        &suspended,
    ]);
    assert!(
        error.contains(&format!("cannot be an alternative to event {suspended}"))
            && error.contains("PartnershipSuspended (2022-03)"),
        "{error}"
    );
    // An id that is not in the history.
    let missing = "00000000-0000-0000-0000-000000000001";
    let error = sandbox.fails(&[
        "found",
        CS,
        SMOLENSK,
        "--occurred",
        "1994",
        "--alternative-to",
        missing,
    ]);
    assert!(
        error.contains(&format!("alternative to event {missing}"))
            && error.contains("no earlier entry"),
        "{error}"
    );
    // Not an id at all.
    let run = sandbox.run(&[
        "found",
        CS,
        SMOLENSK,
        "--occurred",
        "1994",
        "--alternative-to",
        "1983",
    ]);
    assert!(
        !run.success && run.stderr.contains("--alternative-to"),
        "{}",
        run.stderr
    );
    // An alternative suspension date widens the suspension: "2022-03" or "2022-05".
    sandbox.record("suspend", "2022-05", &["--alternative-to", &suspended]);
    let april = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "2022-04-15"]);
    assert_eq!(
        april[0]["competing"],
        serde_json::json!(["active", "suspended"]),
        "{april}"
    );
    // Amending the 1993 founding keeps its place: the replacement is a claim on its own (it
    // has no group), and the history shows the retraction.
    sandbox.ok(&["amend", &founded, "--occurred", "1992", "--reason", "typo"]);
    let now = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(now[0]["status"], "suspended", "{now}");
}

/// Amending one claim of a group keeps the replacement in the group, so the other source's
/// claim still stands beside it.
#[test]
fn amending_a_claim_with_alternatives_keeps_the_replacement_in_its_group() {
    let sandbox = Sandbox::new();
    let first = sandbox.record("found", "1983", &[]);
    let second = sandbox.record("found", "1984", &["--alternative-to", &first]);
    let out = sandbox.json(&["amend", &first, "--occurred", "1982", "--reason", "misread"]);
    let replacement = out["replacement"]
        .as_str()
        .expect("replacement id")
        .to_owned();
    let history = sandbox.history(&[CS_SMOLENSK]);
    let row = events(&history)
        .iter()
        .find(|row| row["event_id"] == replacement.as_str())
        .expect("the replacement");
    assert_eq!(row["alternative_to"], second.as_str(), "{history:#}");
    let status = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1983-06-01"]);
    assert_eq!(status[0]["certainty"], "possible", "{status}");
    let status = sandbox.json(&["status", CS, SMOLENSK, "--as-of", "1985"]);
    assert_eq!(status[0]["since"], "1982 or 1984", "{status}");
    let now = sandbox.json(&["status", CS, SMOLENSK]);
    assert_eq!(now[0]["since"], "1982 or 1984", "{now}");
}

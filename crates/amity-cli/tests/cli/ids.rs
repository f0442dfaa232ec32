//! Event ids: a re-sent event counts as already recorded only when it says the same thing; the
//! same id with other content is an error naming the id (and FILE:LINE on import).

use serde_json::Value;

use super::*;

const ID: &str = "0190a5d2-5555-7000-8000-000000000005";

#[test]
fn given_an_id_recorded_when_sent_again_with_other_content_then_refused_naming_it() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &["--id", ID]);
    // The same id for a termination: refused, one line naming the id, nothing written.
    let error = sandbox.fails(&[
        "terminate",
        CS,
        SMOLENSK,
        "--occurred",
        "2022-03-09",
        "--id",
        ID,
    ]);
    assert!(error.contains(ID), "{error}");
    assert!(error.contains("other content"), "{error}");
    // The same type with another date is other content too.
    let error = sandbox.fails(&["found", CS, SMOLENSK, "--occurred", "1994", "--id", ID]);
    assert!(error.contains(ID), "{error}");
    // The very same event again is already recorded (exit 0), whoever sends it.
    let run = amity_in(sandbox.path())
        .env("AMITY_RECORDED_BY", "someone else")
        .args([
            "--store",
            &sandbox.store,
            "--format",
            "json",
            "found",
            CS,
            SMOLENSK,
            "--occurred",
            "1993",
            "--id",
            ID,
        ])
        .output()
        .expect("amity runs");
    let run = Run::from(run);
    assert!(run.success, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(out["recorded"], false, "{out}");
}

#[test]
fn given_an_archive_line_whose_id_is_stored_with_other_content_then_the_import_names_it() {
    let sandbox = Sandbox::new();
    sandbox.record("found", "1993", &["--id", ID]);
    let archive = sandbox.ok(&["export", "--format", "jsonl"]);
    // Re-importing the archive as it is: nothing new, no error.
    std::fs::write(sandbox.path().join("same.jsonl"), &archive).unwrap();
    let out = sandbox.ok(&["import", "--format", "jsonl", "same.jsonl"]);
    assert!(out.contains("1 duplicates skipped"), "{out}");
    // The same line with another date: an error naming the file, the line and the id.
    let changed = archive.replace("\"1993\"", "\"1994\"");
    assert_ne!(changed, archive, "the archive holds the date");
    std::fs::write(sandbox.path().join("changed.jsonl"), &changed).unwrap();
    let run = sandbox.run(&["import", "--format", "jsonl", "changed.jsonl"]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("changed.jsonl:1: event_id"), "{run:?}");
    assert!(run.stderr.contains(ID), "{run:?}");
    assert!(run.stderr.contains("other content"), "{run:?}");
    assert_eq!(sandbox.ok(&["export", "--format", "jsonl"]), archive);
}

/// Codes are checked against ISO 3166, and a CSV row with a wrong one names its column.
#[test]
fn a_code_outside_iso_3166_is_refused_naming_the_field_and_a_hint() {
    let sandbox = Sandbox::new();
    let error = sandbox.fails(&["found", "London, UK", "Moscow, RU", "--occurred", "1956"]);
    assert!(error.contains("did you mean GB?"), "{error}");
    let error = sandbox.fails(&["found", "Leningrad, SU", "Milan, IT", "--occurred", "1967"]);
    assert!(error.contains("former code"), "{error}");
    let header = "party_a,country_a,region_a,party_b,country_b,region_b,kind,event,occurred,\
                  term_as_written,certainty,source_title,source_publisher,source_url,\
                  source_date,note";
    let text = format!(
        "{header}\nProbetown,XX,,Moscow,RU,,,founded,1990,,,,,,,\n\
         Denver,US,US-ZZ,Brest,FR,,,founded,1948,,,,,,,\n"
    );
    std::fs::write(sandbox.path().join("codes.csv"), text).unwrap();
    let run = sandbox.run(&["import", "--format", "csv", "codes.csv"]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("codes.csv:2: country_a:"), "{run:?}");
    assert!(run.stderr.contains("codes.csv:3: region_a:"), "{run:?}");
    assert!(!run.stderr.contains("impossible"), "{run:?}");
}

//! End-to-end test of `export --format quickstatements [FILE]`: P190 claims both ways for the
//! partnerships whose parties have Wikidata items (registered with `party add --wikidata`),
//! none for the others, with the founding's year as start time, no end time for a suspension,
//! and one reference per source URL retrieved the day it was recorded.
//!
//! Each rule is unit-tested in `crates/amity-interchange` (`quickstatements_tests.rs`).

use super::{events, Sandbox, CS, SMOLENSK};

#[test]
fn quickstatements_export_claims_twinning_both_ways_for_parties_with_wikidata_items() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["party", "add", CS, "--wikidata", "Q49258", "--kind", "city"]);
    sandbox.ok(&["party", "add", SMOLENSK, "--wikidata", "Q1898"]);
    let source =
        |title: &'static str, url: &'static str| ["--source-title", title, "--source-url", url];
    sandbox.record(
        "found",
        "1993",
        &source("Council minutes", "https://example.org/minutes?year=1993"),
    );
    sandbox.record(
        "suspend",
        "2022-03-03~",
        &source("City statement", "https://example.org/statement"),
    );
    // No item for Fujiyoshida: no claim.
    sandbox.ok(&[
        "found",
        CS,
        "Fujiyoshida, JP",
        "--occurred",
        "1962",
        "--source-title",
        "A list",
    ]);

    let history = sandbox.history(&[CS, SMOLENSK]);
    let recorded_at = |index: usize| {
        let at = events(&history)[index]["recorded_at"]
            .as_str()
            .expect("recorded_at");
        format!("+{}T00:00:00Z/11", &at[..10])
    };
    let (founded, suspended) = (recorded_at(0), recorded_at(1));
    let claim = "P580\t+1993-00-00T00:00:00Z/9";
    let expected = format!(
        "Q49258\tP190\tQ1898\t{claim}\tS854\t\"https://example.org/minutes?year=1993\"\tS813\t{founded}\n\
         Q49258\tP190\tQ1898\t{claim}\tS854\t\"https://example.org/statement\"\tS813\t{suspended}\n\
         Q1898\tP190\tQ49258\t{claim}\tS854\t\"https://example.org/minutes?year=1993\"\tS813\t{founded}\n\
         Q1898\tP190\tQ49258\t{claim}\tS854\t\"https://example.org/statement\"\tS813\t{suspended}\n"
    );
    assert_eq!(
        sandbox.ok(&["--format", "quickstatements", "export"]),
        expected
    );

    let run = sandbox.run(&["--format", "quickstatements", "export", "claims.tsv"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(run.stderr.trim(), "exported 1 partnerships to claims.tsv");
    let written = std::fs::read_to_string(sandbox.path().join("claims.tsv")).expect("the file");
    assert_eq!(written, expected);
}

//! The CLI's errors as one table: given a ledger, when `amity ARGS…` runs, then it fails with
//! one `error:` line on stderr that holds every expected fragment, nothing on stdout, and the
//! ledger unchanged (see [`Sandbox::fails`]).

use super::*;

/// The ledger a case runs against. A failing command changes nothing, so each is set up once
/// and shared by its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given {
    /// No ledger file.
    Empty,
    /// Colorado Springs–Smolensk founded in 1993: "nothing written" is checked against real
    /// content.
    Founded,
    /// Colorado Springs–Smolensk founded in 1993 and terminated in 2005 (event [`TERMINATED`]).
    Terminated,
    /// The example ledger (with its milestones).
    Example,
}

/// The id of the termination of [`Given::Terminated`].
const TERMINATED: &str = "0190a5d2-5555-7000-8000-000000000005";

/// One row of the table: given, the arguments, the fragments the error line must hold.
type Case = (Given, &'static [&'static str], &'static [&'static str]);

const UNKNOWN_EVENT: &str = "0190a5d2-3333-7000-8000-000000000003";
const KYIV_CS: &str = "ua:kyiv+us-co:colorado-springs";
const ROUNDTABLE: &str = "roundtable-2022-03-22";

/// Every case. Kept from the tests they replace: `error_*` of `main.rs`,
/// `errors_in_as_of_and_known_at_name_the_option` (temporal), `analysis_errors` (analysis)
/// and `a_known_at_that_is_no_moment_is_refused_naming_it` (honest).
const CASES: &[Case] = &[
    // Lifecycle rules.
    (
        Given::Founded,
        &["suspend", CS, "Kaohsiung, TW", "--occurred", "2022-03-03"],
        &["impossible timeline", "no founding"],
    ),
    (
        Given::Empty,
        &["suspend", CS, SMOLENSK, "--occurred", "2022-03-03"],
        &["no founding"],
    ),
    (
        Given::Terminated,
        &["suspend", CS, SMOLENSK, "--occurred", "2010"],
        &[
            "PartnershipSuspended (2010",
            "PartnershipTerminated (2005",
            TERMINATED,
            // The hint names the way out.
            "disputed",
        ],
    ),
    // Dates.
    (
        Given::Founded,
        &["suspend", CS, SMOLENSK, "--occurred", "1985-02-30"],
        &["--occurred", "1985-02-30"],
    ),
    (
        Given::Founded,
        &["suspend", CS, SMOLENSK, "--occurred", "2022-13"],
        &["--occurred", "2022-13"],
    ),
    (
        Given::Founded,
        &[
            "suspend",
            CS,
            SMOLENSK,
            "--occurred",
            "2022",
            "--source-title",
            "A",
            "--source-date",
            "2022-13",
        ],
        &["--source-date"],
    ),
    // Partnerships, parties, events.
    (Given::Founded, &["history", CS, "Kyiv, UA"], &[KYIV_CS]),
    (
        Given::Founded,
        &["history", KYIV_CS],
        &["unknown partnership"],
    ),
    // A name alone names a party only when the ledger knows it (Smolensk it does).
    (
        Given::Founded,
        &["suspend", CS, "Smolenskk", "--occurred", "2000"],
        &["\"Smolenskk\"", "Name, CC", "did you mean ru:smolensk"],
    ),
    (
        Given::Founded,
        &["history", CS, "Smolenskk"],
        &["\"Smolenskk\""],
    ),
    (
        Given::Founded,
        &["retract", UNKNOWN_EVENT, "--reason", "misread"],
        &[UNKNOWN_EVENT, "unknown event"],
    ),
    // Sources and certainty.
    (
        Given::Founded,
        &[
            "suspend",
            CS,
            SMOLENSK,
            "--occurred",
            "2000",
            "--source-url",
            "https://example.org/a",
            "--source-title",
            "A",
        ],
        &["--source-url", "--source-title"],
    ),
    (
        Given::Founded,
        &[
            "suspend",
            CS,
            SMOLENSK,
            "--occurred",
            "2000",
            "--source-title",
            "A",
            "--source-url",
            "https://example.org/a",
            "--source-url",
            "https://example.org/b",
        ],
        &["--source-url given twice"],
    ),
    // --as-of and --known-at.
    (
        Given::Founded,
        &["status", CS_SMOLENSK, "--as-of", "2022-13"],
        &["--as-of", "2022-13"],
    ),
    (
        Given::Founded,
        &["status", "--party", CS, "--as-of", "2022-13"],
        &["--as-of", "2022-13"],
    ),
    (
        Given::Founded,
        &["partners", CS, "--as-of", "2022-13"],
        &["--as-of", "2022-13"],
    ),
    (
        Given::Founded,
        &["status", "--as-of", "2022-02-30"],
        &["--as-of", "2022-02-30"],
    ),
    (
        Given::Founded,
        &["status", CS_SMOLENSK, "--known-at", "yesterday"],
        &["--known-at", "yesterday"],
    ),
    (
        Given::Founded,
        &["history", CS_SMOLENSK, "--known-at", "yesterday"],
        &["--known-at", "yesterday"],
    ),
    (
        Given::Founded,
        &["partners", CS, "--known-at", "yesterday"],
        &["--known-at", "yesterday"],
    ),
    (
        Given::Founded,
        &["status", "--known-at", "2022-04-01T25:00:00Z"],
        &["--known-at"],
    ),
    (
        Given::Example,
        &["status", "--known-at", "yesterday"],
        &["\"yesterday\""],
    ),
    (
        Given::Example,
        &["status", "--known-at", "2026-12"],
        &["\"2026-12\""],
    ),
    (
        Given::Example,
        &["status", "--known-at", "2026-12-04T25:00:00"],
        &["\"2026-12-04T25:00:00\""],
    ),
    // Analyst views: windows, steps, cohorts.
    (
        Given::Example,
        &[
            "outcomes",
            "--cohort",
            "US:RU",
            "--from",
            "yesterday",
            "--to",
            "2022",
        ],
        &["--from", "yesterday", ROUNDTABLE],
    ),
    (
        Given::Example,
        &[
            "changes",
            "--cohort",
            "US:RU",
            "--from",
            "yesterday",
            "--to",
            "2022",
        ],
        &["--from", "yesterday", ROUNDTABLE],
    ),
    (
        Given::Example,
        &[
            "series",
            "--cohort",
            "US:RU",
            "--from",
            "yesterday",
            "--to",
            "2022",
        ],
        &["--from", "yesterday", ROUNDTABLE],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--cohort", "US:RU", "--from", "2022", "--to", "2022-13",
        ],
        &["--to", "2022-13"],
    ),
    (
        Given::Example,
        &[
            "changes", "--cohort", "US:RU", "--from", "2022", "--to", "2022-13",
        ],
        &["--to", "2022-13"],
    ),
    (
        Given::Example,
        &[
            "series", "--cohort", "US:RU", "--from", "2022", "--to", "2022-13",
        ],
        &["--to", "2022-13"],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--cohort", "USA:RU", "--from", "2022", "--to", "2022",
        ],
        &["--cohort", "USA"],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--cohort", "US", "--from", "2022", "--to", "2022",
        ],
        &["--cohort"],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--cohort", "US:R1", "--from", "2022", "--to", "2022",
        ],
        &["--cohort"],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--cohort", "US:RU:UA", "--from", "2022", "--to", "2022",
        ],
        &["--cohort"],
    ),
    (
        Given::Example,
        &[
            "outcomes", "--party", "Chicago", "--from", "2022", "--to", "2022",
        ],
        &["Chicago"],
    ),
];

/// The ledger of `given`, set up once.
fn sandbox(given: Given) -> Sandbox {
    let sandbox = Sandbox::new();
    match given {
        Given::Empty => {}
        Given::Founded => {
            sandbox.record("found", "1993", &[]);
        }
        Given::Terminated => {
            sandbox.record("found", "1993", &[]);
            let id = sandbox.record("terminate", "2005", &["--id", TERMINATED]);
            assert_eq!(id, TERMINATED);
        }
        Given::Example => {
            sandbox.example();
        }
    }
    sandbox
}

#[test]
fn every_error_is_one_line_that_names_what_is_wrong_and_writes_nothing() {
    let givens = [
        Given::Empty,
        Given::Founded,
        Given::Terminated,
        Given::Example,
    ];
    let mut wrong = Vec::new();
    for given in givens {
        let sandbox = sandbox(given);
        let before = sandbox.status().len();
        for (_, args, expected) in CASES.iter().filter(|case| case.0 == given) {
            // One line on stderr, nothing on stdout, the ledger unchanged: checked by `fails`.
            let error = sandbox.fails(args);
            let missing: Vec<&str> = expected
                .iter()
                .copied()
                .filter(|fragment| !error.contains(fragment))
                .collect();
            if !missing.is_empty() {
                wrong.push(format!(
                    "given {given:?}, amity {args:?}:\n  {error}\n  lacks {missing:?}"
                ));
            }
        }
        assert_eq!(sandbox.status().len(), before, "given {given:?}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

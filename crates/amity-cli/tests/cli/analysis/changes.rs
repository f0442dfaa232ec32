//! `changes`: the example ledger and the scenario in one ledger, in valid-time order, the
//! disputed and retracted events flagged.

use super::*;

#[test]
fn changes_in_valid_time_order_with_the_disputed_termination_flagged() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let ids = scenario(&sandbox, false);
    // A wrong report that Chicago ended the relationship, recorded and then retracted.
    let wrong = record(
        &sandbox,
        "terminate",
        (CHICAGO, MOSCOW),
        "2022-04-02",
        CHICAGO_MOSCOW,
        ("A misreading of the suspension", "amity tests", "2022-04"),
        &[],
    );
    let retraction = recorded(
        &sandbox,
        &[
            "retract",
            &wrong,
            "--reason",
            "Chicago suspended the relationship; it did not end it",
            "--source-title",
            "Chicago Sister Cities International statement",
        ],
    );
    let retraction = retraction["event_id"]
        .as_str()
        .expect("event_id")
        .to_owned();

    let changes = sandbox.json(&[
        "changes",
        "--cohort",
        "US:RU",
        "--from",
        "2022-02-24",
        "--to",
        "2022-12",
    ]);
    let changes = changes.as_array().expect("changes is an array");
    let listed: Vec<(&str, &str, &str)> = changes
        .iter()
        .map(|change| {
            (
                change["partnership"].as_str().expect("partnership"),
                change["event"]["type"].as_str().expect("type"),
                change["event"]["occurred"].as_str().expect("occurred"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (CHICAGO_MOSCOW, "PartnershipSuspended", "2022-03-01"),
            (ANYTOWN_GORODOK, "PartnershipSuspended", "2022-03"),
            (CS_SMOLENSK, "PartnershipSuspended", "2022-03-03~"),
            (CS_SMOLENSK, "PartnershipTerminated", "2022-03-03~"),
            (ROANOKE_PSKOV, "PartnershipReaffirmed", "2022-03-07"),
            (TALLAHASSEE_KRASNODAR, "PartnershipTerminated", "2022-03-09"),
            (SANTA_CLARA_MOSCOW, "PartnershipTerminated", "2022-03-22"),
            (CHICAGO_MOSCOW, "PartnershipTerminated", "2022-04-02"),
            (DURHAM_KOSTROMA, "PartnershipSuspended", "2022-08-15"),
        ],
        "{changes:#?}"
    );
    let event_ids: Vec<&str> = changes
        .iter()
        .map(|change| change["event"]["event_id"].as_str().expect("event_id"))
        .collect();
    assert_eq!(event_ids[0], ids.chicago_suspended);
    assert_eq!(event_ids[1], ids.anytown_suspended);
    assert_eq!(event_ids[4], ids.roanoke_reaffirmed);
    assert_eq!(event_ids[5], ids.tallahassee_terminated);
    assert_eq!(event_ids[6], ids.santa_clara_terminated);
    assert_eq!(event_ids[7], wrong);
    assert_eq!(event_ids[8], ids.durham_suspended);
    assert!(
        !event_ids.contains(&retraction.as_str()),
        "the retraction itself is not a lifecycle change"
    );
    // Every one wholly inside this window.
    for change in changes {
        assert_eq!(change["in_window"], "definite", "{change:#}");
    }
    let disputed = &changes[3];
    assert_eq!(disputed["event"]["disputed"], true, "{disputed:#}");
    assert_eq!(disputed["event"]["certainty"], "disputed", "{disputed:#}");
    let retracted = &changes[7];
    assert_eq!(
        retracted["event"]["retracted_by"], retraction,
        "{retracted:#}"
    );
    for (index, change) in changes.iter().enumerate() {
        if index != 3 {
            assert_eq!(change["event"]["disputed"], false, "{change:#}");
        }
        if index != 7 {
            assert_eq!(change["event"]["retracted_by"], Value::Null, "{change:#}");
        }
    }

    // The table and CSV flag them.
    let table = sandbox.ok(&[
        "changes",
        "--cohort",
        "US:RU",
        "--from",
        "2022-02-24",
        "--to",
        "2022-12",
    ]);
    assert_eq!(
        table
            .lines()
            .filter(|line| line.contains("disputed"))
            .count(),
        1,
        "{table}"
    );
    assert_eq!(
        table
            .lines()
            .filter(|line| line.contains("retracted"))
            .count(),
        1,
        "{table}"
    );
    let csv = sandbox.ok(&[
        "changes",
        "--cohort",
        "US:RU",
        "--from",
        "2022-02-24",
        "--to",
        "2022-12",
        "--csv",
    ]);
    let (header, records) = csv_records(&csv);
    assert_eq!(
        header,
        [
            "occurred",
            "earliest",
            "latest",
            "in_window",
            "partnership",
            "party_a",
            "party_b",
            "type",
            "term_as_written",
            "certainty",
            "disputed",
            "retracted_by",
            "event_id"
        ]
    );
    assert_eq!(records.len(), 9, "{csv}");
    let disputed: Vec<&str> = records.iter().map(|r| r["disputed"].as_str()).collect();
    assert_eq!(
        disputed,
        ["false", "false", "false", "true", "false", "false", "false", "false", "false"]
    );
    let retracted: Vec<bool> = records
        .iter()
        .map(|r| !r["retracted_by"].is_empty())
        .collect();
    assert_eq!(
        retracted,
        [false, false, false, false, false, false, false, true, false]
    );
    assert_eq!(
        records[3]["event_id"],
        "a64e8a71-c521-5230-860c-1c1ccb5ad735"
    );
    assert_eq!(records[3]["type"], "PartnershipTerminated");
    assert_eq!(records[6]["term_as_written"], "severed");

    // Neither the disputed nor the retracted termination is a decision.
    let answer = outcomes(
        &sandbox,
        &[
            "--cohort",
            "US:RU",
            "--from",
            INVASION,
            "--to",
            "2022-12-31",
        ],
    );
    assert_outcome(
        &answer,
        CS_SMOLENSK,
        (
            "suspended",
            "definite",
            Some("7cbb291b-b6fe-5cb7-875a-66ebcd46a13e"),
        ),
        ("suspended", "definite"),
    );
    assert_outcome(
        &answer,
        CHICAGO_MOSCOW,
        ("suspended", "definite", Some(&ids.chicago_suspended)),
        ("suspended", "definite"),
    );
    assert_eq!(
        answer["counts"]["decisions"],
        decisions([(2, 0), (4, 0), (0, 0), (1, 0), (0, 0)]),
        "{:#}",
        answer["counts"]
    );

    // A window ending at the roundtable: Anytown's March straddles its end.
    let up_to = sandbox.json(&[
        "changes", "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE,
    ]);
    let anytown = up_to
        .as_array()
        .expect("an array")
        .iter()
        .find(|change| change["partnership"] == ANYTOWN_GORODOK)
        .expect("Anytown's suspension possibly in the window");
    assert_eq!(anytown["in_window"], "possible");
    assert!(
        !up_to
            .as_array()
            .expect("an array")
            .iter()
            .any(|change| change["partnership"] == DURHAM_KOSTROMA),
        "Durham's August suspension is outside: {up_to:#}"
    );
    // Without a cohort: every partnership's events in the window.
    let everything = sandbox.json(&["changes", "--from", "1962", "--to", "1962"]);
    assert_eq!(
        strings(&everything, "partnership"),
        ["jp:fujiyoshida+us-co:colorado-springs"]
    );
}

//! `outcomes` on the 2022 scenario: decisions and end statuses in a window, cohorts, CSV.

use super::*;

#[test]
fn outcomes_up_to_the_roundtable() {
    let (sandbox, ids) = scenario_sandbox();
    let answer = outcomes(
        &sandbox,
        &["--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE],
    );
    assert_eq!(answer["cohort"], "US:RU");
    assert_eq!(answer["from"], INVASION);
    assert_eq!(answer["to"], ROUNDTABLE);
    assert_eq!(answer["first_day"], "2022-02-24");
    assert_eq!(answer["last_day"], "2022-03-22");
    let mut expected: Vec<&str> = SCENARIO_US_RU.to_vec();
    expected.sort();
    assert_eq!(partnerships(&answer), expected, "Chicago–Kyiv is not US:RU");

    assert_outcome(
        &answer,
        CHICAGO_MOSCOW,
        ("suspended", "definite", Some(&ids.chicago_suspended)),
        ("suspended", "definite"),
    );
    assert_outcome(
        &answer,
        TALLAHASSEE_KRASNODAR,
        ("terminated", "definite", Some(&ids.tallahassee_terminated)),
        ("terminated", "definite"),
    );
    assert_outcome(
        &answer,
        ROANOKE_PSKOV,
        ("reaffirmed", "definite", Some(&ids.roanoke_reaffirmed)),
        ("active", "definite"),
    );
    // Severed on the roundtable's day: inside the window, and in effect at its end.
    assert_outcome(
        &answer,
        SANTA_CLARA_MOSCOW,
        ("terminated", "definite", Some(&ids.santa_clara_terminated)),
        ("terminated", "definite"),
    );
    assert_outcome(
        &answer,
        DURHAM_KOSTROMA,
        ("none", "definite", None),
        ("active", "definite"),
    );
    // Suspended "2022-03": the month straddles the window's end.
    assert_outcome(
        &answer,
        ANYTOWN_GORODOK,
        ("suspended", "possible", Some(&ids.anytown_suspended)),
        ("suspended", "possible"),
    );
    assert_eq!(
        row(&answer, ANYTOWN_GORODOK)["competing"],
        json!(["active", "suspended"])
    );

    // Each decision's event is the only decision in the window, with its date.
    for (partnership, id, occurred) in [
        (CHICAGO_MOSCOW, &ids.chicago_suspended, "2022-03-01"),
        (
            TALLAHASSEE_KRASNODAR,
            &ids.tallahassee_terminated,
            "2022-03-09",
        ),
        (ROANOKE_PSKOV, &ids.roanoke_reaffirmed, "2022-03-07"),
        (
            SANTA_CLARA_MOSCOW,
            &ids.santa_clara_terminated,
            "2022-03-22",
        ),
        (ANYTOWN_GORODOK, &ids.anytown_suspended, "2022-03"),
    ] {
        let row = row(&answer, partnership);
        assert_eq!(
            strings(&row["decisions_in_window"], "event_id"),
            [id.as_str()],
            "{row:#}"
        );
        assert_eq!(row["decision_event"]["occurred"], occurred, "{row:#}");
    }
    assert_eq!(
        row(&answer, SANTA_CLARA_MOSCOW)["decision_event"]["type"],
        "PartnershipTerminated"
    );
    // The event behind each status.
    assert_eq!(
        row(&answer, SANTA_CLARA_MOSCOW)["status_event"],
        ids.santa_clara_terminated.as_str()
    );
    assert_eq!(
        row(&answer, DURHAM_KOSTROMA)["status_event"],
        ids.founded[DURHAM_KOSTROMA].as_str()
    );

    // Anytown's March suspension may fall after the roundtable: its decision is possibly
    // suspended, possibly none, and it counts as possible under both.
    assert_eq!(
        row(&answer, ANYTOWN_GORODOK)["competing_decisions"],
        json!(["suspended", "none"])
    );
    assert_eq!(
        answer["counts"]["decisions"],
        decisions([(2, 0), (1, 1), (0, 0), (1, 0), (1, 1)]),
        "{:#}",
        answer["counts"]
    );
    assert_eq!(
        answer["counts"]["statuses"],
        // Anytown is possibly active, possibly suspended: one possible count for each.
        statuses([(0, 0), (2, 1), (1, 1), (2, 0), (0, 0)]),
        "{:#}",
        answer["counts"]
    );

    // The table says the same in words.
    let table = sandbox.ok(&[
        "outcomes", "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE,
    ]);
    assert!(table.contains("6 partnerships"), "{table}");
    assert!(table.contains("2022-02-24"), "{table}");
    assert!(table.contains("suspended 1 (+1 possible)"), "{table}");
    assert!(table.contains(&ids.santa_clara_terminated), "{table}");
}

#[test]
fn outcomes_after_the_roundtable() {
    let (sandbox, ids) = scenario_sandbox();
    let answer = outcomes(
        &sandbox,
        &[
            "--cohort",
            "US:RU",
            "--from",
            "2022-03-23",
            "--to",
            "2022-12-31",
        ],
    );
    assert_eq!(answer["first_day"], "2022-03-23");
    assert_eq!(answer["last_day"], "2022-12-31");
    assert_outcome(
        &answer,
        DURHAM_KOSTROMA,
        ("suspended", "definite", Some(&ids.durham_suspended)),
        ("suspended", "definite"),
    );
    // March straddles this window's start too.
    assert_outcome(
        &answer,
        ANYTOWN_GORODOK,
        ("suspended", "possible", Some(&ids.anytown_suspended)),
        ("suspended", "definite"),
    );
    // Santa Clara County's severance was on the roundtable's day: not after it.
    assert_outcome(
        &answer,
        SANTA_CLARA_MOSCOW,
        ("none", "definite", None),
        ("terminated", "definite"),
    );
    assert_outcome(
        &answer,
        CHICAGO_MOSCOW,
        ("none", "definite", None),
        ("suspended", "definite"),
    );
    assert_outcome(
        &answer,
        TALLAHASSEE_KRASNODAR,
        ("none", "definite", None),
        ("terminated", "definite"),
    );
    assert_outcome(
        &answer,
        ROANOKE_PSKOV,
        ("none", "definite", None),
        ("active", "definite"),
    );
    assert_eq!(
        answer["counts"]["decisions"],
        decisions([(0, 0), (1, 1), (0, 0), (0, 0), (4, 1)]),
        "{:#}",
        answer["counts"]
    );
    assert_eq!(
        answer["counts"]["statuses"],
        statuses([(0, 0), (1, 0), (3, 0), (2, 0), (0, 0)]),
        "{:#}",
        answer["counts"]
    );

    // A window ending the day before the roundtable: Santa Clara County still active.
    let before = outcomes(
        &sandbox,
        &[
            "--cohort",
            "US:RU",
            "--from",
            INVASION,
            "--to",
            "2022-03-21",
        ],
    );
    assert_outcome(
        &before,
        SANTA_CLARA_MOSCOW,
        ("none", "definite", None),
        ("active", "definite"),
    );
    // A window of the roundtable's day alone: the severance, definite.
    let day = outcomes(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", ROUNDTABLE, "--to", ROUNDTABLE,
        ],
    );
    assert_outcome(
        &day,
        SANTA_CLARA_MOSCOW,
        ("terminated", "definite", Some(&ids.santa_clara_terminated)),
        ("terminated", "definite"),
    );
    assert_outcome(
        &day,
        ANYTOWN_GORODOK,
        ("suspended", "possible", Some(&ids.anytown_suspended)),
        ("suspended", "possible"),
    );
    // The whole of 2022: Anytown's March wholly inside, definite.
    let year = outcomes(
        &sandbox,
        &["--cohort", "US:RU", "--from", "2022", "--to", "2022"],
    );
    assert_outcome(
        &year,
        ANYTOWN_GORODOK,
        ("suspended", "definite", Some(&ids.anytown_suspended)),
        ("suspended", "definite"),
    );
    assert_eq!(
        year["counts"]["decisions"],
        decisions([(2, 0), (3, 0), (0, 0), (1, 0), (0, 0)]),
        "{:#}",
        year["counts"]
    );
}

#[test]
fn cohorts_filter_and_combine() {
    let (sandbox, _) = scenario_sandbox();
    let window = ["--from", INVASION, "--to", ROUNDTABLE];
    let ids = |cohort: &[&str]| -> Vec<String> {
        let mut args = cohort.to_vec();
        args.extend_from_slice(&window);
        partnerships(&outcomes(&sandbox, &args))
    };
    let sorted = |mut list: Vec<&str>| -> Vec<String> {
        list.sort();
        list.into_iter().map(str::to_owned).collect()
    };

    // Order independent, and case insensitive.
    let us_ru = outcomes(
        &sandbox,
        &["--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE],
    );
    for cohort in ["RU:US", "ru:us"] {
        let other = outcomes(
            &sandbox,
            &["--cohort", cohort, "--from", INVASION, "--to", ROUNDTABLE],
        );
        assert_eq!(other["counts"], us_ru["counts"], "--cohort {cohort}");
        assert_eq!(
            other["partnerships"], us_ru["partnerships"],
            "--cohort {cohort}"
        );
    }
    assert_eq!(ids(&["--cohort", "US:RU"]), sorted(SCENARIO_US_RU.to_vec()));
    assert_eq!(ids(&["--cohort", "US:UA"]), [CHICAGO_KYIV]);
    assert_eq!(ids(&["--cohort", "US:JP"]), Vec::<String>::new());
    // No criterion: every partnership.
    let mut all = SCENARIO_US_RU.to_vec();
    all.push(CHICAGO_KYIV);
    assert_eq!(ids(&[]), sorted(all));

    assert_eq!(ids(&["--region", "US-NC"]), [DURHAM_KOSTROMA]);
    assert_eq!(ids(&["--region", "us-nc"]), [DURHAM_KOSTROMA]);
    assert_eq!(ids(&["--region", "RU"]), sorted(SCENARIO_US_RU.to_vec()));
    assert_eq!(
        ids(&["--party", CHICAGO]),
        sorted(vec![CHICAGO_MOSCOW, CHICAGO_KYIV])
    );
    assert_eq!(
        ids(&["--party", "us-il:chicago"]),
        sorted(vec![CHICAGO_MOSCOW, CHICAGO_KYIV])
    );
    assert_eq!(
        ids(&["--party", MOSCOW]),
        sorted(vec![CHICAGO_MOSCOW, SANTA_CLARA_MOSCOW])
    );
    assert_eq!(ids(&["--kind", "sister-county"]), [SANTA_CLARA_MOSCOW]);

    // Combined: every criterion holds.
    assert_eq!(
        ids(&["--cohort", "US:RU", "--party", CHICAGO]),
        [CHICAGO_MOSCOW]
    );
    assert_eq!(
        ids(&["--cohort", "RU:US", "--region", "US-NC"]),
        [DURHAM_KOSTROMA]
    );
    assert_eq!(
        ids(&["--party", MOSCOW, "--kind", "sister-county"]),
        [SANTA_CLARA_MOSCOW]
    );
    assert_eq!(
        ids(&["--party", MOSCOW, "--kind", "sister-city"]),
        [CHICAGO_MOSCOW]
    );
    assert_eq!(
        ids(&[
            "--cohort",
            "US:RU",
            "--region",
            "US-CA",
            "--kind",
            "sister-county"
        ]),
        [SANTA_CLARA_MOSCOW]
    );
    assert_eq!(
        ids(&["--region", "US-NC", "--kind", "sister-county"]),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&["--cohort", "US:UA", "--party", MOSCOW]),
        Vec::<String>::new()
    );

    // The counts follow the cohort.
    let durham = outcomes(
        &sandbox,
        &["--region", "US-NC", "--from", INVASION, "--to", ROUNDTABLE],
    );
    assert_eq!(durham["cohort"], "region US-NC");
    assert_eq!(
        durham["counts"]["decisions"],
        decisions([(0, 0), (0, 0), (0, 0), (0, 0), (1, 0)])
    );
    let county = outcomes(
        &sandbox,
        &[
            "--cohort",
            "US:RU",
            "--kind",
            "sister-county",
            "--from",
            INVASION,
            "--to",
            ROUNDTABLE,
        ],
    );
    assert_eq!(
        county["counts"]["decisions"],
        decisions([(1, 0), (0, 0), (0, 0), (0, 0), (0, 0)])
    );
    assert_eq!(
        county["counts"]["statuses"],
        statuses([(0, 0), (0, 0), (0, 0), (1, 0), (0, 0)])
    );
}

#[test]
fn outcomes_csv() {
    let (sandbox, ids) = scenario_sandbox();
    let text = sandbox.ok(&[
        "outcomes", "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE, "--csv",
    ]);
    let (header, records) = csv_records(&text);
    assert_eq!(
        header,
        [
            "partnership",
            "party_a",
            "party_b",
            "decision",
            "possible_decisions",
            "decision_certainty",
            "decision_occurred",
            "decision_event_id",
            "status_at_end",
            "possible_statuses_at_end",
            "status_certainty"
        ]
    );
    assert_eq!(records.len(), 6, "one row per partnership:\n{text}");
    let mut listed: Vec<&str> = records.iter().map(|r| r["partnership"].as_str()).collect();
    listed.sort();
    let mut expected = SCENARIO_US_RU.to_vec();
    expected.sort();
    assert_eq!(listed, expected);

    let record = |partnership: &str| {
        records
            .iter()
            .find(|r| r["partnership"] == partnership)
            .unwrap_or_else(|| panic!("no CSV row for {partnership}:\n{text}"))
    };
    let santa_clara = record(SANTA_CLARA_MOSCOW);
    // A field with a comma, quoted and read back whole; one party per cell.
    assert_eq!(santa_clara["party_a"], "Santa Clara County, US-CA");
    assert_eq!(santa_clara["party_b"], "Moscow, RU");
    assert_eq!(santa_clara["decision"], "terminated");
    assert_eq!(santa_clara["possible_decisions"], "terminated");
    assert_eq!(santa_clara["decision_certainty"], "definite");
    assert_eq!(
        santa_clara["decision_event_id"], ids.santa_clara_terminated,
        "{santa_clara:?}"
    );
    assert_eq!(santa_clara["decision_occurred"], "2022-03-22");
    assert_eq!(santa_clara["status_at_end"], "terminated");
    assert_eq!(santa_clara["status_certainty"], "definite");

    let durham = record(DURHAM_KOSTROMA);
    assert_eq!(durham["decision"], "none");
    assert_eq!(durham["decision_event_id"], "");
    assert_eq!(durham["decision_occurred"], "");
    assert_eq!(durham["status_at_end"], "active");

    // Possible: no value stands alone; every possible one is listed, sorted.
    let anytown = record(ANYTOWN_GORODOK);
    assert_eq!(anytown["decision"], "");
    assert_eq!(anytown["possible_decisions"], "none;suspended");
    assert_eq!(anytown["decision_certainty"], "possible", "{anytown:?}");
    assert_eq!(anytown["status_at_end"], "");
    assert_eq!(anytown["status_certainty"], "possible", "{anytown:?}");
    assert!(
        anytown["possible_statuses_at_end"].contains(';'),
        "{anytown:?}"
    );

    // The same rows as the JSON answer.
    let answer = outcomes(
        &sandbox,
        &["--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE],
    );
    for row in answer["partnerships"].as_array().expect("partnerships") {
        let partnership = row["partnership"].as_str().expect("id");
        let record = record(partnership);
        let named = |certainty: &str, value: &str| {
            if certainty == "definite" {
                value.to_owned()
            } else {
                String::new()
            }
        };
        assert_eq!(
            record["decision"],
            named(
                row["decision_certainty"].as_str().unwrap(),
                row["decision"].as_str().unwrap()
            )
        );
        assert_eq!(
            record["status_at_end"],
            named(
                row["status_certainty"].as_str().unwrap(),
                row["status"].as_str().unwrap()
            )
        );
    }
}

/// A certainty in CSV is `definite` or `possible`, one value per cell; what a possible decision
/// may be is in its own cell.
#[test]
fn csv_certainty_of_a_possible_decision_is_one_word_beside_the_possible_decisions() {
    let (sandbox, _) = scenario_sandbox();
    let text = sandbox.ok(&[
        "outcomes", "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE, "--csv",
    ]);
    let (_, records) = csv_records(&text);
    let anytown = records
        .iter()
        .find(|r| r["partnership"] == ANYTOWN_GORODOK)
        .expect("Anytown row");
    let changes = sandbox.ok(&[
        "changes", "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE, "--csv",
    ]);
    let (_, changes) = csv_records(&changes);
    let anytown_change = changes
        .iter()
        .find(|r| r["partnership"] == ANYTOWN_GORODOK)
        .expect("Anytown change");
    assert_eq!(
        (
            anytown["decision_certainty"].as_str(),
            anytown["possible_decisions"].as_str(),
            anytown_change["in_window"].as_str()
        ),
        ("possible", "none;suspended", "possible"),
        "outcomes --csv row: {anytown:?}\nchanges --csv row: {anytown_change:?}"
    );
}

//! Milestones: the example's, added ones, and their keys used as dates.

use super::*;

#[test]
fn milestones_of_the_example_in_date_order() {
    let sandbox = Sandbox::new();
    let out = sandbox.example();
    assert!(out.contains("3 milestones recorded"), "{out}");
    let list = sandbox.json(&["milestone", "list"]);
    assert_eq!(strings(&list, "key"), [INVASION, SCI_LETTER, ROUNDTABLE]);
    assert_eq!(
        strings(&list, "occurred"),
        ["2022-02-24", "2022-03-01", "2022-03-22"]
    );
    for milestone in list.as_array().expect("an array") {
        assert!(
            milestone["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{milestone}"
        );
        let sources = milestone["sources"].as_array().expect("sources");
        assert!(!sources.is_empty(), "a milestone has sources: {milestone}");
    }

    // Running the example again records no milestone again.
    let again = sandbox.example();
    assert!(again.contains("0 milestones recorded"), "{again}");
    assert_eq!(sandbox.json(&["milestone", "list"]), list);

    // The table lists them too.
    let table = sandbox.ok(&["milestone", "list"]);
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(table.contains(key), "{table}");
    }
}

#[test]
fn milestone_add_then_list_in_date_order() {
    let sandbox = Sandbox::new();
    sandbox.example();
    // Recorded out of date order: listed in date order.
    let later = add_milestone(
        &sandbox,
        "mobilization-2022-09-21",
        "Partial mobilization announced in Russia",
        "2022-09-21",
        "Public record",
    );
    let earlier = add_milestone(
        &sandbox,
        "ussr-dissolved-1991",
        "Dissolution of the Soviet Union",
        "1991-12-26",
        "Public record",
    );
    assert_ne!(later, earlier);
    let list = sandbox.json(&["milestone", "list"]);
    assert_eq!(
        strings(&list, "key"),
        [
            "ussr-dissolved-1991",
            INVASION,
            SCI_LETTER,
            ROUNDTABLE,
            "mobilization-2022-09-21"
        ]
    );
    let mobilization = &list[4];
    assert_eq!(mobilization["occurred"], "2022-09-21");
    assert_eq!(
        mobilization["title"],
        "Partial mobilization announced in Russia"
    );
    assert_eq!(mobilization["sources"][0]["title"], "Public record");
    assert_eq!(mobilization["sources"][0]["role"], "primary");

    // The new key is a date everywhere.
    let by_key = sandbox.json(&["status", "--as-of", "mobilization-2022-09-21"]);
    let by_date = sandbox.json(&["status", "--as-of", "2022-09-21"]);
    assert_eq!(by_key, by_date);

    // Adding an existing key fails, one line, and the list is unchanged.
    let error = sandbox.fails(&[
        "milestone",
        "add",
        ROUNDTABLE,
        "--title",
        "Another roundtable",
        "--occurred",
        "2022-04-01",
    ]);
    assert!(error.contains(ROUNDTABLE), "{error}");
    assert_eq!(sandbox.json(&["milestone", "list"]), list);

    // A key that reads as a date is refused.
    for key in ["2022-03-22", "2022", "2022-03"] {
        let error = sandbox.fails(&[
            "milestone",
            "add",
            key,
            "--title",
            "A date",
            "--occurred",
            "2022-03-22",
        ]);
        assert!(error.contains(key), "{error}");
        assert!(error.contains("date"), "{error}");
    }
    // So is a key outside the alphabet.
    let error = sandbox.fails(&[
        "milestone",
        "add",
        "Round Table",
        "--title",
        "x",
        "--occurred",
        "2022-03-22",
    ]);
    assert!(error.contains("Round Table"), "{error}");
    // And a bad date.
    let error = sandbox.fails(&[
        "milestone",
        "add",
        "bad-date",
        "--title",
        "x",
        "--occurred",
        "2022-13",
    ]);
    assert!(error.contains("--occurred"), "{error}");
    assert_eq!(sandbox.json(&["milestone", "list"]), list);
}

#[test]
fn milestone_key_is_accepted_as_a_date() {
    let sandbox = Sandbox::new();
    sandbox.example();
    let by_key = sandbox.json(&["status", "--as-of", ROUNDTABLE]);
    let by_date = sandbox.json(&["status", "--as-of", "2022-03-22"]);
    assert_eq!(by_key, by_date);
    assert_eq!(by_key[0]["as_of"], "2022-03-22", "{by_key}");

    let by_key = sandbox.json(&["partners", "Colorado Springs, US-CO", "--as-of", INVASION]);
    let by_date = sandbox.json(&[
        "partners",
        "Colorado Springs, US-CO",
        "--as-of",
        "2022-02-24",
    ]);
    assert_eq!(by_key, by_date);

    // --from and --to: the same answer, only the window's names differ.
    let mut by_key = outcomes(
        &sandbox,
        &["--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE],
    );
    let mut by_date = outcomes(
        &sandbox,
        &[
            "--cohort",
            "US:RU",
            "--from",
            "2022-02-24",
            "--to",
            "2022-03-22",
        ],
    );
    assert_eq!(by_key["from"], INVASION);
    assert_eq!(by_key["to"], ROUNDTABLE);
    assert_eq!(by_key["first_day"], "2022-02-24");
    assert_eq!(by_key["last_day"], "2022-03-22");
    for answer in [&mut by_key, &mut by_date] {
        answer["from"] = Value::Null;
        answer["to"] = Value::Null;
    }
    assert_eq!(by_key, by_date);

    let by_key = series(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", INVASION, "--to", ROUNDTABLE, "--step", "month",
        ],
    );
    assert_eq!(
        strings(&Value::Array(by_key.clone()), "step"),
        ["2022-02", "2022-03"]
    );
    let by_date = series(
        &sandbox,
        &[
            "--cohort", "US:RU", "--from", "2022-02", "--to", "2022-03", "--step", "month",
        ],
    );
    assert_eq!(by_key, by_date);

    // An unknown key fails and names the known milestones.
    let error = sandbox.fails(&["status", "--as-of", "roundtable-2022-03-23"]);
    assert!(error.contains("--as-of"), "{error}");
    assert!(error.contains("roundtable-2022-03-23"), "{error}");
    for key in [INVASION, SCI_LETTER, ROUNDTABLE] {
        assert!(error.contains(key), "the error names {key}: {error}");
    }
}

/// Reusing a milestone's id for another key must not report the other key as recorded.
/// (Lifecycle events refuse an id reused for another partnership; see
/// `reusing_an_id_for_another_partnership_is_refused`.)
#[test]
fn milestone_id_reused_for_another_key_is_not_reported_as_recorded() {
    let sandbox = Sandbox::new();
    let id = "0190a5d2-4444-7000-8000-000000000004";
    let first = sandbox.json(&[
        "milestone",
        "add",
        "summit-2023",
        "--title",
        "Summit",
        "--occurred",
        "2023-06",
        "--id",
        id,
    ]);
    assert_eq!(first["recorded"], true, "{first}");
    // The same milestone again: nothing written, and said so.
    let again = sandbox.json(&[
        "milestone",
        "add",
        "summit-2023",
        "--title",
        "Summit",
        "--occurred",
        "2023-06",
        "--id",
        id,
    ]);
    assert_eq!(again["recorded"], false, "{again}");
    assert_eq!(again["key"], "summit-2023", "{again}");

    // Another key with the same id: refused, or at least not claimed as recorded.
    let run = sandbox.run(&[
        "milestone",
        "add",
        "other-2024",
        "--title",
        "Other",
        "--occurred",
        "2024",
        "--id",
        id,
        "--format",
        "json",
    ]);
    let list = sandbox.json(&["milestone", "list"]);
    assert_eq!(strings(&list, "key"), ["summit-2023"]);
    assert!(
        !run.success,
        "`milestone add other-2024 --id {id}` (an id already used by summit-2023) should fail \
         like a lifecycle id reused for another partnership; it succeeded with:\n{}",
        run.stdout
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("error:"), "{}", run.stderr);
    assert!(lines[0].contains(id), "{}", run.stderr);
}

/// `amity example` in a ledger where someone already recorded one of its milestone keys:
/// either it succeeds (keeping the recorded milestone), or it fails without writing anything.
/// It must not record half of the example and then fail on every later run.
#[test]
fn example_after_a_user_recorded_one_of_its_milestone_keys() {
    let sandbox = Sandbox::new();
    add_milestone(
        &sandbox,
        ROUNDTABLE,
        "Roundtable (recorded by hand)",
        "2022-03-22",
        "Email of 2022-03-23",
    );
    let run = sandbox.run(&["example"]);
    let keys = strings(&sandbox.json(&["milestone", "list"]), "key");
    if run.success {
        assert_eq!(keys, [INVASION, SCI_LETTER, ROUNDTABLE]);
        let list = sandbox.json(&["milestone", "list"]);
        assert_eq!(list[2]["title"], "Roundtable (recorded by hand)");
        // And it stays idempotent.
        let again = sandbox.run(&["example"]);
        assert!(again.success, "a second `amity example` failed: {again:?}");
    } else {
        // Failing is acceptable only when nothing was written: no event, no milestone.
        let again = sandbox.run(&["example"]);
        assert!(
            sandbox.status().is_empty() && keys == [ROUNDTABLE],
            "`amity example` failed ({}) but recorded {} events in {} partnerships and the \
             milestones {keys:?}; running it again {}",
            run.stderr.trim(),
            sandbox.event_count(),
            sandbox.status().len(),
            if again.success {
                "succeeds".to_owned()
            } else {
                format!("fails again: {}", again.stderr.trim())
            }
        );
    }
}

//! Concurrency tests (issue 19, docs/reliability.md): eight `amity` processes record at once,
//! on one partnership and on eight different ones, starting from a ledger that does not exist
//! yet, on SQLite and on PostgreSQL. Every acknowledged event (exit 0, its id printed by
//! `--format json`) is in the archive exactly once and nothing else is; every refusal is a
//! clear conflict, either a rule violation naming the recorded events it conflicts with or a
//! version conflict after the retry limit; never "database is locked", never a panic.
//!
//! The writers are threads, each running its `amity` commands one after the other; a barrier
//! starts each step's eight commands together. Readers beside repeated rebuilds must all
//! answer too. The PostgreSQL tests run when
//! `AMITY_TEST_POSTGRES_URL` is set, each in a fresh schema, and say why they skip otherwise.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use serde_json::Value;

use super::crash::{words, Ledgers};
use super::{Run, CS, SMOLENSK};

/// How many processes record at once.
const WRITERS: usize = 8;

/// A step of the race: the command each writer runs (by its number), and how many of the
/// eight must be acknowledged (`None`: all, but for version conflicts after the retry limit).
struct Step {
    name: &'static str,
    command: fn(usize) -> Vec<String>,
    winners: Option<usize>,
}

/// What one command of the race did.
struct Outcome {
    step: &'static str,
    writer: usize,
    args: Vec<String>,
    run: Run,
}

/// How a command ended.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Recorded: its event id.
    Acknowledged(String),
    /// Refused by the lifecycle rules: the ids of the events it names.
    RuleViolation(Vec<String>, String),
    /// A version conflict the retries did not resolve.
    VersionConflict,
}

/// Run the steps: in each, the eight writers start their command together (a barrier) and
/// wait for one another before the next.
fn race(ledgers: &Ledgers, store: &str, steps: &'static [Step]) -> Vec<Outcome> {
    let barrier = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let barrier = Arc::clone(&barrier);
            let dir = ledgers.path().to_owned();
            let store = store.to_owned();
            std::thread::spawn(move || {
                let mut outcomes = Vec::with_capacity(steps.len());
                for step in steps {
                    let mut args = (step.command)(writer);
                    args.extend(words(&["--format", "json"]));
                    barrier.wait();
                    let output = super::amity_in(&dir)
                        .arg("--store")
                        .arg(&store)
                        .args(&args)
                        .output()
                        .expect("amity runs");
                    outcomes.push(Outcome {
                        step: step.name,
                        writer,
                        args,
                        run: Run::from(output),
                    });
                }
                outcomes
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|thread| thread.join().expect("a writer thread"))
        .collect()
}

/// The ids of the events an error message names (`event UUID`).
fn named_event_ids(message: &str) -> Vec<String> {
    message
        .match_indices("event ")
        .filter_map(|(at, word)| message.get(at + word.len()..at + word.len() + 36))
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .map(str::to_owned)
        .collect()
}

/// Classify one command's end; panics on anything but an acknowledgement or a clear conflict.
fn verdict(outcome: &Outcome) -> Verdict {
    let Outcome {
        step,
        writer,
        args,
        run,
    } = outcome;
    let context = format!(
        "step {step}, writer {writer}: amity {args:?} ({:?})\nstdout: {}\nstderr: {}",
        run.code, run.stdout, run.stderr
    );
    let all_output = format!("{}{}", run.stdout, run.stderr).to_lowercase();
    for forbidden in ["database is locked", "database table is locked", "panicked"] {
        assert!(!all_output.contains(forbidden), "{forbidden}: {context}");
    }
    if run.success {
        let answer: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {context}"));
        assert_eq!(answer["recorded"], Value::Bool(true), "{context}");
        let id = answer["event_id"].as_str().expect("event_id");
        return Verdict::Acknowledged(id.to_owned());
    }
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error:") && run.stdout.is_empty(),
        "a refusal is one error line: {context}"
    );
    if lines[0].contains("version conflict on stream") {
        return Verdict::VersionConflict;
    }
    assert!(
        lines[0].starts_with("error: impossible timeline:"),
        "neither a rule violation nor a version conflict: {context}"
    );
    assert_eq!(run.code, Some(1), "a rule violation exits 1: {context}");
    let named = named_event_ids(lines[0]);
    assert!(!named.is_empty(), "the refusal names no event: {context}");
    Verdict::RuleViolation(named, lines[0].to_owned())
}

/// Race the steps on a ledger not created yet, then check every outcome against the archive.
fn eight_writers(ledgers: &Ledgers, test: &str, steps: &'static [Step]) {
    let store = ledgers.fresh();
    let outcomes = race(ledgers, &store, steps);

    let mut acknowledged = BTreeMap::new();
    let mut named = BTreeMap::new();
    let mut tally: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for outcome in &outcomes {
        let counts = tally.entry(outcome.step).or_default();
        match verdict(outcome) {
            Verdict::Acknowledged(id) => {
                counts[0] += 1;
                let earlier = acknowledged.insert(id.clone(), (outcome.step, outcome.writer));
                assert!(earlier.is_none(), "{test}: event {id} acknowledged twice");
            }
            Verdict::RuleViolation(ids, message) => {
                counts[1] += 1;
                named.extend(ids.into_iter().map(|id| (id, message.clone())));
            }
            Verdict::VersionConflict => counts[2] += 1,
        }
    }
    println!("{test}: per step [acknowledged, rule violations, version conflicts]: {tally:?}");
    for step in steps {
        let [winners, violations, conflicts] = tally[step.name];
        match step.winners {
            Some(expected) => assert_eq!(
                winners, expected,
                "{test}: step {}: {winners} acknowledged, {expected} expected",
                step.name
            ),
            None => {
                assert_eq!(
                    violations, 0,
                    "{test}: step {}: refused by the rules",
                    step.name
                );
                assert_eq!(winners + conflicts, WRITERS, "{test}: step {}", step.name);
            }
        }
    }

    // The archive holds every acknowledged event exactly once, and nothing else.
    let archive = ledgers.ok(&store, &words(&["export", "--format", "jsonl"]));
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for line in archive.lines() {
        let line: Value = serde_json::from_str(line).expect("an archive line is JSON");
        let id = line["event_id"].as_str().expect("event_id").to_owned();
        *stored.entry(id).or_default() += 1;
    }
    for (id, (step, writer)) in &acknowledged {
        assert_eq!(
            stored.get(id),
            Some(&1),
            "{test}: event {id} (step {step}, writer {writer}) acknowledged, stored {:?} times",
            stored.get(id)
        );
    }
    let unacknowledged: Vec<_> = stored
        .keys()
        .filter(|id| !acknowledged.contains_key(*id))
        .collect();
    assert!(
        unacknowledged.is_empty(),
        "{test}: stored but never acknowledged: {unacknowledged:?}"
    );
    // A refusal names events the ledger holds.
    for (id, message) in &named {
        assert!(
            stored.contains_key(id),
            "{test}: a refusal names {id}, not stored: {message}"
        );
    }
    // And `verify` finds no problem (exit 5); with no checkpoint signed, it says the events
    // are not covered (exit 6).
    let verified = Run::from(
        ledgers
            .command(&store, &words(&["verify"]))
            .output()
            .expect("amity runs"),
    );
    assert!(
        matches!(verified.code, Some(0 | 6)),
        "{test}: verify found a problem: {verified:?}"
    );
}

fn on_cs_smolensk(command: &str, occurred: String, extra: &[&str]) -> Vec<String> {
    let mut args = words(&[command, CS, SMOLENSK, "--occurred"]);
    args.push(occurred);
    args.extend(words(extra));
    args
}

/// Eight writers on Colorado Springs–Smolensk: one founding, one suspension, one
/// reinstatement and one termination win among eight tries each, at the writers' own dates;
/// every attestation is recorded.
const ONE_PARTNERSHIP: &[Step] = &[
    Step {
        name: "found",
        command: |writer| on_cs_smolensk("found", format!("{}", 1990 + writer), &[]),
        winners: Some(1),
    },
    Step {
        name: "attest 2001",
        command: |writer| {
            on_cs_smolensk(
                "attest",
                "2001".into(),
                &["--note", &format!("writer {writer}")],
            )
        },
        winners: None,
    },
    Step {
        name: "suspend",
        command: |writer| on_cs_smolensk("suspend", format!("2022-0{}", writer + 1), &[]),
        winners: Some(1),
    },
    Step {
        name: "attest 2022-12",
        command: |writer| {
            on_cs_smolensk(
                "attest",
                "2022-12".into(),
                &["--note", &format!("writer {writer}")],
            )
        },
        winners: None,
    },
    Step {
        name: "reinstate",
        command: |writer| on_cs_smolensk("reinstate", format!("2023-0{}", writer + 1), &[]),
        winners: Some(1),
    },
    Step {
        name: "terminate",
        command: |writer| on_cs_smolensk("terminate", format!("2024-0{}", writer + 1), &[]),
        winners: Some(1),
    },
    Step {
        name: "attest 2026",
        command: |writer| {
            on_cs_smolensk(
                "attest",
                "2026".into(),
                &["--note", &format!("writer {writer}")],
            )
        },
        winners: None,
    },
];

fn on_own_partnership(writer: usize, command: &str, occurred: &str) -> Vec<String> {
    let mut args = vec![
        command.to_owned(),
        format!("Town {writer}, US-CO"),
        format!("Ville {writer}, FR"),
        "--occurred".to_owned(),
        occurred.to_owned(),
    ];
    if command == "attest" {
        args.extend(words(&["--note", occurred]));
    }
    args
}

/// Eight writers, each on a partnership of its own: every event is recorded.
const OWN_PARTNERSHIPS: &[Step] = &[
    Step {
        name: "found",
        command: |writer| on_own_partnership(writer, "found", "1990"),
        winners: Some(WRITERS),
    },
    Step {
        name: "attest 2001",
        command: |writer| on_own_partnership(writer, "attest", "2001"),
        winners: Some(WRITERS),
    },
    Step {
        name: "suspend",
        command: |writer| on_own_partnership(writer, "suspend", "2022-03"),
        winners: Some(WRITERS),
    },
    Step {
        name: "reinstate",
        command: |writer| on_own_partnership(writer, "reinstate", "2023"),
        winners: Some(WRITERS),
    },
    Step {
        name: "attest 2024",
        command: |writer| on_own_partnership(writer, "attest", "2024"),
        winners: Some(WRITERS),
    },
    Step {
        name: "terminate",
        command: |writer| on_own_partnership(writer, "terminate", "2025"),
        winners: Some(WRITERS),
    },
];

#[test]
fn eight_writers_on_one_partnership_sqlite() {
    eight_writers(
        &Ledgers::sqlite("race_one"),
        "one_partnership_sqlite",
        ONE_PARTNERSHIP,
    );
}

#[test]
fn eight_writers_on_one_partnership_postgres() {
    if let Some(ledgers) = Ledgers::postgres("race_one") {
        eight_writers(&ledgers, "one_partnership_postgres", ONE_PARTNERSHIP);
    }
}

#[test]
fn eight_writers_on_their_own_partnerships_sqlite() {
    eight_writers(
        &Ledgers::sqlite("race_own"),
        "own_partnerships_sqlite",
        OWN_PARTNERSHIPS,
    );
}

#[test]
fn eight_writers_on_their_own_partnerships_postgres() {
    if let Some(ledgers) = Ledgers::postgres("race_own") {
        eight_writers(&ledgers, "own_partnerships_postgres", OWN_PARTNERSHIPS);
    }
}

/// What a losing racer meets when its entry is dated before the winner's: the stored entry
/// cannot follow the new one. The refusal names the stored event by its id and the refused
/// one as "the new", never by an id the ledger does not hold.
#[test]
fn a_refusal_names_the_stored_event_by_id_and_the_new_one_as_new() {
    let sandbox = super::Sandbox::new();
    let stored = sandbox.record("found", "1993", &[]);
    let error = sandbox.fails(&["found", CS, SMOLENSK, "--occurred", "1991"]);
    assert_eq!(
        error,
        format!(
            "error: impossible timeline: PartnershipFounded (1993, event {stored}) cannot happen \
             while the partnership is active (set by the new PartnershipFounded (1991)); record \
             it with certainty 'disputed' to keep it without effect"
        )
    );
    assert_eq!(named_event_ids(&error), [stored]);
}

/// Rebuilds while three processes read (a party search, a cohort's outcomes): every reader
/// waits for the rebuild and answers, none fails. On PostgreSQL a rebuild once truncated
/// `partnership_status` first and a reader's statement locked it last, so a reader could
/// deadlock with it (`deadlock detected`, exit 3).
fn readers_during_rebuilds(ledgers: &Ledgers, test: &str) {
    const REBUILDS: usize = 12;
    const READERS: usize = 3;
    let store = ledgers.fresh();
    let csv = ledgers.path().join("lifecycle.csv");
    std::fs::write(&csv, super::crash::lifecycle_csv(1_200)).expect("write the input");
    let mut import = words(&["import", "--format", "csv"]);
    import.push(csv.display().to_string());
    ledgers.ok(&store, &import);

    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                scope.spawn(|| {
                    let queries = [
                        words(&["parties", "town"]),
                        words(&[
                            "outcomes", "--cohort", "US:FR", "--from", "2000", "--to", "2023",
                        ]),
                    ];
                    let mut reads = 0;
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        for query in &queries {
                            let run = Run::from(
                                ledgers.command(&store, query).output().expect("amity runs"),
                            );
                            assert!(
                                run.success,
                                "{test}: amity {query:?} during a rebuild failed ({:?}): {}",
                                run.code, run.stderr
                            );
                            reads += 1;
                        }
                    }
                    reads
                })
            })
            .collect();
        for _ in 0..REBUILDS {
            ledgers.ok(&store, &words(&["rebuild"]));
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        readers
            .into_iter()
            .map(|reader| reader.join().expect("a reader thread"))
            .sum::<usize>()
    });
    println!("{test}: {REBUILDS} rebuilds, {reads} reads beside them");
}

#[test]
fn readers_during_rebuilds_wait_and_answer_sqlite() {
    readers_during_rebuilds(&Ledgers::sqlite("race_rebuild"), "rebuild_sqlite");
}

#[test]
fn readers_during_rebuilds_wait_and_answer_postgres() {
    if let Some(ledgers) = Ledgers::postgres("race_rebuild") {
        readers_during_rebuilds(&ledgers, "rebuild_postgres");
    }
}

//! The analyst views: outcomes, changes, series.

use std::fmt::Write as _;

use amity_interchange::views::definite_and_possible;

use super::*;

/// The event behind an outcome's decision: its date and id.
fn decision_event_text(row: &analysis::OutcomeRow) -> String {
    row.decision_event
        .as_ref()
        .map(|e| {
            format!(
                "{} {}",
                e.occurred.as_deref().unwrap_or("unknown"),
                e.event_id
            )
        })
        .unwrap_or_default()
}

/// `outcomes`.
pub fn outcomes(outcomes: &analysis::Outcomes, report: Report) -> Result<()> {
    if report == Report::Json {
        return print_json(outcomes);
    }
    if report == Report::Csv {
        return outcomes_csv(outcomes);
    }
    emit(format_args!(
        "outcomes for {} from {} ({}) to {} ({}): {} partnerships",
        outcomes.cohort,
        outcomes.from,
        outcomes.first_day,
        outcomes.to,
        outcomes.last_day,
        outcomes.partnerships.len()
    ))?;
    let decisions: Vec<String> = analysis::Decision::ALL
        .iter()
        .filter_map(|decision| {
            let split = outcomes.counts.decisions.get(decision.name())?;
            Some(format!("{} {}", decision.name(), split_text(split)))
        })
        .collect();
    let statuses: Vec<String> = outcomes
        .counts
        .statuses
        .iter()
        .filter(|(_, split)| split.definite + split.possible > 0)
        .map(|(name, split)| format!("{name} {}", split_text(split)))
        .collect();
    emit(format_args!(
        "decisions in the window: {}",
        decisions.join(", ")
    ))?;
    emit(format_args!(
        "status at the end of the window: {}",
        statuses.join(", ")
    ))?;
    // For people: one value is definite, several joined by "or" are possible.
    let rows: Vec<Vec<String>> = outcomes
        .partnerships
        .iter()
        .map(|row| {
            let decisions: Vec<&str> = if row.competing_decisions.is_empty() {
                vec![row.decision.name()]
            } else {
                row.competing_decisions.iter().map(|d| d.name()).collect()
            };
            let statuses: Vec<&str> = if row.competing.is_empty() {
                vec![row.status.name()]
            } else {
                row.competing.iter().map(|s| s.name()).collect()
            };
            vec![
                row.partnership.to_string(),
                parties_text(&row.parties),
                decisions.join(" or "),
                decision_event_text(row),
                statuses.join(" or "),
            ]
        })
        .collect();
    emit(format_args!(
        "(a value is definite; values joined by \"or\" are each possible)"
    ))?;
    emit_report(
        &[
            "partnership",
            "parties",
            "decision",
            "decision event",
            "status at end",
        ],
        rows,
        report,
        false,
    )
}

/// `outcomes --format csv`, written row by row: one value per cell. A decision or status is named when it is
/// definite and left empty otherwise; `possible_*` lists every value it may be (`;`-joined,
/// sorted; the one value when definite).
fn outcomes_csv(outcomes: &analysis::Outcomes) -> Result<()> {
    let header = [
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
        "status_certainty",
    ];
    csv_rows(&header, |out| {
        let mut parties = PartyCells::default();
        for row in &outcomes.partnerships {
            let (decision, decisions) = definite_and_possible(
                row.decision_certainty,
                row.decision.name(),
                row.competing_decisions.iter().map(|d| d.name()),
            );
            let (status, statuses) = definite_and_possible(
                row.status_certainty,
                row.status.name(),
                row.competing.iter().map(|s| s.name()),
            );
            let event = row.decision_event.as_ref();
            let [party_a, party_b] = parties.of(&row.parties)?;
            out.row(&[
                row.partnership.as_str(),
                party_a,
                party_b,
                decision,
                &decisions,
                certainty_name(row.decision_certainty),
                event.map_or("", |e| e.occurred.as_deref().unwrap_or("unknown")),
                event.map_or("", |e| e.event_id.as_str()),
                status,
                &statuses,
                certainty_name(row.status_certainty),
            ])?;
        }
        Ok(())
    })
}

/// `changes`.
pub fn changes(changes: &[analysis::Change], report: Report) -> Result<()> {
    if report == Report::Json {
        return print_json_list(changes);
    }
    if report == Report::Csv {
        return changes_csv(changes);
    }
    let rows = changes
        .iter()
        .map(|change| {
            let event = &change.event;
            let flag = if event.retracted_by.is_some() {
                "retracted"
            } else if event.disputed {
                "disputed"
            } else {
                ""
            };
            vec![
                date_or_unknown(&event.occurred).to_owned(),
                certainty_text(change.in_window, &[]),
                change.partnership.to_string(),
                verb(&event.event_type).to_owned(),
                event.term_as_written.clone().unwrap_or_default(),
                flag.to_owned(),
                event.event_id.clone(),
            ]
        })
        .collect();
    emit_report(
        &[
            "occurred",
            "in window",
            "partnership",
            "event",
            "as written",
            "flag",
            "event id",
        ],
        rows,
        report,
        false,
    )
}

/// A date cell of CSV, as [`date_cell`] writes it.
fn date_or_unknown<T: AsRef<str>>(date: &Option<T>) -> &str {
    date.as_ref().map_or("unknown", AsRef::as_ref)
}

/// The two parties' cells of a CSV row (`Name, CC`), written into strings kept from row to
/// row.
#[derive(Default)]
struct PartyCells([String; 2]);

impl PartyCells {
    fn of(&mut self, parties: &[amity_domain::Party]) -> Result<[&str; 2]> {
        for (cell, party) in self.0.iter_mut().zip(parties) {
            cell.clear();
            write!(cell, "{party}")?;
        }
        Ok([&self.0[0], &self.0[1]])
    }
}

/// `changes --format csv`, written row by row.
fn changes_csv(changes: &[analysis::Change]) -> Result<()> {
    let header = [
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
        "event_id",
    ];
    csv_rows(&header, |out| {
        let mut parties = PartyCells::default();
        for change in changes {
            let event = &change.event;
            let [party_a, party_b] = parties.of(&change.parties)?;
            out.row(&[
                date_or_unknown(&event.occurred),
                date_or_unknown(&event.earliest),
                date_or_unknown(&event.latest),
                certainty_name(change.in_window),
                change.partnership.as_str(),
                party_a,
                party_b,
                &event.event_type,
                event.term_as_written.as_deref().unwrap_or_default(),
                event.certainty.name(),
                if event.disputed { "true" } else { "false" },
                event.retracted_by.as_deref().unwrap_or_default(),
                &event.event_id,
            ])?;
        }
        Ok(())
    })
}

/// `series`.
pub fn series(points: &[analysis::Point], report: Report) -> Result<()> {
    if report == Report::Json {
        return print_json(points);
    }
    const NAMES: [&str; 5] = ["not_yet", "active", "suspended", "terminated", "unknown"];
    let rows = points
        .iter()
        .map(|point| {
            let mut row = vec![point.step.clone(), point.as_of.clone()];
            for name in NAMES {
                let split = point.counts.get(name).copied().unwrap_or_default();
                if report == Report::Csv {
                    row.push(split.definite.to_string());
                    row.push(split.possible.to_string());
                } else {
                    row.push(split_text(&split));
                }
            }
            row
        })
        .collect();
    if report == Report::Csv {
        let mut header = vec!["step", "as_of"];
        let names: Vec<String> = NAMES
            .iter()
            .flat_map(|n| [format!("{n}_definite"), format!("{n}_possible")])
            .collect();
        header.extend(names.iter().map(String::as_str));
        return emit_report(&header, rows, report, false);
    }
    let mut header = vec!["step", "as of"];
    header.extend(NAMES);
    emit_report(&header, rows, report, false)
}

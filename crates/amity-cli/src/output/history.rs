//! A partnership's history: a table for people, the query API's answer as JSON, CSV.

use std::collections::HashMap;

use amity_ledger::log::LogPlace;
use amity_ledger::EventId;

use super::*;

/// A partnership's history, each entry with its place in the ledger's log.
pub fn history(
    status: &StatusRow,
    rows: &[TimelineRow],
    places: &HashMap<EventId, LogPlace>,
    format: Format,
) -> Result<()> {
    // A citation's sources belong with the entry they support: each cited entry lists its
    // citations (who cited what, and when); the citation rows stay, one per stored event.
    let citations = |target: &str| -> Vec<&TimelineRow> {
        rows.iter()
            .filter(|row| row.event_type == "SourceCited" && row.target.as_deref() == Some(target))
            .collect()
    };
    // Alternative claims stand side by side: each names the entry it is an alternative to,
    // and that entry lists them.
    let alternatives = |id: &str| -> Vec<&TimelineRow> {
        rows.iter()
            .filter(|row| row.alternative_to() == Some(id))
            .collect()
    };
    if format == Format::Json {
        let answer = amity_projections::query::HistoryAnswer::new(status, rows);
        return print_json(&answer.placed_in_log(places));
    }
    let since = status
        .since
        .as_deref()
        .map(|since| format!(" since {since}"))
        .unwrap_or_default();
    emit(printable(&format!(
        "{} ⇄ {} ({}): {}{since}",
        status.parties[0], status.parties[1], status.kind, status.status
    )))?;
    emit(format_args!("partnership {}", status.partnership))?;
    if let Some(conflict) = &status.conflict {
        emit(format_args!(
            "warning: the stored history breaks the rules: {conflict}"
        ))?;
    }
    let mut out = table(
        &[
            "occurred",
            "event",
            "as written",
            "certainty",
            "effect",
            "sources",
            "recorded",
        ],
        true,
    );
    for row in rows.iter().filter(|row| row.event_type != "SourceCited") {
        let effect = match (&row.retracted_by, row.disputed, row.status_after) {
            (Some(by), _, _) => format!("RETRACTED by {by}"),
            (None, true, _) => "DISPUTED: no effect".to_owned(),
            (None, false, Some(status)) => format!("→ {status}"),
            (None, false, None) => match row.alternative_to() {
                Some(named) => format!("one event with {}: dates spanned", short_id(named)),
                None => String::new(),
            },
        };
        let certainty = match row.certainty {
            Certainty::Disputed => "DISPUTED",
            other => other.name(),
        };
        let mut what = match (row.target.as_deref(), row.reason.as_deref()) {
            (Some(target), Some(reason)) => format!("retracts {target}: {reason}"),
            _ => verb(&row.event_type).to_owned(),
        };
        if let Some(named) = row.alternative_to() {
            let date = rows
                .iter()
                .find(|other| other.event_id == named)
                .map(|other| {
                    let occurred = other.occurred.as_deref().unwrap_or("unknown");
                    format!(" ({} {occurred})", verb(&other.event_type))
                })
                .unwrap_or_default();
            what.push_str(&format!("\nalternative to {}{date}", short_id(named)));
        }
        let others = alternatives(&row.event_id);
        if !others.is_empty() {
            let listed: Vec<String> = others
                .iter()
                .map(|other| {
                    let occurred = other.occurred.as_deref().unwrap_or("unknown");
                    format!("{} ({occurred})", short_id(&other.event_id))
                })
                .collect();
            what.push_str(&format!("\nalternatives: {}", listed.join(", ")));
        }
        // The party that took the step (`--by`).
        if let Some(by) = &row.initiated_by {
            what.push_str(&format!("\nby {by}"));
        }
        let mut sources: Vec<String> = row.sources.iter().map(source_line).collect();
        if let Some(note) = &row.note {
            sources.push(format!("note: {note}"));
        }
        for citation in citations(&row.event_id) {
            let day = citation
                .recorded_at
                .get(..10)
                .unwrap_or(&citation.recorded_at);
            for source in &citation.sources {
                sources.push(format!(
                    "{} (cited by {} on {day}, {})",
                    source_line(source),
                    citation.recorded_by,
                    citation.event_id
                ));
            }
        }
        let recorded_at = row
            .recorded_at
            .parse::<jiff::Timestamp>()
            .ok()
            .and_then(|t| t.round(jiff::Unit::Second).ok())
            .map_or_else(|| row.recorded_at.clone(), |t| t.to_string());
        let place = row
            .event_id
            .parse::<EventId>()
            .ok()
            .and_then(|id| places.get(&id));
        let log = match place {
            Some(place) if place.checkpointed => format!("\nleaf {}, checkpointed", place.index),
            Some(place) => format!("\nleaf {}, not checkpointed yet", place.index),
            None => String::new(),
        };
        out.add_row(vec![
            row.occurred.as_deref().unwrap_or("unknown").to_owned(),
            what,
            row.term_as_written
                .clone()
                .map(|t| format!("“{t}”"))
                .unwrap_or_default(),
            certainty.to_owned(),
            effect,
            sources.join("\n"),
            format!(
                "{}\n{}\n{}{log}",
                row.recorded_by, recorded_at, row.event_id
            ),
        ]);
    }
    emit(format_args!("{out}"))
}

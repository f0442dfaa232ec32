//! What the commands print: tables for people, JSON for scripts.

use amity_domain::{Certainty, Event, PartyKey, Recorded, Source, Timeline};
use amity_ledger::{Ledger, Outcome, PartnerRow, StatusRow};
use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{json, Value};

use crate::args::Format;

/// Rows too long for the width wrap; without a terminal the width is $COLUMNS, else 120.
fn table(header: &[&str], multi_line_rows: bool) -> Table {
    let mut table = Table::new();
    let preset = if multi_line_rows {
        presets::UTF8_HORIZONTAL_ONLY
    } else {
        presets::UTF8_BORDERS_ONLY
    };
    table
        .load_preset(preset)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .unwrap_or(120);
    table.set_width(width);
    table
}

/// Print to stdout; a closed pipe (`amity history … | head`) ends output quietly.
pub fn emit(text: impl std::fmt::Display) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

fn print_json(value: &Value) -> Result<()> {
    emit(serde_json::to_string_pretty(value)?)
}

/// After recording one event.
pub fn recorded(outcome: &Outcome, format: Format) -> Result<()> {
    let recorded = outcome.recorded();
    let fresh = matches!(outcome, Outcome::Recorded(_));
    match format {
        Format::Json => print_json(&json!({
            "event_id": recorded.id,
            "partnership": recorded.partnership,
            "type": recorded.event.event_type().name(),
            "occurred": recorded.event.facts().occurred.date().map(|d| d.as_str()),
            "recorded": fresh,
        })),
        Format::Table => {
            let what = if fresh {
                "recorded"
            } else {
                "already recorded (nothing written):"
            };
            emit(format_args!(
                "{what} {} {} ({}) in {}",
                recorded.event.event_type(),
                recorded.id,
                recorded.event.facts().occurred,
                recorded.partnership
            ))?;
            Ok(())
        }
    }
}

fn source_json(source: &Source) -> Value {
    serde_json::to_value(source).expect("sources serialize")
}

fn source_line(source: &Source) -> String {
    let mut line = source.title.clone();
    if let Some(publisher) = &source.publisher {
        line.push_str(&format!(", {publisher}"));
    }
    if let Some(date) = &source.published {
        line.push_str(&format!(" ({date})"));
    }
    if let Some(role) = source.role {
        line.push_str(match role {
            amity_domain::SourceRole::Primary => " [primary]",
            amity_domain::SourceRole::Secondary => " [secondary]",
        });
    }
    if let Some(url) = &source.url {
        line.push_str(&format!(" <{url}>"));
    }
    if let Some(locator) = &source.locator {
        line.push_str(&format!(": {locator}"));
    }
    line
}

fn what(recorded: &Recorded) -> String {
    match &recorded.event {
        Event::Retracted(body) => format!("retracts {}: {}", short(body.target), body.reason),
        Event::Cited(body) => format!("cites sources for {}", short(body.target)),
        other => other.event_type().verb().to_owned(),
    }
}

fn short(id: uuid::Uuid) -> String {
    id.to_string()
}

fn timestamp(recorded: &Recorded) -> String {
    recorded
        .recorded_at
        .round(jiff::Unit::Second)
        .unwrap_or(recorded.recorded_at)
        .to_string()
}

/// A partnership's history.
pub fn history(timeline: &Timeline, format: Format) -> Result<()> {
    let rows = timeline.history();
    if format == Format::Json {
        let entries: Vec<Value> = rows
            .iter()
            .map(|row| {
                let recorded = row.recorded;
                let facts = recorded.event.facts();
                json!({
                    "event_id": recorded.id,
                    "type": recorded.event.event_type().name(),
                    "occurred": facts.occurred.date().map(|d| d.as_str()),
                    "earliest": facts.occurred.date().map(|d| d.earliest().to_string()),
                    "latest": facts.occurred.date().map(|d| d.latest().to_string()),
                    "term_as_written": facts.term_as_written,
                    "certainty": facts.certainty,
                    "sources": facts.sources.iter().map(source_json).collect::<Vec<_>>(),
                    "initiated_by": facts.initiated_by,
                    "note": facts.note,
                    "target": recorded.event.target(),
                    "reason": match &recorded.event { Event::Retracted(body) => Some(&body.reason), _ => None },
                    "recorded_by": recorded.recorded_by,
                    "recorded_at": recorded.recorded_at.to_string(),
                    "disputed": row.disputed,
                    "retracted_by": row.retracted_by.map(|by| by.id),
                    "status_after": row.status_after,
                })
            })
            .collect();
        return print_json(&json!({
            "partnership": timeline.id(),
            "parties": timeline.partnership().map(|p| p.parties.to_vec()),
            "status": timeline.status(),
            "conflict": timeline.conflict().map(ToString::to_string),
            "events": entries,
        }));
    }
    if let Some(partnership) = timeline.partnership() {
        let since = timeline
            .since()
            .map(|r| format!(" since {}", r.event.facts().occurred))
            .unwrap_or_default();
        emit(format_args!(
            "{} ⇄ {} ({}): {}{since}",
            partnership.parties[0],
            partnership.parties[1],
            partnership.kind,
            timeline.status()
        ))?;
    }
    emit(format_args!("partnership {}", timeline.id()))?;
    if let Some(conflict) = timeline.conflict() {
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
    for row in rows {
        let recorded = row.recorded;
        let facts = recorded.event.facts();
        let effect = match (row.retracted_by, row.disputed, row.status_after) {
            (Some(by), _, _) => format!("RETRACTED by {}", short(by.id)),
            (None, true, _) => "DISPUTED: no effect".to_owned(),
            (None, false, Some(status)) => format!("→ {status}"),
            (None, false, None) => String::new(),
        };
        let certainty = match facts.certainty {
            Certainty::Disputed => "DISPUTED",
            other => other.name(),
        };
        let mut sources: Vec<String> = facts.sources.iter().map(source_line).collect();
        if let Some(note) = &facts.note {
            sources.push(format!("note: {note}"));
        }
        out.add_row(vec![
            facts.occurred.to_string(),
            what(recorded),
            facts
                .term_as_written
                .clone()
                .map(|t| format!("“{t}”"))
                .unwrap_or_default(),
            certainty.to_owned(),
            effect,
            sources.join("\n"),
            format!(
                "{}\n{}\n{}",
                recorded.recorded_by,
                timestamp(recorded),
                recorded.id
            ),
        ]);
    }
    emit(format_args!("{out}"))?;
    Ok(())
}

/// Status rows.
pub fn status(rows: &[StatusRow], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(&serde_json::to_value(rows)?);
    }
    let mut out = table(
        &[
            "partnership",
            "parties",
            "kind",
            "status",
            "since",
            "events",
        ],
        false,
    );
    for row in rows {
        out.add_row(vec![
            row.partnership.to_string(),
            format!("{} ⇄ {}", row.parties[0], row.parties[1]),
            row.kind.to_string(),
            row.status.to_string()
                + if row.conflict.is_some() {
                    " (conflict!)"
                } else {
                    ""
                },
            row.since.clone().unwrap_or_else(|| "unknown".to_owned()),
            row.events.to_string(),
        ]);
    }
    emit(format_args!("{out}"))?;
    Ok(())
}

/// A party's partners.
pub fn partners(key: &PartyKey, rows: &[PartnerRow], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(&serde_json::to_value(rows)?);
    }
    emit(format_args!("partners of {key}"))?;
    let mut out = table(
        &["partner", "founded", "status", "since", "partnership"],
        false,
    );
    for row in rows {
        out.add_row(vec![
            row.partner.to_string(),
            row.founded.clone().unwrap_or_default(),
            row.status.to_string(),
            row.since.clone().unwrap_or_else(|| "unknown".to_owned()),
            row.partnership.to_string(),
        ]);
    }
    emit(format_args!("{out}"))?;
    Ok(())
}

/// " (did you mean …?)" when other parties share the name part of `key`.
pub async fn similar_parties(ledger: &Ledger, key: &PartyKey) -> Result<String> {
    let name = key.as_str().split_once(':').map_or("", |(_, name)| name);
    let mut similar: Vec<String> = ledger
        .status(None)
        .await?
        .into_iter()
        .flat_map(|row| row.parties)
        .map(|party| party.key())
        .filter(|candidate| candidate != key && candidate.as_str().ends_with(&format!(":{name}")))
        .map(|candidate| candidate.to_string())
        .collect();
    similar.sort();
    similar.dedup();
    Ok(match similar.as_slice() {
        [] => String::new(),
        found => format!(" (did you mean {}?)", found.join(", ")),
    })
}

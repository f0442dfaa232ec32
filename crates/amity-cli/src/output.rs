//! What the commands print: tables for people, JSON for scripts.

use amity_domain::Milestone;
use amity_domain::{Certainty, Certainty3, PartyKey, Source};
use amity_ledger::Outcome;
use amity_projections::{analysis, PartnerView, Projections, StatusRow, StatusView, TimelineRow};
use anyhow::Result;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::json;

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
    // Ids are never cut in two: a reader copies them whole (other columns wrap instead).
    for (index, name) in header.iter().enumerate() {
        let holds_ids = matches!(
            name.to_ascii_lowercase().as_str(),
            "partnership" | "recorded" | "key" | "event id" | "event_id"
        );
        if holds_ids {
            if let Some(column) = table.column_mut(index) {
                column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
            }
        }
    }
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

/// Print JSON straight to stdout, without an intermediate tree: indented for a terminal,
/// compact for a pipe (scripts); a closed pipe ends output quietly.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let stdout = std::io::stdout();
    let pretty = stdout.is_terminal();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    let written = written
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// The parties found by `amity parties`.
pub fn parties(rows: &[(amity_projections::PartyRow, u64)], format: Format) -> Result<()> {
    #[derive(serde::Serialize)]
    struct View<'a> {
        #[serde(flatten)]
        row: &'a amity_projections::PartyRow,
        partnerships: u64,
    }
    match format {
        Format::Json => print_json(
            &rows
                .iter()
                .map(|(row, partnerships)| View {
                    row,
                    partnerships: *partnerships,
                })
                .collect::<Vec<_>>(),
        ),
        Format::Csv => {
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            out.write_record([
                "key",
                "name",
                "country",
                "subdivision",
                "wikidata",
                "kind",
                "aliases",
                "community",
                "partnerships",
            ])?;
            for (row, partnerships) in rows {
                out.write_record([
                    row.key.as_str(),
                    &row.party.name,
                    &row.party.country,
                    row.party.subdivision.as_deref().unwrap_or(""),
                    row.party.wikidata.as_deref().unwrap_or(""),
                    row.kind.map_or("", |kind| kind.name()),
                    &row.aliases.join("; "),
                    &row.canonical,
                    &partnerships.to_string(),
                ])?;
            }
            out.flush()?;
            Ok(())
        }
        _ => {
            let mut table = table(
                &[
                    "Key",
                    "Name",
                    "Country",
                    "Subdivision",
                    "Wikidata",
                    "Also named",
                    "Partnerships",
                ],
                false,
            );
            for (row, partnerships) in rows {
                let key = if row.canonical == row.key {
                    row.key.clone()
                } else {
                    format!("{} (same as {})", row.key, row.canonical)
                };
                table.add_row([
                    key,
                    row.party.name.clone(),
                    row.party.country.clone(),
                    row.party.subdivision.clone().unwrap_or_default(),
                    row.party.wikidata.clone().unwrap_or_default(),
                    row.aliases.join("; "),
                    partnerships.to_string(),
                ]);
            }
            if rows.is_empty() {
                return emit("no party matches");
            }
            emit(table)
        }
    }
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
        Format::Table | Format::Csv | Format::Jsonl | Format::Pairs => {
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

/// `amend`: the retraction and the replacement, recorded together.
pub fn amended(outcomes: &[Outcome], format: Format) -> Result<()> {
    let [retraction, replacement] = outcomes else {
        anyhow::bail!("an amendment records two entries");
    };
    match format {
        Format::Json => print_json(&json!({
            "retraction": retraction.recorded().id,
            "replacement": replacement.recorded().id,
            "partnership": replacement.recorded().partnership,
            "type": replacement.recorded().event.event_type().name(),
            "occurred": replacement.recorded().event.facts().occurred.date().map(|d| d.as_str()),
        })),
        Format::Table | Format::Csv | Format::Jsonl | Format::Pairs => {
            let (old, new) = (retraction.recorded(), replacement.recorded());
            let target = old
                .event
                .target()
                .map(|id| id.to_string())
                .unwrap_or_default();
            emit(format_args!(
                "amended {target}: retracted by {}, replaced by {} {} ({}) in {}",
                old.id,
                new.event.event_type(),
                new.id,
                new.event.facts().occurred,
                new.partnership
            ))
        }
    }
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

fn verb(event_type: &str) -> &'static str {
    amity_domain::EventType::from_name(event_type).map_or("?", |t| t.verb())
}

/// A partnership's history.
pub fn history(status: &StatusRow, rows: &[TimelineRow], format: Format) -> Result<()> {
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
        return print_json(&amity_projections::query::HistoryAnswer::new(status, rows));
    }
    if format == Format::Csv {
        // The same columns as `export --format csv --view timeline`.
        let pair = [(status.clone(), rows.to_vec())];
        let mut buffer = Vec::new();
        write_timeline_csv(&mut buffer, &pair)?;
        return emit(String::from_utf8(buffer)?.trim_end());
    }
    let since = status
        .since
        .as_deref()
        .map(|since| format!(" since {since}"))
        .unwrap_or_default();
    emit(format_args!(
        "{} ⇄ {} ({}): {}{since}",
        status.parties[0], status.parties[1], status.kind, status.status
    ))?;
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
        out.add_row(vec![
            row.occurred.clone().unwrap_or_else(|| "unknown".to_owned()),
            what,
            row.term_as_written
                .clone()
                .map(|t| format!("“{t}”"))
                .unwrap_or_default(),
            certainty.to_owned(),
            effect,
            sources.join("\n"),
            format!("{}\n{}\n{}", row.recorded_by, recorded_at, row.event_id),
        ]);
    }
    emit(format_args!("{out}"))
}

/// The last block of an event id (its random part: ids recorded together share their first
/// blocks, which hold the time), enough to find it in the same history.
fn short_id(id: &str) -> String {
    match id.rsplit_once('-') {
        Some((_, last)) => format!("…{last}"),
        None => id.to_owned(),
    }
}

fn certainty_text(certainty: Certainty3, competing: &[amity_domain::Status]) -> String {
    possible_text(certainty, competing.iter().map(|s| s.to_string()))
}

/// `definite`, or `possible (A or B)` naming what it may be (never an empty "()").
fn possible_text(certainty: Certainty3, competing: impl Iterator<Item = String>) -> String {
    let competing: Vec<String> = competing.collect();
    match (certainty, competing.is_empty()) {
        (Certainty3::Definite, _) => "definite".to_owned(),
        (Certainty3::Possible, true) => "possible".to_owned(),
        (Certainty3::Possible, false) => format!("possible ({})", competing.join(" or ")),
    }
}

fn certainty_name(certainty: Certainty3) -> &'static str {
    match certainty {
        Certainty3::Definite => "definite",
        Certainty3::Possible => "possible",
    }
}

fn statuses_text(statuses: &[amity_domain::Status]) -> String {
    statuses
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(";")
}

/// "since" for people: the date, "unknown" when undated, nothing before any event.
/// "Since" for people: the date of the event that set the status; for a partnership known
/// only from lists, the list's date said as such (never as a founding).
fn since_text(status: amity_domain::Status, since: Option<&str>, listed: Option<&str>) -> String {
    match (status, since, listed) {
        (amity_domain::Status::NotYet, _, _) => String::new(),
        (_, Some(since), _) => since.to_owned(),
        (amity_domain::Status::Active, None, Some(listed)) => {
            format!("listed {listed}, founding date unknown")
        }
        (_, None, _) => "unknown".to_owned(),
    }
}

fn decisions_text(certainty: Certainty3, competing: &[analysis::Decision]) -> String {
    possible_text(certainty, competing.iter().map(|d| d.name().to_owned()))
}

/// Status answers.
pub fn status(views: &[StatusView], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(views);
    }
    if format == Format::Csv {
        let header = [
            "partnership",
            "party_a",
            "party_b",
            "kind",
            "status",
            "certainty",
            "competing",
            "since",
            "as_of",
            "known_at",
            "events",
            "first_attested",
        ];
        let rows = views
            .iter()
            .map(|view| {
                vec![
                    view.partnership.to_string(),
                    view.parties[0].to_string(),
                    view.parties[1].to_string(),
                    view.kind.to_string(),
                    view.status.name().to_owned(),
                    certainty_name(view.certainty).to_owned(),
                    statuses_text(&view.competing),
                    view.since.clone().unwrap_or_default(),
                    view.as_of.clone().unwrap_or_default(),
                    view.known_at.clone().unwrap_or_default(),
                    view.events.to_string(),
                    view.first_attested.clone().unwrap_or_default(),
                ]
            })
            .collect();
        return emit_report(&header, rows, Report::Csv, false);
    }
    if views.is_empty() {
        return emit("no partnership is recorded (as known at that moment)");
    }
    let mut asked = Vec::new();
    if let Some(as_of) = &views[0].as_of {
        asked.push(format!("as of {as_of}"));
    }
    if let Some(known_at) = &views[0].known_at {
        asked.push(format!("as known at {known_at}"));
    }
    if !asked.is_empty() {
        emit(format_args!("status {}", asked.join(", ")))?;
    }
    let mut out = table(
        &[
            "partnership",
            "parties",
            "kind",
            "status",
            "certainty",
            "since",
            "events",
        ],
        false,
    );
    for view in views {
        out.add_row(vec![
            view.partnership.to_string(),
            format!("{} ⇄ {}", view.parties[0], view.parties[1]),
            view.kind.to_string(),
            view.status.to_string(),
            certainty_text(view.certainty, &view.competing),
            since_text(
                view.status,
                view.since.as_deref(),
                view.first_attested.as_deref(),
            ),
            view.events.to_string(),
        ]);
    }
    emit(format_args!("{out}"))
}

/// A party's partners.
pub fn partners(key: &PartyKey, rows: &[PartnerView], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(rows);
    }
    if format == Format::Csv {
        let header = [
            "partner",
            "partner_country",
            "partnership",
            "kind",
            "founded",
            "status",
            "certainty",
            "competing",
            "since",
        ];
        let csv_rows = rows
            .iter()
            .map(|row| {
                vec![
                    row.partner.name.clone(),
                    row.partner
                        .subdivision
                        .clone()
                        .unwrap_or_else(|| row.partner.country.clone()),
                    row.partnership.to_string(),
                    row.kind.to_string(),
                    row.founded.clone().unwrap_or_default(),
                    row.status.name().to_owned(),
                    certainty_name(row.certainty).to_owned(),
                    statuses_text(&row.competing),
                    row.since.clone().unwrap_or_default(),
                ]
            })
            .collect();
        return emit_report(&header, csv_rows, Report::Csv, false);
    }
    emit(format_args!("partners of {key}"))?;
    let mut out = table(
        &[
            "partner",
            "founded",
            "status",
            "certainty",
            "since",
            "partnership",
        ],
        false,
    );
    for row in rows {
        let partner = match &row.succession {
            None => row.partner.to_string(),
            Some(amity_projections::Succession::SucceededBy(key)) => {
                format!("{} (succeeded by {key})", row.partner)
            }
            Some(amity_projections::Succession::SuccessorOf(key)) => {
                format!("{} (successor of {key})", row.partner)
            }
        };
        out.add_row(vec![
            partner,
            row.founded.clone().unwrap_or_default(),
            row.status.to_string(),
            certainty_text(row.certainty, &row.competing),
            since_text(
                row.status,
                row.since.as_deref(),
                row.first_attested.as_deref(),
            ),
            row.partnership.to_string(),
        ]);
    }
    emit(format_args!("{out}"))
}

/// `amity rebuild`: a progress bar on a terminal, then one line with the rate (or, without
/// tables, one line saying there are none).
pub async fn rebuild(projections: &mut Projections) -> Result<()> {
    let bar = writing_bar(0);
    let started = std::time::Instant::now();
    let progress = projections
        .rebuild(&mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if projections.tables().is_none() {
        return emit(format_args!(
            "no projection tables to rebuild: with this store they are computed from the events \
             on every query (--projections FILE keeps them in a SQLite file); all {} events and \
             {} partnerships computed in {seconds:.2} s",
            progress.events, progress.partnerships
        ));
    }
    emit(format_args!(
        "rebuilt projections: {} events, {} partnerships in {seconds:.2} s ({:.0} events/s)",
        progress.events,
        progress.partnerships,
        progress.events as f64 / seconds.max(1e-9)
    ))
}

/// Output of the analyst views: also CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// A table for people.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV for spreadsheets, pandas, DuckDB.
    Csv,
}

impl From<Format> for Report {
    fn from(format: Format) -> Report {
        match format {
            Format::Table => Report::Table,
            Format::Json => Report::Json,
            Format::Csv => Report::Csv,
            Format::Jsonl | Format::Pairs => Report::Json,
        }
    }
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    Ok(String::from_utf8(
        writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

fn emit_report(
    header: &[&str],
    rows: Vec<Vec<String>>,
    report: Report,
    multi_line: bool,
) -> Result<()> {
    match report {
        Report::Csv => {
            let text = csv_text(header, rows)?;
            emit(text.trim_end())
        }
        _ => {
            let mut out = table(header, multi_line);
            for row in rows {
                out.add_row(row);
            }
            emit(format_args!("{out}"))
        }
    }
}

fn parties_text(parties: &[amity_domain::Party]) -> String {
    parties
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ⇄ ")
}

fn split_text(split: &amity_projections::analysis::Split) -> String {
    if split.possible == 0 {
        split.definite.to_string()
    } else {
        format!("{} (+{} possible)", split.definite, split.possible)
    }
}

/// After `milestone add`.
pub fn milestone_recorded(
    outcome: &amity_ledger::Outcome<Milestone>,
    id: uuid::Uuid,
    format: Format,
) -> Result<()> {
    let (milestone, fresh) = match outcome {
        amity_ledger::Outcome::Recorded(m) => (m, true),
        amity_ledger::Outcome::AlreadyRecorded(m) => (m, false),
    };
    match format {
        Format::Json => print_json(&json!({
            "event_id": id,
            "key": milestone.key,
            "occurred": milestone.occurred,
            "recorded": fresh,
        })),
        Format::Table | Format::Csv | Format::Jsonl | Format::Pairs => emit(format_args!(
            "{} milestone {} ({}): {}",
            if fresh {
                "recorded"
            } else {
                "already recorded (nothing written):"
            },
            milestone.key,
            milestone.occurred,
            milestone.title
        )),
    }
}

/// `milestone list`.
pub fn milestones(milestones: &[Milestone], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(milestones);
    }
    let rows = milestones
        .iter()
        .map(|m| {
            vec![
                m.key.to_string(),
                m.occurred.to_string(),
                m.title.clone(),
                m.sources
                    .iter()
                    .map(source_line)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        })
        .collect();
    emit_report(
        &["key", "occurred", "title", "sources"],
        rows,
        format.into(),
        true,
    )
}

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
    let rows: Vec<Vec<String>> = outcomes
        .partnerships
        .iter()
        .map(|row| {
            vec![
                row.partnership.to_string(),
                parties_text(&row.parties),
                row.decision.name().to_owned(),
                decisions_text(row.decision_certainty, &row.competing_decisions),
                decision_event_text(row),
                row.status.name().to_owned(),
                certainty_text(row.status_certainty, &row.competing),
            ]
        })
        .collect();
    let header = [
        "partnership",
        "parties",
        "decision",
        "decision certainty",
        "decision event",
        "status at end",
        "status certainty",
    ];
    if report == Report::Csv {
        return emit_report(&header, rows, report, false);
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

/// `changes`.
pub fn changes(changes: &[analysis::Change], report: Report) -> Result<()> {
    if report == Report::Json {
        return print_json(changes);
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
                event
                    .occurred
                    .clone()
                    .unwrap_or_else(|| "unknown".to_owned()),
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

/// `bar` with `template` when stderr is a terminal; a hidden bar otherwise.
fn on_terminal(bar: indicatif::ProgressBar, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("progress template"));
    bar
}

/// A bar of `total` events processed, on a terminal (stderr); hidden otherwise.
pub fn writing_bar(total: u64) -> indicatif::ProgressBar {
    on_terminal(
        indicatif::ProgressBar::new(total),
        "{bar:40} {pos}/{len} events ({per_sec}, {eta})",
    )
}

/// A count of lines processed, on a terminal (stderr); hidden otherwise.
pub fn progress_bar() -> indicatif::ProgressBar {
    on_terminal(
        indicatif::ProgressBar::new_spinner(),
        "{spinner} {pos} lines ({per_sec})",
    )
}

/// The end of an import: rejected rows on stderr, then one summary line; an error when the file
/// was refused.
pub fn import_summary(
    file: &std::path::Path,
    summary: &amity_ledger::archive::ImportSummary,
    options: amity_ledger::archive::ImportOptions,
) -> Result<()> {
    for note in &summary.notes {
        emit(note)?;
    }
    for rejected in summary.rejected.iter().take(200) {
        eprintln!("{rejected}");
    }
    if summary.rejected.len() > 200 {
        eprintln!("… and {} more rejected rows", summary.rejected.len() - 200);
    }
    let line = format!(
        "{}: {} rows read, {} events written, {} duplicates skipped, {} rows rejected{}",
        file.display(),
        summary.rows_read,
        summary.events_written,
        summary.duplicates_skipped,
        summary.rejected.len(),
        if options.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    if !summary.rejected.is_empty() && options.dry_run {
        anyhow::bail!("{line}");
    }
    if !summary.rejected.is_empty() && !options.skip_invalid {
        anyhow::bail!("{line}; nothing was written (fix the rows, or use --skip-invalid)");
    }
    emit(line)
}

fn write_csv(out: &mut dyn std::io::Write, header: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// `export --format csv --view status`.
pub fn write_status_csv(out: &mut dyn std::io::Write, views: &[StatusView]) -> Result<()> {
    let header = [
        "partnership",
        "party_a",
        "country_a",
        "region_a",
        "party_b",
        "country_b",
        "region_b",
        "kind",
        "status",
        "certainty",
        "competing",
        "since",
        "as_of",
        "events",
        "first_attested",
    ];
    let rows = views
        .iter()
        .map(|view| {
            let (a, b) = (&view.parties[0], &view.parties[1]);
            vec![
                view.partnership.to_string(),
                a.name.clone(),
                a.country.clone(),
                a.subdivision.clone().unwrap_or_default(),
                b.name.clone(),
                b.country.clone(),
                b.subdivision.clone().unwrap_or_default(),
                view.kind.to_string(),
                view.status.name().to_owned(),
                certainty_name(view.certainty).to_owned(),
                statuses_text(&view.competing),
                view.since.clone().unwrap_or_default(),
                view.as_of.clone().unwrap_or_default(),
                view.events.to_string(),
                view.first_attested.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write_csv(out, &header, rows)
}

/// `export --format csv --view timeline`.
pub fn write_timeline_csv(
    out: &mut dyn std::io::Write,
    pairs: &[(StatusRow, Vec<TimelineRow>)],
) -> Result<()> {
    let header = [
        "partnership",
        "seq",
        "event_id",
        "type",
        "occurred",
        "earliest",
        "latest",
        "term_as_written",
        "certainty",
        "disputed",
        "retracted_by",
        "status_after",
        "source_titles",
        "source_urls",
        "note",
        "recorded_by",
        "recorded_at",
    ];
    let rows = pairs
        .iter()
        .flat_map(|(_, timeline)| timeline.iter())
        .map(|row| {
            vec![
                row.partnership.to_string(),
                row.seq.to_string(),
                row.event_id.clone(),
                row.event_type.clone(),
                row.occurred.clone().unwrap_or_default(),
                row.earliest.clone().unwrap_or_default(),
                row.latest.clone().unwrap_or_default(),
                row.term_as_written.clone().unwrap_or_default(),
                row.certainty.name().to_owned(),
                row.disputed.to_string(),
                row.retracted_by.clone().unwrap_or_default(),
                row.status_after
                    .map(|s| s.name().to_owned())
                    .unwrap_or_default(),
                row.sources
                    .iter()
                    .map(|s| s.title.clone())
                    .collect::<Vec<_>>()
                    .join(" | "),
                row.sources
                    .iter()
                    .filter_map(|s| s.url.clone())
                    .collect::<Vec<_>>()
                    .join(" | "),
                row.note.clone().unwrap_or_default(),
                row.recorded_by.clone(),
                row.recorded_at.clone(),
            ]
        })
        .collect();
    write_csv(out, &header, rows)
}

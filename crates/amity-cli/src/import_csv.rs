//! `amity import --format csv FILE`: one lifecycle event per row, for spreadsheets.
//!
//! Header (required, in any order): `party_a, country_a, region_a, party_b, country_b,
//! region_b, kind, event, occurred, term_as_written, certainty, source_title,
//! source_publisher, source_url, source_date, note`. `event` is one of `founded`, `attested`,
//! `suspended`, `reinstated`, `terminated`, `reaffirmed`; `country_*` is ISO 3166-1 alpha-2,
//! `region_*` an optional ISO 3166-2 code; `kind` defaults to `sister-city`, `certainty` to
//! `confirmed`. Rows may come in any order: each partnership's new rows are checked together
//! (legal as a whole, whatever their order in the file); when they conflict, every row that
//! can join the others is kept and the rest are named. A row's event id is a UUID v5 of its content, so importing a file twice (or the same
//! row from two files) records it once.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::{
    Certainty, EdtfDate, Event, EventType, Facts, Occurred, Partnership, PartnershipId,
    PartnershipKind, Party, Recorded, Source,
};
use amity_ledger::archive::ImportSummary;
use amity_ledger::{Ledger, Outcome, ToRecord};
use anyhow::Result;

/// The columns, in documentation order.
pub const COLUMNS: [&str; 16] = [
    "party_a",
    "country_a",
    "region_a",
    "party_b",
    "country_b",
    "region_b",
    "kind",
    "event",
    "occurred",
    "term_as_written",
    "certainty",
    "source_title",
    "source_publisher",
    "source_url",
    "source_date",
    "note",
];

/// The namespace of row ids (UUID v5).
const ROW_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f1d_3c2a_8b4e_4c7f_9a61_2e0b_7d33_c5a1);

struct Row {
    line: u64,
    item: ToRecord,
}

fn event_type(word: &str) -> Option<EventType> {
    Some(match word {
        "founded" => EventType::PartnershipFounded,
        "attested" => EventType::PartnershipAttested,
        "suspended" => EventType::PartnershipSuspended,
        "reinstated" => EventType::PartnershipReinstated,
        "terminated" => EventType::PartnershipTerminated,
        "reaffirmed" => EventType::PartnershipReaffirmed,
        _ => return None,
    })
}

fn certainty(word: &str) -> Option<Certainty> {
    Some(match word {
        "" | "confirmed" => Certainty::Confirmed,
        "probable" => Certainty::Probable,
        "possible" => Certainty::Possible,
        "disputed" => Certainty::Disputed,
        _ => return None,
    })
}

/// One row to an event; the error is `field: reason`.
fn parse_row(
    get: &dyn Fn(&str) -> String,
    recorded_by: &str,
) -> std::result::Result<ToRecord, String> {
    if let Some(column) = COLUMNS.iter().find(|column| get(column).contains('\0')) {
        return Err(format!(
            "{column}: holds a NUL character (U+0000); remove it"
        ));
    }
    let optional = |field: &str| Some(get(field)).filter(|value| !value.is_empty());
    let party = |name: &str, country: &str, region: &str| -> std::result::Result<Party, String> {
        let party_name = get(name);
        if party_name.is_empty() {
            return Err(format!("{name}: missing"));
        }
        let region = optional(region);
        Party::new(&party_name, &get(country), region.as_deref(), None).map_err(|error| {
            let field = if get(country).len() != 2 {
                country
            } else {
                name
            };
            format!("{field}: {error}")
        })
    };
    let a = party("party_a", "country_a", "region_a")?;
    let b = party("party_b", "country_b", "region_b")?;
    let kind =
        optional("kind").map_or_else(PartnershipKind::sister_city, |k| PartnershipKind::new(&k));
    let partnership = Partnership::new(a, b, kind).map_err(|e| format!("party_b: {e}"))?;
    let word = get("event");
    let event_type = event_type(&word).ok_or_else(|| {
        format!("event: {word:?} is not one of founded, attested, suspended, reinstated, terminated, reaffirmed")
    })?;
    let occurred: Occurred = get("occurred")
        .parse()
        .map_err(|e| format!("occurred: {e}"))?;
    let certainty_word = get("certainty");
    let certainty = certainty(&certainty_word).ok_or_else(|| {
        format!(
            "certainty: {certainty_word:?} is not one of confirmed, probable, possible, disputed"
        )
    })?;
    let mut sources = Vec::new();
    if let Some(title) = optional("source_title") {
        sources.push(Source {
            title,
            publisher: optional("source_publisher"),
            url: optional("source_url"),
            published: optional("source_date")
                .map(|date| date.parse::<EdtfDate>())
                .transpose()
                .map_err(|e| format!("source_date: {e}"))?,
            locator: None,
            role: None,
        });
    } else if ["source_publisher", "source_url", "source_date"]
        .iter()
        .any(|field| optional(field).is_some())
    {
        return Err("source_title: missing while other source columns are given".to_owned());
    }
    let facts = Facts {
        occurred,
        term_as_written: optional("term_as_written"),
        sources,
        certainty,
        initiated_by: None,
        note: optional("note"),
    };
    let content: Vec<String> = COLUMNS.iter().map(|field| get(field)).collect();
    let mut item = ToRecord::lifecycle(
        Event::lifecycle(event_type, partnership, facts),
        recorded_by,
    );
    item.event_id = uuid::Uuid::new_v5(&ROW_NAMESPACE, content.join("\u{1f}").as_bytes());
    Ok(item)
}

/// Import a lifecycle CSV file.
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: amity_ledger::archive::ImportOptions,
    recorded_by: &str,
) -> Result<ImportSummary> {
    let name = path.display().to_string();
    let mut summary = ImportSummary::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name}:1: header: {e}"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|column| !headers.iter().any(|h| h == column))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!("{name}:1: header: missing columns {}", missing.join(", "));
    }
    let position: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();

    let mut rows: Vec<Row> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                summary.rows_read += 1;
                let line = error.position().map_or(line, |p| p.line());
                summary
                    .rejected
                    .push(format!("{name}:{line}: row: {error}"));
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        summary.rows_read += 1;
        let get = |field: &str| {
            position
                .get(field)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        match parse_row(&get, recorded_by) {
            Ok(item) => rows.push(Row { line, item }),
            Err(reason) => summary.rejected.push(format!("{name}:{line}: {reason}")),
        }
    }

    // Rules: each partnership's rows in valid-time order, on top of what the ledger holds.
    let mut by_partnership: HashMap<PartnershipId, Vec<Row>> = HashMap::new();
    for row in rows {
        by_partnership
            .entry(row.item.partnership.clone())
            .or_default()
            .push(row);
    }
    // Per partnership: its stored length when checked, its new rows, its rows already stored.
    let mut accepted: Vec<(PartnershipId, u64, Vec<ToRecord>, u64)> = Vec::new();
    let mut ids: Vec<PartnershipId> = by_partnership.keys().cloned().collect();
    ids.sort();
    for id in ids {
        let mut group = by_partnership.remove(&id).unwrap_or_default();
        // Valid-time order; on the same dates a founding or attestation comes first.
        group.sort_by_key(|row| {
            let occurred = &row.item.event.facts().occurred;
            let establishing = matches!(
                row.item.event.event_type(),
                EventType::PartnershipFounded | EventType::PartnershipAttested
            );
            (
                occurred.earliest(),
                occurred.latest(),
                !establishing,
                row.line,
            )
        });
        let timeline = ledger.load(&id).await?;
        let mut items = Vec::new();
        let mut fresh: Vec<Row> = Vec::new();
        let mut stored_already = 0u64;
        for row in group {
            if timeline.contains(row.item.event_id)
                || fresh.iter().any(|f| f.item.event_id == row.item.event_id)
            {
                stored_already += 1;
            } else {
                fresh.push(row);
            }
        }
        let candidate = |row: &Row, version: usize| Recorded {
            id: row.item.event_id,
            partnership: id.clone(),
            stream_version: version as u64,
            recorded_by: recorded_by.into(),
            recorded_at: jiff::Timestamp::now(),
            event: row.item.event.clone(),
        };
        // All of the partnership's new rows at once: legal together, whatever their order.
        let stored = timeline.recorded().len();
        let all: Vec<Recorded> = (0..fresh.len())
            .map(|i| candidate(&fresh[i], stored + i))
            .collect();
        let mut together = timeline.clone();
        match together.record_all(all) {
            Ok(()) => items.extend(fresh.into_iter().map(|row| row.item)),
            Err(unfinished @ amity_domain::Violation::Unfinished { .. }) => {
                anyhow::bail!("{name}: {unfinished}")
            }
            Err(_) => {
                // Some rows conflict: keep every row that can join the others, trying again
                // while any joins (a row may need one that comes later in the file), and name
                // the rows that never can.
                let mut kept = timeline.clone();
                let mut left: Vec<(Row, Option<amity_domain::Violation>)> =
                    fresh.into_iter().map(|row| (row, None)).collect();
                loop {
                    let mut progress = false;
                    let mut still = Vec::new();
                    for (row, _) in left {
                        let next = candidate(&row, kept.recorded().len());
                        match kept.record(next) {
                            Ok(()) => {
                                progress = true;
                                items.push(row.item);
                            }
                            Err(unfinished @ amity_domain::Violation::Unfinished { .. }) => {
                                anyhow::bail!("{name}:{}: event: {unfinished}", row.line)
                            }
                            Err(violation) => still.push((row, Some(violation))),
                        }
                    }
                    left = still;
                    if !progress || left.is_empty() {
                        break;
                    }
                }
                for (row, violation) in left {
                    let reason = violation.map(|v| v.to_string()).unwrap_or_default();
                    summary
                        .rejected
                        .push(format!("{name}:{}: event: {reason}", row.line));
                }
            }
        }
        accepted.push((id, stored as u64, items, stored_already));
    }
    if options.dry_run || (!summary.rejected.is_empty() && !options.skip_invalid) {
        return Ok(summary);
    }
    // Written a few hundred partnerships at a time, each batch atomic; each partnership's
    // append expects the stream as it was checked above (a stream changed meanwhile fails
    // its batch, and nothing of that batch is written).
    let bar = crate::output::writing_bar(
        accepted
            .iter()
            .map(|(_, _, items, _)| items.len() as u64)
            .sum(),
    );
    let mut batch = Vec::new();
    for (id, stored, items, stored_already) in accepted {
        summary.duplicates_skipped += stored_already;
        bar.inc(items.len() as u64);
        batch.push((id, stored, items));
        if batch.len() == 500 {
            summary.events_written += ledger.append_checked(std::mem::take(&mut batch)).await?;
        }
    }
    summary.events_written += ledger.append_checked(batch).await?;
    bar.finish_and_clear();
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}

/// Record one batch (atomic), counting what was new and moving the bar; shared by the CSV and
/// pairs imports.
pub async fn record_batch(
    ledger: &Ledger,
    items: Vec<ToRecord>,
    summary: &mut ImportSummary,
    bar: &indicatif::ProgressBar,
) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let n_items = items.len() as u64;
    for outcome in ledger.record_all(items).await? {
        match outcome {
            Outcome::Recorded(_) => summary.events_written += 1,
            Outcome::AlreadyRecorded(_) => summary.duplicates_skipped += 1,
        }
    }
    bar.inc(n_items);
    Ok(())
}

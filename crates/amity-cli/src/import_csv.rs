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
use std::sync::Arc;

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

/// About how many events one atomic batch of the import writes (whole partnerships): large
/// batches mean few commits, each waiting for the disk.
const BATCH_EVENTS: usize = 50_000;

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

/// A part of the file turned into events: its rows, and its rejections with their lines.
type Parsed = (Vec<Row>, Vec<(u64, String)>);

/// A row's fields, trimmed, in [`COLUMNS`] order.
type Fields<'r> = [&'r str; 16];

/// One row to an event; the error is `field: reason`. Partnerships already built for the same
/// seven party columns are reused from `partnerships` (a file holds many rows per pair).
fn parse_row(
    fields: &Fields<'_>,
    recorded_by: &str,
    partnerships: &mut HashMap<String, (Arc<Partnership>, PartnershipId)>,
) -> std::result::Result<ToRecord, String> {
    let get = |field: &str| -> &str {
        COLUMNS
            .iter()
            .position(|column| *column == field)
            .map_or("", |index| fields[index])
    };
    if let Some(column) = COLUMNS.iter().find(|column| get(column).contains('\0')) {
        return Err(format!(
            "{column}: holds a NUL character (U+0000); remove it"
        ));
    }
    let optional = |field: &str| Some(get(field).to_owned()).filter(|value| !value.is_empty());
    let party = |name: &str, country: &str, region: &str| -> std::result::Result<Party, String> {
        let party_name = get(name);
        if party_name.is_empty() {
            return Err(format!("{name}: missing"));
        }
        let region_code = optional(region);
        Party::new(party_name, get(country), region_code.as_deref(), None).map_err(|error| {
            // Name the column the error is about.
            let field = match &error {
                amity_domain::PartyError::Code { reason, .. } if reason.starts_with("country") => {
                    country
                }
                amity_domain::PartyError::Code { reason, .. }
                    if reason.starts_with("subdivision") =>
                {
                    region
                }
                _ => name,
            };
            format!("{field}: {error}")
        })
    };
    let pair_key = fields[..7].join("\u{1f}");
    let (partnership, id) = match partnerships.get(&pair_key) {
        Some(known) => known.clone(),
        None => {
            let partnership = Arc::new(build_partnership(&party, &optional)?);
            let id = partnership.id();
            partnerships.insert(pair_key, (partnership.clone(), id.clone()));
            (partnership, id)
        }
    };
    let word = get("event");
    let event_type = event_type(word).ok_or_else(|| {
        format!("event: {word:?} is not one of founded, attested, suspended, reinstated, terminated, reaffirmed")
    })?;
    let occurred = match get("occurred") {
        "" => Occurred::Unknown,
        text if text.eq_ignore_ascii_case("unknown") => Occurred::Unknown,
        text => Occurred::Date(EdtfDate::parse_cached(text).map_err(|e| format!("occurred: {e}"))?),
    };
    let certainty_word = get("certainty");
    let certainty = certainty(certainty_word).ok_or_else(|| {
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
                .map(|date| EdtfDate::parse_cached(&date))
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
    Ok(ToRecord {
        partnership: id,
        event_id: uuid::Uuid::new_v5(&ROW_NAMESPACE, fields.join("\u{1f}").as_bytes()),
        event: Event::lifecycle(event_type, partnership, facts),
        recorded_by: recorded_by.to_owned(),
    })
}

/// What the check of one partnership's rows gives: its stored length, the rows to write, how
/// many were stored already, and the rows refused (line, reason); or the line (if any) and the
/// check that could not be finished.
type Checked = std::result::Result<Accepted, (Option<u64>, amity_domain::Violation)>;

/// One partnership's rows, checked.
struct Accepted {
    id: PartnershipId,
    stored: u64,
    items: Vec<ToRecord>,
    stored_already: u64,
    rejected: Vec<(u64, String)>,
}

/// Check one partnership's rows on top of its stored history: all new rows together (legal
/// as a whole, whatever their order); when they conflict, every row that can join the others
/// is kept, trying again while any joins (a row may need one that comes later in the file),
/// and the rows that never can are refused.
fn check_partnership(
    timeline: &amity_domain::Timeline,
    own: u64,
    mut group: Vec<Row>,
    recorded_by: &str,
) -> Checked {
    let id = timeline.id().clone();
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
    let now = jiff::Timestamp::now();
    let candidate = |row: &Row, version: usize| Recorded {
        id: row.item.event_id,
        partnership: id.clone(),
        stream_version: version as u64,
        recorded_by: recorded_by.into(),
        recorded_at: now,
        event: row.item.event.clone(),
    };
    let stored = timeline.recorded().len();
    let all: Vec<Recorded> = (0..fresh.len())
        .map(|i| candidate(&fresh[i], stored + i))
        .collect();
    let mut together = timeline.clone();
    let mut rejected = Vec::new();
    match together.record_all(all) {
        Ok(()) => items.extend(fresh.into_iter().map(|row| row.item)),
        Err(unfinished @ amity_domain::Violation::Unfinished { .. }) => {
            return Err((None, unfinished));
        }
        Err(_) => {
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
                            return Err((Some(row.line), unfinished));
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
                rejected.push((row.line, reason));
            }
        }
    }
    Ok(Accepted {
        id,
        stored: own,
        items,
        stored_already,
        rejected,
    })
}

/// A row's event with its parties as the ledger knows them (see
/// [`crate::parties::Resolver::resolve`]); `None` when they are as written.
fn resolve_row(
    item: &ToRecord,
    resolver: &crate::parties::Resolver,
) -> std::result::Result<Option<ToRecord>, String> {
    let Some(body) = item.event.as_lifecycle() else {
        return Ok(None);
    };
    let [a, b] = &body.partnership.parties;
    let found_a = resolver.resolve(a).map_err(|e| format!("party_a: {e}"))?;
    let found_b = resolver.resolve(b).map_err(|e| format!("party_b: {e}"))?;
    if found_a.key() == a.key() && found_b.key() == b.key() {
        return Ok(None);
    }
    let mut facts = body.facts.clone();
    facts.initiated_by = facts.initiated_by.map(|key| {
        if key == a.key() {
            found_a.key()
        } else if key == b.key() {
            found_b.key()
        } else {
            key
        }
    });
    let partnership = Partnership::new(found_a, found_b, body.partnership.kind.clone())
        .map_err(|e| format!("party_b: {e}"))?;
    let mut resolved = item.clone();
    resolved.partnership = partnership.id();
    resolved.event = Event::lifecycle(item.event.event_type(), partnership, facts);
    Ok(Some(resolved))
}

/// The partnership of a row's seven party columns.
fn build_partnership(
    party: &dyn Fn(&str, &str, &str) -> std::result::Result<Party, String>,
    optional: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Partnership, String> {
    let a = party("party_a", "country_a", "region_a")?;
    let b = party("party_b", "country_b", "region_b")?;
    let kind =
        optional("kind").map_or_else(PartnershipKind::sister_city, |k| PartnershipKind::new(&k));
    Partnership::new(a, b, kind).map_err(|e| format!("party_b: {e}"))
}

/// Import a lifecycle CSV file.
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: amity_ledger::archive::ImportOptions,
    recorded_by: &str,
    resolver: Option<&crate::parties::Resolver>,
) -> Result<ImportSummary> {
    let name = path.display().to_string();
    let mut summary = ImportSummary::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| anyhow::Error::new(e).context(name.clone()))?;
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

    let started = std::time::Instant::now();
    // Records are read in order, a chunk at a time; each chunk's rows are turned into events
    // on every core and put back in file order (rejections too).
    const CHUNK: usize = 65_536;
    let mut rows: Vec<Row> = Vec::new();
    let mut rejected: Vec<(u64, String)> = Vec::new();
    let indices: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|field| position.get(field).copied())
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut records: Vec<(u64, csv::StringRecord)> = Vec::with_capacity(CHUNK);
    let mut ended = false;
    while !ended {
        records.clear();
        while records.len() < CHUNK {
            let mut record = csv::StringRecord::new();
            let line = reader.position().line() + 1;
            match reader.read_record(&mut record) {
                Ok(false) => {
                    ended = true;
                    break;
                }
                Ok(true) => {}
                Err(error) => {
                    summary.rows_read += 1;
                    let line = error.position().map_or(line, |p| p.line());
                    rejected.push((line, format!("{name}:{line}: row: {error}")));
                    if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                        ended = true;
                        break;
                    }
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            summary.rows_read += 1;
            records.push((line, record));
        }
        let part_size = records.len().div_ceil(threads).max(1);
        let parsed: Vec<Parsed> = std::thread::scope(|scope| {
            let workers: Vec<_> = records
                .chunks(part_size)
                .map(|part| {
                    let (indices, name) = (&indices, &name);
                    scope.spawn(move || {
                        let mut partnerships = HashMap::new();
                        let mut rows = Vec::with_capacity(part.len());
                        let mut rejected = Vec::new();
                        for (line, record) in part {
                            let fields: Fields<'_> = std::array::from_fn(|column| {
                                indices[column]
                                    .and_then(|i| record.get(i))
                                    .unwrap_or("")
                                    .trim()
                            });
                            match parse_row(&fields, recorded_by, &mut partnerships) {
                                Ok(item) => rows.push(Row { line: *line, item }),
                                Err(reason) => {
                                    rejected.push((*line, format!("{name}:{line}: {reason}")))
                                }
                            }
                        }
                        (rows, rejected)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("a parsing thread"))
                .collect()
        });
        for (part_rows, part_rejected) in parsed {
            rows.extend(part_rows);
            rejected.extend(part_rejected);
        }
    }
    // Names as recording finds them: a known key, else the one party of that folded name or
    // alias in its region; an ambiguous name is a rejected row listing the candidates.
    if let Some(resolver) = resolver {
        let mut kept = Vec::with_capacity(rows.len());
        for mut row in rows {
            match resolve_row(&row.item, resolver) {
                Ok(Some(item)) => row.item = item,
                Ok(None) => {}
                Err(reason) => {
                    rejected.push((row.line, format!("{name}:{}: {reason}", row.line)));
                    continue;
                }
            }
            kept.push(row);
        }
        rows = kept;
    }
    // Keys that same-as links make one community: their rows go to the community's stream
    // and are checked against its merged history.
    let links = ledger.links().await?;
    if links.has_merges() {
        for row in &mut rows {
            if links.canonical_partnership(&row.item.partnership) != row.item.partnership {
                row.item = ledger.to_community(&row.item, &links).await?;
            }
        }
    }
    rejected.sort_by_key(|(line, _)| *line);
    summary
        .rejected
        .extend(rejected.into_iter().map(|(_, message)| message));

    tracing::debug!(rows = rows.len(), elapsed = ?started.elapsed(), "csv import: rows read");
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
    let ledger_is_empty = ledger
        .store()
        .read_all(amity_store::Position::START, 1)
        .await?
        .is_empty();
    let mut ids: Vec<PartnershipId> = by_partnership.keys().cloned().collect();
    ids.sort();
    // Each partnership's stored history (an empty ledger, the usual bulk import, holds none),
    // then the checks, which need nothing else, on every core.
    let mut work: Vec<(amity_domain::Timeline, u64, Vec<Row>)> = Vec::with_capacity(ids.len());
    for id in ids {
        let group = by_partnership.remove(&id).unwrap_or_default();
        let (timeline, own) = if ledger_is_empty {
            (amity_domain::Timeline::new(id), 0)
        } else {
            ledger.community_timeline(&id, &links).await?
        };
        work.push((timeline, own, group));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let part_size = work.len().div_ceil(threads).max(1);
    let checked: Vec<Vec<Checked>> = std::thread::scope(|scope| {
        let workers: Vec<_> = work
            .chunks_mut(part_size)
            .map(|part| {
                scope.spawn(move || {
                    part.iter_mut()
                        .map(|(timeline, own, group)| {
                            check_partnership(timeline, *own, std::mem::take(group), recorded_by)
                        })
                        .collect()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a checking thread"))
            .collect()
    });
    for result in checked.into_iter().flatten() {
        let Accepted {
            id,
            stored,
            items,
            stored_already,
            rejected,
        } = result.map_err(|(line, unfinished)| {
            // Kept as the typed error, so that the exit code says "not finished" (4).
            let place = match line {
                Some(line) => format!("{name}:{line}: event"),
                None => name.clone(),
            };
            anyhow::Error::new(unfinished).context(place)
        })?;
        summary.rejected.extend(
            rejected
                .into_iter()
                .map(|(line, reason)| format!("{name}:{line}: event: {reason}")),
        );
        accepted.push((id, stored, items, stored_already));
    }
    tracing::debug!(partnerships = accepted.len(), elapsed = ?started.elapsed(), "csv import: checked");
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
    // One batch is encoded while the one before is written (each batch atomic on its own).
    let mut batch = Vec::new();
    let mut in_flight: Option<tokio::task::JoinHandle<amity_ledger::Result<u64>>> = None;
    let mut send = |batch: Vec<(PartnershipId, u64, Vec<ToRecord>)>| {
        let ledger = ledger.clone();
        in_flight.replace(tokio::spawn(
            async move { ledger.append_checked(batch).await },
        ))
    };
    let mut written = 0u64;
    let mut in_batch = 0usize;
    for (id, stored, items, stored_already) in accepted {
        summary.duplicates_skipped += stored_already;
        bar.inc(items.len() as u64);
        in_batch += items.len();
        batch.push((id, stored, items));
        if in_batch >= BATCH_EVENTS {
            in_batch = 0;
            if let Some(previous) = send(std::mem::take(&mut batch)) {
                written += previous.await??;
            }
        }
    }
    if let Some(previous) = send(batch) {
        written += previous.await??;
    }
    if let Some(last) = in_flight.take() {
        written += last.await??;
    }
    summary.events_written += written;
    bar.finish_and_clear();
    tracing::debug!(elapsed = ?started.elapsed(), "csv import: written");
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

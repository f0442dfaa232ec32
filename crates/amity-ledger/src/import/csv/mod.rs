//! The lifecycle CSV (`amity import --format csv FILE`): one lifecycle event per row, for
//! spreadsheets.
//!
//! Header (required, in any order): `party_a, country_a, region_a, party_b, country_b,
//! region_b, kind, event, occurred, term_as_written, certainty, source_title,
//! source_publisher, source_url, source_date, note`. `event` is one of `founded`, `attested`,
//! `suspended`, `reinstated`, `terminated`, `reaffirmed`; `country_*` is ISO 3166-1 alpha-2,
//! `region_*` an optional ISO 3166-2 code; `kind` defaults to `sister-city`, `certainty` to
//! `confirmed`; `occurred` is EDTF or `unknown` (an empty cell is refused), not after today
//! (UTC), and `source_url` a URL of the schemes `amity_domain::URL_SCHEMES`; texts hold no
//! control characters, and line breaks only in `term_as_written` and `note`. Rows may come in any order: each partnership's new rows are checked together
//! (legal as a whole, whatever their order in the file); when they conflict, every row that
//! can join the others is kept and the rest are named. A row's event id is a UUID v5 of its
//! content, so importing a file twice (or the same row from two files) records it once.
//! A free-text cell (party names, kind, term as written, the source's title, publisher and
//! address, the note) that begins with `'` followed by `=`, `+`, `-` or `@` loses that one
//! `'`: it is how `amity`'s CSV output keeps spreadsheets from running a cell as a formula.
//!
//! Rows are parsed on every core a chunk at a time; each partnership's new rows are checked
//! together, the partnerships spread over every core; they are written in atomic batches of
//! about 50,000 events while the next batch is encoded. In a ledger that holds events, each
//! row's parties are first found as recording finds them ([`Names`]), and rows of same-as
//! keys go to their community's stream.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::PartnershipId;

use crate::import::{ImportOptions, ImportSummary, Names, Progress};
use crate::{Error, Ledger, Result, ToRecord};

mod check;
mod read;
mod row;

use check::{check_partnership, Accepted, Checked};
pub use row::COLUMNS;
use row::{resolve_row, Row};

/// About how many events one atomic batch of the import writes (whole partnerships): large
/// batches mean few commits, each waiting for the disk.
const BATCH_EVENTS: usize = 50_000;

/// Import a lifecycle CSV file (see the module docs), its events recorded by `recorded_by`.
/// With `names`, each row's parties are found among the ledger's as recording finds them (an
/// empty ledger, the usual bulk import, needs none); a name several parties answer to is a
/// rejected row that lists them. `progress` hears of the rows read, then of the events
/// written.
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: ImportOptions,
    recorded_by: &str,
    names: Option<&dyn Names>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    let name = path.display().to_string();
    let mut summary = ImportSummary::default();
    let started = std::time::Instant::now();
    let (mut rows, mut rejected) = read::read(path, &name, recorded_by, &mut summary, progress)?;
    // Names as recording finds them: a known key, else the one party of that folded name or
    // alias in its region; an ambiguous name is a rejected row listing the candidates.
    if let Some(names) = names {
        let mut kept = Vec::with_capacity(rows.len());
        for mut row in rows {
            match resolve_row(&row.item, names) {
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
        } = result.map_err(|(line, unfinished)| Error::ImportUnfinished {
            file: name.clone(),
            line,
            source: unfinished,
        })?;
        summary.rejected.extend(
            rejected
                .into_iter()
                .map(|(line, reason)| format!("{name}:{line}: event: {reason}")),
        );
        accepted.push((id, stored, items, stored_already));
    }
    tracing::debug!(partnerships = accepted.len(), elapsed = ?started.elapsed(), "csv import: checked");
    if !summary.writes(options) {
        return Ok(summary);
    }
    // Written a few hundred partnerships at a time, each batch atomic; each partnership's
    // append expects the stream as it was checked above (a stream changed meanwhile fails
    // its batch, and nothing of that batch is written).
    progress(Progress::Writing {
        events: accepted
            .iter()
            .map(|(_, _, items, _)| items.len() as u64)
            .sum(),
    });
    // One batch is encoded while the one before is written (each batch atomic on its own).
    let mut batch = Vec::new();
    let mut in_flight: Option<tokio::task::JoinHandle<Result<u64>>> = None;
    let mut send = |batch: Vec<(PartnershipId, u64, Vec<ToRecord>)>| {
        let ledger = ledger.clone();
        in_flight.replace(tokio::spawn(
            async move { ledger.append_checked(batch).await },
        ))
    };
    let mut written = 0u64;
    let mut in_batch = 0usize;
    let mut sent = 0u64;
    for (id, stored, items, stored_already) in accepted {
        summary.duplicates_skipped += stored_already;
        sent += items.len() as u64;
        progress(Progress::Written { done: sent });
        in_batch += items.len();
        batch.push((id, stored, items));
        if in_batch >= BATCH_EVENTS {
            in_batch = 0;
            if let Some(previous) = send(std::mem::take(&mut batch)) {
                written += settled(previous).await?;
            }
        }
    }
    if let Some(previous) = send(batch) {
        written += settled(previous).await?;
    }
    if let Some(last) = in_flight.take() {
        written += settled(last).await?;
    }
    summary.events_written += written;
    progress(Progress::Finished);
    tracing::debug!(elapsed = ?started.elapsed(), "csv import: written");
    summary.wrote = summary.events_written > 0;
    Ok(summary)
}

/// What a batch written on a task of its own wrote.
async fn settled(task: tokio::task::JoinHandle<Result<u64>>) -> Result<u64> {
    task.await
        .map_err(|error| Error::Store(amity_store::Error::backend("import", error)))?
}

#[cfg(test)]
#[path = "../csv_tests.rs"]
mod tests;

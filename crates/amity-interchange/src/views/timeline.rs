//! The views of stored events: `timeline`, `sources`, `party_links`, `milestones`.

use std::collections::HashSet;
use std::io::Write;

use amity_domain::{Event, Milestone, RegisterEvent, Source, LINKS_STREAM, MILESTONES_STREAM};
use amity_ledger::archive::views::{MILESTONES, SOURCES, TIMELINE, TIMELINE_END};
use amity_ledger::StoredEvent;
use amity_projections::placement::{Placement, Placements};

use super::cells::{date, timestamp, ViewWriter};
use super::feed::{Feed, Stored};
use crate::Result;

/// A stored event's payload that does not decode (the store was changed behind the ledger's
/// back): the ledger's error, naming the event.
pub(super) fn undecodable(stored: &Stored, error: amity_domain::DecodeError) -> crate::Error {
    undecodable_event(&stored.record.as_stored(), error)
}

/// [`undecodable`], of an event borrowed where it is read.
fn undecodable_event(event: &StoredEvent<'_>, error: amity_domain::DecodeError) -> crate::Error {
    amity_ledger::Error::Decode {
        event_id: event.event_id,
        stream: event.stream.to_owned(),
        stream_version: event.stream_version,
        source: amity_ledger::DecodeFailure::Payload(error),
    }
    .into()
}

/// The `timeline` view: one row per stored event of every partnership, in the order of the
/// histories (`placements`: by partnership, each partnership's entries in valid-time order),
/// then any event of a partnership's stream no history shows. `feed` holds the stored events
/// (read after `placements`); returns the rows written. One thread, the rows in order: the
/// reference for [`super::export_timeline`], which `history --format csv` uses for one history.
pub fn write_timeline(
    feed: &Feed,
    placements: &Placements,
    raw: bool,
    out: &mut dyn Write,
) -> Result<u64> {
    // The rows in order, each once: a stored event and the place its history gives it.
    let mut written: HashSet<u64> = HashSet::new();
    let mut rows: Vec<(&Stored, Option<Placement<'_>>)> = Vec::with_capacity(feed.len());
    for row in placements.iter() {
        let Some(stored) = feed.get(row.entry.event_id) else {
            continue;
        };
        if written.insert(stored.log_index) {
            rows.push((stored, Some(row)));
        }
    }
    for stored in &feed.events {
        if amity_domain::is_partnership_stream(&stored.record.stream)
            && written.insert(stored.log_index)
        {
            rows.push((stored, None));
        }
    }
    let columns: Vec<&str> = TIMELINE.iter().chain(&TIMELINE_END).copied().collect();
    let mut writer = ViewWriter::new(out, &columns, raw)?;
    let mut made = MadeCells::default();
    for (stored, place) in &rows {
        let event = stored.record.as_stored();
        timeline_row(
            &mut made,
            &event,
            stored.log_index,
            &stored.recorded_by,
            *place,
            |cells| writer.row(cells),
        )?;
    }
    writer.finish()?;
    Ok(rows.len() as u64)
}

/// The cells of a row that are made rather than borrowed (numbers, ids, times), written one
/// after another into one buffer that each row reuses.
#[derive(Default)]
pub(super) struct MadeCells {
    text: String,
    ends: Vec<usize>,
    /// The last moment written, as [`timestamp`] writes it: the events of one recording share
    /// theirs.
    moment: Option<(jiff::Timestamp, String)>,
}

impl MadeCells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Write a cell; its number, for [`MadeCells::get`].
    fn push(&mut self, value: impl std::fmt::Display) -> usize {
        use std::fmt::Write as _;
        write!(self.text, "{value}").expect("writing to a String does not fail");
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    /// Write a whole number (as `Display` does, faster); its cell's number.
    fn push_number(&mut self, value: u64) -> usize {
        self.text.push_str(itoa::Buffer::new().format(value));
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    /// Write a moment as [`timestamp`] writes it; its cell's number.
    fn push_moment(&mut self, moment: jiff::Timestamp) -> usize {
        let text = match &self.moment {
            Some((last, text)) if *last == moment => text,
            _ => &self.moment.insert((moment, timestamp(moment))).1,
        };
        self.text.push_str(text);
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    fn get(&self, cell: usize) -> &str {
        let start = cell.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start..self.ends[cell]]
    }
}

/// The columns of the timeline (`TIMELINE`, then `TIMELINE_END`) that an entry's history
/// derives, in column order: `partnership`, `seq`, `earliest`, `latest`, `disputed`,
/// `status_after`, `retracted_by`. The other columns are the stored event's own.
pub(super) const DERIVED: [usize; 7] = [0, 1, 9, 10, 13, 14, 15];

/// The cells of the [`DERIVED`] columns, in their order: from the entry's place in its history
/// (`seq`: its position, as written), or, for an event no history shows (`None`), its stream
/// and empty cells.
pub(super) fn derived_cells<'a>(
    place: Option<Placement<'a>>,
    seq: &'a str,
    stream: &'a str,
) -> [&'a str; 7] {
    match place {
        Some(Placement { partnership, entry }) => [
            partnership,
            seq,
            date(entry.earliest),
            date(entry.latest),
            if entry.disputed { "true" } else { "false" },
            entry.status_after.map_or("", |status| status.name()),
            entry.retracted_by.unwrap_or_default(),
        ],
        None => [stream, "", "", "", "", "", ""],
    }
}

/// One row of the timeline, its cells handed to `write`: the stored event (at `log_index`,
/// recorded by `recorded_by`), and what its history derives (`None` for an event no history
/// shows). `made` is the row's buffer, reused.
pub(super) fn timeline_row(
    made: &mut MadeCells,
    record: &StoredEvent<'_>,
    log_index: u64,
    recorded_by: &str,
    derived: Option<Placement<'_>>,
    write: impl FnOnce(&[&str]) -> Result<()>,
) -> Result<()> {
    let event = Event::decode(record.event_type, record.schema_version, record.payload)
        .map_err(|error| undecodable_event(record, error))?;
    let facts = event.facts();
    let (target, reason) = match &event {
        Event::Retracted(body) => (Some(body.target), Some(body.reason.as_str())),
        Event::Cited(body) => (Some(body.target), None),
        _ => (None, None),
    };
    let partnership = event.as_lifecycle().map(|body| &*body.partnership);
    let party = |side: usize| -> [&str; 5] {
        match partnership {
            Some(partnership) => {
                let party = &partnership.parties[side];
                [
                    &party.name,
                    &party.country,
                    party.subdivision.as_deref().unwrap_or_default(),
                    party.wikidata.as_deref().unwrap_or_default(),
                    party.qualifier.as_deref().unwrap_or_default(),
                ]
            }
            None => Default::default(),
        }
    };
    let (a, b) = (party(0), party(1));
    made.clear();
    let seq = derived.map(|row| made.push_number(row.entry.seq));
    let log_index = made.push_number(log_index);
    let event_id = made.push(record.event_id);
    let stream_version = made.push_number(record.stream_version);
    let schema_version = made.push_number(record.schema_version.into());
    let target = target.map(|id| made.push(id));
    let alternative = event.alternative_to().map(|id| made.push(id));
    let sources = made.push_number(facts.sources.len() as u64);
    let recorded_at = made.push_moment(record.recorded_at);
    let made = &*made;
    let optional = |cell: Option<usize>| cell.map_or("", |cell| made.get(cell));
    let mut cells: [&str; 35] = [
        "",
        "",
        made.get(log_index),
        made.get(event_id),
        record.stream,
        made.get(stream_version),
        record.event_type,
        made.get(schema_version),
        date(facts.occurred.date().map(|d| d.as_str())),
        "",
        "",
        facts.term_as_written.as_deref().unwrap_or_default(),
        facts.certainty.name(),
        "",
        "",
        "",
        optional(target),
        reason.unwrap_or_default(),
        optional(alternative),
        facts.initiated_by.as_ref().map_or("", |key| key.as_str()),
        a[0],
        a[1],
        a[2],
        a[3],
        a[4],
        b[0],
        b[1],
        b[2],
        b[3],
        b[4],
        partnership.map_or("", |p| p.kind.as_str()),
        facts.note.as_deref().unwrap_or_default(),
        made.get(sources),
        recorded_by,
        made.get(recorded_at),
    ];
    let place = derived_cells(derived, optional(seq), record.stream);
    for (&column, cell) in DERIVED.iter().zip(place) {
        cells[column] = cell;
    }
    write(&cells)
}

/// The sources of a stored event the views show (a partnership's, a registration's, a link's
/// or a milestone's).
fn sources_of(stored: &Stored) -> Result<Option<Vec<Source>>> {
    let record = &stored.record;
    let stream = record.stream.as_str();
    Ok(if amity_domain::is_partnership_stream(stream) {
        let event = Event::decode(&record.event_type, record.schema_version, &record.payload)
            .map_err(|error| undecodable(stored, error))?;
        Some(event.facts().sources.clone())
    } else if stream == LINKS_STREAM {
        match RegisterEvent::decode(&record.event_type, record.schema_version, &record.payload)
            .map_err(|error| undecodable(stored, error))?
        {
            RegisterEvent::Linked(link) => Some(link.sources),
            RegisterEvent::Unlinked(unlink) => Some(unlink.sources),
            _ => None,
        }
    } else if amity_domain::is_register_stream(stream) {
        match RegisterEvent::decode(&record.event_type, record.schema_version, &record.payload)
            .map_err(|error| undecodable(stored, error))?
        {
            RegisterEvent::Registered(registration) => Some(registration.sources),
            RegisterEvent::Aliased(aliases) => Some(aliases.sources),
            _ => None,
        }
    } else if stream == MILESTONES_STREAM {
        let milestone =
            Milestone::decode(&record.event_type, record.schema_version, &record.payload)
                .map_err(|error| undecodable(stored, error))?;
        Some(milestone.sources)
    } else {
        None
    })
}

/// The `sources` view: one row per source of every event of the timeline, registrations,
/// party links and milestones views, in the global order of the events and each event's own order.
pub fn write_sources(feed: &Feed, raw: bool, out: &mut dyn Write) -> Result<u64> {
    let mut writer = ViewWriter::new(out, &SOURCES, raw)?;
    let mut count = 0;
    for stored in &feed.events {
        for (index, source) in sources_of(stored)?.unwrap_or_default().iter().enumerate() {
            let role = source
                .role
                .map(|role| match role {
                    amity_domain::SourceRole::Primary => "primary",
                    amity_domain::SourceRole::Secondary => "secondary",
                })
                .unwrap_or_default();
            writer.row(&[
                &stored.record.event_id.to_string(),
                &index.to_string(),
                &source.title,
                source.publisher.as_deref().unwrap_or_default(),
                source.url.as_deref().unwrap_or_default(),
                source.published.as_ref().map_or("", |d| d.as_str()),
                source.locator.as_deref().unwrap_or_default(),
                role,
            ])?;
            count += 1;
        }
    }
    writer.finish()?;
    Ok(count)
}

/// A bound's cell: the day, `unknown` when unbounded.
fn day(day: amity_domain::Day) -> String {
    match day.ymd() {
        Some(_) => day.to_string(),
        None => "unknown".to_owned(),
    }
}

/// The `milestones` view: one row per milestone, in global order.
pub fn write_milestones(feed: &Feed, raw: bool, out: &mut dyn Write) -> Result<u64> {
    let mut writer = ViewWriter::new(out, &MILESTONES, raw)?;
    let mut count = 0;
    for stored in feed
        .events
        .iter()
        .filter(|s| s.record.stream == MILESTONES_STREAM)
    {
        let record = &stored.record;
        let milestone =
            Milestone::decode(&record.event_type, record.schema_version, &record.payload)
                .map_err(|error| undecodable(stored, error))?;
        writer.row(&[
            &stored.log_index.to_string(),
            &record.event_id.to_string(),
            &record.stream_version.to_string(),
            milestone.key.as_str(),
            &milestone.title,
            milestone.occurred.as_str(),
            &day(milestone.occurred.earliest()),
            &day(milestone.occurred.latest()),
            milestone.note.as_deref().unwrap_or_default(),
            &milestone.sources.len().to_string(),
            &stored.recorded_by,
            &timestamp(record.recorded_at),
        ])?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

//! The views of stored events: `timeline`, `sources`, `party_links`, `milestones`.

use std::collections::HashSet;
use std::io::Write;

use amity_domain::{Event, Milestone, RegisterEvent, Source, LINKS_STREAM, MILESTONES_STREAM};
use amity_ledger::archive::views::{MILESTONES, SOURCES, TIMELINE, TIMELINE_END};
use amity_projections::placement::Placement;

use super::cells::{date, timestamp, ViewWriter};
use super::feed::{Feed, Stored};
use crate::Result;

/// A stored event's payload that does not decode (the store was changed behind the ledger's
/// back): the ledger's error, naming the event.
pub(super) fn undecodable(stored: &Stored, error: amity_domain::DecodeError) -> crate::Error {
    amity_ledger::Error::Decode {
        event_id: stored.record.event_id,
        stream: stored.record.stream.to_string(),
        stream_version: stored.record.stream_version,
        source: amity_ledger::DecodeFailure::Payload(error),
    }
    .into()
}

/// The `timeline` view: one row per stored event of every partnership, in the order of the
/// histories (`placements`: by partnership, each partnership's entries in valid-time order),
/// then any event of a partnership's stream no history shows. `feed` holds the stored events
/// (read after `placements`); returns the rows written.
pub fn write_timeline(
    feed: &Feed,
    placements: &[Placement],
    raw: bool,
    out: &mut dyn Write,
) -> Result<u64> {
    // The rows in order, each once: a stored event and the place its history gives it.
    let mut written: HashSet<u64> = HashSet::new();
    let mut rows: Vec<(&Stored, Option<&Placement>)> = Vec::with_capacity(feed.len());
    for row in placements {
        let Some(stored) = feed.get(&row.event_id) else {
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
    // Each event is decoded and its cells made: the second half of the rows on a thread of its
    // own, into a buffer written after the first half.
    let (first, second) = rows.split_at(rows.len() / 2);
    let guarded = writer.guarded();
    let later = std::thread::scope(|scope| -> Result<Vec<u8>> {
        let later = scope.spawn(move || -> Result<Vec<u8>> {
            let mut bytes = Vec::new();
            let mut writer = ViewWriter::rows_only(&mut bytes, guarded);
            for (stored, place) in second {
                timeline_row(&mut writer, stored, *place)?;
            }
            writer.finish()?;
            Ok(bytes)
        });
        let written = first
            .iter()
            .try_for_each(|(stored, place)| timeline_row(&mut writer, stored, *place));
        let later = later.join().expect("the formatting thread does not panic");
        written.and(later)
    })?;
    writer.finish()?;
    out.write_all(&later)?;
    Ok(rows.len() as u64)
}

/// One row of the timeline: the stored event, and what its history derives (`None` for an
/// event no history shows).
fn timeline_row(
    writer: &mut ViewWriter<'_>,
    stored: &Stored,
    derived: Option<&Placement>,
) -> Result<()> {
    let record = &stored.record;
    let event = Event::decode(&record.event_type, record.schema_version, &record.payload)
        .map_err(|error| undecodable(stored, error))?;
    let facts = event.facts();
    let (target, reason) = match &event {
        Event::Retracted(body) => (Some(body.target.to_string()), Some(body.reason.as_str())),
        Event::Cited(body) => (Some(body.target.to_string()), None),
        _ => (None, None),
    };
    let partnership = event.as_lifecycle().map(|body| &*body.partnership);
    let party = |side: usize| -> [String; 5] {
        match partnership {
            Some(partnership) => {
                let party = &partnership.parties[side];
                [
                    party.name.clone(),
                    party.country.clone(),
                    party.subdivision.clone().unwrap_or_default(),
                    party.wikidata.clone().unwrap_or_default(),
                    party.qualifier.clone().unwrap_or_default(),
                ]
            }
            None => Default::default(),
        }
    };
    let (a, b) = (party(0), party(1));
    let derived_cell = |value: Option<String>| value.unwrap_or_default();
    let cells: Vec<String> = vec![
        derived.map_or_else(
            || record.stream.to_string(),
            |row| row.partnership.to_string(),
        ),
        derived_cell(derived.map(|row| row.seq.to_string())),
        stored.log_index.to_string(),
        record.event_id.to_string(),
        record.stream.to_string(),
        record.stream_version.to_string(),
        record.event_type.to_string(),
        record.schema_version.to_string(),
        date(facts.occurred.date().map(|d| d.as_str())),
        derived_cell(derived.map(|row| date(row.earliest.as_deref()))),
        derived_cell(derived.map(|row| date(row.latest.as_deref()))),
        facts.term_as_written.clone().unwrap_or_default(),
        facts.certainty.name().to_owned(),
        derived_cell(derived.map(|row| row.disputed.to_string())),
        derived_cell(derived.and_then(|row| row.status_after.map(|s| s.name().to_owned()))),
        derived_cell(derived.and_then(|row| row.retracted_by.clone())),
        target.unwrap_or_default(),
        reason.unwrap_or_default().to_owned(),
        event
            .alternative_to()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        facts
            .initiated_by
            .as_ref()
            .map(|key| key.to_string())
            .unwrap_or_default(),
        a[0].clone(),
        a[1].clone(),
        a[2].clone(),
        a[3].clone(),
        a[4].clone(),
        b[0].clone(),
        b[1].clone(),
        b[2].clone(),
        b[3].clone(),
        b[4].clone(),
        partnership
            .map(|p| p.kind.as_str().to_owned())
            .unwrap_or_default(),
        facts.note.clone().unwrap_or_default(),
        facts.sources.len().to_string(),
        stored.recorded_by.clone(),
        timestamp(record.recorded_at),
    ];
    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
    writer.row(&cells)
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

//! The register's views: `registrations` (a party's registrations and more names) and
//! `party_links`.

use std::io::Write;

use amity_domain::{RegisterEvent, LINKS_STREAM};
use amity_ledger::archive::views::{join_list, PARTY_LINKS, REGISTRATIONS};

use super::cells::{timestamp, ViewWriter};
use super::feed::Feed;
use super::timeline::undecodable;
use crate::Result;

/// The `registrations` view: one row per party registration and record of more names, in
/// global order.
pub fn write_registrations(feed: &Feed, raw: bool, out: &mut dyn Write) -> Result<u64> {
    let mut writer = ViewWriter::new(out, &REGISTRATIONS, raw)?;
    let mut count = 0;
    for stored in &feed.events {
        let record = &stored.record;
        if record.stream == LINKS_STREAM || !amity_domain::is_register_stream(&record.stream) {
            continue;
        }
        let event =
            RegisterEvent::decode(&record.event_type, record.schema_version, &record.payload)
                .map_err(|error| undecodable(stored, error))?;
        let empty = String::new();
        let (key, party, kind, geonames, coordinates, aliases, note, sources) = match &event {
            RegisterEvent::Registered(body) => (
                body.key.to_string(),
                Some(&body.party),
                body.kind.map_or("", |kind| kind.name()),
                body.geonames.map(|id| id.to_string()).unwrap_or_default(),
                body.coordinates,
                join_list(&body.aliases),
                body.note.as_ref().unwrap_or(&empty),
                body.sources.len(),
            ),
            RegisterEvent::Aliased(body) => (
                body.key.to_string(),
                None,
                "",
                String::new(),
                None,
                join_list(&body.aliases),
                body.note.as_ref().unwrap_or(&empty),
                body.sources.len(),
            ),
            _ => continue,
        };
        let (latitude, longitude) = coordinates
            .map(|(lat, lon)| (lat.to_string(), lon.to_string()))
            .unwrap_or_default();
        writer.row(&[
            &stored.log_index.to_string(),
            &record.event_id.to_string(),
            &record.stream_version.to_string(),
            &record.event_type,
            &key,
            party.map_or("", |p| p.name.as_str()),
            party.map_or("", |p| p.country.as_str()),
            party
                .and_then(|p| p.subdivision.as_deref())
                .unwrap_or_default(),
            party
                .and_then(|p| p.wikidata.as_deref())
                .unwrap_or_default(),
            party
                .and_then(|p| p.qualifier.as_deref())
                .unwrap_or_default(),
            kind,
            &geonames,
            &latitude,
            &longitude,
            &aliases,
            note,
            &sources.to_string(),
            &stored.recorded_by,
            &timestamp(record.recorded_at),
        ])?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

/// The `party_links` view: one row per link and link retraction, in global order.
pub fn write_party_links(feed: &Feed, raw: bool, out: &mut dyn Write) -> Result<u64> {
    let mut writer = ViewWriter::new(out, &PARTY_LINKS, raw)?;
    let mut count = 0;
    for stored in feed
        .events
        .iter()
        .filter(|s| s.record.stream == LINKS_STREAM)
    {
        let record = &stored.record;
        let event =
            RegisterEvent::decode(&record.event_type, record.schema_version, &record.payload)
                .map_err(|error| undecodable(stored, error))?;
        let (relation, a, b, target, reason, note, sources) = match &event {
            RegisterEvent::Linked(link) => (
                link.relation.name().to_owned(),
                link.a.to_string(),
                link.b.to_string(),
                String::new(),
                String::new(),
                link.note.clone().unwrap_or_default(),
                link.sources.len(),
            ),
            RegisterEvent::Unlinked(unlink) => (
                String::new(),
                String::new(),
                String::new(),
                unlink.target.to_string(),
                unlink.reason.clone(),
                String::new(),
                unlink.sources.len(),
            ),
            _ => continue,
        };
        writer.row(&[
            &stored.log_index.to_string(),
            &record.event_id.to_string(),
            &record.stream_version.to_string(),
            &record.event_type,
            &relation,
            &a,
            &b,
            &target,
            &reason,
            &note,
            &sources.to_string(),
            &stored.recorded_by,
            &timestamp(record.recorded_at),
        ])?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

//! The views' rows turned back into the stored events they were written from, as the lines
//! of a JSON Lines archive in global order.

use std::collections::HashMap;

use amity_domain::event::SCHEMA_VERSION;
use amity_domain::register::{PARTIES_LINKED, PARTY_ALIASED, PARTY_REGISTERED};
use amity_domain::{Event, EventType, Milestone, RegisterEvent};
use serde_json::{json, Map, Value};

use super::columns::{
    ViewFiles, MILESTONES, PARTY_LINKS, REGISTRATIONS, SOURCES, TIMELINE, TIMELINE_END,
};
use super::table::{self, Row, Table};
use crate::Result;

/// The name the archive import gives the lines built here (its rejections are told by the
/// rows they came from, [`told_by_row`]).
pub(super) const LINES_NAME: &str = "(views)";

/// The archive built from the views.
pub(super) struct Built {
    /// The archive's lines, in global order.
    pub(super) lines: Vec<u8>,
    /// For each line (the first is line 1), the row it came from: `FILE:LINE`.
    pub(super) origins: Vec<String>,
    /// Rows read in every file.
    pub(super) rows_read: u64,
    /// Rows that could not be turned into events: `FILE:LINE: column: reason`.
    pub(super) rejected: Vec<String>,
}

/// One event built from a row: its place in the feed, its row, its archive line.
struct Built1 {
    log_index: u64,
    origin: String,
    line: String,
}

/// An archive line (`crate::archive`'s format), its payload as encoded.
#[derive(serde::Serialize)]
struct Line<'a> {
    event_id: uuid::Uuid,
    stream: &'a str,
    stream_version: u64,
    #[serde(rename = "type")]
    event_type: &'a str,
    schema_version: u32,
    recorded_by: &'a str,
    recorded_at: &'a str,
    payload: &'a serde_json::value::RawValue,
}

/// A source row, kept until the event it belongs to takes it.
struct SourceRow {
    origin: String,
    index: u64,
    source: Value,
}

/// Build the archive from the views.
pub(super) fn build(files: ViewFiles<'_>) -> Result<Built> {
    let mut rejected = Vec::new();
    let mut rows_read = 0;
    let mut sources: HashMap<uuid::Uuid, Vec<SourceRow>> = HashMap::new();
    if let Some(path) = files.sources {
        let table = table::read(path, &SOURCES, files.raw)?;
        rows_read += (table.rows.len() + table.rejected.len()) as u64;
        rejected.extend(table.rejected.iter().cloned());
        for row in &table.rows {
            match source_row(row) {
                Ok((event_id, source)) => sources.entry(event_id).or_default().push(SourceRow {
                    origin: format!("{}:{}", table.name, row.line),
                    index: source.0,
                    source: source.1,
                }),
                Err(reason) => rejected.push(format!("{}:{}: {reason}", table.name, row.line)),
            }
        }
    }
    let mut events: Vec<Built1> = Vec::new();
    let timeline_columns: Vec<&str> = TIMELINE.iter().chain(&TIMELINE_END).copied().collect();
    let views: [(Option<&std::path::Path>, &[&str], Kind); 4] = [
        (Some(files.timeline), &timeline_columns, Kind::Timeline),
        (files.registrations, &REGISTRATIONS, Kind::Registrations),
        (files.party_links, &PARTY_LINKS, Kind::PartyLinks),
        (files.milestones, &MILESTONES, Kind::Milestones),
    ];
    for (path, columns, kind) in views {
        let Some(path) = path else { continue };
        let table = table::read(path, columns, files.raw)?;
        rows_read += (table.rows.len() + table.rejected.len()) as u64;
        rejected.extend(table.rejected.iter().cloned());
        for row in &table.rows {
            match event_of(&table, row, columns, kind, &mut sources) {
                Ok(event) => events.push(event),
                Err(reason) => rejected.push(format!("{}:{}: {reason}", table.name, row.line)),
            }
        }
    }
    for rows in sources.values() {
        for row in rows {
            rejected.push(format!(
                "{}: event_id: no event of the views has this id",
                row.origin
            ));
        }
    }
    events.sort_by_key(|event| event.log_index);
    for pair in events.windows(2) {
        if pair[0].log_index == pair[1].log_index && pair[0].line != pair[1].line {
            rejected.push(format!(
                "{}: log_index: {} is also the index of {}",
                pair[1].origin, pair[1].log_index, pair[0].origin
            ));
        }
    }
    let mut lines = Vec::new();
    let mut origins = Vec::with_capacity(events.len());
    for event in events {
        lines.extend_from_slice(event.line.as_bytes());
        lines.push(b'\n');
        origins.push(event.origin);
    }
    Ok(Built {
        lines,
        origins,
        rows_read,
        rejected,
    })
}

/// A rejection of the archive import (`(views):N: reason`) told by the row line `N` came
/// from.
pub(super) fn told_by_row(rejected: &str, origins: &[String]) -> String {
    let told = rejected
        .strip_prefix(LINES_NAME)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(number, reason)| {
            let origin = origins.get(number.parse::<usize>().ok()?.checked_sub(1)?)?;
            Some(format!("{origin}: {reason}"))
        });
    told.unwrap_or_else(|| rejected.to_owned())
}

/// Which view a row is of.
#[derive(Clone, Copy)]
enum Kind {
    Timeline,
    Registrations,
    PartyLinks,
    Milestones,
}

/// The cells of a row by column name.
struct Cells<'a> {
    row: &'a Row,
    columns: &'a [&'a str],
}

impl Cells<'_> {
    fn get(&self, column: &str) -> &str {
        let index = self
            .columns
            .iter()
            .position(|c| *c == column)
            .expect("a column of the view");
        self.row.cell(index)
    }

    /// The cell, `None` when empty.
    fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|cell| !cell.is_empty())
    }

    fn required(&self, column: &str) -> Result<&str, String> {
        self.optional(column)
            .ok_or_else(|| format!("{column}: empty, and it is needed"))
    }

    fn number(&self, column: &str) -> Result<u64, String> {
        let cell = self.required(column)?;
        cell.parse()
            .map_err(|_| format!("{column}: {cell:?} is not a whole number"))
    }

    fn uuid(&self, column: &str) -> Result<uuid::Uuid, String> {
        let cell = self.required(column)?;
        cell.parse()
            .map_err(|error| format!("{column}: {cell:?} is not a UUID ({error})"))
    }

    /// Put the cell in `payload` under `key` when it is not empty.
    fn put(&self, payload: &mut Map<String, Value>, column: &str, key: &str) {
        if let Some(cell) = self.optional(column) {
            payload.insert(key.to_owned(), Value::from(cell));
        }
    }
}

/// A row of the sources view: its event, and its index and source.
fn source_row(row: &Row) -> Result<(uuid::Uuid, (u64, Value)), String> {
    let cells = Cells {
        row,
        columns: &SOURCES,
    };
    let event_id = cells.uuid("event_id")?;
    let index = cells.number("source_index")?;
    let mut source = Map::new();
    source.insert("title".into(), Value::from(cells.get("title")));
    for column in ["publisher", "url", "published", "locator", "role"] {
        cells.put(&mut source, column, column);
    }
    Ok((event_id, (index, Value::Object(source))))
}

/// The sources of an event, in order: exactly `count`, numbered from 0.
fn sources_of(
    event_id: uuid::Uuid,
    count: u64,
    sources: &mut HashMap<uuid::Uuid, Vec<SourceRow>>,
) -> Result<Value, String> {
    let mut rows = sources.remove(&event_id).unwrap_or_default();
    rows.sort_by_key(|row| row.index);
    let indices: Vec<u64> = rows.iter().map(|row| row.index).collect();
    if indices != (0..count).collect::<Vec<_>>() {
        return Err(format!(
            "source_count: {count}, but the sources view holds {} for this event (source_index {:?})",
            rows.len(),
            indices
        ));
    }
    Ok(Value::Array(
        rows.into_iter().map(|row| row.source).collect(),
    ))
}

/// The `occurred` cell as the payload holds it: `unknown` (or empty) is `null`.
fn occurred(cells: &Cells<'_>) -> Result<Value, String> {
    match cells.get("occurred") {
        "" | "unknown" => Ok(Value::Null),
        date => {
            date.parse::<amity_domain::EdtfDate>()
                .map_err(|error| format!("occurred: {error}"))?;
            Ok(Value::from(date))
        }
    }
}

/// A row turned into its archive line.
fn event_of(
    table: &Table,
    row: &Row,
    columns: &[&str],
    kind: Kind,
    sources: &mut HashMap<uuid::Uuid, Vec<SourceRow>>,
) -> Result<Built1, String> {
    let cells = Cells { row, columns };
    let log_index = cells.number("log_index")?;
    let event_id = cells.uuid("event_id")?;
    let stream_version = cells.number("stream_version")?;
    let recorded_by = cells.required("recorded_by")?;
    let recorded_at = cells.required("recorded_at")?;
    recorded_at
        .parse::<jiff::Timestamp>()
        .map_err(|error| format!("recorded_at: {recorded_at:?}: {error}"))?;
    let count = cells.number("source_count")?;
    let found_sources = sources_of(event_id, count, sources)?;
    let (stream, event_type, payload) = match kind {
        Kind::Timeline => timeline_payload(&cells, found_sources)?,
        Kind::Registrations => registration_payload(&cells, found_sources)?,
        Kind::PartyLinks => link_payload(&cells, found_sources)?,
        Kind::Milestones => milestone_payload(&cells, found_sources)?,
    };
    let payload = serde_json::value::RawValue::from_string(payload).expect("encoded JSON");
    let line = Line {
        event_id,
        stream: &stream,
        stream_version,
        event_type: &event_type,
        schema_version: SCHEMA_VERSION,
        recorded_by,
        recorded_at,
        payload: &payload,
    };
    Ok(Built1 {
        log_index,
        origin: format!("{}:{}", table.name, row.line),
        line: serde_json::to_string(&line).expect("a line serializes"),
    })
}

/// A timeline row's stream, type and payload (encoded by the domain, as stored).
fn timeline_payload(cells: &Cells<'_>, sources: Value) -> Result<(String, String, String), String> {
    let stream = cells.required("stream")?.to_owned();
    let event_type = cells.required("type")?;
    let known = EventType::from_name(event_type)
        .ok_or_else(|| format!("type: unknown event type {event_type:?}"))?;
    let schema_version = cells.number("schema_version")?;
    if schema_version != u64::from(SCHEMA_VERSION) {
        return Err(format!(
            "schema_version: {schema_version}; this build reads version {} views",
            SCHEMA_VERSION
        ));
    }
    let mut payload = Map::new();
    if known.is_lifecycle() {
        let party = |side: &str| -> Result<Value, String> {
            let mut party = Map::new();
            let name = cells.required(&format!("party_{side}_name"))?;
            party.insert("name".into(), Value::from(name));
            let country = cells.required(&format!("party_{side}_country"))?;
            party.insert("country".into(), Value::from(country));
            for field in ["subdivision", "wikidata", "qualifier"] {
                cells.put(&mut party, &format!("party_{side}_{field}"), field);
            }
            Ok(Value::Object(party))
        };
        let mut partnership = Map::new();
        partnership.insert("parties".into(), json!([party("a")?, party("b")?]));
        cells.put(&mut partnership, "kind", "kind");
        payload.insert("partnership".into(), Value::Object(partnership));
        cells.put(&mut payload, "alternative_to", "alternative_to");
    } else {
        payload.insert("target".into(), Value::from(cells.required("target")?));
        if known == EventType::EntryRetracted {
            payload.insert("reason".into(), Value::from(cells.required("reason")?));
        }
    }
    payload.insert("occurred".into(), occurred(cells)?);
    cells.put(&mut payload, "term_as_written", "term_as_written");
    payload.insert("sources".into(), sources);
    payload.insert(
        "certainty".into(),
        Value::from(cells.required("certainty")?),
    );
    cells.put(&mut payload, "initiated_by", "initiated_by");
    cells.put(&mut payload, "note", "note");
    let bytes = Value::Object(payload).to_string();
    let event = Event::decode(event_type, SCHEMA_VERSION, bytes.as_bytes())
        .map_err(|error| format!("row: {}", error.reason))?;
    Ok((stream, event_type.to_owned(), event.encode()))
}

/// The stored type of a retraction.
const ENTRY_RETRACTED_NAME: &str = "EntryRetracted";

/// A party links row's stream, type and payload.
fn link_payload(cells: &Cells<'_>, sources: Value) -> Result<(String, String, String), String> {
    let event_type = cells.required("type")?;
    let mut payload = Map::new();
    match event_type {
        PARTIES_LINKED => {
            payload.insert("relation".into(), Value::from(cells.required("relation")?));
            payload.insert("a".into(), Value::from(cells.required("a")?));
            payload.insert("b".into(), Value::from(cells.required("b")?));
            payload.insert("sources".into(), sources);
            cells.put(&mut payload, "note", "note");
        }
        ENTRY_RETRACTED_NAME => {
            payload.insert("target".into(), Value::from(cells.required("target")?));
            payload.insert("reason".into(), Value::from(cells.required("reason")?));
            payload.insert("occurred".into(), Value::Null);
            payload.insert("sources".into(), sources);
            payload.insert("certainty".into(), Value::from("confirmed"));
        }
        other => {
            return Err(format!(
                "type: {other:?}; a party link is {PARTIES_LINKED} or {ENTRY_RETRACTED_NAME}"
            ))
        }
    }
    let bytes = Value::Object(payload).to_string();
    let event = RegisterEvent::decode(event_type, SCHEMA_VERSION, bytes.as_bytes())
        .map_err(|error| format!("row: {}", error.reason))?;
    Ok((event.stream(), event_type.to_owned(), event.encode()))
}

/// A registrations row's stream, type and payload.
fn registration_payload(
    cells: &Cells<'_>,
    sources: Value,
) -> Result<(String, String, String), String> {
    let event_type = cells.required("type")?;
    let mut payload = Map::new();
    payload.insert("key".into(), Value::from(cells.required("key")?));
    let aliases: Vec<Value> = super::table::split_list(cells.get("aliases"))
        .into_iter()
        .map(Value::from)
        .collect();
    match event_type {
        PARTY_REGISTERED => {
            let mut party = Map::new();
            party.insert("name".into(), Value::from(cells.required("name")?));
            party.insert("country".into(), Value::from(cells.required("country")?));
            for field in ["subdivision", "wikidata", "qualifier"] {
                cells.put(&mut party, field, field);
            }
            payload.insert("party".into(), Value::Object(party));
            cells.put(&mut payload, "kind", "kind");
            if let Some(id) = cells.optional("geonames") {
                let id: u64 = id
                    .parse()
                    .map_err(|_| format!("geonames: {id:?} is not a whole number"))?;
                payload.insert("geonames".into(), Value::from(id));
            }
            match (cells.optional("latitude"), cells.optional("longitude")) {
                (None, None) => {}
                (Some(latitude), Some(longitude)) => {
                    let degrees = |column: &str, text: &str| -> Result<f64, String> {
                        text.parse()
                            .map_err(|_| format!("{column}: {text:?} is not a number"))
                    };
                    payload.insert(
                        "coordinates".into(),
                        json!([
                            degrees("latitude", latitude)?,
                            degrees("longitude", longitude)?
                        ]),
                    );
                }
                _ => return Err("latitude: give both latitude and longitude, or neither".into()),
            }
            if !aliases.is_empty() {
                payload.insert("aliases".into(), Value::Array(aliases));
            }
        }
        PARTY_ALIASED => {
            payload.insert("aliases".into(), Value::Array(aliases));
        }
        other => {
            return Err(format!(
                "type: {other:?}; a registration is {PARTY_REGISTERED} or {PARTY_ALIASED}"
            ))
        }
    }
    payload.insert("sources".into(), sources);
    cells.put(&mut payload, "note", "note");
    let bytes = Value::Object(payload).to_string();
    let event = RegisterEvent::decode(event_type, SCHEMA_VERSION, bytes.as_bytes())
        .map_err(|error| format!("row: {}", error.reason))?;
    Ok((event.stream(), event_type.to_owned(), event.encode()))
}

/// A milestones row's stream, type and payload.
fn milestone_payload(
    cells: &Cells<'_>,
    sources: Value,
) -> Result<(String, String, String), String> {
    let mut payload = Map::new();
    payload.insert("key".into(), Value::from(cells.required("key")?));
    payload.insert("title".into(), Value::from(cells.get("title")));
    payload.insert("occurred".into(), occurred(cells)?);
    payload.insert("sources".into(), sources);
    cells.put(&mut payload, "note", "note");
    let bytes = Value::Object(payload).to_string();
    let milestone = Milestone::decode(
        amity_domain::MILESTONE_RECORDED,
        SCHEMA_VERSION,
        bytes.as_bytes(),
    )
    .map_err(|error| format!("row: {}", error.reason))?;
    Ok((
        amity_domain::MILESTONES_STREAM.to_owned(),
        amity_domain::MILESTONE_RECORDED.to_owned(),
        milestone.encode(),
    ))
}

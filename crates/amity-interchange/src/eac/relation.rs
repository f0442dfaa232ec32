//! One partnership as a `relation` of the party's record: the partner as `targetEntity` (a
//! corporate body, with its Wikidata item when known), the dates (the founding–termination
//! span and each other driving entry's date), the relation type, the partner's role (the
//! partnership's kind), and the history as notes citing the record's sources.

use std::io;

use amity_domain::{EventType, Party, Status};
use amity_projections::rows::{StatusRow, TimelineRow};

use super::dates::Dates;
use super::sources::{cited, Sources};
use super::xml::Xml;
use crate::history::{self, Dating};
use crate::wikidata;

/// The `localType` of the span from the founding to the termination.
pub(crate) const SPAN: &str = "founding-termination";

/// One partnership of the party, with its partner.
pub(crate) struct Relation<'a> {
    /// Its status row.
    pub status: &'a StatusRow,
    /// Its history.
    pub timeline: &'a [TimelineRow],
    /// The other party.
    pub partner: &'a Party,
    /// The partner's Wikidata item, when known.
    pub partner_item: Option<&'a str>,
}

impl Relation<'_> {
    /// Its dates: the span, then each other driving entry's date, in history order.
    pub fn dates(&self) -> Vec<(Dates, &'static str)> {
        let driving = history::driving(self.status, self.timeline);
        let founding = history::founding(&driving);
        let termination = history::termination(&driving);
        let dating = |row: Option<&TimelineRow>| row.and_then(|row| Dating::of(self.timeline, row));
        let mut dates: Vec<(Dates, &'static str)> =
            Dates::span(dating(founding).as_ref(), dating(termination).as_ref())
                .map(|span| (span, SPAN))
                .into_iter()
                .collect();
        for row in driving {
            let is = |other: Option<&TimelineRow>| {
                other.is_some_and(|other| other.event_id == row.event_id)
            };
            let Some(event_type) = history::event_type(row) else {
                continue;
            };
            if event_type == EventType::PartnershipFounded || is(founding) || is(termination) {
                continue;
            }
            if let Some(dating) = Dating::of(self.timeline, row) {
                dates.push((Dates::of_entry(&dating), event_type.verb()));
            }
        }
        dates
    }

    /// Write the `relation`.
    pub fn write(&self, xml: &mut Xml<'_>, sources: &Sources<'_>) -> io::Result<()> {
        xml.start("relation", &[])?;
        write_target(xml, self.partner, self.partner_item)?;
        match &self.dates()[..] {
            [] => {}
            [(dates, local_type)] => dates.write(xml, Some(local_type))?,
            several => {
                xml.start("dateSet", &[])?;
                for (dates, local_type) in several {
                    dates.write(xml, Some(local_type))?;
                }
                xml.end("dateSet")?;
            }
        }
        xml.leaf(
            "relationType",
            &[("vocabularySource", "EAC-CPF 2010 cpfRelationType")],
            "associative",
        )?;
        xml.leaf(
            "targetRole",
            &[("localType", "partnershipKind")],
            &self.status.kind.as_str().replace('-', " "),
        )?;
        xml.start("descriptiveNote", &[])?;
        xml.leaf("p", &[], &summary(self.status))?;
        for row in self.timeline {
            let ids: Vec<String> = row
                .sources
                .iter()
                .filter_map(|source| sources.id_of(source))
                .collect();
            let ids = ids.join(" ");
            let attributes: &[(&str, &str)] = if ids.is_empty() {
                &[]
            } else {
                &[("sourceReference", &ids)]
            };
            xml.leaf("p", attributes, &entry(row))?;
        }
        xml.end("descriptiveNote")?;
        xml.end("relation")
    }
}

/// The partner as `targetEntity`.
fn write_target(xml: &mut Xml<'_>, partner: &Party, item: Option<&str>) -> io::Result<()> {
    let uri = item.map(wikidata::entity_uri);
    let mut attributes = vec![("targetType", "corporateBody")];
    if let Some(uri) = &uri {
        attributes.extend([
            ("valueURI", uri.as_str()),
            ("vocabularySource", "Wikidata"),
            ("vocabularySourceURI", wikidata::ENTITY_BASE),
        ]);
    }
    xml.start("targetEntity", &attributes)?;
    name_parts(xml, partner)?;
    xml.end("targetEntity")
}

/// A party's name as `part`s: the name, then its jurisdiction (ISO 3166-2 subdivision or
/// ISO 3166-1 country) and the qualifier that tells it from a homonym, if any.
pub(crate) fn name_parts(xml: &mut Xml<'_>, party: &Party) -> io::Result<()> {
    xml.leaf("part", &[("localType", "name")], &party.name)?;
    let jurisdiction = party.subdivision.as_deref().unwrap_or(&party.country);
    xml.leaf("part", &[("localType", "jurisdiction")], jurisdiction)?;
    if let Some(qualifier) = &party.qualifier {
        xml.leaf("part", &[("localType", "qualifier")], qualifier)?;
    }
    Ok(())
}

/// The partnership in one sentence: its kind and id, its status now and since when.
fn summary(status: &StatusRow) -> String {
    let name = |status: Status| status.name().replace('_', " ");
    let now = if status.possible.is_empty() {
        let mut now = name(status.status);
        if let Some(since) = &status.since {
            now.push_str(&format!(" since {since}"));
        }
        now
    } else {
        let possible: Vec<String> = status.possible.iter().map(|&s| name(s)).collect();
        format!("possibly {}", possible.join(" or "))
    };
    let mut text = format!(
        "Partnership {} ({}): status {now}",
        status.partnership,
        status.kind.as_str().replace('-', " ")
    );
    if let Some(first) = &status.first_attested {
        text.push_str(&format!("; first attested {first}"));
    }
    text.push('.');
    if let Some(conflict) = &status.conflict {
        text.push_str(&format!(
            " Its stored history breaks today's rules: {conflict}."
        ));
    }
    text
}

/// One history entry in a few sentences: date, type and the source's own word, what it is
/// about, how it stands, who took the step, why, the sources, who recorded it and when.
fn entry(row: &TimelineRow) -> String {
    use std::fmt::Write as _;
    let event_type = history::event_type(row);
    let verb: &str = match event_type {
        Some(event_type) => event_type.verb(),
        None => &row.event_type,
    };
    let mut text = String::with_capacity(512);
    // Writing to a String cannot fail.
    match (
        &row.occurred,
        event_type.is_some_and(EventType::is_lifecycle),
    ) {
        (Some(date), _) => {
            let _ = write!(text, "{date}: {verb}");
        }
        (None, true) => {
            let _ = write!(text, "date unknown: {verb}");
        }
        // A retraction or citation is about an entry, not dated in the world.
        (None, false) => {
            let mut letters = verb.chars();
            text.extend(letters.next().map(|first| first.to_ascii_uppercase()));
            text.extend(letters);
        }
    }
    if let Some(term) = &row.term_as_written {
        let _ = write!(text, " (“{term}”)");
    }
    if let Some(target) = &row.target {
        let _ = match event_type {
            Some(EventType::EntryRetracted) => write!(text, " entry {target}"),
            Some(EventType::SourceCited) => write!(text, " for entry {target}"),
            _ => write!(text, ", an alternative claim to entry {target}"),
        };
    }
    let _ = write!(text, "; {}", row.certainty.name());
    if row.disputed {
        text.push_str(" (kept, does not drive the status)");
    }
    if let Some(by) = &row.retracted_by {
        let _ = write!(text, "; retracted by entry {by}");
    }
    if let Some(after) = row.status_after {
        let _ = write!(
            text,
            "; status after it: {}",
            after.name().replace('_', " ")
        );
    }
    text.push('.');
    if let Some(initiated_by) = &row.initiated_by {
        let _ = write!(text, " Initiated by {initiated_by}.");
    }
    if let Some(reason) = &row.reason {
        let _ = write!(text, " Reason: {reason}");
        end_sentence(&mut text);
    }
    if let Some(note) = &row.note {
        let _ = write!(text, " Note: {note}");
        end_sentence(&mut text);
    }
    for (index, source) in row.sources.iter().enumerate() {
        text.push_str(if index == 0 { " Sources: " } else { "; " });
        cited(&mut text, source);
    }
    if !row.sources.is_empty() {
        text.push('.');
    }
    let _ = write!(
        text,
        " Recorded by {} at {} (entry {}).",
        row.recorded_by, row.recorded_at, row.event_id
    );
    text
}

/// End a sentence with a full stop unless it has one.
fn end_sentence(text: &mut String) {
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
}

//! W3C PROV: each recorded event a `prov:Entity` derived from its sources, attributed to who
//! recorded it, about a partnership whose parties are agents.
//!
//! The model (ADR 0012), the same in PROV-O (Turtle) and PROV-JSON:
//! - **an event** is the entity `urn:uuid:EVENT_ID`, typed by its stored type
//!   (`amity:PartnershipSuspended`, …), `dcterms:subject` its partnership, with its valid time
//!   as written (`amity:occurred`, datatype `http://id.loc.gov/datatypes/edtf/EDTF`) and its
//!   bounds (`amity:earliest`, `amity:latest`, `xsd:date`; an open bound or an unknown date
//!   is left out, never invented), `amity:termAsWritten`, `amity:certainty`,
//!   `amity:initiatedBy` and its note (`rdfs:comment`); generated when the ledger stored it
//!   (`prov:generatedAtTime`, `recorded_at`), attributed to who recorded it
//!   (`prov:wasAttributedTo`), derived from each source (`prov:wasDerivedFrom`, also
//!   `prov:hadPrimarySource` for a primary one; the locator on the qualified derivation);
//! - **a source** is an entity of its document (`dcterms:title`, `dc:publisher`, `schema:url`,
//!   `dcterms:issued` as EDTF): the same document cited at several places is one entity;
//! - **a partnership** is an entity (`amity:Partnership`) attributed to its two parties, each
//!   an agent and `prov:Organization`, `owl:sameAs` its Wikidata item when known;
//! - **a retraction** is, besides its own entry, an activity of the ledger that generated that
//!   entry, used the retracted entry and invalidated it (`prov:wasInvalidatedBy`, at the
//!   retraction's `recorded_at`); **a citation**'s sources become the cited entry's too;
//! - **an alternative claim** is `prov:alternateOf` the claim it is an alternative to.
//!
//! Partnership events are written (what `history` shows); milestones and the register's
//! events are not entities of the export, but the register as known at the moment exported
//! describes the parties (their kind, aliases, GeoNames feature, same-as links).

use std::collections::VecDeque;
use std::io::Write;

use amity_domain::{Recorded, Register};
use amity_ledger::{Ledger, Position};
use amity_projections::Projections;

use crate::Result;

mod agents;
mod describe;
mod document;
mod json;
mod model;
mod turtle;
mod vocab;

use describe::Prepared;
use document::{Appending, Chunk, Described, Document};

/// Which serialization of PROV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvFormat {
    /// PROV-O in Turtle.
    Turtle,
    /// PROV-JSON (W3C member submission).
    Json,
}

/// The store's page size for reading the feed.
const PAGE_SIZE: usize = 10_000;

/// Events described together, on one blocking thread.
const CHUNK_EVENTS: usize = 2_048;

/// Chunks being described at once, at most: past it, the reading waits for the oldest.
const CHUNKS_AHEAD: usize = 4;

/// Write every event of the ledger (as known at `known_at`, if given) as PROV; returns the
/// number of events written.
///
/// The feed is read once, in the store's parallel lanes. Each event is met in feed order
/// (what it refers to identified, its sources' first citations found), then described with
/// the others of its chunk on a blocking thread, the chunks written out in feed order: the
/// output held is a few chunks, plus the partnerships and parties met (described at the end)
/// and, for PROV-JSON (one object), the maps that follow its entities. The projections are
/// not read: everything comes from the events and the register.
pub async fn export(
    ledger: &Ledger,
    projections: &Projections,
    known_at: Option<jiff::Timestamp>,
    format: ProvFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    let _ = projections;
    let entries = ledger.register_entries().await?;
    let register = match known_at {
        Some(moment) => Register::known_at(&entries, moment),
        None => Register::from_entries(&entries),
    };
    let mut describer = describe::Describer::new(register);
    let mut document = match format {
        ProvFormat::Turtle => Document::turtle(out)?,
        ProvFormat::Json => Document::json(out)?,
    };
    let mut ahead = VecDeque::new();
    let mut events = Vec::new();
    let mut pages = ledger.pages(Position::START, None, PAGE_SIZE);
    loop {
        let page = pages.next().await?;
        let end = page.is_none();
        for recorded in page.into_iter().flatten() {
            if known_at.is_some_and(|moment| recorded.recorded_at > moment) {
                continue;
            }
            let prepared = describer.prepare(&recorded)?;
            events.push((recorded, prepared));
        }
        if events.len() >= CHUNK_EVENTS || (end && !events.is_empty()) {
            let chunk = document.chunk();
            let events = std::mem::take(&mut events);
            ahead.push_back(tokio::task::spawn_blocking(move || {
                describe(chunk, &events)
            }));
        }
        while ahead.len() > CHUNKS_AHEAD || (end && !ahead.is_empty()) {
            let described = ahead.pop_front().expect("a chunk ahead");
            document.append(described.await.map_err(std::io::Error::other)??)?;
        }
        if end {
            break;
        }
    }
    let count = describer.events();
    let mut appending = Appending::new(&mut document);
    describer.finish(&mut appending)?;
    appending.finish()?;
    document.finish()?;
    Ok(count)
}

/// Describe a chunk's events.
fn describe(mut chunk: Chunk, events: &[(Recorded, Prepared)]) -> std::io::Result<Described> {
    for (recorded, prepared) in events {
        describe::describe(recorded, prepared, &mut chunk)?;
    }
    chunk.described()
}

#[cfg(test)]
#[path = "prov_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "prov_properties_tests.rs"]
mod properties;

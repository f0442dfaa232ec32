//! EAC-CPF 2.0: a party's authority record with one `relation` per partnership.
//!
//! The party is a corporate body (a city, county, state… is one). The record holds its names
//! (the authorized one, its aliases and the names of the keys a same-as link makes one
//! community with it), its identifiers (the Amity key, the Wikidata item, the GeoNames id) and
//! one `relation` per partnership: the partner (with its Wikidata item when known), the
//! relation type (`associative`) and the partner's role (the partnership's kind), the dates
//! (see [`dates`]: the founding–termination span as a `dateRange`, each other driving entry's
//! date as a `date` or, for an interval, a `dateRange`), and the whole history as notes that
//! cite the record's sources (`control/sources`, pointed to by `sourceReference`).
//!
//! The record is valid against the official RELAX NG schema of EAC-CPF 2.0 (checked by the
//! tests with `xmllint` over every party of the example ledger).

use std::collections::HashMap;
use std::io::Write;

use amity_domain::PartyKey;
use amity_projections::{PartyRow, Projections, Selection, StatusRow, TimelineRow};

use crate::{wikidata, Error, Result};

mod dates;
mod record;
mod relation;
mod sources;
mod xml;

/// Write the EAC-CPF 2.0 record of `party` (as the ledger knew it at `known_at`, if given).
///
/// The party is any key of the ledger, registered or named by a partnership; an unknown key
/// is [`Error::UnknownParty`]. The record describes its community: the partnerships of every
/// key a same-as link joins to it.
pub async fn export(
    projections: &Projections,
    party: &PartyKey,
    known_at: Option<jiff::Timestamp>,
    out: &mut dyn Write,
) -> Result<()> {
    let parties = projections.all_parties().await?;
    let by_key: HashMap<&str, &PartyRow> =
        parties.iter().map(|row| (row.key.as_str(), row)).collect();
    let subject = *by_key
        .get(party.as_str())
        .ok_or_else(|| Error::UnknownParty(party.to_string()))?;
    let members: Vec<&PartyRow> = parties
        .iter()
        .filter(|row| row.canonical == subject.canonical && row.key != subject.key)
        .collect();
    let now = jiff::Timestamp::now();
    let pairs = partnerships(projections, subject, known_at.unwrap_or(now)).await?;
    let ledger = projections.ledger().identity().await?;

    let mut relations = Vec::with_capacity(pairs.len());
    for (status, timeline) in &pairs {
        // The partner: the party outside the subject's community.
        let partner = status
            .parties
            .iter()
            .find(|named| {
                by_key
                    .get(named.key().as_str())
                    .map_or(named.key().as_str(), |row| row.canonical.as_str())
                    != subject.canonical
            })
            .or(status.parties.get(1));
        let Some(partner) = partner else { continue };
        let registered = by_key.get(partner.key().as_str()).copied();
        relations.push(relation::Relation {
            status,
            timeline,
            partner,
            partner_item: wikidata::item_of(partner, registered),
        });
    }
    let mut sources = sources::Sources::default();
    for row in pairs.iter().flat_map(|(_, timeline)| timeline) {
        for source in &row.sources {
            sources.add(source);
        }
    }
    let record = record::Record {
        party: subject,
        members,
        relations,
        sources,
        ledger: ledger.map(|id| id.to_string()),
        known_at,
        now: now.round(jiff::Unit::Second).unwrap_or(now),
    };
    let mut xml = xml::Xml::begin(out)?;
    record.write(&mut xml)?;
    xml.finish()?;
    Ok(())
}

/// The partnerships of the subject's community with their histories, as known at `moment`, in
/// the order the projections list them: which ones, from the community's status rows; each
/// history rebuilt from its events as known then. For a party's few partnerships this is the
/// fast way: a partnership's rows come from its handful of events about three times faster
/// than from the SQLite tables, whose entries' details are read out of the stored payloads
/// (the two are the same by the projections' invariant).
async fn partnerships(
    projections: &Projections,
    subject: &PartyRow,
    moment: jiff::Timestamp,
) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
    let canonical: PartyKey = subject
        .canonical
        .parse()
        .map_err(|_| Error::UnknownParty(subject.canonical.clone()))?;
    let views = projections
        .status(&Selection::Party(canonical), None, None)
        .await?;
    let mut pairs = Vec::with_capacity(views.len());
    for view in views {
        match projections.history(&view.partnership, Some(moment)).await {
            Ok(pair) => pairs.push(pair),
            // Recorded after the moment: not in the record as the ledger knew it then.
            Err(amity_projections::Error::NotYetRecorded { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod dates_tests;
#[cfg(test)]
mod eac_tests;

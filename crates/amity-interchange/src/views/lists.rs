//! The views of answers: `status` (one row per partnership) and `parties` (one per party).

use std::io::Write;

use amity_domain::{Certainty3, Status};
use amity_ledger::archive::views::join_list;
use amity_projections::{PartyRow, StatusView};

use super::cells::{definite_and_possible, ViewWriter};
use crate::Result;

/// The status view's columns (also `amity status --format csv`).
pub const STATUS: [&str; 23] = [
    "partnership",
    "party_a_key",
    "party_a_name",
    "party_a_country",
    "party_a_subdivision",
    "party_a_wikidata",
    "party_b_key",
    "party_b_name",
    "party_b_country",
    "party_b_subdivision",
    "party_b_wikidata",
    "kind",
    "status",
    "possible_statuses",
    "certainty",
    "since",
    "first_attested",
    "as_of",
    "known_at",
    "events",
    "straddling",
    "founding_claims",
    "conflict",
];

/// The parties view's columns.
pub const PARTIES: [&str; 13] = [
    "key",
    "name",
    "country",
    "subdivision",
    "wikidata",
    "qualifier",
    "kind",
    "geonames",
    "latitude",
    "longitude",
    "aliases",
    "community",
    "registered",
];

/// The `status` view: one row per partnership. `status` is the status when it is definite
/// and empty otherwise; `possible_statuses` lists every status it may be (`;`-joined,
/// sorted; the one status when definite); `since` is the date that set it (`unknown` when
/// undated, empty before any event); `founding_claims` the dates of the standing founding
/// claims, `;`-joined.
pub fn write_status(views: &[StatusView], raw: bool, out: &mut dyn Write) -> Result<()> {
    let mut writer = ViewWriter::new(out, &STATUS, raw)?;
    for view in views {
        let party = |side: usize| -> [String; 5] {
            let party = &view.parties[side];
            [
                party.key().to_string(),
                party.name.clone(),
                party.country.clone(),
                party.subdivision.clone().unwrap_or_default(),
                party.wikidata.clone().unwrap_or_default(),
            ]
        };
        let (a, b) = (party(0), party(1));
        let (status, possible) = definite_and_possible(
            view.certainty,
            view.status.name(),
            view.competing.iter().map(|s| s.name()),
        );
        let since = match (view.status, view.since.as_deref()) {
            (Status::NotYet, since) => since.unwrap_or_default(),
            (_, since) => since.unwrap_or("unknown"),
        };
        let claims: Vec<&str> = view
            .founding_claims
            .iter()
            .filter(|claim| !claim.retracted)
            .map(|claim| claim.occurred.as_deref().unwrap_or("unknown"))
            .collect();
        writer.row(&[
            view.partnership.as_str(),
            &a[0],
            &a[1],
            &a[2],
            &a[3],
            &a[4],
            &b[0],
            &b[1],
            &b[2],
            &b[3],
            &b[4],
            view.kind.as_str(),
            status,
            &possible,
            if view.certainty == Certainty3::Definite {
                "definite"
            } else {
                "possible"
            },
            since,
            view.first_attested.as_deref().unwrap_or_default(),
            view.as_of.as_deref().unwrap_or_default(),
            view.known_at.as_deref().unwrap_or_default(),
            &view.events.to_string(),
            &view.straddling.join(";"),
            &claims.join(";"),
            view.conflict.as_deref().unwrap_or_default(),
        ])?;
    }
    writer.finish()
}

/// The `parties` view: one row per party, registered or named by a partnership; `aliases`
/// `;`-joined; `community` the key of its community (its own unless a same-as link makes it
/// another's).
pub fn write_parties(parties: &[PartyRow], raw: bool, out: &mut dyn Write) -> Result<()> {
    let mut writer = ViewWriter::new(out, &PARTIES, raw)?;
    for row in parties {
        let (latitude, longitude) = row
            .coordinates
            .map(|(lat, lon)| (lat.to_string(), lon.to_string()))
            .unwrap_or_default();
        writer.row(&[
            &row.key,
            &row.party.name,
            &row.party.country,
            row.party.subdivision.as_deref().unwrap_or_default(),
            row.party.wikidata.as_deref().unwrap_or_default(),
            row.party.qualifier.as_deref().unwrap_or_default(),
            row.kind.map_or("", |kind| kind.name()),
            &row.geonames.map(|id| id.to_string()).unwrap_or_default(),
            &latitude,
            &longitude,
            &join_list(&row.aliases),
            &row.canonical,
            &row.registered.to_string(),
        ])?;
    }
    writer.finish()
}

//! Lists of pairs (`amity import --format pairs FILE --source-title … --as-of EDTF`): a
//! snapshot list of twinned pairs ("A is twinned with B", no dates), such as the CSV scraped from Wikipedia's
//! "List of twin towns and sister cities" pages (`city1,country1,city2,country2`).
//!
//! Each row is evidence that the list said so at its date: a `PartnershipAttested` event dated
//! `--as-of`, never an invented founding. Country names are resolved to ISO 3166-1 codes with
//! the committed table `data/country-names.csv` (ISO names from Debian's iso-codes via
//! pycountry, plus reviewed spellings the lists use; England, Scotland, Wales and Northern
//! Ireland give `GB` with their ISO 3166-2 subdivision); a name it does not know is reported,
//! never guessed. Names are kept as written (`Setagaya (Tokyo)`), so homonyms in different
//! countries stay different parties. A pair listed from both sides is one partnership with one
//! attestation per source and date: the event id is a UUID v5 of the source, the date and the
//! partnership, so both rows (and any re-import) give the same event.
//!
//! The places a list names: mentions of one name in one region are clustered into places by
//! Wikidata item and the 25 km rule ([`SAME_PLACE_KM`]); each place told apart is keyed with a
//! qualifier (its item, else its rounded coordinates); spellings of one place (Kraków, Krakow)
//! are merged, the rarer kept as an alias; the splits and merges are listed in the summary's
//! notes. The Wikidata crawl ([`import_wikidata`]) reads item ids instead of names.

use std::collections::HashMap;
use std::path::Path;

use amity_domain::{Certainty, EdtfDate, Partnership, PartnershipKind, Party, Source};

use crate::import::{ImportOptions, ImportSummary, Progress};
use crate::{Ledger, Result, ToRecord};

mod attest;
mod places;
mod read;
mod wikidata;

use attest::{attestation_id, write, Attestation, PAIRS_NAMESPACE};
pub use places::{distance_km, SAME_PLACE_KM};
use places::{qualifier, Place};
use read::Read;
pub use wikidata::import_wikidata;

/// What a list import reads of a file beyond the rows: its column mapping and extra country
/// names.
#[derive(Debug, Clone, Default)]
pub struct PairsOptions {
    /// `--columns`: `role=header,…` (roles: `city1`, `country1`, `subdivision1`,
    /// `wikidata1`, `latitude1`, `longitude1`, and the same with `2`).
    pub columns: Option<String>,
    /// `--country-names FILE`: more country names (`name,alpha2[,subdivision]`).
    pub country_names: Option<std::path::PathBuf>,
}

/// Import a list of pairs: CSV, or tab-separated (`.tsv`, `.tab`, or a header with tabs and
/// no commas), with a header naming the columns (see [`PairsOptions::columns`]).
///
/// Places named alike in one region are one party unless the file tells them apart: another
/// Wikidata item, or coordinates more than [`SAME_PLACE_KM`] apart (different subdivisions
/// give different keys already). Each place told apart is another party, its key qualified by
/// its item or its rounded coordinates (the place that most rows name keeps the plain key, or
/// the one near the coordinates the register holds for it); the summary names every split and
/// every same-named mention taken for one place although its coordinates differ. Parties the
/// file gives an item or coordinates for are registered (`PartyRegistered`), once.
///
/// Each pair is attested by `source` at `as_of`, recorded by `recorded_by`; `progress` hears
/// of the events written.
#[allow(clippy::too_many_arguments)]
pub async fn import(
    ledger: &Ledger,
    path: &Path,
    options: ImportOptions,
    pairs: &PairsOptions,
    source: Source,
    as_of: EdtfDate,
    recorded_by: &str,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportSummary> {
    crate::import::check_list_source(&source, &as_of)?;
    let name = path.display().to_string();
    let mut summary = ImportSummary::default();
    let Read {
        headers,
        columns,
        rows,
    } = read::read(
        path,
        &name,
        pairs.columns.as_deref(),
        pairs.country_names.as_deref(),
        &mut summary,
    )?;
    // Which place each mention is: cluster the mentions of each plain key.
    let mut places: HashMap<amity_domain::PartyKey, Vec<Place>> = HashMap::new();
    for (index, row) in rows.iter().enumerate() {
        for (side, named) in row.sides.iter().enumerate() {
            let clusters = places.entry(named.party.key()).or_default();
            let found = clusters
                .iter()
                .enumerate()
                .find_map(|(i, place)| place.admits(named).map(|km| (i, km)));
            match found {
                Some((i, km)) => {
                    let place = &mut clusters[i];
                    place.mentions.push((index, side));
                    if place.lines.last() != Some(&row.line) {
                        place.lines.push(row.line);
                    }
                    place.spread = place.spread.max(km);
                    place.wikidata = place.wikidata.take().or(named.party.wikidata.clone());
                    place.at = place.at.or(named.at);
                }
                None => clusters.push(Place {
                    wikidata: named.party.wikidata.clone(),
                    at: named.at,
                    mentions: vec![(index, side)],
                    lines: vec![row.line],
                    spread: 0.0,
                }),
            }
        }
    }
    // One place spelled two ways (Kraków, Krakow): the same folded name in one region, both
    // with coordinates within [`SAME_PLACE_KM`]: the spelling fewer rows use is taken for the
    // other, and kept as an alias. Without coordinates, spellings stay apart (a list's keys
    // never change under an earlier import's partnerships).
    let mut spellings: HashMap<(String, String), Vec<(amity_domain::PartyKey, usize)>> =
        HashMap::new();
    for (key, clusters) in &places {
        for (i, place) in clusters.iter().enumerate() {
            if place.at.is_some() {
                let (row, side) = place.mentions[0];
                let region = key
                    .as_str()
                    .split_once(':')
                    .map_or("", |(r, _)| r)
                    .to_owned();
                let folded = amity_domain::fold(&rows[row].sides[side].party.name);
                spellings
                    .entry((region, folded))
                    .or_default()
                    .push((key.clone(), i));
            }
        }
    }
    let mut redirect: HashMap<(amity_domain::PartyKey, usize), (amity_domain::PartyKey, usize)> =
        HashMap::new();
    let mut aliases: HashMap<(amity_domain::PartyKey, usize), Vec<String>> = HashMap::new();
    let mut groups: Vec<Vec<(amity_domain::PartyKey, usize)>> = spellings
        .into_values()
        .filter(|group| group.iter().any(|(key, _)| *key != group[0].0))
        .collect();
    groups.sort();
    for mut group in groups {
        group.sort_by_key(|(key, i)| {
            (
                std::cmp::Reverse(places[key][*i].mentions.len()),
                key.clone(),
                *i,
            )
        });
        for m in 1..group.len() {
            let (key, i) = &group[m];
            let here = places[key][*i].at.expect("grouped with coordinates");
            let target = group[..m].iter().find(|(other, j)| {
                other != key
                    && !redirect.contains_key(&(other.clone(), *j))
                    && places[other][*j]
                        .at
                        .is_some_and(|there| distance_km(here, there) <= SAME_PLACE_KM)
            });
            if let Some(target) = target.cloned() {
                let (row, side) = places[key][*i].mentions[0];
                let spelled = rows[row].sides[side].party.name.clone();
                let km = distance_km(here, places[&target.0][target.1].at.expect("located"));
                summary.notes.push(format!(
                    "{name}: merged: {spelled:?} ({key}, line{} {}) is {} ({km:.1} km apart); \
                     {spelled:?} is registered as its alias",
                    if places[key][*i].lines.len() > 1 {
                        "s"
                    } else {
                        ""
                    },
                    places[key][*i]
                        .lines
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    target.0
                ));
                aliases.entry(target.clone()).or_default().push(spelled);
                redirect.insert((key.clone(), *i), target);
            }
        }
    }
    // The parties: one per place; a split key's places qualified, but one.
    let mut parties: Vec<Vec<Option<Party>>> = rows.iter().map(|_| vec![None, None]).collect();
    let mut built: HashMap<(amity_domain::PartyKey, usize), Party> = HashMap::new();
    let mut registrations: Vec<(uuid::Uuid, amity_domain::Registration)> = Vec::new();
    let mut keys: Vec<&amity_domain::PartyKey> = places.keys().collect();
    keys.sort();
    for key in keys {
        let clusters = &places[key];
        let plain_keeper = if clusters.len() > 1 {
            // The place the register already knows under the plain key keeps it; else the
            // one most rows name.
            let known = amity_domain::Register::from_entries(&ledger.party_entries(key).await?);
            let near = known.party(key).and_then(|record| {
                let at = record.coordinates?;
                clusters.iter().position(|place| {
                    place
                        .at
                        .is_some_and(|here| distance_km(here, at) <= SAME_PLACE_KM)
                })
            });
            near.unwrap_or_else(|| {
                (0..clusters.len())
                    .max_by_key(|&i| (clusters[i].mentions.len(), std::cmp::Reverse(i)))
                    .unwrap_or(0)
            })
        } else {
            0
        };
        let mut split: Vec<String> = Vec::new();
        for (i, place) in clusters.iter().enumerate() {
            if redirect.contains_key(&(key.clone(), i)) {
                continue;
            }
            let (first_row, first_side) = place.mentions[0];
            let mut party = rows[first_row].sides[first_side].party.clone();
            party.wikidata = place.wikidata.clone();
            let qualified = if i == plain_keeper {
                None
            } else {
                match qualifier(place) {
                    Some(q) => Some(q),
                    None => continue,
                }
            };
            if let Some(q) = &qualified {
                party = party.qualified(q);
            }
            if clusters.len() > 1 {
                split.push(format!(
                    "{} (line{} {})",
                    party.key(),
                    if place.lines.len() > 1 { "s" } else { "" },
                    place
                        .lines
                        .iter()
                        .take(5)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                        + if place.lines.len() > 5 { ", …" } else { "" }
                ));
            }
            if place.spread > 1.0 {
                summary.notes.push(format!(
                    "{name}: merged: {} names one place at lines {} (up to {:.1} km apart, \
                     within {SAME_PLACE_KM} km)",
                    party.key(),
                    place
                        .lines
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    place.spread
                ));
            }
            if place.at.is_some() || place.wikidata.is_some() {
                let party_key = party.key();
                registrations.push((
                    uuid::Uuid::new_v5(
                        &PAIRS_NAMESPACE,
                        format!(
                            "{}\u{1f}{}\u{1f}party\u{1f}{party_key}",
                            source.title, as_of
                        )
                        .as_bytes(),
                    ),
                    amity_domain::Registration {
                        key: party_key,
                        party: party.clone(),
                        kind: None,
                        geonames: None,
                        coordinates: place.at,
                        aliases: aliases.get(&(key.clone(), i)).cloned().unwrap_or_default(),
                        sources: vec![source.clone()],
                        note: Some(format!(
                            "listed in {} (line {})",
                            source.title, place.lines[0]
                        )),
                    },
                ));
            }
            // Each row keeps the name as it writes it (one key may be spelled "Washington,
            // D.C." and "Washington D.C."), told apart as its place is.
            for &(row, side) in &place.mentions {
                let mut own = rows[row].sides[side].party.clone();
                if let Some(q) = &qualified {
                    own = own.qualified(q);
                }
                parties[row][side] = Some(own);
            }
            built.insert((key.clone(), i), party);
        }
        if clusters.len() > 1 {
            summary.notes.push(format!(
                "{name}: split: {} names {} places: {}",
                key,
                clusters.len(),
                split.join("; ")
            ));
        }
    }
    for (from, to) in &redirect {
        if let Some(party) = built.get(to) {
            for &(row, side) in &places[&from.0][from.1].mentions {
                parties[row][side] = Some(party.clone());
            }
        }
    }
    let mut items: Vec<ToRecord> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (row, found) in rows.iter().zip(parties) {
        let [Some(a), Some(b)] = [found[0].clone(), found[1].clone()] else {
            summary.rejected.push(format!(
                "{name}:{}: row: a place named like another cannot be told apart from it",
                row.line
            ));
            continue;
        };
        let partnership = match Partnership::new(a, b, PartnershipKind::sister_city()) {
            Ok(partnership) => partnership,
            Err(error) => {
                let header = &headers[columns[1][0].expect("mapped")];
                summary
                    .rejected
                    .push(format!("{name}:{}: {header}: {error}", row.line));
                continue;
            }
        };
        let event_id = attestation_id(&source, &as_of, &partnership);
        if !seen.insert(event_id) {
            // The same pair listed from the other side: one attestation.
            summary.duplicates_skipped += 1;
            continue;
        }
        let note = format!("listed in {} (line {})", source.title, row.line);
        items.push(
            Attestation {
                partnership,
                event_id,
                term: "twinned",
                certainty: Certainty::Confirmed,
                note,
            }
            .into_record(&source, &as_of, recorded_by),
        );
    }
    if !summary.writes(options) {
        return Ok(summary);
    }
    if !registrations.is_empty() {
        ledger.register_parties(registrations, recorded_by).await?;
    }
    write(ledger, items, summary, progress).await
}

#[cfg(test)]
#[path = "../pairs_tests.rs"]
mod tests;

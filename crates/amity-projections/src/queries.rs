//! The queries: status, partners and history as of a date and as known at a moment, the
//! members of a cohort, and the parties.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use amity_domain::temporal::{day_point, Engine};
use amity_domain::{
    status_at, Certainty3, Day, EdtfDate, PartnershipId, Party, PartyKey, Register, Status,
    Timeline,
};
use amity_ledger::import::{Ambiguous, Names};
use amity_ledger::register::merge_timelines;

use crate::projections::Backend;
use crate::rows::{PartyRow, StatusRow, TimelineRow};
use crate::{
    analysis, rows, AsOf, Error, PartnerView, Projections, Result, Selection, StatusView,
    Succession,
};

/// Whether the current rows are read with their histories (the live backend computes them
/// either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Histories {
    /// Read each partnership's history rows.
    Read,
    /// The status rows alone (histories left empty).
    Left,
}

/// A partnership's status answer from its status row and history (read only `as_of` a date).
fn view(row: &StatusRow, timeline: &[TimelineRow], as_of: Option<&AsOf>) -> Result<StatusView> {
    let mut view = StatusView {
        partnership: row.partnership.clone(),
        parties: row.parties.clone(),
        kind: row.kind.clone(),
        status: row.status,
        since: row.since.clone(),
        first_attested: row.first_attested.clone(),
        certainty: if row.possible.is_empty() {
            Certainty3::Definite
        } else {
            Certainty3::Possible
        },
        competing: row.possible.clone(),
        straddling: Vec::new(),
        as_of: as_of.map(|a| a.date.as_str().to_owned()),
        known_at: None,
        founding_claims: row.founding_claims.clone(),
        events: row.events,
        conflict: row.conflict.clone(),
    };
    if row.conflict.is_some() {
        view.status = Status::Unknown;
        view.certainty = Certainty3::Possible;
        view.competing = Vec::new();
        return Ok(view);
    }
    if let Some(as_of) = as_of {
        let driving = rows::driving(timeline);
        let dated: Vec<_> = driving.iter().map(|(dated, _)| *dated).collect();
        let (from, to) = as_of.days();
        let unfinished = |source| Error::Unfinished {
            partnership: row.partnership.clone(),
            source,
        };
        let profile = Engine::new(&dated).profile().map_err(unfinished)?;
        let answer =
            status_at(&dated, &profile, day_point(from), day_point(to)).map_err(unfinished)?;
        view.status = answer.status;
        view.certainty = answer.certainty;
        view.competing = answer.competing;
        view.since = answer
            .set_by
            .and_then(|index| rows::claim_dates(timeline, driving[index].1));
        view.straddling = answer
            .straddling
            .iter()
            .map(|&index| driving[index].1.event_id.clone())
            .collect();
    }
    Ok(view)
}

impl Projections {
    /// The members of a cohort with their driving steps (for outcomes and series), as known
    /// at a moment if given (then recomputed from the events recorded by then).
    pub async fn members(
        &self,
        cohort: &analysis::Cohort,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<analysis::Member>> {
        match (&self.backend, known_at) {
            (Backend::Tables(tables), None) => tables.cohort_members(cohort).await,
            _ => Ok(self
                .cohort_pairs(cohort, known_at)
                .await?
                .iter()
                .map(|(row, timeline)| analysis::Member::from_rows(row, timeline))
                .collect()),
        }
    }

    /// Status rows and histories of a cohort (for changes), as known at a moment if given.
    pub async fn cohort_pairs(
        &self,
        cohort: &analysis::Cohort,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
        if let Some(moment) = known_at {
            return Ok(self
                .timelines(&Selection::All, Some(moment))
                .await?
                .iter()
                .filter_map(rows::rows)
                .map(|rows| (rows.status, rows.timeline))
                .filter(|(row, _)| cohort.matches(row))
                .collect());
        }
        match &self.backend {
            Backend::Tables(tables) => tables.cohort_histories(cohort).await,
            Backend::Live => Ok(self
                .current(&Selection::All, Histories::Read)
                .await?
                .into_iter()
                .filter(|(row, _)| cohort.matches(row))
                .collect()),
        }
    }

    /// The partnerships of a cohort that have lifecycle entries, with those entries (for
    /// changes), as known at a moment if given; given a window, entries that
    /// [`analysis::changes_of`] would not keep for it may be left out.
    pub async fn cohort_lifecycles(
        &self,
        cohort: &analysis::Cohort,
        window: Option<&analysis::Window>,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<analysis::Lifecycle>> {
        if let (Backend::Tables(tables), None) = (&self.backend, known_at) {
            return tables.cohort_lifecycles(cohort, window).await;
        }
        let pairs = self.cohort_pairs(cohort, known_at).await?;
        Ok(analysis::lifecycles(pairs))
    }

    /// Every history entry's place (the derived columns of the histories, without the events'
    /// own details), by partnership then history order; as known at a moment if given.
    pub async fn placements(
        &self,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<crate::placement::Placements> {
        if let (Backend::Tables(tables), None) = (&self.backend, known_at) {
            return tables.placements().await;
        }
        let pairs = self
            .cohort_pairs(&analysis::Cohort::default(), known_at)
            .await?;
        Ok(crate::placement::Placements::of_rows(
            pairs.iter().flat_map(|(_, timeline)| timeline),
        ))
    }

    /// Status rows and histories for a selection, as of now, from the tables or live.
    async fn current(
        &self,
        selection: &Selection,
        histories: Histories,
    ) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
        match &self.backend {
            Backend::Tables(tables) => {
                let ids: Vec<String> = match selection {
                    Selection::All if histories == Histories::Read => {
                        return tables.cohort_histories(&analysis::Cohort::default()).await;
                    }
                    Selection::All => {
                        // The status rows alone answer: no history is read.
                        let status = tables.status_rows(None).await?;
                        return Ok(status.into_iter().map(|row| (row, Vec::new())).collect());
                    }
                    Selection::One(id) => vec![id.to_string()],
                    Selection::Party(party) => tables
                        .directory_rows(party.as_str())
                        .await?
                        .into_iter()
                        .map(|row| row.partnership.to_string())
                        .collect(),
                };
                let status = tables.status_rows(Some(&ids)).await?;
                let mut result = Vec::with_capacity(status.len());
                for row in status {
                    let timeline = match histories {
                        Histories::Read => tables.timeline_rows(row.partnership.as_str()).await?,
                        Histories::Left => Vec::new(),
                    };
                    result.push((row, timeline));
                }
                Ok(result)
            }
            Backend::Live => {
                let timelines = self.timelines(selection, None).await?;
                Ok(timelines
                    .iter()
                    .filter_map(rows::rows)
                    .map(|rows| (rows.status, rows.timeline))
                    .collect())
            }
        }
    }

    /// Timelines rebuilt from the events (for "known at" and the live backend): each stream's
    /// as known at `known_at` if given, then merged by the same-as links standing then.
    async fn timelines(
        &self,
        selection: &Selection,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<Timeline>> {
        let link_entries = self.ledger.link_entries().await?;
        let now = Register::from_entries(&link_entries);
        let then = match known_at {
            Some(moment) => Register::known_at(&link_entries, moment),
            None => now.clone(),
        };
        let as_known = |timeline: Timeline| match known_at {
            Some(moment) => timeline.known_at(moment),
            None => timeline,
        };
        Ok(match selection {
            Selection::One(id) => {
                let mut streams = now.member_streams(id);
                streams.extend(then.member_streams(id));
                streams.push(id.clone());
                streams.sort();
                streams.dedup();
                let mut found = Vec::new();
                for stream in streams {
                    let timeline = self.ledger.load(&stream).await?;
                    if !timeline.recorded().is_empty() {
                        found.push(as_known(timeline));
                    }
                }
                if found.is_empty() {
                    return Err(amity_ledger::Error::UnknownPartnership(id.clone()).into());
                }
                let merged = merge_timelines(found, &then);
                match merged.iter().position(|timeline| timeline.id() == id) {
                    Some(index) => vec![merged.into_iter().nth(index).expect("found")],
                    None => merged.into_iter().take(1).collect(),
                }
            }
            Selection::All => merge_timelines(
                self.ledger
                    .timelines()
                    .await?
                    .into_iter()
                    .map(as_known)
                    .collect(),
                &then,
            ),
            Selection::Party(party) => {
                let class = now.class_of(party);
                merge_timelines(
                    self.ledger
                        .timelines()
                        .await?
                        .into_iter()
                        .filter(|timeline| class.iter().any(|key| timeline.id().involves(key)))
                        .map(as_known)
                        .collect(),
                    &then,
                )
                .into_iter()
                .filter(|timeline| timeline.id().involves(&then.canonical_key(party)))
                .collect()
            }
        })
    }

    /// The status of a selection, as of a date and as known at a moment.
    pub async fn status(
        &self,
        selection: &Selection,
        as_of: Option<&AsOf>,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<StatusView>> {
        let pairs = match known_at {
            // A status now is in its row; one as of a date needs the history.
            None => {
                let histories = match as_of {
                    Some(_) => Histories::Read,
                    None => Histories::Left,
                };
                self.current(selection, histories).await?
            }
            Some(moment) => self
                .timelines(selection, Some(moment))
                .await?
                .iter()
                .filter_map(rows::rows)
                .map(|rows| (rows.status, rows.timeline))
                .collect(),
        };
        if let (Selection::One(id), true) = (selection, pairs.is_empty()) {
            return Err(match known_at {
                Some(moment) => Error::NotYetRecorded {
                    partnership: id.clone(),
                    moment,
                },
                None => amity_ledger::Error::UnknownPartnership(id.clone()).into(),
            });
        }
        pairs
            .iter()
            .map(|(row, timeline)| {
                let mut view = view(row, timeline, as_of)?;
                view.known_at = known_at.map(|moment| moment.to_string());
                Ok(view)
            })
            .collect()
    }

    /// A party's partners, in founding order (unknown last), then by name.
    pub async fn partners(
        &self,
        party: &PartyKey,
        as_of: Option<&AsOf>,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<Vec<PartnerView>> {
        let views = self
            .status(&Selection::Party(party.clone()), as_of, known_at)
            .await?;
        let mut partners: Vec<(Day, PartnerView)> = views
            .into_iter()
            .filter_map(|view| {
                let partner = view.parties.iter().find(|p| p.key() != *party)?.clone();
                let founding = view
                    .founding_claims
                    .iter()
                    .find(|claim| {
                        !claim.retracted && claim.certainty != amity_domain::Certainty::Disputed
                    })
                    .and_then(|claim| claim.occurred.clone());
                // Known only from a list: after the founded ones, in list order.
                let sort_day = founding
                    .as_deref()
                    .or(view.first_attested.as_deref())
                    .and_then(|text| EdtfDate::parse(text).ok())
                    .map_or(Day::Future, |date| date.earliest());
                Some((
                    sort_day,
                    PartnerView {
                        partner,
                        partnership: view.partnership,
                        kind: view.kind,
                        founded: founding,
                        status: view.status,
                        since: view.since,
                        first_attested: view.first_attested,
                        certainty: view.certainty,
                        competing: view.competing,
                        succession: None,
                    },
                ))
            })
            .collect();
        // Renamed and absorbed partners say so (a successor is another community, so its
        // partnership stays a row of its own).
        let links = self.ledger.links().await?;
        for (_, view) in &mut partners {
            let key = view.partner.key();
            view.succession = links
                .standing(amity_domain::Relation::SuccessorOf)
                .find_map(|link| {
                    if link.link.b == key {
                        Some(Succession::SucceededBy(link.link.a.to_string()))
                    } else if link.link.a == key {
                        Some(Succession::SuccessorOf(link.link.b.to_string()))
                    } else {
                        None
                    }
                });
        }
        partners.sort_by(|(a_day, a), (b_day, b)| {
            a_day
                .cmp(b_day)
                .then_with(|| a.partner.name.cmp(&b.partner.name))
        });
        Ok(partners.into_iter().map(|(_, view)| view).collect())
    }

    /// Where the events of these history rows are in the ledger's log (brought up to date
    /// first: the events recorded since it last was are hashed and their leaves kept).
    pub async fn log_places(
        &self,
        rows: &[TimelineRow],
    ) -> Result<HashMap<amity_ledger::EventId, amity_ledger::log::LogPlace>> {
        let ids: Vec<amity_ledger::EventId> = rows
            .iter()
            .filter_map(|row| row.event_id.parse().ok())
            .collect();
        Ok(self.ledger.log_places(&ids).await?)
    }

    /// [`Projections::log_places`] from the log as kept (not brought up to date first).
    pub async fn log_places_as_kept(
        &self,
        rows: &[TimelineRow],
    ) -> Result<HashMap<amity_ledger::EventId, amity_ledger::log::LogPlace>> {
        let ids: Vec<amity_ledger::EventId> = rows
            .iter()
            .filter_map(|row| row.event_id.parse().ok())
            .collect();
        Ok(self.ledger.log_places_as_kept(&ids).await?)
    }

    /// A partnership's history (as known at a moment, if given).
    pub async fn history(
        &self,
        id: &PartnershipId,
        known_at: Option<jiff::Timestamp>,
    ) -> Result<(StatusRow, Vec<TimelineRow>)> {
        let unknown = || Error::from(amity_ledger::Error::UnknownPartnership(id.clone()));
        if let Some(moment) = known_at {
            let timeline = self
                .timelines(&Selection::One(id.clone()), Some(moment))
                .await?
                .pop()
                .ok_or_else(unknown)?;
            let rows = rows::rows(&timeline).ok_or_else(|| Error::NotYetRecorded {
                partnership: id.clone(),
                moment,
            })?;
            return Ok((rows.status, rows.timeline));
        }
        self.current(&Selection::One(id.clone()), Histories::Read)
            .await?
            .into_iter()
            .next()
            .ok_or_else(unknown)
    }

    /// The parties whose name or an alias starts with `query`, or one of whose words does,
    /// accents and case aside (`krakow` finds Kraków); every party when it is empty. Each with
    /// its number of partnerships, most first.
    pub async fn parties(&self, query: &str) -> Result<Vec<(PartyRow, u64)>> {
        let folded = amity_domain::fold(query);
        match &self.backend {
            Backend::Tables(tables) => tables.search_parties(&folded).await,
            Backend::Live => {
                let register = Register::from_entries(&self.ledger.register_entries().await?);
                let mut found: BTreeMap<String, (PartyRow, u64)> = BTreeMap::new();
                for record in register.parties() {
                    let row = PartyRow::registered(record, &register);
                    found.insert(row.key.clone(), (row, 0));
                }
                for timeline in self.timelines(&Selection::All, None).await? {
                    if let Some(partnership) = timeline.partnership() {
                        for party in &partnership.parties {
                            let row = PartyRow::named(party, &register);
                            found.entry(row.key.clone()).or_insert((row, 0)).1 += 1;
                        }
                    }
                }
                let mut found: Vec<(PartyRow, u64)> = found
                    .into_values()
                    .filter(|(row, _)| {
                        let names = row.search_names();
                        folded.is_empty()
                            || names.contains(&format!("|{folded}"))
                            || names.contains(&format!(" {folded}"))
                    })
                    .collect();
                found.sort_by(|(a, a_count), (b, b_count)| {
                    b_count.cmp(a_count).then_with(|| a.key.cmp(&b.key))
                });
                found.truncate(1000);
                Ok(found)
            }
        }
    }

    /// One party by its key, registered or named by a partnership.
    pub async fn party(&self, key: &PartyKey) -> Result<Option<PartyRow>> {
        match &self.backend {
            Backend::Tables(tables) => tables.party(key.as_str()).await,
            Backend::Live => Ok(self
                .all_parties()
                .await?
                .into_iter()
                .find(|row| row.key == key.as_str())),
        }
    }

    /// Every party: registered ones and those partnerships name (for resolving many names at
    /// once, as an import does).
    pub async fn all_parties(&self) -> Result<Vec<PartyRow>> {
        match &self.backend {
            Backend::Tables(tables) => tables.all_parties().await,
            Backend::Live => {
                let register = Register::from_entries(&self.ledger.register_entries().await?);
                let mut found: BTreeMap<String, PartyRow> = BTreeMap::new();
                for record in register.parties() {
                    let row = PartyRow::registered(record, &register);
                    found.insert(row.key.clone(), row);
                }
                for timeline in self.timelines(&Selection::All, None).await? {
                    if let Some(partnership) = timeline.partnership() {
                        for party in &partnership.parties {
                            let row = PartyRow::named(party, &register);
                            found.entry(row.key.clone()).or_insert(row);
                        }
                    }
                }
                Ok(found.into_values().collect())
            }
        }
    }

    /// Every party of the ledger, loaded once to find many names at a time as recording
    /// finds them (an import: [`amity_ledger::import::Names`]).
    pub async fn party_resolver(&self) -> Result<PartyResolver> {
        let mut keys = HashSet::new();
        let mut names: HashMap<(String, String), Vec<PartyRow>> = HashMap::new();
        for row in self.all_parties().await? {
            keys.insert(row.key.clone());
            let mut folded: Vec<String> = std::iter::once(&row.party.name)
                .chain(&row.aliases)
                .map(|name| amity_domain::fold(name))
                .collect();
            folded.sort();
            folded.dedup();
            for name in folded {
                names
                    .entry((row.party.country.clone(), name))
                    .or_default()
                    .push(row.clone());
            }
        }
        Ok(PartyResolver { keys, names })
    }

    /// Party keys that share the name part of `party` (for "did you mean").
    pub async fn similar_parties(&self, party: &PartyKey) -> Result<Vec<String>> {
        let name = party.as_str().split_once(':').map_or("", |(_, name)| name);
        let mut keys: BTreeSet<String> = BTreeSet::new();
        match &self.backend {
            Backend::Tables(tables) => keys.extend(tables.parties_named(name).await?),
            Backend::Live => {
                for timeline in self.ledger.timelines().await? {
                    if let Some(partnership) = timeline.partnership() {
                        keys.extend(partnership.parties.iter().map(|p| p.key().to_string()));
                    }
                }
            }
        }
        Ok(keys
            .into_iter()
            .filter(|key| key != party.as_str() && key.ends_with(&format!(":{name}")))
            .collect())
    }
}

/// The parties of a ledger, by key and by country and folded name or alias, loaded once
/// ([`Projections::party_resolver`]) for an import to find the party each row names as
/// recording finds it.
#[derive(Debug, Clone, Default)]
pub struct PartyResolver {
    keys: HashSet<String>,
    names: HashMap<(String, String), Vec<PartyRow>>,
}

impl Names for PartyResolver {
    fn resolve(&self, party: &Party) -> std::result::Result<Party, Ambiguous> {
        if self.keys.contains(party.key().as_str()) {
            return Ok(party.clone());
        }
        let found: Vec<&PartyRow> = self
            .names
            .get(&(party.country.clone(), amity_domain::fold(&party.name)))
            .map(|rows| {
                rows.iter()
                    .filter(|row| {
                        party.subdivision.is_none() || row.party.subdivision == party.subdivision
                    })
                    .collect()
            })
            .unwrap_or_default();
        match found.as_slice() {
            [] => Ok(party.clone()),
            [one] => Ok(one.party.clone()),
            many => Err(Ambiguous {
                written: party.label(),
                candidates: many
                    .iter()
                    .map(|row| (row.key.clone(), row.party.label()))
                    .collect(),
            }),
        }
    }
}

//! Projections: what the queries read, rebuilt from the events alone.
//!
//! Three projections, all computed by [`rows::rows`] from one partnership's timeline:
//! partnership status, timeline (the history), and the party directory. They are materialized
//! as tables ([`tables::Tables`]): in the SQLite ledger file for the SQLite store, in the
//! store's own schema for PostgreSQL ([`postgres`], feature `postgres`), or in a SQLite file of
//! their own for any store ([`sqlite`]). The tables are kept up to date from the store's global
//! feed: [`Projections::catch_up`] reads the events after the saved checkpoint, recomputes the
//! partnerships they touch, and writes rows and checkpoint in one transaction; a change of
//! [`CODE_VERSION`], or a feed that starts with another event than the one the tables were
//! built from (another ledger), rebuilds everything. Without tables (KurrentDB unless given a
//! file) the same rows are computed on demand from the events ("live"), so answers do not
//! depend on where the projections are.
//!
//! Queries: `status` and `partners` as of a date (valid time, three-valued with
//! [`amity_domain::status_at`]) and as known at a moment (transaction time: only the events
//! recorded by then, recomputed from the store), and `history`.

pub mod analysis;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod rows;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod tables;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use amity_domain::temporal::{day_point, Engine};
use amity_domain::{
    status_at, Certainty3, Day, EdtfDate, PartnershipId, PartnershipKind, Party, PartyKey,
    Register, Status, Timeline,
};
use amity_ledger::register::{community_partnership, merge_timelines};
use amity_ledger::Ledger;
use amity_ledger::{EventId, Position};
use serde::Serialize;

pub use rows::{DirectoryRow, PartnershipRows, PartyRow, StatusRow, TimelineRow};
pub use tables::Tables;

/// The version of the projection code; bump it whenever [`rows::rows`] or the tables change,
/// and every ledger rebuilds its projections on next use.
pub const CODE_VERSION: u32 = 8;

/// A projection error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or decoding events failed.
    #[error(transparent)]
    Ledger(#[from] amity_ledger::Error),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] amity_ledger::StoreError),
    /// The projection tables cannot be read or written.
    #[error("projection tables: {0}")]
    Tables(String),
    /// The partnership exists in the ledger, but nothing about it was recorded by then.
    #[error("nothing about {partnership} had been recorded by {moment} (transaction time)")]
    NotYetRecorded {
        /// The partnership.
        partnership: PartnershipId,
        /// The moment asked.
        moment: jiff::Timestamp,
    },
    /// Another process moved the checkpoint while this one was catching up.
    #[error("another process updated the projections at the same time")]
    Raced,
    /// The tables were written by a newer amity: this one does not know their layout, and
    /// leaves them alone rather than rebuilding them.
    #[error("the projection tables were built by a newer amity (v{found}); this amity (v{ours}) leaves them alone: use the newer amity")]
    Newer {
        /// The tables' code version.
        found: u32,
        /// This build's.
        ours: u32,
    },
    /// A temporal question about a partnership could not be finished within the budget.
    #[error("the answer for {partnership} was not finished: {source}")]
    Unfinished {
        /// The partnership.
        partnership: PartnershipId,
        /// The limit hit.
        source: amity_domain::Unfinished,
    },
}

/// A projection result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A valid-time question: the days of an EDTF date.
#[derive(Debug, Clone)]
pub struct AsOf {
    /// The date as asked.
    pub date: EdtfDate,
}

impl AsOf {
    fn days(&self) -> (Day, Day) {
        (self.date.earliest(), self.date.latest())
    }
}

/// Which partnerships a status query is about.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every partnership.
    All,
    /// One partnership.
    One(PartnershipId),
    /// Every partnership of a party.
    Party(PartyKey),
}

/// One answer of `status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// The partnership.
    pub partnership: PartnershipId,
    /// The two parties.
    pub parties: Vec<Party>,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date, as written, of the event that set it; `null` when unknown or never set, and
    /// for a partnership known only from lists.
    pub since: Option<String>,
    /// The date, as written, of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite`, or `possible` when several statuses are.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be, in lifecycle order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// For `possible`: the events whose dates straddle the date asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub straddling: Vec<String>,
    /// The date asked (valid time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The moment asked (transaction time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_at: Option<String>,
    /// The founding claims.
    pub founding_claims: Vec<rows::FoundingClaim>,
    /// How many entries its history holds (as known at the moment asked).
    pub events: u64,
    /// Set when the stored history breaks today's rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// One answer of `partners`.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    /// The other party.
    pub partner: Party,
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The founding date that drives the status, as written.
    pub founded: Option<String>,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date of the event that set it.
    pub since: Option<String>,
    /// The date of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite` or `possible`.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// When the partner was succeeded by another party (renamed, merged: a `successor_of`
    /// link), or succeeded one: the other party's key, with which way it goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succession: Option<Succession>,
}

/// A partner's succession (`successor_of` links): not one community, but one lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Succession {
    /// The partner was succeeded by this party.
    SucceededBy(String),
    /// The partner succeeded this party.
    SuccessorOf(String),
}

/// Where a projection's checkpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last event covered.
    pub position: Position,
    /// The projection code that wrote the rows.
    pub code_version: u32,
    /// How many events are covered.
    pub events: u64,
    /// The first event of the feed (`None` while it was empty): tables whose feed now starts
    /// with another event were built from another ledger, and are rebuilt.
    pub first_event: Option<EventId>,
}

/// What a catch-up or rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Events read from the feed.
    pub events: u64,
    /// Partnerships recomputed.
    pub partnerships: u64,
    /// Whether everything was rebuilt.
    pub rebuilt: bool,
}

enum Backend {
    Tables(Tables),
    Live,
}

/// The projections of one ledger.
pub struct Projections {
    ledger: Ledger,
    backend: Backend,
}

impl std::fmt::Debug for Projections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projections").finish_non_exhaustive()
    }
}

/// A partnership's status answer from its status row and history.
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

/// The rows of a timeline into `chunk`, with the history's details when the tables keep them;
/// how many partnerships that makes (0 or 1).
fn emit(timeline: Timeline, details: bool, chunk: &mut Vec<PartnershipRows>) -> u64 {
    match rows::rows_with(&timeline, details) {
        Some(partnership_rows) => {
            chunk.push(partnership_rows);
            1
        }
        None => 0,
    }
}

/// Write a chunk of rows (when there are tables) with their parties (as the partnerships
/// name them; a party already there is left as it is), and start a new one.
async fn flush(
    writer: Option<&mut tables::Writer<'_>>,
    chunk: &mut Vec<PartnershipRows>,
    links: &Register,
) -> Result<()> {
    let rows = std::mem::replace(chunk, Vec::with_capacity(chunk.capacity()));
    if let Some(writer) = writer {
        let parties: Vec<PartyRow> = rows
            .iter()
            .flat_map(|partnership| &partnership.status.parties)
            .map(|party| PartyRow::named(party, links))
            .collect();
        writer.write(rows).await?;
        writer.write_parties(parties, false).await?;
    }
    Ok(())
}

impl Projections {
    /// Projections for a ledger: tables in the SQLite file `sqlite_file` when given (a file of
    /// their own: it needs no events, and holds every column; for the ledger's own file see
    /// [`Projections::open_in_ledger`]), else computed live. A file is an error in a build
    /// without the `sqlite` feature.
    pub fn open(ledger: Ledger, sqlite_file: Option<&Path>) -> Result<Projections> {
        let backend = match sqlite_file {
            #[cfg(feature = "sqlite")]
            Some(path) => Backend::Tables(Tables::Sqlite(sqlite::SqliteTables::open(path)?)),
            #[cfg(not(feature = "sqlite"))]
            Some(path) => {
                return Err(Error::Tables(format!(
                    "{}: this build has no SQLite projection tables (feature `sqlite`)",
                    path.display()
                )))
            }
            None => Backend::Live,
        };
        Ok(Projections { ledger, backend })
    }

    /// Projections for a SQLite ledger, as tables in the ledger's own file at `path`: the
    /// history's event details are read from the stored events rather than copied
    /// ([`sqlite::Details::Events`]).
    #[cfg(feature = "sqlite")]
    pub fn open_in_ledger(ledger: Ledger, path: &Path) -> Result<Projections> {
        let tables = sqlite::SqliteTables::open_in_ledger(path)?;
        Ok(Projections::with_tables(ledger, Tables::Sqlite(tables)))
    }

    /// Projections for a PostgreSQL store, as tables in its schema: `url` is the store's URL
    /// (`postgres://…?schema=NAME`).
    #[cfg(feature = "postgres")]
    pub async fn open_postgres(ledger: Ledger, url: &str) -> Result<Projections> {
        let tables = postgres::PostgresTables::connect(url).await?;
        Ok(Projections::with_tables(ledger, Tables::Postgres(tables)))
    }

    /// Projections for a ledger in tables already open.
    pub fn with_tables(ledger: Ledger, tables: Tables) -> Projections {
        Projections {
            ledger,
            backend: Backend::Tables(tables),
        }
    }

    /// The ledger underneath.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The tables, when materialized (`None`: computed live).
    pub fn tables(&self) -> Option<&Tables> {
        match &self.backend {
            Backend::Tables(tables) => Some(tables),
            Backend::Live => None,
        }
    }

    /// Bring the tables up to date with the events appended since the checkpoint (never a
    /// full replay, unless the projection code changed or the feed is another ledger's).
    /// Up to date, it takes no lock.
    #[tracing::instrument(name = "projections.catch_up", level = "debug", skip_all)]
    pub async fn catch_up(&mut self) -> Result<Progress> {
        let Backend::Tables(tables) = &self.backend else {
            return Ok(Progress::default());
        };
        let checkpoint = tables.checkpoint().await?;
        let ledger = self.ledger.clone();
        if let Some(checkpoint) = checkpoint.filter(|c| c.code_version > CODE_VERSION) {
            return Err(Error::Newer {
                found: checkpoint.code_version,
                ours: CODE_VERSION,
            });
        }
        match checkpoint {
            Some(checkpoint)
                if checkpoint.code_version == CODE_VERSION
                    && checkpoint.first_event == ledger.identity().await? =>
            {
                if !ledger.moved_since(checkpoint.position).await? {
                    return Ok(Progress::default());
                }
                // A link between parties changes which histories are one: everything is
                // recomputed (links are few and rare).
                if ledger.links_moved_since(checkpoint.position).await? {
                    return self.rebuild(&mut |_, _| {}).await;
                }
                self.update(Some(checkpoint), &mut |_, _| {}).await
            }
            _ => self.rebuild(&mut |_, _| {}).await,
        }
    }

    /// Drop every projection and rebuild it from all events. `progress(done, total)` is called
    /// as events are processed. Live, it computes every row once (and keeps none).
    #[tracing::instrument(name = "projections.rebuild", level = "debug", skip_all)]
    pub async fn rebuild(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<Progress> {
        self.update(None, progress).await
    }

    /// Recompute the partnerships touched after `from` (everything when `None`) and write
    /// their rows and the new checkpoint in one transaction. Rows are written in chunks as they
    /// are computed, so memory stays flat however many partnerships change.
    #[tracing::instrument(
        name = "projections.update",
        level = "debug",
        skip_all,
        fields(from = from.map(|checkpoint| tracing::field::display(checkpoint.position)))
    )]
    async fn update(
        &mut self,
        from: Option<Checkpoint>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Progress> {
        const CHUNK: usize = 512;
        const PAGE: usize = 4_096;
        let ledger = self.ledger.clone();
        // Take the tables' write lock first: no other process writes them until we are done.
        // (It keeps the feed still only for tables in the SQLite ledger file itself; hence the
        // end of the feed found below is where this update stops.)
        let mut writer = match &mut self.backend {
            Backend::Tables(tables) => match tables.begin(from, from.is_none()).await {
                Ok(writer) => Some(writer),
                // Someone else brought the tables up to date meanwhile: theirs is as good.
                Err(Error::Raced) => return Ok(Progress::default()),
                Err(other) => return Err(other),
            },
            Backend::Live => None,
        };
        // Rows that are written need the history's details only where the tables keep them.
        let details = writer.as_ref().is_some_and(tables::Writer::keeps_details);
        // Which keys are one community (same-as links): their streams make one history.
        let links = ledger.links().await?;
        let started = std::time::Instant::now();
        // Which partnerships and parties changed (and by how many events), and where the
        // feed ends now: on a rebuild, the whole feed as long as it is now (the store may know
        // without reading); on a catch-up, what follows the checkpoint.
        let changes = match from {
            None => ledger.summary().await?,
            Some(checkpoint) => {
                let mut changes = ledger.changes_since(checkpoint.position).await?;
                changes.first_event = checkpoint.first_event.or(changes.first_event);
                changes
            }
        };
        let amity_ledger::FeedChanges {
            position,
            first_event: first,
            partnerships: mut touched,
            parties: touched_parties,
            events,
            ..
        } = changes;
        if events == 0 && touched_parties.is_empty() && from.is_some() {
            return Ok(Progress::default());
        }
        tracing::debug!(
            events,
            streams = touched.len(),
            %position,
            elapsed = ?started.elapsed(),
            "projections: feed read"
        );
        let mut chunk: Vec<PartnershipRows> = Vec::with_capacity(CHUNK);
        let mut partnerships = 0u64;
        if from.is_none() {
            // Rebuild: one pass over the feed, up to the end found above (what was appended
            // since is the next catch-up's), decoding ahead; a partnership's rows are computed
            // as soon as all of its events have been seen, so only unfinished streams are held.
            let mut open: HashMap<PartnershipId, Vec<amity_domain::Recorded>> = HashMap::new();
            // The streams of linked keys, gathered by community, computed at the end.
            let mut communities: BTreeMap<PartnershipId, Vec<amity_domain::Recorded>> =
                BTreeMap::new();
            let mut done = 0u64;
            let mut pages = ledger.pages(Position::START, Some(position), PAGE);
            while let Some(page) = pages.next().await? {
                for recorded in page {
                    done += 1;
                    if done.is_multiple_of(65_536) {
                        progress(done, events);
                    }
                    // The summary counted every event up to `position`; a stream it did not
                    // count, or one already complete (0 left), means it was wrong.
                    let expected = match touched.get_mut(&recorded.partnership) {
                        Some(expected) if *expected > 0 => expected,
                        _ => {
                            let message = format!(
                                "the feed summary undercounted stream {}",
                                recorded.partnership
                            );
                            return Err(amity_ledger::Error::Io(message))?;
                        }
                    };
                    let id = recorded.partnership.clone();
                    let buffer = open.entry(id.clone()).or_default();
                    buffer.push(recorded);
                    if buffer.len() as u64 == *expected {
                        *expected = 0;
                        let history = open.remove(&id).unwrap_or_default();
                        let community = links.canonical_partnership(&id);
                        if community != id || links.member_streams(&id).len() > 1 {
                            communities.entry(community).or_default().extend(history);
                            continue;
                        }
                        partnerships +=
                            emit(Timeline::from_history(id, history), details, &mut chunk);
                        if chunk.len() == CHUNK {
                            flush(writer.as_mut(), &mut chunk, &links).await?;
                        }
                    }
                }
            }
            for (id, history) in open.drain() {
                let community = links.canonical_partnership(&id);
                if community != id || links.member_streams(&id).len() > 1 {
                    communities.entry(community).or_default().extend(history);
                    continue;
                }
                partnerships += emit(Timeline::from_history(id, history), details, &mut chunk);
            }
            if !communities.is_empty() {
                let register =
                    amity_domain::Register::from_entries(&ledger.register_entries().await?);
                for (id, entries) in communities {
                    let partnership = community_partnership(&id, &entries, Some(&register));
                    partnerships += emit(
                        Timeline::merged(id, partnership, entries),
                        details,
                        &mut chunk,
                    );
                    if chunk.len() == CHUNK {
                        flush(writer.as_mut(), &mut chunk, &links).await?;
                    }
                }
            }
            progress(done, events);
        } else {
            // Catch-up: reload each touched partnership whole (its rows depend on all of it).
            let mut done = 0u64;
            let mut seen: BTreeSet<PartnershipId> = BTreeSet::new();
            for id in touched.keys() {
                let id = id.clone();
                let community = links.canonical_partnership(&id);
                let timeline = if community != id || links.member_streams(&id).len() > 1 {
                    if !seen.insert(community.clone()) {
                        continue;
                    }
                    let (timeline, _) = ledger.community_timeline(&community, &links).await?;
                    done += timeline.recorded().len() as u64;
                    timeline
                } else {
                    let (timeline, n_events) = ledger.timeline_until(&id, position).await?;
                    done += n_events;
                    timeline
                };
                progress(done, events.max(done));
                partnerships += emit(timeline, details, &mut chunk);
                if chunk.len() == CHUNK {
                    flush(writer.as_mut(), &mut chunk, &links).await?;
                }
            }
        }
        flush(writer.as_mut(), &mut chunk, &links).await?;
        // The registered parties: all of them on a rebuild, else those whose streams moved.
        if let Some(writer) = writer.as_mut() {
            let mut registered = Vec::new();
            for key in &touched_parties {
                let entries = ledger.party_entries(key).await?;
                let register = Register::from_entries(&entries);
                if let Some(record) = register.party(key) {
                    registered.push(PartyRow::registered(record, &links));
                }
            }
            writer.write_parties(registered, true).await?;
        }
        tracing::debug!(partnerships, elapsed = ?started.elapsed(), "projections: rows written");
        if let Some(writer) = writer.take() {
            let covered = from.map_or(0, |checkpoint| checkpoint.events) + events;
            writer
                .finish(Checkpoint {
                    position,
                    code_version: CODE_VERSION,
                    events: covered,
                    first_event: first,
                })
                .await?;
        }
        // Ends the writer's borrow of the tables (it has no destructor when no table backend
        // is compiled in).
        #[cfg_attr(
            not(any(feature = "sqlite", feature = "postgres")),
            allow(clippy::drop_non_drop)
        )]
        drop(writer);
        tracing::debug!(elapsed = ?started.elapsed(), "projections: committed");
        if let (Backend::Tables(tables), true) = (&self.backend, events > 10_000) {
            tables.after_large_write().await;
        }
        Ok(Progress {
            events,
            partnerships,
            rebuilt: from.is_none(),
        })
    }

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
            Backend::Tables(tables) => {
                let ids = tables.cohort_ids(cohort).await?;
                let mut pairs = Vec::with_capacity(ids.len());
                for row in tables.status_rows(Some(&ids)).await? {
                    let timeline = tables.timeline_rows(row.partnership.as_str()).await?;
                    pairs.push((row, timeline));
                }
                Ok(pairs)
            }
            Backend::Live => Ok(self
                .current(&Selection::All)
                .await?
                .into_iter()
                .filter(|(row, _)| cohort.matches(row))
                .collect()),
        }
    }

    /// Status rows and histories for a selection, as of now, from the tables or live.
    async fn current(&self, selection: &Selection) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
        match &self.backend {
            Backend::Tables(tables) => {
                let ids: Option<Vec<String>> = match selection {
                    Selection::All => None,
                    Selection::One(id) => Some(vec![id.to_string()]),
                    Selection::Party(party) => Some(
                        tables
                            .directory_rows(party.as_str())
                            .await?
                            .into_iter()
                            .map(|row| row.partnership.to_string())
                            .collect(),
                    ),
                };
                let status = tables.status_rows(ids.as_deref()).await?;
                let mut result = Vec::with_capacity(status.len());
                if ids.is_none() {
                    let mut all: BTreeMap<PartnershipId, Vec<TimelineRow>> = BTreeMap::new();
                    for row in tables.all_timeline_rows().await? {
                        all.entry(row.partnership.clone()).or_default().push(row);
                    }
                    for row in status {
                        let timeline = all.remove(&row.partnership).unwrap_or_default();
                        result.push((row, timeline));
                    }
                } else {
                    for row in status {
                        let timeline = tables.timeline_rows(row.partnership.as_str()).await?;
                        result.push((row, timeline));
                    }
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
            None => self.current(selection).await?,
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
        self.current(&Selection::One(id.clone()))
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

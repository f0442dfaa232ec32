//! Keeping the tables up to date: catch-up from the checkpoint, rebuild from all events.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use amity_domain::{PartnershipId, Register, Timeline};
use amity_ledger::register::community_partnership;
use amity_ledger::Position;

use crate::projections::Backend;
use crate::rows::PartyRow;
use crate::{rows, tables, Checkpoint, Error, PartnershipRows, Projections, Result, CODE_VERSION};

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

/// What the rows written must carry besides the status and the history.
#[derive(Debug, Clone, Copy)]
struct Needs {
    /// Each history entry's own details (else read from the stored events).
    details: bool,
    /// The directory rows (else the directory is a view).
    directory: bool,
}

/// The rows of a timeline into `chunk`, with what the tables keep (see [`Needs`]); how many
/// partnerships that makes (0 or 1).
fn emit(timeline: Timeline, needs: Needs, chunk: &mut Vec<PartnershipRows>) -> u64 {
    emit_stream(timeline, Vec::new(), needs, chunk)
}

/// [`emit`], with where the events of the partnership's own stream are stored, by stream
/// version (see [`PartnershipRows::positions`]; empty if not known).
fn emit_stream(
    timeline: Timeline,
    positions: Vec<u64>,
    needs: Needs,
    chunk: &mut Vec<PartnershipRows>,
) -> u64 {
    match rows::rows_with(&timeline, needs.details, needs.directory) {
        Some(partnership_rows) => {
            chunk.push(PartnershipRows {
                positions,
                ..partnership_rows
            });
            1
        }
        None => 0,
    }
}

/// A stream's events read so far by a rebuild, in feed order, and where each is stored (see
/// [`PartnershipRows::positions`]; `None` if the reading did not say).
#[derive(Default)]
struct Open {
    events: Vec<amity_domain::Recorded>,
    positions: Vec<Option<u64>>,
}

impl Open {
    /// Its history, and where its events are stored by stream version (see [`by_version`]).
    fn finish(self, id: PartnershipId) -> (Timeline, Vec<u64>) {
        let versions = self.events.iter().map(|recorded| recorded.stream_version);
        let positions = by_version(versions.zip(self.positions));
        (Timeline::from_history(id, self.events), positions)
    }
}

/// The store's commit coordinate of a position, as the tables keep it.
fn commit(position: Position) -> Option<u64> {
    position.parts().map(|(commit, _)| commit)
}

/// The positions of a stream's events by stream version, from each event's version and
/// position in the order read: kept only if the events are the stream's versions from 0 in
/// order (as a whole stream read from the feed, or by itself, is) and each has a position;
/// else none.
fn by_version(placed: impl Iterator<Item = (u64, Option<u64>)>) -> Vec<u64> {
    let mut positions = Vec::with_capacity(placed.size_hint().0);
    for (index, (version, position)) in placed.enumerate() {
        match position {
            Some(position) if version == index as u64 => positions.push(position),
            _ => return Vec::new(),
        }
    }
    positions
}

/// Write a chunk of rows (when there are tables) with their parties (as the partnerships
/// name them; a party already there is left as it is), and start a new one.
async fn flush(
    writer: Option<&mut Box<dyn tables::TableWriter + '_>>,
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
                match self.update(Some(checkpoint), &mut |_, _| {}).await? {
                    Updated::Done(progress) => Ok(progress),
                    // A link was recorded between the look above and the update's own read
                    // of the feed: nothing was written; everything is recomputed.
                    Updated::LinksMoved => self.rebuild(&mut |_, _| {}).await,
                }
            }
            _ => self.rebuild(&mut |_, _| {}).await,
        }
    }

    /// Drop every projection and rebuild it from all events. `progress(done, total)` is called
    /// as events are processed. Live, it computes every row once (and keeps none).
    #[tracing::instrument(name = "projections.rebuild", level = "debug", skip_all)]
    pub async fn rebuild(
        &mut self,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<Progress> {
        match self.update(None, progress).await? {
            Updated::Done(progress) => Ok(progress),
            Updated::LinksMoved => unreachable!("a rebuild reads the links it rebuilds with"),
        }
    }

    /// Wait for the housekeeping that a large catch-up or rebuild left running in the
    /// background, if any: SQLite tables fold their WAL back into the file on a thread of their
    /// own, while the caller reads. Nothing needs it (readers see the rows once the update has
    /// returned); it is for measuring, and dropping the projections waits for it anyway.
    pub async fn settle(&self) {
        if let Backend::Tables(tables) = &self.backend {
            tables.settle().await;
        }
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
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<Updated> {
        // Partnerships per chunk sent to the writer: 512 held a rebuild of the benchmark ledger
        // at 121-122 MB at its peak, 256 at 114-116 MB, at the same rate (with `PARTY_BATCH`
        // halved too).
        const CHUNK: usize = 256;
        const PAGE: usize = 4_096;
        let ledger = self.ledger.clone();
        // Take the tables' write lock first: no other process writes them until we are done.
        // (It keeps the feed still only for tables in the SQLite ledger file itself; hence the
        // end of the feed found below is where this update stops.)
        let mut writer = match &mut self.backend {
            Backend::Tables(tables) => match tables.begin(from, from.is_none()).await {
                Ok(writer) => Some(writer),
                // Someone else brought the tables up to date meanwhile: theirs is as good.
                Err(Error::Raced) => return Ok(Updated::Done(Progress::default())),
                Err(other) => return Err(other),
            },
            Backend::Live => None,
        };
        // Rows that are written need the history's details and the directory rows only where
        // the tables keep them.
        let needs = Needs {
            details: writer.as_ref().is_some_and(|writer| writer.keeps_details()),
            directory: writer
                .as_ref()
                .is_some_and(|writer| writer.keeps_directory()),
        };
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
            links: links_moved,
        } = changes;
        // A link recorded since the checkpoint joins or parts histories this update would not
        // touch: the writer is dropped (nothing written) and the caller rebuilds.
        if links_moved && from.is_some() {
            return Ok(Updated::LinksMoved);
        }
        if events == 0 && touched_parties.is_empty() && from.is_some() {
            return Ok(Updated::Done(Progress::default()));
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
            let mut open: FxHashMap<PartnershipId, Open> = FxHashMap::default();
            // How many events of each partnership are still to come, hashed: searching the
            // summary's sorted map compared ids a dozen times or more for every event.
            let mut touched: FxHashMap<PartnershipId, u64> =
                std::mem::take(&mut touched).into_iter().collect();
            let mut last: Option<(PartnershipId, Open, u64)> = None;
            // The streams of linked keys, gathered by community, computed at the end.
            let mut communities: BTreeMap<PartnershipId, Vec<amity_domain::Recorded>> =
                BTreeMap::new();
            let mut done = 0u64;
            // Tables that read the events' details from the stored events (the SQLite ledger
            // file's) get rows without them: the events are decoded without them too.
            let mut pages = if needs.details {
                ledger.pages(Position::START, Some(position), PAGE)
            } else {
                ledger.pages_without_details(Position::START, Some(position), PAGE)
            };
            while let Some((page, positions)) = pages.next_positioned().await? {
                let mut positions = positions.into_iter();
                for recorded in page {
                    let position = positions.next().and_then(commit);
                    done += 1;
                    if done.is_multiple_of(65_536) {
                        progress(done, events);
                    }
                    // The stream of the event before, kept out of the map with its count:
                    // most ledgers append a stream's events together, and they come one after
                    // another, its id compared once each and hashed only when it changes.
                    let (id, mut buffer, expected) = match last.take() {
                        Some((id, buffer, expected)) if id == recorded.partnership => {
                            (id, buffer, expected)
                        }
                        other => {
                            open.extend(other.map(|(id, buffer, _)| (id, buffer)));
                            // The summary counted every event up to `position`; a stream it
                            // did not count, or one already complete (0 left), means it was
                            // wrong.
                            let expected = match touched.get(&recorded.partnership) {
                                Some(&expected) if expected > 0 => expected,
                                _ => {
                                    return Err(amity_ledger::Error::Undercounted {
                                        stream: recorded.partnership.to_string(),
                                    })?;
                                }
                            };
                            let id = recorded.partnership.clone();
                            // Room for the stream's events, up to a bound (the count is the
                            // store's, not checked yet).
                            let buffer = open.remove(&id).unwrap_or_else(|| {
                                let room = expected.min(1_024) as usize;
                                Open {
                                    events: Vec::with_capacity(room),
                                    positions: Vec::with_capacity(room),
                                }
                            });
                            (id, buffer, expected)
                        }
                    };
                    buffer.events.push(recorded);
                    buffer.positions.push(position);
                    if buffer.events.len() as u64 != expected {
                        last = Some((id, buffer, expected));
                    } else {
                        if let Some(left) = touched.get_mut(&id) {
                            *left = 0;
                        }
                        if links.is_merged(&id) {
                            let community = links.canonical_partnership(&id);
                            communities
                                .entry(community)
                                .or_default()
                                .extend(buffer.events);
                            continue;
                        }
                        let (timeline, positions) = buffer.finish(id);
                        partnerships += emit_stream(timeline, positions, needs, &mut chunk);
                        if chunk.len() == CHUNK {
                            flush(writer.as_mut(), &mut chunk, &links).await?;
                        }
                    }
                }
            }
            open.extend(last.map(|(id, buffer, _)| (id, buffer)));
            for (id, stream) in open.drain() {
                if links.is_merged(&id) {
                    let community = links.canonical_partnership(&id);
                    communities
                        .entry(community)
                        .or_default()
                        .extend(stream.events);
                    continue;
                }
                let (timeline, positions) = stream.finish(id);
                partnerships += emit_stream(timeline, positions, needs, &mut chunk);
            }
            if !communities.is_empty() {
                let register =
                    amity_domain::Register::from_entries(&ledger.register_entries().await?);
                for (id, entries) in communities {
                    let partnership = community_partnership(&id, &entries, Some(&register));
                    partnerships += emit(
                        Timeline::merged(id, partnership, entries),
                        needs,
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
                // A merged history's entries come from several streams: no positions kept.
                let (timeline, positions) = if links.is_merged(&id) {
                    let community = links.canonical_partnership(&id);
                    if !seen.insert(community.clone()) {
                        continue;
                    }
                    let (timeline, _) = ledger.community_timeline(&community, &links).await?;
                    done += timeline.recorded().len() as u64;
                    (timeline, Vec::new())
                } else {
                    let (timeline, placed) = ledger.timeline_until(&id, position).await?;
                    done += placed.len() as u64;
                    let placed = placed
                        .into_iter()
                        .map(|(version, position)| (version, commit(position)));
                    (timeline, by_version(placed))
                };
                progress(done, events.max(done));
                partnerships += emit_stream(timeline, positions, needs, &mut chunk);
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
        Ok(Updated::Done(Progress {
            events,
            partnerships,
            rebuilt: from.is_none(),
        }))
    }
}

/// What [`Projections::update`] did.
enum Updated {
    /// Its work.
    Done(Progress),
    /// Nothing: a link moved since the checkpoint, so everything must be rebuilt.
    LinksMoved,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use amity_domain::register::{Link, Relation};
    use amity_domain::{Event, EventType, Facts, Partnership, PartnershipKind, RegisterEvent};
    use amity_ledger::{Ledger, ToRecord};

    use super::*;

    /// The race a long-running follower meets: a link recorded after `catch_up` looked for
    /// links, before the update read the feed. The update must not write an incremental
    /// catch-up that ignores the link.
    #[tokio::test]
    async fn an_update_that_meets_a_new_link_writes_nothing_and_catch_up_rebuilds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let store = amity_store_sqlite::SqliteEventStore::open(&path).unwrap();
        let ledger = Ledger::new(Arc::new(store));
        for (a, b) in [
            ("Colorado Springs, US-CO", "Smolensk, RU"),
            ("Colorado Springs, US", "Fujiyoshida, JP"),
        ] {
            let partnership = Partnership::new(
                a.parse().unwrap(),
                b.parse().unwrap(),
                PartnershipKind::sister_city(),
            )
            .unwrap();
            let facts = Facts {
                occurred: "1993".parse().unwrap(),
                ..Facts::default()
            };
            let event = Event::lifecycle(EventType::PartnershipFounded, partnership, facts);
            ledger
                .record(ToRecord::lifecycle(event, "test"))
                .await
                .unwrap();
        }
        let mut projections = Projections::open_in_ledger(ledger.clone(), &path).unwrap();
        projections.catch_up().await.unwrap();
        let checkpoint = projections.tables().unwrap().checkpoint().await.unwrap();
        let link = Link {
            relation: Relation::SameAs,
            a: "us-co:colorado-springs".parse().unwrap(),
            b: "us:colorado-springs".parse().unwrap(),
            sources: Vec::new(),
            note: None,
        };
        ledger
            .record_register(uuid::Uuid::now_v7(), RegisterEvent::Linked(link), "test")
            .await
            .unwrap();
        // The update alone (as if the look for links had come before the link).
        let updated = projections
            .update(checkpoint, &mut |_, _| {})
            .await
            .unwrap();
        assert!(matches!(updated, Updated::LinksMoved));
        let unchanged = projections.tables().unwrap().checkpoint().await.unwrap();
        assert_eq!(unchanged, checkpoint, "nothing was written");
        let progress = projections.catch_up().await.unwrap();
        assert!(progress.rebuilt, "{progress:?}");
        // The same rows as tables built from nothing.
        let mut fresh =
            Projections::open(ledger.clone(), Some(&dir.path().join("fresh.db"))).unwrap();
        fresh.catch_up().await.unwrap();
        let caught_up = projections
            .tables()
            .unwrap()
            .status_rows(None)
            .await
            .unwrap();
        let from_nothing = fresh.tables().unwrap().status_rows(None).await.unwrap();
        assert_eq!(caught_up, from_nothing);
        assert!(!caught_up.is_empty());
    }

    /// A stream of `versions` (as read, in that order): the first `positions` events at 100 +
    /// their index, the others without a position.
    fn open_stream(versions: &[u64], positions: usize) -> (PartnershipId, Open) {
        let partnership = Arc::new(
            Partnership::new(
                "Pueblo, US-CO".parse().unwrap(),
                "Chihuahua, MX".parse().unwrap(),
                PartnershipKind::sister_city(),
            )
            .unwrap(),
        );
        let id = partnership.id();
        let events = versions
            .iter()
            .map(|&version| amity_domain::Recorded {
                id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &version.to_be_bytes()),
                partnership: id.clone(),
                stream_version: version,
                recorded_by: "test".into(),
                recorded_at: jiff::Timestamp::UNIX_EPOCH,
                event: Event::lifecycle(
                    EventType::PartnershipAttested,
                    partnership.clone(),
                    Facts::default(),
                ),
            })
            .collect();
        let positions = (0..versions.len() as u64)
            .map(|index| (index < positions as u64).then_some(100 + index))
            .collect();
        (id, Open { events, positions })
    }

    #[test]
    fn a_streams_positions_are_kept_only_when_they_are_its_versions_from_0_one_each() {
        // Given a whole stream read in order, one position per event: kept.
        let (id, whole) = open_stream(&[0, 1, 2], 3);
        let (timeline, positions) = whole.finish(id);
        assert_eq!(positions, vec![100, 101, 102]);
        assert_eq!(timeline.recorded().len(), 3);
        // Given an event without its position: none kept (they would not line up).
        let (id, short) = open_stream(&[0, 1, 2], 2);
        assert_eq!(short.finish(id).1, Vec::<u64>::new());
        // Given versions that are not 0, 1, 2, …: none kept.
        for versions in [&[1, 2, 3][..], &[0, 2, 1], &[0, 0, 1]] {
            let (id, other) = open_stream(versions, 3);
            assert_eq!(other.finish(id).1, Vec::<u64>::new(), "{versions:?}");
        }
    }
}

//! One recorded event as PROV: the entity of the entry, derived from its sources, generated
//! when the ledger stored it and attributed to who recorded it, about its partnership; a
//! retraction's activity invalidates the entry it retracts, a citation's sources become the
//! cited entry's.

use amity_domain::{Day, Event, Recorded, Register, Source};
use rustc_hash::FxHashSet;

use super::agents::Agents;
use super::model::{Kind, Node, Relation, Sink, Value};
use super::vocab::{self, Id, Term};

/// What one event's description needs of the export's state: the identifiers of its
/// partnership, recorder and initiating party, and of its sources with whether each is cited
/// for the first time (then the event's description describes it). Made in feed order by
/// [`Describer::prepare`], so the events can then be described in any order, in parallel.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    partnership: Id,
    recorder: Id,
    initiated_by: Option<Id>,
    /// Each source's entity, and whether this event is the first to cite it.
    sources: Vec<(Id, bool)>,
}

/// Keeps what the events met so far (partnerships, agents, sources) and prepares each event's
/// description; describes the partnerships and agents at the end.
pub(super) struct Describer {
    agents: Agents,
    /// The sources met already.
    sources: FxHashSet<Id>,
    /// How many events were prepared.
    events: u64,
    /// A source's identifying fields, serialized (kept to spare an allocation per source).
    key: Vec<u8>,
}

impl Describer {
    /// Nothing met yet; `register` is the party register as known at the export's moment.
    pub fn new(register: Register) -> Describer {
        Describer {
            agents: Agents::new(register),
            sources: FxHashSet::default(),
            events: 0,
            key: Vec::new(),
        }
    }

    /// How many events were prepared.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Meet an event, in feed order: what its description needs.
    pub fn prepare(&mut self, recorded: &Recorded) -> std::io::Result<Prepared> {
        let lifecycle = recorded.event.as_lifecycle();
        let partnership = self.agents.partnership(
            &recorded.partnership,
            lifecycle.map(|body| &body.partnership),
        );
        let recorder = self.agents.recorder(&recorded.recorded_by);
        let facts = recorded.event.facts();
        let initiated_by = facts
            .initiated_by
            .as_ref()
            .map(|key| self.agents.party(key));
        let mut sources = Vec::with_capacity(facts.sources.len());
        for source in &facts.sources {
            // A document is its title, publisher, address and date: the same document cited
            // by many entries, at different places, is one entity.
            self.key.clear();
            let fields = (
                &source.title,
                &source.publisher,
                &source.url,
                source.published.as_ref().map(|date| date.as_str()),
            );
            serde_json::to_writer(&mut self.key, &fields).map_err(std::io::Error::other)?;
            let id = Id::named("source", &self.key);
            sources.push((id, self.sources.insert(id)));
        }
        self.events += 1;
        Ok(Prepared {
            partnership,
            recorder,
            initiated_by,
            sources,
        })
    }

    /// Describe the partnerships and agents met.
    pub fn finish(self, sink: &mut dyn Sink) -> std::io::Result<()> {
        self.agents.describe(sink)
    }
}

/// Describe one recorded event, prepared by [`Describer::prepare`].
pub(super) fn describe(
    recorded: &Recorded,
    prepared: &Prepared,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    let entry = Id(recorded.id);
    let Prepared {
        partnership,
        recorder,
        initiated_by,
        sources,
    } = prepared;
    let (partnership, recorder) = (*partnership, *recorder);
    let facts = recorded.event.facts();
    for (source, (id, new)) in facts.sources.iter().zip(sources) {
        if *new {
            describe_source(source, *id, sink)?;
        }
    }
    let mut attributes: Vec<(Term, Value<'_>)> = Vec::with_capacity(12);
    attributes.push((vocab::SUBJECT, Value::Node(partnership)));
    if let Some(target) = recorded.event.target() {
        attributes.push((vocab::TARGET, Value::Node(Id(target))));
    }
    if let Some(date) = facts.occurred.date() {
        attributes.push((vocab::OCCURRED, Value::Edtf(date.as_str())));
        if let Day::On(_) = date.earliest() {
            attributes.push((vocab::EARLIEST, Value::Date(date.earliest())));
        }
        if let Day::On(_) = date.latest() {
            attributes.push((vocab::LATEST, Value::Date(date.latest())));
        }
    }
    if let Some(term) = &facts.term_as_written {
        attributes.push((vocab::TERM_AS_WRITTEN, Value::Text(term)));
    }
    attributes.push((vocab::CERTAINTY, Value::Text(facts.certainty.name())));
    if let Some(party) = *initiated_by {
        attributes.push((vocab::INITIATED_BY, Value::Node(party)));
    }
    if let Event::Retracted(body) = &recorded.event {
        attributes.push((vocab::REASON, Value::Text(&body.reason)));
    }
    if let Some(note) = &facts.note {
        attributes.push((vocab::COMMENT, Value::Text(note)));
    }
    sink.node(&Node {
        kind: Kind::Entity,
        id: entry,
        types: &[vocab::event_class(recorded.event.event_type())],
        attributes: &attributes,
        at: None,
    })?;

    // A retraction is an activity of the ledger: it generated the retraction's entry and
    // invalidated the entry it retracts, at the moment it was recorded.
    let retraction = match &recorded.event {
        Event::Retracted(_) => Some(Id::named("retraction", recorded.id.as_bytes())),
        _ => None,
    };
    let time = recorded.recorded_at;
    sink.relation(&Relation::Generation {
        entity: entry,
        activity: retraction,
        time,
    })?;
    sink.relation(&Relation::Attribution {
        entity: entry,
        agent: recorder,
    })?;
    for (source, (id, _)) in facts.sources.iter().zip(sources) {
        sink.relation(&derivation(entry, source, *id))?;
    }
    if let Some(alternate) = recorded.event.alternative_to() {
        sink.relation(&Relation::Alternate {
            entity: entry,
            alternate: Id(alternate),
        })?;
    }
    match (&recorded.event, retraction) {
        (Event::Retracted(body), Some(activity)) => {
            sink.node(&Node {
                kind: Kind::Activity,
                id: activity,
                types: &[vocab::RETRACTION],
                attributes: &[],
                at: Some(time),
            })?;
            sink.relation(&Relation::Association {
                activity,
                agent: recorder,
            })?;
            sink.relation(&Relation::Usage {
                activity,
                entity: Id(body.target),
            })?;
            sink.relation(&Relation::Invalidation {
                entity: Id(body.target),
                activity,
                time,
            })?;
        }
        // The new evidence supports the cited entry: it is derived from these sources too.
        (Event::Cited(body), _) => {
            for (source, (id, _)) in facts.sources.iter().zip(sources) {
                sink.relation(&derivation(Id(body.target), source, *id))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Describe a source document: its title, publisher, address and date.
fn describe_source(source: &Source, id: Id, sink: &mut dyn Sink) -> std::io::Result<()> {
    let mut attributes = Vec::with_capacity(4);
    attributes.push((vocab::TITLE, Value::Text(&source.title)));
    if let Some(publisher) = &source.publisher {
        attributes.push((vocab::PUBLISHER, Value::Text(publisher)));
    }
    if let Some(url) = &source.url {
        attributes.push((vocab::URL, Value::Url(url)));
    }
    if let Some(published) = &source.published {
        attributes.push((vocab::ISSUED, Value::Edtf(published.as_str())));
    }
    sink.node(&Node {
        kind: Kind::Entity,
        id,
        types: &[],
        attributes: &attributes,
        at: None,
    })
}

/// An entry derived from a source, at its locator.
fn derivation(generated: Id, source: &Source, used: Id) -> Relation<'_> {
    Relation::Derivation {
        generated,
        used,
        role: source.role,
        locator: source.locator.as_deref(),
    }
}

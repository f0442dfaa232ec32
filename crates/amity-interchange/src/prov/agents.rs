//! The partnerships and agents of the export, gathered as the events name them and described
//! once, at the end: every name, code and Wikidata item a party was given in the events known,
//! with what the register knew of it then.

use std::sync::Arc;

use amity_domain::{Partnership, PartnershipId, Party, PartyKey, Register};
use rustc_hash::FxHashMap;

use super::model::{Kind, Node, Relation, Sink, Value};
use super::vocab::{self, Id, Term};

/// A partnership named by the events.
struct PartnershipSeen {
    id: Id,
    key: PartnershipId,
    /// Its parties' agents, in the order of its id's keys.
    parties: [Id; 2],
    /// The partnership as the last event that named it differently said it (parties in the
    /// order the source named them).
    named: Option<Arc<Partnership>>,
    /// Every kind it was given (sister city, friendship city, …), in order.
    kinds: Vec<String>,
}

/// A party named by the events (or by the register, for a same-as link).
struct PartySeen {
    id: Id,
    key: PartyKey,
    /// Every distinct form the events gave it (name, codes, Wikidata item), in order.
    named: Vec<Party>,
}

/// The partnerships, parties and recorders met so far.
pub(super) struct Agents {
    register: Register,
    partnerships: Vec<PartnershipSeen>,
    partnership_index: FxHashMap<PartnershipId, usize>,
    parties: Vec<PartySeen>,
    party_index: FxHashMap<PartyKey, usize>,
    recorders: Vec<(String, Id)>,
    recorder_index: FxHashMap<String, usize>,
}

impl Agents {
    /// None met yet; `register` is the party register as known at the export's moment.
    pub fn new(register: Register) -> Agents {
        Agents {
            register,
            partnerships: Vec::new(),
            partnership_index: FxHashMap::default(),
            parties: Vec::new(),
            party_index: FxHashMap::default(),
            recorders: Vec::new(),
            recorder_index: FxHashMap::default(),
        }
    }

    /// The entity of partnership `key`, as `named` by a lifecycle event (retractions and
    /// citations name none).
    pub fn partnership(&mut self, key: &PartnershipId, named: Option<&Arc<Partnership>>) -> Id {
        let index = match self.partnership_index.get(key) {
            Some(index) => *index,
            None => {
                let (a, b) = key.keys();
                let parties = [self.party(&a), self.party(&b)];
                self.partnerships.push(PartnershipSeen {
                    id: Id::named("partnership", key.as_str().as_bytes()),
                    key: key.clone(),
                    parties,
                    named: None,
                    kinds: Vec::new(),
                });
                self.partnership_index
                    .insert(key.clone(), self.partnerships.len() - 1);
                self.partnerships.len() - 1
            }
        };
        if let Some(named) = named {
            let known = self.partnerships[index]
                .named
                .as_ref()
                .is_some_and(|seen| Arc::ptr_eq(seen, named) || **seen == **named);
            if !known {
                self.name(index, named);
            }
        }
        self.partnerships[index].id
    }

    /// Keep what a lifecycle event says of a partnership and its parties.
    fn name(&mut self, index: usize, named: &Arc<Partnership>) {
        for party in &named.parties {
            let slot = self.party_index(&party.key());
            if !self.parties[slot].named.contains(party) {
                self.parties[slot].named.push(party.clone());
            }
        }
        let seen = &mut self.partnerships[index];
        if !seen.kinds.iter().any(|kind| kind == named.kind.as_str()) {
            seen.kinds.push(named.kind.as_str().to_owned());
        }
        seen.named = Some(named.clone());
    }

    /// The agent of the party `key`.
    pub fn party(&mut self, key: &PartyKey) -> Id {
        let index = self.party_index(key);
        self.parties[index].id
    }

    fn party_index(&mut self, key: &PartyKey) -> usize {
        if let Some(index) = self.party_index.get(key) {
            return *index;
        }
        self.parties.push(PartySeen {
            id: Id::named("party", key.as_str().as_bytes()),
            key: key.clone(),
            named: Vec::new(),
        });
        self.party_index.insert(key.clone(), self.parties.len() - 1);
        self.parties.len() - 1
    }

    /// The agent of who recorded an event (a person, or an importer).
    pub fn recorder(&mut self, name: &str) -> Id {
        if let Some(index) = self.recorder_index.get(name) {
            return self.recorders[*index].1;
        }
        let id = Id::named("recorder", name.as_bytes());
        self.recorders.push((name.to_owned(), id));
        self.recorder_index
            .insert(name.to_owned(), self.recorders.len() - 1);
        id
    }

    /// Describe every partnership, party and recorder met.
    pub fn describe(mut self, sink: &mut dyn Sink) -> std::io::Result<()> {
        for seen in &self.partnerships {
            let label = match &seen.named {
                Some(named) => format!("{} – {}", named.parties[0].name, named.parties[1].name),
                None => seen.key.to_string(),
            };
            let mut attributes = vec![
                (vocab::LABEL, Value::Text(&label)),
                (vocab::IDENTIFIER, Value::Text(seen.key.as_str())),
            ];
            attributes.extend(
                seen.kinds
                    .iter()
                    .map(|kind| (vocab::KIND, Value::Text(kind))),
            );
            sink.node(&Node {
                kind: Kind::Entity,
                id: seen.id,
                types: &[vocab::PARTNERSHIP],
                attributes: &attributes,
                at: None,
            })?;
            for agent in seen.parties {
                sink.relation(&Relation::Attribution {
                    entity: seen.id,
                    agent,
                })?;
            }
        }
        // (A same-as link may name a party no event does: it is added, and described in turn.)
        let mut index = 0;
        while index < self.parties.len() {
            let canonical = self.register.canonical_key(&self.parties[index].key);
            let same_as = (canonical != self.parties[index].key).then(|| self.party(&canonical));
            describe_party(&self.parties[index], &self.register, same_as, sink)?;
            index += 1;
        }
        for (name, id) in &self.recorders {
            sink.node(&Node {
                kind: Kind::Agent,
                id: *id,
                types: &[],
                attributes: &[(vocab::LABEL, Value::Text(name))],
                at: None,
            })?;
        }
        Ok(())
    }
}

/// Describe a party: every form the events gave it, then the register's record, and its
/// community's canonical party (`same_as`) when a same-as link makes it another's.
fn describe_party(
    seen: &PartySeen,
    register: &Register,
    same_as: Option<Id>,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    let record = register.party(&seen.key);
    let forms: Vec<&Party> = seen
        .named
        .iter()
        .chain(record.map(|record| &record.party))
        .collect();
    let mut attributes: Vec<(Term, Value<'_>)> = Vec::new();
    for party in &forms {
        add(vocab::LABEL, Value::Text(&party.name), &mut attributes);
    }
    add(
        vocab::IDENTIFIER,
        Value::Text(seen.key.as_str()),
        &mut attributes,
    );
    for party in &forms {
        add(vocab::COUNTRY, Value::Text(&party.country), &mut attributes);
    }
    for subdivision in forms
        .iter()
        .filter_map(|party| party.subdivision.as_deref())
    {
        add(
            vocab::SUBDIVISION,
            Value::Text(subdivision),
            &mut attributes,
        );
    }
    for qualifier in forms.iter().filter_map(|party| party.qualifier.as_deref()) {
        add(vocab::QUALIFIER, Value::Text(qualifier), &mut attributes);
    }
    if let Some(kind) = record.and_then(|record| record.kind) {
        add(vocab::PARTY_KIND, Value::Text(kind.name()), &mut attributes);
    }
    for alias in record.iter().flat_map(|record| &record.aliases) {
        add(vocab::ALIAS, Value::Text(alias), &mut attributes);
    }
    let items = forms.iter().filter_map(|party| party.wikidata.as_deref());
    let (links, odd): (Vec<&str>, Vec<&str>) = items.partition(|item| is_wikidata_item(item));
    for item in links {
        add(
            vocab::SAME_AS,
            Value::Link(vocab::WIKIDATA, item),
            &mut attributes,
        );
    }
    let geonames = record
        .and_then(|record| record.geonames)
        .map(|id| format!("{id}/"));
    if let Some(geonames) = &geonames {
        add(
            vocab::SAME_AS,
            Value::Link(vocab::GEONAMES, geonames),
            &mut attributes,
        );
    }
    if let Some(canonical) = same_as {
        add(vocab::SAME_AS, Value::Node(canonical), &mut attributes);
    }
    // (A stored item id not of the form Q123 is kept as text, not made a link.)
    for item in odd {
        add(vocab::WIKIDATA_ID, Value::Text(item), &mut attributes);
    }
    sink.node(&Node {
        kind: Kind::Agent,
        id: seen.id,
        types: &[vocab::ORGANIZATION],
        attributes: &attributes,
        at: None,
    })
}

/// Add an attribute unless it is there already (two forms of a party often agree).
fn add<'a>(term: Term, value: Value<'a>, attributes: &mut Vec<(Term, Value<'a>)>) {
    if !attributes.contains(&(term, value)) {
        attributes.push((term, value));
    }
}

/// Whether `item` is a Wikidata item id (`Q` and digits), one an IRI can be made of.
fn is_wikidata_item(item: &str) -> bool {
    item.strip_prefix('Q')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

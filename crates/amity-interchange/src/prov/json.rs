//! PROV-JSON (the W3C member submission): one JSON object whose `entity` map is written out
//! as the events are described, while the maps that follow it (`agent`, `activity`, and one
//! per kind of relation, each relation under a generated id `_:rC_N`) are kept as compact
//! JSON text until the end. Events are described in chunks (in parallel), each chunk's maps
//! appended to the document's in feed order.

use std::io::Write;

use amity_domain::SourceRole;

use super::model::{time_into, xsd_date_into, Kind, Node, Relation, Sink, Value};
use super::vocab::{self, Id};

/// The relation maps, in the order written.
const RELATIONS: [&str; 7] = [
    "wasGeneratedBy",
    "wasAttributedTo",
    "wasDerivedFrom",
    "wasInvalidatedBy",
    "wasAssociatedWith",
    "used",
    "alternateOf",
];

/// The maps of one chunk of events (or of the agents at the end), as compact JSON members
/// (`"id":{…}` joined by commas).
#[derive(Default)]
pub(super) struct JsonChunk {
    /// The chunk's number: its relations are `_:rCHUNK_N`.
    number: u64,
    entities: Vec<u8>,
    agents: Vec<u8>,
    activities: Vec<u8>,
    /// One map per relation kind of [`RELATIONS`].
    relations: [Vec<u8>; 7],
    /// The last relation's number in the chunk.
    relation: u64,
    /// Buffers kept between records: a qualified name, a literal's text.
    qname: String,
    literal: String,
}

impl JsonChunk {
    /// Chunk number `number` (each chunk its own), its entities written into `entities`
    /// (cleared), its other maps made with room for `sizes` (the last chunk's: kept until the
    /// end, they should not grow by doubling).
    pub fn new(number: u64, mut entities: Vec<u8>, sizes: [usize; 9]) -> JsonChunk {
        entities.clear();
        let room = |size: usize| Vec::with_capacity(size + size / 16);
        JsonChunk {
            number,
            entities,
            agents: room(sizes[0]),
            activities: room(sizes[1]),
            relations: std::array::from_fn(|index| room(sizes[index + 2])),
            ..JsonChunk::default()
        }
    }

    /// How much JSON the chunk holds so far.
    pub fn len(&self) -> usize {
        [&self.entities, &self.agents, &self.activities]
            .into_iter()
            .chain(&self.relations)
            .map(Vec::len)
            .sum()
    }

    /// Start a relation of map `index`: its id and the opening brace.
    fn open_relation(&mut self, index: usize) -> std::io::Result<&mut Vec<u8>> {
        self.relation += 1;
        let map = &mut self.relations[index];
        if !map.is_empty() {
            map.push(b',');
        }
        write!(map, "\"_:r{}_{}\":{{", self.number, self.relation)?;
        Ok(map)
    }
}

/// A PROV-JSON document being written: the entities written out, the other maps kept (as
/// the chunks' pieces, moved rather than copied; joined by commas at the end).
pub(super) struct JsonDocument<'w> {
    out: &'w mut dyn Write,
    /// Whether an entity was written (the next one needs a comma).
    entities: bool,
    /// The agents', the activities' and each relation kind's map, in pieces.
    maps: [Vec<Vec<u8>>; 9],
    /// The size of the last piece of each map.
    sizes: [usize; 9],
}

impl<'w> JsonDocument<'w> {
    /// A document written to `out`: its prefixes, then the entities as they come.
    pub fn new(out: &'w mut dyn Write) -> std::io::Result<JsonDocument<'w>> {
        // `prov` and `xsd` are PROV-JSON's own prefixes, never declared.
        let prefixes: serde_json::Map<String, serde_json::Value> = vocab::NAMESPACES
            .iter()
            .filter(|(prefix, _)| !matches!(*prefix, "prov" | "xsd"))
            .map(|(prefix, iri)| ((*prefix).to_owned(), (*iri).into()))
            .collect();
        out.write_all(b"{\"prefix\":")?;
        serde_json::to_writer(&mut *out, &prefixes)?;
        out.write_all(b",\"entity\":{")?;
        Ok(JsonDocument {
            out,
            entities: false,
            maps: Default::default(),
            sizes: [0; 9],
        })
    }

    /// Add a chunk: its entities written out (their buffer given back, for another chunk),
    /// its other maps kept.
    pub fn append(&mut self, chunk: JsonChunk) -> std::io::Result<Vec<u8>> {
        if !chunk.entities.is_empty() {
            if self.entities {
                self.out.write_all(b",")?;
            }
            self.out.write_all(&chunk.entities)?;
            self.entities = true;
        }
        let JsonChunk {
            entities,
            agents,
            activities,
            relations,
            ..
        } = chunk;
        let added = [agents, activities].into_iter().chain(relations);
        for ((map, size), members) in self.maps.iter_mut().zip(&mut self.sizes).zip(added) {
            if !members.is_empty() {
                *size = members.len();
                map.push(members);
            }
        }
        Ok(entities)
    }

    /// The size of the last piece of each map other than the entities'.
    pub fn sizes(&self) -> [usize; 9] {
        self.sizes
    }

    /// End the document: the entity map closed, then every other map that holds something.
    pub fn finish(self) -> std::io::Result<()> {
        let JsonDocument { out, maps, .. } = self;
        out.write_all(b"}")?;
        let names = ["agent", "activity"].into_iter().chain(RELATIONS);
        for (name, pieces) in names.zip(&maps) {
            if !pieces.is_empty() {
                write!(out, ",\"{name}\":{{")?;
                for (index, piece) in pieces.iter().enumerate() {
                    if index > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(piece)?;
                }
                out.write_all(b"}")?;
            }
        }
        out.write_all(b"}\n")
    }
}

impl Sink for JsonChunk {
    fn node(&mut self, node: &Node<'_>) -> std::io::Result<()> {
        let map = match node.kind {
            Kind::Entity => &mut self.entities,
            Kind::Agent => &mut self.agents,
            Kind::Activity => &mut self.activities,
        };
        if !map.is_empty() {
            map.push(b',');
        }
        write_node(map, node, &mut self.qname, &mut self.literal)
    }

    fn relation(&mut self, relation: &Relation<'_>) -> std::io::Result<()> {
        let mut qname = std::mem::take(&mut self.qname);
        let written = (|| match *relation {
            Relation::Generation {
                entity,
                activity,
                time,
            } => {
                let map = self.open_relation(0)?;
                reference(map, "prov:entity", entity, &mut qname, true)?;
                if let Some(activity) = activity {
                    reference(map, "prov:activity", activity, &mut qname, false)?;
                }
                time_into(time, &mut qname);
                map.extend_from_slice(b",\"prov:time\":");
                quoted(map, &qname);
                map.write_all(b"}")
            }
            Relation::Attribution { entity, agent } => {
                let map = self.open_relation(1)?;
                reference(map, "prov:entity", entity, &mut qname, true)?;
                reference(map, "prov:agent", agent, &mut qname, false)?;
                map.write_all(b"}")
            }
            Relation::Derivation {
                generated,
                used,
                role,
                locator,
            } => {
                let map = self.open_relation(2)?;
                reference(map, "prov:generatedEntity", generated, &mut qname, true)?;
                reference(map, "prov:usedEntity", used, &mut qname, false)?;
                if role == Some(SourceRole::Primary) {
                    map.write_all(b",\"prov:type\":")?;
                    name(map, vocab::PRIMARY_SOURCE.qname);
                }
                if let Some(locator) = locator {
                    write!(map, ",\"{}\":", vocab::LOCATOR.qname)?;
                    string(map, locator)?;
                }
                if role == Some(SourceRole::Secondary) {
                    write!(map, ",\"{}\":\"secondary\"", vocab::SOURCE_ROLE.qname)?;
                }
                map.write_all(b"}")
            }
            Relation::Invalidation {
                entity,
                activity,
                time,
            } => {
                let map = self.open_relation(3)?;
                reference(map, "prov:entity", entity, &mut qname, true)?;
                reference(map, "prov:activity", activity, &mut qname, false)?;
                time_into(time, &mut qname);
                map.extend_from_slice(b",\"prov:time\":");
                quoted(map, &qname);
                map.write_all(b"}")
            }
            Relation::Association { activity, agent } => {
                let map = self.open_relation(4)?;
                reference(map, "prov:activity", activity, &mut qname, true)?;
                reference(map, "prov:agent", agent, &mut qname, false)?;
                map.write_all(b"}")
            }
            Relation::Usage { activity, entity } => {
                let map = self.open_relation(5)?;
                reference(map, "prov:activity", activity, &mut qname, true)?;
                reference(map, "prov:entity", entity, &mut qname, false)?;
                map.write_all(b"}")
            }
            Relation::Alternate { entity, alternate } => {
                let map = self.open_relation(6)?;
                reference(map, "prov:alternate1", entity, &mut qname, true)?;
                reference(map, "prov:alternate2", alternate, &mut qname, false)?;
                map.write_all(b"}")
            }
        })();
        self.qname = qname;
        written
    }
}

/// `"uuid:…":{"prov:type":…,"term":value or [values],…}`.
fn write_node(
    out: &mut Vec<u8>,
    node: &Node<'_>,
    qname: &mut String,
    literal: &mut String,
) -> std::io::Result<()> {
    node.id.qname_into(qname);
    quoted(out, qname);
    out.extend_from_slice(b":{");
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, name: &str| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        quoted(out, name);
        out.push(b':');
    };
    match node.types {
        [] => {}
        [one] => {
            key(out, "prov:type");
            name(out, one.qname);
        }
        several => {
            key(out, "prov:type");
            out.write_all(b"[")?;
            for (index, class) in several.iter().enumerate() {
                if index > 0 {
                    out.write_all(b",")?;
                }
                name(out, class.qname);
            }
            out.write_all(b"]")?;
        }
    }
    // The values of one term, consecutive, are one member: a value, or a list of them.
    for run in node.attributes.chunk_by(|a, b| a.0 == b.0) {
        key(out, run[0].0.qname);
        if let [(_, value)] = run {
            write_value(out, *value, qname, literal)?;
        } else {
            out.write_all(b"[")?;
            for (index, (_, value)) in run.iter().enumerate() {
                if index > 0 {
                    out.write_all(b",")?;
                }
                write_value(out, *value, qname, literal)?;
            }
            out.write_all(b"]")?;
        }
    }
    if let Some(at) = node.at {
        time_into(at, literal);
        for name in ["prov:startTime", "prov:endTime"] {
            key(out, name);
            quoted(out, literal);
        }
    }
    out.write_all(b"}")
}

/// An attribute's value: a string, or `{"$": text, "type": datatype}`.
fn write_value(
    out: &mut Vec<u8>,
    value: Value<'_>,
    qname: &mut String,
    literal: &mut String,
) -> std::io::Result<()> {
    match value {
        Value::Text(text) => string(out, text),
        Value::Edtf(text) => typed(out, text, vocab::EDTF.qname),
        Value::Url(text) => typed(out, text, vocab::ANY_URI.qname),
        Value::Date(day) => {
            // (Only bounded days are given: an open bound is left out, never written.)
            xsd_date_into(day, literal);
            typed(out, literal, vocab::DATE.qname)
        }
        Value::Node(id) => {
            id.qname_into(qname);
            name(out, qname);
            Ok(())
        }
        Value::Link((prefix, _), local) => {
            qname.clear();
            qname.push_str(prefix);
            qname.push(':');
            qname.push_str(local);
            // (A Wikidata item is `Q` and digits, a GeoNames feature digits and `/`.)
            name(out, qname);
            Ok(())
        }
    }
}

/// A member naming a node: `"name":"uuid:…"`, after a comma unless `first`.
fn reference(
    out: &mut Vec<u8>,
    name: &str,
    id: Id,
    qname: &mut String,
    first: bool,
) -> std::io::Result<()> {
    if !first {
        out.push(b',');
    }
    quoted(out, name);
    out.push(b':');
    id.qname_into(qname);
    quoted(out, qname);
    Ok(())
}

/// `{"$":text,"type":datatype}`.
fn typed(out: &mut Vec<u8>, text: &str, datatype: &str) -> std::io::Result<()> {
    out.extend_from_slice(b"{\"$\":");
    string(out, text)?;
    out.extend_from_slice(b",\"type\":");
    quoted(out, datatype);
    out.push(b'}');
    Ok(())
}

/// `{"$":qname,"type":"prov:QUALIFIED_NAME"}` for a qualified name that needs no escaping.
fn name(out: &mut Vec<u8>, qname: &str) {
    out.extend_from_slice(b"{\"$\":");
    quoted(out, qname);
    out.extend_from_slice(b",\"type\":\"prov:QUALIFIED_NAME\"}");
}

/// A JSON string, escaped by `serde_json`.
fn string(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    serde_json::to_writer(out, text).map_err(std::io::Error::from)
}

/// A JSON string of a text that needs no escaping: a qualified name of Amity's (`uuid:` and a
/// UUID, a term, a datatype), a moment, a day.
fn quoted(out: &mut Vec<u8>, text: &str) {
    debug_assert!(!text.contains(['"', '\\']) && !text.contains(char::is_control));
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

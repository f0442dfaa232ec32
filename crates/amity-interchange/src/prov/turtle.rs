//! PROV-O in Turtle through `oxttl`'s serializer, the triples of one subject grouped (`;`).
//! The document is written in chunks, each a run of events serialized on its own (in
//! parallel with the others) and written out in feed order: the prefixes once, at the start,
//! then each chunk, whole statements only.

use amity_domain::SourceRole;
use oxrdf::vocab::rdf;
use oxrdf::{BlankNode, LiteralRef, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use oxttl::turtle::LowLevelTurtleSerializer;
use oxttl::TurtleSerializer;

use super::model::{time_into, xsd_date_into, Kind, Node, Relation, Sink, Value};
use super::vocab::{self, Id, Term};

/// A qualified relation whose node is written after the triples of the current subject.
enum Qualified {
    /// `[ a prov:Generation ; prov:activity … ; prov:atTime … ]`.
    Generation {
        node: BlankNode,
        activity: Id,
        time: jiff::Timestamp,
    },
    /// `[ a prov:Derivation (or prov:PrimarySource) ; prov:entity … ; amity:locator … ]`.
    Derivation {
        node: BlankNode,
        used: Id,
        role: Option<SourceRole>,
        locator: Option<String>,
    },
    /// `[ a prov:Invalidation ; prov:activity … ; prov:atTime … ]`.
    Invalidation {
        node: BlankNode,
        activity: Id,
        time: jiff::Timestamp,
    },
}

/// A chunk of a Turtle document.
pub(super) struct TurtleChunk {
    serializer: LowLevelTurtleSerializer,
    /// What the serializer wrote (a byte at a time, as it escapes a literal, costs little in
    /// a `Vec`).
    buffer: Vec<u8>,
    /// The current subject's IRI, an object's IRI and a literal's text (buffers kept).
    subject: String,
    object: String,
    literal: String,
    /// Qualified nodes to write once the current subject's triples are written.
    pending: Vec<Qualified>,
    /// The last blank node's number.
    blank: u128,
}

/// The serializer, with the export's prefixes.
fn serializer() -> LowLevelTurtleSerializer {
    let mut serializer = TurtleSerializer::new();
    // (Events are named by their UUID IRIs as they are, `<urn:uuid:…>`: a prefixed name
    // would cost the serializer an escaped copy of each.)
    for (prefix, iri) in vocab::NAMESPACES
        .into_iter()
        .filter(|(_, iri)| *iri != vocab::UUID.1)
    {
        serializer = serializer
            .with_prefix(prefix, iri)
            .expect("the namespaces are valid IRIs");
    }
    serializer.low_level()
}

/// The start of the document: the prefixes, as the serializer writes them before its first
/// triple.
pub(super) fn prelude() -> Vec<u8> {
    let mut text = Vec::new();
    let example = oxrdf::NamedNodeRef::new_unchecked("urn:example");
    serializer()
        .serialize_triple(TripleRef::new(example, example, example), &mut text)
        .expect("written to memory");
    let end = text
        .split_inclusive(|byte| *byte == b'\n')
        .take_while(|line| line.starts_with(b"@prefix "))
        .map(<[u8]>::len)
        .sum();
    text.truncate(end);
    text
}

impl TurtleChunk {
    /// A chunk written into `buffer` (cleared); its blank nodes are numbered from
    /// `first_blank` (each chunk its own range).
    pub fn new(first_blank: u128, mut buffer: Vec<u8>) -> TurtleChunk {
        buffer.clear();
        TurtleChunk {
            serializer: serializer(),
            buffer,
            subject: String::new(),
            object: String::new(),
            literal: String::new(),
            pending: Vec::new(),
            blank: first_blank,
        }
    }

    /// The chunk's Turtle: whole statements, after the prefixes ([`prelude`]) when it holds
    /// any.
    pub fn finish(mut self) -> std::io::Result<Vec<u8>> {
        self.flush_pending()?;
        self.serializer.finish(&mut self.buffer)?;
        Ok(self.buffer)
    }

    /// How much Turtle the chunk holds so far.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    fn blank_node(&mut self) -> BlankNode {
        self.blank += 1;
        BlankNode::new_from_unique_id(self.blank)
    }

    /// A triple about the current subject.
    fn about(&mut self, predicate: Term, object: TermRef<'_>) -> std::io::Result<()> {
        let subject = NamedNodeRef::new_unchecked(&self.subject);
        let predicate = NamedNodeRef::new_unchecked(predicate.iri);
        self.serializer
            .serialize_triple(TripleRef::new(subject, predicate, object), &mut self.buffer)
    }

    /// A triple about the current subject whose object is a node.
    fn about_node(&mut self, predicate: Term, object: Id) -> std::io::Result<()> {
        object.iri_into(&mut self.object);
        let subject = NamedNodeRef::new_unchecked(&self.subject);
        let object = NamedNodeRef::new_unchecked(&self.object);
        self.serializer.serialize_triple(
            TripleRef::new(subject, NamedNodeRef::new_unchecked(predicate.iri), object),
            &mut self.buffer,
        )
    }

    /// A triple about the current subject whose object is a moment, as `xsd:dateTime`.
    fn about_time(&mut self, predicate: Term, time: jiff::Timestamp) -> std::io::Result<()> {
        time_into(time, &mut self.literal);
        let subject = NamedNodeRef::new_unchecked(&self.subject);
        let literal = LiteralRef::new_typed_literal(
            &self.literal,
            NamedNodeRef::new_unchecked(vocab::DATE_TIME.iri),
        );
        self.serializer.serialize_triple(
            TripleRef::new(subject, NamedNodeRef::new_unchecked(predicate.iri), literal),
            &mut self.buffer,
        )
    }

    /// An attribute of the current subject.
    fn attribute(&mut self, predicate: Term, value: Value<'_>) -> std::io::Result<()> {
        let typed = |text, datatype: Term| {
            LiteralRef::new_typed_literal(text, NamedNodeRef::new_unchecked(datatype.iri))
        };
        match value {
            Value::Text(text) => self.about(predicate, LiteralRef::new_simple_literal(text).into()),
            Value::Edtf(text) => self.about(predicate, typed(text, vocab::EDTF).into()),
            Value::Url(text) => self.about(predicate, typed(text, vocab::ANY_URI).into()),
            Value::Node(id) => self.about_node(predicate, id),
            Value::Date(day) => {
                let mut text = std::mem::take(&mut self.literal);
                let bounded = xsd_date_into(day, &mut text);
                let written = match bounded {
                    true => self.about(predicate, typed(&text, vocab::DATE).into()),
                    false => Ok(()),
                };
                self.literal = text;
                written
            }
            Value::Link((_, namespace), local) => {
                let mut iri = std::mem::take(&mut self.object);
                iri.clear();
                iri.push_str(namespace);
                iri.push_str(local);
                let written = self.about(predicate, NamedNodeRef::new_unchecked(&iri).into());
                self.object = iri;
                written
            }
        }
    }

    /// Start a qualified relation of the current subject: its blank node, written later.
    fn qualify(
        &mut self,
        predicate: Term,
        make: impl FnOnce(BlankNode) -> Qualified,
    ) -> std::io::Result<()> {
        let node = self.blank_node();
        let subject = NamedNodeRef::new_unchecked(&self.subject);
        self.serializer.serialize_triple(
            TripleRef::new(
                subject,
                NamedNodeRef::new_unchecked(predicate.iri),
                node.as_ref(),
            ),
            &mut self.buffer,
        )?;
        self.pending.push(make(node));
        Ok(())
    }

    /// Write the qualified nodes started so far.
    fn flush_pending(&mut self) -> std::io::Result<()> {
        for qualified in std::mem::take(&mut self.pending) {
            match qualified {
                Qualified::Generation {
                    node,
                    activity,
                    time,
                } => {
                    self.qualified(&node, vocab::GENERATION, activity, vocab::ACTIVITY_OF)?;
                    self.qualified_time(&node, time)?;
                }
                Qualified::Invalidation {
                    node,
                    activity,
                    time,
                } => {
                    self.qualified(&node, vocab::INVALIDATION, activity, vocab::ACTIVITY_OF)?;
                    self.qualified_time(&node, time)?;
                }
                Qualified::Derivation {
                    node,
                    used,
                    role,
                    locator,
                } => {
                    let class = match role {
                        Some(SourceRole::Primary) => vocab::PRIMARY_SOURCE,
                        _ => vocab::DERIVATION,
                    };
                    self.qualified(&node, class, used, vocab::ENTITY_OF)?;
                    if let Some(locator) = &locator {
                        self.serializer.serialize_triple(
                            TripleRef::new(
                                node.as_ref(),
                                NamedNodeRef::new_unchecked(vocab::LOCATOR.iri),
                                LiteralRef::new_simple_literal(locator),
                            ),
                            &mut self.buffer,
                        )?;
                    }
                    if role == Some(SourceRole::Secondary) {
                        self.serializer.serialize_triple(
                            TripleRef::new(
                                node.as_ref(),
                                NamedNodeRef::new_unchecked(vocab::SOURCE_ROLE.iri),
                                LiteralRef::new_simple_literal("secondary"),
                            ),
                            &mut self.buffer,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `node a class ; property end`.
    fn qualified(
        &mut self,
        node: &BlankNode,
        class: Term,
        end: Id,
        property: Term,
    ) -> std::io::Result<()> {
        let subject = NamedOrBlankNodeRef::from(node.as_ref());
        self.serializer.serialize_triple(
            TripleRef::new(subject, rdf::TYPE, NamedNodeRef::new_unchecked(class.iri)),
            &mut self.buffer,
        )?;
        end.iri_into(&mut self.object);
        self.serializer.serialize_triple(
            TripleRef::new(
                subject,
                NamedNodeRef::new_unchecked(property.iri),
                NamedNodeRef::new_unchecked(&self.object),
            ),
            &mut self.buffer,
        )
    }

    /// `node prov:atTime time`.
    fn qualified_time(&mut self, node: &BlankNode, time: jiff::Timestamp) -> std::io::Result<()> {
        time_into(time, &mut self.literal);
        self.serializer.serialize_triple(
            TripleRef::new(
                node.as_ref(),
                NamedNodeRef::new_unchecked(vocab::AT_TIME.iri),
                LiteralRef::new_typed_literal(
                    &self.literal,
                    NamedNodeRef::new_unchecked(vocab::DATE_TIME.iri),
                ),
            ),
            &mut self.buffer,
        )
    }
}

impl Sink for TurtleChunk {
    fn node(&mut self, node: &Node<'_>) -> std::io::Result<()> {
        self.flush_pending()?;
        node.id.iri_into(&mut self.subject);
        let kind = match node.kind {
            Kind::Entity => vocab::ENTITY,
            Kind::Agent => vocab::AGENT,
            Kind::Activity => vocab::ACTIVITY,
        };
        for class in std::iter::once(&kind).chain(node.types) {
            let subject = NamedNodeRef::new_unchecked(&self.subject);
            self.serializer.serialize_triple(
                TripleRef::new(subject, rdf::TYPE, NamedNodeRef::new_unchecked(class.iri)),
                &mut self.buffer,
            )?;
        }
        for (term, value) in node.attributes {
            self.attribute(*term, *value)?;
        }
        if let Some(at) = node.at {
            self.about_time(vocab::STARTED_AT_TIME, at)?;
            self.about_time(vocab::ENDED_AT_TIME, at)?;
        }
        Ok(())
    }

    fn relation(&mut self, relation: &Relation<'_>) -> std::io::Result<()> {
        self.state(relation)
    }
}

impl TurtleChunk {
    /// The triples of a relation.
    fn state(&mut self, relation: &Relation<'_>) -> std::io::Result<()> {
        match *relation {
            Relation::Generation {
                entity,
                activity,
                time,
            } => {
                entity.iri_into(&mut self.subject);
                self.about_time(vocab::GENERATED_AT_TIME, time)?;
                if let Some(activity) = activity {
                    self.about_node(vocab::WAS_GENERATED_BY, activity)?;
                    self.qualify(vocab::QUALIFIED_GENERATION, |node| Qualified::Generation {
                        node,
                        activity,
                        time,
                    })?;
                }
                Ok(())
            }
            Relation::Attribution { entity, agent } => {
                entity.iri_into(&mut self.subject);
                self.about_node(vocab::WAS_ATTRIBUTED_TO, agent)
            }
            Relation::Derivation {
                generated,
                used,
                role,
                locator,
            } => {
                generated.iri_into(&mut self.subject);
                self.about_node(vocab::WAS_DERIVED_FROM, used)?;
                let primary = role == Some(SourceRole::Primary);
                if primary {
                    self.about_node(vocab::HAD_PRIMARY_SOURCE, used)?;
                }
                if locator.is_some() || role == Some(SourceRole::Secondary) {
                    let property = match primary {
                        true => vocab::QUALIFIED_PRIMARY_SOURCE,
                        false => vocab::QUALIFIED_DERIVATION,
                    };
                    self.qualify(property, |node| Qualified::Derivation {
                        node,
                        used,
                        role,
                        locator: locator.map(str::to_owned),
                    })?;
                }
                Ok(())
            }
            Relation::Invalidation {
                entity,
                activity,
                time,
            } => {
                entity.iri_into(&mut self.subject);
                self.about_node(vocab::WAS_INVALIDATED_BY, activity)?;
                self.about_time(vocab::INVALIDATED_AT_TIME, time)?;
                self.qualify(vocab::QUALIFIED_INVALIDATION, |node| {
                    Qualified::Invalidation {
                        node,
                        activity,
                        time,
                    }
                })
            }
            Relation::Association { activity, agent } => {
                activity.iri_into(&mut self.subject);
                self.about_node(vocab::WAS_ASSOCIATED_WITH, agent)
            }
            Relation::Usage { activity, entity } => {
                activity.iri_into(&mut self.subject);
                self.about_node(vocab::USED, entity)
            }
            Relation::Alternate { entity, alternate } => {
                entity.iri_into(&mut self.subject);
                self.about_node(vocab::ALTERNATE_OF, alternate)
            }
        }
    }
}

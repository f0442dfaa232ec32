//! A PROV document of either serialization, written in chunks: each chunk describes a run of
//! events on its own (on a blocking thread, beside the others), and the document adds the
//! chunks in feed order.

use std::io::Write;

use super::json::{JsonChunk, JsonDocument};
use super::model::{Node, Relation, Sink};
use super::turtle::{self, TurtleChunk};

/// The chunk of a document being described.
pub(super) enum Chunk {
    /// Turtle, with its serializer.
    Turtle(TurtleChunk),
    /// PROV-JSON's maps.
    Json(JsonChunk),
}

/// A chunk described, ready to be added.
pub(super) enum Described {
    /// Whole Turtle statements, after the prefixes.
    Turtle(Vec<u8>),
    /// PROV-JSON's maps.
    Json(Box<JsonChunk>),
}

impl Chunk {
    /// Done describing.
    pub fn described(self) -> std::io::Result<Described> {
        Ok(match self {
            Chunk::Turtle(chunk) => Described::Turtle(chunk.finish()?),
            Chunk::Json(chunk) => Described::Json(Box::new(chunk)),
        })
    }

    fn len(&self) -> usize {
        match self {
            Chunk::Turtle(chunk) => chunk.len(),
            Chunk::Json(chunk) => chunk.len(),
        }
    }
}

impl Sink for Chunk {
    fn node(&mut self, node: &Node<'_>) -> std::io::Result<()> {
        match self {
            Chunk::Turtle(chunk) => chunk.node(node),
            Chunk::Json(chunk) => chunk.node(node),
        }
    }

    fn relation(&mut self, relation: &Relation<'_>) -> std::io::Result<()> {
        match self {
            Chunk::Turtle(chunk) => chunk.relation(relation),
            Chunk::Json(chunk) => chunk.relation(relation),
        }
    }
}

/// A document being written.
pub(super) enum Document<'w> {
    /// Turtle: the prefixes written, and kept to be left out of each chunk.
    Turtle {
        /// The output.
        out: &'w mut dyn Write,
        /// The prefixes.
        prelude: Vec<u8>,
        /// The chunks made so far.
        chunks: u64,
        /// Buffers of chunks written out, for the next chunks.
        spare: Vec<Vec<u8>>,
    },
    /// PROV-JSON.
    Json {
        /// The document.
        document: Box<JsonDocument<'w>>,
        /// The chunks made so far.
        chunks: u64,
        /// Buffers of chunks' entities written out, for the next chunks.
        spare: Vec<Vec<u8>>,
    },
}

impl<'w> Document<'w> {
    /// Start a Turtle document (its prefixes written).
    pub fn turtle(out: &'w mut dyn Write) -> std::io::Result<Document<'w>> {
        let prelude = turtle::prelude();
        out.write_all(&prelude)?;
        Ok(Document::Turtle {
            out,
            prelude,
            chunks: 0,
            spare: Vec::new(),
        })
    }

    /// Start a PROV-JSON document.
    pub fn json(out: &'w mut dyn Write) -> std::io::Result<Document<'w>> {
        Ok(Document::Json {
            document: Box::new(JsonDocument::new(out)?),
            chunks: 0,
            spare: Vec::new(),
        })
    }

    /// A new chunk, its blank nodes or relation ids its own.
    pub fn chunk(&mut self) -> Chunk {
        match self {
            Document::Turtle { chunks, spare, .. } => {
                *chunks += 1;
                let buffer = spare.pop().unwrap_or_default();
                Chunk::Turtle(TurtleChunk::new(u128::from(*chunks) << 64, buffer))
            }
            Document::Json {
                document,
                chunks,
                spare,
            } => {
                *chunks += 1;
                let entities = spare.pop().unwrap_or_default();
                Chunk::Json(JsonChunk::new(*chunks, entities, document.sizes()))
            }
        }
    }

    /// Add a chunk described (the next in feed order).
    pub fn append(&mut self, described: Described) -> std::io::Result<()> {
        let (spare, buffer) = match (self, described) {
            (
                Document::Turtle {
                    out,
                    prelude,
                    spare,
                    ..
                },
                Described::Turtle(text),
            ) => {
                out.write_all(text.strip_prefix(prelude.as_slice()).unwrap_or(&text))?;
                (spare, text)
            }
            (
                Document::Json {
                    document, spare, ..
                },
                Described::Json(chunk),
            ) => (spare, document.append(*chunk)?),
            _ => unreachable!("a chunk is made by its document"),
        };
        // (As many buffers are kept as chunks are ever described at once.)
        if spare.len() < SPARE {
            spare.push(buffer);
        }
        Ok(())
    }

    /// End the document.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            Document::Turtle { .. } => Ok(()),
            Document::Json { document, .. } => (*document).finish(),
        }
    }
}

/// How many buffers of chunks written out are kept for the next chunks.
const SPARE: usize = 8;

/// How much of a chunk described in place ([`Appending`]) is gathered before it is added.
const APPENDED: usize = 1 << 20;

/// A sink that adds what it is given to the document as it goes, a chunk at a time: for what
/// is described in place, at the end (the partnerships and agents), without holding it all.
pub(super) struct Appending<'d, 'w> {
    document: &'d mut Document<'w>,
    chunk: Option<Chunk>,
}

impl<'d, 'w> Appending<'d, 'w> {
    /// Add to `document`.
    pub fn new(document: &'d mut Document<'w>) -> Appending<'d, 'w> {
        let chunk = document.chunk();
        Appending {
            document,
            chunk: Some(chunk),
        }
    }

    /// Add what is left.
    pub fn finish(mut self) -> std::io::Result<()> {
        match self.chunk.take() {
            Some(chunk) => self.document.append(chunk.described()?),
            None => Ok(()),
        }
    }

    /// The chunk, added and replaced by a new one once it holds enough.
    fn chunk(&mut self) -> std::io::Result<&mut Chunk> {
        if self
            .chunk
            .as_ref()
            .is_some_and(|chunk| chunk.len() >= APPENDED)
        {
            let full = self.chunk.take().expect("a chunk");
            self.document.append(full.described()?)?;
        }
        let document = &mut *self.document;
        Ok(self.chunk.get_or_insert_with(|| document.chunk()))
    }
}

impl Sink for Appending<'_, '_> {
    fn node(&mut self, node: &Node<'_>) -> std::io::Result<()> {
        self.chunk()?.node(node)
    }

    fn relation(&mut self, relation: &Relation<'_>) -> std::io::Result<()> {
        self.chunk()?.relation(relation)
    }
}

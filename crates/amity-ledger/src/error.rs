//! Ledger errors: rule violations apart from infrastructure failures.

use amity_domain::{EventId, PartnershipId, Violation};

/// A ledger error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event breaks a lifecycle rule; nothing was written.
    #[error(transparent)]
    Rule(#[from] Violation),
    /// The store failed or refused (e.g. a version conflict that retries did not resolve).
    #[error(transparent)]
    Store(#[from] amity_store::Error),
    /// A stream's name is none of the ledger's kinds (a partnership id, `party/KEY`,
    /// `party-links`, `milestones`): the store holds something this ledger did not write.
    #[error("stream {stream:?} is {expected}: {reason}")]
    StreamName {
        /// The stream.
        stream: String,
        /// What its name should be.
        expected: &'static str,
        /// Why it is not.
        reason: String,
    },
    /// An event names a key that a same-as link makes another's, whose party is not
    /// registered, so the community's stream cannot name it.
    #[error("{key} is the same community as {community} (a same-as link), but {community} is not registered: register it first")]
    Unregistered {
        /// The key the event names.
        key: amity_domain::PartyKey,
        /// Its community's key.
        community: amity_domain::PartyKey,
    },
    /// A register event breaks the register's rules.
    #[error(transparent)]
    Register(#[from] amity_domain::RegisterError),
    /// A new value breaks a rule for new input (a date in the future, a URL of another scheme,
    /// a control character; see `amity_domain::input`); nothing was written. Stored events
    /// are never checked so.
    #[error(transparent)]
    Input(#[from] amity_domain::InputError),
    /// A stored event cannot be read back.
    #[error("cannot read event {event_id} (stream {stream}, version {stream_version}): {source}")]
    Decode {
        /// Its id.
        event_id: EventId,
        /// Its stream.
        stream: String,
        /// Its version.
        stream_version: u64,
        /// What is wrong, by the part at fault.
        #[source]
        source: DecodeFailure,
    },
    /// No event of the ledger is about this partnership.
    #[error("unknown partnership {0}: no event of this ledger is about it")]
    UnknownPartnership(PartnershipId),
    /// A milestone with this key is recorded already.
    #[error("milestone {key} is recorded already (dated {occurred}); choose another key")]
    MilestoneExists {
        /// The key.
        key: String,
        /// The date of the recorded one.
        occurred: String,
    },
    /// The event id is already used by another entry.
    #[error("event id {event_id} is already used by {holder}; give a new id")]
    IdReused {
        /// The id.
        event_id: EventId,
        /// What holds it.
        holder: String,
    },
    /// The event id is recorded already, with other content: a re-sent event counts as
    /// recorded only when it says the same thing.
    #[error("event id {event_id} is already recorded with other content ({stored}); nothing was written: give the new event another id")]
    IdConflict {
        /// The id.
        event_id: EventId,
        /// What is stored under it.
        stored: String,
    },
    /// Reading or writing a file failed: the file (and the line, when reading one), and the
    /// system's error.
    #[error("{}{}: {source}", .path.display(), .line.map(|line| format!(":{line}")).unwrap_or_default())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The line being read, if any.
        line: Option<u64>,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// Writing an export failed (the destination, not the ledger).
    #[error("writing the export: {source}")]
    Output {
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// A stored event cannot be written out as an archive line: its metadata or payload is not
    /// the JSON the ledger writes.
    #[error("event {event_id}: {part}: {source}")]
    Unexportable {
        /// Its id.
        event_id: EventId,
        /// `metadata` or `payload`.
        part: &'static str,
        /// What is wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file to import is not in the shape the import reads (its header, or a line of a table
    /// read with it, such as country names): nothing of it was imported. The reason starts with
    /// the field, as a rejected row's does.
    #[error("{file}:{line}: {reason}")]
    Unreadable {
        /// The file, as named to the user.
        file: String,
        /// The line.
        line: u64,
        /// The field and what is wrong with it.
        reason: String,
        /// The parser's error, if one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A list import's column mapping (`role=header,…`) does not fit the file.
    #[error("the column mapping: {0}")]
    ColumnMapping(String),
    /// Checking an imported row against its partnership's history hit the temporal engine's
    /// budget: neither accepted nor refused, so nothing was written.
    #[error("{file}{}: {source}", .line.map(|line| format!(":{line}: event")).unwrap_or_default())]
    ImportUnfinished {
        /// The file, as named to the user.
        file: String,
        /// The row being checked, when the check was of one row.
        line: Option<u64>,
        /// The check that was not finished.
        #[source]
        source: Violation,
    },
    /// The feed's summary counted fewer events for a stream than the feed holds: the store
    /// changed under a reader that expected it not to.
    #[error("the feed summary undercounted stream {stream}")]
    Undercounted {
        /// The stream.
        stream: String,
    },
    /// A key, checkpoint, note or proof of the verifiable log is wrong (see `amity_log`).
    #[error("{0}")]
    Log(#[from] amity_log::Error),
    /// No event has this id.
    #[error("unknown event {0}: no event of this ledger has this id")]
    UnknownEvent(EventId),
}

/// Why a stored event cannot be read back ([`Error::Decode`]), by the part at fault, with the
/// error that says what is wrong as its source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeFailure {
    /// The metadata is not the envelope the ledger writes.
    #[error("metadata: {0}")]
    Metadata(#[source] serde_json::Error),
    /// The payload does not decode as its type and schema version say.
    #[error("payload: {0}")]
    Payload(#[source] amity_domain::DecodeError),
    /// The stream's name is not a partnership id.
    #[error("stream: {0}")]
    Stream(#[source] amity_domain::PartyError),
    /// A lifecycle event's payload is about another partnership than its stream's.
    #[error("stream: the payload is about {found}, not {stream}")]
    OtherPartnership {
        /// The partnership the payload names.
        found: PartnershipId,
        /// The stream's.
        stream: PartnershipId,
    },
}

impl Error {
    /// A file that could not be read or written.
    pub fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            line: None,
            source,
        }
    }
}

/// A ledger result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The arguments of the verifiable log's commands: `key`, `checkpoint`, `proof`, `verify`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::EventId;

/// `amity key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Write a new Ed25519 signing key to FILE (mode 0600; refused if FILE exists) and print
    /// its verifier key, which anyone may hold to check the ledger's checkpoints.
    Generate {
        /// The private key file to write.
        file: PathBuf,
        /// The log's origin, the key's name (default: amity/<the ledger's first event id>).
        #[arg(long)]
        origin: Option<String>,
    },
}

/// `amity checkpoint` (signed with `--signing-key`, a global option).
#[derive(Debug, Args)]
pub struct CheckpointArgs {}

/// `amity checkpoints`.
#[derive(Debug, Args)]
pub struct CheckpointsArgs {
    /// Only the latest signed note, as stored.
    #[arg(long, conflicts_with = "leaves")]
    pub latest: bool,
    /// The kept leaves the latest checkpoint covers, as a leaves file (`amity log leaves v1`):
    /// handed over with an export and the checkpoint, they let `verify --archive … --leaves`
    /// name the first line that is not as it was hashed.
    #[arg(long)]
    pub leaves: bool,
}

/// `amity proof …`.
#[derive(Debug, Subcommand)]
pub enum ProofCommand {
    /// That an event is a leaf of the log (RFC 9162 inclusion proof), as JSON.
    Inclusion {
        /// The event.
        event_id: EventId,
        /// The tree size to prove it in (default: the whole log).
        #[arg(long, value_name = "N")]
        size: Option<u64>,
    },
    /// That the log of size N extends the log of size M (RFC 9162 consistency proof), as JSON.
    Consistency {
        /// The earlier size.
        #[arg(long, value_name = "M")]
        from: u64,
        /// The later size (default: the whole log).
        #[arg(long, value_name = "N")]
        to: Option<u64>,
    },
    /// Check a proof (as `amity proof` writes it) against a signed checkpoint, with no store:
    /// exit 0 valid, 5 not.
    Verify(ProofVerifyArgs),
}

/// `amity proof verify`.
#[derive(Debug, Args)]
pub struct ProofVerifyArgs {
    /// The proof, JSON: an inclusion proof or a consistency proof.
    pub proof: PathBuf,
    /// The signed checkpoint: the tree of an inclusion proof, the later tree of a consistency
    /// proof.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// The earlier signed checkpoint of a consistency proof.
    #[arg(long, value_name = "FILE")]
    pub old_checkpoint: Option<PathBuf>,
    /// The verifier key (name+hash+base64) the checkpoints must be signed with.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The leaf hash (base64) an inclusion proof must be about: the hash of the event's
    /// canonical record.
    #[arg(long, value_name = "BASE64")]
    pub leaf_hash: Option<String>,
}

/// `amity verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The verifier key (name+hash+base64) the checkpoints must be signed with.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// A checkpoint published earlier (a signed note): the ledger must still hold it.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Verify an exported archive (`export --format jsonl`, a full export) against
    /// --checkpoint with --key, with no store: another archive's check of a handed-over
    /// ledger.
    #[arg(long, value_name = "FILE", requires_all = ["checkpoint", "key"])]
    pub archive: Option<PathBuf>,
    /// With --archive: the leaves handed over with it (`amity checkpoints --leaves`), checked
    /// against the checkpoint, to name the first line that is not as it was hashed.
    #[arg(long, value_name = "FILE", requires = "archive")]
    pub leaves: Option<PathBuf>,
    /// How many partnerships (drawn with a fixed seed) to recompute from their events and
    /// compare with the projection tables (0: none).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub sample: usize,
    /// The seed of that draw (the same seed draws the same partnerships).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

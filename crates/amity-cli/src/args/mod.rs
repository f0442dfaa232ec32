//! Command-line arguments, and turning them into domain values with clear errors.

use amity_domain::{
    Certainty, EdtfDate, EventId, Facts, Occurred, PartnershipId, Party, PartyKey, Source,
    SourceRole,
};
use amity_ledger::ToRecord;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod interchange;
mod log;
mod party;
mod query;
mod record;

pub use interchange::*;
pub use log::*;
pub use party::*;
pub use query::*;
pub use record::*;

/// The exit codes, shown after `amity --help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  bad input or a rule violation: a refused event, a bad file row, an unknown partnership
     or party, a date that is not EDTF
  2  usage: an unknown command or option, options that do not go together
  3  infrastructure: the store cannot be reached or read or written, a file cannot be read or
     written, the projection tables fail
  4  a check not finished within its budget (AMITY_STATE_LIMIT search states): neither
     accepted nor called impossible; nothing was written
  5  verify: the ledger does not match its log or checkpoints (changed, deleted, inserted or
     moved events, a rolled-back store, a bad signature)
  6  verify: no problem found, but events recorded after the latest checkpoint are not
     covered by any checkpoint

Logs go to stderr: -v, -vv, -q, or RUST_LOG (e.g. RUST_LOG=amity=debug), which wins.";

/// Amity: an event-sourced ledger of sister-city partnerships.
///
/// Parties are written "Name, CC" or "Name, CC-SUB" (ISO 3166), e.g. "Colorado Springs, US-CO"
/// or "Smolensk, RU". Dates are EDTF: 1993, 2022-03, 2022-03-03~, 1993?, [2022-02-28,2022-03-28],
/// 2003/2014, or unknown.
#[derive(Debug, Parser)]
#[command(name = "amity", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    /// The ledger: sqlite://PATH (default sqlite://amity.db in the current folder),
    /// postgres://USER@HOST:PORT/DB?schema=NAME, esdb://HOST:PORT?tls=false, or memory://.
    #[arg(
        long,
        global = true,
        env = "AMITY_STORE",
        default_value = "sqlite://amity.db"
    )]
    pub store: String,
    /// A SQLite file for the projections of a postgres://, esdb:// or memory:// store
    /// (created if needed; it holds only the projection tables). Without it, PostgreSQL keeps
    /// them in the store's schema and esdb:// computes them from the events on every query.
    #[arg(long, global = true, env = "AMITY_PROJECTIONS", value_name = "FILE")]
    pub projections: Option<std::path::PathBuf>,
    /// Output for people (table), scripts (json) or spreadsheets (csv).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// CSV output: write every cell as it is. By default a cell of free text (a name, the
    /// words as written, a note, a source's title) that begins with =, +, - or @ gets a
    /// leading ' so that a spreadsheet shows it instead of running it as a formula (OWASP's
    /// advice); ids, dates and numbers are never changed, nor JSON Lines archives, and
    /// `import --format csv|timeline-csv` takes the ' off again. With `import --format
    /// timeline-csv`: read views written with --raw as they are.
    #[arg(long, global = true)]
    pub raw: bool,
    /// Log what amity does, to stderr: -v for its steps and store calls with their timings,
    /// -vv for every read. `RUST_LOG` (e.g. `amity=debug,tokio_postgres=info`), when set,
    /// decides instead; other crates' logs are shown only when it asks for them.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Log errors only (no warnings).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The private key that signs the ledger's checkpoints (`amity key generate`). With it,
    /// every command that writes ends with a fresh signed checkpoint, so nothing recorded
    /// stays outside the log's protection; `amity checkpoint` needs it.
    #[arg(long, global = true, env = "AMITY_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<std::path::PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Table,
    /// JSON for scripts.
    Json,
    /// CSV for spreadsheets, pandas or DuckDB (lists: status, partners, history, analyst views;
    /// `import`, `export`).
    Csv,
    /// JSON Lines: the archival interchange format of `import` and `export`.
    Jsonl,
    /// A snapshot list of twinned pairs (`import` only).
    Pairs,
    /// The lossless timeline CSV view, with `--sources`, `--registrations`, `--party-links` and
    /// `--milestones` beside it (`import` only: `export --format csv --view timeline` writes it).
    TimelineCsv,
    /// W3C PROV-O in Turtle (`export` only).
    ProvO,
    /// W3C PROV-JSON (`export` only).
    ProvJson,
    /// A party's EAC-CPF 2.0 authority record with its partnerships as relations (`export
    /// --party` only).
    EacCpf,
    /// Wikidata QuickStatements (V1): P190 claims with start and end times (`export` only).
    Quickstatements,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record that a partnership was founded.
    Found(LifecycleArgs),
    /// Record that a source lists the partnership as existing at a date (no status change).
    Attest(LifecycleArgs),
    /// Record that a partnership was suspended.
    Suspend(LifecycleArgs),
    /// Record that a suspended or terminated partnership was reinstated.
    Reinstate(LifecycleArgs),
    /// Record that a partnership was terminated.
    Terminate(LifecycleArgs),
    /// Record a decision to keep an active partnership.
    Reaffirm(LifecycleArgs),
    /// Record that an earlier entry was wrong: it stays in history and loses its effect.
    Retract(RetractArgs),
    /// Add sources to an earlier entry.
    Cite(CiteArgs),
    /// Correct an entry: retract it and record its replacement (any field changed) in one
    /// atomic append, legal as a whole even when neither half is legal alone.
    Amend(AmendArgs),
    /// Every event of a partnership in valid-time order, with sources and corrections.
    History(PartnershipArgs),
    /// The status of one partnership, or of all.
    Status(OptionalPartnershipArgs),
    /// The partners of a party and their status.
    Partners(PartnersArgs),
    /// The party register: show, add, alias, same-as, distinct, successor-of.
    #[command(subcommand)]
    Party(PartyCommand),
    /// List parties, or search them by name or alias (accents and case aside, prefix match).
    Parties(PartiesArgs),
    /// Build the example ledger from the seed documents (idempotent).
    Example(ExampleArgs),
    /// Drop every projection and rebuild it from the events.
    Rebuild,
    /// Ledger-wide context dates that any date option accepts by key.
    #[command(subcommand)]
    Milestone(MilestoneCommand),
    /// For each partnership of a cohort: the last decision in a window and the status at its end.
    Outcomes(WindowArgs),
    /// The lifecycle events of a cohort dated in a window, in valid-time order.
    Changes(WindowArgs),
    /// Counts by status at each step (year or month) for a cohort, optionally as an SVG chart.
    Series(SeriesArgs),
    /// Import events: `--format jsonl` (an archive) or `--format csv` (one lifecycle event per row).
    Import(ImportArgs),
    /// Export: `--format jsonl` (every event, the archive) or `--format csv --view status|timeline`.
    Export(ExportArgs),
    /// Copy every event from one store to another (e.g. the SQLite file to PostgreSQL), keeping
    /// ids, streams, versions and order; resumable; then check that both give the same
    /// projections.
    Migrate(MigrateArgs),
    /// Print a shell completion script: `amity completions bash > /etc/bash_completion.d/amity`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `amity man > amity.1 && man ./amity.1`.
    Man,
    /// The signing key of the ledger's checkpoints.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign a checkpoint of the log (every event so far, as an RFC 9162 Merkle tree), keep it
    /// in the ledger and print it (a C2SP signed note).
    Checkpoint(CheckpointArgs),
    /// The checkpoints kept in the ledger, oldest first; `--latest` prints the latest signed
    /// note as it is (to publish it, or to hand it over with an export).
    Checkpoints(CheckpointsArgs),
    /// Inclusion and consistency proofs of the log, as JSON.
    #[command(subcommand)]
    Proof(ProofCommand),
    /// Check the ledger against its log and checkpoints: integrity of the store, every stored
    /// checkpoint, the latest one's signature, a published one.
    Verify(VerifyArgs),
    /// Serve the ledger over HTTP: the JSON API under /api/v1/ and the web pages. Read-only
    /// unless given write tokens; plain HTTP on loopback (put a reverse proxy in front for TLS).
    Serve(ServeArgs),
}

/// `amity serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (loopback unless told otherwise).
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Take writes from the writers in this file: one `NAME TOKEN` per line, each token at
    /// least 32 random bytes (`openssl rand -base64 32`); a write is recorded by NAME.
    #[arg(long, value_name = "FILE")]
    pub write_token_file: Option<std::path::PathBuf>,
    /// Readers answering at once, each with its own connection to the projection tables.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub readers: u16,
}

impl Command {
    /// A lifecycle command's event type and arguments (`None` for any other command).
    pub fn into_lifecycle(self) -> Option<(amity_domain::EventType, LifecycleArgs)> {
        use amity_domain::EventType;
        Some(match self {
            Command::Found(args) => (EventType::PartnershipFounded, args),
            Command::Attest(args) => (EventType::PartnershipAttested, args),
            Command::Suspend(args) => (EventType::PartnershipSuspended, args),
            Command::Reinstate(args) => (EventType::PartnershipReinstated, args),
            Command::Terminate(args) => (EventType::PartnershipTerminated, args),
            Command::Reaffirm(args) => (EventType::PartnershipReaffirmed, args),
            _ => return None,
        })
    }
}

/// A partnership from its id or its two parties.
pub fn partnership_id(given: &[String]) -> Result<PartnershipId> {
    match given {
        [id] => id.parse().map_err(|error| {
            anyhow!("{error}; or give the two parties, e.g. \"Colorado Springs, US-CO\" \"Smolensk, RU\"")
        }),
        [a, b] => {
            let a: Party = a.parse()?;
            let b: Party = b.parse()?;
            Ok(PartnershipId::of(&a.key(), &b.key())?)
        }
        _ => bail!("give a partnership id or two parties"),
    }
}

/// A party key from "Name, CC[-SUB]" or from a key itself.
pub fn party_key(given: &str) -> Result<PartyKey> {
    if !given.contains(',') && given.contains(':') {
        return Ok(given.parse::<PartyKey>()?);
    }
    Ok(given.parse::<Party>()?.key())
}

/// A date option: an EDTF date, or the key of a recorded milestone
/// (`amity_projections::selectors`, as the server reads it).
pub async fn date_or_milestone(
    ledger: &amity_ledger::Ledger,
    option: &str,
    text: &str,
) -> Result<EdtfDate> {
    use amity_projections::selectors::{self, DateRefused};
    match selectors::date_or_milestone(ledger, text).await {
        Ok(date) => Ok(date),
        Err(DateRefused::Invalid(reason)) => Err(anyhow!("{option}: {reason}")),
        Err(DateRefused::NotADate(error)) => Err(anyhow!(error).context(option.to_owned())),
        Err(DateRefused::Ledger(error)) => Err(error.into()),
    }
}

/// A valid-time question from `--as-of` (a date or a milestone key).
pub async fn as_of(
    ledger: &amity_ledger::Ledger,
    given: Option<&str>,
) -> Result<Option<amity_projections::AsOf>> {
    match given {
        None => Ok(None),
        Some(text) => Ok(Some(amity_projections::AsOf {
            date: date_or_milestone(ledger, "--as-of", text).await?,
        })),
    }
}

/// A transaction-time moment from `--known-at` (`amity_projections::selectors::known_at`):
/// RFC 3339 with a zone; a date and time without one (UTC), with `T` or a space between
/// them; or a date (the end of that day, UTC). Anything else is an error naming the value.
pub fn known_at(given: Option<&str>) -> Result<Option<jiff::Timestamp>> {
    let Some(text) = given else { return Ok(None) };
    amity_projections::selectors::known_at(text)
        .map(Some)
        .map_err(|reason| anyhow!("--known-at: {reason}"))
}

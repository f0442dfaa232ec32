//! Command-line arguments, and turning them into domain values with clear errors.

use amity_domain::{
    Certainty, EdtfDate, EventId, Facts, Occurred, PartnershipId, Party, PartyKey, Source,
    SourceRole,
};
use amity_ledger::ToRecord;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Log what amity does, to stderr: -v for its steps and store calls with their timings,
    /// -vv for every read. `RUST_LOG` (e.g. `amity=debug,tokio_postgres=info`), when set,
    /// decides instead; other crates' logs are shown only when it asks for them.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Log errors only (no warnings).
    #[arg(short, long, global = true)]
    pub quiet: bool,
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
    Partners(PartiesArgs),
    /// The party register: show, add, alias, same-as, distinct, successor-of.
    #[command(subcommand)]
    Party(crate::parties::PartyCommand),
    /// List parties, or search them by name or alias (accents and case aside, prefix match).
    Parties(crate::parties::PartiesArgs),
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

/// A migration.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The source store URL.
    #[arg(long)]
    pub from: String,
    /// The target store URL.
    #[arg(long)]
    pub to: String,
}

/// An import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file.
    pub file: std::path::PathBuf,
    /// Write the valid rows and list the rejected ones (default: nothing is written if any row
    /// is bad).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Validate only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Who records the events of a CSV file (archives keep their own).
    #[arg(long, env = "AMITY_RECORDED_BY", value_name = "NAME")]
    pub recorded_by: Option<String>,
    /// Pairs: the list's title.
    #[arg(long, value_name = "TITLE")]
    pub source_title: Option<String>,
    /// Pairs: the list's URL.
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// Pairs: the list's publication date, EDTF.
    #[arg(long, value_name = "EDTF")]
    pub source_date: Option<String>,
    /// Pairs from Wikidata: FILE is relations.tsv (`QA<TAB>QB`) and this gives the labels
    /// (names.tsv, `Q<TAB>label`).
    #[arg(long, value_name = "NAMES.tsv")]
    pub names: Option<std::path::PathBuf>,
    /// Pairs: the date the list attests the pairs at (EDTF or milestone key).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Pairs: which column plays which role, `role=header,…`. Roles: city1, country1,
    /// subdivision1, wikidata1, latitude1, longitude1, and the same with 2 (default: the
    /// columns named so, e.g. city1,country1,city2,country2).
    #[arg(long, value_name = "ROLE=HEADER,…")]
    pub columns: Option<String>,
    /// Pairs: more country names, a CSV file `name,alpha2[,subdivision]` (its names win over
    /// the built-in table's).
    #[arg(long, value_name = "FILE.csv")]
    pub country_names: Option<std::path::PathBuf>,
}

/// An export.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file (default, or `-`: standard output).
    pub file: Option<std::path::PathBuf>,
    /// For CSV: which projection, `status` or `timeline`.
    #[arg(long)]
    pub view: Option<String>,
    /// For the status view: the status on this date (EDTF or milestone key).
    #[arg(long, value_name = "DATE|MILESTONE")]
    pub as_of: Option<String>,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

/// Milestone commands.
#[derive(Debug, Subcommand)]
pub enum MilestoneCommand {
    /// Record a milestone.
    Add(Box<MilestoneAddArgs>),
    /// List the milestones in date order.
    List,
}

/// A new milestone.
#[derive(Debug, Args)]
pub struct MilestoneAddArgs {
    /// Its key (lower-case letters, digits, '-'; not a date), e.g. roundtable-2022-03-22.
    pub key: String,
    /// What happened.
    #[arg(long)]
    pub title: String,
    /// When, as EDTF.
    #[arg(long, value_name = "EDTF")]
    pub occurred: String,
    /// Sources, certainty and notes.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// Which partnerships an analysis covers; every given criterion must hold.
#[derive(Debug, Args)]
pub struct CohortArgs {
    /// The two parties' countries, in either order: US:RU.
    #[arg(long, value_name = "CC:CC")]
    pub cohort: Option<String>,
    /// Partnerships of this party.
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// Partnerships with a party in this subdivision or country: US-CO, RU.
    #[arg(long, value_name = "CODE")]
    pub region: Option<String>,
    /// Partnerships of this kind: sister-city, friendship-city, …
    #[arg(long)]
    pub kind: Option<String>,
}

/// A window of valid time and a cohort.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// The cohort.
    #[command(flatten)]
    pub cohort: CohortArgs,
    /// The window's start: an EDTF date or a milestone key (its first day is included).
    #[arg(long, value_name = "DATE|MILESTONE")]
    pub from: String,
    /// The window's end: an EDTF date or a milestone key (its last day is included).
    #[arg(long, value_name = "DATE|MILESTONE")]
    pub to: String,
    /// Deprecated: use `--format csv` (kept one release; says so when used).
    #[arg(long, hide = true)]
    pub csv: bool,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

/// A series.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The cohort.
    #[command(flatten)]
    pub cohort: CohortArgs,
    /// The first step: an EDTF date or a milestone key.
    #[arg(long, value_name = "DATE|MILESTONE")]
    pub from: String,
    /// The last step: an EDTF date or a milestone key.
    #[arg(long, value_name = "DATE|MILESTONE")]
    pub to: String,
    /// year or month.
    #[arg(long, default_value = "year")]
    pub step: String,
    /// Deprecated: use `--format csv` (kept one release; says so when used).
    #[arg(long, hide = true)]
    pub csv: bool,
    /// Also draw a stacked chart, with the milestones marked, to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<std::path::PathBuf>,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

impl CohortArgs {
    /// The cohort these options describe.
    pub fn cohort(&self) -> Result<amity_projections::analysis::Cohort> {
        Ok(amity_projections::analysis::Cohort {
            countries: self
                .cohort
                .as_deref()
                .map(amity_projections::analysis::Cohort::parse_countries)
                .transpose()
                .map_err(|error| anyhow!("--cohort {error}"))?,
            party: self.party.as_deref().map(party_key).transpose()?,
            region: self.region.clone(),
            kind: self.kind.clone(),
        })
    }
}

/// A lifecycle event between two parties.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// One party: "Name, CC" or "Name, CC-SUB".
    #[arg(value_name = "PARTY")]
    pub party: String,
    /// The other party.
    #[arg(value_name = "PARTNER")]
    pub partner: String,
    /// When it happened, as EDTF (or "unknown").
    #[arg(long, value_name = "EDTF")]
    pub occurred: String,
    /// The party that took the step.
    #[arg(long, value_name = "PARTY")]
    pub by: Option<String>,
    /// Sister city, friendship city, sister state, …
    #[arg(long, default_value = "sister-city")]
    pub kind: String,
    /// Another source's version of the earlier entry EVENT_ID (same type; founded 1984
    /// beside founded 1983): kept side by side, the status spans both dates.
    #[arg(long, value_name = "EVENT_ID")]
    pub alternative_to: Option<EventId>,
    /// What every event carries.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// A retraction.
#[derive(Debug, Args)]
pub struct RetractArgs {
    /// The entry that was wrong.
    pub event_id: EventId,
    /// Why it was wrong.
    #[arg(long)]
    pub reason: String,
    /// When the error was established, as EDTF.
    #[arg(long, value_name = "EDTF")]
    pub occurred: Option<String>,
    /// What every event carries.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// An amendment: the entry to correct, and what its replacement changes.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The entry that was wrong.
    pub event_id: EventId,
    /// Why it was wrong (kept with the retraction).
    #[arg(long)]
    pub reason: String,
    /// The replacement's type: founded, attested, suspended, reinstated, terminated or
    /// reaffirmed (default: the entry's).
    #[arg(long = "type", value_name = "TYPE")]
    pub event_type: Option<String>,
    /// The replacement's date, EDTF or `unknown` (default: the entry's).
    #[arg(long, value_name = "EDTF")]
    pub occurred: Option<String>,
    /// The replacement's term as written (default: the entry's).
    #[arg(long, value_name = "TEXT")]
    pub term: Option<String>,
    /// The replacement's certainty (default: the entry's).
    #[arg(long)]
    pub certainty: Option<String>,
    /// The replacement's note (default: the entry's).
    #[arg(long)]
    pub note: Option<String>,
    /// The party that took the step (default: the entry's).
    #[arg(long, value_name = "PARTY")]
    pub by: Option<String>,
    /// Make the replacement an alternative claim to EVENT_ID (default: it keeps the entry's
    /// place in its claim group, if it has one).
    #[arg(long, value_name = "EVENT_ID")]
    pub alternative_to: Option<EventId>,
    /// Sources of the replacement (given sources replace the entry's).
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Who records it.
    #[arg(long, env = "AMITY_RECORDED_BY", value_name = "NAME")]
    pub recorded_by: Option<String>,
}

impl AmendArgs {
    /// The replacement of `original`: its facts and type, with what was given changed. It is
    /// an alternative claim to `--alternative-to`, else, when its type is the original's, to
    /// `in_group` (a standing claim of the original's group, so that the replacement takes the
    /// original's place in it).
    pub fn replacement(
        &self,
        original: &amity_domain::Event,
        in_group: Option<EventId>,
        matches: &clap::ArgMatches,
    ) -> Result<amity_domain::Event> {
        let body = original.as_lifecycle().ok_or_else(|| {
            anyhow!("amend corrects lifecycle entries; retract or cite this one instead")
        })?;
        let event_type = match self.event_type.as_deref() {
            None => original.event_type(),
            Some(word) => lifecycle_type(word)
                .ok_or_else(|| anyhow!("--type: {word:?} is not one of founded, attested, suspended, reinstated, terminated, reaffirmed"))?,
        };
        let mut facts = body.facts.clone();
        if let Some(occurred) = &self.occurred {
            facts.occurred = occurred.parse().context("--occurred")?;
        }
        if let Some(term) = &self.term {
            facts.term_as_written = Some(term.clone()).filter(|t| !t.is_empty());
        }
        if let Some(certainty) = &self.certainty {
            facts.certainty = certainty_of(certainty)?;
        }
        if let Some(note) = &self.note {
            facts.note = Some(note.clone()).filter(|n| !n.is_empty());
        }
        if let Some(by) = &self.by {
            facts.initiated_by = Some(by.parse::<Party>().context("--by")?.key());
        }
        let given = sources(matches)?;
        if !given.is_empty() {
            facts.sources = given;
        }
        Ok(amity_domain::Event::claim(
            event_type,
            body.partnership.clone(),
            facts,
            self.alternative_to
                .or(in_group.filter(|_| event_type == original.event_type())),
        ))
    }
}

/// Sources, given as repeated options: each `--source-title` starts one and the `--source-*`
/// options after it describe it (read from the matches in command-line order, see `sources`).
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Starts a source: its title.
    #[arg(long, value_name = "TITLE")]
    pub source_title: Vec<String>,
    /// The current source's URL.
    #[arg(long, value_name = "URL")]
    pub source_url: Vec<String>,
    /// The current source's publication date, as EDTF.
    #[arg(long, value_name = "EDTF")]
    pub source_date: Vec<String>,
    /// The current source's publisher.
    #[arg(long, value_name = "NAME")]
    pub source_publisher: Vec<String>,
    /// Page, paragraph or quote in the current source.
    #[arg(long, value_name = "TEXT")]
    pub source_locator: Vec<String>,
    /// Whether the current source is primary or secondary.
    #[arg(long, value_name = "ROLE")]
    pub source_role: Vec<String>,
}

/// A lifecycle type from its word.
pub fn lifecycle_type(word: &str) -> Option<amity_domain::EventType> {
    use amity_domain::EventType as T;
    Some(match word {
        "founded" => T::PartnershipFounded,
        "attested" => T::PartnershipAttested,
        "suspended" => T::PartnershipSuspended,
        "reinstated" => T::PartnershipReinstated,
        "terminated" => T::PartnershipTerminated,
        "reaffirmed" => T::PartnershipReaffirmed,
        _ => return None,
    })
}

fn certainty_of(word: &str) -> Result<Certainty> {
    Ok(match word {
        "confirmed" => Certainty::Confirmed,
        "probable" => Certainty::Probable,
        "possible" => Certainty::Possible,
        "disputed" => Certainty::Disputed,
        other => {
            bail!("--certainty: {other:?} is not one of confirmed, probable, possible, disputed")
        }
    })
}

/// A citation.
#[derive(Debug, Args)]
pub struct CiteArgs {
    /// The entry the sources support.
    pub event_id: EventId,
    /// When the cited source was found, as EDTF.
    #[arg(long, value_name = "EDTF")]
    pub occurred: Option<String>,
    /// What every event carries.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// Sources, certainty and notes.
///
/// Sources are repeatable: each `--source-title` starts a source, and the `--source-*` options
/// after it describe that source.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// The source's own word ("indefinitely suspended").
    #[arg(long, value_name = "TEXT")]
    pub term: Option<String>,
    /// Sources: each `--source-title` starts one.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// confirmed, probable, possible or disputed (kept, shown, never drives status).
    #[arg(long, default_value = "confirmed")]
    pub certainty: String,
    /// Free text.
    #[arg(long)]
    pub note: Option<String>,
    /// The event's id (a UUID); recording the same id again records nothing.
    #[arg(long, value_name = "UUID")]
    pub id: Option<EventId>,
    /// Who records it.
    #[arg(long, env = "AMITY_RECORDED_BY", value_name = "NAME")]
    pub recorded_by: Option<String>,
}

/// A partnership: its id, or its two parties.
#[derive(Debug, Args)]
pub struct PartnershipArgs {
    /// A partnership id (ru:smolensk+us-co:colorado-springs) or two parties.
    #[arg(value_name = "PARTNERSHIP", required = true, num_args = 1..=2)]
    pub partnership: Vec<String>,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

/// An optional partnership, or a party's partnerships.
#[derive(Debug, Args)]
pub struct OptionalPartnershipArgs {
    /// A partnership id or two parties; all partnerships when omitted.
    #[arg(value_name = "PARTNERSHIP", num_args = 0..=2, conflicts_with = "party")]
    pub partnership: Vec<String>,
    /// Every partnership of this party.
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// The two parties' countries, in either order: US:RU.
    #[arg(long, value_name = "CC:CC", conflicts_with = "partnership")]
    pub cohort: Option<String>,
    /// Partnerships with a party in this subdivision or country: US-CO, RU.
    #[arg(long, value_name = "CODE", conflicts_with = "partnership")]
    pub region: Option<String>,
    /// Partnerships of this kind: sister-city, friendship-city, …
    #[arg(long, conflicts_with = "partnership")]
    pub kind: Option<String>,
    /// The status on this date (valid time), EDTF; uncertain dates give `possible` answers.
    #[arg(long, value_name = "EDTF")]
    pub as_of: Option<String>,
    /// Which part of the list.
    #[command(flatten)]
    pub page: PageArgs,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

/// Which part of a list to print.
#[derive(Debug, Clone, Copy, Args)]
pub struct PageArgs {
    /// At most this many.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Skip this many first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
}

impl PageArgs {
    /// The page these options ask for.
    pub fn page(self) -> amity_projections::query::Page {
        amity_projections::query::Page {
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// One party.
#[derive(Debug, Args)]
pub struct PartiesArgs {
    /// "Name, CC", "Name, CC-SUB", or a party key (us-co:colorado-springs).
    pub party: String,
    /// The directory on this date (valid time), EDTF.
    #[arg(long, value_name = "EDTF")]
    pub as_of: Option<String>,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
    /// Which part of the list.
    #[command(flatten)]
    pub page: PageArgs,
}

/// The example ledger.
#[derive(Debug, Args)]
pub struct ExampleArgs {
    /// Who records it.
    #[arg(long, default_value = "amity example")]
    pub recorded_by: String,
}

impl FactsArgs {
    /// The facts, with sources grouped by the order of the options on the command line.
    pub fn to_facts(&self, occurred: Option<&str>, matches: &clap::ArgMatches) -> Result<Facts> {
        let occurred: Occurred = occurred
            .unwrap_or("unknown")
            .parse()
            .context("--occurred")?;
        let certainty = certainty_of(&self.certainty)?;
        Ok(Facts {
            occurred,
            term_as_written: self.term.clone(),
            sources: sources(matches)?,
            certainty,
            initiated_by: None,
            note: self.note.clone(),
        })
    }

    /// Who records: `--recorded-by`, `$AMITY_RECORDED_BY`, else `$USER`.
    pub fn recorded_by_or_user(&self) -> String {
        self.recorded_by
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// The event to record, with the given id or a fresh one.
    pub fn to_record(&self, partnership: PartnershipId, event: amity_domain::Event) -> ToRecord {
        let recorded_by = self.recorded_by_or_user();
        let mut item = ToRecord::about(partnership, event, &recorded_by);
        if let Some(id) = self.id {
            item.event_id = id;
        }
        item
    }
}

const SOURCE_FIELDS: [&str; 6] = [
    "source_title",
    "source_url",
    "source_date",
    "source_publisher",
    "source_locator",
    "source_role",
];

/// Group `--source-*` options: each title starts a source; later options fill it in.
fn sources(matches: &clap::ArgMatches) -> Result<Vec<Source>> {
    let mut given: Vec<(usize, &str, &String)> = Vec::new();
    for field in SOURCE_FIELDS {
        if let (Some(indices), Some(values)) =
            (matches.indices_of(field), matches.get_many::<String>(field))
        {
            given.extend(
                indices
                    .zip(values)
                    .map(|(index, value)| (index, field, value)),
            );
        }
    }
    given.sort_by_key(|(index, _, _)| *index);
    let mut sources: Vec<Source> = Vec::new();
    for (_, field, value) in given {
        let option = format!("--{}", field.replace('_', "-"));
        if field == "source_title" {
            sources.push(Source {
                title: value.clone(),
                ..Source::default()
            });
            continue;
        }
        let source = sources
            .last_mut()
            .ok_or_else(|| anyhow!("{option} must follow the --source-title of its source"))?;
        let twice = || anyhow!("{option} given twice for source {:?}", source.title);
        match field {
            "source_url" if source.url.is_none() => source.url = Some(value.clone()),
            "source_publisher" if source.publisher.is_none() => {
                source.publisher = Some(value.clone())
            }
            "source_locator" if source.locator.is_none() => source.locator = Some(value.clone()),
            "source_date" if source.published.is_none() => {
                source.published = Some(value.parse::<EdtfDate>().context("--source-date")?)
            }
            "source_role" if source.role.is_none() => {
                source.role = Some(match value.as_str() {
                    "primary" => SourceRole::Primary,
                    "secondary" => SourceRole::Secondary,
                    other => bail!("--source-role: {other:?} is not primary or secondary"),
                })
            }
            _ => return Err(twice()),
        }
    }
    Ok(sources)
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

/// A date option: an EDTF date, or the key of a recorded milestone.
pub async fn date_or_milestone(
    ledger: &amity_ledger::Ledger,
    option: &str,
    text: &str,
) -> Result<EdtfDate> {
    let edtf_error = match text.parse::<EdtfDate>() {
        Ok(date) => return Ok(date),
        Err(error) => error,
    };
    let milestones = ledger.milestones().await?;
    if let Some(milestone) = milestones.iter().find(|m| m.key.as_str() == text) {
        return Ok(milestone.occurred.clone());
    }
    let known: Vec<&str> = milestones.iter().map(|m| m.key.as_str()).collect();
    if text.contains(|c: char| c.is_ascii_lowercase()) && !known.is_empty() {
        bail!(
            "{option}: {text:?} is neither an EDTF date nor a milestone key (milestones: {})",
            known.join(", ")
        );
    }
    Err(anyhow!(edtf_error).context(option.to_owned()))
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

/// A transaction-time moment from `--known-at`: RFC 3339 with a zone; a date and time without
/// one (UTC), with `T` or a space between them; or a date (the end of that day, UTC). Anything
/// else is an error naming the value.
pub fn known_at(given: Option<&str>) -> Result<Option<jiff::Timestamp>> {
    let Some(text) = given else { return Ok(None) };
    let refused = || {
        anyhow!(
            "--known-at: {text:?} is not a moment: give RFC 3339 (2022-04-01T12:00:00Z, or \
             2022-04-01T12:00:00 meaning UTC) or a date (2022-04-01, the end of that day UTC)"
        )
    };
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    // A space may stand for the `T` between date and time.
    let normalized = if bytes.len() > 10 && bytes[10] == b' ' {
        format!("{}T{}", &trimmed[..10], &trimmed[11..])
    } else {
        trimmed.to_owned()
    };
    let is_date = normalized.len() == 10 && normalized.as_bytes().get(4) == Some(&b'-');
    if is_date {
        let day: jiff::civil::Date = normalized.parse().map_err(|_| refused())?;
        let end = day
            .at(23, 59, 59, 999_999_999)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|_| refused())?;
        return Ok(Some(end.timestamp()));
    }
    if normalized.as_bytes().get(10) != Some(&b'T') {
        return Err(refused());
    }
    if let Ok(moment) = normalized.parse::<jiff::Timestamp>() {
        return Ok(Some(moment));
    }
    // No zone: UTC (said in --help). A zone that did not parse above is an error, not ignored.
    let time_part = &normalized[11..];
    if time_part.contains(['Z', 'z', '+', '-', '[']) {
        return Err(refused());
    }
    let civil: jiff::civil::DateTime = normalized.parse().map_err(|_| refused())?;
    let zoned = civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|_| refused())?;
    Ok(Some(zoned.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::known_at;

    fn moment(text: &str) -> String {
        known_at(Some(text)).unwrap().unwrap().to_string()
    }

    #[test]
    fn known_at_takes_rfc3339_a_zoneless_time_as_utc_a_space_and_a_date() {
        assert_eq!(moment("2026-12-04T04:15:19Z"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04T04:15:19+02:00"), "2026-12-04T02:15:19Z");
        assert_eq!(moment("2026-12-04T04:15:19"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04 04:15:19"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04 04:15:19.5Z"), "2026-12-04T04:15:19.5Z");
        assert_eq!(moment("2026-12-04"), "2026-12-04T23:59:59.999999999Z");
    }

    #[test]
    fn known_at_refuses_anything_else_naming_the_value() {
        for bad in [
            "yesterday",
            "2026-12",
            "2026-12-04T25:00:00",
            "2026-12-04X04:15:19",
            "2026-13-04",
            "2026-12-04T04:15:19 UTC",
        ] {
            let error = known_at(Some(bad)).unwrap_err().to_string();
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }
}

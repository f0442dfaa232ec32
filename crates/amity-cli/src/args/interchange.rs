//! The arguments of import, export, migrate, the milestones and the example ledger.

use super::*;

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
    /// Pairs: the list's URL (http, https, urn, doi, ark or hdl).
    #[arg(long, value_name = "URL")]
    pub source_url: Option<String>,
    /// Pairs: the list's publication date, EDTF.
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
    pub source_date: Option<String>,
    /// Pairs from Wikidata: FILE is relations.tsv (`QA<TAB>QB`) and this gives the labels
    /// (names.tsv, `Q<TAB>label`).
    #[arg(long, value_name = "NAMES.tsv")]
    pub names: Option<std::path::PathBuf>,
    /// Pairs: the date the list attests the pairs at (EDTF or milestone key).
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
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
    /// Timeline CSV: the sources view written beside it (`export --format csv --view sources`).
    #[arg(long, value_name = "SOURCES.csv")]
    pub sources: Option<std::path::PathBuf>,
    /// Timeline CSV: the party links view written beside it (`export --format csv --view
    /// party-links`).
    #[arg(long, value_name = "PARTY_LINKS.csv")]
    pub party_links: Option<std::path::PathBuf>,
    /// Timeline CSV: the milestones view written beside it (`export --format csv --view
    /// milestones`).
    #[arg(long, value_name = "MILESTONES.csv")]
    pub milestones: Option<std::path::PathBuf>,
    /// Timeline CSV: the registrations view written beside it (`export --format csv --view
    /// registrations`).
    #[arg(long, value_name = "REGISTRATIONS.csv")]
    pub registrations: Option<std::path::PathBuf>,
}

/// An export.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file (default, or `-`: standard output).
    pub file: Option<std::path::PathBuf>,
    /// For CSV: which view.
    #[arg(long, value_enum)]
    pub view: Option<ViewArg>,
    /// For EAC-CPF: the party whose authority record is written ("Name, CC" or its key).
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// For the status view: the status on this date (EDTF or milestone key).
    #[arg(long, value_name = "DATE|MILESTONE", allow_hyphen_values = true)]
    pub as_of: Option<String>,
    /// Only what the ledger held at this moment (transaction time), to reproduce an analysis
    /// as the ledger stood: RFC 3339 (a time without a zone is UTC; a space may stand for
    /// `T`), or a date meaning the end of that day (UTC).
    #[arg(long, value_name = "TIMESTAMP")]
    pub known_at: Option<String>,
}

/// Which view a CSV export writes (`--view`); docs/csv-views.md lists their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ViewArg {
    /// One row per partnership: its status (as of a date, with `--as-of`).
    Status,
    /// One row per entry of every partnership's history, every field (imports back with
    /// `--format timeline-csv`).
    Timeline,
    /// One row per source of every entry and party link, keyed by event id.
    Sources,
    /// One row per party: names, codes, Wikidata item, community.
    Parties,
    /// One row per party link and link retraction.
    #[value(name = "party-links", alias = "party_links")]
    PartyLinks,
    /// One row per milestone.
    Milestones,
    /// One row per party registration and record of more names.
    Registrations,
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
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
    pub occurred: String,
    /// Sources, certainty and notes.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// The example ledger.
#[derive(Debug, Args)]
pub struct ExampleArgs {
    /// Who records it.
    #[arg(long, default_value = "amity example")]
    pub recorded_by: String,
}

//! The arguments of the party register's commands: `amity party …` and `amity parties`.

use clap::{Args, Subcommand};

use super::{FactsArgs, PageArgs};

/// `amity party …`.
#[derive(Debug, Subcommand)]
pub enum PartyCommand {
    /// What the ledger knows of a party: names, codes, authority ids, links, partnerships.
    Show(PartyShowArgs),
    /// Register a party: its name, country, subdivision, kind, Wikidata item and aliases.
    Add(Box<PartyAddArgs>),
    /// Record more names a party is known by.
    Alias(Box<PartyAliasArgs>),
    /// Record that two keys are one community: every query then counts it once and merges
    /// the partnerships each key has with one partner into one history.
    SameAs(Box<LinkArgs>),
    /// Record that two look-alike parties are different places.
    Distinct(Box<LinkArgs>),
    /// Record that the first party succeeded the second (renamed, merged, absorbed:
    /// Leningrad → Saint Petersburg); their partnerships stay apart.
    SuccessorOf(Box<LinkArgs>),
}

/// `amity party show`.
#[derive(Debug, Args)]
pub struct PartyShowArgs {
    /// The party: a key, "Name, CC[-SUB]", or a unique name or alias.
    pub party: String,
}

/// `amity party add`.
#[derive(Debug, Args)]
pub struct PartyAddArgs {
    /// The party: "Name, CC" or "Name, CC-SUB".
    pub party: String,
    /// city, district, county, region, state, country or other.
    #[arg(long)]
    pub kind: Option<String>,
    /// Its Wikidata item (Q49258).
    #[arg(long, value_name = "QID")]
    pub wikidata: Option<String>,
    /// Its GeoNames id.
    #[arg(long, value_name = "ID")]
    pub geonames: Option<u64>,
    /// Its latitude and longitude in degrees: 38.83,-104.82.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub coordinates: Option<String>,
    /// Another name it is known by (repeatable).
    #[arg(long = "alias", value_name = "NAME")]
    pub aliases: Vec<String>,
    /// Sources, note, id, who records it.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// `amity party alias`.
#[derive(Debug, Args)]
pub struct PartyAliasArgs {
    /// The party.
    pub party: String,
    /// The names.
    #[arg(required = true)]
    pub aliases: Vec<String>,
    /// Sources, note, id, who records it.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// A link between two parties.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The first party (for same-as: the community's key; for successor-of: the successor).
    pub a: String,
    /// The second party.
    pub b: String,
    /// Sources, note, id, who records it.
    #[command(flatten)]
    pub facts: FactsArgs,
}

/// `amity parties [QUERY]`.
#[derive(Debug, Args)]
pub struct PartiesArgs {
    /// A name or alias, or its beginning (accents and case aside); every party when omitted.
    pub query: Option<String>,
    /// Which part of the list.
    #[command(flatten)]
    pub page: PageArgs,
}

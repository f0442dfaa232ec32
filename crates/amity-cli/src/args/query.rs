//! The arguments of the queries: a partnership, a party, a cohort, a window, a series, a page.

use super::*;

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
    #[arg(long, value_name = "DATE|MILESTONE", allow_hyphen_values = true)]
    pub from: String,
    /// The window's end: an EDTF date or a milestone key (its last day is included).
    #[arg(long, value_name = "DATE|MILESTONE", allow_hyphen_values = true)]
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
    #[arg(long, value_name = "DATE|MILESTONE", allow_hyphen_values = true)]
    pub from: String,
    /// The last step: an EDTF date or a milestone key.
    #[arg(long, value_name = "DATE|MILESTONE", allow_hyphen_values = true)]
    pub to: String,
    /// One point per calendar year or per month.
    #[arg(long, value_enum, default_value = "year")]
    pub step: StepArg,
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

/// The step of a series (`--step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StepArg {
    /// One point per calendar year.
    Year,
    /// One point per calendar month.
    Month,
}

impl StepArg {
    /// Its name, as the option takes it.
    pub fn name(self) -> &'static str {
        match self {
            StepArg::Year => "year",
            StepArg::Month => "month",
        }
    }
}

impl From<StepArg> for amity_projections::analysis::Step {
    fn from(step: StepArg) -> amity_projections::analysis::Step {
        match step {
            StepArg::Year => amity_projections::analysis::Step::Year,
            StepArg::Month => amity_projections::analysis::Step::Month,
        }
    }
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
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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

/// One party, for `amity partners`.
#[derive(Debug, Args)]
pub struct PartnersArgs {
    /// "Name, CC", "Name, CC-SUB", or a party key (us-co:colorado-springs).
    pub party: String,
    /// The directory on this date (valid time), EDTF.
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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

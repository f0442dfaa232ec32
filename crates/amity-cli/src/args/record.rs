//! The arguments of the recording commands: a lifecycle event, a retraction, an amendment, a citation, and the facts and sources every event carries.

use super::*;

/// A lifecycle event between two parties.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// One party: "Name, CC" or "Name, CC-SUB".
    #[arg(value_name = "PARTY")]
    pub party: String,
    /// The other party.
    #[arg(value_name = "PARTNER")]
    pub partner: String,
    /// When it happened, as EDTF, not after today (UTC), or the word "unknown" (an empty
    /// value is refused).
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
    pub occurred: Option<String>,
    /// The replacement's term as written (default: the entry's).
    #[arg(long, value_name = "TEXT")]
    pub term: Option<String>,
    /// The replacement's certainty (default: the entry's).
    #[arg(long, value_enum)]
    pub certainty: Option<CertaintyArg>,
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
            facts.occurred = amity_domain::input::occurred("--occurred", occurred, today())?;
        }
        if let Some(term) = &self.term {
            facts.term_as_written = Some(term.clone()).filter(|t| !t.is_empty());
        }
        if let Some(certainty) = self.certainty {
            facts.certainty = certainty.into();
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
    /// The current source's URL: http, https, urn, doi, ark or hdl (doi:10.1000/182).
    #[arg(long, value_name = "URL")]
    pub source_url: Vec<String>,
    /// The current source's publication date, as EDTF.
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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

/// Today (UTC), for the rules for new input: no date of the world after it.
pub fn today() -> amity_domain::Day {
    amity_domain::Day::of(jiff::Timestamp::now())
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

/// How sure the source is (`--certainty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CertaintyArg {
    /// The source states it.
    Confirmed,
    /// Likely, not stated.
    Probable,
    /// Perhaps.
    Possible,
    /// Contested by another source: kept and shown, never drives the status.
    Disputed,
}

impl From<CertaintyArg> for Certainty {
    fn from(certainty: CertaintyArg) -> Certainty {
        match certainty {
            CertaintyArg::Confirmed => Certainty::Confirmed,
            CertaintyArg::Probable => Certainty::Probable,
            CertaintyArg::Possible => Certainty::Possible,
            CertaintyArg::Disputed => Certainty::Disputed,
        }
    }
}

/// A citation.
#[derive(Debug, Args)]
pub struct CiteArgs {
    /// The entry the sources support.
    pub event_id: EventId,
    /// When the cited source was found, as EDTF.
    #[arg(long, value_name = "EDTF", allow_hyphen_values = true)]
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
    /// How sure the source is (a disputed entry is kept and shown, and never drives the
    /// status).
    #[arg(long, value_enum, default_value = "confirmed")]
    pub certainty: CertaintyArg,
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

impl FactsArgs {
    /// The facts, with sources grouped by the order of the options on the command line.
    pub fn to_facts(&self, occurred: Option<&str>, matches: &clap::ArgMatches) -> Result<Facts> {
        let occurred: Occurred = match occurred {
            None => Occurred::Unknown,
            Some(text) => amity_domain::input::occurred("--occurred", text, today())?,
        };
        let certainty = self.certainty.into();
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

pub(crate) const SOURCE_FIELDS: [&str; 6] = [
    "source_title",
    "source_url",
    "source_date",
    "source_publisher",
    "source_locator",
    "source_role",
];

/// Group `--source-*` options: each title starts a source; later options fill it in.
pub(crate) fn sources(matches: &clap::ArgMatches) -> Result<Vec<Source>> {
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
            "source_url" if source.url.is_none() => {
                amity_domain::input::check_url("--source-url", value)?;
                source.url = Some(value.clone())
            }
            "source_publisher" if source.publisher.is_none() => {
                source.publisher = Some(value.clone())
            }
            "source_locator" if source.locator.is_none() => source.locator = Some(value.clone()),
            "source_date" if source.published.is_none() => {
                let date = value.parse::<EdtfDate>().context("--source-date")?;
                amity_domain::input::check_not_future("--source-date", &date, today())?;
                source.published = Some(date)
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

//! `amity party …` and `amity parties`: the party register on the command line, and how a
//! party given on the command line is found.
//!
//! A party may be given as its key (`us-co:colorado-springs`), as `"Name, CC[-SUB]"`, or by a
//! name or alias alone when only one party bears it. Names are compared folded (accents and
//! case aside: `Krakow` is `Kraków`). An ambiguous name is an error that lists the candidates;
//! an unknown one suggests close names. Queries then use the party's community key (same-as
//! links), recording commands its community's stream.

use amity_domain::{
    Link, Party, PartyKey, PartyKind, Register, RegisterEvent, Registration, Relation,
};
use amity_ledger::{Ledger, Outcome};
use amity_projections::{PartyRow, Projections};
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::args::{Format, LinkArgs, PartiesArgs, PartyCommand};
use crate::output;

mod find;

pub use find::{find, Found};

fn kind_of(word: &str) -> Result<PartyKind> {
    PartyKind::ALL
        .into_iter()
        .find(|kind| kind.name() == word.trim().to_ascii_lowercase())
        .ok_or_else(|| {
            anyhow!("--kind: {word:?} is not one of city, district, county, region, state, country, other")
        })
}

fn coordinates_of(text: &str) -> Result<(f64, f64)> {
    let (lat, lon) = text
        .split_once(',')
        .ok_or_else(|| anyhow!("--coordinates: write LAT,LON in degrees, e.g. 38.83,-104.82"))?;
    let lat: f64 = lat.trim().parse().context("--coordinates: latitude")?;
    let lon: f64 = lon.trim().parse().context("--coordinates: longitude")?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        bail!("--coordinates: {lat},{lon} is not a place on Earth");
    }
    Ok((lat, lon))
}

/// The JSON of a register event just recorded.
#[derive(Serialize)]
struct RecordedView<'a> {
    event_id: String,
    event_type: &'a str,
    recorded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical: Option<String>,
}

fn report(
    outcome: &Outcome<amity_domain::RegisterEntry>,
    summary: &str,
    format: Format,
    key: Option<&PartyKey>,
    canonical: Option<&PartyKey>,
) -> Result<()> {
    let (entry, recorded) = match outcome {
        Outcome::Recorded(entry) => (entry, true),
        Outcome::AlreadyRecorded(entry) => (entry, false),
    };
    match format {
        Format::Json => output::print_json(&RecordedView {
            event_id: entry.id.to_string(),
            event_type: entry.event.type_name(),
            recorded,
            key: key.map(ToString::to_string),
            canonical: canonical.map(ToString::to_string),
        }),
        _ => output::emit(format!(
            "{} {summary} (event {})",
            if recorded {
                "recorded:"
            } else {
                "already recorded:"
            },
            entry.id
        )),
    }
}

/// Run `amity party …`.
pub async fn run(
    ledger: &Ledger,
    projections: &mut Projections,
    command: PartyCommand,
    matches: &clap::ArgMatches,
    format: Format,
) -> Result<()> {
    projections.catch_up().await?;
    match command {
        PartyCommand::Show(show) => {
            let found = find(projections, &show.party, false).await?;
            if !found.known {
                bail!("unknown party {}", found.key);
            }
            show_party(ledger, projections, &found, format).await
        }
        PartyCommand::Add(add) => {
            let party: Party = add.party.parse().context("party")?;
            let party = match &add.wikidata {
                Some(item) => Party::new(
                    &party.name,
                    &party.country,
                    party.subdivision.as_deref(),
                    Some(item),
                )?,
                None => party,
            };
            let facts = add.facts.to_facts(None, matches)?;
            let registration = Registration {
                key: party.key(),
                party,
                kind: add.kind.as_deref().map(kind_of).transpose()?,
                geonames: add.geonames,
                coordinates: add.coordinates.as_deref().map(coordinates_of).transpose()?,
                aliases: add.aliases.clone(),
                sources: facts.sources,
                note: facts.note,
            };
            let key = registration.key.clone();
            let id = add.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
            let outcome = ledger
                .record_register(
                    id,
                    RegisterEvent::Registered(Box::new(registration)),
                    &add.facts.recorded_by_or_user(),
                )
                .await?;
            report(&outcome, &format!("party {key}"), format, Some(&key), None)
        }
        PartyCommand::Alias(alias) => {
            let found = find(projections, &alias.party, false).await?;
            if !found.known {
                bail!("unknown party {}", found.key);
            }
            let facts = alias.facts.to_facts(None, matches)?;
            let recorded_by = alias.facts.recorded_by_or_user();
            ensure_registered(projections, &found, &recorded_by).await?;
            let event = RegisterEvent::Aliased(amity_domain::register::Aliases {
                key: found.key.clone(),
                aliases: alias.aliases.clone(),
                sources: facts.sources,
                note: facts.note,
            });
            let id = alias.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
            let outcome = ledger.record_register(id, event, &recorded_by).await?;
            report(
                &outcome,
                &format!("{} also named {}", found.key, alias.aliases.join(", ")),
                format,
                Some(&found.key),
                None,
            )
        }
        PartyCommand::SameAs(link) => {
            record_link(
                ledger,
                projections,
                Relation::SameAs,
                *link,
                matches,
                format,
            )
            .await
        }
        PartyCommand::Distinct(link) => {
            record_link(
                ledger,
                projections,
                Relation::Distinct,
                *link,
                matches,
                format,
            )
            .await
        }
        PartyCommand::SuccessorOf(link) => {
            record_link(
                ledger,
                projections,
                Relation::SuccessorOf,
                *link,
                matches,
                format,
            )
            .await
        }
    }
}

/// Register a party known only from its partnerships (a link or alias needs its record):
/// `Projections::enlist`, as the server does.
async fn ensure_registered(
    projections: &Projections,
    found: &Found,
    recorded_by: &str,
) -> Result<()> {
    projections.enlist(&found.key, recorded_by).await?;
    Ok(())
}

async fn record_link(
    ledger: &Ledger,
    projections: &Projections,
    relation: Relation,
    args: LinkArgs,
    matches: &clap::ArgMatches,
    format: Format,
) -> Result<()> {
    // Keys as given: a link is between keys, not communities.
    let a = find(projections, &args.a, false)
        .await
        .context("first party")?;
    let b = find(projections, &args.b, false)
        .await
        .context("second party")?;
    for side in [&a, &b] {
        if !side.known {
            bail!(
                "unknown party {}: record one of its partnerships or `amity party add` it first",
                side.key
            );
        }
    }
    let facts = args.facts.to_facts(None, matches)?;
    let recorded_by = args.facts.recorded_by_or_user();
    let link = Link {
        relation,
        a: a.key.clone(),
        b: b.key.clone(),
        sources: facts.sources,
        note: facts.note,
    };
    ledger.links().await?.check_link(&link)?;
    ensure_registered(projections, &a, &recorded_by).await?;
    ensure_registered(projections, &b, &recorded_by).await?;
    let id = args.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
    let outcome = ledger
        .record_register(id, RegisterEvent::Linked(link), &recorded_by)
        .await?;
    let links = ledger.links().await?;
    let canonical = links.canonical_key(&a.key);
    let summary = match relation {
        Relation::SameAs => format!(
            "{} and {} are one community, under {canonical}",
            a.key, b.key
        ),
        Relation::Distinct => format!("{} and {} are different places", a.key, b.key),
        Relation::SuccessorOf => format!("{} succeeded {}", a.key, b.key),
    };
    report(&outcome, &summary, format, Some(&a.key), Some(&canonical))
}

/// The JSON of `party show`.
#[derive(Serialize)]
struct ShowView<'a> {
    key: &'a str,
    #[serde(flatten)]
    row: &'a PartyRow,
    partnerships: u64,
    links: Vec<LinkView>,
}

#[derive(Serialize)]
struct LinkView {
    event_id: String,
    relation: &'static str,
    a: String,
    b: String,
    recorded_by: String,
    recorded_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retracted_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retraction_reason: Option<String>,
    sources: Vec<String>,
}

async fn show_party(
    ledger: &Ledger,
    projections: &Projections,
    found: &Found,
    format: Format,
) -> Result<()> {
    let rows = projections.parties(&found.party.name).await?;
    let (row, partnerships) = rows
        .into_iter()
        .find(|(row, _)| row.key == found.key.as_str())
        .ok_or_else(|| anyhow!("unknown party {}", found.key))?;
    let links: Register = ledger.links().await?;
    let class = links.class_of(&found.key);
    let mine: Vec<LinkView> = links
        .links()
        .iter()
        .filter(|l| {
            l.link.a == found.key
                || l.link.b == found.key
                || class.contains(&l.link.a) && class.contains(&l.link.b)
        })
        .map(|l| LinkView {
            event_id: l.id.to_string(),
            relation: l.link.relation.name(),
            a: l.link.a.to_string(),
            b: l.link.b.to_string(),
            recorded_by: l.recorded_by.clone(),
            recorded_at: l.recorded_at.to_string(),
            retracted_by: l.retracted.as_ref().map(|(id, _)| id.to_string()),
            retraction_reason: l.retracted.as_ref().map(|(_, reason)| reason.clone()),
            sources: l.link.sources.iter().map(|s| s.title.clone()).collect(),
        })
        .collect();
    if format == Format::Json {
        return output::print_json(&ShowView {
            key: found.key.as_str(),
            row: &row,
            partnerships,
            links: mine,
        });
    }
    let mut lines = vec![
        format!("{} — {}", row.key, row.party.label()),
        format!("  name:          {}", row.party.name),
        format!("  country:       {}", row.party.country),
    ];
    if let Some(subdivision) = &row.party.subdivision {
        lines.push(format!("  subdivision:   {subdivision}"));
    }
    if let Some(kind) = row.kind {
        lines.push(format!("  kind:          {kind}"));
    }
    if let Some(item) = &row.party.wikidata {
        lines.push(format!("  wikidata:      {item}"));
    }
    if let Some(id) = row.geonames {
        lines.push(format!("  geonames:      {id}"));
    }
    if let Some((lat, lon)) = row.coordinates {
        lines.push(format!("  coordinates:   {lat}, {lon}"));
    }
    if !row.aliases.is_empty() {
        lines.push(format!("  also named:    {}", row.aliases.join("; ")));
    }
    lines.push(format!(
        "  registered:    {}",
        if row.registered {
            "yes"
        } else {
            "no (known from its partnerships)"
        }
    ));
    if row.canonical != row.key {
        lines.push(format!("  community key: {} (same-as)", row.canonical));
    } else if class.len() > 1 {
        let others: Vec<String> = class[1..].iter().map(ToString::to_string).collect();
        lines.push(format!("  same as:       {}", others.join(", ")));
    }
    lines.push(format!("  partnerships:  {partnerships}"));
    for link in &mine {
        let state = match &link.retracted_by {
            Some(by) => format!(" — retracted by {by}"),
            None => String::new(),
        };
        lines.push(format!(
            "  link {}: {} {} {} (recorded by {} at {}){state}",
            link.event_id, link.a, link.relation, link.b, link.recorded_by, link.recorded_at
        ));
    }
    output::emit(output::printable(&lines.join("\n")))
}

/// Run `amity parties [QUERY]`.
pub async fn list(projections: &mut Projections, args: PartiesArgs, format: Format) -> Result<()> {
    let query = amity_projections::query::Query::Parties {
        text: args.query.unwrap_or_default(),
        page: args.page.page(),
    };
    let amity_projections::query::Answer::Parties(found) = projections.answer(query).await? else {
        unreachable!("a parties query answers with parties")
    };
    output::parties(&found, format)
}

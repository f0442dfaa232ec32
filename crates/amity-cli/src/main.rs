//! `amity`: record sister-city partnership events with their sources, and read them back.

mod args;
mod chart;
mod example;
mod output;
mod parties;
mod store;

use std::process::ExitCode;

use amity_domain::Event;
use amity_domain::{EdtfDate, Milestone, MilestoneKey};
use amity_ledger::{Ledger, Outcome, ToRecord};
use amity_projections::analysis;
use amity_projections::query::{Answer, Query};
use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches};
use tracing::Instrument;

use crate::args::{Cli, Command, Format, MilestoneCommand};

/// Decoding events allocates many small strings, freed on other threads: mimalloc does this
/// several times faster than the system allocator (see the ledger benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    init_logging(cli.verbose, cli.quiet);
    // The temporal checks' state budget (a hard resource limit; see `amity --help`).
    if let Some(limit) = std::env::var("AMITY_STATE_LIMIT")
        .ok()
        .and_then(|value| value.parse().ok())
    {
        amity_domain::temporal::set_state_limit(limit);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let sub_matches = matches.subcommand().map(|(_, m)| m.clone());
    // One span per command (`party add`, `status`, …): every log line says which it was in.
    let command = match matches.subcommand() {
        Some((name, nested)) => match nested.subcommand_name() {
            Some(inner) => format!("{name} {inner}"),
            None => name.to_owned(),
        },
        None => String::new(),
    };
    let span = tracing::info_span!("command", command = %command);
    let started = std::time::Instant::now();
    let outcome = runtime.block_on(run(cli, sub_matches).instrument(span.clone()));
    tracing::debug!(parent: &span, ok = outcome.is_ok(), elapsed = ?started.elapsed(), "command done");
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::from(exit_code(&error) as u8)
        }
    }
}

/// Logs to stderr. `RUST_LOG`, when set, is the filter (tracing's `EnvFilter` syntax); else
/// amity's own crates log warnings and errors (`-q`: errors; `-v`: debug, each command's
/// steps and store calls with their timings; `-vv`: trace, every read), and other crates
/// nothing: the KurrentDB client's own error lines, gRPC's and the drivers' are shown only
/// when `RUST_LOG` asks for them (what matters reaches the user as amity's error).
fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let ours = || EnvFilter::new(format!("off,amity={level}"));
    let mut invalid = None;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .unwrap_or_else(|error| {
                invalid = Some(format!("RUST_LOG={directives:?} is not a filter ({error})"));
                ours()
            }),
        _ => ours(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Some(invalid) = invalid {
        tracing::warn!("{invalid}; ignored");
    }
}

/// An error in how a command was called: options that do not go together, or one that is
/// missing or has a value the command does not take (exit code 2, as clap's own).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A [`Usage`] error from a format string.
macro_rules! usage {
    ($($message:tt)*) => {
        anyhow::Error::new($crate::Usage(format!($($message)*)))
    };
}

// After `usage!`, which its commands use.
mod commands;
mod exit;

use commands::{
    caught_up, check_format, partnership_of, record_lifecycle, report, run_migrate, sub_matches_of,
};
use exit::{exit_code, one_line};

async fn run(cli: Cli, sub_matches: Option<clap::ArgMatches>) -> Result<()> {
    // Neither needs a store.
    match &cli.command {
        Command::Completions { shell } => {
            let mut command = Cli::command();
            // Written whole, so that a closed pipe ends it quietly (see `output::emit`).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "amity", &mut script);
            return output::emit(String::from_utf8_lossy(&script).trim_end());
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            return output::emit(String::from_utf8_lossy(&page).trim_end());
        }
        _ => {}
    }
    if let Command::Migrate(migrate) = &cli.command {
        if let Some(file) = &cli.projections {
            return Err(usage!(
                "--projections {}: migrate builds each side's projections where its store keeps \
                 them (its SQLite file, its PostgreSQL schema; computed live for esdb://)",
                file.display()
            ));
        }
        return run_migrate(migrate).await;
    }
    let reads_only = matches!(
        cli.command,
        Command::History(_)
            | Command::Status(_)
            | Command::Partners(_)
            | Command::Rebuild
            | Command::Outcomes(_)
            | Command::Changes(_)
            | Command::Series(_)
            | Command::Milestone(MilestoneCommand::List)
            | Command::Export(_)
            | Command::Parties(_)
            | Command::Party(parties::PartyCommand::Show(_))
    );
    // A dry run into a SQLite ledger that does not exist yet checks against an empty ledger
    // in memory: it creates no file.
    let dry_run_without_ledger = match &cli.command {
        Command::Import(import) if import.dry_run => cli
            .store
            .strip_prefix("sqlite://")
            .is_some_and(|path| !std::path::Path::new(path).exists()),
        _ => false,
    };
    let store_url = if dry_run_without_ledger {
        "memory://"
    } else {
        cli.store.as_str()
    };
    let opened = store::open_store(store_url, reads_only, cli.projections.as_deref()).await?;
    let ledger = Ledger::new(opened.store.clone());
    let projections = || opened.projections(ledger.clone());
    let format = cli.format;
    check_format(&cli.command, format)?;
    let sub_matches = sub_matches.unwrap_or_default();
    let is_outcomes = matches!(cli.command, Command::Outcomes(_));
    match cli.command {
        command @ (Command::Found(_)
        | Command::Attest(_)
        | Command::Suspend(_)
        | Command::Reinstate(_)
        | Command::Terminate(_)
        | Command::Reaffirm(_)) => {
            let (event_type, lifecycle) = command.into_lifecycle().expect("a lifecycle command");
            let projections = caught_up(&opened, &ledger).await?;
            record_lifecycle(
                &ledger,
                &projections,
                event_type,
                lifecycle,
                &sub_matches,
                format,
            )
            .await
        }
        Command::Party(command) => {
            let mut projections = projections().await?;
            parties::run(
                &ledger,
                &mut projections,
                command,
                &sub_matches_of(&sub_matches),
                format,
            )
            .await
        }
        Command::Parties(query) => {
            let mut projections = projections().await?;
            parties::list(&mut projections, query, format).await
        }
        Command::Retract(retract) if ledger.links().await?.link(retract.event_id).is_some() => {
            let facts = retract.facts.to_facts(None, &sub_matches)?;
            let event = amity_domain::RegisterEvent::Unlinked(amity_domain::register::Unlink {
                target: retract.event_id,
                reason: retract.reason.clone(),
                sources: facts.sources,
            });
            let id = retract.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
            let outcome = ledger
                .record_register(id, event, &retract.facts.recorded_by_or_user())
                .await?;
            let entry = outcome.recorded();
            if format == Format::Json {
                return output::print_json(&serde_json::json!({
                    "event_id": entry.id.to_string(),
                    "event_type": entry.event.type_name(),
                    "recorded": matches!(outcome, Outcome::Recorded(_)),
                }));
            }
            output::emit(format!(
                "recorded: link {} retracted (event {})",
                retract.event_id, entry.id
            ))
        }
        Command::Retract(retract) => {
            let partnership = ledger.locate(retract.event_id).await?;
            let facts = retract
                .facts
                .to_facts(retract.occurred.as_deref(), &sub_matches)?;
            let event = Event::Retracted(amity_domain::event::Retraction {
                target: retract.event_id,
                reason: retract.reason,
                facts,
            });
            let item = retract.facts.to_record(partnership, event);
            report(ledger.record(item).await?, format)
        }
        Command::Amend(amend) => {
            let partnership = ledger.locate(amend.event_id).await?;
            let timeline = ledger.load(&partnership).await?;
            let original = timeline
                .recorded()
                .iter()
                .find(|entry| entry.id == amend.event_id)
                .ok_or(amity_ledger::Error::UnknownEvent(amend.event_id))?;
            // The replacement keeps the original's place in its claim group: it names the
            // claim the original named, or else another claim of the group left standing.
            let in_group = {
                let group = timeline.claim_group(original.id);
                let standing = |id: amity_domain::EventId| {
                    group
                        .iter()
                        .any(|claim| claim.id == id && timeline.is_standing(claim))
                };
                original
                    .event
                    .alternative_to()
                    .filter(|&named| standing(named))
                    .or_else(|| {
                        group
                            .iter()
                            .find(|claim| claim.id != original.id && timeline.is_standing(claim))
                            .map(|claim| claim.id)
                    })
            };
            let replacement = amend.replacement(&original.event, in_group, &sub_matches)?;
            let recorded_by = amend
                .recorded_by
                .clone()
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".to_owned());
            let retraction = Event::Retracted(amity_domain::event::Retraction {
                target: amend.event_id,
                reason: amend.reason.clone(),
                facts: amity_domain::Facts {
                    sources: replacement.facts().sources.clone(),
                    note: Some(
                        "amended: the replacement is recorded with this retraction".to_owned(),
                    ),
                    ..amity_domain::Facts::default()
                },
            });
            let items = vec![
                ToRecord::about(partnership.clone(), retraction, &recorded_by),
                ToRecord::about(partnership, replacement, &recorded_by),
            ];
            let outcomes = ledger.record_all(items).await?;
            output::amended(&outcomes, format)
        }
        Command::Cite(cite) => {
            let partnership = ledger.locate(cite.event_id).await?;
            let facts = cite
                .facts
                .to_facts(cite.occurred.as_deref(), &sub_matches)?;
            if facts.sources.is_empty() {
                return Err(usage!("cite needs at least one --source-title"));
            }
            let event = Event::Cited(amity_domain::event::Citation {
                target: cite.event_id,
                facts,
            });
            let item = cite.facts.to_record(partnership, event);
            report(ledger.record(item).await?, format)
        }
        Command::History(which) => {
            let known_at = args::known_at(which.known_at.as_deref())?;
            let projections = caught_up(&opened, &ledger).await?;
            let id = partnership_of(&projections, &which.partnership).await?;
            let (status, timeline) = projections.history(&id, known_at).await?;
            output::history(&status, &timeline, format)
        }
        Command::Status(which) => {
            let as_of = args::as_of(&ledger, which.as_of.as_deref()).await?;
            let known_at = args::known_at(which.known_at.as_deref())?;
            let mut projections = caught_up(&opened, &ledger).await?;
            let partnership = match which.partnership.as_slice() {
                [] => None,
                given => Some(partnership_of(&projections, given).await?),
            };
            let party = match &which.party {
                Some(party) => Some(parties::find(&projections, party, false).await?.canonical),
                None => None,
            };
            let cohort = analysis::Cohort {
                countries: which
                    .cohort
                    .as_deref()
                    .map(analysis::Cohort::parse_countries)
                    .transpose()
                    .map_err(|error| anyhow::anyhow!("--cohort {error}"))?,
                party,
                region: which.region.clone(),
                kind: which.kind.clone(),
            };
            let query = Query::Status {
                partnership,
                cohort,
                as_of,
                known_at,
                page: which.page.page(),
            };
            let Answer::Status(views) = projections.answer(query).await? else {
                unreachable!("a status query answers with statuses")
            };
            output::status(&views, format)
        }
        Command::Partners(partners) => {
            let as_of = args::as_of(&ledger, partners.as_of.as_deref()).await?;
            let known_at = args::known_at(partners.known_at.as_deref())?;
            let projections = caught_up(&opened, &ledger).await?;
            let key = parties::find(&projections, &partners.party, false)
                .await?
                .canonical;
            let rows = projections.partners(&key, as_of.as_ref(), known_at).await?;
            if rows.is_empty() {
                let similar = projections.similar_parties(&key).await?;
                let hint = match similar.as_slice() {
                    [] => String::new(),
                    found => format!(" (did you mean {}?)", found.join(", ")),
                };
                match known_at {
                    Some(moment) => {
                        anyhow::bail!("no partnership of {key} had been recorded by {moment}{hint}")
                    }
                    None => anyhow::bail!("no partnership of {key} is recorded{hint}"),
                }
            }
            output::partners(&key, &partners.page.page().of(rows), format)
        }
        Command::Migrate(_) | Command::Completions { .. } | Command::Man => {
            unreachable!("handled before a store is opened")
        }
        Command::Rebuild => {
            let mut projections = projections().await?;
            output::rebuild(&mut projections).await
        }
        Command::Milestone(MilestoneCommand::Add(add)) => {
            let key: MilestoneKey = add.key.parse()?;
            let occurred: EdtfDate = add.occurred.parse().context("--occurred")?;
            let facts = add.facts.to_facts(None, &sub_matches_of(&sub_matches))?;
            let milestone = Milestone {
                key,
                title: add.title,
                occurred,
                sources: facts.sources,
                note: facts.note,
            };
            let id = add.facts.id.unwrap_or_else(uuid::Uuid::now_v7);
            let recorded_by = add.facts.recorded_by_or_user();
            let outcome = ledger.record_milestone(milestone, id, &recorded_by).await?;
            output::milestone_recorded(&outcome, id, format)
        }
        Command::Milestone(MilestoneCommand::List) => {
            output::milestones(&ledger.milestones().await?, format)
        }
        Command::Outcomes(window) | Command::Changes(window) => {
            let cohort = window.cohort.cohort()?;
            let window_dates = analysis::Window {
                from: (
                    window.from.clone(),
                    args::date_or_milestone(&ledger, "--from", &window.from).await?,
                ),
                to: (
                    window.to.clone(),
                    args::date_or_milestone(&ledger, "--to", &window.to).await?,
                ),
            };
            anyhow::ensure!(
                window_dates.from.1.earliest() <= window_dates.to.1.latest(),
                "--from {} is after --to {}",
                window.from,
                window.to
            );
            let projections = caught_up(&opened, &ledger).await?;
            let format = if window.csv {
                eprintln!("warning: --csv is deprecated; use --format csv");
                output::Report::Csv
            } else {
                format.into()
            };
            let known_at = args::known_at(window.known_at.as_deref())?;
            if is_outcomes {
                let members = projections.members(&cohort, known_at).await?;
                output::outcomes(
                    &analysis::outcomes(members, &cohort, &window_dates)?,
                    format,
                )
            } else {
                let pairs = projections.cohort_pairs(&cohort, known_at).await?;
                output::changes(&analysis::changes(&pairs, &cohort, &window_dates), format)
            }
        }
        Command::Import(import) => commands::import(&ledger, &opened, format, import).await,
        Command::Export(export) => commands::export(&ledger, &opened, format, export).await,
        Command::Series(series) => {
            let cohort = series.cohort.cohort()?;
            let from = args::date_or_milestone(&ledger, "--from", &series.from).await?;
            let to = args::date_or_milestone(&ledger, "--to", &series.to).await?;
            let step = match series.step.as_str() {
                "year" => analysis::Step::Year,
                "month" => analysis::Step::Month,
                other => return Err(usage!("--step: {other:?} is not year or month")),
            };
            anyhow::ensure!(
                from.earliest() <= to.latest(),
                "--from {} is after --to {}",
                series.from,
                series.to
            );
            if let Some(path) = &series.chart {
                if !path
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("svg"))
                {
                    return Err(usage!(
                        "--chart {}: the chart is SVG; name the file .svg",
                        path.display()
                    ));
                }
            }
            let steps = analysis::steps(&from, &to, step);
            let projections = caught_up(&opened, &ledger).await?;
            let known_at = args::known_at(series.known_at.as_deref())?;
            let members = projections.members(&cohort, known_at).await?;
            let points = analysis::series(&members, &steps)?;
            if let Some(path) = &series.chart {
                let milestones = ledger.milestones().await?;
                chart::draw(path, &cohort.describe(), &series.step, &points, &milestones)?;
            }
            let format = if series.csv {
                eprintln!("warning: --csv is deprecated; use --format csv");
                output::Report::Csv
            } else {
                format.into()
            };
            output::series(&points, format)
        }
        Command::Example(example) => {
            let built = example::build(&ledger, &example.recorded_by).await?;
            let outcomes = &built.outcomes;
            let written = outcomes
                .iter()
                .filter(|outcome| matches!(outcome, Outcome::Recorded(_)))
                .count();
            output::emit(format_args!(
                "example ledger: {written} events recorded, {} already present ({} partnerships); \
                 {} milestones recorded",
                outcomes.len() - written,
                example::partnership_count(outcomes),
                built.new_milestones
            ))?;
            if let Some(between) = built.between {
                output::emit(format_args!(
                    "the March 2022 news about Smolensk was recorded after the rest: \
                     --known-at {} shows the ledger before it",
                    between.strftime("%Y-%m-%dT%H:%M:%SZ")
                ))?;
            }
            Ok(())
        }
    }
}

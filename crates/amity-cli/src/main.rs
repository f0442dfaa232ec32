//! `amity`: record sister-city partnership events with their sources, and read them back.

// First: its `usage!` macro is used by the modules after it.
#[macro_use]
mod exit;

mod args;
mod chart;
mod example;
mod files;
mod output;
mod store;

use std::process::ExitCode;

use amity_ledger::Ledger;
use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};
use tracing::Instrument;

use crate::args::{Cli, Command, MilestoneCommand};

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
    output::set_raw_csv(cli.raw);
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
        // The reader went away (`amity status | head -1`): what it read was right, and the
        // rest was not wanted. Quiet, as `cat` under `head` is.
        Err(error) if exit::is_broken_pipe(&error) => ExitCode::SUCCESS,
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

mod commands;

use commands::{check_format, sub_matches_of, Context};
use exit::{exit_code, one_line};

async fn run(cli: Cli, sub_matches: Option<clap::ArgMatches>) -> Result<()> {
    // These need no store.
    match &cli.command {
        Command::Completions { shell } => return commands::admin::completions(*shell),
        Command::Man => return commands::admin::man(),
        Command::Migrate(migrate) => {
            if let Some(file) = &cli.projections {
                return Err(usage!(
                    "--projections {}: migrate builds each side's projections where its store \
                     keeps them (its SQLite file, its PostgreSQL schema; computed live for esdb://)",
                    file.display()
                ));
            }
            return commands::admin::migrate(migrate).await;
        }
        Command::Verify(verify) if verify.archive.is_some() => {
            check_format(&cli.command, cli.format)?;
            return commands::log::verify_archive(verify, cli.format);
        }
        Command::Proof(args::ProofCommand::Verify(verify)) => {
            check_format(&cli.command, cli.format)?;
            return commands::log::proof_verify(verify, cli.format);
        }
        _ => {}
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
            | Command::Party(args::PartyCommand::Show(_))
            | Command::Key(_)
            | Command::Proof(_)
            | Command::Verify(_)
            | Command::Checkpoints(_)
            | Command::Serve(_)
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
    let format = cli.format;
    check_format(&cli.command, format)?;
    let sub_matches = sub_matches.unwrap_or_default();
    let cx = Context {
        ledger: &ledger,
        opened: &opened,
        format,
        matches: &sub_matches,
    };
    use commands::{admin, analysis, query, record};
    let signs = cli.signing_key.clone().filter(|_| writes(&cli.command));
    let outcome = match cli.command {
        command @ (Command::Found(_)
        | Command::Attest(_)
        | Command::Suspend(_)
        | Command::Reinstate(_)
        | Command::Terminate(_)
        | Command::Reaffirm(_)) => {
            let (event_type, lifecycle) = command.into_lifecycle().expect("a lifecycle command");
            record::lifecycle(&cx, event_type, lifecycle).await
        }
        Command::Retract(retract) => record::retract(&cx, retract).await,
        Command::Amend(amend) => record::amend(&cx, amend).await,
        Command::Cite(cite) => record::cite(&cx, cite).await,
        Command::Milestone(MilestoneCommand::Add(add)) => record::milestone(&cx, *add).await,
        Command::Example(example) => record::example(&cx, example).await,
        Command::Party(command) => {
            let mut projections = cx.projections().await?;
            let matches = sub_matches_of(&sub_matches);
            commands::parties::run(&ledger, &mut projections, command, &matches, format).await
        }
        Command::Parties(query) => {
            let mut projections = cx.projections().await?;
            commands::parties::list(&mut projections, query, format).await
        }
        Command::History(which) => query::history(&cx, which).await,
        Command::Status(which) => query::status(&cx, which).await,
        Command::Partners(partners) => query::partners(&cx, partners).await,
        Command::Milestone(MilestoneCommand::List) => query::milestones(&cx).await,
        Command::Outcomes(window) => {
            analysis::window(&cx, analysis::WindowView::Outcomes, window).await
        }
        Command::Changes(window) => {
            analysis::window(&cx, analysis::WindowView::Changes, window).await
        }
        Command::Series(series) => analysis::series(&cx, series).await,
        Command::Import(import) => commands::import(&ledger, &opened, format, import).await,
        Command::Export(export) => commands::export(&ledger, &opened, format, export).await,
        Command::Rebuild => admin::rebuild(&cx).await,
        Command::Key(command) => commands::log::key(&cx, command).await,
        Command::Checkpoint(args) => {
            commands::log::checkpoint(&cx, args, cli.signing_key.as_deref()).await
        }
        Command::Checkpoints(args) => commands::log::checkpoints(&cx, args).await,
        Command::Proof(command) => commands::log::proof(&cx, command).await,
        Command::Verify(args) => commands::log::verify(&cx, args).await,
        Command::Serve(args) => {
            let key = match cli.signing_key.as_deref() {
                Some(path) => Some(commands::log::signing_key(path)?),
                None => None,
            };
            commands::serve::serve(&ledger, opened.clone(), args, key).await
        }
        Command::Migrate(_) | Command::Completions { .. } | Command::Man => {
            unreachable!("handled before a store is opened")
        }
    };
    // Nothing recorded stays outside the log's protection when a signing key is configured.
    if let (Ok(()), Some(key)) = (&outcome, signs) {
        commands::log::checkpoint_after_write(&cx, &key).await?;
    }
    outcome
}

/// Whether a command writes to the ledger (a dry run does not).
fn writes(command: &Command) -> bool {
    match command {
        Command::Found(_)
        | Command::Attest(_)
        | Command::Suspend(_)
        | Command::Reinstate(_)
        | Command::Terminate(_)
        | Command::Reaffirm(_)
        | Command::Retract(_)
        | Command::Amend(_)
        | Command::Cite(_)
        | Command::Example(_)
        | Command::Milestone(MilestoneCommand::Add(_)) => true,
        Command::Party(command) => !matches!(command, args::PartyCommand::Show(_)),
        Command::Import(import) => !import.dry_run,
        _ => false,
    }
}

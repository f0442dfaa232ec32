//! The verifiable log: `key generate`, `checkpoint`, `proof`, `verify`. The log itself (leaf
//! hashes, checkpoints, verification) is `amity_ledger::log`; keys, notes and proofs are
//! `amity_log`.

use std::path::Path;

use amity_ledger::log::{self, Proof, Report, VerifyOptions};
use amity_log::{ConsistencyProof, InclusionProof, SignerKey, VerifierKey};
use anyhow::{Context as _, Result};

use super::Context;
use crate::args::{
    CheckpointArgs, CheckpointsArgs, Format, KeyCommand, ProofCommand, ProofVerifyArgs, VerifyArgs,
};
use crate::exit::{Exit, Verdict};
use crate::output;

/// A key or note file's text, its parse errors naming the file (and the line, from the log).
/// Read within the log's bound for small files.
fn read_text(path: &Path) -> Result<String> {
    Ok(log::read_small_text(path)?)
}

/// The signing key in `path`.
pub fn signing_key(path: &Path) -> Result<SignerKey> {
    SignerKey::parse(&read_text(path)?).with_context(|| format!("{}", path.display()))
}

fn verifier_key(path: &Path) -> Result<VerifierKey> {
    VerifierKey::parse(&read_text(path)?).with_context(|| format!("{}", path.display()))
}

/// `amity key generate FILE [--origin NAME]`.
pub async fn key(cx: &Context<'_>, command: KeyCommand) -> Result<()> {
    let KeyCommand::Generate { file, origin } = command;
    let origin = match origin {
        Some(origin) => origin,
        None => log::default_origin(cx.ledger)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the ledger is empty: name the log with --origin"))?,
    };
    let key = SignerKey::generate(&origin)?;
    write_private(&file, &key.to_private_text())?;
    let verifier = key.verifier().to_text();
    if cx.format == Format::Json {
        return output::print_json(&serde_json::json!({
            "origin": origin,
            "signing_key_file": file.display().to_string(),
            "verifier_key": verifier,
        }));
    }
    eprintln!(
        "wrote the signing key to {} (keep it private); the verifier key:",
        file.display()
    );
    output::emit(verifier)
}

/// Write a private key: a new file (never over an existing one, nor through a link: it is
/// written to a new temporary file in the key's folder, readable by its owner only (mode
/// 0600), and linked into place only if nothing is at the path).
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut file = crate::files::NewFile::begin(path)?;
    writeln!(file.writer(), "{text}").with_context(|| format!("{}", path.display()))?;
    file.create()
}

/// `amity checkpoint`: sign, keep and print a checkpoint of the whole log.
pub async fn checkpoint(cx: &Context<'_>, _: CheckpointArgs, key: Option<&Path>) -> Result<()> {
    let Some(key) = key else {
        return Err(usage!(
            "checkpoint needs --signing-key FILE (or AMITY_SIGNING_KEY); amity key generate \
             writes one"
        ));
    };
    let key = signing_key(key)?;
    let signed = cx.ledger.checkpoint(&key).await?;
    if cx.format == Format::Json {
        return output::print_json(&serde_json::json!({
            "origin": signed.checkpoint.origin,
            "tree_size": signed.checkpoint.size,
            "root_hash": amity_log::encode_hash(&signed.checkpoint.root),
            "note": signed.note,
        }));
    }
    output::emit(signed.note.trim_end())
}

/// `amity proof inclusion|consistency`, as JSON (any RFC 9162 verifier can check it).
pub async fn proof(cx: &Context<'_>, command: ProofCommand) -> Result<()> {
    // The leaves as kept (the log brought up to date first), not every event read again.
    let hashes = cx.ledger.log_hashes().await?;
    let whole = hashes.len() as u64;
    match command {
        ProofCommand::Inclusion { event_id, size } => {
            let size = size.unwrap_or(whole);
            let index = cx
                .ledger
                .log_places(&[event_id])
                .await?
                .get(&event_id)
                .ok_or(amity_ledger::Error::UnknownEvent(event_id))?
                .index;
            let proof = InclusionProof {
                leaf_index: index,
                tree_size: size,
                leaf_hash: *hashes
                    .get(index as usize)
                    .ok_or(amity_ledger::Error::UnknownEvent(event_id))?,
                hashes: amity_log::inclusion_proof(&hashes, index, size)?,
                root: Some(amity_log::root(&hashes[..size.min(whole) as usize])),
            };
            output::print_json(&proof)
        }
        ProofCommand::Consistency { from, to } => {
            let to = to.unwrap_or(whole);
            let hashes = amity_log::consistency_proof(&hashes, from, to)?;
            output::print_json(&ConsistencyProof { from, to, hashes })
        }
        ProofCommand::Verify(_) => unreachable!("handled before a store is opened"),
    }
}

/// `amity proof verify PROOF --checkpoint FILE --key FILE [--old-checkpoint FILE]
/// [--leaf-hash BASE64]`, with no store: exit 0 valid, 5 not.
pub fn proof_verify(args: &ProofVerifyArgs, format: Format) -> Result<()> {
    let key = verifier_key(&args.key)?;
    let proof = log::read_proof(&args.proof)?;
    let checkpoint = log::read_checkpoint(&args.checkpoint)?;
    let old = args
        .old_checkpoint
        .as_deref()
        .map(log::read_checkpoint)
        .transpose()?;
    if matches!(proof, Proof::Consistency(_)) && old.is_none() {
        return Err(usage!(
            "{}: a consistency proof is checked against two checkpoints: give the earlier one \
             with --old-checkpoint FILE",
            args.proof.display()
        ));
    }
    let leaf = match args.leaf_hash.as_deref() {
        Some(text) => Some(
            amity_log::decode_hash(text)
                .map_err(|reason| usage!("--leaf-hash {text}: {reason}"))?,
        ),
        None => None,
    };
    let verdict = log::verify_proof(&proof, &checkpoint, old.as_ref(), &key, leaf.as_ref());
    if format == Format::Json {
        output::print_json(&verdict)?;
    } else if verdict.valid {
        output::emit(format_args!(
            "valid {} proof: {}",
            verdict.kind, verdict.says
        ))?;
    }
    if !verdict.valid {
        return Err(Verdict {
            exit: Exit::Tampered,
            message: format!(
                "the {} proof does not verify: {}",
                verdict.kind, verdict.says
            ),
        }
        .into());
    }
    Ok(())
}

/// `amity verify --archive FILE --checkpoint FILE --key FILE`, with no store: the exit codes
/// of [`verify`].
pub fn verify_archive(args: &VerifyArgs, format: Format) -> Result<()> {
    let (Some(archive), Some(checkpoint), Some(key)) = (&args.archive, &args.checkpoint, &args.key)
    else {
        return Err(usage!(
            "--archive FILE is verified against --checkpoint FILE with --key FILE"
        ));
    };
    let key = verifier_key(key)?;
    let published = log::read_checkpoint(checkpoint)?;
    let leaves = args.leaves.as_deref().map(log::read_leaves).transpose()?;
    let report = log::verify_archive(archive, &published, &key, leaves.as_ref())?;
    let summary = format!(
        "{} events in {}; the checkpoint covers {}; {} events verified against it",
        report.tree_size,
        archive.display(),
        published.checkpoint.size,
        report.covered
    );
    conclude(
        &report,
        format,
        &summary,
        "of the archive after the checkpoint's are not verified (ask for a later checkpoint)",
    )
}

/// `amity verify`: exit 0 clean and covered, 5 a problem (the first bad event named), 6 clean
/// but events after the latest checkpoint not covered.
pub async fn verify(cx: &Context<'_>, args: VerifyArgs) -> Result<()> {
    let options = VerifyOptions {
        key: args.key.as_deref().map(verifier_key).transpose()?,
        published: args.checkpoint.as_deref().map(read_text).transpose()?,
    };
    let mut report = log::verify(cx.ledger, &options).await?;
    // The projection tables, caught up, against their events recomputed (a sample).
    let mut sampled = 0;
    if args.sample > 0 && report.problems.is_empty() {
        let projections = super::caught_up(cx.opened, cx.ledger).await?;
        let check = projections.check_sample(args.sample, args.seed).await?;
        sampled = check.checked;
        for id in check.differing {
            report.problems.push(format!(
                "the projection tables of {id} differ from its events (amity rebuild \
                 rebuilds them)"
            ));
        }
    }
    let summary = format!(
        "{} events in the log; {} stored checkpoints; {} events covered by a checkpoint; \
         {sampled} partnerships' tables compared with their events",
        report.tree_size, report.checkpoints, report.covered
    );
    conclude(
        &report,
        cx.format,
        &summary,
        "recorded after the latest checkpoint are not verified (run amity checkpoint)",
    )
}

/// Print a verification's report and conclude: exit 0 clean and covered, 5 a problem (the
/// first bad event named when known), 6 clean but events after the checkpoint not covered
/// (`later` says so, after their number).
fn conclude(report: &Report, format: Format, summary: &str, later: &str) -> Result<()> {
    if format == Format::Json {
        output::print_json(report)?;
    } else {
        output::emit(summary)?;
        for problem in &report.problems {
            output::emit(format_args!("problem: {problem}"))?;
        }
    }
    if let Some(first) = report.problems.first() {
        let at = report
            .first_bad_event
            .as_ref()
            .map(|event| {
                let place = match (&event.line, &event.position) {
                    (Some(line), _) => format!("line {line}"),
                    (None, Some(position)) => format!("position {position}"),
                    (None, None) => format!("leaf {}", event.index),
                };
                format!(
                    " (first bad event {}: stream {}, version {}, {place})",
                    event.event_id, event.stream, event.stream_version
                )
            })
            .unwrap_or_default();
        return Err(Verdict {
            exit: Exit::Tampered,
            message: format!("verification failed: {first}{at}"),
        }
        .into());
    }
    if report.uncovered() > 0 {
        return Err(Verdict {
            exit: Exit::NotCovered,
            message: format!("not covered: {} events {later}", report.uncovered()),
        }
        .into());
    }
    Ok(())
}

/// After a command that wrote, with a signing key configured: a fresh checkpoint, unless the
/// latest one already covers the whole log. Said on stderr (stdout is the command's).
pub async fn checkpoint_after_write(cx: &Context<'_>, key: &Path) -> Result<()> {
    let key = signing_key(key)?;
    if let Some(signed) = cx.ledger.checkpoint_if_grown(&key).await? {
        eprintln!(
            "checkpoint: {} events, signed by {}",
            signed.checkpoint.size, signed.checkpoint.origin
        );
    }
    Ok(())
}

/// `amity checkpoints [--latest]`: the checkpoints kept in the ledger.
pub async fn checkpoints(cx: &Context<'_>, args: CheckpointsArgs) -> Result<()> {
    let stored = cx.ledger.log_checkpoints().await?;
    if args.leaves {
        let Some(latest) = stored.last() else {
            anyhow::bail!("the ledger holds no checkpoint yet: amity checkpoint signs one");
        };
        let leaves = cx.ledger.leaves_to_hand_over(latest.tree_size).await?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        log::write_leaves(&mut out, &leaves)?;
        return Ok(std::io::Write::flush(&mut out)?);
    }
    if args.latest {
        let Some(latest) = stored.last() else {
            anyhow::bail!("the ledger holds no checkpoint yet: amity checkpoint signs one");
        };
        return output::emit(latest.note.trim_end());
    }
    #[derive(serde::Serialize)]
    struct Kept<'a> {
        tree_size: u64,
        recorded_at: String,
        note: &'a str,
    }
    let kept: Vec<Kept<'_>> = stored
        .iter()
        .map(|checkpoint| Kept {
            tree_size: checkpoint.tree_size,
            recorded_at: checkpoint.recorded_at.to_string(),
            note: &checkpoint.note,
        })
        .collect();
    if cx.format == Format::Json {
        return output::print_json(&kept);
    }
    if kept.is_empty() {
        return output::emit("no checkpoint yet: amity checkpoint signs one");
    }
    for (number, checkpoint) in kept.iter().enumerate() {
        let origin = checkpoint.note.lines().next().unwrap_or_default();
        output::emit(format_args!(
            "{}. {} events, {}, recorded {}",
            number + 1,
            checkpoint.tree_size,
            origin,
            checkpoint.recorded_at
        ))?;
    }
    Ok(())
}

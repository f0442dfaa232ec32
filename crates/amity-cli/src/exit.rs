//! The exit code of an error, read from the typed errors of its chain, and the error's one
//! line for the user.

/// An error in how a command was called: options that do not go together, or one that is
/// missing or has a value the command does not take (exit code 2, as clap's own).
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A [`Usage`] error from a format string.
macro_rules! usage {
    ($($message:tt)*) => {
        anyhow::Error::new($crate::exit::Usage(format!($($message)*)))
    };
}

/// The exit codes (listed in `amity --help`, after [`args::Cli`], and in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Exit {
    /// Bad input or a rule violation: a refused event, a bad file row, an unknown
    /// partnership or party, a date that is not EDTF.
    BadInput = 1,
    /// The command was called wrongly (clap's own errors exit with 2 too).
    Usage = 2,
    /// The store, a file or the projection tables failed: the request may be fine.
    Infrastructure = 3,
    /// A temporal check hit its budget: the answer is neither yes nor no.
    Unfinished = 4,
    /// `verify` found the ledger does not match its log or checkpoints.
    Tampered = 5,
    /// `verify` found no problem, but events after the latest checkpoint are not covered.
    NotCovered = 6,
}

/// What `verify` concluded, when it is not "clean": its exit code and its one line.
#[derive(Debug)]
pub(crate) struct Verdict {
    /// [`Exit::Tampered`] or [`Exit::NotCovered`].
    pub(crate) exit: Exit,
    /// What to say.
    pub(crate) message: String,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Verdict {}

/// The exit code of an error: the weightiest class of any error in its chain (a check not
/// finished, then infrastructure, then usage), else bad input.
pub(crate) fn exit_code(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .filter_map(classify)
        .max()
        .unwrap_or(Exit::BadInput)
}

/// The class of one error of a chain, when its type tells. (A `transparent` variant shares
/// its place in the chain with the error it wraps, so wrapped errors are looked into.)
fn classify(cause: &(dyn std::error::Error + 'static)) -> Option<Exit> {
    if let Some(error) = cause.downcast_ref::<amity_ledger::StoreError>() {
        return Some(store_class(error));
    }
    if let Some(error) = cause.downcast_ref::<amity_ledger::Error>() {
        return Some(ledger_class(error));
    }
    if let Some(error) = cause.downcast_ref::<amity_projections::Error>() {
        return Some(match error {
            amity_projections::Error::Ledger(inner) => ledger_class(inner),
            amity_projections::Error::Store(inner) => store_class(inner),
            amity_projections::Error::Unfinished { .. } => Exit::Unfinished,
            amity_projections::Error::NotYetRecorded { .. } => Exit::BadInput,
            _ => Exit::Infrastructure,
        });
    }
    if let Some(error) = cause.downcast_ref::<amity_interchange::Error>() {
        return Some(match error {
            amity_interchange::Error::Projections(inner) => classify(inner)?,
            amity_interchange::Error::Ledger(inner) => ledger_class(inner),
            amity_interchange::Error::UnknownParty(_) => Exit::BadInput,
            _ => Exit::Infrastructure,
        });
    }
    if let Some(violation) = cause.downcast_ref::<amity_domain::Violation>() {
        return Some(violation_class(violation));
    }
    if let Some(error) = cause.downcast_ref::<csv::Error>() {
        return error.is_io_error().then_some(Exit::Infrastructure);
    }
    if cause.is::<std::io::Error>() {
        return Some(Exit::Infrastructure);
    }
    if let Some(verdict) = cause.downcast_ref::<Verdict>() {
        return Some(verdict.exit);
    }
    cause.is::<Usage>().then_some(Exit::Usage)
}

fn violation_class(violation: &amity_domain::Violation) -> Exit {
    match violation {
        amity_domain::Violation::Unfinished { .. } => Exit::Unfinished,
        _ => Exit::BadInput,
    }
}

fn ledger_class(error: &amity_ledger::Error) -> Exit {
    match error {
        amity_ledger::Error::Rule(violation) => violation_class(violation),
        amity_ledger::Error::Store(inner) => store_class(inner),
        amity_ledger::Error::Decode { .. }
        | amity_ledger::Error::Io { .. }
        | amity_ledger::Error::Output { .. }
        | amity_ledger::Error::Unexportable { .. }
        | amity_ledger::Error::Undercounted { .. }
        | amity_ledger::Error::StreamName { .. } => Exit::Infrastructure,
        _ => Exit::BadInput,
    }
}

fn store_class(error: &amity_ledger::StoreError) -> Exit {
    match error {
        // Ids are the caller's: one stored already is bad input.
        amity_ledger::StoreError::DuplicateEvent { .. }
        | amity_ledger::StoreError::DuplicateInBatch { .. } => Exit::BadInput,
        // The URL of `--store`, `--from`, `--to` or `AMITY_STORE`.
        amity_ledger::StoreError::InvalidUrl { .. } => Exit::Usage,
        // Unreachable, a driver's error, a corrupt position, or writers that kept racing.
        _ => Exit::Infrastructure,
    }
}

/// Whether an error comes from writing to standard output after its reader has gone
/// (`amity … | head`): not a failure of the command, so it ends quietly. Only when stdout
/// was seen closed (`output::stdout_closed`): a broken pipe to a database server is a
/// failure.
pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    crate::output::stdout_closed()
        && error.chain().any(|cause| {
            let io = match cause.downcast_ref::<csv::Error>().map(csv::Error::kind) {
                Some(csv::ErrorKind::Io(io)) => Some(io),
                _ => cause.downcast_ref::<std::io::Error>(),
            };
            io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
}

/// An error and its causes on one line, each said once: a cause whose text the line already
/// holds (an error that shows its source in its own message) is not repeated, even when a
/// driver says it again below in its own words (SQLite's "unable to open database file: PATH"
/// above "Error code 14: unable to open database file").
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.is_empty() {
            line = text;
        } else if !plain_words(&line).contains(&plain_words(&text)) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

/// A text's words for comparing what two causes say: lower case, without a leading
/// "error code N:" and without "the".
fn plain_words(text: &str) -> String {
    let lower = text.to_lowercase();
    let said = lower
        .strip_prefix("error code ")
        .and_then(|rest| rest.split_once(": "))
        .filter(|(code, _)| code.chars().all(|c| c.is_ascii_digit()))
        .map_or(lower.as_str(), |(_, said)| said);
    said.split_whitespace()
        .filter(|word| *word != "the")
        .collect::<Vec<_>>()
        .join(" ")
}

//! Archival interchange: what an archivist's work becomes when it leaves Amity, in forms
//! other archives and tools read.
//!
//! - [`views`]: the ledger as tidy, lossless CSV views (`timeline`, `sources`, `status`,
//!   `parties`, `party_links`); the timeline, sources and party links views import back
//!   (`amity_ledger::archive::views`).
//! - [`prov`]: W3C PROV, as PROV-O (Turtle) and PROV-JSON.
//! - [`eac`]: a party's EAC-CPF 2.0 authority record, one `relation` per partnership.
//! - [`quickstatements`]: Wikidata P190 claims for partnerships whose parties have QIDs.
//!
//! Every writer takes projections caught up by the caller and an output to write to; none
//! opens a file.

pub mod eac;
mod edtf;
mod history;
pub mod prov;
pub mod quickstatements;
pub mod views;
mod wikidata;

/// What can go wrong while writing an export.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The projections failed.
    #[error(transparent)]
    Projections(#[from] amity_projections::Error),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] amity_ledger::Error),
    /// Writing the output failed.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
    /// Writing a CSV file failed.
    #[error("writing the export: {0}")]
    Csv(#[from] csv::Error),
    /// A party named by the request is not in the ledger.
    #[error("unknown party {0}: no partnership or registration names it")]
    UnknownParty(String),
}

/// A result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Milestones: ledger-wide context dates (the invasion, a policy letter, a roundtable) that
//! queries can name instead of a date.
//!
//! A milestone is recorded as a `MilestoneRecorded` event (schema v1, see `events-schema/`) in
//! the ledger-wide stream [`MILESTONES_STREAM`], never in a partnership's stream. Its key is a
//! slug that cannot be read as an EDTF date, so that wherever a date is accepted a key is too,
//! without ambiguity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::date::EdtfDate;
use crate::event::{DecodeError, Source, SCHEMA_VERSION};

/// The stream that holds every milestone.
pub const MILESTONES_STREAM: &str = "milestones";

/// The stored type name of a milestone.
pub const MILESTONE_RECORDED: &str = "MilestoneRecorded";

/// A milestone's key: lower-case letters, digits and `-`, not an EDTF date
/// (`roundtable-2022-03-22`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MilestoneKey(String);

/// Why a milestone key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid milestone key {input:?}: {reason}")]
pub struct MilestoneKeyError {
    /// What was given.
    pub input: String,
    /// Why.
    pub reason: &'static str,
}

impl MilestoneKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for MilestoneKey {
    type Err = MilestoneKeyError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| MilestoneKeyError {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty()
            || input.starts_with('-')
            || input.ends_with('-')
            || !input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(error("use lower-case letters, digits and inner '-'"));
        }
        if !input.bytes().any(|b| b.is_ascii_lowercase()) || EdtfDate::parse(input).is_ok() {
            return Err(error("it must not read as a date; include a word"));
        }
        Ok(MilestoneKey(input.to_owned()))
    }
}

impl TryFrom<String> for MilestoneKey {
    type Error = MilestoneKeyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<MilestoneKey> for String {
    fn from(key: MilestoneKey) -> String {
        key.0
    }
}

impl fmt::Display for MilestoneKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ledger-wide context date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Milestone {
    /// Its key.
    pub key: MilestoneKey,
    /// What happened ("US–Russia sister-city roundtable").
    pub title: String,
    /// When, as EDTF (a milestone is always dated).
    pub occurred: EdtfDate,
    /// The citations.
    pub sources: Vec<Source>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Milestone {
    /// The stored JSON payload (schema [`SCHEMA_VERSION`]).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("milestones serialize")
    }

    /// Read a stored payload.
    pub fn decode(
        event_type: &str,
        schema_version: u32,
        payload: &[u8],
    ) -> Result<Milestone, DecodeError> {
        let error = |reason: String| DecodeError {
            event_type: event_type.to_owned(),
            schema_version,
            reason,
        };
        if event_type != MILESTONE_RECORDED {
            return Err(error("not a milestone event".to_owned()));
        }
        if schema_version != SCHEMA_VERSION {
            return Err(error(format!(
                "unknown schema version (this build reads v{SCHEMA_VERSION})"
            )));
        }
        serde_json::from_slice(payload).map_err(|e| error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_read_as_dates() {
        assert!("roundtable-2022-03-22".parse::<MilestoneKey>().is_ok());
        for bad in ["2022", "2022-03-22", "Roundtable", "", "a b", "2022-03"] {
            assert!(bad.parse::<MilestoneKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn milestones_round_trip() {
        let milestone = Milestone {
            key: "roundtable-2022-03-22".parse().unwrap(),
            title: "US–Russia sister-city roundtable".to_owned(),
            occurred: "2022-03-22".parse().unwrap(),
            sources: vec![Source {
                title: "Email of 23 March 2022".to_owned(),
                ..Source::default()
            }],
            note: None,
        };
        let back = Milestone::decode(MILESTONE_RECORDED, 1, milestone.encode().as_bytes()).unwrap();
        assert_eq!(back, milestone);
        assert!(Milestone::decode("PartnershipFounded", 1, b"{}").is_err());
    }
}

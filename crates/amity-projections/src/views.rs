//! The questions the queries take (a date, a selection of partnerships) and the answers they
//! give: a partnership's status, a party's partners.

use amity_domain::{
    Certainty3, Day, EdtfDate, PartnershipId, PartnershipKind, Party, PartyKey, Status,
};
use serde::Serialize;

use crate::rows;

/// A valid-time question: the days of an EDTF date.
#[derive(Debug, Clone)]
pub struct AsOf {
    /// The date as asked.
    pub date: EdtfDate,
}

impl AsOf {
    pub(crate) fn days(&self) -> (Day, Day) {
        (self.date.earliest(), self.date.latest())
    }
}

/// Which partnerships a status query is about.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every partnership.
    All,
    /// One partnership.
    One(PartnershipId),
    /// Every partnership of a party.
    Party(PartyKey),
}

/// One answer of `status`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusView {
    /// The partnership.
    pub partnership: PartnershipId,
    /// The two parties.
    pub parties: Vec<Party>,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date, as written, of the event that set it; `null` when unknown or never set, and
    /// for a partnership known only from lists.
    pub since: Option<String>,
    /// The date, as written, of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite`, or `possible` when several statuses are.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be, in lifecycle order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// For `possible`: the events whose dates straddle the date asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub straddling: Vec<String>,
    /// The date asked (valid time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The moment asked (transaction time), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_at: Option<String>,
    /// The founding claims.
    pub founding_claims: Vec<rows::FoundingClaim>,
    /// How many entries its history holds (as known at the moment asked).
    pub events: u64,
    /// Set when the stored history breaks today's rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// One answer of `partners`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartnerView {
    /// The other party.
    pub partner: Party,
    /// The partnership.
    pub partnership: PartnershipId,
    /// Its kind.
    pub kind: PartnershipKind,
    /// The founding date that drives the status, as written.
    pub founded: Option<String>,
    /// The status (on the date asked, if any).
    pub status: Status,
    /// The date of the event that set it.
    pub since: Option<String>,
    /// The date of the first list or source attesting it.
    pub first_attested: Option<String>,
    /// `definite` or `possible`.
    pub certainty: Certainty3,
    /// For `possible`: every status it may be.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<Status>,
    /// When the partner was succeeded by another party (renamed, merged: a `successor_of`
    /// link), or succeeded one: the other party's key, with which way it goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succession: Option<Succession>,
}

/// A partner's succession (`successor_of` links): not one community, but one lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Succession {
    /// The partner was succeeded by this party.
    SucceededBy(String),
    /// The partner succeeded this party.
    SuccessorOf(String),
}

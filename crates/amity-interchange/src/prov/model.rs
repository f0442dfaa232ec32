//! What the PROV export says, apart from how it is written: nodes (entities, agents,
//! activities) with their attributes, and the relations between them. The describer says it
//! once; the Turtle and PROV-JSON writers each write it their way.

use amity_domain::{Day, SourceRole};

use super::vocab::{Id, Namespace, Term};

/// The three kinds of PROV node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `prov:Entity`: a recorded event, a source, a partnership.
    Entity,
    /// `prov:Agent`: a party, who recorded an event.
    Agent,
    /// `prov:Activity`: a retraction.
    Activity,
}

/// The value of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value<'a> {
    /// A plain string.
    Text(&'a str),
    /// An EDTF date as written (datatype `edtf:EDTF`).
    Edtf(&'a str),
    /// A bound of a date (`xsd:date`); only bounded days are ever given.
    Date(Day),
    /// A web address (`xsd:anyURI`).
    Url(&'a str),
    /// Another node.
    Node(Id),
    /// An item of an authority, by its namespace and its local id (a Wikidata item `Q49258`,
    /// a GeoNames feature `2950159/`).
    Link(Namespace, &'a str),
}

/// A node and what is said of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node<'a> {
    /// Entity, agent or activity.
    pub kind: Kind,
    /// What it is.
    pub id: Id,
    /// Its types beyond its kind (`amity:PartnershipSuspended`, `prov:Organization`).
    pub types: &'a [Term],
    /// Its attributes; the values of one term are consecutive.
    pub attributes: &'a [(Term, Value<'a>)],
    /// For an activity: when it started and ended (the ledger records in one instant).
    pub at: Option<jiff::Timestamp>,
}

/// A relation between nodes (PROV-DM's, each with PROV-O's shortcut properties and, where it
/// carries more than its two ends, a qualified form).
#[derive(Debug, Clone, Copy)]
pub(super) enum Relation<'a> {
    /// The entity was generated at `time` (the ledger's `recorded_at`), by `activity` if given.
    Generation {
        /// The generated entity.
        entity: Id,
        /// The activity that generated it, if one is described.
        activity: Option<Id>,
        /// When.
        time: jiff::Timestamp,
    },
    /// The entity is ascribed to the agent.
    Attribution {
        /// The entity.
        entity: Id,
        /// The agent.
        agent: Id,
    },
    /// `generated` was derived from `used`: an entry from one of its sources, a primary source
    /// when `role` says so, at `locator` (page, paragraph or quote) if given.
    Derivation {
        /// The derived entity.
        generated: Id,
        /// The source.
        used: Id,
        /// Primary or secondary, when assessed.
        role: Option<SourceRole>,
        /// Where in the source.
        locator: Option<&'a str>,
    },
    /// The entity was invalidated by the activity at `time`.
    Invalidation {
        /// The invalidated entity.
        entity: Id,
        /// The invalidating activity.
        activity: Id,
        /// When.
        time: jiff::Timestamp,
    },
    /// The agent had a part in the activity.
    Association {
        /// The activity.
        activity: Id,
        /// The agent.
        agent: Id,
    },
    /// The activity used the entity.
    Usage {
        /// The activity.
        activity: Id,
        /// The entity.
        entity: Id,
    },
    /// Two entities present aspects of the same thing (two sources' claims of one event).
    Alternate {
        /// The later claim.
        entity: Id,
        /// The claim it is an alternative to.
        alternate: Id,
    },
}

/// Where the description goes: a serialization of PROV.
pub(super) trait Sink {
    /// Describe a node. Each node is described once.
    fn node(&mut self, node: &Node<'_>) -> std::io::Result<()>;

    /// State a relation.
    fn relation(&mut self, relation: &Relation<'_>) -> std::io::Result<()>;
}

/// A bounded day as `xsd:date` (`2022-03-03`; years before 1 and after 9999 with their sign
/// and at least four digits, as XML Schema 1.1 writes them) written into `buffer` (cleared
/// first); false, and nothing written, for an open bound.
pub(super) fn xsd_date_into(day: Day, buffer: &mut String) -> bool {
    use std::fmt::Write;
    buffer.clear();
    let Some((year, month, day_of_month)) = day.ymd() else {
        return false;
    };
    let _ = if (0..=9999).contains(&year) {
        write!(buffer, "{day}")
    } else {
        let sign = if year < 0 { "-" } else { "" };
        write!(
            buffer,
            "{sign}{:04}-{month:02}-{day_of_month:02}",
            year.unsigned_abs()
        )
    };
    true
}

/// A moment as `xsd:dateTime` (RFC 3339 in UTC, as exact as stored) written into `buffer`
/// (cleared first).
pub(super) fn time_into(time: jiff::Timestamp, buffer: &mut String) {
    use std::fmt::Write;
    buffer.clear();
    let _ = write!(buffer, "{time}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_an_xsd_date_and_an_open_bound_none() {
        let day = |y, m, d| Day::from_ymd(y, m, d).expect("a day");
        let xsd_date = |day| {
            let mut buffer = String::new();
            xsd_date_into(day, &mut buffer).then_some(buffer)
        };
        assert_eq!(xsd_date(day(2022, 3, 3)).as_deref(), Some("2022-03-03"));
        assert_eq!(xsd_date(day(33, 1, 9)).as_deref(), Some("0033-01-09"));
        assert_eq!(xsd_date(day(-44, 3, 15)).as_deref(), Some("-0044-03-15"));
        assert_eq!(
            xsd_date(day(12_000, 12, 31)).as_deref(),
            Some("12000-12-31")
        );
        assert_eq!(xsd_date(Day::Past), None);
        assert_eq!(xsd_date(Day::Future), None);
    }
}

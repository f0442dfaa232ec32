//! How a date of the ledger is written in EAC-CPF 2.0.
//!
//! - An entry's date is a `<date>` with the EDTF as its text, `standardDate` (the EDTF itself,
//!   when it fits the profile EAC-CPF reads), `notBefore`/`notAfter` (its bounds, as days) and
//!   `certainty` (`approximate`, `uncertain` or `approximateAndUncertain`, from `~`, `?`, `%`):
//!   `2022-03-03~` is `<date certainty="approximate" standardDate="2022-03-03~"
//!   notBefore="2022-03-03" notAfter="2022-03-03">2022-03-03~</date>`.
//! - An interval (`2003/2014`: some time from 2003 to 2014) is a `<dateRange>` of its two ends,
//!   each a `fromDate`/`toDate` as above; an unknown end (`2003/`) has `status="unknown"`, an
//!   open one (`2003/..`) is left out.
//! - A set (`[2022-02-28,2022-03-28]`), and a claim group whose sources disagree
//!   (`1983 or 1984`), keep their text and bounds, with no `standardDate`.
//! - An unknown date writes no date at all.
//! - The partnership's span, founding to termination, is a `<dateRange>` whose ends are single
//!   points (an interval end written by its text and bounds).

use amity_domain::EdtfDate;

use super::xml::Xml;
use crate::edtf::{self, End, Shape};
use crate::history::Dating;

/// One EAC-CPF date element's attributes and text (`date`, `fromDate` or `toDate`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Point {
    /// The EDTF, when it fits the profile `standardDate` reads.
    pub standard_date: Option<String>,
    /// The earliest day.
    pub not_before: Option<String>,
    /// The latest day.
    pub not_after: Option<String>,
    /// `approximate`, `uncertain` or `approximateAndUncertain`.
    pub certainty: Option<&'static str>,
    /// `unknown` for an end of a range no source dates.
    pub status: Option<&'static str>,
    /// The date as written.
    pub text: String,
}

/// How one date is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dates {
    /// A `<date>`.
    Date(Point),
    /// A `<dateRange>` (at least one end).
    Range(Option<Point>, Option<Point>),
}

impl Point {
    /// The point an EDTF date denotes, as written.
    pub fn of(date: &EdtfDate) -> Point {
        let text = date.as_str();
        let (earliest, latest) = edtf::bounds(date);
        let certainty = match edtf::shape(text) {
            Shape::Single(single) => match (single.approximate, single.uncertain) {
                (true, true) => Some("approximateAndUncertain"),
                (true, false) => Some("approximate"),
                (false, true) => Some("uncertain"),
                (false, false) => None,
            },
            Shape::Interval(..) | Shape::Other => None,
        };
        Point {
            standard_date: edtf::in_eac_profile(text).then(|| text.to_owned()),
            not_before: earliest.and_then(edtf::day_text),
            not_after: latest.and_then(edtf::day_text),
            certainty,
            status: None,
            text: text.to_owned(),
        }
    }

    /// A dating as one point: its date's, or for a claim group its text and the bounds of
    /// all its claims.
    pub fn of_dating(dating: &Dating) -> Point {
        match dating.single() {
            Some(date) => Point::of(date),
            None => Point {
                not_before: edtf::day_text(dating.earliest()),
                not_after: edtf::day_text(dating.latest()),
                text: dating.text.clone(),
                ..Point::default()
            },
        }
    }

    /// The end of a range that no source dates.
    pub fn unknown() -> Point {
        Point {
            status: Some("unknown"),
            ..Point::default()
        }
    }

    /// Write it as the element `name`, with a `localType` if given.
    pub fn write(
        &self,
        xml: &mut Xml<'_>,
        name: &str,
        local_type: Option<&str>,
    ) -> std::io::Result<()> {
        let mut attributes: Vec<(&str, &str)> = Vec::with_capacity(6);
        if let Some(local_type) = local_type {
            attributes.push(("localType", local_type));
        }
        let named = [
            ("certainty", self.certainty),
            ("notAfter", self.not_after.as_deref()),
            ("notBefore", self.not_before.as_deref()),
            ("standardDate", self.standard_date.as_deref()),
            ("status", self.status),
        ];
        attributes.extend(
            named
                .into_iter()
                .filter_map(|(name, value)| value.map(|value| (name, value))),
        );
        xml.leaf(name, &attributes, &self.text)
    }
}

impl Dates {
    /// An entry's date: an interval as a range of its ends, anything else as one date.
    pub fn of_entry(dating: &Dating) -> Dates {
        let Some(date) = dating.single() else {
            return Dates::Date(Point::of_dating(dating));
        };
        let Shape::Interval(start, end) = edtf::shape(date.as_str()) else {
            return Dates::Date(Point::of(date));
        };
        let point = |end: End<'_>| match end {
            End::Date(text) => Some(
                EdtfDate::parse_cached(text)
                    .map(|date| Point::of(&date))
                    .unwrap_or_else(|_| Point {
                        text: text.to_owned(),
                        ..Point::default()
                    }),
            ),
            End::Unknown => Some(Point::unknown()),
            End::Open => None,
        };
        match (point(start), point(end)) {
            (None, None) => Dates::Date(Point::of(date)),
            (from, to) => Dates::Range(from, to),
        }
    }

    /// The span from the founding to the termination; `None` when neither is dated (an
    /// undated founding is an unknown start only when a termination ends the span).
    pub fn span(founding: Option<&Dating>, termination: Option<&Dating>) -> Option<Dates> {
        let from = founding.map(Point::of_dating);
        let to = termination.map(Point::of_dating);
        match (from, to) {
            (None, None) => None,
            (None, Some(to)) => Some(Dates::Range(Some(Point::unknown()), Some(to))),
            (from, to) => Some(Dates::Range(from, to)),
        }
    }

    /// Write it, with a `localType` if given.
    pub fn write(&self, xml: &mut Xml<'_>, local_type: Option<&str>) -> std::io::Result<()> {
        match self {
            Dates::Date(point) => point.write(xml, "date", local_type),
            Dates::Range(from, to) => {
                match local_type {
                    Some(local_type) => xml.start("dateRange", &[("localType", local_type)])?,
                    None => xml.start("dateRange", &[])?,
                }
                if let Some(from) = from {
                    from.write(xml, "fromDate", None)?;
                }
                if let Some(to) = to {
                    to.write(xml, "toDate", None)?;
                }
                xml.end("dateRange")
            }
        }
    }
}

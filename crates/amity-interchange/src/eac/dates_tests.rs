//! The date mapping of the EAC-CPF record: named cases for every form the issue gives, and a
//! property test against a calendar computed by hand.

use amity_domain::EdtfDate;
use proptest::prelude::*;

use super::dates::{Dates, Point};
use crate::history::Dating;

fn dating(text: &str) -> Dating {
    Dating::from_text(text).expect("a dated text")
}

fn point(text: &str, before: &str, after: &str) -> Point {
    Point {
        standard_date: Some(text.to_owned()),
        not_before: Some(before.to_owned()),
        not_after: Some(after.to_owned()),
        text: text.to_owned(),
        ..Point::default()
    }
}

#[test]
fn given_an_approximate_day_when_mapped_then_it_is_an_approximate_date_with_its_bounds() {
    let dates = Dates::of_entry(&dating("2022-03-03~"));
    assert_eq!(
        dates,
        Dates::Date(Point {
            certainty: Some("approximate"),
            ..point("2022-03-03~", "2022-03-03", "2022-03-03")
        })
    );
}

#[test]
fn given_an_interval_of_years_when_mapped_then_it_is_a_date_range_of_its_two_ends() {
    let dates = Dates::of_entry(&dating("2003/2014"));
    assert_eq!(
        dates,
        Dates::Range(
            Some(point("2003", "2003-01-01", "2003-12-31")),
            Some(point("2014", "2014-01-01", "2014-12-31"))
        )
    );
}

#[test]
fn given_an_uncertain_year_when_mapped_then_its_certainty_says_uncertain() {
    let dates = Dates::of_entry(&dating("1993?"));
    assert_eq!(
        dates,
        Dates::Date(Point {
            certainty: Some("uncertain"),
            ..point("1993?", "1993-01-01", "1993-12-31")
        })
    );
}

#[test]
fn given_an_approximate_and_uncertain_month_when_mapped_then_its_certainty_says_both() {
    let Dates::Date(point) = Dates::of_entry(&dating("2022-02%")) else {
        panic!("a date");
    };
    assert_eq!(point.certainty, Some("approximateAndUncertain"));
    assert_eq!(point.not_after.as_deref(), Some("2022-02-28"));
}

#[test]
fn given_an_interval_with_an_unknown_or_open_end_when_mapped_then_the_unknown_end_says_so_and_the_open_one_is_left_out(
) {
    let unknown_end = Dates::of_entry(&dating("2003/"));
    assert_eq!(
        unknown_end,
        Dates::Range(
            Some(point("2003", "2003-01-01", "2003-12-31")),
            Some(Point::unknown())
        )
    );
    let open_end = Dates::of_entry(&dating("2003/.."));
    assert_eq!(
        open_end,
        Dates::Range(Some(point("2003", "2003-01-01", "2003-12-31")), None)
    );
}

#[test]
fn given_one_of_a_set_when_mapped_then_it_keeps_its_text_and_bounds_without_a_standard_date() {
    let dates = Dates::of_entry(&dating("[2022-02-28,2022-03-28]"));
    assert_eq!(
        dates,
        Dates::Date(Point {
            standard_date: None,
            ..point("[2022-02-28,2022-03-28]", "2022-02-28", "2022-03-28")
        })
    );
}

#[test]
fn given_sources_that_disagree_when_mapped_then_the_claims_keep_their_text_and_joint_bounds() {
    let dates = Dates::of_entry(&dating("1983 or 1984"));
    assert_eq!(
        dates,
        Dates::Date(Point {
            standard_date: None,
            ..point("1983 or 1984", "1983-01-01", "1984-12-31")
        })
    );
}

#[test]
fn given_unknown_dates_when_mapped_then_no_date_is_invented() {
    assert_eq!(Dating::from_text("unknown"), None);
    assert_eq!(Dates::span(None, None), None);
    // An undated claim among dated ones leaves that side unbounded.
    let Dates::Date(point) = Dates::of_entry(&dating("1983 or unknown")) else {
        panic!("a date");
    };
    assert_eq!((point.not_before, point.not_after), (None, None));
}

#[test]
fn given_a_founding_and_a_termination_when_spanned_then_the_span_is_a_range_from_one_to_the_other()
{
    let founded = dating("1993");
    let terminated = dating("2022-03-03~");
    assert_eq!(
        Dates::span(Some(&founded), Some(&terminated)),
        Some(Dates::Range(
            Some(point("1993", "1993-01-01", "1993-12-31")),
            Some(Point {
                certainty: Some("approximate"),
                ..point("2022-03-03~", "2022-03-03", "2022-03-03")
            })
        ))
    );
    // Only founded: a range with a start alone.
    assert_eq!(
        Dates::span(Some(&founded), None),
        Some(Dates::Range(
            Some(point("1993", "1993-01-01", "1993-12-31")),
            None
        ))
    );
    // Terminated, founding undated: the start is unknown, not a stand-in.
    assert_eq!(
        Dates::span(None, Some(&terminated)),
        Some(Dates::Range(
            Some(Point::unknown()),
            Some(Point {
                certainty: Some("approximate"),
                ..point("2022-03-03~", "2022-03-03", "2022-03-03")
            })
        ))
    );
}

#[test]
fn given_a_founding_dated_by_an_interval_when_spanned_then_its_start_is_one_point_with_the_interval_bounds(
) {
    let Some(Dates::Range(Some(from), None)) = Dates::span(Some(&dating("2003/2014")), None) else {
        panic!("a range with a start");
    };
    assert_eq!(
        from,
        Point {
            standard_date: None,
            ..point("2003/2014", "2003-01-01", "2014-12-31")
        }
    );
}

/// Days in a month, computed by hand (the reference).
fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A single date with its precision and qualifier, and the bounds a calendar gives it.
fn single_date() -> impl Strategy<Value = (String, String, String, &'static str)> {
    (
        1000i32..2999,
        0u32..=12,
        1u32..=31,
        0usize..4,
        any::<bool>(),
    )
        .prop_map(|(year, month, day, qualifier, with_day)| {
            let mark = ["", "~", "?", "%"][qualifier];
            let (text, first, last) = match (month, with_day) {
                (0, _) => (
                    format!("{year}{mark}"),
                    format!("{year}-01-01"),
                    format!("{year}-12-31"),
                ),
                (month, false) => (
                    format!("{year}-{month:02}{mark}"),
                    format!("{year}-{month:02}-01"),
                    format!("{year}-{month:02}-{:02}", days_in(year, month)),
                ),
                (month, true) => {
                    let day = day.min(days_in(year, month));
                    let date = format!("{year}-{month:02}-{day:02}");
                    (format!("{date}{mark}"), date.clone(), date)
                }
            };
            (text, first, last, mark)
        })
}

proptest! {
    /// Any single date keeps its EDTF as text and standard date, its calendar bounds, and its
    /// qualifier as certainty; an interval of two is a range of the two points.
    #[test]
    fn a_date_is_its_edtf_its_calendar_bounds_and_its_qualifier(
        (text, first, last, mark) in single_date(),
        (end, end_first, end_last, end_mark) in single_date(),
    ) {
        let certainty = match mark {
            "~" => Some("approximate"),
            "?" => Some("uncertain"),
            "%" => Some("approximateAndUncertain"),
            _ => None,
        };
        let expected = Point { certainty, ..point(&text, &first, &last) };
        prop_assert_eq!(Point::of(&EdtfDate::parse(&text).unwrap()), expected.clone());
        prop_assert_eq!(Dates::of_entry(&dating(&text)), Dates::Date(expected.clone()));

        let interval = format!("{text}/{end}");
        if EdtfDate::parse(&interval).is_ok() {
            let end_certainty = match end_mark {
                "~" => Some("approximate"),
                "?" => Some("uncertain"),
                "%" => Some("approximateAndUncertain"),
                _ => None,
            };
            let end_point = Point { certainty: end_certainty, ..point(&end, &end_first, &end_last) };
            prop_assert_eq!(
                Dates::of_entry(&dating(&interval)),
                Dates::Range(Some(expected), Some(end_point))
            );
        }
    }
}

//! Wikidata time values as QuickStatements writes them: `+1993-00-00T00:00:00Z/9` (a year),
//! `+2022-03-00T00:00:00Z/10` (a month), `+2022-03-03T00:00:00Z/11` (a day). Units below the
//! precision are zero.

use amity_domain::Day;

use crate::edtf::Precision;

/// Wikidata's precision for a year.
const YEAR: u8 = 9;
/// For a month.
const MONTH: u8 = 10;
/// For a day.
const DAY: u8 = 11;

/// A date at its own precision (an EDTF year, month or day).
pub(crate) fn exact(precision: Precision) -> String {
    match precision {
        Precision::Year(year) => value(year, 0, 0, YEAR),
        Precision::Month(year, month) => value(year, month, 0, MONTH),
        Precision::Day(year, month, day) => value(year, month, day, DAY),
    }
}

/// An earliest day at the coarsest precision whose first day it is: `2003-01-01` is
/// `+2003-00-00T00:00:00Z/9` (no earlier than 2003), `2022-03-01` is the month, any other day
/// the day itself. `None` when unbounded.
pub(crate) fn earliest(day: Day) -> Option<String> {
    let (year, month, date) = ymd(day)?;
    Some(match (month, date) {
        (1, 1) => value(year, 0, 0, YEAR),
        (_, 1) => value(year, month, 0, MONTH),
        _ => value(year, month, date, DAY),
    })
}

/// A latest day at the coarsest precision whose last day it is: `2014-12-31` is the year,
/// the last day of a month is the month, any other day the day itself. `None` when unbounded.
pub(crate) fn latest(day: Day) -> Option<String> {
    let (year, month, date) = ymd(day)?;
    let Day::On(number) = day else { return None };
    let last_of_month = Day::On(number + 1)
        .ymd()
        .is_some_and(|(_, _, next)| next == 1);
    Some(match (month, last_of_month) {
        (12, true) => value(year, 0, 0, YEAR),
        (_, true) => value(year, month, 0, MONTH),
        _ => value(year, month, date, DAY),
    })
}

/// A day at day precision (for `retrieved`).
pub(crate) fn day(day: Day) -> Option<String> {
    let (year, month, date) = ymd(day)?;
    Some(value(year, month, date, DAY))
}

fn ymd(day: Day) -> Option<(i32, u8, u8)> {
    let (year, month, date) = day.ymd()?;
    Some((i32::try_from(year).ok()?, month, date))
}

fn value(year: i32, month: u8, day: u8, precision: u8) -> String {
    let sign = if year < 0 { '-' } else { '+' };
    format!(
        "{sign}{:04}-{month:02}-{day:02}T00:00:00Z/{precision}",
        year.unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    use amity_domain::Day;
    use proptest::prelude::*;

    use super::*;

    /// The first day (for an earliest bound) or the last day a written value covers: the
    /// reference, computed from the calendar by hand.
    fn covered(written: &str, first: bool) -> Day {
        let (date, precision) = written.split_once("T00:00:00Z/").unwrap();
        let parts: Vec<i64> = date[1..].split('-').map(|p| p.parse().unwrap()).collect();
        let (year, month, day) = (parts[0], parts[1] as u8, parts[2] as u8);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let month_days = |month: u8| match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        match (precision, first) {
            ("9", true) => Day::from_ymd(year, 1, 1),
            ("9", false) => Day::from_ymd(year, 12, 31),
            ("10", true) => Day::from_ymd(year, month, 1),
            ("10", false) => Day::from_ymd(year, month, month_days(month)),
            ("11", _) => Day::from_ymd(year, month, day),
            _ => None,
        }
        .unwrap()
    }

    #[test]
    fn given_a_year_a_month_and_a_day_when_written_then_each_has_its_precision() {
        assert_eq!(exact(Precision::Year(1993)), "+1993-00-00T00:00:00Z/9");
        assert_eq!(exact(Precision::Month(2022, 3)), "+2022-03-00T00:00:00Z/10");
        assert_eq!(
            exact(Precision::Day(2022, 3, 3)),
            "+2022-03-03T00:00:00Z/11"
        );
    }

    #[test]
    fn given_bounds_when_written_then_they_take_the_coarsest_precision_that_keeps_them() {
        let day = |y, m, d| Day::from_ymd(y, m, d).unwrap();
        assert_eq!(
            earliest(day(2003, 1, 1)).unwrap(),
            "+2003-00-00T00:00:00Z/9"
        );
        assert_eq!(
            latest(day(2014, 12, 31)).unwrap(),
            "+2014-00-00T00:00:00Z/9"
        );
        assert_eq!(
            earliest(day(2022, 2, 1)).unwrap(),
            "+2022-02-00T00:00:00Z/10"
        );
        assert_eq!(
            latest(day(2024, 2, 29)).unwrap(),
            "+2024-02-00T00:00:00Z/10"
        );
        assert_eq!(
            latest(day(2023, 2, 28)).unwrap(),
            "+2023-02-00T00:00:00Z/10"
        );
        assert_eq!(
            earliest(day(2022, 3, 3)).unwrap(),
            "+2022-03-03T00:00:00Z/11"
        );
        assert_eq!(latest(day(2022, 3, 3)).unwrap(), "+2022-03-03T00:00:00Z/11");
        assert_eq!(earliest(Day::Past), None);
        assert_eq!(latest(Day::Future), None);
    }

    proptest! {
        /// A bound written is read back as the same day, and no coarser precision would be.
        #[test]
        fn a_bound_is_read_back_as_the_same_day_at_the_coarsest_precision(days in -200_000i32..200_000) {
            let day = Day::On(days);
            let first = earliest(day).unwrap();
            let last = latest(day).unwrap();
            prop_assert_eq!(covered(&first, true), day);
            prop_assert_eq!(covered(&last, false), day);
            // Coarser: the month (or year) written would cover another first or last day.
            let (date, _) = first.split_once('T').unwrap();
            let coarser = |written: &str, precision: &str, first: bool| {
                covered(&format!("{written}T00:00:00Z/{precision}"), first)
            };
            if first.ends_with("/11") {
                prop_assert_ne!(coarser(&format!("{}-00", &date[..8]), "10", true), day);
            }
            if first.ends_with("/10") {
                prop_assert_ne!(coarser(&format!("{}-00-00", &date[..5]), "9", true), day);
            }
            let (date, _) = last.split_once('T').unwrap();
            if last.ends_with("/11") {
                prop_assert_ne!(coarser(&format!("{}-00", &date[..8]), "10", false), day);
            }
            if last.ends_with("/10") {
                prop_assert_ne!(coarser(&format!("{}-00-00", &date[..5]), "9", false), day);
            }
        }
    }
}

//! EDTF dates (ISO 8601-2) as sources write them: kept verbatim, with derived day bounds.
//!
//! Archivists must never be forced into fake precision, so a date is the source's own EDTF
//! string (`1993`, `2022-03`, `2022-03-03~`, `[2022-02-28,2022-03-28]`, `2003/2014`) and the
//! ledger derives the earliest and latest calendar day it can denote. Parsing and validation
//! are delegated to `edtf-core` (pinned), wrapped here so the rest of Amity sees one type.
//!
//! Width rule for qualifiers: `~` (approximate) and `?` (uncertain) do not widen the bounds
//! (ISO 8601-2 §8.4.2: qualification widens confidence, not the written value). `2022-03-03~`
//! bounds to that one day; a source that means "some time that week" should write an interval.
//! An unknown date is [`Occurred::Unknown`]: it has no bounds at all, never a stand-in day.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A bound on the time axis with day precision, ordered past to future.
///
/// Open interval ends (`2003/..`) and unknown ends (`2003/`) are unbounded: they are what the
/// source says, not a chosen sentinel day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Day {
    /// Unbounded in the past.
    Past,
    /// A proleptic-Gregorian day, counted from 1970-01-01 (day 0).
    On(i32),
    /// Unbounded in the future.
    Future,
}

impl Day {
    /// The day for a calendar date; `None` if the date does not exist.
    pub fn from_ymd(year: i64, month: u8, day: u8) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        i32::try_from(days).ok().map(Day::On)
    }

    /// The calendar date `(year, month, day)` of a bounded day.
    pub fn ymd(self) -> Option<(i64, u8, u8)> {
        match self {
            Day::On(days) => Some(civil_from_days(i64::from(days))),
            Day::Past | Day::Future => None,
        }
    }

    /// A bounded day as ISO 8601 text (`YYYY-MM-DD`, as [`Day`]'s `Display` writes it); `None`
    /// for an unbounded one. Made without the formatting machinery for years 0–9999: a
    /// projection rebuild writes two days per history entry.
    /// Ten characters, held inline (no allocation).
    pub fn iso(self) -> Option<smol_str::SmolStr> {
        let (year, month, day) = self.ymd()?;
        Some(match iso_digits(year, month, day) {
            Some(text) => smol_str::SmolStr::new(std::str::from_utf8(&text).expect("ASCII digits")),
            None => smol_str::SmolStr::new(self.to_string()),
        })
    }
}

/// `YYYY-MM-DD` for a year 0–9999, written two digits at a time (one division by a constant
/// for the year, none for month and day: 16 divisions of 64-bit numbers per day took a rebuild
/// of the benchmark ledger a tenth of a second).
fn iso_digits(year: i64, month: u8, day: u8) -> Option<[u8; 10]> {
    let year = u32::try_from(year).ok().filter(|year| *year <= 9999)?;
    let pair = |number: u32| {
        let at = number as usize * 2;
        [TWO_DIGITS[at], TWO_DIGITS[at + 1]]
    };
    let mut text = *b"0000-00-00";
    text[0..2].copy_from_slice(&pair(year / 100));
    text[2..4].copy_from_slice(&pair(year % 100));
    text[5..7].copy_from_slice(&pair(u32::from(month) % 100));
    text[8..10].copy_from_slice(&pair(u32::from(day) % 100));
    Some(text)
}

/// `00` to `99`, one after another.
const TWO_DIGITS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ymd() {
            // Years 0–9999, the common case, written digit by digit rather than by the padding
            // machinery.
            Some((year, month, day)) => match iso_digits(year, month, day) {
                Some(text) => f.write_str(std::str::from_utf8(&text).expect("ASCII digits")),
                None => write!(f, "{year:04}-{month:02}-{day:02}"),
            },
            None if *self == Day::Past => f.write_str(".."),
            None => f.write_str(".."),
        }
    }
}

/// How many short dates each thread remembers for [`EdtfDate::parse_stored`].
const REMEMBERED_DATES: usize = 4_096;

thread_local! {
    static PARSED: std::cell::RefCell<rustc_hash::FxHashMap<smol_str::SmolStr, EdtfDate>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// A valid EDTF string with its derived bounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdtfDate {
    /// Inline up to 23 bytes (every date but long sets and intervals): no allocation.
    text: smol_str::SmolStr,
    earliest: Day,
    latest: Day,
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid EDTF date {input:?}: {reason} (examples: 1993, 2022-03, 2022-03-03~, 1993?, \
     [2022-02-28,2022-03-28], 2003/2014, or unknown)"
)]
pub struct DateError {
    /// What was given.
    pub input: String,
    /// What `edtf-core` found wrong with it.
    pub reason: String,
}

impl EdtfDate {
    /// Parse and validate an EDTF string (levels 0 to 2).
    pub fn parse(input: &str) -> Result<EdtfDate, DateError> {
        let parsed = edtf_core::Edtf::parse(input).map_err(|error| DateError {
            input: input.to_owned(),
            reason: error.message.to_owned(),
        })?;
        let bounds = parsed.bounds();
        Ok(EdtfDate {
            text: input.into(),
            earliest: convert_bound(bounds.earliest, Day::Past),
            latest: convert_bound(bounds.latest, Day::Future),
        })
    }

    /// [`EdtfDate::parse`] for dates read in bulk (stored events, imported rows, where the
    /// same few dates recur: years, days of a campaign): each thread remembers the short dates
    /// it has parsed, up to [`REMEMBERED_DATES`] of them, and copies a remembered one instead
    /// of parsing it again. Refused dates are not remembered.
    pub fn parse_cached(input: &str) -> Result<EdtfDate, DateError> {
        EdtfDate::parse_stored(input)
    }

    pub(crate) fn parse_stored(input: &str) -> Result<EdtfDate, DateError> {
        if input.len() > 23 {
            return EdtfDate::parse(input);
        }
        PARSED.with(|parsed| {
            let mut parsed = parsed.borrow_mut();
            if let Some(date) = parsed.get(input) {
                return Ok(date.clone());
            }
            let date = EdtfDate::parse(input)?;
            if parsed.len() >= REMEMBERED_DATES {
                parsed.clear();
            }
            parsed.insert(date.text.clone(), date.clone());
            Ok(date)
        })
    }

    /// The string exactly as the source (or archivist) wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The earliest day this date can denote.
    pub fn earliest(&self) -> Day {
        self.earliest
    }

    /// The latest day this date can denote.
    pub fn latest(&self) -> Day {
        self.latest
    }
}

impl fmt::Display for EdtfDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for EdtfDate {
    type Err = DateError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        EdtfDate::parse(input)
    }
}

impl Serialize for EdtfDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for EdtfDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        EdtfDate::parse_stored(&text).map_err(serde::de::Error::custom)
    }
}

/// When an event happened in the world: an EDTF date, or honestly unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Occurred {
    /// No source dates it. Serialized as JSON `null`; never replaced by a stand-in day.
    #[default]
    Unknown,
    /// A dated event.
    Date(EdtfDate),
}

impl Occurred {
    /// The earliest day it can have happened ([`Day::Past`] when unknown).
    pub fn earliest(&self) -> Day {
        match self {
            Occurred::Unknown => Day::Past,
            Occurred::Date(date) => date.earliest(),
        }
    }

    /// The latest day it can have happened ([`Day::Future`] when unknown).
    pub fn latest(&self) -> Day {
        match self {
            Occurred::Unknown => Day::Future,
            Occurred::Date(date) => date.latest(),
        }
    }

    /// The date as written, if any.
    pub fn date(&self) -> Option<&EdtfDate> {
        match self {
            Occurred::Unknown => None,
            Occurred::Date(date) => Some(date),
        }
    }
}

impl fmt::Display for Occurred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Occurred::Unknown => f.write_str("unknown"),
            Occurred::Date(date) => date.fmt(f),
        }
    }
}

impl FromStr for Occurred {
    type Err = DateError;
    /// `unknown` (any case) is an unknown date; anything else must be EDTF. An empty string
    /// is refused: an unknown date is written `unknown`, so that a forgotten value is never
    /// read as one.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DateError {
                input: input.to_owned(),
                reason: "the date is empty: write `unknown` when no source dates it".to_owned(),
            });
        }
        if trimmed.eq_ignore_ascii_case("unknown") {
            return Ok(Occurred::Unknown);
        }
        EdtfDate::parse(trimmed).map(Occurred::Date)
    }
}

impl Serialize for Occurred {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Occurred::Unknown => serializer.serialize_none(),
            Occurred::Date(date) => date.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Occurred {
    /// `null` is unknown, a string must be EDTF; a missing field is an error (the schema
    /// requires the field even when the date is unknown).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OccurredVisitor;
        impl<'de> serde::de::Visitor<'de> for OccurredVisitor {
            type Value = Occurred;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an EDTF date string or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Occurred, E> {
                Ok(Occurred::Unknown)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Occurred, E> {
                Ok(Occurred::Unknown)
            }
            fn visit_some<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Occurred, D::Error> {
                EdtfDate::deserialize(deserializer).map(Occurred::Date)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Occurred, E> {
                EdtfDate::parse_stored(text)
                    .map(Occurred::Date)
                    .map_err(E::custom)
            }
        }
        deserializer.deserialize_any(OccurredVisitor)
    }
}

fn convert_bound(bound: edtf_core::Bound, unbounded: Day) -> Day {
    match bound {
        edtf_core::Bound::NegativeInfinity => Day::Past,
        edtf_core::Bound::PositiveInfinity => Day::Future,
        edtf_core::Bound::Unknown => unbounded,
        edtf_core::Bound::Date(date) => {
            Day::from_ymd(date.year, date.month, date.day).unwrap_or(unbounded)
        }
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic-Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u8;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(input: &str) -> (String, String) {
        let date = EdtfDate::parse(input).unwrap();
        (date.earliest().to_string(), date.latest().to_string())
    }

    #[test]
    fn derives_bounds_for_the_forms_sources_use() {
        assert_eq!(bounds("1993"), ("1993-01-01".into(), "1993-12-31".into()));
        assert_eq!(
            bounds("2022-03"),
            ("2022-03-01".into(), "2022-03-31".into())
        );
        assert_eq!(
            bounds("2022-03-03~"),
            ("2022-03-03".into(), "2022-03-03".into())
        );
        assert_eq!(bounds("1993?"), ("1993-01-01".into(), "1993-12-31".into()));
        assert_eq!(
            bounds("[2022-02-28,2022-03-28]"),
            ("2022-02-28".into(), "2022-03-28".into())
        );
        assert_eq!(
            bounds("2003/2014"),
            ("2003-01-01".into(), "2014-12-31".into())
        );
        assert_eq!(
            bounds("2024-02"),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        let open = EdtfDate::parse("1991/..").unwrap();
        assert_eq!(open.latest(), Day::Future);
    }

    #[test]
    fn keeps_the_string_verbatim() {
        let date: EdtfDate = "2022-03-03~".parse().unwrap();
        assert_eq!(date.as_str(), "2022-03-03~");
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2022-03-03~\"");
    }

    #[test]
    fn refuses_impossible_dates_with_a_clear_message() {
        for input in ["1985-02-30", "2022-13", "next tuesday", "1993-1"] {
            let error = EdtfDate::parse(input).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(input), "{message}");
            assert!(message.starts_with("invalid EDTF date"), "{message}");
        }
    }

    #[test]
    fn stored_dates_read_again_are_the_same_and_bad_ones_stay_refused() {
        for input in [
            "1983",
            "2022-03-03~",
            "[2022-02-28,2022-03-28]",
            "2003/2014",
        ] {
            let first: EdtfDate = serde_json::from_str(&format!("{input:?}")).unwrap();
            let again: EdtfDate = serde_json::from_str(&format!("{input:?}")).unwrap();
            assert_eq!(first, EdtfDate::parse(input).unwrap());
            assert_eq!(again, first);
        }
        for _ in 0..2 {
            let error = serde_json::from_str::<EdtfDate>("\"1985-02-30\"").unwrap_err();
            assert!(error.to_string().contains("invalid EDTF date"), "{error}");
        }
    }

    #[test]
    fn unknown_is_not_a_sentinel() {
        let unknown: Occurred = "unknown".parse().unwrap();
        assert_eq!(unknown, Occurred::Unknown);
        assert_eq!(unknown.earliest(), Day::Past);
        assert_eq!(unknown.latest(), Day::Future);
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "null");
        let back: Occurred = serde_json::from_str("null").unwrap();
        assert_eq!(back, Occurred::Unknown);
    }

    #[test]
    fn a_day_is_written_year_month_day_zero_padded() {
        let days = [
            ((1, 1, 1), "0001-01-01"),
            ((999, 12, 31), "0999-12-31"),
            ((1962, 3, 4), "1962-03-04"),
            ((2022, 2, 28), "2022-02-28"),
            ((9999, 12, 31), "9999-12-31"),
            ((-44, 3, 15), "-044-03-15"),
            ((12000, 1, 1), "12000-01-01"),
        ];
        for ((year, month, day), text) in days {
            assert_eq!(Day::from_ymd(year, month, day).unwrap().to_string(), text);
        }
        assert_eq!(Day::Past.to_string(), "..");
    }

    #[test]
    fn civil_day_numbers_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_054, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
        assert_eq!(Day::from_ymd(1970, 1, 1), Some(Day::On(0)));
        assert_eq!(Day::from_ymd(2023, 2, 29), None);
    }

    /// Every year 0–9999, and every day of a leap year, as the padding machinery writes them.
    #[test]
    fn every_year_and_every_day_of_a_year_is_written_as_the_padded_date() {
        let days = (0..=9999)
            .filter_map(|year| Day::from_ymd(year, 12, 31))
            .chain((0..366).filter_map(|day| {
                Day::from_ymd(2024, 1, 1).map(|first| match first {
                    Day::On(first) => Day::On(first + day),
                    other => other,
                })
            }));
        let mut seen = 0;
        for day in days {
            let (year, month, dom) = day.ymd().expect("bounded");
            assert_eq!(
                day.iso().as_deref(),
                Some(format!("{year:04}-{month:02}-{dom:02}").as_str())
            );
            seen += 1;
        }
        assert_eq!(seen, 10_000 + 366);
    }

    proptest::proptest! {
        /// A day's ISO text, made digit by digit (`Day::iso`, `Display`), is what the padding
        /// machinery writes, for every day from year -9999 to 19999, and none for the unbounded.
        #[test]
        fn a_days_iso_text_is_the_padded_calendar_date(days in -4_371_587i32..=6_582_000) {
            let day = Day::On(days);
            let (year, month, dom) = day.ymd().expect("bounded");
            let padded = format!("{year:04}-{month:02}-{dom:02}");
            let iso = day.iso();
            proptest::prop_assert_eq!(iso.as_deref(), Some(padded.as_str()));
            proptest::prop_assert_eq!(day.to_string(), padded);
            proptest::prop_assert_eq!(Day::Past.iso(), None);
            proptest::prop_assert_eq!(Day::Future.iso(), None);
        }
    }
}

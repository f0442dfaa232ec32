//! The shape of an EDTF date as written, for the formats that must say more than its text and
//! bounds: whether it is one year, month or day (Wikidata's precisions), an interval (EAC-CPF's
//! date range), approximate or uncertain, and whether it fits the EDTF subset that EAC-CPF's
//! `standardDate` takes.
//!
//! The text is valid EDTF (it comes from an [`EdtfDate`]); this only reads its shape, never
//! validates it again. A form this does not read (a set, a season, a year past 9999, a time of
//! day) is [`Shape::Other`]: the formats then give its bounds alone, never a guess.

use amity_domain::{Day, EdtfDate};

/// What one EDTF date is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape<'a> {
    /// One calendar date: a year, a month or a day, possibly qualified.
    Single(Single),
    /// An interval `A/B`.
    Interval(End<'a>, End<'a>),
    /// A set (`[a,b]`: one of them; `{a,b}`: all of them) or a form not read here.
    Other,
}

/// One end of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End<'a> {
    /// A date, as written (itself EDTF).
    Date(&'a str),
    /// `..`: open, no bound.
    Open,
    /// Empty: the end is unknown.
    Unknown,
}

/// One calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Single {
    /// Its precision and value; `None` when a digit is unspecified (`199X`, `2022-XX`) or the
    /// month is a season (`2022-21`).
    pub precision: Option<Precision>,
    /// `~` or `%` somewhere in it.
    pub approximate: bool,
    /// `?` or `%` somewhere in it.
    pub uncertain: bool,
}

impl Single {
    /// Neither approximate nor uncertain.
    pub fn is_exact(&self) -> bool {
        !self.approximate && !self.uncertain
    }
}

/// A year, a month or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precision {
    /// A year.
    Year(i32),
    /// A month of a year.
    Month(i32, u8),
    /// A day.
    Day(i32, u8, u8),
}

/// The shape of `text` (valid EDTF).
pub(crate) fn shape(text: &str) -> Shape<'_> {
    if text.starts_with('[') || text.starts_with('{') {
        return Shape::Other;
    }
    if let Some((start, end)) = text.split_once('/') {
        return Shape::Interval(interval_end(start), interval_end(end));
    }
    single(text).map_or(Shape::Other, Shape::Single)
}

fn interval_end(text: &str) -> End<'_> {
    match text {
        "" => End::Unknown,
        ".." => End::Open,
        date => End::Date(date),
    }
}

/// A single date `[-]YYYY[-MM[-DD]]`, each part possibly with a qualifier before or after it
/// and unspecified digits `X`; `None` for any other form.
fn single(text: &str) -> Option<Single> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut approximate = false;
    let mut uncertain = false;
    let mut unspecified = false;
    let mut numbers = Vec::with_capacity(3);
    for (index, part) in unsigned.split('-').enumerate() {
        let width = if index == 0 { 4 } else { 2 };
        let mut digits = part;
        // A qualifier before the part (level 2) and one after it.
        for qualifier in [digits.chars().next(), digits.chars().last()]
            .into_iter()
            .flatten()
        {
            match qualifier {
                '~' => approximate = true,
                '?' => uncertain = true,
                '%' => (approximate, uncertain) = (true, true),
                _ => continue,
            }
        }
        digits = digits.trim_start_matches(['~', '?', '%']);
        digits = digits.trim_end_matches(['~', '?', '%']);
        if index > 2
            || digits.len() != width
            || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'X')
        {
            return None;
        }
        if digits.contains('X') {
            unspecified = true;
            numbers.push(0);
        } else {
            numbers.push(digits.parse::<u32>().ok()?);
        }
    }
    let year = i32::try_from(numbers[0]).ok()?;
    let year = if negative { -year } else { year };
    let precision = match numbers[..] {
        _ if unspecified => None,
        [_] => Some(Precision::Year(year)),
        [_, month] if (1..=12).contains(&month) => Some(Precision::Month(year, month as u8)),
        // A season (21–41) is a span of months, not one of them.
        [_, _] => None,
        [_, month, day] => Some(Precision::Day(year, month as u8, day as u8)),
        _ => None,
    };
    Some(Single {
        precision,
        approximate,
        uncertain,
    })
}

/// Whether `text` fits the EDTF subset EAC-CPF's `standardDate` takes on a single date (the
/// TS-EAS profile of ISO 8601-2: a year of four digits, month or season, day, each part with
/// its qualifier, unspecified digits allowed).
pub(crate) fn in_eac_profile(text: &str) -> bool {
    !text.starts_with('[')
        && !text.starts_with('{')
        && !text.contains('/')
        && single(text).is_some()
}

/// A day bound as `YYYY-MM-DD`, for years 0 to 9999 (the form the EAC-CPF profile and
/// Wikidata's time values read); `None` when unbounded or out of that range.
pub(crate) fn day_text(day: Day) -> Option<String> {
    let (year, _, _) = day.ymd()?;
    (0..=9999).contains(&year).then(|| day.to_string())
}

/// The earliest and latest day of a date, when bounded.
pub(crate) fn bounds(date: &EdtfDate) -> (Option<Day>, Option<Day>) {
    let bounded = |day: Day| matches!(day, Day::On(_)).then_some(day);
    (bounded(date.earliest()), bounded(date.latest()))
}

//! The selectors every surface reads from text the same way: a moment known at (transaction
//! time) and a date that may be a milestone's key. The CLI's options and the HTTP server's
//! query strings both go through these, so one text means one question everywhere.

use amity_domain::EdtfDate;
use amity_ledger::Ledger;

/// A transaction-time moment: RFC 3339 with a zone; a date and time without one (UTC), with
/// `T` or a space between them; or a date (the end of that day, UTC). Anything else is an
/// error naming the value (the caller says which option or parameter it was).
pub fn known_at(text: &str) -> Result<jiff::Timestamp, String> {
    let refused = || {
        format!(
            "{text:?} is not a moment: give RFC 3339 (2022-04-01T12:00:00Z, or \
             2022-04-01T12:00:00 meaning UTC) or a date (2022-04-01, the end of that day UTC)"
        )
    };
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    // A space may stand for the `T` between date and time.
    let normalized = if bytes.len() > 10 && bytes[10] == b' ' && trimmed.is_char_boundary(11) {
        format!("{}T{}", &trimmed[..10], &trimmed[11..])
    } else {
        trimmed.to_owned()
    };
    let is_date = normalized.len() == 10 && normalized.as_bytes().get(4) == Some(&b'-');
    if is_date {
        let day: jiff::civil::Date = normalized.parse().map_err(|_| refused())?;
        let end = day
            .at(23, 59, 59, 999_999_999)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|_| refused())?;
        return Ok(end.timestamp());
    }
    if normalized.as_bytes().get(10) != Some(&b'T') || !normalized.is_char_boundary(11) {
        return Err(refused());
    }
    if let Ok(moment) = normalized.parse::<jiff::Timestamp>() {
        return Ok(moment);
    }
    // No zone: UTC. A zone that did not parse above is an error, not ignored.
    let time_part = &normalized[11..];
    if time_part.contains(['Z', 'z', '+', '-', '[']) {
        return Err(refused());
    }
    let civil: jiff::civil::DateTime = normalized.parse().map_err(|_| refused())?;
    let zoned = civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|_| refused())?;
    Ok(zoned.timestamp())
}

/// Why a date selector was refused.
#[derive(Debug)]
pub enum DateRefused {
    /// Looks like a milestone key but is none: the message names the milestones there are.
    Invalid(String),
    /// Not an EDTF date (and no milestone has this key).
    NotADate(amity_domain::DateError),
    /// The ledger could not be read.
    Ledger(amity_ledger::Error),
}

/// A date selector: an EDTF date, or the key of a recorded milestone (its date).
pub async fn date_or_milestone(ledger: &Ledger, text: &str) -> Result<EdtfDate, DateRefused> {
    let edtf_error = match text.parse::<EdtfDate>() {
        Ok(date) => return Ok(date),
        Err(error) => error,
    };
    let milestones = ledger.milestones().await.map_err(DateRefused::Ledger)?;
    if let Some(milestone) = milestones.iter().find(|m| m.key.as_str() == text) {
        return Ok(milestone.occurred.clone());
    }
    let known: Vec<&str> = milestones.iter().map(|m| m.key.as_str()).collect();
    if text.contains(|c: char| c.is_ascii_lowercase()) && !known.is_empty() {
        return Err(DateRefused::Invalid(format!(
            "{text:?} is neither an EDTF date nor a milestone key (milestones: {})",
            known.join(", ")
        )));
    }
    Err(DateRefused::NotADate(edtf_error))
}

#[cfg(test)]
mod tests {
    use super::known_at;

    fn moment(text: &str) -> String {
        known_at(text).unwrap().to_string()
    }

    #[test]
    fn known_at_takes_rfc3339_a_zoneless_time_as_utc_a_space_and_a_date() {
        assert_eq!(moment("2026-12-04T04:15:19Z"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04T04:15:19+02:00"), "2026-12-04T02:15:19Z");
        assert_eq!(moment("2026-12-04T04:15:19"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04 04:15:19"), "2026-12-04T04:15:19Z");
        assert_eq!(moment("2026-12-04 04:15:19.5Z"), "2026-12-04T04:15:19.5Z");
        assert_eq!(moment("2026-12-04"), "2026-12-04T23:59:59.999999999Z");
    }

    #[test]
    fn known_at_refuses_anything_else_naming_the_value() {
        for bad in [
            "yesterday",
            "2026-12",
            "2026-12-04T25:00:00",
            "2026-12-04X04:15:19",
            "2026-13-04",
            "2026-12-04T04:15:19 UTC",
            "2026-12-04\u{e9}\u{e9}",
            "2026-12-04 \u{e9}",
        ] {
            let error = known_at(bad).unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }
}

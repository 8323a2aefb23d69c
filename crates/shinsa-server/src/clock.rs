//! The regime's calendar as the server keeps it: days are Japan's.

/// The day screening is as of, and the day the review clocks count: today
/// in Japan (the first jurisdiction's calendar; a day boundary at 15:00
/// UTC).
pub fn today() -> shinsa_model::Date {
    time::OffsetDateTime::now_utc().to_offset(JAPAN).date()
}

/// Japan Standard Time (no daylight saving): the regime's days, and the
/// times the UI shows.
pub const JAPAN: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

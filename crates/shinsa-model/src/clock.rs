//! Statutory clocks: when a review period that starts on a day of receipt
//! ends, and how many days are left.
//!
//! The counting rules are configuration, not code, because the regime's
//! own rules are partly unverified (DOMAIN.md): by default the Civil Code's
//! (Arts. 140–143): the day of receipt is not counted, a period in months
//! ends on the day before the same date of the last month (or that month's
//! last day when it has no such date), and a period that would end on a day
//! the ministry is closed (weekends, public holidays, 29 December to
//! 3 January — the closed days are data) ends on the next open day.

use crate::Date;
use std::collections::BTreeSet;
use time::{Duration, Month, Weekday};

/// How a ministry counts a review period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRules {
    /// The review period, in days (ESPA: 30).
    pub review_days: u32,
    /// The longest the period may be extended to, in months (ESPA: 4).
    pub maximum_months: u32,
    /// Whether the day of receipt counts as the first day (Civil Code:
    /// no, unless the period starts at midnight).
    pub first_day_counts: bool,
    /// Whether a period ending on a closed day runs on to the next open day.
    pub closed_days_extend: bool,
    /// Weekdays the ministry is closed.
    pub closed_weekdays: Vec<Weekday>,
    /// Other days it is closed (public holidays, year-end days).
    pub closed_dates: BTreeSet<Date>,
}

impl ClockRules {
    /// The ESPA defaults with the given closed dates.
    pub fn espa(closed_dates: BTreeSet<Date>) -> Self {
        ClockRules {
            review_days: 30,
            maximum_months: 4,
            first_day_counts: false,
            closed_days_extend: true,
            closed_weekdays: vec![Weekday::Saturday, Weekday::Sunday],
            closed_dates,
        }
    }

    pub fn is_closed(&self, day: Date) -> bool {
        self.closed_weekdays.contains(&day.weekday()) || self.closed_dates.contains(&day)
    }

    /// The first open day on or after `day`.
    fn open_on_or_after(&self, mut day: Date) -> Date {
        // A year has at most a few dozen closed days; the bound only stops a
        // configuration that closes every weekday from looping for ever.
        for _ in 0..366 {
            if !self.is_closed(day) {
                return day;
            }
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    fn settle(&self, last: Date) -> Date {
        if self.closed_days_extend {
            self.open_on_or_after(last)
        } else {
            last
        }
    }

    /// The last day of a period of `days` days from `receipt`.
    pub fn due_after_days(&self, receipt: Date, days: u32) -> Date {
        let counted = if self.first_day_counts {
            i64::from(days) - 1
        } else {
            i64::from(days)
        };
        let last = receipt
            .checked_add(Duration::days(counted.max(0)))
            .unwrap_or(Date::MAX);
        self.settle(last)
    }

    /// The last day of a period of `months` months from `receipt`.
    pub fn due_after_months(&self, receipt: Date, months: u32) -> Date {
        let start = if self.first_day_counts {
            receipt
        } else {
            receipt.next_day().unwrap_or(receipt)
        };
        let total = i64::from(start.month() as u8) - 1 + i64::from(months);
        let year = start.year() + (total / 12) as i32;
        let month = Month::try_from((total % 12 + 1) as u8).unwrap_or(Month::December);
        let last = match Date::from_calendar_date(year, month, start.day()) {
            // The day before the same date of the last month.
            Ok(same) => same.previous_day().unwrap_or(same),
            // No such date (31 January + 1 month): that month's last day.
            Err(_) => last_day_of(year, month),
        };
        self.settle(last)
    }

    /// The review's last day, as filed (the standard period).
    pub fn review_due(&self, receipt: Date) -> Date {
        self.due_after_days(receipt, self.review_days)
    }

    /// The latest the review may be extended to.
    pub fn latest_extension(&self, receipt: Date) -> Date {
        self.due_after_months(receipt, self.maximum_months)
    }
}

fn last_day_of(year: i32, month: Month) -> Date {
    let next = match month {
        Month::December => Date::from_calendar_date(year + 1, Month::January, 1),
        _ => Date::from_calendar_date(year, month.next(), 1),
    };
    next.ok().and_then(Date::previous_day).unwrap_or(Date::MIN)
}

/// Days from `today` to `due` (0 on the day itself, negative when overdue).
pub fn days_left(due: Date, today: Date) -> i64 {
    (due - today).whole_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_date;

    fn day(text: &str) -> Date {
        parse_date(text).unwrap_or(Date::MIN)
    }

    /// The Japanese public holidays of 2026 the tests need, and the
    /// year-end closure (the bundled table has them all).
    fn rules() -> ClockRules {
        let closed = [
            "2025-12-29",
            "2025-12-30",
            "2025-12-31",
            "2026-01-01",
            "2026-01-02",
            "2026-01-03",
            "2026-01-12",
            "2026-02-11",
            "2026-02-23",
            "2026-03-20",
            "2026-04-29",
            "2026-05-04",
            "2026-05-05",
            "2026-05-06",
            "2026-09-21",
            "2026-09-22",
            "2026-09-23",
        ];
        ClockRules::espa(closed.iter().map(|text| day(text)).collect())
    }

    #[test]
    fn thirty_days_from_receipt_skip_the_first_day() {
        // Received Wednesday 2026-03-04: day 1 is 03-05, day 30 is Friday 04-03.
        assert_eq!(rules().review_due(day("2026-03-04")), day("2026-04-03"));
        let counted_from_receipt = ClockRules {
            first_day_counts: true,
            ..rules()
        };
        assert_eq!(
            counted_from_receipt.review_due(day("2026-03-04")),
            day("2026-04-02")
        );
    }

    #[test]
    fn a_period_ending_on_a_weekend_or_holiday_runs_to_the_next_open_day() {
        // 2026-01-30 + 30 = Sunday 03-01 → Monday 03-02.
        assert_eq!(rules().review_due(day("2026-01-30")), day("2026-03-02"));
        // 2026-04-04 + 30 = Monday 05-04 (Greenery Day), then 05-05, 05-06
        // (substitute holiday) → Thursday 05-07.
        assert_eq!(rules().review_due(day("2026-04-04")), day("2026-05-07"));
        // 2026-08-22 + 30 = Monday 09-21, the silver week → Thursday 09-24.
        assert_eq!(rules().review_due(day("2026-08-22")), day("2026-09-24"));
        // Across the year end: 2025-11-29 + 30 = Monday 12-29 → 2026-01-05.
        assert_eq!(rules().review_due(day("2025-11-29")), day("2026-01-05"));
        let strict = ClockRules {
            closed_days_extend: false,
            ..rules()
        };
        assert_eq!(strict.review_due(day("2026-04-04")), day("2026-05-04"));
    }

    #[test]
    fn months_end_the_day_before_the_same_date_or_on_the_last_day() {
        // From 2026-01-15: counting starts 01-16, four months end 05-15.
        assert_eq!(
            rules().latest_extension(day("2026-01-15")),
            day("2026-05-15")
        );
        // From 2026-10-30: starts 10-31; 2027-02-31 does not exist → 02-28
        // (a Sunday) → Monday 2027-03-01.
        assert_eq!(
            rules().due_after_months(day("2026-10-30"), 4),
            day("2027-03-01")
        );
        // From 2026-01-30, one month: starts 01-31, no 02-31 → 02-28,
        // a Saturday → Monday 03-02.
        assert_eq!(
            rules().due_after_months(day("2026-01-30"), 1),
            day("2026-03-02")
        );
        // Across a year: 2026-11-10 + 4 months → 2027-03-10 (Wednesday).
        assert_eq!(
            rules().due_after_months(day("2026-11-10"), 4),
            day("2027-03-10")
        );
    }

    #[test]
    fn days_left_count_down_to_zero_then_overdue() {
        let due = day("2026-04-03");
        assert_eq!(days_left(due, day("2026-03-31")), 3);
        assert_eq!(days_left(due, due), 0);
        assert_eq!(days_left(due, day("2026-04-06")), -3);
    }
}

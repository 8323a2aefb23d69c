//! The days a ministry is closed, for its statutory clocks
//! (`shinsa_model::clock`): `date,name,kind,source,verified` rows, bundled
//! for Japan as `data/jp_closed_days.csv` (public holidays and the
//! 29 December – 3 January closure), replaceable by a file of the same
//! layout.

use crate::{InputError, InputErrors, Location};
use shinsa_model::Date;
use std::collections::BTreeSet;

const BUNDLED: &str = include_str!("../../../data/jp_closed_days.csv");

/// The bundled Japanese closed days.
pub fn bundled_closed_days() -> Result<BTreeSet<Date>, InputErrors> {
    read_closed_days("data/jp_closed_days.csv", BUNDLED.as_bytes())
}

/// Reads a closed-days table; every bad row is reported with its line.
pub fn read_closed_days(file: &str, bytes: &[u8]) -> Result<BTreeSet<Date>, InputErrors> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let mut errors = Vec::new();
    let date_column = match reader.headers() {
        Ok(headers) => headers.iter().position(|name| name.trim() == "date"),
        Err(error) => {
            return Err(InputErrors::one(InputError::new(
                Location::File {
                    file: file.to_owned(),
                },
                "(header)",
                "a CSV header with a `date` column",
                error.to_string(),
            )));
        }
    };
    let Some(date_column) = date_column else {
        return Err(InputErrors::one(InputError::new(
            Location::Text {
                file: file.to_owned(),
                line: 1,
                column: 1,
            },
            "date",
            "a `date` column",
            "no such column",
        )));
    };
    let mut days = BTreeSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let at = |column: usize| Location::Text {
            file: file.to_owned(),
            line,
            column,
        };
        match record {
            Ok(record) => {
                let text = record.get(date_column).unwrap_or_default();
                match shinsa_model::parse_date(text) {
                    Ok(day) => {
                        days.insert(day);
                    }
                    Err(_) => errors.push(InputError::new(
                        at(date_column + 1),
                        "date",
                        "a date as YYYY-MM-DD",
                        format!("{text:?}"),
                    )),
                }
            }
            Err(error) => errors.push(InputError::new(
                at(1),
                "(row)",
                "a CSV row",
                error.to_string(),
            )),
        }
    }
    match InputErrors::from_vec(errors) {
        Some(errors) => Err(errors),
        None => Ok(days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_reads_and_a_bad_date_names_its_line() {
        let days = bundled_closed_days().unwrap_or_default();
        let day = |text| shinsa_model::parse_date(text).unwrap_or(Date::MIN);
        assert!(
            days.contains(&day("2026-05-06")),
            "the 2026 substitute holiday"
        );
        assert!(days.contains(&day("2026-12-31")), "the year-end closure");
        assert!(!days.contains(&day("2026-05-07")));
        assert!(days.len() >= 60, "{}", days.len());
        let bad =
            read_closed_days("days.csv", b"date,name\n2026-01-01,a\n2026-02-30,b\n").unwrap_err();
        assert_eq!(bad.to_string().matches("days.csv:3:1").count(), 1, "{bad}");
    }
}

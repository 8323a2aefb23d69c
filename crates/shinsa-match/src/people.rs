//! People screened as people: the officers and major holders an
//! installation plan names, against the persons every loaded list names
//! (the MOF asset-freeze list, OFAC, the UN list…), in whichever script
//! either side writes the name.
//!
//! A name alone finds namesakes. What the list says of a person decides:
//! a date of birth that differs from the plan's (the list's day, month or
//! year is not the officer's) rules the entry out, and so does a
//! nationality the list does not give, unless the date of birth agrees.
//! Both are said in the evidence either way.

use crate::{Matcher, TargetRef};
use shinsa_model::{CountryCode, Date, ListedParty, PartyKind, ReferenceData};

/// A person as a plan names one.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub name: &'a str,
    pub born: Option<Date>,
    pub nationality: Option<CountryCode>,
}

/// A listed person a plan's person is taken to be.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonHit {
    /// `list/id`.
    pub entry: String,
    pub list: String,
    /// The list's primary name for the person.
    pub listed_name: String,
    /// The name of the list's that matched.
    pub matched: String,
    pub score: f64,
    pub why: Vec<String>,
}

/// How a detail of the plan compares with the list's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Same,
    Differs,
    Unknown,
}

/// The listed persons `person` may be, best first; namesakes ruled out by
/// date of birth or nationality are left out.
pub fn match_person(
    matcher: &Matcher,
    reference: &ReferenceData,
    person: &Person<'_>,
    threshold: f64,
) -> Vec<PersonHit> {
    let mut hits = Vec::new();
    for found in matcher.find(person.name, threshold) {
        let TargetRef::Entry(key) = &found.target else {
            continue; // the identity table holds companies
        };
        let Some((list, party)) = listed(reference, key) else {
            continue; // a bundled entry: a company
        };
        if !matches!(party.kind, PartyKind::Person | PartyKind::Unknown) {
            continue;
        }
        let mut why = found.why.clone();
        let born = birth_agreement(person.born, &party.birth_dates);
        match (person.born, born) {
            (Some(day), Agreement::Same) => why.push(format!(
                "date of birth {day} as listed ({})",
                party.birth_dates.join(", ")
            )),
            (Some(day), Agreement::Differs) => why.push(format!(
                "date of birth {day}; listed {}",
                party.birth_dates.join(", ")
            )),
            (Some(day), Agreement::Unknown) => {
                why.push(format!("date of birth {day}; the list gives none"));
            }
            (None, _) => why.push("the plan gives no date of birth".to_owned()),
        }
        let nationality = nationality_agreement(person.nationality, &party.countries);
        let listed_countries: Vec<&str> = party.countries.iter().map(CountryCode::as_str).collect();
        match (person.nationality, nationality) {
            (Some(country), Agreement::Same) => why.push(format!(
                "nationality {country} among the list's countries ({})",
                listed_countries.join(", ")
            )),
            (Some(country), Agreement::Differs) => why.push(format!(
                "nationality {country}; the list gives {}",
                listed_countries.join(", ")
            )),
            (Some(country), Agreement::Unknown) => {
                why.push(format!("nationality {country}; the list gives none"));
            }
            (None, _) => why.push("the plan gives no nationality".to_owned()),
        }
        let namesake = born == Agreement::Differs
            || (nationality == Agreement::Differs && born != Agreement::Same);
        if namesake {
            continue;
        }
        hits.push(PersonHit {
            entry: key.clone(),
            list: list.to_owned(),
            listed_name: party.name().to_owned(),
            matched: found.matched.clone(),
            score: found.score,
            why,
        });
    }
    hits
}

fn listed<'a>(reference: &'a ReferenceData, key: &str) -> Option<(&'a str, &'a ListedParty)> {
    let (list, id) = key.split_once('/')?;
    reference
        .listed
        .iter()
        .find(|(name, party)| name == list && party.id == id)
        .map(|(name, party)| (name.as_str(), party))
}

/// A listed date is `YYYY-MM-DD`, `YYYY-MM` or `YYYY`: it agrees with a
/// day that begins with it.
fn birth_agreement(born: Option<Date>, listed: &[String]) -> Agreement {
    let Some(born) = born else {
        return Agreement::Unknown;
    };
    if listed.is_empty() {
        return Agreement::Unknown;
    }
    let day = born.to_string();
    if listed.iter().any(|date| day.starts_with(date.as_str())) {
        Agreement::Same
    } else {
        Agreement::Differs
    }
}

fn nationality_agreement(nationality: Option<CountryCode>, listed: &[CountryCode]) -> Agreement {
    match nationality {
        None => Agreement::Unknown,
        Some(_) if listed.is_empty() => Agreement::Unknown,
        Some(country) if listed.contains(&country) => Agreement::Same,
        Some(_) => Agreement::Differs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(names: &[&str], born: &[&str], countries: &[&str]) -> ListedParty {
        let mut party = ListedParty::new(
            "1".into(),
            PartyKind::Person,
            names.iter().map(|n| (*n).to_owned()).collect(),
        );
        party.countries = countries
            .iter()
            .filter_map(|c| CountryCode::parse(c).ok())
            .collect();
        party.birth_dates = born.iter().map(|d| (*d).to_owned()).collect();
        party
    }

    fn day(text: &str) -> Option<Date> {
        shinsa_model::parse_date(text).ok()
    }

    #[test]
    fn the_date_of_birth_tells_namesakes_apart() {
        let mut reference = ReferenceData::default();
        reference.listed.push((
            "l".into(),
            party(&["Ivanov Sergei Petrovich"], &["1961-03-07"], &["RU"]),
        ));
        let matcher = Matcher::new(&reference);
        let screen = |born: &str, nationality: &str| {
            match_person(
                &matcher,
                &reference,
                &Person {
                    name: "イワノフ・セルゲイ・ペトロヴィチ",
                    born: day(born),
                    nationality: CountryCode::parse(nationality).ok(),
                },
                crate::DEFAULT_THRESHOLD,
            )
        };
        let same = screen("1961-03-07", "RU");
        assert_eq!(same.len(), 1, "{same:?}");
        assert!(
            same[0]
                .why
                .iter()
                .any(|w| w.contains("as listed (1961-03-07)"))
        );
        assert!(screen("1975-11-02", "RU").is_empty(), "another person");
        assert!(screen("", "JP").is_empty(), "another nationality, no date");
        assert_eq!(screen("1961-03-07", "JP").len(), 1, "the date decides");
    }

    #[test]
    fn a_year_or_month_on_the_list_agrees_with_a_day_in_it() {
        let listed = vec!["1970".to_owned(), "1971-05".to_owned()];
        assert_eq!(birth_agreement(day("1970-02-01"), &listed), Agreement::Same);
        assert_eq!(birth_agreement(day("1971-05-30"), &listed), Agreement::Same);
        assert_eq!(
            birth_agreement(day("1971-06-01"), &listed),
            Agreement::Differs
        );
        assert_eq!(birth_agreement(day("1971-06-01"), &[]), Agreement::Unknown);
    }
}

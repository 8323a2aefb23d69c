//! The screening frozen with a plan: what the engine found in the plan when
//! it was filed or amended, kept in the plan's history with the list and
//! pack versions behind it, so that the ministry reads what the operator
//! saw, and a later list can be compared against it.

use crate::{Finding, Provenance};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A person a plan names whom a list names: an officer or holder, the
/// listed person, and why the two are taken to be one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFinding {
    /// RFC 6901 pointer to the person in the plan.
    pub pointer: String,
    /// `officer` or `holder`.
    pub role: String,
    pub supplier: String,
    /// The name as the plan writes it.
    pub name: String,
    /// `list/id`.
    pub entry: String,
    pub list: String,
    pub listed_name: String,
    /// The list's name that matched.
    pub matched: String,
    pub score: f64,
    pub explanation: Vec<String>,
}

/// The frozen screening of a plan at one step of its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken (RFC 3339, UTC).
    pub taken_at: String,
    /// The day it screened as of.
    pub as_of: String,
    pub provenance: Provenance,
    /// Each finding without its own provenance (the snapshot's).
    pub findings: Vec<Finding>,
    /// What the engine warned of (a pack out of force, a list missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Officers and holders a list names: personal data, left out for
    /// those who may not see it (who get [`Self::people_withheld`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<PersonFinding>>,
    /// How many person findings were left out for this reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people_withheld: Option<usize>,
}

impl Snapshot {
    /// The ids of its findings (`rule@kind:id`).
    pub fn finding_ids(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .map(|finding| finding.id.as_str())
            .collect()
    }

    /// The findings of `self` that `earlier` did not have.
    pub fn added_since<'a>(&'a self, earlier: Option<&Snapshot>) -> Vec<&'a Finding> {
        let known = earlier.map(Snapshot::finding_ids).unwrap_or_default();
        self.findings
            .iter()
            .filter(|finding| !known.contains(finding.id.as_str()))
            .collect()
    }

    /// The snapshot as a reader who may not see personal data reads it:
    /// the person findings counted, not shown.
    pub fn without_personal_data(mut self) -> Self {
        if let Some(people) = self.people.take() {
            self.people_withheld = Some(people.len());
        }
        self
    }
}

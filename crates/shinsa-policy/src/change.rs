//! What a pack change does: which rules it adds, removes or changes, and
//! which findings it makes appear or disappear on a register.

use crate::pack::Pack;
use serde::Serialize;
use shinsa_model::{Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// Rules compared by `@id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackDiff {
    pub old: String,
    pub new: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Rules whose Cedar text or annotations differ.
    pub changed: Vec<String>,
    /// Whether the schemas differ.
    pub schema_changed: bool,
}

impl PackDiff {
    /// Whether the packs decide alike (same rules, same schema).
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && !self.schema_changed
    }
}

/// Compares two packs rule by rule.
pub fn diff(old: &Pack, new: &Pack) -> PackDiff {
    let texts = |pack: &Pack| -> BTreeMap<String, String> {
        pack.rule_texts()
            .into_iter()
            .map(|(id, text)| (id.to_owned(), text))
            .collect()
    };
    let (before, after) = (texts(old), texts(new));
    let ids: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut result = PackDiff {
        old: old.version_label(),
        new: new.version_label(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        schema_changed: old.schema_text != new.schema_text,
    };
    for id in ids {
        match (before.get(id), after.get(id)) {
            (None, Some(_)) => result.added.push(id.clone()),
            (Some(_), None) => result.removed.push(id.clone()),
            (Some(a), Some(b)) if a != b => result.changed.push(id.clone()),
            _ => {}
        }
    }
    result
}

/// A finding as impact analysis compares it: the rule, the subject and the
/// severity (evidence and provenance change with every run).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingKey {
    pub rule: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_name: String,
    pub severity: Severity,
}

impl From<&Finding> for FindingKey {
    fn from(finding: &Finding) -> Self {
        Self {
            rule: finding.rule.id.clone(),
            subject_kind: finding.subject.kind.as_str().to_owned(),
            subject_id: finding.subject.id.clone(),
            subject_name: finding.subject_name.clone(),
            severity: finding.severity,
        }
    }
}

/// Findings a pack change adds and removes on one register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The register, as the user named it.
    pub register: String,
    pub appear: Vec<FindingKey>,
    pub disappear: Vec<FindingKey>,
    /// Findings both packs make.
    pub unchanged: usize,
}

/// Compares the findings of the baseline and the new pack on one register.
pub fn impact(register: &str, baseline: &[Finding], new: &[Finding]) -> Impact {
    let before: BTreeSet<FindingKey> = baseline.iter().map(FindingKey::from).collect();
    let after: BTreeSet<FindingKey> = new.iter().map(FindingKey::from).collect();
    Impact {
        register: register.to_owned(),
        appear: after.difference(&before).cloned().collect(),
        disappear: before.difference(&after).cloned().collect(),
        unchanged: before.intersection(&after).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_compared_with_itself_has_no_difference() {
        let Ok(pack) = Pack::default_pack() else {
            unreachable!("the default pack loads")
        };
        assert!(diff(&pack, &pack).is_empty());
    }
}

//! `policy explain`: for one subject, every rule of the pack, whether it
//! applies to the subject's kind, whether it fired, and why.

use crate::entities::SubjectRef;
use crate::evaluate::{EntityStores, ScreenError, ask, context, request, screen};
use crate::pack::Pack;
use cedar_policy::{Authorizer, Decision, Policy, PolicyId, PolicySet, ResourceConstraint};
use serde::Serialize;
use shinsa_match::ResolvedRegister;
use shinsa_model::{Provenance, ReferenceData, Severity, Subject};

/// One rule as it met the subject.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// Whether the rule is written for this kind of subject.
    pub applies: bool,
    pub fired: bool,
    /// The finding's explanation when it fired; otherwise why not.
    pub reason: String,
    /// The rule as Cedar prints it.
    pub policy: String,
}

/// Every rule of a pack against one subject.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub subject: Subject,
    /// The subject as the rules see it: Cedar's entity, attributes and parents.
    pub entity: serde_json::Value,
    pub rules: Vec<RuleOutcome>,
}

/// Explains the pack's decision on `subject`; `None` when the register has
/// no such subject.
pub(crate) fn explain(
    register: &ResolvedRegister,
    reference: &ReferenceData,
    pack: &Pack,
    provenance: &Provenance,
    subject: &Subject,
) -> Result<Option<Explanation>, ScreenError> {
    let Some(found) = SubjectRef::all(register).into_iter().find(|candidate| {
        candidate.kind() == subject.kind
            && candidate.id() == subject.id
            && pack.declares(candidate.entity_type())
    }) else {
        return Ok(None);
    };
    let kind = found.entity_type();
    let mut stores = EntityStores::new(register, reference, pack)?;
    let store = stores.with(&[found])?;
    let mut uids = stores.uids;
    let resource = uids.uid(kind, &subject.id).map_err(ScreenError::Entities)?;
    let Some(entity) = store.get(&resource) else {
        return Ok(None);
    };
    let entity_json = entity
        .to_json_value()
        .map_err(|error| ScreenError::Entities(error.to_string()))?;
    let principal = uids
        .uid("Operator", &register.operator.id)
        .map_err(ScreenError::Entities)?;
    let findings = screen(register, reference, pack, provenance)?;
    let context = context(register.as_of)?;
    let base = Policy::parse(
        Some(PolicyId::new("explain-base")),
        "permit (principal, action, resource);",
    )
    .map_err(|error| ScreenError::Request(error.to_string()))?;
    let authorizer = Authorizer::new();
    let mut rules = Vec::new();
    for rule in pack.rules() {
        let Some(policy) = pack
            .rules
            .iter()
            .find(|(_, r)| r.id == rule.id)
            .and_then(|(id, _)| pack.policies.policy(id))
        else {
            continue;
        };
        let applies = match policy.resource_constraint() {
            ResourceConstraint::Is(name) | ResourceConstraint::IsIn(name, _) => {
                name.basename() == kind
            }
            _ => true,
        };
        let finding = findings
            .iter()
            .find(|f| f.rule.id == rule.id && f.subject == *subject);
        let reason = match (&finding, applies) {
            (Some(finding), _) => finding.explanation.clone(),
            (None, false) => format!("written for another kind of subject, not {kind}"),
            (None, true) => {
                // Ask Cedar about this rule alone, to tell "condition not
                // met" from "could not be evaluated".
                let single = PolicySet::from_policies([base.clone(), policy.clone()])
                    .map_err(|error| ScreenError::Request(error.to_string()))?;
                let request = request(&mut uids, &principal, rule.severity, &resource, &context)?;
                let (response, errors) = ask(&authorizer, &request, &single, &store);
                if !errors.is_empty() {
                    format!("could not be evaluated: {}", errors.join("; "))
                } else if response.decision() == Decision::Deny {
                    "its condition holds, but the finding was not kept (a defect in shinsa)"
                        .to_owned()
                } else {
                    "its condition is false for this subject (see the entity's attributes and parents)".to_owned()
                }
            }
        };
        rules.push(RuleOutcome {
            id: rule.id.clone(),
            severity: rule.severity,
            title: rule.title.to_string(),
            applies,
            fired: finding.is_some(),
            reason,
            policy: policy.to_string(),
        });
    }
    Ok(Some(Explanation {
        subject: subject.clone(),
        entity: entity_json,
        rules,
    }))
}

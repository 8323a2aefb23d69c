//! Who may see and do what: every rule of the server's access policy.
//!
//! Handlers, pages, documents, mail and webhook recipients and background
//! jobs ask this module; nothing else decides. The store filters by what it
//! is told here (a [`Tenant`], a [`PlanReach`], the roles a notice is mailed
//! to) and holds no rule of its own; PostgreSQL's row-level security is the
//! second barrier underneath, and the access matrix test
//! (`tests/access.txt`, every API operation and UI form × ten callers) is
//! the judge.
//!
//! The rules, in words:
//! - **Organisations.** An operator sees its own organisation's data; a
//!   regulator body the operators of the sectors it oversees (and itself);
//!   the server (jobs, the CLI's administration) everything. Another
//!   tenant's object is "not found", exactly like a missing one.
//! - **Roles.** Operator admins and members write their register, triage
//!   their findings and draft, amend and file plans; regulator reviewers
//!   and admins decide on plans and open and close cases for their sectors;
//!   auditors read; regulator admins publish packs for the sectors they
//!   oversee; the platform admin publishes lists (they apply everywhere)
//!   and packs for any sector. Only admins manage accounts and webhooks,
//!   read deliveries and jobs (auditors too), and send a delivery again.
//! - **Plans.** A draft is its operator's alone: a regulator sees a plan
//!   once it is filed, and its history from the filing on. The review's
//!   state machine (`shinsa_model::review`) says which step each side may
//!   take in each state; [`side_of`] says which side a caller acts for.
//! - **Personal data.** Officers' dates of birth and nationalities, and
//!   the people of a plan a list names, are shown to the filing operator's
//!   writers and the sector's reviewers only; an auditor reads plans
//!   without them.
//! - **Cases.** Only a ministry's reviewers open and close a case, only
//!   against an operator of its sectors; both sides add documents.
//! - **Notices.** A change to an operator's plan or case is mailed to its
//!   operator-admins; one the operator made is mailed to the reviewers of
//!   the ministries overseeing its sector; findings that change because a
//!   list or pack was published are mailed to the operator-admins (the
//!   operator's own uploads are not mailed back to it).
//! - **Accounts.** A role fits a kind of organisation (operator roles in
//!   operators, regulator roles in regulators, auditors in either); the
//!   platform admin is made only from the command line; an administrator
//!   never disables or demotes themself.

use crate::error::{Error, Result};
use shinsa_model::review::Side;
use shinsa_store::{Audience, OrgKind, Organisation, PlanReach, Principal, Role, Tenant};

/// Roles that change an operator's register, findings and plans.
pub const OPERATOR_WRITERS: &[Role] = &[Role::OperatorAdmin, Role::OperatorMember];
/// Roles that decide on plans and cases for a ministry.
pub const REVIEWERS: &[Role] = &[Role::RegulatorReviewer, Role::RegulatorAdmin];
/// Roles that may read their organisation's audit chains.
pub const AUDIT_READERS: &[Role] = &[Role::Auditor, Role::RegulatorAdmin, Role::OperatorAdmin];
/// Roles that re-walk the audit chains they may read.
pub const AUDIT_VERIFIERS: &[Role] = &[Role::RegulatorAdmin, Role::Auditor];
/// Roles that manage their organisation's accounts, webhook and tokens.
pub const ADMINS: &[Role] = &[Role::OperatorAdmin, Role::RegulatorAdmin];
/// Roles that read their organisation's deliveries and jobs.
pub const DELIVERY_READERS: &[Role] = &[Role::OperatorAdmin, Role::RegulatorAdmin, Role::Auditor];
/// Roles that publish packs (a regulator admin for its sectors only).
pub const PACK_PUBLISHERS: &[Role] = &[Role::RegulatorAdmin, Role::PlatformAdmin];
/// The role that publishes lists, which apply to every sector.
pub const LIST_PUBLISHERS: &[Role] = &[Role::PlatformAdmin];

/// Refuses unless `principal` has one of `roles`; `doing` says what for.
pub fn require(principal: &Principal, roles: &[Role], doing: &str) -> Result<()> {
    if roles.contains(&principal.user.role) {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "{doing} needs the role {}; you are {}",
        roles
            .iter()
            .map(|role| role.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        principal.user.role.as_str()
    )))
}

/// Whether `principal` has one of `roles` (for what a page offers).
pub fn has(principal: &Principal, roles: &[Role]) -> bool {
    roles.contains(&principal.user.role)
}

/// Whose data `principal` reaches: its operator, or the sectors its
/// ministry oversees.
pub fn tenant(principal: &Principal) -> Tenant {
    tenant_of(&principal.org)
}

/// Whose data the people of `org` reach.
pub fn tenant_of(org: &Organisation) -> Tenant {
    match org.kind {
        OrgKind::Operator => Tenant::Operator {
            org: org.id.clone(),
        },
        OrgKind::Regulator => Tenant::Regulator {
            org: org.id.clone(),
            sectors: org.sectors.clone(),
        },
    }
}

/// How much of the plans in its reach `principal` reads: an operator its
/// drafts and whole history; a regulator filed plans, from the filing on.
pub fn plan_reach(principal: &Principal) -> PlanReach {
    match principal.org.kind {
        OrgKind::Operator => PlanReach::WHOLE,
        OrgKind::Regulator => PlanReach::FILED,
    }
}

/// The side `principal` acts for in a plan's review, if any.
pub fn side_of(principal: &Principal) -> Option<Side> {
    if has(principal, OPERATOR_WRITERS) {
        Some(Side::Operator)
    } else if has(principal, REVIEWERS) {
        Some(Side::Reviewer)
    } else {
        None
    }
}

/// Whether `principal` may see personal data of the plans it can read
/// (officers' dates of birth and nationalities, people a list names).
pub fn sees_personal_data(principal: &Principal) -> bool {
    has(principal, OPERATOR_WRITERS) || has(principal, REVIEWERS)
}

/// The roles of the audience's organisations that a notice is mailed to.
pub fn mailed(audience: Audience) -> &'static [Role] {
    match audience {
        Audience::Operator => &[Role::OperatorAdmin],
        Audience::Regulators => &[Role::RegulatorReviewer],
    }
}

/// The roles mailed when a run changes an operator's findings: its admins
/// when the change came from outside (a list or pack publication), nobody
/// for the operator's own upload or re-screening.
pub fn mailed_of_findings_change(reason: &str) -> &'static [Role] {
    if matches!(reason, "upload" | "manual") {
        &[]
    } else {
        mailed(Audience::Operator)
    }
}

/// The sector of `operator` under which `principal`'s ministry may open a
/// case against it: one the ministry oversees (otherwise the operator is
/// "not found", like one of another ministry).
pub fn case_sector(principal: &Principal, operator: &Organisation) -> Result<String> {
    require(principal, REVIEWERS, "opening a case")?;
    let oversees = &principal.org.sectors;
    operator
        .sectors
        .iter()
        .find(|sector| operator.kind == OrgKind::Operator && oversees.contains(sector))
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("no operator {}", operator.id)))
}

/// Whether `role` belongs in an organisation of `kind`.
pub fn role_fits(role: Role, kind: OrgKind) -> bool {
    match role {
        Role::OperatorAdmin | Role::OperatorMember => kind == OrgKind::Operator,
        Role::RegulatorReviewer | Role::RegulatorAdmin | Role::PlatformAdmin => {
            kind == OrgKind::Regulator
        }
        Role::Auditor => true,
    }
}

/// The roles an organisation's administrator may give its users (the
/// platform admin is made from the command line only).
pub fn assignable_roles(kind: OrgKind) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| role_fits(*role, kind) && *role != Role::PlatformAdmin)
        .collect()
}

/// Refuses a role that does not fit an organisation of `kind`.
pub fn check_role_fits(role: Role, kind: OrgKind) -> Result<()> {
    if role_fits(role, kind) {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "{} is not a role in a {} organisation",
            role.as_str(),
            kind.as_str()
        )))
    }
}

/// Whether a regulator admin's ministry oversees every sector a pack is
/// for; the sectors beyond it otherwise (a pack naming none is for every
/// sector). The platform admin publishes for any sector.
pub fn pack_sectors_beyond(principal: &Principal, sectors: Option<&[String]>) -> Vec<String> {
    if principal.user.role == Role::PlatformAdmin {
        return Vec::new();
    }
    let oversees = &principal.org.sectors;
    match sectors {
        None => vec!["every sector (pack.toml names no sectors)".into()],
        Some(sectors) => sectors
            .iter()
            .filter(|sector| !oversees.contains(sector))
            .cloned()
            .collect(),
    }
}

/// Whether `principal` may revoke a token of another user of its
/// organisation (its own it may always revoke).
pub fn may_revoke_others_tokens(principal: &Principal) -> bool {
    has(principal, ADMINS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_fit_their_kind_of_organisation() {
        assert!(role_fits(Role::OperatorMember, OrgKind::Operator));
        assert!(!role_fits(Role::OperatorMember, OrgKind::Regulator));
        assert!(!role_fits(Role::RegulatorReviewer, OrgKind::Operator));
        assert!(role_fits(Role::Auditor, OrgKind::Regulator));
        assert!(!assignable_roles(OrgKind::Regulator).contains(&Role::PlatformAdmin));
    }

    #[test]
    fn only_publications_mail_a_findings_change() {
        assert!(mailed_of_findings_change("upload").is_empty());
        assert!(mailed_of_findings_change("manual").is_empty());
        assert_eq!(
            mailed_of_findings_change("list ofac-sdn@2026-01-01"),
            &[Role::OperatorAdmin]
        );
    }
}

//! Screening: every asset, contract and data flow is asked three questions
//! (may it be procured; without review; without notice) and every forbid
//! that answers "no" becomes a finding with the evidence its rule names.

use crate::entities::{self, SubjectRef, Uids};
use crate::pack::{Pack, PolicyReads, Rule, action_for};
use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, Request};
use shinsa_match::exposure::{Exposure, Placement};
use shinsa_match::{
    Listing, ListingVia, OwnerPath, ResolvedAsset, ResolvedConnection, ResolvedContract,
    ResolvedDataFlow, ResolvedDevice, ResolvedParty, ResolvedRegister,
};
use shinsa_model::{
    CountryCode, Evidence, Finding, ListEntry, Provenance, ReferenceData, RuleRef, Severity,
    Subject, SubjectKind, clause,
};
use std::collections::{HashMap, HashSet};

/// Why screening could not run (a defect in a pack or in shinsa, never bad
/// register data, which the readers have refused already).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreenError {
    #[error("the entities built for the register do not fit the pack's schema: {0}")]
    Entities(String),
    #[error("a request does not fit the pack's schema: {0}")]
    Request(String),
    /// Never expected: screening fails rather than leave a subject unscreened.
    #[error("no decision was made for {0} (a defect in shinsa)")]
    Undecided(String),
}

/// The resolved facts a finding's evidence is drawn from, indexed by id.
struct EvidenceSource<'a> {
    register: &'a ResolvedRegister,
    reference: &'a ReferenceData,
    /// Contracts by id, for the links of a subcontract chain.
    contracts: HashMap<&'a str, &'a ResolvedContract>,
    entries: HashMap<String, &'a ListEntry>,
}

/// What produced a screening: the input, the lists (version and hash),
/// the pack, the software and the day. Every path that screens (the CLI,
/// the server's jobs) records the same.
pub(crate) fn provenance(
    input_sha256: &str,
    reference: &ReferenceData,
    advisories: Option<&shinsa_match::exposure::AdvisoryIndex>,
    pack: &Pack,
    day: shinsa_model::Date,
) -> Provenance {
    // Vulnerability data is versioned like the lists, under `vulns/ID`.
    let vulnerability_sets = advisories
        .into_iter()
        .flat_map(|index| index.sets())
        .map(|set| {
            (
                format!("vulns/{}", set.id),
                format!("{} sha256:{}", set.version, set.sha256),
            )
        });
    Provenance {
        input_sha256: input_sha256.to_owned(),
        lists: reference
            .lists
            .iter()
            .map(|list| {
                (
                    list.id.clone(),
                    format!("{} sha256:{}", list.version, list.sha256),
                )
            })
            .chain(vulnerability_sets)
            .collect(),
        policy: pack.version_label(),
        software: format!("shinsa {}", env!("CARGO_PKG_VERSION")),
        as_of: day.to_string(),
    }
}

/// Evaluates a resolved register with a pack: the engine's evaluation step
/// alone, for benchmarks and tests of evaluation (screening goes through
/// [`crate::Engine`]). Findings are ordered by severity (most serious
/// first), then subject, then rule.
pub fn screen(
    register: &ResolvedRegister,
    reference: &ReferenceData,
    pack: &Pack,
    provenance: &Provenance,
) -> Result<Vec<Finding>, ScreenError> {
    screen_with_progress(register, reference, pack, provenance, &mut |_, _| {})
}

/// [`screen`], calling `progress(done, total)` after each subject so that a
/// caller can show a progress bar on a large register.
pub(crate) fn screen_with_progress(
    register: &ResolvedRegister,
    reference: &ReferenceData,
    pack: &Pack,
    provenance: &Provenance,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Finding>, ScreenError> {
    let mut stores = EntityStores::new(register, reference, pack)?;
    let shared = std::sync::Arc::new(provenance.clone());
    let version_label: std::sync::Arc<str> = pack.version_label().into();
    let context = context(register.as_of)?;
    let principal = stores
        .uids
        .uid("Operator", &register.operator.id)
        .map_err(ScreenError::Entities)?;
    let authorizer = Authorizer::new();
    let source = EvidenceSource {
        register,
        reference,
        contracts: register
            .contracts
            .iter()
            .map(|c| (c.id.as_str(), c))
            .collect(),
        entries: reference.entries.iter().map(|e| (e.key(), e)).collect(),
    };
    // Per subject type, the questions worth asking: the action of each
    // severity and the policies that can deny it (none: no forbid can).
    let mut questions_by_type: Vec<(&'static str, Vec<(EntityUid, &cedar_policy::PolicySet)>)> =
        Vec::new();
    for entity_type in crate::pack::RESOURCE_TYPES {
        let mut questions = Vec::new();
        for severity in [Severity::Prohibited, Severity::Review, Severity::Notice] {
            if let Some(policies) = pack
                .by_request
                .get(&(action_for(severity).to_owned(), entity_type.to_owned()))
            {
                let action = stores
                    .uids
                    .uid("Action", action_for(severity))
                    .map_err(ScreenError::Entities)?;
                questions.push((action, policies));
            }
        }
        questions_by_type.push((entity_type, questions));
    }
    // Subjects of the types the pack declares (asked once per type, not
    // per subject).
    let declared: Vec<&str> = crate::pack::RESOURCE_TYPES
        .into_iter()
        .filter(|entity_type| pack.declares(entity_type))
        .collect();
    let subjects: Vec<SubjectRef<'_>> = SubjectRef::all(register)
        .into_iter()
        .filter(|subject| declared.contains(&subject.entity_type()))
        .collect();
    let total = subjects.len();
    // About one finding per subject in a register with many listed vendors:
    // reserved, since pages never written are never resident while each
    // doubling copies every finding.
    let mut findings = Vec::with_capacity(subjects.len());
    let mut decided: HashMap<DecisionKey<'_>, Vec<Verdict<'_>>> = HashMap::new();
    for (number, chunk) in subjects.chunks(SUBJECTS_PER_STORE).enumerate() {
        progress(number * SUBJECTS_PER_STORE, total);
        if decided.len() > DECISIONS_KEPT {
            decided.clear();
        }
        let keys: Vec<DecisionKey<'_>> = chunk
            .iter()
            .map(|&subject| DecisionKey::of(subject, &pack.reads))
            .collect();
        // The first subject of each new key is decided on a store of its
        // own chunk; the others of that key take its verdicts.
        let mut new_keys = HashSet::new();
        let undecided: Vec<(SubjectRef<'_>, &DecisionKey<'_>)> = chunk
            .iter()
            .zip(&keys)
            .filter(|&(_, key)| !decided.contains_key(key) && new_keys.insert(key))
            .map(|(&subject, key)| (subject, key))
            .collect();
        if !undecided.is_empty() {
            let to_store: Vec<SubjectRef<'_>> =
                undecided.iter().map(|&(subject, _)| subject).collect();
            let store = stores.with(&to_store)?;
            for (subject, key) in undecided {
                let resource = stores
                    .uids
                    .uid(subject.entity_type(), subject.id())
                    .map_err(ScreenError::Entities)?;
                let questions = questions_by_type
                    .iter()
                    .find(|(kind, _)| *kind == subject.entity_type())
                    .map(|(_, questions)| questions.as_slice())
                    .unwrap_or_default();
                let mut verdicts = Vec::new();
                for (action, policies) in questions {
                    let request = Request::new(
                        principal.clone(),
                        action.clone(),
                        resource.clone(),
                        context.clone(),
                        None,
                    )
                    .map_err(|error| ScreenError::Request(error.to_string()))?;
                    let (response, errors) = ask(&authorizer, &request, policies, &store);
                    if !errors.is_empty() {
                        verdicts.push(Verdict::Unevaluable(errors));
                    }
                    if response.decision() == Decision::Deny {
                        verdicts.extend(
                            response
                                .diagnostics()
                                .reason()
                                .filter_map(|policy| pack.rules.get(policy))
                                .map(Verdict::Denied),
                        );
                    }
                }
                decided.insert(key.clone(), verdicts);
            }
        }
        for (&subject, key) in chunk.iter().zip(&keys) {
            let (kind, id) = (subject.kind(), subject.id());
            let name = subject.name(register);
            let verdicts = decided
                .get(key)
                .ok_or_else(|| ScreenError::Undecided(format!("{} {id}", kind.as_str())))?;
            for verdict in verdicts {
                match verdict {
                    // Fail closed: a rule that cannot be evaluated is a review.
                    Verdict::Unevaluable(errors) => {
                        findings.push(evaluation_error(kind, id, name, pack, provenance, errors));
                    }
                    Verdict::Denied(rule) => {
                        let evidence = source.evidence(rule, subject);
                        findings.push(Finding {
                            id: format!("{}@{}:{id}", rule.id, kind.as_str()),
                            severity: rule.severity,
                            subject: Subject {
                                kind,
                                id: id.to_owned(),
                            },
                            subject_name: name.to_owned(),
                            rule: RuleRef {
                                id: rule.id.clone(),
                                legal_basis: rule.legal_basis.clone(),
                                policy_version: version_label.clone(),
                            },
                            title: rule.title.clone(),
                            title_ja: rule.title_ja.clone(),
                            explanation: explain(rule, name, &evidence),
                            evidence,
                            provenance: std::sync::Arc::clone(&shared),
                        });
                    }
                }
            }
        }
    }
    progress(total, total);
    Ok(in_report_order(findings))
}

/// How many distinct decisions a screening keeps for subjects still to
/// come; past it they are forgotten (and re-decided when met again), so a
/// register of a million different subjects does not keep a million.
const DECISIONS_KEPT: usize = 65_536;

/// What Cedar's decision on a subject depends on (see [`PolicyReads`]):
/// its type, the facts the pack's policies read and, only where a policy
/// names a subject literally, its id. Subjects with equal keys get equal
/// decisions, so each key is decided once: a register's thousands of
/// meters of one model from one vendor are one question, not thousands.
///
/// Attributes no policy reads are in the key by name (their presence), so
/// that a key already decided has a shape already checked against the
/// schema: a subject of a new shape is always built and checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DecisionKey<'a> {
    entity_type: &'static str,
    id: Option<&'a str>,
    facts: Vec<(&'static str, Option<entities::Fact<'a>>)>,
}

impl<'a> DecisionKey<'a> {
    fn of(subject: SubjectRef<'a>, reads: &PolicyReads) -> Self {
        let facts = entities::facts(subject)
            .into_iter()
            .map(|(name, fact)| (name, reads.attributes.contains(name).then_some(fact)))
            .collect();
        Self {
            entity_type: subject.entity_type(),
            id: reads.subject_literals.then(|| subject.id()),
            facts,
        }
    }
}

/// What a decision on a subject yields, in the order findings are written.
#[derive(Debug, Clone)]
enum Verdict<'p> {
    /// A question could not be answered: these evaluation errors.
    Unevaluable(Vec<String>),
    /// A forbid of this rule denied the subject.
    Denied(&'p Rule),
}

/// Findings ordered by severity (most serious first), then subject, then
/// rule. The order is worked out on indexes and each finding moved once:
/// sorting the findings themselves moved each a few hundred bytes at every
/// step.
fn in_report_order(findings: Vec<Finding>) -> Vec<Finding> {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| match (findings.get(a), findings.get(b)) {
        (Some(a), Some(b)) => b
            .severity
            .cmp(&a.severity)
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.rule.id.cmp(&b.rule.id)),
        _ => std::cmp::Ordering::Equal,
    });
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|at| slots.get_mut(at).and_then(Option::take))
        .collect()
}

/// Cedar's answer to a request, with its evaluation errors as text.
pub(crate) fn ask(
    authorizer: &Authorizer,
    request: &Request,
    policies: &cedar_policy::PolicySet,
    store: &Entities,
) -> (cedar_policy::Response, Vec<String>) {
    let response = authorizer.is_authorized(request, policies, store);
    let errors = response
        .diagnostics()
        .errors()
        .map(|error| error.to_string())
        .collect();
    (response, errors)
}

/// The request "may `principal` do the action of `severity` to `resource`".
/// Its types come from entities already validated against the schema;
/// validating each request again would cost more than the decision.
pub(crate) fn request(
    uids: &mut Uids,
    principal: &EntityUid,
    severity: Severity,
    resource: &EntityUid,
    context: &Context,
) -> Result<Request, ScreenError> {
    let action = uids
        .uid("Action", action_for(severity))
        .map_err(ScreenError::Entities)?;
    Request::new(
        principal.clone(),
        action,
        resource.clone(),
        context.clone(),
        None,
    )
    .map_err(|error| ScreenError::Request(error.to_string()))
}

/// The request context: the screening day as yyyymmdd, for dated rules.
pub(crate) fn context(day: shinsa_model::Date) -> Result<Context, ScreenError> {
    let yyyymmdd = i64::from(day.year()) * 10_000
        + i64::from(u8::from(day.month())) * 100
        + i64::from(day.day());
    Context::from_pairs([(
        "as_of".to_owned(),
        cedar_policy::RestrictedExpression::new_long(yyyymmdd),
    )])
    .map_err(|error| ScreenError::Request(error.to_string()))
}

/// How many subjects share one Cedar entity store. Subjects are leaves
/// (nothing refers to them), so a register is decided in chunks over its
/// shared entities: memory stays flat in the register's size (one store for
/// 1,000,000 assets spent more time building and faulting in pages than
/// deciding). Measured at a million subjects: 1,024 → 86k decisions/s,
/// 4,096 → 98k, 16,384 → 99k.
const SUBJECTS_PER_STORE: usize = 16384;

/// Builds Cedar entity stores for a register: the shared entities once,
/// checked against the pack's schema, and a chunk of subjects on top.
///
/// A subject's attribute types are fixed by the code that builds it; only
/// which optional attributes are present depends on the data. So each
/// shape (type and attribute names) is checked against the schema the
/// first time it appears, and later subjects of a known shape are added
/// unchecked: the check cost a fifth of screening time at 1,000,000
/// subjects and can find nothing new.
pub(crate) struct EntityStores<'a> {
    base: Entities,
    schema: &'a cedar_policy::Schema,
    checked_shapes: HashSet<String>,
    pub(crate) uids: Uids,
}

impl<'a> EntityStores<'a> {
    pub(crate) fn new(
        register: &ResolvedRegister,
        reference: &ReferenceData,
        pack: &'a Pack,
    ) -> Result<Self, ScreenError> {
        let mut uids = Uids::default();
        let shared =
            entities::shared(register, reference, &mut uids).map_err(ScreenError::Entities)?;
        let base = Entities::from_entities(shared, Some(&pack.schema))
            .map_err(|error| ScreenError::Entities(with_causes(&error)))?;
        Ok(Self {
            base,
            schema: &pack.schema,
            checked_shapes: HashSet::new(),
            uids,
        })
    }

    /// The shared entities and those of `subjects`.
    pub(crate) fn with(&mut self, subjects: &[SubjectRef<'_>]) -> Result<Entities, ScreenError> {
        let mut new_shapes = Vec::new();
        let mut known_shapes = Vec::with_capacity(subjects.len());
        for &subject in subjects {
            let (entity, shape) =
                entities::subject(subject, &mut self.uids).map_err(ScreenError::Entities)?;
            if self.checked_shapes.insert(shape) {
                new_shapes.push(entity);
            } else {
                known_shapes.push(entity);
            }
        }
        let invalid = |error: cedar_policy::entities_errors::EntitiesError| {
            ScreenError::Entities(with_causes(&error))
        };
        self.base
            .clone()
            .add_entities(new_shapes, Some(self.schema))
            .map_err(invalid)?
            .add_entities(known_shapes, None)
            .map_err(invalid)
    }
}

/// An error and its causes in one line ("entity does not conform to the
/// schema: attribute … should have type …").
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

fn evaluation_error(
    kind: SubjectKind,
    id: &str,
    name: &str,
    pack: &Pack,
    provenance: &Provenance,
    errors: &[String],
) -> Finding {
    Finding {
        id: format!("evaluation-error@{}:{id}", kind.as_str()),
        severity: Severity::Review,
        subject: Subject {
            kind,
            id: id.to_owned(),
        },
        subject_name: name.to_owned(),
        rule: RuleRef {
            id: "evaluation-error".to_owned(),
            legal_basis: "A rule of the pack could not be evaluated; shinsa fails closed".into(),
            policy_version: pack.version_label().into(),
        },
        title: "A rule could not be evaluated".into(),
        title_ja: "ルールを評価できませんでした".into(),
        explanation: errors.join("; "),
        evidence: errors
            .iter()
            .map(|error| Evidence::Fact {
                text: error.clone(),
            })
            .collect(),
        provenance: std::sync::Arc::new(provenance.clone()),
    }
}

/// A name of the register in one role, and the owner it is listed through.
type MatchKey = (String, String, Option<String>);

/// One sentence per finding: the title, the subject, and the facts, with
/// list matches of the same name grouped and repeated facts said once.
/// `203.0.113.9 in CN (Provider)`, leaving out what is not known.
fn place(destination: &str, country: &Option<String>, operator: &Option<String>) -> String {
    format!(
        "{destination}{}{}",
        clause(country.as_ref(), |c| format!(" in {c}")),
        clause(operator.as_ref(), |o| format!(" ({o})"))
    )
}

fn explain(rule: &Rule, subject: &str, evidence: &[Evidence]) -> String {
    let mut facts: Vec<String> = Vec::new();
    let mut push = |fact: String| {
        if !facts.contains(&fact) {
            facts.push(fact);
        }
    };
    let mut matches: Vec<(MatchKey, (Vec<String>, f64))> = Vec::new();
    for item in evidence {
        if let Evidence::ListMatch {
            role,
            matched_name,
            list,
            score,
            through,
            ..
        } = item
        {
            let key = (role.clone(), matched_name.clone(), through.clone());
            match matches.iter_mut().find(|(k, _)| *k == key) {
                Some((_, (lists, best))) => {
                    if !lists.contains(list) {
                        lists.push(list.clone());
                    }
                    *best = best.max(*score);
                }
                None => matches.push((key, (vec![list.clone()], *score))),
            }
        }
    }
    for ((role, name, through), (lists, score)) in &matches {
        push(match through {
            Some(owner) => format!(
                "{role} {name:?} is controlled by {owner:?}, listed on {}",
                lists.join(", ")
            ),
            None => format!(
                "{role} {name:?} is listed on {} (name score {score:.2})",
                lists.join(", ")
            ),
        });
    }
    for item in evidence {
        match item {
            Evidence::Ownership {
                path,
                effective_share,
            } => push(format!(
                "{} ({effective_share:.0}% effective)",
                path.join(" → ")
            )),
            Evidence::Country {
                role,
                party,
                country,
                groups,
            } if !groups.is_empty() => push(format!(
                "{role}{} in {country} ({})",
                clause(party.as_ref(), |p| format!(" {p:?}")),
                groups.join(", ")
            )),
            Evidence::Categorical { why, list, .. } => push(format!("{list}: {why}")),
            Evidence::ContractChain { path } => push(path.join(" → ")),
            Evidence::Flow {
                destination,
                country,
                provider,
                ..
            } => push(format!("to {}", place(destination, country, provider))),
            Evidence::Connection {
                destination,
                country,
                network_org,
                bytes,
                flows,
                ..
            } => push(format!(
                "{flows} flows, {bytes} bytes to {}",
                place(destination, country, network_org)
            )),
            Evidence::Device {
                mac,
                vendor,
                registered_vendor,
                ..
            } => push(format!(
                "MAC {mac} is assigned to {}{}",
                vendor.as_deref().unwrap_or("an unknown vendor"),
                clause(registered_vendor.as_ref(), |maker| format!(
                    "; the register says {maker}"
                ))
            )),
            Evidence::Exposure {
                vulnerability,
                product,
                version,
                placement,
                kev_due,
                ransomware,
                fixed_in,
                ..
            } => push(format!(
                "{vulnerability} in {product}{}: {placement}{}{}{}",
                clause(version.as_ref(), |version| format!(" {version}")),
                clause(fixed_in.as_ref(), |fixed| format!("; fixed in {fixed}")),
                clause(kev_due.as_ref(), |due| format!("; on CISA KEV, due {due}")),
                if *ransomware {
                    "; known ransomware use"
                } else {
                    ""
                }
            )),
            Evidence::Fact { text } => push(text.clone()),
            _ => {}
        }
    }
    if facts.is_empty() {
        format!("{}: {subject}", rule.title)
    } else {
        format!("{}: {subject}: {}", rule.title, facts.join("; "))
    }
}

impl EvidenceSource<'_> {
    /// The evidence `rule` names, drawn from the subject itself (no lookup
    /// by id: at a million subjects those maps were a cost of their own).
    fn evidence(&self, rule: &Rule, subject: SubjectRef<'_>) -> Vec<Evidence> {
        let mut evidence = Vec::new();
        for token in &rule.evidence {
            match (token.as_str(), subject) {
                ("listing", SubjectRef::Asset(asset)) => self.asset_listings(asset, &mut evidence),
                ("country", SubjectRef::Asset(asset)) => self.asset_countries(asset, &mut evidence),
                ("categorical", SubjectRef::Asset(asset)) => {
                    self.asset_categorical(asset, &mut evidence)
                }
                ("contract", SubjectRef::Contract(contract)) => {
                    self.contract(contract, &mut evidence)
                }
                ("flow", SubjectRef::DataFlow(flow)) => self.flow(flow, &mut evidence),
                ("connection", SubjectRef::Connection(connection)) => {
                    self.connection(connection, &mut evidence)
                }
                ("device", SubjectRef::Device(device)) => self.device(device, &mut evidence),
                ("exposure", SubjectRef::Exposure(exposure)) => {
                    evidence.push(exposure_evidence(exposure))
                }
                _ => {}
            }
        }
        evidence
    }

    fn groups(&self, country: CountryCode) -> Vec<String> {
        self.reference
            .groups_of(country, self.register.as_of)
            .map(str::to_owned)
            .collect()
    }

    fn asset_listings(&self, asset: &ResolvedAsset, out: &mut Vec<Evidence>) {
        for hit in &asset.listings {
            let mut why = hit.listing.name_match.why.clone();
            why.push(hit.scope_note.clone());
            if let Some(note) = &asset.critical_note {
                why.push(note.clone());
            }
            out.push(self.list_match(&hit.listing, &hit.listing.register_name, hit.role, why));
            if let ListingVia::Owner(path) = &hit.listing.via {
                push_ownership(&hit.listing.register_name, path, out);
            }
        }
    }

    /// A listing as evidence, with its entry's scope and citation.
    fn list_match(
        &self,
        listing: &Listing,
        matched_name: &str,
        role: &str,
        why: Vec<String>,
    ) -> Evidence {
        // Every listing the resolver made names an entry of the same
        // reference data; a missing one would leave scope and citation blank.
        let entry = self.entries.get(&listing.entry).copied();
        Evidence::ListMatch {
            list: listing.list.clone(),
            entry: listing.entry.clone(),
            matched_name: matched_name.to_owned(),
            listed_name: listing.name_match.matched.clone(),
            score: round(listing.name_match.score),
            why,
            role: role.to_owned(),
            through: through(&listing.via),
            scope: clause(entry, |entry| entry.scope.text.clone()),
            citation: clause(entry, |entry| entry.citation.clone()),
        }
    }

    fn party_country(&self, role: &str, party: &ResolvedParty, out: &mut Vec<Evidence>) {
        if let Some(country) = party.country {
            out.push(Evidence::Country {
                role: role.to_owned(),
                party: Some(party.name.clone()),
                country: country.to_string(),
                groups: self.groups(country),
            });
        }
        for controller in &party.controllers {
            let Some(country) = controller.owner_country else {
                continue;
            };
            let groups = self.groups(country);
            if !groups.is_empty() {
                push_ownership(&party.name, controller, out);
                out.push(Evidence::Country {
                    role: format!("controller of {role}"),
                    party: Some(controller.owner_name.clone()),
                    country: country.to_string(),
                    groups,
                });
            }
        }
    }

    /// The register party an optional key names.
    fn party_of(&self, key: &Option<String>) -> Option<&ResolvedParty> {
        key.as_deref().and_then(|key| self.register.party(key))
    }

    fn asset_countries(&self, asset: &ResolvedAsset, out: &mut Vec<Evidence>) {
        for (role, key) in [
            ("manufacturer", &asset.manufacturer),
            ("supplier", &asset.supplier),
        ] {
            if let Some(party) = self.party_of(key) {
                self.party_country(role, party, out);
            }
        }
        if let Some(because) = &asset.asset.supplier_inferred_from {
            out.push(Evidence::Fact {
                text: format!("the BOM names no supplier: inferred from {because}"),
            });
        }
        if let Some(country) = asset.asset.country_of_manufacture {
            out.push(Evidence::Country {
                role: "country of manufacture".to_owned(),
                party: None,
                country: country.to_string(),
                groups: self.groups(country),
            });
        }
        if let Some(note) = &asset.critical_note {
            out.push(Evidence::Fact { text: note.clone() });
        }
    }

    fn asset_categorical(&self, asset: &ResolvedAsset, out: &mut Vec<Evidence>) {
        for hit in &asset.categorical {
            out.push(Evidence::Categorical {
                list: hit.list.clone(),
                entry: hit.entry.clone(),
                category: hit.category.clone(),
                produced_in: hit.produced_in.map(|c| c.to_string()),
                why: hit.why.clone(),
            });
        }
    }

    fn contract(&self, contract: &ResolvedContract, out: &mut Vec<Evidence>) {
        let mut path = vec![self.register.operator.name.clone()];
        for (link, party_key) in contract.chain.iter().zip(&contract.chain_parties) {
            let party = self.register.party(party_key);
            let name = party.map_or(party_key.as_str(), |p| p.name.as_str());
            let work = clause(
                self.contracts
                    .get(link.as_str())
                    .and_then(|c| c.work_country),
                |c| format!(", works in {c}"),
            );
            path.push(format!("{link}: {name}{work}"));
        }
        out.push(Evidence::ContractChain { path });
        if let Some(party) = self.register.party(&contract.contractor) {
            self.party_country("contractor", party, out);
            for listing in &party.listings {
                out.push(Evidence::ListMatch {
                    list: listing.list.clone(),
                    entry: listing.entry.clone(),
                    matched_name: listing.register_name.clone(),
                    listed_name: listing.name_match.matched.clone(),
                    score: round(listing.name_match.score),
                    why: listing.name_match.why.clone(),
                    role: "contractor".to_owned(),
                    through: through(&listing.via),
                    scope: String::new(),
                    citation: String::new(),
                });
            }
        }
        if let Some(country) = contract.work_country {
            out.push(Evidence::Country {
                role: "place of work".to_owned(),
                party: None,
                country: country.to_string(),
                groups: self.groups(country),
            });
        }
        out.push(Evidence::Fact {
            text: format!(
                "scope {}; customer data access {}; {}",
                contract.scope.as_str(),
                if contract.customer_data_access {
                    "yes"
                } else {
                    "no"
                },
                match &contract.asset {
                    Some(asset) if contract.asset_critical =>
                        format!("on critical facility {asset}"),
                    Some(asset) => format!("on asset {asset}"),
                    None => "no asset named".to_owned(),
                }
            ),
        });
    }

    fn flow(&self, flow: &ResolvedDataFlow, out: &mut Vec<Evidence>) {
        let provider = self.party_of(&flow.provider);
        out.push(Evidence::Flow {
            destination: flow.destination.clone(),
            country: flow.dc_country.map(|c| c.to_string()),
            provider: provider.map(|p| p.name.clone()),
            data_categories: flow.data_categories.clone(),
        });
        if let Some(country) = flow.dc_country {
            out.push(self.place_country("data centre", country));
        }
        if let Some(provider) = provider {
            self.party_country("provider", provider, out);
        }
        if let Some(source) = &flow.source_asset {
            out.push(Evidence::Fact {
                text: format!(
                    "source asset {source}{}",
                    if flow.source_critical {
                        " (critical facility)"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
}

impl EvidenceSource<'_> {
    /// The country of a place (a data centre, a destination) and its groups.
    fn place_country(&self, role: &str, country: CountryCode) -> Evidence {
        Evidence::Country {
            role: role.to_owned(),
            party: None,
            country: country.to_string(),
            groups: self.groups(country),
        }
    }

    fn connection(&self, resolved: &ResolvedConnection, out: &mut Vec<Evidence>) {
        let connection = &resolved.connection;
        let parent = self.party_of(&resolved.provider);
        out.push(Evidence::Connection {
            source: connection.source_ip.clone(),
            source_asset: connection.source_asset.clone(),
            destination: connection.example_destination.clone(),
            country: connection.destination_country.map(|c| c.to_string()),
            asn: connection.asn,
            network_org: connection.network_org.clone(),
            provider: connection.provider.clone(),
            bytes: connection.bytes,
            flows: connection.flows,
            first_seen: connection.first_seen.clone(),
            last_seen: connection.last_seen.clone(),
            answered_by: connection.answered_by.clone(),
        });
        if let Some(country) = connection.destination_country {
            out.push(self.place_country("destination", country));
        }
        if let Some(parent) = parent {
            self.party_country("provider's parent", parent, out);
        }
        out.push(Evidence::Fact {
            text: match &connection.source_asset {
                Some(asset) => format!(
                    "source {} is asset {asset}{}{}",
                    connection.source_ip,
                    if resolved.source_critical {
                        " (critical facility)"
                    } else {
                        ""
                    },
                    if resolved.customer_data {
                        " holding customer data"
                    } else {
                        ""
                    }
                ),
                None => format!("source {} is not in the register", connection.source_ip),
            },
        });
    }

    fn device(&self, resolved: &ResolvedDevice, out: &mut Vec<Evidence>) {
        let name = |key: &Option<String>| self.party_of(key).map(|party| party.name.clone());
        let device = &resolved.device;
        out.push(Evidence::Device {
            mac: device.mac.clone(),
            ip: device.ip.clone(),
            hostname: device.hostname.clone(),
            vendor: name(&resolved.vendor),
            asset: device.asset.clone(),
            registered_vendor: name(&resolved.registered_vendor),
            seen_in: device.seen_in.clone(),
            first_seen: device.first_seen.clone(),
            last_seen: device.last_seen.clone(),
            answered_by: device.answered_by.clone(),
        });
        if let Some(vendor) = self.party_of(&resolved.vendor) {
            for listing in &vendor.listings {
                out.push(self.list_match(
                    listing,
                    &vendor.name,
                    "hardware vendor",
                    listing.name_match.why.clone(),
                ));
            }
        }
    }
}

/// An exposure as evidence: the record, how it was tied, where the version
/// falls, and what the vendor and CISA say to do.
fn exposure_evidence(exposure: &Exposure) -> Evidence {
    let (placement, placed) = match &exposure.placement {
        Placement::Affected(rule) => (rule.clone(), true),
        Placement::Undecided { reason, quote } => (
            match quote {
                Some(quote) => format!("{reason}; the source says: {quote:?}"),
                None => reason.clone(),
            },
            false,
        ),
    };
    let exploited = exposure.known_exploited.as_ref();
    Evidence::Exposure {
        vulnerability: exposure.vulnerability.clone(),
        advisory: exposure.advisory.clone(),
        source: exposure.source.as_str().to_owned(),
        origin: exposure.origin.clone(),
        title: exposure.title.clone(),
        product: exposure.product.clone(),
        version: exposure.version.clone(),
        matched_by: exposure.matched_by.as_str().to_owned(),
        confidence: round(exposure.confidence),
        placement,
        placed,
        fixed_in: exposure.fixed_in.clone(),
        remediations: exposure
            .remediations
            .iter()
            .map(|remediation| {
                format!(
                    "{}: {}{}",
                    remediation.category,
                    remediation.details,
                    clause(remediation.url.as_ref(), |url| format!(" ({url})"))
                )
            })
            .collect(),
        score: exposure.score,
        kev_added: exploited.map(|entry| entry.date_added.to_string()),
        kev_due: exploited.and_then(|entry| entry.due_date.map(|day| day.to_string())),
        ransomware: exploited.is_some_and(|entry| entry.ransomware),
        required_action: exploited.map(|entry| entry.required_action.clone()),
        exploitation: exposure.ssvc.as_ref().map(|ssvc| ssvc.exploitation.clone()),
        also: exposure.also.clone(),
        mitigation: exposure.mitigation.as_ref().map(|statement| {
            format!(
                "{}{} per {}",
                statement.status.as_str(),
                clause(statement.action.as_ref(), |action| format!(": {action}")),
                statement.source
            )
        }),
    }
}

fn through(via: &ListingVia) -> Option<String> {
    match via {
        ListingVia::Direct => None,
        ListingVia::Owner(path) => Some(path.owner_name.clone()),
    }
}

/// Adds an ownership path unless the finding shows it already (several
/// listings reach a party through the same owner).
fn push_ownership(start: &str, path: &OwnerPath, out: &mut Vec<Evidence>) {
    let mut hops = vec![start.to_owned()];
    hops.extend(path.hops.iter().cloned());
    let item = Evidence::Ownership {
        path: hops,
        effective_share: round(path.share),
    };
    if !out.contains(&item) {
        out.push(item);
    }
}

/// Scores and shares are shown to two decimals; more is noise in a report.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

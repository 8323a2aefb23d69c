//! The screening engine: the one place a register becomes findings.
//!
//! Given the reference data (bundled lists, identities, sectors and every
//! imported or published list), the packs that may decide and the day, the
//! engine takes a register and returns its findings, the provenance that
//! reproduces them and every warning a person should read before trusting
//! them (the pack is not in force on the day, the pack expects lists that
//! are not loaded or of another date). Every path that screens calls it:
//! the CLI's `screen`, `match`, `policy test`, `impact` and `explain`, the
//! server's runs and the screening frozen with a plan. A screening step
//! added here is added everywhere at once.
//!
//! The engine does no I/O: the callers read registers and reference data
//! and keep the results.

use crate::catalogue;
use crate::evaluate::{ScreenError, provenance, screen_with_progress};
use crate::explain::{Explanation, explain};
use crate::pack::Pack;
use shinsa_match::{Matcher, ResolvedRegister};
use shinsa_model::plan::{PersonFinding, Plan};
use shinsa_model::{Date, Finding, Inventory, Provenance, ReferenceData, Subject};

/// Which pack decides.
#[derive(Debug, Clone)]
pub enum PackChoice {
    /// This pack, whatever the register's sector and even outside its
    /// window (a warning says so): a pack folder given by hand, or the
    /// bundled default, so that old registers can be re-screened.
    Given(Box<Pack>),
    /// `ID` (the highest version in force on the day for the register's
    /// sector) or `ID@VERSION` (that version), among the engine's packs.
    Select(String),
}

/// Why the engine could not screen (never bad register data: the readers
/// refused that before).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// No pack fits the choice on the day for the sector.
    #[error("policy pack: {0}")]
    Pack(String),
    #[error(transparent)]
    Screen(#[from] ScreenError),
}

/// A register screened: what the engine found and how.
#[derive(Debug)]
pub struct Screened {
    /// Most serious first, then by subject and rule.
    pub findings: Vec<Finding>,
    pub provenance: Provenance,
    /// What a person should know before relying on the findings, one
    /// sentence each, in the order found.
    pub warnings: Vec<String>,
}

/// What the engine found in an installation plan: the plan screened as a
/// register of its own, and its people screened as people.
#[derive(Debug)]
pub struct PlanScreened {
    pub screened: Screened,
    /// Officers and major holders a list names: personal data.
    pub people: Vec<PersonFinding>,
}

/// Reference data, its candidate index, and the packs: built once and
/// shared by every screening until the lists or packs change.
#[derive(Debug)]
pub struct Engine {
    reference: ReferenceData,
    matcher: Matcher,
    packs: Vec<Pack>,
    /// `None` for an engine that only matches names (`shinsa match`).
    choice: Option<PackChoice>,
    threshold: f64,
    /// Vulnerability data, when imported: exposures become subjects.
    advisories: Option<std::sync::Arc<shinsa_match::exposure::AdvisoryIndex>>,
}

impl Engine {
    /// Builds the candidate index over `reference`; names match from
    /// `threshold` on. The engine resolves registers; it screens them once
    /// given packs ([`Engine::with_packs`]).
    pub fn new(reference: ReferenceData, threshold: f64) -> Self {
        Self {
            matcher: Matcher::new(&reference),
            reference,
            packs: Vec::new(),
            choice: None,
            threshold,
            advisories: None,
        }
    }

    /// Screens with vulnerability data too: each asset's exposures are
    /// subjects of the pack's rules. No sets, no exposures.
    pub fn with_advisories(self, sets: Vec<shinsa_model::AdvisorySet>) -> Self {
        let index = (!sets.is_empty())
            .then(|| std::sync::Arc::new(shinsa_match::exposure::AdvisoryIndex::new(sets)));
        self.with_advisory_index(index)
    }

    /// Screens with an index of vulnerability data already built, which
    /// engines for other list or pack versions may share (building it
    /// from the whole corpus takes seconds).
    pub fn with_advisory_index(
        mut self,
        index: Option<std::sync::Arc<shinsa_match::exposure::AdvisoryIndex>>,
    ) -> Self {
        self.advisories = index;
        self
    }

    /// The vulnerability data screening uses, if any.
    pub fn advisories(&self) -> Option<&shinsa_match::exposure::AdvisoryIndex> {
        self.advisories.as_deref()
    }

    /// The packs a [`PackChoice::Select`] chooses from, and the choice.
    pub fn with_packs(mut self, packs: Vec<Pack>, choice: PackChoice) -> Self {
        self.packs = packs;
        self.choice = Some(choice);
        self
    }

    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// The pack that decides for `sector` on `day`, with the warnings its
    /// choice carries.
    pub fn pack(&self, sector: &str, day: Date) -> Result<(&Pack, Vec<String>), EngineError> {
        let pack = match &self.choice {
            Some(PackChoice::Given(pack)) => pack.as_ref(),
            Some(PackChoice::Select(spec)) => {
                catalogue::select(&self.packs, spec, day, Some(sector))
                    .map_err(EngineError::Pack)?
            }
            None => return Err(EngineError::Pack("no pack was given".to_owned())),
        };
        let mut warnings = Vec::new();
        if !catalogue::in_force(pack, day) {
            warnings.push(format!(
                "pack {} is in force from {}{}; screening as of {day} uses it anyway",
                pack.version_label(),
                pack.effective_from,
                pack.effective_until
                    .map_or_else(String::new, |until| format!(" until {until}")),
            ));
        }
        warnings.extend(pack.list_mismatches(&self.reference.lists));
        Ok((pack, warnings))
    }

    /// Matches the register's names, closes ownership and settles which
    /// list entries apply on `day`.
    pub fn resolve(&self, register: &Inventory, day: Date) -> ResolvedRegister {
        let mut resolved = shinsa_match::resolve(
            register,
            &self.reference,
            &self.matcher,
            day,
            self.threshold,
        );
        if let Some(index) = &self.advisories {
            let (exposures, suppressed) = index.expose(&resolved, &self.reference, &register.vex);
            resolved.exposures = exposures;
            resolved.suppressed = suppressed;
        }
        resolved
    }

    /// Screens `register` as of `day`; `input_sha256` names the input in
    /// the provenance; `progress` hears (done, total) subjects.
    pub fn screen(
        &self,
        register: &Inventory,
        input_sha256: &str,
        day: Date,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Screened, EngineError> {
        let (pack, mut warnings) = self.pack(&register.operator.sector, day)?;
        let resolved = self.resolve(register, day);
        warnings.extend(resolved.suppressed.iter().map(|suppressed| {
            let statement = &suppressed.statement;
            format!(
                "{}: {} is not reported: {} per {}{}",
                suppressed.asset,
                suppressed.vulnerability,
                statement.status.as_str(),
                statement.source,
                statement
                    .justification
                    .as_deref()
                    .map_or_else(String::new, |why| format!(" ({why})"))
            )
        }));
        let provenance = provenance(input_sha256, &self.reference, self.advisories(), pack, day);
        let findings =
            screen_with_progress(&resolved, &self.reference, pack, &provenance, progress)?;
        Ok(Screened {
            findings,
            provenance,
            warnings,
        })
    }

    /// Screens what a plan proposes (its items as the critical assets of
    /// `operator`, its suppliers with their holders, its entrustments) and
    /// the people it names; `input_sha256` is the plan's digest.
    pub fn screen_plan(
        &self,
        plan: &Plan,
        operator: &shinsa_model::Operator,
        input_sha256: &str,
        day: Date,
    ) -> Result<PlanScreened, EngineError> {
        let screened = self.screen(&plan.inventory(operator), input_sha256, day, &mut |_, _| {})?;
        Ok(PlanScreened {
            screened,
            people: self.people(plan),
        })
    }

    /// The officers and holders of a plan that a list names as persons
    /// (namesakes ruled out by date of birth or nationality left out).
    pub fn people(&self, plan: &Plan) -> Vec<PersonFinding> {
        let mut found = Vec::new();
        for person in plan.people() {
            let hits = shinsa_match::people::match_person(
                &self.matcher,
                &self.reference,
                &shinsa_match::people::Person {
                    name: &person.name,
                    born: person.born,
                    nationality: person.nationality,
                },
                self.threshold,
            );
            found.extend(hits.into_iter().map(|hit| PersonFinding {
                pointer: person.pointer.clone(),
                role: person.role.to_owned(),
                supplier: person.supplier.clone(),
                name: person.name.clone(),
                entry: hit.entry,
                list: hit.list,
                listed_name: hit.listed_name,
                matched: hit.matched,
                score: (hit.score * 1000.0).round() / 1000.0,
                explanation: hit.why,
            }));
        }
        found
    }

    /// Every rule of the deciding pack against one subject of `register`:
    /// fired or not, and why; `None` when the register has no such subject.
    pub fn explain(
        &self,
        register: &Inventory,
        input_sha256: &str,
        day: Date,
        subject: &Subject,
    ) -> Result<(Option<Explanation>, Vec<String>), EngineError> {
        let (pack, warnings) = self.pack(&register.operator.sector, day)?;
        let resolved = self.resolve(register, day);
        let provenance = provenance(input_sha256, &self.reference, self.advisories(), pack, day);
        let explanation = explain(&resolved, &self.reference, pack, &provenance, subject)?;
        Ok((explanation, warnings))
    }
}

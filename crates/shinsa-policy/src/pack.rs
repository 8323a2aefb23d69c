//! A policy pack: `pack.toml`, a Cedar schema and Cedar policies, checked as
//! one artefact and identified by a content hash.

use cedar_policy::{ActionConstraint, PolicyId, PolicySet, Schema, ValidationMode, Validator};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shinsa_model::{Date, Severity, line_column, parse_date};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

#[cfg(test)]
const DEFAULT_MANIFEST: &str = include_str!("../../../packs/jp-espa/pack.toml");
#[cfg(test)]
const DEFAULT_SCHEMA: &str = include_str!("../../../packs/jp-espa/schema.cedarschema");
#[cfg(test)]
const DEFAULT_POLICIES: &str = include_str!("../../../packs/jp-espa/policies.cedar");

/// Why a pack cannot be used: every problem found, each naming its file
/// and, where Cedar reports a source span, its line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct PackError {
    pub problems: Vec<String>,
}

impl PackError {
    fn new(file: &str, message: impl std::fmt::Display) -> Self {
        Self {
            problems: vec![format!("{file}: {message}")],
        }
    }

    /// A Cedar diagnostic at its place in `source`.
    fn located(file: &str, source: &str, diagnostic: &dyn miette::Diagnostic) -> String {
        let offset = diagnostic
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|label| label.offset());
        match offset {
            Some(offset) => {
                let (line, column) = line_column(source, offset);
                format!("{file}:{line}:{column}: {diagnostic}")
            }
            None => format!("{file}: {diagnostic}"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    id: String,
    name: String,
    jurisdiction: String,
    version: String,
    effective_from: String,
    effective_until: Option<String>,
    /// The sectors (codes) the pack is for; absent: every sector.
    sectors: Option<Vec<String>>,
    /// List id → the list version (date) the rules were written against.
    #[serde(default)]
    lists: BTreeMap<String, String>,
}

/// One rule's metadata, read from its annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub title: std::sync::Arc<str>,
    pub title_ja: std::sync::Arc<str>,
    pub legal_basis: std::sync::Arc<str>,
    /// Which evidence the rule draws on: `listing`, `country`, `categorical`,
    /// `contract`, `flow`.
    pub evidence: Vec<String>,
}

/// A checked pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub version: String,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    /// The sectors the pack is for (`sectors` in `pack.toml`); `None`: every
    /// sector. Screening a register takes the version in force for its
    /// operator's sector, and a ministry may publish a version only for
    /// sectors it oversees.
    pub sectors: Option<Vec<String>>,
    /// The list versions the pack was written against (list id → date).
    pub expected_lists: BTreeMap<String, Date>,
    /// SHA-256 over the manifest, schema and policies.
    pub sha256: String,
    pub(crate) schema: Schema,
    /// The schema as written, to tell whether two packs' schemas differ.
    pub(crate) schema_text: String,
    pub(crate) policies: PolicySet,
    /// The policies that can decide a request, by (action, resource type),
    /// where at least one forbid can: Cedar walks every policy of the set it
    /// is given, so screening gives it only these and skips requests no
    /// forbid can deny (measured: `cargo bench -p shinsa-policy --bench screen`).
    pub(crate) by_request: HashMap<(String, String), PolicySet>,
    /// Rules by Cedar policy id.
    pub(crate) rules: HashMap<PolicyId, Rule>,
    /// What of a subject the policies can see, so that subjects alike in
    /// it share one decision.
    pub(crate) reads: PolicyReads,
}

/// What the policies of a pack read of a subject. A Cedar decision on a
/// subject depends on its type, the attributes the policies read and,
/// only where a policy names a subject entity literally, its id: subjects
/// are leaves (no parents, nothing refers to them) and everything else of
/// a request (operator, action, context, shared entities) is the same for
/// every subject of a screening.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyReads {
    /// Every attribute name any policy reads or tests with `has`, on any
    /// entity (a name read only on parties counts for subjects too: the
    /// walk does not type expressions, so it errs on the side of reading).
    pub(crate) attributes: std::collections::BTreeSet<String>,
    /// Whether some policy names an entity of a subject type (`Asset::"A-1"`),
    /// which makes the decision depend on the subject's id.
    pub(crate) subject_literals: bool,
}

impl PolicyReads {
    fn of(policies: &PolicySet) -> Result<Self, String> {
        let mut reads = Self::default();
        for policy in policies.policies() {
            let json = policy
                .to_json()
                .map_err(|error| format!("{}: {error}", policy.id()))?;
            reads.walk(&json);
        }
        Ok(reads)
    }

    /// Walks Cedar's JSON form of a policy: `{".": {"left": …, "attr": "x"}}`
    /// and `{"has": {…, "attr": "x"}}` read an attribute; an object with a
    /// `type` and an `id` is an entity (a literal or a scope's).
    fn walk(&mut self, json: &serde_json::Value) {
        match json {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::String(name)) = object.get("attr") {
                    self.attributes.insert(name.clone());
                }
                if let (Some(serde_json::Value::String(kind)), Some(_)) =
                    (object.get("type"), object.get("id"))
                {
                    let basename = kind.rsplit("::").next().unwrap_or(kind);
                    self.subject_literals |= RESOURCE_TYPES.contains(&basename);
                }
                object.values().for_each(|value| self.walk(value));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.walk(item)),
            _ => {}
        }
    }
}

/// The action whose denial gives each severity.
pub(crate) fn action_for(severity: Severity) -> &'static str {
    match severity {
        Severity::Prohibited => "procure",
        Severity::Review => "procure_without_review",
        Severity::Notice => "procure_without_notice",
    }
}

/// A pack compiled into shinsa: its folder under `packs/` and every file,
/// tests and their registers included, by path within the pack.
#[derive(Debug, Clone, Copy)]
pub struct BundledPack {
    pub id: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! pack_files {
    ($folder:literal: $($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../packs/", $folder, "/", $path)))),*]
    };
}

/// The bundled packs; the first is the default.
pub const BUNDLED: [BundledPack; 3] = [
    BundledPack {
        id: "jp-espa",
        files: pack_files!("jp-espa": "pack.toml", "schema.cedarschema", "policies.cedar",
            "tests/core.toml", "tests/core/operator.toml", "tests/core/parties.csv",
            "tests/core/assets.csv", "tests/core/contracts.csv", "tests/core/dataflows.csv",
            "tests/core/app.spdx"),
    },
    BundledPack {
        id: "us",
        files: pack_files!("us": "pack.toml", "schema.cedarschema", "policies.cedar",
            "tests/grid.toml", "tests/grid-2027.toml", "tests/grid/operator.toml",
            "tests/grid/parties.csv", "tests/grid/assets.csv", "tests/grid/contracts.csv",
            "tests/grid/dataflows.csv"),
    },
    BundledPack {
        id: "generic",
        files: pack_files!("generic": "pack.toml", "schema.cedarschema", "policies.cedar",
            "tests/plant.toml", "tests/plant/operator.toml", "tests/plant/assets.csv",
            "tests/plant/contracts.csv", "tests/plant/dataflows.csv"),
    },
];

impl BundledPack {
    /// The text of one file of the pack.
    pub fn file(&self, path: &str) -> Option<&'static str> {
        self.files
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, text)| *text)
    }

    /// Loads the pack.
    pub fn load(&self) -> Result<Pack, PackError> {
        let file = |name: &str| {
            self.file(name)
                .ok_or_else(|| PackError::new(&format!("packs/{}/{name}", self.id), "missing"))
        };
        Pack::from_sources(
            &format!("packs/{}", self.id),
            file(PACK_FILES[0])?,
            file(PACK_FILES[1])?,
            file(PACK_FILES[2])?,
        )
    }
}

/// The files of a pack folder.
pub const PACK_FILES: [&str; 3] = ["pack.toml", "schema.cedarschema", "policies.cedar"];

impl Pack {
    /// Whether the pack's schema declares subjects of `entity_type`: a
    /// pack written before exposures (`Exposure`) existed neither screens
    /// them nor pays for building them.
    pub(crate) fn declares(&self, entity_type: &str) -> bool {
        self.schema
            .entity_types()
            .any(|name| name.basename() == entity_type)
    }

    /// The pack compiled into shinsa as the default (Japan ESPA).
    pub fn default_pack() -> Result<Self, PackError> {
        BUNDLED[0].load()
    }

    /// Where the reference lists differ from the versions the pack expects,
    /// one sentence each (a list it expects that is missing, or another date).
    pub fn list_mismatches(&self, lists: &[shinsa_model::ListInfo]) -> Vec<String> {
        self.expected_lists
            .iter()
            .filter_map(
                |(id, expected)| match lists.iter().find(|list| &list.id == id) {
                    None => Some(format!(
                        "pack {} expects list {id} ({expected}), which is not loaded",
                        self.id
                    )),
                    Some(list) if list.version != *expected => Some(format!(
                        "pack {} was written against {id} of {expected}; the loaded version is {}",
                        self.id, list.version
                    )),
                    Some(_) => None,
                },
            )
            .collect()
    }

    /// Every bundled pack.
    pub fn bundled() -> Result<Vec<Self>, PackError> {
        BUNDLED.iter().map(BundledPack::load).collect()
    }

    /// Reads a pack folder (`pack.toml`, `schema.cedarschema`, `policies.cedar`).
    pub fn load_dir(dir: &Path) -> Result<Self, PackError> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).map_err(|error| {
                PackError::new(&dir.join(name).display().to_string(), error.to_string())
            })
        };
        Self::from_sources(
            &dir.display().to_string(),
            &read(PACK_FILES[0])?,
            &read(PACK_FILES[1])?,
            &read(PACK_FILES[2])?,
        )
    }

    /// `id@version`, with the first 12 hex digits of the hash.
    pub fn version_label(&self) -> String {
        format!(
            "{}@{}+{}",
            self.id,
            self.version,
            &self.sha256[..12.min(self.sha256.len())]
        )
    }

    /// Each rule's `@id` with its Cedar text (annotations included), as
    /// Cedar prints it, so that layout changes alone do not count.
    pub fn rule_texts(&self) -> Vec<(&str, String)> {
        self.rules
            .iter()
            .filter_map(|(policy, rule)| {
                let text = self.policies.policy(policy)?.to_string();
                Some((rule.id.as_str(), text))
            })
            .collect()
    }

    /// The rules, ordered by id.
    pub fn rules(&self) -> Vec<&Rule> {
        let mut rules: Vec<&Rule> = self.rules.values().collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        rules
    }

    /// A pack from the text of its three files; `origin` names it in
    /// messages (a folder, or where a server stored it).
    pub fn from_sources(
        origin: &str,
        manifest_text: &str,
        schema_text: &str,
        policies_text: &str,
    ) -> Result<Self, PackError> {
        let manifest_file = format!("{origin}/pack.toml");
        let schema_file = format!("{origin}/schema.cedarschema");
        let policies_file = format!("{origin}/policies.cedar");
        let manifest: Manifest = toml::from_str(manifest_text)
            .map_err(|error| PackError::new(&manifest_file, error.to_string()))?;
        // A bad date is named at the line that holds its quoted value.
        let date = |text: &str| {
            parse_date(text).map_err(|error| {
                let line = manifest_text
                    .lines()
                    .position(|line| line.contains(&format!("\"{text}\"")))
                    .map_or(String::new(), |index| format!(":{}", index + 1));
                PackError::new(&format!("{manifest_file}{line}"), error.to_string())
            })
        };
        let effective_from = date(&manifest.effective_from)?;
        let effective_until = manifest.effective_until.as_deref().map(date).transpose()?;
        let expected_lists = manifest
            .lists
            .iter()
            .map(|(list, version)| Ok((list.clone(), date(version)?)))
            .collect::<Result<BTreeMap<_, _>, PackError>>()?;
        let (schema, _warnings) =
            Schema::from_cedarschema_str(schema_text).map_err(|error| PackError {
                problems: vec![PackError::located(&schema_file, schema_text, &error)],
            })?;
        let policies = PolicySet::from_str(policies_text).map_err(|errors| PackError {
            problems: errors
                .iter()
                .map(|error| PackError::located(&policies_file, policies_text, error))
                .collect(),
        })?;
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            let problems = validation
                .validation_errors()
                .map(|error| {
                    let rule = policies
                        .policy(error.policy_id())
                        .and_then(|policy| policy.annotation("id"))
                        .unwrap_or("a policy without @id");
                    let located = PackError::located(&policies_file, policies_text, error);
                    // Cedar names policies by position; the author knows them by @id.
                    located.replacen(
                        &format!("for policy `{}`, ", error.policy_id()),
                        &format!("{rule}: "),
                        1,
                    )
                })
                .collect();
            return Err(PackError { problems });
        }
        let rules = rules_of(&policies, &policies_file, policies_text)?;
        let by_request =
            split_by_request(&policies).map_err(|error| PackError::new(&policies_file, error))?;
        let reads =
            PolicyReads::of(&policies).map_err(|error| PackError::new(&policies_file, error))?;
        let mut hasher = Sha256::new();
        for part in [manifest_text, schema_text, policies_text] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        Ok(Self {
            id: manifest.id,
            name: manifest.name,
            jurisdiction: manifest.jurisdiction,
            version: manifest.version,
            effective_from,
            effective_until,
            sectors: manifest.sectors,
            expected_lists,
            sha256: hex::encode(hasher.finalize()),
            schema,
            schema_text: schema_text.to_owned(),
            policies,
            by_request,
            rules,
            reads,
        })
    }
}

/// The resource types screening asks about.
pub(crate) const RESOURCE_TYPES: [&str; 6] = [
    "Asset",
    "Contract",
    "DataFlow",
    "Connection",
    "Device",
    "Exposure",
];

/// For each action and resource type, the policies whose scope admits them.
fn split_by_request(policies: &PolicySet) -> Result<HashMap<(String, String), PolicySet>, String> {
    let mut sets = HashMap::new();
    for severity in [Severity::Prohibited, Severity::Review, Severity::Notice] {
        let action = action_for(severity);
        for resource in RESOURCE_TYPES {
            let admitted = policies.policies().filter(|policy| {
                let action_fits = match policy.action_constraint() {
                    ActionConstraint::Any => true,
                    ActionConstraint::Eq(uid) => uid.id().unescaped() == action,
                    ActionConstraint::In(uids) => {
                        uids.iter().any(|uid| uid.id().unescaped() == action)
                    }
                };
                let resource_fits = match policy.resource_constraint() {
                    cedar_policy::ResourceConstraint::Is(name)
                    | cedar_policy::ResourceConstraint::IsIn(name, _) => {
                        name.basename() == resource
                    }
                    _ => true,
                };
                action_fits && resource_fits
            });
            let admitted: Vec<cedar_policy::Policy> = admitted.cloned().collect();
            // Without a forbid the answer is "allow": no set, no request.
            if admitted
                .iter()
                .any(|policy| policy.effect() == cedar_policy::Effect::Forbid)
            {
                let set = PolicySet::from_policies(admitted).map_err(|error| error.to_string())?;
                sets.insert((action.to_owned(), resource.to_owned()), set);
            }
        }
    }
    Ok(sets)
}

/// Reads every forbid's annotations; permits are the base and need none.
fn rules_of(
    policies: &PolicySet,
    file: &str,
    source: &str,
) -> Result<HashMap<PolicyId, Rule>, PackError> {
    let mut rules = HashMap::new();
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut problems = Vec::new();
    // Cedar keeps no position for annotations: a rule is found by its @id.
    let lines_of = |id: &str| -> Vec<(usize, usize)> {
        source
            .match_indices(&format!("@id(\"{id}\")"))
            .map(|(offset, _)| line_column(source, offset))
            .collect()
    };
    let at = |id: &str, message: String| match lines_of(id).first() {
        Some((line, column)) => format!("{file}:{line}:{column}: {message}"),
        None => format!("{file}: {message}"),
    };
    for policy in policies.policies() {
        if policy.effect() == cedar_policy::Effect::Permit {
            continue;
        }
        let annotation = |key: &str| policy.annotation(key).map(str::to_owned);
        let Some(id) = annotation("id") else {
            problems.push(format!(
                "{file}: a forbid policy has no @id (Cedar calls it {})",
                policy.id()
            ));
            continue;
        };
        let mut problem = |message: String| problems.push(at(&id, message));
        let missing: Vec<&str> = ["severity", "legal_basis", "title"]
            .into_iter()
            .filter(|key| annotation(key).is_none())
            .collect();
        if !missing.is_empty() {
            problem(format!("{id}: missing @{}", missing.join(", @")));
            continue;
        }
        let severity_text = annotation("severity").unwrap_or_default();
        let Some(severity) = Severity::parse(&severity_text) else {
            problem(format!(
                "{id}: @severity must be prohibited, review or notice, found {severity_text:?}"
            ));
            continue;
        };
        let expected_action = action_for(severity);
        let action_matches = match policy.action_constraint() {
            ActionConstraint::Eq(action) => action.id().unescaped() == expected_action,
            _ => false,
        };
        if !action_matches {
            problem(format!(
                "{id}: a {severity} rule must forbid exactly the action {expected_action:?}"
            ));
            continue;
        }
        if seen.insert(id.clone(), ()).is_some() {
            let lines: Vec<String> = lines_of(&id)
                .iter()
                .map(|(line, _)| line.to_string())
                .collect();
            problem(format!(
                "{id}: @id used by more than one policy (lines {})",
                lines.join(", ")
            ));
            continue;
        }
        rules.insert(
            policy.id().clone(),
            Rule {
                title: annotation("title").unwrap_or_default().into(),
                title_ja: annotation("title_ja").unwrap_or_default().into(),
                legal_basis: annotation("legal_basis").unwrap_or_default().into(),
                evidence: annotation("evidence")
                    .unwrap_or_default()
                    .split(',')
                    .map(|token| token.trim().to_owned())
                    .filter(|token| !token.is_empty())
                    .collect(),
                id,
                severity,
            },
        );
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(PackError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pack_validates_and_every_rule_is_annotated() {
        let pack = Pack::default_pack().map_err(|e| e.to_string());
        let Ok(pack) = pack else {
            unreachable!("default pack: {pack:?}")
        };
        assert_eq!(pack.id, "jp-espa");
        assert_eq!(pack.sha256.len(), 64);
        let rules = pack.rules();
        assert_eq!(rules.len(), 36);
        assert!(
            rules
                .iter()
                .all(|rule| !rule.legal_basis.is_empty() && !rule.title_ja.is_empty())
        );
    }

    /// What screening may leave out when it shares decisions between
    /// subjects: only attributes no policy reads, and the id only while no
    /// policy names a subject.
    #[test]
    fn the_attributes_policies_read_are_known_and_a_named_subject_is_noticed() {
        let Ok(pack) = Pack::default_pack() else {
            unreachable!("the default pack loads")
        };
        for read in ["critical", "lists", "country_of_manufacture", "dst_country"] {
            assert!(pack.reads.attributes.contains(read), "{read}");
        }
        for unread in ["name", "category_known"] {
            assert!(!pack.reads.attributes.contains(unread), "{unread}");
        }
        assert!(!pack.reads.subject_literals);

        for named in [
            "resource == Shinsa::Asset::\"A-1\"",
            "resource in [Shinsa::Contract::\"C-1\"]",
        ] {
            let policies = format!(
                "{DEFAULT_POLICIES}\n@id(\"X-1\") @severity(\"notice\") @title(\"x\") \
                 @title_ja(\"x\") @legal_basis(\"x\")\n\
                 forbid (principal, action == Shinsa::Action::\"procure_without_notice\", resource) \
                 when {{ {named} }};\n"
            );
            let pack = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies);
            let named_subject = pack.map(|pack| pack.reads.subject_literals);
            assert_eq!(named_subject, Ok(true), "{named} names a subject");
        }
    }

    #[test]
    fn a_rule_without_legal_basis_is_refused() {
        let policies = DEFAULT_POLICIES.replacen(
            "@legal_basis(\"ESPA Art. 52(1)-(3): the facility",
            "@note(\"ESPA Art. 52(1)-(3): the facility",
            1,
        );
        let error = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("p/policies.cedar"), "{error}");
        assert!(
            error.contains("JP-ESPA-001: missing @legal_basis"),
            "{error}"
        );
    }

    #[test]
    fn a_repeated_id_names_every_place() {
        let policies = DEFAULT_POLICIES.replacen("@id(\"JP-ESPA-002\")", "@id(\"JP-ESPA-001\")", 1);
        let error = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let line = |id: &str| {
            DEFAULT_POLICIES
                .lines()
                .position(|line| line.contains(&format!("@id(\"{id}\")")))
                .map_or(0, |index| index + 1)
        };
        let (first, second) = (line("JP-ESPA-001"), line("JP-ESPA-002"));
        assert_eq!(
            error,
            format!(
                "p/policies.cedar:{first}:1: JP-ESPA-001: @id used by more than one policy (lines {first}, {second})"
            )
        );
    }

    #[test]
    fn a_severity_that_does_not_fit_its_action_is_refused() {
        let policies =
            DEFAULT_POLICIES.replacen("@severity(\"prohibited\")", "@severity(\"notice\")", 1);
        let error = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("must forbid exactly the action \"procure_without_notice\""),
            "{error}"
        );
    }

    #[test]
    fn a_typo_in_an_attribute_fails_schema_validation() {
        let policies = DEFAULT_POLICIES.replacen("resource.critical &&", "resource.critcal &&", 1);
        let error = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let line = DEFAULT_POLICIES
            .lines()
            .position(|line| line.contains("resource.critical &&"))
            .map_or(0, |index| index + 1);
        let first = error.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("p/policies.cedar:{line}:")),
            "{error}"
        );
        assert!(
            first.contains("JP-ESPA-001: attribute `critcal`"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_date_in_the_manifest_names_its_line() {
        let manifest = DEFAULT_MANIFEST.replace("2024-05-17", "2024-13-17");
        let error = Pack::from_sources("p", &manifest, DEFAULT_SCHEMA, DEFAULT_POLICIES)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let line = manifest
            .lines()
            .position(|line| line.contains("2024-13-17"))
            .map_or(0, |index| index + 1);
        assert_eq!(
            error,
            format!("p/pack.toml:{line}: expected a date as YYYY-MM-DD, found \"2024-13-17\"")
        );
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let policies = DEFAULT_POLICIES.replacen("forbid (principal", "forbid (principle", 1);
        let error = Pack::from_sources("p", DEFAULT_MANIFEST, DEFAULT_SCHEMA, &policies)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let line = policies
            .lines()
            .position(|line| line.contains("forbid (principle"))
            .map_or(0, |index| index + 1);
        assert!(
            error.starts_with(&format!("p/policies.cedar:{line}:")),
            "{error}"
        );
    }
}

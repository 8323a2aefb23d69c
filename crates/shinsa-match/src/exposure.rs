//! Which assets of a register the vulnerability data says are exposed.
//!
//! Each advisory names products (by package URL, CPE, vendor and product
//! name, model numbers or patterns) and which of their versions are
//! affected. An asset is matched to a product in the most specific way the
//! two share — package URL, then CPE, then vendor and model (patterns such
//! as `DS-76xxNI-Mx` included), then vendor and product name — and its
//! version is placed against the product's version rules with the
//! comparison its scheme needs ([`crate::versions`]). A version that cannot
//! be placed (rules written as prose, versions of another train, no version
//! in the register for a known-exploited vulnerability) is an exposure to
//! review that says why and quotes the source, never a guess.
//!
//! Vendors are matched by their words, with legal suffixes and generic
//! words left out, and through the identity table: a register that says
//! "NEC" meets JVN's 日本電気 because the identity of NEC names both. An
//! NVD configuration that needs a hardware platform (firmware AND device)
//! matches only an asset that names that device.

use crate::name::fold;
use crate::resolve::ResolvedRegister;
use crate::versions::compare;
use shinsa_model::{
    Advisory, AdvisorySet, AdvisorySetInfo, AdvisorySource, AffectedProduct, KnownExploited,
    ReferenceData, Remediation, Ssvc, VersionRule, VersionStatus, VexStatement, VexStatus,
};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// How an asset was tied to an advisory's product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchedBy {
    /// The asset's package URL is the product's.
    Purl,
    /// The asset's CPE names the product's vendor and product.
    Cpe,
    /// The vendor, and the asset's model fits a model number or pattern.
    Model,
    /// The vendor, and the asset's name, model or firmware is the product.
    Name,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Purl => "package URL",
            Self::Cpe => "CPE",
            Self::Model => "vendor and model",
            Self::Name => "vendor and product name",
        }
    }

    /// How sure the tie is before versions are looked at.
    pub fn confidence(self) -> f64 {
        match self {
            Self::Purl => 0.95,
            Self::Cpe => 0.9,
            Self::Model => 0.85,
            Self::Name => 0.75,
        }
    }
}

/// Where an asset's version falls.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Inside an affected range or list: the rule, as text.
    Affected(String),
    /// Cannot be placed: why, and the source's own words when it has them.
    Undecided {
        reason: String,
        quote: Option<String>,
    },
}

/// One asset exposed to one vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// `ASSET/CVE-…`: one subject per asset and vulnerability.
    pub id: String,
    pub asset: String,
    /// The asset's name, for people, and whether it serves a critical
    /// facility (the asset's own flag, or the facility's).
    pub asset_name: String,
    pub critical: bool,
    /// The CVE (or, without one, the advisory id).
    pub vulnerability: String,
    /// The record that decided, its source and where it was read.
    pub advisory: String,
    pub source: AdvisorySource,
    pub origin: String,
    pub title: String,
    pub matched_by: MatchedBy,
    pub confidence: f64,
    /// The product as the source names it: `Fortinet FortiOS`.
    pub product: String,
    /// The asset's version as the register gives it.
    pub version: Option<String>,
    pub placement: Placement,
    /// The first version not affected, when the rule that matched ends at one.
    pub fixed_in: Option<String>,
    pub remediations: Vec<Remediation>,
    pub known_exploited: Option<KnownExploited>,
    pub ssvc: Option<Ssvc>,
    /// The highest CVSS base score any container gives.
    pub score: Option<f64>,
    /// Other records that agree (`nvd CVE-…`, `csaf ICSA-…`).
    pub also: Vec<String>,
    /// An operator's or vendor's VEX statement that the asset is affected
    /// and what is done (a mitigation on record).
    pub mitigation: Option<VexStatement>,
}

impl Exposure {
    pub fn placed(&self) -> bool {
        matches!(self.placement, Placement::Affected(_))
    }

    /// A vendor fix exists: a fixed version, or a vendor_fix remediation.
    pub fn fix_available(&self) -> bool {
        self.fixed_in.is_some()
            || self
                .remediations
                .iter()
                .any(|remediation| remediation.category == "vendor_fix")
    }
}

/// A VEX statement that took an exposure away, for saying why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    pub asset: String,
    pub vulnerability: String,
    pub statement: VexStatement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ProductRef {
    advisory: u32,
    product: u32,
}

/// The advisory sets indexed for matching.
#[derive(Debug, Default)]
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    exploited: HashMap<String, KnownExploited>,
    /// Vendors' VEX statements, by vulnerability.
    vendor_vex: HashMap<String, Vec<VexStatement>>,
    by_purl: HashMap<String, Vec<ProductRef>>,
    by_cpe: HashMap<(String, String), Vec<ProductRef>>,
    /// (vendor word, product key) → products.
    by_name: HashMap<(String, String), Vec<ProductRef>>,
    /// Vendor word → products with model patterns.
    patterns: HashMap<String, Vec<(ProductRef, Pattern)>>,
    /// Each product's vendor, as sets of words any of which identifies it.
    vendors: HashMap<ProductRef, Vec<Vec<String>>>,
    sets: Vec<AdvisorySetInfo>,
}

impl AdvisoryIndex {
    pub fn new(sets: Vec<AdvisorySet>) -> Self {
        let mut index = AdvisoryIndex::default();
        for set in sets {
            index.sets.push(set.info);
            for exploited in set.exploited {
                index.exploited.insert(exploited.cve.clone(), exploited);
            }
            for statement in set.statements {
                index
                    .vendor_vex
                    .entry(statement.vulnerability.clone())
                    .or_default()
                    .push(statement);
            }
            index.advisories.extend(set.advisories);
        }
        for (advisory_number, advisory) in index.advisories.iter().enumerate() {
            for (product_number, product) in advisory.products.iter().enumerate() {
                let reference = ProductRef {
                    advisory: u32::try_from(advisory_number).unwrap_or(u32::MAX),
                    product: u32::try_from(product_number).unwrap_or(u32::MAX),
                };
                index_product(
                    reference,
                    product,
                    &mut index.by_purl,
                    &mut index.by_cpe,
                    &mut index.by_name,
                    &mut index.patterns,
                    &mut index.vendors,
                );
            }
        }
        index
    }

    /// The sets indexed, for provenance.
    pub fn sets(&self) -> &[AdvisorySetInfo] {
        &self.sets
    }

    pub fn advisories(&self) -> usize {
        self.advisories.len()
    }

    fn advisory(&self, reference: ProductRef) -> Option<(&Advisory, &AffectedProduct)> {
        let advisory = self.advisories.get(reference.advisory as usize)?;
        Some((advisory, advisory.products.get(reference.product as usize)?))
    }

    /// The exposures of the register's assets, and the ones VEX statements
    /// (the register's own, then vendors') took away.
    pub fn expose(
        &self,
        register: &ResolvedRegister,
        reference: &ReferenceData,
        statements: &[VexStatement],
    ) -> (Vec<Exposure>, Vec<Suppressed>) {
        let mut exposures = Vec::new();
        let mut suppressed = Vec::new();
        // Assets that share maker, model, names and version share answers.
        let mut answered: HashMap<AssetKey, Vec<Exposure>> = HashMap::new();
        // A party's vendor words are worked out once, not once per asset of
        // it (folding every name of its identity is most of the cost).
        let mut words_of: HashMap<String, Vec<String>> = HashMap::new();
        for resolved in &register.assets {
            let asset = &resolved.asset;
            let facts = AssetFacts::of(register, reference, resolved, &mut words_of);
            if facts.is_empty() {
                continue;
            }
            let key = facts.key();
            let found = match answered.get(&key) {
                Some(found) => found.clone(),
                None => {
                    let found = self.match_asset(&facts);
                    answered.insert(key, found.clone());
                    found
                }
            };
            for mut exposure in found {
                exposure.asset = asset.id.clone();
                exposure.asset_name = asset.name.clone();
                exposure.critical = resolved.critical;
                exposure.id = format!("{}/{}", asset.id, exposure.vulnerability);
                match self.vex_for(&exposure, asset, &facts, statements) {
                    Some(statement)
                        if matches!(
                            statement.status,
                            VexStatus::NotAffected | VexStatus::Fixed
                        ) =>
                    {
                        suppressed.push(Suppressed {
                            asset: asset.id.clone(),
                            vulnerability: exposure.vulnerability.clone(),
                            statement,
                        });
                    }
                    Some(statement)
                        if statement.status == VexStatus::Affected
                            && statement.action.is_some() =>
                    {
                        exposure.mitigation = Some(statement);
                        exposures.push(exposure);
                    }
                    _ => exposures.push(exposure),
                }
            }
        }
        (exposures, suppressed)
    }

    /// The VEX statement that speaks to an exposure: the register's own
    /// first (by asset id, package URL, CPE or name), then the vendors'
    /// (by package URL, CPE or product name).
    fn vex_for(
        &self,
        exposure: &Exposure,
        asset: &shinsa_model::Asset,
        facts: &AssetFacts,
        statements: &[VexStatement],
    ) -> Option<VexStatement> {
        let names_asset = |statement: &VexStatement| {
            let product = statement.product.as_str();
            product == asset.id
                || facts.purl.as_deref() == Some(product)
                || facts.cpe.as_deref() == Some(product)
                || fold(product) == fold(&asset.name)
        };
        let same = |statement: &VexStatement| {
            statement
                .vulnerability
                .eq_ignore_ascii_case(&exposure.vulnerability)
                || statement
                    .vulnerability
                    .eq_ignore_ascii_case(&exposure.advisory)
        };
        if let Some(statement) = statements
            .iter()
            .find(|statement| same(statement) && names_asset(statement))
        {
            return Some(statement.clone());
        }
        let vendor = self.vendor_vex.get(&exposure.vulnerability)?;
        vendor
            .iter()
            .find(|statement| {
                names_asset(statement)
                    || (fold(&statement.product) == fold(&exposure.product)
                        && statement.status != VexStatus::Affected)
            })
            .cloned()
    }

    fn match_asset(&self, facts: &AssetFacts) -> Vec<Exposure> {
        // Candidates, most specific tie first.
        let mut candidates: Vec<(ProductRef, MatchedBy)> = Vec::new();
        let mut seen: HashSet<ProductRef> = HashSet::new();
        let mut push = |reference: ProductRef,
                        by: MatchedBy,
                        candidates: &mut Vec<(ProductRef, MatchedBy)>| {
            if seen.insert(reference) {
                candidates.push((reference, by));
            }
        };
        if let Some(purl) = facts.purl.as_deref().and_then(purl_key) {
            for reference in self.by_purl.get(&purl).into_iter().flatten() {
                push(*reference, MatchedBy::Purl, &mut candidates);
            }
        }
        if let Some(cpe) = facts.cpe.as_deref().and_then(cpe_key) {
            for reference in self.by_cpe.get(&cpe).into_iter().flatten() {
                push(*reference, MatchedBy::Cpe, &mut candidates);
            }
        }
        for word in &facts.vendor_words {
            for model in &facts.models {
                for (reference, pattern) in self.patterns.get(word).into_iter().flatten() {
                    if pattern.fits(model) && self.vendor_fits(*reference, &facts.vendor_words) {
                        push(*reference, MatchedBy::Model, &mut candidates);
                    }
                }
            }
            for product in &facts.product_keys {
                for reference in self
                    .by_name
                    .get(&(word.clone(), product.clone()))
                    .into_iter()
                    .flatten()
                {
                    if self.vendor_fits(*reference, &facts.vendor_words)
                        && self.release_fits(*reference, facts)
                    {
                        push(*reference, MatchedBy::Name, &mut candidates);
                    }
                }
            }
        }
        // One exposure per vulnerability: the placed one over the
        // undecided, then the most specific tie, then the source order.
        let mut best: HashMap<String, Exposure> = HashMap::new();
        for (reference, by) in candidates {
            let Some((advisory, product)) = self.advisory(reference) else {
                continue;
            };
            if !product.running_on.is_empty() && !runs_on(product, facts) {
                continue;
            }
            let Some(exposure) = self.place(advisory, product, by, facts) else {
                continue;
            };
            match best.get_mut(&exposure.vulnerability) {
                Some(kept) => {
                    let better = (exposure.placed(), std::cmp::Reverse(exposure.matched_by))
                        > (kept.placed(), std::cmp::Reverse(kept.matched_by));
                    let label = format!("{} {}", exposure.source.as_str(), exposure.advisory);
                    if better {
                        let mut also = std::mem::take(&mut kept.also);
                        also.push(format!("{} {}", kept.source.as_str(), kept.advisory));
                        let mut replacement = exposure;
                        replacement.also = also;
                        *kept = replacement;
                    } else if !kept.also.contains(&label) && kept.advisory != exposure.advisory {
                        kept.also.push(label);
                    }
                }
                None => {
                    best.insert(exposure.vulnerability.clone(), exposure);
                }
            }
        }
        let mut found: Vec<Exposure> = best.into_values().collect();
        found.sort_by(|a, b| a.vulnerability.cmp(&b.vulnerability));
        for exposure in &mut found {
            exposure.also.sort();
            exposure.also.dedup();
        }
        found
    }

    /// Whether a product found by name is of the asset's major release: a
    /// product named for one (`Red Hat Enterprise Linux 8`, or a CPE
    /// `enterprise_linux:8`) is not the asset's product when the asset's
    /// version is of another (`9.4`). The name alone is matched without
    /// its release, so without this every release of a product line would
    /// expose every other.
    fn release_fits(&self, reference: ProductRef, facts: &AssetFacts) -> bool {
        let Some((_, product)) = self.advisory(reference) else {
            return false;
        };
        let releases = major_releases(product);
        let Some(version) = facts.version.as_deref() else {
            return true;
        };
        // The asset names the release itself (`Windows 10`, version 22H2).
        let named = facts.product_keys.contains(&product_key(&product.product));
        releases.is_empty()
            || named
            || releases.iter().any(|release| {
                version
                    .strip_prefix(release.as_str())
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
            })
    }

    fn vendor_fits(&self, reference: ProductRef, asset_words: &[String]) -> bool {
        self.vendors.get(&reference).is_some_and(|vendors| {
            vendors
                .iter()
                .any(|words| words.iter().all(|word| asset_words.contains(word)))
        })
    }

    /// Where the asset's version falls for this product; `None` when not
    /// affected.
    fn place(
        &self,
        advisory: &Advisory,
        product: &AffectedProduct,
        by: MatchedBy,
        facts: &AssetFacts,
    ) -> Option<Exposure> {
        let vulnerability = advisory
            .cves
            .first()
            .cloned()
            .unwrap_or_else(|| advisory.id.clone());
        let known_exploited = advisory
            .cves
            .iter()
            .find_map(|cve| self.exploited.get(cve))
            .cloned();
        let (placement, fixed_in) = match &facts.version {
            Some(version) => placement(product, version)?,
            // Without a version only what is known to be exploited is
            // worth a person's time.
            None if known_exploited.is_some() || advisory.kev_added.is_some() => (
                Placement::Undecided {
                    reason: "the register gives no version for this asset".to_owned(),
                    quote: None,
                },
                None,
            ),
            None => return None,
        };
        let remediations = advisory
            .remediations
            .iter()
            .filter(|remediation| {
                remediation.products.is_empty()
                    || remediation.products.iter().any(|index| {
                        advisory
                            .products
                            .get(*index)
                            .is_some_and(|p| p.origin == product.origin)
                    })
            })
            .cloned()
            .collect();
        let product_name = [product.vendor.as_str(), product.product.as_str()]
            .iter()
            .filter(|part| !part.is_empty() && **part != "n/a")
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Some(Exposure {
            id: String::new(),
            asset: String::new(),
            asset_name: String::new(),
            critical: false,
            vulnerability,
            advisory: advisory.id.clone(),
            source: advisory.source,
            origin: product.origin.clone(),
            title: advisory.title.clone(),
            matched_by: by,
            confidence: by.confidence(),
            product: product_name,
            version: facts.version.clone(),
            placement,
            fixed_in,
            remediations,
            known_exploited,
            ssvc: advisory.ssvc.clone(),
            score: advisory.scores.first().map(|score| score.base),
            also: Vec::new(),
            mitigation: None,
        })
    }
}

/// Where `version` falls among the product's rules: affected (with the rule
/// and the first fixed version), undecided (why, with the source's words),
/// or `None` for not affected.
fn placement(product: &AffectedProduct, version: &str) -> Option<(Placement, Option<String>)> {
    let mut undecided: Option<Placement> = None;
    let mut unaffected = false;
    let mut affected_rules = 0usize;
    for rule in &product.versions {
        let outcome = rule_outcome(rule, version);
        match outcome {
            RuleOutcome::Holds(VersionStatus::Affected, text, fixed) => {
                return Some((Placement::Affected(text), fixed));
            }
            RuleOutcome::Holds(VersionStatus::Unaffected, ..) => unaffected = true,
            RuleOutcome::Holds(VersionStatus::Unknown, text, _) => {
                undecided.get_or_insert(Placement::Undecided {
                    reason: format!("the source says the status of {text} is unknown"),
                    quote: None,
                });
            }
            RuleOutcome::CannotTell(reason, quote) => {
                undecided.get_or_insert(Placement::Undecided { reason, quote });
            }
            RuleOutcome::Outside => {}
        }
        if rule_status(rule) == VersionStatus::Affected {
            affected_rules += 1;
        }
    }
    if unaffected {
        return None;
    }
    if let Some(undecided) = undecided {
        return Some((undecided, None));
    }
    match product.default_status {
        VersionStatus::Affected => Some((
            Placement::Affected(
                "every version not listed as unaffected (the record's default)".to_owned(),
            ),
            None,
        )),
        VersionStatus::Unknown if affected_rules == 0 => Some((
            Placement::Undecided {
                reason: "the source names the product but not which versions".to_owned(),
                quote: None,
            },
            None,
        )),
        _ => None,
    }
}

fn rule_status(rule: &VersionRule) -> VersionStatus {
    match rule {
        VersionRule::All { status }
        | VersionRule::Exact { status, .. }
        | VersionRule::Range { status, .. }
        | VersionRule::Prose { status, .. } => *status,
    }
}

enum RuleOutcome {
    /// The version is inside the rule: its status, the rule as text, and
    /// the first fixed version the rule gives.
    Holds(VersionStatus, String, Option<String>),
    Outside,
    CannotTell(String, Option<String>),
}

/// Whether a rule is about source-control commits (CVE 5 `versionType`
/// `git`, as the Linux kernel's records write their ranges): those say
/// nothing about a release version, which is placed by the record's other
/// rules and its default.
fn about_commits(rule: &VersionRule, version: &str) -> bool {
    let scheme = match rule {
        VersionRule::Exact { scheme, .. } | VersionRule::Range { scheme, .. } => scheme.as_deref(),
        _ => None,
    };
    let is_commit = version.len() >= 7 && version.bytes().all(|b| b.is_ascii_hexdigit());
    scheme.is_some_and(|scheme| scheme.eq_ignore_ascii_case("git")) && !is_commit
}

/// How `version` stands to a range's bound. A bound may be a wildcard, as
/// CVE records write series: `6.1.*` is every 6.1 release (the version is
/// compared by as many parts as the bound has), `*` every version.
fn against(version: &str, bound: &shinsa_model::Bound, scheme: Option<&str>) -> Option<Ordering> {
    match bound.version.strip_suffix('*') {
        Some("") => Some(Ordering::Equal),
        Some(prefix) => {
            let prefix = prefix.trim_end_matches('.');
            let parts = prefix.split('.').count();
            let series: Vec<&str> = version.split('.').take(parts).collect();
            compare(&series.join("."), prefix, scheme)
        }
        None => compare(version, &bound.version, scheme),
    }
}

fn rule_outcome(rule: &VersionRule, version: &str) -> RuleOutcome {
    if about_commits(rule, version) {
        return RuleOutcome::Outside;
    }
    match rule {
        VersionRule::All { status } => {
            RuleOutcome::Holds(*status, "every version".to_owned(), None)
        }
        VersionRule::Exact {
            version: listed,
            status,
            scheme,
        } => match compare(version, listed, scheme.as_deref()) {
            Some(Ordering::Equal) => RuleOutcome::Holds(*status, format!("version {listed}"), None),
            _ => RuleOutcome::Outside,
        },
        VersionRule::Range {
            from,
            to,
            status,
            scheme,
            changes,
        } => {
            let scheme = scheme.as_deref();
            let text = range_text(from.as_ref(), to.as_ref());
            let above = match from {
                None => Some(true),
                Some(bound) => against(version, bound, scheme).map(|order| {
                    order == Ordering::Greater || (bound.inclusive && order == Ordering::Equal)
                }),
            };
            let below = match to {
                None => Some(true),
                Some(bound) => against(version, bound, scheme).map(|order| {
                    order == Ordering::Less || (bound.inclusive && order == Ordering::Equal)
                }),
            };
            match (above, below) {
                (Some(true), Some(true)) => {
                    // `changes`: from `at` on, the status is another.
                    let mut status_here = *status;
                    for (at, changed) in changes {
                        if compare(version, at, scheme).is_some_and(|order| order != Ordering::Less)
                        {
                            status_here = *changed;
                        }
                    }
                    let fixed = to
                        .as_ref()
                        .filter(|bound| !bound.inclusive)
                        .map(|bound| bound.version.clone());
                    RuleOutcome::Holds(status_here, text, fixed)
                }
                (Some(false), _) | (_, Some(false)) => RuleOutcome::Outside,
                _ => RuleOutcome::CannotTell(
                    format!("version {version} cannot be ordered against {text}"),
                    None,
                ),
            }
        }
        VersionRule::Prose { text, status } => {
            if *status == VersionStatus::Unaffected {
                return RuleOutcome::Outside;
            }
            RuleOutcome::CannotTell(
                "the source states the affected versions in words no rule reads".to_owned(),
                Some(text.clone()),
            )
        }
    }
}

fn range_text(from: Option<&shinsa_model::Bound>, to: Option<&shinsa_model::Bound>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => format!(
            "versions from {} ({}) to {} ({})",
            from.version,
            if from.inclusive {
                "including"
            } else {
                "excluding"
            },
            to.version,
            if to.inclusive {
                "including"
            } else {
                "excluding"
            }
        ),
        (Some(from), None) => format!(
            "versions from {}{}",
            from.version,
            if from.inclusive {
                " on"
            } else {
                " (excluding)"
            }
        ),
        (None, Some(to)) => format!(
            "versions {} {}",
            if to.inclusive {
                "up to and including"
            } else {
                "before"
            },
            to.version
        ),
        (None, None) => "every version".to_owned(),
    }
}

/// Whether the asset names one of the platforms (hardware) the product
/// needs.
fn runs_on(product: &AffectedProduct, facts: &AssetFacts) -> bool {
    product.running_on.iter().any(|platform| {
        let key = if platform.starts_with("cpe:") {
            cpe_key(platform).map(|(_, product)| product_key(&product))
        } else {
            Some(product_key(platform))
        };
        key.is_some_and(|key| {
            facts.product_keys.contains(&key)
                || facts.models.iter().any(|model| model_key(model) == key)
        })
    })
}

// ------------------------------------------------------------ indexing

fn index_product(
    reference: ProductRef,
    product: &AffectedProduct,
    by_purl: &mut HashMap<String, Vec<ProductRef>>,
    by_cpe: &mut HashMap<(String, String), Vec<ProductRef>>,
    by_name: &mut HashMap<(String, String), Vec<ProductRef>>,
    patterns: &mut HashMap<String, Vec<(ProductRef, Pattern)>>,
    vendors_of: &mut HashMap<ProductRef, Vec<Vec<String>>>,
) {
    if let Some(purl) = product.purl.as_deref().and_then(purl_key) {
        by_purl.entry(purl).or_default().push(reference);
    }
    // The vendor as the source writes it, and as each CPE names it (JVN
    // writes 日立 where its CPE says hitachi): either identifies it.
    let mut vendors: Vec<Vec<String>> = Vec::new();
    let written = vendor_words(&product.vendor);
    if !written.is_empty() {
        vendors.push(written);
    }
    let mut product_keys: Vec<String> = Vec::new();
    for cpe in &product.cpes {
        if let Some((vendor, name)) = cpe_key(cpe) {
            by_cpe
                .entry((vendor.clone(), name.clone()))
                .or_default()
                .push(reference);
            let words = vendor_words_from_cpe(&vendor);
            if !words.is_empty() && !vendors.contains(&words) {
                vendors.push(words);
            }
            product_keys.push(product_key(&name));
            // Firmware is named after its device: `mf286r_firmware`.
            if let Some(device) = name.strip_suffix("_firmware") {
                product_keys.push(product_key(device));
            }
        }
    }
    if vendors.is_empty() {
        return;
    }
    let mut words: Vec<String> = vendors.iter().flatten().cloned().collect();
    words.sort();
    words.dedup();
    let name = product.product.trim();
    if !name.is_empty() && !matches!(name, "n/a" | "*" | "-") {
        if Pattern::is_pattern(name) {
            for word in &words {
                patterns
                    .entry(word.clone())
                    .or_default()
                    .push((reference, Pattern::new(name)));
            }
        } else {
            product_keys.push(product_key(name));
            // "DS-7604NI-K1 / 4P(B)": a model with its variants.
            for part in name.split(" / ") {
                product_keys.push(product_key(part));
            }
        }
    }
    for model in &product.models {
        if Pattern::is_pattern(model) {
            for word in &words {
                patterns
                    .entry(word.clone())
                    .or_default()
                    .push((reference, Pattern::new(model)));
            }
        } else {
            product_keys.push(model_key(model));
        }
    }
    product_keys.retain(|key| key.len() >= 2);
    product_keys.sort();
    product_keys.dedup();
    for key in product_keys {
        for word in &words {
            by_name
                .entry((word.clone(), key.clone()))
                .or_default()
                .push(reference);
        }
    }
    vendors_of.insert(reference, vendors);
}

/// Words of a company name that tell vendors apart: folded, without legal
/// forms and generic words (`Hangzhou Hikvision Digital Technology Co.,
/// Ltd.` → hangzhou, hikvision).
pub fn vendor_words(name: &str) -> Vec<String> {
    const GENERIC: &[&str] = &[
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "co",
        "corp",
        "corporation",
        "company",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "s",
        "a",
        "nv",
        "bv",
        "kk",
        "the",
        "of",
        "and",
        "technology",
        "technologies",
        "tech",
        "digital",
        "group",
        "holdings",
        "holding",
        "international",
        "systems",
        "system",
        "solutions",
        "software",
        "networks",
        "n",
        "na",
    ];
    let name = name
        .replace("株式会社", " ")
        .replace("有限会社", " ")
        .replace("(株)", " ")
        .replace("（株）", " ")
        .replace('㈱', " ");
    let folded = fold(&name);
    let mut words: Vec<String> = folded
        .split([' ', '(', ')'])
        .filter(|word| !word.is_empty() && !GENERIC.contains(word))
        .map(str::to_owned)
        .collect();
    words.dedup();
    words
}

fn vendor_words_from_cpe(vendor: &str) -> Vec<String> {
    vendor_words(&vendor.replace(['_', '-'], " "))
}

/// A product name as a key: folded, letters and digits only.
fn product_key(name: &str) -> String {
    fold(&name.replace('_', " "))
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn model_key(model: &str) -> String {
    product_key(model)
}

/// `pkg:TYPE/NAMESPACE/NAME` of a package URL, lower case, without its
/// version, qualifiers and subpath.
fn purl_key(purl: &str) -> Option<String> {
    let rest = purl.trim().strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let rest = rest.rsplit_once('@').map_or(rest, |(head, _)| head);
    Some(rest.to_ascii_lowercase())
}

/// The major releases a product is named for: a last word of its name, or
/// a CPE version, that is a number of one or two digits (`Linux 8`,
/// `enterprise_linux:9`). Longer numbers are years or models (`Windows
/// Server 2019`, whose versions are `10.0.…`), not releases.
fn major_releases(product: &AffectedProduct) -> Vec<String> {
    let is_release =
        |text: &str| (1..=2).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit());
    let mut releases: Vec<String> = product
        .product
        .split_whitespace()
        .last()
        .filter(|word| is_release(word))
        .map(str::to_owned)
        .into_iter()
        .collect();
    for cpe in &product.cpes {
        let cpe = cpe.trim();
        let Some(rest) = cpe
            .strip_prefix("cpe:2.3:")
            .or_else(|| cpe.strip_prefix("cpe:/"))
        else {
            continue;
        };
        let fields: Vec<&str> = rest.split(':').collect();
        if let Some(version) = fields.get(3).filter(|version| is_release(version))
            && !releases.iter().any(|known| known == version)
        {
            releases.push((*version).to_owned());
        }
    }
    releases
}

/// (vendor, product) of a CPE 2.3 or 2.2 name.
fn cpe_key(cpe: &str) -> Option<(String, String)> {
    let cpe = cpe.trim();
    let fields: Vec<&str> = if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
        rest.split(':').collect()
    } else {
        cpe.strip_prefix("cpe:/")?.split(':').collect()
    };
    let vendor = fields.get(1)?.replace('\\', "").to_ascii_lowercase();
    let product = fields.get(2)?.replace('\\', "").to_ascii_lowercase();
    (!vendor.is_empty() && vendor != "*" && !product.is_empty() && product != "*")
        .then_some((vendor, product))
}

/// A model number pattern as vendors write them: `DS-76xxNI-Mx` (a lower
/// `x` in a model written in capitals is one character), `6ES7 214-1*`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// Folded, separators out; `?` one character, `*` any.
    shape: Vec<char>,
}

impl Pattern {
    fn is_pattern(text: &str) -> bool {
        text.contains('*')
            || text.contains('?')
            || (text.contains('x')
                && text.chars().any(|c| c.is_ascii_uppercase())
                && text.chars().any(|c| c.is_ascii_digit()))
    }

    fn new(text: &str) -> Self {
        let wildcard_x = text.chars().any(|c| c.is_ascii_uppercase());
        let shape = text
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '*' || *c == '?')
            .map(|c| match c {
                'x' if wildcard_x => '?',
                other => other.to_ascii_lowercase(),
            })
            .collect();
        Pattern { shape }
    }

    fn fits(&self, model: &str) -> bool {
        let model: Vec<char> = model
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        fits(&self.shape, &model)
    }
}

/// Glob matching, linear in practice (`*` is rare and short).
fn fits(pattern: &[char], text: &[char]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            fits(pattern.get(1..).unwrap_or(&[]), text)
                || (!text.is_empty() && fits(pattern, text.get(1..).unwrap_or(&[])))
        }
        (Some('?'), Some(_)) => fits(
            pattern.get(1..).unwrap_or(&[]),
            text.get(1..).unwrap_or(&[]),
        ),
        (Some(p), Some(t)) if p == t => fits(
            pattern.get(1..).unwrap_or(&[]),
            text.get(1..).unwrap_or(&[]),
        ),
        _ => false,
    }
}

// ------------------------------------------------------ the asset side

/// What of an asset matching reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AssetKey(
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[derive(Debug)]
struct AssetFacts {
    vendor_words: Vec<String>,
    models: Vec<String>,
    /// Keys of the asset's name, model and firmware, and of their word runs.
    product_keys: Vec<String>,
    version: Option<String>,
    purl: Option<String>,
    cpe: Option<String>,
}

impl AssetFacts {
    /// The facts of `resolved`; `words_of` keeps each party's vendor
    /// words (its name and its identity's names) by party key.
    fn of(
        register: &ResolvedRegister,
        reference: &ReferenceData,
        resolved: &crate::resolve::ResolvedAsset,
        words_of: &mut HashMap<String, Vec<String>>,
    ) -> Self {
        let asset = &resolved.asset;
        let mut vendor_words: Vec<String> = Vec::new();
        for key in [&resolved.manufacturer, &resolved.supplier]
            .into_iter()
            .flatten()
        {
            let words = words_of.entry(key.clone()).or_insert_with(|| {
                let Some(party) = register.party(key) else {
                    return Vec::new();
                };
                let mut names = vec![party.name.as_str()];
                if let Some((identity, _)) = &party.identity
                    && let Some(identity) = reference
                        .identities
                        .iter()
                        .find(|known| &known.id == identity)
                {
                    names.extend(identity.all_names());
                }
                names
                    .iter()
                    .flat_map(|name| self::vendor_words(name))
                    .collect()
            });
            vendor_words.extend(words.iter().cloned());
        }
        if let Some((vendor, _)) = asset.cpe.as_deref().and_then(cpe_key) {
            vendor_words.extend(vendor_words_from_cpe(&vendor));
        }
        vendor_words.sort();
        vendor_words.dedup();
        let models: Vec<String> = asset.model.iter().cloned().collect();
        let mut product_keys = Vec::new();
        for text in [
            Some(&asset.name),
            asset.model.as_ref(),
            asset.firmware.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            // Each word folded once; a window's key is its words' keys
            // run together, as `product_key` of the window would be.
            let words: Vec<String> = text.split_whitespace().map(product_key).collect();
            product_keys.push(words.concat());
            for width in 1..=3 {
                for window in words.windows(width) {
                    product_keys.push(window.concat());
                }
            }
        }
        if let Some((_, product)) = asset.cpe.as_deref().and_then(cpe_key) {
            product_keys.push(product_key(&product));
        }
        product_keys.retain(|key| key.len() >= 2);
        product_keys.sort();
        product_keys.dedup();
        AssetFacts {
            vendor_words,
            models,
            product_keys,
            version: asset
                .version
                .clone()
                .filter(|version| !version.trim().is_empty()),
            purl: asset.purl.clone(),
            cpe: asset.cpe.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        self.vendor_words.is_empty() && self.purl.is_none() && self.cpe.is_none()
    }

    fn key(&self) -> AssetKey {
        AssetKey(
            self.vendor_words.clone(),
            self.models.clone(),
            self.product_keys.clone(),
            self.version.clone(),
            self.purl.clone(),
            self.cpe.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_patterns_fit_the_models_they_name() {
        let pattern = Pattern::new("DS-76xxNI-Mx");
        assert!(pattern.fits("DS-7608NI-M2"));
        assert!(!pattern.fits("DS-7708NI-M2"));
        assert!(!pattern.fits("DS-7608NXI-M2"));
        assert!(Pattern::new("DS-76xxNXI-Ix").fits("DS-7616NXI-I2"));
        assert!(Pattern::new("6ES7 214-1*").fits("6ES7214-1AG40-0XB0"));
        assert!(!Pattern::is_pattern("FortiOS"));
        assert!(!Pattern::is_pattern("DS-7604NI-K1 / 4P(B)"));
    }

    #[test]
    fn vendor_words_leave_legal_forms_out() {
        assert_eq!(
            vendor_words("Hangzhou Hikvision Digital Technology Co., Ltd."),
            ["hangzhou", "hikvision"]
        );
        assert_eq!(vendor_words("日本電気株式会社"), ["日本電気"]);
        assert_eq!(vendor_words("Fortinet, Inc."), ["fortinet"]);
    }

    #[test]
    fn a_product_named_for_a_major_release_is_of_that_release_only() {
        let product = |name: &str, cpes: &[&str]| AffectedProduct {
            vendor: "Red Hat".into(),
            product: name.into(),
            purl: None,
            cpes: cpes.iter().map(|cpe| (*cpe).to_owned()).collect(),
            models: Vec::new(),
            running_on: Vec::new(),
            versions: Vec::new(),
            default_status: VersionStatus::Affected,
            origin: String::new(),
        };
        assert_eq!(
            major_releases(&product(
                "Red Hat Enterprise Linux 8",
                &["cpe:/o:redhat:enterprise_linux:8::baseos"]
            )),
            ["8"]
        );
        assert_eq!(
            major_releases(&product(
                "Red Hat Enterprise Linux",
                &["cpe:2.3:o:redhat:enterprise_linux:9:*:*:*:*:*:*:*"]
            )),
            ["9"]
        );
        // Years and full versions are not releases.
        assert!(major_releases(&product("Windows Server 2019", &[])).is_empty());
        assert!(
            major_releases(&product(
                "FortiOS",
                &["cpe:2.3:o:fortinet:fortios:7.0.8:*:*:*:*:*:*:*"]
            ))
            .is_empty()
        );
    }

    #[test]
    fn commit_ranges_say_nothing_about_a_release_version() {
        // As the Linux kernel's CVE records write them: commit ranges, the
        // release where the bug came in, a fixed series, default affected.
        let bound = |version: &str, inclusive| shinsa_model::Bound {
            version: version.to_owned(),
            inclusive,
        };
        let product = AffectedProduct {
            vendor: "Linux".into(),
            product: "Linux".into(),
            purl: None,
            cpes: Vec::new(),
            models: Vec::new(),
            running_on: Vec::new(),
            versions: vec![
                VersionRule::Range {
                    from: Some(bound("446fda4f2682", true)),
                    to: Some(bound("97bc3683c249", false)),
                    status: VersionStatus::Affected,
                    scheme: Some("git".into()),
                    changes: Vec::new(),
                },
                VersionRule::Range {
                    from: Some(bound("0", true)),
                    to: Some(bound("5.3", false)),
                    status: VersionStatus::Unaffected,
                    scheme: Some("semver".into()),
                    changes: Vec::new(),
                },
                VersionRule::Range {
                    from: Some(bound("6.1.80", true)),
                    to: Some(bound("6.1.*", true)),
                    status: VersionStatus::Unaffected,
                    scheme: Some("semver".into()),
                    changes: Vec::new(),
                },
            ],
            default_status: VersionStatus::Affected,
            origin: "test".into(),
        };
        assert!(matches!(
            placement(&product, "5.10.2"),
            Some((Placement::Affected(_), _))
        ));
        assert!(placement(&product, "5.2").is_none());
        assert!(placement(&product, "6.1.85").is_none());
    }
}

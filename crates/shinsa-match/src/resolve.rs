//! From a register to resolved facts, as of one day: which identity each
//! name is, who controls whom, which list entries are in force for which
//! party, and which of those apply to which asset given the entry's scope,
//! use restriction and exceptions.

use crate::matcher::{Matcher, NameMatch, TargetRef};
use crate::observed::{ResolvedConnection, ResolvedDevice};
use shinsa_model::{
    Asset, ContractScope, CountryCode, Date, EntryTarget, Inventory, ListEntry, Operator, PartyRef,
    ReferenceData, RelationKind, UseRestriction,
};
use std::collections::{BTreeMap, HashMap};

/// Aggregate share from which an owner controls a company: the OFAC 50 %
/// rule, applied to every list (a company majority-owned by a listed one is
/// treated as listed, with the path as evidence).
pub const CONTROL_SHARE: f64 = 50.0;

/// A chain of holdings from a party up to one of its owners.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerPath {
    /// Party key (`party:ID`) or identity key (`identity:ID`) of the owner.
    pub owner: String,
    pub owner_name: String,
    pub owner_country: Option<CountryCode>,
    /// Hops from the party to the owner, each as `Name (share)`.
    pub hops: Vec<String>,
    /// Aggregate effective share, summed over every path (percent).
    pub share: f64,
}

/// How a party comes to be on a list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListingVia {
    /// The party's own name matched.
    Direct,
    /// An owner with control is listed.
    Owner(OwnerPath),
}

/// A list entry in force that names a party or a controller of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub entry: String,
    pub list: String,
    pub via: ListingVia,
    /// How the listed company's name was matched.
    pub name_match: NameMatch,
    /// The name the register used.
    pub register_name: String,
}

/// A party of the register, or a free-text name, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedParty {
    /// `party:ID` for rows of parties.csv, `name:TEXT` for free text.
    pub key: String,
    pub name: String,
    pub country: Option<CountryCode>,
    /// Where the country came from.
    pub country_source: String,
    pub identity: Option<(String, NameMatch)>,
    /// Owners with an aggregate share of at least [`CONTROL_SHARE`].
    pub controllers: Vec<OwnerPath>,
    pub listings: Vec<Listing>,
}

/// A listing that applies to an asset through its manufacturer or supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetListing {
    /// `manufacturer` or `supplier`.
    pub role: &'static str,
    pub party: String,
    pub listing: Listing,
    /// Why the entry's scope covers the asset.
    pub scope_note: String,
}

/// A categorical entry ("any drone produced abroad") covering an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalHit {
    pub entry: String,
    pub list: String,
    pub category: String,
    pub produced_in: Option<CountryCode>,
    pub why: String,
}

/// An asset with its facts resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedAsset {
    /// The register row as read.
    pub asset: Asset,
    /// Critical itself or part of a critical facility (the row's own flag
    /// says only the former).
    pub critical: bool,
    pub critical_note: Option<String>,
    /// Party keys of the manufacturer and supplier.
    pub manufacturer: Option<String>,
    pub supplier: Option<String>,
    /// Listings of the manufacturer or supplier whose scope covers the asset.
    pub listings: Vec<AssetListing>,
    /// Listings of its parties that do not cover it, with the reason.
    pub out_of_scope: Vec<(String, String)>,
    pub categorical: Vec<CategoricalHit>,
}

/// A contract with its chain of parents resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedContract {
    pub id: String,
    pub contractor: String,
    pub asset: Option<String>,
    pub asset_critical: bool,
    pub scope: ContractScope,
    pub work_country: Option<CountryCode>,
    pub customer_data_access: bool,
    /// Contract ids from the operator's own contract down to this one.
    pub chain: Vec<String>,
    /// Contractor party keys along `chain`.
    pub chain_parties: Vec<String>,
}

impl ResolvedContract {
    /// Whether this is a subcontract (its chain is longer than itself).
    pub fn is_subcontract(&self) -> bool {
        self.chain.len() > 1
    }
}

/// A data flow with its provider and source resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedDataFlow {
    pub id: String,
    pub source_asset: Option<String>,
    pub source_critical: bool,
    pub destination: String,
    pub provider: Option<String>,
    pub dc_country: Option<CountryCode>,
    pub customer_data: bool,
    pub data_categories: Vec<String>,
}

/// Everything the policy needs, resolved as of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedRegister {
    pub as_of: Date,
    pub operator: Operator,
    /// Whether the operator's sector is a designated sector on `as_of`.
    pub designated: bool,
    pub parties: BTreeMap<String, ResolvedParty>,
    pub assets: Vec<ResolvedAsset>,
    pub contracts: Vec<ResolvedContract>,
    pub dataflows: Vec<ResolvedDataFlow>,
    /// Network evidence: connections and devices seen (`shinsa net`).
    pub connections: Vec<ResolvedConnection>,
    pub devices: Vec<ResolvedDevice>,
    /// Assets exposed to known vulnerabilities (filled when the screening
    /// has vulnerability data: [`crate::exposure`]), and the exposures VEX
    /// statements took away.
    pub exposures: Vec<crate::exposure::Exposure>,
    pub suppressed: Vec<crate::exposure::Suppressed>,
}

impl ResolvedRegister {
    /// The party with this key.
    pub fn party(&self, key: &str) -> Option<&ResolvedParty> {
        self.parties.get(key)
    }
}

/// The key of a register party or free-text name.
pub fn party_key(reference: &PartyRef) -> String {
    match reference {
        PartyRef::Id(id) => format!("party:{id}"),
        PartyRef::Text(text) => format!("name:{text}"),
    }
}

/// An owner edge: `owner` holds `share` percent of the node.
#[derive(Debug, Clone)]
struct Edge {
    owner: String,
    share: f64,
}

/// Who holds whom: nodes are register names (`party:`, `name:`) and
/// identities (`identity:`), edges point from the held to its holders.
struct Graph {
    owners: HashMap<String, Vec<Edge>>,
    names: HashMap<String, String>,
    countries: HashMap<String, Option<CountryCode>>,
}

impl Graph {
    /// Every owner reachable from `node`, aggregated over paths, with the
    /// path of the largest single contribution.
    fn owners_of(&self, node: &str) -> Vec<OwnerPath> {
        let mut found: BTreeMap<String, (f64, f64, Vec<String>)> = BTreeMap::new();
        let mut stack = vec![(
            node.to_owned(),
            100.0_f64,
            Vec::<String>::new(),
            vec![node.to_owned()],
        )];
        while let Some((current, share, hops, visited)) = stack.pop() {
            for edge in self.owners.get(&current).into_iter().flatten() {
                if visited.contains(&edge.owner) {
                    continue; // a cross-holding cycle: do not count it twice
                }
                let effective = share * edge.share / 100.0;
                let mut path = hops.clone();
                path.push(format!(
                    "{} ({}%)",
                    self.name(&edge.owner),
                    trim_share(edge.share)
                ));
                let entry = found
                    .entry(edge.owner.clone())
                    .or_insert((0.0, 0.0, Vec::new()));
                entry.0 += effective;
                if effective > entry.1 {
                    entry.1 = effective;
                    entry.2 = path.clone();
                }
                let mut seen = visited.clone();
                seen.push(edge.owner.clone());
                stack.push((edge.owner.clone(), effective, path, seen));
            }
        }
        found
            .into_iter()
            .map(|(owner, (share, _, hops))| OwnerPath {
                owner_name: self.name(&owner),
                owner_country: self.countries.get(&owner).copied().flatten(),
                owner,
                hops,
                share: share.min(100.0),
            })
            .collect()
    }

    /// Gives `node` the owners of `from` (a name recognised as a company
    /// is held as that company is).
    fn inherit_owners(&mut self, node: &str, from: &str) {
        let inherited: Vec<Edge> = self.owners.get(from).cloned().unwrap_or_default();
        self.owners
            .entry(node.to_owned())
            .or_default()
            .extend(inherited);
    }

    fn name(&self, node: &str) -> String {
        self.names
            .get(node)
            .cloned()
            .unwrap_or_else(|| node.to_owned())
    }
}

fn trim_share(share: f64) -> String {
    if share.fract() == 0.0 {
        format!("{share:.0}")
    } else {
        format!("{share:.1}")
    }
}

/// Resolves a register against reference data as of `day`.
pub fn resolve(
    inventory: &Inventory,
    reference: &ReferenceData,
    matcher: &Matcher,
    day: Date,
    threshold: f64,
) -> ResolvedRegister {
    let in_force: Vec<&ListEntry> = reference
        .entries
        .iter()
        .filter(|entry| entry.in_force(day))
        .collect();
    let by_key: HashMap<String, &ListEntry> =
        in_force.iter().map(|entry| (entry.key(), *entry)).collect();

    // Every name that needs resolving: register parties and free text.
    let mut names: BTreeMap<String, (String, Vec<String>, Option<CountryCode>)> = BTreeMap::new();
    for party in &inventory.parties {
        let country = party.hq_country.or(party.country);
        let all = party.names().map(str::to_owned).collect();
        names.insert(
            format!("party:{}", party.id),
            (party.name.clone(), all, country),
        );
    }
    let free_text = inventory
        .assets
        .iter()
        .flat_map(|asset| [asset.manufacturer.as_ref(), asset.supplier.as_ref()])
        .chain(
            inventory
                .contracts
                .iter()
                .map(|contract| Some(&contract.contractor)),
        )
        .chain(
            inventory
                .dataflows
                .iter()
                .map(|flow| flow.provider.as_ref()),
        )
        .flatten();
    // Network evidence names companies too: a device's hardware vendor and
    // a data-centre provider's parent (with the table's country).
    let observed = inventory
        .observed
        .devices
        .iter()
        .filter_map(|device| device.vendor.as_ref().map(|vendor| (vendor, None)))
        .chain(
            inventory
                .observed
                .connections
                .iter()
                .filter_map(|connection| {
                    connection
                        .provider_parent
                        .as_ref()
                        .map(|parent| (parent, connection.provider_country))
                }),
        );
    for (reference_to, country) in free_text.map(|party| (party, None)).chain(observed) {
        if let PartyRef::Text(text) = reference_to {
            names
                .entry(format!("name:{text}"))
                .or_insert_with(|| (text.clone(), vec![text.clone()], country));
        }
    }

    // Identity and entry matches per name; for names that are parties of
    // an imported list with ownership relations, the best such party.
    let listed_keys: std::collections::HashSet<String> = reference
        .listed
        .iter()
        .filter(|(_, party)| {
            party
                .relations
                .iter()
                .any(|relation| relation.kind == RelationKind::OwnedBy)
        })
        .map(|(list, party)| format!("{list}/{}", party.id))
        .collect();
    let mut listed_of: BTreeMap<String, (String, NameMatch)> = BTreeMap::new();
    let mut identity_of: BTreeMap<String, (String, NameMatch)> = BTreeMap::new();
    let mut entry_matches: BTreeMap<String, Vec<(String, NameMatch, String)>> = BTreeMap::new();
    for (key, (_, all_names, _)) in &names {
        for name in all_names {
            for found in matcher.find(name, threshold) {
                match &found.target {
                    TargetRef::Identity(id) => {
                        let better = identity_of
                            .get(key)
                            .is_none_or(|(_, current)| found.score > current.score);
                        if better {
                            identity_of.insert(key.clone(), (id.clone(), found.clone()));
                        }
                    }
                    TargetRef::Entry(entry) => {
                        if listed_keys.contains(entry.as_str()) {
                            let better = listed_of
                                .get(key)
                                .is_none_or(|(_, current)| found.score > current.score);
                            if better {
                                listed_of.insert(key.clone(), (entry.clone(), found.clone()));
                            }
                        }
                        entry_matches.entry(key.clone()).or_default().push((
                            entry.clone(),
                            found.clone(),
                            name.clone(),
                        ));
                    }
                }
            }
        }
    }
    weigh_identifiers(inventory, reference, threshold, &mut identity_of);
    weigh_listed_facts(inventory, reference, threshold, &mut entry_matches);

    // The ownership graph: register holdings in force, identity parents, and
    // for a register name resolved to an identity, that identity's holders.
    let mut graph = Graph {
        owners: HashMap::new(),
        names: HashMap::new(),
        countries: HashMap::new(),
    };
    for identity in &reference.identities {
        let node = format!("identity:{}", identity.id);
        graph.names.insert(node.clone(), identity.name.clone());
        graph.countries.insert(node.clone(), Some(identity.country));
        if let Some(parent) = &identity.parent {
            graph.owners.entry(node).or_default().push(Edge {
                owner: format!("identity:{parent}"),
                share: identity.parent_share.map_or(100.0, |share| share.value()),
            });
        }
    }
    for (key, (name, _, country)) in &names {
        graph.names.insert(key.clone(), name.clone());
        let identity_country = identity_of
            .get(key)
            .and_then(|(id, _)| reference.identity(id))
            .map(|identity| identity.country);
        graph
            .countries
            .insert(key.clone(), country.or(identity_country));
    }
    for holding in inventory
        .ownership
        .iter()
        .filter(|holding| holding.in_force(day))
    {
        graph
            .owners
            .entry(format!("party:{}", holding.owned))
            .or_default()
            .push(Edge {
                owner: format!("party:{}", holding.owner),
                share: holding.share.value(),
            });
    }
    // Ownership published with a list (OpenSanctions Ownership): the
    // holder is a node of the graph like any other. OFAC "Linked To" links
    // do not say ownership and stay out of the 50 % arithmetic.
    let holders: std::collections::HashSet<String> = reference
        .listed
        .iter()
        .flat_map(|(list, party)| {
            party
                .relations
                .iter()
                .filter(|relation| relation.kind == RelationKind::OwnedBy)
                .map(move |relation| format!("{list}/{}", relation.to))
        })
        .collect();
    for (list, party) in &reference.listed {
        let key = format!("{list}/{}", party.id);
        let owned_by: Vec<Edge> = party
            .relations
            .iter()
            .filter(|relation| relation.kind == RelationKind::OwnedBy)
            .filter_map(|relation| {
                Some(Edge {
                    owner: format!("listed:{list}/{}", relation.to),
                    share: relation.share?.value(),
                })
            })
            .collect();
        if owned_by.is_empty() && !holders.contains(&key) {
            continue;
        }
        let node = format!("listed:{key}");
        graph.names.insert(node.clone(), party.name().to_owned());
        graph
            .countries
            .insert(node.clone(), party.countries.first().copied());
        if !owned_by.is_empty() {
            graph.owners.entry(node).or_default().extend(owned_by);
        }
    }
    // A name recognised as a listed party or resolved to an identity has
    // that party's or identity's owners too.
    for (key, (listed, _)) in &listed_of {
        graph.inherit_owners(key, &format!("listed:{listed}"));
    }
    for (key, (identity, _)) in &identity_of {
        graph.inherit_owners(key, &format!("identity:{identity}"));
    }

    // Direct listings of a node: its identity's entries, or entries matched
    // by name where the entry has no identity.
    let direct = |node: &str, register_name: &str| -> Vec<Listing> {
        let mut listings = Vec::new();
        let identity = node
            .strip_prefix("identity:")
            .map(|id| (id.to_owned(), None))
            .or_else(|| {
                identity_of
                    .get(node)
                    .map(|(id, found)| (id.clone(), Some(found.clone())))
            });
        if let Some((identity, found)) = identity {
            for entry in &in_force {
                if let EntryTarget::Named {
                    identity: Some(listed),
                    name,
                } = &entry.target
                    && *listed == identity
                {
                    let name_match = found.clone().unwrap_or_else(|| NameMatch {
                        target: TargetRef::Identity(identity.clone()),
                        matched: name.clone(),
                        score: 1.0,
                        why: vec![format!("identity table: {identity}")],
                    });
                    listings.push(Listing {
                        entry: entry.key(),
                        list: entry.list.clone(),
                        via: ListingVia::Direct,
                        name_match,
                        register_name: register_name.to_owned(),
                    });
                }
            }
        }
        if let Some(listed) = node.strip_prefix("listed:")
            && let Some(entry) = by_key.get(listed)
        {
            let matched = match &entry.target {
                EntryTarget::Named { name, .. } => name.clone(),
                EntryTarget::Categorical { category, .. } => category.clone(),
            };
            listings.push(Listing {
                entry: listed.to_owned(),
                list: entry.list.clone(),
                via: ListingVia::Direct,
                name_match: NameMatch {
                    target: TargetRef::Entry(listed.to_owned()),
                    matched,
                    score: 1.0,
                    why: vec![format!("listed on {} as entry {}", entry.list, entry.id)],
                },
                register_name: register_name.to_owned(),
            });
        }
        for (entry_key, found, name) in entry_matches.get(node).into_iter().flatten() {
            if let Some(entry) = by_key.get(entry_key.as_str()) {
                listings.push(Listing {
                    entry: entry_key.clone(),
                    list: entry.list.clone(),
                    via: ListingVia::Direct,
                    name_match: found.clone(),
                    register_name: name.clone(),
                });
            }
        }
        listings
    };

    let mut parties = BTreeMap::new();
    for (key, (name, _, country)) in &names {
        let owners = graph.owners_of(key);
        let controllers: Vec<OwnerPath> = owners
            .into_iter()
            .filter(|owner| owner.share >= CONTROL_SHARE)
            .collect();
        let mut listings = direct(key, name);
        for controller in &controllers {
            let inherited = direct(&controller.owner, name);
            for listing in inherited {
                if listings
                    .iter()
                    .any(|existing| existing.entry == listing.entry)
                {
                    continue;
                }
                let mut name_match = listing.name_match;
                if let Some((identity, own)) = identity_of.get(key) {
                    name_match.why.insert(
                        0,
                        format!(
                            "{name:?} recognised as {:?} (identity {identity}, score {:.2})",
                            own.matched, own.score
                        ),
                    );
                }
                listings.push(Listing {
                    via: ListingVia::Owner(controller.clone()),
                    name_match,
                    ..listing
                });
            }
        }
        let identity = identity_of.get(key).cloned();
        let (country, country_source) = match (country, &identity) {
            (Some(country), _) => (Some(*country), "register".to_owned()),
            (None, Some((id, _))) => (
                reference.identity(id).map(|identity| identity.country),
                format!("identity table ({id})"),
            ),
            (None, None) => (None, "unknown".to_owned()),
        };
        parties.insert(
            key.clone(),
            ResolvedParty {
                key: key.clone(),
                name: name.clone(),
                country,
                country_source,
                identity,
                controllers,
                listings,
            },
        );
    }

    let designated = reference
        .sectors
        .iter()
        .any(|sector| sector.code == inventory.operator.sector && sector.in_force(day));
    let assets = resolve_assets(
        inventory,
        reference,
        &parties,
        (&in_force, &by_key),
        designated,
        day,
    );
    let critical: HashMap<&str, bool> = assets
        .iter()
        .map(|asset| (asset.asset.id.as_str(), asset.critical))
        .collect();
    let contracts = resolve_contracts(inventory, &critical);
    let dataflows = inventory
        .dataflows
        .iter()
        .map(|flow| ResolvedDataFlow {
            id: flow.id.clone(),
            source_asset: flow.source_asset.clone(),
            source_critical: flow
                .source_asset
                .as_deref()
                .and_then(|id| critical.get(id).copied())
                .unwrap_or(false),
            destination: flow.destination.clone(),
            provider: flow.provider.as_ref().map(party_key),
            dc_country: flow.dc_country,
            customer_data: flow.carries_customer_data(),
            data_categories: flow.data_categories.clone(),
        })
        .collect();
    let connections = crate::observed::connections(inventory, &assets);
    let devices = crate::observed::devices(inventory, &assets, &parties);
    ResolvedRegister {
        as_of: day,
        operator: inventory.operator.clone(),
        designated,
        parties,
        assets,
        contracts,
        dataflows,
        connections,
        devices,
        exposures: Vec::new(),
        suppressed: Vec::new(),
    }
}

/// Score factor for a name match whose identity carries an identifier of a
/// scheme the register also gives, with another value.
const CONFLICTING_IDENTIFIER_FACTOR: f64 = 0.7;

/// Score factor for a name match to a listed party none of whose countries
/// is the register party's: the same name elsewhere is weaker evidence, not
/// none (companies incorporate abroad).
const CONFLICTING_COUNTRY_FACTOR: f64 = 0.9;

/// The same for parties of imported lists: a register party with the
/// identifier (LEI, USCC, ISIN…) of a listed party matches it whatever its
/// name; a name match to a listed party whose identifier of the same scheme
/// differs is scored × 0.7, one whose countries do not include the party's
/// × 0.9, and dropped below the threshold.
fn weigh_listed_facts(
    inventory: &Inventory,
    reference: &ReferenceData,
    threshold: f64,
    entry_matches: &mut BTreeMap<String, Vec<(String, NameMatch, String)>>,
) {
    let parties_with_ids: Vec<_> = inventory
        .parties
        .iter()
        .filter(|p| !p.identifiers.is_empty() || p.country.is_some() || p.hq_country.is_some())
        .collect();
    if parties_with_ids.is_empty() {
        return;
    }
    let listed: HashMap<String, &shinsa_model::ListedParty> = reference
        .listed
        .iter()
        .map(|(list, party)| (format!("{list}/{}", party.id), party))
        .collect();
    let mut by_identifier: HashMap<&shinsa_model::Identifier, Vec<&String>> = HashMap::new();
    for (entry, party) in listed.iter().filter(|(_, party)| party.target) {
        for identifier in &party.identifiers {
            by_identifier.entry(identifier).or_default().push(entry);
        }
    }
    for party in parties_with_ids {
        let key = format!("party:{}", party.id);
        let matches = entry_matches.entry(key).or_default();
        for (entry, found, _) in matches.iter_mut() {
            let Some(listed) = listed.get(entry.as_str()) else {
                continue;
            };
            let conflict = listed.identifiers.iter().find_map(|theirs| {
                party
                    .identifiers
                    .iter()
                    .find(|own| own.scheme == theirs.scheme && own.value != theirs.value)
                    .map(|own| (own.clone(), theirs.clone()))
            });
            if let Some((own, theirs)) = conflict {
                found.score *= CONFLICTING_IDENTIFIER_FACTOR;
                found.why.push(format!(
                    "conflicting identifier: the register gives {}:{}, the list {}:{} (score × {CONFLICTING_IDENTIFIER_FACTOR})",
                    own.scheme, own.value, theirs.scheme, theirs.value
                ));
            }
            let countries: Vec<CountryCode> = [party.country, party.hq_country]
                .into_iter()
                .flatten()
                .collect();
            let elsewhere = !countries.is_empty()
                && !listed.countries.is_empty()
                && !countries.iter().any(|c| listed.countries.contains(c));
            if elsewhere {
                found.score *= CONFLICTING_COUNTRY_FACTOR;
                found.why.push(format!(
                    "other country: the register gives {}, the list {} (score × {CONFLICTING_COUNTRY_FACTOR})",
                    countries.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", "),
                    listed.countries.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        matches.retain(|(_, found, _)| found.score >= threshold);
        for identifier in &party.identifiers {
            for &entry in by_identifier.get(identifier).into_iter().flatten() {
                let Some(listed) = listed.get(entry.as_str()) else {
                    continue;
                };
                let found = NameMatch {
                    target: TargetRef::Entry(entry.clone()),
                    matched: listed.name().to_owned(),
                    score: 1.0,
                    why: vec![format!(
                        "identifier {}:{} is that of {:?} on the list",
                        identifier.scheme,
                        identifier.value,
                        listed.name()
                    )],
                };
                matches.retain(|(known, _, _)| known != entry);
                matches.push((entry.clone(), found, party.name.clone()));
            }
        }
    }
}

/// Identifiers decide before names: a register party whose identifier is
/// that of an identity is that identity; a name match contradicted by an
/// identifier of the same scheme is weakened, and dropped below `threshold`.
fn weigh_identifiers(
    inventory: &Inventory,
    reference: &ReferenceData,
    threshold: f64,
    identity_of: &mut BTreeMap<String, (String, NameMatch)>,
) {
    for party in inventory
        .parties
        .iter()
        .filter(|p| !p.identifiers.is_empty())
    {
        let key = format!("party:{}", party.id);
        let shared = reference.identities.iter().find_map(|identity| {
            party
                .identifiers
                .iter()
                .find(|id| identity.identifiers.contains(id))
                .map(|id| (identity, id))
        });
        if let Some((identity, identifier)) = shared {
            let why = vec![format!(
                "identifier {}:{} is that of {:?} in the identity table",
                identifier.scheme, identifier.value, identity.name
            )];
            let matched = NameMatch {
                target: TargetRef::Identity(identity.id.clone()),
                matched: identity.name.clone(),
                score: 1.0,
                why,
            };
            identity_of.insert(key, (identity.id.clone(), matched));
            continue;
        }
        let Some((identity_id, found)) = identity_of.get_mut(&key) else {
            continue;
        };
        let conflict = reference.identity(identity_id).and_then(|identity| {
            identity.identifiers.iter().find_map(|listed| {
                party
                    .identifiers
                    .iter()
                    .find(|own| own.scheme == listed.scheme && own.value != listed.value)
                    .map(|own| (own.clone(), listed.clone()))
            })
        });
        if let Some((own, listed)) = conflict {
            found.score *= CONFLICTING_IDENTIFIER_FACTOR;
            found.why.push(format!(
                "conflicting identifier: the register gives {}:{}, the identity table {}:{} (score × {CONFLICTING_IDENTIFIER_FACTOR})",
                own.scheme, own.value, listed.scheme, listed.value
            ));
            if found.score < threshold {
                identity_of.remove(&key);
            }
        }
    }
}

fn resolve_assets(
    inventory: &Inventory,
    reference: &ReferenceData,
    parties: &BTreeMap<String, ResolvedParty>,
    (in_force, by_key): (&[&ListEntry], &HashMap<String, &ListEntry>),
    designated: bool,
    day: Date,
) -> Vec<ResolvedAsset> {
    let by_id: HashMap<&str, &Asset> = inventory
        .assets
        .iter()
        .map(|asset| (asset.id.as_str(), asset))
        .collect();
    inventory
        .assets
        .iter()
        .map(|asset| {
            // Critical itself, or a component (構成設備) of a critical facility.
            let mut critical_note = asset.critical.then(|| "critical facility".to_owned());
            let mut parent = asset.parent.as_deref();
            let mut steps = 0;
            while critical_note.is_none()
                && let Some(id) = parent
                && steps < by_id.len()
            {
                if let Some(ancestor) = by_id.get(id) {
                    if ancestor.critical {
                        critical_note = Some(format!("component of critical facility {id}"));
                    }
                    parent = ancestor.parent.as_deref();
                } else {
                    parent = None;
                }
                steps += 1;
            }
            let critical = critical_note.is_some();
            let lineage = reference.category_lineage(&asset.category);
            let mut listings = Vec::new();
            let mut out_of_scope = Vec::new();
            let roles = [
                ("manufacturer", &asset.manufacturer),
                ("supplier", &asset.supplier),
            ];
            for (role, party) in roles {
                let Some(party) = party.as_ref().map(party_key) else {
                    continue;
                };
                let Some(resolved) = parties.get(&party) else {
                    continue;
                };
                for listing in &resolved.listings {
                    let Some(entry) = by_key.get(listing.entry.as_str()) else {
                        continue;
                    };
                    match scope_covers(entry, asset, &lineage, critical, designated, day) {
                        Ok(mut note) => {
                            if let ListingVia::Owner(owner) = &listing.via {
                                note.push_str(&affiliate_note(entry, owner));
                            }
                            if role == "supplier"
                                && let Some(because) = &asset.supplier_inferred_from
                            {
                                note.push_str(&format!(
                                    "; the BOM names no supplier: inferred from {because}"
                                ));
                            }
                            listings.push(AssetListing {
                                role,
                                party: party.clone(),
                                listing: listing.clone(),
                                scope_note: note,
                            });
                        }
                        Err(reason) => out_of_scope.push((listing.entry.clone(), reason)),
                    }
                }
            }
            let categorical = in_force
                .iter()
                .filter_map(|entry| categorical_hit(entry, asset, &lineage, day))
                .collect();
            ResolvedAsset {
                critical,
                critical_note,
                manufacturer: asset.manufacturer.as_ref().map(party_key),
                supplier: asset.supplier.as_ref().map(party_key),
                asset: asset.clone(),
                listings,
                out_of_scope,
                categorical,
            }
        })
        .collect()
}

/// How a listing reaches a controlled company: by the entry's own words,
/// or by the 50 % control rule shinsa applies to every list.
fn affiliate_note(entry: &ListEntry, owner: &OwnerPath) -> String {
    if entry.includes_affiliates {
        format!(
            "; the entry extends to subsidiaries and affiliates, and {} holds {:.0}%",
            owner.owner_name, owner.share
        )
    } else {
        format!(
            "; the entry names the company only; applied because {} controls {:.0}% (≥ {CONTROL_SHARE:.0}% rule)",
            owner.owner_name, owner.share
        )
    }
}

/// An exception the asset claims and the entry still keeps open on `day`.
fn open_exception<'a>(
    entry: &'a ListEntry,
    asset: &Asset,
    day: Date,
) -> Option<&'a shinsa_model::EntryException> {
    entry.exceptions.iter().find(|exception| {
        asset.exceptions.contains(&exception.id) && exception.until.is_none_or(|until| day < until)
    })
}

/// Whether a named entry's scope covers the asset: `Ok(why)` or `Err(why not)`.
fn scope_covers(
    entry: &ListEntry,
    asset: &Asset,
    lineage: &[&str],
    critical: bool,
    designated: bool,
    day: Date,
) -> Result<String, String> {
    let mut notes = Vec::new();
    if entry.scope.product_classes.is_empty() {
        notes.push("the entry covers every product".to_owned());
    } else if !asset.category_known {
        notes.push(format!(
            "category {:?} is not in the taxonomy, so the entry's scope ({}) is assumed to cover it",
            asset.category,
            entry.scope.product_classes.join(", ")
        ));
    } else if let Some(class) = entry
        .scope
        .product_classes
        .iter()
        .find(|class| lineage.contains(&class.as_str()))
    {
        notes.push(format!(
            "{} is within the entry's scope ({class})",
            asset.category
        ));
    } else {
        return Err(format!(
            "{} is outside the entry's scope ({})",
            asset.category,
            entry.scope.product_classes.join(", ")
        ));
    }
    if let Some(UseRestriction::PublicSafetyOrCriticalInfrastructure) = entry.scope.use_restriction
    {
        // Screening reads the restriction conservatively: equipment of a
        // designated critical-infrastructure operator is presumed to serve
        // that infrastructure (its operation, or surveillance of it).
        if critical {
            notes.push("use restriction met: part of a critical facility".to_owned());
        } else if designated {
            notes.push(
                "use restriction met: used by a designated critical-infrastructure operator"
                    .to_owned(),
            );
        } else {
            return Err(
                "the entry covers only public-safety and critical-infrastructure uses".to_owned(),
            );
        }
    }
    if let Some(exception) = open_exception(entry, asset, day) {
        return Err(format!(
            "exception claimed and open: {}",
            exception.description
        ));
    }
    Ok(notes.join("; "))
}

fn categorical_hit(
    entry: &ListEntry,
    asset: &Asset,
    lineage: &[&str],
    day: Date,
) -> Option<CategoricalHit> {
    let EntryTarget::Categorical {
        category,
        produced_outside,
    } = &entry.target
    else {
        return None;
    };
    if !lineage.contains(&category.as_str()) || open_exception(entry, asset, day).is_some() {
        return None;
    }
    let why = match asset.country_of_manufacture {
        Some(country) if country == *produced_outside => return None,
        Some(country) => format!("{category} produced in {country}, outside {produced_outside}"),
        None => format!("{category} with no country of manufacture in the register"),
    };
    Some(CategoricalHit {
        entry: entry.key(),
        list: entry.list.clone(),
        category: category.clone(),
        produced_in: asset.country_of_manufacture,
        why,
    })
}

fn resolve_contracts(
    inventory: &Inventory,
    critical: &HashMap<&str, bool>,
) -> Vec<ResolvedContract> {
    let by_id: HashMap<&str, &shinsa_model::Contract> = inventory
        .contracts
        .iter()
        .map(|contract| (contract.id.as_str(), contract))
        .collect();
    inventory
        .contracts
        .iter()
        .map(|contract| {
            let mut chain = vec![contract];
            let mut current = contract;
            while let Some(parent) = current
                .parent_contract
                .as_deref()
                .and_then(|id| by_id.get(id))
            {
                if chain.iter().any(|seen| seen.id == parent.id) || chain.len() > by_id.len() {
                    break;
                }
                chain.push(parent);
                current = parent;
            }
            chain.reverse();
            // A subcontract works on its top contract's asset when it names none.
            let asset = contract
                .asset
                .clone()
                .or_else(|| chain.iter().find_map(|link| link.asset.clone()));
            ResolvedContract {
                id: contract.id.clone(),
                contractor: party_key(&contract.contractor),
                asset_critical: asset
                    .as_deref()
                    .and_then(|id| critical.get(id).copied())
                    .unwrap_or(false),
                asset,
                scope: contract.scope,
                work_country: contract.work_country,
                customer_data_access: contract.customer_data_access,
                chain: chain.iter().map(|link| link.id.clone()).collect(),
                chain_parties: chain
                    .iter()
                    .map(|link| party_key(&link.contractor))
                    .collect(),
            }
        })
        .collect()
}

//! Cedar entities from a resolved register. Facts whose truth depends on the
//! day (country-group membership, list entries in force, ownership in force)
//! were settled by the resolver; here they become entity parents and
//! attributes so that policies can say `in` and `contains`.
//!
//! Entities are built through Cedar's Rust API, not its JSON format: parsing
//! JSON entities cost more than deciding on them (measured with
//! `cargo bench -p shinsa-policy --bench screen`).

use cedar_policy::{Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use shinsa_match::exposure::Exposure;
use shinsa_match::{
    ResolvedAsset, ResolvedConnection, ResolvedContract, ResolvedDataFlow, ResolvedDevice,
    ResolvedRegister,
};
use shinsa_model::{CountryCode, ReferenceData, SubjectKind};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

pub(crate) const NAMESPACE: &str = "Shinsa";

/// Makes entity uids, parsing each type name once.
#[derive(Debug, Default)]
pub(crate) struct Uids {
    types: HashMap<&'static str, EntityTypeName>,
}

impl Uids {
    pub(crate) fn uid(&mut self, kind: &'static str, id: &str) -> Result<EntityUid, String> {
        let name = match self.types.get(kind) {
            Some(name) => name.clone(),
            None => {
                let name = EntityTypeName::from_str(&format!("{NAMESPACE}::{kind}"))
                    .map_err(|error| format!("entity type {kind}: {error}"))?;
                self.types.insert(kind, name.clone());
                name
            }
        };
        Ok(EntityUid::from_type_name_and_id(name, EntityId::new(id)))
    }
}

/// Collects entities with their attributes and parents.
struct Store<'a> {
    uids: &'a mut Uids,
    entities: Vec<Entity>,
    /// The type and attribute names of the last entity added.
    shape: String,
}

type Attrs = HashMap<String, RestrictedExpression>;

impl Store<'_> {
    fn reference(&mut self, kind: &'static str, id: &str) -> Result<RestrictedExpression, String> {
        Ok(RestrictedExpression::new_entity_uid(
            self.uids.uid(kind, id)?,
        ))
    }

    fn add(
        &mut self,
        kind: &'static str,
        id: &str,
        attrs: Attrs,
        parents: Vec<(&'static str, String)>,
    ) -> Result<(), String> {
        let mut names: Vec<&str> = attrs.keys().map(String::as_str).collect();
        names.sort_unstable();
        self.shape = format!("{kind}:{}", names.join(","));
        let uid = self.uids.uid(kind, id)?;
        let parents = parents
            .into_iter()
            .map(|(kind, id)| self.uids.uid(kind, &id))
            .collect::<Result<HashSet<_>, _>>()?;
        let entity =
            Entity::new(uid, attrs, parents).map_err(|error| format!("{kind} {id:?}: {error}"))?;
        self.entities.push(entity);
        Ok(())
    }

    fn set(
        &mut self,
        kind: &'static str,
        ids: BTreeSet<&str>,
    ) -> Result<RestrictedExpression, String> {
        let members = ids
            .into_iter()
            .map(|id| self.reference(kind, id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RestrictedExpression::new_set(members))
    }
}

fn text(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

fn flag(value: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(value)
}

/// A subject of screening: the entities that nothing else refers to, so
/// that they can be built and decided in chunks over one shared store.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SubjectRef<'a> {
    Asset(&'a ResolvedAsset),
    Contract(&'a ResolvedContract),
    DataFlow(&'a ResolvedDataFlow),
    Connection(&'a ResolvedConnection),
    Device(&'a ResolvedDevice),
    Exposure(&'a Exposure),
}

impl<'a> SubjectRef<'a> {
    /// Every subject of a register: assets, contracts, data flows, what
    /// the network showed (connections, devices), then the assets'
    /// exposures to known vulnerabilities.
    pub(crate) fn all(register: &'a ResolvedRegister) -> Vec<Self> {
        let assets = register.assets.iter().map(SubjectRef::Asset);
        let contracts = register.contracts.iter().map(SubjectRef::Contract);
        let flows = register.dataflows.iter().map(SubjectRef::DataFlow);
        let connections = register.connections.iter().map(SubjectRef::Connection);
        let devices = register.devices.iter().map(SubjectRef::Device);
        let exposures = register.exposures.iter().map(SubjectRef::Exposure);
        assets
            .chain(contracts)
            .chain(flows)
            .chain(connections)
            .chain(devices)
            .chain(exposures)
            .collect()
    }

    pub(crate) fn kind(self) -> SubjectKind {
        match self {
            SubjectRef::Asset(_) => SubjectKind::Asset,
            SubjectRef::Contract(_) => SubjectKind::Contract,
            SubjectRef::DataFlow(_) => SubjectKind::Dataflow,
            SubjectRef::Connection(_) => SubjectKind::Connection,
            SubjectRef::Device(_) => SubjectKind::Device,
            SubjectRef::Exposure(_) => SubjectKind::Exposure,
        }
    }

    /// The Cedar entity type.
    pub(crate) fn entity_type(self) -> &'static str {
        match self {
            SubjectRef::Asset(_) => "Asset",
            SubjectRef::Contract(_) => "Contract",
            SubjectRef::DataFlow(_) => "DataFlow",
            SubjectRef::Connection(_) => "Connection",
            SubjectRef::Device(_) => "Device",
            SubjectRef::Exposure(_) => "Exposure",
        }
    }

    pub(crate) fn id(self) -> &'a str {
        match self {
            SubjectRef::Asset(asset) => &asset.asset.id,
            SubjectRef::Contract(contract) => &contract.id,
            SubjectRef::DataFlow(flow) => &flow.id,
            SubjectRef::Connection(connection) => &connection.connection.id,
            SubjectRef::Device(device) => &device.device.id,
            SubjectRef::Exposure(exposure) => &exposure.id,
        }
    }

    /// The name a finding shows: the asset's, the contractor's, the flow's
    /// destination, the connection's source, the device's hostname or MAC,
    /// the exposed asset's.
    pub(crate) fn name(self, register: &'a ResolvedRegister) -> &'a str {
        match self {
            SubjectRef::Asset(asset) => &asset.asset.name,
            SubjectRef::Contract(contract) => register
                .party(&contract.contractor)
                .map_or(contract.contractor.as_str(), |party| party.name.as_str()),
            SubjectRef::DataFlow(flow) => &flow.destination,
            SubjectRef::Connection(connection) => connection
                .connection
                .source_asset
                .as_deref()
                .unwrap_or(&connection.connection.source_ip),
            SubjectRef::Device(device) => device
                .device
                .hostname
                .as_deref()
                .unwrap_or(&device.device.mac),
            SubjectRef::Exposure(exposure) => &exposure.asset_name,
        }
    }

    /// The country the subject's entity refers to.
    fn country(self) -> Option<CountryCode> {
        match self {
            SubjectRef::Asset(asset) => asset.asset.country_of_manufacture,
            SubjectRef::Contract(contract) => contract.work_country,
            SubjectRef::DataFlow(flow) => flow.dc_country,
            SubjectRef::Connection(connection) => connection.connection.destination_country,
            SubjectRef::Device(_) | SubjectRef::Exposure(_) => None,
        }
    }

    /// A second country the subject's entity refers to (a provider's).
    fn other_country(self) -> Option<CountryCode> {
        match self {
            SubjectRef::Connection(connection) => connection.connection.provider_country,
            _ => None,
        }
    }
}

/// The entities every subject refers to (countries and their groups, lists,
/// categories, the operator, parties and their controllers), built once
/// per register.
pub(crate) fn shared(
    register: &ResolvedRegister,
    reference_data: &ReferenceData,
    uids: &mut Uids,
) -> Result<Vec<Entity>, String> {
    let day = register.as_of;
    let mut store = Store {
        uids,
        entities: Vec::new(),
        shape: String::new(),
    };
    let mut countries: BTreeSet<CountryCode> = BTreeSet::new();
    countries.insert(register.operator.country);
    countries.extend(
        SubjectRef::all(register)
            .into_iter()
            .flat_map(|subject| [subject.country(), subject.other_country()])
            .flatten(),
    );
    let groups: BTreeSet<&str> = reference_data
        .country_groups
        .iter()
        .map(|member| member.group.as_str())
        .collect();
    for group in groups {
        store.add("CountryGroup", group, Attrs::new(), vec![])?;
    }
    for list in &reference_data.lists {
        store.add("List", &list.id, Attrs::new(), vec![])?;
    }
    store.add("Sector", &register.operator.sector, Attrs::new(), vec![])?;
    let mut categories: BTreeSet<&str> = BTreeSet::new();
    for category in &reference_data.categories {
        categories.insert(&category.code);
        let parents = category
            .parent
            .iter()
            .map(|parent| ("Category", parent.clone()))
            .collect();
        store.add("Category", &category.code, Attrs::new(), parents)?;
    }
    for asset in &register.assets {
        if !categories.contains(asset.asset.category.as_str())
            && categories.insert(&asset.asset.category)
        {
            store.add("Category", &asset.asset.category, Attrs::new(), vec![])?;
        }
    }

    let operator_attrs = Attrs::from([
        (
            "country".to_owned(),
            store.reference("Country", register.operator.country.as_str())?,
        ),
        ("designated".to_owned(), flag(register.designated)),
    ]);
    store.add(
        "Operator",
        &register.operator.id,
        operator_attrs,
        vec![("Sector", register.operator.sector.clone())],
    )?;

    let mut party_nodes: BTreeSet<&str> = BTreeSet::new();
    for party in register.parties.values() {
        party_nodes.insert(&party.key);
        let mut parents = Vec::new();
        if let Some(country) = party.country {
            countries.insert(country);
            parents.push(("Country", country.to_string()));
        }
        for controller in &party.controllers {
            parents.push(("Party", controller.owner.clone()));
        }
        let lists: BTreeSet<&str> = party.listings.iter().map(|l| l.list.as_str()).collect();
        parents.extend(lists.into_iter().map(|list| ("List", list.to_owned())));
        let attrs = Attrs::from([("name".to_owned(), text(&party.name))]);
        store.add("Party", &party.key, attrs, parents)?;
    }
    // Controllers that are not themselves register names (identity-table
    // parents) exist as parties too, with their country.
    for controller in register
        .parties
        .values()
        .flat_map(|party| &party.controllers)
    {
        if !party_nodes.insert(&controller.owner) {
            continue;
        }
        let mut parents = Vec::new();
        if let Some(country) = controller.owner_country {
            countries.insert(country);
            parents.push(("Country", country.to_string()));
        }
        let attrs = Attrs::from([("name".to_owned(), text(&controller.owner_name))]);
        store.add("Party", &controller.owner, attrs, parents)?;
    }

    for country in countries {
        let parents = reference_data
            .groups_of(country, day)
            .map(|group| ("CountryGroup", group.to_owned()))
            .collect();
        store.add("Country", country.as_str(), Attrs::new(), parents)?;
    }
    Ok(store.entities)
}

/// A subject's attribute before it becomes Cedar's: comparable and
/// hashable, so that subjects with the same facts can share one decision
/// (see `evaluate::DecisionKey`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Fact<'a> {
    Text(&'a str),
    Flag(bool),
    /// A reference to a shared entity: its type and id.
    Entity(&'static str, &'a str),
    /// A set of references to shared entities of one type.
    Entities(&'static str, BTreeSet<&'a str>),
}

/// A subject's attributes by name, in the order they are written.
pub(crate) type Facts<'a> = Vec<(&'static str, Fact<'a>)>;

/// The attributes of a subject's entity. Subjects have no parents: what
/// they belong to (a category, a list) is an attribute.
pub(crate) fn facts(subject: SubjectRef<'_>) -> Facts<'_> {
    let mut facts = Facts::new();
    match subject {
        SubjectRef::Asset(asset) => {
            facts.extend([
                ("name", Fact::Text(&asset.asset.name)),
                ("kind", Fact::Text(asset.asset.kind.as_str())),
                ("critical", Fact::Flag(asset.critical)),
                ("category", Fact::Entity("Category", &asset.asset.category)),
                ("category_known", Fact::Flag(asset.asset.category_known)),
                (
                    "vendor_inferred",
                    Fact::Flag(asset.asset.supplier_inferred_from.is_some()),
                ),
            ]);
            facts.extend(present([
                ("manufacturer", party(&asset.manufacturer)),
                ("supplier", party(&asset.supplier)),
                (
                    "country_of_manufacture",
                    country(&asset.asset.country_of_manufacture),
                ),
            ]));
            let lists = asset.listings.iter().map(|l| l.listing.list.as_str());
            let categorical = asset.categorical.iter().map(|hit| hit.list.as_str());
            facts.extend([
                ("lists", Fact::Entities("List", lists.collect())),
                (
                    "categorical_lists",
                    Fact::Entities("List", categorical.collect()),
                ),
            ]);
        }
        SubjectRef::Contract(contract) => {
            facts.extend([
                ("contractor", Fact::Entity("Party", &contract.contractor)),
                ("critical", Fact::Flag(contract.asset_critical)),
                ("scope", Fact::Text(contract.scope.as_str())),
                (
                    "customer_data_access",
                    Fact::Flag(contract.customer_data_access),
                ),
                ("subcontract", Fact::Flag(contract.is_subcontract())),
            ]);
            facts.extend(present([("work_country", country(&contract.work_country))]));
        }
        SubjectRef::DataFlow(flow) => {
            facts.extend([
                ("customer_data", Fact::Flag(flow.customer_data)),
                ("source_critical", Fact::Flag(flow.source_critical)),
            ]);
            facts.extend(present([
                ("dc_country", country(&flow.dc_country)),
                ("provider", party(&flow.provider)),
            ]));
        }
        SubjectRef::Connection(resolved) => {
            let connection = &resolved.connection;
            facts.extend([
                ("source_known", Fact::Flag(resolved.source_known)),
                ("source_critical", Fact::Flag(resolved.source_critical)),
                ("customer_data", Fact::Flag(resolved.customer_data)),
                (
                    "inbound",
                    Fact::Flag(connection.direction == shinsa_model::Direction::Inbound),
                ),
                (
                    "dst_datacentre",
                    Fact::Flag(connection.remote_is_datacentre()),
                ),
                ("source_public", Fact::Flag(resolved.source_public)),
            ]);
            facts.extend(present([
                ("dst_country", country(&connection.destination_country)),
                ("provider", party(&resolved.provider)),
                ("provider_country", country(&connection.provider_country)),
            ]));
        }
        SubjectRef::Device(resolved) => {
            facts.extend([
                ("registered", Fact::Flag(resolved.device.asset.is_some())),
                ("critical", Fact::Flag(resolved.critical)),
                ("vendor_mismatch", Fact::Flag(resolved.vendor_mismatch)),
            ]);
            facts.extend(present([
                ("vendor", party(&resolved.vendor)),
                ("registered_vendor", party(&resolved.registered_vendor)),
            ]));
            let lists = resolved.vendor_lists.iter().map(String::as_str);
            facts.push(("lists", Fact::Entities("List", lists.collect())));
        }
        SubjectRef::Exposure(exposure) => {
            let exploited = exposure.known_exploited.as_ref();
            let active = exposure
                .ssvc
                .as_ref()
                .is_some_and(|ssvc| ssvc.exploitation == "active");
            facts.extend([
                ("critical", Fact::Flag(exposure.critical)),
                ("kev", Fact::Flag(exploited.is_some())),
                (
                    "ransomware",
                    Fact::Flag(exploited.is_some_and(|entry| entry.ransomware)),
                ),
                ("exploited", Fact::Flag(exploited.is_some() || active)),
                ("placed", Fact::Flag(exposure.placed())),
                ("fix_available", Fact::Flag(exposure.fix_available())),
                ("mitigated", Fact::Flag(exposure.mitigation.is_some())),
                ("matched_by", Fact::Text(exposure.matched_by.as_str())),
                ("score_band", Fact::Text(score_band(exposure.score))),
            ]);
        }
    }
    facts
}

/// CVSS's qualitative rating of a base score (CVSS v3.1 specification,
/// section 5): `critical` from 9.0, `high` from 7.0, `medium` from 4.0,
/// `low` above 0; `unscored` when no container gives a score.
fn score_band(score: Option<f64>) -> &'static str {
    match score {
        None => "unscored",
        Some(score) if score >= 9.0 => "critical",
        Some(score) if score >= 7.0 => "high",
        Some(score) if score >= 4.0 => "medium",
        Some(score) if score > 0.0 => "low",
        Some(_) => "none",
    }
}

/// The optional attributes that are present.
fn present<'a, const N: usize>(
    optional: [(&'static str, Option<Fact<'a>>); N],
) -> impl Iterator<Item = (&'static str, Fact<'a>)> {
    optional
        .into_iter()
        .filter_map(|(name, fact)| Some((name, fact?)))
}

fn party(key: &Option<String>) -> Option<Fact<'_>> {
    key.as_deref().map(|key| Fact::Entity("Party", key))
}

fn country(code: &Option<CountryCode>) -> Option<Fact<'_>> {
    code.as_ref()
        .map(|code| Fact::Entity("Country", code.as_str()))
}

/// The entity of one subject, and its shape: its type and the names of
/// its attributes. The shared entities it refers to come from [`shared`].
pub(crate) fn subject(
    subject: SubjectRef<'_>,
    uids: &mut Uids,
) -> Result<(Entity, String), String> {
    let mut store = Store {
        uids,
        entities: Vec::with_capacity(1),
        shape: String::new(),
    };
    let mut attrs = Attrs::new();
    for (name, fact) in facts(subject) {
        let value = match fact {
            Fact::Text(value) => text(value),
            Fact::Flag(value) => flag(value),
            Fact::Entity(kind, id) => store.reference(kind, id)?,
            Fact::Entities(kind, ids) => store.set(kind, ids)?,
        };
        attrs.insert(name.to_owned(), value);
    }
    store.add(subject.entity_type(), subject.id(), attrs, vec![])?;
    let entity = store
        .entities
        .pop()
        .ok_or_else(|| format!("no entity built for {}", subject.id()))?;
    Ok((entity, store.shape))
}

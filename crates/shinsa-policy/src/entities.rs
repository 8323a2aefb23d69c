//! Cedar entities from a resolved register. Facts whose truth depends on the
//! day (country-group membership, list entries in force, ownership in force)
//! were settled by the resolver; here they become entity parents and
//! attributes so that policies can say `in` and `contains`.

use serde_json::{Value, json};
use shinsa_match::ResolvedRegister;
use shinsa_model::{CountryCode, ReferenceData};
use std::collections::BTreeSet;

pub(crate) const NAMESPACE: &str = "Shinsa";

pub(crate) fn uid(kind: &str, id: &str) -> Value {
    json!({"type": format!("{NAMESPACE}::{kind}"), "id": id})
}

fn reference(kind: &str, id: &str) -> Value {
    json!({"__entity": uid(kind, id)})
}

fn entity(kind: &str, id: &str, attrs: Value, parents: Vec<Value>) -> Value {
    json!({"uid": uid(kind, id), "attrs": attrs, "parents": parents})
}

/// Builds the entity store for one register as JSON (Cedar's entity format).
pub(crate) fn build(register: &ResolvedRegister, reference_data: &ReferenceData) -> Value {
    let day = register.as_of;
    let mut entities = Vec::new();
    let mut countries: BTreeSet<CountryCode> = BTreeSet::new();
    countries.insert(register.operator.country);

    let groups: BTreeSet<&str> = reference_data
        .country_groups
        .iter()
        .map(|member| member.group.as_str())
        .collect();
    for group in groups {
        entities.push(entity("CountryGroup", group, json!({}), vec![]));
    }
    for list in &reference_data.lists {
        entities.push(entity("List", &list.id, json!({}), vec![]));
    }
    entities.push(entity(
        "Sector",
        &register.operator.sector,
        json!({}),
        vec![],
    ));
    let mut categories: BTreeSet<&str> = BTreeSet::new();
    for category in &reference_data.categories {
        categories.insert(&category.code);
        let parents = category
            .parent
            .iter()
            .map(|parent| uid("Category", parent))
            .collect();
        entities.push(entity("Category", &category.code, json!({}), parents));
    }
    for asset in &register.assets {
        if categories.insert(&asset.category) {
            entities.push(entity("Category", &asset.category, json!({}), vec![]));
        }
    }

    entities.push(entity(
        "Operator",
        &register.operator.id,
        json!({
            "country": reference("Country", register.operator.country.as_str()),
            "designated": register.designated,
        }),
        vec![uid("Sector", &register.operator.sector)],
    ));

    let mut party_nodes: BTreeSet<String> = BTreeSet::new();
    for party in register.parties.values() {
        party_nodes.insert(party.key.clone());
        let mut parents = Vec::new();
        if let Some(country) = party.country {
            countries.insert(country);
            parents.push(uid("Country", country.as_str()));
        }
        for controller in &party.controllers {
            parents.push(uid("Party", &controller.owner));
        }
        let lists: BTreeSet<&str> = party.listings.iter().map(|l| l.list.as_str()).collect();
        parents.extend(lists.into_iter().map(|list| uid("List", list)));
        entities.push(entity(
            "Party",
            &party.key,
            json!({"name": party.name}),
            parents,
        ));
    }
    // Controllers that are not themselves register names (identity-table
    // parents) exist as parties too, with their country.
    let controllers: Vec<_> = register
        .parties
        .values()
        .flat_map(|party| &party.controllers)
        .filter(|controller| !party_nodes.contains(&controller.owner))
        .collect();
    for controller in controllers {
        if !party_nodes.insert(controller.owner.clone()) {
            continue;
        }
        let mut parents = Vec::new();
        if let Some(country) = controller.owner_country {
            countries.insert(country);
            parents.push(uid("Country", country.as_str()));
        }
        entities.push(entity(
            "Party",
            &controller.owner,
            json!({"name": controller.owner_name}),
            parents,
        ));
    }

    for asset in &register.assets {
        let mut attrs = serde_json::Map::new();
        attrs.insert("name".into(), json!(asset.name));
        attrs.insert("critical".into(), json!(asset.critical));
        attrs.insert("category".into(), reference("Category", &asset.category));
        attrs.insert("category_known".into(), json!(asset.category_known));
        if let Some(party) = &asset.manufacturer {
            attrs.insert("manufacturer".into(), reference("Party", party));
        }
        if let Some(party) = &asset.supplier {
            attrs.insert("supplier".into(), reference("Party", party));
        }
        if let Some(country) = asset.country_of_manufacture {
            countries.insert(country);
            attrs.insert(
                "country_of_manufacture".into(),
                reference("Country", country.as_str()),
            );
        }
        let lists: BTreeSet<&str> = asset
            .listings
            .iter()
            .map(|l| l.listing.list.as_str())
            .collect();
        attrs.insert(
            "lists".into(),
            Value::Array(
                lists
                    .into_iter()
                    .map(|list| reference("List", list))
                    .collect(),
            ),
        );
        let categorical: BTreeSet<&str> = asset
            .categorical
            .iter()
            .map(|hit| hit.list.as_str())
            .collect();
        attrs.insert(
            "categorical_lists".into(),
            Value::Array(
                categorical
                    .into_iter()
                    .map(|list| reference("List", list))
                    .collect(),
            ),
        );
        entities.push(entity("Asset", &asset.id, Value::Object(attrs), vec![]));
    }

    for contract in &register.contracts {
        let mut attrs = serde_json::Map::new();
        attrs.insert(
            "contractor".into(),
            reference("Party", &contract.contractor),
        );
        attrs.insert("critical".into(), json!(contract.asset_critical));
        attrs.insert("scope".into(), json!(contract.scope.as_str()));
        attrs.insert(
            "customer_data_access".into(),
            json!(contract.customer_data_access),
        );
        attrs.insert("subcontract".into(), json!(contract.is_subcontract()));
        if let Some(country) = contract.work_country {
            countries.insert(country);
            attrs.insert(
                "work_country".into(),
                reference("Country", country.as_str()),
            );
        }
        entities.push(entity(
            "Contract",
            &contract.id,
            Value::Object(attrs),
            vec![],
        ));
    }

    for flow in &register.dataflows {
        let mut attrs = serde_json::Map::new();
        attrs.insert("customer_data".into(), json!(flow.customer_data));
        attrs.insert("source_critical".into(), json!(flow.source_critical));
        if let Some(country) = flow.dc_country {
            countries.insert(country);
            attrs.insert("dc_country".into(), reference("Country", country.as_str()));
        }
        if let Some(provider) = &flow.provider {
            attrs.insert("provider".into(), reference("Party", provider));
        }
        entities.push(entity("DataFlow", &flow.id, Value::Object(attrs), vec![]));
    }

    for country in countries {
        let parents = reference_data
            .groups_of(country, day)
            .map(|group| uid("CountryGroup", group))
            .collect();
        entities.push(entity("Country", country.as_str(), json!({}), parents));
    }
    Value::Array(entities)
}

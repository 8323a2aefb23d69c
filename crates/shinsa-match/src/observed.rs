//! Network evidence resolved against the register: which registered asset
//! a connection comes from and what that asset is (critical, holding
//! customer data); which party a device's hardware vendor is and whether it
//! is the maker the register gives.

use crate::resolve::{ResolvedAsset, ResolvedParty, party_key};
use shinsa_model::{Inventory, ObservedConnection, ObservedDevice};
use std::collections::{BTreeMap, HashMap, HashSet};

/// An observed connection with its source asset's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConnection {
    pub connection: ObservedConnection,
    /// The source is a registered asset.
    pub source_known: bool,
    pub source_critical: bool,
    /// The source asset holds customer data: a declared data flow from it
    /// carries customer data, or a contract on it has customer-data access.
    pub customer_data: bool,
    /// The party key of the provider's parent company.
    pub provider: Option<String>,
    /// The source is meant to answer the Internet: its address is in the
    /// operator's `[network] public` ranges.
    pub source_public: bool,
}

/// An observed device with its vendor resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedDevice {
    pub device: ObservedDevice,
    /// The party key of the hardware vendor (MAC OUI).
    pub vendor: Option<String>,
    /// The party key of the register's manufacturer for the matched asset.
    pub registered_vendor: Option<String>,
    /// The hardware vendor is not the register's maker (see [`same_maker`]).
    pub vendor_mismatch: bool,
    pub critical: bool,
    /// Lists that name the hardware vendor (or a controller), sorted.
    pub vendor_lists: Vec<String>,
}

pub(crate) fn connections(
    inventory: &Inventory,
    assets: &[ResolvedAsset],
) -> Vec<ResolvedConnection> {
    let critical: HashMap<&str, bool> = assets
        .iter()
        .map(|asset| (asset.asset.id.as_str(), asset.critical))
        .collect();
    let customer_data: HashSet<&str> = inventory
        .dataflows
        .iter()
        .filter(|flow| flow.carries_customer_data())
        .filter_map(|flow| flow.source_asset.as_deref())
        .chain(
            inventory
                .contracts
                .iter()
                .filter(|contract| contract.customer_data_access)
                .filter_map(|contract| contract.asset.as_deref()),
        )
        .collect();
    let public: Vec<shinsa_model::Cidr> = inventory
        .operator
        .public_networks
        .iter()
        .filter_map(|range| shinsa_model::Cidr::parse(range).ok())
        .collect();
    inventory
        .observed
        .connections
        .iter()
        .map(|connection| {
            let source = connection.source_asset.as_deref();
            let source_public = connection
                .source_ip
                .parse()
                .is_ok_and(|ip| public.iter().any(|range| range.contains(ip)));
            ResolvedConnection {
                source_public,
                source_known: source.is_some_and(|id| critical.contains_key(id)),
                source_critical: source
                    .and_then(|id| critical.get(id).copied())
                    .unwrap_or(false),
                customer_data: source.is_some_and(|id| customer_data.contains(id)),
                provider: connection.provider_parent.as_ref().map(party_key),
                connection: connection.clone(),
            }
        })
        .collect()
}

pub(crate) fn devices(
    inventory: &Inventory,
    assets: &[ResolvedAsset],
    parties: &BTreeMap<String, ResolvedParty>,
) -> Vec<ResolvedDevice> {
    let by_id: HashMap<&str, &ResolvedAsset> = assets
        .iter()
        .map(|asset| (asset.asset.id.as_str(), asset))
        .collect();
    inventory
        .observed
        .devices
        .iter()
        .map(|device| {
            let asset = device.asset.as_deref().and_then(|id| by_id.get(id));
            let vendor = device.vendor.as_ref().map(party_key);
            let registered_vendor = asset.and_then(|asset| asset.manufacturer.clone());
            let vendor_mismatch = match (&vendor, &registered_vendor) {
                (Some(seen), Some(registered)) => {
                    match (parties.get(seen), parties.get(registered)) {
                        (Some(seen), Some(registered)) => !same_maker(seen, registered),
                        _ => false,
                    }
                }
                _ => false,
            };
            let mut vendor_lists: Vec<String> = vendor
                .as_deref()
                .and_then(|key| parties.get(key))
                .map(|party| party.listings.iter().map(|l| l.list.clone()).collect())
                .unwrap_or_default();
            vendor_lists.sort_unstable();
            vendor_lists.dedup();
            ResolvedDevice {
                vendor_lists,
                device: device.clone(),
                vendor,
                registered_vendor,
                vendor_mismatch,
                critical: asset.is_some_and(|asset| asset.critical),
            }
        })
        .collect()
}

/// Whether the hardware vendor can be the register's maker. Two recognised
/// companies are the same maker when they are one identity or one controls
/// the other (Hikvision and Hikvision Japan). When either is not
/// recognised, the names say little (a NIC's OUI is often a module maker's:
/// Espressif, Quectel), so only a listed hardware vendor that the register's
/// maker does not share a listing with counts as a mismatch.
pub fn same_maker(seen: &ResolvedParty, registered: &ResolvedParty) -> bool {
    let identity = |party: &ResolvedParty| party.identity.as_ref().map(|(id, _)| id.clone());
    let controls = |owner: &str, party: &ResolvedParty| {
        let node = format!("identity:{owner}");
        party.controllers.iter().any(|path| path.owner == node)
    };
    match (identity(seen), identity(registered)) {
        (Some(a), Some(b)) => a == b || controls(&a, registered) || controls(&b, seen),
        _ => {
            let shared = |entry: &str| {
                registered
                    .listings
                    .iter()
                    .any(|listing| listing.entry == entry)
            };
            seen.listings.is_empty() || seen.listings.iter().any(|l| shared(&l.entry))
        }
    }
}

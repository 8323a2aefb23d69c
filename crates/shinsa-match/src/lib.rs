//! Matching: names in the register resolved against the lists and the
//! identity table, with explanations; ownership closure; and which list
//! entries apply to which register rows on a given day.
//!
//! Pure functions over `shinsa-model` data: no I/O, no panics.

pub mod exposure;
pub mod japanese;
pub mod matcher;
pub mod name;
pub mod observed;
pub mod people;
pub mod resolve;
pub mod translit;
pub mod versions;

pub use matcher::{DEFAULT_THRESHOLD, Matcher, NameMatch, TargetRef};
pub use observed::{ResolvedConnection, ResolvedDevice};
pub use resolve::{
    AssetListing, CategoricalHit, Listing, ListingVia, OwnerPath, ResolvedAsset, ResolvedContract,
    ResolvedDataFlow, ResolvedParty, ResolvedRegister, resolve,
};

//! Domain types of shinsa.
//!
//! Plain data only: no I/O, no parsing of files, no scoring. Every other crate
//! passes these types along the pipeline `ingest → resolve → evaluate →
//! findings` (see DESIGN.md). Values that have a closed form (country codes,
//! percentages, dates) are newtypes so that a bad value cannot travel past the
//! reader that saw it.

mod advisories;
pub mod clock;
pub mod enforcement;
mod finding;
mod identifiers;
mod inventory;
mod lists;
mod network;
pub mod plan;
mod primitives;
mod reference;
pub mod review;

pub use advisories::{
    Advisory, AdvisorySet, AdvisorySetInfo, AdvisorySource, AffectedProduct, Bound, KnownExploited,
    Remediation, Score, Ssvc, VersionRule, VersionStatus, VexStatement, VexStatus,
};
pub use finding::{Evidence, Finding, Provenance, RuleRef, Severity, Subject, SubjectKind};
pub use identifiers::Scheme;
pub use inventory::{
    Asset, AssetKind, Contract, ContractScope, DataFlow, Identifier, Inventory, Licence, Operator,
    Ownership, Party, PartyRef,
};
pub use lists::{
    EntryException, EntryTarget, Identity, ImportedList, LegalEffect, ListChanges, ListEntry,
    ListInfo, ListedParty, PartyKind, Relation, RelationKind, Removal, Scope, UseRestriction,
};
pub use network::{Cidr, Direction, Observed, ObservedConnection, ObservedDevice};
pub use primitives::{
    AttachedFile, CountryCode, Date, Percent, PrimitiveError, clause, line_column, parse_bool,
    parse_date, shown,
};
pub use reference::{
    Category, CountryGroupMember, PackagePublisher, PublisherKey, ReferenceData, Sector,
};

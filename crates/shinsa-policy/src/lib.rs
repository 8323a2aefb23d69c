//! Policy: Cedar packs and the three-outcome screening of a resolved register.
//!
//! A pack is data (a manifest, a Cedar schema, Cedar policies). Screening
//! builds Cedar entities from the resolver's facts, asks three questions per
//! subject and turns every determining forbid into a finding with the
//! evidence its rule names. No I/O beyond reading a pack folder.

pub mod catalogue;
mod change;
mod entities;
mod evaluate;
mod explain;
mod pack;
pub mod pack_test;
pub mod signing;

pub use change::{FindingKey, Impact, PackDiff, diff, impact};
pub use evaluate::{ScreenError, provenance, screen, screen_with_progress};
pub use explain::{Explanation, RuleOutcome, explain};
pub use pack::{BUNDLED, BundledPack, PACK_FILES, Pack, PackError, Rule};

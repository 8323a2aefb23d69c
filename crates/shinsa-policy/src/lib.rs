//! Policy: Cedar packs, the three-outcome evaluation of a resolved
//! register, and the screening [`Engine`] every path screens with.
//!
//! A pack is data (a manifest, a Cedar schema, Cedar policies). Evaluation
//! builds Cedar entities from the resolver's facts, asks three questions per
//! subject and turns every determining forbid into a finding with the
//! evidence its rule names. The engine puts resolution, evaluation, the
//! people of a plan and the warnings together. No I/O beyond reading a
//! pack folder.

pub mod catalogue;
mod change;
pub mod engine;
mod entities;
mod evaluate;
mod explain;
mod pack;
pub mod pack_test;
pub mod signing;

pub use change::{FindingKey, Impact, PackDiff, diff, impact};
pub use engine::{Engine, EngineError, PackChoice, PlanScreened, Screened};
pub use evaluate::{ScreenError, screen};
pub use explain::{Explanation, RuleOutcome};
pub use pack::{BUNDLED, BundledPack, PACK_FILES, Pack, PackError, Rule};

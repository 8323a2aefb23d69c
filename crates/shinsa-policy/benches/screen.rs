//! Screening speed: resolution and Cedar evaluation on the demo register
//! (117 assets, 9 contracts, 8 flows) and on the same register scaled to
//! 10,000 assets (each copy of an asset keeps its manufacturer and
//! supplier, so the share of listed vendors stays as in the demo).
//!
//! `cargo bench -p shinsa-policy --bench screen`; the 1,000,000-subject runs
//! (one sample each, about a minute and a few GB) are `... -- million`.
//!
//! Screening decides each distinct subject once (see `DecisionKey` in
//! `evaluate.rs`): the scaled register's copies share their originals'
//! decisions, as a real register's thousands of identical meters do.
//! `million_undeduplicated` screens with a pack that names one subject
//! literally, which makes every subject's decision its own: the figure for
//! a register in which no two subjects are alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shinsa_model::{Inventory, Provenance, ReferenceData};
use std::path::Path;
use std::sync::OnceLock;

#[path = "../tests/common/mod.rs"]
mod common;

/// The binary's allocator, so the figures are the ones `shinsa screen` gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

struct Setup {
    reference: ReferenceData,
    demo: Inventory,
    scaled: Inventory,
    pack: shinsa_policy::Pack,
    /// The default pack and one rule naming a subject: no shared decisions.
    pack_naming_a_subject: shinsa_policy::Pack,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let reference = shinsa_ingest::reference::bundled().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minato-electric");
        let demo = shinsa_ingest::load_bundle(&dir, &reference, day())
            .unwrap()
            .inventory;
        let scaled = demo.scaled(10_000);
        Setup {
            reference,
            demo,
            scaled,
            pack: shinsa_policy::Pack::default_pack().unwrap(),
            pack_naming_a_subject: common::default_pack_naming("none"),
        }
    })
}

/// The register a benchmark argument names.
fn register(name: &str) -> &'static Inventory {
    let setup = setup();
    if name == "demo" {
        &setup.demo
    } else {
        &setup.scaled
    }
}

fn day() -> shinsa_model::Date {
    shinsa_model::parse_date("2026-11-27").unwrap()
}

#[divan::bench]
fn build_matcher(bencher: divan::Bencher) {
    let setup = setup();
    bencher.bench(|| shinsa_match::Matcher::new(&setup.reference));
}

#[divan::bench(args = ["demo", "10k-assets"])]
fn resolve(bencher: divan::Bencher, register: &str) {
    let setup = setup();
    let inventory = self::register(register);
    let matcher = shinsa_match::Matcher::new(&setup.reference);
    bencher
        .counter(divan::counter::ItemsCount::new(inventory.assets.len()))
        .bench(|| shinsa_match::resolve(inventory, &setup.reference, &matcher, day(), 0.85));
}

#[divan::bench(args = ["demo", "10k-assets"])]
fn evaluate(bencher: divan::Bencher, register: &str) {
    let setup = setup();
    let inventory = self::register(register);
    let matcher = shinsa_match::Matcher::new(&setup.reference);
    let resolved = shinsa_match::resolve(inventory, &setup.reference, &matcher, day(), 0.85);
    screen_counted(bencher, &resolved, &setup.pack);
}

/// Issue 4's scale: the demo register at 1,000,000 assets, resolved and
/// evaluated once (entities, three decisions per subject, evidence).
#[divan::bench(sample_count = 1, sample_size = 1)]
fn million(bencher: divan::Bencher) {
    screen_counted(bencher, &resolved_million(), &setup().pack);
}

/// The same with every subject decided on its own.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn million_undeduplicated(bencher: divan::Bencher) {
    screen_counted(bencher, &resolved_million(), &setup().pack_naming_a_subject);
}

fn resolved_million() -> shinsa_match::ResolvedRegister {
    let setup = setup();
    let inventory = setup.demo.scaled(1_000_000);
    let matcher = shinsa_match::Matcher::new(&setup.reference);
    shinsa_match::resolve(&inventory, &setup.reference, &matcher, day(), 0.85)
}

/// Screens a resolved register, counting three decisions per subject
/// (procure, without review, without notice).
fn screen_counted(
    bencher: divan::Bencher,
    resolved: &shinsa_match::ResolvedRegister,
    pack: &shinsa_policy::Pack,
) {
    let setup = setup();
    let subjects = resolved.assets.len() + resolved.contracts.len() + resolved.dataflows.len();
    bencher
        .counter(divan::counter::ItemsCount::new(subjects * 3))
        .bench(|| {
            shinsa_policy::screen(resolved, &setup.reference, pack, &Provenance::default()).unwrap()
        });
}

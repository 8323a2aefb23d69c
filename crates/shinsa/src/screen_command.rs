//! The CLI's side of screening (`screen`, `demo`, `net`, `policy test`,
//! `impact`, `explain`): where the register comes from, which reference
//! data and packs the command line names, and a progress bar. The
//! screening itself is the engine's ([`shinsa_policy::Engine`]), the same
//! the server runs.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use shinsa_ingest::{InputErrors, LoadedBundle};
use shinsa_model::{Date, Finding, Operator, Provenance, ReferenceData};
use shinsa_policy::{Engine, Pack, PackChoice};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the register comes from.
#[derive(Debug)]
pub enum Source {
    Path(PathBuf),
    /// A bundle folder's files held in memory (the demo, a pack's tests),
    /// named `label` in messages.
    Files {
        label: String,
        files: Vec<(String, Vec<u8>)>,
    },
    /// A bare BOM (CycloneDX or SPDX), screened as a register of the one
    /// system it describes, held by `operator`.
    Bom {
        label: String,
        bytes: Vec<u8>,
        operator: shinsa_ingest::upload::BomOperator,
    },
}

impl Source {
    /// A path as the user gave it: a file whose content is a BOM is one,
    /// whatever its name; anything else is a bundle.
    pub fn from_path(
        path: PathBuf,
        operator: shinsa_ingest::upload::BomOperator,
    ) -> anyhow::Result<Self> {
        if path.is_file() {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            if shinsa_ingest::sbom::BomFormat::detect(&bytes).is_some() {
                return Ok(Source::Bom {
                    label: path.display().to_string(),
                    bytes,
                    operator,
                });
            }
        }
        Ok(Source::Path(path))
    }
}

/// How to screen.
#[derive(Debug)]
pub struct Options {
    pub day: Date,
    /// A pack folder, or `ID[@VERSION]`; `None` for the bundled pack.
    pub pack: Option<String>,
    /// A catalogue of pack folders for `ID[@VERSION]`.
    pub packs: Option<PathBuf>,
    pub reference: Option<PathBuf>,
    /// The folder of imported lists, whose newest versions are used; `None`
    /// for the bundled lists alone (pack tests must not depend on imports).
    pub lists_dir: Option<PathBuf>,
    /// The imported vulnerability data, whose newest versions are used;
    /// `None` (or an empty shelf) screens without exposures.
    pub advisories: Option<shinsa_ingest::shelf::Shelf>,
    /// VEX documents applied to the register.
    pub vex: Vec<PathBuf>,
    pub threshold: f64,
    /// Refuse a register when a BOM in it breaks a format rule, even of a
    /// field shinsa does not read (`--strict-bom`).
    pub strict_bom: bool,
}

/// A finished screening.
#[derive(Debug)]
pub struct Report {
    pub operator: Operator,
    pub sector_name: String,
    pub as_of: Date,
    pub subjects: usize,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub provenance: Provenance,
    /// What the network showed (`shinsa net`), as tied to the register.
    pub observed: shinsa_model::Observed,
    /// The maker the register gives for each asset a device was tied to.
    pub makers: BTreeMap<String, String>,
}

/// Either a report, or the input's errors (exit 2).
#[derive(Debug)]
pub enum Outcome {
    Screened(Box<Report>),
    BadInput(InputErrors),
}

/// The bundled reference data (or a folder laid out like it) and the
/// newest version of every list imported into `lists_dir`.
pub fn reference(dir: Option<&Path>, lists_dir: Option<&Path>) -> anyhow::Result<ReferenceData> {
    let loaded = match dir {
        Some(dir) => shinsa_ingest::reference::load_dir(dir),
        None => shinsa_ingest::reference::bundled(),
    };
    let mut reference = loaded.map_err(|errors| anyhow::anyhow!("reference data: {errors}"))?;
    if let Some(lists_dir) = lists_dir {
        let shelf = shinsa_ingest::shelf::Shelf::lists(Some(lists_dir.to_path_buf()));
        shinsa_ingest::shelf::add_latest_lists(&mut reference, &shelf)?;
    }
    Ok(reference)
}

pub fn progress() -> ProgressBar {
    let bar = ProgressBar::new(4);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The packs `options` name and how the engine chooses among them: a
/// folder is that pack; `ID@VERSION` or `ID` choose from the bundled packs
/// and the `--packs` catalogue (as the server chooses, per sector and
/// day); nothing is the bundled default.
fn packs(options: &Options) -> anyhow::Result<(Vec<Pack>, PackChoice)> {
    let spec = match &options.pack {
        Some(spec) if Path::new(spec).is_dir() => {
            let pack = Pack::load_dir(Path::new(spec)).context("policy pack")?;
            return Ok((Vec::new(), PackChoice::Given(Box::new(pack))));
        }
        Some(spec) if spec.contains(std::path::MAIN_SEPARATOR) || spec.starts_with('.') => {
            anyhow::bail!("policy pack: no pack folder {spec}");
        }
        Some(spec) => spec.clone(),
        None if options.packs.is_some() => "jp-espa".to_owned(),
        None => {
            let pack = Pack::default_pack().context("policy pack")?;
            return Ok((Vec::new(), PackChoice::Given(Box::new(pack))));
        }
    };
    let mut packs = Pack::bundled().context("policy pack")?;
    if let Some(catalogue) = &options.packs {
        let mut folders = Vec::new();
        for entry in std::fs::read_dir(catalogue)
            .with_context(|| format!("reading {}", catalogue.display()))?
        {
            let path = entry
                .with_context(|| format!("reading {}", catalogue.display()))?
                .path();
            if path.join(shinsa_policy::PACK_FILES[0]).is_file() {
                folders.push(path);
            }
        }
        folders.sort();
        for folder in folders {
            packs.push(Pack::load_dir(&folder).context("policy pack")?);
        }
    }
    Ok((packs, PackChoice::Select(spec)))
}

/// The engine `options` describe: reference data, imported lists, packs,
/// imported vulnerability data.
pub fn engine(options: &Options) -> anyhow::Result<Engine> {
    let reference = reference(options.reference.as_deref(), options.lists_dir.as_deref())?;
    let (packs, choice) = packs(options)?;
    let sets = match &options.advisories {
        Some(shelf) => shelf.latest()?,
        None => Vec::new(),
    };
    Ok(Engine::new(reference, options.threshold)
        .with_packs(packs, choice)
        .with_advisories(sets))
}

/// The statements of the VEX documents `paths` name.
fn vex_statements(
    paths: &[PathBuf],
) -> anyhow::Result<Result<Vec<shinsa_model::VexStatement>, InputErrors>> {
    let mut statements = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        match shinsa_ingest::advisories::read_vex(&path.display().to_string(), &bytes) {
            Ok(read) => statements.extend(read),
            Err(errors) => return Ok(Err(errors)),
        }
    }
    Ok(Ok(statements))
}

/// Adds to a register after it is read and before it is screened (the
/// network evidence of `shinsa net`); the bar shows its progress.
pub type Observer<'a> =
    &'a mut dyn FnMut(&mut shinsa_model::Inventory, &ProgressBar) -> anyhow::Result<()>;

/// Reads the register `source` names, as of the day of `options`.
pub fn read(
    source: &Source,
    options: &Options,
    reference: &ReferenceData,
) -> Result<LoadedBundle, InputErrors> {
    let loaded = match source {
        Source::Path(path) => shinsa_ingest::load_bundle(path, reference, options.day),
        Source::Files { label, files } => {
            shinsa_ingest::load_bundle_files(label, files.clone(), reference, options.day)
        }
        Source::Bom {
            label,
            bytes,
            operator,
        } => {
            shinsa_ingest::upload::load_bom(label, bytes.clone(), operator, reference, options.day)
        }
    };
    if options.strict_bom {
        loaded.and_then(LoadedBundle::strict_bom)
    } else {
        loaded
    }
}

/// The register's maker for each asset a device was tied to.
fn makers(inventory: &shinsa_model::Inventory) -> BTreeMap<String, String> {
    inventory
        .observed
        .devices
        .iter()
        .filter_map(|device| {
            let asset = inventory.asset(device.asset.as_deref()?)?;
            let maker = match asset.manufacturer.as_ref()? {
                shinsa_model::PartyRef::Id(id) => inventory
                    .party(id)
                    .map_or_else(|| id.clone(), |party| party.name.clone()),
                shinsa_model::PartyRef::Text(text) => text.clone(),
            };
            Some((asset.id.clone(), maker))
        })
        .collect()
}

/// Screens the register `source` names with the engine `options` describe.
pub fn run(source: &Source, options: &Options) -> anyhow::Result<Outcome> {
    run_with(source, options, &mut |_, _| Ok(()))
}

/// Screens the register `source` names with the engine `options`
/// describe, `observe` adding to it before it is screened.
pub fn run_with(
    source: &Source,
    options: &Options,
    observe: Observer<'_>,
) -> anyhow::Result<Outcome> {
    let bar = progress();
    bar.set_message("loading reference data and packs");
    let engine = engine(options)?;
    bar.inc(1);
    bar.set_message("reading the register");
    let mut loaded = match read(source, options, engine.reference()) {
        Ok(loaded) => loaded,
        Err(errors) => {
            bar.finish_and_clear();
            return Ok(Outcome::BadInput(errors));
        }
    };
    match vex_statements(&options.vex)? {
        Ok(statements) => loaded.inventory.vex.extend(statements),
        Err(errors) => {
            bar.finish_and_clear();
            return Ok(Outcome::BadInput(errors));
        }
    }
    observe(&mut loaded.inventory, &bar)?;
    bar.inc(1);
    bar.set_message("screening");
    let screened = engine.screen(
        &loaded.inventory,
        &loaded.input_sha256,
        options.day,
        &mut |done, total| {
            bar.set_message(format!("evaluating the policy: {done}/{total} subjects"));
        },
    )?;
    bar.inc(2);
    bar.finish_and_clear();
    let inventory = &loaded.inventory;
    let sector_name = engine
        .reference()
        .find_sector(&inventory.operator.sector, options.day)
        .map(|sector| format!("{} ({})", sector.name_en, sector.name_ja))
        .unwrap_or_else(|| inventory.operator.sector.clone());
    let mut warnings = screened.warnings;
    warnings.extend(loaded.warnings.iter().cloned());
    Ok(Outcome::Screened(Box::new(Report {
        operator: inventory.operator.clone(),
        sector_name,
        as_of: options.day,
        subjects: inventory.assets.len()
            + inventory.contracts.len()
            + inventory.dataflows.len()
            + inventory.observed.connections.len()
            + inventory.observed.devices.len(),
        findings: screened.findings,
        warnings,
        provenance: screened.provenance,
        makers: makers(inventory),
        observed: inventory.observed.clone(),
    })))
}

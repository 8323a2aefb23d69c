//! The screening pipeline as the CLI runs it: reference data, bundle,
//! resolve, evaluate. Each step is a library call; this module only wires
//! them together and reports progress.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use shinsa_ingest::{InputErrors, LoadedBundle};
use shinsa_model::{Date, Finding, Operator, Provenance, ReferenceData};
use shinsa_policy::Pack;
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

/// Reference data: bundled, or from a folder.
/// The bundled reference data (or a folder laid out like it) and the
/// newest version of every list imported into `lists_dir`.
pub fn reference(dir: Option<&Path>, lists_dir: Option<&Path>) -> anyhow::Result<ReferenceData> {
    let loaded = match dir {
        Some(dir) => shinsa_ingest::reference::load_dir(dir),
        None => shinsa_ingest::reference::bundled(),
    };
    let mut reference = loaded.map_err(|errors| anyhow::anyhow!("reference data: {errors}"))?;
    if let Some(lists_dir) = lists_dir {
        crate::list_store::add_latest(&mut reference, lists_dir)?;
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

/// The pack `options` name: a folder, `ID@VERSION`, or `ID` in force on
/// the day for the register's `sector` (as the server chooses), from the
/// bundled packs and the `--packs` catalogue.
fn choose_pack(options: &Options, sector: &str) -> anyhow::Result<Pack> {
    let spec = match &options.pack {
        Some(spec) if Path::new(spec).is_dir() => {
            return Pack::load_dir(Path::new(spec)).context("policy pack");
        }
        Some(spec) if spec.contains(std::path::MAIN_SEPARATOR) || spec.starts_with('.') => {
            anyhow::bail!("policy pack: no pack folder {spec}");
        }
        Some(spec) => spec.clone(),
        None if options.packs.is_some() => "jp-espa".to_owned(),
        None => return Pack::default_pack().context("policy pack"),
    };
    let mut packs = Pack::bundled().context("policy pack")?;
    if let Some(catalogue) = &options.packs {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(catalogue)
            .with_context(|| format!("reading {}", catalogue.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join(shinsa_policy::PACK_FILES[0]).is_file())
            .collect();
        folders.sort();
        for folder in folders {
            packs.push(Pack::load_dir(&folder).context("policy pack")?);
        }
    }
    shinsa_policy::catalogue::select(&packs, &spec, options.day, Some(sector))
        .cloned()
        .map_err(anyhow::Error::msg)
}

/// Adds to a register after it is read and before it is resolved (the
/// network evidence of `shinsa net`); the bar shows its progress.
pub type Observer<'a> =
    &'a mut dyn FnMut(&mut shinsa_model::Inventory, &ProgressBar) -> anyhow::Result<()>;

/// A register read and resolved, with what screening it needs.
#[derive(Debug)]
pub struct Prepared {
    pub reference: ReferenceData,
    pub pack: Pack,
    pub loaded: LoadedBundle,
    pub register: shinsa_match::ResolvedRegister,
    pub provenance: Provenance,
    pub warnings: Vec<String>,
}

/// Reads the reference data, the pack and the register, and resolves it.
/// `Ok(Err(errors))` is bad register input.
pub fn prepare(
    source: &Source,
    options: &Options,
    bar: &ProgressBar,
    observe: Observer<'_>,
) -> anyhow::Result<Result<Prepared, InputErrors>> {
    bar.set_message("loading reference data");
    let reference = reference(options.reference.as_deref(), options.lists_dir.as_deref())?;
    bar.inc(1);
    bar.set_message("reading the register");
    let loaded = match source {
        Source::Path(path) => shinsa_ingest::load_bundle(path, &reference, options.day),
        Source::Files { label, files } => {
            shinsa_ingest::load_bundle_files(label, files.clone(), &reference, options.day)
        }
        Source::Bom {
            label,
            bytes,
            operator,
        } => shinsa_ingest::upload::bom_bundle(label, bytes.clone(), operator).and_then(|files| {
            shinsa_ingest::load_bundle_files(label, files, &reference, options.day)
        }),
    };
    let loaded = if options.strict_bom {
        loaded.and_then(LoadedBundle::strict_bom)
    } else {
        loaded
    };
    let mut loaded: LoadedBundle = match loaded {
        Ok(loaded) => loaded,
        Err(errors) => return Ok(Err(errors)),
    };
    let pack = choose_pack(options, &loaded.inventory.operator.sector)?;
    let mut warnings = Vec::new();
    let pack_in_force = pack.effective_from <= options.day
        && pack.effective_until.is_none_or(|until| options.day < until);
    if !pack_in_force {
        warnings.push(format!(
            "pack {} is in force from {}{}; screening as of {} uses it anyway",
            pack.version_label(),
            pack.effective_from,
            pack.effective_until
                .map(|until| format!(" until {until}"))
                .unwrap_or_default(),
            options.day
        ));
    }
    warnings.extend(pack.list_mismatches(&reference.lists));
    observe(&mut loaded.inventory, bar)?;
    bar.inc(1);
    bar.set_message("resolving names, ownership and list scope");
    let matcher = shinsa_match::Matcher::new(&reference);
    let register = shinsa_match::resolve(
        &loaded.inventory,
        &reference,
        &matcher,
        options.day,
        options.threshold,
    );
    bar.inc(1);
    let provenance =
        shinsa_policy::provenance(&loaded.input_sha256, &reference, &pack, options.day);
    warnings.extend(loaded.warnings.iter().cloned());
    Ok(Ok(Prepared {
        reference,
        pack,
        loaded,
        register,
        provenance,
        warnings,
    }))
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

/// Runs the pipeline.
pub fn run(source: &Source, options: &Options) -> anyhow::Result<Outcome> {
    run_with(source, options, &mut |_, _| Ok(()))
}

/// Runs the pipeline, with `observe` adding to the register before it is
/// resolved.
pub fn run_with(
    source: &Source,
    options: &Options,
    observe: Observer<'_>,
) -> anyhow::Result<Outcome> {
    let bar = progress();
    let prepared = match prepare(source, options, &bar, observe)? {
        Ok(prepared) => prepared,
        Err(errors) => {
            bar.finish_and_clear();
            return Ok(Outcome::BadInput(errors));
        }
    };
    bar.set_message("evaluating the policy");
    let findings = shinsa_policy::screen_with_progress(
        &prepared.register,
        &prepared.reference,
        &prepared.pack,
        &prepared.provenance,
        &mut |done, total| {
            bar.set_message(format!("evaluating the policy: {done}/{total} subjects"));
        },
    )?;
    bar.inc(1);
    bar.finish_and_clear();
    let inventory = &prepared.loaded.inventory;
    let sector_name = prepared
        .reference
        .find_sector(&inventory.operator.sector, options.day)
        .map(|sector| format!("{} ({})", sector.name_en, sector.name_ja))
        .unwrap_or_else(|| inventory.operator.sector.clone());
    Ok(Outcome::Screened(Box::new(Report {
        operator: inventory.operator.clone(),
        sector_name,
        as_of: options.day,
        subjects: inventory.assets.len()
            + inventory.contracts.len()
            + inventory.dataflows.len()
            + inventory.observed.connections.len()
            + inventory.observed.devices.len(),
        findings,
        warnings: prepared.warnings,
        provenance: prepared.provenance,
        makers: makers(inventory),
        observed: inventory.observed.clone(),
    })))
}

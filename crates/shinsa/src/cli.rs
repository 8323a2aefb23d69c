//! Command-line interface: arguments, help text and exit codes.

use crate::matching::MatchFormat;
use crate::output::{self, Format, Language};
use crate::screening::{self, Outcome};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use shinsa_model::{Date, Severity, parse_date};
use std::path::PathBuf;
use std::process::ExitCode;

/// No finding at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Bad input or usage; nothing was written.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "shinsa",
    version,
    about = "shinsa (審査): screen a critical-infrastructure operator's register against supply-chain security lists and sector policy",
    long_about = "shinsa (審査) screens an operator's register — equipment and its components, suppliers and \
who owns them, contractors and their subcontractors, data flows — against restricted-party lists \
(FCC Covered List, NDAA §889, DoD 1260H, Entity List, UK and EU designations) and a sector policy \
pack written in Cedar (Japan's Economic Security Promotion Act by default). Every finding carries its \
evidence (which name matched which list entry and why, the ownership path, the countries) and its \
legal basis, and records what produced it so that it can be reproduced.",
    after_help = "Examples:\n  shinsa demo                                  screen the bundled example utility\n  \
shinsa screen ./my-bundle                    screen a CSV folder\n  \
shinsa screen register.xlsx --format json    the same sheets in one workbook, as JSON\n  \
shinsa screen bundle.json --as-of 2025-01-01 --fail-on prohibited\n  \
shinsa lists ls                              the bundled lists, their versions and hashes\n\n\
Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Screen a register bundle (CSV folder, .xlsx workbook or .json document).
    #[command(
        after_help = "A bundle folder holds operator.toml and any of parties.csv, ownership.csv, \
assets.csv, contracts.csv, dataflows.csv and *.cdx.json (CycloneDX 1.6). A workbook has sheets with \
the same names (and an `operator` sheet); a JSON document follows schema/inventory.schema.json.\n\n\
Bad input is reported with file, line and column (or cell, or JSON pointer), the field, what was \
expected and what was found, all at once; exit code 2; nothing is written."
    )]
    Screen(ScreenArgs),
    /// Screen the bundled example (a fictional electricity utility) and print the findings.
    Demo(DemoArgs),
    /// Screen names one by one against the lists: which entries each matches, and why.
    #[command(
        after_help = "Examples:\n  shinsa match \"ZTE Japan K.K.\" ファーウェイ \"Kaspersky Lab Japan\"\n  \
shinsa match --input vendors.csv --format jsonl\n\n\
--input takes a CSV with a `name` column and optionally `id`, `aliases`, `country` and \
`identifiers` (scheme:value, e.g. cn_uscc:…; check digits are verified). A name matches a list \
entry directly, through the identity table (brands, native-script and katakana names) or \
through a controlling owner (≥ 50 %). Only matches at or above --threshold are shown."
    )]
    Match(MatchArgs),
    /// Reference lists.
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
    },
    /// Policy packs: write the default pack out to edit, check a pack.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Write the default pack (pack.toml, schema.cedarschema, policies.cedar) to DIR to edit.
    Export {
        /// The folder to write; created if missing. Existing pack files are not overwritten.
        dir: PathBuf,
    },
    /// Check a pack: Cedar schema validation (strict), every rule with @id, @severity,
    /// @legal_basis and @title, ids unique, severity fitting its action. Errors name file,
    /// line and column. Exit 0 valid, 2 not.
    Validate {
        /// The pack folder (default: the bundled jp-espa pack).
        pack: Option<PathBuf>,
    },
    /// Run a pack's own tests (tests/*.toml): each names a register beside it and what
    /// the pack must decide about its subjects. Exit 0 all pass, 1 a test fails, 2 bad input.
    Test {
        /// The pack folder (default: the bundled jp-espa pack and its tests).
        pack: Option<PathBuf>,
    },
    /// For one subject of a register: every rule of the pack, whether it fired, and why.
    Explain {
        /// The register bundle.
        register: PathBuf,
        /// The subject as kind:id, e.g. asset:BS-1, contract:K-3, dataflow:D-1.
        #[arg(long, value_parser = parse_subject)]
        subject: shinsa_model::Subject,
        /// The pack folder (default: the bundled pack).
        #[arg(long, value_name = "DIR")]
        pack: Option<PathBuf>,
        /// Screen as of this day (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = parse_day)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Make an Ed25519 key pair for signing packs: the secret goes to KEYFILE (hex, mode
    /// 0600), the public key to KEYFILE.pub and standard output.
    Keygen { keyfile: PathBuf },
    /// Sign a pack folder with a secret key: writes DIR/pack.sig over the pack's id,
    /// version and content hash.
    Sign {
        pack: PathBuf,
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Check DIR/pack.sig against the pack's content. Exit 0 holds, 1 does not, 2 no
    /// signature or bad input.
    Verify {
        pack: PathBuf,
        /// Public keys (hex) the signer must be one of; repeat for several.
        #[arg(long, value_name = "KEY")]
        trust: Vec<String>,
    },
    /// Rules added, removed and changed between two packs (by @id).
    Diff {
        /// The old pack folder, or `default` for the bundled pack.
        old: PathBuf,
        /// The new pack folder, or `default`.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Findings that appear and disappear on each register when NEW replaces OLD.
    Impact {
        /// The pack in force now (a folder, or `default`).
        #[arg(long, value_name = "OLD")]
        baseline: PathBuf,
        /// The pack to assess (a folder, or `default`).
        #[arg(long, value_name = "NEW")]
        pack: PathBuf,
        /// Register bundles (CSV folders, .xlsx or .json).
        #[arg(required = true)]
        registers: Vec<PathBuf>,
        /// Screen as of this day (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", value_parser = parse_day)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A pack argument: a folder, or `default` for the bundled pack.
fn pack_dir(path: &std::path::Path) -> Option<PathBuf> {
    (path != std::path::Path::new("default")).then(|| path.to_path_buf())
}

fn load_pack(path: &std::path::Path) -> Result<shinsa_policy::Pack, shinsa_policy::PackError> {
    match pack_dir(path) {
        Some(dir) => shinsa_policy::Pack::load_dir(&dir),
        None => shinsa_policy::Pack::default_pack(),
    }
}

#[derive(Debug, Subcommand)]
enum ListsCommand {
    /// The lists shinsa screens against: id, name, legal effect, version, entries, SHA-256.
    Ls {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// A reference-data folder laid out like the project's data/ (default: the bundled data).
        #[arg(long, value_name = "DIR")]
        reference: Option<PathBuf>,
    },
}

/// Severity threshold for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Prohibited,
    Review,
    Notice,
    /// Never exit 1.
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            Self::Prohibited => Some(Severity::Prohibited),
            Self::Review => Some(Severity::Review),
            Self::Notice => Some(Severity::Notice),
            Self::Never => None,
        }
    }
}

#[derive(Debug, Args)]
struct Common {
    /// Screen as of this day (YYYY-MM-DD): decides which list entries,
    /// exceptions, ownerships and sectors apply. Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Language of titles in table and CSV output.
    #[arg(long, value_enum, default_value_t = Language::En)]
    lang: Language,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Review)]
    fail_on: FailOn,
    /// Write the output to FILE instead of standard output (written only on success).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A policy pack folder (pack.toml, schema.cedarschema, policies.cedar). Default: jp-espa.
    #[arg(long, value_name = "DIR")]
    pack: Option<PathBuf>,
    /// A reference-data folder laid out like data/. Default: the bundled data.
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
    /// Lowest name-match score that counts as a match, 0 to 1.
    #[arg(long, default_value_t = shinsa_match::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f64,
}

#[derive(Debug, Args)]
struct ScreenArgs {
    /// The bundle: a folder of CSV files, an .xlsx workbook or a .json document.
    path: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct MatchArgs {
    /// Names to screen.
    names: Vec<String>,
    /// A CSV of names to screen (column `name`; optional `id`, `aliases`, `country`, `identifiers`).
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatchFormat::Table)]
    format: MatchFormat,
    /// Lowest score that counts as a match, 0 to 1.
    #[arg(long, default_value_t = shinsa_match::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    threshold: f64,
    /// Match against the entries in force on this day (YYYY-MM-DD). Default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    as_of: Option<Date>,
    /// A reference-data folder laid out like data/. Default: the bundled data.
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    common: Common,
}

fn parse_day(text: &str) -> Result<Date, String> {
    parse_date(text).map_err(|error| error.to_string())
}

fn parse_subject(text: &str) -> Result<shinsa_model::Subject, String> {
    use shinsa_model::SubjectKind;
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| format!("expected kind:id such as asset:BS-1, found {text:?}"))?;
    let kind = match kind {
        "asset" => SubjectKind::Asset,
        "contract" => SubjectKind::Contract,
        "dataflow" => SubjectKind::Dataflow,
        other => {
            return Err(format!(
                "expected asset, contract or dataflow, found {other:?}"
            ));
        }
    };
    Ok(shinsa_model::Subject {
        kind,
        id: id.to_owned(),
    })
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("expected a number from 0 to 1, found {text:?}")),
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Screen(args) => {
            let source = screening::Source::Path(args.path);
            screen(source, &args.common)
        }
        Command::Demo(args) => screen(crate::demo::source(), &args.common),
        Command::Match(args) => match_names(args),
        Command::Policy {
            command: PolicyCommand::Export { dir },
        } => export_pack(&dir),
        Command::Policy {
            command: PolicyCommand::Validate { pack },
        } => validate_pack(pack.as_deref()),
        Command::Policy {
            command: PolicyCommand::Test { pack },
        } => test_pack(pack.as_deref()),
        Command::Policy {
            command: PolicyCommand::Keygen { keyfile },
        } => keygen(&keyfile),
        Command::Policy {
            command: PolicyCommand::Sign { pack, key },
        } => sign_pack(&pack, &key),
        Command::Policy {
            command: PolicyCommand::Verify { pack, trust },
        } => verify_pack(&pack, &trust),
        Command::Policy {
            command: PolicyCommand::Diff { old, new, format },
        } => diff_packs(&old, &new, format),
        Command::Policy {
            command:
                PolicyCommand::Explain {
                    register,
                    subject,
                    pack,
                    as_of,
                    format,
                },
        } => explain_subject(register, &subject, pack, as_of, format),
        Command::Policy {
            command:
                PolicyCommand::Impact {
                    baseline,
                    pack,
                    registers,
                    as_of,
                    format,
                },
        } => pack_impact(&baseline, &pack, &registers, as_of, format),
        Command::Lists {
            command: ListsCommand::Ls { format, reference },
        } => {
            let reference = screening::reference(reference.as_deref())?;
            emit(&output::lists(&reference, format)?)?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
    }
}

fn export_pack(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = shinsa_policy::Pack::default_files();
    if let Some((name, _)) = files.iter().find(|(name, _)| dir.join(name).exists()) {
        anyhow::bail!(
            "{} exists; export into an empty folder",
            dir.join(name).display()
        );
    }
    for (name, text) in files
        .into_iter()
        .chain(shinsa_policy::Pack::default_test_files())
    {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "wrote {} to {}; check it with `shinsa policy validate {}`",
        shinsa_policy::PACK_FILES.join(", "),
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn validate_pack(dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let loaded = match dir {
        Some(dir) => shinsa_policy::Pack::load_dir(dir),
        None => shinsa_policy::Pack::default_pack(),
    };
    let pack = match loaded {
        Ok(pack) => pack,
        Err(error) => {
            eprintln!("{error}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let mut out = format!(
        "{} — {} ({}), in force from {}: valid, {} rules\n",
        pack.version_label(),
        pack.name,
        pack.jurisdiction,
        pack.effective_from,
        pack.rules().len()
    );
    for rule in pack.rules() {
        out.push_str(&format!(
            "  {:<12} {:<10} {}\n",
            rule.id,
            rule.severity.as_str(),
            rule.title
        ));
    }
    emit(&out)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn keygen(keyfile: &std::path::Path) -> anyhow::Result<ExitCode> {
    use std::io::Write as _;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    let key = shinsa_policy::signing::signing_key(&hex::encode(secret))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(keyfile)
        .with_context(|| format!("creating {} (it must not exist yet)", keyfile.display()))?;
    writeln!(file, "{}", hex::encode(secret))?;
    let public = hex::encode(key.verifying_key().to_bytes());
    let public_file = keyfile.with_extension("pub");
    std::fs::write(&public_file, format!("{public}\n"))?;
    emit(&format!("{public}\n"))?;
    eprintln!(
        "secret key in {} (keep it), public key in {}",
        keyfile.display(),
        public_file.display()
    );
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn sign_pack(dir: &std::path::Path, keyfile: &std::path::Path) -> anyhow::Result<ExitCode> {
    let pack = match shinsa_policy::Pack::load_dir(dir) {
        Ok(pack) => pack,
        Err(error) => {
            eprintln!("{error}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let secret = std::fs::read_to_string(keyfile)
        .with_context(|| format!("reading {}", keyfile.display()))?;
    let key = shinsa_policy::signing::signing_key(&secret)?;
    let signature = shinsa_policy::signing::sign(&pack, &key);
    shinsa_policy::signing::write_signature(dir, &signature).map_err(anyhow::Error::msg)?;
    eprintln!("signed {} with {}", signature.pack, signature.public_key);
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn verify_pack(dir: &std::path::Path, trusted: &[String]) -> anyhow::Result<ExitCode> {
    let pack = match shinsa_policy::Pack::load_dir(dir) {
        Ok(pack) => pack,
        Err(error) => {
            eprintln!("{error}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let Some(signature) =
        shinsa_policy::signing::read_signature(dir).map_err(anyhow::Error::msg)?
    else {
        eprintln!(
            "{} has no {}",
            dir.display(),
            shinsa_policy::signing::SIGNATURE_FILE
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    };
    match shinsa_policy::signing::verify(&pack, &signature, trusted) {
        Ok(()) => {
            emit(&format!(
                "signature holds: {} signed by {}\n",
                pack.version_label(),
                signature.public_key
            ))?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Err(error) => {
            eprintln!("signature does not hold: {error}");
            Ok(ExitCode::from(EXIT_FINDINGS))
        }
    }
}

/// A pack test with the register it screens.
struct TestCase {
    file: String,
    source: Result<shinsa_policy::pack_test::PackTest, String>,
    register: screening::Source,
}

/// The tests of a pack folder, or of the bundled pack.
fn pack_tests(dir: Option<&std::path::Path>) -> anyhow::Result<Vec<TestCase>> {
    use shinsa_policy::pack_test::parse_test;
    let mut cases = Vec::new();
    match dir {
        Some(dir) => {
            let tests = dir.join("tests");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&tests)
                .with_context(|| format!("reading {}", tests.display()))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
                .collect();
            files.sort();
            for path in files {
                let file = path.display().to_string();
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text =
                    std::fs::read_to_string(&path).with_context(|| format!("reading {file}"))?;
                let parsed = parse_test(&file, &name, &text);
                let register = match &parsed {
                    Ok(test) => tests.join(&test.register),
                    Err(_) => tests.clone(),
                };
                cases.push(TestCase {
                    file,
                    source: parsed,
                    register: screening::Source::Path(register),
                });
            }
        }
        None => {
            let all = shinsa_policy::Pack::default_test_files();
            for (path, text) in all
                .iter()
                .filter(|(path, _)| path.ends_with(".toml") && path.matches('/').count() == 1)
            {
                let name = path.trim_start_matches("tests/").trim_end_matches(".toml");
                let file = format!("packs/jp-espa/{path}");
                let parsed = parse_test(&file, name, text);
                let folder = match &parsed {
                    Ok(test) => format!("tests/{}/", test.register),
                    Err(_) => String::new(),
                };
                let files = all
                    .iter()
                    .filter_map(|(path, text)| {
                        path.strip_prefix(&folder)
                            .map(|file| (file.to_owned(), text.as_bytes().to_vec()))
                    })
                    .collect();
                let label = format!("packs/jp-espa/{}", folder.trim_end_matches('/'));
                cases.push(TestCase {
                    file,
                    source: parsed,
                    register: screening::Source::Files { label, files },
                });
            }
        }
    }
    Ok(cases)
}

fn test_pack(dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let cases = pack_tests(dir)?;
    if cases.is_empty() {
        anyhow::bail!("the pack has no tests (tests/*.toml)");
    }
    let (mut passed, mut failed) = (0, 0);
    let mut out = String::new();
    for case in cases {
        let test = match case.source {
            Ok(test) => test,
            Err(error) => {
                eprintln!("{error}");
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        };
        let options = screening::Options {
            day: test.as_of,
            pack: dir.map(std::path::Path::to_path_buf),
            reference: None,
            threshold: shinsa_match::DEFAULT_THRESHOLD,
        };
        let report = match screening::run(&case.register, &options)? {
            Outcome::Screened(report) => report,
            Outcome::BadInput(errors) => {
                eprint!("{}: its register does not load:\n{errors}", case.file);
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        };
        let failures = shinsa_policy::pack_test::failures(&test, &report.findings);
        if failures.is_empty() {
            passed += 1;
            out.push_str(&format!(
                "ok   {} — {} ({} expectations)\n",
                test.name,
                test.description,
                test.expectations.len()
            ));
        } else {
            failed += 1;
            out.push_str(&format!(
                "FAIL {} — {} ({})\n",
                test.name, test.description, case.file
            ));
            for failure in failures {
                out.push_str(&format!("       {failure}\n"));
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    emit(&out)?;
    Ok(ExitCode::from(if failed == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

fn explain_subject(
    register: PathBuf,
    subject: &shinsa_model::Subject,
    pack: Option<PathBuf>,
    as_of: Option<Date>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let options = screening::Options {
        day: as_of.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        pack,
        reference: None,
        threshold: shinsa_match::DEFAULT_THRESHOLD,
    };
    let bar = screening::progress();
    let prepared = screening::prepare(&screening::Source::Path(register), &options, &bar)?;
    bar.finish_and_clear();
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let explanation = shinsa_policy::explain(
        &prepared.register,
        &prepared.reference,
        &prepared.pack,
        &prepared.provenance,
        subject,
    )?;
    let Some(explanation) = explanation else {
        eprintln!(
            "the register has no {}:{}",
            subject.kind.as_str(),
            subject.id
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    };
    emit(&output::explanation(&explanation, format)?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn diff_packs(
    old: &std::path::Path,
    new: &std::path::Path,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let (old, new) = match (load_pack(old), load_pack(new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("{error}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    emit(&output::pack_diff(
        &shinsa_policy::diff(&old, &new),
        format,
    )?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn pack_impact(
    baseline: &std::path::Path,
    pack: &std::path::Path,
    registers: &[PathBuf],
    as_of: Option<Date>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let day = as_of.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let mut impacts = Vec::new();
    for register in registers {
        let mut findings = Vec::new();
        for pack in [baseline, pack] {
            let options = screening::Options {
                day,
                pack: pack_dir(pack),
                reference: None,
                threshold: shinsa_match::DEFAULT_THRESHOLD,
            };
            match screening::run(&screening::Source::Path(register.clone()), &options)? {
                Outcome::Screened(report) => findings.push(report.findings),
                Outcome::BadInput(errors) => {
                    eprint!("{errors}");
                    return Ok(ExitCode::from(EXIT_BAD_INPUT));
                }
            }
        }
        let label = register.display().to_string();
        impacts.push(shinsa_policy::impact(&label, &findings[0], &findings[1]));
    }
    emit(&output::impacts(&impacts, format)?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn match_names(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let mut queries: Vec<shinsa_model::Party> = args
        .names
        .iter()
        .enumerate()
        .map(|(index, name)| shinsa_model::Party {
            id: format!("arg {}", index + 1),
            name: name.clone(),
            aliases: Vec::new(),
            country: None,
            hq_country: None,
            identifiers: Vec::new(),
        })
        .collect();
    if let Some(path) = &args.input {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        match shinsa_ingest::queries::read_queries(&path.display().to_string(), &bytes) {
            Ok(mut rows) => queries.append(&mut rows),
            Err(errors) => {
                eprint!("{errors}");
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        }
    }
    if queries.is_empty() {
        anyhow::bail!("give names to match, or --input FILE");
    }
    let day = args
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let reference = screening::reference(args.reference.as_deref())?;
    let results = crate::matching::run(queries, &reference, day, args.threshold)?;
    emit(&crate::matching::render(&results, args.format)?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn screen(source: screening::Source, common: &Common) -> anyhow::Result<ExitCode> {
    let day = common
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let options = screening::Options {
        day,
        pack: common.pack.clone(),
        reference: common.reference.clone(),
        threshold: common.threshold,
    };
    let outcome = match screening::run(&source, &options)? {
        Outcome::Screened(report) => report,
        Outcome::BadInput(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    let text = output::report(&outcome, common.format, common.lang)?;
    match &common.output {
        Some(path) => write_atomically(path, &text)?,
        None => emit(&text)?,
    }
    let failing = common.fail_on.threshold().is_some_and(|threshold| {
        outcome
            .findings
            .iter()
            .any(|finding| finding.severity >= threshold)
    });
    Ok(ExitCode::from(if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }))
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes through a temporary file in the same folder, so a reader never
/// sees half a report.
fn write_atomically(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension("shinsa-partial");
    std::fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))
}

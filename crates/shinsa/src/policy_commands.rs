//! `shinsa policy …`: author, check, compare, sign and explain policy packs.

use crate::cli::{EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, emit};
use crate::output::{self, Format};
use crate::screen_command::{self, Outcome};
use anyhow::Context as _;
use shinsa_model::Date;
use shinsa_policy::Pack;
use std::path::PathBuf;
use std::process::ExitCode;

/// A pack argument: a folder, or `default` for the bundled pack.
fn pack_dir(path: &std::path::Path) -> Option<PathBuf> {
    (path != std::path::Path::new("default")).then(|| path.to_path_buf())
}

fn load_pack(path: &std::path::Path) -> Result<Pack, shinsa_policy::PackError> {
    match pack_dir(path) {
        Some(dir) => shinsa_policy::Pack::load_dir(&dir),
        None => Pack::default_pack(),
    }
}

/// The pack, or its problems printed and exit code 2.
fn pack_or_exit(loaded: Result<Pack, shinsa_policy::PackError>) -> Result<Pack, ExitCode> {
    loaded.map_err(|error| {
        eprintln!("{error}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

pub(crate) fn export_pack(dir: &std::path::Path, id: &str) -> anyhow::Result<ExitCode> {
    let Some(bundled) = shinsa_policy::BUNDLED.iter().find(|pack| pack.id == id) else {
        let ids: Vec<&str> = shinsa_policy::BUNDLED.iter().map(|pack| pack.id).collect();
        anyhow::bail!("no bundled pack {id}; bundled: {}", ids.join(", "));
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if let Some(name) = shinsa_policy::PACK_FILES
        .iter()
        .find(|name| dir.join(name).exists())
    {
        anyhow::bail!(
            "{} exists; export into an empty folder",
            dir.join(name).display()
        );
    }
    for (name, text) in bundled.files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "wrote pack {id} ({} files, tests included) to {}; check it with `shinsa policy validate {}`",
        bundled.files.len(),
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::from(EXIT_CLEAN))
}

pub(crate) fn validate_pack(dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let loaded = match dir {
        Some(dir) => Pack::load_dir(dir),
        None => Pack::default_pack(),
    };
    let pack = match pack_or_exit(loaded) {
        Ok(pack) => pack,
        Err(code) => return Ok(code),
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

pub(crate) fn keygen(keyfile: &std::path::Path) -> anyhow::Result<ExitCode> {
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

pub(crate) fn sign_pack(
    dir: &std::path::Path,
    keyfile: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let pack = match pack_or_exit(Pack::load_dir(dir)) {
        Ok(pack) => pack,
        Err(code) => return Ok(code),
    };
    let secret = std::fs::read_to_string(keyfile)
        .with_context(|| format!("reading {}", keyfile.display()))?;
    let key = shinsa_policy::signing::signing_key(&secret)?;
    let signature = shinsa_policy::signing::sign(&pack, &key);
    shinsa_policy::signing::write_signature(dir, &signature).map_err(anyhow::Error::msg)?;
    eprintln!("signed {} with {}", signature.pack, signature.public_key);
    Ok(ExitCode::from(EXIT_CLEAN))
}

pub(crate) fn verify_pack(dir: &std::path::Path, trusted: &[String]) -> anyhow::Result<ExitCode> {
    let pack = match pack_or_exit(Pack::load_dir(dir)) {
        Ok(pack) => pack,
        Err(code) => return Ok(code),
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
    /// The bundled pack the test belongs to (`None`: the folder under test).
    pack: Option<String>,
    file: String,
    source: Result<shinsa_policy::pack_test::PackTest, String>,
    register: screen_command::Source,
}

/// The tests of a pack folder, or of every bundled pack.
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
                let name = shinsa_model::shown(path.file_stem().map(|s| s.to_string_lossy()));
                let text =
                    std::fs::read_to_string(&path).with_context(|| format!("reading {file}"))?;
                let parsed = parse_test(&file, &name, &text);
                let register = match &parsed {
                    Ok(test) => tests.join(&test.register),
                    Err(_) => tests.clone(),
                };
                cases.push(TestCase {
                    pack: None,
                    file,
                    source: parsed,
                    register: screen_command::Source::Path(register),
                });
            }
        }
        None => {
            for bundled in &shinsa_policy::BUNDLED {
                let tests = bundled.files.iter().filter(|(path, _)| {
                    path.starts_with("tests/")
                        && path.ends_with(".toml")
                        && path.matches('/').count() == 1
                });
                for (path, text) in tests {
                    let name = path.trim_start_matches("tests/").trim_end_matches(".toml");
                    let file = format!("packs/{}/{path}", bundled.id);
                    let parsed = parse_test(&file, name, text);
                    let folder = match &parsed {
                        Ok(test) => format!("tests/{}/", test.register),
                        Err(_) => String::new(),
                    };
                    let files = bundled
                        .files
                        .iter()
                        .filter_map(|(path, text)| {
                            path.strip_prefix(&folder)
                                .map(|file| (file.to_owned(), text.as_bytes().to_vec()))
                        })
                        .collect();
                    let label = format!("packs/{}/{}", bundled.id, folder.trim_end_matches('/'));
                    cases.push(TestCase {
                        pack: Some(bundled.id.to_owned()),
                        file,
                        source: parsed,
                        register: screen_command::Source::Files { label, files },
                    });
                }
            }
        }
    }
    Ok(cases)
}

pub(crate) fn test_pack(dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
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
        let options = screen_command::Options {
            day: test.as_of,
            pack: case
                .pack
                .clone()
                .or_else(|| dir.map(|dir| dir.display().to_string())),
            packs: None,
            reference: None,
            lists_dir: None,
            advisories: None,
            vex: Vec::new(),
            threshold: shinsa_match::DEFAULT_THRESHOLD,
            strict_bom: false,
        };
        let report = match screen_command::run(&case.register, &options)? {
            Outcome::Screened(report) => report,
            Outcome::BadInput(errors) => {
                eprint!("{}: its register does not load:\n{errors}", case.file);
                return Ok(ExitCode::from(EXIT_BAD_INPUT));
            }
        };
        let failures = shinsa_policy::pack_test::failures(&test, &report.findings);
        let prefix = shinsa_model::clause(case.pack.as_deref(), |id| format!("{id}/"));
        if failures.is_empty() {
            passed += 1;
            out.push_str(&format!(
                "ok   {}{} — {} ({} expectations)\n",
                prefix,
                test.name,
                test.description,
                test.expectations.len()
            ));
        } else {
            failed += 1;
            out.push_str(&format!(
                "FAIL {}{} — {} ({})\n",
                prefix, test.name, test.description, case.file
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

pub(crate) fn explain_subject(
    register: PathBuf,
    subject: &shinsa_model::Subject,
    pack: Option<PathBuf>,
    as_of: Option<Date>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let options = screen_command::Options {
        day: as_of.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        pack: pack.map(|dir| dir.display().to_string()),
        packs: None,
        reference: None,
        lists_dir: Some(shinsa_ingest::shelf::Shelf::lists(None).dir),
        advisories: Some(shinsa_ingest::shelf::Shelf::advisories(None)),
        vex: Vec::new(),
        threshold: shinsa_match::DEFAULT_THRESHOLD,
        strict_bom: false,
    };
    let engine = screen_command::engine(&options)?;
    let source = screen_command::Source::Path(register);
    let loaded = match screen_command::read(&source, &options, engine.reference()) {
        Ok(loaded) => loaded,
        Err(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let (explanation, warnings) = engine.explain(
        &loaded.inventory,
        &loaded.input_sha256,
        options.day,
        subject,
    )?;
    for warning in warnings.iter().chain(&loaded.warnings) {
        eprintln!("warning: {warning}");
    }
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

pub(crate) fn diff_packs(
    old: &std::path::Path,
    new: &std::path::Path,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let (old, new) = match (pack_or_exit(load_pack(old)), pack_or_exit(load_pack(new))) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(code), _) | (_, Err(code)) => return Ok(code),
    };
    emit(&output::pack_diff(
        &shinsa_policy::diff(&old, &new),
        format,
    )?)?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

pub(crate) fn pack_impact(
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
            let options = screen_command::Options {
                day,
                pack: pack_dir(pack).map(|dir| dir.display().to_string()),
                packs: None,
                reference: None,
                lists_dir: Some(shinsa_ingest::shelf::Shelf::lists(None).dir),
                advisories: Some(shinsa_ingest::shelf::Shelf::advisories(None)),
                vex: Vec::new(),
                threshold: shinsa_match::DEFAULT_THRESHOLD,
                strict_bom: false,
            };
            match screen_command::run(&screen_command::Source::Path(register.clone()), &options)? {
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

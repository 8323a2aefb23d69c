//! `shinsa lists import` and `shinsa lists diff`.

use crate::output::{self, Format};
use anyhow::Context as _;
use shinsa_ingest::lists::{ImportOptions, ListFile};
use shinsa_ingest::shelf::Shelf;
use shinsa_model::{Date, ImportedList, ListedParty};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Reads list files; on bad input prints every error and returns `None`.
fn read(files: &[PathBuf], options: &ImportOptions) -> anyhow::Result<Option<Vec<ImportedList>>> {
    let mut read = Vec::new();
    for path in files {
        read.push(ListFile {
            name: path.display().to_string(),
            bytes: std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        });
    }
    match shinsa_ingest::lists::import(&read, options) {
        Ok(lists) => Ok(Some(lists)),
        Err(errors) => {
            eprint!("{errors}");
            Ok(None)
        }
    }
}

/// Imports list files into the lists folder: all files are read and
/// checked before any version is saved.
pub fn import(
    files: &[PathBuf],
    dir: &Path,
    id: Option<String>,
    version: Option<Date>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let options = ImportOptions {
        id,
        version,
        today: time::OffsetDateTime::now_utc().date(),
    };
    let Some(lists) = read(files, &options)? else {
        return Ok(ExitCode::from(crate::cli::EXIT_BAD_INPUT));
    };
    let mut rows = Vec::new();
    let mut document = Vec::new();
    for list in &lists {
        let path = Shelf::lists(Some(dir.to_path_buf())).save(list)?;
        let names: usize = list.parties.iter().map(|p| p.names.len()).sum();
        let relations: usize = list.parties.iter().map(|p| p.relations.len()).sum();
        rows.push(vec![
            list.info.id.clone(),
            list.info.version.to_string(),
            list.parties.len().to_string(),
            names.to_string(),
            relations.to_string(),
            list.info.sha256.clone(),
            path.display().to_string(),
        ]);
        document.push(serde_json::json!({
            "id": list.info.id, "version": list.info.version.to_string(),
            "parties": list.parties.len(), "names": names, "relations": relations,
            "sha256": list.info.sha256, "saved": path,
        }));
    }
    let header = [
        "list",
        "version",
        "parties",
        "names",
        "relations",
        "sha256",
        "saved",
    ];
    crate::cli::emit(&output::rows_output(&header, &rows, &document, format)?)?;
    Ok(ExitCode::from(crate::cli::EXIT_CLEAN))
}

/// A list version to compare: a file saved by `lists import`, or list files
/// read on the spot.
fn version(path: &Path) -> anyhow::Result<Option<ImportedList>> {
    if let Ok(list) = Shelf::lists(None).read::<ImportedList>(path) {
        return Ok(Some(list));
    }
    let options = ImportOptions {
        id: None,
        version: None,
        today: time::OffsetDateTime::now_utc().date(),
    };
    Ok(read(&[path.to_path_buf()], &options)?.and_then(|mut lists| lists.pop()))
}

/// Compares two versions of a list.
pub fn diff(old: &Path, new: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let (Some(old), Some(new)) = (version(old)?, version(new)?) else {
        return Ok(ExitCode::from(crate::cli::EXIT_BAD_INPUT));
    };
    let changes = old.changes_to(&new);
    let describe = |party: &ListedParty| {
        format!(
            "{} [{}] {}",
            party.name(),
            party.kind.as_str(),
            party.programs.join(" ")
        )
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for party in &changes.added {
        rows.push(vec![
            "added".into(),
            party.id.clone(),
            describe(party),
            String::new(),
        ]);
    }
    for party in &changes.removed {
        rows.push(vec![
            "removed".into(),
            party.id.clone(),
            describe(party),
            String::new(),
        ]);
    }
    for (before, after) in &changes.changed {
        rows.push(vec![
            "changed".into(),
            after.id.clone(),
            describe(after),
            what_changed(before, after),
        ]);
    }
    let document = serde_json::json!({
        "old": {"id": old.info.id, "version": old.info.version.to_string(), "sha256": old.info.sha256},
        "new": {"id": new.info.id, "version": new.info.version.to_string(), "sha256": new.info.sha256},
        "added": changes.added, "removed": changes.removed,
        "changed": changes.changed.iter().map(|(before, after)| serde_json::json!({"before": before, "after": after})).collect::<Vec<_>>(),
    });
    if format == Format::Table {
        eprintln!(
            "{} {} → {}: {} added, {} removed, {} changed",
            new.info.id,
            old.info.version,
            new.info.version,
            changes.added.len(),
            changes.removed.len(),
            changes.changed.len()
        );
    }
    let header = ["change", "id", "party", "what changed"];
    crate::cli::emit(&output::rows_output(&header, &rows, &document, format)?)?;
    Ok(ExitCode::from(crate::cli::EXIT_CLEAN))
}

fn what_changed(before: &ListedParty, after: &ListedParty) -> String {
    let mut parts = Vec::new();
    let added: Vec<&String> = after
        .names
        .iter()
        .filter(|n| !before.names.contains(n))
        .collect();
    let removed: Vec<&String> = before
        .names
        .iter()
        .filter(|n| !after.names.contains(n))
        .collect();
    if !added.is_empty() {
        parts.push(format!("names added: {}", join(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("names removed: {}", join(&removed)));
    }
    if before.programs != after.programs {
        parts.push(format!(
            "programs {} → {}",
            before.programs.join(" "),
            after.programs.join(" ")
        ));
    }
    if before.countries != after.countries {
        parts.push("countries".to_owned());
    }
    if before.identifiers != after.identifiers {
        parts.push("identifiers".to_owned());
    }
    if before.relations != after.relations {
        parts.push("relations".to_owned());
    }
    if before.kind != after.kind {
        parts.push(format!(
            "kind {} → {}",
            before.kind.as_str(),
            after.kind.as_str()
        ));
    }
    parts.join("; ")
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The limits `shinsa pdf-text` holds itself to.
#[derive(Debug, clap::Args)]
pub struct PdfTextArgs {
    /// Address space, in megabytes.
    #[arg(long)]
    memory_mb: u64,
    /// Processor time, in seconds.
    #[arg(long)]
    cpu_seconds: u64,
}

/// Reads a PDF on standard input and writes its pages' text as JSON, after
/// limiting this process's memory and processor time: a PDF built to
/// exhaust the reader ends this process, not the one that asked.
pub fn pdf_text(args: &PdfTextArgs) -> anyhow::Result<ExitCode> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    use std::io::{Read as _, Write as _};
    let limit = |resource, value: u64| {
        setrlimit(
            resource,
            Rlimit {
                current: Some(value),
                maximum: Some(value),
            },
        )
        .with_context(|| format!("limiting {resource:?} to {value}"))
    };
    limit(Resource::As, args.memory_mb.saturating_mul(1024 * 1024))?;
    limit(Resource::Cpu, args.cpu_seconds)?;
    let mut pdf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut pdf)
        .context("reading the PDF")?;
    let pages = shinsa_ingest::lists::pdf_text::in_process(&pdf);
    std::io::stdout()
        .write_all(&shinsa_ingest::lists::pdf_text::answer(&pages))
        .context("writing the pages")?;
    Ok(ExitCode::SUCCESS)
}

//! `shinsa vulns import`, `vulns ls` and `vulns diff`: vulnerability data
//! as versioned reference data, kept on a shelf beside the lists.

use crate::output::{self, Format};
use anyhow::Context as _;
use shinsa_ingest::advisories::AdvisoryFile;
use shinsa_ingest::shelf::Shelf;
use shinsa_model::{AdvisorySet, AdvisorySetInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How many refusals of each source `import` prints (all are counted).
const REFUSALS_SHOWN: usize = 10;

/// Every file under `path` (itself when it is a file), in name order.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", path.display()))?;
        entries.sort();
        for entry in entries {
            files_under(&entry, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Imports vulnerability data: every file is read, each source becomes
/// one version on the shelf, and what was read, refused and skipped is said.
pub fn import(paths: &[PathBuf], shelf: &Shelf, format: Format) -> anyhow::Result<ExitCode> {
    // (path, found in a folder)
    let mut names: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        let mut found = Vec::new();
        files_under(path, &mut found)?;
        let in_folder = path.is_dir();
        names.extend(found.into_iter().map(|file| (file, in_folder)));
    }
    let bar = crate::screen_command::progress();
    bar.set_length(names.len() as u64 + 1);
    let mut files = Vec::with_capacity(names.len());
    for (path, in_folder) in &names {
        bar.set_message(format!("reading {}", path.display()));
        files.push(AdvisoryFile {
            name: path.display().to_string(),
            bytes: std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            in_folder: *in_folder,
        });
        bar.inc(1);
    }
    bar.set_message("parsing the records");
    let today = time::OffsetDateTime::now_utc().date();
    let imported = shinsa_ingest::advisories::import(&files, today);
    drop(files);
    bar.finish_and_clear();
    let imported = match imported {
        Ok(imported) => imported,
        Err(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::from(crate::cli::EXIT_BAD_INPUT));
        }
    };
    let mut rows = Vec::new();
    let mut document = Vec::new();
    for set in imported.sets {
        let counts = Counts::of(&set);
        let info = set.info.clone();
        let path = if info.read == 0 {
            // Nothing was read: the saved version stays what screening uses.
            PathBuf::from("(not saved: nothing read)")
        } else {
            let saved = match shelf.latest_of::<AdvisorySet>(&info.id)? {
                Some(older) => shinsa_ingest::advisories::laid_over(older, set),
                None => set,
            };
            shelf.save(&saved)?
        };
        rows.push(counts.row(&info, &path));
        document.push(counts.json(&info, &path));
        if format == Format::Table {
            for refusal in info.refusals.iter().take(REFUSALS_SHOWN) {
                eprintln!("refused: {refusal}");
            }
            if info.refused > REFUSALS_SHOWN {
                eprintln!(
                    "… {} more refused in {} (`--format json` lists the first {})",
                    info.refused - REFUSALS_SHOWN,
                    info.id,
                    info.refusals.len()
                );
            }
        }
    }
    if format == Format::Table {
        for skipped in &imported.skipped {
            eprintln!("skipped: {skipped}");
        }
    }
    let document = serde_json::json!({"sets": document, "skipped": imported.skipped});
    crate::cli::emit(&output::rows_output(&HEADER, &rows, &document, format)?)?;
    Ok(ExitCode::from(crate::cli::EXIT_CLEAN))
}

const HEADER: [&str; 10] = [
    "source",
    "version",
    "read",
    "refused",
    "advisories",
    "products",
    "kev",
    "vex",
    "sha256",
    "saved",
];

/// What a set holds, counted.
struct Counts {
    advisories: usize,
    products: usize,
    exploited: usize,
    statements: usize,
}

impl Counts {
    fn of(set: &AdvisorySet) -> Self {
        Self {
            advisories: set.advisories.len(),
            products: set.advisories.iter().map(|a| a.products.len()).sum(),
            exploited: set.exploited.len(),
            statements: set.statements.len(),
        }
    }

    fn row(&self, info: &AdvisorySetInfo, path: &Path) -> Vec<String> {
        vec![
            info.source.title().to_owned(),
            info.version.to_string(),
            info.read.to_string(),
            info.refused.to_string(),
            self.advisories.to_string(),
            self.products.to_string(),
            self.exploited.to_string(),
            self.statements.to_string(),
            info.sha256.clone(),
            path.display().to_string(),
        ]
    }

    fn json(&self, info: &AdvisorySetInfo, path: &Path) -> serde_json::Value {
        serde_json::json!({
            "id": info.id, "source": info.source.title(), "version": info.version.to_string(),
            "read": info.read, "refused": info.refused, "refusals": info.refusals,
            "advisories": self.advisories, "products": self.products,
            "kev": self.exploited, "vex": self.statements,
            "sha256": info.sha256, "saved": path,
        })
    }
}

/// The imported sets: the newest of each source, or every version.
pub fn list(shelf: &Shelf, all: bool, format: Format) -> anyhow::Result<ExitCode> {
    let paths = if all {
        shelf.versions()?
    } else {
        shelf.latest_paths()?
    };
    let mut rows = Vec::new();
    let mut document = Vec::new();
    for path in &paths {
        let set: AdvisorySet = shelf.read(path)?;
        let counts = Counts::of(&set);
        rows.push(counts.row(&set.info, path));
        document.push(counts.json(&set.info, path));
    }
    if paths.is_empty() && format == Format::Table {
        eprintln!(
            "no vulnerability data in {}; `shinsa vulns import FILE…` brings some",
            shelf.dir.display()
        );
    }
    crate::cli::emit(&output::rows_output(&HEADER, &rows, &document, format)?)?;
    Ok(ExitCode::from(crate::cli::EXIT_CLEAN))
}

/// One difference between two versions of a source.
#[derive(Debug, serde::Serialize)]
struct Change {
    change: &'static str,
    id: String,
    title: String,
}

/// Compares two saved versions of one source.
pub fn diff(old: &Path, new: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let shelf = Shelf::advisories(None);
    let old: AdvisorySet = shelf.read(old)?;
    let new: AdvisorySet = shelf.read(new)?;
    let before: BTreeMap<&str, &shinsa_model::Advisory> =
        old.advisories.iter().map(|a| (a.id.as_str(), a)).collect();
    let after: BTreeMap<&str, &shinsa_model::Advisory> =
        new.advisories.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut changes: Vec<Change> = Vec::new();
    let mut change = |what: &'static str, id: &str, title: String| {
        changes.push(Change {
            change: what,
            id: id.to_owned(),
            title,
        })
    };
    for (id, advisory) in &after {
        match before.get(id) {
            None => change("added", id, advisory.title.clone()),
            Some(earlier) if earlier != advisory => change("changed", id, advisory.title.clone()),
            Some(_) => {}
        }
    }
    for (id, advisory) in &before {
        if !after.contains_key(id) {
            change("removed", id, advisory.title.clone());
        }
    }
    let kev_before: BTreeMap<&str, &shinsa_model::KnownExploited> =
        old.exploited.iter().map(|k| (k.cve.as_str(), k)).collect();
    let kev_after: BTreeMap<&str, &shinsa_model::KnownExploited> =
        new.exploited.iter().map(|k| (k.cve.as_str(), k)).collect();
    for (cve, entry) in &kev_after {
        if !kev_before.contains_key(cve) {
            change(
                "added to KEV",
                cve,
                format!("{} (added {})", entry.name, entry.date_added),
            );
        }
    }
    for (cve, entry) in &kev_before {
        if !kev_after.contains_key(cve) {
            change("removed from KEV", cve, entry.name.clone());
        }
    }
    if format == Format::Table {
        eprintln!(
            "{} {} → {}: {} changes",
            new.info.id,
            old.info.version,
            new.info.version,
            changes.len()
        );
    }
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| vec![c.change.to_owned(), c.id.clone(), c.title.clone()])
        .collect();
    let document = serde_json::json!({
        "old": {"id": old.info.id, "version": old.info.version.to_string(), "sha256": old.info.sha256},
        "new": {"id": new.info.id, "version": new.info.version.to_string(), "sha256": new.info.sha256},
        "changes": changes,
    });
    crate::cli::emit(&output::rows_output(
        &["change", "id", "title"],
        &rows,
        &document,
        format,
    )?)?;
    Ok(ExitCode::from(crate::cli::EXIT_CLEAN))
}

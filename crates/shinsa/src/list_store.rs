//! Imported list versions on disk: `DIR/<list id>/<version>_<sha256 prefix>.json`,
//! one JSON document per version, written whole or not at all. The
//! newest version of each list is what `screen` and `match` read.

use anyhow::Context as _;
use shinsa_model::{ImportedList, ReferenceData};
use std::path::{Path, PathBuf};

/// The folder of imported lists: `--lists-dir`, else `SHINSA_LISTS_DIR`,
/// else `$XDG_DATA_HOME/shinsa/lists` or `~/.local/share/shinsa/lists`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SHINSA_LISTS_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("shinsa/lists");
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".local/share/shinsa/lists")
}

/// Saves one version; returns its path. An identical version is kept once.
pub fn save(dir: &Path, list: &ImportedList) -> anyhow::Result<PathBuf> {
    let folder = dir.join(&list.info.id);
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let prefix = list.info.sha256.get(..12).unwrap_or(&list.info.sha256);
    let path = folder.join(format!("{}_{prefix}.json", list.info.version));
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, serde_json::to_vec(list)?)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Reads one saved version.
pub fn read(path: &Path) -> anyhow::Result<ImportedList> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a list saved by `shinsa lists import`",
            path.display()
        )
    })
}

/// Every saved version of every list, oldest first per list.
pub fn versions(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let Ok(lists) = std::fs::read_dir(dir) else {
        return Ok(paths); // nothing imported yet
    };
    for list in lists {
        let list = list?.path();
        if !list.is_dir() {
            continue;
        }
        let mut versions: Vec<PathBuf> = std::fs::read_dir(&list)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        versions.sort();
        paths.extend(versions);
    }
    Ok(paths)
}

/// The newest version of each list.
pub fn latest(dir: &Path) -> anyhow::Result<Vec<ImportedList>> {
    let mut newest: Vec<PathBuf> = Vec::new();
    for path in versions(dir)? {
        match newest.last() {
            Some(last) if last.parent() == path.parent() => {
                if let Some(slot) = newest.last_mut() {
                    *slot = path;
                }
            }
            _ => newest.push(path),
        }
    }
    newest.iter().map(|path| read(path)).collect()
}

/// Adds the newest imported lists to `reference`.
pub fn add_latest(reference: &mut ReferenceData, dir: &Path) -> anyhow::Result<()> {
    for list in latest(dir)? {
        reference.add_imported(list);
    }
    Ok(())
}

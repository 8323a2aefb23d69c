//! Imported reference data on disk, one shelf per kind: lists under
//! `lists/`, vulnerability data under `advisories/`. Each version is
//! `DIR/<id>/<version>_<sha256 prefix>.json`, one JSON document written
//! whole or not at all; the newest version of each id is what `screen`
//! and `match` read.

use serde::{Serialize, de::DeserializeOwned};
use shinsa_model::{AdvisorySet, Date, ImportedList, ReferenceData};
use std::path::{Path, PathBuf};

/// A shelf that cannot be read or written: the path and why.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ShelfError {
    pub path: PathBuf,
    pub reason: String,
}

fn failed(path: &Path, reason: impl std::fmt::Display) -> ShelfError {
    ShelfError {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// One kind of imported data and the folder it is kept in.
#[derive(Debug, Clone)]
pub struct Shelf {
    pub dir: PathBuf,
    /// What a saved file is, for errors: "a list saved by `shinsa lists import`".
    what: &'static str,
}

/// What a shelf keeps: an id, a version day and a SHA-256.
pub trait Versioned: Serialize + DeserializeOwned {
    fn id(&self) -> &str;
    fn version(&self) -> Date;
    fn sha256(&self) -> &str;
}

impl Versioned for ImportedList {
    fn id(&self) -> &str {
        &self.info.id
    }
    fn version(&self) -> Date {
        self.info.version
    }
    fn sha256(&self) -> &str {
        &self.info.sha256
    }
}

impl Versioned for AdvisorySet {
    fn id(&self) -> &str {
        &self.info.id
    }
    fn version(&self) -> Date {
        self.info.version
    }
    fn sha256(&self) -> &str {
        &self.info.sha256
    }
}

/// `$<variable>`, else `$XDG_DATA_HOME/shinsa/<leaf>`, else
/// `~/.local/share/shinsa/<leaf>`.
fn default_dir(variable: &str, leaf: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(variable) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("shinsa").join(leaf);
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".local/share/shinsa")
        .join(leaf)
}

impl Shelf {
    /// Imported lists: `dir`, else `SHINSA_LISTS_DIR`, else the data folder's `lists`.
    pub fn lists(dir: Option<PathBuf>) -> Self {
        Self {
            dir: dir.unwrap_or_else(|| default_dir("SHINSA_LISTS_DIR", "lists")),
            what: "a list saved by `shinsa lists import`",
        }
    }

    /// Imported vulnerability data: `dir`, else `SHINSA_ADVISORIES_DIR`,
    /// else the data folder's `advisories`.
    pub fn advisories(dir: Option<PathBuf>) -> Self {
        Self {
            dir: dir.unwrap_or_else(|| default_dir("SHINSA_ADVISORIES_DIR", "advisories")),
            what: "vulnerability data saved by `shinsa vulns import`",
        }
    }

    /// Saves one version; returns its path. An identical version is kept once.
    pub fn save<T: Versioned>(&self, item: &T) -> Result<PathBuf, ShelfError> {
        let folder = self.dir.join(item.id());
        std::fs::create_dir_all(&folder).map_err(|error| failed(&folder, error))?;
        let sha256 = item.sha256();
        let prefix = sha256.get(..12).unwrap_or(sha256);
        let path = folder.join(format!("{}_{prefix}.json", item.version()));
        let temporary = path.with_extension("partial");
        let file = std::fs::File::create(&temporary).map_err(|error| failed(&temporary, error))?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut writer, item).map_err(|error| failed(&temporary, error))?;
        std::io::Write::flush(&mut writer).map_err(|error| failed(&temporary, error))?;
        std::fs::rename(&temporary, &path).map_err(|error| failed(&path, error))?;
        Ok(path)
    }

    /// Reads one saved version.
    pub fn read<T: Versioned>(&self, path: &Path) -> Result<T, ShelfError> {
        let file = std::fs::File::open(path).map_err(|error| failed(path, error))?;
        serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|error| failed(path, format!("not {}: {error}", self.what)))
    }

    /// Every saved version of every id, oldest first per id.
    pub fn versions(&self) -> Result<Vec<PathBuf>, ShelfError> {
        let mut paths = Vec::new();
        let Ok(ids) = std::fs::read_dir(&self.dir) else {
            return Ok(paths); // nothing imported yet
        };
        for id in ids {
            let id = id.map_err(|error| failed(&self.dir, error))?.path();
            if !id.is_dir() {
                continue;
            }
            let mut versions: Vec<PathBuf> = std::fs::read_dir(&id)
                .map_err(|error| failed(&id, error))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            versions.sort();
            paths.extend(versions);
        }
        Ok(paths)
    }

    /// The paths of the newest version of each id.
    pub fn latest_paths(&self) -> Result<Vec<PathBuf>, ShelfError> {
        let mut newest: Vec<PathBuf> = Vec::new();
        for path in self.versions()? {
            match newest.last_mut() {
                Some(last) if last.parent() == path.parent() => *last = path,
                _ => newest.push(path),
            }
        }
        Ok(newest)
    }

    /// The newest saved version of `id`, if any.
    pub fn latest_of<T: Versioned>(&self, id: &str) -> Result<Option<T>, ShelfError> {
        let folder = self.dir.join(id);
        match self
            .latest_paths()?
            .into_iter()
            .find(|path| path.parent() == Some(folder.as_path()))
        {
            Some(path) => Ok(Some(self.read(&path)?)),
            None => Ok(None),
        }
    }

    /// The newest version of each id.
    pub fn latest<T: Versioned>(&self) -> Result<Vec<T>, ShelfError> {
        self.latest_paths()?
            .iter()
            .map(|path| self.read(path))
            .collect()
    }
}

/// Adds the newest imported lists to `reference`.
pub fn add_latest_lists(reference: &mut ReferenceData, shelf: &Shelf) -> Result<(), ShelfError> {
    for list in shelf.latest::<ImportedList>()? {
        reference.add_imported(list);
    }
    Ok(())
}

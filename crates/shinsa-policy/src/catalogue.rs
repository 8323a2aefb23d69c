//! Choosing a pack: by `id@version` to re-run a past decision, or by `id`
//! and the screening day to use the version in force.

use crate::pack::Pack;
use shinsa_model::Date;

/// Whether `pack` is in force on `day`.
pub fn in_force(pack: &Pack, day: Date) -> bool {
    pack.effective_from <= day && pack.effective_until.is_none_or(|until| day < until)
}

/// Whether `pack` is for `sector` (a pack that names no sectors is for
/// every sector).
pub fn covers(pack: &Pack, sector: &str) -> bool {
    pack.sectors
        .as_ref()
        .is_none_or(|sectors| sectors.iter().any(|own| own == sector))
}

/// Numeric parts of a version, for ordering (`1.10.0` after `1.9.0`).
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-', '+'])
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

/// Picks a pack from `packs` for `spec` (`id` or `id@version`) on `day`:
/// an exact version when one is named, else the highest version in force
/// that is for `sector` (any, when `None`).
pub fn select<'a>(
    packs: &'a [Pack],
    spec: &str,
    day: Date,
    sector: Option<&str>,
) -> Result<&'a Pack, String> {
    let (id, version) = match spec.split_once('@') {
        Some((id, version)) => (id, Some(version)),
        None => (spec, None),
    };
    let same_id: Vec<&Pack> = packs.iter().filter(|pack| pack.id == id).collect();
    let available = || {
        let mut all: Vec<String> = packs
            .iter()
            .map(|pack| {
                format!(
                    "{}@{} (from {})",
                    pack.id, pack.version, pack.effective_from
                )
            })
            .collect();
        all.sort();
        all.join(", ")
    };
    let chosen = match version {
        Some(version) => same_id.into_iter().find(|pack| pack.version == version),
        None => same_id
            .into_iter()
            .filter(|pack| in_force(pack, day))
            .filter(|pack| sector.is_none_or(|sector| covers(pack, sector)))
            .max_by_key(|pack| version_key(&pack.version)),
    };
    chosen.ok_or_else(|| match version {
        Some(_) => format!("no pack {spec}; available: {}", available()),
        None => format!(
            "no version of pack {id} is in force on {day}{}; available: {}",
            sector.map_or_else(String::new, |sector| format!(" for sector {sector}")),
            available()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically() {
        assert!(version_key("1.10.0") > version_key("1.9.0"));
        assert!(version_key("2.0.0") > version_key("1.99"));
    }
}

//! The example register compiled into the binary, so `shinsa demo` runs
//! anywhere without the source tree.

use crate::screen_command::Source;

/// Where the example lives in the source tree (used as its label).
pub const LABEL: &str = "examples/minato-electric";

const FILES: [(&str, &str); 7] = [
    (
        "operator.toml",
        include_str!("../../../examples/minato-electric/operator.toml"),
    ),
    (
        "parties.csv",
        include_str!("../../../examples/minato-electric/parties.csv"),
    ),
    (
        "ownership.csv",
        include_str!("../../../examples/minato-electric/ownership.csv"),
    ),
    (
        "assets.csv",
        include_str!("../../../examples/minato-electric/assets.csv"),
    ),
    (
        "contracts.csv",
        include_str!("../../../examples/minato-electric/contracts.csv"),
    ),
    (
        "dataflows.csv",
        include_str!("../../../examples/minato-electric/dataflows.csv"),
    ),
    (
        "ems-core.cdx.json",
        include_str!("../../../examples/minato-electric/ems-core.cdx.json"),
    ),
];

/// The example as a screening source.
pub fn source() -> Source {
    Source::Files {
        label: LABEL.to_owned(),
        files: FILES
            .iter()
            .map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec()))
            .collect(),
    }
}

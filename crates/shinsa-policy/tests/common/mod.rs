//! Shared by the tests and the screening benchmark.

/// The default pack with one more rule, `ONE-ASSET` (notice), that fires on
/// the asset with this id alone. Naming a subject makes every subject's
/// decision depend on its id, so no two subjects share one.
pub fn default_pack_naming(asset_id: &str) -> shinsa_policy::Pack {
    let default = shinsa_policy::BUNDLED
        .iter()
        .find(|pack| pack.id == "jp-espa")
        .expect("jp-espa is bundled");
    let file = |name: &str| default.file(name).expect("a bundled pack has its files");
    let policies = format!(
        "{}\n@id(\"ONE-ASSET\") @severity(\"notice\") @title(\"Named\") @title_ja(\"指名\")\n\
         @legal_basis(\"test\")\n\
         forbid (principal, action == Shinsa::Action::\"procure_without_notice\", resource)\n\
         when {{ resource == Shinsa::Asset::\"{asset_id}\" }};\n",
        file("policies.cedar")
    );
    shinsa_policy::Pack::from_sources(
        "test",
        file("pack.toml"),
        file("schema.cedarschema"),
        &policies,
    )
    .expect("the pack with one more rule loads")
}

//! An installation plan as an operator sends it (the API's JSON body), and
//! a closed-days calendar as a ministry configures it: whatever the bytes,
//! reading either gives a value or an error, and a plan that reads can be
//! checked for completeness, turned into the register that is screened,
//! and stripped of personal data. The first byte picks the reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shinsa_model::plan::Plan;

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        let _ = shinsa_ingest::calendar::read_closed_days("calendar.csv", bytes);
        return;
    }
    let Ok(plan) = serde_json::from_slice::<Plan>(bytes) else {
        return;
    };
    let gaps = plan.completeness();
    assert!(gaps.iter().all(|gap| gap.pointer.starts_with('/')));
    let operator = shinsa_model::Operator {
        id: "op".into(),
        name: "Operator".into(),
        sector: "electricity".into(),
        country: shinsa_model::CountryCode::parse("JP").unwrap_or_else(|_| unreachable!()),
        licence: None,
        regulator: None,
        internal_networks: Vec::new(),
        public_networks: Vec::new(),
    };
    let inventory = plan.inventory(&operator);
    assert!(inventory.assets.len() >= plan.items.len());
    let public = plan.without_personal_data();
    assert_eq!(public.items.len(), plan.items.len());
});

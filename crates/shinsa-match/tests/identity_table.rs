//! Every name of every vendor in the bundled identity table, in every
//! script, finds that vendor first.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use shinsa_match::{DEFAULT_THRESHOLD, Matcher, TargetRef};

#[test]
fn every_identity_name_finds_its_vendor_first() {
    let reference = shinsa_ingest::reference::bundled().unwrap();
    let matcher = Matcher::new(&reference);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for identity in &reference.identities {
        for name in identity.all_names() {
            checked += 1;
            let found = matcher.find(name, DEFAULT_THRESHOLD);
            let best = found
                .iter()
                .filter(|m| matches!(m.target, TargetRef::Identity(_)))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            let first = best.map(|m| (m.target.clone(), m.score));
            let expected = TargetRef::Identity(identity.id.clone());
            // Ties at the top are allowed only between names of this vendor.
            let ok = first.as_ref().is_some_and(|(target, score)| {
                *target == expected
                    || found
                        .iter()
                        .any(|m| m.target == expected && m.score >= *score)
            });
            if !ok {
                wrong.push(format!("{name:?} ({}) → {first:?}", identity.id));
            }
        }
    }
    assert!(checked > 100, "{checked} names checked");
    assert!(
        wrong.is_empty(),
        "{} of {checked} names:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

//! The known vulnerabilities of the facilities a plan introduces, and the
//! risk-management measure the operator states for each (issue 28). The
//! ministry reads, per exposure, what the operator does about it: update
//! to a fixed version, mitigate, isolate, or accept the risk with a reason.
//! Which exposures there are is the screening's to say
//! ([`Plan::ask_for_measures`] adds the ones found); what is done about
//! them is the operator's statement, kept when the screening changes.

use super::{Gaps, Plan};
use serde::{Deserialize, Serialize};

/// One exposure of a plan item, as the plan states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureMeasure {
    /// The CVE (or the advisory's id when it has none).
    pub vulnerability: String,
    /// What the screening said of it when it was added (title, KEV due
    /// date), for the reader of the filing.
    #[serde(default)]
    pub summary: Option<String>,
    /// What the operator does about it; `None` until stated.
    #[serde(default)]
    pub measure: Option<RiskMeasure>,
}

/// A measure against one exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskMeasure {
    pub kind: MeasureKind,
    /// What is done (the version updated to, the mitigation, how it is
    /// isolated) or, for an accepted risk, why.
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// Updated to a version the vendor fixed (更新).
    Update,
    /// A mitigation the vendor or the operator gives (緩和策).
    Mitigation,
    /// The equipment isolated from the networks the attack needs (隔離).
    Isolation,
    /// The risk accepted, with the reason (リスク受容).
    AcceptedRisk,
}

impl MeasureKind {
    pub const ALL: [MeasureKind; 4] = [
        MeasureKind::Update,
        MeasureKind::Mitigation,
        MeasureKind::Isolation,
        MeasureKind::AcceptedRisk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Update => "update",
            MeasureKind::Mitigation => "mitigation",
            MeasureKind::Isolation => "isolation",
            MeasureKind::AcceptedRisk => "accepted_risk",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MeasureKind::Update => "update",
            MeasureKind::Mitigation => "mitigation",
            MeasureKind::Isolation => "isolation",
            MeasureKind::AcceptedRisk => "accepted risk",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            MeasureKind::Update => "更新",
            MeasureKind::Mitigation => "緩和策",
            MeasureKind::Isolation => "隔離",
            MeasureKind::AcceptedRisk => "リスク受容",
        }
    }

    /// The kind a form's word names, in either language.
    pub fn parse(word: &str) -> Option<MeasureKind> {
        let word = word.trim();
        MeasureKind::ALL.into_iter().find(|kind| {
            word.eq_ignore_ascii_case(kind.as_str())
                || word.eq_ignore_ascii_case(kind.label_en())
                || word == kind.label_ja()
        })
    }
}

/// An exposure the screening found on a plan item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundExposure {
    /// The plan item (its components' exposures are the item's).
    pub item: String,
    pub vulnerability: String,
    pub summary: String,
}

impl FoundExposure {
    /// The exposure a finding's subject id names (`ITEM/CVE` or
    /// `ITEM/COMPONENT/CVE`), with `summary`.
    pub fn from_subject(subject_id: &str, summary: String) -> Option<FoundExposure> {
        let (asset, vulnerability) = subject_id.rsplit_once('/')?;
        let item = asset.split('/').next()?;
        Some(FoundExposure {
            item: item.to_owned(),
            vulnerability: vulnerability.to_owned(),
            summary,
        })
    }
}

impl Plan {
    /// Adds to each item the exposures `found` names that it does not list
    /// yet, each asking for its measure; what the plan already states is
    /// kept. Returns how many were added.
    pub fn ask_for_measures(&mut self, found: &[FoundExposure]) -> usize {
        let mut added = 0;
        for exposure in found {
            let Some(item) = self.items.iter_mut().find(|item| item.id == exposure.item) else {
                continue;
            };
            if item
                .exposures
                .iter()
                .any(|listed| listed.vulnerability == exposure.vulnerability)
            {
                continue;
            }
            item.exposures.push(ExposureMeasure {
                vulnerability: exposure.vulnerability.clone(),
                summary: Some(exposure.summary.clone()),
                measure: None,
            });
            added += 1;
        }
        added
    }

    /// The exposures in `found` the plan does not list, as gaps: the
    /// filing must say what is done about each.
    pub fn unlisted_exposures(&self, found: &[FoundExposure]) -> Vec<super::Gap> {
        let mut gaps = Gaps(Vec::new());
        for exposure in found {
            let listed = self.items.iter().enumerate().find_map(|(index, item)| {
                (item.id == exposure.item).then(|| {
                    (
                        index,
                        item.exposures
                            .iter()
                            .any(|listed| listed.vulnerability == exposure.vulnerability),
                    )
                })
            });
            if let Some((index, false)) = listed {
                gaps.add(
                    format!("/items/{index}/exposures"),
                    &format!(
                        "{} found by the screening, with its risk-management measure",
                        exposure.vulnerability
                    ),
                    &format!(
                        "審査で見つかった{}とそのリスク管理措置",
                        exposure.vulnerability
                    ),
                );
            }
        }
        gaps.0
    }
}

impl Gaps {
    /// Each listed exposure needs its measure, and every measure but an
    /// update says what is done or why.
    pub(super) fn exposures(&mut self, at: &str, exposures: &[ExposureMeasure]) {
        for (number, exposure) in exposures.iter().enumerate() {
            let pointer = format!("{at}/exposures/{number}/measure");
            match &exposure.measure {
                None => self.add(
                    pointer,
                    &format!(
                        "the risk-management measure for {} (update, mitigation, isolation or accepted risk)",
                        exposure.vulnerability
                    ),
                    &format!(
                        "{}に対するリスク管理措置（更新・緩和策・隔離・リスク受容）",
                        exposure.vulnerability
                    ),
                ),
                Some(measure)
                    if measure.kind != MeasureKind::Update && measure.detail.trim().is_empty() =>
                {
                    self.add(
                        pointer,
                        &format!(
                            "what is done against {} or, for an accepted risk, why",
                            exposure.vulnerability
                        ),
                        &format!(
                            "{}に対して講じる内容（リスク受容の場合はその理由）",
                            exposure.vulnerability
                        ),
                    )
                }
                Some(_) => {}
            }
        }
    }
}

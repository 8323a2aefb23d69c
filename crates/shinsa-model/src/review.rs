//! The review of an installation plan as a state machine: who may do what
//! in which state, and what each step does to the statutory clock.
//!
//! ```text
//! draft ─file→ filed ─receive→ under_review ─clear→ cleared ─(list change)→ re_review
//!                                 │  ↑answer                                  │
//!                     request_information                    clear / recommend / order
//!                                 ↓  │
//!                        information_requested
//! under_review / information_requested / re_review ─recommend→ recommended
//! recommended ─accept→ recommendation_accepted ─clear→ cleared
//! recommended ─decline→ recommendation_declined ─order→ ordered
//! recommended ─order (after the answer was due)→ ordered
//! anything open ─withdraw→ withdrawn
//! ```
//!
//! Decisions: the clock does not stop while information is requested (the
//! statute as summarised in DOMAIN.md names no pause; a reviewer who needs
//! more time extends the period, up to the configured maximum). The
//! operator may change a filed plan until a decision closes it; each change
//! is screened again and recorded.

use crate::Date;
use crate::clock::ClockRules;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Filed,
    UnderReview,
    InformationRequested,
    Recommended,
    RecommendationAccepted,
    RecommendationDeclined,
    Ordered,
    Cleared,
    ReReview,
    Withdrawn,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 11] = [
        PlanStatus::Draft,
        PlanStatus::Filed,
        PlanStatus::UnderReview,
        PlanStatus::InformationRequested,
        PlanStatus::Recommended,
        PlanStatus::RecommendationAccepted,
        PlanStatus::RecommendationDeclined,
        PlanStatus::Ordered,
        PlanStatus::Cleared,
        PlanStatus::ReReview,
        PlanStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Filed => "filed",
            PlanStatus::UnderReview => "under_review",
            PlanStatus::InformationRequested => "information_requested",
            PlanStatus::Recommended => "recommended",
            PlanStatus::RecommendationAccepted => "recommendation_accepted",
            PlanStatus::RecommendationDeclined => "recommendation_declined",
            PlanStatus::Ordered => "ordered",
            PlanStatus::Cleared => "cleared",
            PlanStatus::ReReview => "re_review",
            PlanStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The name a Japanese filing uses.
    pub fn label_ja(self) -> &'static str {
        match self {
            PlanStatus::Draft => "作成中",
            PlanStatus::Filed => "届出済（受理前）",
            PlanStatus::UnderReview => "審査中",
            PlanStatus::InformationRequested => "追加情報の求め",
            PlanStatus::Recommended => "勧告",
            PlanStatus::RecommendationAccepted => "勧告応諾",
            PlanStatus::RecommendationDeclined => "勧告不応諾",
            PlanStatus::Ordered => "命令",
            PlanStatus::Cleared => "審査終了（導入等可）",
            PlanStatus::ReReview => "再審査",
            PlanStatus::Withdrawn => "取下げ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PlanStatus::Draft => "Draft",
            PlanStatus::Filed => "Filed (awaiting receipt)",
            PlanStatus::UnderReview => "Under review",
            PlanStatus::InformationRequested => "Information requested",
            PlanStatus::Recommended => "Recommendation issued",
            PlanStatus::RecommendationAccepted => "Recommendation accepted",
            PlanStatus::RecommendationDeclined => "Recommendation declined",
            PlanStatus::Ordered => "Order issued",
            PlanStatus::Cleared => "Cleared (may be installed)",
            PlanStatus::ReReview => "Re-review",
            PlanStatus::Withdrawn => "Withdrawn",
        }
    }

    /// Whether the review clock runs in this state.
    pub fn clock_runs(self) -> bool {
        matches!(
            self,
            PlanStatus::UnderReview | PlanStatus::InformationRequested
        )
    }

    /// Whether the items may be installed (the review is over without a
    /// recommendation or order standing against them).
    pub fn may_install(self) -> bool {
        self == PlanStatus::Cleared
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Operator,
    Reviewer,
    /// The server, on a list change touching a cleared plan.
    System,
}

/// One step. Notes, required changes and reasons travel with the event
/// that records the step, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    File,
    /// The ministry's receipt (受理) after its form check; starts the clock.
    Receive {
        on: Date,
    },
    Amend,
    RequestInformation,
    /// The operator's answer to a request for information.
    Answer,
    Recommend,
    Accept,
    Decline,
    Order,
    Clear,
    /// Moves the last day of the review (later up to the maximum, or
    /// earlier but not before receipt).
    SetDue {
        until: Date,
    },
    Withdraw,
    ReReview,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::File => "file",
            Action::Receive { .. } => "receive",
            Action::Amend => "amend",
            Action::RequestInformation => "request_information",
            Action::Answer => "answer",
            Action::Recommend => "recommend",
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Order => "order",
            Action::Clear => "clear",
            Action::SetDue { .. } => "set_due",
            Action::Withdraw => "withdraw",
            Action::ReReview => "re_review",
        }
    }

    /// The side that may take this step.
    pub fn side(self) -> Side {
        match self {
            Action::File
            | Action::Amend
            | Action::Answer
            | Action::Accept
            | Action::Decline
            | Action::Withdraw => Side::Operator,
            Action::Receive { .. }
            | Action::RequestInformation
            | Action::Recommend
            | Action::Order
            | Action::Clear
            | Action::SetDue { .. } => Side::Reviewer,
            Action::ReReview => Side::System,
        }
    }
}

/// Where a review stands: its status and its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub status: PlanStatus,
    pub received_on: Option<Date>,
    /// The last day of the review period.
    pub due_on: Option<Date>,
    /// The last day to accept or decline a recommendation.
    pub response_due_on: Option<Date>,
}

/// The configured periods of a regime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRules {
    pub clock: ClockRules,
    /// Days the operator has to answer a recommendation ([M] ESPA: 10).
    pub response_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("{side:?} may not {action} a plan that is {status}", status = status.as_str())]
    NotAllowed {
        side: Side,
        action: &'static str,
        status: PlanStatus,
    },
    #[error("the review may be extended to {latest} at the latest, not {asked}")]
    BeyondMaximum { latest: Date, asked: Date },
    #[error("the review cannot end on {asked}, before the plan was received on {received}")]
    BeforeReceipt { received: Date, asked: Date },
    #[error("the plan cannot be received on {asked}: that is after today ({today})")]
    ReceivedInFuture { today: Date, asked: Date },
    #[error(
        "the operator has until {due} to answer the recommendation; an order may follow after that"
    )]
    AnswerStillDue { due: Date },
}

impl Review {
    pub fn draft() -> Self {
        Review {
            status: PlanStatus::Draft,
            received_on: None,
            due_on: None,
            response_due_on: None,
        }
    }

    /// The review after `side` takes `action` on `today`, or why it may not.
    pub fn apply(
        &self,
        side: Side,
        action: Action,
        rules: &ReviewRules,
        today: Date,
    ) -> Result<Review, ReviewError> {
        use PlanStatus as S;
        let refuse = || ReviewError::NotAllowed {
            side,
            action: action.name(),
            status: self.status,
        };
        if side != action.side() {
            return Err(refuse());
        }
        let mut next = *self;
        match (action, self.status) {
            (Action::File, S::Draft) => next.status = S::Filed,
            (Action::Receive { on }, S::Filed) => {
                if on > today {
                    return Err(ReviewError::ReceivedInFuture { today, asked: on });
                }
                next.status = S::UnderReview;
                next.received_on = Some(on);
                next.due_on = Some(rules.clock.review_due(on));
            }
            (
                Action::Amend,
                S::Draft
                | S::Filed
                | S::UnderReview
                | S::InformationRequested
                | S::RecommendationAccepted,
            ) => {}
            (Action::RequestInformation, S::UnderReview | S::ReReview) => {
                next.status = S::InformationRequested;
            }
            (Action::Answer, S::InformationRequested) => next.status = S::UnderReview,
            (Action::Recommend, S::UnderReview | S::InformationRequested | S::ReReview) => {
                next.status = S::Recommended;
                next.response_due_on = Some(rules.clock.due_after_days(today, rules.response_days));
            }
            (Action::Accept, S::Recommended) => next.status = S::RecommendationAccepted,
            (Action::Decline, S::Recommended) => next.status = S::RecommendationDeclined,
            (Action::Order, S::Recommended) => match self.response_due_on {
                Some(due) if today <= due => return Err(ReviewError::AnswerStillDue { due }),
                _ => next.status = S::Ordered,
            },
            (Action::Order, S::RecommendationDeclined | S::ReReview) => next.status = S::Ordered,
            (
                Action::Clear,
                S::UnderReview | S::InformationRequested | S::RecommendationAccepted | S::ReReview,
            ) => next.status = S::Cleared,
            (Action::SetDue { until }, S::UnderReview | S::InformationRequested) => {
                let received = self.received_on.ok_or_else(refuse)?;
                let latest = rules.clock.latest_extension(received);
                if until > latest {
                    return Err(ReviewError::BeyondMaximum {
                        latest,
                        asked: until,
                    });
                }
                if until < received {
                    return Err(ReviewError::BeforeReceipt {
                        received,
                        asked: until,
                    });
                }
                next.due_on = Some(until);
            }
            (
                Action::Withdraw,
                S::Draft
                | S::Filed
                | S::UnderReview
                | S::InformationRequested
                | S::Recommended
                | S::RecommendationAccepted
                | S::RecommendationDeclined,
            ) => next.status = S::Withdrawn,
            (Action::ReReview, S::Cleared) => next.status = S::ReReview,
            _ => return Err(refuse()),
        }
        Ok(next)
    }

    /// Days until the review's last day while its clock runs (negative
    /// when overdue).
    pub fn days_left(&self, today: Date) -> Option<i64> {
        self.due_on
            .filter(|_| self.status.clock_runs())
            .map(|due| crate::clock::days_left(due, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rules() -> ReviewRules {
        ReviewRules {
            clock: ClockRules::espa(
                [
                    date!(2026 - 04 - 29),
                    date!(2026 - 05 - 04),
                    date!(2026 - 05 - 05),
                    date!(2026 - 05 - 06),
                ]
                .into_iter()
                .collect(),
            ),
            response_days: 10,
        }
    }

    fn step(review: Review, action: Action, today: Date) -> Review {
        review
            .apply(action.side(), action, &rules(), today)
            .unwrap_or_else(|error| unreachable!("{error}"))
    }

    #[test]
    fn the_story_filed_received_asked_recommended_accepted_cleared() {
        let filed = step(Review::draft(), Action::File, date!(2026 - 04 - 01));
        assert_eq!(filed.status, PlanStatus::Filed);
        assert_eq!(filed.due_on, None, "no clock before receipt");
        let received = step(
            filed,
            Action::Receive {
                on: date!(2026 - 04 - 03),
            },
            date!(2026 - 04 - 06),
        );
        // 3 April + 30 days = 3 May, a Sunday in Golden Week: the next open
        // day is 7 May (4, 5 May are holidays, 6 May the substitute).
        assert_eq!(received.due_on, Some(date!(2026 - 05 - 07)));
        assert_eq!(received.days_left(date!(2026 - 04 - 06)), Some(31));
        let asked = step(received, Action::RequestInformation, date!(2026 - 04 - 10));
        assert_eq!(asked.due_on, received.due_on, "the clock does not stop");
        assert_eq!(asked.days_left(date!(2026 - 05 - 08)), Some(-1));
        let answered = step(asked, Action::Answer, date!(2026 - 04 - 15));
        let recommended = step(answered, Action::Recommend, date!(2026 - 04 - 20));
        assert_eq!(recommended.response_due_on, Some(date!(2026 - 04 - 30)));
        assert_eq!(recommended.days_left(date!(2026 - 04 - 20)), None);
        let accepted = step(recommended, Action::Accept, date!(2026 - 04 - 22));
        let cleared = step(accepted, Action::Clear, date!(2026 - 04 - 24));
        assert!(cleared.status.may_install());
        assert_eq!(
            step(cleared, Action::ReReview, date!(2026 - 06 - 01)).status,
            PlanStatus::ReReview
        );
    }

    #[test]
    fn each_side_keeps_to_its_own_steps() {
        let filed = step(Review::draft(), Action::File, date!(2026 - 04 - 01));
        let error = filed
            .apply(
                Side::Operator,
                Action::Clear,
                &rules(),
                date!(2026 - 04 - 02),
            )
            .err();
        assert_eq!(
            error,
            Some(ReviewError::NotAllowed {
                side: Side::Operator,
                action: "clear",
                status: PlanStatus::Filed
            })
        );
        // A reviewer cannot clear what has not been received.
        assert!(
            filed
                .apply(
                    Side::Reviewer,
                    Action::Clear,
                    &rules(),
                    date!(2026 - 04 - 02)
                )
                .is_err()
        );
        let withdrawn = step(filed, Action::Withdraw, date!(2026 - 04 - 02));
        assert!(
            withdrawn
                .apply(
                    Side::Operator,
                    Action::File,
                    &rules(),
                    date!(2026 - 04 - 03)
                )
                .is_err()
        );
    }

    #[test]
    fn the_period_moves_within_receipt_and_the_maximum() {
        let received = step(
            step(Review::draft(), Action::File, date!(2026 - 01 - 30)),
            Action::Receive {
                on: date!(2026 - 01 - 30),
            },
            date!(2026 - 01 - 30),
        );
        // Four months from 30 January (not counted) end on 30 May, a
        // Saturday: the latest is Monday 1 June.
        let too_late = received.apply(
            Side::Reviewer,
            Action::SetDue {
                until: date!(2026 - 06 - 02),
            },
            &rules(),
            date!(2026 - 02 - 10),
        );
        assert_eq!(
            too_late.err(),
            Some(ReviewError::BeyondMaximum {
                latest: date!(2026 - 06 - 01),
                asked: date!(2026 - 06 - 02)
            })
        );
        let extended = step(
            received,
            Action::SetDue {
                until: date!(2026 - 06 - 01),
            },
            date!(2026 - 02 - 10),
        );
        assert_eq!(extended.due_on, Some(date!(2026 - 06 - 01)));
        let shortened = step(
            received,
            Action::SetDue {
                until: date!(2026 - 02 - 13),
            },
            date!(2026 - 02 - 10),
        );
        assert_eq!(shortened.due_on, Some(date!(2026 - 02 - 13)));
        assert!(
            received
                .apply(
                    Side::Reviewer,
                    Action::Receive {
                        on: date!(2026 - 02 - 01)
                    },
                    &rules(),
                    date!(2026 - 02 - 01)
                )
                .is_err(),
            "received once"
        );
    }

    #[test]
    fn an_order_waits_for_the_answer_to_a_recommendation() {
        let recommended = step(
            step(
                step(Review::draft(), Action::File, date!(2026 - 12 - 20)),
                Action::Receive {
                    on: date!(2026 - 12 - 21),
                },
                date!(2026 - 12 - 21),
            ),
            Action::Recommend,
            date!(2026 - 12 - 25),
        );
        // 25 December + 10 days = Monday 4 January 2027, an open day.
        assert_eq!(recommended.response_due_on, Some(date!(2027 - 01 - 04)));
        assert_eq!(
            recommended
                .apply(
                    Side::Reviewer,
                    Action::Order,
                    &rules(),
                    date!(2027 - 01 - 04)
                )
                .err(),
            Some(ReviewError::AnswerStillDue {
                due: date!(2027 - 01 - 04)
            })
        );
        assert_eq!(
            step(recommended, Action::Order, date!(2027 - 01 - 05)).status,
            PlanStatus::Ordered
        );
        let declined = step(recommended, Action::Decline, date!(2026 - 12 - 28));
        assert_eq!(
            step(declined, Action::Order, date!(2026 - 12 - 29)).status,
            PlanStatus::Ordered
        );
    }
}

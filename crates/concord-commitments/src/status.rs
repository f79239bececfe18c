//! The status of a (commitment, signatory) pair on a given day, and how it changed over time.
//! The rules are written out in docs/commitments.md ("Status rules"); this is their one
//! implementation.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::{ActionReport, Assessment, Commitment, Date, Verdict};

/// Status of one signatory's implementation of one commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    OnTrack,
    Met,
    PartiallyMet,
    Missed,
    Overdue,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Pending,
        Status::OnTrack,
        Status::Met,
        Status::PartiallyMet,
        Status::Missed,
        Status::Overdue,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::OnTrack => "on_track",
            Status::Met => "met",
            Status::PartiallyMet => "partially_met",
            Status::Missed => "missed",
            Status::Overdue => "overdue",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Whether the pair counts in the implementation gap: its outcome is judged or its
    /// deadline (or a milestone) has passed.
    pub fn is_due(self) -> bool {
        matches!(
            self,
            Status::Met | Status::PartiallyMet | Status::Missed | Status::Overdue
        )
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status {s:?} (expected one of: {})",
                    Status::ALL.map(Status::as_str).join(", ")
                )
            })
    }
}

/// The status of `signatory`'s implementation of `commitment` on `today`. Reports and
/// assessments of other signatories or commitments, and anything dated after `today`, are
/// ignored, so the same call gives the status on any past day. Total: never panics, whatever
/// the input.
pub fn status(
    commitment: &Commitment,
    signatory: &str,
    reports: &[ActionReport],
    assessments: &[Assessment],
    today: Date,
) -> Status {
    // Rule 1: a withdrawal wins over everything.
    if commitment
        .withdrawals
        .iter()
        .any(|w| w.actor == signatory && w.date <= today)
    {
        return Status::Withdrawn;
    }
    let reports: Vec<&ActionReport> = reports
        .iter()
        .filter(|r| r.commitment == commitment.id && r.signatory == signatory && r.date <= today)
        .collect();
    let assessments: Vec<&Assessment> = assessments
        .iter()
        .filter(|a| a.commitment == commitment.id && a.signatory == signatory && a.date <= today)
        .collect();
    // Rule 2: the latest assessment (by date; on the same day, the one recorded last) decides
    // when it judges the outcome. Self-reports never do.
    let latest = assessments
        .iter()
        .enumerate()
        .max_by_key(|(i, a)| (a.date, *i))
        .map(|(_, a)| a.verdict);
    match latest {
        Some(Verdict::Met) => return Status::Met,
        Some(Verdict::PartiallyMet) => return Status::PartiallyMet,
        Some(Verdict::NotMet) => return Status::Missed,
        Some(Verdict::OnTrack) | None => {}
    }
    // Rule 3: the deadline passed (the deadline day itself is still in time) without a judged
    // outcome.
    if commitment.deadline.is_some_and(|d| d < today) {
        return Status::Overdue;
    }
    // Rule 4: every milestone that has passed needs some activity (a report or an assessment)
    // dated after the previous milestone and on or before it.
    let activity: Vec<Date> = reports
        .iter()
        .map(|r| r.date)
        .chain(assessments.iter().map(|a| a.date))
        .collect();
    let milestones: BTreeSet<Date> = commitment.milestones.iter().map(|m| m.date).collect();
    let mut previous: Option<Date> = None;
    for m in milestones.into_iter().filter(|m| *m < today) {
        let covered = activity
            .iter()
            .any(|d| *d <= m && previous.is_none_or(|p| *d > p));
        if !covered {
            return Status::Overdue;
        }
        previous = Some(m);
    }
    // Rule 5: any activity means work is under way; rule 6: otherwise nothing is known yet.
    if !activity.is_empty() {
        Status::OnTrack
    } else {
        Status::Pending
    }
}

/// A change of a signatory's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub date: Date,
    pub signatory: String,
    pub from: Option<Status>,
    pub to: Status,
}

/// The day after `d` (the day a deadline or milestone has passed).
fn next_day(d: Date) -> Date {
    if let Some(n) = Date::new(d.year, d.month, d.day + 1) {
        return n;
    }
    if let Some(n) = Date::new(d.year, d.month + 1, 1) {
        return n;
    }
    Date::new(d.year.saturating_add(1), 1, 1).unwrap_or(d)
}

/// Every status change of every signatory up to `today`, in date order: the status is
/// evaluated on each day something can change it (a report, an assessment, a withdrawal, the
/// day after a milestone or the deadline).
pub fn status_changes(
    commitment: &Commitment,
    reports: &[ActionReport],
    assessments: &[Assessment],
    today: Date,
) -> Vec<StatusChange> {
    let mut days: BTreeSet<Date> = BTreeSet::new();
    days.extend(reports.iter().map(|r| r.date));
    days.extend(assessments.iter().map(|a| a.date));
    days.extend(commitment.withdrawals.iter().map(|w| w.date));
    days.extend(commitment.milestones.iter().map(|m| next_day(m.date)));
    days.extend(commitment.deadline.map(next_day));
    let mut changes = vec![];
    for s in &commitment.signatories {
        let mut current: Option<Status> = None;
        for &day in days.iter().filter(|d| **d <= today) {
            let now = status(commitment, s, reports, assessments, day);
            if current != Some(now) {
                if !(current.is_none() && now == Status::Pending) {
                    changes.push(StatusChange {
                        date: day,
                        signatory: s.clone(),
                        from: current,
                        to: now,
                    });
                }
                current = Some(now);
            }
        }
    }
    changes.sort_by(|a, b| (a.date, &a.signatory).cmp(&(b.date, &b.signatory)));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_day_rolls_over() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(next_day(d("2024-02-28")), d("2024-02-29"));
        assert_eq!(next_day(d("2023-02-28")), d("2023-03-01"));
        assert_eq!(next_day(d("2024-12-31")), d("2025-01-01"));
    }
}

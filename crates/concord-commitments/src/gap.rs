//! The implementation gap: of the commitment-signatory pairs that are due (judged, or past
//! their deadline or a milestone), the share not met. Defined in docs/commitments.md.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ActionReport, Assessment, Commitment, Date};
use crate::status::{Status, status};

/// Counts for one group of pairs (an actor, a bloc, a principle, or everything).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Gap {
    /// Every non-draft (commitment, signatory) pair in the group.
    pub pairs: u64,
    /// Pairs whose status is met, partially met, missed or overdue.
    pub due: u64,
    pub met: u64,
    pub partially_met: u64,
    pub missed: u64,
    pub overdue: u64,
    /// Withdrawn pairs: not due, counted apart so that a withdrawal stays visible.
    pub withdrawn: u64,
    /// (missed + overdue + ½ partially met) / due; `None` when nothing is due.
    pub gap: Option<f64>,
}

impl Gap {
    fn add(&mut self, s: Status) {
        self.pairs += 1;
        match s {
            Status::Met => self.met += 1,
            Status::PartiallyMet => self.partially_met += 1,
            Status::Missed => self.missed += 1,
            Status::Overdue => self.overdue += 1,
            Status::Withdrawn => self.withdrawn += 1,
            Status::Pending | Status::OnTrack => {}
        }
        if s.is_due() {
            self.due += 1;
        }
    }

    fn finish(&mut self) {
        self.gap = (self.due > 0).then(|| {
            (self.missed as f64 + self.overdue as f64 + 0.5 * self.partially_met as f64)
                / self.due as f64
        });
    }
}

/// The gap overall and per actor, bloc and principle.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GapReport {
    pub today: Option<Date>,
    pub overall: Gap,
    pub by_actor: BTreeMap<String, Gap>,
    pub by_bloc: BTreeMap<String, Gap>,
    pub by_principle: BTreeMap<String, Gap>,
}

/// Computes the gap on `today`. `bloc_of` maps an actor id to its bloc (actors without one are
/// left out of `by_bloc` only). Draft commitments are left out.
pub fn implementation_gap(
    commitments: &[Commitment],
    reports: &[ActionReport],
    assessments: &[Assessment],
    today: Date,
    bloc_of: impl Fn(&str) -> Option<String>,
) -> GapReport {
    let mut r = GapReport {
        today: Some(today),
        ..GapReport::default()
    };
    for c in commitments.iter().filter(|c| !c.draft) {
        for s in &c.signatories {
            let st = status(c, s, reports, assessments, today);
            r.overall.add(st);
            r.by_actor.entry(s.clone()).or_default().add(st);
            if let Some(b) = bloc_of(s) {
                r.by_bloc.entry(b).or_default().add(st);
            }
            for p in &c.principles {
                r.by_principle.entry(p.clone()).or_default().add(st);
            }
        }
    }
    r.overall.finish();
    for g in r
        .by_actor
        .values_mut()
        .chain(r.by_bloc.values_mut())
        .chain(r.by_principle.values_mut())
    {
        g.finish();
    }
    r
}

//! Commitments domain of Concord (issue 8): the records, their validation, the status rules
//! and the implementation gap. No web or database dependencies: the store
//! (`concord-store::commitments`), the server and the CLI build on this crate.
//!
//! * [`Commitment`]: what was promised (zh/en), where it comes from ([`Origin`]: a document or
//!   a deliberation statement), signatories, principles, deadline, milestones, indicators.
//! * [`ActionReport`]: action by a signatory, reported by itself or by a third party, with
//!   evidence (links, or files stored by SHA-256).
//! * [`Assessment`]: an independent reviewer's [`Verdict`], kept apart from reports.
//! * [`status()`]: the [`Status`] of a (commitment, signatory) pair on a given day;
//!   [`status_changes`] for a timeline; [`implementation_gap`] per actor, bloc and principle.
//!
//! The rules are documented in `docs/commitments.md`.

mod gap;
mod model;
mod status;

pub use gap::{Gap, GapReport, implementation_gap};
pub use model::{
    ActionReport, Assessment, Bilingual, Commitment, Date, Evidence, MAX_ITEMS, MAX_SHORT_CHARS,
    MAX_TEXT_CHARS, Milestone, Origin, ReportSource, Verdict, Withdrawal, valid_slug,
};
pub use status::{Status, StatusChange, status, status_changes};

/// One problem with a record: the field (`signatories[2]`, `text.en`) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record breaks one or more rules; every problem is listed.
    #[error("invalid record: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Invalid>),
}

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
    ActionReport, Assessment, Bilingual, Commitment, Date, Evidence, MAX_ITEMS, MAX_RECORD_BYTES,
    MAX_SHORT_CHARS, MAX_TEXT_CHARS, Milestone, Origin, ReportSource, Verdict, Withdrawal,
    valid_slug,
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

/// Kinds of transparency-log entries for this domain.
pub const KIND_COMMITMENT: &str = "commitment";
pub const KIND_ACTION_REPORT: &str = "action_report";
pub const KIND_ASSESSMENT: &str = "assessment";

/// The `record` of a transparency-log entry for a write: what was done (`create`, `update`,
/// `seed`, `promote`), by whom, the commitment's version after the write, and the whole
/// record, so that the log commits to its content (docs/commitments.md).
pub fn log_record<T: serde::Serialize>(
    action: &str,
    by: &str,
    version: u32,
    data: &T,
) -> serde_json::Value {
    serde_json::json!({
        "action": action,
        "by": by,
        "version": version,
        "data": data,
    })
}

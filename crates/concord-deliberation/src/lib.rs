//! Concord's deliberation engine: Polis-compatible opinion groups and consensus from
//! agree / disagree / pass votes, plus inclusive consensus across declared stakeholder
//! categories. No web or database dependencies.
//!
//! The pipeline follows `specs/polis-math.md` (section numbers are cited in each module):
//! [`VoteMatrix`] (latest vote per participant and statement, moderation, the in-conv rule) →
//! [`pca`](mod@pca) (exact / Lanczos PCA of the mean-imputed matrix, sparse, fixed sign) →
//! projections with the sparse-voter scaling → [`cluster`] (two-level k-means, silhouette,
//! k-smoother) → [`stats`] (representativeness, consensus, group-aware consensus, priorities)
//! → [`inclusive`] (inclusive consensus, blockers, bridging, explanations).
//!
//! Entry points: [`analyze`] a [`Conversation`] with [`Params`] into an [`Analysis`];
//! [`next_statement`] for routing; [`polis_csv`] to read and write Polis open-data exports;
//! [`math_json::math_object`] for Polis's math JSON. Everything is deterministic: the same
//! input gives the same output, bit for bit.

pub mod analysis;
pub mod cluster;
pub mod inclusive;
pub mod math_json;
pub mod matrix;
pub mod model;
pub mod pca;
pub mod polis_csv;
pub mod stats;
pub mod synthetic;

pub use analysis::{Analysis, BaseCluster, Group, NextParams, Params, analyze, next_statement};
pub use inclusive::{InclusiveParams, InclusiveReport, explain_groups, explain_participant};
pub use matrix::VoteMatrix;
pub use model::{Conversation, Moderation, Participant, Pid, Statement, Tid, Vote, VoteEvent};
pub use polis_csv::{ImportError, PolisExport, read_export_dir};

//! The conversation model: statements, participants and the vote history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Statement (Polis "comment") id, `tid` in Polis.
pub type Tid = u32;
/// Participant id, `pid` in Polis.
pub type Pid = u32;

/// A vote. Concord stores agree = +1 (the open-data convention); Polis's math worker uses
/// agree = −1 internally (`specs/polis-math.md` §1), which only matters at the math-JSON boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    Agree,
    Disagree,
    Pass,
}

impl Vote {
    /// +1 agree, −1 disagree, 0 pass.
    pub fn value(self) -> i8 {
        match self {
            Vote::Agree => 1,
            Vote::Disagree => -1,
            Vote::Pass => 0,
        }
    }

    /// The inverse of [`Vote::value`]; `None` for anything else.
    pub fn from_value(v: i64) -> Option<Vote> {
        match v {
            1 => Some(Vote::Agree),
            -1 => Some(Vote::Disagree),
            0 => Some(Vote::Pass),
            _ => None,
        }
    }
}

/// Moderation state of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    Accepted,
    Rejected,
    /// A statement about the conversation itself; excluded from the math like a rejected one,
    /// but shown with top priority (`specs/polis-math.md` §3, §12).
    Meta,
    #[default]
    Unmoderated,
}

impl Moderation {
    /// Whether Polis puts the statement in `mod-out` (rejected or meta; §3 `mod-update`).
    pub fn is_mod_out(self) -> bool {
        matches!(self, Moderation::Rejected | Moderation::Meta)
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub tid: Tid,
    pub text: String,
    /// BCP 47 language tag such as `zh` or `en`, when known.
    pub lang: Option<String>,
    pub moderation: Moderation,
    pub author: Option<Pid>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ms: Option<i64>,
    pub is_seed: bool,
}

/// One participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Participant {
    pub pid: Pid,
    /// External id (Polis `xid`); registered participants carry their account id here.
    pub xid: Option<String>,
    pub registered: bool,
    /// Self-declared stakeholder category (e.g. `industry`, `civil_society`).
    pub category: Option<String>,
    /// Self-declared region.
    pub region: Option<String>,
}

/// One vote event of the history. The latest event per (participant, statement) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteEvent {
    pub pid: Pid,
    pub tid: Tid,
    pub vote: Vote,
    /// Milliseconds since the Unix epoch. Events with equal timestamps count in history order.
    pub timestamp_ms: i64,
}

/// A conversation: its statements, participants and full vote history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Conversation {
    pub topic: String,
    pub description: String,
    pub statements: BTreeMap<Tid, Statement>,
    pub participants: BTreeMap<Pid, Participant>,
    /// Every vote event, superseded re-votes included.
    pub votes: Vec<VoteEvent>,
}

impl Conversation {
    /// Records a vote; unknown participants are added as anonymous ones.
    pub fn vote(&mut self, pid: Pid, tid: Tid, vote: Vote, timestamp_ms: i64) {
        self.participants.entry(pid).or_insert_with(|| Participant {
            pid,
            ..Participant::default()
        });
        self.votes.push(VoteEvent {
            pid,
            tid,
            vote,
            timestamp_ms,
        });
    }

    /// The latest vote per (participant, statement), sorted by (pid, tid). The latest is the
    /// greatest timestamp; among equal timestamps the later history entry wins, as Polis
    /// overwrites in feed order (`named_matrix.clj` `update-nmat`).
    pub fn latest_votes(&self) -> Vec<VoteEvent> {
        let mut order: Vec<usize> = (0..self.votes.len()).collect();
        order.sort_unstable_by_key(|&i| {
            let v = &self.votes[i];
            (v.pid, v.tid, v.timestamp_ms, i)
        });
        let mut out: Vec<VoteEvent> = Vec::new();
        for i in order {
            let v = self.votes[i];
            match out.last_mut() {
                Some(last) if last.pid == v.pid && last.tid == v.tid => *last = v,
                _ => out.push(v),
            }
        }
        out
    }
}

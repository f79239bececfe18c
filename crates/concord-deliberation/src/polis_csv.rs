//! Import and export of the Polis open-data CSV format (`specs/polis-math.md` §17;
//! `compdemocracy/openData`): `comments.csv`, `votes.csv`, `participants-votes.csv`,
//! `summary.csv`. Votes are agree = +1 in these files, as in Concord.
//!
//! Columns are found by header name, so both the older and the 2024 layouts read. Every bad
//! row is reported with its file and line (up to [`MAX_REPORTED`] of them), never skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::model::{Conversation, Moderation, Participant, Pid, Statement, Tid, Vote, VoteEvent};

/// Most row errors reported at once.
pub const MAX_REPORTED: usize = 50;
/// Largest file read (bytes).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based line of the record (the header is line 1).
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {size} bytes is more than the limit of {limit}")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "{dir}: no {what} (a Polis export folder has comments.csv and votes.csv or participants-votes.csv)"
    )]
    MissingFile { dir: PathBuf, what: &'static str },
    #[error("{file}: missing column `{column}`")]
    MissingColumn { file: String, column: &'static str },
    #[error("{} bad row(s):\n{}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
}

/// Where the votes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VotesSource {
    VotesCsv,
    ParticipantsVotesCsv,
}

/// A parsed export folder.
#[derive(Debug, Clone, PartialEq)]
pub struct PolisExport {
    pub conversation: Conversation,
    /// The `group-id` column of `participants-votes.csv` (empty cells left out).
    pub groups: BTreeMap<Pid, u32>,
    /// The `group-informed-consensus` column of `comments.csv`, when present.
    pub group_informed_consensus: BTreeMap<Tid, f64>,
    pub votes_source: VotesSource,
}

struct Rows {
    file: String,
    errors: Vec<RowError>,
}

impl Rows {
    fn new(file: &str) -> Rows {
        Rows {
            file: file.to_string(),
            errors: Vec::new(),
        }
    }

    fn err(&mut self, line: u64, message: impl Into<String>) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(RowError {
                file: self.file.clone(),
                line,
                message: message.into(),
            });
        }
    }

    fn finish(mut self) -> Result<(), ImportError> {
        self.errors.sort_by_key(|e| e.line);
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ImportError::Rows(self.errors))
        }
    }
}

fn reader<R: Read>(r: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().flexible(true).from_reader(r)
}

fn column(
    headers: &csv::StringRecord,
    file: &str,
    name: &'static str,
) -> Result<usize, ImportError> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| ImportError::MissingColumn {
            file: file.to_string(),
            column: name,
        })
}

fn opt_column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim() == name)
}

/// Reads every record, reporting unreadable ones and wrong column counts by line.
fn records<R: Read>(
    rdr: &mut csv::Reader<R>,
    rows: &mut Rows,
    width: usize,
) -> Vec<(u64, csv::StringRecord)> {
    let mut out = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line()).unwrap_or(0);
                if r.len() != width {
                    rows.err(line, format!("{} columns, the header has {width}", r.len()));
                } else {
                    out.push((line, r));
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.err(line, format!("unreadable row: {e}"));
            }
        }
    }
    out
}

fn parse_int<T: std::str::FromStr>(rows: &mut Rows, line: u64, field: &str, s: &str) -> Option<T> {
    match s.trim().parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            rows.err(line, format!("`{field}` is not a valid integer: {s:?}"));
            None
        }
    }
}

/// Parses `comments.csv`; returns the statements and the `group-informed-consensus` column.
pub fn parse_comments<R: Read>(
    r: R,
    file: &str,
) -> Result<(Vec<Statement>, BTreeMap<Tid, f64>), ImportError> {
    let mut rdr = reader(r);
    let headers = rdr
        .headers()
        .map_err(|e| {
            ImportError::Rows(vec![RowError {
                file: file.to_string(),
                line: 1,
                message: format!("unreadable header: {e}"),
            }])
        })?
        .clone();
    let c_id = column(&headers, file, "comment-id")?;
    let c_body = column(&headers, file, "comment-body")?;
    let c_mod = column(&headers, file, "moderated")?;
    let c_ts = opt_column(&headers, "timestamp");
    let c_author = opt_column(&headers, "author-id");
    let c_meta = opt_column(&headers, "is-meta");
    let c_seed = opt_column(&headers, "is-seed");
    let c_gic = opt_column(&headers, "group-informed-consensus");
    let mut rows = Rows::new(file);
    let mut out = Vec::new();
    let mut gic = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (line, rec) in records(&mut rdr, &mut rows, headers.len()) {
        let Some(tid) = parse_int::<Tid>(&mut rows, line, "comment-id", &rec[c_id]) else {
            continue;
        };
        if !seen.insert(tid) {
            rows.err(line, format!("comment-id {tid} appears twice"));
            continue;
        }
        let Some(moderated) = parse_int::<i64>(&mut rows, line, "moderated", &rec[c_mod]) else {
            continue;
        };
        let flag = |rows: &mut Rows, col: Option<usize>, name: &str| -> bool {
            match col.map(|c| rec[c].trim()) {
                None | Some("") | Some("false") | Some("0") => false,
                Some("true") | Some("1") => true,
                Some(other) => {
                    rows.err(
                        line,
                        format!("`{name}` must be true or false, not {other:?}"),
                    );
                    false
                }
            }
        };
        let is_meta = flag(&mut rows, c_meta, "is-meta");
        let is_seed = flag(&mut rows, c_seed, "is-seed");
        let moderation = match (moderated, is_meta) {
            (_, true) => Moderation::Meta,
            (1, _) => Moderation::Accepted,
            (0, _) => Moderation::Unmoderated,
            (-1, _) => Moderation::Rejected,
            (v, _) => {
                rows.err(line, format!("`moderated` must be 1, 0 or -1, not {v}"));
                continue;
            }
        };
        let created_ms = match c_ts.map(|c| rec[c].trim()).filter(|s| !s.is_empty()) {
            Some(s) => parse_int::<i64>(&mut rows, line, "timestamp", s),
            None => None,
        };
        let author = match c_author.map(|c| rec[c].trim()).filter(|s| !s.is_empty()) {
            Some(s) => parse_int::<Pid>(&mut rows, line, "author-id", s),
            None => None,
        };
        if let Some(s) = c_gic.map(|c| rec[c].trim()).filter(|s| !s.is_empty()) {
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    gic.insert(tid, v);
                }
                _ => rows.err(
                    line,
                    format!("`group-informed-consensus` is not a number: {s:?}"),
                ),
            }
        }
        out.push(Statement {
            tid,
            text: rec[c_body].to_string(),
            lang: None,
            moderation,
            author,
            created_ms,
            is_seed,
        });
    }
    rows.finish()?;
    Ok((out, gic))
}

/// Parses `votes.csv` (the full history). Votes on statements missing from `known` are errors.
pub fn parse_votes<R: Read>(
    r: R,
    file: &str,
    known: &BTreeSet<Tid>,
) -> Result<Vec<VoteEvent>, ImportError> {
    let mut rdr = reader(r);
    let headers = rdr
        .headers()
        .map_err(|e| {
            ImportError::Rows(vec![RowError {
                file: file.to_string(),
                line: 1,
                message: format!("unreadable header: {e}"),
            }])
        })?
        .clone();
    let c_ts = column(&headers, file, "timestamp")?;
    let c_tid = column(&headers, file, "comment-id")?;
    let c_pid = column(&headers, file, "voter-id")?;
    let c_vote = column(&headers, file, "vote")?;
    let mut rows = Rows::new(file);
    let mut out = Vec::new();
    for (line, rec) in records(&mut rdr, &mut rows, headers.len()) {
        let ts = parse_int::<i64>(&mut rows, line, "timestamp", &rec[c_ts]);
        let tid = parse_int::<Tid>(&mut rows, line, "comment-id", &rec[c_tid]);
        let pid = parse_int::<Pid>(&mut rows, line, "voter-id", &rec[c_pid]);
        let vote = match rec[c_vote]
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(Vote::from_value)
        {
            Some(v) => Some(v),
            None => {
                rows.err(
                    line,
                    format!("`vote` must be 1, -1 or 0, not {:?}", &rec[c_vote]),
                );
                None
            }
        };
        let (Some(ts), Some(tid), Some(pid), Some(vote)) = (ts, tid, pid, vote) else {
            continue;
        };
        if !known.contains(&tid) {
            rows.err(
                line,
                format!("unknown comment-id {tid} (not in comments.csv)"),
            );
            continue;
        }
        out.push(VoteEvent {
            pid,
            tid,
            vote,
            timestamp_ms: ts,
        });
    }
    rows.finish()?;
    Ok(out)
}

/// Parsed `participants-votes.csv`: participants with their group, and their latest votes.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantsVotes {
    pub pids: Vec<Pid>,
    pub groups: BTreeMap<Pid, u32>,
    /// Latest votes, without timestamps (they get timestamp 0).
    pub votes: Vec<VoteEvent>,
}

/// Parses `participants-votes.csv`. Statement columns are the headers that are integers.
pub fn parse_participants_votes<R: Read>(
    r: R,
    file: &str,
    known: &BTreeSet<Tid>,
) -> Result<ParticipantsVotes, ImportError> {
    let mut rdr = reader(r);
    let headers = rdr
        .headers()
        .map_err(|e| {
            ImportError::Rows(vec![RowError {
                file: file.to_string(),
                line: 1,
                message: format!("unreadable header: {e}"),
            }])
        })?
        .clone();
    let c_pid = column(&headers, file, "participant")?;
    let c_group = column(&headers, file, "group-id")?;
    let mut rows = Rows::new(file);
    let mut tid_cols: Vec<(usize, Tid)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if let Ok(t) = h.trim().parse::<Tid>() {
            if known.contains(&t) {
                tid_cols.push((i, t));
            } else {
                rows.err(
                    1,
                    format!("column {t}: unknown comment-id (not in comments.csv)"),
                );
            }
        }
    }
    let mut out = ParticipantsVotes {
        pids: Vec::new(),
        groups: BTreeMap::new(),
        votes: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for (line, rec) in records(&mut rdr, &mut rows, headers.len()) {
        let Some(pid) = parse_int::<Pid>(&mut rows, line, "participant", &rec[c_pid]) else {
            continue;
        };
        if !seen.insert(pid) {
            rows.err(line, format!("participant {pid} appears twice"));
            continue;
        }
        out.pids.push(pid);
        let g = rec[c_group].trim();
        if !g.is_empty()
            && let Some(g) = parse_int::<u32>(&mut rows, line, "group-id", g)
        {
            out.groups.insert(pid, g);
        }
        for &(c, tid) in &tid_cols {
            let cell = rec[c].trim();
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<i64>().ok().and_then(Vote::from_value) {
                Some(vote) => out.votes.push(VoteEvent {
                    pid,
                    tid,
                    vote,
                    timestamp_ms: 0,
                }),
                None => rows.err(
                    line,
                    format!("comment {tid}: vote must be 1, -1, 0 or empty, not {cell:?}"),
                ),
            }
        }
    }
    rows.finish()?;
    Ok(out)
}

/// Parses `summary.csv` (key,value rows without a header).
pub fn parse_summary<R: Read>(r: R) -> BTreeMap<String, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(r);
    rdr.records()
        .filter_map(Result::ok)
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect()
}

fn open(path: &Path) -> Result<std::fs::File, ImportError> {
    let io = |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(f)
}

/// Reads a Polis export folder: `comments.csv`, then `votes.csv`, or `participants-votes.csv`
/// when `votes.csv` is absent; `participants-votes.csv` also supplies the exported groups, and
/// `summary.csv` (optional) the topic and description.
pub fn read_export_dir(dir: &Path) -> Result<PolisExport, ImportError> {
    let comments_path = dir.join("comments.csv");
    if !comments_path.is_file() {
        return Err(ImportError::MissingFile {
            dir: dir.to_path_buf(),
            what: "comments.csv",
        });
    }
    let (statements, gic) = parse_comments(open(&comments_path)?, "comments.csv")?;
    let known: BTreeSet<Tid> = statements.iter().map(|s| s.tid).collect();
    let mut conv = Conversation {
        statements: statements.into_iter().map(|s| (s.tid, s)).collect(),
        ..Conversation::default()
    };
    let pv_path = dir.join("participants-votes.csv");
    let pv = if pv_path.is_file() {
        Some(parse_participants_votes(
            open(&pv_path)?,
            "participants-votes.csv",
            &known,
        )?)
    } else {
        None
    };
    let votes_path = dir.join("votes.csv");
    let votes_source = if votes_path.is_file() {
        conv.votes = parse_votes(open(&votes_path)?, "votes.csv", &known)?;
        VotesSource::VotesCsv
    } else if let Some(pv) = &pv {
        conv.votes = pv.votes.clone();
        VotesSource::ParticipantsVotesCsv
    } else {
        return Err(ImportError::MissingFile {
            dir: dir.to_path_buf(),
            what: "votes.csv or participants-votes.csv",
        });
    };
    let mut pids: BTreeSet<Pid> = conv.votes.iter().map(|v| v.pid).collect();
    if let Some(pv) = &pv {
        pids.extend(pv.pids.iter().copied());
    }
    conv.participants = pids
        .into_iter()
        .map(|pid| {
            (
                pid,
                Participant {
                    pid,
                    ..Participant::default()
                },
            )
        })
        .collect();
    let summary_path = dir.join("summary.csv");
    if summary_path.is_file() {
        let s = parse_summary(open(&summary_path)?);
        conv.topic = s.get("topic").cloned().unwrap_or_default();
        conv.description = s
            .get("conversation-description")
            .cloned()
            .unwrap_or_default();
    }
    Ok(PolisExport {
        conversation: conv,
        groups: pv.map(|p| p.groups).unwrap_or_default(),
        group_informed_consensus: gic,
        votes_source,
    })
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// Writes `comments.csv` in the 2024 layout, with the analysis's group-informed consensus.
pub fn write_comments<W: Write>(w: W, conv: &Conversation, a: &Analysis) -> std::io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record([
        "timestamp",
        "comment-id",
        "author-id",
        "agrees",
        "disagrees",
        "moderated",
        "is-meta",
        "is-seed",
        "group-informed-consensus",
        "comment-body",
    ])
    .map_err(csv_err)?;
    let mut agrees: BTreeMap<Tid, u32> = BTreeMap::new();
    let mut disagrees: BTreeMap<Tid, u32> = BTreeMap::new();
    // Like Polis's export, these count vote-history rows.
    for v in &conv.votes {
        match v.vote {
            Vote::Agree => *agrees.entry(v.tid).or_default() += 1,
            Vote::Disagree => *disagrees.entry(v.tid).or_default() += 1,
            Vote::Pass => {}
        }
    }
    for s in conv.statements.values() {
        let moderated = match s.moderation {
            Moderation::Accepted | Moderation::Meta => "1",
            Moderation::Unmoderated => "0",
            Moderation::Rejected => "-1",
        };
        let gic = a
            .col(s.tid)
            .map(|c| a.group_aware_consensus[c].to_string())
            .unwrap_or_default();
        wr.write_record([
            s.created_ms.map(|t| t.to_string()).unwrap_or_default(),
            s.tid.to_string(),
            s.author.map(|p| p.to_string()).unwrap_or_default(),
            agrees.get(&s.tid).copied().unwrap_or(0).to_string(),
            disagrees.get(&s.tid).copied().unwrap_or(0).to_string(),
            moderated.to_string(),
            (s.moderation == Moderation::Meta).to_string(),
            s.is_seed.to_string(),
            gic,
            s.text.clone(),
        ])
        .map_err(csv_err)?;
    }
    wr.flush()
}

/// Writes `votes.csv`: the whole history, in history order.
pub fn write_votes<W: Write>(w: W, conv: &Conversation) -> std::io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        .map_err(csv_err)?;
    for v in &conv.votes {
        wr.write_record([
            v.timestamp_ms.to_string(),
            String::new(),
            v.tid.to_string(),
            v.pid.to_string(),
            v.vote.value().to_string(),
        ])
        .map_err(csv_err)?;
    }
    wr.flush()
}

/// Writes `participants-votes.csv` (with `xid`), the groups taken from the analysis.
pub fn write_participants_votes<W: Write>(
    w: W,
    conv: &Conversation,
    a: &Analysis,
) -> std::io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    let mut header: Vec<String> = [
        "participant",
        "xid",
        "group-id",
        "n-comments",
        "n-votes",
        "n-agree",
        "n-disagree",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(a.tids.iter().map(|t| t.to_string()));
    wr.write_record(&header).map_err(csv_err)?;
    let mut authored: BTreeMap<Pid, u32> = BTreeMap::new();
    for s in conv.statements.values() {
        if let Some(p) = s.author {
            *authored.entry(p).or_default() += 1;
        }
    }
    for p in conv.participants.values() {
        let mut cells = vec![String::new(); a.tids.len()];
        let (mut n, mut na, mut nd) = (0, 0, 0);
        if let Some(r) = a.row(p.pid) {
            for (c, v) in a.matrix.row(r) {
                cells[c] = v.to_string();
                n += 1;
                na += usize::from(v == 1);
                nd += usize::from(v == -1);
            }
        }
        let mut rec = vec![
            p.pid.to_string(),
            p.xid.clone().unwrap_or_default(),
            a.group_of
                .get(&p.pid)
                .map(|g| g.to_string())
                .unwrap_or_default(),
            authored.get(&p.pid).copied().unwrap_or(0).to_string(),
            n.to_string(),
            na.to_string(),
            nd.to_string(),
        ];
        rec.extend(cells);
        wr.write_record(&rec).map_err(csv_err)?;
    }
    wr.flush()
}

/// Writes `summary.csv`.
pub fn write_summary<W: Write>(w: W, conv: &Conversation, a: &Analysis) -> std::io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    let commenters: BTreeSet<Pid> = conv.statements.values().filter_map(|s| s.author).collect();
    let rows = [
        ("topic", conv.topic.clone()),
        ("url", String::new()),
        ("views", conv.participants.len().to_string()),
        ("voters", a.pids.len().to_string()),
        // Polis writes every voter here (§14); so do we, for compatibility.
        ("voters-in-conv", a.pids.len().to_string()),
        ("commenters", commenters.len().to_string()),
        ("comments", conv.statements.len().to_string()),
        ("groups", a.groups.len().to_string()),
        ("conversation-description", conv.description.clone()),
    ];
    for (k, v) in rows {
        wr.write_record([k, v.as_str()]).map_err(csv_err)?;
    }
    wr.flush()
}

/// Writes the four files into `dir` (created if needed). Each file is written to a temporary
/// name and renamed into place, so a failure never leaves a truncated export file behind.
pub fn write_export_dir(dir: &Path, conv: &Conversation, a: &Analysis) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let write =
        |name: &str, f: &dyn Fn(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>| {
            let tmp = dir.join(format!(".{name}.tmp"));
            let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            let done = f(&mut w).and_then(|_| w.flush());
            if let Err(e) = done {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, dir.join(name))
        };
    write("comments.csv", &|w| write_comments(w, conv, a))?;
    write("votes.csv", &|w| write_votes(w, conv))?;
    write("participants-votes.csv", &|w| {
        write_participants_votes(w, conv, a)
    })?;
    write("summary.csv", &|w| write_summary(w, conv, a))
}

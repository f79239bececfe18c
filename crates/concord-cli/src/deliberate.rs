//! `concord deliberate`: the deliberation engine (`concord-deliberation`) on Polis open-data
//! export folders (`analyze DIR`, without a database), and conversations stored in the
//! platform's database (`import`, `list`, `analyze --id`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use concord_deliberation::{
    Analysis, InclusiveParams, Params, PolisExport, analyze, cluster, explain_groups, math_json,
    polis_csv, read_export_dir,
};
use concord_store::{ConversationInfo, ConversationStatus};
use serde_json::{Value, json};

use crate::{Config, open_store};

#[derive(Debug, Subcommand)]
pub enum DeliberateCommand {
    /// Analyse a Polis open-data export folder (comments.csv, and votes.csv or
    /// participants-votes.csv): opinion groups, consensus, group-aware consensus,
    /// representative statements, inclusive consensus.
    Analyze {
        /// A Polis export folder; or use --id for a stored conversation.
        #[arg(required_unless_present = "id")]
        dir: Option<PathBuf>,
        /// Analyse the stored conversation with this id instead of a folder.
        #[arg(long, conflicts_with = "dir")]
        id: Option<String>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Also write Polis's math object (math JSON) to this file.
        #[arg(long, value_name = "FILE")]
        math: Option<PathBuf>,
        /// Also write the conversation and its groups as a Polis open-data export folder.
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        /// Keep the groups of participants-votes.csv instead of clustering.
        #[arg(long)]
        exported_groups: bool,
        /// Inclusive consensus: agree probability every group and category must reach.
        #[arg(long, default_value_t = 0.6)]
        threshold: f64,
        /// Inclusive consensus: votes a statement needs in all.
        #[arg(long, default_value_t = 20)]
        min_votes: u32,
    },
    /// Load a Polis open-data export folder into the database as one conversation, in one
    /// transaction. Importing again with the same id replaces the stored conversation (its
    /// statements, participants and votes).
    Import {
        dir: PathBuf,
        /// Conversation id (a-z, 0-9, - and _; at most 64). Default: the folder name, lowercased,
        /// other characters turned into `-`.
        #[arg(long)]
        id: Option<String>,
        /// English title. Default: the export's topic (summary.csv), else the id.
        #[arg(long)]
        title: Option<String>,
        /// Chinese title.
        #[arg(long)]
        title_zh: Option<String>,
    },
    /// List the stored conversations with their counts.
    List {
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Time a full recompute on a synthetic conversation (deterministic data) and report the
    /// peak memory of the process.
    Bench {
        #[arg(long, default_value_t = 20_000)]
        participants: u32,
        #[arg(long, default_value_t = 5_000)]
        statements: u32,
        #[arg(long, default_value_t = 1_000_000)]
        votes: u64,
        /// Timed runs (after one untimed warm-up).
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
}

/// The default conversation id for an export folder: its name, lowercased, with every other
/// character than a-z, 0-9, `-` and `_` turned into `-`.
fn slug_of(dir: &Path) -> String {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    s
}

async fn import(
    config: &Config,
    dir: &Path,
    id: Option<String>,
    title: Option<String>,
    title_zh: Option<String>,
) -> anyhow::Result<ExitCode> {
    let id = id.unwrap_or_else(|| slug_of(dir));
    anyhow::ensure!(
        concord_store::deliberation::valid_slug(&id),
        "invalid conversation id {id:?}: use 1-64 characters a-z, 0-9, - and _ (--id)"
    );
    let data = read_export_dir(dir)
        .with_context(|| format!("cannot read the Polis export in {}", dir.display()))?;
    let conv = &data.conversation;
    let topic = (!conv.topic.trim().is_empty()).then(|| conv.topic.trim().to_string());
    let info = ConversationInfo {
        id: id.clone(),
        title_en: title.or(topic).or_else(|| Some(id.clone())),
        title_zh,
        description: conv.description.clone(),
        created_at: String::new(),
        status: ConversationStatus::Open,
    };
    let store = open_store(config).await?;
    let replaced = store
        .deliberation()
        .replace_conversation(&info, conv)
        .await
        .with_context(|| format!("cannot store conversation {id}"))?;
    println!(
        "{} conversation {id}: {} statements, {} participants, {} votes",
        if replaced { "replaced" } else { "imported" },
        conv.statements.len(),
        conv.participants.len(),
        conv.votes.len()
    );
    Ok(ExitCode::SUCCESS)
}

async fn list(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let all = store.deliberation().list_conversations().await?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &all)?;
        writeln!(out)?;
    } else {
        for c in &all {
            writeln!(
                out,
                "{}\t{}\t{} statements\t{} participants\t{} votes\t{}",
                c.info.id,
                c.info.status.as_str(),
                c.statements,
                c.participants,
                c.votes,
                c.info
                    .title_en
                    .as_deref()
                    .or(c.info.title_zh.as_deref())
                    .unwrap_or("")
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `deliberate` subcommand.
pub async fn run(config: &Config, cmd: DeliberateCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DeliberateCommand::Import {
            dir,
            id,
            title,
            title_zh,
        } => import(config, &dir, id, title, title_zh).await,
        DeliberateCommand::List { format } => list(config, format == "json").await,
        DeliberateCommand::Bench {
            participants,
            statements,
            votes,
            runs,
        } => {
            let t = std::time::Instant::now();
            let conv =
                concord_deliberation::synthetic::synthetic(participants, statements, votes, 7);
            println!(
                "generated {participants} participants x {statements} statements, {} votes in {:.3} s",
                conv.votes.len(),
                t.elapsed().as_secs_f64()
            );
            let params = Params::default();
            let a = analyze(&conv, &params);
            println!(
                "groups: {} (sizes {:?}); clustered {}",
                a.groups.len(),
                a.groups.iter().map(|g| g.members.len()).collect::<Vec<_>>(),
                a.in_conv.len()
            );
            let mut times = Vec::new();
            for _ in 0..runs {
                let t = std::time::Instant::now();
                let b = analyze(&conv, &params);
                times.push(t.elapsed().as_secs_f64());
                anyhow::ensure!(b == a, "two runs on the same input differ");
            }
            times.sort_by(f64::total_cmp);
            if let (Some(min), Some(max)) = (times.first(), times.last()) {
                println!(
                    "full recompute: median {:.3} s, min {min:.3} s, max {max:.3} s over {runs} runs",
                    times[times.len() / 2]
                );
            }
            if let Some(hwm) = peak_rss_kib() {
                println!("peak resident memory: {:.1} MiB", hwm as f64 / 1024.0);
            }
            Ok(ExitCode::SUCCESS)
        }
        DeliberateCommand::Analyze {
            dir,
            id,
            format,
            math,
            export,
            exported_groups,
            threshold,
            min_votes,
        } => {
            if !(0.0..=1.0).contains(&threshold) {
                anyhow::bail!("--threshold must be between 0 and 1, not {threshold}");
            }
            let data = match (&dir, &id) {
                (Some(dir), _) => read_export_dir(dir).with_context(|| {
                    format!("cannot read the Polis export in {}", dir.display())
                })?,
                (None, Some(id)) => {
                    let store = open_store(config).await?;
                    let Some(conversation) = store.deliberation().load_conversation(id).await?
                    else {
                        anyhow::bail!(
                            "no stored conversation {id:?} (see concord deliberate list)"
                        );
                    };
                    // The stored history is a full vote history, as votes.csv is.
                    PolisExport {
                        conversation,
                        groups: BTreeMap::new(),
                        group_informed_consensus: BTreeMap::new(),
                        votes_source: polis_csv::VotesSource::VotesCsv,
                    }
                }
                (None, None) => anyhow::bail!("give an export folder or --id"),
            };
            let params = Params {
                given_groups: exported_groups.then(|| data.groups.clone()),
                inclusive: InclusiveParams {
                    threshold,
                    min_votes,
                    ..InclusiveParams::default()
                },
                ..Params::default()
            };
            let a = analyze(&data.conversation, &params);
            if let Some(path) = &math {
                write_atomically(path, |w| {
                    serde_json::to_writer_pretty(w, &math_json::math_object(&a))
                        .map_err(std::io::Error::other)
                })?;
            }
            if let Some(out) = &export {
                polis_csv::write_export_dir(out, &data.conversation, &a)
                    .with_context(|| format!("cannot write the export to {}", out.display()))?;
            }
            let report = report(&data, &a);
            let mut out = std::io::stdout().lock();
            if format == "json" {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                write_text(&mut out, &data, &a, &report)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes through a temporary file renamed into place, so a failed write leaves no half file.
fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(file);
    f(&mut w)
        .and_then(|_| w.flush())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn by_tid(a: &Analysis, v: &[f64]) -> BTreeMap<String, f64> {
    a.tids
        .iter()
        .zip(v)
        .map(|(t, x)| (t.to_string(), *x))
        .collect()
}

/// The JSON report: `groups` maps participant id → group id.
fn report(data: &PolisExport, a: &Analysis) -> Value {
    let groups: BTreeMap<String, u32> = a
        .group_of
        .iter()
        .map(|(p, g)| (p.to_string(), *g))
        .collect();
    let representative: BTreeMap<String, Value> = a
        .groups
        .iter()
        .zip(&a.repness)
        .map(|(g, r)| (g.id.to_string(), json!(r)))
        .collect();
    let exported =
        (!data.groups.is_empty()).then(|| cluster::adjusted_rand_index(&data.groups, &a.group_of));
    json!({
        "conversation": {
            "topic": data.conversation.topic,
            "participants": a.pids.len(),
            "statements": data.conversation.statements.len(),
            "statements_with_votes": a.tids.len(),
            "votes": a.matrix.n_votes(),
            "votes_source": data.votes_source,
        },
        "in_conv": a.in_conv.len(),
        "k": a.groups.len(),
        "group_sizes": a.groups.iter().map(|g| (g.id.to_string(), g.members.len())).collect::<BTreeMap<_, _>>(),
        "groups": groups,
        "adjusted_rand_index_vs_export": exported,
        "consensus": a.consensus,
        "group_aware_consensus": by_tid(a, &a.group_aware_consensus),
        "representative": representative,
        "inclusive_consensus": a.inclusive.consensus,
        "near_inclusive_consensus": a.inclusive.near,
        "explanations": explain_groups(&data.conversation, a),
    })
}

fn text_of(data: &PolisExport, tid: u32) -> String {
    let t = data
        .conversation
        .statements
        .get(&tid)
        .map(|s| s.text.replace('\n', " "))
        .unwrap_or_default();
    if t.chars().count() > 90 {
        format!("{}…", t.chars().take(89).collect::<String>())
    } else {
        t
    }
}

fn write_text(
    out: &mut impl Write,
    data: &PolisExport,
    a: &Analysis,
    report: &Value,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} participants ({} clustered), {} statements with votes, {} votes",
        if data.conversation.topic.is_empty() {
            "conversation"
        } else {
            &data.conversation.topic
        },
        a.pids.len(),
        a.in_conv.len(),
        a.tids.len(),
        a.matrix.n_votes()
    )?;
    if let Some(ari) = report["adjusted_rand_index_vs_export"].as_f64() {
        writeln!(out, "agreement with the exported groups: ARI {ari:.3}")?;
    }
    for e in explain_groups(&data.conversation, a) {
        writeln!(
            out,
            "\ngroup {} ({} participants), defined by:",
            e.group, e.size
        )?;
        for d in &e.defining {
            writeln!(
                out,
                "  #{:<4} {:>3.0}% {:?} (others {:>3.0}%)  {}",
                d.tid,
                d.group_share * 100.0,
                d.direction,
                d.rest_share * 100.0,
                text_of(data, d.tid)
            )?;
        }
    }
    writeln!(out, "\nconsensus (agree):")?;
    for c in &a.consensus.agree {
        writeln!(
            out,
            "  #{:<4} p={:.2}  {}",
            c.tid,
            c.p_success,
            text_of(data, c.tid)
        )?;
    }
    writeln!(out, "consensus (disagree):")?;
    for c in &a.consensus.disagree {
        writeln!(
            out,
            "  #{:<4} p={:.2}  {}",
            c.tid,
            c.p_success,
            text_of(data, c.tid)
        )?;
    }
    let mut gac: Vec<(u32, f64)> = a
        .tids
        .iter()
        .copied()
        .zip(a.group_aware_consensus.iter().copied())
        .collect();
    gac.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    writeln!(out, "\ngroup-aware consensus (top 5):")?;
    for (t, p) in gac.iter().take(5) {
        writeln!(out, "  #{t:<4} {p:.3}  {}", text_of(data, *t))?;
    }
    writeln!(
        out,
        "\ninclusive consensus: {} statement(s); near: {}",
        a.inclusive.consensus.len(),
        a.inclusive.near.len()
    )?;
    for s in a.inclusive.consensus.iter().take(5) {
        writeln!(
            out,
            "  #{:<4} bridging {:.3}  {}",
            s.tid,
            s.bridging_score,
            text_of(data, s.tid)
        )?;
    }
    for s in a.inclusive.near.iter().take(5) {
        let blockers: Vec<String> = s
            .blockers
            .iter()
            .map(|b| format!("{:?} {} ({:.2})", b.kind, b.id, b.p_agree).to_lowercase())
            .collect();
        writeln!(
            out,
            "  near #{:<4} blocked by {}  {}",
            s.tid,
            blockers.join(", "),
            text_of(data, s.tid)
        )?;
    }
    Ok(())
}

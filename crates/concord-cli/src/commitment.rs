//! `concord commitment`: commitments, action reports, assessments, status and the
//! implementation gap (docs/commitments.md). Every write is appended to the transparency log
//! after it commits, as the web forms do.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use concord_commitments::{
    ActionReport, Assessment, Commitment, Date, Evidence, KIND_ACTION_REPORT, KIND_ASSESSMENT,
    KIND_COMMITMENT, ReportSource, Status, Verdict, implementation_gap, log_record, status,
    status_changes,
};
use concord_ledger::log::Log;
use concord_store::{CommitmentWrite, EvidenceUpload, Store, StoreError};
use serde_json::json;

use crate::{Config, load_blocs, open_store};

#[derive(Debug, Subcommand)]
pub enum CommitmentCommand {
    /// Commitments with each signatory's status today.
    List {
        /// Only this signatory (actor id).
        #[arg(long)]
        actor: Option<String>,
        /// Only pairs with this status (pending, on_track, met, partially_met, missed, overdue,
        /// withdrawn).
        #[arg(long)]
        status: Option<Status>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// One commitment: record, status per signatory, timeline, reports and assessments.
    Show {
        id: String,
        #[arg(long, default_value = "json", value_parser = ["text", "json"])]
        format: String,
    },
    /// Create the commitments of a TOML file (`[[commitments]]` tables, the format of
    /// data/commitments), each checked against the stored actors, documents and principles.
    /// Nothing is written if any of them is invalid.
    Add {
        file: PathBuf,
        /// Who is recorded in the log as the author.
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Add an action report (self-report or third-party) with evidence links and files.
    Report {
        #[arg(long)]
        commitment: String,
        #[arg(long)]
        signatory: String,
        #[arg(long, value_parser = ["self_report", "third_party"])]
        source: String,
        /// The reporter (for a self-report: the signatory's actor id).
        #[arg(long)]
        reporter: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: Date,
        #[arg(long)]
        description: String,
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        /// A file stored by its SHA-256 (at most 10 MiB).
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Add an independent assessment.
    Assess {
        #[arg(long)]
        commitment: String,
        #[arg(long)]
        signatory: String,
        #[arg(long)]
        assessor: String,
        #[arg(long)]
        date: Date,
        /// met, partially_met, not_met or on_track.
        #[arg(long)]
        verdict: Verdict,
        #[arg(long)]
        rationale: String,
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<PathBuf>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Record that a signatory withdrew from a commitment (an update of the commitment, with
    /// a version check; logged).
    Withdraw {
        #[arg(long)]
        commitment: String,
        #[arg(long)]
        actor: String,
        #[arg(long)]
        date: Date,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// Status of each signatory of a commitment on a date (default today, UTC).
    Status {
        id: String,
        #[arg(long)]
        date: Option<Date>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// The implementation gap overall and per actor, bloc and principle.
    Gap {
        #[arg(long)]
        date: Option<Date>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

/// Loads the seed commitments (once) and appends what it created to the log.
pub async fn seed(config: &Config, store: &dyn Store, log: &Log) -> anyhow::Result<()> {
    if !config.load_bundled_corpus {
        return Ok(());
    }
    let created = concord_import::commitments::load_bundled_commitments(store)
        .await
        .context("cannot load the seed commitments")?;
    if created.is_empty() {
        return Ok(());
    }
    let records: Vec<(String, String, serde_json::Value)> = created
        .iter()
        .map(|c| {
            (
                KIND_COMMITMENT.to_owned(),
                c.id.clone(),
                log_record("seed", "concord", 1, c),
            )
        })
        .collect();
    log.append_many(&records)
        .await
        .context("cannot log the seed commitments")?;
    tracing::info!(commitments = created.len(), "loaded the seed commitments");
    Ok(())
}

/// Logs a report or assessment just added to `commitment` and prints its id and log index.
async fn log_added<T: serde::Serialize>(
    log: &Log,
    kind: &str,
    by: &str,
    commitment: &str,
    written: CommitmentWrite<T>,
    id: impl Fn(&T) -> &String,
) -> anyhow::Result<ExitCode> {
    let CommitmentWrite::Written(record, version) = written else {
        eprintln!("error: no commitment {commitment:?}");
        return Ok(ExitCode::FAILURE);
    };
    let id = id(&record);
    let receipt = log
        .append(kind, id, &log_record("create", by, version, &record))
        .await?;
    println!("{id}\tlog index {}", receipt.index);
    Ok(ExitCode::SUCCESS)
}

async fn open(config: &Config) -> anyhow::Result<(Arc<dyn Store>, Arc<Log>)> {
    let store = open_store(config).await?;
    let (log, _) = crate::ledger::open_log(config)
        .await
        .context("cannot open the transparency log")?;
    seed(config, store.as_ref(), &log).await?;
    Ok((store, log))
}

fn invalid(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::InvalidRecord(m) => anyhow::anyhow!("invalid record: {m}"),
        other => anyhow::Error::new(other),
    }
}

fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<EvidenceUpload>> {
    let mut out = vec![];
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        let max = concord_store::commitments::MAX_EVIDENCE_BYTES;
        if meta.len() > max as u64 {
            bail!("{}: {} bytes (at most {max})", p.display(), meta.len());
        }
        out.push(EvidenceUpload {
            name: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into()),
            media_type: "application/octet-stream".into(),
            bytes: std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        });
    }
    Ok(out)
}

fn links(urls: Vec<String>) -> Vec<Evidence> {
    urls.into_iter().map(|url| Evidence::Link { url }).collect()
}

pub async fn run(config: &Config, cmd: CommitmentCommand) -> anyhow::Result<ExitCode> {
    let today = Date::today();
    match cmd {
        CommitmentCommand::List {
            actor,
            status: want,
            format,
        } => {
            let (store, _) = open(config).await?;
            let c = store.commitments();
            let (list, reports, assessments) = (
                c.list_commitments().await?,
                c.reports(None).await?,
                c.assessments(None).await?,
            );
            let mut rows = vec![];
            for sc in &list {
                for sig in &sc.commitment.signatories {
                    if actor.as_ref().is_some_and(|a| a != sig) {
                        continue;
                    }
                    let st = status(&sc.commitment, sig, &reports, &assessments, today);
                    if want.is_some_and(|w| w != st) {
                        continue;
                    }
                    rows.push((sc, sig.clone(), st));
                }
            }
            if format == "json" {
                let items: Vec<_> = rows
                    .iter()
                    .map(|(sc, sig, st)| {
                        json!({"commitment": sc.commitment.id, "title": sc.commitment.title,
                               "signatory": sig, "status": st, "deadline": sc.commitment.deadline})
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"today": today, "items": items}))?
                );
            } else {
                for (sc, sig, st) in &rows {
                    println!(
                        "{}\t{}\t{}\t{}",
                        sc.commitment.id,
                        sig,
                        st.as_str(),
                        sc.commitment.deadline.map_or("-".into(), |d| d.to_string())
                    );
                }
                eprintln!("{} pairs, {} commitments, {today}", rows.len(), list.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        CommitmentCommand::Show { id, format } => {
            let (store, _) = open(config).await?;
            let c = store.commitments();
            let Some(sc) = c.get_commitment(&id).await? else {
                eprintln!("error: no commitment {id:?} (try `concord commitment list`)");
                return Ok(ExitCode::FAILURE);
            };
            let reports = c.reports(Some(&id)).await?;
            let assessments = c.assessments(Some(&id)).await?;
            let statuses: BTreeMap<&String, Status> = sc
                .commitment
                .signatories
                .iter()
                .map(|s| (s, status(&sc.commitment, s, &reports, &assessments, today)))
                .collect();
            if format == "json" {
                let v = json!({
                    "commitment": sc,
                    "status": statuses,
                    "timeline": status_changes(&sc.commitment, &reports, &assessments, today),
                    "reports": reports,
                    "assessments": assessments,
                    "log_entries": c.commitment_log_entries(&id).await?.iter().map(|e| json!({"index": e.index, "kind": e.kind, "id": e.record_id})).collect::<Vec<_>>(),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "{} (version {})",
                    sc.commitment.title.best("en"),
                    sc.version
                );
                println!("{}", sc.commitment.text.best("en"));
                for (s, st) in &statuses {
                    println!("  {s}\t{}", st.as_str());
                }
                println!(
                    "{} reports, {} assessments",
                    reports.len(),
                    assessments.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CommitmentCommand::Add { file, by } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let list =
                concord_import::commitments::parse_commitments(&file.display().to_string(), &text)?;
            let (store, log) = open(config).await?;
            // Check everything first: nothing is written if any record is invalid.
            let mut problems = vec![];
            for (i, c) in list.iter().enumerate() {
                for p in concord_store::commitments::check_references(store.as_ref(), c).await? {
                    problems.push(format!(
                        "{}: commitments[{i}] ({}): {p}",
                        file.display(),
                        c.id
                    ));
                }
                if store.commitments().get_commitment(&c.id).await?.is_some() {
                    problems.push(format!(
                        "{}: commitments[{i}]: id {:?} exists already",
                        file.display(),
                        c.id
                    ));
                }
                if list[..i].iter().any(|o| o.id == c.id) {
                    problems.push(format!(
                        "{}: commitments[{i}]: id {:?} appears twice",
                        file.display(),
                        c.id
                    ));
                }
            }
            if !problems.is_empty() {
                for p in &problems {
                    eprintln!("error: {p}");
                }
                return Ok(ExitCode::FAILURE);
            }
            for c in &list {
                match store
                    .commitments()
                    .create_commitment(c)
                    .await
                    .map_err(invalid)?
                {
                    CommitmentWrite::Written(c, v) => {
                        let r = log
                            .append(KIND_COMMITMENT, &c.id, &log_record("create", &by, v, &c))
                            .await?;
                        println!("{}\tlog index {}", c.id, r.index);
                    }
                    _ => bail!("commitment {:?} was created meanwhile", c.id),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CommitmentCommand::Report {
            commitment,
            signatory,
            source,
            reporter,
            date,
            description,
            links: urls,
            files,
            by,
        } => {
            let files = read_files(&files)?;
            let (store, log) = open(config).await?;
            let r = ActionReport {
                id: String::new(),
                commitment: commitment.clone(),
                signatory,
                source: if source == "self_report" {
                    ReportSource::SelfReport
                } else {
                    ReportSource::ThirdParty
                },
                reporter,
                date,
                description,
                evidence: links(urls),
            };
            let written = store
                .commitments()
                .add_report(&r, &files)
                .await
                .map_err(invalid)?;
            log_added(&log, KIND_ACTION_REPORT, &by, &commitment, written, |r| {
                &r.id
            })
            .await
        }
        CommitmentCommand::Assess {
            commitment,
            signatory,
            assessor,
            date,
            verdict,
            rationale,
            links: urls,
            files,
            by,
        } => {
            let files = read_files(&files)?;
            let (store, log) = open(config).await?;
            let a = Assessment {
                id: String::new(),
                commitment: commitment.clone(),
                signatory,
                assessor,
                date,
                verdict,
                rationale,
                evidence: links(urls),
            };
            let written = store
                .commitments()
                .add_assessment(&a, &files)
                .await
                .map_err(invalid)?;
            log_added(&log, KIND_ASSESSMENT, &by, &commitment, written, |a| &a.id).await
        }
        CommitmentCommand::Withdraw {
            commitment,
            actor,
            date,
            note,
            by,
        } => {
            let (store, log) = open(config).await?;
            let Some(sc) = store.commitments().get_commitment(&commitment).await? else {
                eprintln!("error: no commitment {commitment:?}");
                return Ok(ExitCode::FAILURE);
            };
            let mut c = sc.commitment;
            if c.withdrawals.iter().any(|w| w.actor == actor) {
                eprintln!("error: {actor:?} has already withdrawn from {commitment:?}");
                return Ok(ExitCode::FAILURE);
            }
            c.withdrawals
                .push(concord_commitments::Withdrawal { actor, date, note });
            match store
                .commitments()
                .update_commitment(&c, sc.version)
                .await
                .map_err(invalid)?
            {
                CommitmentWrite::Written(c, v) => {
                    let r = log
                        .append(KIND_COMMITMENT, &c.id, &log_record("update", &by, v, &c))
                        .await?;
                    println!("{}	version {v}	log index {}", c.id, r.index);
                    Ok(ExitCode::SUCCESS)
                }
                CommitmentWrite::Stale { current } => {
                    eprintln!(
                        "error: {commitment:?} changed meanwhile (now version {current}); try again"
                    );
                    Ok(ExitCode::FAILURE)
                }
                _ => {
                    eprintln!("error: no commitment {commitment:?}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CommitmentCommand::Status { id, date, format } => {
            let day = date.unwrap_or(today);
            let (store, _) = open(config).await?;
            let c = store.commitments();
            let Some(sc) = c.get_commitment(&id).await? else {
                eprintln!("error: no commitment {id:?} (try `concord commitment list`)");
                return Ok(ExitCode::FAILURE);
            };
            let reports = c.reports(Some(&id)).await?;
            let assessments = c.assessments(Some(&id)).await?;
            let statuses: BTreeMap<&String, Status> = sc
                .commitment
                .signatories
                .iter()
                .map(|s| (s, status(&sc.commitment, s, &reports, &assessments, day)))
                .collect();
            if format == "json" {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &json!({"id": id, "date": day, "status": statuses})
                    )?
                );
            } else {
                for (s, st) in &statuses {
                    println!("{s}\t{}", st.as_str());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CommitmentCommand::Gap { date, format } => {
            let day = date.unwrap_or(today);
            let (store, _) = open(config).await?;
            let blocs = load_blocs(config)?;
            let actors: HashMap<String, concord_core::Actor> = store
                .list_actors()
                .await?
                .into_iter()
                .map(|a| (a.id.to_string(), a))
                .collect();
            let c = store.commitments();
            let list: Vec<Commitment> = c
                .list_commitments()
                .await?
                .into_iter()
                .map(|s| s.commitment)
                .collect();
            let g = implementation_gap(
                &list,
                &c.reports(None).await?,
                &c.assessments(None).await?,
                day,
                |actor| {
                    let a = actors.get(actor)?;
                    blocs
                        .bloc_for(std::slice::from_ref(&a.id), Some(&a.jurisdiction))
                        .map(|b| b.id.to_string())
                },
            );
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&g)?);
            } else {
                let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.1}%", x * 100.0));
                println!(
                    "overall\t{}\tdue {}/{}\twithdrawn {}",
                    pct(g.overall.gap),
                    g.overall.due,
                    g.overall.pairs,
                    g.overall.withdrawn
                );
                for (group, map) in [
                    ("actor", &g.by_actor),
                    ("bloc", &g.by_bloc),
                    ("principle", &g.by_principle),
                ] {
                    for (k, v) in map {
                        println!("{group}\t{k}\t{}\tdue {}/{}", pct(v.gap), v.due, v.pairs);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

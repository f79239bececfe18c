//! `concord ledger …`: the transparency log from the command line (docs/ledger.md).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use clap::Subcommand;
use concord_ledger::log::{Log, LogConfig, WitnessEndpoint, WitnessPolicy};
use concord_ledger::merkle::{verify_consistency, verify_inclusion};
use concord_ledger::{Ed25519Signer, Ed25519Verifier, audit};
use concord_store::SqlStore;
use concord_store::ledger::LedgerStore;

use crate::Config;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Print the log's public verifier key (signed-note vkey), creating the key if needed.
    Key,
    /// Print the latest signed checkpoint.
    Checkpoint,
    /// Append one record to the log and print its receipt (index and checkpoint size) once it
    /// is durable.
    Append {
        /// Record kind: commitment, action_report, assessment, document, …
        #[arg(long)]
        kind: String,
        /// Record id.
        #[arg(long)]
        id: String,
        /// The record as JSON text, or @FILE to read it from a file.
        json: String,
    },
    /// Recompute the tree from the database and check it against every signed checkpoint;
    /// names each altered, inserted or deleted row. Exit status 1 if anything is wrong.
    Verify {
        /// Also check checkpoint notes kept elsewhere (by a client or a witness): the store
        /// must still hold the tree they describe.
        #[arg(long, value_name = "FILE")]
        against: Vec<PathBuf>,
        /// Check a remote log instead: fetch URL/log/checkpoint and a consistency proof from
        /// the checkpoint in --against (required), verified with --key.
        #[arg(long, value_name = "URL", requires = "against")]
        remote: Option<String>,
        /// The remote log's verifier key (default: this log's key).
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Append synthetic test records (kind `test`) as fast as the log takes them, printing
    /// `INDEX ID` for each once it is acknowledged (durable), then the throughput on stderr.
    /// For crash tests and benchmarks.
    Load {
        #[arg(long)]
        count: u64,
        /// Appenders running at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Records per append call (all in the same batch).
        #[arg(long, default_value_t = 1)]
        chunk: u64,
        /// Bytes of padding per record.
        #[arg(long, default_value_t = 100)]
        pad: usize,
        /// Do not print the acknowledged entries.
        #[arg(long)]
        quiet: bool,
    },
    /// Print an inclusion proof (--index N [--size M]) or a consistency proof
    /// (--consistency OLD NEW) as JSON, checked before it is printed.
    Prove {
        #[arg(long, conflicts_with = "consistency")]
        index: Option<u64>,
        /// Tree size (default: the latest checkpoint).
        #[arg(long, requires = "index")]
        size: Option<u64>,
        #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
        consistency: Option<Vec<u64>>,
    },
}

/// Loads (creating on first use) the log key.
pub fn load_key(config: &Config) -> anyhow::Result<Ed25519Signer> {
    let path = config.ledger_key_file();
    let (signer, created) = concord_ledger::keyfile::load_or_create(&path, &config.ledger.origin)?;
    if created {
        eprintln!(
            "created the log key {} (keep it secret; back it up)",
            path.display()
        );
    }
    Ok(signer)
}

/// Opens the log over its own connection to the configured database.
pub async fn open_log(config: &Config) -> anyhow::Result<(Arc<Log>, Arc<SqlStore>)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let signer = load_key(config)?;
    let url = config.database_url();
    let store = Arc::new(
        SqlStore::connect(&url)
            .await
            .with_context(|| format!("cannot open store {}", concord_store::redact_url(&url)))?,
    );
    let mut policy = WitnessPolicy::default();
    for (i, w) in config.ledger.witnesses.iter().enumerate() {
        let (url, vkey) = w
            .split_once(' ')
            .with_context(|| format!("ledger.witnesses[{i}]: expected \"URL VKEY\""))?;
        let key = Ed25519Verifier::from_vkey(vkey)
            .with_context(|| format!("ledger.witnesses[{i}]: witness key"))?;
        if key.key_type() != concord_ledger::note::TYPE_COSIGNATURE_V1 {
            bail!("ledger.witnesses[{i}]: not a cosignature/v1 (type 0x04) key");
        }
        policy.witnesses.push(WitnessEndpoint {
            url: url.to_owned(),
            key,
        });
    }
    policy.quorum = config.ledger.quorum.unwrap_or(policy.witnesses.len());
    if policy.quorum > policy.witnesses.len() {
        bail!(
            "ledger.quorum is {} but only {} witnesses are configured",
            policy.quorum,
            policy.witnesses.len()
        );
    }
    let log = Log::open_with_witnesses(
        store.clone(),
        signer,
        LogConfig {
            origin: config.ledger.origin.clone(),
            max_batch: config.ledger.max_batch,
        },
        policy,
    )
    .await?;
    Ok((log, store))
}

/// Appends the document records an import created or changed to the transparency log, as
/// the editor does for its writes. `by` says who wrote them (e.g. `import`, `bundled corpus`).
///
/// The store write and the log append are two steps: open the log first (see
/// [`open_log`]) so that a wrong key or a damaged log stops an import before it writes. If the
/// append itself fails, the documents are stored but not logged, and the error says so.
pub async fn record_documents(
    log: &Log,
    written: &[concord_import::WrittenDocument],
    by: &str,
) -> anyhow::Result<()> {
    if written.is_empty() {
        return Ok(());
    }
    let records: Vec<(String, String, serde_json::Value)> = written
        .iter()
        .map(|w| {
            (
                "document".to_owned(),
                w.id.clone(),
                serde_json::json!({
                    "action": w.action,
                    "by": by,
                    "version": w.version,
                    "content_hash": w.content_hash,
                    "source": w.source,
                }),
            )
        })
        .collect();
    log.append_many(&records).await.with_context(|| {
        format!(
            "{} document records were stored but could not be appended to the transparency log",
            records.len()
        )
    })?;
    Ok(())
}

fn b64s(hs: &[[u8; 32]]) -> Vec<String> {
    hs.iter().map(|h| B64.encode(h)).collect()
}

pub async fn run(config: &Config, cmd: LedgerCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LedgerCommand::Key => {
            println!("{}", load_key(config)?.verifier_key());
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Checkpoint => {
            let (log, _) = open_log(config).await?;
            print!("{}", String::from_utf8_lossy(&log.checkpoint().1));
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Append { kind, id, json } => {
            let text = match json.strip_prefix('@') {
                Some(path) => {
                    std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?
                }
                None => json,
            };
            let record: serde_json::Value =
                serde_json::from_str(&text).context("the record is not valid JSON")?;
            let (log, _) = open_log(config).await?;
            let receipt = log.append(&kind, &id, &record).await?;
            println!("{}", serde_json::to_string(&receipt)?);
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Verify {
            against,
            remote,
            key,
            json,
        } => {
            let mut external = Vec::new();
            for p in &against {
                external.push(
                    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
                );
            }
            if let Some(url) = remote {
                let key = match key {
                    Some(k) => Ed25519Verifier::from_vkey(&k).context("--key")?,
                    None => load_key(config)?.verifier(),
                };
                return verify_remote(&url, &key, &external).await;
            }
            let signer = load_key(config)?;
            let url = config.database_url();
            let store = SqlStore::connect(&url).await.with_context(|| {
                format!("cannot open store {}", concord_store::redact_url(&url))
            })?;
            let report =
                audit::audit(&store as &dyn LedgerStore, &signer.verifier(), &external).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for f in &report.findings {
                    println!("{f}");
                }
                println!(
                    "{} entries, {} checkpoints (latest {}), root {}: {}",
                    report.entries,
                    report.checkpoints,
                    report
                        .latest_checkpoint
                        .map_or("none".into(), |s| s.to_string()),
                    report.root,
                    if report.findings.is_empty() {
                        "OK".to_owned()
                    } else {
                        format!("{} problem(s)", report.findings.len())
                    }
                );
            }
            Ok(if report.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        LedgerCommand::Load {
            count,
            concurrency,
            chunk,
            pad,
            quiet,
        } => load(config, count, concurrency.max(1), chunk.max(1), pad, quiet).await,
        LedgerCommand::Prove {
            index,
            size,
            consistency,
        } => {
            let (log, _) = open_log(config).await?;
            let value = if let Some(c) = consistency {
                let (old, new) = (c[0], c[1]);
                let proof = log.consistency_proof(old, new)?;
                let (r1, r2) = (log.root_at(old)?, log.root_at(new)?);
                verify_consistency(old, new, &proof, &r1, &r2)?;
                serde_json::json!({
                    "old_size": old, "new_size": new,
                    "old_root": B64.encode(r1), "new_root": B64.encode(r2),
                    "proof": b64s(&proof),
                })
            } else if let Some(index) = index {
                let size = size.unwrap_or(log.size());
                let proof = log.inclusion_proof(index, size)?;
                let root = log.root_at(size)?;
                let leaf = log.leaf_hash(index).context("no such entry")?;
                verify_inclusion(index, size, &leaf, &proof, &root)?;
                serde_json::json!({
                    "index": index, "tree_size": size,
                    "leaf_hash": B64.encode(leaf), "root": B64.encode(root),
                    "proof": b64s(&proof),
                    "checkpoint": String::from_utf8_lossy(&log.checkpoint().1),
                })
            } else {
                bail!("give --index N [--size M] or --consistency OLD NEW");
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Fetches a remote log's checkpoint and checks it is consistent with each stored one.
async fn verify_remote(
    base: &str,
    key: &Ed25519Verifier,
    stored: &[Vec<u8>],
) -> anyhow::Result<ExitCode> {
    let base = base.trim_end_matches('/');
    let client = reqwest::Client::new();
    let note = client
        .get(format!("{base}/log/checkpoint"))
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let new = audit::open_checkpoint(&note, key)
        .map_err(|e| anyhow::anyhow!("remote checkpoint: {e}"))?;
    let mut ok = true;
    for s in stored {
        let old = audit::open_checkpoint(s, key)
            .map_err(|e| anyhow::anyhow!("stored checkpoint: {e}"))?;
        let result = if old.size == 0 {
            // The empty tree is consistent with every tree.
            Ok(())
        } else if old.size > new.size {
            Err(format!(
                "remote checkpoint {} is older than the stored {}",
                new.size, old.size
            ))
        } else {
            let v: serde_json::Value = client
                .get(format!(
                    "{base}/api/v1/log/proof/consistency?old={}&new={}",
                    old.size, new.size
                ))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let proof: Vec<Vec<u8>> = v["proof"]
                .as_array()
                .context("consistency proof: no proof array")?
                .iter()
                .map(|p| B64.decode(p.as_str().unwrap_or_default()))
                .collect::<Result<_, _>>()
                .context("consistency proof: not base64")?;
            verify_consistency(old.size, new.size, &proof, &old.root, &new.root)
                .map_err(|e| e.to_string())
        };
        match result {
            Ok(()) => println!("checkpoint {} → {}: consistent", old.size, new.size),
            Err(e) => {
                ok = false;
                println!("checkpoint {} → {}: INCONSISTENT: {e}", old.size, new.size);
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn load(
    config: &Config,
    count: u64,
    concurrency: usize,
    chunk: u64,
    pad: usize,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    let (log, _) = open_log(config).await?;
    let run = format!("{:x}", log.size());
    let next = Arc::new(AtomicU64::new(0));
    let padding = "x".repeat(pad);
    let started = std::time::Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (log, next, run, padding) = (log.clone(), next.clone(), run.clone(), padding.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let from = next.fetch_add(chunk, Ordering::SeqCst);
                if from >= count {
                    return anyhow::Ok(());
                }
                let recs: Vec<_> = (from..(from + chunk).min(count))
                    .map(|i| {
                        let id = format!("load-{run}-{i}");
                        (
                            "test".to_owned(),
                            id,
                            serde_json::json!({"n": i, "pad": padding}),
                        )
                    })
                    .collect();
                let receipts = log.append_many(&recs).await?;
                if !quiet {
                    let mut out = std::io::stdout().lock();
                    for (r, (_, id, _)) in receipts.iter().zip(&recs) {
                        writeln!(out, "{} {id}", r.index)?;
                    }
                    out.flush()?;
                }
            }
        }));
    }
    for w in workers {
        w.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "appended {count} entries in {secs:.3} s: {:.0} entries/s (log size {})",
        count as f64 / secs,
        log.size()
    );
    Ok(ExitCode::SUCCESS)
}

/// `concord witness`: runs a tlog-witness for the given logs until interrupted.
pub async fn witness(
    config: &Config,
    name: &str,
    key_file: Option<PathBuf>,
    logs: &[String],
    addr: std::net::SocketAddr,
) -> anyhow::Result<ExitCode> {
    let key_file = key_file.unwrap_or_else(|| config.data_dir.join("witness.key"));
    let (signer, created) = concord_ledger::keyfile::load_or_create(&key_file, name)?;
    if created {
        eprintln!("created the witness key {}", key_file.display());
    }
    let cosigner = concord_ledger::cosignature::Cosigner::from_private_key(&signer.private_key())?;
    let mut map: std::collections::HashMap<String, Vec<Ed25519Verifier>> = Default::default();
    for l in logs {
        let v = Ed25519Verifier::from_vkey(l).with_context(|| format!("--log {l}"))?;
        map.entry(concord_ledger::note::NoteVerifier::name(&v).to_owned())
            .or_default()
            .push(v);
    }
    if map.is_empty() {
        bail!("give at least one --log VKEY to witness");
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let url = config.database_url();
    let store = Arc::new(SqlStore::connect(&url).await?);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("{}", cosigner.verifier().to_vkey());
    eprintln!(
        "witness listening on http://{}/add-checkpoint",
        listener.local_addr()?
    );
    let app = concord_server::witness::witness_router(Arc::new(concord_server::witness::Witness {
        cosigner,
        logs: map,
        store,
    }));
    axum_serve(listener, app).await?;
    Ok(ExitCode::SUCCESS)
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

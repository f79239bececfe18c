//! Command-line interface: argument definitions and one function per command.

use std::{
    io::{IsTerminal, Write},
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
    time::Instant,
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use concord_import::{DiskSource, ExportFormat, ImportOptions, Importer, Progress};
use concord_store::DocumentQuery;
use concord_text::Limits;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{Config, Overrides, open_store};

/// Concord: a shared knowledge base of AI governance documents, from consensus to action.
#[derive(Debug, Parser)]
#[command(name = "concord", version, about)]
pub struct Cli {
    /// Configuration file (TOML). Env: CONCORD_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, indexes, keys). Env: CONCORD_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Env: CONCORD_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and JSON API.
    Serve {
        /// Address to listen on. Env: CONCORD_ADDR. Default 127.0.0.1:8080.
        #[arg(long, value_name = "HOST:PORT")]
        addr: Option<SocketAddr>,
    },
    /// Import documents: metadata (TOML, JSON, CSV) and texts (TXT, MD, HTML, PDF, DOCX).
    Import {
        /// Files or folders (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Largest file accepted, in MiB. Env: CONCORD_MAX_FILE_MIB. Default 100.
        #[arg(long, value_name = "MIB")]
        max_file_mib: Option<u64>,
    },
    /// Write every document in a documented format (schema/document.schema.json).
    Export {
        #[arg(long, default_value = "json", value_parser = ["json", "jsonl", "csv"])]
        format: String,
        /// Output file; standard output if absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Include the full texts (json, jsonl).
        #[arg(long)]
        with_text: bool,
    },
    /// List documents, newest first.
    List {
        /// Only titles or ids containing this text.
        #[arg(long, short)]
        query: Option<String>,
        /// Only this jurisdiction (e.g. CN, EU, INT).
        #[arg(long)]
        jurisdiction: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show one document: metadata, sections and history (as JSON).
    Show {
        id: String,
        /// Include the full text.
        #[arg(long)]
        text: bool,
    },
    /// Create the data directory and database and load the bundled corpus (every other command
    /// does this too on first use).
    Init,
    /// Tag stored texts with principles (lexicon tagger, or the LLM backend if configured) and
    /// store the tags as a new version. Texts are also tagged when imported.
    Tag {
        /// Document ids.
        ids: Vec<String>,
        /// Every document that has a text.
        #[arg(long)]
        all: bool,
        /// Show the tags in another scheme through the taxonomy's crosswalks (e.g. jobin2019).
        #[arg(long)]
        scheme: Option<String>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Evaluate the tagger against gold labels (JSON Lines: {"text", "lang", "labels"}).
    EvalTagger {
        #[arg(long, value_name = "FILE")]
        gold: PathBuf,
        /// Scheme of the gold labels (default: the tagger's own, concord).
        #[arg(long)]
        scheme: Option<String>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Also list the passages the tagger got wrong, with the terms it matched.
        #[arg(long)]
        show_errors: bool,
    },
    /// Consensus analytics over the documents' principle tags: coverage, the minimum common
    /// standard, fragility, divergence between groups, convergence, binding force.
    Consensus {
        /// First year (main date) included.
        #[arg(long)]
        from: Option<u16>,
        /// Last year included.
        #[arg(long)]
        to: Option<u16>,
        /// Instrument types (law, regulation, strategy, ...); repeatable.
        #[arg(long = "instrument")]
        instruments: Vec<String>,
        /// binding, non_binding or mixed.
        #[arg(long)]
        legal_force: Option<String>,
        /// Jurisdiction codes (CN, US, EU, INT, ...); repeatable.
        #[arg(long = "jurisdiction")]
        jurisdictions: Vec<String>,
        /// Bloc ids; repeatable.
        #[arg(long = "bloc")]
        blocs: Vec<String>,
        /// Actor types of the first issuer (national_government, company, ...); repeatable.
        #[arg(long = "actor-type")]
        actor_types: Vec<String>,
        /// What the groups are: bloc, actor-type or instrument; with --label-set, a column of
        /// the label set (country, region, ...).
        #[arg(long, default_value = "bloc")]
        by: String,
        /// Analyse an imported label set instead of the documents' tags.
        #[arg(long)]
        label_set: Option<String>,
        /// Taxonomy scheme (documents tagged only in `concord` are relabelled by crosswalk).
        #[arg(long, default_value = "concord")]
        scheme: String,
        /// Coverage a group must reach for the core.
        #[arg(long, default_value_t = 0.5)]
        theta: f64,
        /// Groups with fewer documents do not constrain the core.
        #[arg(long, default_value_t = 3)]
        min_docs: usize,
        /// Bootstrap resamples (0 to skip).
        #[arg(long, default_value_t = 1000)]
        bootstrap: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Rolling window for convergence, in years.
        #[arg(long, default_value_t = 3)]
        window: i32,
        #[arg(long, default_value = "text", value_parser = ["text", "json", "csv", "md", "html"])]
        format: String,
    },
    /// Load externally annotated labels (CSV: document_id, principle, grouping columns) as a
    /// named label set, for `concord consensus --label-set`.
    ImportLabels {
        file: PathBuf,
        /// Scheme of the principle ids in the file (e.g. jobin2019).
        #[arg(long)]
        scheme: String,
        /// Name of the label set (replaced if it exists).
        #[arg(long)]
        label_set: String,
    },
    /// Manage editors' accounts for the web editor (`user add NAME --role admin` first).
    User {
        #[command(subcommand)]
        command: crate::user::UserCommand,
    },
    /// Show the audit trail of edits and account changes, newest first.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Deliberation (Polis-compatible): analyse Polis open-data exports, import them into the
    /// database, list and analyse stored conversations.
    Deliberate {
        #[command(subcommand)]
        command: crate::deliberate::DeliberateCommand,
    },
    /// Commitments, action reports, assessments, status and the implementation gap
    /// (docs/commitments.md).
    Commitment {
        #[command(subcommand)]
        command: crate::commitment::CommitmentCommand,
    },
    /// Print the JSON Schema of exported documents.
    Schema,
    /// Print the configuration in effect, as TOML.
    Config,
    /// The transparency log: key, checkpoint, append, verify, prove (docs/ledger.md).
    #[command(subcommand)]
    Ledger(crate::ledger::LedgerCommand),
    /// Run a tlog-witness (C2SP add-checkpoint, cosignature/v1) for the given logs; prints the
    /// witness's verifier key. State is kept in the configured database.
    Witness {
        /// Witness name (key name), e.g. witness.example.org/w1.
        #[arg(long)]
        name: String,
        /// Witness private key (created, mode 0600, if missing). Default: DATA_DIR/witness.key.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Verifier key of a log to witness (repeatable).
        #[arg(long = "log", value_name = "VKEY", required = true)]
        logs: Vec<String>,
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
    },
}

impl Cli {
    fn overrides(&self) -> Overrides {
        let (addr, max_file_mib) = match &self.command {
            Command::Serve { addr } => (*addr, None),
            Command::Import { max_file_mib, .. } => (None, *max_file_mib),
            _ => (None, None),
        };
        Overrides {
            config_file: self.config.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            addr,
            max_file_mib,
        }
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(&cli.overrides(), |k| std::env::var(k).ok())?;
    init_logging(&config, matches!(cli.command, Command::Serve { .. }));
    match cli.command {
        Command::Serve { .. } => {
            let listener = tokio::net::TcpListener::bind(config.addr)
                .await
                .with_context(|| format!("cannot listen on {}", config.addr))?;
            crate::serve(&config, listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { paths, .. } => import(&config, &paths).await,
        Command::Export {
            format,
            output,
            with_text,
        } => {
            let format: ExportFormat = format.parse().map_err(anyhow::Error::msg)?;
            let store = open_store(&config).await?;
            let n = match &output {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    concord_import::export(store.as_ref(), format, with_text, &mut file).await?
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    concord_import::export(store.as_ref(), format, with_text, &mut out).await?
                }
            };
            if let Some(path) = output {
                eprintln!("exported {n} documents to {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            query,
            jurisdiction,
            limit,
        } => {
            let store = open_store(&config).await?;
            let page = store
                .list_documents(&DocumentQuery {
                    text: query,
                    jurisdictions: jurisdiction
                        .map(|j| j.to_ascii_uppercase())
                        .into_iter()
                        .collect(),
                    limit,
                    ..Default::default()
                })
                .await?;
            let mut out = std::io::stdout().lock();
            for d in &page.items {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    d.id,
                    d.dates
                        .main()
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    d.jurisdiction.as_ref().map(|j| j.as_str()).unwrap_or("-"),
                    d.display_title("en"),
                )?;
            }
            if page.total > page.items.len() as u64 {
                writeln!(
                    out,
                    "({} of {} documents shown)",
                    page.items.len(),
                    page.total
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, text } => {
            let store = open_store(&config).await?;
            let Some(doc) = store.get_document(&id).await? else {
                eprintln!("error: no document {id:?} (try `concord list`)");
                return Ok(ExitCode::FAILURE);
            };
            let value = serde_json::json!({
                "document": doc,
                "sections": store.get_sections(&id).await?,
                "history": store.history(&id).await?,
                "text": if text { store.get_text(&id).await? } else { None },
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Init => {
            let store = open_store(&config).await?;
            eprintln!(
                "log key: {}",
                crate::ledger::load_key(&config)?.verifier_key()
            );
            println!(
                "{}: {} documents, {} actors, {} taxonomies",
                concord_store::redact_url(&config.database_url()),
                store.count_documents().await?,
                store.list_actors().await?.len(),
                store.list_taxonomies().await?.len(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Tag {
            ids,
            all,
            scheme,
            format,
        } => crate::tag::tag(&config, ids, all, scheme, format == "json").await,
        Command::EvalTagger {
            gold,
            scheme,
            format,
            show_errors,
        } => crate::tag::eval_tagger(&config, &gold, scheme, format == "json", show_errors).await,
        Command::Consensus {
            from,
            to,
            instruments,
            legal_force,
            jurisdictions,
            blocs,
            actor_types,
            by,
            label_set,
            scheme,
            theta,
            min_docs,
            bootstrap,
            seed,
            window,
            format,
        } => {
            let sel = concord_consensus::source::Selection {
                from,
                to,
                instruments,
                legal_force,
                jurisdictions,
                blocs,
                actor_types,
                by,
            };
            let params = concord_consensus::Params {
                theta,
                min_docs,
                bootstrap,
                seed,
                window,
                ..Default::default()
            };
            crate::consensus::run(&config, sel, &scheme, label_set.as_deref(), params, &format)
                .await
        }
        Command::ImportLabels {
            file,
            scheme,
            label_set,
        } => crate::consensus::import_labels(&config, &file, &scheme, &label_set).await,
        Command::User { command } => crate::user::run(&config, command).await,
        Command::Audit { limit, format } => {
            crate::user::audit(&config, limit, format == "json").await
        }
        Command::Deliberate { command } => crate::deliberate::run(&config, command).await,
        Command::Commitment { command } => crate::commitment::run(&config, command).await,
        Command::Schema => {
            print!("{}", concord_import::export_json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print!("{}", config.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger(cmd) => crate::ledger::run(&config, cmd).await,
        Command::Witness {
            name,
            key_file,
            logs,
            addr,
        } => crate::ledger::witness(&config, &name, key_file, &logs, addr).await,
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, label: &str) {
        self.0.set_message(label.to_owned());
        self.0.inc(1);
    }
}

async fn import(config: &Config, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    // Writes are logged: open the log (and check its key) before writing anything.
    let (log, _) = crate::ledger::open_log(config)
        .await
        .context("cannot open the transparency log")?;
    let options = ImportOptions {
        limits: Limits {
            max_file_bytes: config.max_file_mib * 1024 * 1024,
            ..Limits::default()
        },
        tagger: crate::tag::import_tagger(config, store.as_ref()).await?,
    };
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .expect("valid template"),
    );
    let started = Instant::now();
    let report = Importer::new(store.as_ref(), options)
        .import(&DiskSource, paths, &Bar(bar.clone()))
        .await;
    bar.finish_and_clear();
    for e in &report.failed {
        eprintln!("error: {e}");
    }
    crate::ledger::record_documents(&log, &report.written, "import").await?;
    for u in &report.untagged {
        eprintln!("untagged: {u}");
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {}, updated {}, unchanged {}, failed {} ({} texts tagged; {} actors, {} taxonomies written; {:.1} MB in {:.2} s)",
        report.imported,
        report.updated,
        report.unchanged,
        report.failed.len(),
        report.tagged,
        report.actors_written,
        report.taxonomies_written,
        report.bytes as f64 / 1e6,
        secs,
    );
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn init_logging(config: &Config, serving: bool) {
    // Commands other than `serve` print their own results; keep their logs to warnings.
    let default = if serving { config.log.as_str() } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_new(default)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

//! The `concord` application: configuration, opening the store (with the bundled corpus on
//! first use), and the commands behind the `concord` binary. `main.rs` only parses arguments.
//!
//! [`serve`] is the library entry point of the server, taking an already bound listener so that
//! tests can bind port 0.

pub mod cli;
pub mod commitment;
pub mod config;
pub mod consensus;
pub mod deliberate;
pub mod ledger;
pub mod tag;
pub mod user;

use std::sync::Arc;

use anyhow::Context;
use concord_core::BlocSet;
use concord_server::AppState;
use concord_store::Store;
use tokio::net::TcpListener;

pub use config::{Config, Overrides};

/// Opens the configured store, creating the data directory and loading the bundled corpus into
/// a fresh store.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let url = config.database_url();
    let store: Arc<dyn Store> = concord_store::connect(&url)
        .await
        .with_context(|| format!("cannot open store {}", concord_store::redact_url(&url)))?
        .into();
    if config.load_bundled_corpus
        && let Some(report) = concord_import::load_bundled_corpus(store.as_ref())
            .await
            .context("cannot load the bundled corpus")?
    {
        tracing::info!(
            documents = report.imported,
            actors = report.actors_written,
            "loaded the bundled corpus"
        );
        for e in &report.failed {
            tracing::error!("bundled corpus: {e}");
        }
        if !report.written.is_empty() {
            let (log, _) = ledger::open_log(config)
                .await
                .context("cannot open the transparency log")?;
            ledger::record_documents(&log, &report.written, "bundled corpus").await?;
        }
    }
    Ok(store)
}

/// The bloc definitions in effect: the configured file, or the built-in ones.
pub fn load_blocs(config: &Config) -> anyhow::Result<BlocSet> {
    match &config.blocs_file {
        None => Ok(BlocSet::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read blocs file {}", path.display()))?;
            BlocSet::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

/// Runs the server on `listener` until `shutdown` completes.
pub async fn serve(
    config: &Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    // Read before the index is built: a document written meanwhile differs and is re-indexed.
    let known = store.document_versions().await?.into_iter().collect();
    let blocs = load_blocs(config)?;
    let search = concord_server::build_search_index(store.as_ref(), &blocs)
        .await
        .map_err(|e| anyhow::anyhow!("cannot build the search index: {e}"))?;
    let addr = listener.local_addr()?;
    let mut auth = concord_server::auth::AuthSettings::default();
    auth.secure_cookies = config.auth.secure_cookies_for(&addr);
    auth.session_seconds = i64::from(config.auth.session_hours) * 3600;
    auth.login_attempts = config.auth.login_attempts_per_minute;
    auth.max_upload_bytes = config.max_file_mib * 1024 * 1024;
    let (ledger, _) = ledger::open_log(config)
        .await
        .context("cannot open the transparency log")?;
    let participation = participation_settings(config)?;
    commitment::seed(config, store.as_ref(), &ledger).await?;
    let state = AppState {
        participation: Arc::new(participation),
        search: Arc::new(search),
        store,
        blocs: Arc::new(blocs),
        auth: Arc::new(auth),
        ledger: Some(ledger),
        cache: Arc::new(concord_server::cache::Caches::with_mib(
            config.response_cache_mib,
        )),
    };
    // Dropped (stopped) when serving ends.
    let _follower = (config.search_follow_secs > 0).then(|| {
        AbortOnDrop(tokio::spawn(concord_server::follow_store(
            state.clone(),
            known,
            std::time::Duration::from_secs(config.search_follow_secs),
        )))
    });
    tracing::info!("Concord is serving on http://{addr}");
    concord_server::serve(state, listener, shutdown).await?;
    Ok(())
}

/// Proof-of-work keys (created on first use), difficulty levels and rate limits.
fn participation_settings(
    config: &Config,
) -> anyhow::Result<concord_server::participate::ParticipationSettings> {
    use concord_server::pow::{DifficultyPolicy, PowKeys};
    let path = config.pow_key_file();
    let (current, created) = PowKeys::load_or_create(&path)
        .with_context(|| "cannot load the proof-of-work key (participation.pow_key_file)")?;
    if created {
        tracing::info!("created the proof-of-work key {}", path.display());
    }
    let previous = match &config.participation.pow_previous_key_file {
        // The previous key must exist: creating a fresh one would accept nothing old.
        Some(p) if !p.is_file() => anyhow::bail!(
            "participation.pow_previous_key_file: {} does not exist",
            p.display()
        ),
        Some(p) => Some(
            PowKeys::load_or_create(p)
                .with_context(|| "cannot load participation.pow_previous_key_file")?
                .0,
        ),
        None => None,
    };
    let keys = PowKeys::new(current, previous).map_err(|e| anyhow::anyhow!("{e}"))?;
    let p = &config.participation;
    let policy = DifficultyPolicy {
        levels: p.pow_levels.clone(),
        prefix_thresholds: p.prefix_thresholds.clone(),
        target_thresholds: p.conversation_thresholds.clone(),
        global_thresholds: p.global_thresholds.clone(),
        ..DifficultyPolicy::default()
    };
    let limits = concord_server::participate::Limits {
        votes_per_minute: p.votes_per_minute,
        statements_per_minute: p.statements_per_minute,
        no_pow_per_minute: p.no_pow_per_minute,
        ..Default::default()
    };
    Ok(concord_server::participate::ParticipationSettings::new(
        keys, policy, limits,
    ))
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! The `concord` application: configuration, opening the store (with the bundled corpus on
//! first use), and the commands behind the `concord` binary. `main.rs` only parses arguments.
//!
//! [`serve`] is the library entry point of the server, taking an already bound listener so that
//! tests can bind port 0.

pub mod cli;
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
    let search = concord_server::build_search_index(store.as_ref())
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
    let state = AppState {
        search: Arc::new(search),
        store,
        blocs: Arc::new(load_blocs(config)?),
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

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

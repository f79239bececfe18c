//! Concord's configuration. This struct is the reference: every setting, its default, its
//! TOML key and its environment variable are here (and in docs/configuration.md).
//!
//! Precedence, lowest to highest: built-in defaults → TOML file (`--config PATH`, or
//! `CONCORD_CONFIG`, or `concord.toml` in the data directory if present) → `CONCORD_*`
//! environment variables → command-line flags.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// Every setting of Concord.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, search index and keys live. Created on first use.
    /// Env: `CONCORD_DATA_DIR`. Default: `./concord-data`.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`. Env: `CONCORD_DATABASE_URL`.
    /// Default: the SQLite file `concord.db` in the data directory.
    pub database_url: Option<String>,
    /// Address `serve` listens on. Env: `CONCORD_ADDR`. Default: `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// Largest input file `import` accepts, in MiB. Env: `CONCORD_MAX_FILE_MIB`. Default: 100.
    pub max_file_mib: u64,
    /// Seconds between checks of the store for documents written elsewhere (another server on
    /// the same PostgreSQL database, `concord import`), which `serve` then re-indexes for search;
    /// 0 turns following off. Env: `CONCORD_SEARCH_FOLLOW_SECS`. Default: 2.
    pub search_follow_secs: u64,
    /// Memory for `serve`'s cache of rendered search results and anonymous document pages, in
    /// MiB; entries last until the content changes (at most 60 s); 0 turns the cache off.
    /// Env: `CONCORD_RESPONSE_CACHE_MIB`. Default: 64.
    pub response_cache_mib: usize,
    /// A TOML file redefining the blocs (see crates/concord-core/data/blocs.toml).
    /// Env: `CONCORD_BLOCS_FILE`. Default: the built-in blocs.
    pub blocs_file: Option<PathBuf>,
    /// Load the bundled corpus into an empty store on first use.
    /// Env: `CONCORD_LOAD_BUNDLED_CORPUS` (`true`/`false`). Default: true.
    pub load_bundled_corpus: bool,
    /// Log filter in `tracing` syntax, e.g. `info` or `concord_server=debug`.
    /// Env: `CONCORD_LOG`. Default: `info`.
    pub log: String,
    /// The principle tagger (`[tagger]` table).
    pub tagger: TaggerConfig,
    /// Sign-in for editors (`[auth]` table).
    pub auth: AuthConfig,
    /// The transparency log (`[ledger]` table).
    pub ledger: LedgerConfig,
    /// Taking part in deliberations: proof of work and rate limits (`[participation]` table).
    pub participation: ParticipationConfig,
}

/// Proof of work and rate limits for anonymous participation (docs/security.md; the design is
/// the shared reference `specs/proof-of-work.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParticipationConfig {
    /// The HMAC key signing proof-of-work challenges (hex, at least 32 bytes), created with mode
    /// 0600 on first use. Servers sharing a database must share it.
    /// Env: `CONCORD_POW_KEY_FILE`. Default: `pow.key` in the data directory.
    pub pow_key_file: Option<PathBuf>,
    /// The previous key during a rotation: challenges signed with it are still accepted until
    /// they expire. Default: none.
    pub pow_previous_key_file: Option<PathBuf>,
    /// Difficulty levels in leading zero bits, ascending; the first is the base, the next ones
    /// apply as traffic from one network prefix, on one conversation or overall grows.
    /// Default: `[16, 18, 20, 22]`.
    pub pow_levels: Vec<u8>,
    /// Challenges per 10 minutes from one /24 (IPv4) or /56 (IPv6) at which the level steps
    /// up. Default: `[30, 100, 300]`.
    pub prefix_thresholds: Vec<u32>,
    /// The same per conversation. Default: `[300, 1000, 3000]`.
    pub conversation_thresholds: Vec<u32>,
    /// The same for the whole server. Default: `[1000, 3000, 10000]`.
    pub global_thresholds: Vec<u32>,
    /// Votes per minute per participant (one IP: four times this). Default: 60.
    pub votes_per_minute: u32,
    /// Statements per minute per participant (one IP: four times this). Default: 5.
    pub statements_per_minute: u32,
    /// Submissions without proof of work (no JavaScript) per minute per participant. Default: 10.
    pub no_pow_per_minute: u32,
}

impl Default for ParticipationConfig {
    fn default() -> Self {
        let d = concord_server::pow::DifficultyPolicy::default();
        let l = concord_server::participate::Limits::default();
        ParticipationConfig {
            pow_key_file: None,
            pow_previous_key_file: None,
            pow_levels: d.levels,
            prefix_thresholds: d.prefix_thresholds,
            conversation_thresholds: d.target_thresholds,
            global_thresholds: d.global_thresholds,
            votes_per_minute: l.votes_per_minute,
            statements_per_minute: l.statements_per_minute,
            no_pow_per_minute: l.no_pow_per_minute,
        }
    }
}

/// Settings of the editors' sign-in (see docs/security.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Send cookies only over HTTPS (`Secure`, `__Host-` name). Env: `CONCORD_SECURE_COOKIES`
    /// (`true`/`false`). Default: on unless `addr` is a loopback address (local use over plain
    /// HTTP); set it to `true` when a TLS proxy on the same host forwards to a loopback `addr`.
    pub secure_cookies: Option<bool>,
    /// Hours a sign-in lasts. Env: `CONCORD_SESSION_HOURS`. Default: 12.
    pub session_hours: u32,
    /// Sign-in attempts per minute for one client IP and username. Default: 5.
    pub login_attempts_per_minute: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secure_cookies: None,
            session_hours: 12,
            login_attempts_per_minute: 5,
        }
    }
}

impl AuthConfig {
    /// Whether cookies are marked `Secure` when serving on `addr`.
    pub fn secure_cookies_for(&self, addr: &SocketAddr) -> bool {
        self.secure_cookies.unwrap_or(!addr.ip().is_loopback())
    }
}

/// Settings of the transparency log (docs/ledger.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerConfig {
    /// The log's private key, created (mode 0600) on first use. Env: `CONCORD_LEDGER_KEY_FILE`.
    /// Default: `ledger.key` in the data directory.
    pub key_file: Option<PathBuf>,
    /// Checkpoint origin and key name: the log's URL without scheme, e.g.
    /// `concord.example.org/log`. Env: `CONCORD_LEDGER_ORIGIN`. Default: `localhost/concord-log`.
    pub origin: String,
    /// Most entries sequenced in one batch (one transaction, one fsync). Default: 4096.
    pub max_batch: usize,
    /// Witnesses asked to cosign each checkpoint, as `"http://HOST:PORT WITNESS_VKEY"`.
    /// Default: none (every checkpoint is published at once).
    pub witnesses: Vec<String>,
    /// Cosignatures a checkpoint needs before `/log/checkpoint` publishes it. Default: all
    /// configured witnesses.
    pub quorum: Option<usize>,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            key_file: None,
            origin: "localhost/concord-log".into(),
            max_batch: 4096,
            witnesses: Vec::new(),
            quorum: None,
        }
    }
}

/// Settings of the principle tagger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TaggerConfig {
    /// Tag texts as they are imported. Env: `CONCORD_TAG_ON_IMPORT` (`true`/`false`).
    /// Default: true.
    pub on_import: bool,
    /// The taxonomy whose principles tags use. Default: `concord`.
    pub scheme: String,
    /// Optional LLM backend (`[tagger.llm]`): any OpenAI-compatible chat endpoint, used by
    /// `concord tag` when `enabled`; the lexicon tagger is the fallback. Env:
    /// `CONCORD_LLM_BASE_URL`, `CONCORD_LLM_MODEL`, `CONCORD_LLM_API_KEY` (setting the base URL
    /// enables it). Default: off.
    pub llm: concord_tagger::llm::LlmConfig,
}

impl Default for TaggerConfig {
    fn default() -> Self {
        TaggerConfig {
            on_import: true,
            scheme: "concord".into(),
            llm: concord_tagger::llm::LlmConfig::default(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./concord-data"),
            database_url: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_file_mib: 100,
            search_follow_secs: 2,
            response_cache_mib: 64,
            blocs_file: None,
            load_bundled_corpus: true,
            log: "info".into(),
            tagger: TaggerConfig::default(),
            auth: AuthConfig::default(),
            ledger: LedgerConfig::default(),
            participation: ParticipationConfig::default(),
        }
    }
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: Option<SocketAddr>,
    pub max_file_mib: Option<u64>,
}

impl Config {
    /// Loads the configuration: defaults, then the TOML file, then `env`, then `flags`.
    /// `env` looks up an environment variable (a parameter so tests need not touch the process).
    pub fn load(flags: &Overrides, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let data_dir_hint = flags
            .data_dir
            .clone()
            .or_else(|| env("CONCORD_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| Config::default().data_dir);
        let file = flags
            .config_file
            .clone()
            .or_else(|| env("CONCORD_CONFIG").map(PathBuf::from))
            .or_else(|| Some(data_dir_hint.join("concord.toml")).filter(|p| p.is_file()));
        let mut config = match &file {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };

        if let Some(v) = env("CONCORD_DATA_DIR") {
            config.data_dir = v.into();
        }
        if let Some(v) = env("CONCORD_DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env("CONCORD_ADDR") {
            config.addr = v.parse().with_context(|| {
                format!("CONCORD_ADDR: {v:?} is not HOST:PORT (e.g. 127.0.0.1:8080)")
            })?;
        }
        if let Some(v) = env("CONCORD_SEARCH_FOLLOW_SECS") {
            config.search_follow_secs = v.parse().with_context(|| {
                format!("CONCORD_SEARCH_FOLLOW_SECS: {v:?} is not a whole number")
            })?;
        }
        if let Some(v) = env("CONCORD_RESPONSE_CACHE_MIB") {
            config.response_cache_mib = v.parse().with_context(|| {
                format!("CONCORD_RESPONSE_CACHE_MIB: {v:?} is not a whole number of MiB")
            })?;
        }
        if let Some(v) = env("CONCORD_MAX_FILE_MIB") {
            config.max_file_mib = v
                .parse()
                .with_context(|| format!("CONCORD_MAX_FILE_MIB: {v:?} is not a whole number"))?;
        }
        if let Some(v) = env("CONCORD_BLOCS_FILE") {
            config.blocs_file = Some(v.into());
        }
        if let Some(v) = env("CONCORD_LOAD_BUNDLED_CORPUS") {
            config.load_bundled_corpus = match v.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => bail!("CONCORD_LOAD_BUNDLED_CORPUS: {v:?} is not true or false"),
            };
        }
        if let Some(v) = env("CONCORD_LOG") {
            config.log = v;
        }
        if let Some(v) = env("CONCORD_TAG_ON_IMPORT") {
            config.tagger.on_import = match v.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => bail!("CONCORD_TAG_ON_IMPORT: {v:?} is not true or false"),
            };
        }
        if let Some(v) = env("CONCORD_SECURE_COOKIES") {
            config.auth.secure_cookies = Some(match v.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => bail!("CONCORD_SECURE_COOKIES: {v:?} is not true or false"),
            });
        }
        if let Some(v) = env("CONCORD_SESSION_HOURS") {
            config.auth.session_hours = v
                .parse()
                .with_context(|| format!("CONCORD_SESSION_HOURS: {v:?} is not a whole number"))?;
        }
        if let Some(v) = env("CONCORD_LLM_BASE_URL") {
            config.tagger.llm.base_url = v;
            config.tagger.llm.enabled = true;
        }
        if let Some(v) = env("CONCORD_LLM_MODEL") {
            config.tagger.llm.model = v;
        }
        if let Some(v) = env("CONCORD_LLM_API_KEY") {
            config.tagger.llm.api_key = Some(v);
        }
        if let Some(v) = env("CONCORD_LEDGER_KEY_FILE") {
            config.ledger.key_file = Some(v.into());
        }
        if let Some(v) = env("CONCORD_POW_KEY_FILE") {
            config.participation.pow_key_file = Some(v.into());
        }
        if let Some(v) = env("CONCORD_LEDGER_ORIGIN") {
            config.ledger.origin = v;
        }

        if let Some(v) = &flags.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = &flags.database_url {
            config.database_url = Some(v.clone());
        }
        if let Some(v) = flags.addr {
            config.addr = v;
        }
        if let Some(v) = flags.max_file_mib {
            config.max_file_mib = v;
        }
        if config.max_file_mib == 0 {
            bail!("max_file_mib must be at least 1");
        }
        if config.auth.session_hours == 0 || config.auth.login_attempts_per_minute == 0 {
            bail!("auth.session_hours and auth.login_attempts_per_minute must be at least 1");
        }
        if config.ledger.max_batch == 0 {
            bail!("ledger.max_batch must be at least 1");
        }
        let pl = &config.participation.pow_levels;
        if pl.is_empty()
            || pl.windows(2).any(|w| w[0] > w[1])
            || pl.iter().any(|b| *b > concord_server::pow::MAX_BITS)
        {
            bail!(
                "participation.pow_levels must be ascending bits of at most {}, e.g. [16, 18, 20, 22]",
                concord_server::pow::MAX_BITS
            );
        }
        if config.participation.votes_per_minute == 0
            || config.participation.statements_per_minute == 0
            || config.participation.no_pow_per_minute == 0
        {
            bail!("participation rate limits must be at least 1 per minute");
        }
        concord_ledger::note::check_key_name(&config.ledger.origin)
            .map_err(|e| anyhow::anyhow!("ledger.origin: {e}"))?;
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .map(|l| format!(": line {l}"))
                .unwrap_or_default();
            anyhow::anyhow!("{}{line}: {}", path.display(), e.message())
        })
    }

    /// The log key file in effect.
    pub fn ledger_key_file(&self) -> PathBuf {
        self.ledger
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("ledger.key"))
    }

    /// The proof-of-work key file in effect.
    pub fn pow_key_file(&self) -> PathBuf {
        self.participation
            .pow_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("pow.key"))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("concord.db").display()))
    }

    /// The configuration as a commented TOML file (`concord config`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults() {
        let c = Config::load(&Overrides::default(), env(&[])).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.database_url(), "sqlite://./concord-data/concord.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "addr = \"0.0.0.0:9000\"\nmax_file_mib = 5\nlog = \"debug\"\n",
        )
        .unwrap();
        let flags = Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        };
        let c = Config::load(&flags, env(&[])).unwrap();
        assert_eq!(
            (c.addr.port(), c.max_file_mib, c.log.as_str()),
            (9000, 5, "debug")
        );

        let c = Config::load(&flags, env(&[("CONCORD_ADDR", "127.0.0.1:9001")])).unwrap();
        assert_eq!((c.addr.port(), c.max_file_mib), (9001, 5));

        let flags = Overrides {
            addr: Some("127.0.0.1:9002".parse().unwrap()),
            ..flags
        };
        let c = Config::load(&flags, env(&[("CONCORD_ADDR", "127.0.0.1:9001")])).unwrap();
        assert_eq!(c.addr.port(), 9002);
    }

    #[test]
    fn config_file_in_data_dir_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("concord.toml"), "max_file_mib = 7\n").unwrap();
        let flags = Overrides {
            data_dir: Some(dir.path().into()),
            ..Default::default()
        };
        assert_eq!(Config::load(&flags, env(&[])).unwrap().max_file_mib, 7);
    }

    #[test]
    fn bad_values_are_named() {
        let err =
            Config::load(&Overrides::default(), env(&[("CONCORD_ADDR", "localhost")])).unwrap_err();
        assert!(format!("{err:#}").contains("CONCORD_ADDR"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "\nmax_file_mb = 5\n").unwrap();
        let flags = Overrides {
            config_file: Some(file),
            ..Default::default()
        };
        let err = Config::load(&flags, env(&[])).unwrap_err().to_string();
        assert!(
            err.contains("c.toml: line 2") && err.contains("max_file_mb"),
            "{err}"
        );
    }

    #[test]
    fn secure_cookies_default_follows_the_address() {
        let c = Config::load(&Overrides::default(), env(&[])).unwrap();
        assert!(
            !c.auth.secure_cookies_for(&c.addr),
            "loopback: plain HTTP works"
        );
        assert!(c.auth.secure_cookies_for(&"0.0.0.0:80".parse().unwrap()));
        let c = Config::load(
            &Overrides::default(),
            env(&[
                ("CONCORD_SECURE_COOKIES", "true"),
                ("CONCORD_SESSION_HOURS", "2"),
            ]),
        )
        .unwrap();
        assert!(c.auth.secure_cookies_for(&c.addr));
        assert_eq!(c.auth.session_hours, 2);
        assert!(
            Config::load(
                &Overrides::default(),
                env(&[("CONCORD_SECURE_COOKIES", "maybe")])
            )
            .is_err()
        );
    }

    #[test]
    fn printed_config_reads_back() {
        let c = Config::default();
        assert_eq!(toml::from_str::<Config>(&c.to_toml()).unwrap(), c);
    }
}

//! Seed commitments (`data/commitments/*.toml`), bundled into the binary and loaded with the
//! bundled corpus (docs/commitments.md, "Seed data").

use concord_commitments::Commitment;
use concord_store::{CommitmentWrite, Store, StoreError, commitments::check_references};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

/// The seed files, embedded at build time.
pub static BUNDLED_COMMITMENTS: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/../../data/commitments");

/// Marks the seed as loaded: the hash of the seed files.
pub const COMMITMENTS_MARKER: &str = "bundled_commitments_loaded";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    commitments: Vec<Commitment>,
}

/// Errors of a commitments file, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses a commitments file (`[[commitments]]` tables) and validates each record. `file`
/// names the file in errors.
pub fn parse_commitments(file: &str, text: &str) -> Result<Vec<Commitment>, SeedError> {
    let err = |reason: String| SeedError::File {
        file: file.to_owned(),
        reason,
    };
    let seed: SeedFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    for (i, c) in seed.commitments.iter().enumerate() {
        c.validate()
            .map_err(|e| err(format!("commitments[{i}] ({}): {e}", c.id)))?;
    }
    Ok(seed.commitments)
}

/// Every bundled seed commitment, in file order.
pub fn bundled_commitments() -> Result<Vec<Commitment>, SeedError> {
    let mut files: Vec<_> = BUNDLED_COMMITMENTS
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort_by_key(|f| f.path());
    let mut out = vec![];
    for f in files {
        let name = format!("data/commitments/{}", f.path().display());
        let text = f.contents_utf8().ok_or_else(|| SeedError::File {
            file: name.clone(),
            reason: "not UTF-8".into(),
        })?;
        out.extend(parse_commitments(&name, text)?);
    }
    Ok(out)
}

fn seed_version() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut files: Vec<_> = BUNDLED_COMMITMENTS.files().collect();
    files.sort_by_key(|f| f.path());
    for f in files {
        h.update(f.path().to_string_lossy().as_bytes());
        h.update([0]);
        h.update(f.contents());
    }
    hex::encode(&h.finalize()[..8])
}

/// Creates the bundled seed commitments that are not stored yet (after the bundled corpus, whose
/// actors and documents they reference), once per seed version. Returns the commitments
/// created, for the caller to append to the transparency log. A seed whose references do not
/// resolve in this store (e.g. the corpus was not loaded) is skipped with a warning.
pub async fn load_bundled_commitments(store: &dyn Store) -> Result<Vec<Commitment>, SeedError> {
    let version = seed_version();
    if store.get_meta(COMMITMENTS_MARKER).await?.as_deref() == Some(version.as_str()) {
        return Ok(vec![]);
    }
    let mut created = vec![];
    for c in bundled_commitments()? {
        let problems = check_references(store, &c).await?;
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            tracing::warn!(commitment = %c.id, "seed commitment skipped: {}", list.join("; "));
            continue;
        }
        if let CommitmentWrite::Written(c, _) = store.commitments().create_commitment(&c).await? {
            created.push(c);
        }
    }
    store.set_meta(COMMITMENTS_MARKER, &version).await?;
    Ok(created)
}

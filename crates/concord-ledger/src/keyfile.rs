//! The log's private key on disk: one line in the Go x/mod private key format, created with
//! owner-only permissions (0600) and refused if group or others can read it.

use std::io::Write;
use std::path::Path;

use crate::note::{Ed25519Signer, NoteSigner};

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Key {
        path: String,
        #[source]
        source: crate::note::NoteError,
    },
    #[error("{path}: readable by group or others (mode {mode:o}); run `chmod 600 {path}`")]
    Permissions { path: String, mode: u32 },
    #[error("{path}: the key is named {found:?} but the log origin is {want:?}")]
    WrongName {
        path: String,
        found: String,
        want: String,
    },
}

/// Loads the key at `path`, or creates a new one named `origin` if the file does not exist.
/// Returns the signer and whether it was created.
pub fn load_or_create(path: &Path, origin: &str) -> Result<(Ed25519Signer, bool), KeyFileError> {
    let p = path.display().to_string();
    let io = |source| KeyFileError::Io {
        path: p.clone(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(KeyFileError::Permissions { path: p, mode });
                }
            }
            let signer =
                Ed25519Signer::from_private_key(&text).map_err(|source| KeyFileError::Key {
                    path: p.clone(),
                    source,
                })?;
            if signer.name() != origin {
                return Err(KeyFileError::WrongName {
                    path: p,
                    found: signer.name().to_owned(),
                    want: origin.to_owned(),
                });
            }
            Ok((signer, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let signer = Ed25519Signer::generate(origin).map_err(|source| KeyFileError::Key {
                path: p.clone(),
                source,
            })?;
            write_new(path, &signer.private_key()).map_err(io)?;
            Ok((signer, true))
        }
        Err(e) => Err(io(e)),
    }
}

/// Writes a secret to a new file with mode 0600 (fails if the file exists).
pub fn write_new(path: &Path, secret: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(secret.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

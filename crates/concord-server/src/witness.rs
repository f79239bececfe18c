//! A C2SP `tlog-witness` v1.0.0 witness (`concord witness`): `POST /add-checkpoint` checks a
//! checkpoint from a configured log against the latest one this witness cosigned for that
//! origin (consistency proof), stores it with a check-and-set *before* replying, and answers
//! with a `cosignature/v1` line.

use std::collections::HashMap;
use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use concord_ledger::cosignature::Cosigner;
use concord_ledger::note::Ed25519Verifier;
use concord_ledger::witness::{AddCheckpoint, WitnessError, check_add_checkpoint};
use concord_store::ledger::{LedgerStore, WitnessState};

/// A witness: its key, the logs it follows (origin → log keys) and where it keeps state.
pub struct Witness {
    pub cosigner: Cosigner,
    pub logs: HashMap<String, Vec<Ed25519Verifier>>,
    pub store: Arc<dyn LedgerStore>,
}

/// The witness's routes (a router of its own: a witness is a separate service).
pub fn witness_router(w: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(w)
}

fn refuse(e: WitnessError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match e {
        WitnessError::Conflict(size) => (
            status,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{size}\n"),
        )
            .into_response(),
        other => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{other}\n"),
        )
            .into_response(),
    }
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Response {
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return refuse(e),
    };
    // Which origin: the first line of the note (trusted only after verification inside
    // check_add_checkpoint).
    let origin = String::from_utf8_lossy(&req.checkpoint)
        .split('\n')
        .next()
        .unwrap_or_default()
        .to_owned();
    let state = match w.store.witness_state(&origin).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "witness state");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let latest = state.as_ref().map(|s| {
        let mut root = [0u8; 32];
        if s.root.len() == 32 {
            root.copy_from_slice(&s.root);
        }
        (s.size, root)
    });
    let (cp, text) = match check_add_checkpoint(&req, |o| w.logs.get(o).cloned(), |_| latest) {
        Ok(x) => x,
        Err(e) => return refuse(e),
    };
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs().max(1));
    let new = WitnessState {
        origin: cp.origin.clone(),
        size: cp.size,
        root: cp.root.to_vec(),
        note: req.checkpoint.clone(),
    };
    // Persist before replying, atomically against concurrent requests.
    match w.store.witness_update(req.old_size, &new).await {
        Ok(true) => {}
        Ok(false) => {
            let size = w
                .store
                .witness_state(&origin)
                .await
                .ok()
                .flatten()
                .map_or(0, |s| s.size);
            return refuse(WitnessError::Conflict(size));
        }
        Err(e) => {
            tracing::error!(error = %e, "witness state update");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let line = w.cosigner.cosign(&text, timestamp).to_line();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        line,
    )
        .into_response()
}

//! The transparency log over HTTP (docs/ledger.md):
//!
//! * C2SP tlog-tiles read API under `/log/`: `/log/checkpoint`, `/log/tile/<L>/<N>[.p/<W>]`,
//!   `/log/tile/entries/<N>[.p/<W>]`, plus `/log/key` (the verifier key string);
//! * JSON: `/api/v1/log` (status), `/api/v1/log/proof/inclusion?index=&size=`,
//!   `/api/v1/log/proof/consistency?old=&new=`.
//!
//! Tiles and bundles are immutable once served (a partial tile has its own URL), so they are
//! cacheable for a long time; the checkpoint changes with every batch.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use concord_ledger::log::{Log, LogError};
use concord_ledger::tile::TileId;
use serde::Deserialize;

use crate::{ApiError, AppState};

/// The log's routes; they answer 404 when the server runs without a log.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/key", get(key))
        .route("/log/tile/{*path}", get(tile))
        .route("/api/v1/log", get(status))
        .route("/api/v1/log/proof/inclusion", get(inclusion))
        .route("/api/v1/log/proof/consistency", get(consistency))
}

fn log(s: &AppState) -> Result<&Arc<Log>, ApiError> {
    s.ledger
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("this server has no transparency log".into()))
}

fn log_error(e: LogError) -> ApiError {
    match e {
        LogError::Proof(p) => ApiError::BadRequest(p.to_string()),
        LogError::Store(s) => ApiError::Store(s),
        other => {
            tracing::error!(error = %other, "ledger request failed");
            ApiError::BadRequest(other.to_string())
        }
    }
}

const TEXT: &str = "text/plain; charset=utf-8";

async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    // Only a checkpoint with the witness quorum is published (all of them without witnesses).
    let (_, note) = log(&s)?.published_checkpoint().ok_or_else(|| {
        ApiError::NotFound("no checkpoint has reached the witness quorum yet".into())
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, TEXT),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        note,
    )
        .into_response())
}

async fn key(State(s): State<AppState>) -> Result<Response, ApiError> {
    let vkey = format!("{}\n", log(&s)?.verifier_key());
    Ok(([(header::CONTENT_TYPE, TEXT)], vkey).into_response())
}

async fn tile(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let id = TileId::parse(&path).map_err(|e| ApiError::NotFound(e.to_string()))?;
    match log(&s)?.tile(id).await.map_err(log_error)? {
        Some(data) => Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            data,
        )
            .into_response()),
        None => Err(ApiError::NotFound(format!(
            "tile/{path} is not in the log (yet)"
        ))),
    }
}

async fn status(State(s): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let log = log(&s)?;
    let (size, note) = log.checkpoint();
    let root = log.root_at(size).map_err(log_error)?;
    Ok(Json(serde_json::json!({
        "origin": log.origin(),
        "size": size,
        "root": B64.encode(root),
        "checkpoint": String::from_utf8_lossy(&note),
        "key": log.verifier_key(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionParams {
    index: u64,
    size: Option<u64>,
}

async fn inclusion(
    State(s): State<AppState>,
    q: Result<Query<InclusionParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let log = log(&s)?;
    let size = q.size.unwrap_or_else(|| log.size());
    let proof = log.inclusion_proof(q.index, size).map_err(log_error)?;
    let leaf = log.leaf_hash(q.index).unwrap_or_default();
    Ok(Json(serde_json::json!({
        "index": q.index,
        "tree_size": size,
        "leaf_hash": B64.encode(leaf),
        "root": B64.encode(log.root_at(size).map_err(log_error)?),
        "proof": proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyParams {
    old: u64,
    new: Option<u64>,
}

async fn consistency(
    State(s): State<AppState>,
    q: Result<Query<ConsistencyParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let log = log(&s)?;
    let new = q.new.unwrap_or_else(|| log.size());
    let proof = log.consistency_proof(q.old, new).map_err(log_error)?;
    Ok(Json(serde_json::json!({
        "old_size": q.old,
        "new_size": new,
        "old_root": B64.encode(log.root_at(q.old).map_err(log_error)?),
        "new_root": B64.encode(log.root_at(new).map_err(log_error)?),
        "proof": proof.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
    })))
}

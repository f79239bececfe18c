//! Concord's import pipeline and export formats.
//!
//! [`Importer::import`] takes files and folders, reads metadata (TOML, JSON, CSV — see
//! [`meta`](crate::CSV_COLUMNS)) and texts (TXT, Markdown, HTML, PDF, DOCX, through
//! `concord-text`), and writes documents to a [`Store`]. For each document:
//!
//! 1. a *source hash* of the raw inputs is computed; if the store already holds a document made
//!    from exactly these inputs, nothing else is done (this makes re-importing a large unchanged
//!    corpus cheap);
//! 2. otherwise the text is decoded, normalised and split into sections, the metadata checked,
//!    and a *content hash* of the normalised result computed; the store keeps the document
//!    unchanged if the content hash matches, or adds a new version with history kept.
//!
//! A bad file or record produces one [`ImportError`] naming the file, the line or field where
//! known, and the reason; the rest of the batch goes on. Each document is written in one
//! transaction, so nothing partial is left behind.
//!
//! [`load_bundled_corpus`] imports the corpus compiled into the binary into a fresh store.

pub mod commitments;
mod export;
pub mod labels;
mod meta;
mod source;

use std::{
    collections::{HashMap, HashSet},
    fmt,
    path::{Path, PathBuf},
};

use concord_core::{Document, LocalizedText, Slug};
use concord_store::{NewDocument, Store, WriteOutcome};
use concord_text::{ExtractOptions, Format, Limits};
use sha2::{Digest, Sha256};

pub use export::{ExportError, ExportFormat, ExportedDocument, export, export_json_schema};
pub use meta::CSV_COLUMNS;
pub use source::{BUNDLED_CORPUS, DiskSource, EmbeddedSource, FileSource};

/// Bumped whenever extraction or normalisation changes, so that re-imports redo the work
/// instead of trusting hashes made by older code.
const PIPELINE_VERSION: &str = "concord-import/1";

/// Metadata key recording that the bundled corpus was loaded into a store.
pub const BUNDLED_MARKER: &str = "bundled_corpus_loaded";

/// One problem with one input: `path: location: field `f`: reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct ImportError {
    pub path: String,
    /// `line 4`, `documents[2]`, ...
    pub location: Option<String>,
    pub field: Option<String>,
    pub reason: String,
}

impl ImportError {
    pub(crate) fn at(path: &Path, location: impl Into<Option<String>>) -> ImportError {
        ImportError {
            path: path.display().to_string(),
            location: location.into(),
            field: None,
            reason: String::new(),
        }
    }

    pub(crate) fn field(mut self, field: &str) -> ImportError {
        self.field = Some(field.to_owned());
        self
    }

    pub(crate) fn because(mut self, reason: impl Into<String>) -> ImportError {
        self.reason = reason.into();
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = &self.location {
            write!(f, ": {l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Settings of an import run.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Tags imported texts with this tagger (automatic tags of its scheme are replaced; manual
    /// tags are kept). `None`: texts are stored untagged.
    pub tagger: Option<std::sync::Arc<concord_tagger::Tagger>>,
}

/// What an import run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Documents stored for the first time.
    pub imported: u64,
    /// Documents whose content changed: a new version was stored.
    pub updated: u64,
    pub unchanged: u64,
    pub actors_written: u64,
    pub taxonomies_written: u64,
    /// Imported texts the tagger tagged.
    pub tagged: u64,
    /// Imported texts the tagger could not tag, as "id: reason" (e.g. an unsupported language).
    pub untagged: Vec<String>,
    /// Bytes of input read (metadata and text).
    pub bytes: u64,
    pub failed: Vec<ImportError>,
    /// Every document record this run created or changed, in input order: what the caller
    /// appends to the transparency log.
    pub written: Vec<WrittenDocument>,
}

/// A document record an import created or changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WrittenDocument {
    pub id: String,
    /// The stored version (1 for a new document).
    pub version: u32,
    /// `"created"` or `"updated"`.
    pub action: &'static str,
    /// SHA-256 of the record's content (metadata and text), as stored.
    pub content_hash: String,
    /// The input file(s) it came from.
    pub source: String,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// Counts a write of an actor or taxonomy, or records its failure.
    fn tally(
        &mut self,
        written: Result<WriteOutcome, ImportError>,
        counter: fn(&mut Self) -> &mut u64,
    ) {
        match written {
            Ok(WriteOutcome::Unchanged) => {}
            Ok(_) => *counter(self) += 1,
            Err(e) => self.failed.push(e),
        }
    }
}

/// Progress callbacks, for a progress bar.
pub trait Progress: Sync {
    /// The number of documents about to be processed.
    fn start(&self, _total: u64) {}
    /// One document done (whatever the outcome).
    fn advance(&self, _label: &str) {}
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {}

/// A document to process: metadata (maybe none) plus a text file (maybe none).
struct Unit {
    record: Option<meta::DocRecord>,
    text: Option<PathBuf>,
}

impl Unit {
    fn label(&self) -> String {
        match (&self.record, &self.text) {
            (Some(r), _) => r.origin.path.clone(),
            (None, Some(t)) => t.display().to_string(),
            (None, None) => String::new(),
        }
    }
}

/// Imports files into a store.
pub struct Importer<'a> {
    store: &'a dyn Store,
    options: ImportOptions,
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        // Length-prefixed so that part boundaries cannot shift.
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn is_metadata(ext: &str) -> bool {
    matches!(ext, "toml" | "json" | "csv")
}

impl<'a> Importer<'a> {
    pub fn new(store: &'a dyn Store, options: ImportOptions) -> Self {
        Importer { store, options }
    }

    /// Imports every file under `roots`. Never stops at a bad file; see the report.
    pub async fn import(
        &self,
        source: &dyn FileSource,
        roots: &[PathBuf],
        progress: &dyn Progress,
    ) -> ImportReport {
        let mut report = ImportReport::default();
        let mut files = vec![];
        for root in roots {
            match source.list(root) {
                Ok(list) => files.extend(list),
                Err(e) => report
                    .failed
                    .push(ImportError::at(root, None::<String>).because(e.to_string())),
            }
        }
        files.sort();
        files.dedup();

        // 1. Metadata files first: actors and taxonomies before the documents that use them.
        let mut records = vec![];
        let mut texts = vec![];
        // Actors and taxonomies defined twice in one batch would silently overwrite each other.
        let mut defined: HashMap<String, String> = HashMap::new();
        for path in files {
            let ext = source::extension(&path);
            if !is_metadata(&ext) {
                if Format::from_path(&path).is_some() {
                    texts.push(path);
                } else {
                    report
                        .failed
                        .push(ImportError::at(&path, None::<String>).because(format!(
                            "unsupported file type (supported: {})",
                            source::EXTENSIONS.join(", ")
                        )));
                }
                continue;
            }
            let bytes = match self.read_limited(source, &path) {
                Ok(b) => b,
                Err(e) => {
                    report.failed.push(e);
                    continue;
                }
            };
            report.bytes += bytes.len() as u64;
            let parsed = match ext.as_str() {
                "toml" => meta::parse_toml(&path, &bytes),
                "json" => meta::parse_json(&path, &bytes),
                _ => meta::parse_csv(&path, &bytes),
            };
            // Written one by one: a bad actor or taxonomy does not hold up the others.
            let store_error = |e: concord_store::StoreError| {
                ImportError::at(&path, None::<String>).because(e.to_string())
            };
            let mut once = |kind: &str, id: &str| -> Result<(), ImportError> {
                let here = path.display().to_string();
                match defined.insert(format!("{kind} {id}"), here.clone()) {
                    None => Ok(()),
                    Some(first) => Err(ImportError::at(&path, None::<String>).field("id").because(
                        if first == here {
                            format!("{kind} {id:?} is defined twice in this file")
                        } else {
                            format!("{kind} {id:?} is also defined in {first}")
                        },
                    )),
                }
            };
            for t in parsed.taxonomies {
                let written = match t {
                    Ok(t) => match once("taxonomy", t.id.as_str()) {
                        Ok(()) => self.store.put_taxonomy(&t).await.map_err(store_error),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                report.tally(written, |r| &mut r.taxonomies_written);
            }
            for a in parsed.actors {
                let written = match a {
                    Ok(a) => match once("actor", a.id.as_str()) {
                        Ok(()) => self.store.put_actor(&a).await.map_err(store_error),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                report.tally(written, |r| &mut r.actors_written);
            }
            for d in parsed.documents {
                match d {
                    Ok(r) => records.push(r),
                    Err(e) => report.failed.push(e),
                }
            }
        }

        // 2. Pair texts with metadata: named by `text = ...`, or a same-named sidecar.
        let text_set: HashSet<PathBuf> = texts.iter().cloned().collect();
        let mut by_stem: HashMap<PathBuf, &PathBuf> = HashMap::new();
        for t in &texts {
            // With several same-named texts (a.pdf, a.txt) the first in sorted order wins.
            by_stem.entry(t.with_extension("")).or_insert(t);
        }
        let mut claimed = HashSet::new();
        let mut units = vec![];
        for mut r in records {
            if r.text.is_none() && r.sole {
                let stem = Path::new(&r.origin.path).with_extension("");
                r.text = by_stem.get(&stem).map(|t| (*t).clone());
            }
            if let Some(t) = &r.text {
                if !text_set.contains(t) && !source.exists(t) {
                    report.failed.push(
                        r.origin
                            .clone()
                            .field("text")
                            .because(format!("text file {} not found", t.display())),
                    );
                    continue;
                }
                claimed.insert(t.clone());
            }
            let text = r.text.clone();
            units.push(Unit {
                record: Some(r),
                text,
            });
        }
        units.extend(
            texts
                .into_iter()
                .filter(|t| !claimed.contains(t))
                .map(|t| Unit {
                    record: None,
                    text: Some(t),
                }),
        );

        // 3. Documents.
        let known_actors: HashSet<String> = match self.store.list_actors().await {
            Ok(a) => a.into_iter().map(|a| a.id.to_string()).collect(),
            Err(e) => {
                report.failed.push(
                    ImportError::at(Path::new("<store>"), None::<String>).because(e.to_string()),
                );
                return report;
            }
        };
        let known_sources = match self.store.current_source_hashes().await {
            Ok(h) => h,
            Err(e) => {
                report.failed.push(
                    ImportError::at(Path::new("<store>"), None::<String>).because(e.to_string()),
                );
                return report;
            }
        };
        let mut seen_ids: HashMap<Slug, String> = HashMap::new();
        progress.start(units.len() as u64);
        for unit in units {
            let label = unit.label();
            match self
                .import_unit(source, unit, &known_actors, &known_sources, &mut seen_ids)
                .await
            {
                Ok((outcome, bytes, coverage, written)) => {
                    report.bytes += bytes;
                    report.written.extend(written);
                    match coverage {
                        Some((_, concord_tagger::Coverage::Tagged)) => report.tagged += 1,
                        Some((id, concord_tagger::Coverage::Untagged { reason })) => {
                            report.untagged.push(format!("{id}: {reason}"))
                        }
                        None => {}
                    }
                    match outcome {
                        WriteOutcome::Created => report.imported += 1,
                        WriteOutcome::Updated => report.updated += 1,
                        WriteOutcome::Unchanged => report.unchanged += 1,
                    }
                }
                Err(e) => report.failed.push(e),
            }
            progress.advance(&label);
        }
        report
    }

    fn read_limited(&self, source: &dyn FileSource, path: &Path) -> Result<Vec<u8>, ImportError> {
        let err = || ImportError::at(path, None::<String>);
        let size = source
            .size(path)
            .map_err(|e| err().because(e.to_string()))?;
        let max = self.options.limits.max_file_bytes;
        if size > max {
            return Err(err().because(format!(
                "file is {:.1} MiB, over the {:.1} MiB limit",
                size as f64 / 1048576.0,
                max as f64 / 1048576.0
            )));
        }
        source.read(path).map_err(|e| err().because(e.to_string()))
    }

    async fn import_unit(
        &self,
        source: &dyn FileSource,
        unit: Unit,
        known_actors: &HashSet<String>,
        known_sources: &HashSet<String>,
        seen_ids: &mut HashMap<Slug, String>,
    ) -> Result<
        (
            WriteOutcome,
            u64,
            Option<(Slug, concord_tagger::Coverage)>,
            Option<WrittenDocument>,
        ),
        ImportError,
    > {
        let text_bytes = match &unit.text {
            Some(p) => Some(self.read_limited(source, p)?),
            None => None,
        };
        let bytes = text_bytes.as_ref().map_or(0, |b| b.len() as u64);
        let (document, encoding, raw, origin) = match unit.record {
            Some(r) => (Some(r.document), r.encoding, r.raw, r.origin),
            None => {
                let path = unit.text.as_deref().unwrap_or(Path::new(""));
                // A bare text: its id comes from the file name, so the name is part of the input.
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                (
                    None,
                    None,
                    stem.as_bytes().to_vec(),
                    ImportError::at(path, None::<String>),
                )
            }
        };
        let text_path = unit.text.clone();
        let id = match &document {
            Some(d) => d.id.clone(),
            None => bare_id(text_path.as_deref().unwrap_or(Path::new("")), &origin)?,
        };
        check_duplicate(seen_ids, &id, &origin)?;
        // The tagger's version is part of the pipeline: a new tagger re-tags unchanged files.
        let tagger_version = match &self.options.tagger {
            Some(_) => concord_tagger::VERSION,
            None => "",
        };
        let source_hash = sha256_hex(&[
            PIPELINE_VERSION.as_bytes(),
            tagger_version.as_bytes(),
            &raw,
            encoding.as_deref().unwrap_or("").as_bytes(),
            text_bytes.as_deref().unwrap_or(b""),
        ]);
        if known_sources.contains(&source_hash) {
            return Ok((WriteOutcome::Unchanged, bytes, None, None));
        }

        let extracted =
            match (&text_path, &text_bytes) {
                (Some(path), Some(b)) => {
                    let format = Format::from_path(path).ok_or_else(|| {
                        ImportError::at(path, None::<String>).because("unsupported text format")
                    })?;
                    let opts = ExtractOptions {
                        declared_encoding: encoding.clone(),
                        limits: self.options.limits.clone(),
                    };
                    Some(concord_text::extract(b, format, &opts).map_err(|e| {
                        ImportError::at(path, None::<String>).because(e.to_string())
                    })?)
                }
                _ => None,
            };

        let doc =
            document.unwrap_or_else(|| bare_document(id, text_path.as_deref(), extracted.as_ref()));
        let mut doc = doc;
        if doc.languages.is_empty()
            && let Some(lang) = extracted.as_ref().and_then(|e| e.language.clone())
        {
            doc.languages.push(lang);
        }
        for (i, issuer) in doc.issuers.iter().enumerate() {
            if !known_actors.contains(issuer.as_str()) {
                return Err(origin
                    .clone()
                    .field(&format!("issuers[{i}]"))
                    .because(format!(
                        "unknown actor {:?}: define it in an actors file",
                        issuer.as_str()
                    )));
            }
        }
        doc.revision = None;
        let text = extracted.as_ref().map(|e| e.text.clone());
        let sections = extracted.map(|e| e.sections).unwrap_or_default();
        let mut coverage = None;
        if let (Some(tagger), Some(text)) = (&self.options.tagger, &text) {
            let report =
                tagger.tag_document(text, &sections, doc.languages.first().map(String::as_str));
            concord_tagger::merge_automatic(&mut doc.tags, tagger.scheme(), report.tags);
            coverage = Some((doc.id.clone(), report.coverage));
        }
        let content_hash = content_hash(&doc, text.as_deref());
        let source_label = match &text_path {
            Some(t) if t.display().to_string() != origin.path => {
                format!("{} + {}", origin.path, t.display())
            }
            _ => origin.path.clone(),
        };
        let new = NewDocument {
            document: doc,
            text,
            sections,
            content_hash,
            source_hash: Some(source_hash),
            source: Some(source_label),
        };
        let written = self.store.put_document(&new).await.map_err(|e| {
            origin
                .clone()
                .because(format!("could not store the document: {e}"))
        })?;
        let action = match written.outcome {
            WriteOutcome::Created => Some("created"),
            WriteOutcome::Updated => Some("updated"),
            WriteOutcome::Unchanged => None,
        };
        let record = action.map(|action| WrittenDocument {
            id: new.document.id.to_string(),
            version: written.version,
            action,
            content_hash: new.content_hash.clone(),
            source: new.source.clone().unwrap_or_default(),
        });
        Ok((written.outcome, bytes, coverage, record))
    }
}

/// The hash that decides whether a document changed: its metadata (without the revision) and
/// its normalised text. Anything that rewrites a document (e.g. `concord tag`) uses it too.
pub fn content_hash(doc: &Document, text: Option<&str>) -> String {
    let mut doc = doc.clone();
    doc.revision = None;
    sha256_hex(&[
        &serde_json::to_vec(&doc).expect("documents serialise"),
        text.unwrap_or("").as_bytes(),
    ])
}

fn check_duplicate(
    seen: &mut HashMap<Slug, String>,
    id: &Slug,
    origin: &ImportError,
) -> Result<(), ImportError> {
    let here = origin.to_string();
    let here = here
        .rsplit_once(": ")
        .map(|(a, _)| a.to_owned())
        .unwrap_or(here);
    if let Some(first) = seen.get(id) {
        return Err(origin.clone().field("id").because(format!(
            "document {:?} is also defined in {first} in this batch",
            id.as_str()
        )));
    }
    seen.insert(id.clone(), here);
    Ok(())
}

/// The id of a text file without metadata: its file name as a slug.
fn bare_id(path: &Path, origin: &ImportError) -> Result<Slug, ImportError> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    Slug::from_lossy(stem).ok_or_else(|| {
        origin.clone().because(
            "cannot derive a document id from the file name; add a metadata file with an `id`",
        )
    })
}

/// A document for a text file that has no metadata: title from the first line of the text
/// (else the file name). Nothing else is guessed.
fn bare_document(
    id: Slug,
    path: Option<&Path>,
    extracted: Option<&concord_text::Extracted>,
) -> Document {
    let first_line = extracted
        .and_then(|e| e.text.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|l| l.chars().take(200).collect::<String>());
    let stem = path
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let title = LocalizedText {
        original: Some(first_line.unwrap_or_else(|| stem.to_owned())),
        ..Default::default()
    };
    Document::new(id, title)
}

/// Identifies the bundled corpus: the import pipeline's version and a hash of every bundled file.
pub fn bundled_corpus_version() -> String {
    fn walk(dir: &'static include_dir::Dir<'static>, parts: &mut Vec<(String, &'static [u8])>) {
        for f in dir.files() {
            parts.push((f.path().to_string_lossy().into_owned(), f.contents()));
        }
        for d in dir.dirs() {
            walk(d, parts);
        }
    }
    let mut parts = vec![];
    walk(&BUNDLED_CORPUS, &mut parts);
    parts.sort();
    let mut h = Sha256::new();
    for (path, bytes) in parts {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    format!("{PIPELINE_VERSION}+{}", &hex::encode(h.finalize())[..16])
}

/// Imports the bundled corpus into `store` unless it was loaded before. Returns `None` when
/// there was nothing to do.
pub async fn load_bundled_corpus(
    store: &dyn Store,
) -> Result<Option<ImportReport>, concord_store::StoreError> {
    // The marker records which bundled corpus was loaded: a new release's corpus (new documents,
    // corrected facts, a revised taxonomy) is loaded over it; unchanged files are skipped.
    let version = bundled_corpus_version();
    if store.get_meta(BUNDLED_MARKER).await?.as_deref() == Some(version.as_str()) {
        return Ok(None);
    }
    // Everything at the top of data/corpus except its documentation.
    let roots: Vec<PathBuf> = BUNDLED_CORPUS
        .entries()
        .iter()
        .map(|e| e.path().to_path_buf())
        .filter(|p| {
            !p.to_string_lossy()
                .to_ascii_lowercase()
                .starts_with("readme")
        })
        .collect();
    let importer = Importer::new(store, ImportOptions::default());
    let report = importer
        .import(&EmbeddedSource(&BUNDLED_CORPUS), &roots, &Quiet)
        .await;
    // Even a partial load is recorded: a bad bundled file is a bug to fix, not to retry on
    // every start. The report says what failed.
    store.set_meta(BUNDLED_MARKER, &version).await?;
    Ok(Some(report))
}

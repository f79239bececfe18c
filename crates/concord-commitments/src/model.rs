//! Records: commitments, action reports, assessments, and their validation.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Invalid;

/// Longest text per language (characters). Keeps a logged record well under the ledger's
/// 65,535-byte entry limit even for Chinese text (3 bytes a character in UTF-8).
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest title, indicator, milestone description or note (characters).
pub const MAX_SHORT_CHARS: usize = 500;
/// Most signatories, principles, milestones, indicators or evidence items in one record.
pub const MAX_ITEMS: usize = 64;
/// Largest record as JSON (bytes): the whole record goes into one transparency-log entry,
/// which holds at most 65,535 bytes with its envelope.
pub const MAX_RECORD_BYTES: usize = 48_000;

/// A calendar day, `YYYY-MM-DD` (years 1000–9999). Deadlines and report dates are days: a
/// month-only date would make "has the deadline passed" ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        ((1000..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// The civil date `days` days after 1970-01-01 (proleptic Gregorian), clamped to the
    /// supported years. Ported from H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
    /// `civil_from_days` (https://howardhinnant.github.io/date_algorithms.html).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days.clamp(-354_000, 2_900_000) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(year.clamp(1000, 9999) as u16, month, day).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Today's date in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date::from_unix_days(secs.div_euclid(86_400))
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap =
                (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
            if leap { 29 } else { 28 }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("{s:?} is not a date (expected YYYY-MM-DD, e.g. 2025-02-10)");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            let p = &s[r];
            p.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| p.parse().ok())
                .flatten()
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(bad());
        };
        Date::new(y, m as u8, d as u8).ok_or_else(bad)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Text in Chinese and English; at least one is required for a commitment's text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Bilingual {
    /// The text in `lang` ("zh" or "en"), else the other one.
    pub fn best(&self, lang: &str) -> &str {
        let (first, second) = if lang == "zh" {
            (&self.zh, &self.en)
        } else {
            (&self.en, &self.zh)
        };
        first.as_deref().or(second.as_deref()).unwrap_or("")
    }

    fn is_empty(&self) -> bool {
        self.zh.as_deref().is_none_or(|t| t.trim().is_empty())
            && self.en.as_deref().is_none_or(|t| t.trim().is_empty())
    }
}

/// Where a commitment comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Origin {
    /// A document of the knowledge base (e.g. a safety-commitments pledge), optionally the
    /// part of it (`"Commitment III"`).
    Document {
        document: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locator: Option<String>,
    },
    /// A deliberation statement promoted to a draft commitment.
    Statement {
        conversation: String,
        statement: u32,
    },
}

/// An intermediate date on the way to the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub date: Date,
    pub description: String,
}

/// A signatory leaving a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub actor: String,
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A commitment: what was promised, by whom, by when, and how progress is measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Slug: `a-z`, `0-9`, `-`, `_`, 1–64 characters.
    pub id: String,
    pub title: Bilingual,
    /// The commitment in the platform's own words (never a copy of the source).
    pub text: Bilingual,
    pub origin: Origin,
    /// Actor ids of the signatories.
    #[serde(default)]
    pub signatories: Vec<String>,
    /// Principle ids (of the `concord` taxonomy) the commitment addresses.
    #[serde(default)]
    pub principles: Vec<String>,
    /// Empty when no deadline is verified; `uncertainty` then says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// How progress is measured.
    #[serde(default)]
    pub indicators: Vec<String>,
    #[serde(default)]
    pub withdrawals: Vec<Withdrawal>,
    /// A draft (e.g. promoted from a deliberation statement) has no status yet.
    #[serde(default)]
    pub draft: bool,
    /// What is not verified (deadline, signatory list, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<String>,
}

/// Who wrote an action report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportSource {
    /// The signatory itself.
    SelfReport,
    /// Anyone else (press, NGO, researcher).
    ThirdParty,
}

/// A link or an uploaded file (stored by its SHA-256 content hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence {
    Link {
        url: String,
    },
    File {
        /// Lowercase hex SHA-256 of the bytes.
        sha256: String,
        name: String,
        size: u64,
    },
}

/// A report of action taken by a signatory on a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionReport {
    /// Assigned by the store (`<commitment>.r<n>`); empty on input.
    #[serde(default)]
    pub id: String,
    pub commitment: String,
    /// The signatory whose action is reported.
    pub signatory: String,
    pub source: ReportSource,
    /// Who reports (an actor id for a self-report, else a name).
    pub reporter: String,
    pub date: Date,
    pub description: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// An independent reviewer's judgement of a signatory's implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    PartiallyMet,
    NotMet,
    OnTrack,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Met,
        Verdict::PartiallyMet,
        Verdict::NotMet,
        Verdict::OnTrack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::PartiallyMet => "partially_met",
            Verdict::NotMet => "not_met",
            Verdict::OnTrack => "on_track",
        }
    }
}

impl FromStr for Verdict {
    type Err = String;

    fn from_str(s: &str) -> Result<Verdict, String> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown verdict {s:?} (expected met, partially_met, not_met or on_track)")
            })
    }
}

/// An assessment, kept apart from action reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Assigned by the store (`<commitment>.a<n>`); empty on input.
    #[serde(default)]
    pub id: String,
    pub commitment: String,
    pub signatory: String,
    /// The reviewer (a person or organisation; must not be the signatory).
    pub assessor: String,
    pub date: Date,
    pub verdict: Verdict,
    pub rationale: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// Whether `id` is a valid commitment or actor slug.
pub fn valid_slug(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Collects every problem of a record, each naming its field.
#[derive(Default)]
struct Check(Vec<Invalid>);

impl Check {
    fn fail(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Invalid {
            field: field.into(),
            reason: reason.into(),
        });
    }

    fn slug(&mut self, field: &str, v: &str) {
        if !valid_slug(v) {
            self.fail(
                field,
                format!("{v:?} is not an id (1-64 characters: a-z, 0-9, - and _)"),
            );
        }
    }

    fn text(&mut self, field: &str, v: &str, max: usize, required: bool) {
        if required && v.trim().is_empty() {
            self.fail(field, "is required");
        }
        let n = v.chars().count();
        if n > max {
            self.fail(field, format!("is {n} characters long (at most {max})"));
        }
        if v.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.fail(field, "contains control characters");
        }
    }

    fn bilingual(&mut self, field: &str, v: &Bilingual, max: usize) {
        if v.is_empty() {
            self.fail(field, "needs a zh or en text");
        }
        for (lang, t) in [("zh", &v.zh), ("en", &v.en)] {
            if let Some(t) = t {
                self.text(&format!("{field}.{lang}"), t, max, false);
            }
        }
    }

    fn items<T>(&mut self, field: &str, v: &[T]) {
        if v.len() > MAX_ITEMS {
            self.fail(
                field,
                format!("has {} items (at most {MAX_ITEMS})", v.len()),
            );
        }
    }

    fn evidence(&mut self, field: &str, v: &[Evidence]) {
        self.items(field, v);
        for (i, e) in v.iter().enumerate() {
            let f = format!("{field}[{i}]");
            match e {
                Evidence::Link { url } => {
                    if !(url.starts_with("https://") || url.starts_with("http://"))
                        || url.len() > 2000
                        || url.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        self.fail(format!("{f}.url"), format!("{url:?} is not an http(s) URL"));
                    }
                }
                Evidence::File { sha256, name, .. } => {
                    if sha256.len() != 64
                        || !sha256
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    {
                        self.fail(
                            format!("{f}.sha256"),
                            "is not a lowercase hex SHA-256 (64 characters)",
                        );
                    }
                    self.text(&format!("{f}.name"), name, 200, true);
                }
            }
        }
    }

    /// The record must fit in one log entry.
    fn size<T: Serialize>(&mut self, record: &T) {
        let n = serde_json::to_vec(record).map_or(usize::MAX, |v| v.len());
        if n > MAX_RECORD_BYTES {
            self.fail(
                "record",
                format!(
                    "is {n} bytes as JSON (at most {MAX_RECORD_BYTES}, to fit in one transparency-log entry)"
                ),
            );
        }
    }

    fn done(self) -> Result<(), crate::Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Invalid(self.0))
        }
    }
}

impl Commitment {
    /// Checks the record on its own (references to actors, documents and principles are
    /// checked by the store, which knows them). Every problem is reported, each with its field.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let mut c = Check::default();
        c.slug("id", &self.id);
        c.bilingual("title", &self.title, MAX_SHORT_CHARS);
        c.bilingual("text", &self.text, MAX_TEXT_CHARS);
        match &self.origin {
            Origin::Document { document, locator } => {
                c.text("origin.document", document, 200, true);
                if let Some(l) = locator {
                    c.text("origin.locator", l, MAX_SHORT_CHARS, false);
                }
            }
            Origin::Statement { conversation, .. } => c.slug("origin.conversation", conversation),
        }
        c.items("signatories", &self.signatories);
        for (i, s) in self.signatories.iter().enumerate() {
            c.slug(&format!("signatories[{i}]"), s);
            if self.signatories[..i].contains(s) {
                c.fail(
                    format!("signatories[{i}]"),
                    format!("{s:?} is listed twice"),
                );
            }
        }
        if !self.draft && self.signatories.is_empty() {
            c.fail(
                "signatories",
                "a commitment that is not a draft needs a signatory",
            );
        }
        c.items("principles", &self.principles);
        for (i, p) in self.principles.iter().enumerate() {
            c.slug(&format!("principles[{i}]"), p);
            if self.principles[..i].contains(p) {
                c.fail(format!("principles[{i}]"), format!("{p:?} is listed twice"));
            }
        }
        c.items("milestones", &self.milestones);
        for (i, m) in self.milestones.iter().enumerate() {
            c.text(
                &format!("milestones[{i}].description"),
                &m.description,
                MAX_SHORT_CHARS,
                true,
            );
            if let Some(d) = self.deadline
                && m.date > d
            {
                c.fail(
                    format!("milestones[{i}].date"),
                    format!("{} is after the deadline {d}", m.date),
                );
            }
        }
        c.items("indicators", &self.indicators);
        for (i, t) in self.indicators.iter().enumerate() {
            c.text(&format!("indicators[{i}]"), t, MAX_SHORT_CHARS, true);
        }
        c.items("withdrawals", &self.withdrawals);
        for (i, w) in self.withdrawals.iter().enumerate() {
            if !self.signatories.contains(&w.actor) {
                c.fail(
                    format!("withdrawals[{i}].actor"),
                    format!("{:?} is not a signatory", w.actor),
                );
            }
            if let Some(n) = &w.note {
                c.text(&format!("withdrawals[{i}].note"), n, MAX_SHORT_CHARS, false);
            }
        }
        if let Some(u) = &self.uncertainty {
            c.text("uncertainty", u, MAX_TEXT_CHARS, false);
        }
        c.size(self);
        c.done()
    }
}

impl ActionReport {
    /// Checks the report against its commitment (the signatory must be one of its signatories,
    /// a self-report comes from that signatory).
    pub fn validate(&self, commitment: &Commitment) -> Result<(), crate::Error> {
        let mut c = Check::default();
        if self.commitment != commitment.id {
            c.fail("commitment", "does not match the commitment");
        }
        if !commitment.signatories.contains(&self.signatory) {
            c.fail(
                "signatory",
                format!(
                    "{:?} is not a signatory of {:?}",
                    self.signatory, commitment.id
                ),
            );
        }
        c.text("reporter", &self.reporter, 200, true);
        if self.source == ReportSource::SelfReport && self.reporter != self.signatory {
            c.fail(
                "reporter",
                "a self-report must come from the signatory (reporter = signatory)",
            );
        }
        c.text("description", &self.description, MAX_TEXT_CHARS, true);
        c.evidence("evidence", &self.evidence);
        c.size(self);
        c.done()
    }
}

impl Assessment {
    /// Checks the assessment against its commitment; an assessor cannot assess itself.
    pub fn validate(&self, commitment: &Commitment) -> Result<(), crate::Error> {
        let mut c = Check::default();
        if self.commitment != commitment.id {
            c.fail("commitment", "does not match the commitment");
        }
        if !commitment.signatories.contains(&self.signatory) {
            c.fail(
                "signatory",
                format!(
                    "{:?} is not a signatory of {:?}",
                    self.signatory, commitment.id
                ),
            );
        }
        c.text("assessor", &self.assessor, 200, true);
        if self.assessor == self.signatory {
            c.fail(
                "assessor",
                "an assessment must be independent: the assessor cannot be the signatory",
            );
        }
        c.text("rationale", &self.rationale, MAX_TEXT_CHARS, true);
        c.evidence("evidence", &self.evidence);
        c.size(self);
        c.done()
    }
}

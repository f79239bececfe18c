//! Deliberation pages and API: the list of stored conversations and each conversation's report
//! (opinion groups as an SVG scatter, what each group thinks, consensus, group-aware and
//! inclusive consensus with blockers, participation over time). Read-only; no JavaScript and
//! nothing loaded from elsewhere. The analysis runs on the blocking pool, off the async runtime.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use concord_deliberation::{
    Analysis, Conversation, Params, analyze, explain_groups, inclusive::GroupExplanation,
};
use concord_store::ConversationSummary;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::json;

use crate::{AppState, error::ApiError, i18n::Lang, pages};

/// The deliberation routes, merged into [`crate::router`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/deliberations", get(list_page))
        .route("/deliberations/{id}", get(report_page))
        .route("/api/v1/deliberations/{id}", get(report_api))
}

#[derive(Debug, Default, Deserialize)]
struct LangParam {
    lang: Option<String>,
}

fn lang_of(p: &LangParam, headers: &HeaderMap) -> Lang {
    Lang::negotiate(
        p.lang.as_deref(),
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn title(c: &ConversationSummary, lang: Lang) -> &str {
    let (first, second) = match lang {
        Lang::Zh => (&c.info.title_zh, &c.info.title_en),
        Lang::En => (&c.info.title_en, &c.info.title_zh),
    };
    first.as_deref().or(second.as_deref()).unwrap_or(&c.info.id)
}

/// A stored conversation with its analysis.
struct Report {
    summary: ConversationSummary,
    conv: Conversation,
    analysis: Analysis,
    explanations: Vec<GroupExplanation>,
    anonymous: BTreeMap<u32, bool>,
}

async fn load(s: &AppState, id: &str) -> Result<Option<Report>, ApiError> {
    let d = s.store.deliberation();
    let Some(summary) = d.get_conversation(id).await? else {
        return Ok(None);
    };
    let Some(conv) = d.load_conversation(id).await? else {
        return Ok(None);
    };
    let anonymous = d.anonymous_participants(id).await?;
    // PCA and clustering take seconds on large conversations: keep them off the runtime.
    let (conv, analysis, explanations) = tokio::task::spawn_blocking(move || {
        let a = analyze(&conv, &Params::default());
        let e = explain_groups(&conv, &a);
        (conv, a, e)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("deliberation analysis panicked: {e}")))?;
    Ok(Some(Report {
        summary,
        conv,
        analysis,
        explanations,
        anonymous,
    }))
}

async fn list_page(
    State(s): State<AppState>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang_of(&p, &headers);
    let all = s.store.deliberation().list_conversations().await?;
    let body = html! {
        h1 { (lang.t("delib.title")) }
        p class="muted" { (lang.t("delib.explain")) }
        p { a href={ "/deliberations/new?lang=" (lang.code()) } rel="nofollow" { (lang.t("part.new")) } }
        @if all.is_empty() {
            p { (lang.t("delib.none")) }
        } @else {
            table {
                thead { tr {
                    th { (lang.t("delib.conversation")) }
                    th { (lang.t("delib.status")) }
                    th { (lang.t("delib.participants")) }
                    th { (lang.t("delib.statements")) }
                    th { (lang.t("delib.votes")) }
                } }
                tbody {
                    @for c in &all {
                        tr {
                            td { a href={ "/deliberations/" (c.info.id) "?lang=" (lang.code()) } { (title(c, lang)) } }
                            td { (lang.t(status_key(c))) }
                            td { (c.participants) }
                            td { (c.statements) }
                            td { (c.votes) }
                        }
                    }
                }
            }
        }
    };
    let switch = format!("/deliberations?lang={}", lang.other().code());
    Ok(Html(pages::layout(
        lang,
        lang.t("delib.title"),
        &switch,
        body,
    )))
}

fn status_key(c: &ConversationSummary) -> &'static str {
    match c.info.status {
        concord_store::ConversationStatus::Open => "delib.open",
        concord_store::ConversationStatus::Closed => "delib.closed",
    }
}

async fn report_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = lang_of(&p, &headers);
    let Some(r) = load(&s, &id).await? else {
        return Ok((
            StatusCode::NOT_FOUND,
            Html(pages::not_found(lang, lang.t("delib.not_found"))),
        )
            .into_response());
    };
    let switch = format!(
        "/deliberations/{}?lang={}",
        r.summary.info.id,
        lang.other().code()
    );
    let name = title(&r.summary, lang).to_string();
    Ok(Html(pages::layout(lang, &name, &switch, report_html(lang, &r))).into_response())
}

async fn report_api(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(r) = load(&s, &id).await? else {
        return Err(ApiError::NotFound(format!("no deliberation {id:?}")));
    };
    Ok(Json(json!({
        "conversation": r.summary,
        "anonymous_participants": r.anonymous.values().filter(|a| **a).count(),
        "analysis": r.analysis,
        "explanations": r.explanations,
    })))
}

/// Colours of groups 0, 1, ... (distinguishable for the common colour-vision deficiencies).
const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];
/// Points drawn in the scatter at most; the table gives every group's size.
const MAX_POINTS: usize = 4000;

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn text_of(conv: &Conversation, tid: u32) -> &str {
    conv.statements
        .get(&tid)
        .map(|s| s.text.as_str())
        .unwrap_or("")
}

fn group_name(lang: Lang, g: u32) -> String {
    // Groups are shown as letters (A, B, ...), as Polis does.
    let letter = char::from(b'A' + (g % 26) as u8);
    format!("{} {letter}", lang.t("delib.group"))
}

fn scatter(lang: Lang, a: &Analysis) -> Markup {
    let (w, h, pad) = (480.0, 320.0, 12.0);
    let pts = &a.participant_projection;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in pts.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    let sx = if x1 > x0 {
        (w - 2.0 * pad) / (x1 - x0)
    } else {
        0.0
    };
    let sy = if y1 > y0 {
        (h - 2.0 * pad) / (y1 - y0)
    } else {
        0.0
    };
    let mut circles = String::new();
    for (row, p) in pts.iter().enumerate().take(MAX_POINTS) {
        if !(p[0].is_finite() && p[1].is_finite()) {
            continue;
        }
        let pid = a.pids[row];
        let fill = a
            .group_of
            .get(&pid)
            .map_or("#b0b0b0", |g| PALETTE[*g as usize % PALETTE.len()]);
        let cx = if sx > 0.0 {
            pad + (p[0] - x0) * sx
        } else {
            w / 2.0
        };
        let cy = if sy > 0.0 {
            h - pad - (p[1] - y0) * sy
        } else {
            h / 2.0
        };
        let _ = write!(
            circles,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="3" fill="{fill}" fill-opacity="0.7"/>"#
        );
    }
    let alt = lang
        .t("delib.map_alt")
        .replace("{participants}", &pts.len().to_string())
        .replace("{groups}", &a.groups.len().to_string());
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="delib-map-title"
                viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) style="max-width:100%;height:auto;border:1px solid #d0d7de" {
                title id="delib-map-title" { (alt) }
                (PreEscaped(circles))
            }
            figcaption class="muted" { (alt) " " (lang.t("delib.map_note")) }
        }
        table {
            caption { (lang.t("delib.groups_table")) }
            thead { tr {
                th { (lang.t("delib.group")) }
                th { (lang.t("delib.colour")) }
                th { (lang.t("delib.members")) }
                th { (lang.t("delib.centre")) }
            } }
            tbody {
                @for g in &a.groups {
                    tr {
                        td { (group_name(lang, g.id)) }
                        td { span style={ "color:" (PALETTE[g.id as usize % PALETTE.len()]) } { "●" } }
                        td { (g.members.len()) }
                        td { (format!("({:.2}, {:.2})", g.center[0], g.center[1])) }
                    }
                }
            }
        }
    }
}

/// Vote events per period: one bar per day, or per several days when the conversation ran
/// longer than 40 days.
fn participation(lang: Lang, conv: &Conversation, anonymous: &BTreeMap<u32, bool>) -> Markup {
    const DAY: i64 = 86_400_000;
    let (Some(first), Some(last)) = (
        conv.votes.iter().map(|v| v.timestamp_ms).min(),
        conv.votes.iter().map(|v| v.timestamp_ms).max(),
    ) else {
        return html! { p { (lang.t("delib.no_votes")) } };
    };
    let days = (last.div_euclid(DAY) - first.div_euclid(DAY)) + 1;
    let width_days = (days + 39) / 40;
    let start = first.div_euclid(DAY);
    let n = usize::try_from(days.div_euclid(width_days) + 1).unwrap_or(1);
    let mut bins = vec![(0u64, 0u64); n];
    // Distinct participants voting in each period.
    let mut voters = vec![std::collections::BTreeSet::new(); n];
    for v in &conv.votes {
        let i = usize::try_from((v.timestamp_ms.div_euclid(DAY) - start) / width_days)
            .unwrap_or(0)
            .min(n - 1);
        bins[i].0 += 1;
        voters[i].insert(v.pid);
        if anonymous.get(&v.pid).copied().unwrap_or(true) {
            bins[i].1 += 1;
        }
    }
    while bins.last().is_some_and(|b| b.0 == 0) && bins.len() > 1 {
        bins.pop();
    }
    let max = bins.iter().map(|b| b.0).max().unwrap_or(1).max(1) as f64;
    let (w, h) = (480.0, 120.0);
    let bw = w / bins.len() as f64;
    let mut bars = String::new();
    for (i, b) in bins.iter().enumerate() {
        let bh = b.0 as f64 / max * (h - 4.0);
        let _ = write!(
            bars,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#0072b2"/>"##,
            i as f64 * bw + 1.0,
            h - bh,
            (bw - 2.0).max(1.0)
        );
    }
    // Participants per period: a line on its own scale, over the bars.
    let pmax = voters.iter().map(|v| v.len()).max().unwrap_or(1).max(1) as f64;
    let points: Vec<String> = voters
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let y = h - 2.0 - v.len() as f64 / pmax * (h - 8.0);
            format!("{:.1},{y:.1}", i as f64 * bw + bw / 2.0)
        })
        .collect();
    let _ = write!(
        bars,
        r##"<polyline points="{}" fill="none" stroke="#d55e00" stroke-width="2"/>"##,
        points.join(" ")
    );
    let period = |i: usize| {
        let d0 = start + i as i64 * width_days;
        if width_days == 1 {
            ymd(d0)
        } else {
            format!("{} – {}", ymd(d0), ymd(d0 + width_days - 1))
        }
    };
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="delib-time-title"
                viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) style="max-width:100%;height:auto" {
                title id="delib-time-title" { (lang.t("delib.time_alt")) }
                (PreEscaped(bars))
            }
        }
        details {
            summary { (lang.t("delib.time_table")) }
            table {
                thead { tr {
                    th { (lang.t("delib.period")) }
                    th { (lang.t("delib.votes")) }
                    th { (lang.t("delib.anonymous_votes")) }
                    th { (lang.t("delib.participants")) }
                } }
                tbody {
                    @for (i, b) in bins.iter().enumerate() {
                        tr { td { (period(i)) } td { (b.0) } td { (b.1) } td { (voters[i].len()) } }
                    }
                }
            }
        }
    }
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian civil calendar:
/// days → era of 400 years → year of era → day of year → month and day).
fn ymd(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn report_html(lang: Lang, r: &Report) -> Markup {
    let a = &r.analysis;
    let conv = &r.conv;
    let anonymous_votes = conv
        .votes
        .iter()
        .filter(|v| r.anonymous.get(&v.pid).copied().unwrap_or(true))
        .count();
    let mut gac: Vec<(u32, f64)> = a
        .tids
        .iter()
        .copied()
        .zip(a.group_aware_consensus.iter().copied())
        .filter(|(t, _)| {
            conv.statements
                .get(t)
                .is_none_or(|s| !s.moderation.is_mod_out())
        })
        .collect();
    gac.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    gac.truncate(10);
    html! {
        h1 { (title(&r.summary, lang)) }
        @if !r.summary.info.description.is_empty() {
            p { (r.summary.info.description) }
        }
        p {
            (lang.t(status_key(&r.summary))) " · "
            (r.summary.participants) " " (lang.t("delib.participants")) " · "
            (r.summary.statements) " " (lang.t("delib.statements")) " · "
            (r.summary.votes) " " (lang.t("delib.votes")) " · "
            (anonymous_votes) " " (lang.t("delib.anonymous_votes"))
        }
        p { a href={ "/deliberations/" (r.summary.info.id) "/vote?lang=" (lang.code()) } { (lang.t("part.take_part")) } }
        h2 { (lang.t("delib.groups")) }
        (scatter(lang, a))
        h2 { (lang.t("delib.what_groups_think")) }
        @for e in &r.explanations {
            h3 { (group_name(lang, e.group)) " (" (e.size) ")" }
            ul {
                @for d in &e.defining {
                    li {
                        (d.text) " — "
                        @match d.direction {
                            concord_deliberation::stats::RepfulFor::Agree => (lang.t("delib.agree")),
                            concord_deliberation::stats::RepfulFor::Disagree => (lang.t("delib.disagree")),
                        }
                        " " (pct(d.group_share)) " (" (lang.t("delib.others")) " " (pct(d.rest_share)) ")"
                    }
                }
            }
        }
        h2 { (lang.t("delib.consensus")) }
        h3 { (lang.t("delib.consensus_agree")) }
        (consensus_list(lang, conv, &a.consensus.agree))
        (crate::commitments::promote_links(lang, &r.summary.info.id, a.consensus.agree.iter().map(|e| e.tid)))
        h3 { (lang.t("delib.consensus_disagree")) }
        (consensus_list(lang, conv, &a.consensus.disagree))
        h2 { (lang.t("delib.group_aware")) }
        p class="muted" { (lang.t("delib.group_aware_explain")) }
        ol {
            @for (tid, v) in &gac {
                li { (text_of(conv, *tid)) " — " (format!("{v:.3}")) }
            }
        }
        h2 { (lang.t("delib.inclusive")) }
        p class="muted" { (lang.t("delib.inclusive_explain")) }
        @if a.inclusive.consensus.is_empty() {
            p { (lang.t("delib.none_yet")) }
        }
        ul {
            @for s in &a.inclusive.consensus {
                li { (text_of(conv, s.tid)) " — " (lang.t("delib.min_agree")) " " (pct(s.min_p_agree)) }
            }
        }
        h3 { (lang.t("delib.near")) }
        ul {
            @for s in &a.inclusive.near {
                li {
                    (text_of(conv, s.tid)) " — " (lang.t("delib.blockers")) ": "
                    @for (i, b) in s.blockers.iter().enumerate() {
                        @if i > 0 { ", " }
                        @match b.kind {
                            concord_deliberation::inclusive::SegmentKind::Group => {
                                (b.id.parse::<u32>().map_or_else(|_| b.id.clone(), |g| group_name(lang, g)))
                            }
                            concord_deliberation::inclusive::SegmentKind::Category => {
                                (lang.t("delib.category")) " " (b.id)
                            }
                        }
                        " " (pct(b.p_agree)) " (" (b.votes) " " (lang.t("delib.votes")) ")"
                    }
                }
            }
        }
        h2 { (lang.t("delib.participation")) }
        (participation(lang, conv, &r.anonymous))
    }
}

fn consensus_list(
    lang: Lang,
    conv: &Conversation,
    entries: &[concord_deliberation::stats::ConsensusEntry],
) -> Markup {
    html! {
        @if entries.is_empty() {
            p { (lang.t("delib.none_yet")) }
        } @else {
            ul {
                @for e in entries {
                    li { (text_of(conv, e.tid)) " — " (pct(e.p_success)) " (" (e.n_trials) " " (lang.t("delib.votes")) ")" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(ymd(0), "1970-01-01");
        assert_eq!(ymd(-1), "1969-12-31");
        assert_eq!(ymd(19_723), "2024-01-01");
        assert_eq!(ymd(19_782), "2024-02-29");
        assert_eq!(ymd(11_016), "2000-02-29");
    }

    #[test]
    fn keys_exist_in_both_languages() {
        for key in [
            "delib.title",
            "delib.explain",
            "delib.none",
            "delib.conversation",
            "delib.status",
            "delib.participants",
            "delib.statements",
            "delib.votes",
            "delib.open",
            "delib.closed",
            "delib.not_found",
            "delib.group",
            "delib.map_alt",
            "delib.map_note",
            "delib.groups_table",
            "delib.colour",
            "delib.members",
            "delib.centre",
            "delib.no_votes",
            "delib.time_alt",
            "delib.time_table",
            "delib.period",
            "delib.anonymous_votes",
            "delib.groups",
            "delib.what_groups_think",
            "delib.agree",
            "delib.disagree",
            "delib.others",
            "delib.consensus",
            "delib.consensus_agree",
            "delib.consensus_disagree",
            "delib.group_aware",
            "delib.group_aware_explain",
            "delib.inclusive",
            "delib.inclusive_explain",
            "delib.none_yet",
            "delib.min_agree",
            "delib.near",
            "delib.blockers",
            "delib.category",
            "delib.participation",
        ] {
            assert_ne!(Lang::En.t(key), key, "{key}");
            assert_ne!(Lang::Zh.t(key), key, "{key}");
        }
    }
}

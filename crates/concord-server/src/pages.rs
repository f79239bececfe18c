//! Server-rendered pages in Chinese and English (no JavaScript): home, search, document.
//! maud escapes every interpolated value, so hostile titles cannot inject markup.

use concord_core::{Document, PrincipleTag, Provenance, Strength, VersionInfo};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::Lang;

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:0;color:#1f2328;line-height:1.5}\
header,main,footer{max-width:72rem;margin:0 auto;padding:.5rem 1rem}\
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:baseline;border-bottom:1px solid #d0d7de}\
header a{color:#0b4f8a}nav{display:flex;gap:1rem;flex:1}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e7eb;padding:.3rem;text-align:left;vertical-align:top}\
.muted{color:#57606a;font-size:.9em}mark{background:#fff3a3}input[type=search]{width:min(40rem,90%);padding:.4rem}\
.snippet b{background:#fff3a3;font-weight:normal}dt{font-weight:600}dd{margin:0 0 .4rem 0}\
.error{color:#a40e26;font-weight:600}fieldset{border:1px solid #d0d7de;margin:.5rem 0}\
#account{display:flex;gap:.5rem;align-items:baseline}#account form{display:inline;margin:0}\
.strength-obligation{color:#8a1c0b}.strength-recommendation{color:#7a5b00}.text{white-space:pre-wrap}";

/// The frame of every page. `switch` is the same page's URL in the other language.
pub fn layout(lang: Lang, title: &str, switch: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Concord" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { a href={ "/?lang=" (lang.code()) } { "Concord" } }
                    nav aria-label="main" {
                        a href={ "/?lang=" (lang.code()) } { (lang.t("nav.home")) }
                        a href={ "/documents?lang=" (lang.code()) } { (lang.t("nav.browse")) }
                        a href={ "/search?lang=" (lang.code()) } { (lang.t("nav.search")) }
                        a href={ "/best-practices?lang=" (lang.code()) } { (lang.t("nav.cases")) }
                        a href={ "/map?lang=" (lang.code()) } { (lang.t("nav.map")) }
                        a href={ "/consensus?lang=" (lang.code()) } { (lang.t("nav.consensus")) }
                        a href={ "/deliberations?lang=" (lang.code()) } { (lang.t("nav.deliberations")) }
                        a href={ "/commitments?lang=" (lang.code()) } { (lang.t("nav.commitments")) }
                        a href="/api/openapi.json" { (lang.t("nav.api")) }
                    }
                    a href=(switch) lang=(lang.other().code()) hreflang=(lang.other().code()) { (lang.t("lang.switch")) }
                    // Anonymous: a sign-in link. For a signed-in request, the `account` layer
                    // replaces this slot after the handler (and any response cache) is done.
                    span id="account" {
                        a href={ "/login?lang=" (lang.code()) } rel="nofollow" id="signin-link" { (lang.t("nav.signin")) }
                    }
                }
                main { (body) }
                footer class="muted" { (lang.t("site.tagline")) }
            }
        }
    }
    .into_string()
}

/// Serde's snake_case name of an enum value (`in_force`).
pub fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An enum value named in the page's language.
pub fn value<T: serde::Serialize>(lang: Lang, v: &T) -> String {
    lang.value(&snake(v))
}

fn title_in(d: &Document, lang: Lang) -> &str {
    d.title
        .best(&[lang.code(), "original"])
        .unwrap_or(d.id.as_str())
}

/// A table of documents.
pub fn documents_table(
    lang: Lang,
    docs: &[Document],
    bloc_of: &dyn Fn(&Document) -> String,
) -> Markup {
    html! {
        table {
            thead { tr {
                th { (lang.t("col.title")) } th { (lang.t("col.date")) } th { (lang.t("col.jurisdiction")) }
                th { (lang.t("col.bloc")) } th { (lang.t("col.instrument")) } th { (lang.t("col.force")) }
                th { (lang.t("col.status")) }
            } }
            tbody {
                @for d in docs {
                    tr {
                        td { a href={ "/documents/" (d.id.as_str()) "?lang=" (lang.code()) } { (title_in(d, lang)) } }
                        td { (d.dates.main().map(|x| x.to_string()).unwrap_or_default()) }
                        td { @if let Some(j) = &d.jurisdiction { a href={ "/jurisdictions/" (j.as_str()) "?lang=" (lang.code()) } { (j.as_str()) } } }
                        td { (bloc_of(d)) }
                        td { (d.instrument_type.map(|i| value(lang, &i)).unwrap_or_default()) }
                        td { (d.legal_force.map(|i| value(lang, &i)).unwrap_or_default()) }
                        td { (d.status.map(|i| value(lang, &i)).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// What the home page shows.
pub struct HomeData<'a> {
    pub total: u64,
    pub by_bloc: Vec<(String, u64)>,
    pub by_instrument: Vec<(String, u64)>,
    pub core: Vec<String>,
    pub docs: &'a [Document],
}

pub fn home(
    lang: Lang,
    h: &HomeData<'_>,
    bloc_of: &dyn Fn(&Document) -> String,
    principle: &dyn Fn(&str) -> String,
) -> String {
    let body = html! {
        h1 { "Concord" }
        p { (lang.t("site.tagline")) " — " strong { (h.total) } " " (lang.t("home.documents")) }
        form action="/search" method="get" role="search" {
            input type="hidden" name="lang" value=(lang.code());
            input type="search" name="q" aria-label=(lang.t("nav.search")) placeholder=(lang.t("search.placeholder"));
            " " button type="submit" { (lang.t("search.button")) }
        }
        h2 { (lang.t("home.core")) }
        p class="muted" { (lang.t("home.core_explain")) }
        @if h.core.is_empty() {
            p { (lang.t("home.core_none")) " " a href={ "/consensus?theta=0.3&lang=" (lang.code()) } { (lang.t("nav.consensus")) } }
        } @else {
            ul { @for p in &h.core { li { (principle(p)) } } }
        }
        h2 { (lang.t("home.by_bloc")) }
        p { @for (b, n) in &h.by_bloc { span { (b) ": " (n) } " · " } }
        h2 { (lang.t("home.by_instrument")) }
        p { @for (b, n) in &h.by_instrument { span { (b) ": " (n) } " · " } }
        h2 { (lang.t("home.all")) }
        (documents_table(lang, h.docs, bloc_of))
    };
    layout(
        lang,
        lang.t("nav.home"),
        &format!("/?lang={}", lang.other().code()),
        body,
    )
}

/// What the search page shows besides the query.
pub struct SearchView<'a> {
    pub results: Option<&'a concord_search::Results>,
    /// The facet filters as (param, value), in URL order.
    pub filters: &'a [(String, String)],
    /// Facet values among all matches, with counts.
    pub facets: &'a [Facet],
}

pub fn search(
    lang: Lang,
    q: &str,
    view: &SearchView<'_>,
    principle: &dyn Fn(&str) -> String,
) -> String {
    let base = format!("/search?q={}&", urlencode(q));
    let body = html! {
        h1 { (lang.t("nav.search")) }
        form action="/search" method="get" role="search" {
            input type="hidden" name="lang" value=(lang.code());
            @for (k, v) in view.filters {
                input type="hidden" name=(k) value=(v);
            }
            input type="search" name="q" value=(q) aria-label=(lang.t("nav.search")) placeholder=(lang.t("search.placeholder"));
            " " button type="submit" { (lang.t("search.button")) }
        }
        @if let Some(r) = view.results {
            p { strong { (r.total) } " " (lang.t("search.results")) }
            @if !r.principles.is_empty() {
                p class="muted" { (lang.t("search.expanded")) ": "
                    @for p in &r.principles { (principle(p)) " " } }
            }
            (facet_panel(lang, &base, view.filters, view.facets))
            @if r.items.is_empty() { p { (lang.t("search.none")) } }
            ol {
                @for hit in &r.items {
                    li {
                        a href={ "/documents/" (hit.id) "?lang=" (lang.code()) } { (hit.title) }
                        // tantivy's snippet HTML escapes the text and only adds <b>
                        div class="snippet muted" { (PreEscaped(&hit.snippet)) }
                    }
                }
            }
        }
    };
    let switch = filter_url(&base, lang.other(), view.filters, None, None);
    layout(lang, lang.t("nav.search"), &switch, body)
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn strength_label(lang: Lang, s: Option<Strength>) -> &'static str {
    match s {
        Some(Strength::Obligation) => lang.t("strength.obligation"),
        Some(Strength::Recommendation) => lang.t("strength.recommendation"),
        Some(Strength::Mention) => lang.t("strength.mention"),
        None => "",
    }
}

/// Everything the document page shows.
pub struct DocData<'a> {
    pub doc: &'a Document,
    pub issuers: Vec<String>,
    pub bloc: String,
    /// How many sections the text has.
    pub sections: u64,
    /// The text (only its first [`MAX_TEXT_CHARS`] characters are shown).
    pub text: Option<&'a str>,
    pub history: &'a [VersionInfo],
}

/// Longest text rendered in the page (the API serves all of it).
pub const MAX_TEXT_CHARS: usize = 200_000;

/// Walks a text forward, turning character offsets into byte offsets.
struct CharCursor<'a> {
    text: &'a str,
    chars: usize,
    byte: usize,
}

impl CharCursor<'_> {
    /// Moves forward to character `c` (or the end of the text, whichever comes first; never
    /// back) and returns where it is: (characters, bytes).
    fn to(&mut self, c: usize) -> (usize, usize) {
        while self.chars < c {
            match self.text[self.byte..].chars().next() {
                Some(ch) => {
                    self.byte += ch.len_utf8();
                    self.chars += 1;
                }
                None => break,
            }
        }
        (self.chars, self.byte)
    }
}

/// The text with the automatic tags' evidence spans marked. Spans are character offsets;
/// overlapping spans: the first one is marked. Slices of the text are rendered as they are
/// (no copy of the text per part).
fn marked_text(text: &str, tags: &[PrincipleTag]) -> Markup {
    marked_text_upto(text, tags, MAX_TEXT_CHARS)
}

/// [`marked_text`] of the first `max` characters.
fn marked_text_upto(text: &str, tags: &[PrincipleTag], max: usize) -> Markup {
    let mut spans: Vec<(usize, usize, &str)> = tags
        .iter()
        .filter(|t| t.provenance == Provenance::Automatic)
        .flat_map(|t| {
            t.evidence.iter().filter_map(move |e| {
                Some((e.start? as usize, e.end? as usize, t.principle.as_str()))
            })
        })
        .collect();
    spans.sort();
    let shown = CharCursor {
        text,
        chars: 0,
        byte: 0,
    }
    .to(max)
    .1;
    let text = &text[..shown];
    let mut cursor = CharCursor {
        text,
        chars: 0,
        byte: 0,
    };
    let mut parts: Vec<(&str, Option<&str>)> = vec![];
    // (characters, bytes) rendered so far
    let mut pos = (0usize, 0usize);
    for (s, e, p) in spans {
        if s < pos.0 {
            continue; // overlapping evidence: the first one is marked
        }
        let (cs, bs) = cursor.to(s);
        let (ce, be) = cursor.to(e);
        if cs >= ce {
            continue; // empty, reversed or past the end of the text
        }
        parts.push((&text[pos.1..bs], None));
        parts.push((&text[bs..be], Some(p)));
        pos = (ce, be);
    }
    parts.push((&text[pos.1..], None));
    html! {
        div class="text" {
            @for (t, p) in &parts {
                @if let Some(p) = p { mark title=(p) { (t) } } @else { (t) }
            }
        }
    }
}

pub fn document(lang: Lang, d: &DocData<'_>, principle: &dyn Fn(&str) -> String) -> String {
    let doc = d.doc;
    let title = title_in(doc, lang).to_owned();
    let summaries: Vec<(&str, &str)> = match lang {
        Lang::Zh => [("zh", &doc.summary.zh), ("en", &doc.summary.en)],
        Lang::En => [("en", &doc.summary.en), ("zh", &doc.summary.zh)],
    }
    .into_iter()
    .filter_map(|(l, s)| s.as_deref().map(|s| (l, s)))
    .collect();
    let body = html! {
        h1 { (title) }
        p class="muted" { a href={ "/documents/" (urlencode(doc.id.as_str())) "/edit?lang=" (lang.code()) } rel="nofollow" id="edit-link" { (lang.t("doc.edit")) } }
        @for t in [&doc.title.original, &doc.title.zh, &doc.title.en].into_iter().flatten() {
            @if t.as_str() != title { p class="muted" { (t) } }
        }
        h2 { (lang.t("doc.facts")) }
        dl {
            dt { (lang.t("doc.issuers")) } dd { (d.issuers.join("; ")) }
            dt { (lang.t("col.jurisdiction")) } dd { (doc.jurisdiction.as_ref().map(|j| j.as_str()).unwrap_or("")) " " (d.bloc) }
            dt { (lang.t("col.instrument")) } dd { (doc.instrument_type.map(|i| value(lang, &i)).unwrap_or_default()) }
            dt { (lang.t("col.force")) } dd { (doc.legal_force.map(|i| value(lang, &i)).unwrap_or_default()) }
            dt { (lang.t("doc.enforcement")) } dd { (doc.enforcement.iter().map(|e| value(lang, e)).collect::<Vec<_>>().join(", ")) }
            dt { (lang.t("col.status")) } dd { (doc.status.map(|i| value(lang, &i)).unwrap_or_default()) }
            dt { (lang.t("doc.dates")) }
            dd {
                @for (k, v) in [("published", doc.dates.published), ("adopted", doc.dates.adopted), ("in force", doc.dates.in_force), ("revoked", doc.dates.revoked)] {
                    @if let Some(v) = v { (k) " " (v.to_string()) "; " }
                }
            }
            dt { (lang.t("doc.languages")) } dd { (doc.languages.join(", ")) }
            @if !doc.source_urls.is_empty() {
                dt { (lang.t("doc.sources")) }
                dd { @for u in &doc.source_urls { a href=(u) rel="noopener noreferrer" { (u) } br; } }
            }
            @if let Some(l) = &doc.licence { dt { (lang.t("doc.licence")) } dd { (l) } }
        }
        @if !summaries.is_empty() {
            h2 { (lang.t("doc.summary")) }
            @for (l, s) in &summaries { p lang=(l) { (s) } }
        }
        @if !doc.tags.is_empty() {
            h2 { (lang.t("doc.principles")) }
            table {
                thead { tr { th { (lang.t("doc.principle")) } th { (lang.t("doc.strength")) } th { (lang.t("doc.evidence")) } th { (lang.t("doc.provenance")) } } }
                tbody {
                    @for t in &doc.tags {
                        tr {
                            td { (principle(&t.principle)) @if t.scheme.as_str() != "concord" { span class="muted" { " (" (t.scheme.as_str()) ")" } } }
                            td class={ "strength-" (t.strength.map(|s| s.as_str()).unwrap_or("")) } { (strength_label(lang, t.strength)) }
                            td {
                                @for e in &t.evidence {
                                    @if let Some(l) = &e.locator { (l) } @else if let (Some(s), Some(x)) = (e.start, e.end) { "[" (s) "–" (x) "]" }
                                    " "
                                }
                            }
                            td { @match t.provenance { Provenance::Manual => (lang.t("provenance.manual")), Provenance::Automatic => (lang.t("provenance.automatic")) } }
                        }
                    }
                }
            }
        }
        @if !doc.relations.is_empty() {
            h2 { (lang.t("doc.relations")) }
            ul { @for r in &doc.relations { li { (value(lang, &r.relation_type)) " " a href={ "/documents/" (r.target.as_str()) "?lang=" (lang.code()) } { (r.target.as_str()) } } } }
        }
        @if let Some(u) = &doc.uncertainty {
            h2 { (lang.t("doc.uncertainty")) }
            p class="muted" { (u) }
        }
        h2 { (lang.t("doc.cite")) }
        p {
            a href={ "/api/v1/documents/" (doc.id.as_str()) "/cite?format=bibtex" } { "BibTeX" } " · "
            a href={ "/api/v1/documents/" (doc.id.as_str()) "/cite?format=csl-json" } { "CSL-JSON" } " · "
            a href={ "/api/v1/documents/" (doc.id.as_str()) "/cite?format=ris" } { "RIS" } " · "
            a href={ "/api/v1/documents/" (doc.id.as_str()) } { "JSON" }
        }
        h2 { (lang.t("doc.history")) }
        ul { @for v in d.history { li { "v" (v.version) " · " (v.imported_at) } } }
        @if let Some(text) = d.text {
            h2 { (lang.t("doc.text")) }
            @if d.sections > 0 { p class="muted" { (d.sections) " sections" } }
            (marked_text(text, &doc.tags))
        }
    };
    layout(
        lang,
        &title,
        &format!(
            "/documents/{}?lang={}",
            doc.id.as_str(),
            lang.other().code()
        ),
        body,
    )
}

pub fn not_found(lang: Lang, message: &str) -> String {
    layout(
        lang,
        "404",
        &format!("/?lang={}", lang.other().code()),
        html! { h1 { "404" } p { (message) } },
    )
}

/// One facet: its parameter name, its title key, and (value, label, count) rows.
pub struct Facet {
    pub param: &'static str,
    pub title: &'static str,
    pub values: Vec<(String, String, usize)>,
}

/// What the browse page shows.
pub struct BrowseData<'a> {
    /// The current filters as (param, value), in URL order.
    pub filters: Vec<(String, String)>,
    pub facets: Vec<Facet>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub docs: &'a [Document],
}

fn url_with(
    lang: Lang,
    filters: &[(String, String)],
    set: Option<(&str, &str)>,
    page: Option<usize>,
) -> String {
    filter_url("/documents?", lang, filters, set, page)
}

/// `base` (a path and `?`, or a path, `?` and fixed parameters ending in `&`) with the language,
/// the filters (the one named in `set` replaced by its value, or removed when that is empty)
/// and the page.
fn filter_url(
    base: &str,
    lang: Lang,
    filters: &[(String, String)],
    set: Option<(&str, &str)>,
    page: Option<usize>,
) -> String {
    let mut parts: Vec<String> = vec![format!("lang={}", lang.code())];
    for (k, v) in filters {
        if set.is_some_and(|(sk, _)| sk == k) {
            continue;
        }
        parts.push(format!("{}={}", urlencode(k), urlencode(v)));
    }
    if let Some((k, v)) = set
        && !v.is_empty()
    {
        parts.push(format!("{}={}", urlencode(k), urlencode(v)));
    }
    if let Some(p) = page {
        parts.push(format!("page={p}"));
    }
    format!("{base}{}", parts.join("&"))
}

/// The active filters (each a link that removes it) and the facet lists (each value a link
/// that sets it), for the page at `base` (see [`filter_url`]).
fn facet_panel(lang: Lang, base: &str, filters: &[(String, String)], facets: &[Facet]) -> Markup {
    html! {
        @if !filters.is_empty() {
            p {
                @for (k, v) in filters {
                    a href=(filter_url(base, lang, filters, Some((k, "")), None)) title=(lang.t("browse.remove")) { (k) ": " (v) " ✕" } " "
                }
            }
        }
        div style="display:flex;flex-wrap:wrap;gap:1.5rem" {
            @for f in facets.iter().filter(|f| !f.values.is_empty()) {
                section aria-label=(lang.t(f.title)) {
                    h2 style="font-size:1rem" { (lang.t(f.title)) }
                    ul style="list-style:none;padding:0;margin:0" {
                        @for (v, label, n) in f.values.iter().take(15) {
                            li { a href=(filter_url(base, lang, filters, Some((f.param, v)), None)) { (label) } " " span class="muted" { (n) } }
                        }
                    }
                }
            }
        }
    }
}

pub fn browse(lang: Lang, b: &BrowseData<'_>, bloc_of: &dyn Fn(&Document) -> String) -> String {
    let body = html! {
        h1 { (lang.t("nav.browse")) }
        p { strong { (b.total) } " " (lang.t("home.documents")) }
        (facet_panel(lang, "/documents?", &b.filters, &b.facets))
        (documents_table(lang, b.docs, bloc_of))
        @if b.pages > 1 {
            nav aria-label="pages" {
                @if b.page > 1 { a href=(url_with(lang, &b.filters, None, Some(b.page - 1))) { "‹ " (b.page - 1) } " " }
                span { (b.page) " / " (b.pages) }
                @if b.page < b.pages { " " a href=(url_with(lang, &b.filters, None, Some(b.page + 1))) { (b.page + 1) " ›" } }
            }
        }
    };
    layout(
        lang,
        lang.t("nav.browse"),
        &url_with(lang.other(), &b.filters, None, Some(b.page)),
        body,
    )
}

/// The compare page: documents side by side.
pub fn compare(
    lang: Lang,
    docs: &[Document],
    principles: &[(String, String)],
    ids_param: &str,
) -> String {
    let cell = |d: &Document, p: &str| -> Markup {
        let tags: Vec<&PrincipleTag> = d
            .tags
            .iter()
            .filter(|t| t.principle == p && t.scheme.as_str() == "concord")
            .collect();
        if tags.is_empty() {
            return html! { "" };
        }
        let strength = tags.iter().filter_map(|t| t.strength).min();
        let locators: Vec<&str> = tags
            .iter()
            .flat_map(|t| t.evidence.iter().filter_map(|e| e.locator.as_deref()))
            .collect();
        html! {
            span class={ "strength-" (strength.map(|s| s.as_str()).unwrap_or("")) } {
                "✔ " (strength_label(lang, strength))
            }
            @if !locators.is_empty() { br; span class="muted" { (locators.join(", ")) } }
        }
    };
    let body = html! {
        h1 { (lang.t("nav.compare")) }
        table {
            thead { tr {
                td {}
                @for d in docs { th { a href={ "/documents/" (d.id.as_str()) "?lang=" (lang.code()) } { (title_in(d, lang)) } } }
            } }
            tbody {
                tr { th { (lang.t("col.jurisdiction")) } @for d in docs { td { (d.jurisdiction.as_ref().map(|j| j.as_str()).unwrap_or("")) } } }
                tr { th { (lang.t("col.instrument")) } @for d in docs { td { (d.instrument_type.map(|i| value(lang, &i)).unwrap_or_default()) } } }
                tr { th { (lang.t("col.force")) } @for d in docs { td { (d.legal_force.map(|i| value(lang, &i)).unwrap_or_default()) } } }
                tr { th { (lang.t("doc.enforcement")) } @for d in docs { td { (d.enforcement.iter().map(|e| value(lang, e)).collect::<Vec<_>>().join(", ")) } } }
                tr { th { (lang.t("col.status")) } @for d in docs { td { (d.status.map(|i| value(lang, &i)).unwrap_or_default()) } } }
                tr { th { (lang.t("col.date")) } @for d in docs { td { (d.dates.main().map(|x| x.to_string()).unwrap_or_default()) } } }
                @for (id, name) in principles {
                    tr { th { (name) } @for d in docs { td { (cell(d, id)) } } }
                }
            }
        }
    };
    layout(
        lang,
        lang.t("nav.compare"),
        &format!(
            "/compare?lang={}&ids={}",
            lang.other().code(),
            urlencode(ids_param)
        ),
        body,
    )
}

pub fn bad_request(lang: Lang, message: &str) -> String {
    layout(
        lang,
        "400",
        &format!("/?lang={}", lang.other().code()),
        html! { h1 { "400" } p { (message) } },
    )
}

/// The consensus page: a form over the analysis parameters, then the report.
pub struct ConsensusForm<'a> {
    pub theta: f64,
    pub min_docs: usize,
    pub by: &'a str,
    pub year_from: Option<u16>,
    pub year_to: Option<u16>,
    pub scheme: &'a str,
    pub schemes: Vec<String>,
}

pub fn consensus(lang: Lang, f: &ConsensusForm<'_>, report_html: &str, query: &str) -> String {
    let body = html! {
        style { (PreEscaped(concord_consensus::REPORT_STYLE)) }
        h1 { (lang.t("nav.consensus")) }
        p class="muted" { (lang.t("consensus.explain")) }
        form action="/consensus" method="get" {
            input type="hidden" name="lang" value=(lang.code());
            label { (lang.t("consensus.theta")) " " input type="number" name="theta" min="0" max="1" step="0.05" value=(f.theta); } " "
            label { (lang.t("consensus.min_docs")) " " input type="number" name="min_docs" min="1" max="1000" value=(f.min_docs); } " "
            label { (lang.t("consensus.by")) " "
                select name="by" {
                    @for (v, k) in [("bloc", "facet.bloc"), ("actor-type", "consensus.actor_type"), ("instrument", "facet.instrument")] {
                        option value=(v) selected[f.by == v] { (lang.t(k)) }
                    }
                }
            } " "
            label { (lang.t("consensus.scheme")) " "
                select name="scheme" {
                    @for sc in &f.schemes { option value=(sc) selected[f.scheme == sc] { (sc) } }
                }
            } " "
            label { (lang.t("consensus.from")) " " input type="number" name="year_from" min="1900" max="2100" value=[f.year_from]; } " "
            label { (lang.t("consensus.to")) " " input type="number" name="year_to" min="1900" max="2100" value=[f.year_to]; } " "
            button type="submit" { (lang.t("consensus.apply")) }
        }
        p { a href={ "/api/v1/consensus?format=html&" (query) } { "HTML" } " · " a href={ "/api/v1/consensus?" (query) } { "JSON" } }
        (PreEscaped(report_html))
    };
    layout(
        lang,
        lang.t("nav.consensus"),
        &format!("/consensus?lang={}&{}", lang.other().code(), query),
        body,
    )
}

/// A peer document: id, title, whether it is a best-practice case.
pub type Peer = (String, String, bool);

/// A jurisdiction's profile and gap analysis.
pub struct Profile<'a> {
    pub code: &'a str,
    pub docs: &'a [Document],
    /// year → (documents, binding documents)
    pub years: Vec<(u16, usize, usize)>,
    /// (principle id, label, share of its documents, binding share, in the core)
    pub coverage: Vec<(String, String, f64, f64, bool)>,
    /// (principle label, peers that address it)
    pub gaps: Vec<(String, Vec<Peer>)>,
    pub theta: f64,
}

pub fn profile(lang: Lang, p: &Profile<'_>, bloc_of: &dyn Fn(&Document) -> String) -> String {
    let body = html! {
        h1 { (lang.t("profile.title")) ": " (p.code) }
        p { strong { (p.docs.len()) } " " (lang.t("home.documents")) }
        h2 { (lang.t("profile.over_time")) }
        table {
            thead { tr { th { (lang.t("facet.year")) } th { (lang.t("home.documents")) } th { (lang.t("profile.binding")) } } }
            tbody { @for (y, n, b) in &p.years { tr { td { (y) } td { (n) } td { (b) } } } }
        }
        h2 { (lang.t("profile.coverage")) }
        table {
            thead { tr { th { (lang.t("doc.principle")) } th { (lang.t("profile.share")) } th { (lang.t("profile.binding")) } th { (lang.t("home.core")) } } }
            tbody {
                @for (_, label, share, binding, core) in &p.coverage {
                    tr { td { (label) } td { (format!("{:.0}%", share * 100.0)) } td { (format!("{:.0}%", binding * 100.0)) } td { @if *core { "✔" } } }
                }
            }
        }
        h2 { (lang.t("profile.gaps")) }
        p class="muted" { (lang.t("profile.gaps_explain")) " (θ = " (p.theta) ")" }
        @if p.gaps.is_empty() { p { (lang.t("profile.no_gaps")) } }
        @for (label, peers) in &p.gaps {
            h3 { (label) }
            ul {
                @for (id, title, case) in peers {
                    li { a href={ "/documents/" (id) "?lang=" (lang.code()) } { (title) } @if *case { " " span class="muted" { "(" (lang.t("profile.case")) ")" } } }
                }
            }
        }
        h2 { (lang.t("home.all")) }
        (documents_table(lang, p.docs, bloc_of))
    };
    layout(
        lang,
        lang.t("profile.title"),
        &format!("/jurisdictions/{}?lang={}", p.code, lang.other().code()),
        body,
    )
}

fn summary_in(d: &Document, lang: Lang) -> Option<&str> {
    match lang {
        Lang::Zh => d.summary.zh.as_deref().or(d.summary.en.as_deref()),
        Lang::En => d.summary.en.as_deref().or(d.summary.zh.as_deref()),
    }
}

/// The best-practice case library.
pub fn best_practices(
    lang: Lang,
    cases: &[Document],
    blocs: &[(String, String, usize)],
    chosen: Option<&str>,
    bloc_of: &dyn Fn(&Document) -> String,
) -> String {
    let body = html! {
        h1 { (lang.t("nav.cases")) }
        p class="muted" { (lang.t("cases.explain")) }
        p {
            a href={ "/best-practices?lang=" (lang.code()) } { (lang.t("cases.all")) } " · "
            @for (id, name, n) in blocs {
                @if chosen == Some(id.as_str()) { strong { (name) " " (n) } } @else {
                    a href={ "/best-practices?lang=" (lang.code()) "&bloc=" (id) } { (name) } " " span class="muted" { (n) }
                }
                " · "
            }
        }
        @for d in cases {
            article {
                h2 style="font-size:1.1rem" { a href={ "/documents/" (d.id.as_str()) "?lang=" (lang.code()) } { (title_in(d, lang)) } }
                p class="muted" {
                    (d.jurisdiction.as_ref().map(|j| j.as_str()).unwrap_or("")) " · " (bloc_of(d)) " · "
                    (d.dates.main().map(|x| x.to_string()).unwrap_or_default())
                }
                @if let Some(s) = summary_in(d, lang) { p { (s) } }
            }
        }
    };
    layout(
        lang,
        lang.t("nav.cases"),
        &format!(
            "/best-practices?lang={}{}",
            lang.other().code(),
            chosen.map(|b| format!("&bloc={b}")).unwrap_or_default()
        ),
        body,
    )
}

/// Country outlines (see data/README.md).
#[derive(serde::Deserialize)]
pub struct World {
    pub width: u32,
    pub height: u32,
    pub countries: std::collections::BTreeMap<String, WorldCountry>,
}

#[derive(serde::Deserialize)]
pub struct WorldCountry {
    pub name: String,
    pub d: String,
}

pub fn world() -> &'static World {
    static W: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        serde_json::from_str(include_str!("../data/world-110m.json")).expect("bundled map parses")
    })
}

/// White → blue for a value in [0, 1].
fn shade(v: f64) -> String {
    let v = v.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * v).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(222.0, 8.0),
        mix(235.0, 48.0),
        mix(247.0, 107.0)
    )
}

/// The map page: countries coloured by `values` (code → (value in [0,1], caption)).
pub fn map(
    lang: Lang,
    metric: &str,
    principle: Option<&str>,
    principles: &[(String, String)],
    values: &std::collections::HashMap<String, (f64, String)>,
    regional: &[(String, usize)],
) -> String {
    let w = world();
    let body = html! {
        h1 { (lang.t("nav.map")) }
        form action="/map" method="get" {
            input type="hidden" name="lang" value=(lang.code());
            label { (lang.t("map.metric")) " "
                select name="metric" {
                    @for (v, k) in [("documents", "map.documents"), ("binding", "map.binding"), ("principle", "map.principle")] {
                        option value=(v) selected[metric == v] { (lang.t(k)) }
                    }
                }
            } " "
            label { (lang.t("doc.principle")) " "
                select name="principle" {
                    @for (id, name) in principles { option value=(id) selected[principle == Some(id.as_str())] { (name) } }
                }
            } " "
            button type="submit" { (lang.t("consensus.apply")) }
        }
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w.width) " " (w.height) } role="group" aria-label=(lang.t("nav.map")) style="width:100%;height:auto;background:#f6f8fa" {
            @for (code, c) in &w.countries {
                @let v = values.get(code);
                a href={ "/jurisdictions/" (code) "?lang=" (lang.code()) } {
                    path d=(c.d) fill=(v.map(|(x, _)| shade(*x)).unwrap_or_else(|| "#eeeeee".into())) stroke="#ffffff" stroke-width="0.3" {
                        title { (c.name) " (" (code) ")" @if let Some((_, cap)) = v { ": " (cap) } }
                    }
                }
            }
        }
        p class="muted" { (lang.t("map.legend")) }
        @if !regional.is_empty() {
            p { (lang.t("map.regional")) ": " @for (code, n) in regional { a href={ "/jurisdictions/" (code) "?lang=" (lang.code()) } { (code) } " " (n) " · " } }
        }
    };
    layout(
        lang,
        lang.t("nav.map"),
        &format!(
            "/map?lang={}&metric={metric}{}",
            lang.other().code(),
            principle
                .map(|p| format!("&principle={p}"))
                .unwrap_or_default()
        ),
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The page's former rendering (a `Vec<char>` of the text and a `String` per part): the
    /// slicing version must mark exactly the same spans.
    fn marked_text_by_chars(text: &str, tags: &[PrincipleTag], max: usize) -> String {
        let mut spans: Vec<(usize, usize, &str)> = tags
            .iter()
            .filter(|t| t.provenance == Provenance::Automatic)
            .flat_map(|t| {
                t.evidence.iter().filter_map(move |e| {
                    Some((e.start? as usize, e.end? as usize, t.principle.as_str()))
                })
            })
            .collect();
        spans.sort();
        let chars: Vec<char> = text.chars().take(max).collect();
        let mut parts: Vec<(String, Option<String>)> = vec![];
        let mut pos = 0usize;
        for (s, e, p) in spans {
            let (s, e) = (s.min(chars.len()), e.min(chars.len()));
            if s < pos || s >= e {
                continue;
            }
            parts.push((chars[pos..s].iter().collect(), None));
            parts.push((chars[s..e].iter().collect(), Some(p.to_owned())));
            pos = e;
        }
        parts.push((chars[pos..].iter().collect(), None));
        html! {
            div class="text" {
                @for (t, p) in &parts {
                    @if let Some(p) = p { mark title=(p) { (t) } } @else { (t) }
                }
            }
        }
        .into_string()
    }

    fn tag(principle: &str, spans: &[(u32, u32)], automatic: bool) -> PrincipleTag {
        let evidence: Vec<_> = spans
            .iter()
            .map(|(s, e)| serde_json::json!({ "start": s, "end": e }))
            .collect();
        serde_json::from_value(serde_json::json!({
            "scheme": "concord",
            "principle": principle,
            "evidence": evidence,
            "provenance": if automatic { "automatic" } else { "manual" },
        }))
        .unwrap()
    }

    #[test]
    fn evidence_is_marked_by_character() {
        let text = "第一条 数据安全 and privacy <b>";
        let tags = [
            tag("security", &[(4, 8)], true),
            tag("privacy", &[(13, 20)], true),
        ];
        let html = marked_text(text, &tags).into_string();
        assert_eq!(
            html,
            "<div class=\"text\">第一条 <mark title=\"security\">数据安全</mark> and \
             <mark title=\"privacy\">privacy</mark> &lt;b&gt;</div>"
        );
        assert_eq!(html, marked_text_by_chars(text, &tags, MAX_TEXT_CHARS));
    }

    proptest! {
        #[test]
        fn slicing_marks_what_the_char_vector_marked(
            text in "[a-z数据安全 é<&]{0,40}",
            spans in proptest::collection::vec((0u32..50, 0u32..50, 0usize..3, any::<bool>()), 0..8),
            max in 0usize..45,
        ) {
            let tags: Vec<PrincipleTag> = spans
                .iter()
                .map(|(s, e, p, auto)| tag(["a", "b", "c"][*p], &[(*s, *e)], *auto))
                .collect();
            prop_assert_eq!(
                marked_text_upto(&text, &tags, max).into_string(),
                marked_text_by_chars(&text, &tags, max)
            );
        }
    }
}

//! Facets of documents: the values the browse page and the search page filter and count by.
//! One definition, so that a filter link from one page means the same on the other.

use std::collections::BTreeMap;

use concord_core::{BlocSet, Document};

use crate::i18n::Lang;
use crate::pages;

/// (URL parameter, title key) of every facet, in the order pages show them.
pub const FACETS: [(&str, &str); 8] = [
    ("bloc", "facet.bloc"),
    ("jurisdiction", "facet.jurisdiction"),
    ("instrument", "facet.instrument"),
    ("force", "facet.force"),
    ("status", "facet.status"),
    ("principle", "facet.principle"),
    ("dimension", "facet.dimension"),
    ("year", "facet.year"),
];

/// The facet values of `d` as (parameter, value); empty values are left out.
pub fn values(blocs: &BlocSet, d: &Document) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    if let Some(b) = blocs.bloc_for(&d.issuers, d.jurisdiction.as_ref()) {
        out.push(("bloc", b.id.to_string()));
    }
    if let Some(j) = &d.jurisdiction {
        out.push(("jurisdiction", j.as_str().to_owned()));
    }
    if let Some(i) = &d.instrument_type {
        out.push(("instrument", pages::snake(i)));
    }
    if let Some(f) = &d.legal_force {
        out.push(("force", pages::snake(f)));
    }
    if let Some(s) = &d.status {
        out.push(("status", pages::snake(s)));
    }
    let mut principles: Vec<&str> = d
        .tags
        .iter()
        .filter(|t| t.scheme.as_str() == "concord")
        .map(|t| t.principle.as_str())
        .collect();
    principles.sort_unstable();
    principles.dedup();
    out.extend(principles.into_iter().map(|p| ("principle", p.to_owned())));
    for dim in &d.dimensions {
        out.push(("dimension", pages::snake(dim)));
    }
    if let Some(date) = d.dates.main() {
        out.push(("year", date.year().to_string()));
    }
    out.retain(|(_, v)| !v.is_empty());
    out
}

/// Whether `d`'s values (from [`values`]) satisfy every filter (values compared ignoring ASCII
/// case, as typed URLs may differ).
pub fn matches(values: &[(&str, String)], filters: &[(String, String)]) -> bool {
    filters.iter().all(|(k, v)| {
        values
            .iter()
            .any(|(name, x)| name == k && x.eq_ignore_ascii_case(v))
    })
}

/// The filters chosen in a request from the facet parameters' values, given in [`FACETS`]
/// order: (parameter, value) for every one set and not blank, values cut to 100 characters.
pub fn chosen(values: [&Option<String>; FACETS.len()]) -> Vec<(String, String)> {
    FACETS
        .iter()
        .zip(values)
        .filter_map(|((k, _), v)| {
            let v = v.as_deref()?.trim();
            (!v.is_empty()).then(|| (k.to_string(), v.chars().take(100).collect()))
        })
        .collect()
}

/// Counted values of every facet, labelled in `lang` and ordered for display (years newest
/// first, everything else most frequent first).
pub fn labelled(
    lang: Lang,
    counts: &BTreeMap<&str, BTreeMap<String, usize>>,
    bloc_name: &dyn Fn(&str) -> String,
    principle_name: &dyn Fn(&str) -> String,
) -> Vec<pages::Facet> {
    FACETS
        .iter()
        .map(|(param, title)| {
            let mut values: Vec<(String, String, usize)> = counts
                .get(param)
                .into_iter()
                .flatten()
                .map(|(v, n)| {
                    let label = match *param {
                        "bloc" => bloc_name(v),
                        "principle" => principle_name(v),
                        _ => lang.value(v),
                    };
                    (v.clone(), label, *n)
                })
                .collect();
            if *param == "year" {
                values.sort_by(|a, b| b.0.cmp(&a.0));
            } else {
                values.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
            }
            pages::Facet {
                param,
                title,
                values,
            }
        })
        .collect()
}

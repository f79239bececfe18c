use std::collections::HashSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Dimension, LocalizedText, ModelErrors, Slug};

/// A named, versioned scheme of principles. Several schemes can tag the same documents; a
/// crosswalk maps a principle to its counterparts in other schemes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub id: Slug,
    /// Free-form version label, e.g. `1` or `2024-05`.
    pub version: String,
    pub name: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub principles: Vec<Principle>,
}

/// One principle of a taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Principle {
    /// A slug in Concord's own schemes; in schemes taken from published studies, the published
    /// name verbatim (e.g. `Transparency/Explainability/Auditability`), so labels from those
    /// studies load without translation. See [`valid_principle_id`].
    pub id: String,
    pub label: LocalizedText,
    #[serde(default)]
    pub definition: LocalizedText,
    /// The governance dimension it belongs to; `None` for cross-cutting principles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<Dimension>,
    /// Terms, synonyms and common phrasings that signal the principle, to seed automatic tagging.
    #[serde(default)]
    pub lexicon: Lexicon,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crosswalk: Vec<Crosswalk>,
}

/// Keyword lists per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zh: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub en: Vec<String>,
}

/// Correspondence between a principle and one in another scheme. Principle ids of published
/// schemes are their published names verbatim, so they are free text, not slugs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub scheme: Slug,
    pub principle: String,
}

impl Taxonomy {
    pub fn principle(&self, id: &str) -> Option<&Principle> {
        self.principles.iter().find(|p| p.id == id)
    }

    pub fn validate(&self) -> Result<(), ModelErrors> {
        let mut errs = ModelErrors::default();
        if self.version.trim().is_empty() {
            errs.push("version", "is empty");
        }
        let mut seen = HashSet::new();
        for (i, p) in self.principles.iter().enumerate() {
            if !seen.insert(&p.id) {
                errs.push(
                    format!("principles[{i}].id"),
                    format!("duplicate principle {:?}", p.id.as_str()),
                );
            }
            if p.label.is_empty() {
                errs.push(format!("principles[{i}].label"), "a label is required");
            }
            // The tagger's matcher cannot hold control characters, and no term needs one.
            for (lang, terms) in [("zh", &p.lexicon.zh), ("en", &p.lexicon.en)] {
                for (j, term) in terms.iter().enumerate() {
                    if term.chars().any(char::is_control) {
                        errs.push(
                            format!("principles[{i}].lexicon.{lang}[{j}]"),
                            format!("term {term:?} contains control characters"),
                        );
                    }
                }
            }
        }
        errs.into_result()
    }
}

/// A principle id: non-empty, at most 200 characters, no surrounding spaces or control
/// characters.
pub fn valid_principle_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        Err("principle id is empty".into())
    } else if id.trim() != id {
        Err(format!("principle id {id:?} has surrounding spaces"))
    } else if id.chars().count() > 200 {
        Err("principle id is longer than 200 characters".into())
    } else if id.chars().any(char::is_control) {
        Err(format!("principle id {id:?} contains control characters"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_principles_are_reported() {
        let t: Taxonomy = toml::from_str(
            r#"
            id = "demo"
            version = "1"
            name = { en = "Demo" }
            [[principles]]
            id = "privacy"
            label = { en = "Privacy", zh = "隐私" }
            dimension = "security"
            [[principles]]
            id = "privacy"
            label = { en = "Privacy again" }
            "#,
        )
        .unwrap();
        let errs = t.validate().unwrap_err();
        assert_eq!(errs.0[0].field, "principles[1].id");
        assert!(t.principle("privacy").is_some());
    }

    #[test]
    fn lexicon_terms_with_control_characters_are_reported() {
        let t: Taxonomy = toml::from_str(
            r#"
            id = "demo"
            version = "1"
            name = { en = "Demo" }
            [[principles]]
            id = "privacy"
            label = { en = "Privacy" }
            dimension = "security"
            lexicon = { en = ["privacy", "data\u0000protection"] }
            "#,
        )
        .unwrap();
        let errs = t.validate().unwrap_err();
        assert_eq!(errs.0[0].field, "principles[0].lexicon.en[1]");
    }

    #[test]
    fn published_names_are_valid_principle_ids() {
        assert!(valid_principle_id("Transparency/Explainability/Auditability").is_ok());
        assert!(valid_principle_id("Justice & fairness").is_ok());
        assert!(valid_principle_id("").is_err());
        assert!(valid_principle_id(" padded").is_err());
        assert!(valid_principle_id("line\nbreak").is_err());
    }
}

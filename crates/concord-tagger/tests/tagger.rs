//! The lexicon tagger with the bundled Concord taxonomy: strength, negation and exclusions in
//! both languages, evidence spans, unsupported input.

use std::sync::OnceLock;

use concord_core::{Section, SectionKind, Strength, Taxonomy};
use concord_tagger::{Coverage, Crosswalk, Tagger};
use proptest::prelude::*;

fn taxonomy(name: &str) -> Taxonomy {
    let path = format!(
        "{}/../../data/corpus/taxonomy/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tagger() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| Tagger::new(&taxonomy("concord-v1")).unwrap())
}

/// (principle, strength) pairs of a short text.
fn tags(text: &str) -> Vec<(String, Strength)> {
    tagger()
        .tag_text(text)
        .into_iter()
        .map(|t| (t.principle, t.strength.unwrap()))
        .collect()
}

fn has(text: &str, principle: &str) -> Option<Strength> {
    tags(text)
        .into_iter()
        .find(|(p, _)| p == principle)
        .map(|(_, s)| s)
}

#[test]
fn strength_is_classified_in_english() {
    assert_eq!(
        has(
            "Providers shall protect the personal data of users.",
            "privacy"
        ),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has(
            "Deployers must not process personal data without a legal basis.",
            "privacy"
        ),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has(
            "Developers should protect personal data throughout the lifecycle.",
            "privacy"
        ),
        Some(Strength::Recommendation)
    );
    assert_eq!(
        has(
            "Member States are encouraged to protect personal data in AI systems.",
            "privacy"
        ),
        Some(Strength::Recommendation)
    );
    assert_eq!(
        has(
            "Personal data is the raw material of many AI systems.",
            "privacy"
        ),
        Some(Strength::Mention)
    );
    // "may" grants permission: no duty
    assert_eq!(
        has(
            "Providers may process personal data for testing.",
            "privacy"
        ),
        Some(Strength::Mention)
    );
}

#[test]
fn a_mere_mention_needs_more_than_one_common_word() {
    assert_eq!(has("Privacy matters to many people.", "privacy"), None);
    assert_eq!(
        has("Privacy shall be respected.", "privacy"),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has(
            "Privacy and personal data matter to many people.",
            "privacy"
        ),
        Some(Strength::Mention)
    );
}

#[test]
fn strength_is_classified_in_chinese() {
    assert_eq!(
        has("提供者应当依法保护用户的个人信息。", "privacy"),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has("任何组织不得非法收集个人信息。", "privacy"),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has("鼓励企业加强个人信息保护。", "privacy"),
        Some(Strength::Recommendation)
    );
    assert_eq!(
        has("个人信息是人工智能发展的重要资源。", "privacy"),
        Some(Strength::Mention)
    );
}

#[test]
fn granted_rights_are_obligations() {
    assert_eq!(
        has("个人有权要求处理者对自动化决策作出解释。", "transparency"),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has(
            "The data subject has the right to obtain an explanation of the decision.",
            "transparency"
        ),
        Some(Strength::Obligation)
    );
}

#[test]
fn single_character_cues_do_not_fire_inside_other_words() {
    // 应 in 应用 is "application", not "shall"
    assert_eq!(
        has("人工智能在医疗领域的应用涉及个人信息。", "privacy"),
        Some(Strength::Mention)
    );
    // 须 in 须知 is "notice", not "must"
    assert_eq!(
        has("用户须知载明个人信息的处理方式。", "privacy"),
        Some(Strength::Mention)
    );
}

#[test]
fn scope_exclusions_are_not_commitments() {
    assert_eq!(
        tags(
            "This Regulation shall not apply to AI systems used for scientific research and innovation."
        ),
        vec![]
    );
    assert_eq!(
        tags("本办法不适用于未向境内公众提供服务的研发和创新活动。"),
        vec![]
    );
    assert_eq!(
        tags("Nothing in this Act affects the rules on personal data protection."),
        vec![]
    );
    // an exception removes only what follows it, up to the comma
    let t = tags(
        "Providers shall ensure transparency, except for systems used in scientific research.",
    );
    assert!(t.iter().any(|(p, _)| p == "transparency"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "innovation"), "{t:?}");
    // 除外 removes what precedes it
    let t = tags("提供者应当保证透明度，涉及基础研究的除外。");
    assert!(t.iter().any(|(p, _)| p == "transparency"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "innovation"), "{t:?}");
}

#[test]
fn definitions_and_denials_are_not_commitments() {
    assert_eq!(
        tags("'Deep synthesis' means technology that generates synthetic media and deepfakes."),
        vec![]
    );
    assert_eq!(
        tags("本规定所称深度合成技术，是指利用深度学习生成合成内容的技术。"),
        vec![]
    );
    assert_eq!(
        tags("The working group did not consider questions of privacy or personal data."),
        vec![]
    );
    assert_eq!(tags("报告未涉及个人信息保护问题。"), vec![]);
}

#[test]
fn cited_titles_and_procedural_clauses_are_not_commitments() {
    assert_eq!(
        tags("《关于促进人工智能透明度和可解释性的指导意见》同时废止。"),
        vec![]
    );
    assert_eq!(tags("本条例由省人民政府网络安全主管部门负责解释。"), vec![]);
    assert_eq!(
        tags("This Regulation on personal data protection shall enter into force on 1 May."),
        vec![]
    );
    // the clause's own words still count beside a cited title
    let t = tags("依据《数据安全法》，提供者应当保护个人信息。");
    assert!(t.iter().any(|(p, _)| p == "privacy"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "cybersecurity"), "{t:?}");
}

#[test]
fn prohibitions_address_the_principle() {
    assert_eq!(
        has(
            "Employers shall not use AI systems to discriminate against job applicants.",
            "non_discrimination"
        ),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has("不得利用算法对用户实施歧视。", "non_discrimination"),
        Some(Strength::Obligation)
    );
}

#[test]
fn other_senses_of_words_are_ignored() {
    assert!(
        has(
            "Contributions fund social security benefits.",
            "cybersecurity"
        )
        .is_none()
    );
    assert!(has("The fund invests in listed securities.", "cybersecurity").is_none());
    assert!(has("驾驶人应当系好安全带。", "safety").is_none());
    // "intelligibility" (transparency) must not match "intelligence"
    assert!(has("Artificial intelligence is spreading.", "transparency").is_none());
}

#[test]
fn english_inflections_match() {
    assert!(has("Systems shall be audited every year.", "accountability").is_some());
    assert!(has("The provider must audit its models.", "accountability").is_some());
    assert!(has("Providers should ensure TRANSPARENCY.", "transparency").is_some());
}

fn section(ordinal: u32, number: &str, start: u32, end: u32) -> Section {
    Section {
        ordinal,
        kind: SectionKind::Article,
        level: 1,
        number: Some(number.into()),
        heading: None,
        text: String::new(),
        start,
        end,
    }
}

#[test]
fn evidence_points_at_the_section_and_characters() {
    let text = "第一条 为了促进创新，制定本办法。\n第二条 提供者应当保护个人信息，不得泄露。";
    let chars: Vec<char> = text.chars().collect();
    let second = text.chars().position(|c| c == '\n').unwrap() as u32 + 1;
    let sections = vec![
        section(0, "第一条", 0, second - 1),
        section(1, "第二条", second, chars.len() as u32),
    ];
    let r = tagger().tag_document(text, &sections, Some("zh"));
    assert_eq!(r.coverage, Coverage::Tagged);
    let privacy = r.tags.iter().find(|t| t.principle == "privacy").unwrap();
    assert_eq!(privacy.strength, Some(Strength::Obligation));
    assert_eq!(
        privacy.tagger_version.as_deref(),
        Some(concord_tagger::VERSION)
    );
    let ev = &privacy.evidence[0];
    assert_eq!(ev.section, Some(1));
    assert_eq!(ev.locator.as_deref(), Some("第二条"));
    let span: String = chars[ev.start.unwrap() as usize..ev.end.unwrap() as usize]
        .iter()
        .collect();
    assert!(span.contains("个人信息"), "{span:?}");
    let innovation = r.tags.iter().find(|t| t.principle == "innovation").unwrap();
    assert_eq!(innovation.evidence[0].locator.as_deref(), Some("第一条"));
    assert_eq!(innovation.strength, Some(Strength::Recommendation));
}

#[test]
fn document_tags_aggregate_passages() {
    let text = "Providers shall protect personal data. Personal data matters. \
                Users should control their personal data.";
    let r = tagger().tag_document(text, &[], Some("en"));
    let privacy = r.tags.iter().find(|t| t.principle == "privacy").unwrap();
    assert_eq!(privacy.passages, Some(3));
    assert_eq!(privacy.strength, Some(Strength::Obligation));
    assert!(privacy.confidence.unwrap() > 0.9);
    assert_eq!(privacy.evidence.len(), 3);
}

#[test]
fn unsupported_languages_are_reported_untagged() {
    let french = "Les fournisseurs doivent protéger les données personnelles des utilisateurs \
                  et garantir la transparence des systèmes d'intelligence artificielle.";
    let r = tagger().tag_document(french, &[], None);
    assert_eq!(r.language.as_deref(), Some("fr"));
    assert!(matches!(r.coverage, Coverage::Untagged { .. }), "{r:?}");
    assert!(r.tags.is_empty());
    let r = tagger().tag_document("", &[], None);
    assert!(matches!(r.coverage, Coverage::Untagged { .. }));
    // a declared language wins over detection
    let r = tagger().tag_document("Personal data shall be protected.", &[], Some("de"));
    assert!(matches!(r.coverage, Coverage::Untagged { .. }));
}

#[test]
fn mixed_scripts_and_junk_do_not_break_it() {
    let mixed =
        "Providers shall protect personal data。提供者应当保障网络安全；\u{0}\u{fffd}\u{1F600}";
    let t = tags(mixed);
    assert!(t.iter().any(|(p, _)| p == "privacy"));
    assert!(t.iter().any(|(p, _)| p == "cybersecurity"));
    let junk: String = (0..5000u32)
        .filter_map(|i| char::from_u32((i * 7919) % 0x2FFFF))
        .collect();
    let _ = tagger().tag_document(&junk, &[], None);
}

#[test]
fn one_long_line_with_repeated_keywords_is_bounded() {
    let line = "providers shall protect privacy and 安全 ".repeat(120_000); // ~5 MB, no breaks
    let r = tagger().tag_document(&line, &[], Some("en"));
    let privacy = r.tags.iter().find(|t| t.principle == "privacy").unwrap();
    assert!(privacy.passages.unwrap() > 1000);
    assert!(privacy.evidence.len() <= 8);
}

#[test]
fn crosswalk_relabels_in_published_schemes() {
    let source = taxonomy("concord-v1");
    let jobin = taxonomy("jobin2019");
    let cw = Crosswalk::new(&source, &jobin).unwrap();
    let tags = tagger().tag_text("Providers shall protect personal data.");
    let relabelled = cw.relabel(&tags);
    assert_eq!(relabelled.len(), 1);
    assert_eq!(relabelled[0].scheme.as_str(), "jobin2019");
    assert_eq!(relabelled[0].principle, "Privacy");
    assert_eq!(relabelled[0].strength, Some(Strength::Obligation));
}

#[test]
fn regression_stemmed_word_right_after_a_chinese_character_does_not_panic() {
    // Found on the corpus summaries: the word start was computed one byte after a multi-byte
    // character and the slice panicked.
    let t = tags("应当采用risk-based方法，以及基于transparency和audits的规则。");
    assert!(t.iter().any(|(p, _)| p == "transparency"), "{t:?}");
    assert!(t.iter().any(|(p, _)| p == "accountability"), "{t:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn never_panics_and_spans_stay_in_the_text(
        text in "(\\PC|[安全隐私的]|privacy|audits|transparent|shall|应当|不适用){0,120}"
    ) {
        let n = text.chars().count() as u32;
        let r = tagger().tag_document(&text, &[], Some("en"));
        for t in &r.tags {
            for e in &t.evidence {
                let (s, e) = (e.start.unwrap(), e.end.unwrap());
                prop_assert!(s < e && e <= n);
            }
        }
    }

    #[test]
    fn clauses_tile_the_text(text in "[a-z 。；.!?\\n安全隐私]{0,400}") {
        let mut next = 0usize;
        for (s, e, _, _) in tagger().clauses(&text) {
            prop_assert_eq!(s, next);
            prop_assert!(e > s);
            next = e;
        }
        prop_assert_eq!(next, text.len());
    }
}

/// Regression: in 更新技术文档 the leftmost-longest pass reported 新技术 (innovation), which the
/// word-boundary rule rejects, and never reported the 技术文档 it hid.
#[test]
fn term_hidden_behind_a_rejected_match_is_found() {
    let text = "提供者应当编制并更新技术文档，载明系统的预期用途。";
    assert_eq!(has(text, "transparency"), Some(Strength::Obligation));
    assert_eq!(has(text, "innovation"), None);
    // A real 新技术 still counts.
    assert!(has("国家鼓励研发和推广应用新技术。", "innovation").is_some());
}

/// Names of bodies and instruments are not statements of their principles: a run of
/// capitalised words with a head word (Committee, Forum, Act…) in English, a term followed by
/// 工作组 / 委员会 / 协会… in Chinese.
#[test]
fn names_of_bodies_do_not_state_their_principles() {
    assert_eq!(
        tags(
            "The Committee on Artificial Intelligence and Human Rights shall consist of nine members."
        ),
        vec![]
    );
    assert_eq!(
        tags("Articles 5 to 9 of the Data Protection and Privacy Act shall be renumbered."),
        vec![]
    );
    assert_eq!(tags("会议选举产生了数据安全工作组的新一届组长。"), vec![]);
    // the same words outside a name still count
    assert!(has("Providers shall respect human rights.", "human_rights").is_some());
    assert!(has("提供者应当保障数据安全。", "cybersecurity").is_some());
    // a capitalised phrase without a head word is not a name
    assert!(
        has(
            "States shall uphold the Universal Declaration of Human Rights in AI policy.",
            "human_rights"
        )
        .is_some()
    );
    // a name ends at a lower-case word: what follows is the clause's own content
    assert!(
        has(
            "The Ministry of Education shall protect the personal data of students.",
            "privacy"
        )
        .is_some()
    );
}

#[test]
fn texts_that_leave_a_principle_out_do_not_address_it() {
    assert_eq!(
        tags("The final declaration makes no reference to open-source models."),
        vec![]
    );
    assert_eq!(
        tags("The enacted version contains no requirement to label AI-generated content."),
        vec![]
    );
    assert_eq!(tags("该草案没有规定生成内容标识义务。"), vec![]);
    assert_eq!(tags("与会各方在人类控制问题上未达成一致。"), vec![]);
}

/// Help for developing countries is both capacity building and international cooperation
/// (the gold sets' convention); a developing-country term alone is weak evidence for the latter.
#[test]
fn assistance_to_developing_countries_is_also_cooperation() {
    let t = tags("倡导各国向发展中国家提供技术援助。");
    assert!(t.iter().any(|(p, _)| p == "capacity_building"), "{t:?}");
    assert!(
        t.iter().any(|(p, _)| p == "international_cooperation"),
        "{t:?}"
    );
    assert!(
        has(
            "Developing countries face many challenges.",
            "international_cooperation"
        )
        .is_none()
    );
}

#[test]
fn british_and_y_inflections_match() {
    assert!(
        has(
            "Providers shall ensure that synthetic images are clearly labelled.",
            "content_authenticity"
        )
        .is_some()
    );
}

/// Leftmost-longest matching reports only the longest phrase; the phrase passes on what the
/// terms inside it say ("bias audit" is also an audit, 危险能力评估 also names 危险能力).
#[test]
fn phrases_pass_on_the_principles_of_their_parts() {
    let t = tags("Employers shall commission an independent bias audit of the tool every year.");
    assert!(t.iter().any(|(p, _)| p == "non_discrimination"), "{t:?}");
    assert!(t.iter().any(|(p, _)| p == "accountability"), "{t:?}");
    let t = tags("研发者应当开展危险能力评估。");
    assert!(t.iter().any(|(p, _)| p == "risk_management"), "{t:?}");
    assert!(t.iter().any(|(p, _)| p == "misuse_prevention"), "{t:?}");
}

/// Some phrases mean something else than their words: they keep only their own principle.
#[test]
fn closed_compounds_do_not_pass_on_their_parts() {
    let t = tags("应当保护生物多样性。");
    assert!(t.iter().any(|(p, _)| p == "sustainability"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "inclusion"), "{t:?}");
    let t = tags("处理者应当对个人信息进行去标识化处理。");
    assert!(t.iter().any(|(p, _)| p == "privacy"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "content_authenticity"), "{t:?}");
    let t = tags("Deployers shall train staff to recognise automation bias.");
    assert!(t.iter().any(|(p, _)| p == "human_control"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "non_discrimination"), "{t:?}");
    let t = tags("The State shall support a national innovation ecosystem for AI.");
    assert!(t.iter().any(|(p, _)| p == "innovation"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "sustainability"), "{t:?}");
}

/// Other senses met in non-AI texts: product safety, insurance liability, the "open, fair and
/// just" procedure of tenders, protective gear on building sites, renewable terms of office,
/// people's vulnerabilities.
#[test]
fn more_other_senses_are_ignored() {
    assert!(has("Product safety rules must be observed.", "safety").is_none());
    assert!(
        has(
            "Members shall be appointed for four years, renewable once.",
            "sustainability"
        )
        .is_none()
    );
    let t = tags(
        "It is prohibited to use an AI system that exploits the vulnerabilities of children to distort their behaviour.",
    );
    assert!(!t.iter().any(|(p, _)| p == "cybersecurity"), "{t:?}");
    assert!(
        has(
            "Providers shall patch the vulnerabilities of their systems.",
            "cybersecurity"
        )
        .is_some()
    );
    assert!(has("保险人应当按照约定开始承担保险责任。", "accountability").is_none());
    assert!(has("提供者应当承担法律责任。", "accountability").is_some());
    assert!(has("评审应当遵循公开、公平、公正原则。", "non_discrimination").is_none());
    assert!(has("算法推荐不得实施不公平的差别待遇。", "non_discrimination").is_some());
    assert!(has("施工单位应当设置安全防护设施。", "cybersecurity").is_none());
}

/// A clause about a divide names what the gap is in; it addresses infrastructure only if it
/// also builds or invests.
#[test]
fn what_a_divide_is_in_is_not_built_unless_the_clause_builds_it() {
    let t = tags("The AI divide is a gap in skills, in computing power and in access to data.");
    assert!(t.iter().any(|(p, _)| p == "digital_divide"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "infrastructure"), "{t:?}");
    let t = tags(
        "Governments should invest in computing power in rural and remote regions to close the AI divide.",
    );
    assert!(t.iter().any(|(p, _)| p == "digital_divide"), "{t:?}");
    assert!(t.iter().any(|(p, _)| p == "infrastructure"), "{t:?}");
    let t = tags("智能鸿沟体现在算力和数据资源上的差距。");
    assert!(t.iter().any(|(p, _)| p == "digital_divide"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "infrastructure"), "{t:?}");
    assert!(!t.iter().any(|(p, _)| p == "data_resources"), "{t:?}");
    let t = tags("应当加大偏远地区算力设施的投入，弥合数字鸿沟。");
    assert!(t.iter().any(|(p, _)| p == "digital_divide"), "{t:?}");
    assert!(t.iter().any(|(p, _)| p == "infrastructure"), "{t:?}");
    // without a divide, computing power is infrastructure as before
    assert!(has("国家应当统筹算力资源。", "infrastructure").is_some());
}

/// A term passes on a strength cue it contains (鼓励创新, "prohibited practices"), but not a cue
/// that is part of another word inside it: 应 in 应用 or 应对 is not "shall".
#[test]
fn cues_inside_blocked_words_of_a_term_are_not_implied() {
    assert_eq!(
        has("鼓励开展人工智能创新应用。", "innovation"),
        Some(Strength::Recommendation)
    );
    assert_eq!(
        has(
            "各国共同应对人工智能带来的全球性风险和挑战。",
            "international_cooperation"
        ),
        Some(Strength::Mention)
    );
    assert_eq!(
        has(
            "各国应当共同应对人工智能带来的风险。",
            "international_cooperation"
        ),
        Some(Strength::Obligation)
    );
    assert_eq!(
        has(
            "Regulators listed the prohibited practices.",
            "misuse_prevention"
        ),
        Some(Strength::Obligation)
    );
}

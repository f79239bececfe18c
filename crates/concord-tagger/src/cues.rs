//! Language-level cue words: normative strength, scope exclusions, definitions, denials, and
//! "blockers" (longer words that contain a term or cue but mean something else).
//!
//! English cues go through the same stemming as lexicon terms (see [`crate::lexicon`]), so
//! `encourage` also finds "encourages" and "encouraged". Chinese cues are matched as written;
//! one-character cues (应, 须, 宜) rely on blockers, which win because matching is
//! leftmost-longest: in 应用 the blocker 应用 starts at the same place as 应 and is longer.

/// What a cue tells about its clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// A duty or prohibition.
    Obligation,
    /// Advice, encouragement or a voluntary undertaking.
    Recommendation,
    /// The clause takes something out of scope: every hit in the clause is dropped.
    ExcludeClause,
    /// What follows the cue (up to the next comma) is excluded.
    ExcludeForward,
    /// What precedes the cue (back to the previous comma) is excluded, as in 另有规定的除外.
    ExcludeBackward,
    /// The clause defines a term: mentions in it are not commitments.
    Definition,
    /// The clause denies dealing with something ("did not consider").
    Denial,
    /// The clause builds or invests in something (build, invest, 建设, 投入): see [`GAP_OBJECTS`].
    Build,
}

/// (principle, context principle): in a clause that addresses the context principle, terms of
/// the first count only if the clause also has a [`Cue::Build`]. A clause about a divide lists
/// what the gap is in ("a gap in skills, in computing power and in data"): it states the
/// divide, not a commitment to build infrastructure or supply data, unless it builds or invests
/// ("invest in broadband in rural regions to close the gap" addresses both).
pub const GAP_OBJECTS: &[(&str, &str)] = &[
    ("infrastructure", "digital_divide"),
    ("data_resources", "digital_divide"),
];

pub const EN: &[(&str, Cue)] = &[
    // obligation
    ("shall", Cue::Obligation),
    ("must", Cue::Obligation),
    ("required to", Cue::Obligation),
    ("is required", Cue::Obligation),
    ("are required", Cue::Obligation),
    ("prohibited", Cue::Obligation),
    ("prohibit", Cue::Obligation),
    ("obliged to", Cue::Obligation),
    ("obligation to", Cue::Obligation),
    ("obligations to", Cue::Obligation),
    ("mandatory", Cue::Obligation),
    ("may not", Cue::Obligation),
    ("is responsible for ensuring", Cue::Obligation),
    // rights a text grants bind whoever must honour them
    ("is entitled to", Cue::Obligation),
    ("are entitled to", Cue::Obligation),
    ("shall be entitled", Cue::Obligation),
    ("has the right to", Cue::Obligation),
    ("have the right to", Cue::Obligation),
    ("are responsible for ensuring", Cue::Obligation),
    // recommendation / voluntary undertaking
    ("should", Cue::Recommendation),
    ("encourage", Cue::Recommendation),
    ("promote", Cue::Recommendation),
    ("support", Cue::Recommendation),
    ("foster", Cue::Recommendation),
    ("recommend", Cue::Recommendation),
    ("calls upon", Cue::Recommendation),
    ("call upon", Cue::Recommendation),
    ("calls on", Cue::Recommendation),
    ("call on", Cue::Recommendation),
    ("urge", Cue::Recommendation),
    ("invite", Cue::Recommendation),
    ("strive", Cue::Recommendation),
    ("endeavour", Cue::Recommendation),
    ("endeavor", Cue::Recommendation),
    ("commit to", Cue::Recommendation),
    ("commits to", Cue::Recommendation),
    ("committed to", Cue::Recommendation),
    ("we commit", Cue::Recommendation),
    ("pledge", Cue::Recommendation),
    ("undertake to", Cue::Recommendation),
    ("aim to", Cue::Recommendation),
    ("aims to", Cue::Recommendation),
    ("seek to", Cue::Recommendation),
    ("will work", Cue::Recommendation),
    ("we will", Cue::Recommendation),
    ("is expected to", Cue::Recommendation),
    ("are expected to", Cue::Recommendation),
    ("are advised to", Cue::Recommendation),
    ("is advised to", Cue::Recommendation),
    ("ought to", Cue::Recommendation),
    // scope
    ("not apply", Cue::ExcludeClause),
    ("not applicable", Cue::ExcludeClause),
    ("not be applicable", Cue::ExcludeClause),
    ("not subject to", Cue::ExcludeClause),
    ("outside the scope", Cue::ExcludeClause),
    ("out of scope", Cue::ExcludeClause),
    ("fall outside", Cue::ExcludeClause),
    ("falls outside", Cue::ExcludeClause),
    ("without prejudice to", Cue::ExcludeClause),
    ("nothing in this", Cue::ExcludeClause),
    ("excluded from", Cue::ExcludeClause),
    ("exempt", Cue::ExcludeForward),
    ("except for", Cue::ExcludeForward),
    ("excluding", Cue::ExcludeForward),
    ("with the exception of", Cue::ExcludeForward),
    ("other than", Cue::ExcludeForward),
    // procedural clauses: entry into force, repeal, interpretation, budget lines
    ("enter into force", Cue::ExcludeClause),
    ("enters into force", Cue::ExcludeClause),
    ("entry into force", Cue::ExcludeClause),
    ("shall take effect", Cue::ExcludeClause),
    ("takes effect on", Cue::ExcludeClause),
    ("is hereby repealed", Cue::ExcludeClause),
    ("shall be repealed", Cue::ExcludeClause),
    ("are hereby repealed", Cue::ExcludeClause),
    ("is repealed", Cue::ExcludeClause),
    ("are repealed", Cue::ExcludeClause),
    ("operating costs", Cue::ExcludeClause),
    // definitions: a quoted term followed by "means"/"refers to"
    ("\" means", Cue::Definition),
    ("' means", Cue::Definition),
    ("\u{201d} means", Cue::Definition),
    ("\u{2019} means", Cue::Definition),
    ("\" refers to", Cue::Definition),
    ("' refers to", Cue::Definition),
    ("\u{201d} refers to", Cue::Definition),
    ("\u{2019} refers to", Cue::Definition),
    ("\" shall mean", Cue::Definition),
    ("\u{201d} shall mean", Cue::Definition),
    ("is defined as", Cue::Definition),
    ("are defined as", Cue::Definition),
    ("for the purposes of this", Cue::Definition),
    ("for the purpose of this", Cue::Definition),
    ("the following definitions", Cue::Definition),
    ("the following terms", Cue::Definition),
    // denial
    ("did not consider", Cue::Denial),
    ("does not consider", Cue::Denial),
    ("did not address", Cue::Denial),
    ("does not address", Cue::Denial),
    ("do not address", Cue::Denial),
    ("did not cover", Cue::Denial),
    ("does not cover", Cue::Denial),
    ("does not deal with", Cue::Denial),
    ("not within the remit", Cue::Denial),
    ("not intended to create", Cue::Denial),
    ("is not intended to", Cue::Denial),
    ("does not require", Cue::Denial),
    ("does not create", Cue::Denial),
    ("nothing in it", Cue::Denial),
    // a text that leaves something out says nothing for it
    ("makes no reference", Cue::Denial),
    ("make no reference", Cue::Denial),
    ("made no reference", Cue::Denial),
    ("contains no requirement", Cue::Denial),
    ("contain no requirement", Cue::Denial),
    ("no provision on", Cue::Denial),
    ("no provisions on", Cue::Denial),
    ("did not reach agreement", Cue::Denial),
    ("failed to agree", Cue::Denial),
    // building or investing
    ("invest", Cue::Build),
    ("invests", Cue::Build),
    ("investing", Cue::Build),
    ("investment", Cue::Build),
    ("investments", Cue::Build),
    ("build", Cue::Build),
    ("building", Cue::Build),
    ("construct", Cue::Build),
    ("deploy", Cue::Build),
    ("expand", Cue::Build),
    ("extend", Cue::Build),
    ("roll out", Cue::Build),
    ("upgrade", Cue::Build),
    ("set up", Cue::Build),
    ("establish", Cue::Build),
];

pub const ZH: &[(&str, Cue)] = &[
    ("应当", Cue::Obligation),
    ("应", Cue::Obligation),
    ("必须", Cue::Obligation),
    ("须", Cue::Obligation),
    ("不得", Cue::Obligation),
    ("禁止", Cue::Obligation),
    ("严禁", Cue::Obligation),
    ("不准", Cue::Obligation),
    ("有义务", Cue::Obligation),
    ("负有", Cue::Obligation),
    ("有权", Cue::Obligation),
    ("鼓励", Cue::Recommendation),
    ("倡导", Cue::Recommendation),
    ("支持", Cue::Recommendation),
    ("推动", Cue::Recommendation),
    ("提倡", Cue::Recommendation),
    ("引导", Cue::Recommendation),
    ("建议", Cue::Recommendation),
    ("促进", Cue::Recommendation),
    ("推进", Cue::Recommendation),
    ("加强", Cue::Recommendation),
    ("加快", Cue::Recommendation),
    ("呼吁", Cue::Recommendation),
    ("致力于", Cue::Recommendation),
    ("努力", Cue::Recommendation),
    ("承诺", Cue::Recommendation),
    ("宜", Cue::Recommendation),
    ("积极", Cue::Recommendation),
    ("不适用", Cue::ExcludeClause),
    ("不受本", Cue::ExcludeClause),
    ("不属于本", Cue::ExcludeClause),
    ("不在本", Cue::ExcludeClause),
    ("不纳入", Cue::ExcludeClause),
    ("豁免", Cue::ExcludeForward),
    ("不包括", Cue::ExcludeForward),
    ("除外", Cue::ExcludeBackward),
    ("是指", Cue::Definition),
    ("所称", Cue::Definition),
    ("指的是", Cue::Definition),
    ("定义为", Cue::Definition),
    ("含义是", Cue::Definition),
    ("下列用语", Cue::Definition),
    ("起施行", Cue::ExcludeClause),
    ("同时废止", Cue::ExcludeClause),
    ("予以废止", Cue::ExcludeClause),
    ("负责解释", Cue::ExcludeClause),
    ("未涉及", Cue::Denial),
    ("不涉及", Cue::Denial),
    ("未考虑", Cue::Denial),
    ("没有考虑", Cue::Denial),
    ("没有规定", Cue::Denial),
    ("未作规定", Cue::Denial),
    ("未作出规定", Cue::Denial),
    ("未予规定", Cue::Denial),
    ("未达成一致", Cue::Denial),
    ("未能达成", Cue::Denial),
    ("未提及", Cue::Denial),
    ("没有提及", Cue::Denial),
    ("建设", Cue::Build),
    ("投入", Cue::Build),
    ("投资", Cue::Build),
    ("布局", Cue::Build),
    ("部署", Cue::Build),
    ("新建", Cue::Build),
    ("建成", Cue::Build),
    ("扩容", Cue::Build),
    ("升级", Cue::Build),
];

/// Lexicon phrases whose words mean something else inside them: a phrase normally also carries
/// the principles of the terms it contains ("bias audit" is an audit too), but these keep only
/// their own. Listed as written in the lexicon (lower case, without `~`).
pub const CLOSED_COMPOUNDS: &[&str] = &[
    // biodiversity is the environment's diversity, not people's
    "生物多样性",
    // the diversity of a training set is data quality
    "数据多样性",
    // de-identification removes identifiers; it is not labelling content
    "去标识化",
    // critical information infrastructure is what cybersecurity protects, not compute to build
    "关键信息基础设施",
    // 包容审慎: a tolerant, prudent stance of regulators, not inclusion of groups
    "包容审慎",
    // an ecosystem of firms or of open projects is not the natural environment
    "innovation ecosystem",
    "open ecosystem",
    // the capacity of machines, not of people or institutions
    "compute capacity",
    "grid capacity",
    // over-reliance on a machine's output, not prejudice against groups
    "automation bias",
    // annotating training data, not labelling generated content
    "data labelling",
    "data labeling",
    "labelled data",
    "labeled data",
    // a reporting duty on energy use, not power supply to build
    "electricity consumption",
    // disclosing accuracy is transparency, not robustness
    "accuracy and known limitations",
];

/// Words that contain a term or cue but mean something else. They match and are ignored.
pub const BLOCKERS_EN: &[&str] = &[
    "social security",
    "securities",
    "security deposit",
    "security interest",
    "food safety",
    "road safety",
    "traffic safety",
    "fire safety",
    "product safety",
    // the terms of office of a body's members, not energy
    "renewable once",
    "renewable for",
    "renewable term",
    // people's vulnerabilities that a manipulative system exploits are not security flaws
    "vulnerabilities of a person",
    "vulnerabilities of persons",
    "vulnerabilities of a natural person",
    "vulnerabilities of natural persons",
    "vulnerabilities of a specific group",
    "vulnerabilities of specific groups",
    "vulnerabilities of children",
    "vulnerabilities of individuals",
    "vulnerabilities of users",
    "vulnerabilities of consumers",
    "by means of",
    "means of",
    "supported by",
    "open the meeting",
    "open session",
    "open-ended",
    "openly",
    "should the",
    "shall be published",
];

pub const BLOCKERS_ZH: &[&str] = &[
    // 应 that is not "shall"
    "应用",
    "应对",
    "应急",
    "响应",
    "相应",
    "适应",
    "供应",
    "对应",
    "反应",
    "效应",
    "回应",
    "应答",
    "应聘",
    "应邀",
    "应变",
    "顺应",
    "因应",
    "呼应",
    "感应",
    "答应",
    "应届",
    "应收",
    "应付",
    // 须 that is not "must"
    "须知",
    "无须",
    "毋须",
    "无需",
    "胡须",
    // 宜 that is not "should"
    "事宜",
    "便宜",
    "适宜",
    "宜居",
    // other senses of terms
    "安全带",
    "安全帽",
    "食品安全",
    "交通安全",
    "消防安全",
    "安全生产",
    // workplace safety equipment (安全生产), not cybersecurity
    "安全防护设施",
    "安全防护用品",
    // insurance cover, not accountability for AI
    "保险责任",
    // the "three openness" principle of procurement, lotteries and exams: a procedure that is
    // open and even-handed, not fairness of AI towards people
    "公开、公平、公正",
    "公平、公正、公开",
    "公开公平公正",
    "公平公正公开",
    "社会保障",
    "证券",
    "开放时间",
    "对外开放日",
    "公开招标",
];

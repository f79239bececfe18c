//! The two interface languages. A page's language comes from `?lang=zh|en`, else the browser's
//! `Accept-Language`, else English; every interface string exists in both.

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// From an explicit `lang` parameter, else `Accept-Language` (first of zh/en by quality).
    pub fn negotiate(param: Option<&str>, accept: Option<&str>) -> Lang {
        match param.map(str::trim) {
            Some(p) if p.starts_with("zh") => return Lang::Zh,
            Some(p) if p.starts_with("en") => return Lang::En,
            _ => {}
        }
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.unwrap_or("").split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::Zh
            } else if tag.starts_with("en") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The interface string `key` in this language. Unknown keys show the key, which a test
    /// forbids for the keys the pages use.
    pub fn t(self, key: &'static str) -> &'static str {
        self.lookup(key).unwrap_or(key)
    }

    fn lookup(self, key: &str) -> Option<&'static str> {
        // A page looks up dozens of strings; a scan of the whole table each time showed up.
        static INDEX: std::sync::OnceLock<
            std::collections::HashMap<&'static str, (&'static str, &'static str)>,
        > = std::sync::OnceLock::new();
        let index =
            INDEX.get_or_init(|| STRINGS.iter().map(|(k, en, zh)| (*k, (*en, *zh))).collect());
        index.get(key).map(|(en, zh)| match self {
            Lang::En => *en,
            Lang::Zh => *zh,
        })
    }

    /// The name of an enum value (instrument type, legal force, status, ...) in this language,
    /// from its serde name; unknown values are shown spaced.
    pub fn value(self, name: &str) -> String {
        self.lookup(&format!("value.{name}"))
            .map(str::to_owned)
            .unwrap_or_else(|| name.replace('_', " "))
    }
}

/// (key, English, Chinese)
pub const STRINGS: &[(&str, &str, &str)] = &[
    ("delib.title", "Deliberations", "审议"),
    (
        "delib.explain",
        "Conversations in which participants vote on each other's statements; the report shows opinion groups and where they agree. Method: docs/deliberation.md.",
        "参与者对彼此的陈述进行投票的对话；报告展示意见群组及其共识所在。方法见 docs/deliberation.md。",
    ),
    (
        "delib.none",
        "No conversation yet. Load a Polis export with: concord deliberate import DIR",
        "尚无对话。可用以下命令导入 Polis 导出数据：concord deliberate import DIR",
    ),
    ("delib.conversation", "Conversation", "对话"),
    ("delib.status", "Status", "状态"),
    ("delib.participants", "participants", "参与者"),
    ("delib.statements", "statements", "陈述"),
    ("delib.votes", "votes", "票"),
    ("delib.open", "open", "进行中"),
    ("delib.closed", "closed", "已结束"),
    (
        "delib.not_found",
        "No such deliberation.",
        "没有此审议对话。",
    ),
    ("delib.group", "Group", "群组"),
    (
        "delib.map_alt",
        "Opinion map: {participants} participants placed by how they voted, coloured by their opinion group ({groups} groups); grey: not grouped.",
        "意见地图：{participants} 名参与者按投票情况定位，按意见群组着色（共 {groups} 个群组）；灰色为未归组者。",
    ),
    (
        "delib.map_note",
        "Nearby points voted alike; the axes have no meaning of their own.",
        "距离相近的点投票相似；坐标轴本身没有含义。",
    ),
    ("delib.groups_table", "Opinion groups", "意见群组"),
    ("delib.colour", "Colour", "颜色"),
    ("delib.members", "Members", "成员数"),
    ("delib.centre", "Centre (x, y)", "中心 (x, y)"),
    ("delib.no_votes", "No votes yet.", "尚无投票。"),
    (
        "delib.time_alt",
        "Votes over time, one bar per period, and participants voting per period as a line; the table below gives the numbers.",
        "随时间变化的投票数（每个时段一根柱）及每个时段参与投票的人数（折线）；下表列出具体数字。",
    ),
    ("delib.time_table", "Votes per period", "各时段投票数"),
    ("delib.period", "Period (UTC)", "时段（UTC）"),
    ("delib.anonymous_votes", "anonymous votes", "匿名投票"),
    ("delib.groups", "Opinion groups", "意见群组"),
    (
        "delib.what_groups_think",
        "What each group thinks",
        "各群组的看法",
    ),
    ("delib.agree", "agree", "赞同"),
    ("delib.disagree", "disagree", "反对"),
    ("delib.others", "others", "其他人"),
    ("delib.consensus", "Consensus", "共识"),
    ("delib.consensus_agree", "Most agreed", "最多赞同"),
    ("delib.consensus_disagree", "Most disagreed", "最多反对"),
    ("delib.group_aware", "Group-aware consensus", "跨群组共识"),
    (
        "delib.group_aware_explain",
        "Statements every group tends to agree with (product of the groups' agreement probabilities), highest first.",
        "各群组都倾向赞同的陈述（各群组赞同概率之积），由高到低排列。",
    ),
    ("delib.inclusive", "Inclusive consensus", "包容性共识"),
    (
        "delib.inclusive_explain",
        "Statements that every opinion group and every stakeholder category supports; near misses are listed with the segments that block them.",
        "得到每个意见群组和每类利益相关方支持的陈述；接近达成的陈述列出了阻碍它们的群体。",
    ),
    ("delib.none_yet", "None yet.", "暂无。"),
    ("delib.min_agree", "lowest agreement", "最低赞同率"),
    (
        "delib.near",
        "Close to inclusive consensus",
        "接近包容性共识",
    ),
    ("delib.blockers", "blocked by", "受阻于"),
    ("delib.category", "Category", "类别"),
    (
        "delib.participation",
        "Participation over time",
        "参与情况随时间变化",
    ),
    ("nav.deliberations", "Deliberations", "审议"),
    // Taking part in deliberations (participate.rs).
    (
        "part.rate_limited",
        "Too many submissions in a short time. Please wait a minute and try again.",
        "短时间内提交过多。请稍候一分钟再试。",
    ),
    (
        "part.pow_malformed",
        "The anti-spam check of this form is damaged. Reload the page and try again.",
        "此表单的防垃圾校验已损坏。请重新加载页面后再试。",
    ),
    (
        "part.pow_bad_tag",
        "The anti-spam check of this form was not issued by this server. Reload the page and try again.",
        "此表单的防垃圾校验并非本服务器签发。请重新加载页面后再试。",
    ),
    (
        "part.pow_expired",
        "The anti-spam check of this form has expired. Reload the page and try again.",
        "此表单的防垃圾校验已过期。请重新加载页面后再试。",
    ),
    (
        "part.pow_wrong_scope",
        "The anti-spam check of this form belongs to another conversation or action. Reload the page and try again.",
        "此表单的防垃圾校验属于其他对话或操作。请重新加载页面后再试。",
    ),
    (
        "part.pow_insufficient",
        "The anti-spam computation does not match this submission. Reload the page and try again.",
        "防垃圾计算结果与本次提交不符。请重新加载页面后再试。",
    ),
    (
        "part.pow_replayed",
        "This form was already submitted once. Reload the page to continue.",
        "此表单已提交过一次。请重新加载页面继续。",
    ),
    ("part.text_empty", "The statement is empty.", "陈述为空。"),
    (
        "part.text_long",
        "The statement is too long (at most 1,000 characters).",
        "陈述过长（最多 1000 个字符）。",
    ),
    (
        "part.text_control",
        "The statement contains control characters.",
        "陈述包含控制字符。",
    ),
    ("part.report", "Report", "报告"),
    (
        "part.take_part",
        "Take part: vote and add statements",
        "参与：投票并添加陈述",
    ),
    (
        "part.done_vote",
        "Your vote was recorded.",
        "您的投票已记录。",
    ),
    (
        "part.done_held",
        "Your vote was received without the anti-spam computation (JavaScript is off); it will count once a moderator has reviewed it.",
        "您的投票已收到，但未完成防垃圾计算（JavaScript 未启用）；经审核员审核后计入。",
    ),
    (
        "part.done_statement",
        "Your statement was received and awaits moderation.",
        "您的陈述已收到，正在等待审核。",
    ),
    ("part.done_profile", "Saved.", "已保存。"),
    (
        "part.anonymous_note",
        "You are taking part anonymously: your votes are marked anonymous in the report, and each submission runs a short anti-spam computation in your browser.",
        "您正在匿名参与：您的投票在报告中标记为匿名，每次提交都会在浏览器中运行一次简短的防垃圾计算。",
    ),
    (
        "part.registered_note",
        "You are signed in: your votes count as a registered participant's.",
        "您已登录：您的投票计为注册参与者的投票。",
    ),
    (
        "part.closed",
        "This conversation is closed: it takes no more votes or statements.",
        "此对话已结束，不再接受投票或陈述。",
    ),
    ("part.statement", "Statement", "陈述"),
    (
        "part.nothing_left",
        "You have voted on every statement. Thank you! Add your own below, or come back later.",
        "您已对所有陈述投票，谢谢！您可以在下方添加自己的陈述，或稍后再来。",
    ),
    ("part.add", "Add a statement", "添加陈述"),
    (
        "part.add_note",
        "New statements are shown to others once a moderator accepts them. Write one idea per statement.",
        "新陈述经审核员接受后才会展示给其他人。每条陈述只写一个观点。",
    ),
    ("part.profile", "About you (optional)", "关于您（可选）"),
    (
        "part.profile_note",
        "Self-declared; used to check that consensus holds across stakeholder groups.",
        "由您自行申报；用于检验共识是否在各利益相关方群体中均成立。",
    ),
    ("part.region", "Region", "地区"),
    ("part.save", "Save", "保存"),
    (
        "part.pow_working",
        "Running the anti-spam computation…",
        "正在进行防垃圾计算…",
    ),
    ("part.pow_done", "Done, sending…", "完成，正在发送…"),
    (
        "part.pow_note",
        "Anti-spam: your browser will compute a short proof of work ({bits} bits) when you submit.",
        "防垃圾：提交时您的浏览器将进行一次简短的工作量证明计算（{bits} 位）。",
    ),
    (
        "part.nojs_note",
        "JavaScript is off: your submission will be held for a moderator before it counts.",
        "JavaScript 未启用：您的提交将先由审核员审核后才计入。",
    ),
    ("part.agree", "Agree", "同意"),
    ("part.disagree", "Disagree", "不同意"),
    ("part.pass", "Pass / unsure", "跳过 / 不确定"),
    ("part.your_statement", "Your statement", "您的陈述"),
    ("part.submit", "Submit", "提交"),
    ("part.bad_vote", "The vote is not valid.", "投票无效。"),
    (
        "part.no_statement",
        "No such statement open for votes.",
        "没有可供投票的该陈述。",
    ),
    (
        "part.bad_profile",
        "Choose a category and region from the lists.",
        "请从列表中选择类别和地区。",
    ),
    ("part.new", "New conversation", "新建对话"),
    (
        "part.slug",
        "Id (a-z, 0-9, - and _; used in the address)",
        "标识（a-z、0-9、- 和 _；用于网址）",
    ),
    ("part.title_en", "Title (English)", "标题（英文）"),
    ("part.title_zh", "Title (Chinese)", "标题（中文）"),
    ("part.description", "Description", "说明"),
    (
        "part.seeds",
        "Seed statements (one per line)",
        "种子陈述（每行一条）",
    ),
    ("part.create", "Create", "创建"),
    (
        "part.bad_slug",
        "The id must have 1 to 64 characters from a-z, 0-9, - and _ (and not be \"new\").",
        "标识须为 1 到 64 个字符，仅含 a-z、0-9、- 和 _（且不能为 \"new\"）。",
    ),
    (
        "part.need_title",
        "Give a title in English or Chinese.",
        "请提供英文或中文标题。",
    ),
    (
        "part.slug_taken",
        "A conversation with this id exists already.",
        "已存在使用此标识的对话。",
    ),
    ("part.moderate", "Moderation", "审核"),
    ("part.vote_page", "Vote page", "投票页面"),
    ("part.close", "Close the conversation", "结束对话"),
    ("part.open", "Reopen the conversation", "重新开放对话"),
    (
        "part.queue",
        "Statements awaiting moderation",
        "待审核的陈述",
    ),
    (
        "part.queue_empty",
        "Nothing to moderate.",
        "没有待审核的内容。",
    ),
    (
        "part.by_anonymous",
        "by an anonymous participant",
        "来自匿名参与者",
    ),
    (
        "part.by_registered",
        "by a registered participant",
        "来自注册参与者",
    ),
    (
        "part.with_pow",
        "with proof of work ({bits} bits)",
        "附工作量证明（{bits} 位）",
    ),
    (
        "part.without_pow",
        "sent without proof of work (no JavaScript)",
        "未附工作量证明（无 JavaScript）",
    ),
    ("part.accept", "Accept", "接受"),
    ("part.reject", "Reject", "拒绝"),
    (
        "part.meta",
        "Meta (about the conversation)",
        "元陈述（关于对话本身）",
    ),
    ("part.held", "Votes held for review", "待审核的投票"),
    (
        "part.held_note",
        "Anonymous votes sent without proof of work (JavaScript off). Accepted votes enter the history with their original time.",
        "未附工作量证明（JavaScript 未启用）的匿名投票。接受后按原始时间计入投票记录。",
    ),
    ("part.vote", "Vote", "投票"),
    ("part.select", "selected", "选中"),
    (
        "part.accept_held",
        "Accept the selected votes",
        "接受选中的投票",
    ),
    (
        "part.discard_held",
        "Discard the selected votes",
        "丢弃选中的投票",
    ),
    (
        "part.bad_request",
        "The request is not valid.",
        "请求无效。",
    ),
    ("value.cat_government", "Government", "政府"),
    ("value.cat_industry", "Industry", "产业界"),
    ("value.cat_academia", "Academia", "学术界"),
    ("value.cat_civil_society", "Civil society", "公民社会"),
    (
        "value.cat_technical_community",
        "Technical community",
        "技术社群",
    ),
    (
        "value.cat_international_organization",
        "International organization",
        "国际组织",
    ),
    ("value.cat_individual", "Individual", "个人"),
    ("value.region_africa", "Africa", "非洲"),
    ("value.region_asia_pacific", "Asia-Pacific", "亚太"),
    ("value.region_europe", "Europe", "欧洲"),
    (
        "value.region_latin_america_caribbean",
        "Latin America and the Caribbean",
        "拉丁美洲和加勒比",
    ),
    ("value.region_middle_east", "Middle East", "中东"),
    ("value.region_north_america", "North America", "北美"),
    (
        "site.tagline",
        "From consensus to action: a shared knowledge base of AI governance",
        "从共识到行动：人工智能治理共享知识库",
    ),
    ("nav.home", "Home", "首页"),
    ("nav.search", "Search", "搜索"),
    ("nav.consensus", "Consensus report", "共识报告"),
    ("nav.api", "API", "接口"),
    ("nav.browse", "Browse", "浏览"),
    ("nav.cases", "Best practices", "最佳实践"),
    ("nav.map", "Map", "地图"),
    ("map.metric", "Colour by", "着色依据"),
    ("map.documents", "Number of documents", "文件数量"),
    (
        "map.binding",
        "Share of binding documents",
        "具有约束力文件的占比",
    ),
    (
        "map.principle",
        "Share addressing a principle",
        "涉及某项原则的文件占比",
    ),
    (
        "map.legend",
        "Darker is more; grey means no document. Country outlines: Natural Earth (public domain), simplified; they imply no position on any territorial question.",
        "颜色越深数值越高；灰色表示没有文件。国界轮廓来自 Natural Earth（公有领域），已简化，不代表对任何领土问题的立场。",
    ),
    (
        "map.regional",
        "Regional and international documents (not drawn)",
        "区域性和国际性文件（未在地图上显示）",
    ),
    (
        "cases.explain",
        "Regulatory sandboxes, testing and assurance schemes, audits and capacity-building programmes that others can learn from.",
        "可供借鉴的监管沙盒、测试与保障机制、审计及能力建设项目。",
    ),
    ("cases.all", "All regions", "全部地区"),
    ("nav.compare", "Compare", "比较"),
    ("browse.remove", "Remove this filter", "移除此筛选条件"),
    (
        "consensus.explain",
        "Which principles the documents share across groups, how firmly and how bindingly. Definitions: docs/consensus-metrics.md.",
        "各组文件共享哪些原则、共识有多牢固、约束力有多强。指标定义见 docs/consensus-metrics.md。",
    ),
    ("consensus.theta", "Threshold θ", "阈值 θ"),
    (
        "consensus.min_docs",
        "Minimum documents per group",
        "每组最少文件数",
    ),
    ("consensus.by", "Groups", "分组方式"),
    ("consensus.actor_type", "Actor type", "发布主体类型"),
    ("consensus.scheme", "Scheme", "分类体系"),
    ("consensus.from", "From", "起始年份"),
    ("consensus.to", "To", "截止年份"),
    ("consensus.apply", "Apply", "应用"),
    ("profile.title", "Jurisdiction profile", "法域概况"),
    ("profile.over_time", "Instruments over time", "文书数量变化"),
    ("profile.binding", "Binding", "具有约束力"),
    ("profile.coverage", "Principle coverage", "原则覆盖情况"),
    ("profile.share", "Share of documents", "文件占比"),
    (
        "profile.gaps",
        "Gaps against the common standard",
        "与共同标准的差距",
    ),
    (
        "profile.gaps_explain",
        "Widely shared principles (addressed on average by at least θ of each bloc's documents) that none of this jurisdiction's documents addresses, with peer documents and best-practice cases that do",
        "被广泛共享（各集团平均至少有 θ 比例的文件涉及）但本法域文件尚未涉及的原则，以及涉及这些原则的其他文件和最佳实践案例",
    ),
    (
        "profile.no_gaps",
        "Every principle of the core is addressed.",
        "共识核心中的每项原则均已涉及。",
    ),
    ("profile.case", "best-practice case", "最佳实践案例"),
    ("facet.bloc", "Bloc", "集团"),
    ("facet.jurisdiction", "Jurisdiction", "法域"),
    ("facet.instrument", "Instrument", "文书类型"),
    ("facet.force", "Legal force", "法律效力"),
    ("facet.status", "Status", "状态"),
    ("facet.principle", "Principle", "原则"),
    ("facet.dimension", "Dimension", "治理维度"),
    ("facet.year", "Year", "年份"),
    (
        "compare.count",
        "Compare between 2 and 6 documents: /compare?ids=a,b",
        "请比较2至6份文件：/compare?ids=a,b",
    ),
    ("lang.switch", "中文", "English"),
    ("home.documents", "documents", "份文件"),
    ("home.by_bloc", "Documents by bloc", "按集团划分的文件"),
    (
        "home.by_instrument",
        "Documents by instrument",
        "按文书类型划分的文件",
    ),
    ("home.core", "Minimum common standard", "最低共同标准"),
    (
        "home.core_none",
        "No principle reaches the threshold in every bloc; see the consensus report for lower thresholds.",
        "没有任何原则在所有集团中都达到阈值；请在共识报告中查看较低阈值的结果。",
    ),
    (
        "home.core_explain",
        "Principles that at least half of every bloc's documents address",
        "各集团中至少一半文件涉及的原则",
    ),
    ("home.all", "All documents", "全部文件"),
    (
        "search.placeholder",
        "Search titles, summaries and texts (中文 or English)",
        "搜索标题、摘要和全文（中文或英文）",
    ),
    ("search.button", "Search", "搜索"),
    ("search.results", "results", "条结果"),
    (
        "search.expanded",
        "Also showing documents tagged with",
        "同时显示标注了以下原则的文件",
    ),
    ("search.none", "Nothing found.", "没有找到结果。"),
    ("col.title", "Title", "标题"),
    ("col.date", "Date", "日期"),
    ("col.jurisdiction", "Jurisdiction", "法域"),
    ("col.bloc", "Bloc", "集团"),
    ("col.instrument", "Instrument", "文书类型"),
    ("col.force", "Legal force", "法律效力"),
    ("col.status", "Status", "状态"),
    ("doc.facts", "Facts", "基本信息"),
    ("doc.issuers", "Issued by", "发布机构"),
    ("doc.enforcement", "Enforcement", "执行机制"),
    ("doc.dates", "Dates", "日期"),
    ("doc.languages", "Languages", "语言"),
    ("doc.sources", "Official source", "官方来源"),
    ("doc.licence", "Text licence", "文本许可"),
    ("doc.summary", "Summary", "摘要"),
    ("doc.principles", "Principles", "原则"),
    ("doc.principle", "Principle", "原则"),
    ("doc.strength", "Strength", "规范强度"),
    ("doc.evidence", "Evidence", "依据"),
    ("doc.provenance", "Tagged by", "标注方式"),
    ("doc.relations", "Related documents", "相关文件"),
    ("doc.history", "Version history", "版本历史"),
    ("doc.cite", "Cite", "引用"),
    ("doc.text", "Text", "全文"),
    ("doc.uncertainty", "What remains uncertain", "尚不确定之处"),
    ("doc.not_found", "No such document.", "没有这份文件。"),
    ("strength.obligation", "obligation", "义务"),
    ("strength.recommendation", "recommendation", "建议"),
    ("strength.mention", "mention", "提及"),
    ("provenance.manual", "curated", "人工"),
    ("provenance.automatic", "tagger", "自动"),
    ("value.law", "law", "法律"),
    ("value.regulation", "regulation", "法规/行政规章"),
    ("value.standard", "standard", "标准"),
    ("value.strategy", "strategy or action plan", "战略/行动计划"),
    ("value.guideline", "guideline or principles", "指南/原则"),
    ("value.declaration", "declaration", "宣言/联合声明"),
    ("value.resolution", "resolution", "决议"),
    ("value.treaty", "treaty or convention", "条约/公约"),
    ("value.code_of_conduct", "code of conduct", "行为准则"),
    (
        "value.voluntary_commitment",
        "voluntary commitment",
        "自愿承诺",
    ),
    ("value.report", "report", "报告"),
    (
        "value.best_practice_case",
        "best-practice case",
        "最佳实践案例",
    ),
    ("value.binding", "binding", "具有约束力"),
    ("value.non_binding", "non-binding", "不具约束力"),
    ("value.mixed", "mixed", "部分约束"),
    ("value.draft", "draft", "草案"),
    ("value.proposed", "proposed", "已提出"),
    ("value.adopted", "adopted", "已通过"),
    ("value.in_force", "in force", "已生效"),
    ("value.superseded", "superseded", "已被取代"),
    ("value.revoked", "revoked or withdrawn", "已废止/撤回"),
    ("value.penalties", "penalties", "处罚"),
    (
        "value.licensing_or_registration",
        "licensing or registration",
        "许可或备案",
    ),
    (
        "value.audit_or_assessment",
        "audit or assessment",
        "审计或评估",
    ),
    ("value.incident_reporting", "incident reporting", "事件报告"),
    ("value.monitoring_body", "monitoring body", "监督机构"),
    ("value.none", "none", "无"),
    ("value.development", "development", "发展"),
    ("value.fairness", "fairness", "公平"),
    ("value.security", "security", "安全"),
    ("value.amends", "amends", "修订"),
    ("value.implements", "implements", "实施"),
    ("value.supersedes", "supersedes", "取代"),
    ("value.responds_to", "responds to", "回应"),
    ("value.cites", "cites", "引用"),
    ("nav.signin", "Sign in", "登录"),
    ("auth.signin", "Sign in", "登录"),
    ("auth.username", "Username", "用户名"),
    ("auth.password", "Password", "密码"),
    (
        "auth.failed",
        "Wrong username or password.",
        "用户名或密码错误。",
    ),
    (
        "auth.csrf",
        "The form has expired or did not come from this site. Reload the page and try again.",
        "表单已过期或并非来自本站。请刷新页面后重试。",
    ),
    (
        "auth.forbidden",
        "Your account is not allowed to do this.",
        "您的账户无权执行此操作。",
    ),
    (
        "auth.rate_limited",
        "Too many sign-in attempts. Wait a minute, then try again.",
        "登录尝试次数过多。请等待一分钟后再试。",
    ),
    ("auth.signed_in_as", "Signed in as", "当前登录用户："),
    ("auth.signout", "Sign out", "退出登录"),
    ("account.password_link", "Password", "修改密码"),
    ("account.password_title", "Change your password", "修改密码"),
    (
        "account.explain",
        "After the change, every other session of this account (other browsers and devices) is signed out; this browser stays signed in.",
        "修改后，此账户的所有其他会话（其他浏览器和设备）都将退出登录；当前浏览器保持登录。",
    ),
    ("account.current", "Current password", "当前密码"),
    ("account.confirm", "New password again", "再次输入新密码"),
    ("account.submit", "Change password", "修改密码"),
    (
        "account.mismatch",
        "The two new passwords differ.",
        "两次输入的新密码不一致。",
    ),
    (
        "account.wrong_current",
        "The current password is wrong.",
        "当前密码错误。",
    ),
    (
        "account.rate_limited",
        "Too many attempts. Wait a minute, then try again.",
        "尝试次数过多。请等待一分钟后再试。",
    ),
    (
        "account.changed",
        "Password changed. Your other sessions were signed out.",
        "密码已修改。您的其他会话已退出登录。",
    ),
    ("role.admin", "administrator", "管理员"),
    ("role.editor", "editor", "编辑"),
    ("role.viewer", "viewer", "读者"),
    ("doc.edit", "Edit", "编辑"),
    ("edit.new", "Add a document", "添加文件"),
    ("edit.title", "Edit document", "编辑文件"),
    ("edit.id", "Identifier", "标识符"),
    (
        "edit.id_help",
        "Lowercase letters, digits, '_' and '-', e.g. cn_genai_measures. It cannot be changed later.",
        "仅限小写字母、数字、“_”和“-”，例如 cn_genai_measures。创建后不可更改。",
    ),
    ("edit.title_zh", "Title in Chinese", "中文标题"),
    ("edit.title_en", "Title in English", "英文标题"),
    (
        "edit.title_original",
        "Title in the original language",
        "原文标题",
    ),
    (
        "edit.issuers",
        "Issuing actors (ids, comma-separated)",
        "发布主体（标识符，以逗号分隔）",
    ),
    (
        "edit.jurisdiction",
        "Jurisdiction (CN, US, EU, INT, US-CA, ...)",
        "法域（CN、US、EU、INT、US-CA 等）",
    ),
    (
        "edit.languages",
        "Languages of the text (BCP 47, comma-separated)",
        "文本语言（BCP 47 代码，以逗号分隔）",
    ),
    ("edit.published", "Published", "发布日期"),
    ("edit.adopted", "Adopted", "通过日期"),
    ("edit.in_force", "In force from", "生效日期"),
    (
        "edit.source_urls",
        "Official source URLs (one per line)",
        "官方来源网址（每行一个）",
    ),
    ("edit.summary_zh", "Summary in Chinese", "中文摘要"),
    ("edit.summary_en", "Summary in English", "英文摘要"),
    ("edit.save", "Save", "保存"),
    (
        "edit.has_errors",
        "Some fields need attention; see the messages next to them.",
        "部分字段有误，请查看字段旁的提示。",
    ),
    ("edit.upload", "Upload the text", "上传全文"),
    (
        "edit.upload_help",
        "TXT, Markdown, HTML, PDF or DOCX. The text is extracted, split into sections and tagged as an import would.",
        "支持 TXT、Markdown、HTML、PDF 或 DOCX。系统将像导入时一样提取文本、划分章节并标注原则。",
    ),
    (
        "edit.upload_replaces",
        "The current text is kept in the version history.",
        "当前文本将保留在版本历史中。",
    ),
    ("edit.upload_button", "Upload", "上传"),
    ("edit.back", "Back to the document", "返回文件页面"),
    ("audit.title", "Audit trail", "审计记录"),
    ("users.title", "Users", "用户管理"),
    ("users.name", "Username", "用户名"),
    ("users.role", "Role", "角色"),
    ("users.status", "Status", "状态"),
    ("users.created", "Created", "创建时间"),
    ("users.active", "active", "已启用"),
    ("users.disabled", "disabled", "已停用"),
    ("users.add", "Add a user", "添加用户"),
    ("users.create", "Create", "创建"),
    ("users.set_role", "Change role", "更改角色"),
    ("users.disable", "Disable", "停用"),
    ("users.enable", "Enable", "启用"),
    ("users.new_password", "New password", "新密码"),
    ("users.reset_password", "Reset password", "重设密码"),
    (
        "users.password_hint",
        "At least 10 characters",
        "至少 10 个字符",
    ),
    ("users.created_ok", "User created", "用户已创建"),
    ("users.role_ok", "Role changed", "角色已更改"),
    (
        "users.disabled_ok",
        "User disabled; their sessions were ended",
        "用户已停用，其会话已结束",
    ),
    ("users.enabled_ok", "User enabled", "用户已启用"),
    (
        "users.password_ok",
        "Password reset; the user's sessions were ended",
        "密码已重设，该用户的会话已结束",
    ),
    ("users.exists", "That username is taken", "该用户名已被使用"),
    ("users.unknown", "No such user", "没有该用户"),
    (
        "users.bad_username",
        "Invalid username: use 1 to 64 ASCII letters, digits, '.', '_', '-' or '@'",
        "用户名无效：请使用 1 至 64 个 ASCII 字母、数字或 '.'、'_'、'-'、'@'",
    ),
    (
        "users.bad_password",
        "The password must have 10 characters to 1024 bytes",
        "密码须为 10 个字符至 1024 字节",
    ),
    ("users.bad_role", "Unknown role", "未知角色"),
    (
        "users.last_admin",
        "This would leave no active administrator",
        "此操作将导致没有可用的管理员",
    ),
    ("audit.at", "When", "时间"),
    ("audit.user", "Who", "操作人"),
    ("audit.action", "Action", "操作"),
    ("audit.target", "What", "对象"),
    ("audit.details", "Details", "详情"),
    ("audit.older", "Older entries", "更早的记录"),
    (
        "err.title_required",
        "Give at least one title",
        "请至少填写一个标题",
    ),
    (
        "err.too_long",
        "Too long; the maximum number of characters is",
        "内容过长；字符数上限为",
    ),
    (
        "err.too_many",
        "Too many entries; the maximum is",
        "条目过多；上限为",
    ),
    ("err.actor", "Unknown actor id", "未知的发布主体标识符"),
    (
        "err.jurisdiction",
        "Not a jurisdiction code",
        "不是有效的法域代码",
    ),
    ("err.choice", "Not one of the choices", "不是可选值之一"),
    (
        "err.date",
        "Not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
        "不是有效日期（YYYY、YYYY-MM 或 YYYY-MM-DD）",
    ),
    ("err.language", "Not a language tag", "不是有效的语言代码"),
    ("err.url", "Not an http(s) URL", "不是有效的 http(s) 网址"),
    ("err.invalid", "Invalid", "无效"),
    ("err.id", "Not a valid identifier", "不是有效的标识符"),
    (
        "err.id_taken",
        "A document with this identifier exists already",
        "已存在使用此标识符的文件",
    ),
    (
        "err.stale",
        "Someone saved this document after you opened the form. The form now shows your input against the latest version; check it and save again.",
        "在您打开表单后，已有他人保存了此文件。表单现基于最新版本显示您的输入，请核对后再次保存。",
    ),
    (
        "err.upload_read",
        "The upload could not be read",
        "无法读取上传内容",
    ),
    (
        "err.upload_empty",
        "Choose a file to upload",
        "请选择要上传的文件",
    ),
    (
        "err.upload_format",
        "Unsupported file type (use .txt, .md, .html, .pdf or .docx)",
        "不支持的文件类型（请使用 .txt、.md、.html、.pdf 或 .docx）",
    ),
    (
        "err.upload_extract",
        "No text could be extracted",
        "无法提取文本",
    ), // Commitments (src/commitments.rs).
    ("nav.commitments", "Commitments", "承诺"),
    ("commit.actor", "Actor", "行为体"),
    ("commit.add_assessment", "Add an assessment", "添加评估"),
    ("commit.add_report", "Add an action report", "添加行动报告"),
    ("commit.all", "All", "全部"),
    ("commit.assessment", "Assessment", "评估"),
    ("commit.assessments", "Independent assessments", "独立评估"),
    ("commit.assessor", "Assessor", "评估方"),
    ("commit.back", "Back to the commitment", "返回承诺"),
    ("commit.bloc", "Bloc", "集团"),
    (
        "commit.checkpoint",
        "Current signed checkpoint",
        "当前签名检查点",
    ),
    ("commit.commitment", "Commitment", "承诺"),
    ("commit.create", "Create", "创建"),
    ("commit.created", "Recorded", "已记录"),
    ("commit.date", "Date", "日期"),
    ("commit.deadline", "Deadline", "截止日期"),
    ("commit.deadline_passed", "Deadline passed", "已过截止日期"),
    ("commit.deadline_upcoming", "Deadline ahead", "截止日期未到"),
    ("commit.description", "Description", "描述"),
    ("commit.draft", "draft", "草案"),
    ("commit.due", "due", "已到期"),
    (
        "commit.entry",
        "Log entry (canonical JSON)",
        "日志条目（规范 JSON）",
    ),
    ("commit.file", "uploaded file", "上传的文件"),
    ("commit.filter", "Filter", "筛选"),
    (
        "commit.from_statement",
        "Promoted from deliberation statement",
        "由审议陈述提升而来：",
    ),
    ("commit.gap", "Implementation gap", "落实差距"),
    (
        "commit.gap_intro",
        "Of the commitment-signatory pairs that are due (judged, or past their deadline or a milestone), the share not met: (missed + overdue + half of partially met) / due. Rules in docs/commitments.md.",
        "在已到期（已有评估结论，或已过截止日期或里程碑）的承诺—签署方组合中未落实的比例：（未履行 + 逾期 + 部分履行的一半）/ 已到期。规则见 docs/commitments.md。",
    ),
    (
        "commit.gap_title",
        "Implementation gap of commitments",
        "承诺落实差距",
    ),
    (
        "commit.id",
        "Id (a-z, 0-9, - and _)",
        "标识（a-z、0-9、- 和 _）",
    ),
    ("commit.independent", "Check it yourself", "自行核验"),
    ("commit.indicators", "Indicators", "指标"),
    ("commit.leaf", "Leaf", "叶子"),
    (
        "commit.leaf_hash",
        "Leaf hash (SHA-256 of 0x00 and the entry, base64)",
        "叶子哈希（0x00 与条目的 SHA-256，base64）",
    ),
    (
        "commit.links",
        "Evidence links (one URL per line)",
        "证据链接（每行一个网址）",
    ),
    (
        "commit.locator",
        "Part of the document (e.g. Commitment III)",
        "文件中的位置（如“承诺三”）",
    ),
    ("commit.log_key", "Log verifier key", "日志验证公钥"),
    (
        "commit.milestones",
        "Milestones (one per line: YYYY-MM-DD description)",
        "里程碑（每行一个：YYYY-MM-DD 描述）",
    ),
    ("commit.new", "New commitment", "新建承诺"),
    (
        "commit.no_deadline",
        "no verified deadline",
        "无经核实的截止日期",
    ),
    ("commit.none", "None yet.", "暂无。"),
    ("commit.origin", "Origin document", "来源文件"),
    ("commit.pairs", "pairs", "组合数"),
    ("commit.principle", "Principles", "原则"),
    (
        "commit.promote",
        "Promote to a draft commitment",
        "提升为承诺草案",
    ),
    (
        "commit.promote_intro",
        "Editors: promote a consensus statement to a draft commitment:",
        "编辑：将共识陈述提升为承诺草案：",
    ),
    (
        "commit.proof",
        "Inclusion proof (base64 hashes)",
        "包含证明（base64 哈希）",
    ),
    (
        "commit.proof_bad",
        "The inclusion proof does not verify",
        "包含证明未通过验证",
    ),
    (
        "commit.proof_ok",
        "Included in the log: the proof verifies against the checkpoint",
        "已收录于日志：证明与检查点一致",
    ),
    ("commit.rationale", "Rationale", "理由"),
    ("commit.reporter", "Reporter", "报告方"),
    ("commit.reports", "Action reports", "行动报告"),
    (
        "commit.rules",
        "Only independent assessments can make a commitment met, partially met or missed; self-reports show work under way. Overdue: the deadline or a milestone passed without that.",
        "只有独立评估才能判定承诺已履行、部分履行或未履行；自我报告仅表明工作在进行中。逾期：截止日期或里程碑已过而没有上述评估结论。",
    ),
    ("commit.self_report", "Self-report", "自我报告"),
    ("commit.signatories", "Signatories", "签署方"),
    ("commit.source", "Source", "来源"),
    ("commit.status", "Status", "状态"),
    ("commit.status_change", "Status change", "状态变化"),
    (
        "commit.step_checkpoint",
        "Fetch the signed checkpoint and verify its signature with that key:",
        "获取签名检查点，并用该公钥验证签名：",
    ),
    (
        "commit.step_entry",
        "Compute SHA-256 of the byte 0x00 followed by the entry shown above; it must equal the leaf hash.",
        "计算字节 0x00 与上方条目拼接后的 SHA-256，应与叶子哈希相同。",
    ),
    (
        "commit.step_key",
        "Obtain the log's verifier key out of band (not only from this server):",
        "通过其他渠道获取日志验证公钥（不要只从本服务器获取）：",
    ),
    (
        "commit.step_proof",
        "Check the inclusion proof against the checkpoint's root, e.g. with",
        "用检查点的根哈希核验包含证明，例如使用",
    ),
    (
        "commit.text_en",
        "Text (English, in your own words)",
        "文本（英文，请用自己的话）",
    ),
    (
        "commit.text_zh",
        "Text (Chinese, in your own words)",
        "文本（中文，请用自己的话）",
    ),
    ("commit.third_party", "Third-party report", "第三方报告"),
    ("commit.timeline", "Timeline", "时间线"),
    ("commit.title_en", "Title (English)", "标题（英文）"),
    ("commit.title_zh", "Title (Chinese)", "标题（中文）"),
    ("commit.tracker", "Commitments tracker", "承诺追踪"),
    (
        "commit.tracker_intro",
        "Each row is one signatory's implementation of one commitment, with its status today. Filter by actor, status and deadline; every filter is a shareable link.",
        "每一行是一个签署方对一项承诺的落实情况及其当前状态。可按行为体、状态和截止日期筛选；每种筛选都是可分享的链接。",
    ),
    ("commit.tree_size", "Checkpoint tree size", "检查点树大小"),
    ("commit.uncertainty", "Uncertainty", "不确定之处"),
    ("commit.verdict", "Verdict", "结论"),
    ("commit.verify", "Verify this record", "核验此记录"),
    (
        "commit.verify_intro",
        "Every write of this commitment, its action reports and its assessments was appended to Concord's transparency log. Each entry below was checked by this server against the current signed checkpoint; you can repeat every check yourself.",
        "此承诺及其行动报告和评估的每一次写入都已追加到 Concord 的透明日志中。以下每个条目都已由本服务器依据当前签名检查点核验；你也可以自行重复每一项核验。",
    ),
    ("commit.version", "version", "版本"),
    ("value.pending", "pending", "待定"),
    ("value.on_track", "on track", "进展正常"),
    ("value.met", "met", "已履行"),
    ("value.partially_met", "partially met", "部分履行"),
    ("value.missed", "missed", "未履行"),
    ("value.not_met", "not met", "未履行"),
    ("value.overdue", "overdue", "逾期"),
    ("value.withdrawn", "withdrawn", "已退出"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate(Some("zh"), Some("en")), Lang::Zh);
        assert_eq!(
            Lang::negotiate(None, Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(
            Lang::negotiate(None, Some("fr-FR, en;q=0.5, zh;q=0.4")),
            Lang::En
        );
        assert_eq!(Lang::negotiate(None, Some("de")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), None), Lang::En);
    }

    #[test]
    fn enum_values_are_translated() {
        assert_eq!(Lang::Zh.value("in_force"), "已生效");
        assert_eq!(Lang::En.value("non_binding"), "non-binding");
        assert_eq!(Lang::Zh.value("unheard_of"), "unheard of");
    }

    #[test]
    fn every_string_in_both_languages() {
        let mut keys = std::collections::HashSet::new();
        for (k, en, zh) in STRINGS {
            assert!(keys.insert(k), "duplicate key {k}");
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
        }
    }
}

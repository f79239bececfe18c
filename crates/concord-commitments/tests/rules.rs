//! The status rules (docs/commitments.md) as examples and as properties over random records.

use concord_commitments::{
    ActionReport, Assessment, Bilingual, Commitment, Date, Evidence, Milestone, Origin,
    ReportSource, Status, Verdict, Withdrawal, implementation_gap, status, status_changes,
};
use proptest::prelude::*;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn commitment(deadline: Option<&str>) -> Commitment {
    Commitment {
        id: "c1".into(),
        title: Bilingual {
            zh: None,
            en: Some("Publish a safety framework".into()),
        },
        text: Bilingual {
            zh: Some("发布安全框架".into()),
            en: Some("Publish a safety framework".into()),
        },
        origin: Origin::Document {
            document: "frontier_ai_safety_commitments_2024".into(),
            locator: None,
        },
        signatories: vec!["acme".into(), "globex".into()],
        principles: vec!["safety".into()],
        deadline: deadline.map(d),
        milestones: vec![],
        indicators: vec![],
        withdrawals: vec![],
        draft: false,
        uncertainty: None,
    }
}

fn report(signatory: &str, date: &str) -> ActionReport {
    ActionReport {
        id: String::new(),
        commitment: "c1".into(),
        signatory: signatory.into(),
        source: ReportSource::SelfReport,
        reporter: signatory.into(),
        date: d(date),
        description: "we did it".into(),
        evidence: vec![],
    }
}

fn assessment(signatory: &str, date: &str, verdict: Verdict) -> Assessment {
    Assessment {
        id: String::new(),
        commitment: "c1".into(),
        signatory: signatory.into(),
        assessor: "reviewer".into(),
        date: d(date),
        verdict,
        rationale: "checked".into(),
        evidence: vec![],
    }
}

#[test]
fn examples_of_each_rule() {
    let c = commitment(Some("2025-02-10"));
    let today = d("2025-01-01");
    assert_eq!(status(&c, "acme", &[], &[], today), Status::Pending);
    let r = [report("acme", "2024-12-01")];
    assert_eq!(status(&c, "acme", &r, &[], today), Status::OnTrack);
    // another signatory's report does not count
    assert_eq!(status(&c, "globex", &r, &[], today), Status::Pending);
    // a self-report claiming anything is never "met"; past the deadline it is overdue
    assert_eq!(
        status(&c, "acme", &r, &[], d("2025-02-11")),
        Status::Overdue
    );
    // the deadline day itself is still in time
    assert_eq!(
        status(&c, "acme", &r, &[], d("2025-02-10")),
        Status::OnTrack
    );
    // assessments outrank reports; the latest one decides
    let a = [
        assessment("acme", "2025-03-01", Verdict::NotMet),
        assessment("acme", "2025-04-01", Verdict::Met),
    ];
    assert_eq!(status(&c, "acme", &r, &a, d("2025-03-15")), Status::Missed);
    assert_eq!(status(&c, "acme", &r, &a, d("2025-04-01")), Status::Met);
    let p = [assessment("acme", "2025-03-01", Verdict::PartiallyMet)];
    assert_eq!(
        status(&c, "acme", &r, &p, d("2025-05-01")),
        Status::PartiallyMet
    );
    // an on-track assessment after the deadline does not stop it being overdue
    let o = [assessment("acme", "2025-03-01", Verdict::OnTrack)];
    assert_eq!(
        status(&c, "acme", &[], &o, d("2025-05-01")),
        Status::Overdue
    );
    // future-dated records are ignored
    assert_eq!(
        status(&c, "acme", &[report("acme", "2026-01-01")], &[], today),
        Status::Pending
    );
    // a withdrawal wins, from its date on
    let mut w = c.clone();
    w.withdrawals.push(Withdrawal {
        actor: "acme".into(),
        date: d("2025-06-01"),
        note: None,
    });
    assert_eq!(status(&w, "acme", &r, &a, d("2025-05-31")), Status::Met);
    assert_eq!(
        status(&w, "acme", &r, &a, d("2025-06-01")),
        Status::Withdrawn
    );
}

#[test]
fn milestones_need_activity_in_their_period() {
    let mut c = commitment(Some("2026-01-01"));
    c.milestones = vec![
        Milestone {
            date: d("2025-03-01"),
            description: "draft".into(),
        },
        Milestone {
            date: d("2025-06-01"),
            description: "publish".into(),
        },
    ];
    let early = [report("acme", "2025-02-01")];
    assert_eq!(
        status(&c, "acme", &early, &[], d("2025-03-01")),
        Status::OnTrack
    );
    assert_eq!(
        status(&c, "acme", &early, &[], d("2025-03-02")),
        Status::OnTrack
    );
    // the second milestone passed with nothing since the first
    assert_eq!(
        status(&c, "acme", &early, &[], d("2025-06-02")),
        Status::Overdue
    );
    let both = [report("acme", "2025-02-01"), report("acme", "2025-05-01")];
    assert_eq!(
        status(&c, "acme", &both, &[], d("2025-06-02")),
        Status::OnTrack
    );
    // no activity at all before the first milestone
    assert_eq!(
        status(&c, "acme", &[], &[], d("2025-03-02")),
        Status::Overdue
    );
}

#[test]
fn timeline_lists_changes() {
    let c = commitment(Some("2025-02-10"));
    let r = [report("acme", "2024-12-01")];
    let a = [assessment("acme", "2025-03-01", Verdict::Met)];
    let changes = status_changes(&c, &r, &a, d("2025-12-31"));
    let acme: Vec<(String, Status)> = changes
        .iter()
        .filter(|c| c.signatory == "acme")
        .map(|c| (c.date.to_string(), c.to))
        .collect();
    assert_eq!(
        acme,
        vec![
            ("2024-12-01".into(), Status::OnTrack),
            ("2025-02-11".into(), Status::Overdue),
            ("2025-03-01".into(), Status::Met),
        ]
    );
    let globex: Vec<Status> = changes
        .iter()
        .filter(|c| c.signatory == "globex")
        .map(|c| c.to)
        .collect();
    assert_eq!(globex, vec![Status::Overdue]);
}

#[test]
fn gap_counts_due_pairs() {
    let c = commitment(Some("2025-02-10"));
    let a = [assessment("acme", "2025-03-01", Verdict::PartiallyMet)];
    let g = implementation_gap(&[c], &[], &a, d("2025-06-01"), |actor| {
        (actor == "acme").then(|| "west".to_string())
    });
    // acme partially met, globex overdue: (1 + 0.5) / 2
    assert_eq!(g.overall.due, 2);
    assert_eq!(g.overall.gap, Some(0.75));
    assert_eq!(g.by_actor["acme"].gap, Some(0.5));
    assert_eq!(g.by_actor["globex"].gap, Some(1.0));
    assert_eq!(g.by_bloc["west"].pairs, 1);
    assert_eq!(g.by_principle["safety"].due, 2);
    // before the deadline nothing is due
    let c = commitment(Some("2025-02-10"));
    let g = implementation_gap(&[c], &[], &[], d("2025-01-01"), |_| None);
    assert_eq!(
        (g.overall.pairs, g.overall.due, g.overall.gap),
        (2, 0, None)
    );
}

#[test]
fn validation_names_fields() {
    let mut c = commitment(Some("2025-02-10"));
    c.id = "Bad Id".into();
    c.signatories.push("acme".into());
    c.text = Bilingual::default();
    c.milestones.push(Milestone {
        date: d("2026-01-01"),
        description: "late".into(),
    });
    let e = c.validate().unwrap_err().to_string();
    for field in ["id:", "signatories[2]:", "text:", "milestones[0].date:"] {
        assert!(e.contains(field), "{field} missing from {e}");
    }
    let c = commitment(None);
    let mut r = report("acme", "2025-01-01");
    r.reporter = "someone".into();
    r.evidence.push(Evidence::Link {
        url: "javascript:alert(1)".into(),
    });
    let e = r.validate(&c).unwrap_err().to_string();
    assert!(
        e.contains("reporter:") && e.contains("evidence[0].url:"),
        "{e}"
    );
    let mut a = assessment("acme", "2025-01-01", Verdict::Met);
    a.assessor = "acme".into();
    assert!(
        a.validate(&c)
            .unwrap_err()
            .to_string()
            .contains("independent")
    );
    assert!(report("initech", "2025-01-01").validate(&c).is_err());
    // every field within its own limit, but too big together for one log entry
    let mut big = commitment(None);
    big.text.zh = Some("承".repeat(4000));
    big.text.en = Some("a".repeat(4000));
    big.uncertainty = Some("不".repeat(4000));
    big.indicators = (0..40).map(|_| "指".repeat(500)).collect();
    let e = big.validate().unwrap_err().to_string();
    assert!(
        e.contains("record: is ") && e.contains("transparency-log entry"),
        "{e}"
    );
    let mut r = report("acme", "2025-01-01");
    r.evidence = (0..60)
        .map(|i| Evidence::Link {
            url: format!("https://example.org/{i}/{}", "x".repeat(1900)),
        })
        .collect();
    assert!(
        r.validate(&c)
            .unwrap_err()
            .to_string()
            .contains("record: is ")
    );
}

#[test]
fn dates_are_strict() {
    for bad in [
        "2025-02-30",
        "2025-2-01",
        "25-01-01",
        "2025-13-01",
        "",
        "２０２５-01-01",
        "0999-01-01",
    ] {
        assert!(bad.parse::<Date>().is_err(), "{bad}");
    }
    assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
    assert!(serde_json::from_str::<Date>("\"2023-02-29\"").is_err());
    assert_eq!(Date::from_unix_days(0), d("1970-01-01"));
    assert_eq!(Date::from_unix_days(19_782), d("2024-02-29"));
    assert_eq!(Date::from_unix_days(20_454), d("2026-01-01"));
}

fn date() -> impl Strategy<Value = Date> {
    (2020u16..2030, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop::sample::select(Verdict::ALL.to_vec())
}

const ACTORS: [&str; 3] = ["acme", "globex", "initech"];

prop_compose! {
    fn case()(
        deadline in prop::option::of(date()),
        milestones in prop::collection::vec(date(), 0..3),
        withdrawals in prop::collection::vec((0usize..3, date()), 0..2),
        reports in prop::collection::vec((0usize..3, date()), 0..5),
        assessments in prop::collection::vec((0usize..3, date(), verdict()), 0..5),
        today in date(),
    ) -> (Commitment, Vec<ActionReport>, Vec<Assessment>, Date) {
        let mut c = commitment(None);
        c.deadline = deadline;
        c.signatories = ACTORS.iter().map(|s| s.to_string()).collect();
        c.milestones = milestones.into_iter().map(|date| Milestone { date, description: "m".into() }).collect();
        c.withdrawals = withdrawals.into_iter().map(|(i, date)| Withdrawal { actor: ACTORS[i].into(), date, note: None }).collect();
        let r = reports.into_iter().map(|(i, date)| ActionReport { date, ..report(ACTORS[i], "2020-01-01") }).collect();
        let a = assessments.into_iter().map(|(i, date, v)| Assessment { date, ..assessment(ACTORS[i], "2020-01-01", v) }).collect();
        (c, r, a, today)
    }
}

proptest! {
    #[test]
    fn withdrawn_always_wins((c, r, a, today) in case()) {
        for s in ACTORS {
            let withdrawn = c.withdrawals.iter().any(|w| w.actor == s && w.date <= today);
            prop_assert_eq!(status(&c, s, &r, &a, today) == Status::Withdrawn, withdrawn);
        }
    }

    #[test]
    fn assessments_outrank_self_reports((c, r, a, today) in case()) {
        // Adding or removing self-reports never changes a judged outcome.
        for s in ACTORS {
            let with = status(&c, s, &r, &a, today);
            let without = status(&c, s, &[], &a, today);
            if matches!(with, Status::Met | Status::PartiallyMet | Status::Missed | Status::Withdrawn) {
                prop_assert_eq!(with, without);
            }
            // and reports alone never give a judged outcome
            let reports_only = status(&c, s, &r, &[], today);
            prop_assert!(!matches!(reports_only, Status::Met | Status::PartiallyMet | Status::Missed));
        }
    }

    #[test]
    fn overdue_means_deadline_or_milestone_passed_without_judgement((c, r, a, today) in case()) {
        for s in ACTORS {
            let st = status(&c, s, &r, &a, today);
            let passed = c.deadline.is_some_and(|d| d < today)
                || c.milestones.iter().any(|m| m.date < today);
            if st == Status::Overdue {
                prop_assert!(passed);
            }
            // past the deadline, an unwithdrawn pair is never pending or on track
            if c.deadline.is_some_and(|d| d < today) {
                prop_assert!(!matches!(st, Status::Pending | Status::OnTrack));
            }
            // met only ever comes from a met assessment dated on or before today
            if st == Status::Met {
                prop_assert!(a.iter().any(|x| x.signatory == s && x.verdict == Verdict::Met && x.date <= today));
            }
        }
    }

    #[test]
    fn gap_is_a_share((c, r, a, today) in case()) {
        let g = implementation_gap(std::slice::from_ref(&c), &r, &a, today, |_| Some("b".into()));
        prop_assert_eq!(g.overall.pairs, 3);
        prop_assert!(g.overall.due <= g.overall.pairs);
        match g.overall.gap {
            None => prop_assert_eq!(g.overall.due, 0),
            Some(x) => prop_assert!((0.0..=1.0).contains(&x)),
        }
        prop_assert_eq!(&g.by_bloc["b"], &g.overall);
        // the timeline ends at today's status
        let changes = status_changes(&c, &r, &a, today);
        for s in ACTORS {
            let now = status(&c, s, &r, &a, today);
            match changes.iter().rfind(|x| x.signatory == s) {
                Some(last) => {
                    prop_assert!(last.date <= today);
                    prop_assert_eq!(last.to, now);
                }
                None => prop_assert_eq!(now, Status::Pending),
            }
        }
    }

    #[test]
    fn status_is_total_on_any_strings(sig in ".{0,12}", id in ".{0,12}", (c, r, a, today) in case()) {
        let mut c = c;
        c.id = id;
        let _ = status(&c, &sig, &r, &a, today);
        let _ = c.validate();
    }

    #[test]
    fn unix_days_give_valid_ordered_dates(a in -1_000_000i64..3_000_000, b in -1_000_000i64..3_000_000) {
        let (da, db) = (Date::from_unix_days(a), Date::from_unix_days(b));
        prop_assert_eq!(da.to_string().parse::<Date>().unwrap(), da);
        if a <= b {
            prop_assert!(da <= db);
        }
    }

    #[test]
    fn date_parse_never_panics(s in ".{0,16}") {
        if let Ok(d) = s.parse::<Date>() {
            prop_assert_eq!(d.to_string(), s);
        }
    }
}

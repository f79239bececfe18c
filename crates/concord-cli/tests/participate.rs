//! Taking part in a deliberation through the real server on port 0: an editor creates a
//! conversation, anonymous participants add statements and vote with proofs of work solved here
//! in Rust (as the browser script does), the editor moderates, and the report reflects it. Also
//! every refusal of the proof-of-work check (replayed, wrong scope, expired, bad tag, bad
//! solution), the no-JavaScript path into moderation, the rate limit (429 with Retry-After),
//! CSRF, closing a conversation, the JSON API, and escaping of a hostile statement; on SQLite, and
//! on PostgreSQL when a server is available (required in CI).

mod common;

use common::hidden;

use std::path::Path;
use std::process::{Command, Stdio};

use common::Server;
use concord_server::pow::{self, Challenge, PowKeys};
use reqwest::{Client, StatusCode, header, redirect::Policy};
use serde_json::{Value, json};

const CONV: &str = "ai-rules";
const HOSTILE: &str = "<script>alert(1)</script> & \"quotes\"";
const HOSTILE_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;";

fn add_user(data: &Path, db: Option<&str>, name: &str, role: &str, password: &str) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_concord"));
    cmd.env_remove("CONCORD_DATABASE_URL");
    if let Some(url) = db {
        cmd.env("CONCORD_DATABASE_URL", url);
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(data)
        .args(["user", "add", name, "--role", role, "--password-stdin"])
        .env("CONCORD_LOAD_BUNDLED_CORPUS", "false")
        .env_remove("CONCORD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The part of a page from the form with `id` on.
fn form<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id} in {html}"));
    &html[at..]
}

/// A browser-like client without a cookie jar: it keeps the cookies it is sent.
struct Person {
    client: Client,
    base: String,
    cookies: Vec<String>,
}

impl Person {
    fn new(s: &Server) -> Person {
        Person {
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            base: s.url(""),
            cookies: Vec::new(),
        }
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(header::SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let (st, h) = (r.status(), r.headers().clone());
        (st, r.text().await.unwrap(), h)
    }

    async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookies.join("; "))
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let (st, h) = (r.status(), r.headers().clone());
        (st, r.text().await.unwrap(), h)
    }

    async fn post_json(
        &mut self,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value, header::HeaderMap) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookies.join("; "))
            .json(&body)
            .send()
            .await
            .unwrap();
        self.keep(&r);
        let (st, h) = (r.status(), r.headers().clone());
        (st, r.json().await.unwrap_or(Value::Null), h)
    }

    async fn sign_in(&mut self, name: &str, password: &str) {
        let (_, page, _) = self.get("/login").await;
        let csrf = hidden(&page, "csrf").unwrap();
        let (st, _, _) = self
            .post(
                "/login",
                &[
                    ("username", name),
                    ("password", password),
                    ("csrf", &csrf),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
    }
}

/// The database the server used: the given URL, else the SQLite file in the data directory.
fn config_url(data: &Path, db: Option<&str>) -> String {
    db.map(str::to_owned)
        .unwrap_or_else(|| format!("sqlite://{}", data.join("concord.db").display()))
}

fn solve(wire: &str, payload: &[u8; 32]) -> String {
    pow::solve(wire, payload).unwrap().to_string()
}

/// A nonce that does not meet the challenge's difficulty.
fn bad_nonce(wire: &str, payload: &[u8; 32]) -> String {
    let (c, _) = wire.split_once('.').unwrap();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .unwrap();
    let ch = Challenge::from_bytes(&bytes).unwrap();
    let arr: [u8; 66] = bytes.try_into().unwrap();
    (0u64..)
        .find(|n| pow::leading_zero_bits(&pow::work_hash(&arr, payload, *n)) < u32::from(ch.bits))
        .unwrap()
        .to_string()
}

/// Votes on the statement the vote page shows, solving its challenge. Returns the tid, or
/// `None` when nothing is left.
async fn vote_shown(p: &mut Person, vote: &str) -> Option<u32> {
    let (st, page, _) = p.get(&format!("/deliberations/{CONV}/vote")).await;
    assert_eq!(st, StatusCode::OK);
    if page.contains("id=\"all-done\"") {
        return None;
    }
    let f = form(&page, "vote-form");
    let tid = hidden(f, "tid").unwrap();
    let challenge = hidden(f, "challenge").unwrap();
    let csrf = hidden(f, "csrf").unwrap();
    let payload = pow::vote_payload(CONV, tid.parse().unwrap(), vote);
    let nonce = solve(&challenge, &payload);
    let (st, _, h) = p
        .post(
            &format!("/deliberations/{CONV}/vote"),
            &[
                ("csrf", &csrf),
                ("tid", &tid),
                ("vote", vote),
                ("challenge", &challenge),
                ("nonce", &nonce),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION].to_str().unwrap().ends_with("done=vote"),
        "{h:?}"
    );
    Some(tid.parse().unwrap())
}

#[tokio::test]
async fn deliberation_platform_on_sqlite() {
    platform(None).await;
}

#[tokio::test]
async fn deliberation_platform_on_postgres() {
    let Some(pg) = concord_testkit::TempPostgres::start() else {
        return;
    };
    platform(Some(pg.url().to_owned())).await;
}

async fn platform(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(
        &data,
        database_url.as_deref(),
        "ed",
        "editor",
        "editor password 1",
    );
    let mut config = concord::Config {
        data_dir: data.clone(),
        database_url: database_url.clone(),
        load_bundled_corpus: false,
        ..Default::default()
    };
    // Small difficulty keeps the debug-build solves quick; a tight vote limit for the 429.
    config.participation.pow_levels = vec![10, 12];
    config.participation.votes_per_minute = 8;
    let s = Server::start(config).await;

    // --- the key file was created owner-only ---
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("pow.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // --- an editor creates the conversation with two seed statements ---
    let mut ed = Person::new(&s);
    let mut anon_page = Person::new(&s);
    let (st, _, _) = anon_page.get("/deliberations/new").await;
    assert_eq!(st, StatusCode::SEE_OTHER, "signing in is required");
    ed.sign_in("ed", "editor password 1").await;
    let (st, page, _) = ed.get("/deliberations/new").await;
    assert_eq!(st, StatusCode::OK);
    let csrf = hidden(&page, "csrf").unwrap();
    let (st, _, _) = ed
        .post(
            "/deliberations/new",
            &[
                ("csrf", "wrong"),
                ("id", CONV),
                ("title_en", "AI rules"),
                ("seeds", "x"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "CSRF");
    let (st, page, _) = ed
        .post(
            "/deliberations/new",
            &[("csrf", &csrf), ("id", "Bad Id"), ("title_en", "x")],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (st, _, h) = ed
        .post(
            "/deliberations/new",
            &[
                ("csrf", &csrf),
                ("id", CONV),
                ("title_en", "AI rules"),
                ("title_zh", "人工智能规则"),
                ("description", "What should AI rules require?"),
                (
                    "seeds",
                    "Frontier models need independent audits.\nOpen models should stay legal.",
                ),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().contains("/moderate"));

    // --- the vote page: CSP allows the solver script, a participant cookie is set ---
    let mut alice = Person::new(&s);
    let (st, page, h) = alice
        .get(&format!("/deliberations/{CONV}/vote?lang=en"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe"), "{csp}");
    assert!(
        alice
            .cookies
            .iter()
            .any(|c| c.starts_with("concord_participant="))
    );
    assert!(page.contains("src=\"/static/participate.js\""));
    assert!(page.contains("id=\"anon-note\""));
    let (st, js, h) = alice.get("/static/participate.js").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.contains("pow/v1"));

    // --- alice adds a hostile statement with a proof of work ---
    let f = form(&page, "statement-form");
    let (csrf, challenge) = (hidden(f, "csrf").unwrap(), hidden(f, "challenge").unwrap());
    let text = format!("{HOSTILE}\r\nSecond line");
    let nonce = solve(&challenge, &pow::statement_payload(CONV, &text));
    let (st, _, h) = alice
        .post(
            &format!("/deliberations/{CONV}/statements"),
            &[
                ("csrf", &csrf),
                ("text", &text),
                ("challenge", &challenge),
                ("nonce", &nonce),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("done=statement")
    );
    // the same challenge again: refused as a replay, nothing added
    let (st, _, h) = alice
        .post(
            &format!("/deliberations/{CONV}/statements"),
            &[
                ("csrf", &csrf),
                ("text", &text),
                ("challenge", &challenge),
                ("nonce", &nonce),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(h["x-concord-pow-error"], "pow_replayed");
    // wrong CSRF token
    let (st, _, _) = alice
        .post(
            &format!("/deliberations/{CONV}/statements"),
            &[("csrf", "0000"), ("text", "x")],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // --- bob has no JavaScript: his statement still goes to moderation, marked as such ---
    let mut bob = Person::new(&s);
    let (_, page, _) = bob.get(&format!("/deliberations/{CONV}/vote")).await;
    let csrf_bob = hidden(form(&page, "statement-form"), "csrf").unwrap();
    let (st, _, h) = bob
        .post(
            &format!("/deliberations/{CONV}/statements"),
            &[("csrf", &csrf_bob), ("text", "Written without JavaScript.")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("done=statement")
    );

    // --- moderation: the queue shows both, escaped; accept alice's, reject bob's ---
    let (st, page, _) = ed
        .get(&format!("/deliberations/{CONV}/moderate?lang=en"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(HOSTILE_ESCAPED), "{page}");
    assert!(!page.contains(HOSTILE));
    assert!(page.contains("with proof of work (10 bits)"), "{page}");
    assert!(page.contains("sent without proof of work"));
    let csrf_ed = hidden(&page, "csrf").unwrap();
    let (st, _, _) = anon_page
        .post(
            &format!("/deliberations/{CONV}/moderate"),
            &[("csrf", &csrf_ed), ("tid", "2"), ("op", "accepted")],
        )
        .await;
    assert_eq!(
        st,
        StatusCode::SEE_OTHER,
        "not signed in: to the sign-in page"
    );
    for (tid, op) in [("2", "accepted"), ("3", "rejected")] {
        let (st, _, _) = ed
            .post(
                &format!("/deliberations/{CONV}/moderate"),
                &[("csrf", &csrf_ed), ("tid", tid), ("op", op)],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
    }
    let (_, page, _) = ed.get(&format!("/deliberations/{CONV}/moderate")).await;
    assert!(page.contains("id=\"queue-empty\""));

    // --- alice votes on every accepted statement, one at a time, with proofs of work ---
    let mut seen = Vec::new();
    while let Some(tid) = vote_shown(&mut alice, "agree").await {
        assert!(!seen.contains(&tid), "a statement came back: {seen:?}");
        seen.push(tid);
    }
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2], "rejected statement 3 is never shown");

    // --- every refusal of the proof-of-work check, on a fresh page ---
    let mut carol = Person::new(&s);
    let (_, page, _) = carol.get(&format!("/deliberations/{CONV}/vote")).await;
    let f = form(&page, "vote-form");
    let (csrf_c, tid_c, ch_vote) = (
        hidden(f, "csrf").unwrap(),
        hidden(f, "tid").unwrap(),
        hidden(f, "challenge").unwrap(),
    );
    let ch_statement = hidden(form(&page, "statement-form"), "challenge").unwrap();
    let payload = pow::vote_payload(CONV, tid_c.parse().unwrap(), "disagree");
    let mut refusals: Vec<(String, String, &str)> = Vec::new();
    // a statement challenge used for a vote: wrong scope
    refusals.push((
        ch_statement.clone(),
        solve(&ch_statement, &payload),
        "pow_wrong_scope",
    ));
    // another conversation's challenge: wrong scope
    let (st, other, _) = ed.get("/deliberations/new").await;
    assert_eq!(st, StatusCode::OK);
    let csrf_new = hidden(&other, "csrf").unwrap();
    ed.post(
        "/deliberations/new",
        &[
            ("csrf", &csrf_new),
            ("id", "other"),
            ("title_en", "Other"),
            ("seeds", "One"),
        ],
    )
    .await;
    let (st, ch) = s
        .get("/api/v1/deliberations/other/challenge?action=vote")
        .await;
    assert_eq!(st, 200);
    let ch_other = ch["challenge"].as_str().unwrap().to_owned();
    refusals.push((
        ch_other.clone(),
        solve(&ch_other, &payload),
        "pow_wrong_scope",
    ));
    // expired: minted with the server's own key, issued 40 minutes ago
    let (key, created) = PowKeys::load_or_create(&data.join("pow.key")).unwrap();
    assert!(!created);
    let keys = PowKeys::new(key, None).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expired = keys.issue_with(&Challenge {
        issued_at: now - 2400,
        expires_at: now - 1500,
        bits: 8,
        scope: pow::scope(CONV, "vote"),
        rand: [5; 16],
    });
    refusals.push((expired.clone(), solve(&expired, &payload), "pow_expired"));
    // signed by someone else
    let forged = PowKeys::random().issue(CONV, "vote", 8, now, 900);
    refusals.push((forged.clone(), solve(&forged, &payload), "pow_bad_tag"));
    // a nonce that does not do the work
    refusals.push((
        ch_vote.clone(),
        bad_nonce(&ch_vote, &payload),
        "pow_insufficient_work",
    ));
    refusals.push(("garbage".into(), "1".into(), "pow_malformed"));
    for (challenge, nonce, code) in refusals {
        let (st, body, h) = carol
            .post(
                &format!("/deliberations/{CONV}/vote"),
                &[
                    ("csrf", &csrf_c),
                    ("tid", &tid_c),
                    ("vote", "disagree"),
                    ("challenge", &challenge),
                    ("nonce", &nonce),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{code}: {body}");
        assert_eq!(h["x-concord-pow-error"], code);
    }
    // the real solution works once, then is a replay
    let good = solve(&ch_vote, &payload);
    let form_ok = [
        ("csrf", csrf_c.as_str()),
        ("tid", tid_c.as_str()),
        ("vote", "disagree"),
        ("challenge", ch_vote.as_str()),
        ("nonce", good.as_str()),
    ];
    let (st, _, _) = carol
        .post(&format!("/deliberations/{CONV}/vote"), &form_ok)
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _, h) = carol
        .post(&format!("/deliberations/{CONV}/vote"), &form_ok)
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(h["x-concord-pow-error"], "pow_replayed");

    // --- bob votes without JavaScript: held for moderation, not counted yet ---
    let (_, page, _) = bob.get(&format!("/deliberations/{CONV}/vote")).await;
    let f = form(&page, "vote-form");
    let tid_b = hidden(f, "tid").unwrap();
    assert!(page.contains("<noscript>"));
    let (st, _, h) = bob
        .post(
            &format!("/deliberations/{CONV}/vote"),
            &[
                ("csrf", &hidden(f, "csrf").unwrap()),
                ("tid", &tid_b),
                ("vote", "agree"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().ends_with("done=held"));
    let (_, page, _) = bob.get(&format!("/deliberations/{CONV}/vote")).await;
    assert_ne!(
        hidden(form(&page, "vote-form"), "tid"),
        Some(tid_b.clone()),
        "a held vote does not bring its statement back"
    );
    let (_, report) = s.get(&format!("/api/v1/deliberations/{CONV}")).await;
    let votes_before = report["conversation"]["votes"].as_u64().unwrap();
    assert_eq!(votes_before, 4, "alice 3 + carol 1; bob's vote is held");

    // --- the registered editor votes without proof of work ---
    let (_, page, _) = ed.get(&format!("/deliberations/{CONV}/vote")).await;
    assert!(!page.contains("id=\"anon-note\""));
    assert!(
        page.contains("id=\"moderate-link\""),
        "editors get a link to moderation"
    );
    let f = form(&page, "vote-form");
    assert!(
        hidden(f, "challenge").is_none(),
        "no proof of work for signed-in users"
    );
    let (st, _, h) = ed
        .post(
            &format!("/deliberations/{CONV}/vote"),
            &[
                ("csrf", &hidden(f, "csrf").unwrap()),
                ("tid", &hidden(f, "tid").unwrap()),
                ("vote", "pass"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(h[header::LOCATION].to_str().unwrap().ends_with("done=vote"));

    // --- the moderator accepts the held vote: it counts now ---
    let (_, page, _) = ed.get(&format!("/deliberations/{CONV}/moderate")).await;
    let held_id = hidden(&page, "held").unwrap();
    let (st, _, _) = ed
        .post(
            &format!("/deliberations/{CONV}/moderate"),
            &[
                ("csrf", &csrf_ed),
                ("op", "accept_held"),
                ("held", &held_id),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, report) = s.get(&format!("/api/v1/deliberations/{CONV}")).await;
    assert_eq!(
        report["conversation"]["votes"].as_u64().unwrap(),
        votes_before + 2
    );

    // --- self-declared category and region ---
    let (_, page, _) = alice.get(&format!("/deliberations/{CONV}/vote")).await;
    let csrf_a = hidden(&page, "csrf").unwrap();
    let (st, _, _) = alice
        .post(
            &format!("/deliberations/{CONV}/profile"),
            &[
                ("csrf", &csrf_a),
                ("category", "civil_society"),
                ("region", "asia_pacific"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _, _) = alice
        .post(
            &format!("/deliberations/{CONV}/profile"),
            &[("csrf", &csrf_a), ("category", "<b>"), ("region", "")],
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (_, page, _) = alice.get(&format!("/deliberations/{CONV}/vote")).await;
    assert!(page.contains("value=\"civil_society\" selected"), "{page}");

    // --- the JSON API: challenge, next, vote with and without proof of work ---
    let mut dave = Person::new(&s);
    let (st, body, _) = dave
        .post_json(
            &format!("/api/v1/deliberations/{CONV}/votes"),
            json!({"tid": 0, "vote": "agree"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "pow_required");
    let (st, next) = {
        let (st, body, _) = dave
            .get(&format!("/api/v1/deliberations/{CONV}/next"))
            .await;
        (st, serde_json::from_str::<Value>(&body).unwrap())
    };
    assert_eq!(st, StatusCode::OK);
    assert_eq!(next["anonymous"], true);
    let tid = next["statement"]["tid"].as_u64().unwrap() as u32;
    let (st, body) = s
        .get(&format!(
            "/api/v1/deliberations/{CONV}/challenge?action=nonsense"
        ))
        .await;
    assert_eq!(st, 400, "{body}");
    let mut api_votes = 0;
    let mut limited = None;
    for i in 0..12 {
        let (_, ch) = s
            .get(&format!(
                "/api/v1/deliberations/{CONV}/challenge?action=vote"
            ))
            .await;
        let wire = ch["challenge"].as_str().unwrap();
        let vote = ["agree", "disagree"][i % 2];
        let nonce: u64 = solve(wire, &pow::vote_payload(CONV, tid, vote))
            .parse()
            .unwrap();
        let (st, body, h) = dave
            .post_json(
                &format!("/api/v1/deliberations/{CONV}/votes"),
                json!({"tid": tid, "vote": vote, "challenge": wire, "nonce": nonce}),
            )
            .await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "rate_limited");
            let retry: u64 = h[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry));
            limited = Some(i);
            break;
        }
        assert_eq!(st, StatusCode::CREATED, "{body}");
        assert_eq!(body["anonymous"], true);
        api_votes += 1;
    }
    // 8 per minute per participant: the refused call without proof of work counted too
    assert_eq!(limited, Some(7), "votes_per_minute = 8 per participant");
    assert_eq!(api_votes, 7);
    // a statement through the API, with a proof of work
    let (_, ch) = s
        .get(&format!(
            "/api/v1/deliberations/{CONV}/challenge?action=statement"
        ))
        .await;
    let wire = ch["challenge"].as_str().unwrap();
    let text = "Audits should be published.";
    let nonce: u64 = solve(wire, &pow::statement_payload(CONV, text))
        .parse()
        .unwrap();
    let mut erin = Person::new(&s);
    let (st, body, _) = erin
        .post_json(
            &format!("/api/v1/deliberations/{CONV}/statements"),
            json!({"text": text, "challenge": wire, "nonce": nonce}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["moderation"], "unmoderated");

    // --- the report reflects the votes, marks anonymous ones and escapes the statement ---
    let (_, report) = s.get(&format!("/api/v1/deliberations/{CONV}")).await;
    let total = votes_before + 2 + api_votes;
    assert_eq!(report["conversation"]["votes"].as_u64().unwrap(), total);
    // alice, carol, bob, dave, erin anonymous; ed registered
    assert_eq!(report["anonymous_participants"], 5);
    let (st, page, _) = alice.get(&format!("/deliberations/{CONV}?lang=en")).await;
    assert_eq!(st, StatusCode::OK);
    let anonymous_votes = total - 1; // all but the editor's
    assert!(
        page.contains(&format!("{anonymous_votes} anonymous votes")),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));

    // --- closing: no more votes or statements ---
    let (st, _, _) = ed
        .post(
            &format!("/deliberations/{CONV}/moderate"),
            &[("csrf", &csrf_ed), ("op", "close")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, page, _) = alice
        .get(&format!("/deliberations/{CONV}/vote?lang=en"))
        .await;
    assert!(page.contains("This conversation is closed"));
    assert!(!page.contains("id=\"vote-form\""));
    let (st, body, _) = dave
        .post_json(
            &format!("/api/v1/deliberations/{CONV}/votes"),
            json!({"tid": 0, "vote": "agree"}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    let (st, _, _) = alice
        .post(
            &format!("/deliberations/{CONV}/vote"),
            &[("csrf", &csrf_a), ("tid", "0"), ("vote", "agree")],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // --- the audit trail names the editor's actions ---
    let url = config_url(&data, database_url.as_deref());
    let store = concord_store::connect(&url).await.unwrap();
    let audit = store.accounts().list_audit(100, 0).await.unwrap();
    let audit: Vec<(String,)> = audit
        .into_iter()
        .filter(|a| a.target_kind == "deliberation")
        .map(|a| (a.action,))
        .collect();
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert!(actions.contains(&"deliberation.create"), "{actions:?}");
    assert!(actions.contains(&"deliberation.moderate"));
    assert!(actions.contains(&"deliberation.held_votes"));
    assert!(actions.contains(&"deliberation.status"));
    s.stop().await;
}

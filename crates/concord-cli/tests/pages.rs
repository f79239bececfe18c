//! The bilingual pages: language negotiation, escaping of hostile content, search and document
//! pages, through the real server on port 0.

use std::{path::Path, process::Command};

async fn start(data: &Path) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let config = concord::Config {
        data_dir: data.to_path_buf(),
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        concord::serve(&config, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    for _ in 0..200 {
        if reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (addr, tx)
}

async fn page(addr: std::net::SocketAddr, path: &str, accept: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("http://{addr}{path}"));
    if let Some(a) = accept {
        req = req.header("accept-language", a);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn pages_are_bilingual_and_escape_hostile_content() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("evil.toml"),
        "id = \"evil_doc\"\ninstrument_type = \"law\"\njurisdiction = \"US\"\nsource_urls = [\"https://example.org/a?b=1&c=\\\"><script>\"]\n[title]\nen = \"<script>alert('t')</script> Evil & Co\"\n[summary]\nen = \"<img src=x onerror=alert(1)> privacy\"\n",
    )
    .unwrap();
    std::fs::write(
        input.join("evil.txt"),
        "Article 1 Providers shall protect personal data <b>now</b>.\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(&data)
        .args(["import", input.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (addr, stop) = start(&data).await;

    let (status, zh) = page(addr, "/", Some("zh-CN,zh;q=0.9,en;q=0.5")).await;
    assert_eq!(status, 200);
    assert!(zh.contains("<html lang=\"zh\">"), "{}", &zh[..300]);
    assert!(zh.contains("最低共同标准"));
    assert!(
        zh.contains("已生效") && zh.contains("具有约束力"),
        "enum values in Chinese"
    );
    let (_, en) = page(addr, "/?lang=en", Some("zh")).await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Minimum common standard"));
    assert!(en.contains("生成式人工智能服务管理暂行办法") || en.contains("Interim Measures"));
    for html in [&zh, &en] {
        assert!(!html.contains("<script>alert"), "home escapes titles");
        assert!(html.contains("&lt;script&gt;alert"));
    }

    let (status, doc) = page(addr, "/documents/evil_doc?lang=en", None).await;
    assert_eq!(status, 200);
    assert!(
        !doc.contains("<script>") && !doc.contains("<img src=x"),
        "document page escapes"
    );
    assert!(doc.contains("&lt;b&gt;now&lt;/b&gt;"), "text is escaped");
    assert!(
        doc.contains("<mark title=\"privacy\">"),
        "evidence is highlighted"
    );
    assert!(doc.contains("/api/v1/documents/evil_doc/cite?format=bibtex"));
    assert!(doc.contains("href=\"https://example.org/a?b=1&amp;c=&quot;&gt;&lt;script&gt;\""));

    let (status, s) = page(addr, "/search?q=%3Cscript%3Eprivacy&lang=zh", None).await;
    assert_eq!(status, 200);
    assert!(!s.contains("<script>privacy") && s.contains("value=\"&lt;script&gt;privacy\""));
    let (_, s) = page(
        addr,
        "/search?q=%E7%94%9F%E6%88%90%E5%BC%8F%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD",
        Some("zh"),
    )
    .await;
    assert!(
        s.contains("/documents/cn_genai_interim_measures_2023"),
        "Chinese search finds the measures"
    );

    // search: facets over all matches, each a link that adds a filter to the query's URL
    let (_, s) = page(addr, "/search?q=privacy&lang=en", None).await;
    assert!(
        s.contains("href=\"/search?q=privacy&amp;lang=en&amp;bloc=cn\""),
        "bloc facet link on the search page"
    );
    assert!(s.contains("/documents/cn_personal_information_protection_law_2021?"));
    assert!(s.contains("/documents/evil_doc?"));
    let (_, cn) = page(addr, "/search?q=privacy&lang=en&bloc=cn", None).await;
    assert!(cn.contains("/documents/cn_personal_information_protection_law_2021?"));
    assert!(!cn.contains("/documents/evil_doc?"), "filtered out");
    assert!(
        cn.contains("href=\"/search?q=privacy&amp;lang=en\""),
        "the active filter links to its removal"
    );
    assert!(
        cn.contains("name=\"bloc\" value=\"cn\""),
        "a new query keeps the filter"
    );

    // browse: facets are links that add a filter, and the filtered URL is the state
    let (status, b) = page(addr, "/documents?lang=en", None).await;
    assert_eq!(status, 200);
    assert!(
        b.contains("href=\"/documents?lang=en&amp;bloc=cn\""),
        "bloc facet link"
    );
    let (_, cn) = page(addr, "/documents?lang=en&bloc=cn&principle=privacy", None).await;
    assert!(cn.contains("cn_personal_information_protection_law_2021"));
    assert!(!cn.contains("/documents/eu_ai_act_2024?"));
    let (status, _) = page(addr, "/documents?bogus=1", None).await;
    assert_eq!(status, 400);

    // compare: a principles matrix with the evidence locators
    let (status, c) = page(
        addr,
        "/compare?ids=eu_ai_act_2024,oecd_ai_principles_2019&lang=en",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        c.contains("Art. 14") && c.contains("Transparency"),
        "matrix"
    );
    let (status, one) = page(addr, "/compare?ids=eu_ai_act_2024", Some("zh")).await;
    assert_eq!(status, 400);
    assert!(one.contains("请比较2至6份文件"));

    // the consensus page: a form over the parameters, then the report with its charts
    let (status, c) = page(addr, "/consensus?theta=0.3&by=bloc", Some("zh")).await;
    assert_eq!(status, 200);
    assert!(c.contains("阈值 θ") && c.contains("name=\"theta\""));
    assert_eq!(c.matches("<svg").count(), 5);
    let (status, _) = page(addr, "/consensus?theta=abc", None).await;
    assert_eq!(status, 400);
    let (status, _) = page(addr, "/consensus?by=country", None).await;
    assert_eq!(status, 400);

    // the world map: countries link to their profiles; regional documents are listed
    let (status, m) = page(addr, "/map?lang=en", None).await;
    assert_eq!(status, 200);
    assert!(m.matches("<path ").count() > 150, "country outlines");
    assert!(m.contains("href=\"/jurisdictions/CN?lang=en\""));
    assert!(
        m.contains("/jurisdictions/EU?lang=en"),
        "EU-level documents are listed"
    );
    assert!(m.len() < 150_000, "light page: {} bytes", m.len());
    let (status, _) = page(
        addr,
        "/map?metric=principle&principle=privacy&lang=zh",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = page(addr, "/map?metric=gdp", None).await;
    assert_eq!(status, 400);

    // the best-practice case library, by region
    let (status, cases) = page(addr, "/best-practices?lang=en", None).await;
    assert_eq!(status, 200);
    assert!(
        cases.matches("<article>").count() >= 10,
        "the bundled cases are listed"
    );
    let (_, eu) = page(addr, "/best-practices?lang=zh&bloc=eu", None).await;
    assert!(eu.matches("<article>").count() < cases.matches("<article>").count());

    // a jurisdiction's profile with its gaps and peers that fill them
    let (status, prof) = page(addr, "/jurisdictions/cn?lang=en", None).await;
    assert_eq!(status, 200);
    assert!(prof.contains("Jurisdiction profile: CN") && prof.contains("Principle coverage"));
    assert!(prof.contains("/documents/cn_genai_interim_measures_2023?lang=en"));
    let (_, ke) = page(addr, "/jurisdictions/KE?lang=en&theta=0.2", None).await;
    assert!(ke.contains("Gaps against the common standard"));
    assert!(
        ke.matches("<h3>").count() >= 1,
        "Kenya's record lacks some widely shared principles"
    );
    let (status, _) = page(addr, "/jurisdictions/XX", None).await;
    assert_eq!(status, 404);

    let (status, nf) = page(addr, "/documents/no_such_doc", Some("zh")).await;
    assert_eq!(status, 404);
    assert!(nf.contains("没有这份文件"));
    let _ = stop.send(());
}

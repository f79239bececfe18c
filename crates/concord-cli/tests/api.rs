//! Runs the real server in-process (port 0) over a fresh data directory, on SQLite and on
//! PostgreSQL, and checks the JSON API, the index page, and the page in headless Chromium.

mod common;

use std::{path::Path, process::Command};

use common::Server;
use concord::Config;
use concord_testkit::TempPostgres;
use serde_json::Value;

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Number of documents in the bundled corpus.
fn bundled_count() -> u64 {
    concord_import::BUNDLED_CORPUS
        .get_dir("documents")
        .unwrap()
        .files()
        .count() as u64
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

/// Main date as the store sorts it: adopted, else published, else in force.
fn main_date(d: &Value) -> String {
    let dates = &d["dates"];
    ["adopted", "published", "in_force"]
        .iter()
        .find_map(|k| dates[k].as_str())
        .unwrap_or("")
        .to_owned()
}

fn padded(date: &str) -> String {
    let mut parts: Vec<&str> = date.split('-').collect();
    parts.resize(3, "00");
    parts.join("-")
}

async fn check_api(s: &Server) {
    let n = bundled_count();
    let (status, health) = s.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["documents"], n);

    let (_, all) = s.get("/api/v1/documents?limit=500").await;
    assert_eq!(all["total"], n);
    let dates: Vec<String> = items(&all).iter().map(|d| padded(&main_date(d))).collect();
    let dated: Vec<&String> = dates.iter().filter(|d| !d.is_empty()).collect();
    assert!(
        dated.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );

    let (_, cn) = s.get("/api/v1/documents?jurisdiction=cn&limit=500").await;
    assert!(cn["total"].as_u64().unwrap() >= 4);
    assert!(
        items(&cn)
            .iter()
            .all(|d| d["jurisdiction"] == "CN" && d["bloc"] == "cn")
    );

    let (_, eu) = s.get("/api/v1/documents?bloc=eu&limit=500").await;
    assert!(ids(&eu).contains(&"eu_ai_act_2024".to_owned()));
    assert!(items(&eu).iter().all(|d| d["bloc"] == "eu"), "{eu}");
    let (_, gs) = s.get("/api/v1/documents?bloc=global_south&limit=500").await;
    assert!(
        items(&gs).iter().all(|d| d["bloc"] == "global_south"),
        "{gs}"
    );
    let (_, both) = s
        .get("/api/v1/documents?bloc=eu,global_south&limit=1")
        .await;
    assert_eq!(
        both["total"].as_u64().unwrap(),
        eu["total"].as_u64().unwrap() + gs["total"].as_u64().unwrap()
    );
    let (_, treaty) = s.get("/api/v1/documents?instrument_type=treaty").await;
    assert!(ids(&treaty).contains(&"coe_framework_convention_ai_cets225_2024".to_owned()));
    assert!(
        items(&treaty)
            .iter()
            .all(|d| d["instrument_type"] == "treaty")
    );
    let (_, zh) = s.get("/api/v1/documents?q=%E7%94%9F%E6%88%90%E5%BC%8F%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD%E6%9C%8D%E5%8A%A1").await; // 生成式人工智能服务
    assert!(
        ids(&zh).contains(&"cn_genai_interim_measures_2023".to_owned()),
        "{zh}"
    );
    let (_, years) = s
        .get("/api/v1/documents?year_from=2019&year_to=2021&sort=date_asc&limit=500")
        .await;
    let ys: Vec<String> = items(&years).iter().map(main_date).collect();
    assert!(
        ys.iter().all(|d| ("2019".."2022").contains(&d.as_str())),
        "{ys:?}"
    );
    assert!(
        ys.windows(2).all(|w| padded(&w[0]) <= padded(&w[1])),
        "{ys:?}"
    );
    assert!(ids(&years).contains(&"oecd_ai_principles_2019".to_owned()));
    let (_, paged) = s.get("/api/v1/documents?limit=5&offset=10").await;
    assert_eq!((paged["total"].as_u64(), ids(&paged).len()), (Some(n), 5));
    assert_eq!(ids(&paged), ids(&all)[10..15]);

    for (query, needle) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("bloc=atlantis", "unknown bloc"),
        ("instrument_type=poem", "instrument_type"),
        ("sort=random", "sort"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = s.get(&format!("/api/v1/documents?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], "bad_request");
        assert_eq!(body["status"], 400);
        assert!(
            body["detail"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }

    let (status, doc) = s.get("/api/v1/documents/eu_ai_act_2024").await;
    assert_eq!(status, 200);
    assert_eq!(doc["legal_force"], "binding");
    assert_eq!(doc["history"][0]["version"], 1);
    assert!(doc.get("text").is_none());
    let (status, missing) = s.get("/api/v1/documents/nope").await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")));
    let (status, v1) = s.get("/api/v1/documents/eu_ai_act_2024/versions/1").await;
    assert_eq!((status, v1["id"].as_str()), (200, Some("eu_ai_act_2024")));
    let (status, _) = s.get("/api/v1/documents/eu_ai_act_2024/versions/x").await;
    assert_eq!(status, 400);
    let (status, _) = s.get("/api/v1/documents/eu_ai_act_2024/versions/9").await;
    assert_eq!(status, 404);

    let (_, actors) = s.get("/api/v1/actors").await;
    assert!(actors.as_array().unwrap().iter().any(|a| a["id"] == "cac"));
    let (_, blocs) = s.get("/api/v1/blocs").await;
    assert_eq!(blocs["blocs"].as_array().unwrap().len(), 7);
    let (status, _) = s.get("/no/such/route").await;
    assert_eq!(status, 404);

    // the OpenAPI document names exactly the routes that exist, and each answers
    let (status, spec) = s.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"], "3.1.0");
    let mut documented: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut routes = concord_server::API_ROUTES.to_vec();
    documented.sort_unstable();
    routes.sort_unstable();
    assert_eq!(documented, routes);
    for route in concord_server::API_ROUTES {
        if route.starts_with("/api/v1/deliberations/") || route.starts_with("/api/v1/commitments/")
        {
            // Needs an imported conversation: tests/deliberate_import.rs checks it.
            continue;
        }
        let path = route
            .replace("{id}", "eu_ai_act_2024")
            .replace("{version}", "1");
        let r = reqwest::get(format!("http://{}{path}?", s.addr))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    let r = reqwest::get(format!("http://{}/api/v1/documents/nope", s.addr))
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // bulk export
    let csv = reqwest::get(format!("http://{}/api/v1/export?format=csv", s.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("id,"), "{}", &csv[..80.min(csv.len())]);
    let (status, all) = s.get("/api/v1/export").await;
    assert_eq!(status, 200);
    assert_eq!(all.as_array().unwrap().len() as u64, bundled_count());
    let (status, _) = s.get("/api/v1/export?format=xml").await;
    assert_eq!(status, 400);

    // citations
    let text = |path: String| async move {
        let r = reqwest::get(path).await.unwrap();
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        (r.status().as_u16(), ct, r.text().await.unwrap())
    };
    let base = format!("http://{}/api/v1/documents/eu_ai_act_2024/cite", s.addr);
    let (status, ct, bib) = text(base.clone()).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/x-bibtex"));
    assert!(bib.starts_with("@misc{eu_ai_act_2024,"), "{bib}");
    assert!(bib.contains("date = {2024-06-13}"), "{bib}");
    let (_, _, csl) = text(format!("{base}?format=csl-json")).await;
    let csl: Value = serde_json::from_str(&csl).unwrap();
    assert_eq!(csl[0]["type"], "legislation");
    let (_, _, ris) = text(format!("{base}?format=ris")).await;
    assert!(ris.starts_with("TY  - STAT"), "{ris}");
    let (status, _, _) = text(format!("{base}?format=pdf")).await;
    assert_eq!(status, 400);
    let (status, _, _) = text(format!("http://{}/api/v1/documents/nope/cite", s.addr)).await;
    assert_eq!(status, 404);

    // full-text search, Chinese and English in one index, cross-lingual through the taxonomy
    let (status, r) = s
        .get("/api/v1/search?q=生成式人工智能服务管理暂行办法")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["items"][0]["id"], "cn_genai_interim_measures_2023", "{r}");
    let (_, r) = s
        .get("/api/v1/search?q=Artificial%20Intelligence%20Act&limit=5")
        .await;
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == "eu_ai_act_2024"),
        "{r}"
    );
    // facet filters and counts over all matches
    let (status, r) = s
        .get("/api/v1/search?q=privacy&limit=1&facets=bloc,year")
        .await;
    assert_eq!(status, 200, "{r}");
    let blocs = r["facets"]["bloc"].as_array().unwrap();
    let counted: u64 = blocs.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    // a document is in one bloc at most; the page held one item, the counts cover all
    assert!(
        blocs.len() > 1 && counted > 1 && counted <= r["total"].as_u64().unwrap(),
        "{r}"
    );
    let cn = blocs.iter().find(|c| c["value"] == "cn").unwrap()["count"].clone();
    let (_, r) = s
        .get("/api/v1/search?q=privacy&limit=100&bloc=cn&facets=all")
        .await;
    assert_eq!(r["total"], cn, "{r}");
    assert_eq!(r["facets"]["bloc"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["facets"].as_object().unwrap().len(), 8, "{r}");
    let (status, r) = s.get("/api/v1/search?q=privacy&facets=colour").await;
    assert_eq!(status, 400);
    assert!(r["detail"].as_str().unwrap().contains("colour"), "{r}");
    let (_, r) = s.get("/api/v1/search?q=privacy").await;
    assert!(r.get("facets").is_none(), "no facets unless asked for: {r}");
    let (_, r) = s.get("/api/v1/search?q=透明度&limit=100").await;
    assert_eq!(r["principles"], serde_json::json!(["transparency"]));
    // documents tagged transparency come too, also where no text says 透明度 (no snippet)
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["snippet"] == ""),
        "{r}"
    );
    let (_, r) = s.get("/api/v1/search?q=transparancy").await;
    assert!(r["total"].as_u64().unwrap() > 0, "typo tolerance: {r}");
    for bad in [
        "/api/v1/search?q=x&limit=0",
        "/api/v1/search?q=x&limit=abc",
        "/api/v1/search?q=x&offset=99999",
        "/api/v1/search?q=x&bogus=1",
    ] {
        let (status, body) = s.get(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, r) = s.get("/api/v1/search?q=%22unclosed%20title:").await;
    assert_eq!(status, 200, "{r}");

    // consensus analytics, same figures on both backends
    let (status, c) = s
        .get("/api/v1/consensus?theta=0.2&bootstrap=100&year_from=2016")
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["documents"], bundled_count());
    assert!(!c["core"].as_array().unwrap().is_empty());
    let t = c["principles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "transparency")
        .unwrap();
    assert!(t["count"].as_u64().unwrap() > 0 && t["per_group"]["eu"]["share"].is_number());
    let (status, c) = s
        .get("/api/v1/consensus?by=instrument&scheme=jobin2019&bootstrap=0")
        .await;
    assert_eq!(status, 200, "{c}");
    assert!(
        c["principles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "Transparency")
    );
    for bad in [
        "/api/v1/consensus?theta=abc",
        "/api/v1/consensus?theta=2",
        "/api/v1/consensus?bootstrap=100000",
        "/api/v1/consensus?by=country",
        "/api/v1/consensus?format=pdf",
        "/api/v1/consensus?nope=1",
    ] {
        let (status, body) = s.get(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = s.get("/api/v1/consensus?scheme=nope").await;
    assert_eq!(status, 404);
    let (status, _) = s.get("/api/v1/consensus?label_set=nope").await;
    assert_eq!(status, 404);
    let page = reqwest::get(format!(
        "http://{}/api/v1/consensus?format=html&bootstrap=0",
        s.addr
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("<svg"));

    let html = reqwest::get(format!("http://{}/", s.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Artificial Intelligence Act"));
    let html = reqwest::get(format!("http://{}/?lang=zh", s.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("生成式人工智能服务管理暂行办法"));
}

fn config(data_dir: &Path, database_url: Option<String>) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        database_url,
        ..Config::default()
    }
}

#[tokio::test]
async fn api_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path(), None)).await;
    check_api(&s).await;
    s.stop().await;
}

#[tokio::test]
async fn api_on_postgres() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path(), Some(pg.url().to_owned()))).await;
    check_api(&s).await;
    s.stop().await;
    // A second start finds the corpus already loaded and changes nothing.
    let s = Server::start(config(dir.path(), Some(pg.url().to_owned()))).await;
    let (_, health) = s.get("/healthz").await;
    assert_eq!(health["documents"], bundled_count());
    s.stop().await;
}

/// The index page and the consensus report as a real browser renders them.
#[tokio::test]
async fn index_page_in_headless_chromium() {
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var("CONCORD_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "Chromium is required (CONCORD_REQUIRE_CHROMIUM=1) but not installed"
        );
        eprintln!("skipping: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path(), None)).await;
    let dump = |url: String| {
        let chromium = chromium.to_owned();
        async move {
            let profile = tempfile::tempdir().unwrap();
            let out = tokio::task::spawn_blocking(move || {
                Command::new(chromium)
                    .args([
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-quic",
                    ])
                    .arg(format!("--user-data-dir={}", profile.path().display()))
                    .arg("--dump-dom")
                    .arg(url)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let dom = dump(format!("http://{}/", s.addr)).await;
    assert!(dom.contains("<table>"), "{dom}");
    assert!(dom.contains("Artificial Intelligence Act"), "{dom}");
    assert!(
        dom.contains("Council of Europe Framework Convention"),
        "{dom}"
    );
    // the consensus report renders its inline charts
    let dom = dump(format!(
        "http://{}/api/v1/consensus?format=html&bootstrap=0&theta=0.3",
        s.addr
    ))
    .await;
    assert_eq!(dom.matches("<svg").count(), 5, "{dom}");
    assert!(dom.contains("Minimum common standard"), "{dom}");
    s.stop().await;
}

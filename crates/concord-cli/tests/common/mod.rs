//! Shared by the integration tests: a real server on port 0, started in-process.
#![allow(dead_code)] // each test binary uses its own part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use concord::Config;
use serde_json::Value;
use tokio::sync::oneshot;

pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Starts `concord serve` with `config` and waits until it answers `/healthz` (opening the
    /// store loads the bundled corpus first, which takes a while in debug builds).
    pub async fn start(config: Config) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            concord::serve(&config, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        for _ in 0..1200 {
            if reqwest::get(format!("http://{addr}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return Server {
                    addr,
                    stop: Some(tx),
                    task,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server on {addr} did not come up within 60 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET `path`, answer parsed as JSON.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = reqwest::get(self.url(path)).await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap();
    }
}

/// Runs the real `concord` binary on `data_dir` with `args`, ignoring the caller's database and
/// configuration environment.
pub fn concord(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .output()
        .expect("the concord binary runs")
}

/// The bg2050-volunteers Polis open-data conversation (CC BY 4.0, attribution in
/// crates/concord-deliberation/tests/data/polis/README.md).
pub fn bg2050() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../concord-deliberation/tests/data/polis/bg2050-volunteers")
}

/// Runs the real `concord` binary without the bundled corpus, feeding `stdin` (e.g. a password
/// for `--password-stdin`); `CONCORD_PASSWORD` from the caller's environment is ignored.
pub fn concord_stdin(data: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("CONCORD_LOAD_BUNDLED_CORPUS", "false")
        .env_remove("CONCORD_PASSWORD")
        .env_remove("CONCORD_DATABASE_URL")
        .env_remove("CONCORD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `concord user add NAME --role ROLE --password-stdin`, which must succeed; its output.
pub fn add_user(data: &Path, name: &str, role: &str, password: &str) -> Output {
    let out = concord_stdin(
        data,
        &["user", "add", name, "--role", role, "--password-stdin"],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The value of the first hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// The session cookie (`name=value`) a response sets, if any (a cookie being cleared does not
/// count).
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("concord_session=") && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Signs in through the web form at `base` (`http://host:port`): the session cookie, or
/// `None` if refused.
pub async fn web_login(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> Option<String> {
    use reqwest::header;
    let r = client.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("concord_login_csrf="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let csrf = hidden(&r.text().await.unwrap(), "csrf").unwrap();
    let r = client
        .post(format!("{base}/login"))
        .header(header::COOKIE, login_cookie)
        .form(&[("username", user), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    session_cookie(r.headers())
}

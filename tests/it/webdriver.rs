//! A small W3C WebDriver client for the browser tests: Debian's chromedriver
//! drives headless Chromium; each [`Browser`] has its own driver process
//! and profile, and both go away when it is dropped.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key W3C WebDriver names element references with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// How long a wait for the page lasts: long enough for an upload's resizing
/// or a save on a machine busy with the rest of the suite.
const WAIT: Duration = Duration::from_secs(15);

#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session.
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// As [`Browser::start`], with the system asking pages for dark colours.
    pub async fn start_dark() -> Browser {
        Browser::start_with(&["--blink-settings=preferredColorScheme=0"]).await
    }

    async fn start_with(extra: &[&str]) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Its own process group, so dropping the browser ends Chromium's processes too.
        let driver = Command::new("chromedriver")
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/test.sh installs chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let profile_arg = format!("--user-data-dir={}", profile.path().display());
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--window-size=1280,900",
            &profile_arg,
        ];
        args.extend_from_slice(extra);
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
            // A page that never loads fails its test in 30 s, not the default 300 s.
            "timeouts": { "pageLoad": 30_000 },
        }}});
        let mut browser = Browser { driver, base, session: String::new(), http, _profile: profile };
        let created = browser.call("POST", "/session", capabilities).await;
        browser.session = created["sessionId"].as_str().expect("a WebDriver session").to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).header("content-type", "application/json").body(body.to_string()),
        };
        let response = request.send().await.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let value: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert!(status.is_success(), "WebDriver {method} {path}: {status} {value}");
        value["value"].clone()
    }

    async fn session_call(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body).await
    }

    /// Sets the window's size, e.g. a phone's 360 × 740.
    pub async fn set_window(&self, width: u32, height: u32) {
        self.session_call("POST", "/window/rect", json!({ "width": width, "height": height })).await;
    }

    /// Sizes the window so the page itself gets `width` × `height` CSS
    /// pixels (the window's frame is added), as a phone's screen would.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.set_window(width, height).await;
        let inner = self.run("return [window.innerWidth, window.innerHeight]").await;
        let frame = |i: usize, wanted: u32| wanted + wanted.saturating_sub(inner[i].as_u64().unwrap_or(wanted.into()) as u32);
        self.set_window(frame(0, width), frame(1, height)).await;
    }

    /// Saves the whole page as a PNG at `path`: the window grows to the
    /// page's height for the picture, then returns to `height`.
    pub async fn screenshot_page(&self, path: &std::path::Path, width: u32, height: u32) {
        let full = self.run("return document.documentElement.scrollHeight").await.as_u64().unwrap_or(height.into()) as u32;
        self.set_viewport(width, full.max(height)).await;
        let png = self.session_call("GET", "/screenshot", json!({})).await;
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        self.set_viewport(width, height).await;
    }

    pub async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", json!({ "url": url })).await;
    }

    /// Opens `url` in a new tab and works there; the page left behind stays
    /// open. Use it to leave a form with unsaved changes: navigating away
    /// asks before unloading, and ChromeDriver 148 may hang on that question
    /// (chromium issue 533493931) instead of answering it.
    pub async fn goto_in_new_tab(&self, url: &str) {
        let tab = self.session_call("POST", "/window/new", json!({ "type": "tab" })).await;
        self.session_call("POST", "/window", json!({ "handle": tab["handle"] })).await;
        self.goto(url).await;
    }

    pub async fn url(&self) -> String {
        self.session_call("GET", "/url", json!({})).await.as_str().unwrap().to_owned()
    }

    pub async fn source(&self) -> String {
        self.session_call("GET", "/source", json!({})).await.as_str().unwrap().to_owned()
    }

    /// The first element matching `css`, waiting up to [`WAIT`] for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let body = json!({ "using": "css selector", "value": css }).to_string();
            let response = self.http.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
            if response.status().is_success() {
                let value: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                return Element(value["value"][ELEMENT].as_str().unwrap().to_owned());
            }
            assert!(Instant::now() < deadline, "no element matches {css:?} on {}", self.url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.session_call("POST", &format!("/element/{}/click", element.0), json!({})).await;
    }

    /// Types `text` into the field (after what it holds).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.session_call("POST", &format!("/element/{}/value", element.0), json!({ "text": text })).await;
    }

    /// Presses a chord (e.g. Alt and ↑) on whatever has the focus, as a
    /// person would: every key down in order, then up in reverse.
    pub async fn press(&self, keys: &[&str]) {
        let down = keys.iter().map(|k| json!({ "type": "keyDown", "value": k }));
        let up = keys.iter().rev().map(|k| json!({ "type": "keyUp", "value": k }));
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": down.chain(up).collect::<Vec<_>>() }] });
        self.session_call("POST", "/actions", actions).await;
        self.session_call("DELETE", "/actions", json!({})).await;
    }

    pub async fn clear(&self, css: &str) {
        let element = self.find(css).await;
        self.session_call("POST", &format!("/element/{}/clear", element.0), json!({})).await;
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.session_call("GET", &format!("/element/{}/text", element.0), json!({})).await.as_str().unwrap_or_default().to_owned()
    }

    /// Runs a script in the page and returns its result.
    pub async fn run(&self, script: &str) -> Value {
        self.session_call("POST", "/execute/sync", json!({ "script": script, "args": [] })).await
    }

    /// Runs axe-core (installed by `scripts/test.sh`) over the page and
    /// returns each violation as `rule: the elements`.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let path = std::env::var("PAMPHLET_TEST_AXE").expect("PAMPHLET_TEST_AXE names axe.min.js: run the tests with scripts/test.sh");
        let axe = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core at {path}: {e}"));
        self.run(&format!("{axe}\nreturn true")).await;
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document).then((result) => done(result.violations.map((v) =>
                `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)));";
        let found = self.session_call("POST", "/execute/async", json!({ "script": script, "args": [] })).await;
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    /// Waits up to [`WAIT`] until the script `condition` (an expression) is true.
    pub async fn wait_until(&self, condition: &str) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.run(&format!("return Boolean({condition})")).await == Value::Bool(true) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Waits up to [`WAIT`] until `css`'s text contains `needle` (asked of the
    /// current document each time, so a page load in between is fine).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> bool {
        let deadline = Instant::now() + WAIT;
        let script = format!("return document.querySelector({})?.textContent ?? ''", Value::from(css));
        while Instant::now() < deadline {
            // A script sent while a page loads may fail; the next try asks the new page.
            let url = format!("{}/session/{}/execute/sync", self.base, self.session);
            let body = json!({ "script": script, "args": [] }).to_string();
            let response = self.http.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
            let value: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
            if value["value"].as_str().is_some_and(|text| text.contains(needle)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session makes the driver close Chromium (a plain request:
        // `drop` cannot await); then the whole process group goes, whatever is left.
        let address = self.base.trim_start_matches("http://");
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!("DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n", self.session);
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.wait();
    }
}

//! `spawn_app()` starts Pamphlet on 127.0.0.1:0 with a fresh data folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use pamphlet::admin::{Role, accounts, password::Password};
use pamphlet::app::Application;
use pamphlet::config::Config;
use pamphlet::mail::EmailAddress;
use pamphlet::store::{Location, Store};
use reqwest::header::HeaderMap;

/// Every store test runs on both backends; see [`both_backends!`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares each `async fn name(backend: Backend) { … }` as a module with
/// two tests, `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($backend: $crate::helpers::Backend) $body
                #[tokio::test]
                async fn sqlite() {
                    run($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    run($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

pub struct TestApp {
    pub app: Option<Application>,
    pub location: Location,
    pub base: String,
    pub data: tempfile::TempDir,
    pub client: reqwest::Client,
    /// How the app was started, kept across restarts.
    pub config: Config,
}

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = String::from_utf8_lossy(&self.body);
        write!(f, "{} {}", self.status, text.chars().take(2000).collect::<String>())
    }
}

impl Page {
    /// The id in an editor's redirect after a save (`/admin/posts/{id}?done=…`).
    pub fn saved_id(&self) -> i64 {
        assert_eq!(self.status, 303, "{self:?}");
        let location = self.header("location").unwrap();
        location.split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap_or_else(|_| panic!("{location}"))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn config(store: &Location) -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        store: store.clone(),
        base_url: None,
        theme: None,
        trusted_proxies: Vec::new(),
        upload_limit_mb: 20,
        mail: None,
        form_origins: Vec::new(),
        max_connections: pamphlet::config::connection_limit(),
    }
}

/// A new, empty store: a SQLite file in `data`, or a new database on the
/// test PostgreSQL server that `scripts/test.sh` starts.
pub async fn fresh_store(backend: Backend, data: &Path) -> Location {
    match backend {
        Backend::Sqlite => Location::Sqlite(data.join("pamphlet.db")),
        Backend::Postgres => {
            let admin = std::env::var("PAMPHLET_TEST_POSTGRES").expect(
                "PAMPHLET_TEST_POSTGRES is not set: run the tests with `bash scripts/test.sh`, which starts a throwaway PostgreSQL",
            );
            fresh_database(&admin).await
        }
    }
}

/// A new database on the PostgreSQL server that `admin` (a URL) reaches.
pub async fn fresh_database(admin: &str) -> Location {
    use sqlx::Connection;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    // The time keeps names apart when a long-lived test server outlives a recycled process id.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!("pamphlet_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("the test PostgreSQL server answers");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("a test database");
    let (server, _) = admin.rsplit_once('/').expect("the URL names a database");
    Location::Postgres(format!("{server}/{name}"))
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let data = private_tempdir();
    let location = fresh_store(backend, data.path()).await;
    spawn_app_on(location, data).await
}

/// An app that sends its mail to the SMTP server at `smtp` (see `mailbox::SmtpSink`).
pub async fn spawn_app_with_mail(backend: Backend, smtp: &str) -> TestApp {
    spawn_app_with_mail_config(backend, smtp, 4, None).await
}

pub async fn spawn_app_with_mail_config(backend: Backend, smtp: &str, connections: u32, per_second: Option<u32>) -> TestApp {
    spawn_app_with(backend, |config, data| Config { mail: Some(mail_config(smtp, connections, per_second, data)), ..config }).await
}

/// Mail to `smtp` from `connections` senders, their journals in the app's folder `data`.
pub fn mail_config(smtp: &str, connections: u32, per_second: Option<u32>, data: &Path) -> pamphlet::config::MailConfig {
    pamphlet::config::MailConfig { smtp_url: smtp.to_owned(), connections, per_second, journals: data.join("mail-journals") }
}

/// An app on a new store, started with the test configuration as `edit`
/// changes it (given the app's data folder).
pub async fn spawn_app_with(backend: Backend, edit: impl FnOnce(Config, &Path) -> Config) -> TestApp {
    let data = private_tempdir();
    let location = fresh_store(backend, data.path()).await;
    spawn_app_on_with(location, data, edit).await
}

/// Starts another app on an existing store (a second node, or a restart).
pub async fn spawn_app_on(location: Location, data: tempfile::TempDir) -> TestApp {
    start(data, config(&location)).await
}

/// Starts an app on an existing store with the test configuration as `edit` changes it.
pub async fn spawn_app_on_with(location: Location, data: tempfile::TempDir, edit: impl FnOnce(Config, &Path) -> Config) -> TestApp {
    let config = edit(config(&location), data.path());
    start(data, config).await
}

async fn start(data: tempfile::TempDir, config: Config) -> TestApp {
    // Tests are quiet; TEST_LOG=1 shows the app's log.
    static LOG: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("TEST_LOG").is_some() {
        LOG.call_once(|| tracing_subscriber::fmt().with_env_filter("info").with_test_writer().init());
    }
    let app = Application::start(config.clone()).await.expect("the app starts");
    let base = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { app: Some(app), location: config.store.clone(), base, data, client, config }
}

impl TestApp {
    pub fn app(&self) -> &Application {
        self.app.as_ref().expect("the app is running")
    }

    pub fn store(&self) -> &Store {
        &self.app().store
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data.path().to_owned()
    }

    pub async fn get(&self, path: &str) -> Page {
        self.request(reqwest::Method::GET, path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        self.request(reqwest::Method::GET, path, headers).await
    }

    pub async fn request(&self, method: reqwest::Method, path: &str, headers: &[(&str, &str)]) -> Page {
        self.send(self.client.request(method, format!("{}{path}", self.base)), headers).await
    }

    /// Sends a form (`application/x-www-form-urlencoded`) by POST.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        self.send(self.form_request(path, fields), headers).await
    }

    /// A POST of `fields` as a form, ready to send.
    pub fn form_request<K: AsRef<str>, V: AsRef<str>>(&self, path: &str, fields: &[(K, V)]) -> reqwest::RequestBuilder {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.client.post(format!("{}{path}", self.base)).header("content-type", "application/x-www-form-urlencoded").body(body)
    }

    /// Sends a public form as a person would: with a time stamp handed out
    /// ten seconds ago (see `public_forms::guard`), unless `fields` brings its own.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let stamp = self.stamp_ago(10).await;
        let mut all = fields.to_vec();
        if !fields.iter().any(|(name, _)| *name == "stamp") {
            all.push(("stamp", &stamp));
        }
        self.post(path, &all, headers).await
    }

    /// A stamp for the public forms, as if handed out `seconds` ago.
    pub async fn stamp_ago(&self, seconds: i64) -> String {
        let key = pamphlet::stamps::Key::load(self.store()).await.unwrap();
        key.stamp_at(time::OffsetDateTime::now_utc() - time::Duration::seconds(seconds))
    }

    async fn send(&self, mut request: reqwest::RequestBuilder, headers: &[(&str, &str)]) -> Page {
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Page { status, headers, body }
    }

    /// Creates an account in the store (as `pamphlet user add` does); returns its password.
    pub async fn add_account(&self, email: &str, role: Role) -> String {
        let password = format!("{role:?} password for tests");
        let email = EmailAddress::parse(email).unwrap();
        accounts::create(self.store(), &email, "Test", role, &Password::parse(&password, &[]).unwrap())
            .await
            .expect("the account is created");
        password
    }

    /// Signs in through the sign-in form, as a browser does.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, Page> {
        self.sign_in_from(email, password, &[]).await
    }

    /// Signs in with extra request headers (e.g. `x-forwarded-for` to stand for another network).
    pub async fn sign_in_from(&self, email: &str, password: &str, headers: &[(&str, &str)]) -> Result<SignedIn, Page> {
        let page = self.sign_in_answer(email, password, headers).await;
        let Some(session) = cookie(&page, "pamphlet_session").filter(|_| page.status == 303) else { return Err(page) };
        let signed = SignedIn { cookie: format!("pamphlet_session={session}"), csrf: String::new() };
        let dashboard = self.get_signed(&signed, "/admin").await;
        assert_eq!(dashboard.status, 200, "the dashboard opens after signing in");
        let csrf = hidden_field(&dashboard.text(), "csrf").expect("signed-in pages carry a CSRF token");
        Ok(SignedIn { csrf, ..signed })
    }

    /// The answer to sending the sign-in form, whatever it is.
    pub async fn sign_in_answer(&self, email: &str, password: &str, headers: &[(&str, &str)]) -> Page {
        let form = self.get("/admin/login").await;
        let form_cookie = cookie(&form, "pamphlet_signin").expect("the sign-in form sets its cookie");
        let token = hidden_field(&form.text(), "csrf").expect("the sign-in form has a token");
        let cookie_header = format!("pamphlet_signin={form_cookie}");
        let mut all: Vec<(&str, &str)> = vec![("cookie", &cookie_header)];
        all.extend_from_slice(headers);
        self.post("/admin/login", &[("email", email), ("password", password), ("csrf", &token)], &all).await
    }

    /// A new account with `role` (`owner@example.org`, …), signed in.
    pub async fn signed_in_as(&self, role: Role) -> SignedIn {
        let email = format!("{}@example.org", role.as_str());
        let password = self.add_account(&email, role).await;
        self.sign_in(&email, &password).await.unwrap_or_else(|page| panic!("signing in failed: {} {}", page.status, page.text()))
    }

    pub async fn get_signed(&self, signed: &SignedIn, path: &str) -> Page {
        self.get_with(path, &[("cookie", &signed.cookie)]).await
    }

    /// Posts a form from a signed-in session, with its CSRF token.
    pub async fn post_signed(&self, signed: &SignedIn, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut fields = fields.to_vec();
        fields.push(("csrf", &signed.csrf));
        self.post(path, &fields, &[("cookie", &signed.cookie)]).await
    }

    /// Sends a file upload (`multipart/form-data`) from a signed-in session, with its CSRF token.
    pub async fn upload(&self, signed: &SignedIn, path: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Page {
        const BOUNDARY: &str = "pamphlet-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields.iter().chain([("csrf", signed.csrf.as_str())].iter()) {
            body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        let (filename, bytes) = file;
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(bytes);
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .header("cookie", &signed.cookie)
            .body(body);
        self.send(request, &[]).await
    }

    /// Stops the server and starts it again on the same data folder.
    pub async fn restart(&mut self) {
        self.app.take().expect("the app is running").stop().await.expect("the app stops cleanly");
        let app = Application::start(self.config.clone()).await.expect("the app starts again");
        self.base = format!("http://{}", app.addr);
        self.app = Some(app);
    }

    /// Polls an admin `path` until its body contains `needle`, for up to `seconds`.
    pub async fn eventually_contains_signed(&self, signed: &SignedIn, path: &str, needle: &str, seconds: u64) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        while std::time::Instant::now() < deadline {
            if self.get_signed(signed, path).await.text().contains(needle) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }

    /// Polls `path` until its body contains `needle`, for up to `seconds`.
    pub async fn eventually_contains(&self, path: &str, needle: &str, seconds: u64) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        while std::time::Instant::now() < deadline {
            if self.get(path).await.text().contains(needle) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
}

/// A signed-in browser: its session cookie and the CSRF token of its forms.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
}

/// The value a response sets for a cookie.
/// The URL a starting `pamphlet serve` prints on its standard output,
/// read up to the line that holds it.
pub fn printed_url(stdout: &mut impl std::io::BufRead) -> String {
    let mut line = String::new();
    while !line.contains("http://") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the server exited before printing its URL");
    }
    line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/').to_owned()
}

pub fn cookie(page: &Page, name: &str) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// The value of the first `<input type="hidden" name=NAME>` in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).expect("valid gzip");
    out
}

pub fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("valid brotli");
    out
}

/// Every `href`/`src` value in an HTML page.
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].replace("&amp;", "&"));
                rest = &rest[end..];
            }
        }
    }
    out
}

/// `html` with the value of every form's time stamp blanked out.
pub fn without_stamps(html: &str) -> String {
    const MARK: &str = "name=\"stamp\" value=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at + MARK.len()]);
        rest = &rest[at + MARK.len()..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

/// A complete post form; `extra` fields override or add.
pub fn post_form<'a>(title: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", title),
        ("slug", ""),
        ("kind", "news"),
        ("date", "2026-11-20"),
        ("summary", "A short summary."),
        ("body", "## The news\n\nThe **pardon** petition went to the Governor."),
        ("tags", "Pardon, Virginia"),
        ("cover", ""),
        ("author", "Ann"),
        ("publish_at", ""),
        ("version", "0"),
        ("action", "save"),
    ];
    for (name, value) in extra {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

/// `at` as someone types it in a `datetime-local` field on the demo site's
/// clock (its settings say Europe/Berlin).
pub fn typed_on_site_clock(at: time::OffsetDateTime) -> String {
    let (at, _) = pamphlet::content::zone::Zone::parse("Europe/Berlin").unwrap().local(at);
    format!("{}T{:02}:{:02}:{:02}", at.date(), at.hour(), at.minute(), at.second())
}

/// A temporary data folder only this account may open, as `pamphlet`
/// makes its own (it warns about any other).
pub fn private_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new().permissions(std::fs::Permissions::from_mode(0o700)).tempdir().expect("a temporary folder")
}

/// A photo-like PNG of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The email a form queues with a confirmation's token, for tests that sign
/// or sign up without the form.
pub fn letter_to(to: &str) -> impl FnOnce(&str) -> anyhow::Result<pamphlet::mail::queue::Queued> + use<> {
    let to = pamphlet::mail::EmailAddress::parse(to).unwrap();
    move |token| {
        let from = pamphlet::mail::Sender {
            name: "Friends of Jens".into(),
            address: pamphlet::mail::EmailAddress::parse("news@example.org").unwrap(),
            reply_to: None,
        };
        let letter = pamphlet::mail::Letter {
            to,
            to_name: String::new(),
            subject: "Confirm".into(),
            text: format!("/confirm/{token}"),
            html: String::new(),
            message_id: format!("confirm.{token}@example.org"),
            unsubscribe: None,
        };
        pamphlet::mail::queue::Queued::new(&letter, &from)
    }
}

//! Publish-to-visible: how long after an editor presses Update does a
//! reader get the new text? Pamphlet runs in this process on a SQLite store
//! with POSTS (default 1000) generated posts plus the demo; an editor signs
//! in over HTTP and edits one published post EDITS times (default 200).
//! Each edit is timed from sending the form until a public GET returns the
//! new title (the page is cached before every edit, so the edit must empty
//! the cache). The peer, measured in the same run: Hugo rebuilding the same
//! site, which is a static site's publish-to-visible after one edit.
//! Run through `bench/publish.sh`.

use std::time::{Duration, Instant};

use pamphlet::admin::{Role, accounts, password::Password};
use pamphlet::app::Application;
use pamphlet::config::Config;
use pamphlet::content::posts::{self, PostInput};
use pamphlet::demo;
use pamphlet::mail::EmailAddress;
use pamphlet::store::{Location, Store};

mod common;
use common::site::{GeneratedPost, generate, write_hugo_site};

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let count: usize = std::env::var("POSTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let edits: usize = std::env::var("EDITS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let work = tempfile::tempdir()?;
    let posts: Vec<GeneratedPost> = (0..count).map(generate).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let pamphlet = runtime.block_on(measure_pamphlet(&work.path().join("data"), &posts, edits))?;
    let hugo = measure_hugo(&work.path().join("hugo"), &posts)?;

    let (p50, p95, max) = (percentile(&pamphlet, 0.50), percentile(&pamphlet, 0.95), percentile(&pamphlet, 1.0));
    println!("posts: {count}, edits: {edits}");
    println!(
        "pamphlet publish-to-visible: p50 {p50:.1} ms, p95 {p95:.1} ms, max {max:.1} ms; target p95 < 50 ms: {}",
        if p95 < 50.0 { "met" } else { "MISSED" }
    );
    let hugo_median = percentile(&hugo, 0.50);
    println!("hugo rebuild after one edit (median of {}): {hugo_median:.0} ms", hugo.len());
    println!("ratio hugo rebuild / pamphlet p50: {:.0}x", hugo_median / p50);
    Ok(())
}

async fn measure_pamphlet(data: &std::path::Path, generated: &[GeneratedPost], edits: usize) -> anyhow::Result<Vec<f64>> {
    let location = Location::from_flags(data, None)?;
    let store = Store::open(&location).await?;
    demo::load_if_empty(&store).await?;
    let mut tx = store.begin().await?;
    for post in generated {
        let input: PostInput = toml::from_str(&post.front_matter_toml(true))?;
        posts::save(&mut tx, &input).await?;
    }
    tx.commit().await?;
    let password = "a long benchmark phrase";
    accounts::create(
        &store,
        &EmailAddress::parse("bench@example.org").unwrap(),
        "Bench",
        Role::Editor,
        &Password::parse(password, &[]).unwrap(),
    )
    .await?;
    store.close().await;

    let config = Config {
        addr: "127.0.0.1:0".parse()?,
        store: location,
        base_url: None,
        theme: None,
        trusted_proxies: Vec::new(),
        upload_limit_mb: 20,
        mail: None,
        form_origins: Vec::new(),
        max_connections: pamphlet::config::connection_limit(),
    };
    let app = Application::start(config).await?;
    let base = format!("http://{}", app.addr);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let session = sign_in(&client, &base, "bench@example.org", password).await?;
    let csrf = hidden(&get(&client, &base, "/admin", &session).await?, "csrf");

    // One published post the editor keeps changing.
    let first = &generated[0];
    let mut form = vec![
        ("title".to_owned(), "Edit 0".to_owned()),
        ("slug".to_owned(), "publish-bench".to_owned()),
        ("kind".to_owned(), "news".to_owned()),
        ("date".to_owned(), first.date.clone()),
        ("summary".to_owned(), first.summary.clone()),
        ("body".to_owned(), first.body.clone()),
        ("tags".to_owned(), first.tags.join(", ")),
        ("version".to_owned(), "0".to_owned()),
        ("action".to_owned(), "publish".to_owned()),
        ("csrf".to_owned(), csrf),
    ];
    let created = post(&client, &base, "/admin/posts", &session, &form).await?;
    let location = created.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let id = location.trim_start_matches("/admin/posts/").split('?').next().unwrap_or_default().to_owned();
    anyhow::ensure!(!id.is_empty(), "the benchmark post was not created: {}", created.status());
    let editor_path = format!("/admin/posts/{id}");

    let mut timings = Vec::with_capacity(edits);
    for i in 1..=edits {
        let version = hidden(&get(&client, &base, &editor_path, &session).await?, "version");
        // Readers have the page cached: the edit must reach them anyway.
        get(&client, &base, "/news/publish-bench/", "").await?;
        get(&client, &base, "/news/", "").await?;
        let title = format!("Edit {i}");
        set(&mut form, "title", &title);
        set(&mut form, "version", &version);
        set(&mut form, "action", "save");
        let started = Instant::now();
        let saved = post(&client, &base, &editor_path, &session, &form).await?;
        anyhow::ensure!(saved.status() == 303, "edit {i} was not saved: {}", saved.status());
        loop {
            if get(&client, &base, "/news/publish-bench/", "").await?.contains(&format!("<h1 class=\"p-name\">{title}</h1>")) {
                break;
            }
            anyhow::ensure!(started.elapsed() < Duration::from_secs(10), "edit {i} never became visible");
        }
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    app.stop().await?;
    Ok(timings)
}

fn measure_hugo(site: &std::path::Path, generated: &[GeneratedPost]) -> anyhow::Result<Vec<f64>> {
    write_hugo_site(site, generated)?;
    let mut timings = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let output = std::process::Command::new("hugo")
            .args(["--quiet", "--source"])
            .arg(site)
            .arg("--destination")
            .arg(site.join("public"))
            .output()?;
        anyhow::ensure!(output.status.success(), "hugo failed: {}", String::from_utf8_lossy(&output.stderr));
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(timings)
}

async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let form = client.get(format!("{base}/admin/login")).send().await?;
    let cookie = set_cookie(&form, "pamphlet_signin").ok_or_else(|| anyhow::anyhow!("no sign-in cookie"))?;
    let token = hidden(&form.text().await?, "csrf");
    let signed = client
        .post(format!("{base}/admin/login"))
        .header("cookie", format!("pamphlet_signin={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode([("email", email), ("password", password), ("csrf", token.as_str())]))
        .send()
        .await?;
    let session = set_cookie(&signed, "pamphlet_session").ok_or_else(|| anyhow::anyhow!("signing in failed: {}", signed.status()))?;
    Ok(format!("pamphlet_session={session}"))
}

async fn get(client: &reqwest::Client, base: &str, path: &str, cookie: &str) -> anyhow::Result<String> {
    Ok(client.get(format!("{base}{path}")).header("cookie", cookie).send().await?.text().await?)
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
    form: &[(String, String)],
) -> anyhow::Result<reqwest::Response> {
    let body = encode(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok(client
        .post(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?)
}

fn encode<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    if let Some(field) = form.iter_mut().find(|(n, _)| n == name) {
        field.1 = value.to_owned();
    }
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next()?.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.find(&marker).map(|i| html[i + marker.len()..].split('"').next().unwrap_or_default().to_owned()).unwrap_or_default()
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

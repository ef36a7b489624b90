//! Newsletter delivery throughput: PEOPLE (default 100,000) confirmed
//! subscribers on a SQLite store, one issue, sent by Pamphlet's mail worker
//! (CONNECTIONS, default 4, SMTP connections) to Postfix's `smtp-sink` on
//! 127.0.0.1 at SMTP. The peer, measured in the same run against the same
//! sink: Postfix's own `smtp-source` sending as many messages of the same
//! size over as many reused connections. Run through `bench/newsletter.sh`.

use std::process::Command;
use std::time::{Duration, Instant};

use pamphlet::app::Application;
use pamphlet::config::{Config, MailConfig};
use pamphlet::content::settings;
use pamphlet::demo;
use pamphlet::mail::EmailAddress;
use pamphlet::newsletter::issues;
use pamphlet::newsletter::letters::Edition;
use pamphlet::on_pool;
use pamphlet::store::{Location, Store};

const BODY: &str = "## News from the campaign\n\nThe petition for a pardon passed **10,000 signatures** this week. \
Thank you to everyone who signed and shared it.\n\n- Read the [case overview](/case-overview)\n- Watch the [TV reports](/tv-and-video)\n\n\
The next hearing is set for the spring; we will write again when there is a date.";

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let people: i64 = std::env::var("PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let connections: u32 = std::env::var("CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let sink =
        std::env::var("SMTP").map_err(|_| anyhow::anyhow!("set SMTP=host:port of a running smtp-sink (bench/newsletter.sh does)"))?;
    let work = tempfile::tempdir()?;
    let sink_pid: Option<u32> = std::env::var("SINK_PID").ok().and_then(|v| v.parse().ok());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (seconds, size, cpu) = runtime.block_on(measure_pamphlet(&work.path().join("data"), people, connections, &sink, sink_pid))?;
    let pamphlet = people as f64 / seconds;
    let (peer_seconds, peer_cpu) = measure_smtp_source(people, connections, size, &sink, sink_pid)?;
    let peer = people as f64 / peer_seconds;
    let per_message = |(own, sink): (f64, f64)| {
        format!("{:.0} µs CPU a message, the sink {:.0} µs", own * 1e6 / people as f64, sink * 1e6 / people as f64)
    };
    println!("recipients: {people}, SMTP connections: {connections}, message size: {size} bytes");
    println!(
        "pamphlet: {people} messages in {seconds:.2} s = {pamphlet:.0} messages/s (claim, build, send, mark each); {}",
        per_message(cpu)
    );
    println!("smtp-source: {people} messages in {peer_seconds:.2} s = {peer:.0} messages/s; {}", per_message(peer_cpu));
    let ratio = pamphlet / peer;
    println!("ratio pamphlet / smtp-source: {ratio:.2}; target >= 0.8: {}", if ratio >= 0.8 { "met" } else { "MISSED" });
    Ok(())
}

/// Seconds of CPU (user and system) a process has used: itself (`self`),
/// or its waited-for children (`self`, `children`), or another one by pid.
fn cpu_seconds(pid: &str, children: bool) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<f64> =
        stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default().split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect();
    let at = if children { 13 } else { 11 };
    fields.get(at..at + 2).map(|f| (f[0] + f[1]) / 100.0).unwrap_or(0.0)
}

async fn measure_pamphlet(
    data: &std::path::Path,
    people: i64,
    connections: u32,
    sink: &str,
    sink_pid: Option<u32>,
) -> anyhow::Result<(f64, usize, (f64, f64))> {
    let location = Location::from_flags(data, None)?;
    let store = Store::open(&location).await?;
    demo::load_if_empty(&store).await?;
    on_pool!(&store, |pool| {
        sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
         INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, unsubscribe_key)
         SELECT 'reader' || i || '@example.org', 'Reader ' || i, 'confirmed', 'import', $2, $2, 'key' || i || '-' || hex(randomblob(16)) FROM n"
    )
    .bind(people)
    .bind(pamphlet::store::now())
    .execute(pool)
    .await
    .map(drop)
    })?;
    let site = settings::load(&store).await?.expect("the demo's settings");
    let edition = Edition::new(&site, "https://friends.example.org", 1, "News from the campaign", BODY)?;
    let sample =
        edition.letter(1, &EmailAddress::parse("reader1@example.org").unwrap(), "Reader 1", "key1-0123456789abcdef0123456789abcdef");
    let size = sample.build(&pamphlet::mail::site::sender(&site).expect("a sender"))?.formatted().len();
    let id = issues::create(
        &store,
        &issues::Text { subject: "News from the campaign", body: BODY },
        None,
        &pamphlet::content::revisions::Author { id: None, name: "a test".into() },
    )
    .await?;
    issues::start(&store, id).await?;

    let config = Config {
        addr: "127.0.0.1:0".parse()?,
        store: location,
        base_url: Some("https://friends.example.org".into()),
        theme: None,
        trusted_proxies: Vec::new(),
        upload_limit_mb: 20,
        mail: Some(MailConfig { smtp_url: format!("smtp://{sink}"), connections, per_second: None, journals: data.join("mail-journals") }),
        form_origins: Vec::new(),
        max_connections: pamphlet::config::connection_limit(),
    };
    let sink_cpu = || sink_pid.map(|pid| cpu_seconds(&pid.to_string(), false)).unwrap_or(0.0);
    let (own_before, sink_before) = (cpu_seconds("self", false), sink_cpu());
    let started = Instant::now();
    let app = Application::start(config).await?;
    loop {
        // Counted on the index of due rows, which shrinks as the send goes on.
        let remaining: i64 =
            on_pool!(&store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'claimed')")
                .fetch_one(pool)
                .await)?;
        if remaining == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(1800),
            "the send did not finish in 30 minutes ({remaining} of {people} left)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = (cpu_seconds("self", false) - own_before, sink_cpu() - sink_before);
    let failed: i64 =
        on_pool!(&store, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'failed'").fetch_one(pool).await)?;
    anyhow::ensure!(failed == 0, "{failed} deliveries failed");
    app.stop().await?;
    Ok((seconds, size, cpu))
}

fn measure_smtp_source(people: i64, connections: u32, size: usize, sink: &str, sink_pid: Option<u32>) -> anyhow::Result<(f64, (f64, f64))> {
    let sink_cpu = || sink_pid.map(|pid| cpu_seconds(&pid.to_string(), false)).unwrap_or(0.0);
    let (own_before, sink_before) = (cpu_seconds("self", true), sink_cpu());
    let started = Instant::now();
    // -d keeps each connection for the next message, as Pamphlet's pool does.
    let status = Command::new("smtp-source")
        .args(["-d", "-s", &connections.to_string(), "-m", &people.to_string(), "-l", &size.to_string()])
        .args(["-f", "news@example.org", "-t", "reader@example.org", sink])
        .status()?;
    anyhow::ensure!(status.success(), "smtp-source failed");
    let seconds = started.elapsed().as_secs_f64();
    Ok((seconds, (cpu_seconds("self", true) - own_before, sink_cpu() - sink_before)))
}

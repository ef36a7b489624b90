//! The `pamphlet` command: `serve` (the default) runs the site.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pamphlet::admin::password::{self, Password};
use pamphlet::admin::{Role, accounts, throttle};
use pamphlet::app::Application;
use pamphlet::config::{Config, MailConfig, parse_base_url};
use pamphlet::export;
use pamphlet::mail::EmailAddress;
use pamphlet::store::{self, Location, Store, transfer};

#[derive(Parser)]
#[command(name = "pamphlet", version, about = "A fast, self-hosted site builder for causes, campaigns and authors.")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `pamphlet` alone means `pamphlet serve`.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the default). An empty store gets the demo site.
    Serve(ServeArgs),
    /// Write the whole public site as static files for any static host.
    Build(BuildArgs),
    /// Apply the store's migrations and exit (serve applies them too).
    Migrate(StoreArgs),
    /// Manage editors' accounts from the shell (works while a server runs on the same store).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Copy the whole store into a new FILE (a SQLite store file, whichever the backend), also while the site is serving and being edited.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Put a backup FILE in place of the SQLite store (stop the server first; the replaced store is kept beside it), or copy it into an empty PostgreSQL database.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Copy a whole site into an empty store, e.g. from SQLite to PostgreSQL, and verify the counts.
    MigrateData {
        /// The store to copy from, e.g. sqlite:pamphlet-data/pamphlet.db
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty store to copy into, e.g. postgres://pamphlet@db/pamphlet
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; the password comes from PAMPHLET_PASSWORD or is asked for.
    Add {
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The name other editors see [default: the part of the address before the @].
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a new password (from PAMPHLET_PASSWORD or asked for), sign the account out everywhere and turn its two-factor sign-in off.
    ResetPassword {
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn parse_role(input: &str) -> Result<Role, String> {
    Role::parse(input)
}

/// Where the store is; shared by every subcommand that opens it.
#[derive(Args, Clone)]
struct StoreArgs {
    /// Folder for Pamphlet's data: the SQLite store, and the mail senders' journals whatever the store.
    #[arg(long, env = "PAMPHLET_DATA", default_value = "pamphlet-data", value_name = "DIR")]
    data: PathBuf,
    /// The store as a URL: sqlite:PATH or postgres://USER:PASSWORD@HOST/DB; overrides --data.
    #[arg(long, env = "PAMPHLET_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PAMPHLET_ADDR", default_value = "127.0.0.1:3000", value_name = "HOST:PORT")]
    addr: SocketAddr,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    site: SiteArgs,
    /// A reverse proxy (e.g. nginx) whose X-Forwarded-For header names the visitor; repeat or
    /// separate with commas. While --addr is a loopback address, a proxy on this machine is
    /// trusted without being named; listening on other addresses, name it (127.0.0.1).
    #[arg(long, env = "PAMPHLET_TRUST_PROXY", value_delimiter = ',', value_name = "IP")]
    trust_proxy: Vec<IpAddr>,
    /// The largest file editors may upload to the media library, in megabytes.
    #[arg(long, env = "PAMPHLET_UPLOAD_LIMIT", default_value_t = 20, value_name = "MB", value_parser = clap::value_parser!(u16).range(1..=500))]
    upload_limit: u16,
    /// Connections open at once; past that a new one is answered 503 "busy" and closed.
    /// Default: the open-file limit (LimitNOFILE) less 256 kept for the store, uploads and mail.
    #[arg(long, env = "PAMPHLET_MAX_CONNECTIONS", value_name = "N", value_parser = clap::value_parser!(u32).range(16..))]
    max_connections: Option<u32>,
    /// The SMTP server for the newsletter and other mail, e.g. smtp://127.0.0.1:25,
    /// smtp://user:password@mail.example.org?tls=required or smtps://user:password@mail.example.org.
    /// Without one, Pamphlet sends no mail and newsletter signups are paused.
    #[arg(long, env = "PAMPHLET_SMTP_URL", value_name = "URL")]
    smtp: Option<String>,
    /// Messages sent at once (one SMTP connection each).
    #[arg(long, env = "PAMPHLET_MAIL_CONNECTIONS", default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    mail_connections: u32,
    /// At most this many messages a second from this server (0: as fast as the SMTP server takes them).
    #[arg(long, env = "PAMPHLET_MAIL_RATE", default_value_t = 0, value_name = "PER_SECOND")]
    mail_rate: u32,
    /// The address of a static copy of the site (built with `pamphlet build --form-endpoint`)
    /// whose forms this server takes, e.g. https://static.example.org; repeat or separate with commas.
    #[arg(long, env = "PAMPHLET_FORM_ORIGINS", value_delimiter = ',', value_name = "URL", value_parser = pamphlet::config::parse_origin)]
    form_origin: Vec<String>,
}

/// How the site looks and where it lives; shared by `serve` and `build`.
#[derive(Args, Clone)]
struct SiteArgs {
    /// The site's public address, used in canonical links, feeds and the sitemap, e.g.
    /// https://example.org or https://example.org/friends [serve's default: http:// and the
    /// listening address; build needs it].
    #[arg(long, env = "PAMPHLET_BASE_URL", value_name = "URL", value_parser = parse_base_url)]
    base_url: Option<String>,
    /// A theme folder (templates/, static/) whose files override the built-in theme.
    #[arg(long, env = "PAMPHLET_THEME", value_name = "DIR")]
    theme: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct BuildArgs {
    /// The folder to write the site into; only files that changed are rewritten.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    site: SiteArgs,
    /// Skip the .gz and .br copies of text files (for hosts that compress on their own).
    #[arg(long)]
    no_precompress: bool,
    /// Skip the search index (the copy's search page then says it has none).
    #[arg(long)]
    no_search_index: bool,
    /// A live Pamphlet that takes the copy's forms (newsletter, petition, contact), e.g.
    /// https://forms.example.org; start it with --form-origin set to this copy's address.
    /// Without one, the blocks show how to write to the team instead of a form.
    #[arg(long, env = "PAMPHLET_FORM_ENDPOINT", value_name = "URL", value_parser = parse_base_url)]
    form_endpoint: Option<String>,
}

// Rendering allocates many short-lived strings; mimalloc serves them faster
// than the system allocator on every page and every export.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors in one line, like every other failure; help and version as clap prints them.
        Err(error) if error.use_stderr() => {
            let text = error.to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!("pamphlet: {}", first.strip_prefix("error: ").unwrap_or(first));
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PAMPHLET_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::Error::new(e)),
    };
    let result = match cli.command {
        Some(Command::Serve(args)) => runtime.block_on(serve(args)),
        Some(Command::Build(args)) => runtime.block_on(build(args)),
        Some(Command::Migrate(args)) => runtime.block_on(migrate(args)),
        Some(Command::User { action }) => runtime.block_on(user(action)),
        Some(Command::MigrateData { from, to }) => runtime.block_on(migrate_data(&from, &to)),
        Some(Command::Backup { file, store }) => runtime.block_on(backup(&file, &store)),
        Some(Command::Restore { file, store }) => runtime.block_on(restore(&file, &store)),
        None => runtime.block_on(serve(cli.serve)),
    };
    // A render past its budget may still be running on a blocking thread;
    // the process does not wait for it (src/render/lanes.rs).
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("pamphlet: {error:#}");
    ExitCode::FAILURE
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.store.location()?;
    let app = Application::start(Config {
        addr: args.addr,
        store,
        base_url: args.site.base_url,
        theme: args.site.theme,
        trusted_proxies: args.trust_proxy,
        upload_limit_mb: usize::from(args.upload_limit),
        max_connections: args.max_connections.map_or_else(pamphlet::config::connection_limit, |n| n as usize),
        mail: args.smtp.map(|smtp_url| MailConfig {
            smtp_url,
            connections: args.mail_connections,
            per_second: (args.mail_rate > 0).then_some(args.mail_rate),
            journals: args.store.data.join("mail-journals"),
        }),
        form_origins: args.form_origin,
    })
    .await?;
    if app.loaded_demo {
        println!("Loaded the demo site into the new store.");
    }
    println!("Pamphlet is serving the site at http://{}/", app.addr);
    if let Some(link) = &app.setup_link {
        println!("No account exists yet. Create the owner account within the hour, once, at:\n  {link}");
    }
    app.run_until_signal().await
}

impl StoreArgs {
    fn location(&self) -> anyhow::Result<Location> {
        Location::from_flags(&self.data, self.database.as_deref())
    }
}

async fn build(args: BuildArgs) -> anyhow::Result<()> {
    let base_url = args.site.base_url.ok_or_else(|| {
        anyhow::anyhow!(
            "the export needs the address it will be published at: add --base-url https://example.org (or set PAMPHLET_BASE_URL)"
        )
    })?;
    let started = std::time::Instant::now();
    let site =
        pamphlet::app::open_site(&args.store.location()?, args.site.theme.as_deref(), &base_url, args.form_endpoint.as_deref()).await?;
    let report =
        export::build(&site, &args.out, export::Options { precompress: !args.no_precompress, search_index: !args.no_search_index }).await?;
    let summary = &report.summary;
    // The .gz/.br twins go with their file; listing them would triple the list.
    let listed: Vec<&String> = summary.written.iter().filter(|f| !f.ends_with(".gz") && !f.ends_with(".br")).collect();
    const LISTED: usize = 50;
    for file in listed.iter().take(LISTED) {
        println!("wrote   {file}");
    }
    if listed.len() > LISTED {
        println!("wrote   … and {} more", listed.len() - LISTED);
    }
    for file in &summary.removed {
        println!("removed {file}");
    }
    for (page, link) in &report.broken {
        eprintln!("pamphlet: warning: {} links to {link}, which the site does not have", if page.is_empty() { "the site" } else { page });
    }
    println!(
        "Built {} pages into {} in {:.2} s: {} files written, {} unchanged, {} removed.",
        report.pages,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        summary.written.len(),
        summary.unchanged,
        summary.removed.len()
    );
    Ok(())
}

async fn migrate(args: StoreArgs) -> anyhow::Result<()> {
    let location = args.location()?;
    Store::open(&location).await?.close().await;
    println!("The store {location} is migrated.");
    Ok(())
}

async fn migrate_data(from: &str, to: &str) -> anyhow::Result<()> {
    let (from, to) = (Location::parse(from)?, Location::parse(to)?);
    anyhow::ensure!(from != to, "--from and --to name the same store");
    let source = Store::open(&from).await?;
    anyhow::ensure!(pamphlet::content::settings::load(&source).await?.is_some(), "the source store {from} holds no site");
    let destination = Store::open(&to).await?;
    let report = transfer::copy_all(&source, &destination).await?;
    print_tables(&report, "copied; count and checksum match the source");
    println!("The site in {from} is now also in {to}.");
    Ok(())
}

async fn backup(file: &Path, store: &StoreArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report = store::backup::backup(&store.location()?, file).await?;
    print_tables(&report.tables, "read from one snapshot, counted and checksummed");
    let size = std::fs::metadata(file)?.len();
    println!("Backed up the site to {} ({:.1} MB) in {:.2} s.", file.display(), size as f64 / 1e6, started.elapsed().as_secs_f64());
    Ok(())
}

async fn restore(file: &Path, store: &StoreArgs) -> anyhow::Result<()> {
    let location = store.location()?;
    let report = store::backup::restore(file, &location).await?;
    print_tables(&report.tables, "restored; count and checksum match the backup");
    if let Some(sha256) = report.sha256 {
        println!("The store file is the backup byte for byte (SHA-256 {sha256}).");
    }
    println!("Restored {location} from {}.", file.display());
    if let Some(kept) = report.kept {
        println!("The store it replaced is kept at {}; remove it once the site looks right.", kept.display());
    }
    Ok(())
}

fn print_tables(tables: &[transfer::Tally], what: &str) {
    for tally in tables {
        println!("{:>17}: {} rows, checksum {}", tally.table, tally.rows, tally.checksum);
    }
    if !tables.is_empty() {
        println!("{} tables {what}.", tables.len());
    }
}

async fn user(action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add { email, role, name, store } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{email:?}: {e}"))?;
            let store = Store::open(&store.location()?).await?;
            let name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().to_owned());
            let password = new_password(&[email.as_str(), &name, &password::site_name(&store).await?])?;
            let user = accounts::create(&store, &email, &name, role, &password).await?;
            println!("Created the {} account {} (id {}). Sign in at /admin/login.", role.as_str(), user.email, user.id);
        }
        UserAction::ResetPassword { email, store } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{email:?}: {e}"))?;
            let store = Store::open(&store.location()?).await?;
            let user = accounts::by_email(&store, &email).await?.ok_or_else(|| anyhow::anyhow!("no account has the address {email}"))?;
            let password = new_password(&[email.as_str(), &user.name, &password::site_name(&store).await?])?;
            accounts::set_password(&store, user.id, &password).await?;
            throttle::forgive_account(&store, email.as_str()).await?;
            println!("Set a new password for {email} and signed the account out everywhere.");
            // Run at the server's own shell, this is the way back in for someone who lost everything.
            if user.two_factor {
                pamphlet::admin::two_factor::turn_off(&store, user.id).await?;
                println!("Two-factor sign-in is off for {email}; turn it on again under Your account once signed in.");
            }
        }
    }
    Ok(())
}

/// The new password from PAMPHLET_PASSWORD, or typed twice at a terminal.
fn new_password(known: &[&str]) -> anyhow::Result<Password> {
    let typed = match std::env::var("PAMPHLET_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            use std::io::IsTerminal;
            anyhow::ensure!(std::io::stdin().is_terminal(), "set PAMPHLET_PASSWORD or run this in a terminal to type the password");
            let first = rpassword::prompt_password("New password: ")?;
            let again = rpassword::prompt_password("The same password again: ")?;
            anyhow::ensure!(first == again, "the two passwords differ; nothing was changed");
            first
        }
    };
    Password::parse(&typed, known).map_err(|e| anyhow::anyhow!("the password is not accepted: {e}"))
}

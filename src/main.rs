//! The `pamphlet` command: `serve` (the default) runs the site.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pamphlet::app::Application;
use pamphlet::config::{Config, parse_base_url};
use pamphlet::store::Location;

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
}

/// Where the store is; shared by every subcommand that opens it.
#[derive(Args, Clone)]
struct StoreArgs {
    /// Folder for Pamphlet's data (the SQLite store lives in it).
    #[arg(long, env = "PAMPHLET_DATA", default_value = "pamphlet-data", value_name = "DIR")]
    data: PathBuf,
    /// The store as a URL, e.g. sqlite:/srv/site.db; overrides --data.
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
    /// The site's public address, used in canonical links, feeds and the sitemap
    /// [default: http:// and the listening address].
    #[arg(long, env = "PAMPHLET_BASE_URL", value_name = "URL", value_parser = parse_base_url)]
    base_url: Option<String>,
    /// A theme folder (templates/, static/) whose files override the built-in theme.
    #[arg(long, env = "PAMPHLET_THEME", value_name = "DIR")]
    theme: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        None => runtime.block_on(serve(cli.serve)),
    };
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
    let store = Location::from_flags(&args.store.data, args.store.database.as_deref())?;
    let app = Application::start(Config { addr: args.addr, store, base_url: args.base_url, theme: args.theme }).await?;
    if app.loaded_demo {
        println!("Loaded the demo site into the new store.");
    }
    println!("Pamphlet is serving the site at http://{}/", app.addr);
    app.run_until_signal().await
}

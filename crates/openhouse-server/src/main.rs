//! The `openhouse` binary: `serve`, `team create`, `migrate`, `openapi`.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use openhouse_server::{AppState, Settings, app, openapi_document, spawn_housekeeping};
use openhouse_store::Store;

/// mimalloc instead of the system allocator: a request allocates and frees many small blocks
/// across threads, where glibc's malloc spent a fifth of the server's CPU (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "openhouse",
    version,
    about = "A self-hostable server for the Lofty Open API v1.0"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// Where the data lives: a SQLite file path or sqlite://…, or postgres://…
    #[arg(
        long,
        env = "OPENHOUSE_DATABASE_URL",
        default_value = "openhouse.db",
        global = true
    )]
    database_url: String,
    /// This process's node number (0-15) for ID generation; give every process that shares a
    /// database its own.
    #[arg(long, env = "OPENHOUSE_NODE_ID", default_value_t = 0, global = true, value_parser = clap::value_parser!(u16).range(0..=15))]
    node_id: u16,
    /// SQLite only: `full` syncs the log to disk at every commit, so an acknowledged write
    /// survives a power loss; `normal` syncs at checkpoints only (faster; a power loss can take
    /// the last commits, a crash of the process cannot).
    #[arg(long, env = "OPENHOUSE_SQLITE_SYNC", default_value = "full", global = true, value_parser = ["full", "normal"])]
    sqlite_sync: String,
}

impl Db {
    async fn connect(&self) -> anyhow::Result<Store> {
        let options = openhouse_store::StoreOptions {
            sqlite_sync_normal: self.sqlite_sync == "normal",
            ..Default::default()
        };
        Store::connect_with(&self.database_url, self.node_id, &options).await
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(Serve),
    /// Manage teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Bring the database schema up to date (serve does it too).
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Print the OpenAPI document the server serves.
    Openapi,
}

#[derive(Args)]
struct Serve {
    /// Address to listen on.
    #[arg(long, env = "OPENHOUSE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Requests per minute per credential with a valid vendor key.
    #[arg(long, env = "OPENHOUSE_RATE_LIMIT", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: u32,
    /// Requests per minute per credential without a vendor key.
    #[arg(long, env = "OPENHOUSE_RATE_LIMIT_UNVENDORED", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit_unvendored: u32,
    /// Log format: text or json.
    #[arg(long, env = "OPENHOUSE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(flatten)]
    db: Db,
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Create a team with its admin; prints the admin's credentials once.
    Create {
        /// The team's name.
        #[arg(long)]
        name: String,
        /// The admin's email address.
        #[arg(long)]
        admin_email: String,
        /// Print one JSON object: {"teamId", "userId", "apiKey", "accessToken", "vendorKey"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Add a custom field to a team's transactions (GET /v1.0/transaction/customfields lists
    /// them); prints it as that operation shows it.
    TransactionField {
        /// The team.
        #[arg(long)]
        team_id: i64,
        /// The field's name.
        #[arg(long)]
        name: String,
        /// DATE, TEXT, NUMBER, PERCENTAGE, CURRENCY, HTML, Single-Select or Multi-Select.
        #[arg(long = "type")]
        field_type: String,
        /// An option of a select field (repeat for each).
        #[arg(long = "option")]
        options: Vec<String>,
        #[command(flatten)]
        db: Db,
    },
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("OPENHOUSE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(db: &Db) -> anyhow::Result<Store> {
    let store = db.connect().await?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    Ok(store)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

async fn serve(s: Serve) -> anyhow::Result<()> {
    init_logs(s.log_format == "json");
    let addr: SocketAddr = s.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen '{}' is not an address like 127.0.0.1:8080",
            s.listen
        )
    })?;
    let store = s.db.connect().await?;
    // held for the life of the process, and taken before migrating: no second server on this
    // SQLite file, no second process with this node id on this PostgreSQL database
    let claim = store.claim_serving().await?;
    // a write past a file-size limit (ulimit -f) must fail as an I/O error that the server
    // answers 503 to, not end the process: listening for SIGXFSZ replaces its default action
    #[cfg(unix)]
    let _file_size_signal =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(25))
            .map_err(|e| anyhow::anyhow!("cannot handle SIGXFSZ: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    let indexing = store.clone();
    tokio::spawn(async move {
        if let Err(e) = indexing.build_search_index().await {
            tracing::error!(error = %e.message, "the lead search index was not built: searches stay in SQL");
        }
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    if store.team_count().await? == 0 {
        let t = store.create_team("Demo Team", "admin@example.com").await?;
        println!(
            "openhouse: first start, created the team 'Demo Team' (id {}) with admin admin@example.com",
            t.team_id
        );
        println!("  API key:      {}", t.api_key);
        println!("  access token: {}", t.access_token);
        println!("  vendor key:   {}", t.vendor_key);
        println!("These are shown only once. Try:");
        println!(
            "  curl -H 'Authorization: token {}' http://{}/v1.0/leads",
            t.api_key, addr
        );
    }
    let settings = Settings {
        rate_limit: s.rate_limit,
        rate_limit_unvendored: s.rate_limit_unvendored,
    };
    let state = AppState::new(store.clone(), &settings);
    spawn_housekeeping(&state);
    tracing::info!(%addr, backend = ?store.backend(), "openhouse listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.close().await;
    drop(claim);
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(s) => serve(s).await,
        Command::Migrate { db } => {
            open(&db).await?;
            println!("the database schema is up to date");
            Ok(())
        }
        Command::Team(TeamCommand::Create {
            name,
            admin_email,
            json,
            db,
        }) => {
            let store = open(&db).await?;
            let t = store
                .create_team(&name, &admin_email)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            if json {
                println!("{}", serde_json::to_string(&t)?);
            } else {
                println!("team {} created; admin user {}", t.team_id, t.user_id);
                println!("  API key:      {}", t.api_key);
                println!("  access token: {}", t.access_token);
                println!("  vendor key:   {}", t.vendor_key);
            }
            store.close().await;
            Ok(())
        }
        Command::Team(TeamCommand::TransactionField {
            team_id,
            name,
            field_type,
            options,
            db,
        }) => {
            let store = open(&db).await?;
            let f = store
                .add_transaction_custom_field(team_id, &name, &field_type, &options)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            println!("{}", serde_json::to_string(&f.show())?);
            store.close().await;
            Ok(())
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&openapi_document())?);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("openhouse: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("openhouse: {e}");
            ExitCode::FAILURE
        }
    }
}

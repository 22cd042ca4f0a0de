//! The `openhouse` binary: `serve`, `team create`, `backup`, `restore`, `import leads`,
//! `export leads`, `migrate`, `openapi`, ….

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use openhouse_server::listener::{self, ServeOptions};
use openhouse_server::messaging::{Messaging, MessagingConfig};
use openhouse_server::metrics::MetricsConfig;
use openhouse_server::webhooks::{self, WebhookConfig};
use openhouse_server::wire::Wire;
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
    /// A TOML file of options, under their long names (`rate-limit = 500`): a flag on the
    /// command line wins over its environment variable, which wins over the file.
    #[arg(long, env = "OPENHOUSE_CONFIG", global = true, value_name = "FILE")]
    #[allow(dead_code)] // read before clap parses (see `parse`); declared for --help and clap
    config: Option<std::path::PathBuf>,
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
    /// The most writes of requests that may wait for the database at once; one more is refused
    /// at once (503, code 50308, Retry-After) instead of queueing without bound.
    #[arg(long, env = "OPENHOUSE_MAX_WAITING_WRITES", default_value_t = openhouse_store::MAX_WAITING_WRITES, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    max_waiting_writes: u64,
}

impl Db {
    async fn connect(&self) -> anyhow::Result<Store> {
        self.connect_bulk(false).await
    }

    /// [`Db::connect`], for a bulk write when `bulk` ([`openhouse_store::StoreOptions::bulk`]).
    async fn connect_bulk(&self, bulk: bool) -> anyhow::Result<Store> {
        let options = openhouse_store::StoreOptions {
            sqlite_sync_normal: self.sqlite_sync == "normal",
            max_waiting_writes: Some(self.max_waiting_writes as usize),
            ..Default::default()
        };
        let options = if bulk { options.bulk() } else { options };
        Store::connect_with(&self.database_url, self.node_id, &options).await
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(Box<Serve>),
    /// Manage teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Manage API keys (`Authorization: token <key>`) and access tokens.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage OAuth apps (clients) of a team.
    #[command(subcommand)]
    App(AppCommand),
    /// Let members sign in (to approve apps): passwords and invitations.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage a team's listings.
    #[command(subcommand)]
    Listings(ListingsCommand),
    /// Import records from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export records to a file.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Copy a SQLite database to FILE, consistently, while its server runs (PostgreSQL: use
    /// pg_dump, see README.md). Prints {"file", "bytes", "pages", "millis"}.
    Backup {
        /// The file to write (written beside it first, then renamed into place).
        #[arg(long)]
        to: String,
        /// Replace FILE when it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Put a backup in place of a stopped server's SQLite database (`--database-url`). Refuses
    /// when a database is there already unless --force, and always while a server serves it.
    Restore {
        /// The backup file (`openhouse backup --to` wrote it).
        #[arg(long)]
        from: String,
        /// Replace the database that is there.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Bring the database schema up to date (serve does it too).
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Print the OpenAPI document the server serves.
    Openapi {
        /// The wire mode the document describes.
        #[arg(long, value_enum, default_value_t = Wire::Contract)]
        wire: Wire,
    },
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
    /// How answers are shaped: `contract` (the v1.0 contract) or `published` (Lofty's published
    /// OpenAPI document, where it differs). A request chooses for itself with the
    /// `X-Openhouse-Wire` header.
    #[arg(long, env = "OPENHOUSE_WIRE", value_enum, default_value_t = Wire::Contract)]
    wire: Wire,
    /// Seconds a client has to send a request's headers (from connecting, or from the request's
    /// first byte); then the connection is closed.
    #[arg(long, env = "OPENHOUSE_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a keep-alive connection may wait for its next request; then it is closed.
    #[arg(long, env = "OPENHOUSE_IDLE_TIMEOUT", default_value_t = 75, value_parser = clap::value_parser!(u64).range(1..=86400))]
    idle_timeout: u64,
    /// Seconds a client has to send a request's body (from the end of its headers); then the
    /// request is answered 408.
    #[arg(long, env = "OPENHOUSE_BODY_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Connections open at once; more wait in the listen backlog.
    #[arg(long, env = "OPENHOUSE_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C; then the server exits.
    #[arg(long, env = "OPENHOUSE_SHUTDOWN_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    shutdown_timeout: u64,
    #[command(flatten)]
    db: Db,
    /// Lets webhook callback URLs be http and resolve to loopback, private and other internal
    /// addresses (for local development and tests; never on a server others can subscribe on).
    #[arg(long, env = "OPENHOUSE_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Redis to share rate-limit counters and revocations with the other servers of the same
    /// database (e.g. redis://127.0.0.1:6379). Without it both are per process.
    #[arg(long, env = "OPENHOUSE_REDIS_URL")]
    redis_url: Option<String>,
    /// SMTP server that emails to leads are sent through (`POST /v1.0/message/email/send`):
    /// `smtps://user:pass@host[:465]`, `smtp://user:pass@host:587?tls=required`, or
    /// `smtp://host:port` (no TLS: local relays only). Without it, sending an email is a 400.
    #[arg(long, env = "OPENHOUSE_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The From of the emails sent (`Name <address>` or an address), the sending agent being
    /// the Reply-To. Without it, each email is from its agent's sending address (else login
    /// email).
    #[arg(long, env = "OPENHOUSE_SMTP_FROM")]
    smtp_from: Option<String>,
    /// HTTP(S) URL of the SMS gateway texts to leads are sent through
    /// (`POST /v1.0/message/sms/send`): each text is POSTed there as JSON
    /// `{"to", "from", "body"}`; a 2xx answer means it was taken. Without it, sending a text is
    /// a 400.
    #[arg(long, env = "OPENHOUSE_SMS_GATEWAY_URL", hide_env_values = true)]
    sms_gateway_url: Option<String>,
    /// Sent to the SMS gateway as `Authorization: Bearer <token>`.
    #[arg(long, env = "OPENHOUSE_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    sms_gateway_token: Option<String>,
    /// The sender (number or name) given to the SMS gateway as `from`.
    #[arg(long, env = "OPENHOUSE_SMS_FROM")]
    sms_from: Option<String>,
    /// Serve `/metrics` (Prometheus text format) on this address, a listener of its own (e.g.
    /// 127.0.0.1:9090), and not on the main one.
    #[arg(long, env = "OPENHOUSE_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// `/metrics` answers only `Authorization: Bearer <token>`. Without --metrics-listen, setting
    /// it serves `/metrics` on the main listener; without either, there is no `/metrics`.
    #[arg(long, env = "OPENHOUSE_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

/// File descriptors kept back from the connection bound: the database, its journal, logs.
#[cfg(unix)]
const RESERVED_FDS: u64 = 64;

/// Raises the soft limit on open files to the hard one, and lowers `max` to what it allows, so
/// the accept loop meets the connection bound before it runs out of file descriptors.
#[cfg(unix)]
fn fit_connections_to_fd_limit(max: u64) -> u64 {
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return max;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
        // rlim_t is u64 on Linux, not on every unix
        #[allow(clippy::useless_conversion)]
        let room = u64::try_from(lim.rlim_cur)
            .unwrap_or(u64::MAX)
            .saturating_sub(RESERVED_FDS)
            .max(1);
        if room < max {
            tracing::warn!(
                max_connections = max,
                open_files = lim.rlim_cur,
                "the open-file limit allows fewer connections: serving at most {room}"
            );
            return room;
        }
        max
    }
}

#[cfg(not(unix))]
fn fit_connections_to_fd_limit(max: u64) -> u64 {
    max
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
    /// Print a team's lead routing (rules, default rules, time zone) as one JSON document.
    RoutingExport {
        /// The team.
        #[arg(long)]
        team_id: i64,
        #[command(flatten)]
        db: Db,
    },
    /// Replace a team's lead routing with a document `routing-export` printed (from this team
    /// or another: members, ponds and offices it names must exist in the team). All or nothing.
    RoutingImport {
        /// The team.
        #[arg(long)]
        team_id: i64,
        /// The document; `-` reads standard input.
        #[arg(long)]
        file: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Make an API key for a member; prints it once (only its hash is kept).
    Create {
        #[arg(long)]
        team_id: i64,
        /// The member the key acts as.
        #[arg(long)]
        user_id: i64,
        /// What the key is for (shown by `key list`).
        #[arg(long, default_value = "")]
        name: String,
        /// The key stops working after this many days (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// Print one JSON object: {"keyId", "teamId", "userId", "kind", "name", "createTime",
        /// "expireTime", "apiKey"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// List a team's API keys and access tokens (never their secrets), one JSON object a line.
    List {
        #[arg(long)]
        team_id: i64,
        /// Only this member's.
        #[arg(long)]
        user_id: Option<i64>,
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a key or token by the id `key list` shows. A running server that checked it in
    /// the last 30 seconds may admit it until its credential cache lets it go.
    Revoke {
        #[arg(long)]
        team_id: i64,
        #[arg(long)]
        key_id: String,
        /// The servers' Redis: they forget the key at once instead of within 30 seconds.
        #[arg(long, env = "OPENHOUSE_REDIS_URL")]
        redis_url: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum ListingsCommand {
    /// Import listings from a JSON or CSV file (`-`: standard input), upserting by MLS number.
    /// A bad row is reported with its line and left out; the rest are imported. Prints
    /// {"inserted", "updated", "unchanged", "refused", "alerted"} ("alerted": the listings whose
    /// listing alerts a running server sends); exits 1 when a row was refused.
    Import {
        /// The file: JSON (an array of listings, or one a line) or CSV (a header row of listing
        /// field names; list fields separated by `|`).
        file: String,
        #[arg(long)]
        team_id: i64,
        /// The format (default: by the file's extension).
        #[arg(long, value_enum)]
        format: Option<openhouse_server::listing_import::Format>,
        #[command(flatten)]
        db: Db,
    },
}

/// What `import leads` does with a row whose email is already a lead's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DuplicatesArg {
    /// Leave the lead as it is (the row is counted as skipped).
    Skip,
    /// Change the lead: the row's fields replace the lead's; its emails, phones and tags are
    /// added to the lead's.
    Merge,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import leads from a CSV or JSON file (`-`: standard input) into a team, each row checked
    /// as POST /v1.0/leads checks it and created as it creates one (journaled: system log and
    /// webhook events). A bad row is reported as `line N: why` and left out; the rest are
    /// imported, a batch a transaction. Prints {"created", "merged", "skipped", "refused"};
    /// exits 1 when a row was refused. On SQLite, the server must be stopped meanwhile.
    Leads {
        /// The file: CSV (a header row of LeadRequest field names; list fields separated by
        /// `|`; objects as JSON) or JSON (an array of LeadRequest objects, or one a line).
        file: String,
        #[arg(long)]
        team_id: i64,
        /// The member the leads are created by (and, as through the API, owned by unless a row
        /// says otherwise); default the team's first admin.
        #[arg(long)]
        user_id: Option<i64>,
        /// The format (default: by the file's extension).
        #[arg(long, value_enum)]
        format: Option<openhouse_server::tabular::Format>,
        /// Read CSV column COLUMN as the field FIELD (repeat for each); `COLUMN=` leaves the
        /// column out.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// A row whose email is already a lead's (not in the trash), or an earlier row's: skip
        /// it, or merge it into that lead.
        #[arg(long, value_enum, default_value_t = DuplicatesArg::Skip)]
        duplicates: DuplicatesArg,
        /// Rows a transaction.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch: u64,
        /// SQLite: drop the secondary indexes of the lead tables while importing and build them
        /// once at the end (faster for large files; the next start builds them if the import
        /// dies). auto: when the file has at least 50,000 rows and no fewer than the database
        /// has leads.
        #[arg(long, value_enum, default_value_t = DeferIndexes::Auto)]
        defer_indexes: DeferIndexes,
        #[command(flatten)]
        db: Db,
    },
}

/// Whether `import leads` sets the lead tables' secondary indexes aside (SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DeferIndexes {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export a team's leads (not those in the trash), in id order, in the columns
    /// `import leads` reads: CSV (a header row) or JSON (one LeadRequest a line). Members and
    /// offices the leads name are left out, so the file imports into another team.
    Leads {
        #[arg(long)]
        team_id: i64,
        #[arg(long, value_enum, default_value_t = openhouse_server::tabular::Format::Csv)]
        format: openhouse_server::tabular::Format,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

/// A member of a team, by id or by email.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct Who {
    #[arg(long)]
    user_id: Option<i64>,
    #[arg(long)]
    email: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Set a member's password, read from the first line of standard input (8 to 1024
    /// characters). Sessions signed in with the old password end.
    SetPassword {
        #[arg(long)]
        team_id: i64,
        #[command(flatten)]
        who: Who,
        #[command(flatten)]
        db: Db,
    },
    /// Print a single-use link with which a member sets their password (for members created
    /// through the API).
    Invite {
        #[arg(long)]
        team_id: i64,
        #[command(flatten)]
        who: Who,
        /// The link stops working after this many hours.
        #[arg(long, default_value_t = 168)]
        expires_in_hours: u32,
        /// Where people reach the server (the link starts with it).
        #[arg(
            long,
            env = "OPENHOUSE_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        base_url: String,
        /// Print one JSON object: {"teamId", "userId", "link", "expireTime"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    /// Register an app; prints its clientId, clientSecret and vendorKey once.
    Create {
        #[arg(long)]
        team_id: i64,
        #[arg(long)]
        name: String,
        /// A redirect URI the app may use (repeat for each; matched exactly).
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// What the app may call (repeat for each): `*` everything (the default), an OpenAPI
        /// tag's scope (`leads`, `team-features`, …) its operations, `leads:read` its reads.
        #[arg(long = "scope", default_values_t = ["*".to_string()])]
        scopes: Vec<String>,
        /// Print one JSON object: {"appId", "teamId", "name", "clientId", "redirectUris",
        /// "scopes", "createTime", "clientSecret", "vendorKey"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// List a team's apps (never their secrets), one JSON object a line.
    List {
        #[arg(long)]
        team_id: i64,
        #[command(flatten)]
        db: Db,
    },
    /// Give an app a new client secret (the old one stops working); prints it once.
    RotateSecret {
        #[arg(long)]
        team_id: i64,
        #[arg(long)]
        client_id: String,
        #[command(flatten)]
        db: Db,
    },
    /// Delete an app with its vendor key and every token it was given.
    Delete {
        #[arg(long)]
        team_id: i64,
        #[arg(long)]
        client_id: String,
        /// The servers' Redis: they forget the app's tokens at once instead of within 30 s.
        #[arg(long, env = "OPENHOUSE_REDIS_URL")]
        redis_url: Option<String>,
        #[command(flatten)]
        db: Db,
    },
}

/// An error of the store or the API's rules as a command prints it: its message alone.
trait Printed<T> {
    fn printed(self) -> anyhow::Result<T>;
}

impl<T> Printed<T> for Result<T, openhouse_domain::Error> {
    fn printed(self) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!(e.message))
    }
}

/// `openhouse listings import`: reads the file, then imports it a batch of 1,000 rows a
/// transaction, with a progress bar on a terminal.
async fn import_listings(
    file: &str,
    team_id: i64,
    format: Option<openhouse_server::listing_import::Format>,
    db: &Db,
) -> anyhow::Result<()> {
    use openhouse_server::listing_import::{Format, read_csv, read_json};
    let format = format
        .or_else(|| Format::of_path(file))
        .ok_or_else(|| anyhow::anyhow!("say --format json or --format csv for {file}"))?;
    let text = if file == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
    };
    let rows = match format {
        Format::Json => read_json(&text),
        Format::Csv => read_csv(&text),
    }
    .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    drop(text);
    let store = open(db).await?;
    let bar = indicatif::ProgressBar::new(rows.len() as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} listings, {per_sec}, {eta} left",
        )
        .expect("a valid template"),
    );
    let mut report = openhouse_store::listings::ImportReport::default();
    let mut batch = Vec::with_capacity(1000);
    let mut rows = rows.into_iter().peekable();
    let mut analyzed = false;
    while rows.peek().is_some() {
        batch.clear();
        let mut taken = 0;
        for (line, row) in rows.by_ref().take(1000) {
            taken += 1;
            match row {
                Ok(item) => batch.push((line, item)),
                Err(e) => report.errors.push((line, e)),
            }
        }
        let done = store
            .import_listings(team_id, std::mem::take(&mut batch))
            .await
            .printed()?;
        report.add(done);
        bar.inc(taken);
        if !analyzed {
            // statistics for the rest of the import's lookups (see analyze_listings)
            store.analyze_listings().await.printed()?;
            analyzed = true;
        }
    }
    store.analyze_listings().await.printed()?;
    bar.finish_and_clear();
    store.close().await;
    report.errors.sort();
    for (line, e) in &report.errors {
        eprintln!("line {line}: {e}");
    }
    println!(
        "{}",
        serde_json::json!({"inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "refused": report.errors.len(),
            "alerted": report.alerted})
    );
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "{} rows were refused (the others were imported)",
            report.errors.len()
        ))
    }
}

/// `openhouse import leads`: reads the file, checks its rows on a thread of their own while
/// the batches before are written, a batch a transaction, with a progress bar on a terminal.
#[allow(clippy::too_many_arguments)]
async fn import_leads(
    file: &str,
    team_id: i64,
    user_id: Option<i64>,
    format: Option<openhouse_server::tabular::Format>,
    map: Vec<String>,
    duplicates: DuplicatesArg,
    (batch, defer_indexes): (u64, DeferIndexes),
    db: &Db,
) -> anyhow::Result<()> {
    use openhouse_server::lead_import::{patch_of, rows};
    use openhouse_server::tabular::Format;
    use openhouse_store::lead_import::{Duplicates, ImportBatch, ImportStep, ImportStopped};
    let format = format
        .or_else(|| Format::of_path(file))
        .ok_or_else(|| anyhow::anyhow!("say --format json or --format csv for {file}"))?;
    let text = if file == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
    };
    // the header, or the array, is read now: a file that is none is refused before any write
    drop(rows(&text, format, &map).map_err(|e| anyhow::anyhow!("{file}: {e}"))?);
    // its errors only, unless asked for more (OPENHOUSE_LOG, e.g. openhouse_store=debug for
    // each batch's times): standard error holds the progress bar and the refused rows, and an
    // error that stops the import is "internal error" without the cause logged before it
    init_logs(false, "error");
    let store = db.connect_bulk(true).await?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
    // SQLite: no server may serve the file meanwhile (its lead search and cache are in its
    // memory); PostgreSQL: no other process may draw ids as this node
    let _claim = store.claim_serving().await.map_err(|e| {
        anyhow::anyhow!("{e}; leads are imported while no server serves the database (or with a --node-id no running process uses, on PostgreSQL)")
    })?;
    let duplicates = match duplicates {
        DuplicatesArg::Skip => Duplicates::Skip,
        DuplicatesArg::Merge => Duplicates::Merge,
    };
    let mut imp = store
        .lead_import(team_id, user_id, duplicates)
        .await
        .printed()?;
    let lines = text.bytes().filter(|b| *b == b'\n').count() as u64;
    let total = match format {
        Format::Csv => lines.saturating_sub(1),
        Format::Json => lines,
    };
    let bar = indicatif::ProgressBar::new(total.max(1)).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {per_sec}, {eta} left")
            .expect("a valid template"),
    );
    // rows are read and checked here while the store writes the batch before
    let set_aside = match defer_indexes {
        DeferIndexes::Never => false,
        DeferIndexes::Always => true,
        DeferIndexes::Auto => store.indexes_aside_pay(total).await.printed()?,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ImportBatch>(2);
    let batch = batch as usize;
    let reader = tokio::task::spawn_blocking(move || {
        let Ok(it) = rows(&text, format, &map) else {
            return;
        };
        let mut it = it.map(patch_of).peekable();
        while it.peek().is_some() {
            let chunk: Vec<_> = it.by_ref().take(batch).collect();
            if tx.blocking_send(chunk).is_err() {
                return;
            }
        }
    });
    let done = store
        .import_lead_batches(&mut imp, set_aside, &mut rx, |step| match step {
            ImportStep::Written(n) => bar.inc(n),
            ImportStep::BuildingIndexes => bar.set_message("building indexes"),
        })
        .await;
    let mut report = match done {
        Ok(report) => report,
        Err(ImportStopped { error, done }) => {
            bar.abandon();
            return Err(anyhow::anyhow!(
                "{} (the batches before were imported: {} leads created, {} merged)",
                error.message,
                done.created,
                done.merged
            ));
        }
    };
    reader.await?;
    bar.finish_and_clear();
    store.close().await;
    report.errors.sort();
    for (line, e) in &report.errors {
        eprintln!("line {line}: {e}");
    }
    println!(
        "{}",
        serde_json::json!({"created": report.created, "merged": report.merged,
            "skipped": report.skipped, "refused": report.errors.len()})
    );
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "{} rows were refused (the others were imported)",
            report.errors.len()
        ))
    }
}

/// `openhouse export leads`: the team's leads, a page of 5,000 at a time, in id order.
async fn export_leads(
    team_id: i64,
    format: openhouse_server::tabular::Format,
    out: Option<String>,
    db: &Db,
) -> anyhow::Result<()> {
    use openhouse_server::lead_import::{csv_record, export_columns, request_of};
    use openhouse_server::tabular::Format;
    use std::io::Write as _;
    let store = open(db).await?;
    // an unknown team is an error, not an empty file
    store
        .lead_import(team_id, None, Default::default())
        .await
        .printed()?;
    let sink: Box<dyn std::io::Write> = match &out {
        Some(path) => Box::new(
            std::fs::File::create(path).map_err(|e| anyhow::anyhow!("cannot write {path}: {e}"))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let sink = std::io::BufWriter::with_capacity(1 << 20, sink);
    let columns = export_columns();
    let mut csv_out = None;
    let mut json_out = None;
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(sink);
            w.write_record(&columns)?;
            csv_out = Some(w);
        }
        Format::Json => json_out = Some(sink),
    }
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let page = store.export_leads(team_id, after, 5000).await.printed()?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for l in &page {
            let r = request_of(l);
            if let Some(w) = csv_out.as_mut() {
                w.write_record(csv_record(&r, &columns))?;
            }
            if let Some(w) = json_out.as_mut() {
                serde_json::to_writer(&mut *w, &r)?;
                w.write_all(b"\n")?;
            }
            n += 1;
        }
    }
    if let Some(mut w) = csv_out {
        w.flush()?;
    }
    if let Some(mut w) = json_out {
        w.flush()?;
    }
    store.close().await;
    if out.is_some() {
        eprintln!("exported {n} leads");
    }
    Ok(())
}

/// The id of the active member `who` names in `team_id`.
async fn user_of(store: &Store, team_id: i64, who: &Who) -> anyhow::Result<i64> {
    if let Some(id) = who.user_id {
        return Ok(id);
    }
    let email = who.email.as_deref().unwrap_or_default();
    store
        .signable_by_email(team_id, email)
        .await
        .printed()?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("team {team_id} has no active member {email}"))
}

/// Logs to standard error, filtered by OPENHOUSE_LOG or else by `default`.
fn init_logs(json: bool, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("OPENHOUSE_LOG").unwrap_or_else(|_| EnvFilter::new(default));
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

/// SIGTERM or Ctrl-C (SIGINT). The handlers are installed when this is called, not when the
/// future is first polled: called before the server listens, a signal that arrives while it
/// starts up is a shutdown like any other, not the default action that ends the process at once.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        let handler =
            |kind| signal(kind).map_err(|e| anyhow::anyhow!("cannot handle signals: {e}"));
        (
            handler(SignalKind::terminate())?,
            handler(SignalKind::interrupt())?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
}

async fn serve(s: Serve) -> anyhow::Result<()> {
    init_logs(s.log_format == "json", "info,sqlx=warn");
    let addr: SocketAddr = s.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen '{}' is not an address like 127.0.0.1:8080",
            s.listen
        )
    })?;
    let shutdown = shutdown_signal()?;
    let metrics_addr: Option<SocketAddr> = match s.metrics_listen.as_deref() {
        Some(a) if !a.is_empty() => Some(a.parse().map_err(|_| {
            anyhow::anyhow!("--metrics-listen '{a}' is not an address like 127.0.0.1:9090")
        })?),
        _ => None,
    };
    let metrics = MetricsConfig {
        own_listener: metrics_addr.is_some(),
        token: s.metrics_token.clone().filter(|t| !t.is_empty()),
    };
    if metrics.own_listener || metrics.token.is_some() {
        // before anything is recorded: the index build below is timed
        openhouse_server::metrics::install();
    }
    let store = s.db.connect().await?;
    // held for the life of the process, and taken before migrating: no second server on this
    // SQLite file, no second process with this node id on this PostgreSQL database
    let claim = store.claim_serving().await?;
    // a write past a file-size limit (ulimit -f) must fail as an I/O error that the server
    // answers 503 to, not end the process: listening for SIGXFSZ replaces its default action
    #[cfg(unix)]
    let _file_size_signal =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGXFSZ))
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
    let metrics_listener = match metrics_addr {
        Some(a) => Some(
            tokio::net::TcpListener::bind(a)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {a} (--metrics-listen): {e}"))?,
        ),
        None => None,
    };
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
    let messaging = Messaging::new(&MessagingConfig {
        smtp_url: s.smtp_url.clone(),
        smtp_from: s.smtp_from.clone(),
        sms_gateway_url: s.sms_gateway_url.clone(),
        sms_gateway_token: s.sms_gateway_token.clone(),
        sms_from: s.sms_from.clone(),
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    tracing::info!(
        email = s.smtp_url.as_deref().is_some_and(|u| !u.trim().is_empty()),
        sms = s
            .sms_gateway_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty()),
        "messages to leads"
    );
    let settings = Settings {
        rate_limit: s.rate_limit,
        rate_limit_unvendored: s.rate_limit_unvendored,
        webhooks: WebhookConfig {
            allow_private: s.webhook_allow_private,
            ..Default::default()
        },
        wire: s.wire,
        messaging: std::sync::Arc::new(messaging),
        metrics,
    };
    if s.webhook_allow_private {
        tracing::warn!(
            "--webhook-allow-private: callback URLs may be http and reach internal addresses"
        );
    }
    let mut state = AppState::new(store.clone(), &settings);
    if let Some(url) = s.redis_url.as_deref().filter(|u| !u.is_empty()) {
        state = state.with_shared(openhouse_server::shared::Shared::connect(url).await?);
        tracing::info!("rate limits and revocations shared through Redis");
    }
    spawn_housekeeping(&state);
    let metrics_server = metrics_listener.map(|l| {
        if let Ok(a) = l.local_addr() {
            tracing::info!(addr = %a, "metrics listening");
        }
        let router = openhouse_server::metrics::router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        })
    });
    let webhook_workers = webhooks::worker::spawn(store.clone(), state.webhooks.clone());
    let options = ServeOptions {
        header_timeout: Duration::from_secs(s.header_timeout),
        idle_timeout: Duration::from_secs(s.idle_timeout),
        body_timeout: Duration::from_secs(s.body_timeout),
        max_connections: usize::try_from(fit_connections_to_fd_limit(s.max_connections))
            .unwrap_or(usize::MAX),
        shutdown_timeout: Duration::from_secs(s.shutdown_timeout),
    };
    tracing::info!(%addr, backend = ?store.backend(), "openhouse listening");
    listener::serve(listener, app(state), options, shutdown).await;
    if let Some(m) = metrics_server {
        m.abort();
    }
    webhook_workers.stop();
    // the database gets its own short deadline: a stuck close must not keep the process alive
    if tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .is_err()
    {
        tracing::warn!("the database did not close within 5 seconds");
    }
    drop(claim);
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(s) => serve(*s).await,
        Command::Import(ImportCommand::Leads {
            file,
            team_id,
            user_id,
            format,
            map,
            duplicates,
            batch,
            defer_indexes,
            db,
        }) => {
            import_leads(
                &file,
                team_id,
                user_id,
                format,
                map,
                duplicates,
                (batch, defer_indexes),
                &db,
            )
            .await
        }
        Command::Export(ExportCommand::Leads {
            team_id,
            format,
            out,
            db,
        }) => export_leads(team_id, format, out, &db).await,
        Command::Backup { to, force, db } => {
            use openhouse_store::backup::{Target, backup, target};
            let Target::Sqlite(source) = target(&db.database_url)? else {
                anyhow::bail!(
                    "openhouse backup copies SQLite databases; for PostgreSQL use pg_dump \
                     (pg_dump -Fc -f openhouse.dump \"$DATABASE_URL\", see README.md)"
                );
            };
            let to = std::path::PathBuf::from(to);
            let copied = tokio::task::spawn_blocking(move || backup(&source, &to, force)).await??;
            println!("{}", serde_json::to_string(&copied)?);
            Ok(())
        }
        Command::Restore { from, force, db } => {
            use openhouse_store::backup::{Target, restore, target};
            let Target::Sqlite(dest) = target(&db.database_url)? else {
                anyhow::bail!(
                    "openhouse restore puts SQLite backups in place; for PostgreSQL use \
                     pg_restore (see README.md)"
                );
            };
            let from = std::path::PathBuf::from(from);
            let copied =
                tokio::task::spawn_blocking(move || restore(&from, &dest, force)).await??;
            println!("{}", serde_json::to_string(&copied)?);
            Ok(())
        }
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
            let t = store.create_team(&name, &admin_email).await.printed()?;
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
                .printed()?;
            println!("{}", serde_json::to_string(&f.show())?);
            store.close().await;
            Ok(())
        }
        Command::Key(KeyCommand::Create {
            team_id,
            user_id,
            name,
            expires_in_days,
            json,
            db,
        }) => {
            let store = open(&db).await?;
            let expire = expires_in_days.map_or(0, |d| store.now() + i64::from(d) * 86_400_000);
            let k = store
                .create_api_key(team_id, user_id, &name, expire)
                .await
                .printed()?;
            if json {
                println!("{}", serde_json::to_string(&k)?);
            } else {
                println!("key {} made for user {user_id}", k.info.key_id);
                println!("  API key: {}", k.api_key);
            }
            store.close().await;
            Ok(())
        }
        Command::App(AppCommand::Create {
            team_id,
            name,
            redirect_uris,
            scopes,
            json,
            db,
        }) => {
            openhouse_server::gate::check_scopes(&scopes).printed()?;
            let store = open(&db).await?;
            let a = store
                .create_app(team_id, &name, &redirect_uris, &scopes)
                .await
                .printed()?;
            if json {
                println!("{}", serde_json::to_string(&a)?);
            } else {
                println!("app {} registered", a.app.app_id);
                println!("  client id:     {}", a.app.client_id);
                println!("  client secret: {}", a.client_secret);
                println!("  vendor key:    {}", a.vendor_key);
            }
            store.close().await;
            Ok(())
        }
        Command::User(UserCommand::SetPassword { team_id, who, db }) => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            let store = open(&db).await?;
            let user_id = user_of(&store, team_id, &who).await?;
            store
                .set_password(team_id, user_id, password)
                .await
                .printed()?;
            println!("password set for user {user_id} of team {team_id}");
            store.close().await;
            Ok(())
        }
        Command::User(UserCommand::Invite {
            team_id,
            who,
            expires_in_hours,
            base_url,
            json,
            db,
        }) => {
            let store = open(&db).await?;
            let user_id = user_of(&store, team_id, &who).await?;
            let (token, expire_time) = store
                .invite(team_id, user_id, i64::from(expires_in_hours) * 3_600_000)
                .await
                .printed()?;
            let link = format!(
                "{}/oauth/invitation/{token}",
                base_url.trim_end_matches('/')
            );
            if json {
                println!(
                    "{}",
                    serde_json::json!({"teamId": team_id, "userId": user_id, "link": link,
                        "expireTime": expire_time})
                );
            } else {
                println!("invitation for user {user_id} (single use, {expires_in_hours} hours):");
                println!("  {link}");
            }
            store.close().await;
            Ok(())
        }
        Command::Listings(ListingsCommand::Import {
            file,
            team_id,
            format,
            db,
        }) => import_listings(&file, team_id, format, &db).await,
        Command::App(AppCommand::List { team_id, db }) => {
            let store = open(&db).await?;
            for a in store.apps(team_id).await.printed()? {
                println!("{}", serde_json::to_string(&a)?);
            }
            store.close().await;
            Ok(())
        }
        Command::App(AppCommand::RotateSecret {
            team_id,
            client_id,
            db,
        }) => {
            let store = open(&db).await?;
            let secret = store
                .rotate_app_secret(team_id, &client_id)
                .await
                .printed()?;
            println!(
                "{}",
                serde_json::json!({"clientId": client_id, "clientSecret": secret})
            );
            store.close().await;
            Ok(())
        }
        Command::App(AppCommand::Delete {
            team_id,
            client_id,
            redis_url,
            db,
        }) => {
            let store = open(&db).await?;
            let a = store.delete_app(team_id, &client_id).await.printed()?;
            openhouse_server::shared::announce_revocation(redis_url.as_deref()).await?;
            println!("{}", serde_json::to_string(&a)?);
            store.close().await;
            Ok(())
        }
        Command::Key(KeyCommand::List {
            team_id,
            user_id,
            db,
        }) => {
            let store = open(&db).await?;
            for k in store.api_keys(team_id, user_id).await.printed()? {
                println!("{}", serde_json::to_string(&k)?);
            }
            store.close().await;
            Ok(())
        }
        Command::Key(KeyCommand::Revoke {
            team_id,
            key_id,
            redis_url,
            db,
        }) => {
            let store = open(&db).await?;
            let k = store.revoke_key(team_id, &key_id).await.printed()?;
            openhouse_server::shared::announce_revocation(redis_url.as_deref()).await?;
            println!("{}", serde_json::to_string(&k)?);
            store.close().await;
            Ok(())
        }
        Command::Team(TeamCommand::RoutingExport { team_id, db }) => {
            let store = open(&db).await?;
            let doc = store.export_routing(team_id).await.printed()?;
            println!("{}", serde_json::to_string_pretty(&doc)?);
            store.close().await;
            Ok(())
        }
        Command::Team(TeamCommand::RoutingImport { team_id, file, db }) => {
            let text = if file == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
            };
            let doc: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{file} is not JSON: {e}"))?;
            let store = open(&db).await?;
            let n = store.import_routing(team_id, &doc).await.printed()?;
            println!("imported {n} routing rules into team {team_id}");
            store.close().await;
            Ok(())
        }
        Command::Openapi { wire } => {
            let doc = serde_json::to_value(openapi_document())?;
            let doc = match wire {
                Wire::Contract => doc,
                Wire::Published => openhouse_server::wire::published_document(&doc),
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(())
        }
    }
}

unsafe extern "C" {
    /// mimalloc: frees the calling thread's empty pages and returns free memory to the OS now
    /// (with `force`), instead of after its purge delay and only when the thread allocates.
    fn mi_collect(force: bool);
}

/// Called by each runtime worker when it runs out of work: at most once a second per worker,
/// has mimalloc give back the memory this thread's heap no longer uses. Without it, the
/// buffers of thousands of closed connections (freed by whichever worker ran their task last)
/// stayed in the heaps of workers that then sat idle: 4,000 idle connections left the server
/// 30-60 MB above its level before them (bench/RESULTS.md).
fn give_memory_back() {
    use std::cell::Cell;
    use std::time::Instant;
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    LAST.with(|last| {
        let now = Instant::now();
        if last
            .get()
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            last.set(Some(now));
            // SAFETY: mi_collect takes no pointers and may be called on any thread at any time.
            unsafe { mi_collect(true) };
        }
    });
}

/// The command line, over the defaults of the configuration file it or the environment names.
fn parse() -> Result<Cli, String> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut cmd = Cli::command();
    let env = std::env::var_os(openhouse_server::config_file::ENV);
    if let Some(path) = openhouse_server::config_file::path_from(&args, env) {
        cmd = openhouse_server::config_file::with_file(cmd, &path)?;
    }
    let matches = cmd.get_matches_from(args);
    Cli::from_arg_matches(&matches).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("openhouse: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(give_memory_back)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("openhouse: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(run(cli));
    // tasks still running (a connection dropped at the shutdown deadline left a database call
    // on a blocking thread) get a moment, not a veto over the exit
    rt.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("openhouse: {e}");
            ExitCode::FAILURE
        }
    }
}

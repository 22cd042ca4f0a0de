//! `openhouse-bench`: helpers for the openhouse load benchmark (see bench/README.md).
//!
//! - `ceiling`: a minimal axum server answering every request with a fixed lead-sized JSON body,
//!   the most requests per second this machine can serve over HTTP.
//! - `webhooks`: webhook delivery under load (deliveries/s, latency, create throughput).
//! - `seed`: fills a fresh openhouse database with leads through the store's public API (one
//!   create at a time, or with `--bulk` through the lead import) and writes the files the load
//!   scripts read.

mod data;
mod routing;
mod webhooks;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use openhouse_domain::auth::CredentialKind;
use openhouse_domain::lead::LeadPatch;
use openhouse_store::Store;
use openhouse_store::lead_import::{ImportBatch, ImportStep};

#[derive(Parser)]
#[command(name = "openhouse-bench", about = "Load-test helpers for openhouse")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a fixed ~1.5 KB JSON body on every path: the HTTP ceiling of this machine.
    Ceiling {
        #[arg(long, default_value = "127.0.0.1:18081")]
        listen: String,
    },
    /// Seed a fresh database with leads and write the load scripts' input files.
    Seed(Seed),
    /// Webhook delivery under load against a running server (see bench/webhooks.sh).
    Webhooks(webhooks::Args),
    /// What lead routing costs a create, against a running server (see bench/routing.sh).
    Routing(routing::Args),
}

#[derive(clap::Args)]
struct Seed {
    /// A SQLite file path or sqlite://…, or postgres://…; it must hold no team yet.
    #[arg(long)]
    database_url: String,
    /// How many leads to create.
    #[arg(long, default_value_t = 1_000_000)]
    leads: u64,
    /// How many creates run at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Folder for credentials.json, ids.txt, searches.txt and bodies.jsonl.
    #[arg(long)]
    out: PathBuf,
    /// How many of the created lead ids to write to ids.txt (evenly spread). More than the
    /// server's lead cache holds, so reads by id reach the database too.
    #[arg(long, default_value_t = 100_000)]
    sample: u64,
    /// Seed of the random data: the same seed gives the same leads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Node number for ids; differs from the server's (0) so their ids can never collide.
    #[arg(long, default_value_t = 1)]
    node_id: u16,
    /// Create the leads through the store's bulk lead import (`openhouse import leads`'s path:
    /// batches of `--batch` leads a transaction) instead of one create at a time: the same
    /// leads, tens of times faster, but a batch shares one create time and the journal says
    /// "by import".
    #[arg(long)]
    bulk: bool,
    /// Leads per transaction with `--bulk`.
    #[arg(long, default_value_t = 5_000)]
    batch: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Ceiling { listen } => ceiling(&listen).await,
        Command::Seed(s) => seed(s).await,
        Command::Webhooks(a) => webhooks::run(a).await,
        Command::Routing(a) => routing::run(a).await,
    }
}

/// A lead as `GET /v1.0/leads/{id}` shows it, padded to about 1.5 KB.
fn ceiling_body() -> Vec<u8> {
    let mut lead = serde_json::json!({
        "assignCompletionStatus": false, "createTime": "2026-01-05T10:20:30Z", "customAttributes": [],
        "customRoleList": [], "emails": ["mary.garcia123@gmail.com", "mary.garcia123.alt@outlook.com"],
        "firstName": "Mary", "groups": [], "hiddenFlag": false, "lastName": "Garcia",
        "lastUpdateTime": "2026-01-05T10:20:30Z", "leadId": 651095960136641_i64, "leadPropertyList": [],
        "leadUserId": 651095960136641_i64, "ownershipId": 651095960136000_i64, "ownershipScope": "PERSONAL",
        "phoneStatuses": [2], "phones": ["(512) 555-0142"], "score": 0, "segments": [], "source": "Zillow",
        "stage": "Appointment Set", "teamId": 651095960135000_i64, "city": "Austin", "state": "TX", "zipCode": "78701",
        "tags": [
            {"createTime": "2026-01-05T10:20:30Z", "creatorUserId": 651095960136000_i64, "leadId": 651095960136641_i64,
             "tagId": 651095960136650_i64, "tagName": "first-time-buyer", "updateTime": "2026-01-05T10:20:30Z", "visibleType": 0},
            {"createTime": "2026-01-05T10:20:30Z", "creatorUserId": 651095960136000_i64, "leadId": 651095960136641_i64,
             "tagId": 651095960136651_i64, "tagName": "pre-approved", "updateTime": "2026-01-05T10:20:30Z", "visibleType": 0}
        ]
    });
    let size = serde_json::to_vec(&lead).expect("json").len();
    lead["referredBy"] = serde_json::Value::String("x".repeat(1536usize.saturating_sub(size + 16)));
    serde_json::to_vec(&lead).expect("json")
}

async fn ceiling(listen: &str) -> anyhow::Result<()> {
    let body = Bytes::from(ceiling_body());
    eprintln!(
        "openhouse-bench ceiling: {} byte body on http://{listen}",
        body.len()
    );
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(CONTENT_TYPE, "application/json")], body) }
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("signal");
            tokio::select! { _ = term.recv() => {}, _ = tokio::signal::ctrl_c() => {} }
        })
        .await?;
    Ok(())
}

fn write_lines(path: &Path, lines: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    for l in lines {
        writeln!(f, "{l}")?;
    }
    f.flush()?;
    Ok(())
}

async fn seed(s: Seed) -> anyhow::Result<()> {
    std::fs::create_dir_all(&s.out)?;
    // a bulk seed's connections get the import's SQLite page cache and checkpoint interval
    // (as `openhouse import leads` opens the database)
    let options = openhouse_store::StoreOptions::default();
    let options = if s.bulk { options.bulk() } else { options };
    let store = Store::connect_with(&s.database_url, s.node_id, &options).await?;
    store.migrate().await?;
    if store.team_count().await.map_err(|e| anyhow!(e.message))? > 0 {
        bail!(
            "{} already holds a team: seed a fresh database",
            s.database_url
        );
    }
    let team = store
        .create_team("Bench Team", "bench@example.com")
        .await
        .map_err(|e| anyhow!(e.message))?;
    std::fs::write(
        s.out.join("credentials.json"),
        serde_json::to_string_pretty(&team)?,
    )?;
    let who = store
        .authenticate(CredentialKind::ApiKey, &team.api_key)
        .await
        .map_err(|e| anyhow!(e.message))?
        .context("the new API key does not authenticate")?;

    let bar = ProgressBar::new(s.leads).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} leads, {per_sec}, eta {eta}",
        )?
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let ids = if s.bulk {
        seed_bulk(&store, &s, team.team_id, &bar).await?
    } else {
        seed_one_by_one(&store, &s, &who, &bar).await?
    };
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "seeded {} leads in {secs:.1} s ({:.0} leads/s, {})",
        s.leads,
        s.leads as f64 / secs,
        if s.bulk {
            format!("bulk import, batches of {}", s.batch)
        } else {
            format!("concurrency {}", s.concurrency)
        }
    );
    write_lines(
        &s.out.join("ids.txt"),
        ids.into_iter().map(|id| id.to_string()),
    )?;
    write_lines(
        &s.out.join("searches.txt"),
        (0..1000).map(|i| data::search(s.seed, i)),
    )?;
    let bodies =
        (0..1000).map(|i| serde_json::to_string(&data::lead(s.seed ^ 0xB0D1, i)).expect("json"));
    write_lines(&s.out.join("bodies.jsonl"), bodies)?;
    std::fs::write(
        s.out.join("seed.json"),
        serde_json::to_string(
            &serde_json::json!({"leads": s.leads, "seconds": secs, "bulk": s.bulk}),
        )?,
    )?;
    store.close().await;
    Ok(())
}

/// Prints the progress every tenth of the seed when standard error is no terminal.
fn progress(started: Instant, done: u64, n: u64) {
    let tenth = (n / 10).max(1);
    if !std::io::stderr().is_terminal() && done / tenth != (done - 1) / tenth {
        eprintln!(
            "seeded {done}/{n} leads in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// Creates the leads one at a time through `Store::create_lead` (`--concurrency` in flight);
/// answers the sampled ids (every step-th lead, in order).
async fn seed_one_by_one(
    store: &Store,
    s: &Seed,
    who: &openhouse_domain::auth::Principal,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<i64>> {
    let step = (s.leads / s.sample.max(1)).max(1);
    let next = Arc::new(AtomicU64::new(0));
    let sampled = Arc::new(std::sync::Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..s.concurrency.max(1) {
        let (store, who, next, sampled, bar) = (
            store.clone(),
            who.clone(),
            next.clone(),
            sampled.clone(),
            bar.clone(),
        );
        let (n, seed) = (s.leads, s.seed);
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(());
                }
                let patch = LeadPatch::from_create(&data::lead(seed, i), None)
                    .map_err(|e| anyhow!(e.message))?;
                let id = store
                    .create_lead(&who, &patch)
                    .await
                    .map_err(|e| anyhow!("lead {i}: {}", e.message))?;
                if i % step == 0 {
                    sampled.lock().unwrap().push((i, id));
                }
                bar.inc(1);
                progress(started, i + 1, n);
            }
        });
    }
    while let Some(r) = workers.join_next().await {
        if let Err(e) = r? {
            workers.abort_all();
            return Err(e);
        }
    }
    let mut ids = std::mem::take(&mut *sampled.lock().unwrap());
    ids.sort_unstable();
    Ok(ids.into_iter().map(|(_, id)| id).collect())
}

/// Creates the leads through the store's bulk lead import, as `openhouse import leads` drives
/// it: the serving claim held, batches of `--batch` leads made on a thread of their own while
/// the batch before is written, PostgreSQL's statistics refreshed after batches 1, 2, 4, 8, …
/// (`Store::analyze_leads`), SQLite's secondary indexes set aside and built again at the end
/// when that pays. Then reads the team's lead ids back in id order and answers every step-th.
async fn seed_bulk(
    store: &Store,
    s: &Seed,
    team_id: i64,
    bar: &ProgressBar,
) -> anyhow::Result<Vec<i64>> {
    let message = |e: openhouse_domain::Error| anyhow!(e.message);
    let claim = store.claim_serving().await?;
    let mut imp = store
        .lead_import(team_id, None, Default::default())
        .await
        .map_err(message)?;
    let set_aside = store.indexes_aside_pay(s.leads).await.map_err(message)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ImportBatch>(2);
    let (n, seed, batch) = (s.leads, s.seed, s.batch.max(1));
    let maker = tokio::task::spawn_blocking(move || {
        let mut i = 0;
        while i < n {
            let end = (i + batch).min(n);
            let chunk = (i..end)
                .map(|i| {
                    let patch = LeadPatch::from_create(&data::lead(seed, i), None);
                    (i + 1, patch.map_err(|e| e.message))
                })
                .collect();
            if tx.blocking_send(chunk).is_err() {
                return;
            }
            i = end;
        }
    });
    let started = Instant::now();
    let mut done = 0u64;
    let report = store
        .import_lead_batches(&mut imp, set_aside, &mut rx, |step| match step {
            ImportStep::Written(k) => {
                bar.inc(k);
                for d in done + 1..=done + k {
                    progress(started, d, n);
                }
                done += k;
            }
            ImportStep::BuildingIndexes => bar.set_message("building indexes"),
        })
        .await
        .map_err(|stopped| anyhow!(stopped.error.message))?;
    maker.await?;
    if report.created != n {
        // the seed's emails are unique: every lead must be created
        let refused = report
            .errors
            .first()
            .map(|(line, e)| format!(", lead {}: {e}", line - 1));
        bail!(
            "the import created {} of {n} leads ({} skipped, {} refused{})",
            report.created,
            report.skipped,
            report.errors.len(),
            refused.unwrap_or_default()
        );
    }
    drop(claim);
    // the ids in id order (the order of creation: ids grow), every step-th as the one by one
    // seed samples them
    let step = (s.leads / s.sample.max(1)).max(1) as usize;
    let (mut ids, mut after, mut seen) = (Vec::new(), 0i64, 0usize);
    loop {
        let page = store
            .export_leads(team_id, after, 5_000)
            .await
            .map_err(message)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for l in &page {
            if seen % step == 0 {
                ids.push(l.id);
            }
            seen += 1;
        }
    }
    if seen as u64 != s.leads {
        bail!(
            "the team holds {seen} leads after the import, not {}",
            s.leads
        );
    }
    Ok(ids)
}

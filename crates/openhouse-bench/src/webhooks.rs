//! `openhouse-bench webhooks`: webhook delivery under load, against a running server started
//! with `--webhook-allow-private` (see bench/webhooks.sh).
//!
//! 1. Baseline: `POST /v1.0/leads` with no subscription, `--concurrency` at a time.
//! 2. `--subscriptions` subscriptions to list 2 (limit 5000 each) pointing at a receiver in this
//!    process that answers 200 at once.
//! 3. The same creates again while deliveries run; then waits for every delivery.
//! 4. The subscriptions are removed and the baseline is measured again: the drop is taken
//!    against the mean of the two baselines, so that warming up and the database growing do
//!    not count as the cost of delivery.
//!
//! 5. A paced phase with fresh subscriptions (the burst used up the first ones' 30-minute
//!    windows): `--paced-rate` creates per second for `--paced-secs`, a load below what delivery
//!    keeps up with, for the latency of a server that is not behind.
//!
//! Reports creates/s in the first two phases, deliveries/s (first to last delivery of the burst)
//! and event → delivered latency (receipt time minus the event's `eventTime`: both clocks are
//! this machine's) for the burst and for the paced phase.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:28480
    #[arg(long)]
    url: String,
    /// An API key of the server's team.
    #[arg(long)]
    api_key: String,
    #[arg(long, default_value_t = 10)]
    subscriptions: usize,
    /// Leads created while deliveries run (each is one event per subscription).
    #[arg(long, default_value_t = 5000)]
    leads: usize,
    /// Leads created first, with no subscription, for the baseline.
    #[arg(long, default_value_t = 5000)]
    baseline_leads: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Creates per second in the paced phase, which measures latency at a load the server
    /// keeps up with (each create is one delivery per subscription).
    #[arg(long, default_value_t = 100)]
    paced_rate: u64,
    /// How long the paced phase lasts, in seconds.
    #[arg(long, default_value_t = 10)]
    paced_secs: u64,
}

#[derive(Default)]
struct Got {
    /// (receipt time, event time) in epoch ms.
    times: Vec<(i64, i64)>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn receive(State(got): State<Arc<Mutex<Got>>>, body: Bytes) -> StatusCode {
    let at = now_ms();
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let event = v["eventTime"].as_i64().unwrap_or(at);
    if let Ok(mut g) = got.lock() {
        g.times.push((at, event));
    }
    StatusCode::OK
}

async fn create_leads(
    a: &Args,
    client: &reqwest::Client,
    n: usize,
    tag: &str,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..a.concurrency {
        let client = client.clone();
        let url = format!("{}/v1.0/leads", a.url);
        let auth = format!("token {}", a.api_key);
        let tag = tag.to_string();
        let workers = a.concurrency;
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(workers) {
                let r = client
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(json!({"firstName": format!("{tag} {i}"), "emails": [format!("{tag}.{i}@example.com")]}).to_string())
                    .send()
                    .await?;
                if r.status() != 200 {
                    bail!("POST /v1.0/leads answered {}", r.status());
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Makes `--subscriptions` subscriptions to list 2; their ids.
async fn subscribe(a: &Args, client: &reqwest::Client, hook: &str) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for _ in 0..a.subscriptions {
        let r = client
            .post(format!("{}/v1.0/webhook", a.url))
            .header("Authorization", format!("token {}", a.api_key))
            .header("Content-Type", "application/json")
            .body(json!({"listId": 2, "callbackUrl": hook, "limit": 5000}).to_string())
            .send()
            .await
            .context("subscribing")?;
        if r.status() != 200 {
            bail!(
                "POST /v1.0/webhook answered {}: {}",
                r.status(),
                r.text().await?
            );
        }
        let v: Value = serde_json::from_str(&r.text().await?)?;
        ids.push(v["subscribeId"].as_i64().context("subscribeId")?);
    }
    Ok(ids)
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let got = Arc::new(Mutex::new(Got::default()));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://127.0.0.1:{}/hook", l.local_addr()?.port());
    let app = axum::Router::new()
        .fallback(receive)
        .with_state(got.clone());
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });
    // reqwest is built without a TLS provider of its own
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency * 2)
        .build()?;

    let baseline = create_leads(&a, &client, a.baseline_leads, "base").await?;
    eprintln!("baseline: {baseline:.0} creates/s");

    let subs = subscribe(&a, &client, &hook).await?;
    let loaded = create_leads(&a, &client, a.leads, "hooked").await?;
    eprintln!("while delivering: {loaded:.0} creates/s");

    let expected = a.leads * a.subscriptions;
    let start = Instant::now();
    loop {
        let n = got.lock().map(|g| g.times.len()).unwrap_or(0);
        if n >= expected {
            break;
        }
        if start.elapsed() > Duration::from_secs(600) {
            bail!("{n} of {expected} deliveries after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let times = got
        .lock()
        .map(|mut g| std::mem::take(&mut g.times))
        .unwrap_or_default();
    let first = times.iter().map(|t| t.0).min().unwrap_or(0);
    let last = times.iter().map(|t| t.0).max().unwrap_or(0);
    let rate = times.len() as f64 / ((last - first).max(1) as f64 / 1000.0);
    let mut lat: Vec<i64> = times.iter().map(|(at, ev)| at - ev).collect();
    lat.sort_unstable();
    // the paced phase, with fresh subscriptions (the burst used up the others' windows)
    for id in subs {
        let r = client
            .delete(format!("{}/v1.0/webhook/{id}", a.url))
            .header("Authorization", format!("token {}", a.api_key))
            .send()
            .await?;
        if r.status() != 200 {
            bail!("DELETE /v1.0/webhook answered {}", r.status());
        }
    }
    let again = create_leads(&a, &client, a.baseline_leads, "again").await?;
    eprintln!("baseline again, nothing to deliver: {again:.0} creates/s");
    let base = (baseline + again) / 2.0;
    let drop = 100.0 * (1.0 - loaded / base);
    println!(
        "| {} subscriptions × {} leads | {} deliveries | {rate:.0} deliveries/s | latency p50 {} ms, p99 {} ms, max {} ms | creates/s {baseline:.0} and {again:.0} → {loaded:.0} ({drop:+.1}% drop against their mean) |",
        a.subscriptions,
        a.leads,
        times.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
    );
    subscribe(&a, &client, &hook).await?;
    let n = (a.paced_rate * a.paced_secs) as usize;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / a.paced_rate as f64));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        tick.tick().await;
        let client = client.clone();
        let url = format!("{}/v1.0/leads", a.url);
        let auth = format!("token {}", a.api_key);
        tasks.push(tokio::spawn(async move {
            client
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .body(json!({"firstName": format!("paced {i}")}).to_string())
                .send()
                .await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let expected = n * a.subscriptions;
    let start = Instant::now();
    while got.lock().map(|g| g.times.len()).unwrap_or(0) < expected {
        if start.elapsed() > Duration::from_secs(300) {
            bail!("the paced phase was not delivered in 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut lat: Vec<i64> = got
        .lock()
        .map(|g| g.times.iter().map(|(at, ev)| at - ev).collect())
        .unwrap_or_default();
    lat.sort_unstable();
    println!(
        "| paced: {} creates/s × {} subscriptions = {} deliveries/s offered, {} s | latency p50 {} ms, p99 {} ms, max {} ms |",
        a.paced_rate,
        a.subscriptions,
        a.paced_rate as usize * a.subscriptions,
        a.paced_secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
    );
    Ok(())
}

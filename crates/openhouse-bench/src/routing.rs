//! `openhouse-bench routing`: what lead routing costs a create, against a running server (see
//! bench/routing.sh).
//!
//! Phases of `--leads` creates each, `--concurrency` at a time, with tags and a source:
//! plain creates (no `leadRouting`) and routed creates (`leadRouting: true`, through `--rules`
//! Round Robin rules of which only the last matches: every create tests all of them, the worst
//! case for matching), alternating `--rounds` times, then plain once more, so that warm-up, the
//! database growing and the machine's other load fall on both alike.
//!
//! Reports creates/s of each phase, and the median routed rate against the median plain one.

use std::time::Instant;

use anyhow::bail;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:28480
    #[arg(long)]
    url: String,
    /// An API key of an admin of the server's team.
    #[arg(long)]
    api_key: String,
    /// Routing rules to add (all but the last match no lead).
    #[arg(long, default_value_t = 50)]
    rules: usize,
    /// Leads created in each phase.
    #[arg(long, default_value_t = 5000)]
    leads: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Rounds of (plain, routed) phases.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn creates(
    a: &Args,
    client: &reqwest::Client,
    tag: &str,
    routed: bool,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..a.concurrency {
        let client = client.clone();
        let url = format!("{}/v1.0/leads", a.url);
        let auth = format!("token {}", a.api_key);
        let (tag, n, workers) = (tag.to_string(), a.leads, a.concurrency);
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(workers) {
                let mut body = json!({"firstName": format!("{tag} {i}"), "source": "Zillow",
                    "tags": ["Buyer", format!("t{}", i % 20)], "leadType": 2,
                    "emails": [format!("{tag}.{i}@example.com")]});
                if routed {
                    body["leadRouting"] = json!(true);
                }
                let r = client
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await?;
                if r.status() != 200 {
                    bail!(
                        "POST /v1.0/leads answered {}: {}",
                        r.status(),
                        r.text().await?
                    );
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(a.leads as f64 / start.elapsed().as_secs_f64())
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency * 2)
        .build()?;
    // rules that each test a criterion the leads fail, then one that takes every lead
    for i in 0..a.rules {
        let last = i + 1 == a.rules;
        let rule: Value = if last {
            json!({"name": "everyone", "routingStrategy": {"strategyType": 3}})
        } else {
            json!({"name": format!("rule {i}"), "sourceName": format!("Source {i}"),
                "tagNames": [format!("Tag {i}")], "locationRule": {"city": format!("City {i}")},
                "priceMin": 100_000 * i as i64, "routingStrategy": {"strategyType": 3}})
        };
        let r = client
            .post(format!("{}/v1.0/routing/rule/1", a.url))
            .header("Authorization", format!("token {}", a.api_key))
            .header("Content-Type", "application/json")
            .body(rule.to_string())
            .send()
            .await?;
        if r.status() != 200 {
            bail!(
                "POST /v1.0/routing/rule/1 answered {}: {}",
                r.status(),
                r.text().await?
            );
        }
    }
    let (mut plain, mut routed) = (Vec::new(), Vec::new());
    for round in 0..a.rounds {
        let p = creates(&a, &client, &format!("plain{round}"), false).await?;
        eprintln!("plain: {p:.0} creates/s");
        let r = creates(&a, &client, &format!("routed{round}"), true).await?;
        eprintln!("routed through {} rules: {r:.0} creates/s", a.rules);
        plain.push(p);
        routed.push(r);
    }
    let p = creates(&a, &client, "plain-last", false).await?;
    eprintln!("plain: {p:.0} creates/s");
    plain.push(p);
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (mp, mr) = (median(plain.clone()), median(routed.clone()));
    println!(
        "| {} rules × {} leads × {} rounds | plain {} (median {mp:.0}) creates/s | routed {} (median {mr:.0}) creates/s | {:.1}% of the plain median |",
        a.rules,
        a.leads,
        a.rounds,
        fmt(&plain),
        fmt(&routed),
        100.0 * mr / mp
    );
    Ok(())
}

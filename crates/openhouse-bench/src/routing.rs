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
    /// The plain creates give `assignedUserId` (the API key's member, whom the rules route every
    /// lead to): what routing costs beyond the assignment it makes.
    #[arg(long)]
    assigned: bool,
}

/// CPU time (user + system, in clock ticks) used so far by the processes of this machine named
/// `openhouse` (the server) and `postgres` (its backends), from /proc: what a phase cost, apart
/// from the machine's other load. Zeros where /proc is not there.
fn cpu_ticks() -> (u64, u64) {
    let (mut server, mut db) = (0, 0);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (0, 0);
    };
    for e in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid … utime(14) stime(15)
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let f: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let used = ticks(11) + ticks(12);
        match comm {
            "openhouse" => server += used,
            "postgres" => db += used,
            _ => {}
        }
    }
    (server, db)
}

/// A phase: creates/s, and the server's and the database's CPU milliseconds a create.
struct Phase {
    rate: f64,
    server_ms: f64,
    db_ms: f64,
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
    assign: Option<i64>,
) -> anyhow::Result<Phase> {
    let start = Instant::now();
    let before = cpu_ticks();
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
                } else if let Some(u) = assign {
                    body["assignedUserId"] = json!(u);
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
    let rate = a.leads as f64 / start.elapsed().as_secs_f64();
    let after = cpu_ticks();
    // clock ticks are 1/100 s on Linux
    let per = |b: u64, e: u64| (e.saturating_sub(b)) as f64 * 10.0 / a.leads as f64;
    Ok(Phase {
        rate,
        server_ms: per(before.0, after.0),
        db_ms: per(before.1, after.1),
    })
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
    let assign = if a.assigned {
        let me: Value = serde_json::from_str(
            &client
                .get(format!("{}/v1.0/me", a.url))
                .header("Authorization", format!("token {}", a.api_key))
                .send()
                .await?
                .text()
                .await?,
        )?;
        let Some(id) = me["id"].as_i64().or_else(|| me["userId"].as_i64()) else {
            bail!("GET /v1.0/me gave no id: {me}");
        };
        Some(id)
    } else {
        None
    };
    let (mut plain, mut routed) = (Vec::new(), Vec::new());
    let show = |what: &str, p: &Phase| {
        eprintln!(
            "{what}: {:.0} creates/s, CPU a create: server {:.3} ms, database {:.3} ms",
            p.rate, p.server_ms, p.db_ms
        )
    };
    for round in 0..a.rounds {
        let p = creates(&a, &client, &format!("plain{round}"), false, assign).await?;
        show("plain", &p);
        let r = creates(&a, &client, &format!("routed{round}"), true, None).await?;
        show(&format!("routed through {} rules", a.rules), &r);
        plain.push(p);
        routed.push(r);
    }
    let p = creates(&a, &client, "plain-last", false, assign).await?;
    show("plain", &p);
    plain.push(p);
    let cpu = |v: &[Phase]| {
        (
            median(v.iter().map(|p| p.server_ms).collect()),
            median(v.iter().map(|p| p.db_ms).collect()),
        )
    };
    let ((ps, pd), (rs, rd)) = (cpu(&plain), cpu(&routed));
    let (plain, routed): (Vec<f64>, Vec<f64>) = (
        plain.iter().map(|p| p.rate).collect(),
        routed.iter().map(|p| p.rate).collect(),
    );
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (mp, mr) = (median(plain.clone()), median(routed.clone()));
    println!(
        "| {} rules × {} leads × {} rounds | {} {} (median {mp:.0}) creates/s | routed {} (median {mr:.0}) creates/s | {:.1}% of the plain median | CPU ms a create, server + database: plain {ps:.3} + {pd:.3}, routed {rs:.3} + {rd:.3} ({:.1}% of routed's) |",
        a.rules,
        a.leads,
        a.rounds,
        if a.assigned { "assigned" } else { "plain" },
        fmt(&plain),
        fmt(&routed),
        100.0 * mr / mp,
        100.0 * (ps + pd) / (rs + rd),
    );
    Ok(())
}

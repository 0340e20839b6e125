//! `cargo xtask load` (not part of CI): simulated devices against running
//! server processes, with a realistic mix, then a check that every device
//! converged with the database.
//!
//! Each device is a member's phone with its own account and session: an
//! initial sync, a pull every 30 s (jittered), a profile edit every few
//! minutes (exponential, mean 3 min), and, halfway through, the burst of a
//! theme party day: every member of 悦海 checks in to the activity under way
//! within 10 s, with the code on the organiser's screen. Meanwhile the
//! secretary's station device pushes a day of offline work at once: 500
//! queued credit awards in batches of 100. Prints requests, throughput and
//! p50/p95/p99 latency per endpoint, and errors.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::Mutex;
use zhijian_client::Client;
use zhijian_domain::credit_ops::Award;
use zhijian_domain::doc::Doc;
use zhijian_domain::menu_ops::NewCheckIn;
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::{
    Change, Mutation, Outcome, PullRequest, PullResponse, PushRequest, SCHEMA_VERSION,
};
use zhijian_domain::{ManagementMode, MemberStatus, Op, ProfilePatch, RoleKind, checkin};
use zhijian_server::{Db, auth};

/// The demo's activity under way at 悦海 (volunteer service, counting hours).
const ACTIVITY: &str = "menu-yuehai-this-a3";
const STATION_AWARDS: u64 = 500;

#[derive(Parser)]
struct Args {
    /// The database the servers use (for accounts and sessions).
    #[arg(long)]
    database_url: String,
    /// A server's base URL; devices are spread over every one given.
    #[arg(long = "base", required = true)]
    bases: Vec<String>,
    #[arg(long, default_value_t = 1000)]
    devices: usize,
    #[arg(long, default_value_t = 90)]
    seconds: u64,
    #[arg(long, default_value = "")]
    label: String,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Latencies (ms) and errors per endpoint.
#[derive(Default)]
struct Stats {
    latency: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<String, u64>,
    rejected: BTreeMap<String, u64>,
}

#[derive(Clone)]
struct Shared {
    stats: Arc<Mutex<Stats>>,
    requests: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
}

impl Shared {
    async fn record<T>(
        &self,
        endpoint: &'static str,
        started: Instant,
        r: &Result<T, zhijian_client::ApiError>,
    ) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut s = self.stats.lock().await;
        s.latency
            .entry(endpoint)
            .or_default()
            .push(started.elapsed().as_secs_f64() * 1000.0);
        if let Err(e) = r {
            self.errors.fetch_add(1, Ordering::Relaxed);
            let what = match e {
                zhijian_client::ApiError::Status { status, body } => {
                    format!("{endpoint} {status} {}", body.code)
                }
                other => format!("{endpoint} {other}"),
            };
            *s.errors.entry(what).or_default() += 1;
        }
    }
}

/// One device: its queue, cursor and what it has pulled (id → version).
struct Device {
    client: Client,
    client_id: String,
    member_id: String,
    outbox: Vec<Mutation>,
    next_seq: u64,
    cursor: u64,
    epoch: u64,
    results_after: u64,
    records: BTreeMap<String, u64>,
}

impl Device {
    fn new(client: Client, client_id: &str, member_id: &str) -> Self {
        Device {
            client,
            client_id: client_id.into(),
            member_id: member_id.into(),
            outbox: Vec::new(),
            next_seq: 1,
            cursor: 0,
            epoch: 0,
            results_after: 0,
            records: BTreeMap::new(),
        }
    }

    fn queue(&mut self, op: Op) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.outbox.push(Mutation {
            seq,
            id: format!("{}-{seq}", self.client_id),
            op,
        });
    }

    /// Pushes the queue, then pulls every page; a failure leaves the rest
    /// for the next sync, as the app does.
    async fn sync(&mut self, shared: &Shared) {
        if !self.outbox.is_empty() {
            let req = PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id: self.client_id.clone(),
                mutations: self.outbox.clone(),
                resume: false,
            };
            let t = Instant::now();
            let r = self.client.push(&req).await;
            shared.record("push", t, &r).await;
            let Ok(r) = r else { return };
            self.outbox.retain(|m| m.seq > r.last_seq);
            let mut s = shared.stats.lock().await;
            for x in &r.results {
                if let Outcome::Rejected { code, .. } = &x.outcome {
                    *s.rejected.entry(format!("{} {code}", x.name)).or_default() += 1;
                }
            }
        }
        loop {
            let req = PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: self.client_id.clone(),
                cursor: self.cursor,
                epoch: self.epoch,
                results_after: self.results_after,
            };
            let t = Instant::now();
            let r = self.client.pull(&req).await;
            shared.record("pull", t, &r).await;
            let Ok(r) = r else { return };
            self.apply(&r);
            if !r.has_more {
                return;
            }
        }
    }

    fn apply(&mut self, r: &PullResponse) {
        if r.reset {
            self.records.clear();
        }
        for c in &r.changes {
            match c {
                Change::Org { version, org } => {
                    self.records.insert(format!("org:{}", org.id), *version);
                }
                Change::Member { version, member } => {
                    self.records
                        .insert(format!("member:{}", member.id), *version);
                }
                Change::MemberGone { id, .. } => {
                    self.records.remove(&format!("member:{id}"));
                }
                Change::Doc { version, doc } => {
                    self.records.insert(format!("doc:{}", doc.id()), *version);
                }
            }
        }
        self.cursor = r.cursor;
        self.epoch = r.epoch;
        self.results_after = r.last_seq;
    }
}

/// Everything a fresh device of this account would receive now.
async fn fresh_view(c: &Client, client_id: &str) -> Result<BTreeMap<String, u64>, Failure> {
    let mut d = Device::new(c.clone(), client_id, "");
    loop {
        let r = c
            .pull(&PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: client_id.into(),
                cursor: d.cursor,
                epoch: d.epoch,
                results_after: 0,
            })
            .await?;
        d.apply(&r);
        if !r.has_more {
            return Ok(d.records);
        }
    }
}

/// A small generator for jitter (seeded per device).
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

async fn push_all(c: &Client, client_id: &str, ops: Vec<Op>) -> Result<(), Failure> {
    let mut seq = 1;
    for chunk in ops.chunks(100) {
        let mutations: Vec<Mutation> = chunk
            .iter()
            .map(|op| {
                let m = Mutation {
                    seq,
                    id: format!("{client_id}-{seq}"),
                    op: op.clone(),
                };
                seq += 1;
                m
            })
            .collect();
        let r = c
            .push(&PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id: client_id.into(),
                mutations,
                resume: false,
            })
            .await?;
        if let Some(x) = r.results.iter().find(|x| x.outcome != Outcome::Ok) {
            return Err(format!("setup refused: {x:?}").into());
        }
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url).await?;
    let base = Client::new(args.bases[0].clone());
    let admin = base.with_token(base.login("admin", "zhijian-admin").await?.token);

    // Setup: the members (by the administrator's device), their accounts
    // and sessions (one password hash for all), the organiser's code.
    eprintln!("setting up {} members with accounts…", args.devices);
    let member = |i: usize| {
        (
            format!("ld-{i}"),
            if i.is_multiple_of(2) {
                "yuehai"
            } else {
                "fuli"
            },
        )
    };
    let adds = (0..args.devices)
        .map(|i| {
            let (id, org) = member(i);
            Op::AddMember(NewMember {
                id,
                org_id: org.into(),
                name: format!("压测党员{i}"),
                status: MemberStatus::Full,
                mode: ManagementMode::Mobile,
                phone: None,
                workplace: None,
            })
        })
        .collect();
    push_all(&admin, "load-admin", adds).await?;
    let hash = auth::hash_password("load-pass-1234")?;
    let mut devices = Vec::new();
    for i in 0..args.devices {
        let (id, org) = member(i);
        let account = format!("acc-{id}");
        auth::create_account_hashed(
            &db,
            &account,
            &format!("load-{i}"),
            &hash,
            &format!("压测党员{i}"),
            Some(&id),
            &[(RoleKind::Member, Some(org))],
        )
        .await?;
        let (token, _) = auth::open_session(db.pool(), &account).await?;
        let c = Client::new(args.bases[i % args.bases.len()].clone()).with_token(token);
        devices.push(Device::new(c, &format!("load-dev-{i}"), &id));
    }
    let secret = fresh_view_docs(&admin)
        .await?
        .into_iter()
        .find_map(|d| match d {
            Doc::Activity(a) if a.id == ACTIVITY => a.secret,
            _ => None,
        })
        .ok_or("the demo's activity under way was not found")?;
    let secret = checkin::secret_bytes(&secret).ok_or("unreadable secret")?;
    let station = base.with_token(base.login("13900000002", "demo1234").await?.token);

    let shared = Shared {
        stats: Arc::new(Mutex::new(Stats::default())),
        requests: Arc::new(AtomicU64::new(0)),
        errors: Arc::new(AtomicU64::new(0)),
    };
    let run = Duration::from_secs(args.seconds);
    let started = Instant::now();
    eprintln!(
        "{} devices for {} s over {} server process(es)",
        args.devices,
        args.seconds,
        args.bases.len()
    );

    // The progress bar, on stderr.
    let progress = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                let done = (started.elapsed().as_secs_f64() / run.as_secs_f64()).min(1.0);
                let filled = (done * 30.0) as usize;
                eprint!(
                    "\r[{}{}] {:>3.0}%  {} requests, {} errors ",
                    "#".repeat(filled),
                    ".".repeat(30 - filled),
                    done * 100.0,
                    shared.requests.load(Ordering::Relaxed),
                    shared.errors.load(Ordering::Relaxed)
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };

    // The station device's day of offline work, a third of the way in.
    let station_task = {
        let shared = shared.clone();
        let members = args.devices;
        tokio::spawn(async move {
            tokio::time::sleep(run / 3).await;
            let mut d = Device::new(station, "load-station", "");
            for i in 0..STATION_AWARDS {
                d.queue(Op::AwardCredits(Award {
                    id: format!("load-award-{i}"),
                    // 悦海's members (even numbers), whose secretary it is.
                    member_id: format!("ld-{}", (i as usize * 2) % members),
                    amount: 5,
                    reason: "驿站值班（离线补录）".into(),
                }));
            }
            // Batches of 100, as the app sends them.
            while !d.outbox.is_empty() {
                let rest = d.outbox.split_off(d.outbox.len().min(100));
                d.sync(&shared).await;
                d.outbox.extend(rest);
            }
        })
    };

    let mut tasks = Vec::new();
    for (i, mut d) in devices.into_iter().enumerate() {
        let shared = shared.clone();
        let secret = secret.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
            // Devices come online over the first 30 s.
            let mut next_pull = started + Duration::from_secs_f64(rng.unit() * 30.0);
            let mut next_edit = next_pull + Duration::from_secs_f64(-rng.unit().ln() * 180.0);
            let burst = i
                .is_multiple_of(2)
                .then(|| started + run / 2 + Duration::from_secs_f64(rng.unit() * 10.0));
            let mut checked_in = false;
            let end = started + run;
            loop {
                let mut wake = next_pull.min(next_edit);
                if let Some(b) = burst.filter(|_| !checked_in) {
                    wake = wake.min(b);
                }
                if wake >= end {
                    break;
                }
                tokio::time::sleep_until(wake.into()).await;
                let now = Instant::now();
                if burst.is_some_and(|b| now >= b) && !checked_in {
                    checked_in = true;
                    let at = zhijian_server::auth::now_secs();
                    d.queue(Op::CheckIn(NewCheckIn {
                        id: format!("load-checkin-{}", d.member_id),
                        activity_id: ACTIVITY.into(),
                        code: checkin::code(&secret, ACTIVITY, checkin::window(at)),
                        at,
                    }));
                } else if now >= next_edit {
                    next_edit = now + Duration::from_secs_f64(-rng.unit().ln() * 180.0);
                    d.queue(Op::UpdateProfile(ProfilePatch {
                        phone: None,
                        workplace: Some(Some(format!("福田区某楼宇{}层", 1 + d.next_seq % 40))),
                    }));
                } else {
                    next_pull = now + Duration::from_secs_f64(25.0 + rng.unit() * 10.0);
                }
                d.sync(&shared).await;
            }
            d
        }));
    }
    let mut finished = Vec::new();
    for t in tasks {
        finished.push(t.await?);
    }
    station_task.await?;
    progress.abort();
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!();

    // Convergence: each device, once its queue is empty and it has pulled
    // again, holds exactly what a fresh device of its account receives.
    let mut unsynced = 0;
    let mut diverged = 0;
    for d in &mut finished {
        for _ in 0..3 {
            if d.outbox.is_empty() {
                break;
            }
            d.sync(&shared).await;
        }
        d.sync(&shared).await;
        if !d.outbox.is_empty() {
            unsynced += 1;
            continue;
        }
        let fresh = fresh_view(&d.client, &format!("{}-check", d.client_id)).await?;
        if fresh != d.records {
            diverged += 1;
        }
    }

    let s = shared.stats.lock().await;
    let label = if args.label.is_empty() {
        format!("{} process(es)", args.bases.len())
    } else {
        args.label.clone()
    };
    println!(
        "{label}: {} devices, {:.0} s, {} requests ({:.0}/s)",
        finished.len(),
        elapsed,
        shared.requests.load(Ordering::Relaxed),
        shared.requests.load(Ordering::Relaxed) as f64 / elapsed
    );
    for (endpoint, l) in &s.latency {
        let mut l = l.clone();
        l.sort_by(f64::total_cmp);
        println!(
            "  {endpoint:<5} {:>7} requests  p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms",
            l.len(),
            percentile(&l, 0.5),
            percentile(&l, 0.95),
            percentile(&l, 0.99)
        );
    }
    let errors: u64 = s.errors.values().sum();
    println!("  errors: {errors}");
    for (what, n) in &s.errors {
        println!("    {n} × {what}");
    }
    for (what, n) in &s.rejected {
        println!("  refused by the rules: {n} × {what}");
    }
    println!(
        "  converged: {} of {} devices ({unsynced} with changes not yet accepted, {diverged} differing from a fresh sync)",
        finished.len() - unsynced - diverged,
        finished.len()
    );
    if errors > 0 || unsynced > 0 || diverged > 0 {
        return Err("the load run had errors or devices that did not converge".into());
    }
    Ok(())
}

/// The documents the administrator receives (the organiser's view).
async fn fresh_view_docs(c: &Client) -> Result<Vec<Doc>, Failure> {
    let (mut cursor, mut epoch, mut out) = (0, 0, Vec::new());
    loop {
        let r = c
            .pull(&PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: "load-admin-view".into(),
                cursor,
                epoch,
                results_after: 0,
            })
            .await?;
        out.extend(r.changes.into_iter().filter_map(|c| match c {
            Change::Doc { doc, .. } => Some(doc),
            _ => None,
        }));
        cursor = r.cursor;
        epoch = r.epoch;
        if !r.has_more {
            return Ok(out);
        }
    }
}

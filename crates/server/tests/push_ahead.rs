//! A push batch read ahead (`routes/sync/ahead.rs`) has the results and
//! leaves the database as the same batch run one mutation at a time, on
//! SQLite and PostgreSQL: two servers over two copies of the demo data, one
//! reading ahead and one not, receive the same random batches (members
//! added, credits awarded and deducted past the balance, entries reversed
//! in the batch that made them, members renamed, sign-ups, ids that do not
//! exist), from an account that may and one that may not.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use serde_json::Value;
use sqlx::Row;
use zhijian_domain::credit_ops::{Award, Reverse};
use zhijian_domain::member::MemberPatch;
use zhijian_domain::menu_ops::NewSignup;
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::{Outcome, PushResponse};
use zhijian_domain::{ManagementMode, MemberStatus, Op};
use zhijian_server::{Db, Limits};

/// xorshift64*: the seed (printed) drives every choice.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

const ORGS: [&str; 6] = [
    "yuehai",
    "yuehai-g1",
    "wanda",
    "baohu-b1",
    "cbd-finance",
    "nowhere",
];

/// Records the random batches name, growing as they add them.
struct Names {
    members: Vec<String>,
    entries: Vec<String>,
    signups: Vec<String>,
    next: usize,
}

impl Names {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }
}

fn random_op(rng: &mut Rng, n: &mut Names) -> Op {
    match rng.below(7) {
        0 => {
            // A new member, or (one time in five) an id already taken.
            let id = if rng.below(5) == 0 {
                rng.pick(&n.members).clone()
            } else {
                n.id("n")
            };
            n.members.push(id.clone());
            Op::AddMember(NewMember {
                id,
                org_id: (*rng.pick(&ORGS)).into(),
                name: format!("新党员{}", n.next),
                status: MemberStatus::Full,
                mode: ManagementMode::Employed,
                phone: None,
                workplace: None,
            })
        }
        1 | 2 => {
            let id = n.id("aw");
            n.entries.push(id.clone());
            let member_id = if rng.below(8) == 0 {
                "nobody".into()
            } else {
                rng.pick(&n.members).clone()
            };
            Op::AwardCredits(Award {
                id,
                member_id,
                amount: *rng.pick(&[-40, -5, 5, 10, 20]),
                reason: "志愿服务".into(),
            })
        }
        3 => Op::ReverseEntry(Reverse {
            id: n.id("rv"),
            entry_id: rng.pick(&n.entries).clone(),
            reason: "更正".into(),
        }),
        4 => Op::UpdateMember {
            member_id: rng.pick(&n.members).clone(),
            patch: MemberPatch {
                name: Some(format!("改名{}", n.next)),
                ..Default::default()
            },
        },
        5 => {
            let id = n.id("su");
            n.signups.push(id.clone());
            Op::SignUp(NewSignup {
                id,
                activity_id: "menu-yuehai-this-a0".into(),
                members: vec![rng.pick(&n.members).clone(), "m-01".into()],
            })
        }
        _ => Op::CancelSignup {
            signup_id: n
                .signups
                .last()
                .cloned()
                .unwrap_or_else(|| "su-none".into()),
        },
    }
}

/// What a result says, without its text.
fn outcomes(r: &PushResponse) -> Vec<(u64, String)> {
    r.results
        .iter()
        .map(|x| {
            let o = match &x.outcome {
                Outcome::Ok => "ok".to_owned(),
                Outcome::Rejected { code, reason, .. } => format!("{code} {reason:?}"),
            };
            (x.seq, o)
        })
        .collect()
}

/// Times (numbers past 2001) become 0: the two servers' demo data and
/// mutations are a moment apart. The demo's random secrets go.
fn without_clock(v: &mut Value) {
    if let Value::Object(o) = v {
        o.remove("secret");
    }
    match v {
        Value::Number(x) if x.as_i64().is_some_and(|t| t > 1_000_000_000) => *v = Value::from(0),
        Value::Array(a) => a.iter_mut().for_each(without_clock),
        Value::Object(o) => o.values_mut().for_each(without_clock),
        _ => {}
    }
}

/// Every document and member row, versions aside.
async fn state(db: &Db) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in
        sqlx::query("SELECT id, kind, org_id, parent, scope_path, people, audience, body FROM docs")
            .fetch_all(db.pool())
            .await
            .expect("docs")
    {
        let mut body: Value =
            serde_json::from_str(&r.get::<String, _>("body")).expect("a document's JSON");
        without_clock(&mut body);
        let row = format!(
            "{} {:?} {:?} {} {} {} {body}",
            r.get::<String, _>("kind"),
            r.get::<Option<String>, _>("org_id"),
            r.get::<Option<String>, _>("parent"),
            r.get::<String, _>("scope_path"),
            r.get::<String, _>("people"),
            r.get::<String, _>("audience"),
        );
        out.insert(format!("d {}", r.get::<String, _>("id")), row);
    }
    for r in sqlx::query("SELECT id, org_id, name, status, mode FROM members")
        .fetch_all(db.pool())
        .await
        .expect("members")
    {
        let row = format!(
            "{} {} {} {}",
            r.get::<String, _>("org_id"),
            r.get::<String, _>("name"),
            r.get::<String, _>("status"),
            r.get::<String, _>("mode"),
        );
        out.insert(format!("m {}", r.get::<String, _>("id")), row);
    }
    out
}

#[tokio::test]
async fn a_batch_read_ahead_is_the_batch_run_one_by_one() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!("seed {seed}");
    for (backend, url, dir) in common::database_urls().await {
        let ahead = common::start(backend, &url, dir, true).await;
        let (_, url, dir) = common::database_urls()
            .await
            .into_iter()
            .find(|(b, ..)| *b == backend)
            .expect("the same backend again");
        let one = common::start_state(backend, &url, dir, true, Limits::default(), None, |s| {
            s.push_reads_ahead = false
        })
        .await;
        let mut rng = Rng(seed);
        let mut names = Names {
            members: (1..=12).map(|i| format!("m-{i:02}")).collect(),
            entries: vec!["award-demo-m01".into()],
            signups: Vec::new(),
            next: 0,
        };
        let mut pushers = Vec::new();
        for (login, password) in [("13900000100", "demo1234"), ("13900000002", "demo1234")] {
            pushers.push((
                common::login(&ahead.client, login, password).await,
                common::login(&one.client, login, password).await,
                format!("c-{login}"),
                0u64,
            ));
        }
        let mut accepted = 0;
        for batch in 0..40 {
            let (a, o, client, seq) = &mut pushers[batch % 2];
            let ops: Vec<(u64, Op)> = (0..1 + rng.below(30))
                .map(|_| {
                    *seq += 1;
                    (*seq, random_op(&mut rng, &mut names))
                })
                .collect();
            let got = common::push(a, client, ops.clone()).await;
            let want = common::push(o, client, ops).await;
            assert_eq!(
                outcomes(&got),
                outcomes(&want),
                "batch {batch} ({backend}, seed {seed}): read ahead ≠ one by one"
            );
            accepted += outcomes(&want).iter().filter(|(_, o)| o == "ok").count();
        }
        let (got, want) = (state(&ahead.db).await, state(&one.db).await);
        for (k, v) in &want {
            assert_eq!(got.get(k), Some(v), "{k} ({backend}, seed {seed})");
        }
        assert_eq!(got.len(), want.len(), "{backend}, seed {seed}");
        // It did read ahead (and, where a batch reversed what it had just
        // awarded, fell back to one by one), and the other server never did.
        let read = |s: &common::TestServer| {
            (
                s.state.push_stats.read_ahead.load(Ordering::Relaxed),
                s.state.push_stats.one_by_one.load(Ordering::Relaxed),
            )
        };
        let (ahead_n, bailed) = read(&ahead);
        println!(
            "{backend}: {ahead_n} batches read ahead, {bailed} one by one, {accepted} accepted"
        );
        assert!(
            accepted >= 50,
            "{backend}: only {accepted} mutations accepted"
        );
        assert!(
            ahead_n >= 10,
            "{backend}: only {ahead_n} batches read ahead"
        );
        assert_eq!(read(&one).0, 0, "{backend}");
    }
}

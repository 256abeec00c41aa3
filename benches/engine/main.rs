//! Native benchmarks: check latency, load time and snapshot size, each next to a
//! baseline measured in the same run.
//!
//! ```text
//! cargo bench --bench engine            # everything (about two minutes)
//! cargo bench --bench engine -- check   # only the check benchmarks
//! cargo bench --bench engine -- delta   # a delta against a full load at 100,000 subjects
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_debug_implementations
)]

#[path = "../../tests/hostile/mod.rs"]
mod hostile;
mod synthetic;

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use rolegate::time::parse_rfc3339;
use rolegate::{
    BuildOptions, Engine, KeySet, LoadOptions, SigningKey, compile, compile_json, load, seal,
};
use rustc_hash::FxHashMap;
use serde_json::Value;

const TENANTS: [&str; 3] = ["small-1", "medium-1", "medium-2"];

fn conformance() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

struct Tenant {
    name: String,
    policy_json: String,
    snapshot: Vec<u8>,
    engine: Engine,
    now: i64,
    queries: Vec<(String, String, Option<String>)>,
}

fn key() -> SigningKey {
    SigningKey::from_seed([7; 32], Some("bench")).unwrap()
}

fn keys() -> KeySet {
    KeySet::from_keys([key().public_key()]).unwrap()
}

fn tenant(name: &str) -> Tenant {
    let dir = conformance().join("generated");
    let policy_json = std::fs::read_to_string(dir.join(format!("{name}.policy.json"))).unwrap();
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.queries.json"))).unwrap(),
    )
    .unwrap();
    let now = parse_rfc3339(doc["now"].as_str().unwrap()).unwrap();
    let queries = doc["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q[0].as_str().unwrap().into(),
                q[1].as_str().unwrap().into(),
                q[2].as_str().map(String::from),
            )
        })
        .collect();
    let payload = compile_json(
        &policy_json,
        &BuildOptions {
            revision: 1,
            issued_at: now,
            expires_at: None,
        },
    )
    .unwrap();
    let snapshot = seal(&payload, &key());
    let engine = load(&snapshot, &keys(), &LoadOptions::at(now)).unwrap();
    Tenant {
        name: name.into(),
        policy_json,
        snapshot,
        engine,
        now,
        queries,
    }
}

fn gzip(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

/// Snapshot bytes against the policy JSON, raw and gzipped (printed, not timed).
fn report_sizes(tenants: &[Tenant]) {
    println!(
        "\nsnapshot size (bytes)           json    json.gz  snapshot  snapshot.gz  snap/json.gz"
    );
    let acme = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/policies/acme.json"),
    )
    .unwrap();
    let acme_snapshot = seal(
        &compile_json(
            &acme,
            &BuildOptions {
                revision: 1,
                issued_at: 0,
                expires_at: None,
            },
        )
        .unwrap(),
        &key(),
    );
    let rows = std::iter::once(("acme", acme.as_str(), &acme_snapshot)).chain(
        tenants
            .iter()
            .map(|t| (t.name.as_str(), t.policy_json.as_str(), &t.snapshot)),
    );
    for (name, json, snapshot) in rows {
        let json_gz = gzip(json.as_bytes());
        println!(
            "  {name:<28} {:>7} {:>9} {:>9} {:>12} {:>12.2}",
            json.len(),
            json_gz,
            snapshot.len(),
            gzip(snapshot),
            snapshot.len() as f64 / json_gz as f64
        );
    }
    println!();
}

/// The cheapest possible string check: three name lookups in Fx hash maps and a bit test,
/// with no scopes, grants or expiry. A floor for any engine that takes names.
struct Floor {
    subjects: FxHashMap<Box<str>, u32>,
    permissions: FxHashMap<Box<str>, u32>,
    scopes: FxHashMap<Box<str>, u32>,
    bits: Vec<u64>,
}

impl Floor {
    fn new(engine: &Engine) -> Floor {
        let p = engine.payload();
        let index = |names: Vec<&str>| {
            names
                .into_iter()
                .enumerate()
                .map(|(i, n)| (Box::from(n), i as u32))
                .collect()
        };
        Floor {
            subjects: index(p.subjects.iter().map(|s| s.id.as_str()).collect()),
            permissions: index(p.permissions.iter().map(|s| s.name.as_str()).collect()),
            scopes: index(p.scopes.iter().map(|s| s.id.as_str()).collect()),
            bits: (0..p.subjects.len() as u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect(),
        }
    }

    fn can(&self, subject: &str, permission: &str, scope: Option<&str>) -> bool {
        let (Some(&s), Some(&p)) = (self.subjects.get(subject), self.permissions.get(permission))
        else {
            return false;
        };
        let sc = match scope {
            Some(id) => self.scopes.get(id).copied(),
            None => Some(0),
        };
        sc.is_some() && self.bits[s as usize] >> (p % 64) & 1 == 1
    }
}

fn bench_checks(c: &mut Criterion, tenants: &[Tenant]) {
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(1));
    for t in tenants {
        let n = t.queries.len();
        let floor = Floor::new(&t.engine);
        group.bench_function(BenchmarkId::new("floor: 3 name lookups", &t.name), |b| {
            let mut i = 0;
            b.iter(|| {
                let (s, p, sc) = &t.queries[i % n];
                i += 1;
                black_box(floor.can(black_box(s), black_box(p), black_box(sc.as_deref())))
            })
        });
        group.bench_function(BenchmarkId::new("can (names)", &t.name), |b| {
            let mut i = 0;
            b.iter(|| {
                let (s, p, sc) = &t.queries[i % n];
                i += 1;
                black_box(
                    t.engine
                        .can(black_box(s), black_box(p), black_box(sc.as_deref()), t.now),
                )
            })
        });
        let ids: Vec<(u32, u32, u32)> = t
            .queries
            .iter()
            .filter_map(|(s, p, sc)| {
                Some((
                    t.engine.subject_id(s)?,
                    t.engine.permission_id(p)?,
                    t.engine.scope_id(sc.as_deref())?,
                ))
            })
            .collect();
        group.bench_function(BenchmarkId::new("can_ids (resolved)", &t.name), |b| {
            let mut i = 0;
            b.iter(|| {
                let (s, p, sc) = ids[i % ids.len()];
                i += 1;
                black_box(
                    t.engine
                        .can_ids(black_box(s), black_box(p), black_box(sc), t.now),
                )
            })
        });
        let sets: Vec<_> = ids
            .iter()
            .map(|&(s, _, sc)| t.engine.permission_set_ids(s, sc, t.now))
            .collect();
        group.bench_function(BenchmarkId::new("bound set contains", &t.name), |b| {
            let mut i = 0;
            b.iter(|| {
                let k = i % ids.len();
                i += 1;
                black_box(sets[k].contains(black_box(ids[k].1)))
            })
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion, tenants: &[Tenant]) {
    let mut group = c.benchmark_group("load");
    let keys = keys();
    let mut inputs: Vec<(String, Vec<u8>, usize, i64)> = tenants
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.snapshot.clone(),
                t.engine.payload().subjects.len(),
                t.now,
            )
        })
        .collect();
    for n in [10_000, 100_000] {
        let payload = compile(
            &synthetic::policy(n),
            &BuildOptions {
                revision: 1,
                issued_at: 0,
                expires_at: None,
            },
        )
        .unwrap();
        inputs.push((format!("synthetic-{n}"), seal(&payload, &key()), n, 0));
    }
    for (name, bytes, subjects, now) in &inputs {
        println!(
            "load input {name}: {} bytes, {subjects} subjects",
            bytes.len()
        );
        group.throughput(Throughput::Elements(*subjects as u64));
        group.bench_function(BenchmarkId::new("verify+decode+index", name), |b| {
            b.iter(|| load(black_box(bytes), &keys, &LoadOptions::at(*now)).unwrap())
        });
        group.bench_function(BenchmarkId::new("baseline: verify only", name), |b| {
            b.iter(|| {
                rolegate::Unverified::parse(black_box(bytes))
                    .unwrap()
                    .verify(&keys)
                    .unwrap()
                    .len()
            })
        });
    }
    for t in tenants.iter().take(1) {
        group.throughput(Throughput::Elements(
            t.engine.payload().subjects.len() as u64
        ));
        group.bench_function(
            BenchmarkId::new("baseline: serde_json parse of the policy", &t.name),
            |b| b.iter(|| serde_json::from_str::<Value>(black_box(&t.policy_json)).unwrap()),
        );
    }
    group.finish();
}

/// A signed delta for one grant added in a 100,000-subject tenant: its bytes against the
/// full snapshot's (printed), and applying it against loading the full snapshot (timed).
fn bench_delta(c: &mut Criterion) {
    let mut group = c.benchmark_group("delta");
    let keys = keys();
    let n = 100_000;
    let stamp = |revision| BuildOptions {
        revision,
        issued_at: 0,
        expires_at: None,
    };
    let mut policy = synthetic::policy(n);
    let old = compile(&policy, &stamp(1)).unwrap();
    policy.subjects[54_321]
        .grants
        .push(rolegate::policy::GrantDecl {
            role: "admin".into(),
            scope: "prj_07".into(),
            expires_at: None,
        });
    let new = compile(&policy, &stamp(2)).unwrap();
    let old_snapshot = seal(&old, &key());
    let full = seal(&new, &key());
    let base = load(&old_snapshot, &keys, &LoadOptions::at(0)).unwrap();
    let delta = rolegate::seal_delta(base.payload_bytes(), &old, &new, &key());
    println!(
        "\ndelta, one grant added in a {n}-subject tenant: {} bytes ÷ full snapshot {} bytes = {:.4}% ({} ÷ {} gzip)",
        delta.len(),
        full.len(),
        100.0 * delta.len() as f64 / full.len() as f64,
        gzip(&delta),
        gzip(&full)
    );
    let applied = rolegate::apply_delta(&base, &delta, &keys, &LoadOptions::at(0)).unwrap();
    assert_eq!(
        applied.payload_bytes(),
        load(&full, &keys, &LoadOptions::at(0))
            .unwrap()
            .payload_bytes()
    );
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("apply delta", n), |b| {
        b.iter(|| {
            rolegate::apply_delta(&base, black_box(&delta), &keys, &LoadOptions::at(0)).unwrap()
        })
    });
    group.bench_function(
        BenchmarkId::new("baseline: load the full snapshot", n),
        |b| b.iter(|| load(black_box(&full), &keys, &LoadOptions::at(0)).unwrap()),
    );
    group.finish();
}

/// Compile (and lint, where that is the part under test) time per byte of each hostile
/// shape, against the same for a benign tenant of the project's vectors, in one run.
fn report_hostile(tenants: &[Tenant]) {
    let per_byte = |src: &str, lints: bool| {
        let runs = 3;
        let start = std::time::Instant::now();
        for _ in 0..runs {
            black_box(rolegate::diagnose(black_box(src)));
            if lints {
                let _ = black_box(rolegate::admin::lint::lint_json(black_box(src)));
            }
        }
        start.elapsed().as_secs_f64() / runs as f64 / src.len() as f64
    };
    let Some(benign) = tenants.last() else { return };
    let base = per_byte(&benign.policy_json, true);
    println!(
        "\nhostile policies: time per byte ÷ a benign tenant's (`{}`, compile + lint: {:.1} ns/byte)",
        benign.name,
        base * 1e9
    );
    for (name, src, lints) in hostile::shapes() {
        let t = per_byte(&src, lints);
        println!(
            "  {name:<70} {:>8} KB  {:>8.2} ms  {:>6.1}×",
            src.len() / 1024,
            t * src.len() as f64 * 1e3,
            t / base
        );
    }
}

fn main() {
    let tenants: Vec<Tenant> = TENANTS.iter().map(|n| tenant(n)).collect();
    report_sizes(&tenants);
    report_hostile(&tenants);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .configure_from_args();
    bench_checks(&mut c, &tenants);
    bench_load(&mut c, &tenants);
    bench_delta(&mut c);
    c.final_summary();
}

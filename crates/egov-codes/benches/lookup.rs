//! Cached lookups, listing, and readers' latency while a 100,000-code snapshot
//! is rebuilt and swapped.
//!
//! `cargo bench -p egov-codes --bench lookup` (criterion), then the reload
//! experiment prints reader percentiles with no reload, beside a thread that
//! rebuilds snapshots without swapping them in (the control), and during
//! continuous rebuilds and swaps.

mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use egov_codes::{CodeRegistry, CodesSettings, ListFilter};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A registry on a throw-away SQLite database, its snapshot replaced.
fn registry(rt: &tokio::runtime::Runtime, dir: &tempfile::TempDir) -> CodeRegistry {
    rt.block_on(async {
        let db = egov_db::Db::connect_url(&format!("sqlite://{}/bench.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate(&[
            &egov_db::change::MIGRATIONS,
            &egov_audit::MIGRATIONS,
            &egov_codes::MIGRATIONS,
        ])
        .await
        .unwrap();
        let audit = egov_audit::AuditLog::start(db.clone(), &Default::default())
            .await
            .unwrap();
        CodeRegistry::start(db, audit, CodesSettings::default())
            .await
            .unwrap()
    })
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let codes = registry(&rt, &dir);
    // 500 groups × 200 codes = 100,000 codes.
    codes.install_snapshot(support::snapshot(1, 500, 200));
    let day = time::macros::date!(2026 - 11 - 27);

    c.bench_function("lookup/registry_code", |b| {
        b.iter(|| {
            codes
                .snapshot()
                .code(black_box("G0250"), black_box("C00123"))
                .map(|c| c.sort_order)
        })
    });
    let held = codes.snapshot_arc();
    c.bench_function("lookup/held_snapshot_code", |b| {
        b.iter(|| {
            held.code(black_box("G0250"), black_box("C00123"))
                .map(|c| c.sort_order)
        })
    });
    c.bench_function("lookup/is_valid", |b| {
        b.iter(|| {
            codes
                .snapshot()
                .is_valid(black_box("G0250"), black_box("C00123"), day)
        })
    });
    c.bench_function("list/200_codes_en", |b| {
        b.iter(|| {
            let s = codes.snapshot();
            s.list(black_box("G0250"), ListFilter::valid_on(day))
                .unwrap()
                .map(|c| (c.code.as_str(), c.label("en", &["ko"]).len()))
                .fold(0, |n, (_, l)| n + l)
        })
    });
    c.bench_function("list/200_codes_select_options_ko", |b| {
        b.iter(|| {
            codes
                .snapshot()
                .select_options(black_box("G0250"), "ko", &["en"], day)
                .len()
        })
    });
    c.bench_function("snapshot/build_100k", |b| {
        let (groups, rows) = support::rows(500, 200);
        b.iter_batched(
            || (groups.clone(), rows.clone()),
            |(g, r)| egov_codes::Snapshot::build(2, vec![], g, r),
            criterion::BatchSize::LargeInput,
        )
    });
}

/// Two reader threads look up random codes for `run`; returns their latencies.
fn readers(codes: &CodeRegistry, run: Duration) -> Vec<u64> {
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..2u64)
        .map(|t| {
            let codes = codes.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let keys: Vec<(String, String)> = (0..1024u64)
                    .map(|i| {
                        let x = (i * 7919 + t * 104_729) % 100_000;
                        (format!("G{:04}", x / 200), format!("C{:05}", x % 200))
                    })
                    .collect();
                let mut samples = Vec::with_capacity(4_000_000);
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let (g, c) = &keys[i % keys.len()];
                    let start = Instant::now();
                    black_box(codes.snapshot().code(g, c).map(|c| c.sort_order));
                    samples.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
                    i += 1;
                }
                samples
            })
        })
        .collect();
    std::thread::sleep(run);
    stop.store(true, Ordering::Relaxed);
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

fn percentiles(mut samples: Vec<u64>) -> String {
    samples.sort_unstable();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    let slow = samples.len() - samples.partition_point(|&ns| ns < 1_000_000);
    format!(
        "n={} p50={}ns p99={}ns p99.9={}ns max={}ns over_1ms={slow}",
        samples.len(),
        at(0.50),
        at(0.99),
        at(0.999),
        samples.last().copied().unwrap_or(0)
    )
}

/// Reader latency without and with a 100,000-code snapshot being rebuilt and
/// swapped in continuously (the CPU side of a reload). The control phase
/// rebuilds just as often but never swaps: what it adds to the readers'
/// latency is the third thread competing for the cores, not the swap.
#[allow(clippy::print_stdout)]
fn reload_under_readers() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let codes = registry(&rt, &dir);
    codes.install_snapshot(support::snapshot(1, 500, 200));
    let quiet = readers(&codes, Duration::from_secs(3));
    println!("reload/readers_without_reload: {}", percentiles(quiet));

    for (swap, phase) in [(false, "rebuild_without_swap"), (true, "reload")] {
        let stop = Arc::new(AtomicBool::new(false));
        let rebuilder = {
            let codes = codes.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let (groups, rows) = support::rows(500, 200);
                let mut times = Vec::new();
                let mut drops = Vec::new();
                let mut version = 2;
                while !stop.load(Ordering::Relaxed) {
                    let start = Instant::now();
                    let fresh =
                        egov_codes::Snapshot::build(version, vec![], groups.clone(), rows.clone());
                    if swap {
                        codes.install_snapshot(fresh);
                    } else {
                        let dropping = Instant::now();
                        drop(black_box(fresh));
                        drops.push(dropping.elapsed());
                    }
                    times.push(start.elapsed());
                    version += 1;
                }
                (times, drops)
            })
        };
        let busy = readers(&codes, Duration::from_secs(3));
        stop.store(true, Ordering::Relaxed);
        let (times, drops) = rebuilder.join().unwrap();
        println!("reload/readers_during_{phase}: {}", percentiles(busy));
        let mean = |d: &[Duration]| {
            d.iter().sum::<Duration>() / u32::try_from(d.len().max(1)).unwrap_or(1)
        };
        if swap {
            println!(
                "reload/rebuild_and_swap_100k: {} swaps, mean {:?}",
                times.len(),
                mean(&times)
            );
        } else {
            println!(
                "reload/rebuild_only_100k: {} builds, mean {:?} (of which dropping one {:?})",
                times.len(),
                mean(&times),
                mean(&drops)
            );
        }
    }
}

criterion_group! {
    name = group;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}

fn main() {
    group();
    reload_under_readers();
    Criterion::default().configure_from_args().final_summary();
}

//! Parse, and parse + bind + lower, of every query in testdata/queries, against
//! the bundled table schemas (no data, no I/O): the per-query planning cost.

use criterion::{Criterion, criterion_group, criterion_main};
use kql_planner::{BindOptions, Catalog};
use std::path::{Path, PathBuf};

fn corpus() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "kql") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/queries");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let name = p.strip_prefix(&root).ok()?.display().to_string();
            Some((name, std::fs::read_to_string(&p).ok()?))
        })
        .collect()
}

fn compile(c: &mut Criterion) {
    let queries = corpus();
    let catalog = kql_engine::schemas::known_catalog();
    let options = BindOptions::at(1_781_913_600_000_000_000);
    let mut group = c.benchmark_group("parse");
    for (name, q) in &queries {
        group.bench_function(name, |b| b.iter(|| kql_syntax::parse(q).is_ok()));
    }
    group.finish();
    let mut group = c.benchmark_group("parse_bind_lower");
    for (name, q) in &queries {
        // only the queries that compile today
        let ok = kql_syntax::parse(q)
            .ok()
            .and_then(|s| kql_planner::bind(&s, &catalog, &options).ok())
            .is_some_and(|b| {
                b.queries
                    .iter()
                    .all(|t| kql_planner::lower(t, &catalog as &dyn Catalog).is_ok())
            });
        if !ok {
            continue;
        }
        group.bench_function(name, |b| {
            b.iter(|| {
                let s = kql_syntax::parse(q).expect("parses");
                let bound = kql_planner::bind(&s, &catalog, &options).expect("binds");
                let plans: Vec<_> = bound
                    .queries
                    .iter()
                    .map(|t| kql_planner::lower(t, &catalog).expect("lowers"))
                    .collect();
                plans.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);

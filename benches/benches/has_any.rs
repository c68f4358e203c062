//! `x has_any (needles)` over a 1M-row string column: the one-pass
//! `kql_has_any` kernel (Aho-Corasick + term boundaries) against the OR of
//! one `kql_has` per needle that it replaced. Reported as rows per second.
//!
//! Run: `cargo bench -p kql-benches --bench has_any`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use datafusion::arrow::compute::kernels::boolean::or;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl};
use kql_functions::strings::has_any::HasAnyUdf;
use kql_functions::strings::{MatchKind, StringMatchUdf, terms_json};
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 1_000_000;
const BATCH: usize = 8192;

/// Crypto-miner user agents, as the UnusualUserAgents feed lists them.
const NEEDLES: &[&str] = &[
    "xmrig",
    "ccminer",
    "cgminer",
    "bfgminer",
    "cpuminer",
    "cpuminer-multi",
    "ethminer",
    "nicehash",
    "minerd",
    "sgminer",
    "claymore",
    "phoenixminer",
    "t-rex",
    "nbminer",
    "lolminer",
    "gminer",
    "teamredminer",
    "xmr-stak",
    "srbminer",
    "wildrig",
];

/// User agents: mostly browsers and tools, one in 500 a miner.
fn column() -> Vec<ArrayRef> {
    let common = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "curl/8.4.0",
        "python-requests/2.31.0",
        "Microsoft-CryptoAPI/10.0",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "",
    ];
    let miners = [
        "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2",
        "ccminer/2.3.1-cuda",
    ];
    let rows: Vec<&str> = (0..ROWS)
        .map(|i| {
            if i % 500 == 0 {
                miners[(i / 500) % miners.len()]
            } else {
                common[i % common.len()]
            }
        })
        .collect();
    rows.chunks(BATCH)
        .map(|c| Arc::new(StringArray::from(c.to_vec())) as ArrayRef)
        .collect()
}

fn call(udf: &dyn ScalarUDFImpl, hay: &ArrayRef, needle: ScalarValue) -> BooleanArray {
    let args = ScalarFunctionArgs {
        args: vec![
            ColumnarValue::Array(hay.clone()),
            ColumnarValue::Scalar(needle),
        ],
        arg_fields: vec![
            Arc::new(Field::new("h", DataType::Utf8, true)),
            Arc::new(Field::new("n", DataType::Utf8, true)),
        ],
        number_rows: hay.len(),
        return_field: Arc::new(Field::new("r", DataType::Boolean, true)),
        config_options: Arc::new(ConfigOptions::default()),
    };
    match udf.invoke_with_args(args).expect("the UDF runs") {
        ColumnarValue::Array(a) => a
            .as_any()
            .downcast_ref::<BooleanArray>()
            .expect("bool")
            .clone(),
        ColumnarValue::Scalar(_) => unreachable!("an array in, an array out"),
    }
}

fn has_any(c: &mut Criterion) {
    let batches = column();
    let json = terms_json(NEEDLES.iter().copied());
    let kernel = HasAnyUdf::new(false, Some(&json));
    let has = StringMatchUdf::new(MatchKind::Has, false);

    // Both forms must agree before they are timed.
    for b in &batches {
        let one = call(&kernel, b, ScalarValue::Utf8(Some(json.clone())));
        let ors = NEEDLES
            .iter()
            .map(|n| call(&has, b, ScalarValue::Utf8(Some(n.to_string()))))
            .reduce(|a, x| or(&a, &x).expect("same length"))
            .expect("needles");
        assert_eq!(one, ors);
    }

    let mut group = c.benchmark_group("has_any_1M_rows");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.bench_function("kql_has_any (one pass)", |bench| {
        bench.iter(|| {
            let mut hits = 0;
            for b in &batches {
                let r = call(&kernel, b, ScalarValue::Utf8(Some(json.clone())));
                hits += r.true_count();
            }
            black_box(hits)
        })
    });
    group.bench_function("or of kql_has per needle", |bench| {
        bench.iter(|| {
            let mut hits = 0;
            for b in &batches {
                let r = NEEDLES
                    .iter()
                    .map(|n| call(&has, b, ScalarValue::Utf8(Some(n.to_string()))))
                    .reduce(|a, x| or(&a, &x).expect("same length"))
                    .expect("needles");
                hits += r.true_count();
            }
            black_box(hits)
        })
    });
    group.finish();
}

criterion_group!(benches, has_any);
criterion_main!(benches);

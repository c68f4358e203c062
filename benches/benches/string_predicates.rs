//! The string predicate kernels over a 1M-row string column, one criterion
//! group per KQL operator, reported as rows per second: `has`, `has_cs`,
//! `contains`, `contains_cs`, `startswith`, `endswith`, `=~`, `in~`,
//! `matches regex`. Each kernel runs as the engine runs it (the needle or
//! pattern a constant, prepared once; the column in 8192-row batches). For
//! `=~` and `matches regex` the group also times the DataFusion expression
//! the engine used before (`lower(a) = lower(b)`, `regexp_like`), and the
//! two must agree before they are timed.
//!
//! Run: `cargo bench -p kql-benches --bench string_predicates`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl};
use kql_functions::strings::{CaseInsensitiveUdf, MatchKind, MatchesRegexUdf, StringMatchUdf};
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 1_000_000;
const BATCH: usize = 8192;

/// Process command lines, as DeviceProcessEvents holds them: mostly benign,
/// one in 200 an encoded PowerShell.
fn command_lines() -> Vec<ArrayRef> {
    let common = [
        r#""C:\Windows\system32\svchost.exe" -k netsvcs -p -s Schedule"#,
        r#"C:\Program Files\Google\Chrome\Application\chrome.exe --type=renderer --lang=en-US"#,
        r#"cmd.exe /c "dir C:\Users\Public > nul""#,
        r#"C:\Windows\System32\RuntimeBroker.exe -Embedding"#,
        r#"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\ops\backup.ps1"#,
        r#""C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" /recycle"#,
        "",
    ];
    let rare =
        r#"powershell.exe -nop -w hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"#;
    batches((0..ROWS).map(|i| {
        if i % 200 == 0 {
            rare
        } else {
            common[i % common.len()]
        }
    }))
}

/// Process file names, the column `=~` and `in~` usually compare.
fn file_names() -> Vec<ArrayRef> {
    let names = [
        "svchost.exe",
        "chrome.exe",
        "CMD.EXE",
        "RuntimeBroker.exe",
        "PowerShell.exe",
        "OUTLOOK.EXE",
        "rundll32.exe",
        "conhost.exe",
        "",
    ];
    batches((0..ROWS).map(|i| names[i % names.len()]))
}

fn batches<'a>(rows: impl Iterator<Item = &'a str>) -> Vec<ArrayRef> {
    let rows: Vec<&str> = rows.collect();
    rows.chunks(BATCH)
        .map(|c| Arc::new(StringArray::from(c.to_vec())) as ArrayRef)
        .collect()
}

fn utf8(s: &str) -> ColumnarValue {
    ColumnarValue::Scalar(ScalarValue::Utf8(Some(s.to_string())))
}

/// One UDF call over a batch, as DataFusion makes it.
fn call(udf: &dyn ScalarUDFImpl, args: Vec<ColumnarValue>, rows: usize) -> ArrayRef {
    let arg_fields = args
        .iter()
        .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
        .collect();
    let ret = udf.return_type(&[DataType::Utf8]).expect("a return type");
    let args = ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows: rows,
        return_field: Arc::new(Field::new("r", ret, true)),
        config_options: Arc::new(ConfigOptions::default()),
    };
    udf.invoke_with_args(args)
        .expect("the UDF runs")
        .to_array(rows)
        .expect("an array")
}

fn bools(a: &ArrayRef) -> &BooleanArray {
    a.as_any().downcast_ref::<BooleanArray>().expect("bool")
}

/// Time `kernel` over every batch of `column`, counting matches.
fn bench_kernel(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    column: &[ArrayRef],
    kernel: impl Fn(&ArrayRef) -> ArrayRef,
) {
    group.bench_function(name, |bench| {
        bench.iter(|| {
            let mut hits = 0;
            for b in column {
                hits += bools(&kernel(b)).true_count();
            }
            black_box(hits)
        })
    });
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g
}

fn term_and_substring_predicates(c: &mut Criterion) {
    let lines = command_lines();
    let cases = [
        (MatchKind::Has, false, "encodedcommand"),
        (MatchKind::Has, true, "EncodedCommand"),
        (MatchKind::Contains, false, "hidden"),
        (MatchKind::Contains, true, "hidden"),
        (MatchKind::StartsWith, false, "powershell"),
        (MatchKind::EndsWith, false, ".ps1"),
    ];
    for (kind, cs, needle) in cases {
        let udf = StringMatchUdf::new(kind, cs);
        let op = format!("{}{}", kind.name(), if cs { "_cs" } else { "" });
        let mut g = group(c, &format!("{op}_1M_rows"));
        bench_kernel(&mut g, &format!("kql_{op} \"{needle}\""), &lines, |b| {
            call(
                &udf,
                vec![ColumnarValue::Array(b.clone()), utf8(needle)],
                b.len(),
            )
        });
        g.finish();
    }
}

fn equals_ci(c: &mut Criterion) {
    let names = file_names();
    let kernel = CaseInsensitiveUdf::equals();
    let lower = datafusion::functions::string::lower();
    let ours = |b: &ArrayRef| {
        call(
            &kernel,
            vec![ColumnarValue::Array(b.clone()), utf8("cmd.exe")],
            b.len(),
        )
    };
    let before = |b: &ArrayRef| -> ArrayRef {
        let low = call(
            lower.inner().as_ref(),
            vec![ColumnarValue::Array(b.clone())],
            b.len(),
        );
        let needle = StringArray::new_scalar("cmd.exe");
        Arc::new(eq(&low, &needle).expect("same types"))
    };
    for b in &names {
        assert_eq!(bools(&ours(b)), bools(&before(b)));
    }
    let mut g = group(c, "equals_ci_1M_rows");
    bench_kernel(&mut g, "kql_equals_ci (=~), file names", &names, ours);
    bench_kernel(
        &mut g,
        "lower(x) = 'cmd.exe' (before), file names",
        &names,
        before,
    );
    // long values: the kernel rejects by length, lower() folds every byte
    let lines = command_lines();
    bench_kernel(&mut g, "kql_equals_ci (=~), command lines", &lines, ours);
    bench_kernel(
        &mut g,
        "lower(x) = 'cmd.exe' (before), command lines",
        &lines,
        before,
    );
    g.finish();
}

fn in_ci(c: &mut Criterion) {
    let names = file_names();
    let kernel = CaseInsensitiveUdf::in_list();
    let items = [
        "cmd.exe",
        "powershell.exe",
        "pwsh.exe",
        "rundll32.exe",
        "regsvr32.exe",
        "mshta.exe",
        "wscript.exe",
        "cscript.exe",
    ];
    let mut g = group(c, "in_ci_1M_rows");
    bench_kernel(&mut g, "kql_in_ci (in~, 8 items)", &names, |b| {
        let mut args = vec![ColumnarValue::Array(b.clone())];
        args.extend(items.iter().map(|i| utf8(i)));
        call(&kernel, args, b.len())
    });
    g.finish();
}

fn matches_regex(c: &mut Criterion) {
    let lines = command_lines();
    let pattern = r"(?i)-e(nc|ncodedcommand)?\s+[A-Za-z0-9+/=]{20,}";
    let kernel = MatchesRegexUdf::new(Some(pattern));
    let like = datafusion::functions::regex::regexp_like();
    let ours = |b: &ArrayRef| {
        call(
            &kernel,
            vec![ColumnarValue::Array(b.clone()), utf8(pattern)],
            b.len(),
        )
    };
    let before = |b: &ArrayRef| {
        call(
            like.inner().as_ref(),
            vec![ColumnarValue::Array(b.clone()), utf8(pattern)],
            b.len(),
        )
    };
    for b in &lines {
        assert_eq!(bools(&ours(b)), bools(&before(b)));
    }
    let mut g = group(c, "matches_regex_1M_rows");
    bench_kernel(&mut g, "kql_matches_regex (compiled once)", &lines, ours);
    bench_kernel(&mut g, "regexp_like (before)", &lines, before);
    g.finish();
}

criterion_group!(
    benches,
    term_and_substring_predicates,
    equals_ci,
    in_ci,
    matches_regex
);
criterion_main!(benches);

//! The `scan` operator's state machine (`kql_scan`) over a 1M-row
//! partition, reported as rows per second:
//!
//! * `stateless`: the documentation's "events between Start and Stop"
//!   shape without the time limit: three steps whose conditions read only
//!   the current row, computed once over the whole partition (vectorised);
//! * `stateful`: a running sum (`step s1: true => c = x + s1.c`), whose
//!   assignment reads the state and so is computed row by row;
//! * `sessions`: the documentation's session tagging (a condition and an
//!   assignment that read the state, `output=none`, match ids).
//!
//! Run: `cargo bench -p kql-benches --bench scan`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Column;
use datafusion::logical_expr::function::PartitionEvaluatorArgs;
use datafusion::logical_expr::{Expr, lit, when};
use kql_functions::tabular::scan::{
    Declared, ScanProgram, StateColumn, StateValue, Step, StepOutput, scan_udwf,
};
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 1_000_000;

fn c(name: &str) -> Expr {
    Expr::Column(Column::from_name(name))
}

fn field(name: &str, ty: DataType) -> FieldRef {
    Arc::new(Field::new(name, ty, true))
}

fn step(output: StepOutput, condition: Expr, assignments: Vec<(usize, Expr)>) -> Step {
    Step {
        output,
        condition,
        assignments,
    }
}

/// Run `program` over one partition of `values`; the number of records out.
fn run(program: &Arc<ScanProgram>, values: &[ArrayRef]) -> usize {
    let udwf = scan_udwf(Arc::clone(program));
    let fields: Vec<FieldRef> = program.inputs.clone();
    let mut evaluator = udwf
        .partition_evaluator_factory(PartitionEvaluatorArgs::new(&[], &fields, false, false))
        .expect("an evaluator");
    let out = evaluator
        .evaluate_all(values, values[0].len())
        .expect("the scan runs");
    out.to_data().child_data()[0].len()
}

fn events() -> ArrayRef {
    let names = ["A", "Start", "B", "D", "Stop", "C", "Start", "E", "Stop"];
    Arc::new(StringArray::from_iter_values(
        (0..ROWS).map(|i| names[i % names.len()]),
    ))
}

fn stateless() -> Arc<ScanProgram> {
    let is = |v: &str| c("Event").eq(lit(v));
    Arc::new(ScanProgram {
        inputs: vec![field("Event", DataType::Utf8)],
        declared: vec![],
        steps: vec![
            step(StepOutput::All, is("Start"), vec![]),
            step(
                StepOutput::All,
                c("Event")
                    .not_eq(lit("Start"))
                    .and(c("Event").not_eq(lit("Stop"))),
                vec![],
            ),
            step(StepOutput::All, is("Stop"), vec![]),
        ],
        state: vec![],
    })
}

fn running_sum() -> Arc<ScanProgram> {
    Arc::new(ScanProgram {
        inputs: vec![field("x", DataType::Int64)],
        declared: vec![Declared {
            field: field("c", DataType::Int64),
            default: lit(0i64),
        }],
        steps: vec![step(
            StepOutput::All,
            lit(true),
            vec![(0, c("x") + c("s1_c"))],
        )],
        state: vec![StateColumn {
            field: field("s1_c", DataType::Int64),
            step: 0,
            value: StateValue::Declared(0),
        }],
    })
}

/// Times in minutes; a session ends 30 minutes after its start.
fn sessions() -> Arc<ScanProgram> {
    let start = c("s_start");
    Arc::new(ScanProgram {
        inputs: vec![field("t", DataType::Int64)],
        declared: vec![Declared {
            field: field("start", DataType::Int64),
            default: lit(datafusion::common::ScalarValue::Int64(None)),
        }],
        steps: vec![
            step(
                StepOutput::All,
                lit(true),
                vec![(
                    0,
                    when(start.clone().is_null(), c("t"))
                        .otherwise(start.clone())
                        .expect("a case"),
                )],
            ),
            step(StepOutput::None, (c("t") - start).gt(lit(30i64)), vec![]),
        ],
        state: vec![StateColumn {
            field: field("s_start", DataType::Int64),
            step: 0,
            value: StateValue::Declared(0),
        }],
    })
}

fn bench(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("scan");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    let ev = vec![events()];
    let p = stateless();
    g.bench_function("stateless", |b| b.iter(|| black_box(run(&p, &ev))));
    let xs: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(0..ROWS as i64))];
    let p = running_sum();
    g.bench_function("stateful", |b| b.iter(|| black_box(run(&p, &xs))));
    let ts: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(
        (0..ROWS as i64).map(|i| i * 7),
    ))];
    let p = sessions();
    g.bench_function("sessions", |b| b.iter(|| black_box(run(&p, &ts))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

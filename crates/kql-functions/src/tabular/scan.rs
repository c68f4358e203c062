//! `kql_scan(columns...)`: the window function behind the `scan` operator
//! (scan-operator.md). Over the rows of a partition in their serialized
//! order it runs the operator's steps as the documentation's matching logic
//! says, and gives each row the list of output records it produced (most
//! rows: none or one; a row that matches several steps: one per step).
//! Lowering unnests that list, so rows that match no step (or only steps
//! with `output=none`) are dropped.
//!
//! The state is one optional *sequence* per step. A sequence holds the
//! match id and, for each step it went through, the record that matched it
//! there (the row, and the declared columns' values after that step's
//! assignments). Each record is tried against the steps from the last to
//! the first:
//!
//! * **check 1** (not the first step): the previous step has a sequence and
//!   the condition holds with that sequence's values: this step's sequence
//!   is dropped, the previous one moves here, and the record is stored as
//!   this step's entry of it;
//! * **check 2** (only when check 1 did not match): this step has a
//!   sequence, or it is the first step, and the condition holds with this
//!   step's sequence: the record replaces this step's entry (a first step
//!   without a sequence starts one, with the next match id).
//!
//! A step reference `s.Col` whose step has no entry in the sequence (or
//! when there is no sequence) reads null, or the declared default for a
//! declared column. Declared columns a step does not assign take their
//! default. `output=all` outputs each match, `output=none` none, and
//! `output=last` only the last of a series of matches of one step by one
//! sequence: it is output when the sequence leaves the step, is dropped, or
//! the rows end; it stays at its own row's place in the output.
//!
//! Expressions that read no step state are computed once over the whole
//! partition (vectorised); the others once per row and step over a
//! one-row batch of the row's values and the state's.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, RecordBatch, RecordBatchOptions,
    StructArray, new_empty_array, new_null_array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use datafusion::common::{DFSchema, Result, exec_datafusion_err, exec_err};
use datafusion::execution::context::ExecutionProps;
use datafusion::logical_expr::expr::Expr;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{
    PartitionEvaluator, Signature, TypeSignature, Volatility, WindowUDF, WindowUDFImpl,
};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::{PhysicalExpr, create_physical_expr};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// Which of a step's matches are output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutput {
    All,
    Last,
    None,
}

/// A column the operator declares: its field (name, type) and default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Declared {
    pub field: FieldRef,
    /// A constant expression of the field's type.
    pub default: Expr,
}

/// One step: its condition and the declared columns it assigns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Step {
    pub output: StepOutput,
    /// A boolean expression (null counts as false).
    pub condition: Expr,
    /// (index into [`ScanProgram::declared`], value of that column's type).
    pub assignments: Vec<(usize, Expr)>,
}

/// What a state column reads from a step's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateValue {
    /// The entry's row's value of input column `i` (of [`ScanProgram::inputs`]).
    Input(usize),
    /// The entry's value of declared column `i`.
    Declared(usize),
}

/// A column of the expressions' schema that reads the state: `step.Col`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateColumn {
    /// The column's name in the expressions (and its type).
    pub field: FieldRef,
    pub step: usize,
    pub value: StateValue,
}

/// The steps of one `scan`, over expressions whose columns are the
/// current row's [`inputs`](Self::inputs) (by name) and the
/// [`state`](Self::state) columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanProgram {
    /// The input columns the steps read: the window function's arguments.
    pub inputs: Vec<FieldRef>,
    pub declared: Vec<Declared>,
    pub steps: Vec<Step>,
    pub state: Vec<StateColumn>,
}

/// The field names of the output struct: declared column `i` is `c{i}`.
pub fn declared_field(i: usize) -> String {
    format!("c{i}")
}
/// The output struct's match id field.
pub const MATCH_ID_FIELD: &str = "match_id";
/// The output struct's field that orders a row's records (by step, the
/// last step first, as they are tried).
pub const ORDER_FIELD: &str = "order";

impl ScanProgram {
    /// The struct of one output record.
    fn record_fields(&self) -> Fields {
        let mut fields: Vec<Field> = self
            .declared
            .iter()
            .enumerate()
            .map(|(i, d)| Field::new(declared_field(i), d.field.data_type().clone(), true))
            .collect();
        fields.push(Field::new(MATCH_ID_FIELD, DataType::Int64, true));
        fields.push(Field::new(ORDER_FIELD, DataType::Int64, true));
        Fields::from(fields)
    }

    /// The window function's output type: a list of records per row.
    pub fn output_type(&self) -> DataType {
        DataType::List(Arc::new(Field::new_list_field(
            DataType::Struct(self.record_fields()),
            true,
        )))
    }
}

/// The window function of one `scan`.
#[derive(Debug)]
pub struct ScanUdwf {
    program: Arc<ScanProgram>,
    signature: Signature,
    compiled: OnceLock<std::result::Result<Arc<Compiled>, String>>,
}

impl PartialEq for ScanUdwf {
    fn eq(&self, other: &Self) -> bool {
        self.program == other.program
    }
}
impl Eq for ScanUdwf {}
impl Hash for ScanUdwf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.program.hash(state);
    }
}

/// The window function running `program`.
pub fn scan_udwf(program: Arc<ScanProgram>) -> Arc<WindowUDF> {
    let signature = if program.inputs.is_empty() {
        Signature::new(TypeSignature::Nullary, Volatility::Immutable)
    } else {
        Signature::new(
            TypeSignature::Any(program.inputs.len()),
            Volatility::Immutable,
        )
    };
    Arc::new(WindowUDF::from(ScanUdwf {
        program,
        signature,
        compiled: OnceLock::new(),
    }))
}

impl WindowUDFImpl for ScanUdwf {
    fn name(&self) -> &str {
        "kql_scan"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        _: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let compiled = self
            .compiled
            .get_or_init(|| compile(&self.program).map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| exec_datafusion_err!("scan: {e}"))?;
        Ok(Box::new(ScanEvaluator {
            program: Arc::clone(&self.program),
            compiled,
        }))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            args.name(),
            self.program.output_type(),
            false,
        )))
    }
}

/// An expression ready to run: over the whole partition when it reads no
/// state, else per row.
#[derive(Debug)]
enum Compiled1 {
    Rows(Arc<dyn PhysicalExpr>),
    /// With the columns of the full schema it reads.
    PerRow(Arc<dyn PhysicalExpr>, Vec<usize>),
}

#[derive(Debug)]
struct CompiledStep {
    condition: Compiled1,
    assignments: Vec<(usize, Compiled1)>,
}

#[derive(Debug)]
struct Compiled {
    /// inputs, then state columns
    full: SchemaRef,
    /// inputs only
    rows: SchemaRef,
    /// A one-row null array per column of `full`.
    nulls: Vec<ArrayRef>,
    /// Each declared column's default, as a one-row array.
    defaults: Vec<ArrayRef>,
    steps: Vec<CompiledStep>,
}

fn nullable(f: &FieldRef) -> Field {
    Field::new(f.name(), f.data_type().clone(), true)
}

fn compile(p: &ScanProgram) -> Result<Arc<Compiled>> {
    let rows = Arc::new(Schema::new(
        p.inputs.iter().map(nullable).collect::<Vec<_>>(),
    ));
    let full = Arc::new(Schema::new(
        p.inputs
            .iter()
            .chain(p.state.iter().map(|s| &s.field))
            .map(nullable)
            .collect::<Vec<_>>(),
    ));
    let rows_df = DFSchema::try_from(Arc::clone(&rows))?;
    let full_df = DFSchema::try_from(Arc::clone(&full))?;
    let state_names: HashSet<&str> = p.state.iter().map(|s| s.field.name().as_str()).collect();
    let props = ExecutionProps::new();
    let physical = |e: &Expr, schema: &DFSchema| -> Result<Arc<dyn PhysicalExpr>> {
        let context = SimplifyContext::builder()
            .with_schema(Arc::new(schema.clone()))
            .with_current_time()
            .build();
        let simplifier = ExprSimplifier::new(context);
        let e = simplifier.coerce(e.clone(), schema)?;
        let e = simplifier.simplify(e)?;
        create_physical_expr(&e, schema, &props, &PhysicalPlanningContext::default())
    };
    let one = |e: &Expr| -> Result<Compiled1> {
        let refs = e.column_refs();
        if refs.iter().all(|c| !state_names.contains(c.name.as_str())) {
            return Ok(Compiled1::Rows(physical(e, &rows_df)?));
        }
        let reads = refs
            .iter()
            .filter_map(|c| full.index_of(&c.name).ok())
            .collect();
        Ok(Compiled1::PerRow(physical(e, &full_df)?, reads))
    };
    let steps = p
        .steps
        .iter()
        .map(|s| {
            Ok(CompiledStep {
                condition: one(&s.condition)?,
                assignments: s
                    .assignments
                    .iter()
                    .map(|(d, e)| Ok((*d, one(e)?)))
                    .collect::<Result<_>>()?,
            })
        })
        .collect::<Result<_>>()?;
    let empty = DFSchema::empty();
    let one_row = RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )?;
    let defaults = p
        .declared
        .iter()
        .map(|d| {
            let v = physical(&d.default, &empty)?
                .evaluate(&one_row)?
                .into_array(1)?;
            if v.data_type() != d.field.data_type() {
                return exec_err!(
                    "the default of {} is {}, not {}",
                    d.field.name(),
                    v.data_type(),
                    d.field.data_type()
                );
            }
            Ok(v)
        })
        .collect::<Result<_>>()?;
    let nulls = full
        .fields()
        .iter()
        .map(|f| new_null_array(f.data_type(), 1))
        .collect();
    Ok(Arc::new(Compiled {
        full,
        rows,
        nulls,
        defaults,
        steps,
    }))
}

/// A record stored in a sequence: its row and its declared values.
#[derive(Debug, Clone)]
struct Entry {
    row: usize,
    declared: Vec<ArrayRef>,
}

/// One output record.
#[derive(Debug)]
struct Out {
    row: usize,
    order: usize,
    declared: Vec<ArrayRef>,
    match_id: i64,
}

#[derive(Debug)]
struct Sequence {
    match_id: i64,
    /// One per step: the record that matched it, for the steps passed.
    entries: Vec<Option<Entry>>,
    /// The record of an `output=last` step, until its series ends.
    pending: Option<Out>,
}

#[derive(Debug)]
struct ScanEvaluator {
    program: Arc<ScanProgram>,
    compiled: Arc<Compiled>,
}

/// An expression's values: whole-partition, or to compute per row.
enum Ready<'a> {
    Rows(ArrayRef),
    PerRow(&'a Arc<dyn PhysicalExpr>, &'a [usize]),
}

struct Run<'a> {
    program: &'a ScanProgram,
    compiled: &'a Compiled,
    values: &'a [ArrayRef],
    outs: Vec<Out>,
    next_match: i64,
}

impl Run<'_> {
    /// The one-row batch of row `row` and the state of `seq`, holding the
    /// columns `reads` (the others null).
    fn batch(&self, row: usize, seq: Option<&Sequence>, reads: &[usize]) -> Result<RecordBatch> {
        let inputs = self.program.inputs.len();
        let mut columns = self.compiled.nulls.clone();
        for &f in reads {
            columns[f] = if f < inputs {
                self.values[f].slice(row, 1)
            } else {
                let s = &self.program.state[f - inputs];
                let entry = seq.and_then(|q| q.entries[s.step].as_ref());
                match (s.value, entry) {
                    (StateValue::Input(i), Some(e)) => self.values[i].slice(e.row, 1),
                    (StateValue::Input(_), None) => Arc::clone(&self.compiled.nulls[f]),
                    (StateValue::Declared(d), Some(e)) => Arc::clone(&e.declared[d]),
                    (StateValue::Declared(d), None) => Arc::clone(&self.compiled.defaults[d]),
                }
            };
        }
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(&self.compiled.full),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(1)),
        )?)
    }

    /// The value of `e` for row `row` with the state of `seq`, as a one-row array.
    fn value(&self, e: &Ready, row: usize, seq: Option<&Sequence>) -> Result<ArrayRef> {
        match e {
            Ready::Rows(a) => Ok(a.slice(row, 1)),
            Ready::PerRow(x, reads) => x.evaluate(&self.batch(row, seq, reads)?)?.into_array(1),
        }
    }

    fn holds(&self, e: &Ready, row: usize, seq: Option<&Sequence>) -> Result<bool> {
        let v = match e {
            Ready::Rows(a) => return Ok(is_true(a, row)),
            Ready::PerRow(..) => self.value(e, row, seq)?,
        };
        Ok(is_true(&v, 0))
    }

    /// The declared values of row `row` matched by a step with these
    /// assignments, under the state of `seq`.
    fn extend(
        &self,
        assignments: &[(usize, Ready)],
        row: usize,
        seq: Option<&Sequence>,
    ) -> Result<Vec<ArrayRef>> {
        let mut declared = self.compiled.defaults.clone();
        for (d, e) in assignments {
            declared[*d] = self.value(e, row, seq)?;
        }
        Ok(declared)
    }

    fn flush(&mut self, seq: &mut Sequence) {
        if let Some(out) = seq.pending.take() {
            self.outs.push(out);
        }
    }

    /// Record the match of step `k` by `row` in `seq`.
    fn matched(&mut self, k: usize, row: usize, declared: Vec<ArrayRef>, seq: &mut Sequence) {
        let steps = self.program.steps.len();
        seq.entries[k] = Some(Entry {
            row,
            declared: declared.clone(),
        });
        let out = Out {
            row,
            order: steps - 1 - k,
            declared,
            match_id: seq.match_id,
        };
        match self.program.steps[k].output {
            StepOutput::All => self.outs.push(out),
            StepOutput::Last => seq.pending = Some(out),
            StepOutput::None => {}
        }
    }
}

/// `c` computed over the whole partition when it reads no state.
fn ready<'a>(c: &'a Compiled1, rows: &RecordBatch, num_rows: usize) -> Result<Ready<'a>> {
    Ok(match c {
        Compiled1::Rows(x) => Ready::Rows(x.evaluate(rows)?.into_array(num_rows)?),
        Compiled1::PerRow(x, reads) => Ready::PerRow(x, reads),
    })
}

fn is_true(a: &ArrayRef, i: usize) -> bool {
    let b: &BooleanArray = a.as_boolean();
    b.is_valid(i) && b.value(i)
}

impl PartitionEvaluator for ScanEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let program = self.program.as_ref();
        let compiled = self.compiled.as_ref();
        if values.len() != program.inputs.len() {
            return exec_err!(
                "kql_scan takes {} arguments, got {}",
                program.inputs.len(),
                values.len()
            );
        }
        let rows = RecordBatch::try_new_with_options(
            Arc::clone(&compiled.rows),
            values.to_vec(),
            &RecordBatchOptions::new().with_row_count(Some(num_rows)),
        )?;
        let ready = |c| ready(c, &rows, num_rows);
        let steps: Vec<(Ready, Vec<(usize, Ready)>)> = compiled
            .steps
            .iter()
            .map(|s| {
                Ok((
                    ready(&s.condition)?,
                    s.assignments
                        .iter()
                        .map(|(d, e)| Ok((*d, ready(e)?)))
                        .collect::<Result<_>>()?,
                ))
            })
            .collect::<Result<_>>()?;
        let n = steps.len();
        let mut run = Run {
            program,
            compiled,
            values,
            outs: Vec::new(),
            next_match: 0,
        };
        let mut state: Vec<Option<Sequence>> = (0..n).map(|_| None).collect();
        for row in 0..num_rows {
            for k in (0..n).rev() {
                let (condition, assignments) = &steps[k];
                // check 1: the previous step's sequence moves here
                if k > 0
                    && state[k - 1].is_some()
                    && run.holds(condition, row, state[k - 1].as_ref())?
                {
                    let declared = run.extend(assignments, row, state[k - 1].as_ref())?;
                    if let Some(mut old) = state[k].take() {
                        run.flush(&mut old);
                    }
                    let mut seq = state[k - 1].take().expect("checked");
                    run.flush(&mut seq);
                    run.matched(k, row, declared, &mut seq);
                    state[k] = Some(seq);
                    continue;
                }
                // check 2: this step's sequence (or a new one at the first step)
                if (k == 0 || state[k].is_some()) && run.holds(condition, row, state[k].as_ref())? {
                    let declared = run.extend(assignments, row, state[k].as_ref())?;
                    let mut seq = match state[k].take() {
                        Some(seq) => seq,
                        None => {
                            run.next_match += 1;
                            Sequence {
                                match_id: run.next_match - 1,
                                entries: vec![None; n],
                                pending: None,
                            }
                        }
                    };
                    run.matched(k, row, declared, &mut seq);
                    state[k] = Some(seq);
                }
            }
        }
        for seq in state.iter_mut().flatten() {
            run.flush(seq);
        }
        let mut outs = run.outs;
        outs.sort_by_key(|o| (o.row, o.order));
        records(program, outs, num_rows)
    }
}

/// The list of output records of each of `num_rows` rows.
fn records(program: &ScanProgram, outs: Vec<Out>, num_rows: usize) -> Result<ArrayRef> {
    let fields = program.record_fields();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(fields.len());
    for (d, f) in fields.iter().take(program.declared.len()).enumerate() {
        columns.push(if outs.is_empty() {
            new_empty_array(f.data_type())
        } else {
            let parts: Vec<&dyn Array> = outs.iter().map(|o| o.declared[d].as_ref()).collect();
            concat(&parts)?
        });
    }
    columns.push(Arc::new(Int64Array::from_iter_values(
        outs.iter().map(|o| o.match_id),
    )));
    columns.push(Arc::new(Int64Array::from_iter_values(
        outs.iter().map(|o| o.order as i64),
    )));
    let mut counts = vec![0usize; num_rows];
    for o in &outs {
        counts[o.row] += 1;
    }
    let values = StructArray::try_new(fields.clone(), columns, None)?;
    let item = Arc::new(Field::new_list_field(DataType::Struct(fields), true));
    Ok(Arc::new(ListArray::try_new(
        item,
        OffsetBuffer::from_lengths(counts),
        Arc::new(values),
        None,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::common::Column;
    use datafusion::logical_expr::{lit, when};
    use datafusion::scalar::ScalarValue;

    /// A column by its exact name (`col` would lower-case it).
    fn c(name: &str) -> Expr {
        Expr::Column(Column::from_name(name))
    }

    fn field(name: &str, ty: DataType) -> FieldRef {
        Arc::new(Field::new(name, ty, true))
    }

    fn state(name: &str, ty: DataType, step: usize, value: StateValue) -> StateColumn {
        StateColumn {
            field: field(name, ty),
            step,
            value,
        }
    }

    /// (row, match id, declared values as text) of each output record.
    fn run(p: ScanProgram, values: Vec<ArrayRef>) -> Vec<(usize, i64, Vec<String>)> {
        let n = values.first().map_or(0, |v| v.len());
        let udwf = ScanUdwf {
            program: Arc::new(p),
            signature: Signature::any(1, Volatility::Immutable),
            compiled: OnceLock::new(),
        };
        let compiled = compile(&udwf.program).unwrap();
        let mut e = ScanEvaluator {
            program: Arc::clone(&udwf.program),
            compiled,
        };
        let out = e.evaluate_all(&values, n).unwrap();
        let list = out.as_list::<i32>();
        let mut rows = Vec::new();
        for r in 0..n {
            let recs = list.value(r);
            let recs = recs.as_struct();
            for i in 0..recs.len() {
                let declared = (0..recs.num_columns() - 2)
                    .map(|c| {
                        ScalarValue::try_from_array(recs.column(c), i)
                            .unwrap()
                            .to_string()
                    })
                    .collect();
                let id = recs
                    .column(recs.num_columns() - 2)
                    .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                    .value(i);
                rows.push((r, id, declared));
            }
        }
        rows
    }

    fn events() -> Vec<ArrayRef> {
        vec![Arc::new(StringArray::from(vec![
            "A", "Start", "B", "D", "Stop", "C", "Start", "E", "Stop",
        ]))]
    }

    fn ev() -> FieldRef {
        field("Event", DataType::Utf8)
    }

    #[test]
    fn cumulative_sum_reads_the_default_before_the_first_match() {
        // step s1: true => c = x + s1.c   (declare c: long = 0)
        let p = ScanProgram {
            inputs: vec![field("x", DataType::Int64)],
            declared: vec![Declared {
                field: field("c", DataType::Int64),
                default: lit(0i64),
            }],
            steps: vec![Step {
                output: StepOutput::All,
                condition: lit(true),
                assignments: vec![(0, c("x") + c("s1_c"))],
            }],
            state: vec![state("s1_c", DataType::Int64, 0, StateValue::Declared(0))],
        };
        let got = run(p, vec![Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5]))]);
        let sums: Vec<&str> = got.iter().map(|(_, _, d)| d[0].as_str()).collect();
        assert_eq!(sums, ["1", "3", "6", "10", "15"]);
        // one sequence: the first step matching again keeps its match id
        assert!(got.iter().all(|(_, id, _)| *id == 0));
    }

    /// The documentation's walkthrough: Start, then non-stop events, then
    /// Stop (without the time limit).
    fn start_stop(middle: StepOutput) -> ScanProgram {
        let is = |v: &str| c("Event").eq(lit(v));
        ScanProgram {
            inputs: vec![ev()],
            declared: vec![],
            steps: vec![
                Step {
                    output: StepOutput::All,
                    condition: is("Start"),
                    assignments: vec![],
                },
                Step {
                    output: middle,
                    condition: c("Event")
                        .not_eq(lit("Start"))
                        .and(c("Event").not_eq(lit("Stop"))),
                    assignments: vec![],
                },
                Step {
                    output: StepOutput::All,
                    condition: is("Stop"),
                    assignments: vec![],
                },
            ],
            state: vec![],
        }
    }

    #[test]
    fn sequences_move_step_by_step_and_number_their_matches() {
        let got = run(start_stop(StepOutput::All), events());
        let rows: Vec<(usize, i64)> = got.iter().map(|(r, id, _)| (*r, *id)).collect();
        assert_eq!(
            rows,
            [(1, 0), (2, 0), (3, 0), (4, 0), (6, 1), (7, 1), (8, 1)]
        );
    }

    #[test]
    fn output_last_keeps_the_last_of_a_series_and_none_drops_it() {
        let got = run(start_stop(StepOutput::Last), events());
        let rows: Vec<usize> = got.iter().map(|(r, _, _)| *r).collect();
        assert_eq!(rows, [1, 3, 4, 6, 7, 8]);
        let got = run(start_stop(StepOutput::None), events());
        let rows: Vec<usize> = got.iter().map(|(r, _, _)| *r).collect();
        assert_eq!(rows, [1, 4, 6, 8]);
    }

    #[test]
    fn a_record_matching_two_steps_is_output_once_per_step_last_step_first() {
        // s1: true (new sequence when empty); s2: Event == "B" => tag = s1 row's Event
        let p = ScanProgram {
            inputs: vec![ev()],
            declared: vec![Declared {
                field: field("tag", DataType::Utf8),
                default: lit(""),
            }],
            steps: vec![
                Step {
                    output: StepOutput::All,
                    condition: lit(true),
                    assignments: vec![],
                },
                Step {
                    output: StepOutput::All,
                    condition: c("Event").eq(lit("B")),
                    assignments: vec![(0, c("s1_Event"))],
                },
            ],
            state: vec![state("s1_Event", DataType::Utf8, 0, StateValue::Input(0))],
        };
        let got = run(p, vec![Arc::new(StringArray::from(vec!["A", "B", "C"]))]);
        assert_eq!(
            got,
            [
                (0, 0, vec!["".to_string()]),
                // B: s2 takes A's sequence (tag = A), then s1 starts sequence 1
                (1, 0, vec!["A".to_string()]),
                (1, 1, vec!["".to_string()]),
                (2, 1, vec!["".to_string()]),
            ]
        );
    }

    #[test]
    fn a_null_condition_does_not_match() {
        let p = ScanProgram {
            inputs: vec![field("x", DataType::Int64)],
            declared: vec![],
            steps: vec![Step {
                output: StepOutput::All,
                condition: when(c("x").gt(lit(1i64)), lit(true)).end().unwrap(),
                assignments: vec![],
            }],
            state: vec![],
        };
        let got = run(
            p,
            vec![Arc::new(Int64Array::from(vec![Some(2), None, Some(0)]))],
        );
        assert_eq!(got.len(), 1);
    }
}

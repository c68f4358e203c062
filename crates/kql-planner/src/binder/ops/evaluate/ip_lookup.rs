//! `evaluate ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey
//! [, ExtraKey1, ...] [, return_unmatched])` and `ipv6_lookup(...)`
//! (ipv4-lookup-plugin.md, ipv6-lookup-plugin.md): a `lookup` whose main key
//! matches when the lookup row's range (CIDR text, or a single address)
//! holds the source address; extra keys (columns of both tables) must be
//! equal, as in `join`.
//!
//! The output is the source columns, then the lookup table's columns but the
//! extra keys (a name the source already has takes the suffix `1`, as
//! `lookup` does). A source row gets one row per matching range; without
//! a match it is dropped, unless `return_unmatched` is true (then its lookup
//! columns are null).
//!
//! The lookup table is computed once, while binding, and kept in memory
//! with its row positions; each source row's matching positions come from
//! `kql_ip_lookup_rows` (one hash probe per prefix length), are unnested,
//! and joined on the position.

use super::super::super::eager;
use super::super::super::expr::{column_expr, to_string_expr};
use super::super::super::naming::unique_name;
use super::{Plugin, const_bool};
use crate::binder::Binder;
use crate::bound::{BExpr, BoundColumn, BoundOp, BoundTabular, JoinKind, JoinSide};
use crate::catalog::MemoryTable;
use crate::types::KqlType;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::Expr;
use kql_syntax::ast::ExprKind;
use kql_syntax::{Code, Diagnostic};
use std::sync::Arc;

const MATCH: &str = "__kql_ip_match";
const ROW: &str = "__kql_ip_row";

pub(super) fn bind(
    b: &mut Binder,
    input: BoundTabular,
    plugin: &Plugin<'_>,
    v6: bool,
) -> Result<BoundTabular, Diagnostic> {
    let pname = plugin.call.name.name.as_str();
    let mut positional = Vec::new();
    let mut return_unmatched = false;
    for a in &plugin.call.args {
        match &a.name {
            Some(n) if n.name == "return_unmatched" => {
                return_unmatched = const_bool(b, &a.value, "return_unmatched")?;
            }
            Some(n) => {
                return Err(Diagnostic::at(
                    Code::BadArgument,
                    n.span,
                    format!("{pname}() has no parameter named '{}'", n.name),
                ));
            }
            None => positional.push(&a.value),
        }
    }
    if positional.len() < 3 {
        return Err(Diagnostic::at(
            Code::WrongArgCount,
            plugin.span,
            format!(
                "{pname}() needs the lookup table, the source address column and the lookup range column"
            ),
        ));
    }
    let lookup = b.bind_tabular(positional[0])?;
    let ip = b.bind_scalar(positional[1], &input.columns)?;
    if !matches!(ip.ty, KqlType::String | KqlType::Dynamic) {
        return Err(super::super::super::operators::type_error(
            positional[1].span,
            &format!(
                "{pname}()'s source key must be a string, not {}",
                ip.ty.as_str()
            ),
        ));
    }
    let key_name = match &positional[2].kind {
        ExprKind::Name(id) if lookup.column(&id.name).is_some() => id.name.clone(),
        _ => {
            return Err(Diagnostic::at(
                Code::UnknownColumn,
                positional[2].span,
                format!("{pname}()'s third argument must be a column of the lookup table"),
            ));
        }
    };
    let mut extra: Vec<String> = Vec::new();
    for (i, e) in positional[3..].iter().enumerate() {
        match &e.kind {
            ExprKind::Name(id)
                if input.column(&id.name).is_some() && lookup.column(&id.name).is_some() =>
            {
                extra.push(id.name.clone());
            }
            _ if i + 4 == positional.len() => {
                return_unmatched = const_bool(b, e, "return_unmatched")?;
            }
            _ => {
                return Err(Diagnostic::at(
                    Code::UnknownColumn,
                    e.span,
                    format!("{pname}()'s extra keys must be columns of both tables"),
                ));
            }
        }
    }
    for k in &extra {
        let (l, r) = (input.column(k), lookup.column(k));
        if let (Some(l), Some(r)) = (l, r)
            && l.ty != r.ty
        {
            return Err(super::super::super::operators::type_error(
                plugin.span,
                &format!(
                    "the extra key '{k}' is {} in the source and {} in the lookup table",
                    l.ty.as_str(),
                    r.ty.as_str()
                ),
            ));
        }
    }
    let batches = eager::evaluate_tabular_if_data(b, &lookup, plugin.span)?;
    let mut ranges: Vec<Option<String>> = Vec::new();
    for batch in &batches {
        let idx = batch
            .schema()
            .index_of(&key_name)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let col = datafusion::arrow::compute::cast(batch.column(idx), &DataType::Utf8)
            .map_err(|e| Diagnostic::internal("bind", e))?;
        let s = col.as_string::<i32>();
        for i in 0..s.len() {
            ranges.push(s.is_valid(i).then(|| s.value(i).to_string()));
        }
    }
    let json = serde_json::to_string(&ranges).map_err(|e| Diagnostic::internal("bind", e))?;
    let list =
        kql_functions::tabular::ip_lookup::ip_lookup_rows_expr(to_string_expr(ip).expr, json, v6);
    join_positions(
        b,
        PositionJoin {
            input,
            lookup,
            batches,
            positions: list,
            extra,
            drop_right: vec![],
            return_unmatched,
        },
        plugin.span,
    )
}

/// A lookup whose matches are given per source row as a list of lookup row
/// positions (`[null]` for none).
pub(super) struct PositionJoin {
    pub input: BoundTabular,
    pub lookup: BoundTabular,
    /// The lookup table's rows, computed.
    pub batches: Vec<RecordBatch>,
    /// A list-of-long expression over the input's columns.
    pub positions: Expr,
    /// Columns of both tables that must be equal too (not repeated).
    pub extra: Vec<String>,
    /// Lookup columns left out of the output.
    pub drop_right: Vec<String>,
    pub return_unmatched: bool,
}

/// The source columns, then the lookup columns (but the extra keys and
/// `drop_right`; a taken name gets the suffix 1), one row per listed
/// position; a row without one is kept (with nulls) only when
/// `return_unmatched`.
pub(super) fn join_positions(
    b: &mut Binder,
    j: PositionJoin,
    span: kql_syntax::Span,
) -> Result<BoundTabular, Diagnostic> {
    let PositionJoin {
        input,
        lookup,
        batches,
        positions,
        extra,
        drop_right,
        return_unmatched,
    } = j;
    // the lookup table in memory, with its row positions
    let mut numbered = Vec::with_capacity(batches.len());
    let mut fields: Option<Arc<Schema>> = None;
    let mut first = 0i64;
    for batch in &batches {
        let rows: ArrayRef = Arc::new(Int64Array::from_iter_values(
            first..first + batch.num_rows() as i64,
        ));
        first += batch.num_rows() as i64;
        let mut cols = batch.columns().to_vec();
        cols.push(rows);
        let schema = fields.get_or_insert_with(|| {
            let mut fs: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fs.push(Field::new(ROW, DataType::Int64, false));
            Arc::new(Schema::new_with_metadata(
                fs,
                batch.schema().metadata().clone(),
            ))
        });
        numbered.push(
            RecordBatch::try_new(schema.clone(), cols)
                .map_err(|e| Diagnostic::internal("bind", e))?,
        );
    }
    let mut memory_columns = lookup.columns.clone();
    memory_columns.push(BoundColumn::new(ROW, KqlType::Long));
    let table = b.catalog.register_memory(
        MemoryTable {
            columns: memory_columns.clone(),
            batches: numbered,
        },
        span,
    )?;
    b.memory_tables.insert(table.clone());
    let right = super::super::scan(&table, memory_columns);

    // the source rows, once per matching position
    let mut outputs: Vec<BExpr> = input
        .columns
        .iter()
        .map(|c| BExpr::new(column_expr(&c.name).alias(&c.name), c.ty))
        .collect();
    outputs.push(BExpr::new(column_expr(MATCH).alias(MATCH), KqlType::Long));
    let mut left_cols = input.columns.clone();
    left_cols.push(BoundColumn::new(MATCH, KqlType::Long));
    let left = BoundTabular {
        op: BoundOp::Expand {
            input: Box::new(input.clone()),
            lists: vec![(MATCH.to_string(), positions)],
            index: None,
            outputs,
        },
        columns: left_cols,
    };

    let mut keys = vec![(column_expr(MATCH), column_expr(ROW))];
    keys.extend(extra.iter().map(|k| (column_expr(k), column_expr(k))));
    let mut columns: Vec<BoundColumn> = input.columns.clone();
    let mut join_outputs: Vec<(JoinSide, String)> = input
        .columns
        .iter()
        .map(|c| (JoinSide::Left, c.name.clone()))
        .collect();
    for c in &lookup.columns {
        if extra.contains(&c.name) || drop_right.contains(&c.name) {
            continue;
        }
        let name = unique_name(c.name.clone(), |n| columns.iter().any(|o| o.name == n));
        columns.push(BoundColumn::new(name, c.ty));
        join_outputs.push((JoinSide::Right, c.name.clone()));
    }
    Ok(BoundTabular {
        op: BoundOp::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind: if return_unmatched {
                JoinKind::LeftOuter
            } else {
                JoinKind::Inner
            },
            keys,
            outputs: join_outputs,
        },
        columns,
    })
}

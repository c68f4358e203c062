//! `getschema`: the input's columns as rows (getschema-operator.md):
//! `ColumnName` (string), `ColumnOrdinal` (int, from 0), `DataType` (the
//! .NET type name, `System.String`, ...) and `ColumnType` (the KQL type
//! name). Known when binding, so it is a table of constants; its rows are
//! serialized (serialize-operator.md), in column order.

use super::super::literal::constant;
use crate::bound::{BoundColumn, BoundOp, BoundTabular};
use crate::types::KqlType;
use datafusion::common::ScalarValue;

/// The .NET type Kusto names a column of `ty` with.
pub(crate) fn dotnet_type(ty: KqlType) -> &'static str {
    match ty {
        KqlType::Bool => "System.SByte",
        KqlType::Int => "System.Int32",
        KqlType::Long => "System.Int64",
        KqlType::Real => "System.Double",
        KqlType::Decimal => "System.Data.SqlTypes.SqlDecimal",
        KqlType::String => "System.String",
        KqlType::DateTime => "System.DateTime",
        KqlType::TimeSpan => "System.TimeSpan",
        KqlType::Guid => "System.Guid",
        KqlType::Dynamic => "System.Object",
    }
}

pub(crate) fn bind(input: &BoundTabular) -> BoundTabular {
    let text = |s: &str| constant(ScalarValue::Utf8(Some(s.to_string())), KqlType::String);
    let rows = input
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                text(&c.name),
                constant(
                    ScalarValue::Int32(Some(i32::try_from(i).unwrap_or(i32::MAX))),
                    KqlType::Int,
                ),
                text(dotnet_type(c.ty)),
                text(c.ty.as_str()),
            ]
        })
        .collect();
    super::serialize::serialized(BoundTabular {
        op: BoundOp::Values { rows },
        columns: vec![
            BoundColumn::new("ColumnName", KqlType::String),
            BoundColumn::new("ColumnOrdinal", KqlType::Int),
            BoundColumn::new("DataType", KqlType::String),
            BoundColumn::new("ColumnType", KqlType::String),
        ],
    })
}

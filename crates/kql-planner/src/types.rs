//! KQL scalar types, their Arrow representation, and Kusto's promotion rules.
//!
//! The KQL type of an expression is decided here and in the binder, never by
//! DataFusion's implicit coercion: lowering emits explicit casts to the Arrow
//! types chosen below.
//!
//! | KQL       | Arrow                         |
//! |-----------|-------------------------------|
//! | bool      | Boolean                       |
//! | int       | Int32                         |
//! | long      | Int64                         |
//! | real      | Float64                       |
//! | decimal   | Decimal128(38, 18)            |
//! | string    | Utf8 (never null)             |
//! | datetime  | Timestamp(Nanosecond, None), UTC |
//! | timespan  | Duration(Nanosecond)          |
//! | guid      | Utf8 (lower-case hyphenated)  |
//! | dynamic   | Utf8 holding JSON text        |

use datafusion::arrow::datatypes::{DataType, TimeUnit};
pub use kql_syntax::ast::TypeName as KqlType;

/// Arrow field metadata key carrying the KQL type of a column, so Utf8
/// columns that are really `dynamic` or `guid` keep their type in results and
/// in Parquet written by kql.
pub const KQL_TYPE_METADATA_KEY: &str = "kql.type";

/// The Arrow type that represents a KQL type in plans and results.
pub fn arrow_type(ty: KqlType) -> DataType {
    match ty {
        KqlType::Bool => DataType::Boolean,
        KqlType::Int => DataType::Int32,
        KqlType::Long => DataType::Int64,
        KqlType::Real => DataType::Float64,
        KqlType::Decimal => DataType::Decimal128(38, 18),
        KqlType::String | KqlType::Guid | KqlType::Dynamic => DataType::Utf8,
        KqlType::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, None),
        KqlType::TimeSpan => DataType::Duration(TimeUnit::Nanosecond),
    }
}

/// The KQL type an Arrow column from a Parquet file reads as, or `None` when
/// there is no sensible counterpart (the column is then left out of the table
/// with a warning by the catalog).
pub fn kql_type_of_arrow(dt: &DataType) -> Option<KqlType> {
    Some(match dt {
        DataType::Boolean => KqlType::Bool,
        DataType::Int8 | DataType::Int16 | DataType::Int32 => KqlType::Int,
        DataType::UInt8 | DataType::UInt16 => KqlType::Int,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => KqlType::Long,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => KqlType::Real,
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => KqlType::Decimal,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => KqlType::String,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => KqlType::DateTime,
        DataType::Duration(_) => KqlType::TimeSpan,
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::Struct(_)
        | DataType::Map(..)
        | DataType::FixedSizeList(..) => KqlType::Dynamic,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => KqlType::String,
        DataType::FixedSizeBinary(16) => KqlType::Guid,
        DataType::Dictionary(_, v) => return kql_type_of_arrow(v),
        _ => return None,
    })
}

/// Numeric rank for promotion: int < long < real < decimal? Kusto promotes
/// int+long→long, long+real→real, anything with decimal→decimal.
fn numeric_rank(ty: KqlType) -> Option<u8> {
    match ty {
        KqlType::Int => Some(1),
        KqlType::Long => Some(2),
        KqlType::Real => Some(3),
        KqlType::Decimal => Some(4),
        _ => None,
    }
}

pub fn is_numeric(ty: KqlType) -> bool {
    numeric_rank(ty).is_some()
}

/// The common numeric type of two numeric operands (`int`+`long` → `long`, ...).
pub fn numeric_common(a: KqlType, b: KqlType) -> Option<KqlType> {
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    Some(if ra >= rb { a } else { b })
}

/// The type two values must be brought to in order to be compared with
/// `==`, `<`, `in`, ...: numeric promotion, or the same type. Dynamic compares
/// with anything: the dynamic side is converted to the other side's type as
/// `to<type>()` does (to `real` against an integer).
pub fn comparison_common(a: KqlType, b: KqlType) -> Option<KqlType> {
    if a == b {
        return Some(a);
    }
    if let Some(t) = numeric_common(a, b) {
        return Some(t);
    }
    match (a, b) {
        (KqlType::Guid, KqlType::String) | (KqlType::String, KqlType::Guid) => {
            Some(KqlType::String)
        }
        // A dynamic number may be fractional: compare it with an integer as
        // a real, so `dynamic(2.5) > 2` holds and `dynamic(1.5) == 1` does not.
        (KqlType::Dynamic, KqlType::Int | KqlType::Long)
        | (KqlType::Int | KqlType::Long, KqlType::Dynamic) => Some(KqlType::Real),
        (KqlType::Dynamic, other) | (other, KqlType::Dynamic) => Some(other),
        // A bool is the number 1 or 0 to a comparison (Kusto stores it so;
        // its language service declares `bool == <scalar>`), so published
        // `where IsPrivate == 1` means `where IsPrivate`.
        (KqlType::Bool, KqlType::Int | KqlType::Long)
        | (KqlType::Int | KqlType::Long, KqlType::Bool) => Some(KqlType::Long),
        (KqlType::Bool, KqlType::Real) | (KqlType::Real, KqlType::Bool) => Some(KqlType::Real),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_follows_kusto() {
        assert_eq!(
            numeric_common(KqlType::Int, KqlType::Long),
            Some(KqlType::Long)
        );
        assert_eq!(
            numeric_common(KqlType::Long, KqlType::Real),
            Some(KqlType::Real)
        );
        assert_eq!(
            numeric_common(KqlType::Int, KqlType::Int),
            Some(KqlType::Int)
        );
        assert_eq!(numeric_common(KqlType::String, KqlType::Int), None);
        assert_eq!(comparison_common(KqlType::DateTime, KqlType::Long), None);
    }

    #[test]
    fn every_type_has_an_arrow_type_that_maps_back() {
        for ty in [
            KqlType::Bool,
            KqlType::Int,
            KqlType::Long,
            KqlType::Real,
            KqlType::Decimal,
            KqlType::String,
            KqlType::DateTime,
            KqlType::TimeSpan,
        ] {
            assert_eq!(kql_type_of_arrow(&arrow_type(ty)), Some(ty));
        }
    }
}

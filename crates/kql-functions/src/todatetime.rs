//! `kql_todatetime(text)`: a string as a datetime, with the forms a
//! `datetime(...)` literal accepts (ISO 8601 with or without `T`, `Z` or an
//! offset; RFC 822 / 850; US `MM/DD/YYYY` and `MM-DD-YYYY`, with an optional
//! time; the parser is kql-syntax's, so `todatetime("12-02-2022")` equals
//! `datetime(12-02-2022)`), then the further text forms `parse` reads
//! (12-hour clock, `yyyyMMdd`). Anything else, and "", is null
//! (todatetime-function.md: "If the conversion is successful, the result
//! is a datetime value. Else, the result is null").

use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{ArrayRef, TimestampNanosecondBuilder};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::sync::Arc;

/// Nanoseconds since the epoch of a datetime text, `None` when it is not one
/// (or is outside the nanosecond range, years 1678–2261).
pub fn text_to_datetime(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match kql_syntax::parse_datetime(t) {
        Ok(ticks) => ticks.checked_mul(100),
        Err(_) => crate::tabular::parse::parse_datetime(t),
    }
}

fn kernel(a: &Args) -> Result<ArrayRef> {
    let mut out = TimestampNanosecondBuilder::with_capacity(a.rows);
    for i in 0..a.rows {
        out.append_option(a.cols[0].str(i).and_then(text_to_datetime));
    }
    Ok(Arc::new(out.finish().with_timezone_opt(None::<&str>)))
}

fn udf() -> KernelUdf {
    KernelUdf::new(
        "kql_todatetime",
        DataType::Timestamp(TimeUnit::Nanosecond, None),
        &[Read::Str],
        kernel,
    )
}

/// `kql_todatetime(text)`.
pub fn todatetime_expr(text: Expr) -> Expr {
    udf().call(vec![text])
}

pub fn all_todatetime_udfs() -> Vec<ScalarUDF> {
    vec![ScalarUDF::from(udf())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .expect("valid")
            .and_utc()
            .timestamp_nanos_opt()
            .expect("in range")
    }

    #[test]
    fn literal_forms_and_parse_forms() {
        let d = ns(2022, 12, 2, 0, 0, 0);
        assert_eq!(text_to_datetime("2022-12-02"), Some(d));
        assert_eq!(text_to_datetime("12-02-2022"), Some(d));
        assert_eq!(text_to_datetime("12/02/2022"), Some(d));
        assert_eq!(
            text_to_datetime("2022-12-02T10:20:30Z"),
            Some(ns(2022, 12, 2, 10, 20, 30))
        );
        assert_eq!(
            text_to_datetime("Fri, 02 Dec 2022 10:20:30 GMT"),
            Some(ns(2022, 12, 2, 10, 20, 30))
        );
        assert_eq!(
            text_to_datetime("12/02/2022 10:20:30 PM"),
            Some(ns(2022, 12, 2, 22, 20, 30))
        );
        assert_eq!(
            text_to_datetime("2022-12-02 10:20:30.1234567"),
            Some(ns(2022, 12, 2, 10, 20, 30) + 123_456_700)
        );
    }

    #[test]
    fn not_datetimes_are_null() {
        for t in ["", "  ", "hello", "2022-13-01", "2022-02-30", "12"] {
            assert_eq!(text_to_datetime(t), None, "{t}");
        }
    }
}

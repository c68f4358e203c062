//! Calendar kernels of the KQL datetime functions: `startofday` ...
//! `endofyear` (with their offset), `datetime_add`, `datetime_diff`,
//! `datetime_part` (and `getyear`, `dayofmonth`, `week_of_year`, ... through
//! it), `dayofweek`, `make_datetime`, `format_datetime`, `format_timespan`.
//!
//! A datetime arrives as Int64 nanoseconds since the Unix epoch (the binder
//! casts the Timestamp(ns) column), a timespan as Int64 nanoseconds. Weeks
//! start on Sunday (`startofweek`, `dayofweek`, `datetime_diff('week')`);
//! `week_of_year` is the ISO 8601 week. Null in, null out; an unknown period
//! name or a result outside the representable range is null.

use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{
    ArrayRef, DurationNanosecondArray, Int32Array, Int64Array, StringBuilder,
    TimestampNanosecondArray,
};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::fmt::Write;
use std::sync::Arc;

const TICK: i64 = 100;
const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// A calendar period named by `datetime_add` / `datetime_diff` /
/// `datetime_part` (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year,
    Quarter,
    Month,
    Week,
    WeekOfYear,
    Day,
    DayOfYear,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "year" => Period::Year,
            "quarter" => Period::Quarter,
            "month" => Period::Month,
            "week" => Period::Week,
            "week_of_year" => Period::WeekOfYear,
            "day" => Period::Day,
            "dayofyear" => Period::DayOfYear,
            "hour" => Period::Hour,
            "minute" => Period::Minute,
            "second" => Period::Second,
            "millisecond" => Period::Millisecond,
            "microsecond" => Period::Microsecond,
            "nanosecond" => Period::Nanosecond,
            _ => return None,
        })
    }

    /// The fixed length of a sub-month period, in nanoseconds.
    fn fixed_ns(self) -> Option<i64> {
        Some(match self {
            Period::Week => WEEK,
            Period::Day => DAY,
            Period::Hour => HOUR,
            Period::Minute => MINUTE,
            Period::Second => SECOND,
            Period::Millisecond => 1_000_000,
            Period::Microsecond => 1_000,
            Period::Nanosecond => 1,
            _ => return None,
        })
    }

    /// Valid for `datetime_add` / `datetime_diff`.
    pub fn is_interval(self) -> bool {
        !matches!(self, Period::WeekOfYear | Period::DayOfYear)
    }

    /// Valid for `datetime_part`.
    pub fn is_part(self) -> bool {
        self != Period::Week
    }
}

fn civil(ns: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_nanos(ns).naive_utc()
}

fn from_civil(t: NaiveDateTime) -> Option<i64> {
    t.and_utc().timestamp_nanos_opt()
}

/// The first instant of a month given as months since year 0 (January = 0).
fn month_start(month0: i64) -> Option<i64> {
    let y = i32::try_from(month0.div_euclid(12)).ok()?;
    let m = month0.rem_euclid(12) as u32 + 1;
    from_civil(NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?)
}

fn months_of(t: &NaiveDateTime) -> i64 {
    i64::from(t.year()) * 12 + i64::from(t.month0())
}

/// Days since the epoch of the Sunday that starts the week of `ns`.
fn week_start_days(ns: i64) -> i64 {
    let days = ns.div_euclid(DAY);
    // 1970-01-01 was a Thursday (Sunday = 0)
    days - (days + 4).rem_euclid(7)
}

/// The kind of `startof...` / `endof...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    Day,
    Week,
    Month,
    Year,
}

/// The start of the day/week/month/year of `ns`, `offset` units later.
pub fn start_of(ns: i64, unit: Boundary, offset: i64) -> Option<i64> {
    match unit {
        Boundary::Day => ns.div_euclid(DAY).checked_add(offset)?.checked_mul(DAY),
        Boundary::Week => week_start_days(ns)
            .checked_add(offset.checked_mul(7)?)?
            .checked_mul(DAY),
        Boundary::Month => {
            let t = civil(ns);
            month_start(months_of(&t).checked_add(offset)?)
        }
        Boundary::Year => {
            let t = civil(ns);
            month_start(i64::from(t.year()).checked_add(offset)?.checked_mul(12)?)
        }
    }
}

/// The last tick of the day/week/month/year of `ns`, `offset` units later.
pub fn end_of(ns: i64, unit: Boundary, offset: i64) -> Option<i64> {
    start_of(ns, unit, offset.checked_add(1)?)?.checked_sub(TICK)
}

/// `datetime_add(period, amount, ns)`: months and years keep the day of
/// the month, clamped to the month's last day.
pub fn datetime_add(period: Period, amount: i64, ns: i64) -> Option<i64> {
    let months = match period {
        Period::Year => Some(amount.checked_mul(12)?),
        Period::Quarter => Some(amount.checked_mul(3)?),
        Period::Month => Some(amount),
        _ => None,
    };
    if let Some(months) = months {
        let t = civil(ns);
        let n = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
        let r = if months >= 0 {
            t.checked_add_months(n)?
        } else {
            t.checked_sub_months(n)?
        };
        return from_civil(r);
    }
    if !period.is_interval() {
        return None;
    }
    let add = amount.checked_mul(period.fixed_ns()?)?;
    // datetimes are whole ticks
    ns.checked_add(add / TICK * TICK)
}

/// `datetime_diff(period, a, b)`: the number of period boundaries between
/// `b` and `a` (`a - b`).
pub fn datetime_diff(period: Period, a: i64, b: i64) -> Option<i64> {
    let (ta, tb) = (civil(a), civil(b));
    Some(match period {
        Period::Year => i64::from(ta.year()) - i64::from(tb.year()),
        Period::Quarter => {
            let q = |t: &NaiveDateTime| i64::from(t.year()) * 4 + i64::from(t.month0() / 3);
            q(&ta) - q(&tb)
        }
        Period::Month => months_of(&ta) - months_of(&tb),
        Period::Week => (week_start_days(a) - week_start_days(b)) / 7,
        Period::WeekOfYear | Period::DayOfYear => return None,
        p => {
            let u = p.fixed_ns()?;
            a.div_euclid(u) - b.div_euclid(u)
        }
    })
}

/// `datetime_part(part, ns)`.
pub fn datetime_part(part: Period, ns: i64) -> Option<i32> {
    let t = civil(ns);
    let frac = ns.rem_euclid(SECOND);
    Some(match part {
        Period::Year => t.year(),
        Period::Quarter => (t.month0() / 3 + 1) as i32,
        Period::Month => t.month() as i32,
        Period::WeekOfYear => t.iso_week().week() as i32,
        Period::Day => t.day() as i32,
        Period::DayOfYear => t.ordinal() as i32,
        Period::Hour => t.hour() as i32,
        Period::Minute => t.minute() as i32,
        Period::Second => t.second() as i32,
        Period::Millisecond => (frac / 1_000_000) as i32,
        Period::Microsecond => (frac / 1_000) as i32,
        Period::Nanosecond => frac as i32,
        Period::Week => return None,
    })
}

/// `dayofweek(ns)`: the time since the preceding Sunday, in whole days.
pub fn dayofweek(ns: i64) -> i64 {
    (ns.div_euclid(DAY) - week_start_days(ns)) * DAY
}

/// `make_datetime(y, m, d, h, mi, ticks)`: null when a field is out of
/// range (year 0..9999, month 1..12, a day of that month, hour 0..23,
/// minute 0..59, seconds below 60).
pub fn make_datetime(y: i64, m: i64, d: i64, h: i64, mi: i64, ticks: i64) -> Option<i64> {
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60 * 10_000_000).contains(&ticks) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(y).ok().filter(|y| (0..=9999).contains(y))?,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    )?;
    let day = from_civil(date.and_hms_opt(0, 0, 0)?)?;
    day.checked_add(h * HOUR + mi * MINUTE + ticks * TICK)
}

// ---- format_datetime / format_timespan ------------------------------------

/// One element of a format string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Lit(char),
    /// a specifier letter repeated `n` times
    Spec(char, usize),
}

const DELIMITERS: &[char] = &[' ', '/', '-', ':', ',', '.', '_', '[', ']'];

/// Split a format into elements; `Err` names the first unsupported one.
/// `letters` are the specifier letters with their longest run.
fn parse_format(fmt: &str, letters: &[(char, usize)]) -> std::result::Result<Vec<Elem>, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        if let Some(&(_, max)) = letters.iter().find(|(l, _)| *l == c) {
            if n > max {
                return Err(std::iter::repeat_n(c, n).collect());
            }
            out.push(Elem::Spec(c, n));
        } else if DELIMITERS.contains(&c) {
            out.extend(std::iter::repeat_n(Elem::Lit(c), n));
        } else {
            return Err(c.to_string());
        }
        i += n;
    }
    Ok(out)
}

const DATETIME_LETTERS: &[(char, usize)] = &[
    ('d', 2),
    ('f', 7),
    ('F', 7),
    ('h', 2),
    ('H', 2),
    ('m', 2),
    ('M', 2),
    ('s', 2),
    ('y', 4),
    ('t', 2),
];

const TIMESPAN_LETTERS: &[(char, usize)] = &[
    ('d', 8),
    ('f', 7),
    ('F', 7),
    ('h', 2),
    ('H', 2),
    ('m', 2),
    ('s', 2),
];

/// Check a `format_datetime` format: `Err` names the unsupported element.
pub fn check_datetime_format(fmt: &str) -> std::result::Result<(), String> {
    parse_format(fmt, DATETIME_LETTERS).map(|_| ())
}

/// Check a `format_timespan` format: `Err` names the unsupported element.
pub fn check_timespan_format(fmt: &str) -> std::result::Result<(), String> {
    parse_format(fmt, TIMESPAN_LETTERS).map(|_| ())
}

/// The first `n` digits of the 7-digit tick fraction; `trim` drops
/// trailing zeros (`F`), leaving nothing when all are zero.
fn fraction(out: &mut String, ticks: i64, n: usize, trim: bool) {
    let digits = format!("{ticks:07}");
    let mut part = &digits[..n];
    if trim {
        part = part.trim_end_matches('0');
    }
    out.push_str(part);
}

fn number(out: &mut String, v: i64, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

fn format_datetime_elems(ns: i64, elems: &[Elem]) -> String {
    let t = civil(ns);
    let ticks = ns.rem_euclid(SECOND) / TICK;
    let mut out = String::new();
    for e in elems {
        match *e {
            Elem::Lit(c) => out.push(c),
            Elem::Spec(c, n) => match c {
                'd' => number(&mut out, i64::from(t.day()), n),
                'f' => fraction(&mut out, ticks, n, false),
                'F' => fraction(&mut out, ticks, n, true),
                'h' => {
                    let h = i64::from(t.hour() % 12);
                    number(&mut out, if h == 0 { 12 } else { h }, n)
                }
                'H' => number(&mut out, i64::from(t.hour()), n),
                'm' => number(&mut out, i64::from(t.minute()), n),
                'M' => number(&mut out, i64::from(t.month()), n),
                's' => number(&mut out, i64::from(t.second()), n),
                'y' => {
                    let y = i64::from(t.year());
                    if n <= 2 {
                        number(&mut out, y % 100, n)
                    } else {
                        number(&mut out, y, n)
                    }
                }
                _ => {
                    // t: A / P, tt: AM / PM
                    let pm = t.hour() >= 12;
                    out.push_str(&(if pm { "PM" } else { "AM" })[..n]);
                }
            },
        }
    }
    out
}

fn format_timespan_elems(ns: i64, elems: &[Elem]) -> String {
    let mut out = String::new();
    if ns < 0 {
        out.push('-');
    }
    let a = ns.unsigned_abs();
    let (day, hour, min, sec) = (DAY as u64, HOUR as u64, MINUTE as u64, SECOND as u64);
    let days = (a / day) as i64;
    let hours = (a % day / hour) as i64;
    let minutes = (a % hour / min) as i64;
    let seconds = (a % min / sec) as i64;
    let ticks = (a % sec / TICK as u64) as i64;
    for e in elems {
        match *e {
            Elem::Lit(c) => out.push(c),
            Elem::Spec(c, n) => match c {
                'd' => number(&mut out, days, n),
                'f' => fraction(&mut out, ticks, n, false),
                'F' => fraction(&mut out, ticks, n, true),
                'h' | 'H' => number(&mut out, hours, n),
                'm' => number(&mut out, minutes, n),
                _ => number(&mut out, seconds, n),
            },
        }
    }
    out
}

/// `format_datetime(ns, fmt)`; an unsupported format gives "".
pub fn format_datetime(ns: i64, fmt: &str) -> String {
    parse_format(fmt, DATETIME_LETTERS)
        .map(|e| format_datetime_elems(ns, &e))
        .unwrap_or_default()
}

/// `format_timespan(ns, fmt)`; an unsupported format gives "".
pub fn format_timespan(ns: i64, fmt: &str) -> String {
    parse_format(fmt, TIMESPAN_LETTERS)
        .map(|e| format_timespan_elems(ns, &e))
        .unwrap_or_default()
}

// ---- kernels ---------------------------------------------------------------

fn ts_array(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampNanosecondArray::from(v))
}

fn bound_kernel<const END: bool, const U: u8>(a: &Args) -> Result<ArrayRef> {
    let unit = match U {
        0 => Boundary::Day,
        1 => Boundary::Week,
        2 => Boundary::Month,
        _ => Boundary::Year,
    };
    let out = (0..a.rows)
        .map(|i| {
            let ns = a.cols[0].i64(i)?;
            let offset = match a.cols.get(1) {
                Some(c) => c.i64(i)?,
                None => 0,
            };
            if END {
                end_of(ns, unit, offset)
            } else {
                start_of(ns, unit, offset)
            }
        })
        .collect();
    Ok(ts_array(out))
}

/// The period of row `i` (argument 0), parsed once when it is a constant.
fn periods(a: &Args) -> impl Fn(usize) -> Option<Period> + '_ {
    let fixed = a.cols[0]
        .is_scalar()
        .then(|| a.cols[0].str(0).and_then(Period::parse));
    move |i| match fixed {
        Some(p) => p,
        None => a.cols[0].str(i).and_then(Period::parse),
    }
}

fn datetime_add_kernel(a: &Args) -> Result<ArrayRef> {
    let period = periods(a);
    let out = (0..a.rows)
        .map(|i| datetime_add(period(i)?, a.cols[1].i64(i)?, a.cols[2].i64(i)?))
        .collect();
    Ok(ts_array(out))
}

fn datetime_diff_kernel(a: &Args) -> Result<ArrayRef> {
    let period = periods(a);
    let out: Vec<Option<i64>> = (0..a.rows)
        .map(|i| datetime_diff(period(i)?, a.cols[1].i64(i)?, a.cols[2].i64(i)?))
        .collect();
    Ok(Arc::new(Int64Array::from(out)))
}

fn datetime_part_kernel(a: &Args) -> Result<ArrayRef> {
    let period = periods(a);
    let out: Vec<Option<i32>> = (0..a.rows)
        .map(|i| datetime_part(period(i)?, a.cols[1].i64(i)?))
        .collect();
    Ok(Arc::new(Int32Array::from(out)))
}

fn dayofweek_kernel(a: &Args) -> Result<ArrayRef> {
    let out: Vec<Option<i64>> = (0..a.rows)
        .map(|i| a.cols[0].i64(i).map(dayofweek))
        .collect();
    Ok(Arc::new(DurationNanosecondArray::from(out)))
}

fn make_datetime_kernel(a: &Args) -> Result<ArrayRef> {
    let out = (0..a.rows)
        .map(|i| {
            let v = |k: usize| a.cols[k].i64(i);
            make_datetime(v(0)?, v(1)?, v(2)?, v(3)?, v(4)?, v(5)?)
        })
        .collect();
    Ok(ts_array(out))
}

fn format_kernel<const SPAN: bool>(a: &Args) -> Result<ArrayRef> {
    let letters = if SPAN {
        TIMESPAN_LETTERS
    } else {
        DATETIME_LETTERS
    };
    // a constant format is parsed once
    let fixed = a.cols[1]
        .is_scalar()
        .then(|| a.cols[1].str(0).and_then(|f| parse_format(f, letters).ok()));
    let mut out = StringBuilder::with_capacity(a.rows, a.rows * 16);
    for i in 0..a.rows {
        let parsed;
        let elems = match &fixed {
            Some(e) => e.as_deref(),
            None => {
                parsed = a.cols[1].str(i).and_then(|f| parse_format(f, letters).ok());
                parsed.as_deref()
            }
        };
        // a string is never null: a null value or a bad format gives ""
        let text = match (a.cols[0].i64(i), elems) {
            (Some(ns), Some(e)) if SPAN => format_timespan_elems(ns, e),
            (Some(ns), Some(e)) => format_datetime_elems(ns, e),
            _ => String::new(),
        };
        out.append_value(text);
    }
    Ok(Arc::new(out.finish()))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, None)
}

const I64_ARGS: &[Read] = &[Read::I64];
const STR_I64: &[Read] = &[Read::Str, Read::I64];
const I64_STR: &[Read] = &[Read::I64, Read::Str];

fn udf(name: &str) -> Option<KernelUdf> {
    let ts = timestamp;
    Some(match name {
        "startofday" => KernelUdf::new("kql_startofday", ts(), I64_ARGS, bound_kernel::<false, 0>),
        "startofweek" => {
            KernelUdf::new("kql_startofweek", ts(), I64_ARGS, bound_kernel::<false, 1>)
        }
        "startofmonth" => {
            KernelUdf::new("kql_startofmonth", ts(), I64_ARGS, bound_kernel::<false, 2>)
        }
        "startofyear" => {
            KernelUdf::new("kql_startofyear", ts(), I64_ARGS, bound_kernel::<false, 3>)
        }
        "endofday" => KernelUdf::new("kql_endofday", ts(), I64_ARGS, bound_kernel::<true, 0>),
        "endofweek" => KernelUdf::new("kql_endofweek", ts(), I64_ARGS, bound_kernel::<true, 1>),
        "endofmonth" => KernelUdf::new("kql_endofmonth", ts(), I64_ARGS, bound_kernel::<true, 2>),
        "endofyear" => KernelUdf::new("kql_endofyear", ts(), I64_ARGS, bound_kernel::<true, 3>),
        "datetime_add" => KernelUdf::new("kql_datetime_add", ts(), STR_I64, datetime_add_kernel),
        "datetime_diff" => KernelUdf::new(
            "kql_datetime_diff",
            DataType::Int64,
            STR_I64,
            datetime_diff_kernel,
        ),
        "datetime_part" => KernelUdf::new(
            "kql_datetime_part",
            DataType::Int32,
            STR_I64,
            datetime_part_kernel,
        ),
        "dayofweek" => KernelUdf::new(
            "kql_dayofweek",
            DataType::Duration(TimeUnit::Nanosecond),
            I64_ARGS,
            dayofweek_kernel,
        ),
        "make_datetime" => {
            KernelUdf::new("kql_make_datetime", ts(), I64_ARGS, make_datetime_kernel)
        }
        "format_datetime" => KernelUdf::new(
            "kql_format_datetime",
            DataType::Utf8,
            I64_STR,
            format_kernel::<false>,
        ),
        "format_timespan" => KernelUdf::new(
            "kql_format_timespan",
            DataType::Utf8,
            I64_STR,
            format_kernel::<true>,
        ),
        _ => return None,
    })
}

/// The names [`datetime_function_expr`] knows.
pub const DATETIME_UDF_NAMES: &[&str] = &[
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "datetime_add",
    "datetime_diff",
    "datetime_part",
    "dayofweek",
    "make_datetime",
    "format_datetime",
    "format_timespan",
];

/// The call of the kernel of KQL function `name`. Datetimes and timespans
/// are passed as Int64 nanoseconds; arguments in the order of the KQL
/// function (`make_datetime` takes year, month, day, hour, minute and the
/// seconds as whole ticks).
pub fn datetime_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    Some(udf(name)?.call(args))
}

pub(crate) fn all_datetime_udfs() -> Vec<ScalarUDF> {
    DATETIME_UDF_NAMES
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::{i64_lit, invoke, str_col, str_lit, strings};
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Int32Type, Int64Type, TimestampNanosecondType};
    use datafusion::logical_expr::ColumnarValue;

    fn dt(s: &str) -> i64 {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        from_civil(t).unwrap()
    }

    fn text(ns: i64) -> String {
        format_datetime(ns, "yyyy-MM-dd HH:mm:ss.fffffff")
    }

    fn i64_col(v: Vec<Option<i64>>) -> ColumnarValue {
        ColumnarValue::Array(Arc::new(Int64Array::from(v)))
    }

    #[test]
    fn boundaries_with_offsets() {
        let t = dt("2017-01-01 10:10:17.0");
        let s = |u, o| text(start_of(t, u, o).unwrap());
        let e = |u, o| text(end_of(t, u, o).unwrap());
        assert_eq!(s(Boundary::Day, -1), "2016-12-31 00:00:00.0000000");
        assert_eq!(s(Boundary::Week, -1), "2016-12-25 00:00:00.0000000");
        assert_eq!(s(Boundary::Week, 0), "2017-01-01 00:00:00.0000000");
        assert_eq!(s(Boundary::Month, 1), "2017-02-01 00:00:00.0000000");
        assert_eq!(s(Boundary::Month, -13), "2015-12-01 00:00:00.0000000");
        assert_eq!(s(Boundary::Year, -1), "2016-01-01 00:00:00.0000000");
        assert_eq!(e(Boundary::Week, -1), "2016-12-31 23:59:59.9999999");
        assert_eq!(e(Boundary::Month, 1), "2017-02-28 23:59:59.9999999");
        assert_eq!(e(Boundary::Year, 0), "2017-12-31 23:59:59.9999999");
        assert_eq!(e(Boundary::Day, 0), "2017-01-01 23:59:59.9999999");
        // before the epoch
        let old = dt("1947-11-30 10:00:05.0");
        assert_eq!(
            text(start_of(old, Boundary::Week, 0).unwrap()),
            "1947-11-30 00:00:00.0000000"
        );
        assert_eq!(dayofweek(old), 0);
        assert_eq!(dayofweek(dt("1970-01-01 05:00:00.0")), 4 * DAY);
        assert_eq!(start_of(0, Boundary::Day, i64::MAX), None);
    }

    #[test]
    fn add_diff_part() {
        let jan31 = dt("2017-01-31 00:00:00.0");
        assert_eq!(
            text(datetime_add(Period::Month, 1, jan31).unwrap()),
            "2017-02-28 00:00:00.0000000"
        );
        assert_eq!(
            text(datetime_add(Period::Year, -5, jan31).unwrap()),
            "2012-01-31 00:00:00.0000000"
        );
        assert_eq!(
            text(datetime_add(Period::Quarter, 1, jan31).unwrap()),
            "2017-04-30 00:00:00.0000000"
        );
        assert_eq!(datetime_add(Period::DayOfYear, 1, jan31), None);
        let d = |p, a: &str, b: &str| datetime_diff(p, dt(a), dt(b)).unwrap();
        assert_eq!(
            d(
                Period::Year,
                "2017-01-01 00:00:00.0",
                "2000-12-31 00:00:00.0"
            ),
            17
        );
        assert_eq!(
            d(
                Period::Quarter,
                "2017-07-01 00:00:00.0",
                "2017-03-30 00:00:00.0"
            ),
            2
        );
        assert_eq!(
            d(
                Period::Month,
                "2017-01-01 00:00:00.0",
                "2015-12-30 00:00:00.0"
            ),
            13
        );
        assert_eq!(
            d(
                Period::Week,
                "2017-10-29 00:00:00.0",
                "2017-09-30 23:59:00.0"
            ),
            5
        );
        assert_eq!(
            d(
                Period::Day,
                "2017-10-29 00:00:00.0",
                "2017-09-30 23:59:00.0"
            ),
            29
        );
        assert_eq!(
            d(
                Period::Hour,
                "2017-10-31 01:00:00.0",
                "2017-10-30 23:59:00.0"
            ),
            2
        );
        assert_eq!(
            d(
                Period::Second,
                "2017-10-30 23:00:10.100",
                "2017-10-30 23:00:00.900"
            ),
            10
        );
        assert_eq!(
            d(
                Period::Nanosecond,
                "2017-10-30 23:00:00.0",
                "2017-10-30 23:00:00.0000007"
            ),
            -700
        );
        let t = dt("2017-10-30 01:02:03.7654321");
        let p = |s: &str| datetime_part(Period::parse(s).unwrap(), t).unwrap();
        assert_eq!(
            [
                p("year"),
                p("Quarter"),
                p("month"),
                p("week_of_year"),
                p("day")
            ],
            [2017, 4, 10, 44, 30]
        );
        assert_eq!(
            [p("dayOfYear"), p("hour"), p("minute"), p("second")],
            [303, 1, 2, 3]
        );
        assert_eq!(
            [p("millisecond"), p("microsecond"), p("nanosecond")],
            [765, 765432, 765432100]
        );
        let w = |s: &str| datetime_part(Period::WeekOfYear, dt(s)).unwrap();
        assert_eq!(w("2020-12-31 00:00:00.0"), 53);
        assert_eq!(w("2000-01-01 00:00:00.0"), 52);
        assert_eq!(w("1970-01-01 00:00:00.0"), 1);
        assert_eq!(Period::parse("fortnight"), None);
    }

    #[test]
    fn make_datetime_checks_fields() {
        assert_eq!(
            text(make_datetime(2017, 10, 1, 12, 11, 1_234_567).unwrap()),
            "2017-10-01 12:11:00.1234567"
        );
        assert_eq!(make_datetime(2017, 2, 29, 0, 0, 0), None);
        assert_eq!(make_datetime(2017, 13, 1, 0, 0, 0), None);
        assert_eq!(make_datetime(2017, 1, 1, 24, 0, 0), None);
        assert_eq!(make_datetime(2017, 1, 1, 0, 0, 600_000_000), None);
    }

    #[test]
    fn formats() {
        let t = dt("2017-01-29 09:00:05.0");
        assert_eq!(
            format_datetime(t, "yy-MM-dd [HH:mm:ss]"),
            "17-01-29 [09:00:05]"
        );
        assert_eq!(
            format_datetime(t, "yyyy-M-dd [H:mm:ss]"),
            "2017-1-29 [9:00:05]"
        );
        assert_eq!(
            format_datetime(t, "yy-MM-dd [hh:mm:ss tt]"),
            "17-01-29 [09:00:05 AM]"
        );
        let f = dt("2009-06-15 13:45:30.6170000");
        assert_eq!(format_datetime(f, "h tt,fff,FFFFFFF,ff"), "1 PM,617,617,61");
        assert_eq!(format_datetime(dt("2009-06-15 13:45:30.05"), "F"), "");
        assert_eq!(
            format_datetime(dt("2009-06-15 13:45:30.0001150"), "FFFFFFF"),
            "000115"
        );
        assert_eq!(
            format_datetime(dt("1905-01-01 00:00:00.0"), "y/yy/yyyy"),
            "5/05/1905"
        );
        assert_eq!(format_datetime(t, "yyyy-MM-ddTHH"), "");
        assert_eq!(check_datetime_format("MMM"), Err("MMM".to_string()));
        let s = ((29 * 24 + 9) * 3600 + 5) * SECOND + 123_450_000;
        assert_eq!(format_timespan(s, "dd.hh:mm:ss:FF"), "29.09:00:05:12");
        assert_eq!(
            format_timespan(s, "ddd.h:mm:ss [fffffff]"),
            "029.9:00:05 [1234500]"
        );
        assert_eq!(format_timespan(-SECOND, "hh:mm:ss"), "-00:00:01");
        assert!(check_timespan_format("M").is_err());
    }

    #[test]
    fn kernels_over_arrays_with_nulls() {
        let t = dt("2017-01-01 10:10:17.0");
        let u = udf("startofmonth").unwrap();
        let r = invoke(
            &u,
            vec![
                i64_col(vec![Some(t), None]),
                i64_col(vec![Some(1), Some(1)]),
            ],
        );
        let r = r.as_primitive::<TimestampNanosecondType>();
        assert_eq!(text(r.value(0)), "2017-02-01 00:00:00.0000000");
        assert!(r.is_null(1));

        let u = udf("datetime_diff").unwrap();
        let r = invoke(
            &u,
            vec![
                str_col(vec![Some("day"), Some("bogus"), None]),
                i64_lit(t + DAY),
                i64_lit(t),
            ],
        );
        let r = r.as_primitive::<Int64Type>();
        assert_eq!(r.value(0), 1);
        assert!(r.is_null(1) && r.is_null(2));

        let u = udf("datetime_part").unwrap();
        let r = invoke(&u, vec![str_lit("hour"), i64_col(vec![None, Some(t)])]);
        let r = r.as_primitive::<Int32Type>();
        assert!(r.is_null(0));
        assert_eq!(r.value(1), 10);

        let u = udf("format_datetime").unwrap();
        let r = invoke(
            &u,
            vec![
                i64_col(vec![Some(t), None, Some(t)]),
                str_col(vec![Some("yyyy"), Some("yyyy"), Some("")]),
            ],
        );
        assert_eq!(
            strings(&r),
            vec![
                Some("2017".into()),
                Some(String::new()),
                Some(String::new())
            ]
        );
    }
}

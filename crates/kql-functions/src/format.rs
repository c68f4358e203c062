//! Text forms of KQL scalar values, shared by the result renderers and `tostring()`.
//!
//! Every function here is pure, total (no panics for any input) and allocation-light:
//!
//! * [`format_datetime`] / [`format_timestamp`] — ISO 8601 UTC, `2026-11-20T03:04:05.1Z`.
//! * [`format_timespan`] / [`format_duration`] — Kusto `[-][d.]hh:mm:ss[.fffffff]`.
//! * [`format_real`] / [`format_real32`] — shortest round-trip text (as serde_json).
//! * [`format_decimal`] / [`format_decimal_text`] — exact decimal text.
//! * [`compact_json`] — validate JSON text and strip insignificant whitespace.
//!
//! KQL datetimes and timespans have a resolution of one tick (100 ns); digits
//! below a tick are dropped (datetimes are floored to the tick, timespans are
//! truncated towards zero).

use std::borrow::Cow;

use arrow::datatypes::TimeUnit;

const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_TICK: u32 = 100;
const TICKS_PER_SEC: u128 = 10_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Formats a datetime given as nanoseconds since the Unix epoch as ISO 8601 UTC.
///
/// `2026-11-20T03:04:05Z`; a fraction is added only when the value is not a
/// whole second, with at most 7 digits (100 ns ticks) and trailing zeros trimmed:
/// `2026-11-20T03:04:05.1Z`, `2026-11-20T03:04:05.1234567Z`. Sub-tick digits are
/// dropped (the value is floored to its tick, so `-1ns` is
/// `1969-12-31T23:59:59.9999999Z`). The whole `i64` range is supported.
pub fn format_datetime(nanos_since_epoch: i64) -> String {
    let secs = nanos_since_epoch.div_euclid(NANOS_PER_SEC);
    // rem_euclid of a divisor < 2^31 is in [0, 1e9), fits u32.
    let sub = nanos_since_epoch.rem_euclid(NANOS_PER_SEC) as u32;
    datetime_from_parts(secs, sub)
}

/// Formats an Arrow timestamp value (`value` in `unit` since the Unix epoch, UTC)
/// like [`format_datetime`]. Handles the full range of every unit; years outside
/// `0000..=9999` are written with a sign (`+10000-01-01T00:00:00Z`, `-0001-...`).
pub fn format_timestamp(value: i64, unit: TimeUnit) -> String {
    let (per_sec, nanos_per_unit): (i64, i64) = match unit {
        TimeUnit::Second => (1, NANOS_PER_SEC),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        TimeUnit::Nanosecond => (NANOS_PER_SEC, 1),
    };
    let secs = value.div_euclid(per_sec);
    let sub = (value.rem_euclid(per_sec) * nanos_per_unit) as u32;
    datetime_from_parts(secs, sub)
}

/// Formats a day count since 1970-01-01 (Arrow `Date32`) as a midnight datetime.
pub fn format_date_days(days: i32) -> String {
    datetime_from_parts(i64::from(days) * SECS_PER_DAY, 0)
}

fn datetime_from_parts(secs: i64, sub_nanos: u32) -> String {
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    let mut out = String::with_capacity(28);
    if (0..=9999).contains(&year) {
        out.push_str(&format!("{year:04}"));
    } else if year < 0 {
        out.push_str(&format!("-{:04}", year.unsigned_abs()));
    } else {
        out.push_str(&format!("+{year}"));
    }
    out.push_str(&format!("-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}"));
    let ticks = sub_nanos / NANOS_PER_TICK;
    if ticks != 0 {
        let frac = format!("{ticks:07}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Proleptic Gregorian (year, month, day) of a day number since 1970-01-01.
/// Howard Hinnant's `civil_from_days`; exact for every `i64` second count / 86400.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a timespan given in nanoseconds, Kusto style: `[-][d.]hh:mm:ss[.fffffff]`.
///
/// `00:03:00`, `4.00:00:00`, `1.12:30:55.1230000`, `-00:00:01`,
/// `-1.02:03:04.5000000`. The day part appears only when non-zero; a fraction,
/// when present, always has exactly 7 digits (ticks). Sub-tick nanoseconds are
/// truncated towards zero, and a value that truncates to zero has no sign.
/// `i64::MIN` is fine.
pub fn format_timespan(nanos: i64) -> String {
    timespan_from_ticks(
        nanos < 0,
        u128::from(nanos.unsigned_abs() / u64::from(NANOS_PER_TICK)),
    )
}

/// Formats an Arrow duration value (`value` in `unit`) like [`format_timespan`].
/// Handles the full range of every unit (a day count may exceed 8 digits).
pub fn format_duration(value: i64, unit: TimeUnit) -> String {
    let abs = u128::from(value.unsigned_abs());
    let ticks = match unit {
        TimeUnit::Second => abs * TICKS_PER_SEC,
        TimeUnit::Millisecond => abs * 10_000,
        TimeUnit::Microsecond => abs * 10,
        TimeUnit::Nanosecond => abs / u128::from(NANOS_PER_TICK),
    };
    timespan_from_ticks(value < 0, ticks)
}

fn timespan_from_ticks(negative: bool, ticks: u128) -> String {
    let frac = ticks % TICKS_PER_SEC;
    let total_secs = ticks / TICKS_PER_SEC;
    let days = total_secs / SECS_PER_DAY as u128;
    let sod = total_secs % SECS_PER_DAY as u128;
    let (h, m, s) = (sod / 3600, sod / 60 % 60, sod % 60);
    let mut out = String::with_capacity(24);
    if negative && ticks != 0 {
        out.push('-');
    }
    if days != 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac != 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

/// Formats a real as the shortest text that parses back to the same `f64`.
///
/// This is exactly what serde_json prints for a finite `f64` (serde_json 1.0.154
/// formats floats with the `zmij` crate; older releases used `ryu`, which
/// differs only in the `+` of positive exponents). The tests below pin it:
/// plain decimal notation for magnitudes in `[1e-5, 1e16)`, where integral
/// values keep a `.0` (`1.0`, `-3.0`, `0.1`, `0.00001`, `1000000000000000.0`);
/// otherwise scientific notation with a lower-case `e`, a signed positive
/// exponent and no `.0` (`1e-6`, `1.5e-7`, `1e+16`, `1.7976931348623157e+308`);
/// negative zero is `-0.0`. Non-finite values are `NaN`, `Infinity` and
/// `-Infinity`. Every finite result is a valid JSON number.
pub fn format_real(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    match serde_json::Number::from_f64(value) {
        Some(n) => n.to_string(),
        None => value.to_string(), // unreachable for finite values
    }
}

/// [`format_real`] for an `f32`: the shortest text that round-trips the `f32`
/// (so `0.1f32` is `0.1`, not its `f64` widening `0.10000000149011612`).
pub fn format_real32(value: f32) -> String {
    if !value.is_finite() {
        return format_real(f64::from(value));
    }
    match serde_json::to_string(&value) {
        Ok(text) => text,
        Err(_) => value.to_string(), // unreachable for finite values
    }
}

/// Exact text of a decimal `unscaled * 10^-scale`: `format_decimal(12345, 2)` is
/// `123.45`; trailing zeros of the scale are kept (`1.50`), `|x| < 1` gets a
/// leading `0` (`-0.05`), and a negative scale appends zeros (`12` scale `-2` is
/// `1200`). The result is always a valid JSON number.
pub fn format_decimal(unscaled: i128, scale: i8) -> String {
    format_decimal_text(&unscaled.to_string(), scale)
}

/// [`format_decimal`] over the base-10 text of the unscaled integer (`-12345`),
/// for decimal widths that do not fit an `i128` (Decimal256). Text that is not
/// an optionally signed run of ASCII digits is returned unchanged.
pub fn format_decimal_text(unscaled: &str, scale: i8) -> String {
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unscaled),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return unscaled.to_owned();
    }
    let digits = match digits.trim_start_matches('0') {
        "" => "0",
        d => d,
    };
    let sign = if negative && digits != "0" { "-" } else { "" };
    if scale <= 0 {
        if digits == "0" {
            return "0".to_owned();
        }
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        return format!("{sign}{digits}{zeros}");
    }
    let scale = usize::from(scale.unsigned_abs());
    if digits.len() > scale {
        let (whole, frac) = digits.split_at(digits.len() - scale);
        format!("{sign}{whole}.{frac}")
    } else {
        format!("{sign}0.{digits:0>scale$}")
    }
}

/// Validates `text` as one JSON value and returns it without insignificant
/// whitespace, keeping everything else byte for byte (object key order, number
/// spelling such as `1.0` or `1e3`, string escapes). `None` when `text` is not
/// valid JSON (including empty text). Borrows when nothing has to be removed.
pub fn compact_json(text: &str) -> Option<Cow<'_, str>> {
    serde_json::from_str::<serde_json::Value>(text).ok()?;
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    // Fast path: whitespace can only be insignificant if present at all outside
    // strings; a quick scan for any whitespace character decides most cases.
    if !text.contains(is_ws) {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !is_ws(c) {
            out.push(c);
        }
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i64 = 1_000_000_000;

    fn nanos_of(date: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(date)
            .unwrap()
            .timestamp_nanos_opt()
            .unwrap()
    }

    #[test]
    fn datetime_whole_seconds() {
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_datetime(nanos_of("2026-11-20T03:04:05Z")),
            "2026-11-20T03:04:05Z"
        );
        assert_eq!(
            format_datetime(nanos_of("2000-02-29T23:59:59Z")),
            "2000-02-29T23:59:59Z"
        );
        assert_eq!(
            format_datetime(nanos_of("2024-12-31T00:00:00Z")),
            "2024-12-31T00:00:00Z"
        );
        assert_eq!(
            format_datetime(nanos_of("2100-03-01T12:00:00Z")),
            "2100-03-01T12:00:00Z"
        );
    }

    #[test]
    fn datetime_fractions() {
        let base = nanos_of("2026-11-20T03:04:05Z");
        assert_eq!(
            format_datetime(base + 100_000_000),
            "2026-11-20T03:04:05.1Z"
        );
        assert_eq!(
            format_datetime(base + 123_456_700),
            "2026-11-20T03:04:05.1234567Z"
        );
        assert_eq!(
            format_datetime(base + 120_000_000),
            "2026-11-20T03:04:05.12Z"
        );
        assert_eq!(format_datetime(base + 100), "2026-11-20T03:04:05.0000001Z");
        assert_eq!(format_datetime(base + 1_000), "2026-11-20T03:04:05.000001Z");
        // Sub-tick digits are dropped.
        assert_eq!(
            format_datetime(base + 123_456_789),
            "2026-11-20T03:04:05.1234567Z"
        );
        assert_eq!(format_datetime(base + 99), "2026-11-20T03:04:05Z");
        assert_eq!(
            format_datetime(base + 999_999_999),
            "2026-11-20T03:04:05.9999999Z"
        );
    }

    #[test]
    fn datetime_before_1970() {
        assert_eq!(format_datetime(-NS), "1969-12-31T23:59:59Z");
        assert_eq!(format_datetime(-1), "1969-12-31T23:59:59.9999999Z");
        assert_eq!(format_datetime(-100), "1969-12-31T23:59:59.9999999Z");
        assert_eq!(format_datetime(-101), "1969-12-31T23:59:59.9999998Z");
        assert_eq!(format_datetime(-NS / 2), "1969-12-31T23:59:59.5Z");
        assert_eq!(
            format_datetime(nanos_of("1900-01-01T00:00:00Z")),
            "1900-01-01T00:00:00Z"
        );
        assert_eq!(
            format_datetime(nanos_of("1800-06-15T08:09:10.25Z")),
            "1800-06-15T08:09:10.25Z"
        );
        assert_eq!(
            format_datetime(nanos_of("1904-02-29T00:00:00Z")),
            "1904-02-29T00:00:00Z"
        );
    }

    #[test]
    fn datetime_extremes() {
        assert_eq!(format_datetime(i64::MAX), "2262-04-11T23:47:16.8547758Z");
        assert_eq!(format_datetime(i64::MIN), "1677-09-21T00:12:43.1452241Z");
        assert_eq!(
            format_datetime(nanos_of("2262-01-01T00:00:00Z")),
            "2262-01-01T00:00:00Z"
        );
    }

    #[test]
    fn datetime_agrees_with_chrono() {
        // A deterministic spread over the whole i64 range.
        let mut x: i64 = 0x1234_5678_9abc_def0;
        for _ in 0..2000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let d = chrono::DateTime::from_timestamp_nanos(x);
            let floored = x - x.rem_euclid(100);
            let expected = chrono::DateTime::from_timestamp_nanos(floored)
                .format("%Y-%m-%dT%H:%M:%S%.9f")
                .to_string();
            let expected = expected.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(format_datetime(x), format!("{expected}Z"), "{x} {d}");
        }
    }

    #[test]
    fn timestamp_units() {
        assert_eq!(
            format_timestamp(1_700_000_000, TimeUnit::Second),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            format_timestamp(1_700_000_000_123, TimeUnit::Millisecond),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            format_timestamp(-1, TimeUnit::Millisecond),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            format_timestamp(-1, TimeUnit::Microsecond),
            "1969-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            format_timestamp(1_700_000_000_123_456, TimeUnit::Microsecond),
            "2023-11-14T22:13:20.123456Z"
        );
        assert_eq!(
            format_timestamp(-1, TimeUnit::Nanosecond),
            format_datetime(-1)
        );
        // Beyond the nanosecond range.
        assert_eq!(
            format_timestamp(253_402_300_799, TimeUnit::Second),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            format_timestamp(-62_135_596_800, TimeUnit::Second),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(
            format_timestamp(-62_135_596_801, TimeUnit::Second),
            "0000-12-31T23:59:59Z"
        );
        assert_eq!(
            format_timestamp(253_402_300_800, TimeUnit::Second),
            "+10000-01-01T00:00:00Z"
        );
        assert_eq!(
            format_timestamp(-62_167_219_201, TimeUnit::Second),
            "-0001-12-31T23:59:59Z"
        );
        // Any extreme value of any unit formats without panicking.
        for unit in [
            TimeUnit::Second,
            TimeUnit::Millisecond,
            TimeUnit::Microsecond,
            TimeUnit::Nanosecond,
        ] {
            for v in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX] {
                assert!(format_timestamp(v, unit).ends_with('Z'));
            }
        }
    }

    #[test]
    fn date_days() {
        assert_eq!(format_date_days(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_date_days(-1), "1969-12-31T00:00:00Z");
        assert_eq!(format_date_days(19_723), "2024-01-01T00:00:00Z");
        assert!(format_date_days(i32::MIN).starts_with('-'));
        assert!(format_date_days(i32::MAX).starts_with('+'));
    }

    #[test]
    fn timespan_basic() {
        assert_eq!(format_timespan(0), "00:00:00");
        assert_eq!(format_timespan(180 * NS), "00:03:00");
        assert_eq!(format_timespan(4 * 86_400 * NS), "4.00:00:00");
        assert_eq!(
            format_timespan((86_400 + 12 * 3600 + 30 * 60 + 55) * NS + 123_000_000),
            "1.12:30:55.1230000"
        );
        assert_eq!(format_timespan(-NS), "-00:00:01");
        assert_eq!(
            format_timespan(-((86_400 + 2 * 3600 + 3 * 60 + 4) * NS + NS / 2)),
            "-1.02:03:04.5000000"
        );
        assert_eq!(
            format_timespan(23 * 3600 * NS + 59 * 60 * NS + 59 * NS),
            "23:59:59"
        );
        assert_eq!(format_timespan(86_400 * NS), "1.00:00:00");
        assert_eq!(format_timespan(365 * 86_400 * NS), "365.00:00:00");
    }

    #[test]
    fn timespan_fraction_and_truncation() {
        assert_eq!(format_timespan(100), "00:00:00.0000001");
        assert_eq!(format_timespan(-100), "-00:00:00.0000001");
        assert_eq!(format_timespan(1_000_000), "00:00:00.0010000");
        // Sub-tick digits are truncated towards zero; zero has no sign.
        assert_eq!(format_timespan(99), "00:00:00");
        assert_eq!(format_timespan(-99), "00:00:00");
        assert_eq!(format_timespan(NS + 199), "00:00:01.0000001");
        assert_eq!(format_timespan(-(NS + 199)), "-00:00:01.0000001");
    }

    #[test]
    fn timespan_extremes() {
        assert_eq!(format_timespan(i64::MAX), "106751.23:47:16.8547758");
        assert_eq!(format_timespan(i64::MIN), "-106751.23:47:16.8547758");
        assert_eq!(format_timespan(i64::MIN + 1), "-106751.23:47:16.8547758");
    }

    #[test]
    fn duration_units() {
        assert_eq!(format_duration(90, TimeUnit::Second), "00:01:30");
        assert_eq!(format_duration(-90, TimeUnit::Second), "-00:01:30");
        assert_eq!(
            format_duration(1_500, TimeUnit::Millisecond),
            "00:00:01.5000000"
        );
        assert_eq!(
            format_duration(-1, TimeUnit::Microsecond),
            "-00:00:00.0000010"
        );
        assert_eq!(
            format_duration(150, TimeUnit::Nanosecond),
            "00:00:00.0000001"
        );
        assert_eq!(
            format_duration(i64::MIN, TimeUnit::Nanosecond),
            format_timespan(i64::MIN)
        );
        assert_eq!(
            format_duration(i64::MAX, TimeUnit::Second),
            "106751991167300.15:30:07"
        );
        assert_eq!(
            format_duration(i64::MIN, TimeUnit::Second),
            "-106751991167300.15:30:08"
        );
        assert_eq!(
            format_duration(i64::MIN, TimeUnit::Millisecond),
            "-106751991167.07:12:55.8080000"
        );
    }

    #[test]
    fn real_shortest_round_trip() {
        assert_eq!(format_real(1.5), "1.5");
        assert_eq!(format_real(0.1), "0.1");
        assert_eq!(format_real(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_real(1.0), "1.0");
        assert_eq!(format_real(-3.0), "-3.0");
        assert_eq!(format_real(0.0), "0.0");
        assert_eq!(format_real(-0.0), "-0.0");
        assert_eq!(format_real(1e-5), "0.00001");
        assert_eq!(format_real(1.25e-5), "0.0000125");
        assert_eq!(format_real(1e-6), "1e-6");
        assert_eq!(format_real(1e-7), "1e-7");
        assert_eq!(format_real(1.5e-7), "1.5e-7");
        assert_eq!(format_real(1e15), "1000000000000000.0");
        assert_eq!(format_real(1e16), "1e+16");
        assert_eq!(format_real(-1.5e16), "-1.5e+16");
        assert_eq!(format_real(1e21), "1e+21");
        assert_eq!(format_real(1e-100), "1e-100");
        assert_eq!(format_real(123_456.789), "123456.789");
        assert_eq!(format_real(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(format_real(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(format_real(5e-324), "5e-324");
        assert_eq!(format_real(f64::NAN), "NaN");
        assert_eq!(format_real(-f64::NAN), "NaN");
        assert_eq!(format_real(f64::INFINITY), "Infinity");
        assert_eq!(format_real(f64::NEG_INFINITY), "-Infinity");
        for x in [
            0.1,
            1.0 / 3.0,
            2.0f64.sqrt(),
            1e300,
            -7.25e-300,
            12345.678,
            1e16,
        ] {
            let text = format_real(x);
            assert_eq!(text.parse::<f64>().unwrap(), x);
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(json.is_f64(), "{text}");
        }
    }

    #[test]
    fn real32() {
        assert_eq!(format_real32(0.1), "0.1");
        assert_eq!(format_real32(1.0), "1.0");
        assert_eq!(format_real32(1e-7), "1e-7");
        assert_eq!(format_real32(3e38), "3e+38");
        assert_eq!(format_real32(f32::NAN), "NaN");
        assert_eq!(format_real32(f32::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn decimals() {
        assert_eq!(format_decimal(12_345, 2), "123.45");
        assert_eq!(format_decimal(-12_345, 2), "-123.45");
        assert_eq!(format_decimal(150, 2), "1.50");
        assert_eq!(format_decimal(5, 2), "0.05");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(0, 2), "0.00");
        assert_eq!(format_decimal(0, 0), "0");
        assert_eq!(format_decimal(42, 0), "42");
        assert_eq!(format_decimal(12, -2), "1200");
        assert_eq!(format_decimal(-12, -3), "-12000");
        assert_eq!(format_decimal(0, -3), "0");
        assert_eq!(format_decimal(1, 38), format!("0.{}1", "0".repeat(37)));
        assert_eq!(
            format_decimal(i128::MIN, 0),
            "-170141183460469231731687303715884105728"
        );
        assert_eq!(
            format_decimal(i128::MAX, 10),
            "17014118346046923173168730371.5884105727"
        );
        assert_eq!(format_decimal_text("-000123", 1), "-12.3");
        assert_eq!(format_decimal_text("-0", 2), "0.00");
        assert_eq!(format_decimal_text("not a number", 2), "not a number");
        assert_eq!(format_decimal_text("", 2), "");
        for (v, s) in [(12_345i128, 2i8), (-5, 2), (150, 2), (12, -2)] {
            let text = format_decimal(v, s);
            assert!(
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap()
                    .is_number()
            );
        }
    }

    #[test]
    fn compact_json_cases() {
        assert_eq!(compact_json(r#"{"a":1}"#).unwrap(), r#"{"a":1}"#);
        assert!(matches!(compact_json(r#"{"a":1}"#), Some(Cow::Borrowed(_))));
        assert_eq!(
            compact_json(" { \"b\" : [ 1 , 2.0 , {\"c\" : null} ],\n\t\"a\" : \"x y\\\" z\" } ")
                .unwrap(),
            r#"{"b":[1,2.0,{"c":null}],"a":"x y\" z"}"#
        );
        // Key order and number spelling are kept.
        assert_eq!(
            compact_json(r#"{"z": 1e3, "a": 12345678901234567890123}"#).unwrap(),
            r#"{"z":1e3,"a":12345678901234567890123}"#
        );
        // Escaped backslash before a closing quote.
        assert_eq!(
            compact_json(r#"[ "a\\" , "b" ]"#).unwrap(),
            r#"["a\\","b"]"#
        );
        assert_eq!(
            compact_json("\"héllo wörld ✓\"").unwrap(),
            "\"héllo wörld ✓\""
        );
        assert_eq!(compact_json(" 42 ").unwrap(), "42");
        assert_eq!(compact_json("null").unwrap(), "null");
        assert_eq!(compact_json(""), None);
        assert_eq!(compact_json("   "), None);
        assert_eq!(compact_json("{"), None);
        assert_eq!(compact_json("abc"), None);
        assert_eq!(compact_json("[1] [2]"), None);
        assert_eq!(compact_json("NaN"), None);
    }
}

//! Datetime and timespan text: decoding the bodies of `datetime(...)`,
//! `time(...)` and `1.5h`-style literals to 100-ns ticks, and formatting ticks
//! back to text (ISO 8601 / `[-][d.]hh:mm:ss[.fffffff]`) for the AST printer.
//!
//! Errors are plain strings; `literal.rs` wraps them into diagnostics.

pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Ticks in one unit of a timespan suffix (`d`, `hours`, `ms`, `tick`...).
pub fn unit_ticks(unit: &str) -> Option<i64> {
    Some(match unit {
        "d" | "day" | "days" => TICKS_PER_DAY,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR,
        "m" | "min" | "mins" | "minute" | "minutes" => TICKS_PER_MINUTE,
        "s" | "sec" | "secs" | "second" | "seconds" => TICKS_PER_SECOND,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => 10_000,
        "micros" | "microsec" | "microsecond" | "microseconds" => 10,
        "tick" | "ticks" => 1,
        _ => return None,
    })
}

/// `number` × `unit` in ticks, exactly (no floating point): `1.5h`, `0.1234567s`.
pub fn scaled(number: &str, unit: i64) -> Result<i64, String> {
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let int: i128 = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .map_err(|_| "number is too large".to_string())?
    };
    let mut total = int
        .checked_mul(unit as i128)
        .ok_or_else(|| "value is out of range".to_string())?;
    let frac = &frac_part[..frac_part.len().min(18)];
    if !frac.is_empty() {
        let digits: i128 = frac.parse().map_err(|_| "bad fraction".to_string())?;
        let scale = 10i128.pow(frac.len() as u32);
        // round half up to the nearest tick
        total += (digits * unit as i128 * 2 + scale) / (2 * scale);
    }
    i64::try_from(total).map_err(|_| "value is out of range".to_string())
}

/// A number followed by a unit, spaces allowed between: `2d`, `15 seconds`.
fn number_with_unit(s: &str) -> Option<Result<i64, String>> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let num = num.trim();
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let unit = unit_ticks(unit.trim())?;
    Some(scaled(num, unit))
}

/// The body of `time(...)` / `timespan(...)`: `1.02:03:04.5`, `02:03`, `2d`,
/// `15 seconds`, `2` (days), `-1h`. `null` is handled by the caller.
pub fn parse_timespan(body: &str) -> Result<i64, String> {
    let s = unquote(body.trim());
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s).trim_start()),
    };
    let ticks = if s.contains(':') {
        clock_timespan(s)?
    } else if let Some(r) = number_with_unit(s) {
        r?
    } else if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        scaled(s, TICKS_PER_DAY)?
    } else {
        return Err("expected a timespan such as 1.02:03:04, 2d or 30m".to_string());
    };
    Ok(if neg { -ticks } else { ticks })
}

/// `[d.]hh:mm[:ss[.fffffff]]`
fn clock_timespan(s: &str) -> Result<i64, String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return Err("too many ':' in timespan".to_string());
    }
    let (days, hours) = match parts[0].split_once('.') {
        Some((d, h)) => (num(d, "days")?, num(h, "hours")?),
        None => (0, num(parts[0], "hours")?),
    };
    let minutes = num(parts[1], "minutes")?;
    let (seconds, frac) = match parts.get(2) {
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => (num(s, "seconds")?, fraction(f)?),
            None => (num(sec, "seconds")?, 0),
        },
        None => (0, 0),
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return Err("hours must be < 24, minutes and seconds < 60".to_string());
    }
    let total = (days as i128) * TICKS_PER_DAY as i128
        + (hours * TICKS_PER_HOUR + minutes * TICKS_PER_MINUTE + seconds * TICKS_PER_SECOND)
            as i128
        + frac as i128;
    i64::try_from(total).map_err(|_| "value is out of range".to_string())
}

fn num(s: &str, what: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 12 {
        return Err(format!("bad {what} '{s}'"));
    }
    s.parse().map_err(|_| format!("bad {what} '{s}'"))
}

/// Decimal fraction digits → ticks (7 digits; more are truncated).
fn fraction(f: &str) -> Result<i64, String> {
    if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("bad fraction of a second '{f}'"));
    }
    let mut digits: String = f.chars().take(7).collect();
    while digits.len() < 7 {
        digits.push('0');
    }
    digits.parse().map_err(|_| "bad fraction".to_string())
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].trim();
        }
    }
    s
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The body of `datetime(...)`: ISO 8601 (`2026-06-16`, `2026-06-16 10:00:00.1234567`,
/// `2026-06-16T10:00:00Z`, offsets `+02:00`), RFC 822 (`Sat, 8 Nov 2014 15:05:02 GMT`),
/// RFC 850 (`Saturday, 08-Nov-14 15:05:02 GMT`) and US `MM/DD/YYYY` / `MM-DD-YYYY`
/// with an optional time.
/// `null` is handled by the caller.
pub fn parse_datetime(body: &str) -> Result<i64, String> {
    let s = unquote(body.trim());
    let tokens = tokenize(s);
    let mut c = Cursor { t: &tokens, i: 0 };
    let (y, m, d) = c.date()?;
    let mut ticks = 0i64;
    if c.peek().is_some_and(|t| matches!(t, Tok::Num(..))) {
        ticks = c.time()?;
    }
    let offset_minutes = c.zone()?;
    if let Some(t) = c.peek() {
        return Err(format!("unexpected '{}'", t.text()));
    }
    if !(1..=9999).contains(&y) {
        return Err("year must be between 1 and 9999".to_string());
    }
    if !(1..=12).contains(&m) {
        return Err(format!("month {m} is not between 1 and 12"));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(format!("day {d} is not valid for {y:04}-{m:02}"));
    }
    Ok(days_from_civil(y, m, d) * TICKS_PER_DAY + ticks - offset_minutes * TICKS_PER_MINUTE)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    /// digits, with their count (leading zeros matter for fractions)
    Num(i64, &'a str),
    Word(&'a str),
    Sym(char),
}

impl Tok<'_> {
    fn text(&self) -> String {
        match self {
            Tok::Num(_, s) | Tok::Word(s) => s.to_string(),
            Tok::Sym(c) => c.to_string(),
        }
    }
}

fn tokenize(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let text = &s[start..i];
            let v = if text.len() > 15 {
                i64::MAX
            } else {
                text.parse().unwrap_or(i64::MAX)
            };
            out.push(Tok::Num(v, text));
        } else if c.is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Word(&s[start..i]));
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            i += ch.len_utf8();
            out.push(Tok::Sym(ch));
        }
    }
    out
}

struct Cursor<'t, 'a> {
    t: &'t [Tok<'a>],
    i: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn peek(&self) -> Option<&Tok<'a>> {
        self.t.get(self.i)
    }

    fn next(&mut self) -> Option<Tok<'a>> {
        let t = self.t.get(self.i).cloned();
        self.i += 1;
        t
    }

    fn sym(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self, what: &str) -> Result<i64, String> {
        match self.next() {
            Some(Tok::Num(v, _)) => Ok(v),
            Some(t) => Err(format!("expected {what}, found '{}'", t.text())),
            None => Err(format!("expected {what}")),
        }
    }

    /// Year-first (`2026-06-16`, `2026/06/16`), US (`06/16/2026`) or
    /// RFC 822/850 (`[Sat,] 8 Nov 2014`, `08-Nov-14`).
    fn date(&mut self) -> Result<(i64, i64, i64), String> {
        if let Some(Tok::Word(w)) = self.peek() {
            let w = w.to_ascii_lowercase();
            if w.len() >= 3 && WEEKDAYS.iter().any(|d| w.starts_with(d)) {
                self.i += 1;
                self.sym(',');
            }
        }
        let first = match self.next() {
            Some(Tok::Num(v, text)) => (v, text.len()),
            Some(t) => return Err(format!("expected a date, found '{}'", t.text())),
            None => return Err("expected a date".to_string()),
        };
        if first.1 == 4 {
            let sep = if self.sym('-') {
                '-'
            } else if self.sym('/') {
                '/'
            } else {
                return Err("expected '-' after the year".to_string());
            };
            let m = self.number("a month")?;
            if !self.sym(sep) {
                return Err(format!("expected '{sep}' after the month"));
            }
            let d = self.number("a day")?;
            if matches!(self.peek(), Some(Tok::Word("T" | "t"))) {
                self.i += 1;
            }
            return Ok((first.0, m, d));
        }
        if self.sym('/') {
            let d = self.number("a day")?;
            if !self.sym('/') {
                return Err("expected '/' after the day".to_string());
            }
            let y = self.number("a year")?;
            return Ok((y, first.0, d));
        }
        let dash = self.sym('-');
        if dash && let Some(Tok::Num(d, _)) = self.peek().cloned() {
            // US order with dashes: `12-02-2022`
            self.i += 1;
            if !self.sym('-') {
                return Err("expected '-' after the day".to_string());
            }
            let y = self.number("a year")?;
            return Ok((y, first.0, d));
        }
        let month = match self.next() {
            Some(Tok::Word(w)) => {
                let w = w.to_ascii_lowercase();
                MONTHS
                    .iter()
                    .position(|m| w.len() >= 3 && w.starts_with(m))
                    .ok_or_else(|| format!("unknown month '{w}'"))? as i64
                    + 1
            }
            _ => return Err("expected a month name".to_string()),
        };
        if dash && !self.sym('-') {
            return Err("expected '-' after the month".to_string());
        }
        let (y, digits) = match self.next() {
            Some(Tok::Num(v, text)) => (v, text.len()),
            _ => return Err("expected a year".to_string()),
        };
        let y = if digits <= 2 {
            if y < 50 { 2000 + y } else { 1900 + y }
        } else {
            y
        };
        Ok((y, month, first.0))
    }

    /// `hh:mm[:ss[.fffffff]] [AM|PM]` → ticks since midnight.
    fn time(&mut self) -> Result<i64, String> {
        let h = self.number("an hour")?;
        if !self.sym(':') {
            return Err("expected ':' after the hour".to_string());
        }
        let m = self.number("minutes")?;
        let mut s = 0;
        let mut frac = 0;
        if self.sym(':') {
            s = self.number("seconds")?;
            if self.sym('.') {
                match self.next() {
                    Some(Tok::Num(_, text)) => frac = fraction(text)?,
                    _ => return Err("expected digits after '.'".to_string()),
                }
            }
        }
        let mut h = h;
        if let Some(Tok::Word(w)) = self.peek() {
            let w = w.to_ascii_uppercase();
            if (w == "AM" || w == "PM") && (1..=12).contains(&h) {
                self.i += 1;
                h = h % 12 + if w == "PM" { 12 } else { 0 };
            }
        }
        if h > 23 || m > 59 || s > 59 {
            return Err(format!("time {h:02}:{m:02}:{s:02} is not valid"));
        }
        Ok(h * TICKS_PER_HOUR + m * TICKS_PER_MINUTE + s * TICKS_PER_SECOND + frac)
    }

    /// `Z`, `GMT`, `UTC`, `UT`, `+02:00`, `-0500`, US zone names → minutes east of UTC.
    fn zone(&mut self) -> Result<i64, String> {
        match self.peek().cloned() {
            None => Ok(0),
            Some(Tok::Word(w)) => {
                let offset_hours = match w.to_ascii_uppercase().as_str() {
                    "Z" | "GMT" | "UTC" | "UT" => 0,
                    "EST" => -5,
                    "EDT" => -4,
                    "CST" => -6,
                    "CDT" => -5,
                    "MST" => -7,
                    "MDT" => -6,
                    "PST" => -8,
                    "PDT" => -7,
                    _ => return Err(format!("unknown time zone '{w}'")),
                };
                self.i += 1;
                Ok(offset_hours * 60)
            }
            Some(Tok::Sym(sign @ ('+' | '-'))) => {
                self.i += 1;
                let (h, m) = match self.next() {
                    Some(Tok::Num(v, text)) if text.len() == 4 => (v / 100, v % 100),
                    Some(Tok::Num(v, text)) if text.len() <= 2 => {
                        let m = if self.sym(':') {
                            self.number("offset minutes")?
                        } else {
                            0
                        };
                        (v, m)
                    }
                    _ => return Err("bad time zone offset".to_string()),
                };
                if h > 14 || m > 59 {
                    return Err("bad time zone offset".to_string());
                }
                let total = h * 60 + m;
                Ok(if sign == '-' { -total } else { total })
            }
            Some(t) => Err(format!("unexpected '{}'", t.text())),
        }
    }
}

/// ISO 8601 UTC text of a datetime: `2026-06-16T10:00:00.1234567Z`
/// (fraction digits only when present, trailing zeros dropped).
pub fn format_datetime(ticks: i64) -> String {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rem = ticks.rem_euclid(TICKS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, rem) = (rem / TICKS_PER_HOUR, rem % TICKS_PER_HOUR);
    let (mi, rem) = (rem / TICKS_PER_MINUTE, rem % TICKS_PER_MINUTE);
    let (s, frac) = (rem / TICKS_PER_SECOND, rem % TICKS_PER_SECOND);
    let mut out = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        let f = format!("{frac:07}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// `[-][d.]hh:mm:ss[.fffffff]`
pub fn format_timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let day = TICKS_PER_DAY as u64;
    let (d, rem) = (t / day, t % day);
    let (h, rem) = (rem / TICKS_PER_HOUR as u64, rem % TICKS_PER_HOUR as u64);
    let (m, rem) = (rem / TICKS_PER_MINUTE as u64, rem % TICKS_PER_MINUTE as u64);
    let (s, frac) = (rem / TICKS_PER_SECOND as u64, rem % TICKS_PER_SECOND as u64);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if d > 0 {
        out.push_str(&format!("{d}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac != 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> String {
        format_datetime(parse_datetime(s).unwrap())
    }

    #[test]
    fn iso_forms() {
        assert_eq!(parse_datetime("1970-01-01").unwrap(), 0);
        assert_eq!(dt("2026-06-16"), "2026-06-16T00:00:00Z");
        assert_eq!(
            dt("2026-06-16 10:00:00.1234567"),
            "2026-06-16T10:00:00.1234567Z"
        );
        assert_eq!(dt("2026-06-16T10:00:00Z"), "2026-06-16T10:00:00Z");
        assert_eq!(dt("2026-06-16T10:00"), "2026-06-16T10:00:00Z");
        assert_eq!(dt("2026-06-16 10:00:00.5"), "2026-06-16T10:00:00.5Z");
        assert_eq!(dt("2026-06-16T10:00:00+02:00"), "2026-06-16T08:00:00Z");
        assert_eq!(dt("2026-06-16T10:00:00-0130"), "2026-06-16T11:30:00Z");
        assert_eq!(
            dt("2014-05-25T08:20:03.123456789Z"),
            "2014-05-25T08:20:03.1234567Z"
        );
        assert_eq!(dt("2024-02-29"), "2024-02-29T00:00:00Z");
        assert_eq!(dt("1969-12-31 23:59:59"), "1969-12-31T23:59:59Z");
        assert_eq!(
            parse_datetime("1969-12-31 23:59:59").unwrap(),
            -TICKS_PER_SECOND
        );
    }

    #[test]
    fn rfc_and_us_forms() {
        assert_eq!(dt("Sat, 8 Nov 2014 15:05:02 GMT"), "2014-11-08T15:05:02Z");
        assert_eq!(dt("Sat, 8 Nov 14 15:05:02"), "2014-11-08T15:05:02Z");
        assert_eq!(dt("8 Nov 14 15:05 GMT"), "2014-11-08T15:05:00Z");
        assert_eq!(
            dt("Saturday, 08-Nov-14 15:05:02 GMT"),
            "2014-11-08T15:05:02Z"
        );
        assert_eq!(dt("08-Nov-14 15:05"), "2014-11-08T15:05:00Z");
        assert_eq!(dt("10 MAY 2021"), "2021-05-10T00:00:00Z");
        assert_eq!(dt("\"01/16/2022 00:00:00\""), "2022-01-16T00:00:00Z");
        assert_eq!(dt("1/2/2022 3:04 PM"), "2022-01-02T15:04:00Z");
        assert_eq!(dt("'12-02-2022'"), "2022-12-02T00:00:00Z");
    }

    #[test]
    fn bad_datetimes() {
        for s in [
            "2026-13-45",
            "2026-02-30",
            "2023-02-29",
            "2026-06-16 24:00",
            "hello",
            "2026-06",
            "",
            "2026-06-16 xyz",
        ] {
            assert!(parse_datetime(s).is_err(), "{s} should fail");
        }
    }

    #[test]
    fn timespans() {
        assert_eq!(
            parse_timespan("1.02:03:04.5").unwrap(),
            TICKS_PER_DAY
                + 2 * TICKS_PER_HOUR
                + 3 * TICKS_PER_MINUTE
                + 4 * TICKS_PER_SECOND
                + 5_000_000
        );
        assert_eq!(
            parse_timespan("02:03").unwrap(),
            2 * TICKS_PER_HOUR + 3 * TICKS_PER_MINUTE
        );
        assert_eq!(parse_timespan("2d").unwrap(), 2 * TICKS_PER_DAY);
        assert_eq!(parse_timespan("15 seconds").unwrap(), 15 * TICKS_PER_SECOND);
        assert_eq!(parse_timespan("2").unwrap(), 2 * TICKS_PER_DAY);
        assert_eq!(parse_timespan("-1h").unwrap(), -TICKS_PER_HOUR);
        assert_eq!(
            parse_timespan("0.12:34:56.7").unwrap(),
            12 * TICKS_PER_HOUR + 34 * TICKS_PER_MINUTE + 56 * TICKS_PER_SECOND + 7_000_000
        );
        assert!(parse_timespan("1:99").is_err());
        assert!(parse_timespan("abc").is_err());
        assert!(parse_timespan("5 fortnights").is_err());
    }

    #[test]
    fn scaled_is_exact() {
        assert_eq!(scaled("1.5", TICKS_PER_HOUR).unwrap(), 54_000_000_000);
        assert_eq!(scaled("0.1234567", TICKS_PER_SECOND).unwrap(), 1_234_567);
        assert_eq!(scaled(".5", TICKS_PER_SECOND).unwrap(), 5_000_000);
        assert_eq!(scaled("1.5", 1).unwrap(), 2);
        assert!(scaled("99999999999999999999", TICKS_PER_DAY).is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(format_timespan(0), "00:00:00");
        assert_eq!(format_timespan(-TICKS_PER_DAY - 1), "-1.00:00:00.0000001");
        assert_eq!(format_datetime(-1), "1969-12-31T23:59:59.9999999Z");
        for days in [-719_162, -1, 0, 59, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

//! Time text: datetimes in the forms exports use (ISO 8601 with up to 7
//! fraction digits, `2026-06-19 12:37:52`, the portal's
//! `6/19/2026, 12:37:52.521 PM`), Kusto timespans (`-1.02:03:04.5`), and
//! rule durations (`5m`, `14d`, ISO `PT1H`). All values are nanoseconds.

const NS_PER_SEC: i64 = 1_000_000_000;

/// A parsed datetime: nanoseconds since the Unix epoch (UTC) and how many
/// fraction digits the text had (its precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant {
    pub nanos: i64,
    pub digits: u8,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A tiny cursor over ASCII text.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn num(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        while self.i < self.s.len() && self.i - start < max && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let n = self.i - start;
        if n < min {
            return None;
        }
        let mut v = 0i64;
        for &b in &self.s[start..self.i] {
            v = v * 10 + i64::from(b - b'0');
        }
        Some((v, n))
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn spaces(&mut self) {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }
    fn rest(&self) -> &[u8] {
        &self.s[self.i..]
    }
}

/// `hh:mm[:ss[.fffffff]]` → (nanoseconds of day, fraction digits).
fn time_of_day(c: &mut Cur<'_>) -> Option<(i64, i64, i64, i64, u8)> {
    let (h, _) = c.num(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (mi, _) = c.num(2, 2)?;
    let (mut s, mut frac, mut digits) = (0, 0, 0u8);
    if c.eat(b':') {
        s = c.num(2, 2)?.0;
        if c.eat(b'.') || c.eat(b',') {
            let (f, n) = c.num(1, 9)?;
            // further digits beyond nanoseconds are ignored
            while c.rest().first().is_some_and(u8::is_ascii_digit) {
                c.i += 1;
            }
            frac = f * 10i64.pow(9 - n as u32);
            digits = n as u8;
        }
    }
    if mi > 59 || s > 60 {
        return None;
    }
    Some((h, mi, s, frac, digits))
}

fn assemble(
    y: i64,
    mo: i64,
    d: i64,
    tod: (i64, i64, i64, i64, u8),
    offset_min: i64,
) -> Option<Instant> {
    let (h, mi, s, frac, digits) = tod;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_min * 60;
    Some(Instant {
        nanos: secs.checked_mul(NS_PER_SEC)?.checked_add(frac)?,
        digits,
    })
}

/// ISO 8601 and `yyyy-mm-dd hh:mm:ss` forms (no zone = UTC).
fn parse_iso(s: &str) -> Option<Instant> {
    let mut c = Cur {
        s: s.as_bytes(),
        i: 0,
    };
    let (y, _) = c.num(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let (mo, _) = c.num(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let (d, _) = c.num(1, 2)?;
    if c.rest().is_empty() {
        return assemble(y, mo, d, (0, 0, 0, 0, 0), 0);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let tod = time_of_day(&mut c)?;
    c.spaces();
    let mut offset = 0;
    match c.rest() {
        [] | b"Z" | b"z" | b"UTC" => {}
        [sign @ (b'+' | b'-'), ..] => {
            let neg = *sign == b'-';
            c.i += 1;
            let (oh, _) = c.num(2, 2)?;
            c.eat(b':');
            let (om, _) = c.num(2, 2)?;
            if !c.rest().is_empty() {
                return None;
            }
            offset = (oh * 60 + om) * if neg { -1 } else { 1 };
        }
        _ => return None,
    }
    assemble(y, mo, d, tod, offset)
}

/// The Log Analytics portal's CSV form: `6/19/2026, 12:37:52.521 PM`
/// (month first; 12-hour clock with AM/PM, or 24-hour without).
fn parse_us(s: &str) -> Option<Instant> {
    let mut c = Cur {
        s: s.as_bytes(),
        i: 0,
    };
    let (mo, _) = c.num(1, 2)?;
    if !c.eat(b'/') {
        return None;
    }
    let (d, _) = c.num(1, 2)?;
    if !c.eat(b'/') {
        return None;
    }
    let (y, _) = c.num(4, 4)?;
    if c.rest().is_empty() {
        return assemble(y, mo, d, (0, 0, 0, 0, 0), 0);
    }
    c.eat(b',');
    c.spaces();
    let (mut h, mi, sec, frac, digits) = time_of_day(&mut c)?;
    c.spaces();
    match c.rest().to_ascii_uppercase().as_slice() {
        b"" => {}
        b"AM" if (1..=12).contains(&h) => h %= 12,
        b"PM" if (1..=12).contains(&h) => h = h % 12 + 12,
        _ => return None,
    }
    assemble(y, mo, d, (h, mi, sec, frac, digits), 0)
}

/// Parses a datetime in any of the supported text forms.
pub(crate) fn parse_datetime(s: &str) -> Option<Instant> {
    let s = s.trim();
    parse_iso(s).or_else(|| parse_us(s))
}

/// ISO 8601 UTC text with up to 7 fraction digits (Kusto's 100 ns ticks).
pub(crate) fn format_datetime(nanos: i64) -> String {
    kql_syntax::format_datetime(nanos.div_euclid(100))
}

/// A Kusto timespan as rendered: `[-][d.]hh:mm:ss[.fffffff]`; also accepts
/// rule durations (`5m`, `PT1H`).
pub(crate) fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut c = Cur {
        s: body.as_bytes(),
        i: 0,
    };
    let parsed = (|| {
        let (first, _) = c.num(1, 9)?;
        let (days, h) = if c.eat(b'.') {
            (first, c.num(1, 2)?.0)
        } else {
            (0, first)
        };
        if !c.eat(b':') {
            return None;
        }
        let (mi, _) = c.num(2, 2)?;
        let mut total = ((days * 24 + h) * 60 + mi) * 60 * NS_PER_SEC;
        if c.eat(b':') {
            total += c.num(2, 2)?.0 * NS_PER_SEC;
            if c.eat(b'.') {
                let (f, n) = c.num(1, 9)?;
                total += f * 10i64.pow(9 - n as u32);
            }
        }
        c.rest().is_empty().then_some(total)
    })();
    match parsed {
        Some(v) => Some(if neg { -v } else { v }),
        None => parse_duration(s).ok(),
    }
}

/// A rule duration: a number with a unit (`30s`, `5m`, `1h`, `14d`, `500ms`)
/// or ISO 8601 (`PT1H`, `P1D`, `PT1H30M`, `P2W`).
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "`{s}` is not a duration: write a number and a unit (s, m, h or d), e.g. `5m`, `1h`, `14d`, or ISO 8601 such as `PT1H` or `P1D`"
        )
    };
    if t.starts_with(['P', 'p']) {
        return parse_iso_duration(&t[1..]).ok_or_else(bad);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let unit_ns = match unit.trim().to_ascii_lowercase().as_str() {
        "ms" => 1_000_000.0,
        "s" | "sec" | "second" | "seconds" => 1e9,
        "m" | "min" | "minute" | "minutes" => 60e9,
        "h" | "hr" | "hour" | "hours" => 3600e9,
        "d" | "day" | "days" => 86_400e9,
        _ => return Err(bad()),
    };
    let v = n * unit_ns;
    if !v.is_finite() || v > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(v.round() as i64)
}

fn parse_iso_duration(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for ch in s.chars() {
        match ch.to_ascii_uppercase() {
            'T' if num.is_empty() && !in_time => in_time = true,
            c if c.is_ascii_digit() || c == '.' => num.push(c),
            unit => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                let secs = match (unit, in_time) {
                    ('W', false) => 7.0 * 86_400.0,
                    ('D', false) => 86_400.0,
                    ('H', true) => 3600.0,
                    ('M', true) => 60.0,
                    ('S', true) => 1.0,
                    _ => return None,
                };
                total += n * secs * 1e9;
                any = true;
            }
        }
    }
    (any && num.is_empty() && total <= i64::MAX as f64).then_some(total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> i64 {
        parse_datetime(s).unwrap().nanos
    }

    #[test]
    fn datetime_forms_agree() {
        let base = ns("2026-06-19T12:37:52.521Z");
        assert_eq!(format_datetime(base), "2026-06-19T12:37:52.521Z");
        assert_eq!(ns("2026-06-19T12:37:52.5210000Z"), base);
        assert_eq!(ns("6/19/2026, 12:37:52.521 PM"), base);
        assert_eq!(ns("2026-06-19T14:37:52.521+02:00"), base);
        assert_eq!(ns("2026-06-19 12:37:52"), base - 521_000_000);
        assert_eq!(
            ns("6/19/2026 12:37:52 AM"),
            base - 521_000_000 - 12 * 3600 * NS_PER_SEC
        );
        assert_eq!(
            parse_datetime("2026-06-19T12:37:52.5210000Z")
                .unwrap()
                .digits,
            7
        );
        assert_eq!(ns("1970-01-01"), 0);
        for bad in [
            "2026-13-01",
            "2026-02-30T00:00:00Z",
            "x",
            "6/19/2026, 13:00:00 PM",
            "12",
        ] {
            assert!(parse_datetime(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn timespans_and_durations() {
        assert_eq!(parse_timespan("00:03:00"), Some(180 * NS_PER_SEC));
        assert_eq!(
            parse_timespan("-1.02:03:04.5000000"),
            Some(-((86_400 + 7384) * NS_PER_SEC + 500_000_000))
        );
        assert_eq!(parse_timespan("5m"), Some(300 * NS_PER_SEC));
        assert_eq!(parse_duration("14d"), Ok(14 * 86_400 * NS_PER_SEC));
        assert_eq!(parse_duration("PT1H30M"), Ok(5400 * NS_PER_SEC));
        assert_eq!(parse_duration("P1D"), Ok(86_400 * NS_PER_SEC));
        assert_eq!(parse_duration("P1DT12H"), Ok(129_600 * NS_PER_SEC));
        assert_eq!(parse_duration("500ms"), Ok(500_000_000));
        for bad in ["5", "5x", "", "PT", "P1H", "fivem"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

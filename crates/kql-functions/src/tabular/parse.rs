//! `kql_parse(text, regex, spec)`: the runtime of `parse` and `parse-where`.
//!
//! The binder turns the operator's pattern into one regex ([`build_regex`]),
//! anchored at both ends, with one named group `c<i>` per extracted column,
//! and builds the call with [`parse_expr`], which compiles that regex once.
//! Each row is matched once; the result is a struct with one field per
//! column (`c0`, `c1`, ..., already converted to the column's type) and a
//! `matched` flag. A row that does not match gets "" in its string columns
//! and null in the others.
//!
//! The kinds (parse-operator.md):
//! * `simple`: text parts match literally, `*` skips anything (lazily), a
//!   string column takes the shortest text that lets the rest match, typed
//!   columns match their type's shape (`long`: `-?\d+`, ...). A value that
//!   does not convert to its column's type fails the whole row.
//! * `regex`: text parts are regular expressions; untyped (string, datetime,
//!   ...) columns are greedy (`.*`), so the `U` flag makes them lazy, as the
//!   documented examples show. Strict like `simple`.
//! * `relaxed`: like `simple`, but a typed column also accepts any text, and
//!   a value that does not convert only nulls that column.

use crate::columnar::{for_each_str, scalar_str};
use crate::dynamic::convert::parse_json_text;
use crate::timespan::parse_timespan;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Decimal128Builder, DurationNanosecondBuilder,
    Float64Builder, Int32Builder, Int64Builder, StringBuilder, StructArray,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility, lit,
};
use regex::Regex;
use std::borrow::Cow;
use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The KQL type a parsed column converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseType {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
}

impl ParseType {
    pub const ALL: [ParseType; 10] = [
        ParseType::Bool,
        ParseType::Int,
        ParseType::Long,
        ParseType::Real,
        ParseType::Decimal,
        ParseType::String,
        ParseType::DateTime,
        ParseType::TimeSpan,
        ParseType::Guid,
        ParseType::Dynamic,
    ];

    /// The canonical KQL name.
    pub fn name(self) -> &'static str {
        match self {
            ParseType::Bool => "bool",
            ParseType::Int => "int",
            ParseType::Long => "long",
            ParseType::Real => "real",
            ParseType::Decimal => "decimal",
            ParseType::String => "string",
            ParseType::DateTime => "datetime",
            ParseType::TimeSpan => "timespan",
            ParseType::Guid => "guid",
            ParseType::Dynamic => "dynamic",
        }
    }

    pub fn from_name(name: &str) -> Option<ParseType> {
        ParseType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The Arrow type of the column (the planner's mapping of KQL types).
    pub fn data_type(self) -> DataType {
        match self {
            ParseType::Bool => DataType::Boolean,
            ParseType::Int => DataType::Int32,
            ParseType::Long => DataType::Int64,
            ParseType::Real => DataType::Float64,
            ParseType::Decimal => DataType::Decimal128(38, DECIMAL_SCALE as i8),
            ParseType::String | ParseType::Guid | ParseType::Dynamic => DataType::Utf8,
            ParseType::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, None),
            ParseType::TimeSpan => DataType::Duration(TimeUnit::Nanosecond),
        }
    }

    /// The shape of a value of this type in the strict kinds; `None` when
    /// any text may be one (it is then checked by converting it).
    fn shape(self) -> Option<&'static str> {
        match self {
            ParseType::Int | ParseType::Long => Some(r"-?\d+"),
            ParseType::Real => Some(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"),
            ParseType::Decimal => Some(r"-?\d+(?:\.\d+)?"),
            ParseType::Bool => Some(r"(?i:true|false)"),
            ParseType::Guid => {
                Some(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
            }
            _ => None,
        }
    }
}

/// The scale of KQL decimals (Decimal128(38, 18)).
const DECIMAL_SCALE: u32 = 18;

/// `kind=` of the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    Simple,
    Relaxed,
    Regex,
}

/// One element of a parse pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternPart<'a> {
    /// Text to find (a regular expression for `kind=regex`).
    Text(&'a str),
    /// `*`
    Wildcard,
    /// An extracted column of this type.
    Column(ParseType),
}

/// The regex of a parse pattern: anchored at both ends, the i-th column as
/// the group `c<i>`. `flags` (`kind=regex` only) are RE2 flags such as `Ui`.
pub fn build_regex(kind: ParseKind, flags: &str, parts: &[PatternPart<'_>]) -> String {
    let mut re = String::new();
    match kind {
        ParseKind::Regex if !flags.is_empty() => {
            let _ = write!(re, "(?{flags})");
        }
        ParseKind::Regex => {}
        // Literal text may span lines.
        ParseKind::Simple | ParseKind::Relaxed => re.push_str("(?s)"),
    }
    re.push_str(r"\A");
    let mut column = 0;
    for part in parts {
        match part {
            PatternPart::Text(t) if kind == ParseKind::Regex => {
                let _ = write!(re, "(?:{t})");
            }
            PatternPart::Text(t) => re.push_str(&regex::escape(t)),
            PatternPart::Wildcard => re.push_str(".*?"),
            PatternPart::Column(ty) => {
                let _ = match (kind, ty.shape()) {
                    (ParseKind::Simple, Some(s)) => write!(re, "(?P<c{column}>{s})"),
                    (ParseKind::Simple, None) => write!(re, "(?P<c{column}>.*?)"),
                    (ParseKind::Relaxed, Some(s)) => write!(re, "(?P<c{column}>{s}|.*?)"),
                    (ParseKind::Relaxed, None) => write!(re, "(?P<c{column}>.*?)"),
                    (ParseKind::Regex, Some(s)) => write!(re, "(?P<c{column}>{s})"),
                    (ParseKind::Regex, None) => write!(re, "(?P<c{column}>.*)"),
                };
                column += 1;
            }
        }
    }
    re.push_str(r"\z");
    re
}

/// What one `parse` operator extracts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParseSpec {
    /// From [`build_regex`].
    pub regex: String,
    /// `kind=relaxed`: a value that does not convert nulls only its column.
    pub relaxed: bool,
    /// The column types, in group order.
    pub types: Vec<ParseType>,
}

impl ParseSpec {
    /// The name of the struct field holding the flag "the row matched".
    pub const MATCHED: &'static str = "matched";

    /// The name of the struct field of the i-th column.
    pub fn field(i: usize) -> String {
        format!("c{i}")
    }

    /// `relaxed:long,string` / `strict:...`: the third argument of the call.
    fn encode(&self) -> String {
        let types = self
            .types
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(",");
        format!(
            "{}:{types}",
            if self.relaxed { "relaxed" } else { "strict" }
        )
    }

    fn decode(regex: &str, text: &str) -> Option<ParseSpec> {
        let (mode, types) = text.split_once(':')?;
        let relaxed = match mode {
            "relaxed" => true,
            "strict" => false,
            _ => return None,
        };
        let types = if types.is_empty() {
            Vec::new()
        } else {
            types
                .split(',')
                .map(ParseType::from_name)
                .collect::<Option<Vec<_>>>()?
        };
        Some(ParseSpec {
            regex: regex.to_string(),
            relaxed,
            types,
        })
    }

    fn return_type(&self) -> DataType {
        let mut fields: Vec<Field> = self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| Field::new(ParseSpec::field(i), t.data_type(), true))
            .collect();
        fields.push(Field::new(ParseSpec::MATCHED, DataType::Boolean, false));
        DataType::Struct(Fields::from(fields))
    }
}

/// The compiled form of a spec: its regex and the group of each column.
#[derive(Debug)]
struct Compiled {
    spec: ParseSpec,
    regex: Regex,
    groups: Vec<usize>,
}

impl Compiled {
    fn new(spec: ParseSpec) -> std::result::Result<Compiled, String> {
        let regex = crate::re2::regex(&spec.regex)?;
        let groups = (0..spec.types.len())
            .map(|i| {
                let name = ParseSpec::field(i);
                regex
                    .capture_names()
                    .position(|n| n == Some(name.as_str()))
                    .ok_or_else(|| format!("the parse regex has no group {name}"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Compiled {
            spec,
            regex,
            groups,
        })
    }
}

/// `kql_parse(text, regex, spec)`. An instance made by [`parse_expr`] holds
/// its regex compiled; the registered default instance compiles the regex
/// of its arguments per batch.
#[derive(Debug)]
pub struct ParseUdf {
    signature: Signature,
    compiled: Option<Arc<Compiled>>,
}

impl Default for ParseUdf {
    fn default() -> Self {
        let strings = [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View];
        ParseUdf {
            signature: Signature::one_of(
                strings
                    .iter()
                    .map(|s| TypeSignature::Exact(vec![s.clone(), DataType::Utf8, DataType::Utf8]))
                    .collect(),
                Volatility::Immutable,
            ),
            compiled: None,
        }
    }
}

impl PartialEq for ParseUdf {
    fn eq(&self, other: &Self) -> bool {
        self.compiled.as_ref().map(|c| &c.spec) == other.compiled.as_ref().map(|c| &c.spec)
    }
}

impl Eq for ParseUdf {}

impl Hash for ParseUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.compiled.as_ref().map(|c| &c.spec).hash(state);
    }
}

/// The call `kql_parse(text, regex, spec)` with the regex compiled now;
/// `Err` holds the regex error (a bad `kind=regex` pattern).
pub fn parse_expr(text: Expr, spec: &ParseSpec) -> std::result::Result<Expr, String> {
    let compiled = Compiled::new(spec.clone())?;
    let udf = ParseUdf {
        compiled: Some(Arc::new(compiled)),
        ..ParseUdf::default()
    };
    Ok(Arc::new(ScalarUDF::from(udf)).call(vec![
        text,
        lit(spec.regex.as_str()),
        lit(spec.encode()),
    ]))
}

impl ParseUdf {
    /// The compiled spec: this instance's, or one compiled from the call's
    /// constant arguments.
    fn spec_for(&self, regex: Option<&str>, spec: Option<&str>) -> Result<Arc<Compiled>> {
        if let Some(c) = &self.compiled
            && regex.is_none_or(|r| r == c.spec.regex)
        {
            return Ok(c.clone());
        }
        let (Some(regex), Some(spec)) = (regex, spec) else {
            return plan_err!("kql_parse needs a constant regex and spec");
        };
        let Some(spec) = ParseSpec::decode(regex, spec) else {
            return plan_err!("kql_parse: bad spec '{spec}'");
        };
        match Compiled::new(spec) {
            Ok(c) => Ok(Arc::new(c)),
            Err(e) => plan_err!("kql_parse: {e}"),
        }
    }
}

fn scalar_text(v: Option<&ScalarValue>) -> Option<&str> {
    v.and_then(scalar_str)
}

impl ScalarUDFImpl for ParseUdf {
    fn name(&self) -> &str {
        "kql_parse"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        match &self.compiled {
            Some(c) => Ok(c.spec.return_type()),
            None => plan_err!("kql_parse: the result type depends on the constant arguments"),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let arg = |i: usize| scalar_text(args.scalar_arguments.get(i).copied().flatten());
        let c = self.spec_for(arg(1), arg(2))?;
        Ok(Arc::new(Field::new(
            self.name(),
            c.spec.return_type(),
            false,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text, regex, spec] = args.args.as_slice() else {
            return exec_err!("kql_parse takes three arguments");
        };
        let constant = |v: &ColumnarValue| match v {
            ColumnarValue::Scalar(s) => scalar_str(s).map(str::to_string),
            ColumnarValue::Array(_) => None,
        };
        let c = self.spec_for(constant(regex).as_deref(), constant(spec).as_deref())?;
        let is_scalar = matches!(text, ColumnarValue::Scalar(_));
        let array = text.to_array(args.number_rows.max(1))?;
        let result = run(&c, &array)?;
        crate::columnar::finish(result, is_scalar)
    }
}

/// `kql_parse_field(parsed, name)`: one field of a `kql_parse` result.
/// (DataFusion's `get_field` would do, but its optimizer moves `get_field`
/// towards the scan and trips over the parse operator's projections.)
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseFieldUdf {
    signature: Signature,
}

impl Default for ParseFieldUdf {
    fn default() -> Self {
        ParseFieldUdf {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

/// The call `kql_parse_field(parsed, name)`.
pub fn parse_field_expr(parsed: Expr, name: &str) -> Expr {
    Arc::new(ScalarUDF::from(ParseFieldUdf::default())).call(vec![parsed, lit(name)])
}

/// The position and field of `name` in the struct type `dt`.
fn struct_field(dt: &DataType, name: Option<&str>) -> Result<(usize, FieldRef)> {
    let DataType::Struct(fields) = dt else {
        return plan_err!("kql_parse_field needs a struct, got {dt}");
    };
    match name.and_then(|n| fields.find(n)) {
        Some((i, f)) => Ok((i, f.clone())),
        None => plan_err!("kql_parse_field: no field {name:?} in {dt}"),
    }
}

impl ScalarUDFImpl for ParseFieldUdf {
    fn name(&self) -> &str {
        "kql_parse_field"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("kql_parse_field: the result type depends on the field name")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let Some(parsed) = args.arg_fields.first() else {
            return plan_err!("kql_parse_field takes two arguments");
        };
        let name = scalar_text(args.scalar_arguments.get(1).copied().flatten());
        let (_, f) = struct_field(parsed.data_type(), name)?;
        Ok(Arc::new(Field::new(
            self.name(),
            f.data_type().clone(),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [parsed, ColumnarValue::Scalar(name)] = args.args.as_slice() else {
            return exec_err!("kql_parse_field takes a struct and a constant name");
        };
        let is_scalar = matches!(parsed, ColumnarValue::Scalar(_));
        let array = parsed.to_array(args.number_rows.max(1))?;
        let (i, _) = struct_field(array.data_type(), scalar_str(name))?;
        let Some(s) = array.as_any().downcast_ref::<StructArray>() else {
            return exec_err!("kql_parse_field needs a struct array");
        };
        crate::columnar::finish(s.column(i).clone(), is_scalar)
    }
}

/// One converted value.
enum Value<'a> {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    Decimal(i128),
    Text(Cow<'a, str>),
    Time(i64),
    Span(i64),
}

/// The builder of one output column.
enum Column {
    Bool(BooleanBuilder),
    Int(Int32Builder),
    Long(Int64Builder),
    Real(Float64Builder),
    Decimal(Decimal128Builder),
    /// string (null → ""), guid and dynamic (null stays null)
    Text(StringBuilder, bool),
    Time(TimestampNanosecondBuilder),
    Span(DurationNanosecondBuilder),
}

impl Column {
    fn new(ty: ParseType, rows: usize) -> Column {
        match ty {
            ParseType::Bool => Column::Bool(BooleanBuilder::with_capacity(rows)),
            ParseType::Int => Column::Int(Int32Builder::with_capacity(rows)),
            ParseType::Long => Column::Long(Int64Builder::with_capacity(rows)),
            ParseType::Real => Column::Real(Float64Builder::with_capacity(rows)),
            ParseType::Decimal => Column::Decimal(
                Decimal128Builder::with_capacity(rows)
                    .with_data_type(ParseType::Decimal.data_type()),
            ),
            ParseType::String | ParseType::Guid | ParseType::Dynamic => Column::Text(
                StringBuilder::with_capacity(rows, rows * 8),
                ty == ParseType::String,
            ),
            ParseType::DateTime => Column::Time(TimestampNanosecondBuilder::with_capacity(rows)),
            ParseType::TimeSpan => Column::Span(DurationNanosecondBuilder::with_capacity(rows)),
        }
    }

    fn append(&mut self, v: &Value<'_>) {
        match (self, v) {
            (Column::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Column::Int(b), Value::Int(x)) => b.append_value(*x),
            (Column::Long(b), Value::Long(x)) => b.append_value(*x),
            (Column::Real(b), Value::Real(x)) => b.append_value(*x),
            (Column::Decimal(b), Value::Decimal(x)) => b.append_value(*x),
            (Column::Text(b, _), Value::Text(x)) => b.append_value(x),
            (Column::Time(b), Value::Time(x)) => b.append_value(*x),
            (Column::Span(b), Value::Span(x)) => b.append_value(*x),
            (Column::Text(b, true), _) => b.append_value(""),
            (c, _) => c.append_null(),
        }
    }

    fn append_null(&mut self) {
        match self {
            Column::Bool(b) => b.append_null(),
            Column::Int(b) => b.append_null(),
            Column::Long(b) => b.append_null(),
            Column::Real(b) => b.append_null(),
            Column::Decimal(b) => b.append_null(),
            Column::Text(b, _) => b.append_null(),
            Column::Time(b) => b.append_null(),
            Column::Span(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Column::Bool(mut b) => ArrayBuilder::finish(&mut b),
            Column::Int(mut b) => ArrayBuilder::finish(&mut b),
            Column::Long(mut b) => ArrayBuilder::finish(&mut b),
            Column::Real(mut b) => ArrayBuilder::finish(&mut b),
            Column::Decimal(mut b) => ArrayBuilder::finish(&mut b),
            Column::Text(mut b, _) => ArrayBuilder::finish(&mut b),
            Column::Time(mut b) => ArrayBuilder::finish(&mut b),
            Column::Span(mut b) => ArrayBuilder::finish(&mut b),
        }
    }
}

fn run(c: &Compiled, text: &ArrayRef) -> Result<ArrayRef> {
    let rows = text.len();
    let mut columns: Vec<Column> = c.spec.types.iter().map(|t| Column::new(*t, rows)).collect();
    let mut matched = BooleanBuilder::with_capacity(rows);
    let mut caps = c.regex.capture_locations();
    for_each_str(text, |s| {
        let s = s.unwrap_or("");
        let mut values: Vec<Value<'_>> = Vec::with_capacity(c.groups.len());
        let mut ok = c.regex.captures_read(&mut caps, s).is_some();
        if ok {
            for (ty, g) in c.spec.types.iter().zip(&c.groups) {
                let part = caps.get(*g).map_or("", |(a, b)| &s[a..b]);
                match convert(part, *ty) {
                    Some(v) => values.push(v),
                    None if c.spec.relaxed => values.push(Value::Null),
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
        }
        if ok {
            for (col, v) in columns.iter_mut().zip(&values) {
                col.append(v);
            }
        } else {
            for col in &mut columns {
                col.append(&Value::Null);
            }
        }
        matched.append_value(ok);
    })?;
    let DataType::Struct(fields) = c.spec.return_type() else {
        unreachable!("a parse spec returns a struct")
    };
    let mut arrays: Vec<ArrayRef> = columns.into_iter().map(Column::finish).collect();
    arrays.push(Arc::new(matched.finish()));
    Ok(Arc::new(StructArray::try_new(fields, arrays, None)?))
}

/// `text` as a value of `ty`; `None` when it does not convert.
fn convert(text: &str, ty: ParseType) -> Option<Value<'_>> {
    let t = text.trim();
    Some(match ty {
        ParseType::String => Value::Text(Cow::Borrowed(text)),
        ParseType::Long => Value::Long(t.parse().ok()?),
        ParseType::Int => Value::Int(t.parse().ok()?),
        ParseType::Real => Value::Real(t.parse().ok()?),
        ParseType::Decimal => Value::Decimal(parse_decimal(t)?),
        ParseType::Bool => Value::Bool(parse_bool(t)?),
        ParseType::DateTime => Value::Time(parse_datetime(t)?),
        ParseType::TimeSpan => Value::Span(parse_timespan(t)?),
        ParseType::Guid => Value::Text(Cow::Owned(parse_guid(t)?)),
        ParseType::Dynamic if t.is_empty() => Value::Null,
        ParseType::Dynamic => {
            let mut out = String::with_capacity(t.len());
            parse_json_text(t, &mut out).ok()?;
            if out == "null" {
                Value::Null
            } else {
                Value::Text(Cow::Owned(out))
            }
        }
    })
}

fn parse_bool(t: &str) -> Option<bool> {
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// `[-]digits[.digits]` as a Decimal128 with scale 18 (extra fraction digits
/// are cut).
fn parse_decimal(t: &str) -> Option<i128> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 20 {
        return None;
    }
    let scale = DECIMAL_SCALE as usize;
    let mut digits = String::with_capacity(int.len() + scale);
    digits.push_str(int);
    digits.push_str(&frac[..frac.len().min(scale)]);
    for _ in frac.len()..scale {
        digits.push('0');
    }
    let v: i128 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// A guid in its canonical lower-case hyphenated text.
fn parse_guid(t: &str) -> Option<String> {
    let t = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(t);
    let ok = t.len() == 36
        && t.char_indices().all(|(i, ch)| match i {
            8 | 13 | 18 | 23 => ch == '-',
            _ => ch.is_ascii_hexdigit(),
        });
    ok.then(|| t.to_ascii_lowercase())
}

/// Nanoseconds since the epoch of a datetime text: ISO 8601 (`2016-02-17`,
/// `2016-02-17 08:40:01`, `2016-02-17T08:40:01.123Z`, with an offset),
/// RFC 822 / 1123 (`Wed, 17 Feb 2016 08:40:01 GMT`), and the US form
/// `02/17/2016 08:40:01` that Kusto's own examples parse.
pub fn parse_datetime(t: &str) -> Option<i64> {
    const DATE_TIMES: &[&str] = &[
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%d %H:%M:%S%.fZ",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M:%S%.f %p",
        "%Y%m%d %H:%M:%S%.f",
    ];
    const DATES: &[&str] = &["%Y-%m-%d", "%m/%d/%Y", "%Y%m%d"];
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return d.timestamp_nanos_opt();
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return d.timestamp_nanos_opt();
    }
    for f in DATE_TIMES {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return d.and_utc().timestamp_nanos_opt();
        }
    }
    for f in DATES {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray, StringArray};
    use datafusion::arrow::datatypes::{Int64Type, TimestampNanosecondType};

    fn compile(kind: ParseKind, flags: &str, parts: &[PatternPart<'_>]) -> Compiled {
        let types = parts
            .iter()
            .filter_map(|p| match p {
                PatternPart::Column(t) => Some(*t),
                _ => None,
            })
            .collect();
        Compiled::new(ParseSpec {
            regex: build_regex(kind, flags, parts),
            relaxed: kind == ParseKind::Relaxed,
            types,
        })
        .unwrap()
    }

    fn parse_rows(c: &Compiled, rows: &[&str]) -> StructArray {
        let input: ArrayRef = Arc::new(StringArray::from(rows.to_vec()));
        run(c, &input).unwrap().as_struct().clone()
    }

    #[test]
    fn simple_pattern_is_literal_and_anchored() {
        use PatternPart::*;
        let re = build_regex(
            ParseKind::Simple,
            "",
            &[
                Wildcard,
                Text("a.b="),
                Column(ParseType::Long),
                Text(";"),
                Column(ParseType::String),
            ],
        );
        assert_eq!(re, r"(?s)\A.*?a\.b=(?P<c0>-?\d+);(?P<c1>.*?)\z");
    }

    #[test]
    fn simple_extracts_and_fails_whole_row() {
        use PatternPart::*;
        let c = compile(
            ParseKind::Simple,
            "",
            &[
                Text("n="),
                Column(ParseType::Long),
                Text(", t="),
                Column(ParseType::DateTime),
                Text(", s="),
                Column(ParseType::String),
            ],
        );
        let out = parse_rows(
            &c,
            &[
                "n=5, t=2016-02-17 08:40:01, s=rest of it",
                "n=x, t=2016-02-17, s=a",
                "n=6, t=bad, s=b",
            ],
        );
        let n = out.column(0).as_primitive::<Int64Type>();
        let t = out.column(1).as_primitive::<TimestampNanosecondType>();
        let s = out.column(2).as_string::<i32>();
        let m = out.column(3).as_boolean();
        assert_eq!(n.value(0), 5);
        assert_eq!(t.value(0), 1_455_698_401_000_000_000);
        assert_eq!(s.value(0), "rest of it");
        assert!(m.value(0));
        for i in [1, 2] {
            assert!(n.is_null(i) && t.is_null(i) && !m.value(i));
            assert!(!s.is_null(i) && s.value(i).is_empty());
        }
    }

    #[test]
    fn relaxed_nulls_only_the_bad_column() {
        use PatternPart::*;
        let c = compile(
            ParseKind::Relaxed,
            "",
            &[
                Text("a="),
                Column(ParseType::Long),
                Text(", b="),
                Column(ParseType::Long),
                Wildcard,
            ],
        );
        let out = parse_rows(&c, &["a=bad, b=7 and more"]);
        let a = out.column(0).as_primitive::<Int64Type>();
        let b = out.column(1).as_primitive::<Int64Type>();
        assert!(a.is_null(0));
        assert_eq!(b.value(0), 7);
        assert!(out.column(2).as_boolean().value(0));
    }

    #[test]
    fn regex_kind_columns_are_greedy_unless_u() {
        use PatternPart::*;
        let parts = [
            Wildcard,
            Text("name="),
            Column(ParseType::String),
            Text(","),
            Wildcard,
        ];
        let greedy = compile(ParseKind::Regex, "", &parts);
        let lazy = compile(ParseKind::Regex, "U", &parts);
        let row = ["x name=a, b, c"];
        assert_eq!(
            parse_rows(&greedy, &row)
                .column(0)
                .as_string::<i32>()
                .value(0),
            "a, b"
        );
        assert_eq!(
            parse_rows(&lazy, &row)
                .column(0)
                .as_string::<i32>()
                .value(0),
            "a"
        );
    }

    #[test]
    fn user_groups_do_not_shift_columns() {
        use PatternPart::*;
        let c = compile(
            ParseKind::Regex,
            "",
            &[
                Text("(.*?)[a-z]*="),
                Column(ParseType::String),
                Text(r", n=(\d)"),
                Column(ParseType::Long),
            ],
        );
        let out = parse_rows(&c, &["x key=v, n=12"]);
        assert_eq!(out.column(0).as_string::<i32>().value(0), "v");
        assert_eq!(out.column(1).as_primitive::<Int64Type>().value(0), 2);
    }

    #[test]
    fn datetimes_in_the_documented_forms() {
        let want = Some(1_455_698_401_000_000_000);
        assert_eq!(parse_datetime("02/17/2016 08:40:01"), want);
        assert_eq!(parse_datetime("2016-02-17 08:40:01"), want);
        assert_eq!(parse_datetime("2016-02-17T08:40:01Z"), want);
        assert_eq!(parse_datetime("Wed, 17 Feb 2016 08:40:01 GMT"), want);
        assert_eq!(
            parse_datetime("2016-02-17"),
            Some(1_455_667_200_000_000_000)
        );
        assert_eq!(parse_datetime("invalid_datetime"), None);
    }

    #[test]
    fn decimals_guids_bools() {
        assert_eq!(parse_decimal("1.5"), Some(15 * 10i128.pow(17)));
        assert_eq!(parse_decimal("-2"), Some(-2 * 10i128.pow(18)));
        assert_eq!(parse_decimal("x"), None);
        assert_eq!(
            parse_guid("74BE27DE-1E4E-49D9-B579-FE0B331D3642").as_deref(),
            Some("74be27de-1e4e-49d9-b579-fe0b331d3642")
        );
        assert_eq!(parse_guid("74be27de"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("no"), None);
    }

    #[test]
    fn spec_round_trips_through_its_text() {
        let spec = ParseSpec {
            regex: "x".into(),
            relaxed: true,
            types: vec![ParseType::Long, ParseType::Dynamic],
        };
        assert_eq!(ParseSpec::decode("x", &spec.encode()), Some(spec));
    }
}

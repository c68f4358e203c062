//! Column generators and the Arrow column builder.
//!
//! Each table maps a column name to a [`ColSpec`]: a [`Gen`] (how to make a value), null and
//! empty-string rates, and optionally the row profiles the column applies to. Cells are built
//! chunk by chunk against a [`RowCtx`], the per-row state shared by all columns of a chunk
//! (time, profile, device, user, site, ...), so related columns agree.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Decimal128Builder, Float64Builder, Int32Builder, Int64Builder,
    PrimitiveArray, StringBuilder, new_null_array,
};
use arrow::datatypes::{
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use rand::Rng;
use rand::rngs::StdRng;

use super::Result;
use super::schema::{Column, KqlType, TsFormat, arrow_type};
use super::values::{self, FILLER_WORDS, Pools, fnv, kusto_datetime};

/// A generated cell. `Buf` means "the text in the scratch buffer".
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Buf,
    Int(i64),
    Real(f64),
    Bool(bool),
    /// Unix nanoseconds.
    Time(i64),
}

/// An owned value, used for planted cells and for the planting record.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Str(String),
    Int(i64),
    Time(i64),
}

impl Value {
    pub fn str(s: &str) -> Self {
        Value::Str(s.to_string())
    }

    pub fn cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Str(s) => Cell::Str(s),
            Value::Int(i) => Cell::Int(*i),
            Value::Time(t) => Cell::Time(*t),
        }
    }
}

/// Per-row state of one chunk.
pub struct RowCtx<'a> {
    pub pools: &'a Pools,
    /// Index of the chunk's first row within the table.
    pub row0: u64,
    /// GUID-shaped prefix of the table's `_ItemId`s.
    pub id_prefix: &'a str,
    /// Event time, Unix nanoseconds.
    pub time: Vec<i64>,
    /// Table-specific row profile (vendor, process, ...).
    pub profile: Vec<u8>,
    /// Table-specific outcome (allow/deny, action type index, ...).
    pub action: Vec<u8>,
    pub device: Vec<u32>,
    pub user: Vec<u32>,
    pub site: Vec<u32>,
    /// A free per-row die (0..100) for columns that must agree on a rare choice.
    pub dice: Vec<u8>,
}

impl RowCtx<'_> {
    pub fn len(&self) -> usize {
        self.time.len()
    }
    pub fn device(&self, row: usize) -> &values::Device {
        &self.pools.devices[self.device[row] as usize]
    }
    pub fn user(&self, row: usize) -> &values::User {
        &self.pools.users[self.user[row] as usize]
    }
    pub fn site(&self, row: usize) -> &values::Site {
        &self.pools.sites[self.site[row] as usize]
    }
}

/// A custom generator: may write into the scratch buffer and return [`Cell::Buf`].
pub type CustomFn = for<'a> fn(&'a RowCtx, &mut StdRng, usize, &mut String) -> Cell<'a>;

/// How a column's values are made.
#[derive(Clone, Copy)]
pub enum Gen {
    /// Always null.
    Null,
    /// Sparse random values of the column's type; the fill rate depends on the column name.
    Filler,
    Const(&'static str),
    ConstInt(i64),
    Choice(&'static [&'static str]),
    Weighted(&'static [(&'static str, u32)]),
    /// `lists[profile]`, uniformly; an empty list gives null.
    PerProfile(&'static [&'static [&'static str]]),
    /// `table[profile][action]`.
    PerProfileAction(&'static [[&'static str; 2]]),
    /// Inclusive range.
    Int(i64, i64),
    /// Probability of `true`.
    Bool(f64),
    /// The row's event time.
    MainTime,
    /// Event time plus a random offset in whole seconds (inclusive range).
    TimeOffset(i64, i64),
    /// A GUID from a pool of recurring ones.
    Guid,
    /// A GUID unique to the row within the table (`_ItemId`).
    ItemId,
    /// A byte count: log-uniform up to `max`, two significant digits.
    Bytes(i64),
    Custom(CustomFn),
}

/// A column's generator plus null/empty sprinkling.
#[derive(Clone, Copy)]
pub struct ColSpec {
    pub make: Gen,
    pub null: f64,
    pub empty: f64,
    /// Bit mask of profiles the column is filled for; other rows are null.
    pub profiles: u32,
}

impl ColSpec {
    pub const fn new(make: Gen) -> Self {
        ColSpec {
            make,
            null: 0.0,
            empty: 0.0,
            profiles: u32::MAX,
        }
    }
    pub const fn nulls(mut self, p: f64) -> Self {
        self.null = p;
        self
    }
    pub const fn empties(mut self, p: f64) -> Self {
        self.empty = p;
        self
    }
    pub const fn only(mut self, mask: u32) -> Self {
        self.profiles = mask;
        self
    }
}

/// Fill rate of a filler column, fixed per column name: half the filler columns stay empty.
fn filler_rate(name: &str) -> f64 {
    match fnv(name) % 20 {
        0..=11 => 0.0,
        12..=16 => 0.01,
        _ => 0.05,
    }
}

/// A log-uniform byte count up to `max`, rounded to two significant digits.
fn bytes(rng: &mut StdRng, max: i64) -> i64 {
    let v = (rng.random_range(0.0..(max as f64).ln())).exp() as i64;
    let mut scale = 1;
    while v / scale >= 100 {
        scale *= 10;
    }
    v / scale * scale
}

/// What a filler string column holds, guessed from its name.
#[derive(Clone, Copy)]
enum FillerKind {
    Word,
    Ip,
    Mac,
    Id,
    Number,
}

fn filler_kind(name: &str) -> FillerKind {
    let has = |s: &str| name.contains(s);
    if name.ends_with("Label") {
        FillerKind::Word
    } else if has("IpAddr") || has("IP") || has("Address") {
        FillerKind::Ip
    } else if has("Mac") || has("MAC") {
        FillerKind::Mac
    } else if name.ends_with("Id") || name.ends_with("ID") || has("Guid") || has("Hash") {
        FillerKind::Id
    } else if has("Port") || has("Size") || has("Number") || has("Count") {
        FillerKind::Number
    } else {
        FillerKind::Word
    }
}

fn filler<'a>(
    ty: KqlType,
    kind: FillerKind,
    ctx: &'a RowCtx,
    rng: &mut StdRng,
    row: usize,
    buf: &mut String,
) -> Cell<'a> {
    match ty {
        KqlType::String => match kind {
            _ if rng.random_ratio(1, 10) => Cell::Str(""),
            FillerKind::Word => Cell::Str(FILLER_WORDS[rng.random_range(0..FILLER_WORDS.len())]),
            FillerKind::Ip => {
                Cell::Str(&ctx.pools.ext_ips[rng.random_range(0..ctx.pools.ext_ips.len())])
            }
            FillerKind::Mac => Cell::Str(&ctx.device(row).mac),
            FillerKind::Id => {
                Cell::Str(&ctx.pools.filler_ids[rng.random_range(0..ctx.pools.filler_ids.len())])
            }
            FillerKind::Number => Cell::Int(rng.random_range(0..1000)),
        },
        KqlType::Guid => Cell::Str(&ctx.pools.guids[rng.random_range(0..ctx.pools.guids.len())]),
        KqlType::Dynamic => {
            let _ = write!(buf, "{{\"value\":{}}}", rng.random_range(0..100));
            Cell::Buf
        }
        KqlType::Int => Cell::Int(rng.random_range(0..1000)),
        KqlType::Long | KqlType::TimeSpan => Cell::Int(bytes(rng, 1_000_000_000)),
        KqlType::Real | KqlType::Decimal => Cell::Real(f64::from(rng.random_range(0..1000)) / 10.0),
        KqlType::Bool => Cell::Bool(rng.random_bool(0.5)),
        KqlType::DateTime => {
            // Whole hours before the event.
            let hour = 3_600_000_000_000;
            Cell::Time(ctx.time[row].div_euclid(hour) * hour - rng.random_range(0..48) * hour)
        }
    }
}

impl Gen {
    fn cell<'a>(
        &self,
        ty: KqlType,
        kind: FillerKind,
        ctx: &'a RowCtx,
        rng: &mut StdRng,
        row: usize,
        buf: &mut String,
    ) -> Cell<'a> {
        match *self {
            Gen::Null => Cell::Null,
            Gen::Filler => filler(ty, kind, ctx, rng, row, buf),
            Gen::Const(s) => Cell::Str(s),
            Gen::ConstInt(i) => Cell::Int(i),
            Gen::Choice(list) => Cell::Str(list[rng.random_range(0..list.len())]),
            Gen::Weighted(list) => Cell::Str(weighted(list, rng)),
            Gen::PerProfile(lists) => {
                let list = lists[ctx.profile[row] as usize];
                if list.is_empty() {
                    Cell::Null
                } else {
                    Cell::Str(list[rng.random_range(0..list.len())])
                }
            }
            Gen::PerProfileAction(table) => {
                let s = table[ctx.profile[row] as usize][ctx.action[row] as usize & 1];
                Cell::Str(s)
            }
            Gen::Int(lo, hi) => Cell::Int(rng.random_range(lo..=hi)),
            Gen::Bool(p) => Cell::Bool(rng.random_bool(p)),
            Gen::MainTime => Cell::Time(ctx.time[row]),
            Gen::TimeOffset(lo, hi) => {
                let secs = rng.random_range(lo..=hi);
                let ms = rng.random_range(0..1000);
                Cell::Time(ctx.time[row] + secs * 1_000_000_000 + ms * 1_000_000)
            }
            Gen::Guid => Cell::Str(&ctx.pools.guids[rng.random_range(0..ctx.pools.guids.len())]),
            Gen::ItemId => {
                let _ = write!(buf, "{}{:012x}", ctx.id_prefix, ctx.row0 + row as u64);
                Cell::Buf
            }
            Gen::Bytes(max) => Cell::Int(bytes(rng, max)),
            Gen::Custom(f) => f(ctx, rng, row, buf),
        }
    }
}

/// Picks from a weighted list.
pub fn weighted<T: Copy>(list: &[(T, u32)], rng: &mut StdRng) -> T {
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for &(v, w) in list {
        if pick < w {
            return v;
        }
        pick -= w;
    }
    list[list.len() - 1].0
}

/// Index into a weight list.
pub fn weighted_index(weights: &[u32], rng: &mut StdRng) -> usize {
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if pick < w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

/// An Arrow builder for one KQL type.
enum ColBuilder {
    Str(StringBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Ts(Int64Builder, i64),
    Dec(Decimal128Builder),
}

impl ColBuilder {
    fn new(ty: KqlType, ts: &TsFormat, n: usize) -> Self {
        match ty {
            KqlType::String | KqlType::Guid | KqlType::Dynamic => {
                ColBuilder::Str(StringBuilder::with_capacity(n, n * 16))
            }
            KqlType::Int => ColBuilder::I32(Int32Builder::with_capacity(n)),
            KqlType::Long | KqlType::TimeSpan => ColBuilder::I64(Int64Builder::with_capacity(n)),
            KqlType::Real => ColBuilder::F64(Float64Builder::with_capacity(n)),
            KqlType::Bool => ColBuilder::Bool(BooleanBuilder::with_capacity(n)),
            KqlType::DateTime => {
                ColBuilder::Ts(Int64Builder::with_capacity(n), ts.nanos_per_unit())
            }
            KqlType::Decimal => ColBuilder::Dec(Decimal128Builder::with_capacity(n)),
        }
    }

    fn append(
        &mut self,
        cell: Cell,
        buf: &str,
        num: &mut String,
    ) -> std::result::Result<(), String> {
        let mismatch = |cell: Cell, what: &str| format!("cannot store {cell:?} in a {what} column");
        match self {
            ColBuilder::Str(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Str(s) => b.append_value(s),
                Cell::Buf => b.append_value(buf),
                Cell::Int(i) => {
                    num.clear();
                    values::push_int(num, i);
                    b.append_value(&*num);
                }
                Cell::Real(r) => {
                    num.clear();
                    let _ = write!(num, "{r}");
                    b.append_value(&*num);
                }
                Cell::Bool(v) => b.append_value(if v { "true" } else { "false" }),
                Cell::Time(t) => b.append_value(kusto_datetime(t)),
            },
            ColBuilder::I32(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Int(i) => b.append_value(i32::try_from(i).map_err(|e| e.to_string())?),
                other => return Err(mismatch(other, "int")),
            },
            ColBuilder::I64(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Int(i) => b.append_value(i),
                other => return Err(mismatch(other, "long")),
            },
            ColBuilder::F64(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Real(r) => b.append_value(r),
                Cell::Int(i) => b.append_value(i as f64),
                other => return Err(mismatch(other, "real")),
            },
            ColBuilder::Bool(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Bool(v) => b.append_value(v),
                other => return Err(mismatch(other, "bool")),
            },
            ColBuilder::Ts(b, per_unit) => match cell {
                Cell::Null => b.append_null(),
                Cell::Time(t) => b.append_value(t.div_euclid(*per_unit)),
                other => return Err(mismatch(other, "datetime")),
            },
            ColBuilder::Dec(b) => match cell {
                Cell::Null => b.append_null(),
                Cell::Real(r) => b.append_value((r * 1e18) as i128),
                Cell::Int(i) => b.append_value(i128::from(i) * 1_000_000_000_000_000_000),
                other => return Err(mismatch(other, "decimal")),
            },
        }
        Ok(())
    }

    fn finish(self, ts: &TsFormat) -> Result<ArrayRef> {
        Ok(match self {
            ColBuilder::Str(mut b) => Arc::new(b.finish()),
            ColBuilder::I32(mut b) => Arc::new(b.finish()),
            ColBuilder::I64(mut b) => Arc::new(b.finish()),
            ColBuilder::F64(mut b) => Arc::new(b.finish()),
            ColBuilder::Bool(mut b) => Arc::new(b.finish()),
            ColBuilder::Dec(mut b) => Arc::new(b.finish().with_precision_and_scale(38, 18)?),
            ColBuilder::Ts(mut b, _) => {
                let a = b.finish();
                let (values, nulls) = (a.values().clone(), a.nulls().cloned());
                let tz = ts.tz.clone();
                match ts.unit {
                    TimeUnit::Second => Arc::new(
                        PrimitiveArray::<TimestampSecondType>::new(values, nulls)
                            .with_timezone_opt(tz),
                    ),
                    TimeUnit::Millisecond => Arc::new(
                        PrimitiveArray::<TimestampMillisecondType>::new(values, nulls)
                            .with_timezone_opt(tz),
                    ),
                    TimeUnit::Microsecond => Arc::new(
                        PrimitiveArray::<TimestampMicrosecondType>::new(values, nulls)
                            .with_timezone_opt(tz),
                    ),
                    TimeUnit::Nanosecond => Arc::new(
                        PrimitiveArray::<TimestampNanosecondType>::new(values, nulls)
                            .with_timezone_opt(tz),
                    ),
                }
            }
        })
    }
}

/// Builds one column of a chunk. `overrides` are `(row, value)` pairs sorted by row; they
/// replace whatever the generator would have produced.
pub fn build_column(
    col: &Column,
    spec: &ColSpec,
    ts: &TsFormat,
    ctx: &RowCtx,
    rng: &mut StdRng,
    overrides: &[(usize, Value)],
) -> Result<ArrayRef> {
    let n = ctx.len();
    let make = match spec.make {
        Gen::Filler if filler_rate(&col.name) == 0.0 => Gen::Null,
        g => g,
    };
    if matches!(make, Gen::Null) && overrides.is_empty() {
        return Ok(new_null_array(&arrow_type(col.ty, ts), n));
    }
    let mut builder = ColBuilder::new(col.ty, ts, n);
    let mut buf = String::new();
    let mut num = String::new();
    let mut next = overrides.iter().peekable();
    let fill = filler_rate(&col.name);
    let kind = filler_kind(&col.name);
    let stringy = col.ty.is_stringy();
    let err = |e: String| format!("column {}: {e}", col.name);
    for row in 0..n {
        if let Some((_, v)) = next.next_if(|(r, _)| *r == row) {
            builder.append(v.cell(), "", &mut num).map_err(err)?;
            continue;
        }
        let cell = if matches!(make, Gen::Null)
            || (spec.profiles != u32::MAX && spec.profiles & (1 << ctx.profile[row]) == 0)
            || (matches!(make, Gen::Filler) && !rng.random_bool(fill))
            || (spec.null > 0.0 && rng.random_bool(spec.null))
        {
            Cell::Null
        } else if stringy && spec.empty > 0.0 && rng.random_bool(spec.empty) {
            Cell::Str("")
        } else {
            buf.clear();
            make.cell(col.ty, kind, ctx, rng, row, &mut buf)
        };
        builder.append(cell, &buf, &mut num).map_err(err)?;
    }
    if next.next().is_some() {
        return Err(format!("column {}: override beyond chunk", col.name).into());
    }
    builder.finish(ts)
}

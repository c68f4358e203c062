//! Where a query's wall time goes, stage by stage (`kql run --timings`,
//! `xtask bench`).

use std::fmt;
use std::time::{Duration, Instant};

/// The wall time of each stage of one `run`, summed over its statements.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Parse the query text (the saved functions it calls parse while binding).
    pub parse: Duration,
    /// Find the archive tables the text can reach and read their footers.
    pub tables: Duration,
    /// Bind, including the sub-queries computed once (`toscalar`,
    /// `materialize`, the lists of `in` / `has_any`, `externaldata`).
    pub bind: Duration,
    /// Bound IR → DataFusion logical plan.
    pub lower: Duration,
    /// DataFusion's logical optimiser.
    pub optimize: Duration,
    /// Physical planning (file listing and pruning included).
    pub physical: Duration,
    /// Running the plan and collecting the batches.
    pub execute: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.parse
            + self.tables
            + self.bind
            + self.lower
            + self.optimize
            + self.physical
            + self.execute
    }

    /// The named stages in pipeline order.
    pub fn stages(&self) -> [(&'static str, Duration); 7] {
        [
            ("parse", self.parse),
            ("tables", self.tables),
            ("bind", self.bind),
            ("lower", self.lower),
            ("optimize", self.optimize),
            ("physical", self.physical),
            ("execute", self.execute),
        ]
    }
}

impl fmt::Display for Timings {
    /// `parse 0.1ms · tables 2.0ms · … · total 12.3ms`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, d) in self.stages() {
            write!(f, "{name} {:.1}ms · ", ms(d))?;
        }
        write!(f, "total {:.1}ms", ms(self.total()))
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Add the time `f` takes to `slot`.
pub(crate) fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

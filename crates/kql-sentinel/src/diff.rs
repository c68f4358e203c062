//! Regression against Sentinel / Log Analytics exports: [`load_result`]
//! reads an export (CSV, Log Analytics or Kusto JSON, `kql run` JSON or
//! NDJSON), [`compare`] compares two results by KQL type and returns a
//! [`Diff`] that renders which columns and rows differ.
//!
//! Columns are matched by name; rows are compared over the shared columns,
//! as multisets unless `ordered`. A column's type is the declared one; a side
//! without types (CSV, NDJSON) takes the other side's, and when neither has
//! one it is inferred from the values. A different column order is reported
//! as a note and does not make the results unequal.

mod cell;
mod load;

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::alerts::ResultTable;
use cell::{Cell, Kind, bucket_key, decode, equal, infer, kind_of, show};
pub use load::load_result;

/// A row present on one side only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// 0-based row index in its table.
    pub index: usize,
    /// The row's cells over the shared columns, as text.
    pub cells: Vec<String>,
}

/// One differing cell of a changed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellDiff {
    pub column: String,
    pub actual: String,
    pub expected: String,
}

/// A row of `actual` paired with the closest row of `expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowChange {
    pub actual_index: usize,
    pub expected_index: usize,
    pub cells: Vec<CellDiff>,
}

/// The differences between an actual and an expected result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Columns the expected result has and the actual lacks.
    pub missing_columns: Vec<String>,
    /// Columns the actual result has and the expected lacks.
    pub extra_columns: Vec<String>,
    /// The shared columns in (actual, expected) order, when the orders differ.
    pub column_order: Option<(Vec<String>, Vec<String>)>,
    /// Columns whose declared types differ (compared anyway).
    pub type_notes: Vec<String>,
    pub actual_rows: usize,
    pub expected_rows: usize,
    /// Whether rows were compared position by position.
    pub ordered: bool,
    /// The shared columns, in expected order.
    pub columns: Vec<String>,
    /// Rows that differ in some cells (paired by position when ordered,
    /// else each with its closest counterpart).
    pub changed_rows: Vec<RowChange>,
    /// Rows only in the expected result.
    pub missing_rows: Vec<RowRef>,
    /// Rows only in the actual result.
    pub extra_rows: Vec<RowRef>,
}

impl Diff {
    /// No missing/extra columns and no row differences.
    pub fn is_equal(&self) -> bool {
        self.missing_columns.is_empty()
            && self.extra_columns.is_empty()
            && self.changed_rows.is_empty()
            && self.missing_rows.is_empty()
            && self.extra_rows.is_empty()
    }

    /// Human-readable report showing at most `limit` items per list.
    pub fn render(&self, limit: usize) -> String {
        let mut out = String::new();
        self.write(&mut out, limit)
            .expect("writing to a String cannot fail");
        out
    }

    fn write(&self, f: &mut impl fmt::Write, limit: usize) -> fmt::Result {
        let how = if self.ordered {
            "in order"
        } else {
            "as multisets"
        };
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        if self.is_equal() {
            writeln!(
                f,
                "results are equal: {}, {} (rows compared {how})",
                plural(self.actual_rows, "row"),
                plural(self.columns.len(), "column")
            )?;
        } else {
            writeln!(
                f,
                "results differ: actual has {}, expected {} (rows compared {how})",
                plural(self.actual_rows, "row"),
                self.expected_rows
            )?;
        }
        if !self.missing_columns.is_empty() {
            writeln!(
                f,
                "columns missing from actual: {}",
                self.missing_columns.join(", ")
            )?;
        }
        if !self.extra_columns.is_empty() {
            writeln!(
                f,
                "columns only in actual: {}",
                self.extra_columns.join(", ")
            )?;
        }
        if let Some((a, e)) = &self.column_order {
            writeln!(
                f,
                "note: the column order differs: actual ({}), expected ({})",
                a.join(", "),
                e.join(", ")
            )?;
        }
        for n in &self.type_notes {
            writeln!(f, "note: {n}")?;
        }
        let more = |f: &mut dyn fmt::Write, n: usize| {
            if n > limit {
                writeln!(f, "  ... and {} more", n - limit)
            } else {
                Ok(())
            }
        };
        if !self.changed_rows.is_empty() {
            writeln!(
                f,
                "{} with different cells:",
                plural(self.changed_rows.len(), "row")
            )?;
            for c in self.changed_rows.iter().take(limit) {
                if c.actual_index == c.expected_index {
                    writeln!(f, "  row {}:", c.actual_index + 1)?;
                } else {
                    writeln!(
                        f,
                        "  actual row {} / expected row {}:",
                        c.actual_index + 1,
                        c.expected_index + 1
                    )?;
                }
                for d in &c.cells {
                    writeln!(
                        f,
                        "    {}: actual {}, expected {}",
                        d.column, d.actual, d.expected
                    )?;
                }
            }
            more(f, self.changed_rows.len())?;
        }
        for (rows, what) in [
            (&self.missing_rows, "only in expected (missing from actual)"),
            (&self.extra_rows, "only in actual (not expected)"),
        ] {
            if rows.is_empty() {
                continue;
            }
            writeln!(f, "{} {what}:", plural(rows.len(), "row"))?;
            for r in rows.iter().take(limit) {
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .zip(&r.cells)
                    .map(|(c, v)| format!("{c}={v}"))
                    .collect();
                writeln!(f, "  row {}: {}", r.index + 1, cells.join(", "))?;
            }
            more(f, rows.len())?;
        }
        if !self.is_equal() {
            writeln!(
                f,
                "what to do: check that both sides ran the same query over the same time window \
                 and data; rows only in expected usually mean a filter or a missing table/function \
                 dropped them, different cells a different function result or type conversion{}",
                if self.ordered {
                    "; compare without ordering if the row order is not meaningful"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Diff {
    /// The report with at most 10 items per list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 10)
    }
}

/// The comparison kind of a shared column, and a note when the declared
/// types differ.
fn column_kind(
    name: &str,
    ta: &str,
    te: &str,
    values: impl Iterator<Item = Value>,
) -> (Kind, Option<String>) {
    let (ka, ke) = (kind_of(ta), kind_of(te));
    let note = |how: &str| {
        Some(format!(
            "column `{name}` is {ta} in actual but {te} in expected; compared {how}"
        ))
    };
    match (ka, ke) {
        (Kind::Unknown, Kind::Unknown) => {
            let values: Vec<Value> = values.collect();
            (infer(values.iter()), None)
        }
        (k, Kind::Unknown) | (Kind::Unknown, k) => (k, None),
        (a, b) if a == b => {
            let differ = cell::canonical_type(ta) != cell::canonical_type(te);
            (a, if differ { note("as numbers") } else { None })
        }
        (k, Kind::String) | (Kind::String, k) => (k, note(&format!("as {}", type_word(k)))),
        (_, k) => (k, note(&format!("as {}", type_word(k)))),
    }
}

fn type_word(k: Kind) -> &'static str {
    match k {
        Kind::Bool => "booleans",
        Kind::Number => "numbers",
        Kind::String | Kind::Unknown => "text",
        Kind::DateTime => "datetimes",
        Kind::TimeSpan => "timespans",
        Kind::Guid => "guids",
        Kind::Dynamic => "JSON",
    }
}

/// Compares `actual` with `expected`: columns by name, rows over the shared
/// columns as multisets (or position by position when `ordered`), cells by
/// KQL type.
pub fn compare(actual: &ResultTable, expected: &ResultTable, ordered: bool) -> Diff {
    let names_a: Vec<&str> = actual.columns.iter().map(|(n, _)| n.as_str()).collect();
    let names_e: Vec<&str> = expected.columns.iter().map(|(n, _)| n.as_str()).collect();
    let missing_columns = names_e
        .iter()
        .filter(|n| !names_a.contains(n))
        .map(|n| n.to_string())
        .collect();
    let extra_columns = names_a
        .iter()
        .filter(|n| !names_e.contains(n))
        .map(|n| n.to_string())
        .collect();
    // shared columns: (name, index in actual, index in expected), expected order
    let shared: Vec<(&str, usize, usize)> = names_e
        .iter()
        .enumerate()
        .filter_map(|(ie, n)| names_a.iter().position(|a| a == n).map(|ia| (*n, ia, ie)))
        .collect();
    let order_a: Vec<String> = names_a
        .iter()
        .filter(|n| names_e.contains(n))
        .map(|n| n.to_string())
        .collect();
    let order_e: Vec<String> = shared.iter().map(|(n, _, _)| n.to_string()).collect();
    let column_order = (order_a != order_e).then(|| (order_a, order_e.clone()));

    let mut type_notes = Vec::new();
    let kinds: Vec<Kind> = shared
        .iter()
        .map(|&(name, ia, ie)| {
            let values = actual
                .rows
                .iter()
                .map(move |r| r.get(ia).cloned().unwrap_or(Value::Null))
                .chain(
                    expected
                        .rows
                        .iter()
                        .map(move |r| r.get(ie).cloned().unwrap_or(Value::Null)),
                );
            let (kind, note) =
                column_kind(name, &actual.columns[ia].1, &expected.columns[ie].1, values);
            type_notes.extend(note);
            kind
        })
        .collect();

    let decode_rows =
        |t: &ResultTable, pick: fn(&(&str, usize, usize)) -> usize| -> Vec<Vec<Cell>> {
            t.rows
                .iter()
                .map(|r| {
                    shared
                        .iter()
                        .zip(&kinds)
                        .map(|(s, k)| decode(r.get(pick(s)).unwrap_or(&Value::Null), *k))
                        .collect()
                })
                .collect()
        };
    let cells_a = decode_rows(actual, |s| s.1);
    let cells_e = decode_rows(expected, |s| s.2);

    let mut diff = Diff {
        missing_columns,
        extra_columns,
        column_order,
        type_notes,
        actual_rows: actual.rows.len(),
        expected_rows: expected.rows.len(),
        ordered,
        columns: order_e,
        changed_rows: Vec::new(),
        missing_rows: Vec::new(),
        extra_rows: Vec::new(),
    };
    // A cell for messages; an empty CSV field of a non-string column is null.
    let shown = |raw: Option<&Value>, cell: &Cell| match cell {
        Cell::Null => "null".to_string(),
        _ => show(raw.unwrap_or(&Value::Null)),
    };
    let row_text = |t: &ResultTable,
                    cells: &[Vec<Cell>],
                    i: usize,
                    pick: fn(&(&str, usize, usize)) -> usize| RowRef {
        index: i,
        cells: shared
            .iter()
            .zip(&cells[i])
            .map(|(s, c)| shown(t.rows[i].get(pick(s)), c))
            .collect(),
    };
    let change = |ia: usize, ie: usize| RowChange {
        actual_index: ia,
        expected_index: ie,
        cells: shared
            .iter()
            .enumerate()
            .filter(|(c, _)| !equal(&cells_a[ia][*c], &cells_e[ie][*c]))
            .map(|(c, &(name, ca, ce))| CellDiff {
                column: name.to_string(),
                actual: shown(actual.rows[ia].get(ca), &cells_a[ia][c]),
                expected: shown(expected.rows[ie].get(ce), &cells_e[ie][c]),
            })
            .collect(),
    };

    if ordered {
        let n = cells_a.len().min(cells_e.len());
        for i in 0..n {
            if !rows_equal(&cells_a[i], &cells_e[i]) {
                diff.changed_rows.push(change(i, i));
            }
        }
        diff.extra_rows = (n..cells_a.len())
            .map(|i| row_text(actual, &cells_a, i, |s| s.1))
            .collect();
        diff.missing_rows = (n..cells_e.len())
            .map(|i| row_text(expected, &cells_e, i, |s| s.2))
            .collect();
        return diff;
    }

    let (left_a, left_e) = match_multiset(&cells_a, &cells_e);
    // Pair leftovers that share most cells, to show them as changed rows.
    let mut used_a = vec![false; left_a.len()];
    let mut unpaired_e = Vec::new();
    let width = shared.len();
    let pairing_affordable = left_a.len().saturating_mul(left_e.len()) <= 1_000_000;
    for &ie in &left_e {
        let best = if pairing_affordable && width > 0 {
            left_a
                .iter()
                .enumerate()
                .filter(|(k, _)| !used_a[*k])
                .map(|(k, &ia)| {
                    let same = (0..width)
                        .filter(|&c| equal(&cells_a[ia][c], &cells_e[ie][c]))
                        .count();
                    (k, ia, same)
                })
                .max_by_key(|&(k, _, same)| (same, std::cmp::Reverse(k)))
                .filter(|&(_, _, same)| same * 2 >= width && same > 0)
        } else {
            None
        };
        match best {
            Some((k, ia, _)) => {
                used_a[k] = true;
                diff.changed_rows.push(change(ia, ie));
            }
            None => unpaired_e.push(ie),
        }
    }
    diff.changed_rows.sort_by_key(|c| c.expected_index);
    diff.missing_rows = unpaired_e
        .into_iter()
        .map(|i| row_text(expected, &cells_e, i, |s| s.2))
        .collect();
    diff.extra_rows = left_a
        .iter()
        .zip(&used_a)
        .filter(|(_, used)| !**used)
        .map(|(&i, _)| row_text(actual, &cells_a, i, |s| s.1))
        .collect();
    diff
}

fn rows_equal(a: &[Cell], b: &[Cell]) -> bool {
    a.iter().zip(b).all(|(x, y)| equal(x, y))
}

fn row_key(r: &[Cell]) -> String {
    let mut k = String::new();
    for c in r {
        bucket_key(c, &mut k);
    }
    k
}

/// Matches equal rows; returns the unmatched row indices of each side.
fn match_multiset(a: &[Vec<Cell>], e: &[Vec<Cell>]) -> (Vec<usize>, Vec<usize>) {
    let mut buckets: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in e.iter().enumerate() {
        buckets.entry(row_key(r)).or_default().push(i);
    }
    let mut used_e = vec![false; e.len()];
    let mut left_a = Vec::new();
    for (i, r) in a.iter().enumerate() {
        let hit = buckets.get(&row_key(r)).and_then(|cands| {
            cands
                .iter()
                .copied()
                .find(|&j| !used_e[j] && rows_equal(r, &e[j]))
        });
        match hit {
            Some(j) => used_e[j] = true,
            None => left_a.push(i),
        }
    }
    // Equal rows whose coarse keys differ (rounding boundaries): pairwise.
    let mut left_e: Vec<usize> = (0..e.len()).filter(|&j| !used_e[j]).collect();
    if left_a.len().saturating_mul(left_e.len()) <= 4_000_000 {
        left_a.retain(
            |&i| match left_e.iter().position(|&j| rows_equal(&a[i], &e[j])) {
                Some(p) => {
                    left_e.remove(p);
                    false
                }
                None => true,
            },
        );
    }
    (left_a, left_e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    fn fixture(name: &str) -> ResultTable {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/results")
            .join(name);
        load_result(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same 3-row result in every export format.
    const EQUAL_FORMATS: [&str; 6] = [
        "kql.json",
        "kql.ndjson",
        "portal.csv",
        "la_api.json",
        "kusto_v1.json",
        "kusto_v2.json",
    ];

    #[test]
    fn every_format_equals_every_other() {
        for a in EQUAL_FORMATS {
            for e in EQUAL_FORMATS {
                for ordered in [false, true] {
                    let d = compare(&fixture(a), &fixture(e), ordered);
                    assert!(d.is_equal(), "{a} vs {e} ordered={ordered}:\n{d}");
                }
            }
        }
        insta::assert_snapshot!(compare(&fixture("kql.json"), &fixture("portal.csv"), false).to_string(), @"results are equal: 3 rows, 6 columns (rows compared as multisets)");
    }

    #[test]
    fn unequal_in_each_format() {
        for e in EQUAL_FORMATS {
            let d = compare(&fixture("changed.json"), &fixture(e), false);
            assert!(!d.is_equal(), "{e}");
            assert_eq!(d.changed_rows.len(), 1, "{e}:\n{d}");
            assert_eq!(d.extra_rows.len(), 1, "{e}:\n{d}");
            assert_eq!(d.missing_rows.len(), 1, "{e}:\n{d}");
        }
        let d = compare(&fixture("changed.json"), &fixture("portal.csv"), false);
        insta::assert_snapshot!("unequal_vs_portal_csv", d.to_string());
    }

    #[test]
    fn real_kql_run_outputs_agree() {
        // `kql run -f queries/threatfox/xmrig_commonsecuritylog.kql --format json|ndjson|csv`
        let json = fixture("xmrig.json");
        assert_eq!(json.rows.len(), 15);
        assert_eq!(
            json.columns[3],
            ("DestinationPort".to_string(), "int".to_string())
        );
        for other in ["xmrig.ndjson", "xmrig.csv"] {
            let t = fixture(other);
            for ordered in [false, true] {
                let d = compare(&json, &t, ordered);
                assert!(d.is_equal(), "{other}:\n{d}");
                let d = compare(&t, &json, ordered);
                assert!(d.is_equal(), "{other} reversed:\n{d}");
            }
        }
        let mut fewer = json.clone();
        fewer.rows.remove(3);
        fewer.rows[0][4] = json!("allow");
        insta::assert_snapshot!(compare(&fewer, &fixture("xmrig.csv"), false).render(5), @r#"
        results differ: actual has 14 rows, expected 15 (rows compared as multisets)
        1 row with different cells:
          row 1:
            DeviceAction: actual allow, expected deny
        1 row only in expected (missing from actual):
          row 4: TimeGenerated=2026-06-05T02:46:55.892Z, SourceIP=10.1.0.102, DestinationIP=60.165.167.98, DestinationPort=null, DeviceAction="", Activity=""
        what to do: check that both sides ran the same query over the same time window and data; rows only in expected usually mean a filter or a missing table/function dropped them, different cells a different function result or type conversion
        "#);
    }

    fn table(cols: &[(&str, &str)], rows: Vec<Vec<Value>>) -> ResultTable {
        ResultTable {
            columns: cols
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            rows,
        }
    }

    #[test]
    fn columns_order_types_and_limits() {
        let a = table(
            &[("b", "int"), ("a", "string"), ("x", "string")],
            (0..15)
                .map(|i| vec![json!(i), json!(format!("r{i}")), json!("")])
                .collect(),
        );
        let e = table(
            &[("a", "string"), ("b", "long"), ("y", "string")],
            (0..3)
                .map(|i| vec![json!(format!("r{i}")), json!(i), json!("")])
                .collect(),
        );
        let d = compare(&a, &e, false);
        assert_eq!(d.extra_rows.len(), 12);
        insta::assert_snapshot!(d.render(3), @r"
        results differ: actual has 15 rows, expected 3 (rows compared as multisets)
        columns missing from actual: y
        columns only in actual: x
        note: the column order differs: actual (b, a), expected (a, b)
        note: column `b` is int in actual but long in expected; compared as numbers
        12 rows only in actual (not expected):
          row 4: a=r3, b=3
          row 5: a=r4, b=4
          row 6: a=r5, b=5
          ... and 9 more
        what to do: check that both sides ran the same query over the same time window and data; rows only in expected usually mean a filter or a missing table/function dropped them, different cells a different function result or type conversion
        ");
    }

    #[test]
    fn ordered_and_multiset_differ_on_order() {
        let a = table(
            &[("n", "long")],
            vec![vec![json!(1)], vec![json!(2)], vec![json!(2)]],
        );
        let e = table(
            &[("n", "")],
            vec![vec![json!("2")], vec![json!("1")], vec![json!("2")]],
        );
        assert!(compare(&a, &e, false).is_equal());
        let d = compare(&a, &e, true);
        assert_eq!(d.changed_rows.len(), 2);
        insta::assert_snapshot!(d.render(1), @r"
        results differ: actual has 3 rows, expected 3 (rows compared in order)
        2 rows with different cells:
          row 1:
            n: actual 1, expected 2
          ... and 1 more
        what to do: check that both sides ran the same query over the same time window and data; rows only in expected usually mean a filter or a missing table/function dropped them, different cells a different function result or type conversion; compare without ordering if the row order is not meaningful
        ");
        // a multiset respects multiplicity
        let e2 = table(
            &[("n", "long")],
            vec![vec![json!(1)], vec![json!(1)], vec![json!(2)]],
        );
        let d = compare(&a, &e2, false);
        assert_eq!(
            (
                d.changed_rows.len(),
                d.missing_rows.len(),
                d.extra_rows.len()
            ),
            (0, 1, 1)
        );
        assert_eq!((d.missing_rows[0].index, d.extra_rows[0].index), (1, 2));
    }

    #[test]
    fn untyped_both_sides_are_inferred() {
        let a = table(
            &[("t", ""), ("d", "")],
            vec![vec![json!("2026-06-19T12:37:52.521Z"), json!("{\"a\": 1}")]],
        );
        let e = table(
            &[("t", ""), ("d", "")],
            vec![vec![
                json!("6/19/2026, 12:37:52.521 PM"),
                json!("{\"a\":1.0}"),
            ]],
        );
        assert!(compare(&a, &e, true).is_equal());
    }
}

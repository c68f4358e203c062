//! Element-wise series functions.
//!
//! Binary ones (`series_add`, `_subtract`, `_multiply`, `_divide`, `_pow`,
//! `_greater`, `_greater_equals`, `_less`, `_less_equals`, `_equals`,
//! `_not_equals`): "Any non-numeric element or non-existing element (arrays
//! of different sizes) yields a null element value" (series-add-function.md),
//! so the result is as long as the longer array. A numeric scalar argument
//! is broadcast to the other array's length. Longs stay longs for add /
//! subtract / multiply (wrapping like Kusto's 64-bit arithmetic); divide and
//! pow are always reals ("the result series is of double type, even if the
//! inputs are integers"; division by zero follows double division).
//! Comparisons give booleans. A row whose argument is neither an array nor
//! a number (null, a string, a property bag) is null.
//!
//! Unary ones (`series_abs`, `_acos`, `_asin`, `_atan`, `_ceiling`, `_cos`,
//! `_exp`, `_floor`, `_log`, `_sign`, `_sin`, `_sqrt`, `_tan`): "Any
//! non-numeric element yields a null element value". `series_abs` and
//! `series_sign` keep longs ([-6,0,8] → [-1,0,1]); the others are reals
//! (`series_ceiling([-1.5,1,2.5])` is `[-1.0,1.0,3.0]`). Out-of-domain
//! values follow double arithmetic (`series_log` of a negative is NaN).

use super::{Num, Operand, ok, text_rows, write_array, write_num};
use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

pub const NAMES: &[&str] = &[
    "series_add",
    "series_subtract",
    "series_multiply",
    "series_divide",
    "series_pow",
    "series_greater",
    "series_greater_equals",
    "series_less",
    "series_less_equals",
    "series_equals",
    "series_not_equals",
    "series_abs",
    "series_acos",
    "series_asin",
    "series_atan",
    "series_ceiling",
    "series_cos",
    "series_exp",
    "series_floor",
    "series_log",
    "series_sign",
    "series_sin",
    "series_sqrt",
    "series_tan",
];

/// The binary functions (two series arguments).
pub const BINARY: &[&str] = &[
    "series_add",
    "series_subtract",
    "series_multiply",
    "series_divide",
    "series_pow",
    "series_greater",
    "series_greater_equals",
    "series_less",
    "series_less_equals",
    "series_equals",
    "series_not_equals",
];

#[derive(Clone, Copy)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// One element of a binary operation; `None` is `null`.
fn apply(op: Bin, a: Num, b: Num) -> Option<Element> {
    use Num::{L, R};
    let cmp = |o: std::cmp::Ordering| -> bool {
        match op {
            Bin::Gt => o.is_gt(),
            Bin::Ge => o.is_ge(),
            Bin::Lt => o.is_lt(),
            Bin::Le => o.is_le(),
            Bin::Eq => o.is_eq(),
            _ => o.is_ne(),
        }
    };
    Some(match op {
        Bin::Add | Bin::Sub | Bin::Mul => match (a, b) {
            (L(x), L(y)) => Element::N(L(match op {
                Bin::Add => x.wrapping_add(y),
                Bin::Sub => x.wrapping_sub(y),
                _ => x.wrapping_mul(y),
            })),
            _ => {
                let (x, y) = (a.f(), b.f());
                Element::N(R(match op {
                    Bin::Add => x + y,
                    Bin::Sub => x - y,
                    _ => x * y,
                }))
            }
        },
        Bin::Div => Element::N(R(a.f() / b.f())),
        Bin::Pow => Element::N(R(a.f().powf(b.f()))),
        _ => Element::B(match (a, b) {
            (L(x), L(y)) => cmp(x.cmp(&y)),
            _ => {
                let (x, y) = (a.f(), b.f());
                // NaN compares false, except for "not equals"
                match x.partial_cmp(&y) {
                    Some(o) => cmp(o),
                    None => matches!(op, Bin::Ne),
                }
            }
        }),
    })
}

enum Element {
    N(Num),
    B(bool),
}

fn binary_kernel(op: Bin, a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let (Some(x), Some(y)) = (
            Operand::read(a.cols[0].str(i)),
            Operand::read(a.cols[1].str(i)),
        ) else {
            return false;
        };
        let n = match (x.len(), y.len()) {
            (Some(p), Some(q)) => p.max(q),
            (Some(p), None) | (None, Some(p)) => p,
            // two scalars: not a series
            (None, None) => return false,
        };
        buf.push('[');
        for k in 0..n {
            if k > 0 {
                buf.push(',');
            }
            match x.get(k).zip(y.get(k)).and_then(|(p, q)| apply(op, p, q)) {
                Some(Element::N(v)) => write_num(v, buf),
                Some(Element::B(v)) => buf.push_str(if v { "true" } else { "false" }),
                None => buf.push_str("null"),
            }
        }
        buf.push(']');
        true
    }))
}

#[derive(Clone, Copy)]
enum Un {
    Abs,
    Acos,
    Asin,
    Atan,
    Ceiling,
    Cos,
    Exp,
    Floor,
    Log,
    Sign,
    Sin,
    Sqrt,
    Tan,
}

fn unary(op: Un, v: Num) -> Num {
    use Num::{L, R};
    match (op, v) {
        (Un::Abs, L(x)) => L(x.wrapping_abs()),
        (Un::Sign, L(x)) => L(x.signum()),
        (Un::Sign, R(x)) => R(if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            x // 0.0, -0.0, NaN
        }),
        _ => {
            let x = v.f();
            R(match op {
                Un::Abs => x.abs(),
                Un::Acos => x.acos(),
                Un::Asin => x.asin(),
                Un::Atan => x.atan(),
                Un::Ceiling => x.ceil(),
                Un::Cos => x.cos(),
                Un::Exp => x.exp(),
                Un::Floor => x.floor(),
                Un::Log => x.ln(),
                Un::Sin => x.sin(),
                Un::Sqrt => x.sqrt(),
                Un::Tan => x.tan(),
                Un::Sign => unreachable!("handled above"),
            })
        }
    }
}

fn unary_kernel(op: Un, a: &Args) -> Result<ArrayRef> {
    ok(text_rows(a, |i, buf| {
        let Some(Operand::Array(x)) = Operand::read(a.cols[0].str(i)) else {
            return false;
        };
        write_array(x.into_iter().map(|v| v.map(|n| unary(op, n))), buf);
        true
    }))
}

const STR: &[Read] = &[Read::Str];

macro_rules! kernels {
    ($($f:ident => $kind:ident :: $op:ident),* $(,)?) => {
        $(fn $f(a: &Args) -> Result<ArrayRef> { kernel_of!($kind, $op, a) })*
    };
}

macro_rules! kernel_of {
    (Bin, $op:ident, $a:ident) => {
        binary_kernel(Bin::$op, $a)
    };
    (Un, $op:ident, $a:ident) => {
        unary_kernel(Un::$op, $a)
    };
}

kernels! {
    add_k => Bin::Add, sub_k => Bin::Sub, mul_k => Bin::Mul, div_k => Bin::Div,
    pow_k => Bin::Pow, gt_k => Bin::Gt, ge_k => Bin::Ge, lt_k => Bin::Lt,
    le_k => Bin::Le, eq_k => Bin::Eq, ne_k => Bin::Ne,
    abs_k => Un::Abs, acos_k => Un::Acos, asin_k => Un::Asin, atan_k => Un::Atan,
    ceiling_k => Un::Ceiling, cos_k => Un::Cos, exp_k => Un::Exp, floor_k => Un::Floor,
    log_k => Un::Log, sign_k => Un::Sign, sin_k => Un::Sin, sqrt_k => Un::Sqrt,
    tan_k => Un::Tan,
}

pub(super) fn udf(name: &str) -> Option<KernelUdf> {
    let (udf_name, k): (&'static str, crate::udf::Kernel) = match name {
        "series_add" => ("kql_series_add", add_k),
        "series_subtract" => ("kql_series_subtract", sub_k),
        "series_multiply" => ("kql_series_multiply", mul_k),
        "series_divide" => ("kql_series_divide", div_k),
        "series_pow" => ("kql_series_pow", pow_k),
        "series_greater" => ("kql_series_greater", gt_k),
        "series_greater_equals" => ("kql_series_greater_equals", ge_k),
        "series_less" => ("kql_series_less", lt_k),
        "series_less_equals" => ("kql_series_less_equals", le_k),
        "series_equals" => ("kql_series_equals", eq_k),
        "series_not_equals" => ("kql_series_not_equals", ne_k),
        "series_abs" => ("kql_series_abs", abs_k),
        "series_acos" => ("kql_series_acos", acos_k),
        "series_asin" => ("kql_series_asin", asin_k),
        "series_atan" => ("kql_series_atan", atan_k),
        "series_ceiling" => ("kql_series_ceiling", ceiling_k),
        "series_cos" => ("kql_series_cos", cos_k),
        "series_exp" => ("kql_series_exp", exp_k),
        "series_floor" => ("kql_series_floor", floor_k),
        "series_log" => ("kql_series_log", log_k),
        "series_sign" => ("kql_series_sign", sign_k),
        "series_sin" => ("kql_series_sin", sin_k),
        "series_sqrt" => ("kql_series_sqrt", sqrt_k),
        "series_tan" => ("kql_series_tan", tan_k),
        _ => return None,
    };
    Some(KernelUdf::new(udf_name, DataType::Utf8, STR, k))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{one, run};
    use crate::udf::test_util::{str_col, str_lit};

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn binary_ops_keep_longs_and_pad_with_null() {
        assert_eq!(one("series_add", &["[1,2,4]", "[4,2,1]"]), s("[5,4,5]"));
        assert_eq!(
            one("series_subtract", &["[1,2,4]", "[4,2,1]"]),
            s("[-3,0,3]")
        );
        assert_eq!(one("series_multiply", &["[1,2.5]", "[4,2]"]), s("[4,5.0]"));
        assert_eq!(
            one("series_divide", &["[1,2,4,1,0]", "[4,2,1,0,0]"]),
            s("[0.25,1.0,4.0,\"Infinity\",\"NaN\"]")
        );
        assert_eq!(
            one("series_pow", &["[1,2,3,4]", "[1,2,3,0.5]"]),
            s("[1.0,4.0,27.0,2.0]")
        );
        // unequal lengths, non-numeric elements
        assert_eq!(
            one("series_add", &["[1,null,\"x\",4]", "[1,1,1]"]),
            s("[2,null,null,null]")
        );
        assert_eq!(one("series_add", &["[]", "[]"]), s("[]"));
        // scalar broadcast, both sides
        assert_eq!(one("series_multiply", &["[1,2]", "10"]), s("[10,20]"));
        assert_eq!(one("series_subtract", &["1.5", "[1,2]"]), s("[0.5,-0.5]"));
        // not a series
        assert_eq!(one("series_add", &["1", "2"]), None);
        assert_eq!(one("series_add", &["\"a\"", "[1]"]), None);
        assert_eq!(one("series_add", &["{}", "[1]"]), None);
    }

    #[test]
    fn rows_with_nulls_and_a_scalar() {
        let col = str_col(vec![Some("[1,2]"), None, Some("[]"), Some("\"s\"")]);
        assert_eq!(
            run("series_add", vec![col, str_lit("10")]),
            vec![s("[11,12]"), None, s("[]"), None]
        );
        let col = str_col(vec![Some("[1,2]"), Some("[3]")]);
        assert_eq!(
            run("series_divide", vec![str_lit("[6,6]"), col]),
            vec![s("[6.0,3.0]"), s("[2.0,null]")]
        );
    }

    #[test]
    fn comparisons() {
        let a = "[1,2,4,null]";
        let b = "[4,2,1,1]";
        assert_eq!(one("series_greater", &[a, b]), s("[false,false,true,null]"));
        assert_eq!(
            one("series_greater_equals", &[a, b]),
            s("[false,true,true,null]")
        );
        assert_eq!(one("series_less", &[a, b]), s("[true,false,false,null]"));
        assert_eq!(
            one("series_less_equals", &[a, b]),
            s("[true,true,false,null]")
        );
        assert_eq!(one("series_equals", &[a, b]), s("[false,true,false,null]"));
        assert_eq!(
            one("series_not_equals", &[a, b]),
            s("[true,false,true,null]")
        );
        assert_eq!(
            one("series_greater", &["[1.5,2]", "1.5"]),
            s("[false,true]")
        );
    }

    #[test]
    fn unary_ops() {
        assert_eq!(one("series_abs", &["[-6.5,0,8.2]"]), s("[6.5,0,8.2]"));
        assert_eq!(one("series_sign", &["[-6,0,8,-0.5]"]), s("[-1,0,1,-1.0]"));
        assert_eq!(
            one("series_ceiling", &["[-1.5,1,2.5]"]),
            s("[-1.0,1.0,3.0]")
        );
        assert_eq!(one("series_floor", &["[-1.5,1,2.5]"]), s("[-2.0,1.0,2.0]"));
        assert_eq!(
            one("series_log", &["[1,2,3]"]),
            s("[0.0,0.6931471805599453,1.0986122886681098]")
        );
        assert_eq!(
            one("series_sin", &["[-1,0,1]"]),
            s("[-0.8414709848078965,0.0,0.8414709848078965]")
        );
        assert_eq!(
            one("series_sqrt", &["[4,-1,null,\"a\"]"]),
            s("[2.0,\"NaN\",null,null]")
        );
        assert_eq!(one("series_exp", &["[]"]), s("[]"));
        assert_eq!(one("series_abs", &["5"]), None);
        assert_eq!(
            run(
                "series_abs",
                vec![str_col(vec![Some("[-1]"), None, Some("\"x\"")])]
            ),
            vec![s("[1]"), None, None]
        );
    }
}

//! Math kernels DataFusion has no built-in for: `gamma`, `loggamma`, `erf`,
//! `erfc` (Float64 → Float64) and `bitset_count_ones` (Int64 → Int64).
//! Null in, null out.

use crate::columnar::{Args, Read};
use crate::udf::KernelUdf;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::f64::consts::PI;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Lanczos approximation (g = 7, n = 9): about 15 significant digits.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

fn lanczos_sum(x: f64) -> f64 {
    // x is the argument minus one
    let mut a = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    a
}

/// The gamma function; NaN at the poles (0, -1, -2, ...).
pub fn gamma(x: f64) -> f64 {
    if x.is_nan() || (x <= 0.0 && x == x.floor()) {
        return f64::NAN;
    }
    if x < 0.5 {
        // reflection
        return PI / ((PI * x).sin() * gamma(1.0 - x));
    }
    if x == x.floor() && x <= 23.0 {
        // exact factorials
        let mut f = 1.0;
        let mut k = 2.0;
        while k < x {
            f *= k;
            k += 1.0;
        }
        return f;
    }
    if x > 171.7 {
        return f64::INFINITY;
    }
    let x = x - 1.0;
    let t = x + LANCZOS_G + 0.5;
    (2.0 * PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * lanczos_sum(x)
}

/// The natural logarithm of the absolute value of the gamma function.
pub fn loggamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 && x == x.floor() {
        return f64::INFINITY;
    }
    if x < 0.5 {
        return (PI / (PI * x).sin().abs()).ln() - loggamma(1.0 - x);
    }
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let x = x - 1.0;
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + lanczos_sum(x).ln()
}

/// erf by its Taylor series (|x| <= 2.5).
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    for k in 1..200 {
        let n = f64::from(k);
        term *= -x2 / n;
        let add = term / (2.0 * n + 1.0);
        sum += add;
        if add.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    sum * 2.0 / PI.sqrt()
}

/// erfc(x) for x > 2.5 by its continued fraction (modified Lentz).
fn erfc_fraction(x: f64) -> f64 {
    // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..500 {
        let a = k as f64 / 2.0;
        d = x + a * d;
        if d == 0.0 {
            d = tiny;
        }
        c = x + a / c;
        if c == 0.0 {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / PI.sqrt() / f
}

/// The error function.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() <= 2.5 {
        erf_series(x)
    } else {
        x.signum() * (1.0 - erfc_fraction(x.abs()))
    }
}

/// The complementary error function, 1 - erf(x), without cancellation for
/// large x.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 2.5 {
        erfc_fraction(x)
    } else if x < -2.5 {
        2.0 - erfc_fraction(-x)
    } else {
        1.0 - erf_series(x)
    }
}

/// A Float64 → Float64 function.
pub struct UnaryF64Udf {
    name: &'static str,
    f: fn(f64) -> f64,
    signature: Signature,
}

impl std::fmt::Debug for UnaryF64Udf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnaryF64Udf")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for UnaryF64Udf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for UnaryF64Udf {}

impl Hash for UnaryF64Udf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for UnaryF64Udf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [x] = args.args.as_slice() else {
            return exec_err!("{} takes one argument", self.name);
        };
        let scalar = matches!(x, ColumnarValue::Scalar(_));
        let a = x.to_array(if scalar { 1 } else { args.number_rows })?;
        let a = cast(&a, &DataType::Float64)?;
        let out: Float64Array = a.as_primitive::<Float64Type>().unary(self.f);
        crate::columnar::finish(Arc::new(out) as Arc<dyn Array>, scalar)
    }
}

fn unary(name: &str) -> Option<UnaryF64Udf> {
    let (name, f): (&'static str, fn(f64) -> f64) = match name {
        "gamma" => ("kql_gamma", gamma),
        "loggamma" => ("kql_loggamma", loggamma),
        "erf" => ("kql_erf", erf),
        "erfc" => ("kql_erfc", erfc),
        _ => return None,
    };
    Some(UnaryF64Udf {
        name,
        f,
        signature: Signature::any(1, Volatility::Immutable),
    })
}

fn count_ones_kernel(a: &Args) -> Result<ArrayRef> {
    let out: Int64Array = (0..a.rows)
        .map(|i| a.cols[0].i64(i).map(|v| i64::from(v.count_ones())))
        .collect();
    Ok(Arc::new(out))
}

fn count_ones_udf() -> KernelUdf {
    KernelUdf::new(
        "kql_bitset_count_ones",
        DataType::Int64,
        &[Read::I64],
        count_ones_kernel,
    )
}

/// The names [`math_function_expr`] knows.
pub const MATH_UDF_NAMES: &[&str] = &["gamma", "loggamma", "erf", "erfc", "bitset_count_ones"];

/// The call of the kernel of KQL function `name` (a Float64 argument, or an
/// Int64 one for `bitset_count_ones`).
pub fn math_function_expr(name: &str, arg: Expr) -> Option<Expr> {
    if name == "bitset_count_ones" {
        return Some(count_ones_udf().call(vec![arg]));
    }
    Some(Arc::new(ScalarUDF::from(unary(name)?)).call(vec![arg]))
}

pub(crate) fn all_math_udfs() -> Vec<ScalarUDF> {
    let mut v: Vec<ScalarUDF> = ["gamma", "loggamma", "erf", "erfc"]
        .into_iter()
        .filter_map(unary)
        .map(ScalarUDF::from)
        .collect();
    v.push(ScalarUDF::from(count_ones_udf()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::invoke;
    use datafusion::arrow::datatypes::Int64Type;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    #[test]
    fn gamma_values() {
        assert_eq!(gamma(5.0), 24.0);
        assert_eq!(gamma(1.0), 1.0);
        assert!(close(gamma(0.5), PI.sqrt()));
        assert!(close(gamma(-0.5), -2.0 * PI.sqrt()));
        assert!(close(gamma(10.5), 1_133_278.388_948_785_3));
        assert!(gamma(0.0).is_nan() && gamma(-2.0).is_nan());
        assert!(close(loggamma(5.0), 24f64.ln()));
        assert!(close(loggamma(0.5), PI.sqrt().ln()));
        assert!(close(loggamma(100.0), 359.134_205_369_575_4));
        assert!(close(loggamma(-0.5), (2.0 * PI.sqrt()).ln()));
    }

    #[test]
    fn erf_values() {
        // documented erfc() outputs
        let cases = [
            (-3.0, 1.999_977_909_503_001),
            (-2.0, 1.995_322_265_018_953),
            (-1.0, 1.842_700_792_949_715),
            (0.0, 1.0),
            (1.0, 0.157_299_207_050_285),
            (2.0, 0.004_677_734_981_047_27),
            (3.0, 2.209_049_699_858_54e-5),
        ];
        for (x, want) in cases {
            let got = erfc(x);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "erfc({x}) = {got}"
            );
        }
        assert!(close(erf(0.5), 0.520_499_877_813_046_5));
        assert!(close(erf(-3.0), -0.999_977_909_503_001_4));
        assert!(close(erfc(6.0), 2.151_973_671_249_891_3e-17));
    }

    #[test]
    fn udfs_keep_nulls() {
        let g = unary("gamma").unwrap();
        let r = invoke(
            &g,
            vec![ColumnarValue::Array(Arc::new(Float64Array::from(vec![
                Some(4.0),
                None,
            ])))],
        );
        let r = r.as_primitive::<Float64Type>();
        assert_eq!(r.value(0), 6.0);
        assert!(r.is_null(1));
        let c = count_ones_udf();
        let r = invoke(
            &c,
            vec![ColumnarValue::Array(Arc::new(Int64Array::from(vec![
                Some(42),
                None,
                Some(-1),
            ])))],
        );
        let r = r.as_primitive::<Int64Type>();
        assert_eq!(r.value(0), 3);
        assert!(r.is_null(1));
        assert_eq!(r.value(2), 64);
    }
}

//! The unit conversion functions `convert_angle`, `convert_energy`,
//! `convert_force`, `convert_length`, `convert_mass`, `convert_speed`,
//! `convert_temperature`, `convert_volume` (`convert_*(value, from, to)`,
//! a real). Unit names are the ones each page lists (exact spelling); an
//! unknown unit, or a null value, gives null (convert-*-function.md).
//!
//! Each unit is a factor to the family's base unit (`base = value * mul /
//! div`, back `value * div / mul`), with the constants of the UnitsNet
//! library these functions follow (the documented `convert_volume(1.2,
//! 'CubicMeter', 'AcreFoot')` = 0.0009728568 pins its acre-foot factor).
//! Temperatures are affine and `Tilt` (an angle as the sine) is not linear:
//! they have their own formulas.

use crate::typed_udf::{TypedArgs, TypedUdf};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Builder};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{Expr, ScalarUDF};
use std::sync::Arc;

/// (name, mul, div): `base = value * mul / div`.
type Units = &'static [(&'static str, f64, f64)];

const ANGLE: Units = &[
    // base: degree
    ("Arcminute", 1.0, 60.0),
    ("Arcsecond", 1.0, 3600.0),
    ("Centiradian", 1e-2 * 180.0, std::f64::consts::PI),
    ("Deciradian", 1e-1 * 180.0, std::f64::consts::PI),
    ("Degree", 1.0, 1.0),
    ("Gradian", 0.9, 1.0),
    ("Microdegree", 1e-6, 1.0),
    ("Microradian", 1e-6 * 180.0, std::f64::consts::PI),
    ("Millidegree", 1e-3, 1.0),
    ("Milliradian", 1e-3 * 180.0, std::f64::consts::PI),
    ("Nanodegree", 1e-9, 1.0),
    ("Nanoradian", 1e-9 * 180.0, std::f64::consts::PI),
    ("NatoMil", 9.0, 160.0),
    ("Radian", 180.0, std::f64::consts::PI),
    ("Revolution", 360.0, 1.0),
];

const BTU: f64 = 1055.05585262;
const EV: f64 = 1.602176565e-19;

const ENERGY: Units = &[
    // base: joule
    ("BritishThermalUnit", BTU, 1.0),
    ("Calorie", 4.184, 1.0),
    ("DecathermEc", 1.05505585262e9, 1.0),
    ("DecathermImperial", 1.05505585257348e9, 1.0),
    ("DecathermUs", 1.054804e9, 1.0),
    ("ElectronVolt", EV, 1.0),
    ("Erg", 1e-7, 1.0),
    ("FootPound", 1.355817948, 1.0),
    ("GigabritishThermalUnit", BTU * 1e9, 1.0),
    ("GigaelectronVolt", EV * 1e9, 1.0),
    ("Gigajoule", 1e9, 1.0),
    ("GigawattDay", 24.0 * 3600.0 * 1e9, 1.0),
    ("GigawattHour", 3600.0 * 1e9, 1.0),
    ("HorsepowerHour", 2.6845195377e6, 1.0),
    ("Joule", 1.0, 1.0),
    ("KilobritishThermalUnit", BTU * 1e3, 1.0),
    ("Kilocalorie", 4.184e3, 1.0),
    ("KiloelectronVolt", EV * 1e3, 1.0),
    ("Kilojoule", 1e3, 1.0),
    ("KilowattDay", 24.0 * 3600.0 * 1e3, 1.0),
    ("KilowattHour", 3600.0 * 1e3, 1.0),
    ("MegabritishThermalUnit", BTU * 1e6, 1.0),
    ("Megacalorie", 4.184e6, 1.0),
    ("MegaelectronVolt", EV * 1e6, 1.0),
    ("Megajoule", 1e6, 1.0),
    ("MegawattDay", 24.0 * 3600.0 * 1e6, 1.0),
    ("MegawattHour", 3600.0 * 1e6, 1.0),
    ("Millijoule", 1e-3, 1.0),
    ("TeraelectronVolt", EV * 1e12, 1.0),
    ("TerawattDay", 24.0 * 3600.0 * 1e12, 1.0),
    ("TerawattHour", 3600.0 * 1e12, 1.0),
    ("ThermEc", 1.05505585262e8, 1.0),
    ("ThermImperial", 1.05505585257348e8, 1.0),
    ("ThermUs", 1.054804e8, 1.0),
    ("WattDay", 24.0 * 3600.0, 1.0),
    ("WattHour", 3600.0, 1.0),
];

const LBF: f64 = 4.4482216152605;

const FORCE: Units = &[
    // base: newton
    ("Decanewton", 1e1, 1.0),
    ("Dyn", 1e-5, 1.0),
    ("KilogramForce", 9.80665, 1.0),
    ("Kilonewton", 1e3, 1.0),
    ("KiloPond", 9.80665, 1.0),
    ("KilopoundForce", LBF * 1e3, 1.0),
    ("Meganewton", 1e6, 1.0),
    ("Micronewton", 1e-6, 1.0),
    ("Millinewton", 1e-3, 1.0),
    ("Newton", 1.0, 1.0),
    ("OunceForce", LBF, 16.0),
    ("Poundal", 0.138254954376, 1.0),
    ("PoundForce", LBF, 1.0),
    ("ShortTonForce", LBF * 2000.0, 1.0),
    ("TonneForce", 9.80665e3, 1.0),
];

const INCH: f64 = 2.54e-2;
const US_SURVEY_FOOT: (f64, f64) = (1200.0, 3937.0);
const LIGHT_YEAR: f64 = 9.46073047258e15;
const PARSEC: f64 = 3.08567758128e16;

const LENGTH: Units = &[
    // base: meter
    ("Angstrom", 1e-10, 1.0),
    ("AstronomicalUnit", 1.4959787070e11, 1.0),
    ("Centimeter", 1e-2, 1.0),
    ("Chain", 20.1168, 1.0),
    ("DataMile", 1828.8, 1.0),
    ("Decameter", 1e1, 1.0),
    ("Decimeter", 1e-1, 1.0),
    ("DtpPica", 1.0, 236.220472441),
    ("DtpPoint", INCH, 72.0),
    ("Fathom", 1.8288, 1.0),
    ("Foot", 0.3048, 1.0),
    ("Hand", 1.016e-1, 1.0),
    ("Hectometer", 1e2, 1.0),
    ("Inch", INCH, 1.0),
    ("KilolightYear", LIGHT_YEAR * 1e3, 1.0),
    ("Kilometer", 1e3, 1.0),
    ("Kiloparsec", PARSEC * 1e3, 1.0),
    ("LightYear", LIGHT_YEAR, 1.0),
    ("MegalightYear", LIGHT_YEAR * 1e6, 1.0),
    ("Megaparsec", PARSEC * 1e6, 1.0),
    ("Meter", 1.0, 1.0),
    ("Microinch", 2.54e-8, 1.0),
    ("Micrometer", 1e-6, 1.0),
    ("Mil", 2.54e-5, 1.0),
    ("Mile", 1609.344, 1.0),
    ("Millimeter", 1e-3, 1.0),
    ("Nanometer", 1e-9, 1.0),
    ("NauticalMile", 1852.0, 1.0),
    ("Parsec", PARSEC, 1.0),
    ("PrinterPica", 1.0, 237.106301584),
    ("PrinterPoint", INCH, 72.27),
    ("Shackle", 27.432, 1.0),
    ("SolarRadius", 6.95510000e8, 1.0),
    ("Twip", 1.0, 56692.913385826),
    ("UsSurveyFoot", US_SURVEY_FOOT.0, US_SURVEY_FOOT.1),
    ("Yard", 0.9144, 1.0),
];

const POUND: f64 = 0.45359237;

const MASS: Units = &[
    // base: kilogram
    ("Centigram", 1e-5, 1.0),
    ("Decagram", 1e-2, 1.0),
    ("Decigram", 1e-4, 1.0),
    ("EarthMass", 5.9722e24, 1.0),
    ("Grain", 64.79891e-6, 1.0),
    ("Gram", 1e-3, 1.0),
    ("Hectogram", 1e-1, 1.0),
    ("Kilogram", 1.0, 1.0),
    ("Kilopound", POUND * 1e3, 1.0),
    ("Kilotonne", 1e6, 1.0),
    ("LongHundredweight", 50.80234544, 1.0),
    ("LongTon", 1.0160469088e3, 1.0),
    ("Megapound", POUND * 1e6, 1.0),
    ("Megatonne", 1e9, 1.0),
    ("Microgram", 1e-9, 1.0),
    ("Milligram", 1e-6, 1.0),
    ("Nanogram", 1e-12, 1.0),
    ("Ounce", 0.028349523125, 1.0),
    ("Pound", POUND, 1.0),
    ("ShortHundredweight", 45.359237, 1.0),
    ("ShortTon", 9.0718474e2, 1.0),
    ("Slug", 1.0, 6.852176556196105e-2),
    ("SolarMass", 1.98947e30, 1.0),
    ("Stone", 6.35029318, 1.0),
    ("Tonne", 1e3, 1.0),
];

const SPEED: Units = &[
    // base: meter per second
    ("CentimeterPerHour", 1e-2, 3600.0),
    ("CentimeterPerMinute", 1e-2, 60.0),
    ("CentimeterPerSecond", 1e-2, 1.0),
    ("DecimeterPerMinute", 1e-1, 60.0),
    ("DecimeterPerSecond", 1e-1, 1.0),
    ("FootPerHour", 0.3048, 3600.0),
    ("FootPerMinute", 0.3048, 60.0),
    ("FootPerSecond", 0.3048, 1.0),
    ("InchPerHour", INCH, 3600.0),
    ("InchPerMinute", INCH, 60.0),
    ("InchPerSecond", INCH, 1.0),
    ("KilometerPerHour", 1e3, 3600.0),
    ("KilometerPerMinute", 1e3, 60.0),
    ("KilometerPerSecond", 1e3, 1.0),
    ("Knot", 0.514444, 1.0),
    ("MeterPerHour", 1.0, 3600.0),
    ("MeterPerMinute", 1.0, 60.0),
    ("MeterPerSecond", 1.0, 1.0),
    ("MicrometerPerMinute", 1e-6, 60.0),
    ("MicrometerPerSecond", 1e-6, 1.0),
    ("MilePerHour", 0.44704, 1.0),
    ("MillimeterPerHour", 1e-3, 3600.0),
    ("MillimeterPerMinute", 1e-3, 60.0),
    ("MillimeterPerSecond", 1e-3, 1.0),
    ("NanometerPerMinute", 1e-9, 60.0),
    ("NanometerPerSecond", 1e-9, 1.0),
    (
        "UsSurveyFootPerHour",
        US_SURVEY_FOOT.0,
        US_SURVEY_FOOT.1 * 3600.0,
    ),
    (
        "UsSurveyFootPerMinute",
        US_SURVEY_FOOT.0,
        US_SURVEY_FOOT.1 * 60.0,
    ),
    ("UsSurveyFootPerSecond", US_SURVEY_FOOT.0, US_SURVEY_FOOT.1),
    ("YardPerHour", 0.9144, 3600.0),
    ("YardPerMinute", 0.9144, 60.0),
    ("YardPerSecond", 0.9144, 1.0),
];

const CUBIC_FOOT: f64 = 2.8316846592e-2;
const US_GALLON: f64 = 0.00378541;
const IMPERIAL_GALLON: f64 = 0.00454609;

const VOLUME: Units = &[
    // base: cubic meter
    ("AcreFoot", 1.0, 0.000810714),
    ("AuTablespoon", 2e-5, 1.0),
    ("BoardFoot", 2.3597372158e-3, 1.0),
    ("Centiliter", 1e-5, 1.0),
    ("CubicCentimeter", 1e-6, 1.0),
    ("CubicDecimeter", 1e-3, 1.0),
    ("CubicFoot", CUBIC_FOOT, 1.0),
    ("CubicHectometer", 1e6, 1.0),
    ("CubicInch", 1.6387064e-5, 1.0),
    ("CubicKilometer", 1e9, 1.0),
    ("CubicMeter", 1.0, 1.0),
    ("CubicMicrometer", 1e-18, 1.0),
    ("CubicMile", 4.16818182544058e9, 1.0),
    ("CubicMillimeter", 1e-9, 1.0),
    ("CubicYard", 0.764554858, 1.0),
    ("Decaliter", 1e-2, 1.0),
    ("DecausGallon", US_GALLON * 1e1, 1.0),
    ("Deciliter", 1e-4, 1.0),
    ("DeciusGallon", US_GALLON * 1e-1, 1.0),
    ("HectocubicFoot", CUBIC_FOOT * 1e2, 1.0),
    ("HectocubicMeter", 1e2, 1.0),
    ("Hectoliter", 1e-1, 1.0),
    ("HectousGallon", US_GALLON * 1e2, 1.0),
    ("ImperialBeerBarrel", 0.16365924, 1.0),
    ("ImperialGallon", IMPERIAL_GALLON, 1.0),
    ("ImperialOunce", 2.841_306_249_996_29e-5, 1.0),
    ("ImperialPint", 5.6826125e-4, 1.0),
    ("KilocubicFoot", CUBIC_FOOT * 1e3, 1.0),
    ("KilocubicMeter", 1e3, 1.0),
    ("KiloimperialGallon", IMPERIAL_GALLON * 1e3, 1.0),
    ("Kiloliter", 1.0, 1.0),
    ("KilousGallon", US_GALLON * 1e3, 1.0),
    ("Liter", 1e-3, 1.0),
    ("MegacubicFoot", CUBIC_FOOT * 1e6, 1.0),
    ("MegaimperialGallon", IMPERIAL_GALLON * 1e6, 1.0),
    ("Megaliter", 1e3, 1.0),
    ("MegausGallon", US_GALLON * 1e6, 1.0),
    ("MetricCup", 0.00025, 1.0),
    ("MetricTeaspoon", 0.5e-5, 1.0),
    ("Microliter", 1e-9, 1.0),
    ("Milliliter", 1e-6, 1.0),
    ("OilBarrel", 0.158987294928, 1.0),
    ("UkTablespoon", 1.5e-5, 1.0),
    ("UsBeerBarrel", 0.1173477658, 1.0),
    ("UsCustomaryCup", 0.0002365882365, 1.0),
    ("UsGallon", US_GALLON, 1.0),
    ("UsLegalCup", 0.00024, 1.0),
    ("UsOunce", 2.957_352_956_253_76e-5, 1.0),
    ("UsPint", 4.73176473e-4, 1.0),
    ("UsQuart", 9.46352946e-4, 1.0),
    ("UsTablespoon", 1.478676478125e-5, 1.0),
    ("UsTeaspoon", 4.92892159375e-6, 1.0),
];

/// The conversion families by KQL function name.
pub const CONVERT_FUNCTIONS: &[&str] = &[
    "convert_angle",
    "convert_energy",
    "convert_force",
    "convert_length",
    "convert_mass",
    "convert_speed",
    "convert_temperature",
    "convert_volume",
];

fn linear(units: Units, v: f64, from: &str, to: &str) -> Option<f64> {
    let f = units.iter().find(|u| u.0 == from)?;
    let t = units.iter().find(|u| u.0 == to)?;
    if from == to {
        return Some(v);
    }
    let base = v * f.1 / f.2;
    Some(base * t.2 / t.1)
}

fn angle(v: f64, from: &str, to: &str) -> Option<f64> {
    // Tilt: the sine of the angle
    let deg = if from == "Tilt" {
        v.asin().to_degrees()
    } else {
        linear(ANGLE, v, from, "Degree")?
    };
    if to == "Tilt" {
        if from == "Tilt" {
            return Some(v);
        }
        return Some(deg.to_radians().sin());
    }
    linear(ANGLE, deg, "Degree", to)
}

/// (name, to kelvin, from kelvin).
type Temp = (&'static str, fn(f64) -> f64, fn(f64) -> f64);

const TEMPERATURE: &[Temp] = &[
    ("DegreeCelsius", |x| x + 273.15, |k| k - 273.15),
    (
        "DegreeDelisle",
        |x| x * -2.0 / 3.0 + 373.15,
        |k| (k - 373.15) * -3.0 / 2.0,
    ),
    (
        "DegreeFahrenheit",
        |x| x * 5.0 / 9.0 + 459.67 * 5.0 / 9.0,
        |k| k * 9.0 / 5.0 - 459.67,
    ),
    (
        "DegreeNewton",
        |x| x * 100.0 / 33.0 + 273.15,
        |k| (k - 273.15) * 33.0 / 100.0,
    ),
    ("DegreeRankine", |x| x * 5.0 / 9.0, |k| k * 9.0 / 5.0),
    (
        "DegreeReaumur",
        |x| x * 5.0 / 4.0 + 273.15,
        |k| (k - 273.15) * 4.0 / 5.0,
    ),
    (
        "DegreeRoemer",
        |x| x * 40.0 / 21.0 + 273.15 - 7.5 * 40.0 / 21.0,
        |k| (k - (273.15 - 7.5 * 40.0 / 21.0)) * 21.0 / 40.0,
    ),
    ("Kelvin", |x| x, |k| k),
    (
        "MillidegreeCelsius",
        |x| x / 1000.0 + 273.15,
        |k| (k - 273.15) * 1000.0,
    ),
    ("SolarTemperature", |x| x * 5778.0, |k| k / 5778.0),
];

fn temperature(v: f64, from: &str, to: &str) -> Option<f64> {
    let f = TEMPERATURE.iter().find(|u| u.0 == from)?;
    let t = TEMPERATURE.iter().find(|u| u.0 == to)?;
    if from == to {
        return Some(v);
    }
    Some((t.2)((f.1)(v)))
}

/// `value` converted between two units of the family of KQL function
/// `name`; `None` for an unknown unit.
pub fn convert(name: &str, v: f64, from: &str, to: &str) -> Option<f64> {
    match name {
        "convert_angle" => angle(v, from, to),
        "convert_temperature" => temperature(v, from, to),
        _ => {
            let units = match name {
                "convert_energy" => ENERGY,
                "convert_force" => FORCE,
                "convert_length" => LENGTH,
                "convert_mass" => MASS,
                "convert_speed" => SPEED,
                "convert_volume" => VOLUME,
                _ => return None,
            };
            linear(units, v, from, to)
        }
    }
}

fn kernel(name: &str, a: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let v = a[0].as_primitive::<Float64Type>();
    let (from, to) = (a[1].as_string::<i32>(), a[2].as_string::<i32>());
    let mut out = Float64Builder::with_capacity(rows);
    for i in 0..rows {
        if v.is_null(i) || from.is_null(i) || to.is_null(i) {
            out.append_null();
            continue;
        }
        out.append_option(convert(name, v.value(i), from.value(i), to.value(i)));
    }
    Ok(Arc::new(out.finish()))
}

macro_rules! kernels {
    ($($f:ident => $n:literal),* $(,)?) => {
        $(fn $f(c: &TypedArgs) -> Result<ArrayRef> {
            let (a, rows) = (c.arrays(), c.rows);
            kernel($n, a, rows)
        })*
        fn udf(name: &str) -> Option<TypedUdf> {
            const ARGS: &[DataType] = &[DataType::Float64, DataType::Utf8, DataType::Utf8];
            Some(match name {
                $($n => TypedUdf::new(concat!("kql_", $n), DataType::Float64, ARGS, $f),)*
                _ => return None,
            })
        }
    };
}

kernels! {
    angle_kernel => "convert_angle",
    energy_kernel => "convert_energy",
    force_kernel => "convert_force",
    length_kernel => "convert_length",
    mass_kernel => "convert_mass",
    speed_kernel => "convert_speed",
    temperature_kernel => "convert_temperature",
    volume_kernel => "convert_volume",
}

/// `kql_convert_<family>(value, from, to)`: value as Float64, units as
/// strings.
pub fn convert_function_expr(name: &str, args: Vec<Expr>) -> Option<Expr> {
    udf(name).map(|u| u.call(args))
}

pub(crate) fn all_convert_udfs() -> Vec<ScalarUDF> {
    CONVERT_FUNCTIONS
        .iter()
        .filter_map(|n| udf(n))
        .map(ScalarUDF::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::*;
    use datafusion::arrow::array::Float64Array;
    use datafusion::logical_expr::ColumnarValue;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
    }

    #[test]
    fn documented_examples() {
        let cases = [
            ("convert_angle", "Degree", "Arcminute", 72.0),
            (
                "convert_energy",
                "Joule",
                "BritishThermalUnit",
                0.00113738054437598,
            ),
            ("convert_force", "Newton", "Decanewton", 0.12),
            ("convert_mass", "Kilogram", "Pound", 2.64554714621853),
            (
                "convert_speed",
                "MeterPerSecond",
                "CentimeterPerHour",
                432000.0,
            ),
            ("convert_volume", "CubicMeter", "AcreFoot", 0.0009728568),
            ("convert_length", "Meter", "Foot", 3.93700787401575),
            (
                "convert_temperature",
                "DegreeFahrenheit",
                "DegreeCelsius",
                -17.111_111_111_111_11,
            ),
        ];
        for (f, from, to, want) in cases {
            let got = convert(f, 1.2, from, to).unwrap();
            assert!(close(got, want), "{f}({from} -> {to}) = {got}");
        }
    }

    #[test]
    fn round_trips_and_unknowns() {
        for (name, units) in [
            ("convert_energy", ENERGY),
            ("convert_force", FORCE),
            ("convert_length", LENGTH),
            ("convert_mass", MASS),
            ("convert_speed", SPEED),
            ("convert_volume", VOLUME),
            ("convert_angle", ANGLE),
        ] {
            for u in units {
                let there = convert(name, 3.5, u.0, units[0].0).unwrap();
                let back = convert(name, there, units[0].0, u.0).unwrap();
                assert!(close(back, 3.5), "{name} {}", u.0);
            }
        }
        for t in TEMPERATURE {
            let k = convert("convert_temperature", 10.0, t.0, "Kelvin").unwrap();
            let back = convert("convert_temperature", k, "Kelvin", t.0).unwrap();
            assert!(close(back, 10.0), "{}", t.0);
        }
        assert!(close(
            convert(
                "convert_temperature",
                100.0,
                "DegreeCelsius",
                "DegreeFahrenheit"
            )
            .unwrap(),
            212.0
        ));
        assert!(close(
            convert("convert_angle", 0.5, "Tilt", "Degree").unwrap(),
            30.0
        ));
        assert!(close(
            convert("convert_angle", 90.0, "Degree", "Tilt").unwrap(),
            1.0
        ));
        assert_eq!(convert("convert_mass", 1.0, "kilogram", "Pound"), None);
        assert_eq!(convert("convert_mass", 1.0, "Kilogram", "Meter"), None);
    }

    #[test]
    fn kernel_nulls() {
        let u = udf("convert_length").unwrap();
        let out = invoke(
            &u,
            vec![
                ColumnarValue::Array(Arc::new(Float64Array::from(vec![
                    Some(1.0),
                    None,
                    Some(2.0),
                ]))),
                str_lit("Kilometer"),
                str_col(vec![Some("Meter"), Some("Meter"), Some("Parsecs")]),
            ],
        );
        let out = out.as_primitive::<Float64Type>();
        assert_eq!(out.value(0), 1000.0);
        assert!(out.is_null(1) && out.is_null(2));
    }
}

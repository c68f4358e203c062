//! `geo_info_from_ip_address(ip)` (geo-info-from-ip-address-function.md):
//! the location of an IPv4 or IPv6 address as a property bag
//! `{"country", "state", "city", "latitude", "longitude"}`. Kusto reads
//! MaxMind's GeoLite2 City data; offline, the user supplies the database
//! (the engine loads it from the workspace's `geoip/` folder into a
//! [`GeoIpDb`]) and the UDF looks each row up in its sorted ranges.
//!
//! An address the database does not cover (private, reserved, unknown) and a
//! text that is not an address give an empty bag `{}`: the function returns
//! the information "if the information is available".

use crate::ipv4::parse_ipv4;
use crate::ipv6::parse_ipv6;
use datafusion::arrow::array::{Array, ArrayRef, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// One location, as the database gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeoLocation {
    pub country: String,
    pub state: String,
    pub city: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl GeoLocation {
    /// The property bag as JSON text, keys in the documented order; a
    /// missing coordinate is `null`.
    pub fn to_json(&self) -> String {
        let num = |v: Option<f64>| match v {
            Some(x) if x.is_finite() => serde_json::Number::from_f64(x)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "null".to_string()),
            _ => "null".to_string(),
        };
        let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
        format!(
            "{{\"country\":{},\"state\":{},\"city\":{},\"latitude\":{},\"longitude\":{}}}",
            s(&self.country),
            s(&self.state),
            s(&self.city),
            num(self.latitude),
            num(self.longitude)
        )
    }
}

/// A network in CIDR notation as its first and last address: IPv4
/// networks as 32-bit values, IPv6 ones as 128-bit values (an IPv4-mapped
/// IPv6 network `::ffff:a.b.c.d/n`, n >= 96, is filed as IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    V4(u32, u32),
    V6(u128, u128),
}

/// Parse `a.b.c.d/n` or `x:y::/n` (a bare address is a /32 or /128).
pub fn parse_network(text: &str) -> Option<Network> {
    let text = text.trim();
    if !text.contains(':') {
        let (addr, bits) = parse_ipv4(text)?;
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        let first = addr & mask;
        return Some(Network::V4(first, first | !mask));
    }
    let (addr, bits) = parse_ipv6(text)?;
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    let first = addr & mask;
    let last = first | !mask;
    if bits >= 96 && first >> 32 == 0xffff {
        return Some(Network::V4(first as u32, last as u32));
    }
    Some(Network::V6(first, last))
}

/// A GeoIP database: sorted, non-overlapping address ranges, each with the
/// JSON text of its location (rendered once, shared by every row).
#[derive(Debug, Default)]
pub struct GeoIpDb {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    bags: Vec<String>,
    /// Where it was loaded from, for messages.
    pub origin: String,
}

/// Builds a [`GeoIpDb`] network by network.
#[derive(Debug, Default)]
pub struct GeoIpBuilder {
    db: GeoIpDb,
    /// Each distinct bag once: many networks share a location.
    index: HashMap<String, u32>,
}

impl GeoIpBuilder {
    pub fn new(origin: impl Into<String>) -> Self {
        GeoIpBuilder {
            db: GeoIpDb {
                origin: origin.into(),
                ..GeoIpDb::default()
            },
            index: HashMap::new(),
        }
    }

    /// Add a location (an equal one is shared); its index for
    /// [`GeoIpBuilder::add_network`].
    pub fn add_location(&mut self, loc: &GeoLocation) -> u32 {
        let bag = loc.to_json();
        if let Some(&i) = self.index.get(&bag) {
            return i;
        }
        let i = self.db.bags.len() as u32;
        self.db.bags.push(bag.clone());
        self.index.insert(bag, i);
        i
    }

    pub fn add_network(&mut self, net: Network, location: u32) {
        match net {
            Network::V4(a, b) => self.db.v4.push((a, b, location)),
            Network::V6(a, b) => self.db.v6.push((a, b, location)),
        }
    }

    /// Sort the ranges. Overlapping networks are an error (which location
    /// an address has would be ambiguous): the two networks, as text.
    pub fn finish(mut self) -> std::result::Result<GeoIpDb, String> {
        self.db.v4.sort_unstable();
        self.db.v6.sort_unstable();
        for w in self.db.v4.windows(2) {
            if w[1].0 <= w[0].1 {
                return Err(format!(
                    "networks overlap: {} - {} and {} - {}",
                    crate::ipv4::dotted(w[0].0),
                    crate::ipv4::dotted(w[0].1),
                    crate::ipv4::dotted(w[1].0),
                    crate::ipv4::dotted(w[1].1)
                ));
            }
        }
        for w in self.db.v6.windows(2) {
            if w[1].0 <= w[0].1 {
                return Err(format!(
                    "networks overlap: {} - {} and {} - {}",
                    std::net::Ipv6Addr::from(w[0].0),
                    std::net::Ipv6Addr::from(w[0].1),
                    std::net::Ipv6Addr::from(w[1].0),
                    std::net::Ipv6Addr::from(w[1].1)
                ));
            }
        }
        Ok(self.db)
    }
}

fn find<T: Ord + Copy>(ranges: &[(T, T, u32)], addr: T) -> Option<u32> {
    // the last range starting at or before `addr`
    let i = ranges.partition_point(|r| r.0 <= addr);
    let r = ranges.get(i.checked_sub(1)?)?;
    (addr <= r.1).then_some(r.2)
}

impl GeoIpDb {
    /// The number of networks.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The location bag of an address (not a network: `1.2.3.0/24` is not
    /// an address), or `None`.
    pub fn lookup(&self, text: &str) -> Option<&str> {
        let text = text.trim();
        if text.is_empty() || text.contains('/') {
            return None;
        }
        let idx = if text.contains(':') {
            let (v, _) = parse_ipv6(text)?;
            if v >> 32 == 0xffff {
                find(&self.v4, v as u32)?
            } else {
                find(&self.v6, v)?
            }
        } else {
            let (v, _) = parse_ipv4(text)?;
            find(&self.v4, v)?
        };
        self.bags.get(idx as usize).map(String::as_str)
    }
}

/// The UDF over one database; `None` = bound without a database (`kql
/// check`): it fails if it is ever run.
#[derive(Debug)]
pub struct GeoInfoUdf {
    db: Option<Arc<GeoIpDb>>,
    signature: Signature,
}

impl PartialEq for GeoInfoUdf {
    fn eq(&self, other: &Self) -> bool {
        match (&self.db, &other.db) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for GeoInfoUdf {}

impl Hash for GeoInfoUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "geo_info_from_ip_address".hash(state);
        self.db
            .as_ref()
            .map(|d| Arc::as_ptr(d) as usize)
            .hash(state);
    }
}

impl GeoInfoUdf {
    pub fn new(db: Option<Arc<GeoIpDb>>) -> Self {
        GeoInfoUdf {
            db,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for GeoInfoUdf {
    fn name(&self) -> &str {
        "geo_info_from_ip_address"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let Some(db) = &self.db else {
            return exec_err!(
                "geo_info_from_ip_address needs a GeoIP database (bound without one)"
            );
        };
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let input = args.args[0].to_array(if scalar { 1 } else { args.number_rows })?;
        let input = cast(&input, &DataType::Utf8)?;
        let strings = input
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .expect("cast to Utf8");
        let mut out = StringBuilder::with_capacity(strings.len(), strings.len() * 16);
        for i in 0..strings.len() {
            let bag = if strings.is_null(i) {
                None
            } else {
                db.lookup(strings.value(i))
            };
            out.append_value(bag.unwrap_or("{}"));
        }
        let out: ArrayRef = Arc::new(out.finish());
        if scalar {
            Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::try_from_array(&out, 0)?,
            ))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// `geo_info_from_ip_address(ip)` over `db`; `ip` is a string expression.
pub fn geo_info_expr(db: Option<Arc<GeoIpDb>>, ip: Expr) -> Expr {
    Arc::new(ScalarUDF::from(GeoInfoUdf::new(db))).call(vec![ip])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udf::test_util::{invoke, str_col, strings};

    fn db() -> Arc<GeoIpDb> {
        let mut b = GeoIpBuilder::new("test");
        let a = b.add_location(&GeoLocation {
            country: "Testland".into(),
            state: "North".into(),
            city: "Alpha".into(),
            latitude: Some(-33.8715),
            longitude: Some(151.2006),
        });
        let c = b.add_location(&GeoLocation {
            country: "Testland".into(),
            ..GeoLocation::default()
        });
        b.add_network(parse_network("192.0.2.0/25").unwrap(), a);
        b.add_network(parse_network("198.51.100.7").unwrap(), c);
        b.add_network(parse_network("2001:db8::/32").unwrap(), a);
        b.add_network(parse_network("::ffff:203.0.113.0/120").unwrap(), c);
        Arc::new(b.finish().unwrap())
    }

    #[test]
    fn networks_parse_to_ranges() {
        assert_eq!(
            parse_network("192.0.2.0/24"),
            Some(Network::V4(0xc000_0200, 0xc000_02ff))
        );
        assert_eq!(
            parse_network("::ffff:192.0.2.0/120"),
            Some(Network::V4(0xc000_0200, 0xc000_02ff))
        );
        assert!(matches!(
            parse_network("2001:db8::/32"),
            Some(Network::V6(_, _))
        ));
        assert_eq!(parse_network("nonsense"), None);
        assert_eq!(parse_network("1.2.3.4/33"), None);
    }

    #[test]
    fn lookup_finds_ranges_and_misses() {
        let db = db();
        assert!(db.lookup("192.0.2.1").unwrap().contains("Alpha"));
        assert!(db.lookup("192.0.2.127").is_some());
        assert!(db.lookup("192.0.2.128").is_none());
        assert!(db.lookup("198.51.100.7").is_some());
        assert!(db.lookup("198.51.100.8").is_none());
        assert!(db.lookup("203.0.113.9").is_some());
        assert!(db.lookup("::ffff:192.0.2.3").unwrap().contains("Alpha"));
        assert!(db.lookup("2001:db8:1::5").unwrap().contains("Alpha"));
        assert!(db.lookup("2001:db9::").is_none());
        assert!(db.lookup("10.0.0.1").is_none());
        assert!(db.lookup("").is_none());
        assert!(db.lookup("192.0.2.0/24").is_none());
        assert!(db.lookup("not an ip").is_none());
    }

    #[test]
    fn overlapping_networks_are_an_error() {
        let mut b = GeoIpBuilder::new("t");
        let l = b.add_location(&GeoLocation::default());
        b.add_network(parse_network("192.0.2.0/24").unwrap(), l);
        b.add_network(parse_network("192.0.2.128/25").unwrap(), l);
        assert!(b.finish().unwrap_err().contains("overlap"));
    }

    #[test]
    fn udf_renders_bags_and_empty_bags() {
        let udf = GeoInfoUdf::new(Some(db()));
        let out = invoke(
            &udf,
            vec![str_col(vec![
                Some("192.0.2.5"),
                None,
                Some(""),
                Some("10.1.1.1"),
                Some("198.51.100.7"),
            ])],
        );
        assert_eq!(
            strings(&out),
            vec![
                Some(
                    r#"{"country":"Testland","state":"North","city":"Alpha","latitude":-33.8715,"longitude":151.2006}"#
                        .to_string()
                ),
                Some("{}".to_string()),
                Some("{}".to_string()),
                Some("{}".to_string()),
                Some(
                    r#"{"country":"Testland","state":"","city":"","latitude":null,"longitude":null}"#
                        .to_string()
                ),
            ]
        );
    }
}

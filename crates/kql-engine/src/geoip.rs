//! The GeoIP database `geo_info_from_ip_address()` reads, from the
//! workspace's `geoip/` folder (or `--geoip DIR`). Two layouts:
//!
//! - MaxMind GeoLite2 City CSVs, as MaxMind distributes them:
//!   `GeoLite2-City-Blocks-IPv4.csv` and/or `GeoLite2-City-Blocks-IPv6.csv`
//!   (`network`, `geoname_id`, `registered_country_geoname_id`, ...,
//!   `latitude`, `longitude`) with `GeoLite2-City-Locations-en.csv`
//!   (`geoname_id`, ..., `country_name`, `subdivision_1_name`, ...,
//!   `city_name`). A block without a `geoname_id` takes its registered
//!   country's names. Columns are found by their header names.
//! - A simple `geoip.csv`: `network,country,state,city,latitude,longitude`,
//!   one CIDR network (or single address) per row.
//!
//! Both become a [`GeoIpDb`] of sorted ranges, loaded once per workspace.
//! A line that cannot be read is an error naming the file and line.

use kql_functions::geoip::{GeoIpBuilder, GeoIpDb, GeoLocation, parse_network};
use kql_syntax::{Code, Diagnostic};
use std::collections::HashMap;
use std::path::Path;

pub const MAXMIND_V4: &str = "GeoLite2-City-Blocks-IPv4.csv";
pub const MAXMIND_V6: &str = "GeoLite2-City-Blocks-IPv6.csv";
pub const MAXMIND_LOCATIONS: &str = "GeoLite2-City-Locations-en.csv";
pub const SIMPLE: &str = "geoip.csv";

fn unreadable(path: &Path, line: Option<u64>, what: &str) -> Diagnostic {
    let place = match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    };
    Diagnostic::new(
        Code::EnrichmentUnreadable,
        format!("GeoIP database {place}: {what}"),
    )
    .with_hint(format!(
        "{SIMPLE} has the header network,country,state,city,latitude,longitude; \
         MaxMind files are read as MaxMind distributes them"
    ))
}

/// The database in `dir`, or `None` when `dir` holds neither layout.
pub fn load(dir: &Path) -> Result<Option<GeoIpDb>, Diagnostic> {
    let locations = dir.join(MAXMIND_LOCATIONS);
    let blocks: Vec<_> = [MAXMIND_V4, MAXMIND_V6]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    if locations.is_file() && !blocks.is_empty() {
        return load_maxmind(&locations, &blocks, dir).map(Some);
    }
    let simple = dir.join(SIMPLE);
    if simple.is_file() {
        return load_simple(&simple).map(Some);
    }
    if locations.is_file() || !blocks.is_empty() {
        return Err(Diagnostic::new(
            Code::EnrichmentMissing,
            format!(
                "GeoIP database {}: MaxMind GeoLite2 City needs {MAXMIND_LOCATIONS} and at least one of {MAXMIND_V4}, {MAXMIND_V6}",
                dir.display()
            ),
        ));
    }
    Ok(None)
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>, Diagnostic> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, None, &e.to_string()))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(file))
}

/// The index of each wanted header, by name (case-insensitive).
fn columns<const N: usize>(
    path: &Path,
    rdr: &mut csv::Reader<std::fs::File>,
    wanted: [&str; N],
) -> Result<[usize; N], Diagnostic> {
    let headers = rdr
        .headers()
        .map_err(|e| unreadable(path, Some(1), &e.to_string()))?
        .clone();
    let mut out = [0; N];
    for (i, w) in wanted.iter().enumerate() {
        out[i] = headers
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(w)
            })
            .ok_or_else(|| unreadable(path, Some(1), &format!("no column '{w}' in the header")))?;
    }
    Ok(out)
}

fn record_line(path: &Path, r: &Result<csv::StringRecord, csv::Error>) -> Option<u64> {
    let _ = path;
    match r {
        Ok(rec) => rec.position().map(|p| p.line()),
        Err(e) => e.position().map(|p| p.line()),
    }
}

fn coordinate(
    path: &Path,
    line: Option<u64>,
    text: &str,
    what: &str,
) -> Result<Option<f64>, Diagnostic> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| unreadable(path, line, &format!("{what} '{t}' is not a number")))
}

fn network(
    path: &Path,
    line: Option<u64>,
    text: &str,
) -> Result<kql_functions::geoip::Network, Diagnostic> {
    parse_network(text).ok_or_else(|| {
        unreadable(
            path,
            line,
            &format!("'{text}' is not an IPv4 or IPv6 network (CIDR, e.g. 192.0.2.0/24)"),
        )
    })
}

fn finish(b: GeoIpBuilder, path: &Path) -> Result<GeoIpDb, Diagnostic> {
    b.finish().map_err(|e| unreadable(path, None, &e))
}

/// `geoip.csv`: network,country,state,city,latitude,longitude.
pub fn load_simple(path: &Path) -> Result<GeoIpDb, Diagnostic> {
    let mut rdr = reader(path)?;
    let [n, c, s, ci, la, lo] = columns(
        path,
        &mut rdr,
        [
            "network",
            "country",
            "state",
            "city",
            "latitude",
            "longitude",
        ],
    )?;
    let mut b = GeoIpBuilder::new(path.display().to_string());
    for rec in rdr.records() {
        let line = record_line(path, &rec);
        let rec = rec.map_err(|e| unreadable(path, line, &e.to_string()))?;
        let net = network(path, line, &rec[n])?;
        let loc = GeoLocation {
            country: rec[c].trim().to_string(),
            state: rec[s].trim().to_string(),
            city: rec[ci].trim().to_string(),
            latitude: coordinate(path, line, &rec[la], "latitude")?,
            longitude: coordinate(path, line, &rec[lo], "longitude")?,
        };
        let idx = b.add_location(&loc);
        b.add_network(net, idx);
    }
    finish(b, path)
}

/// The names of a GeoLite2 location.
#[derive(Clone)]
struct Names {
    country: String,
    state: String,
    city: String,
}

/// MaxMind GeoLite2 City CSVs.
pub fn load_maxmind(
    locations: &Path,
    blocks: &[std::path::PathBuf],
    dir: &Path,
) -> Result<GeoIpDb, Diagnostic> {
    let mut rdr = reader(locations)?;
    let [id, country, state, city] = columns(
        locations,
        &mut rdr,
        [
            "geoname_id",
            "country_name",
            "subdivision_1_name",
            "city_name",
        ],
    )?;
    let mut names: HashMap<String, Names> = HashMap::new();
    for rec in rdr.records() {
        let line = record_line(locations, &rec);
        let rec = rec.map_err(|e| unreadable(locations, line, &e.to_string()))?;
        let key = rec[id].trim();
        if key.is_empty() {
            return Err(unreadable(locations, line, "empty geoname_id"));
        }
        names.insert(
            key.to_string(),
            Names {
                country: rec[country].trim().to_string(),
                state: rec[state].trim().to_string(),
                city: rec[city].trim().to_string(),
            },
        );
    }
    let mut b = GeoIpBuilder::new(dir.display().to_string());
    // Blocks share locations (a city's coordinates): one bag each.
    let mut bags: HashMap<(String, Option<u64>, Option<u64>), u32> = HashMap::new();
    for path in blocks {
        let mut rdr = reader(path)?;
        let [net, gid, reg, la, lo] = columns(
            path,
            &mut rdr,
            [
                "network",
                "geoname_id",
                "registered_country_geoname_id",
                "latitude",
                "longitude",
            ],
        )?;
        for rec in rdr.records() {
            let line = record_line(path, &rec);
            let rec = rec.map_err(|e| unreadable(path, line, &e.to_string()))?;
            let network = network(path, line, &rec[net])?;
            let mut key = rec[gid].trim();
            if key.is_empty() {
                key = rec[reg].trim();
            }
            let lat = coordinate(path, line, &rec[la], "latitude")?;
            let lon = coordinate(path, line, &rec[lo], "longitude")?;
            let bag_key = (
                key.to_string(),
                lat.map(f64::to_bits),
                lon.map(f64::to_bits),
            );
            let idx = match bags.get(&bag_key) {
                Some(&i) => i,
                None => {
                    let n = if key.is_empty() {
                        None
                    } else {
                        Some(names.get(key).ok_or_else(|| {
                            unreadable(
                                path,
                                line,
                                &format!("geoname_id {key} is not in {MAXMIND_LOCATIONS}"),
                            )
                        })?)
                    };
                    let loc = GeoLocation {
                        country: n.map(|n| n.country.clone()).unwrap_or_default(),
                        state: n.map(|n| n.state.clone()).unwrap_or_default(),
                        city: n.map(|n| n.city.clone()).unwrap_or_default(),
                        latitude: lat,
                        longitude: lon,
                    };
                    let i = b.add_location(&loc);
                    bags.insert(bag_key, i);
                    i
                }
            };
            b.add_network(network, idx);
        }
    }
    finish(b, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn simple_csv_loads_and_looks_up() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            SIMPLE,
            "network,country,state,city,latitude,longitude\n\
             192.0.2.0/24,Testland,North,\"Alpha, Upper\",1.5,-2.25\n\
             2001:db8::/32,Testland,,,,\n",
        );
        let db = load(d.path()).unwrap().unwrap();
        assert_eq!(db.len(), 2);
        assert_eq!(
            db.lookup("192.0.2.9"),
            Some(
                r#"{"country":"Testland","state":"North","city":"Alpha, Upper","latitude":1.5,"longitude":-2.25}"#
            )
        );
        assert!(
            db.lookup("2001:db8::1")
                .unwrap()
                .contains("\"latitude\":null")
        );
    }

    #[test]
    fn empty_folder_has_no_database() {
        let d = tempfile::tempdir().unwrap();
        assert!(load(d.path()).unwrap().is_none());
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            SIMPLE,
            "network,country,state,city,latitude,longitude\n\
             192.0.2.0/24,A,B,C,1,2\n\
             192.0.2.300/24,A,B,C,1,2\n",
        );
        let e = load(d.path()).unwrap_err();
        assert_eq!(e.code, Code::EnrichmentUnreadable);
        assert!(e.message.contains("geoip.csv:3"), "{}", e.message);
        assert!(e.message.contains("192.0.2.300/24"), "{}", e.message);

        write(
            d.path(),
            SIMPLE,
            "network,country,state,city,latitude,longitude\n192.0.2.0/24,A,B,C,north,2\n",
        );
        let e = load(d.path()).unwrap_err();
        assert!(e.message.contains("geoip.csv:2"), "{}", e.message);
        assert!(e.message.contains("latitude 'north'"), "{}", e.message);

        write(
            d.path(),
            SIMPLE,
            "network,country,state,city,latitude,longitude\n192.0.2.0/24,A,B\n",
        );
        let e = load(d.path()).unwrap_err();
        assert!(e.message.contains("geoip.csv:2"), "{}", e.message);

        write(d.path(), SIMPLE, "net,country\n");
        let e = load(d.path()).unwrap_err();
        assert!(e.message.contains("no column 'network'"), "{}", e.message);
    }

    #[test]
    fn maxmind_csvs_load() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            MAXMIND_LOCATIONS,
            "geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,subdivision_1_iso_code,subdivision_1_name,subdivision_2_iso_code,subdivision_2_name,city_name,metro_code,time_zone,is_in_european_union\n\
             100,en,EU,Europe,TL,Testland,NO,North,,,\"Alpha, Upper\",,Europe/Test,0\n\
             200,en,EU,Europe,TL,Testland,,,,,,,,0\n",
        );
        write(
            d.path(),
            MAXMIND_V4,
            "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,postal_code,latitude,longitude,accuracy_radius\n\
             192.0.2.0/25,100,200,,0,0,,1.5,2.5,10\n\
             192.0.2.128/25,,200,,0,0,,,,\n",
        );
        let db = load(d.path()).unwrap().unwrap();
        assert!(
            db.lookup("192.0.2.1")
                .unwrap()
                .contains("\"city\":\"Alpha, Upper\"")
        );
        assert_eq!(
            db.lookup("192.0.2.200"),
            Some(r#"{"country":"Testland","state":"","city":"","latitude":null,"longitude":null}"#)
        );
        // an unknown geoname id is an error at its line
        write(
            d.path(),
            MAXMIND_V4,
            "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,postal_code,latitude,longitude,accuracy_radius\n\
             192.0.2.0/25,999,200,,0,0,,1.5,2.5,10\n",
        );
        let e = load(d.path()).unwrap_err();
        assert!(
            e.message.contains("GeoLite2-City-Blocks-IPv4.csv:2"),
            "{}",
            e.message
        );
    }
}

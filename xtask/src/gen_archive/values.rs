//! Value pools and small value helpers.
//!
//! Pools (devices, users, web sites, external addresses) are built once per run from the
//! seed; rows pick entries by index, so most string cells are copied from a pool instead of
//! being formatted. Random formatting (GUIDs, hex) writes into a reused buffer.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The ThreatFox XMRIG indicators the two seed hunts look for. Ordinary rows never carry
/// them in any column; only planted rows do.
pub const MALICIOUS_IPS: [&str; 3] = ["195.20.239.136", "47.253.156.31", "60.165.167.98"];

/// Crypto-miner user agents planted in web rows (terms `XMRig` / `ccminer` of the
/// UnusualUserAgents feed, matched with `has`, which ignores case).
pub const MINER_UAS: [&str; 5] = [
    "XMRig/6.2.1",
    "ccminer/2.3",
    "XMRig/6.21.0 (Windows NT 10.0; Win64; x64) libuv/1.44.2 msvc/2019",
    "ccminer/2.3.1-git",
    "xmrig/6.16.4 (Linux x86_64) libuv/1.42.0 gcc/9.3.0",
];

/// User agents that look like miners but hold neither term as a whole word.
pub const MINER_UA_NEAR_MISSES: [&str; 4] = [
    "XMRigger/1.0",
    "Mozilla/5.0 (compatible; ccminerbot/1.0)",
    "xmr-stak/2.10.8",
    "XMRigProxy",
];

/// Ordinary user agents. None contains a term of the UnusualUserAgents feed.
pub const NORMAL_UAS: [&str; 14] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17726; Pro)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/24152.405.2925.6762 Chrome/122.0.6261.171 Electron/29.4.5 Safari/537.36",
    "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71",
    "Microsoft-CryptoAPI/10.0",
    "curl/8.7.1",
    "python-requests/2.32.3",
    "okhttp/4.12.0",
    "Go-http-client/2.0",
];

/// Ports of mining pools (ThreatFox lists the indicators as ip:port).
pub const MINER_PORTS: [i64; 6] = [3333, 4444, 5555, 7777, 14444, 443];

const FIRST_NAMES: [&str; 24] = [
    "adele", "bruno", "carla", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas",
    "kemal", "lena", "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "samir", "tara", "ugo",
    "vera", "wei", "yusuf",
];
const LAST_NAMES: [&str; 20] = [
    "adams", "berg", "costa", "dubois", "eklund", "fischer", "garcia", "hansen", "ivanova",
    "jensen", "kowalski", "lopez", "moreau", "novak", "okafor", "petrov", "rossi", "silva",
    "tanaka", "weber",
];
const SITE_WORDS: [&str; 32] = [
    "acme", "blue", "cloud", "data", "edge", "fast", "globe", "harbor", "iris", "jade", "kite",
    "lumen", "metro", "nova", "orbit", "pixel", "quartz", "river", "solar", "terra", "ultra",
    "vista", "wave", "xeno", "yonder", "zen", "north", "south", "alpha", "delta", "sigma", "omega",
];
const SITE_TLDS: [&str; 8] = ["com", "net", "org", "io", "de", "co.uk", "fr", "cloud"];
const SITE_PREFIXES: [&str; 6] = ["www", "api", "cdn", "login", "static", "app"];
pub const URL_CATEGORIES: [&str; 10] = [
    "Business and Economy",
    "Computer and Internet Info",
    "Content Delivery Networks",
    "Web Search",
    "News and Media",
    "Social Networking",
    "Streaming Media",
    "Online Storage and Backup",
    "Finance",
    "Professional Services",
];
pub const URL_PATHS: [&str; 12] = [
    "/",
    "/index.html",
    "/api/v2/status",
    "/login",
    "/static/js/app.js",
    "/images/logo.png",
    "/search?q=quarterly+report",
    "/v1/telemetry",
    "/downloads/setup.msi",
    "/news/2026/06/article",
    "/favicon.ico",
    "/oauth2/authorize",
];
pub const DEPARTMENTS: [&str; 6] = ["Finance", "Engineering", "Sales", "HR", "IT", "Legal"];
pub const FILLER_WORDS: [&str; 16] = [
    "none",
    "default",
    "n/a",
    "primary",
    "secondary",
    "internal",
    "external",
    "unknown",
    "enabled",
    "disabled",
    "standard",
    "legacy",
    "low",
    "medium",
    "high",
    "other",
];

/// A managed device (workstation or server).
pub struct Device {
    pub fqdn: String,
    pub short: String,
    pub id: String,
    pub ip: String,
    pub mac: String,
    pub user: usize,
    pub server: bool,
}

/// A directory user.
pub struct User {
    pub upn: String,
    pub sam: String,
    pub sid: String,
    pub object_id: String,
    pub department: &'static str,
}

/// An external web site.
pub struct Site {
    pub host: String,
    pub domain: String,
    pub ip: String,
    pub category: &'static str,
}

/// Everything rows pick from, built once per run.
pub struct Pools {
    pub devices: Vec<Device>,
    pub users: Vec<User>,
    pub sites: Vec<Site>,
    pub ext_ips: Vec<String>,
    pub md5: Vec<String>,
    pub sha1: Vec<String>,
    pub sha256: Vec<String>,
    /// Recurring GUIDs (sessions, original event ids).
    pub guids: Vec<String>,
    /// A few opaque ids for filler columns.
    pub filler_ids: Vec<String>,
}

impl Pools {
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(mix(&[seed, 0x9001]));
        let mut buf = String::new();
        let users: Vec<User> = (0..150)
            .map(|i| {
                let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
                let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
                let sam = format!("{first}.{last}{i}");
                buf.clear();
                guid(&mut rng, &mut buf);
                User {
                    upn: format!("{sam}@contoso.com"),
                    sid: format!("S-1-5-21-1004336348-1177238915-682003330-{}", 1100 + i),
                    sam,
                    object_id: buf.clone(),
                    department: DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())],
                }
            })
            .collect();
        let devices = (0..200)
            .map(|i| {
                let server = i % 10 == 0;
                let short = if server {
                    format!("srv-{i:04}")
                } else {
                    format!("wks-{i:04}")
                };
                buf.clear();
                hex(&mut rng, 40, &mut buf);
                let subnet = if server { 20 } else { 1 };
                Device {
                    fqdn: format!("{short}.contoso.local"),
                    id: buf.clone(),
                    ip: format!("10.{subnet}.{}.{}", i / 100, 10 + i % 100),
                    mac: format!(
                        "00-15-5d-{:02x}-{:02x}-{:02x}",
                        rng.random::<u8>(),
                        rng.random::<u8>(),
                        rng.random::<u8>()
                    ),
                    short,
                    user: i % users.len(),
                    server,
                }
            })
            .collect();
        let ext_ips: Vec<String> = (0..2048).map(|_| public_ipv4(&mut rng)).collect();
        let sites = (0..300)
            .map(|i| {
                let a = SITE_WORDS[rng.random_range(0..SITE_WORDS.len())];
                let b = SITE_WORDS[rng.random_range(0..SITE_WORDS.len())];
                let tld = SITE_TLDS[rng.random_range(0..SITE_TLDS.len())];
                let prefix = SITE_PREFIXES[rng.random_range(0..SITE_PREFIXES.len())];
                let domain = format!("{a}{b}{i}.{tld}");
                Site {
                    host: format!("{prefix}.{domain}"),
                    domain,
                    ip: ext_ips[rng.random_range(0..ext_ips.len())].clone(),
                    category: URL_CATEGORIES[rng.random_range(0..URL_CATEGORIES.len())],
                }
            })
            .collect();
        let mut hashes = |len: usize| -> Vec<String> {
            (0..1024)
                .map(|_| {
                    let mut s = String::with_capacity(len);
                    hex(&mut rng, len, &mut s);
                    s
                })
                .collect()
        };
        let md5 = hashes(32);
        let sha1 = hashes(40);
        let sha256 = hashes(64);
        let guids = (0..1024)
            .map(|_| {
                let mut s = String::with_capacity(36);
                guid(&mut rng, &mut s);
                s
            })
            .collect();
        let filler_ids = (0..64)
            .map(|_| {
                let mut s = String::with_capacity(16);
                hex(&mut rng, 16, &mut s);
                s
            })
            .collect();
        Pools {
            devices,
            users,
            sites,
            ext_ips,
            md5,
            sha1,
            sha256,
            guids,
            filler_ids,
        }
    }
}

/// A random public IPv4 address outside private, reserved and multicast ranges, and never
/// one of [`MALICIOUS_IPS`].
fn public_ipv4(rng: &mut StdRng) -> String {
    loop {
        let a: u8 = rng.random_range(1..224);
        let b: u8 = rng.random();
        let private = a == 10
            || a == 127
            || a == 0
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && b == 168)
            || (a == 169 && b == 254)
            || (a == 100 && (64..128).contains(&b));
        if private {
            continue;
        }
        let ip = format!(
            "{a}.{b}.{}.{}",
            rng.random::<u8>(),
            rng.random_range(1u8..255)
        );
        if !MALICIOUS_IPS.contains(&ip.as_str()) {
            return ip;
        }
    }
}

/// SplitMix64 over a list of words: derives independent seeds for tables, files, chunks and
/// columns from the run seed.
pub fn mix(words: &[u64]) -> u64 {
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    for &w in words {
        h ^= w;
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h = z ^ (z >> 31);
    }
    h
}

/// FNV-1a of a string (stable across runs and platforms).
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Appends `len` random lowercase hex digits.
pub fn hex(rng: &mut StdRng, len: usize, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut left = len;
    while left > 0 {
        let mut word = rng.random::<u64>();
        for _ in 0..left.min(16) {
            out.push(DIGITS[(word & 15) as usize] as char);
            word >>= 4;
        }
        left = left.saturating_sub(16);
    }
}

/// Appends a random GUID in the usual 8-4-4-4-12 form.
pub fn guid(rng: &mut StdRng, out: &mut String) {
    for (i, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        hex(rng, len, out);
    }
}

/// Renders a datetime the way Kusto prints it: ISO 8601 UTC with `Z`, fractional seconds
/// only when non-zero (up to 7 digits, trailing zeros trimmed; ticks are 100 ns).
pub fn kusto_datetime(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac_ns = ns.rem_euclid(1_000_000_000);
    let dt: DateTime<Utc> = DateTime::from_timestamp(secs, 0).expect("timestamp in range");
    let mut s = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    let ticks = frac_ns / 100;
    if ticks != 0 {
        let digits = format!("{ticks:07}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Parses an RFC 3339 datetime into Unix nanoseconds.
pub fn parse_datetime(text: &str) -> Result<i64, String> {
    let dt =
        DateTime::parse_from_rfc3339(text).map_err(|e| format!("bad datetime `{text}`: {e}"))?;
    dt.timestamp_nanos_opt()
        .ok_or_else(|| format!("datetime `{text}` out of range"))
}

/// `YYYY-MM-DD` of a Unix-nanosecond instant.
pub fn date_of(ns: i64) -> String {
    let dt: DateTime<Utc> =
        DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0).expect("timestamp in range");
    dt.format("%Y-%m-%d").to_string()
}

/// Writes an integer into a string buffer.
pub fn push_int(out: &mut String, v: i64) {
    let _ = write!(out, "{v}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_rendering() {
        let t = parse_datetime("2026-06-16T10:00:00Z").unwrap();
        assert_eq!(kusto_datetime(t), "2026-06-16T10:00:00Z");
        assert_eq!(kusto_datetime(t + 123_000_000), "2026-06-16T10:00:00.123Z");
        assert_eq!(kusto_datetime(t + 1_200), "2026-06-16T10:00:00.0000012Z");
        assert_eq!(kusto_datetime(t + 50), "2026-06-16T10:00:00Z");
        assert_eq!(kusto_datetime(t - 1_000_000), "2026-06-16T09:59:59.999Z");
        assert_eq!(date_of(t), "2026-06-16");
    }

    #[test]
    fn pools_are_clean() {
        let p = Pools::new(7);
        for ip in p.ext_ips.iter().chain(p.sites.iter().map(|s| &s.ip)) {
            assert!(!MALICIOUS_IPS.contains(&ip.as_str()));
        }
        for ua in NORMAL_UAS {
            let lower = ua.to_ascii_lowercase();
            assert!(!lower.contains("xmrig") && !lower.contains("ccminer"));
        }
    }
}

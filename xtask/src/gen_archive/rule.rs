//! The seed analytic rule `UnusualUACryptoMiners` ("A host is potentially running a crypto
//! miner (ASIM Web Session schema)") computed in plain Rust, independently of the engine.
//!
//! The rule reads `_Im_WebSession(httpuseragent_has_any = <Cryptominer agents of the
//! UnusualUserAgents feed>)` over its query period `[now - 15m, now]`, then
//! `summarize N_Events = count() by SrcIpAddr, Url, TimeGenerated, HttpUserAgent, SrcUsername`
//! and adds `AccountName = tostring(split(SrcUsername, "@")[0])`,
//! `AccountUPNSuffix = tostring(split(SrcUsername, "@")[1])`.
//!
//! What each source parser hands the rule (shared/sentinel/parsers):
//! * `ASimWebSessionLogs` (vimWebSessionNative): every row whose `HttpUserAgent` has one of
//!   the agents as a term; the columns as stored.
//! * `CommonSecurityLog` (vimWebSessionZscalerZIA): rows with `DeviceVendor == "Zscaler"` and
//!   `DeviceProduct == "NSSWeblog"` whose `RequestClientApplication` has an agent;
//!   `SrcIpAddr = SourceIP`, `SrcUsername = SourceUserName`, `HttpUserAgent =
//!   RequestClientApplication`, `Url = iff(RequestURL == "", "", strcat(tolower(ApplicationProtocol),
//!   "://", url_decode(RequestURL)))`.
//! * `SquidProxy_CL` (vimWebSessionSquidProxy): nothing; its pre-filter
//!   `array_length(httpuseragent_has_any) == 0` is false for the rule (Squid native logs
//!   carry no user agent).
//!
//! Strings are never null in KQL: a null cell is `""` here.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{Value as Json, json};

use super::Result;
use super::expected::result_text;
use super::schema::KqlType;
use super::values::kusto_datetime;

pub const NAME: &str = "UnusualUACryptoMiners";
pub const RULE_ID: &str = "8cbc3215-fa58-4bd6-aaaa-f0029c351730";
pub const FILE: &str = "UnusualUACryptoMiners.json";
/// `queryPeriod: 15m`.
pub const QUERY_PERIOD_NS: i64 = 15 * 60 * 1_000_000_000;

/// The `Cryptominer` entries of the UnusualUserAgents feed
/// (shared/sentinel/feeds/UnusualUserAgents.csv); the rule's custom watchlist is empty.
pub const CRYPTOMINER_AGENTS: [&str; 2] = ["XMRig", "ccminer"];

/// The tables the rule's sources read.
pub const SOURCE_TABLES: [&str; 3] = ["ASimWebSessionLogs", "CommonSecurityLog", "SquidProxy_CL"];

/// Output columns of the rule, in order.
pub const COLUMNS: &[(&str, KqlType)] = &[
    ("SrcIpAddr", KqlType::String),
    ("Url", KqlType::String),
    ("TimeGenerated", KqlType::DateTime),
    ("HttpUserAgent", KqlType::String),
    ("SrcUsername", KqlType::String),
    ("N_Events", KqlType::Long),
    ("AccountName", KqlType::String),
    ("AccountUPNSuffix", KqlType::String),
];

/// One web-request row of a source table, with the columns the rule's parsers read
/// (`None` = null in the file or a column the file lacks).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebEvent {
    pub table: &'static str,
    pub time: i64,
    /// `CommonSecurityLog.DeviceVendor` / `DeviceProduct`.
    pub vendor: Option<String>,
    pub product: Option<String>,
    /// `HttpUserAgent` / `RequestClientApplication`.
    pub user_agent: Option<String>,
    /// `SrcIpAddr` / `SourceIP`.
    pub src_ip: Option<String>,
    /// `Url` (ASim, as stored) / `RequestURL` (CommonSecurityLog, raw).
    pub url: Option<String>,
    /// `CommonSecurityLog.ApplicationProtocol`.
    pub protocol: Option<String>,
    /// `SrcUsername` / `SourceUserName`.
    pub user: Option<String>,
}

/// A row as the `_Im_WebSession` union hands it on: the rule's group keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub time: i64,
    pub src_ip: String,
    pub url: String,
    pub user_agent: String,
    pub user: String,
}

/// One result row of the rule, with the tables its events came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub key: Key,
    pub n_events: i64,
    pub sources: Vec<&'static str>,
}

/// Whether `text` holds `term` as a whole term, ignoring case, as Kusto's `has` does for a
/// term of letters and digits: some maximal run of ASCII letters and digits equals it.
pub fn has_term(text: &str, term: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| !t.is_empty() && t.eq_ignore_ascii_case(term))
}

/// `has_any` over the Cryptominer agents.
pub fn is_miner_agent(text: &str) -> bool {
    CRYPTOMINER_AGENTS.iter().any(|a| has_term(text, a))
}

/// Kusto's `url_decode`: `%XX` escapes become bytes (read back as UTF-8, invalid sequences
/// replaced); everything else, `+` included, stays.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `tostring(split(s, "@")[i])`: the i-th `@`-separated part, `""` when there is none.
pub fn at_part(s: &str, i: usize) -> &str {
    s.split('@').nth(i).unwrap_or("")
}

impl WebEvent {
    fn text(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    /// The row the table's ASIM parser hands the rule, or `None` when it hands none.
    pub fn through_parser(&self) -> Option<Key> {
        let ua = Self::text(&self.user_agent);
        if !is_miner_agent(&ua) {
            return None;
        }
        let url = match self.table {
            "ASimWebSessionLogs" => Self::text(&self.url),
            "CommonSecurityLog" => {
                if self.vendor.as_deref() != Some("Zscaler")
                    || self.product.as_deref() != Some("NSSWeblog")
                {
                    return None;
                }
                let raw = Self::text(&self.url);
                if raw.is_empty() {
                    String::new()
                } else {
                    format!(
                        "{}://{}",
                        Self::text(&self.protocol).to_lowercase(),
                        url_decode(&raw)
                    )
                }
            }
            _ => return None,
        };
        Some(Key {
            time: self.time,
            src_ip: Self::text(&self.src_ip),
            url,
            user_agent: ua,
            user: Self::text(&self.user),
        })
    }
}

/// The rule's result over `events` for `now`: rows in `[now - 15m, now]` that a parser
/// hands on, grouped. Sorted by the keys (time first); the rule itself has no order.
pub fn answer(events: &[WebEvent], now: i64) -> Vec<RuleRow> {
    let start = now - QUERY_PERIOD_NS;
    let mut groups: BTreeMap<Key, (i64, Vec<&'static str>)> = BTreeMap::new();
    for e in events {
        if e.time < start || e.time > now {
            continue;
        }
        if let Some(key) = e.through_parser() {
            let g = groups.entry(key).or_default();
            g.0 += 1;
            if !g.1.contains(&e.table) {
                g.1.push(e.table);
                g.1.sort();
            }
        }
    }
    groups
        .into_iter()
        .map(|(key, (n_events, sources))| RuleRow {
            key,
            n_events,
            sources,
        })
        .collect()
}

impl RuleRow {
    /// The row in the rule's column order, rendered as Kusto prints JSON.
    pub fn render(&self) -> Vec<Json> {
        let k = &self.key;
        vec![
            json!(k.src_ip),
            json!(k.url),
            json!(kusto_datetime(k.time)),
            json!(k.user_agent),
            json!(k.user),
            json!(self.n_events),
            json!(at_part(&k.user, 0)),
            json!(at_part(&k.user, 1)),
        ]
    }
}

/// The text of `_expected/UnusualUACryptoMiners.json`.
pub fn expected_text(rows: &[RuleRow], now: i64) -> String {
    let rendered: Vec<Vec<Json>> = rows.iter().map(RuleRow::render).collect();
    // The columns/rows part in the layout of the other result files, then the metadata.
    let body = result_text(COLUMNS, &rendered);
    let sources: Vec<String> = rows.iter().map(|r| json!(r.sources).to_string()).collect();
    let head = [
        ("rule", json!(NAME)),
        ("rule_id", json!(RULE_ID)),
        ("rule_file", json!("queries/UnusualUACryptoMiners.yaml")),
        ("now", json!(kusto_datetime(now))),
        ("query_period", json!("00:15:00")),
        (
            "window",
            json!({
                "start": kusto_datetime(now - QUERY_PERIOD_NS),
                "end": kusto_datetime(now),
                "inclusive": "both ends: start <= TimeGenerated <= end",
            }),
        ),
        ("ordered", json!(false)),
        (
            "note",
            json!(
                "The rule has no order: compare rows as a multiset. Rows here are sorted by TimeGenerated, SrcIpAddr, Url, HttpUserAgent, SrcUsername. row_sources[i] lists the tables the events of rows[i] came from (not a rule column)."
            ),
        ),
    ];
    let mut out = String::from("{\n");
    for (k, v) in head {
        out.push_str(&format!("  {}: {},\n", json!(k), v));
    }
    // `body` is `{\n  "columns": ...\n}\n`: splice its members in.
    let inner = body
        .strip_prefix("{\n")
        .and_then(|b| b.strip_suffix("\n}\n"))
        .unwrap_or(&body);
    out.push_str(inner);
    out.push_str(",\n  \"row_sources\": [\n");
    for (i, s) in sources.iter().enumerate() {
        out.push_str("    ");
        out.push_str(s);
        if i + 1 < sources.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("  ]\n}\n");
    out
}

/// Writes the rule's expected answer; returns the row count.
pub fn write_expected(dir: &Path, rows: &[RuleRow], now: i64) -> Result<usize> {
    let text = expected_text(rows, now);
    // Parses back: a malformed splice is a generator bug.
    serde_json::from_str::<Json>(&text)?;
    fs::write(dir.join(FILE), text)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms() {
        assert!(has_term("XMRig/6.2.1", "xmrig"));
        assert!(has_term("Mozilla/5.0 xmrig", "XMRig"));
        assert!(has_term("ccminer-x64/2.3.1 (CUDA 11.4)", "ccminer"));
        assert!(has_term("CCMINER", "ccminer"));
        assert!(!has_term("xmrigger/1.0", "XMRig"));
        assert!(!has_term("myccminerbox", "ccminer"));
        assert!(!has_term("XMRigProxy", "XMRig"));
        assert!(!has_term("", "XMRig"));
        assert!(!is_miner_agent("sqlmap/1.8.4#stable (https://sqlmap.org)"));
    }

    #[test]
    fn decoding() {
        assert_eq!(url_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(url_decode("q=a+b"), "q=a+b");
        assert_eq!(url_decode("caf%C3%A9"), "café");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%4"), "%zz%4");
        assert_eq!(url_decode("%3f%3D"), "?=");
    }

    #[test]
    fn account_parts() {
        assert_eq!(at_part("alice@contoso.com", 0), "alice");
        assert_eq!(at_part("alice@contoso.com", 1), "contoso.com");
        assert_eq!(at_part("a@b@c", 1), "b");
        assert_eq!(at_part("svc-render", 0), "svc-render");
        assert_eq!(at_part("svc-render", 1), "");
        assert_eq!(at_part("", 0), "");
        assert_eq!(at_part("", 1), "");
    }

    fn asim(time: i64, ua: &str) -> WebEvent {
        WebEvent {
            table: "ASimWebSessionLogs",
            time,
            user_agent: Some(ua.into()),
            src_ip: Some("10.1.0.5".into()),
            url: Some("https://x.example/".into()),
            user: Some("alice@contoso.com".into()),
            ..WebEvent::default()
        }
    }

    #[test]
    fn window_and_grouping() {
        let now = 10 * QUERY_PERIOD_NS;
        let start = now - QUERY_PERIOD_NS;
        let events = vec![
            asim(start, "XMRig/6.21.0"),
            asim(start - 1_000_000_000, "XMRig/6.21.0"),
            asim(now, "ccminer/2.3"),
            asim(now - 5, "ccminer/2.3"),
            asim(now - 5, "ccminer/2.3"),
            asim(now - 7, "xmrigger/1.0"),
            WebEvent {
                table: "CommonSecurityLog",
                vendor: Some("Zscaler".into()),
                product: Some("NSSWeblog".into()),
                protocol: Some("HTTPS".into()),
                url: Some("x.example/a%20b".into()),
                ..asim(now - 9, "XMRig")
            },
            WebEvent {
                table: "CommonSecurityLog",
                vendor: Some("Zscaler".into()),
                product: Some("NSSFWlog".into()),
                ..asim(now - 11, "XMRig")
            },
        ];
        let rows = answer(&events, now);
        let got: Vec<(i64, i64, &str)> = rows
            .iter()
            .map(|r| (r.key.time, r.n_events, r.key.url.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (start, 1, "https://x.example/"),
                (now - 9, 1, "https://x.example/a b"),
                (now - 5, 2, "https://x.example/"),
                (now, 1, "https://x.example/"),
            ]
        );
        let text = expected_text(&rows, now);
        let json: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(json["rows"].as_array().unwrap().len(), 4);
        assert_eq!(json["row_sources"][1], json!(["CommonSecurityLog"]));
        assert_eq!(
            json["columns"][5],
            json!({"name": "N_Events", "type": "long"})
        );
    }
}

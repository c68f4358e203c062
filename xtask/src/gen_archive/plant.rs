//! Planted rows: the answers of the seed hunts, near misses that must not match, and the
//! record the `_expected` files are written from.
//!
//! Every file gets `floor(end / rate) - floor(start / rate)` plants of each kind its table
//! takes (start/end: the file's global row range), so a table with N rows gets
//! `floor(N / rate)` of each. Positions are sampled per file. Planted rows get a unique
//! whole-millisecond event time (last digit non-zero) so every timestamp unit holds it
//! exactly, it always renders as `...:ss.fffZ`, and the hunts' `order by ... desc` is total. Each plant sets every column its hunt projects explicitly
//! (the record is made from those values; a column the file lacks is recorded as null).

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::seq::index;
use serde::Serialize;

use super::Result;
use super::columns::{RowCtx, Value};
use super::expected::{Hunt, THREATFOX_CSL, THREATFOX_DNE};
use super::rule::WebEvent;
use super::tables::{self, TableDef};
use super::values::{MALICIOUS_IPS, MINER_PORTS, MINER_UA_NEAR_MISSES, MINER_UAS, URL_PATHS};

const MS: i64 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlantKind {
    /// A row the ThreatFox hunt of the table returns.
    ThreatFox,
    /// A row that looks like a ThreatFox hit but must not match.
    ThreatFoxNearMiss,
    /// A web row with a crypto-miner user agent (terms `XMRig` / `ccminer`).
    MinerUa,
    /// A web row whose user agent or source must not match the miner rule.
    MinerUaNearMiss,
    /// A fixed row in or next to the query period of the rule (see [`super::window`]) that
    /// the rule returns.
    RuleWindowHit,
    /// A fixed row in or next to the rule's query period that it must not return.
    RuleWindowOther,
}

impl PlantKind {
    pub fn name(self) -> &'static str {
        match self {
            PlantKind::ThreatFox => "threatfox",
            PlantKind::ThreatFoxNearMiss => "threatfox_near_miss",
            PlantKind::MinerUa => "cryptominer_ua",
            PlantKind::MinerUaNearMiss => "cryptominer_ua_near_miss",
            PlantKind::RuleWindowHit => "rule_window_hit",
            PlantKind::RuleWindowOther => "rule_window_other",
        }
    }
}

/// One planted row of a file.
#[derive(Clone, Debug)]
pub struct Plant {
    /// Row index within the file.
    pub row: usize,
    pub kind: PlantKind,
    /// Per table and kind, counting from 0 in file order; selects the variant.
    pub ordinal: usize,
}

/// Chooses the planted rows of one file, sorted by row.
pub fn select(
    def: &TableDef,
    rows: usize,
    row_offset: u64,
    rate: u64,
    rng: &mut StdRng,
    ordinals: &mut BTreeMap<PlantKind, usize>,
) -> Vec<Plant> {
    let end = row_offset + rows as u64;
    let per_kind = (end / rate - row_offset / rate) as usize;
    let wanted = (per_kind * def.plants.len()).min(rows);
    let mut plants: Vec<Plant> = index::sample(rng, rows, wanted)
        .into_iter()
        .enumerate()
        .map(|(i, row)| Plant {
            row,
            kind: def.plants[i % def.plants.len()],
            ordinal: 0,
        })
        .collect();
    plants.sort_by_key(|p| p.row);
    for p in &mut plants {
        let next = ordinals.entry(p.kind).or_default();
        p.ordinal = *next;
        *next += 1;
    }
    plants
}

/// A planted row as the hunts should return it: event time (for ordering) and values.
#[derive(Clone, Debug)]
pub struct RecordRow {
    pub time: i64,
    pub values: Vec<Value>,
}

/// What was planted, independent of any query engine.
#[derive(Default)]
pub struct Record {
    pub threatfox_csl: Vec<RecordRow>,
    pub threatfox_dne: Vec<RecordRow>,
    /// Every planted web row of ASimWebSessionLogs and CommonSecurityLog (miner agents,
    /// near misses, rule-window scenarios) as written: the ground truth of the miner rule.
    pub web: Vec<WebEvent>,
    /// The rule-window scenarios as planted.
    pub window: Vec<WindowPlant>,
    /// Plants per table and kind.
    pub counts: BTreeMap<(&'static str, PlantKind), usize>,
}

/// A rule-window scenario row as planted.
#[derive(Clone, Debug, Serialize)]
pub struct WindowPlant {
    pub table: &'static str,
    #[serde(rename = "time")]
    pub time_text: String,
    /// The rule must return it.
    pub hit: bool,
    pub what: &'static str,
    /// Index into [`Record::web`] (None for SquidProxy_CL).
    #[serde(skip)]
    pub event: Option<usize>,
}

/// The state planting needs beyond the row context.
pub struct PlantCtx<'r> {
    pub table: &'static str,
    /// Columns the current file lacks.
    pub missing: &'r [&'static str],
    /// Planted event times (ms) already used in this table.
    pub used_ms: &'r mut BTreeSet<i64>,
    pub record: &'r mut Record,
}

type Overrides = Vec<(&'static str, Value)>;

/// Plants `p` into row `row` of the chunk: adjusts the row context (time, profile,
/// outcome) and returns the cell overrides.
pub fn apply(p: &Plant, ctx: &mut RowCtx, row: usize, pc: &mut PlantCtx) -> Result<Overrides> {
    // Whole milliseconds whose last digit is not 0, so `.123Z` is the rendering whether
    // trailing zeros are trimmed or not.
    let mut ms = ctx.time[row].div_euclid(MS) * MS;
    while ms.div_euclid(MS) % 10 == 0 || !pc.used_ms.insert(ms) {
        ms += MS;
    }
    ctx.time[row] = ms;
    *pc.record.counts.entry((pc.table, p.kind)).or_default() += 1;
    let k = p.ordinal;
    let ov = match (pc.table, p.kind) {
        ("CommonSecurityLog", PlantKind::ThreatFox) => {
            let ov = csl_threatfox(ctx, row, k);
            let rec = project(&THREATFOX_CSL, &ov, ms, pc.missing)?;
            pc.record.threatfox_csl.push(rec);
            ov
        }
        ("CommonSecurityLog", PlantKind::ThreatFoxNearMiss) => csl_near_miss(k),
        ("CommonSecurityLog", PlantKind::MinerUa) => {
            ctx.profile[row] = tables::ZSCALER;
            ctx.action[row] = 0;
            let ov = miner_web(ctx, row, k, MINER_UAS[k % MINER_UAS.len()])
                .csl_overrides(ctx.profile[row]);
            pc.record
                .web
                .push(web_event(pc.table, ms, &ov, pc.missing)?);
            ov
        }
        ("CommonSecurityLog", PlantKind::MinerUaNearMiss) => {
            // Variant 0: a real miner agent, but from a non-Zscaler product the ASIM
            // Zscaler parser does not read. Others: near-miss agents in Zscaler rows.
            let (profile, ua) = match k % 4 {
                0 => (1, MINER_UAS[0]),
                v => (tables::ZSCALER, MINER_UA_NEAR_MISSES[v - 1]),
            };
            ctx.profile[row] = profile;
            let ov = miner_web(ctx, row, k, ua).csl_overrides(profile);
            pc.record
                .web
                .push(web_event(pc.table, ms, &ov, pc.missing)?);
            ov
        }
        ("ASimWebSessionLogs", PlantKind::MinerUa) => {
            let ov = miner_web(ctx, row, k, MINER_UAS[k % MINER_UAS.len()]).asim_overrides();
            pc.record
                .web
                .push(web_event(pc.table, ms, &ov, pc.missing)?);
            ov
        }
        ("ASimWebSessionLogs", PlantKind::MinerUaNearMiss) => {
            let ua = MINER_UA_NEAR_MISSES[k % MINER_UA_NEAR_MISSES.len()];
            let ov = miner_web(ctx, row, k, ua).asim_overrides();
            pc.record
                .web
                .push(web_event(pc.table, ms, &ov, pc.missing)?);
            ov
        }
        ("DeviceNetworkEvents", PlantKind::ThreatFox) => {
            let ov = dne_threatfox(ctx, row, k);
            let rec = project(&THREATFOX_DNE, &ov, ms, pc.missing)?;
            pc.record.threatfox_dne.push(rec);
            ov
        }
        ("DeviceNetworkEvents", PlantKind::ThreatFoxNearMiss) => dne_near_miss(k),
        (table, kind) => return Err(format!("no {} plants for {table}", kind.name()).into()),
    };
    Ok(ov)
}

/// The hunt's output row for a planted row: the time column from `ms`, the others from
/// the overrides (null where the file lacks the column).
fn project(hunt: &Hunt, ov: &Overrides, ms: i64, missing: &[&str]) -> Result<RecordRow> {
    let values = hunt
        .columns
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            if i == 0 {
                Ok(Value::Time(ms))
            } else if missing.contains(name) {
                Ok(Value::Null)
            } else {
                ov.iter()
                    .find(|(c, _)| c == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("plant for {} does not set {name}", hunt.name).into())
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordRow { time: ms, values })
}

fn csl_threatfox(ctx: &RowCtx, row: usize, k: usize) -> Overrides {
    let m = Value::str(MALICIOUS_IPS[k % 3]);
    let m2 = Value::str(MALICIOUS_IPS[(k + 1) % 3]);
    let dev = Value::str(&ctx.device(row).ip);
    let port = Value::Int(MINER_PORTS[k % MINER_PORTS.len()]);
    let (profile, action) = (ctx.profile[row], ctx.action[row]);
    let act = Value::str(tables::csl_device_action(profile, action));
    let activity = Value::str(tables::csl_activity(profile, action));
    let (src, dst, port, act, activity) = match k % 6 {
        // Outbound to the pool.
        0 => (dev, m, port, act, activity),
        // Inbound from the indicator.
        1 => (m, dev, Value::Int([22, 3389, 445][k % 3]), act, activity),
        2 => (m, m2, port, act, activity),
        3 => (Value::Null, m, port, act, activity),
        4 => (m, Value::str(""), port, act, activity),
        // Nulls and empties in the projected columns.
        _ => (dev, m, Value::Null, Value::str(""), Value::Null),
    };
    vec![
        ("SourceIP", src),
        ("DestinationIP", dst),
        ("DestinationPort", port),
        ("DeviceAction", act),
        ("Activity", activity),
    ]
}

fn csl_near_miss(k: usize) -> Overrides {
    let s = Value::str;
    match k % 10 {
        0 => vec![("DestinationIP", s("195.20.239.13"))],
        1 => vec![("DestinationIP", s("195.20.239.1360"))],
        2 => vec![("SourceIP", s("47.253.156.31 "))],
        3 => vec![("SourceIP", s("x47.253.156.31"))],
        4 => vec![("DeviceAddress", s("60.165.167.98"))],
        5 => vec![
            ("RemoteIP", s("195.20.239.136")),
            ("MaliciousIP", s("47.253.156.31")),
        ],
        6 => vec![
            ("SourceIP", Value::Null),
            ("DestinationIP", Value::Null),
            ("DestinationTranslatedAddress", s("47.253.156.31")),
            (
                "Message",
                s("outbound connection to 60.165.167.98:3333 blocked"),
            ),
        ],
        7 => vec![("DestinationIP", s(" 60.165.167.98"))],
        8 => vec![("DestinationIP", s("47.253.156.031"))],
        _ => vec![("DestinationIP", s("195.20.239.136:3333"))],
    }
}

fn dne_threatfox(ctx: &mut RowCtx, row: usize, k: usize) -> Overrides {
    let m = Value::str(MALICIOUS_IPS[k % 3]);
    let port = Value::Int(MINER_PORTS[k % MINER_PORTS.len()]);
    let device = Value::str(&ctx.device(row).fqdn);
    let (action, device, port, file) = match k % 4 {
        0 => ("ConnectionSuccess", device, port, Value::str("xmrig.exe")),
        1 => (
            "ConnectionFailed",
            device,
            port,
            Value::str("powershell.exe"),
        ),
        2 => ("ConnectionAttempt", Value::Null, Value::Null, Value::Null),
        _ => ("ConnectionRequest", device, port, Value::str("")),
    };
    ctx.action[row] = tables::dne_action_index(action);
    let mut ov = vec![
        ("DeviceName", device),
        ("RemoteIP", m),
        ("RemotePort", port),
        ("InitiatingProcessFileName", file),
        ("ActionType", Value::str(action)),
        ("RemoteIPType", Value::str("Public")),
    ];
    if k.is_multiple_of(4) {
        ov.push((
            "InitiatingProcessFolderPath",
            Value::str("C:\\Users\\Public\\xmrig-6.21.0\\xmrig.exe"),
        ));
        ov.push((
            "InitiatingProcessCommandLine",
            Value::Str(format!(
                "xmrig.exe -o {}:{} -u 4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge --donate-level 1",
                MALICIOUS_IPS[k % 3],
                MINER_PORTS[k % MINER_PORTS.len()]
            )),
        ));
    }
    ov
}

fn dne_near_miss(k: usize) -> Overrides {
    let s = Value::str;
    match k % 10 {
        0 => vec![("RemoteIP", s("195.20.239.13"))],
        1 => vec![("RemoteIP", s("195.20.239.1360"))],
        2 => vec![("RemoteIP", s("47.253.156.31 "))],
        3 => vec![("RemoteIP", s("x47.253.156.31"))],
        4 => vec![("LocalIP", s("60.165.167.98"))],
        5 => vec![
            ("RemoteIP", Value::Null),
            ("RemoteUrl", s("195.20.239.136")),
        ],
        6 => vec![
            ("InitiatingProcessRemoteSessionIP", s("47.253.156.31")),
            (
                "InitiatingProcessCommandLine",
                s("xmrig.exe -o 47.253.156.31:3333"),
            ),
        ],
        7 => vec![("RemoteIP", s("::ffff:60.165.167.98"))],
        8 => vec![("RemoteIP", s("195.20.239.136:3333"))],
        _ => vec![("AdditionalFields", s(r#"{"RemoteIP":"195.20.239.136"}"#))],
    }
}

/// The web fields of a miner plant.
struct MinerWeb {
    src_ip: String,
    user: String,
    host: String,
    path: &'static str,
    ua: &'static str,
}

fn miner_web(ctx: &RowCtx, row: usize, k: usize, ua: &'static str) -> MinerWeb {
    MinerWeb {
        src_ip: ctx.device(row).ip.clone(),
        user: ctx.user(row).upn.clone(),
        host: ctx.site(row).host.clone(),
        // Paths without `+` or `%`, so url_decode leaves them alone.
        path: URL_PATHS[k % 6],
        ua,
    }
}

impl MinerWeb {
    fn csl_overrides(&self, profile: u8) -> Overrides {
        let (vendor, product) = tables::csl_vendor_product(profile);
        vec![
            ("DeviceVendor", Value::str(vendor)),
            ("DeviceProduct", Value::str(product)),
            ("RequestClientApplication", Value::str(self.ua)),
            ("SourceIP", Value::str(&self.src_ip)),
            ("SourceUserName", Value::str(&self.user)),
            (
                "RequestURL",
                Value::Str(format!("{}{}", self.host, self.path)),
            ),
            ("ApplicationProtocol", Value::str("HTTPS")),
            ("DestinationPort", Value::Int(443)),
        ]
    }

    fn asim_overrides(&self) -> Overrides {
        vec![
            ("HttpUserAgent", Value::str(self.ua)),
            ("SrcIpAddr", Value::str(&self.src_ip)),
            ("SrcUsername", Value::str(&self.user)),
            (
                "Url",
                Value::Str(format!("https://{}{}", self.host, self.path)),
            ),
        ]
    }
}

/// The web event a planted row of ASimWebSessionLogs or CommonSecurityLog holds, read from
/// its overrides (a column the file lacks is null). Every web plant sets all the columns
/// the miner rule's parsers read.
pub fn web_event(
    table: &'static str,
    time: i64,
    ov: &[(&'static str, Value)],
    missing: &[&str],
) -> Result<WebEvent> {
    let get = |col: &str| -> Result<Option<String>> {
        if missing.contains(&col) {
            return Ok(None);
        }
        match ov.iter().find(|(c, _)| *c == col) {
            Some((_, Value::Str(s))) => Ok(Some(s.clone())),
            Some((_, Value::Null)) => Ok(None),
            Some((_, v)) => Err(format!("{table}.{col}: planted {v:?}, not a string").into()),
            None => Err(format!("a web plant in {table} does not set {col}").into()),
        }
    };
    Ok(match table {
        "ASimWebSessionLogs" => WebEvent {
            table,
            time,
            user_agent: get("HttpUserAgent")?,
            src_ip: get("SrcIpAddr")?,
            url: get("Url")?,
            user: get("SrcUsername")?,
            ..WebEvent::default()
        },
        "CommonSecurityLog" => WebEvent {
            table,
            time,
            vendor: get("DeviceVendor")?,
            product: get("DeviceProduct")?,
            user_agent: get("RequestClientApplication")?,
            src_ip: get("SourceIP")?,
            url: get("RequestURL")?,
            protocol: get("ApplicationProtocol")?,
            user: get("SourceUserName")?,
        },
        other => return Err(format!("{other} holds no web events").into()),
    })
}

//! `CommonSecurityLog`: CEF from five firewall / proxy products.
//!
//! Row profiles are the sending products; profile 0 is the Zscaler NSS web log that the ASIM
//! Zscaler parser reads (`DeviceVendor == "Zscaler" and DeviceProduct == "NSSWeblog"`), with
//! `RequestClientApplication` user agents, `RequestURL` without scheme and the
//! `AdditionalExtensions` layout the parser's `parse` expects. The row outcome is
//! allow (0) or deny (1).

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::StdRng;

use super::TableDef;
use crate::gen_archive::columns::{Cell, ColSpec, Gen, RowCtx};
use crate::gen_archive::plant::PlantKind;
use crate::gen_archive::values::{NORMAL_UAS, URL_PATHS};

/// Profile index of Zscaler NSS web rows.
pub const ZSCALER: u8 = 0;
const ZS: u32 = 1 << ZSCALER;
const PAN: u32 = 1 << 1;

pub static DEF: TableDef = TableDef {
    name: "CommonSecurityLog",
    time_column: "TimeGenerated",
    // Columns added to the table in later connector versions (the ASIM Zscaler parser reads
    // them through column_ifexists), plus Activity so a projected hunt column is missing too.
    drift: &[
        "Activity",
        "EventOutcome",
        "Reason",
        "FieldDeviceCustomNumber1",
        "FieldDeviceCustomNumber2",
        "FieldDeviceCustomNumber3",
    ],
    absent: &[],
    profile_weights: &[30, 25, 20, 15, 10],
    action_weights: &[85, 15],
    spec,
    plants: &[
        PlantKind::ThreatFox,
        PlantKind::ThreatFoxNearMiss,
        PlantKind::MinerUa,
        PlantKind::MinerUaNearMiss,
    ],
};

const VENDOR: &[&[&str]] = &[
    &["Zscaler"],
    &["Palo Alto Networks"],
    &["Fortinet"],
    &["Check Point"],
    &["Cisco"],
];
const PRODUCT: &[&[&str]] = &[
    &["NSSWeblog"],
    &["PAN-OS"],
    &["Fortigate"],
    &["VPN-1 & FireWall-1"],
    &["ASA"],
];
const VERSION: &[&[&str]] = &[
    &["5.7"],
    &["10.2.4", "11.1.2"],
    &["v7.2.5"],
    &["R81.20"],
    &["9.16"],
];
const ACTIVITY: &[[&str; 2]] = &[
    ["Allowed", "Blocked"],
    ["TRAFFIC", "THREAT"],
    ["traffic:forward close", "traffic:forward deny"],
    ["Accept", "Drop"],
    ["Built outbound TCP connection", "Deny tcp src inside"],
];
const DEVICE_ACTION: &[[&str; 2]] = &[
    ["Allowed", "Blocked"],
    ["allow", "deny"],
    ["close", "deny"],
    ["Accept", "Drop"],
    ["Built", "Deny"],
];
const CLASS_ID: &[[&str; 2]] = &[
    ["Allowed", "Blocked"],
    ["end", "deny"],
    ["0000000013", "0000000013"],
    ["Log", "Log"],
    ["302013", "106023"],
];
const SIMPLIFIED_ACTION: &[[&str; 2]] = &[["Allow", "Deny"]; 5];
const OUTCOME: &[[&str; 2]] = &[["200", "403"]; 5];
const REASON: &[[&str; 2]] = &[["Allowed", "Blocked by URL filtering policy"]; 5];
const DEVICE_NAME: &[&[&str]] = &[
    &["zscaler-nss-01"],
    &["pa-fw-01", "pa-fw-02"],
    &["fgt-hq-01"],
    &["cp-gw-01"],
    &["asa-edge-01"],
];
const DEVICE_ADDRESS: &[&[&str]] = &[
    &["10.0.0.5"],
    &["10.0.0.1", "10.0.0.2"],
    &["10.0.0.3"],
    &["10.0.0.4"],
    &["10.0.0.6"],
];
const SERIAL: &[&[&str]] = &[
    &[],
    &["016401002345", "016401002346"],
    &["FG100FTK20001234"],
    &[],
    &["JAD21450ABC"],
];
const SEVERITY: &[&[&str]] = &[
    &["3", "5"],
    &["1", "3"],
    &["5"],
    &["Low", "Medium"],
    &["6", "4"],
];
const PROTOCOL: &[&[&str]] = &[
    &["TCP"],
    &["TCP", "TCP", "UDP"],
    &["TCP", "UDP"],
    &["TCP"],
    &["TCP", "UDP"],
];
const IN_IF: &[&[&str]] = &[&[], &["ethernet1/1"], &["port1"], &["eth1"], &["inside"]];
const OUT_IF: &[&[&str]] = &[&[], &["ethernet1/2"], &["wan1"], &["eth2"], &["outside"]];
const CS1_LABEL: &[&[&str]] = &[&["dept"], &["Rule"], &[], &[], &[]];
const CS2_LABEL: &[&[&str]] = &[&["urlcat"], &[], &[], &[], &[]];
const CS3_LABEL: &[&[&str]] = &[&["malwareclass"], &["Virtual System"], &[], &[], &[]];
const CS3: &[&[&str]] = &[&["None"], &["vsys1"], &[], &[], &[]];
const CS4_LABEL: &[&[&str]] = &[&["malwarecat"], &["Source Zone"], &[], &[], &[]];
const CS4: &[&[&str]] = &[&["None"], &["trust"], &[], &[], &[]];
const CS5_LABEL: &[&[&str]] = &[&["threatname"], &["Destination Zone"], &[], &[], &[]];
const CS5: &[&[&str]] = &[&["None"], &["untrust"], &[], &[], &[]];
const CS6_LABEL: &[&[&str]] = &[&["bamd5"], &["LogProfile"], &[], &[], &[]];
const CS6: &[&[&str]] = &[&["None"], &["default"], &[], &[], &[]];
const PAN_RULES: [&str; 3] = ["Allow-Outbound-Web", "Allow-DNS", "Default-Deny"];
const ZS_RULES: [&str; 3] = ["None", "Default_Allow", "Block_Gambling"];
const CONTENT_TYPES: &[&str] = &[
    "text/html",
    "application/json",
    "image/png",
    "application/javascript",
    "application/octet-stream",
    "text/plain",
];
const OTHER_PORTS: [i64; 8] = [443, 443, 80, 53, 22, 3389, 8080, 123];

/// `DeviceAction` of a profile and outcome (used by planting).
pub fn device_action(profile: u8, action: u8) -> &'static str {
    DEVICE_ACTION[profile as usize][action as usize & 1]
}

/// `DeviceVendor` and `DeviceProduct` of a profile (used by planting).
pub fn vendor_product(profile: u8) -> (&'static str, &'static str) {
    (VENDOR[profile as usize][0], PRODUCT[profile as usize][0])
}

/// `Activity` of a profile and outcome (used by planting).
pub fn activity(profile: u8, action: u8) -> &'static str {
    ACTIVITY[profile as usize][action as usize & 1]
}

fn web_port(ctx: &RowCtx, row: usize) -> i64 {
    if ctx.dice[row] < 85 { 443 } else { 80 }
}

fn src_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).ip)
}

fn dst_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if ctx.profile[row] != ZSCALER && ctx.dice[row] < 8 {
        // East-west traffic to another internal host.
        let other = (ctx.device[row] as usize + 7) % ctx.pools.devices.len();
        Cell::Str(&ctx.pools.devices[other].ip)
    } else {
        Cell::Str(&ctx.site(row).ip)
    }
}

fn dst_port<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if ctx.profile[row] == ZSCALER {
        Cell::Int(web_port(ctx, row))
    } else {
        Cell::Int(OTHER_PORTS[rng.random_range(0..OTHER_PORTS.len())])
    }
}

fn dst_host<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if ctx.profile[row] == ZSCALER || ctx.dice[row] >= 70 {
        Cell::Str(&ctx.site(row).host)
    } else {
        Cell::Null
    }
}

fn app_protocol<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    match ctx.profile[row] {
        ZSCALER => Cell::Str(if web_port(ctx, row) == 443 {
            "HTTPS"
        } else {
            "HTTP"
        }),
        1 => Cell::Str(["ssl", "web-browsing", "dns", "ms-rdp"][rng.random_range(0..4)]),
        2 => Cell::Str("HTTPS"),
        _ => Cell::Null,
    }
}

fn request_url<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    buf.push_str(&ctx.site(row).host);
    buf.push_str(URL_PATHS[rng.random_range(0..URL_PATHS.len())]);
    Cell::Buf
}

fn user_agent<'a>(_: &'a RowCtx, rng: &mut StdRng, _: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(NORMAL_UAS[rng.random_range(0..NORMAL_UAS.len())])
}

fn referer<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    if rng.random_ratio(1, 2) {
        return Cell::Str("None");
    }
    let _ = write!(buf, "https://{}/", ctx.site(row).host);
    Cell::Buf
}

fn src_user<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    match ctx.profile[row] {
        ZSCALER => Cell::Str(&ctx.user(row).upn),
        1 if rng.random_ratio(1, 2) => {
            let _ = write!(buf, "contoso\\{}", ctx.user(row).sam);
            Cell::Buf
        }
        _ => Cell::Null,
    }
}

fn department<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(ctx.user(row).department)
}

fn cs1<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    match ctx.profile[row] {
        ZSCALER => Cell::Str(ctx.user(row).department),
        1 => Cell::Str(PAN_RULES[rng.random_range(0..PAN_RULES.len())]),
        _ => Cell::Null,
    }
}

fn cs2<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(ctx.site(row).category)
}

fn extensions<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    match ctx.profile[row] {
        ZSCALER => {
            let rule = ZS_RULES[rng.random_range(0..ZS_RULES.len())];
            let ruletype = if rule == "None" {
                "None"
            } else {
                "URLCategory"
            };
            let _ = write!(
                buf,
                "rulelabel={rule};ruletype={ruletype};urlclass=Business Use;devicemodel=;devicehostname={},deviceowner={}",
                ctx.device(row).short,
                ctx.user(row).sam
            );
            Cell::Buf
        }
        1 => {
            let _ = write!(
                buf,
                "PanOSSessionID={};PanOSPacketsReceived={}",
                rng.random_range(1..9_999_999),
                rng.random_range(1..500)
            );
            Cell::Buf
        }
        _ => Cell::Null,
    }
}

fn receipt_time<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    let _ = write!(buf, "{}", ctx.time[row].div_euclid(1_000_000));
    Cell::Buf
}

fn message<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    let _ = write!(
        buf,
        "{} {} -> {}",
        activity(ctx.profile[row], ctx.action[row]),
        ctx.device(row).ip,
        ctx.site(row).host
    );
    Cell::Buf
}

fn source_host<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).short)
}

fn spec(column: &str) -> ColSpec {
    use Gen::*;
    let c = ColSpec::new;
    match column {
        "TimeGenerated" => c(MainTime),
        "Activity" => c(PerProfileAction(ACTIVITY)).nulls(0.005).empties(0.005),
        "DeviceAction" => c(PerProfileAction(DEVICE_ACTION))
            .nulls(0.005)
            .empties(0.005),
        "DeviceEventClassID" => c(PerProfileAction(CLASS_ID)),
        "SimplifiedDeviceAction" => c(PerProfileAction(SIMPLIFIED_ACTION)),
        "EventOutcome" => c(PerProfileAction(OUTCOME)).only(ZS),
        "Reason" => c(PerProfileAction(REASON)).only(ZS),
        "DeviceVendor" => c(PerProfile(VENDOR)),
        "DeviceProduct" => c(PerProfile(PRODUCT)),
        "DeviceVersion" => c(PerProfile(VERSION)),
        "DeviceName" => c(PerProfile(DEVICE_NAME)),
        "DeviceAddress" => c(PerProfile(DEVICE_ADDRESS)),
        "DeviceExternalID" => c(PerProfile(SERIAL)),
        "DeviceInboundInterface" => c(PerProfile(IN_IF)),
        "DeviceOutboundInterface" => c(PerProfile(OUT_IF)),
        "LogSeverity" => c(PerProfile(SEVERITY)),
        "Protocol" => c(PerProfile(PROTOCOL)),
        "ApplicationProtocol" => c(Custom(app_protocol)),
        "SourceIP" => c(Custom(src_ip)).nulls(0.01).empties(0.005),
        "SourcePort" => c(Int(1024, 65535)).nulls(0.01),
        "SourceHostName" => c(Custom(source_host)).nulls(0.5),
        "SourceUserName" => c(Custom(src_user)).nulls(0.02).empties(0.01),
        "SourceUserPrivileges" => c(Custom(department)).only(ZS),
        "SourceTranslatedAddress" => c(Choice(&["203.0.113.10", "203.0.113.11"])).only(ZS),
        "DestinationIP" => c(Custom(dst_ip)).nulls(0.01).empties(0.005),
        "DestinationPort" => c(Custom(dst_port)).nulls(0.01),
        "DestinationHostName" => c(Custom(dst_host)).empties(0.01),
        "RequestURL" => c(Custom(request_url)).only(ZS).empties(0.01),
        "RequestClientApplication" => c(Custom(user_agent)).only(ZS).nulls(0.01).empties(0.02),
        "RequestContext" => c(Custom(referer)).only(ZS),
        "RequestMethod" => c(Weighted(&[("GET", 70), ("POST", 20), ("CONNECT", 10)])).only(ZS),
        "FileType" => c(Choice(CONTENT_TYPES)).only(ZS),
        "AdditionalExtensions" => c(Custom(extensions)),
        "DeviceCustomString1" => c(Custom(cs1)).only(ZS | PAN),
        "DeviceCustomString1Label" => c(PerProfile(CS1_LABEL)),
        "DeviceCustomString2" => c(Custom(cs2)).only(ZS),
        "DeviceCustomString2Label" => c(PerProfile(CS2_LABEL)),
        "DeviceCustomString3" => c(PerProfile(CS3)),
        "DeviceCustomString3Label" => c(PerProfile(CS3_LABEL)),
        "DeviceCustomString4" => c(PerProfile(CS4)),
        "DeviceCustomString4Label" => c(PerProfile(CS4_LABEL)),
        "DeviceCustomString5" => c(PerProfile(CS5)),
        "DeviceCustomString5Label" => c(PerProfile(CS5_LABEL)),
        "DeviceCustomString6" => c(PerProfile(CS6)),
        "DeviceCustomString6Label" => c(PerProfile(CS6_LABEL)),
        "DeviceCustomNumber1" => c(Int(0, 100)).only(ZS),
        "DeviceCustomNumber1Label" => c(Const("riskscore")).only(ZS),
        "FieldDeviceCustomNumber1" => c(Int(0, 100)).only(ZS),
        "ReceivedBytes" => c(Bytes(5_000_000)),
        "SentBytes" => c(Bytes(200_000)),
        "EventCount" => c(Int(1, 3)),
        "CommunicationDirection" => c(Weighted(&[("Outbound", 85), ("Inbound", 15)])).nulls(0.3),
        "Computer" | "CollectorHostName" => c(Choice(&["syslog-fwd-01", "syslog-fwd-02"])),
        "ReceiptTime" => c(Custom(receipt_time)).only(ZS | PAN),
        "StartTime" => c(TimeOffset(-300, -1)).nulls(0.6),
        "EndTime" => c(TimeOffset(0, 0)).nulls(0.6),
        "Message" => c(Custom(message)).nulls(0.9),
        "SourceSystem" => c(Const("OpsManager")),
        "TenantId" => c(Const("8f0c3e2a-5b7d-4c1e-9a6f-2d4b8e1c7a90")),
        "Type" => c(Const("CommonSecurityLog")),
        "_ItemId" => c(ItemId),
        "_IsBillable" => c(Const("True")),
        "_BilledSize" => c(Int(300, 2000)),
        "_ResourceId"
        | "_SubscriptionId"
        | "RemoteIP"
        | "RemotePort"
        | "MaliciousIP"
        | "MaliciousIPCountry"
        | "MaliciousIPLatitude"
        | "MaliciousIPLongitude"
        | "ThreatConfidence"
        | "ThreatDescription"
        | "ThreatSeverity"
        | "IndicatorThreatType"
        | "ReportReferenceLink" => c(Null),
        _ => c(Filler),
    }
}

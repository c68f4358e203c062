//! `ASimWebSessionLogs`: the native ASIM web-session table.
//!
//! Row profiles are the reporting products; the row outcome is allow (0) or deny (1).

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::StdRng;

use super::TableDef;
use crate::gen_archive::columns::{Cell, ColSpec, Gen, RowCtx};
use crate::gen_archive::plant::PlantKind;
use crate::gen_archive::values::{NORMAL_UAS, URL_PATHS};

pub static DEF: TableDef = TableDef {
    name: "ASimWebSessionLogs",
    time_column: "TimeGenerated",
    // Columns added after the 2023 Azure-Sentinel validation schema.
    drift: &[
        "AdditionalEntities",
        "DstApplicationEntityKey",
        "DstDvcScope",
        "DstDvcScopeId",
        "DstSystemEntityKey",
        "DstUserAdditionalIds",
        "DstUserEntityKey",
        "DvcEntityKey",
        "EventOwner",
        "SrcApplicationEntityKey",
        "SrcDvcScope",
        "SrcDvcScopeId",
        "SrcProcessGuid",
        "SrcProcessId",
        "SrcProcessName",
        "SrcSystemEntityKey",
        "SrcUserAdditionalIds",
        "SrcUserEntityKey",
        "SrcUserScope",
        "SrcUserScopeId",
    ],
    absent: &[],
    profile_weights: &[30, 25, 20, 15, 10],
    action_weights: &[88, 12],
    spec,
    plants: &[PlantKind::MinerUa, PlantKind::MinerUaNearMiss],
};

const VENDOR: &[&[&str]] = &[
    &["Zscaler"],
    &["Cisco"],
    &["Fortinet"],
    &["Microsoft"],
    &["Palo Alto"],
];
const PRODUCT: &[&[&str]] = &[
    &["ZIA Proxy"],
    &["Umbrella"],
    &["FortiGate"],
    &["Azure Firewall"],
    &["PanOS"],
];
const PRODUCT_VERSION: &[&[&str]] = &[&["6.2"], &[], &["7.2.5"], &[], &["10.2.4"]];
const DVC: &[&[&str]] = &[
    &["zia-proxy-eu1"],
    &["umbrella-dns"],
    &["fgt-hq-01"],
    &["azfw-hub-weu"],
    &["pa-fw-01", "pa-fw-02"],
];
const DVC_IP: &[&[&str]] = &[
    &["10.0.0.5"],
    &[],
    &["10.0.0.3"],
    &["10.0.100.4"],
    &["10.0.0.1", "10.0.0.2"],
];
const RESULT: &[[&str; 2]] = &[["Success", "Failure"]; 5];
const SEVERITY: &[[&str; 2]] = &[["Informational", "Low"]; 5];
const DVC_ACTION: &[[&str; 2]] = &[["Allow", "Deny"]; 5];
const ORIGINAL_ACTION: &[[&str; 2]] = &[
    ["Allowed", "Blocked"],
    ["allowed", "blocked"],
    ["passthrough", "blocked"],
    ["Allow", "Deny"],
    ["allow", "deny"],
];
const RULES: &[&[&str]] = &[
    &["Default_Allow", "Block_Gambling"],
    &["Default Policy"],
    &["web-filter-default"],
    &["AllowWeb", "DenyAll"],
    &["Allow-Outbound-Web", "Default-Deny"],
];
const OK_STATUS: [&str; 5] = ["200", "200", "304", "302", "204"];
const FAIL_STATUS: [&str; 3] = ["403", "404", "502"];
const CONTENT_TYPES: &[&str] = &[
    "text/html",
    "application/json",
    "image/png",
    "application/javascript",
];

fn https(ctx: &RowCtx, row: usize) -> bool {
    ctx.dice[row] < 85
}

fn src_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).ip)
}
fn src_host<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).short)
}
fn src_mac<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).mac)
}
fn src_user<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.user(row).upn)
}
fn dst_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.site(row).ip)
}
fn dst_fqdn<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.site(row).host)
}
fn dst_domain<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.site(row).domain)
}
fn dst_hostname<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    let host = &ctx.site(row).host;
    Cell::Str(host.split('.').next().unwrap_or(host))
}
fn url_category<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(ctx.site(row).category)
}
fn dst_port<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Int(if https(ctx, row) { 443 } else { 80 })
}
fn app_protocol<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(if https(ctx, row) { "HTTPS" } else { "HTTP" })
}
fn url<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    let scheme = if https(ctx, row) { "https" } else { "http" };
    let path = URL_PATHS[rng.random_range(0..URL_PATHS.len())];
    let _ = write!(buf, "{scheme}://{}{path}", ctx.site(row).host);
    Cell::Buf
}
fn user_agent<'a>(_: &'a RowCtx, rng: &mut StdRng, _: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(NORMAL_UAS[rng.random_range(0..NORMAL_UAS.len())])
}
fn result_details<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if ctx.action[row] == 0 {
        Cell::Str(OK_STATUS[rng.random_range(0..OK_STATUS.len())])
    } else {
        Cell::Str(FAIL_STATUS[rng.random_range(0..FAIL_STATUS.len())])
    }
}
fn additional_fields<'a>(
    ctx: &'a RowCtx,
    _: &mut StdRng,
    row: usize,
    buf: &mut String,
) -> Cell<'a> {
    let _ = write!(
        buf,
        r#"{{"deviceOwner":"{}","department":"{}"}}"#,
        ctx.user(row).sam,
        ctx.user(row).department
    );
    Cell::Buf
}

fn spec(column: &str) -> ColSpec {
    use Gen::*;
    let c = ColSpec::new;
    match column {
        "TimeGenerated" | "EventStartTime" => c(MainTime),
        "EventEndTime" => c(TimeOffset(0, 2)),
        "EventCount" => c(ConstInt(1)),
        "EventType" => c(Const("HTTPsession")),
        "EventResult" => c(PerProfileAction(RESULT)),
        "EventResultDetails" => c(Custom(result_details)),
        "EventSeverity" => c(PerProfileAction(SEVERITY)),
        "EventVendor" => c(PerProfile(VENDOR)),
        "EventProduct" => c(PerProfile(PRODUCT)),
        "EventProductVersion" => c(PerProfile(PRODUCT_VERSION)),
        "EventSchema" => c(Const("WebSession")),
        "EventSchemaVersion" => c(Const("0.2.6")),
        "EventOriginalUid" => c(Guid).nulls(0.8),
        "Dvc" | "DvcHostname" => c(PerProfile(DVC)),
        "DvcIpAddr" => c(PerProfile(DVC_IP)),
        "DvcAction" => c(PerProfileAction(DVC_ACTION)),
        "DvcOriginalAction" => c(PerProfileAction(ORIGINAL_ACTION)),
        "Rule" | "RuleName" => c(PerProfile(RULES)).nulls(0.5),
        "SrcIpAddr" => c(Custom(src_ip)).nulls(0.005).empties(0.005),
        "SrcPortNumber" => c(Int(1024, 65535)),
        "SrcHostname" => c(Custom(src_host)).nulls(0.3),
        "SrcMacAddr" => c(Custom(src_mac)).nulls(0.5),
        "SrcUsername" => c(Custom(src_user)).nulls(0.05).empties(0.01),
        "SrcUsernameType" => c(Const("UPN")),
        "SrcUserType" => c(Const("Regular")),
        "SrcBytes" => c(Bytes(200_000)),
        "DstBytes" => c(Bytes(5_000_000)),
        "NetworkBytes" => c(Bytes(5_200_000)),
        "SrcPackets" | "DstPackets" | "NetworkPackets" => c(Bytes(4000)),
        "DstIpAddr" => c(Custom(dst_ip)).nulls(0.005),
        "DstPortNumber" => c(Custom(dst_port)),
        "DstFQDN" | "HttpHost" => c(Custom(dst_fqdn)),
        "DstHostname" => c(Custom(dst_hostname)),
        "DstDomain" => c(Custom(dst_domain)),
        "DstDomainType" => c(Const("FQDN")),
        "Url" => c(Custom(url)).empties(0.005),
        "UrlCategory" => c(Custom(url_category)),
        "HttpUserAgent" => c(Custom(user_agent)).nulls(0.01).empties(0.01),
        "HttpRequestMethod" => c(Weighted(&[
            ("GET", 70),
            ("POST", 20),
            ("CONNECT", 8),
            ("HEAD", 2),
        ])),
        "HttpVersion" => c(Choice(&["1.1", "2.0"])),
        "HttpContentType" => c(Choice(CONTENT_TYPES)),
        "HttpReferrer" => c(Choice(&[
            "https://www.bing.com/",
            "https://www.google.com/",
        ]))
        .nulls(0.7),
        "HttpRequestTime" => c(Bytes(2000)),
        "HttpResponseTime" => c(Bytes(5000)),
        "NetworkApplicationProtocol" => c(Custom(app_protocol)),
        "NetworkProtocol" => c(Const("TCP")),
        "NetworkProtocolVersion" => c(Const("IPv4")),
        "NetworkDirection" => c(Const("Outbound")),
        "NetworkSessionId" => c(Guid).nulls(0.8),
        "NetworkDuration" => c(Bytes(60_000)),
        "AdditionalFields" => c(Custom(additional_fields)).nulls(0.8),
        "TenantId" => c(Const("8f0c3e2a-5b7d-4c1e-9a6f-2d4b8e1c7a90")),
        "Type" => c(Const("ASimWebSessionLogs")),
        "SourceSystem" => c(Const("")),
        "_ItemId" => c(ItemId),
        "_IsBillable" => c(Const("True")),
        "_BilledSize" => c(Int(500, 2500)),
        "_ResourceId" | "_SubscriptionId" | "AdditionalEntities" | "EventMessage"
        | "EventReportUrl" | "EventOwner" | "HttpRequestXff" | "UrlOriginal" => c(Null),
        _ => c(Filler),
    }
}

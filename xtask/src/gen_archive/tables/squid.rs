//! `SquidProxy_CL`: the custom log the Squid Proxy connector (legacy agent) writes. Every
//! row is one line of Squid's native access log in `RawData`; the `*_s` columns of the
//! custom-field extraction are not filled (the ASIM Squid parser parses `RawData` and
//! drops them).
//!
//! Row profiles are Squid result codes: CONNECT tunnels, cache misses, hits, denials.

use rand::Rng;
use rand::rngs::StdRng;

use super::TableDef;
use crate::gen_archive::columns::{Cell, ColSpec, Gen, RowCtx};
use crate::gen_archive::values::URL_PATHS;
use crate::gen_archive::window::{SquidLine, squid_line};

pub static DEF: TableDef = TableDef {
    name: "SquidProxy_CL",
    time_column: "TimeGenerated",
    // Custom fields defined later in the workspace.
    drift: &["EventTime_UTC__s", "Description_s"],
    // The catalog also lists PeerHost and ResultCode (newer connector versions); the
    // Azure-Sentinel validation schema of the table (27 columns) has neither.
    absent: &["PeerHost", "ResultCode"],
    profile_weights: &[55, 30, 8, 7],
    action_weights: &[1],
    spec,
    plants: &[],
};

const USERS_SEEN: u8 = 12;
const CONTENT_TYPES: [&str; 5] = [
    "text/html",
    "application/json",
    "image/png",
    "application/javascript",
    "text/css",
];

fn raw_data<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    let site = ctx.site(row);
    let path = URL_PATHS[rng.random_range(0..URL_PATHS.len())];
    let user = ctx.user(row);
    // Proxy authentication is on for a few clients only.
    let user_field = if ctx.dice[row] < USERS_SEEN {
        if ctx.dice[row].is_multiple_of(2) {
            user.upn.as_str()
        } else {
            user.sam.as_str()
        }
    } else {
        "-"
    };
    let url;
    let (code, status, method, hierarchy, ctype, elapsed, bytes) = match ctx.profile[row] {
        0 => {
            url = format!("{}:443", site.host);
            (
                "TCP_TUNNEL",
                200,
                "CONNECT",
                format!("HIER_DIRECT/{}", site.ip),
                "-",
                rng.random_range(50..120_000),
                rng.random_range(800..5_000_000),
            )
        }
        1 => {
            url = format!("http://{}{path}", site.host);
            (
                "TCP_MISS",
                [200, 200, 200, 304, 404][rng.random_range(0..5)],
                ["GET", "GET", "GET", "POST"][rng.random_range(0..4)],
                format!("HIER_DIRECT/{}", site.ip),
                CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())],
                rng.random_range(5..3_000),
                rng.random_range(300..2_000_000),
            )
        }
        2 => {
            url = format!("http://{}{path}", site.host);
            (
                ["TCP_HIT", "TCP_MEM_HIT", "TCP_REFRESH_UNMODIFIED"][rng.random_range(0..3)],
                200,
                "GET",
                "HIER_NONE/-".to_string(),
                CONTENT_TYPES[rng.random_range(0..CONTENT_TYPES.len())],
                rng.random_range(0..20),
                rng.random_range(300..200_000),
            )
        }
        _ => {
            url = format!("http://{}{path}", site.host);
            (
                "TCP_DENIED",
                403,
                "GET",
                "HIER_NONE/-".to_string(),
                "text/html",
                0,
                3950,
            )
        }
    };
    buf.push_str(&squid_line(&SquidLine {
        time: ctx.time[row],
        elapsed_ms: elapsed,
        client: &ctx.device(row).ip,
        code,
        status,
        bytes,
        method,
        url: &url,
        user: user_field,
        hierarchy: &hierarchy,
        content_type: ctype,
    }));
    Cell::Buf
}

fn spec(column: &str) -> ColSpec {
    use Gen::*;
    let c = ColSpec::new;
    match column {
        "TimeGenerated" => c(MainTime),
        "RawData" => c(Custom(raw_data)),
        "Computer" => c(Choice(&["squid-proxy-01", "squid-proxy-02"])),
        "TenantId" => c(Const("8f0c3e2a-5b7d-4c1e-9a6f-2d4b8e1c7a90")),
        "SourceSystem" => c(Const("OpsManager")),
        "MG" => c(Const("00000000-0000-0000-0000-000000000001")),
        "ManagementGroupName" => c(Const("AOI-8f0c3e2a-5b7d-4c1e-9a6f-2d4b8e1c7a90")),
        "Type" => c(Const("SquidProxy_CL")),
        _ => c(Null),
    }
}

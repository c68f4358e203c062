//! `DeviceNetworkEvents`: Defender for Endpoint network events.
//!
//! Row profiles are initiating processes; the row outcome is an index into [`ACTIONS`].
//! `Timestamp` is the event time; `TimeGenerated` lags it by up to ten minutes.

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::StdRng;

use super::TableDef;
use crate::gen_archive::columns::{Cell, ColSpec, Gen, RowCtx};
use crate::gen_archive::plant::PlantKind;
use crate::gen_archive::values::{NORMAL_UAS, URL_PATHS, mix};

pub static DEF: TableDef = TableDef {
    name: "DeviceNetworkEvents",
    time_column: "Timestamp",
    // The columns the 2023 Azure-Sentinel validation schema did not have yet.
    drift: &[
        "InitiatingProcessFileSize",
        "InitiatingProcessRemoteSessionDeviceName",
        "InitiatingProcessRemoteSessionIP",
        "InitiatingProcessSessionId",
        "InitiatingProcessUniqueId",
        "InitiatingProcessVersionInfoCompanyName",
        "InitiatingProcessVersionInfoFileDescription",
        "InitiatingProcessVersionInfoInternalFileName",
        "InitiatingProcessVersionInfoOriginalFileName",
        "InitiatingProcessVersionInfoProductName",
        "InitiatingProcessVersionInfoProductVersion",
        "IsInitiatingProcessRemoteSession",
    ],
    absent: &[],
    profile_weights: &[25, 20, 20, 10, 8, 6, 4, 4, 3],
    action_weights: &[50, 8, 10, 6, 3, 5, 5, 4, 6, 2, 1],
    spec,
    plants: &[PlantKind::ThreatFox, PlantKind::ThreatFoxNearMiss],
};

/// `ActionType` values; the row outcome indexes this list.
pub const ACTIONS: [&str; 11] = [
    "ConnectionSuccess",
    "ConnectionFailed",
    "ConnectionRequest",
    "InboundConnectionAccepted",
    "ListeningConnectionCreated",
    "ConnectionAttempt",
    "DnsConnectionInspected",
    "HttpConnectionInspected",
    "SslConnectionInspected",
    "NetworkSignatureInspected",
    "ConnectionAcknowledged",
];
const INBOUND: u8 = 3;
const LISTENING: u8 = 4;
const DNS: u8 = 6;
const HTTP: u8 = 7;
const SSL: u8 = 8;

/// Index of an action type in [`ACTIONS`].
pub fn action_index(action: &str) -> u8 {
    ACTIONS
        .iter()
        .position(|a| *a == action)
        .expect("known action type") as u8
}

struct Proc {
    file: &'static str,
    folder: &'static str,
    command: &'static str,
    company: &'static str,
    product: &'static str,
    description: &'static str,
    version: &'static str,
    size: i64,
    parent: &'static str,
    system: bool,
}

const PROCS: [Proc; 9] = [
    Proc {
        file: "chrome.exe",
        folder: "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        command: "\"chrome.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService",
        company: "Google LLC",
        product: "Google Chrome",
        description: "Google Chrome",
        version: "126.0.6478.127",
        size: 3_012_120,
        parent: "chrome.exe",
        system: false,
    },
    Proc {
        file: "msedge.exe",
        folder: "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        command: "\"msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService",
        company: "Microsoft Corporation",
        product: "Microsoft Edge",
        description: "Microsoft Edge",
        version: "126.0.2592.68",
        size: 4_103_744,
        parent: "msedge.exe",
        system: false,
    },
    Proc {
        file: "svchost.exe",
        folder: "C:\\Windows\\System32\\svchost.exe",
        command: "svchost.exe -k NetworkService -p -s Dnscache",
        company: "Microsoft Corporation",
        product: "Microsoft® Windows® Operating System",
        description: "Host Process for Windows Services",
        version: "10.0.22621.3672",
        size: 57_360,
        parent: "services.exe",
        system: true,
    },
    Proc {
        file: "MsSense.exe",
        folder: "C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe",
        command: "\"MsSense.exe\"",
        company: "Microsoft Corporation",
        product: "Microsoft® Windows® Operating System",
        description: "Windows Defender Advanced Threat Protection Service Executable",
        version: "10.8760.22621.3672",
        size: 2_349_056,
        parent: "services.exe",
        system: true,
    },
    Proc {
        file: "ms-teams.exe",
        folder: "C:\\Program Files\\WindowsApps\\MSTeams_24152.405.2925.6762_x64__8wekyb3d8bbwe\\ms-teams.exe",
        command: "\"ms-teams.exe\" msteams:system-initiated",
        company: "Microsoft Corporation",
        product: "Microsoft Teams",
        description: "Microsoft Teams",
        version: "24152.405.2925.6762",
        size: 1_503_112,
        parent: "explorer.exe",
        system: false,
    },
    Proc {
        file: "OneDrive.exe",
        folder: "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
        command: "\"OneDrive.exe\" /background",
        company: "Microsoft Corporation",
        product: "Microsoft OneDrive",
        description: "Microsoft OneDrive",
        version: "24.101.0519.0010",
        size: 3_654_200,
        parent: "explorer.exe",
        system: false,
    },
    Proc {
        file: "powershell.exe",
        folder: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        command: "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1",
        company: "Microsoft Corporation",
        product: "Microsoft® Windows® Operating System",
        description: "Windows PowerShell",
        version: "10.0.22621.3672",
        size: 455_680,
        parent: "cmd.exe",
        system: false,
    },
    Proc {
        file: "firefox.exe",
        folder: "C:\\Program Files\\Mozilla Firefox\\firefox.exe",
        command: "\"firefox.exe\" -contentproc -parentBuildID 20240618",
        company: "Mozilla Corporation",
        product: "Firefox",
        description: "Firefox",
        version: "127.0.1",
        size: 682_272,
        parent: "firefox.exe",
        system: false,
    },
    Proc {
        file: "OUTLOOK.EXE",
        folder: "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
        command: "\"OUTLOOK.EXE\"",
        company: "Microsoft Corporation",
        product: "Microsoft Outlook",
        description: "Microsoft Outlook",
        version: "16.0.17726.20160",
        size: 43_550_656,
        parent: "explorer.exe",
        system: false,
    },
];

fn proc(ctx: &RowCtx, row: usize) -> &'static Proc {
    &PROCS[ctx.profile[row] as usize]
}

macro_rules! proc_field {
    ($name:ident, $field:ident) => {
        fn $name<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
            Cell::Str(proc(ctx, row).$field)
        }
    };
}
proc_field!(proc_file, file);
proc_field!(proc_folder, folder);
proc_field!(proc_command, command);
proc_field!(proc_company, company);
proc_field!(proc_product, product);
proc_field!(proc_description, description);
proc_field!(proc_version, version);
proc_field!(proc_parent, parent);

fn proc_size<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Int(proc(ctx, row).size)
}

fn proc_hash(ctx: &RowCtx, row: usize, list: usize) -> usize {
    (ctx.profile[row] as usize * 97 + list * 13) % 1024
}

fn proc_md5<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.pools.md5[proc_hash(ctx, row, 0)])
}
fn proc_sha1<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.pools.sha1[proc_hash(ctx, row, 1)])
}
fn proc_sha256<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.pools.sha256[proc_hash(ctx, row, 2)])
}

fn integrity<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(if proc(ctx, row).system {
        "System"
    } else {
        "Medium"
    })
}

fn account_name<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if proc(ctx, row).system {
        Cell::Str(if ctx.profile[row] == 2 {
            "network service"
        } else {
            "system"
        })
    } else {
        Cell::Str(&ctx.user(row).sam)
    }
}

fn account_domain<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(if proc(ctx, row).system {
        "nt authority"
    } else {
        "contoso"
    })
}

fn account_sid<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if proc(ctx, row).system {
        Cell::Str(if ctx.profile[row] == 2 {
            "S-1-5-20"
        } else {
            "S-1-5-18"
        })
    } else {
        Cell::Str(&ctx.user(row).sid)
    }
}

fn account_upn<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if proc(ctx, row).system {
        Cell::Null
    } else {
        Cell::Str(&ctx.user(row).upn)
    }
}

fn account_object_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if proc(ctx, row).system {
        Cell::Null
    } else {
        Cell::Str(&ctx.user(row).object_id)
    }
}

fn action_type<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(ACTIONS[ctx.action[row] as usize])
}

fn device_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).id)
}

fn device_name<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).fqdn)
}

fn local_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(&ctx.device(row).ip)
}

fn machine_group<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(if ctx.dice[row] < 5 {
        "UnassignedGroup"
    } else if ctx.device(row).server {
        "Servers"
    } else {
        "Workstations"
    })
}

/// The kind of remote end of a row: 0 public site, 1 internal peer, 2 IPv4-mapped IPv6,
/// 3 loopback, 4 none (listening socket).
fn remote_kind(ctx: &RowCtx, row: usize) -> u8 {
    match (ctx.action[row], ctx.dice[row]) {
        (LISTENING, _) => 4,
        (INBOUND, _) => 1,
        (_, 0..=1) => 2,
        (_, 2..=3) => 3,
        _ => 0,
    }
}

fn remote_ip<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    match remote_kind(ctx, row) {
        0 => Cell::Str(&ctx.site(row).ip),
        1 => {
            let other = (ctx.device[row] as usize + 11) % ctx.pools.devices.len();
            Cell::Str(&ctx.pools.devices[other].ip)
        }
        2 => {
            let _ = write!(buf, "::ffff:{}", ctx.site(row).ip);
            Cell::Buf
        }
        3 => Cell::Str("127.0.0.1"),
        _ => Cell::Str(""),
    }
}

fn remote_ip_type<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    match remote_kind(ctx, row) {
        0 => Cell::Str("Public"),
        1 => Cell::Str("Private"),
        2 => Cell::Str("FourToSixMapping"),
        3 => Cell::Str("Loopback"),
        _ => Cell::Null,
    }
}

fn remote_port<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    match (remote_kind(ctx, row), ctx.action[row]) {
        (4, _) => Cell::Int(0),
        (1, _) => Cell::Int(rng.random_range(49152..65536)),
        (_, DNS) => Cell::Int(53),
        (_, HTTP) => Cell::Int(80),
        _ => Cell::Int(if ctx.dice[row] < 90 { 443 } else { 80 }),
    }
}

fn local_port<'a>(ctx: &'a RowCtx, rng: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    match remote_kind(ctx, row) {
        1 | 4 => Cell::Int([445, 3389, 135, 5985][rng.random_range(0..4)]),
        _ => Cell::Int(rng.random_range(49152..65536)),
    }
}

fn remote_url<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    if remote_kind(ctx, row) == 0 && ctx.dice[row] < 80 {
        Cell::Str(&ctx.site(row).host)
    } else {
        Cell::Str("")
    }
}

fn protocol<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Str(if ctx.action[row] == DNS || ctx.dice[row] >= 92 {
        "Udp"
    } else {
        "Tcp"
    })
}

fn additional_fields<'a>(
    ctx: &'a RowCtx,
    rng: &mut StdRng,
    row: usize,
    buf: &mut String,
) -> Cell<'a> {
    let host = &ctx.site(row).host;
    match ctx.action[row] {
        DNS => {
            let _ = write!(
                buf,
                r#"{{"query":"{host}","rcode":0,"rtt":{}}}"#,
                rng.random_range(1..80)
            );
        }
        HTTP => {
            let ua = NORMAL_UAS[rng.random_range(0..NORMAL_UAS.len())];
            let uri = URL_PATHS[rng.random_range(0..URL_PATHS.len())];
            let _ = write!(
                buf,
                r#"{{"direction":"Out","host":"{host}","method":"GET","status_code":200,"uri":"{uri}","user_agent":"{ua}"}}"#
            );
        }
        SSL => {
            let _ = write!(
                buf,
                r#"{{"version":"TLS 1.3","server_name":"{host}","established":true,"direction":"Out"}}"#
            );
        }
        _ => return Cell::Null,
    }
    Cell::Buf
}

const SECOND: i64 = 1_000_000_000;
const DAY: i64 = 86_400 * SECOND;

/// A process instance: the same process on the same device on the same day.
fn instance(ctx: &RowCtx, row: usize) -> u64 {
    mix(&[
        u64::from(ctx.device[row]),
        u64::from(ctx.profile[row]),
        ctx.time[row].div_euclid(DAY) as u64,
    ])
}

fn process_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Int(1000 + (instance(ctx, row) % 30_000) as i64)
}

fn parent_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Int(400 + ((instance(ctx, row) >> 20) % 1_000) as i64)
}

fn unique_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, buf: &mut String) -> Cell<'a> {
    let _ = write!(
        buf,
        "{}",
        1_000_000_000_000_000 + instance(ctx, row) % 8_000_000_000_000_000
    );
    Cell::Buf
}

/// Some time the day before the event.
fn creation_time<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    let day = ctx.time[row].div_euclid(DAY) * DAY;
    Cell::Time(day - (instance(ctx, row) % 86_400) as i64 * SECOND)
}

/// Days before the process.
fn parent_creation_time<'a>(
    ctx: &'a RowCtx,
    _: &mut StdRng,
    row: usize,
    _: &mut String,
) -> Cell<'a> {
    let day = ctx.time[row].div_euclid(DAY) * DAY;
    Cell::Time(day - DAY - ((instance(ctx, row) >> 24) % (6 * 86_400)) as i64 * SECOND)
}

fn report_id<'a>(ctx: &'a RowCtx, _: &mut StdRng, row: usize, _: &mut String) -> Cell<'a> {
    Cell::Int(10_000 + (ctx.row0 + row as u64) as i64 * 3)
}

fn spec(column: &str) -> ColSpec {
    use Gen::*;
    let c = ColSpec::new;
    match column {
        "Timestamp" => c(MainTime),
        "TimeGenerated" => c(TimeOffset(1, 600)),
        "ActionType" => c(Custom(action_type)),
        "DeviceId" => c(Custom(device_id)),
        "DeviceName" => c(Custom(device_name)).nulls(0.002),
        "LocalIP" => c(Custom(local_ip)),
        "LocalIPType" => c(Const("Private")),
        "LocalPort" => c(Custom(local_port)),
        "RemoteIP" => c(Custom(remote_ip)).nulls(0.005),
        "RemoteIPType" => c(Custom(remote_ip_type)),
        "RemotePort" => c(Custom(remote_port)).nulls(0.005),
        "RemoteUrl" => c(Custom(remote_url)).nulls(0.02),
        "Protocol" => c(Custom(protocol)),
        "AdditionalFields" => c(Custom(additional_fields)),
        "AppGuardContainerId" => c(Const("")),
        "MachineGroup" => c(Custom(machine_group)),
        "InitiatingProcessFileName" => c(Custom(proc_file)).nulls(0.003),
        "InitiatingProcessFolderPath" => c(Custom(proc_folder)),
        "InitiatingProcessCommandLine" => c(Custom(proc_command)),
        "InitiatingProcessVersionInfoCompanyName" => c(Custom(proc_company)),
        "InitiatingProcessVersionInfoProductName" => c(Custom(proc_product)),
        "InitiatingProcessVersionInfoFileDescription" => c(Custom(proc_description)),
        "InitiatingProcessVersionInfoProductVersion" => c(Custom(proc_version)),
        "InitiatingProcessVersionInfoInternalFileName"
        | "InitiatingProcessVersionInfoOriginalFileName" => c(Custom(proc_file)),
        "InitiatingProcessParentFileName" => c(Custom(proc_parent)),
        "InitiatingProcessFileSize" => c(Custom(proc_size)),
        "InitiatingProcessMD5" => c(Custom(proc_md5)),
        "InitiatingProcessSHA1" => c(Custom(proc_sha1)),
        "InitiatingProcessSHA256" => c(Custom(proc_sha256)).nulls(0.05),
        "InitiatingProcessIntegrityLevel" => c(Custom(integrity)),
        "InitiatingProcessAccountName" => c(Custom(account_name)),
        "InitiatingProcessAccountDomain" => c(Custom(account_domain)),
        "InitiatingProcessAccountSid" => c(Custom(account_sid)),
        "InitiatingProcessAccountUpn" => c(Custom(account_upn)),
        "InitiatingProcessAccountObjectId" => c(Custom(account_object_id)),
        "InitiatingProcessId" => c(Custom(process_id)),
        "InitiatingProcessParentId" => c(Custom(parent_id)),
        "InitiatingProcessCreationTime" => c(Custom(creation_time)),
        "InitiatingProcessParentCreationTime" => c(Custom(parent_creation_time)),
        "InitiatingProcessSessionId" => c(Int(0, 3)),
        "InitiatingProcessTokenElevation" => c(Choice(&[
            "TokenElevationTypeDefault",
            "TokenElevationTypeDefault",
            "TokenElevationTypeLimited",
            "TokenElevationTypeFull",
        ])),
        "InitiatingProcessUniqueId" => c(Custom(unique_id)),
        "InitiatingProcessRemoteSessionDeviceName" | "InitiatingProcessRemoteSessionIP" => c(Null),
        "IsInitiatingProcessRemoteSession" => c(Bool(0.0)),
        "ReportId" => c(Custom(report_id)),
        "SourceSystem" => c(Const("")),
        "TenantId" => c(Const("8f0c3e2a-5b7d-4c1e-9a6f-2d4b8e1c7a90")),
        "Type" => c(Const("DeviceNetworkEvents")),
        "_IsBillable" => c(Const("True")),
        "_BilledSize" => c(Int(400, 1500)),
        _ => c(Filler),
    }
}

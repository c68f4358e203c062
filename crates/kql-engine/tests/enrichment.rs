//! Enrichment from data the user supplies: `invoke FileProfile()` over an
//! archive's `FileProfile` table (advanced-hunting-fileprofile-function.md),
//! and `geo_info_from_ip_address()` without a GeoIP database or over the
//! MaxMind layout (geo-info-from-ip-address-function.md). The logic tests
//! (`testdata/logic/66_enrichment.slt`) cover the rest; these need an
//! archive or a workspace of their own.

use arrow::array::{ArrayRef, BooleanArray, Int64Array, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use kql_engine::{KqlSession, SessionOptions, Workspace};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

fn write(path: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).expect("create"),
        batch.schema(),
        None,
    )
    .expect("writer");
    w.write(batch).expect("write");
    w.close().expect("close");
}

fn strings(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

const DAY: i64 = 86_400_000_000_000;
const T0: i64 = 1_767_225_600_000_000_000; // 2026-01-01

/// Profiles of three files; `bbb` twice (the later one wins).
fn profiles() -> RecordBatch {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let ts = |n: &str| Field::new(n, DataType::Timestamp(TimeUnit::Nanosecond, None), true);
    let b = |n: &str| Field::new(n, DataType::Boolean, true);
    let schema = Arc::new(Schema::new(vec![
        s("SHA1"),
        s("SHA256"),
        s("MD5"),
        Field::new("FileSize", DataType::Int64, true),
        Field::new("GlobalPrevalence", DataType::Int64, true),
        ts("GlobalFirstSeen"),
        ts("GlobalLastSeen"),
        s("Signer"),
        s("Issuer"),
        s("SignerHash"),
        b("IsCertificateValid"),
        b("IsRootSignerMicrosoft"),
        s("SignatureState"),
        b("IsExecutable"),
        s("ThreatName"),
        s("Publisher"),
        s("SoftwareName"),
        s("Extra"),
    ]));
    let n = 4;
    let cols: Vec<ArrayRef> = vec![
        strings(&[Some("aaa"), Some("bbb"), Some("bbb"), Some("")]),
        strings(&[Some("a256"), Some("b256-old"), Some("b256"), Some("e256")]),
        strings(&[Some("amd5"), Some("bmd5"), Some("bmd5"), Some("emd5")]),
        Arc::new(Int64Array::from(vec![
            Some(5_000_000_000),
            Some(10),
            Some(11),
            None,
        ])),
        Arc::new(Int64Array::from(vec![Some(1), Some(2), Some(3), Some(4)])),
        Arc::new(TimestampNanosecondArray::from(vec![Some(T0); n])),
        Arc::new(TimestampNanosecondArray::from(vec![
            Some(T0 + DAY),
            Some(T0 + DAY),
            Some(T0 + 2 * DAY),
            Some(T0),
        ])),
        strings(&[
            Some("Microsoft Windows"),
            Some("Contoso"),
            Some("Contoso"),
            Some(""),
        ]),
        strings(&[
            Some("Microsoft Root"),
            Some("Contoso CA"),
            Some("Contoso CA"),
            Some(""),
        ]),
        strings(&[Some("h1"), Some("h2"), Some("h2"), Some("")]),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(false),
            Some(true),
            None,
        ])),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(false),
            Some(false),
            None,
        ])),
        strings(&[
            Some("SignedValid"),
            Some("SignedInvalid"),
            Some("SignedValid"),
            Some(""),
        ]),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(true),
            Some(true),
            None,
        ])),
        strings(&[
            Some(""),
            Some("Trojan:Win32/Test"),
            Some("Trojan:Win32/Test"),
            Some(""),
        ]),
        strings(&[
            Some("Microsoft"),
            Some("Contoso"),
            Some("Contoso"),
            Some(""),
        ]),
        strings(&[Some("Windows"), Some("Tool"), Some("Tool"), Some("")]),
        strings(&[Some("x"); 4]),
    ];
    RecordBatch::try_new(schema, cols).expect("profiles")
}

fn events() -> RecordBatch {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        s("FileName"),
        s("SHA1"),
        s("SHA256"),
        s("InitiatingProcessSHA1"),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            strings(&[Some("a.exe"), Some("b.exe"), Some("c.exe"), Some("d.exe")]),
            strings(&[Some("aaa"), Some("bbb"), Some("ccc"), Some("")]),
            strings(&[Some("a256"), Some("b256"), Some("c256"), Some("")]),
            strings(&[Some("bbb"), Some("aaa"), Some(""), Some("zzz")]),
        ],
    )
    .expect("events")
}

fn session(archive: &Path, geoip: Option<&Path>) -> KqlSession {
    let mut options = SessionOptions::new(archive);
    options.target_partitions = Some(1);
    options.workspace = Arc::new(
        Workspace::load(None, None, None)
            .expect("workspace")
            .with_geoip(geoip)
            .expect("geoip folder"),
    );
    KqlSession::open(options).expect("session")
}

/// The result as a header line and one line per row, cells `|`-separated.
async fn table(s: &KqlSession, q: &str) -> Vec<String> {
    let r = s.run(q).await.unwrap_or_else(|d| panic!("{q}: {d:?}"));
    let r = &r[0];
    let mut lines = vec![
        r.columns
            .iter()
            .map(|(n, t)| format!("{n}:{}", t.as_str()))
            .collect::<Vec<_>>()
            .join(" "),
    ];
    for b in &r.batches {
        for i in 0..b.num_rows() {
            lines.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(i) {
                            "NULL".to_string()
                        } else {
                            arrow::util::display::array_value_to_string(c, i).expect("cell")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
            );
        }
    }
    lines
}

async fn error(s: &KqlSession, q: &str) -> String {
    match s.run(q).await {
        Ok(_) => panic!("{q} ran"),
        Err(d) => format!("{}: {}", d.code.as_text(), d.message),
    }
}

use arrow::array::Array;

#[tokio::test]
async fn file_profile_is_a_leftouter_lookup_on_the_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("FileProfile/part-0000.parquet"),
        &profiles(),
    );
    write(&dir.path().join("Events/part-0000.parquet"), &events());
    let s = session(dir.path(), None);

    // default key SHA1; every input row kept; the latest profile of `bbb`;
    // the documented columns in order (not `Extra`); a row without a
    // profile gets empty strings (a KQL string is never null) and nulls
    let t = table(
        &s,
        "Events | invoke FileProfile() | project FileName, SHA1, SHA2561, MD5, FileSize, \
         GlobalPrevalence, GlobalLastSeen, IsCertificateValid, ThreatName | order by FileName asc",
    )
    .await;
    assert_eq!(
        t,
        vec![
            "FileName:string SHA1:string SHA2561:string MD5:string FileSize:long GlobalPrevalence:long GlobalLastSeen:datetime IsCertificateValid:bool ThreatName:string",
            "a.exe|aaa|a256|amd5|5000000000|1|2026-01-02T00:00:00|true|",
            "b.exe|bbb|b256|bmd5|11|3|2026-01-03T00:00:00|true|Trojan:Win32/Test",
            "c.exe|ccc|||NULL|NULL|NULL|NULL|",
            "d.exe||||NULL|NULL|NULL|NULL|",
        ]
    );

    // all columns: the input's, then the profile's (SHA256 renamed: the input has one)
    let t = table(&s, "Events | invoke FileProfile(SHA1, 1000) | take 1").await;
    assert_eq!(
        t[0],
        "FileName:string SHA1:string SHA256:string InitiatingProcessSHA1:string SHA2561:string MD5:string \
         FileSize:long GlobalPrevalence:long GlobalFirstSeen:datetime GlobalLastSeen:datetime Signer:string \
         Issuer:string SignerHash:string IsCertificateValid:bool IsRootSignerMicrosoft:bool \
         SignatureState:string IsExecutable:bool ThreatName:string Publisher:string SoftwareName:string \
         ProfileAvailability:string"
    );

    // found or not; the column named as a string, as published queries do
    let t = table(
        &s,
        "Events | invoke FileProfile('SHA1', 10000) | project FileName, ProfileAvailability | order by FileName asc",
    )
    .await;
    assert_eq!(
        t,
        vec![
            "FileName:string ProfileAvailability:string",
            "a.exe|Available",
            "b.exe|Available",
            "c.exe|Missing",
            "d.exe|Missing",
        ]
    );

    // another hash column: matched on the profile's SHA1, which (lookup's
    // rule) is not repeated; the input's own SHA1 stays
    let t = table(
        &s,
        "Events | invoke FileProfile(InitiatingProcessSHA1) | project FileName, SHA1, SHA2561, Signer | order by FileName asc",
    )
    .await;
    assert_eq!(
        t,
        vec![
            "FileName:string SHA1:string SHA2561:string Signer:string",
            "a.exe|aaa|b256|Contoso",
            "b.exe|bbb|a256|Microsoft Windows",
            "c.exe|ccc||",
            "d.exe|||",
        ]
    );

    // by SHA256: the profile's SHA1 is renamed (the input has one)
    let t = table(
        &s,
        "Events | invoke FileProfile(SHA256) | project FileName, SHA11, Publisher | order by FileName asc",
    )
    .await;
    assert_eq!(
        t,
        vec![
            "FileName:string SHA11:string Publisher:string",
            "a.exe|aaa|Microsoft",
            "b.exe|bbb|Contoso",
            "c.exe||",
            "d.exe||",
        ]
    );

    // wrong arguments
    assert!(
        error(&s, "Events | invoke FileProfile(FileName)")
            .await
            .contains("not a hash column")
    );
    assert!(
        error(&s, "Events | invoke FileProfile(SHA1, 0)")
            .await
            .contains("at least 1")
    );
    assert!(
        error(&s, "Events | invoke FileProfile(SHA1, 'many')")
            .await
            .contains("constant integer")
    );
    assert!(
        error(&s, "Events | invoke FileProfile(SHA1, 1, 2)")
            .await
            .contains("at most 2")
    );
    assert!(
        error(&s, "Events | invoke FileProfile(Nope)")
            .await
            .contains("KQL2002")
    );
    assert!(
        error(&s, "Events | project FileName | invoke FileProfile()")
            .await
            .contains("no column 'SHA1'")
    );
}

#[tokio::test]
async fn file_profile_without_the_table_says_what_to_add() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("Events/part-0000.parquet"), &events());
    let s = session(dir.path(), None);
    let e = error(&s, "Events | invoke FileProfile()").await;
    assert!(
        e.starts_with("KQL5012: FileProfile() needs file profile data: add a FileProfile table"),
        "{e}"
    );
    assert!(e.contains("GlobalPrevalence:int"), "{e}");
}

#[tokio::test]
async fn file_profile_table_missing_a_column_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = profiles();
    let p = p.project(&[0, 1, 2]).expect("project");
    write(&dir.path().join("FileProfile/part-0000.parquet"), &p);
    write(&dir.path().join("Events/part-0000.parquet"), &events());
    let s = session(dir.path(), None);
    let e = error(&s, "Events | invoke FileProfile()").await;
    assert!(e.contains("has no column FileSize"), "{e}");
}

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

#[tokio::test]
async fn geo_info_without_a_database_says_what_to_supply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let geo = tempfile::tempdir().expect("tempdir");
    let s = session(dir.path(), Some(geo.path()));
    let e = error(&s, "print geo_info_from_ip_address('192.0.2.1')").await;
    assert!(
        e.starts_with("KQL5012: geo_info_from_ip_address needs a GeoIP database"),
        "{e}"
    );
    assert!(e.contains("or pass --geoip DIR"), "{e}");
    assert!(e.contains(&geo.path().display().to_string()), "{e}");
}

#[tokio::test]
async fn geo_info_reads_maxmind_csvs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = session(dir.path(), Some(&testdata().join("geoip/maxmind")));
    let t = table(
        &s,
        "print a = geo_info_from_ip_address('192.0.2.1'), b = geo_info_from_ip_address('192.0.2.200'), \
         c = geo_info_from_ip_address('2001:db8::1'), d = geo_info_from_ip_address('203.0.113.1')",
    )
    .await;
    assert_eq!(
        t[1],
        r#"{"country":"Exampleland","state":"North Province","city":"Alphaville","latitude":-33.8715,"longitude":151.2006}|{"country":"Exampleland","state":"","city":"","latitude":null,"longitude":null}|{"country":"Testonia","state":"East","city":"Gammaton","latitude":0.5,"longitude":-0.25}|{}"#
    );
}

//! kql-sentinel — Sentinel content around the engine: reads scheduled
//! analytic-rule YAML and ASIM parser YAML (as workspace functions), turns a
//! rule's result rows into alerts, and compares results with exports from
//! Sentinel / Log Analytics. Pure: no data access; the CLI runs the queries
//! through kql-engine and hands the rows here.

//! OCI contract credit report (seed 001): per-client and consolidated consumption, weekday
//! forecast, credit run-out date and backtest error.
//!
//! ```text
//! cargo run -p finops-examples --example oci_contract_report -- --demo
//! cargo run -p finops-examples --example oci_contract_report -- \
//!     --config-dir DIR --as-of 2026-11-22 [--endpoint URL] [--format table|csv|json] [--out DIR]
//! ```

fn main() -> std::process::ExitCode {
    // The one place that reads the wall clock: the binary's main.
    finops_examples::oci::main_with_args(std::env::args_os(), finops_core::clock::system())
}

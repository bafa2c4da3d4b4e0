//! OVHcloud weekly FinOps report: the Power BI CSV set of the original scripts + `focus.parquet`.
//!
//! ```text
//! cargo run -p finops-examples --example ovh_weekly_report -- \
//!     --tokens DIR --cmdb FILE --out DIR --as-of 2026-11-22 \
//!     [--endpoint URL] [--state FILE.sqlite] [--sample-usage] [--sample-only] [--utf8] [--demo]
//! ```
//!
//! The logic lives in `finops_examples::ovh` (see its docs for every option).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // The one place that reads the wall clock: the binary's main.
    let clock = finops_core::clock::system();
    match finops_examples::ovh::main_with_args(std::env::args_os(), clock).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => match e.downcast::<clap::Error>() {
            // `--help`, `--version` and usage errors, printed the clap way.
            Ok(clap_error) => clap_error.exit(),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

//! FinOps hubs ingestion (seed 002): Cost Management exports -> hubs ingestion layout -> FOCUS 1.2.
//!
//! ```text
//! cargo run --release -p finops-examples --example azure_hub_ingest -- --exports LOC --ingestion LOC \
//!     [--retention-months N] [--as-of YYYY-MM-DD] [--focus-out FILE] [--focus-version 1.2|1.0]
//!     [--format text|json] [--demo]
//! ```

fn main() -> std::process::ExitCode {
    // The one place that reads the wall clock: the binary's main.
    finops_examples::azure::main_with_args(std::env::args_os(), finops_core::clock::system())
}

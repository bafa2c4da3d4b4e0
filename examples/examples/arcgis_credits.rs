//! ArcGIS Online credits: balances, usage by operation, alerts and allocation.
//! See `finops_examples::arcgis` for the options; `--demo` runs against the emulator.

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // The one place that reads the wall clock: the binary's main.
    finops_examples::arcgis::main_with_args(std::env::args(), finops_core::clock::system())
}

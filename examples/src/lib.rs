//! Example programs and the `finops` command of finops-rs.
//!
//! Each provider module holds the logic of its example program (`examples/*.rs` are thin
//! wrappers) and a `demo` function that `finops demo` calls against the provider's emulator.

#![allow(missing_docs)]
// The `///` comments on the CLI argument structs are `--help` text for clap, written for a
// terminal (`https://host/portal`, `<out>/file.json`), not Markdown for rustdoc.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

pub mod aggregate_cmd;
pub mod arcgis;
pub mod oci;
pub mod ovh;
pub mod schedule_cmd;

/// What one provider's demo did, for the `finops demo` summary.
#[derive(Debug, Default, Clone)]
pub struct DemoSummary {
    /// Provider label.
    pub provider: String,
    /// Human-readable summary lines.
    pub lines: Vec<String>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

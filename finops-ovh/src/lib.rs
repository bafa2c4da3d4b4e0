#![doc = include_str!("../README.md")]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

// API side (HTTP, signing, emulator).
pub mod accounts;
pub mod api;
pub mod builder;
pub mod client;
pub mod collect;
pub mod credential;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;

// Local side (CMDB, state store, Power BI CSV set, cost drivers, the weekly run).
pub mod cmdb;
pub mod drivers;
pub mod report;
pub mod store;
pub mod weekly;

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "ovh";

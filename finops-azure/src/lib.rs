#![doc = include_str!("../README.md")]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

/// Provider label used in errors and logs.
pub const PROVIDER: &str = "azure";

pub mod credential;
pub mod graph;

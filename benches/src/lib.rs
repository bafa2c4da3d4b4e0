//! Benchmark support (data generators).

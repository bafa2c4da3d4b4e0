//! Concurrency bench (work in progress).
fn main() {}

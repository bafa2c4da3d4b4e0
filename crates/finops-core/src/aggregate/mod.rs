//! Exact, streaming group-by over FOCUS data (work in progress).

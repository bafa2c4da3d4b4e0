//! credential (work in progress).

//! accounts (work in progress).

//! collect (work in progress).

//! FOCUS CSV / CSV.gz reader and writer (work in progress).

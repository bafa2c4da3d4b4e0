//! Column-name mapping from FOCUS 1.0-preview, 1.0, 1.0r2, 1.1 and 1.3 to 1.2 (work in progress).

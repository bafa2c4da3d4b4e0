//! arcgis example logic and demo (work in progress).

use crate::DemoSummary;
use std::path::Path;

/// Run the arcgis demo against its emulator, writing under `out`.
pub async fn demo(_out: &Path) -> anyhow::Result<DemoSummary> {
    Ok(DemoSummary {
        provider: "arcgis".into(),
        lines: vec!["not implemented yet".into()],
        files: vec![],
    })
}

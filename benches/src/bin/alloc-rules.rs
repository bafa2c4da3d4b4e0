//! `alloc-rules DIR`: write the 50-rule allocation bench files: `DIR/rules50.toml` and the
//! same mapping as DuckDB SQL `CASE` expressions (`DIR/rules50_target.sql`,
//! `DIR/rules50_rule.sql`).

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).context("alloc-rules DIR")?;
    let (toml, target, rule) = finops_benches::allocation_rules_50();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(format!("{dir}/rules50.toml"), toml)?;
    std::fs::write(format!("{dir}/rules50_target.sql"), target)?;
    std::fs::write(format!("{dir}/rules50_rule.sql"), rule)?;
    Ok(())
}

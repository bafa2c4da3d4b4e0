#!/usr/bin/env bash
# Analysis benchmarks: `finops allocate` with 50 rules on the 1M-row FOCUS Parquet file against
# DuckDB doing the same mapping in SQL (and writing the same outputs), then the automatic
# forecast + backtest of 10,000 series × 400 days. One command, from anywhere:
#
#   benches/peer/analysis.sh                 # 1M rows, median of 3
#   ROWS=200000 REPS=3 benches/peer/analysis.sh
#
# Needs what run.sh needs (it shares its data folder and venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${ROWS:-1000000}"
REPS="${REPS:-3}"
DATA=benches/data
VENV=benches/.venv
mkdir -p "$DATA"
echo "== building (release)" >&2
cargo build --release -q -p finops-examples --bin finops -p finops-benches --bin gen-focus --bin alloc-rules --bin forecast-bench
TARGET="${CARGO_TARGET_DIR:-target}"
CSV="$DATA/focus_${ROWS}.csv"
PQ="$DATA/focus_${ROWS}.parquet"
if [[ ! -s "$PQ" ]]; then
  "$TARGET/release/gen-focus" --rows "$ROWS" --parquet "$PQ"
fi
"$TARGET/release/alloc-rules" "$DATA/alloc"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q duckdb polars pandas pyarrow
fi
"$VENV/bin/python" benches/peer/analysis.py --finops "$TARGET/release/finops" --parquet "$PQ" \
  --rules "$DATA/alloc" --reps "$REPS" --work "$DATA/alloc/out"
echo
echo "| forecast + backtest | time | per series | models | |"
echo "|---|---|---|---|---|"
"$TARGET/release/forecast-bench" --series "${SERIES:-10000}" --days "${DAYS:-400}" --threads 2

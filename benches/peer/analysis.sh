#!/usr/bin/env bash
# Analysis benchmarks: `finops allocate` with 50 rules on the 1M-row FOCUS Parquet file against
# DuckDB doing the same mapping in SQL (and writing the same outputs), then the automatic
# forecast + backtest of 10,000 series × 400 days. One command, from anywhere:
#
#   benches/peer/analysis.sh                 # 1M rows, median of 5 back-to-back rounds
#   ROWS=200000 REPS=3 benches/peer/analysis.sh
#   DUCK_T1=1 benches/peer/analysis.sh       # DuckDB on one thread too
#
# Needs what run.sh needs (it shares its data folder and venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${ROWS:-1000000}"
REPS="${REPS:-5}"
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
# A private copy: other builds sharing the target folder cannot swap the binary mid-run.
cp "$TARGET/release/finops" "$DATA/finops.bench"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q duckdb polars pandas pyarrow
fi
"$VENV/bin/python" benches/peer/analysis.py --finops "$DATA/finops.bench" --parquet "$PQ" \
  --rules "$DATA/alloc" --reps "$REPS" --work "$DATA/alloc/out" ${DUCK_T1:+--duck-t1}
echo
echo "| forecast + backtest | time | per series | models | |"
echo "|---|---|---|---|---|"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
  "$TARGET/release/forecast-bench" --series "${SERIES:-10000}" --days "${DAYS:-400}" --threads 2

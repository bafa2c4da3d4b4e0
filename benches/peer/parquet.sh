#!/usr/bin/env bash
# `finops aggregate` on 1M-row FOCUS Parquet files against DuckDB's engine, back to back
# (each round: finops, then DuckDB, same query), median of REPS rounds, with the machine's
# load average. Three copies of the same data: as finops-benches writes it (8 row groups of
# 131,072 rows), rewritten by DuckDB (row groups of 122,880) and by pyarrow (one row group).
#
#   benches/peer/parquet.sh                 # 1M rows, 7 rounds, queries q1..q4
#   REPS=11 QUERIES=q1 benches/peer/parquet.sh
#   CSV=1 benches/peer/parquet.sh           # the CSV file too (regression check)
#
# Needs what run.sh needs (it shares its data folder and venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${ROWS:-1000000}"
REPS="${REPS:-7}"
DATA=benches/data
VENV=benches/.venv
mkdir -p "$DATA"
echo "== building finops and gen-focus (release)" >&2
cargo build --release -q -p finops-examples --bin finops -p finops-benches --bin gen-focus
TARGET="${CARGO_TARGET_DIR:-target}"
# A private copy: other builds sharing the target folder cannot swap the binary mid-run.
BIN="$DATA/finops.bench"
cp "$TARGET/release/finops" "$BIN"
CSVF="$DATA/focus_${ROWS}.csv"
PQ="$DATA/focus_${ROWS}.parquet"
if [[ ! -s "$CSVF" || ! -s "$PQ" ]]; then
  "$TARGET/release/gen-focus" --rows "$ROWS" --out "$CSVF" --parquet "$PQ"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q duckdb polars pandas pyarrow
fi
DUCKPQ="$DATA/focus_${ROWS}_duckdb.parquet"
PAPQ="$DATA/focus_${ROWS}_pyarrow.parquet"
if [[ ! -s "$DUCKPQ" || ! -s "$PAPQ" ]]; then
  "$VENV/bin/python" - "$PQ" "$DUCKPQ" "$PAPQ" <<'PY'
import sys, duckdb, pyarrow.parquet as pq
src, d, p = sys.argv[1:4]
duckdb.connect().execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{d}' (FORMAT parquet)")
pq.write_table(pq.read_table(src), p)
PY
fi
FILES="$PQ,$DUCKPQ,$PAPQ"
if [[ -n "${CSV:-}" ]]; then FILES="$FILES,$CSVF"; fi
"$VENV/bin/python" benches/peer/ratio.py --finops "$BIN" --files "$FILES" --reps "$REPS" \
  --queries "${QUERIES:-q1,q2,q3,q4}" --work "$DATA/peer"

#!/usr/bin/env bash
# Peer comparison of `finops aggregate` with DuckDB, polars and pandas on the same synthetic
# FOCUS 1.2 CSV and Parquet files. One command, from the repository root or anywhere:
#
#   benches/peer/run.sh                # 1M rows, median of 5, prints a markdown table
#   ROWS=200000 REPS=3 benches/peer/run.sh
#   RSS_ROWS=5000000 benches/peer/run.sh --rss-only   # peak RSS of finops on a 5M-row CSV
#
# Needs: cargo, python3 (>= 3.9) with venv and pip reaching PyPI (first run only).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${ROWS:-1000000}"
REPS="${REPS:-5}"
DATA=benches/data
VENV=benches/.venv
mkdir -p "$DATA"

echo "== building finops and gen-focus (release)" >&2
cargo build --release -q -p finops-examples --bin finops -p finops-benches --bin gen-focus
TARGET="${CARGO_TARGET_DIR:-target}"
FINOPS="$TARGET/release/finops"
GEN="$TARGET/release/gen-focus"

if [[ "${1:-}" == "--rss-only" ]]; then
  N="${RSS_ROWS:-5000000}"
  F="$DATA/focus_rss_${N}.csv"
  echo "== generating $N rows into $F (deleted afterwards)" >&2
  "$GEN" --rows "$N" --out "$F"
  python3 - "$FINOPS" "$F" <<'PY'
import os, subprocess, sys, time
finops, f = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
p = subprocess.Popen([finops, "aggregate", "--input", f, "--by", "ServiceName,day", "--threads", "2",
                      "--output", f + ".out.csv"])
_, status, ru = os.wait4(p.pid, 0)
print(f"| {os.path.getsize(f) / 1e9:.2f} GB CSV | finops SUM BY ServiceName, day, 2 threads | "
      f"{time.perf_counter() - t0:.2f} s | peak RSS {ru.ru_maxrss / 1024:.1f} MiB | exit {status} |")
PY
  rm -f "$F" "$F.out.csv"
  exit 0
fi

CSV="$DATA/focus_${ROWS}.csv"
PQ="$DATA/focus_${ROWS}.parquet"
if [[ ! -s "$CSV" || ! -s "$PQ" ]]; then
  echo "== generating $ROWS rows: $CSV and $PQ" >&2
  "$GEN" --rows "$ROWS" --out "$CSV" --parquet "$PQ"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating $VENV with duckdb, polars, pandas, pyarrow" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q duckdb polars pandas pyarrow
fi

echo "== timing (interleaved, median of $REPS)" >&2
"$VENV/bin/python" benches/peer/peer.py --finops "$FINOPS" --csv "$CSV" --parquet "$PQ" --reps "$REPS" \
  --work "$DATA/peer" "${@}"

#!/usr/bin/env bash
# FocusCost export -> Parquet: finops-azure's ingestion engine vs DuckDB and pyarrow (AZ-13).
# Generates realistic FocusCost 1.2 exports (CSV.gz parts of 500k rows + manifest, as Cost
# Management writes them) once into benches/data/azure/, then converts each with every engine
# (fresh output each time) and prints a markdown table: wall time, peak RSS, exact sums.
#
#   benches/azure/run.sh                  # 1M and 5M rows, one run each
#   SIZES="1000000" REPS=3 benches/azure/run.sh
#   SIZES="3000000" ONLY=finops benches/azure/run.sh   # some engines only (finops,duckdb,duckdb-exact,pyarrow)
#
# Needs: cargo, python3 with venv and pip reaching PyPI (first run: duckdb, pyarrow).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES="${SIZES:-1000000 5000000}"
REPS="${REPS:-1}"
DATA=benches/data/azure
VENV=benches/.venv
mkdir -p "$DATA"

echo "== building export_convert (release)" >&2
cargo build --release -q -p finops-azure --features emulator --example export_convert
ENGINE="${CARGO_TARGET_DIR:-target}/release/examples/export_convert"

if ! "$VENV/bin/python" -c 'import duckdb, pyarrow' 2>/dev/null; then
  echo "== creating $VENV with duckdb, pyarrow" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check duckdb pyarrow
fi

echo "| export | engine | time | peak RSS | rows and BilledCost sum |"
echo "|---|---|---|---|---|"
for N in $SIZES; do
  EX="$DATA/msexports_$N"
  if [[ ! -s "$EX/gen.json" ]]; then
    rm -rf "$EX"
    echo "== generating $N rows into $EX" >&2
    "$ENGINE" gen --rows "$N" --out "$EX" > "$DATA/gen_$N.json"
    mv "$DATA/gen_$N.json" "$EX/gen.json"
  fi
  ROWS=$("$VENV/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['generated_rows'])" "$EX/gen.json")
  BILLED=$("$VENV/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['billed_cost'])" "$EX/gen.json")
  "$VENV/bin/python" benches/azure/convert.py --engine "$ENGINE" --exports "$EX" \
    --expect-rows "$ROWS" --expect-billed "$BILLED" --work "$DATA/work" --reps "$REPS" ${ONLY:+--only "$ONLY"}
done

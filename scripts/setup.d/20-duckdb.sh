# DuckDB (PyPI) reads our Parquet back (tests skip with one SKIPPED line without it).
# Exports FINOPS_DUCKDB_PYTHON.
_duck="$FINOPS_CACHE/duckdb-venv"
if ! "$_duck/bin/python" -c 'import duckdb' 2>/dev/null; then
  rm -rf "$_duck"
  python3 -m venv "$_duck" >/dev/null 2>&1 \
    && "$_duck/bin/python" -m pip install -q --disable-pip-version-check duckdb >/dev/null 2>&1 || true
fi
if "$_duck/bin/python" -c 'import duckdb' 2>/dev/null; then
  export FINOPS_DUCKDB_PYTHON="$_duck/bin/python"
  echo "   DuckDB ready"
else
  echo "   DuckDB unavailable (pip install duckdb failed); its read-back tests print SKIPPED"
  [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
fi

# Apache Spark (PyPI `pyspark`, local mode) reads the job's focus/ and ingestion/ datasets back, as a
# Spark cluster would (README "Past one machine"). A venv under $FINOPS_CACHE, made once; Spark needs a
# Java runtime: a headless JRE is installed with apt-get when `java` is missing (root or sudo).
# Exports FINOPS_SPARK_PYTHON (the venv's python); the tests print SKIPPED without it.
_spark_venv="$FINOPS_CACHE/pyspark-3.5.7"

_spark_fail() {
  echo "   Spark unavailable: $1; the Spark read-back tests print SKIPPED"
  [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
  return 0
}

_spark_setup() {
  if ! command -v java >/dev/null 2>&1; then
    local sudo_=""
    [[ $(id -u) -eq 0 ]] || sudo_="sudo"
    { $sudo_ apt-get install -y -q default-jre-headless >/dev/null 2>&1 \
      || { $sudo_ apt-get update -q >/dev/null 2>&1 && $sudo_ apt-get install -y -q default-jre-headless >/dev/null 2>&1; }; } \
      || { _spark_fail "no java and apt-get install default-jre-headless failed"; return 0; }
  fi
  if ! "$_spark_venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    rm -rf "$_spark_venv"
    if ! { python3 -m venv "$_spark_venv" >/dev/null 2>&1 \
        && "$_spark_venv/bin/python" -m pip install -q --disable-pip-version-check pyspark==3.5.7 >/dev/null 2>&1; }; then
      rm -rf "$_spark_venv"
      _spark_fail "pip install pyspark==3.5.7 failed"; return 0
    fi
  fi
  export FINOPS_SPARK_PYTHON="$_spark_venv/bin/python"
  echo "   Spark (pyspark 3.5.7, local mode) ready"
}
_spark_setup

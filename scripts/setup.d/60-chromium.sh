# Headless Chromium (Debian package `chromium`) opens the job's report.html, takes a screenshot and
# dumps the DOM, so a test sees the page render with its charts. Installed with apt-get when missing
# (root or sudo). Exports FINOPS_CHROMIUM; the tests print SKIPPED without it.
_chromium_setup() {
  local bin
  bin="$(command -v chromium || command -v chromium-browser || true)"
  if [[ -z "$bin" ]]; then
    local sudo_=""
    [[ $(id -u) -eq 0 ]] || sudo_="sudo"
    $sudo_ apt-get install -y -q chromium >/dev/null 2>&1 \
      || { $sudo_ apt-get update -q >/dev/null 2>&1 && $sudo_ apt-get install -y -q chromium >/dev/null 2>&1; } || true
    bin="$(command -v chromium || true)"
  fi
  if [[ -n "$bin" ]]; then
    export FINOPS_CHROMIUM="$bin"
    echo "   Chromium ready ($("$bin" --version 2>/dev/null | head -1))"
  else
    echo "   Chromium unavailable (apt-get install chromium failed); the report screenshot tests print SKIPPED"
    [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
  fi
  return 0
}
_chromium_setup

# FinOps Foundation FOCUS validator (focus-validator 2.2.1, Python >= 3.12) for the tests that
# validate our FOCUS output (finops_core::testing::focus_validate).
if out="$(scripts/focus-validate --setup 2>&1)"; then
  echo "   FOCUS validator ready"
else
  echo "   FOCUS validator unavailable: ${out##*$'\n'}"
  [[ "${FINOPS_REQUIRE_ALL:-0}" == "1" ]] && { echo "FINOPS_REQUIRE_ALL=1: stopping" >&2; exit 1; }
fi

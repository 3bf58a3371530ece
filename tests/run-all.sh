#!/usr/bin/env bash
# The whole suite (make test): unit tests, the line-length lint, a fuzz smoke run, then the
# integration tests through HTTP against the real Docker engine. Ends with one line per part and,
# last, "Summary: N passed, N failed" (plus ", N passed on retry (opt-in)" when a test that opted
# in to retries needed one). A part that could not run says so (e.g. "fuzz: skipped (no clang)").
# INTEGRATION_ARGS is passed on to tests/integration/run.py (e.g. "--shuffle 7", "-k test_api").
set -u
BIN="$1" CONF="$2"; shift 2
cd "$(dirname "$0")/.."
unit_out="$(mktemp)"
tests/run-unit.sh "$@" | tee "$unit_out"; urc=${PIPESTATUS[0]}
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$unit_out")
uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$unit_out")
rm -f "$unit_out"
unit_line="unit: ${up:-0} passed, ${uf:-1} failed"
[ -z "$up" ] && unit_line="unit: the unit tests did not finish (exit $urc)"
# lines over 100 columns in the C sources (tests/lint.sh); one check, counted as one test
lp=0; lf=0
lint_line="$(tests/lint.sh > /tmp/executioner-lint.log 2>&1; tail -n 1 /tmp/executioner-lint.log)"
if grep -q '^lint: OK' /tmp/executioner-lint.log; then
  lp=1
else
  lf=1; lint_line="${lint_line} (FAILED; list: /tmp/executioner-lint.log)"
  head -n 20 /tmp/executioner-lint.log
fi
echo "$lint_line"
# a short libFuzzer smoke run of each target (make fuzz runs them longer)
fp=0; ff=0
if command -v clang >/dev/null; then
  if timeout 300 make --no-print-directory fuzz FUZZ_SECONDS=5 >/tmp/executioner-fuzz.log 2>&1; then
    fp=1; fuzz_line="fuzz: smoke run passed (log: /tmp/executioner-fuzz.log)"
  else
    ff=1; fuzz_line="fuzz: smoke run FAILED (log: /tmp/executioner-fuzz.log)"; tail -n 30 /tmp/executioner-fuzz.log
  fi
else
  fuzz_line="fuzz: skipped (no clang; conf/setup.sh deps installs it)"
fi
echo "$fuzz_line"
int_out="$(mktemp)"
# shellcheck disable=SC2086 # INTEGRATION_ARGS: extra run.py options, e.g. "--shuffle 7"
timeout 3000 python3 tests/integration/run.py --binary "$BIN" --config "$CONF" ${INTEGRATION_ARGS:-} | tee "$int_out"; irc=${PIPESTATUS[0]}
re='^integration: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) passed on retry.*'
ip=$(sed -n "s/$re/\1/p" "$int_out"); if_=$(sed -n "s/$re/\2/p" "$int_out"); ir=$(sed -n "s/$re/\3/p" "$int_out")
int_line=$(grep '^integration: [0-9]* passed' "$int_out" | tail -n 1)
if [ -z "$ip" ]; then
  ip=0; if_=1; ir=0; int_line="integration: the runner did not finish (exit $irc)"
fi
# the hostile-program suite again, with container reuse (pool.max_uses = 50: a reset between jobs);
# with a -k in INTEGRATION_ARGS only when it selects hostile tests
hp=0; hf=0; hr=0; hrc=0
case " ${INTEGRATION_ARGS:-} " in *" -k "*) case "${INTEGRATION_ARGS}" in *hostile*) ;; *) hp=skip ;; esac ;; esac
[ "$hp" = skip ] || {
# shellcheck disable=SC2086
timeout 3000 python3 tests/integration/run.py --binary "$BIN" --config "$CONF" ${INTEGRATION_ARGS:-} \
  -k test_hostile. --set pool.max_uses=50 | tee "$int_out"; hrc=${PIPESTATUS[0]}
hp=$(sed -n "s/$re/\1/p" "$int_out"); hf=$(sed -n "s/$re/\2/p" "$int_out"); hr=$(sed -n "s/$re/\3/p" "$int_out")
if [ -z "$hp" ]; then
  hp=0; hf=1; hr=0; int_line="${int_line}; hostile with max_uses=50: the runner did not finish (exit $hrc)"
else
  int_line="${int_line}; hostile with max_uses=50: $(grep '^integration: [0-9]* passed' "$int_out" | tail -n 1)"
fi
}
[ "$hp" = skip ] && hp=0
ip=$(( ip + hp )); if_=$(( if_ + hf )); ir=$(( ${ir:-0} + ${hr:-0} ))
[ "$irc" -eq 0 ] && irc=$hrc
rm -f "$int_out"
total_p=$(( ${up:-0} + lp + fp + ip )); total_f=$(( ${uf:-1} + lf + ff + if_ ))
retried=""; [ "${ir:-0}" -gt 0 ] && retried=", ${ir} passed on retry (opt-in)"
echo
echo "$unit_line"
echo "$lint_line"
echo "$fuzz_line"
echo "$int_line"
echo "Summary: ${total_p} passed, ${total_f} failed${retried}"
[ $urc -eq 0 ] && [ $irc -eq 0 ] && [ $total_f -eq 0 ]

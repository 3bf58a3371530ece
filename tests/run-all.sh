#!/usr/bin/env bash
# The whole suite (make test): unit tests, then integration tests through HTTP against the real
# Docker engine; ends with one summary line "N passed, N failed".
set -u
BIN="$1" CONF="$2"; shift 2
cd "$(dirname "$0")/.."
unit_out="$(mktemp)"
tests/run-unit.sh "$@" | tee "$unit_out"; urc=${PIPESTATUS[0]}
up=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$unit_out"); uf=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$unit_out")
rm -f "$unit_out"
# a short libFuzzer smoke run of each target (make fuzz runs them longer)
fp=0; ff=0
if command -v clang >/dev/null; then
  if timeout 300 make --no-print-directory fuzz FUZZ_SECONDS=5 >/tmp/executioner-fuzz.log 2>&1; then
    fp=1; echo "fuzz: smoke run passed (log: /tmp/executioner-fuzz.log)"
  else
    ff=1; echo "fuzz: smoke run FAILED"; tail -n 30 /tmp/executioner-fuzz.log
  fi
fi
int_out="$(mktemp)"
timeout 3000 python3 tests/integration/run.py --binary "$BIN" --config "$CONF" | tee "$int_out"; irc=${PIPESTATUS[0]}
ip=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$int_out"); if_=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$int_out")
rm -f "$int_out"
[ -z "$ip" ] && { ip=0; if_=1; echo "integration: the runner did not finish (exit $irc)"; }
total_p=$(( ${up:-0} + ip + fp )); total_f=$(( ${uf:-1} + if_ + ff ))
echo
echo "Summary: ${total_p} passed, ${total_f} failed"
[ $urc -eq 0 ] && [ $irc -eq 0 ] && [ $total_f -eq 0 ]

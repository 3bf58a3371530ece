#!/usr/bin/env bash
# Line-length check of the C sources (master/ shared/ workers/ tests/unit/, .c and .h): fails if
# any line is wider than 100 columns, tabs counted to the next multiple of 8 (.clang-format:
# ColumnLimit 100, TabWidth 8). Prints each offending FILE:LINE: WIDTH and ends with one line
# "lint: N lines over 100 columns in M files" (or "lint: OK ...").
set -u
cd "$(dirname "$0")/.."
MAX=${LINT_MAX_COLUMNS:-100}
files=$(find master shared workers tests/unit -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "lint: no C sources found"; exit 1; }
# shellcheck disable=SC2086
awk -v max="$MAX" '
  function width(s,   i, c, w) {
    w = 0
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (c == "\t") w += 8 - w % 8; else w++
    }
    return w
  }
  FNR == 1 { nfiles++ }
  { w = width($0); if (w > max) { print FILENAME ":" FNR ": " w " columns"; n++; bad[FILENAME] = 1 } }
  END {
    nb = 0; for (f in bad) nb++
    if (n) { printf "lint: %d lines over %d columns in %d files\n", n, max, nb; exit 1 }
    printf "lint: OK, no line over %d columns in %d files\n", max, nfiles
  }' $files

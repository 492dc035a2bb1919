#!/usr/bin/env bash
# Runs one example program and checks its output: the test driver of tools/examples.
#
#   run_example_test.sh BINARY [FLAG...] -- PATTERN...
#   run_example_test.sh BINARY PATTERN...
#
# Runs BINARY (with the FLAGs before "--", if there is a "--"), then requires every PATTERN
# (an extended regular expression, grep -E) to match some line of its standard output. Fails,
# printing the whole output and what was missing, if the binary exits non-zero or a pattern
# matches no line.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BINARY [FLAG...] -- PATTERN..." >&2
  exit 2
fi
binary=$1
shift

flags=()
if printf '%s\n' "$@" | grep -qx -- '--'; then
  while [ "$1" != "--" ]; do
    flags+=("$1")
    shift
  done
  shift  # the "--"
fi
if [ $# -eq 0 ]; then
  echo "$0: no patterns given" >&2
  exit 2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "running: $binary ${flags[*]:-}"
"$binary" "${flags[@]}" >"$out"
rc=$?
cat "$out"
echo "----"
if [ "$rc" -ne 0 ]; then
  echo "FAIL: $binary exited with status $rc"
  exit 1
fi

missing=0
for pattern in "$@"; do
  if grep -Eq -- "$pattern" "$out"; then
    echo "ok:      $pattern"
  else
    echo "MISSING: $pattern"
    missing=$((missing + 1))
  fi
done
if [ "$missing" -ne 0 ]; then
  echo "FAIL: $missing of $# pattern(s) matched no line of the output"
  exit 1
fi
echo "PASS: all $# pattern(s) found"

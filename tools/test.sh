#!/usr/bin/env bash
# The test command: installs what the build needs (tools/setup.sh), runs every Bazel test,
# and ends with one line "N passed, N failed, N skipped" counting GoogleTest cases (a test
# target that failed to build, timed out or crashed without a report counts as one failure).
# Extra arguments go to `bazel test`, e.g. tools/test.sh --test_tag_filters=-integration.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || { echo "tools/test.sh: tools/setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bazel test //... "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

testlogs=$(bazel info bazel-testlogs 2>/dev/null)
passed=0 failed=0 skipped=0
# Bazel's summary lines: "//pkg:target   (cached) PASSED in 0.1s", "... FAILED in ...",
# "... NO STATUS", "... FAILED TO BUILD", "... TIMEOUT in ...".
while read -r target status; do
  xml="$testlogs/$(echo "${target#//}" | tr ':' '/')/test.xml"
  tests=0 fails=0 skips=0
  if [ -f "$xml" ] && [[ "$status" == PASSED* || "$status" == FAILED\ in* ]]; then
    header=$(grep -m1 -o '<testsuites [^>]*>' "$xml" || true)
    tests=$(echo "$header" | sed -n 's/.* tests="\([0-9]*\)".*/\1/p')
    fails=$(echo "$header" | sed -n 's/.* failures="\([0-9]*\)".*/\1/p')
    errors=$(echo "$header" | sed -n 's/.* errors="\([0-9]*\)".*/\1/p')
    skips=$(grep -c 'result="skipped"' "$xml" || true)
    tests=${tests:-1} fails=$(( ${fails:-0} + ${errors:-0} )) skips=${skips:-0}
  fi
  if [[ "$status" == PASSED* ]]; then
    [ "$tests" -eq 0 ] && tests=1
    passed=$((passed + tests - fails - skips))
    skipped=$((skipped + skips))
  else
    # A failed target with no failing case in its report crashed or timed out: one failure.
    [ "$fails" -eq 0 ] && fails=1
    failed=$((failed + fails))
    passed=$((passed + (tests > fails ? tests - fails - skips : 0)))
  fi
done < <(sed 's/\x1b\[[0-9;]*m//g' "$log" | sed -n 's#^\(//[^ ]*\) \+\((cached) \)\?\(PASSED\|FAILED TO BUILD\|FAILED\|NO STATUS\|TIMEOUT\|FLAKY\|INCOMPLETE\)\(.*\)$#\1 \3\4#p')

if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build or bazel itself failed before any test ran
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"

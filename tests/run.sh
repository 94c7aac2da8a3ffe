#!/bin/sh
# run.sh - every test: cmocka unit tests (release and ASan/UBSan builds) and
# the integration tests against a real node. Each test reports in TAP
# ("ok N - name" / "not ok N - name"); a binary that dies without saying
# so counts as one failure. The last line is "N passed, N failed".
cd "$(dirname "$0")/.." || exit 3
# The store's tests run on PostgreSQL too: a real one, started in a temporary
# directory for the whole run and stopped at its end (tests/support/pg.py),
# unless MINTLINE_TEST_PG_URL already names one.
if [ -z "$MINTLINE_TEST_PG_URL" ]; then
    exec /usr/bin/python3 tests/support/pg.py run -- "$0" "$@"
fi
passed=0
failed=0
log=build/test-logs
mkdir -p "$log"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run() { # run NAME CMD...
    name=$1
    shift
    out="$log/$(echo "$name" | tr '/ ' '__').log"
    "$@" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "FAIL $name (exit $rc, no test reported the failure; see $out)"
        tail -n 20 "$out" | sed 's/^/    /'
    elif [ "$f" -ne 0 ]; then
        echo "FAIL $name: $f failed (see $out)"
        grep -E '^not ok |^# ' "$out" | head -n 20 | sed 's/^/    /'
    else
        echo "ok   $name: $p passed"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

run tidy sh -c './scripts/tidy.sh && echo "ok 1 - tidy"'
for t in build/tests/test_*; do
    [ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
for t in build/asan/tests/test_*; do
    [ -x "$t" ] && run "unit-asan/$(basename "$t")" "$t"
done
# The fault-injection simulator (docs/SIMULATION.md): the scripted
# regressions, the seeds that found defects (7, 9, 10, 13, 1051, 1065), a
# few more, and one seed under ASan/UBSan.
if [ -x build/tests/sim ]; then
    run sim build/tests/sim --scenarios --steps 450 --seed 7 --seed 9 --seed 10 --seed 13 \
        --seed 1051 --seed 1065 --seed 1 --seed 2 --seed 3
fi
[ -x build/asan/tests/sim ] && run sim-asan build/asan/tests/sim --steps 300 --seed 5
# A short fuzz run: every harness over its seed corpus and a few thousand
# new inputs, bounded in time (make fuzz runs longer; docs/FUZZING.md).
run fuzz env FUZZ_RUNS="${FUZZ_TEST_RUNS:-10000}" FUZZ_MAX_S="${FUZZ_TEST_MAX_S:-15}" \
    FUZZ_SEED="${FUZZ_TEST_SEED:-1}" ./tests/fuzz/run.sh
for t in tests/integration/test_*.py; do
    [ -f "$t" ] && run "integration/$(basename "$t" .py)" python3 "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

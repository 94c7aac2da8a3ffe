#!/bin/sh
# run.sh [NAME...] - run the libFuzzer harnesses (build/fuzz/fuzz_NAME, made
# by `make fuzz-bins`): each for FUZZ_RUNS inputs (default 20000) over its
# seed corpus tests/fuzz/corpus/NAME, under ASan (leak check on) and UBSan.
# FUZZ_MAX_S, when set, also bounds each harness's time in seconds.
#
# Reports in TAP ("ok N - fuzz_NAME" / "not ok N - fuzz_NAME") so that
# tests/run.sh counts it. A failure leaves its reproducer in
# build/fuzz/crashes/NAME/ and prints the command that replays it; the
# full libFuzzer output is in build/fuzz/logs/NAME.log. New inputs the
# fuzzer finds go to build/fuzz/corpus/NAME (not the committed seeds).
cd "$(dirname "$0")/../.." || exit 3
runs=${FUZZ_RUNS:-20000}
out=build/fuzz
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

names="$*"
if [ -z "$names" ]; then
    for b in "$out"/fuzz_*; do
        [ -x "$b" ] && names="$names ${b#"$out"/fuzz_}"
    done
fi
count=$(echo $names | wc -w)
if [ "$count" -eq 0 ]; then
    echo "not ok 1 - fuzz: no harness in $out (make fuzz-bins)"
    exit 1
fi
echo "1..$count"
n=0
failed=0
for name in $names; do
    n=$((n + 1))
    bin=$out/fuzz_$name
    seeds=tests/fuzz/corpus/$name
    work=$out/corpus/$name
    crashes=$out/crashes/$name
    log=$out/logs/$name.log
    mkdir -p "$work" "$crashes" "$out/logs"
    # The options go in the positional parameters (the names are in $names).
    set -- -runs="$runs" -artifact_prefix="$crashes/" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1
    [ -n "${FUZZ_MAX_S:-}" ] && set -- "$@" -max_total_time="$FUZZ_MAX_S"
    # FUZZ_SEED fixes libFuzzer's mutations (make test: the same inputs on a
    # fresh clone, so CI is red only for a change); unset, a random seed.
    [ -n "${FUZZ_SEED:-}" ] && set -- "$@" -seed="$FUZZ_SEED"
    [ -f "tests/fuzz/$name.dict" ] && set -- "$@" -dict="tests/fuzz/$name.dict"
    before=$(ls "$crashes" | wc -l)
    start=$(date +%s)
    "$bin" "$@" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    after=$(ls "$crashes" | wc -l)
    if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
        echo "ok $n - fuzz_$name (${execs:-?} inputs, ${secs}s)"
        continue
    fi
    failed=$((failed + 1))
    repro=$(ls -t "$crashes" | head -n 1)
    echo "not ok $n - fuzz_$name (exit $rc; log $log)"
    grep -E '^fuzz: |^mintline: assertion|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' \
        "$log" | head -n 6 | sed 's/^/# /'
    if [ -n "$repro" ]; then
        echo "# reproducer: $crashes/$repro"
        echo "# reproduce:  $bin $crashes/$repro"
    fi
done
[ "$failed" -eq 0 ]

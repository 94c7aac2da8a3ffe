#!/bin/sh
# c1_tail.sh - bench (c) at one client with the snapshot that falls due in
# it (issue 16 item 5), several times and for several node binaries
# interleaved (A/B), without the rest of `make bench`.
#
#   bench/c1_tail.sh RUNS NODE_BIN [NODE_BIN...]
#
# Once (kept in build/c1-tmp/template; delete it to rebuild): a ledger as
# bench/run.sh makes it: init, reserve, mint to BENCH_HOLDERS (1,000,000)
# holders; the node's stop writes a snapshot at its head. Then per run and
# per binary: a copy of it, the node started, 256,000 transfers in
# batches of 8,000 (b2: the commands a snapshot waits for), 1,000 single
# commands, then the measured 2,000 (c1): the snapshot falls due at the
# 2,000th block since the last, i.e. about c1's 968th request, as in
# `make bench` where (b) leaves ~1,000 blocks before (c).
# Per run one line: binary, run, c1 p50 / p99 / max (ms), and each
# request's start and latency in build/c1-tmp/<run>-<n>.trace
# (bench_http --trace). C1_PERF=1: `perf record -e cpu-clock -k
# CLOCK_MONOTONIC` of the node during c1 into build/c1-tmp/<run>-<n>.perf.
# C1_DIR=DIR: everything in DIR instead of build/c1-tmp.
# Method and figures: docs/PERFORMANCE.md, "Issue 16 session 24".
cd "$(dirname "$0")/.." || exit 3
[ $# -ge 2 ] || { echo "usage: bench/c1_tail.sh RUNS NODE_BIN..." >&2; exit 2; }
RUNS=$1
shift
HOLDERS=${BENCH_HOLDERS:-1000000}
TMP=${C1_DIR:-build/c1-tmp}
KEY=examples/keys/alice.key
BIN=build/bench
NODE_PID=""
PERF_PID=""
mkdir -p "$TMP"

stop_node() {
    [ -n "$NODE_PID" ] || return 0
    kill -TERM "$NODE_PID" 2>/dev/null
    wait "$NODE_PID" 2>/dev/null
    NODE_PID=""
}
trap 'stop_node' EXIT
trap 'stop_node; exit 130' INT TERM

start_node() { # start_node BIN DATA
    PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$1" serve --data "$2" --listen "127.0.0.1:$PORT" >"$TMP/node.log" 2>&1 &
    NODE_PID=$!
    i=0
    while [ $i -lt 600 ]; do
        curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$NODE_PID" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "c1_tail: the node did not become ready; see $TMP/node.log" >&2
    exit 1
}

if [ ! -f "$TMP/template/mintline.db" ]; then
    rm -rf "$TMP/template"
    build/mintline init --data "$TMP/template" --genesis bench/genesis.yaml >/dev/null || exit 1
    start_node build/mintline "$TMP/template"
    build/mintline --node "http://127.0.0.1:$PORT" --operator alice --key "$KEY" \
        reserve report USDW 1000000000000 >/dev/null || exit 1
    "$BIN/bench_http" --port "$PORT" --key "$KEY" mint --holders "$HOLDERS" --threads 2 >/dev/null || exit 1
    stop_node
fi

run=1
while [ $run -le "$RUNS" ]; do
    n=0
    for node in "$@"; do
        n=$((n + 1))
        rm -rf "$TMP/run"
        cp -a "$TMP/template" "$TMP/run" && sync
        start_node "$node" "$TMP/run"
        "$BIN/bench_http" --port "$PORT" --key "$KEY" batch --holders "$HOLDERS" --threads 2 \
            --batches 16 --batch 8000 --tag b2 >/dev/null 2>&1 || exit 1
        "$BIN/bench_http" --port "$PORT" --key "$KEY" single --holders "$HOLDERS" --clients 1 \
            --count 1000 --tag warm >/dev/null 2>&1 || exit 1
        if [ "${C1_PERF:-0}" = 1 ]; then
            perf record -e cpu-clock -k CLOCK_MONOTONIC -p "$NODE_PID" -o "$TMP/$run-$n.perf" \
                >/dev/null 2>&1 &
            PERF_PID=$!
            sleep 0.5
        fi
        "$BIN/bench_http" --port "$PORT" --key "$KEY" single --holders "$HOLDERS" --clients 1 \
            --count 2000 --tag c1 --trace "$TMP/$run-$n.trace" >"$TMP/c1.out" 2>/dev/null || exit 1
        sleep 2 # the snapshot's write and checkpoint, inside the profile
        if [ -n "$PERF_PID" ]; then
            kill -INT "$PERF_PID"
            wait "$PERF_PID"
            PERF_PID=""
        fi
        snaps=$(curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '$1 ~ /^mintline_snapshots_total/ && /ok/ { print $2 }')
        stop_node
        awk -v node="$node" -v run=$run -v snaps="$snaps" '
            $2 == "c1_p50_ms" { p50 = $3 } $2 == "c1_p99_ms" { p99 = $3 } $2 == "c1_max_ms" { mx = $3 }
            END { printf "%s run %d: c1 p50 %s ms, p99 %s ms, max %s ms (snapshots written %s)\n", node, run, p50, p99, mx, snaps }' \
            "$TMP/c1.out"
    done
    run=$((run + 1))
done
rm -rf "$TMP/run"

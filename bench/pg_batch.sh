#!/bin/sh
# pg_batch.sh - (b) on PostgreSQL (issue 15): durable batched transfers
# through POST /api/commands with the journal in PostgreSQL on this machine,
# then a follower's lag under the same load.
#
# Run by bench/run.sh against its PostgreSQL 15 (tests/support/pg.py, fsync
# and synchronous_commit at their durable defaults; a database of its own
# in MINTLINE_TEST_PG_URL); by hand, under `python3 tests/support/pg.py run
# -- sh bench/pg_batch.sh ...`. The same ledger as (b): bench/genesis.yaml,
# HOLDERS holders minted, then THREADS clients each committing BATCHES
# batches of 8,000 transfers, with no follower: the RESULT lines of
# bench_http (tag pg_b2) and the node's store commit time per block.
#
# Then, when FOLLOW_BATCHES > 0: a second node started on a copy of the
# data dir follows the ledger; once it has caught up, THREADS clients × FOLLOW_BATCHES
# batches again through the leader (tag pg_follow), and the follower's
# mintline_follower_apply_delay_seconds over those blocks only (the second
# reading minus the first): when it applied a block minus the block's time.
# Its quantiles are interpolated inside their bucket as Prometheus's
# histogram_quantile does; the buckets are 25 ms apart up to 500 ms, so p99
# is known within 25 ms there. Also the bound the slowest block is under.
#   usage: pg_batch.sh TMPDIR HOLDERS [THREADS BATCHES [FOLLOW_BATCHES]]
cd "$(dirname "$0")/.." || exit 3
TMP=$1
HOLDERS=$2
THREADS=${3:-2}
BATCHES=${4:-24}
FOLLOW_BATCHES=${5:-0}
URL=${MINTLINE_TEST_PG_URL:?pg_batch.sh runs against a PostgreSQL: bench/run.sh or tests/support/pg.py}
KEY=examples/keys/alice.key
DATA=$TMP/pg-ledger
rm -rf "$DATA" "$DATA-f"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(port)
FPORT=$(port)
NODE=""
FOLLOWER=""
trap 'kill -TERM $NODE $FOLLOWER 2>/dev/null; wait $NODE $FOLLOWER 2>/dev/null' EXIT
build/mintline init --data "$DATA" --store "$URL" --genesis bench/genesis.yaml >&2 || exit 1
cp -r "$DATA" "$DATA-f"
wait_up() { # PORT PATH PID LOG
    i=0
    until curl -fsS "http://127.0.0.1:$1$2" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 600 ] && kill -0 "$3" 2>/dev/null || { tail -n 20 "$4" >&2; exit 1; }
        sleep 0.1
    done
}
build/mintline serve --data "$DATA" --store "$URL" --listen "127.0.0.1:$PORT" >"$TMP/pg-node.log" 2>&1 &
NODE=$!
wait_up "$PORT" /readyz "$NODE" "$TMP/pg-node.log"
build/mintline --node "http://127.0.0.1:$PORT" --operator alice --key "$KEY" \
    reserve report USDW 1000000000000 >/dev/null || exit 1
build/bench/bench_http --port "$PORT" --key "$KEY" mint --holders "$HOLDERS" --threads 2 >/dev/null || exit 1
commits() {
    curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '
        $1 == "mintline_block_commit_seconds_sum" { s = $2 }
        $1 == "mintline_block_commit_seconds_count" { c = $2 }
        END { print s + 0, c + 0 }'
}
m0=$(commits)
build/bench/bench_http --port "$PORT" --key "$KEY" batch --holders "$HOLDERS" --threads "$THREADS" \
    --batches "$BATCHES" --batch 8000 --tag pg_b2 || exit 1
m1=$(commits)
echo "$m0 $m1" | awk '{ b = $4 - $2; if (b > 0) printf "RESULT pg_b2_commit_ms_per_block %.3f\nRESULT pg_b2_blocks %d\n", ($3 - $1) * 1e3 / b, b }'
[ "$FOLLOW_BATCHES" -gt 0 ] || exit 0

# ---- a follower under the same load ------------------------------------------
build/mintline serve --data "$DATA-f" --store "$URL" --listen "127.0.0.1:$FPORT" >"$TMP/pg-follower.log" 2>&1 &
FOLLOWER=$!
wait_up "$FPORT" /healthz "$FOLLOWER" "$TMP/pg-follower.log"
height() { curl -fsS -D - -o /dev/null "http://127.0.0.1:$1/healthz" | tr -d '\r' | awk 'tolower($1) == "mintline-height:" { print $2 }'; }
catch_up() { # TIMEOUT_S: wait for the follower to reach the leader's height
    head=$(height "$PORT")
    t0=$(date +%s)
    until [ "$(height "$FPORT")" -ge "$head" ] 2>/dev/null; do
        [ $(($(date +%s) - t0)) -lt "$1" ] || { echo "the follower did not reach height $head" >&2; exit 1; }
        sleep 0.1
    done
    echo "follower at height $head after $(($(date +%s) - t0)) s" >&2
}
catch_up 120
hist() { curl -fsS "http://127.0.0.1:$FPORT/metrics" | grep '^mintline_follower_apply_delay_seconds'; }
hist >"$TMP/pg-h0" || exit 1
build/bench/bench_http --port "$PORT" --key "$KEY" batch --holders "$HOLDERS" --threads "$THREADS" \
    --batches "$FOLLOW_BATCHES" --batch 8000 --tag pg_follow || exit 1
catch_up 30
hist >"$TMP/pg-h1" || exit 1
awk -f bench/histogram_quantile.awk -v tag=pg_follow_delay "$TMP/pg-h0" "$TMP/pg-h1"

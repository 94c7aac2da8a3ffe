#!/bin/sh
# pg_batch.sh - (b) on PostgreSQL (issue 15): durable batched transfers
# through POST /api/commands with the journal in PostgreSQL on this machine.
#
# Run by bench/run.sh under tests/support/pg.py (a PostgreSQL 15 in a
# temporary directory, fsync and synchronous_commit at their durable
# defaults), which sets MINTLINE_TEST_PG_URL. The same ledger as (b):
# bench/genesis.yaml, HOLDERS holders minted, then THREADS clients each
# committing BATCHES batches of 8,000 transfers. Prints the RESULT lines of
# bench_http (tag pg_b2) and the node's store commit time per block.
#   usage: pg_batch.sh TMPDIR HOLDERS [THREADS BATCHES]
cd "$(dirname "$0")/.." || exit 3
TMP=$1
HOLDERS=$2
THREADS=${3:-2}
BATCHES=${4:-24}
URL=${MINTLINE_TEST_PG_URL:?pg_batch.sh runs under tests/support/pg.py}
KEY=examples/keys/alice.key
DATA=$TMP/pg-ledger
rm -rf "$DATA"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
build/mintline init --data "$DATA" --store "$URL" --genesis bench/genesis.yaml >&2 || exit 1
build/mintline serve --data "$DATA" --store "$URL" --listen "127.0.0.1:$PORT" >"$TMP/pg-node.log" 2>&1 &
NODE=$!
trap 'kill -TERM $NODE 2>/dev/null; wait $NODE 2>/dev/null' EXIT
i=0
until curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 300 ] && kill -0 $NODE 2>/dev/null || { cat "$TMP/pg-node.log" >&2; exit 1; }
    sleep 0.1
done
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

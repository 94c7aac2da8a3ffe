#!/bin/sh
# pg_follow.sh - a follower's lag under the durable batch load (issue 15:
# p99 under 500 ms), by hand (not a `make bench` step yet).
#
# As pg_batch.sh: a PostgreSQL 15 from tests/support/pg.py (run this under
# `python3 tests/support/pg.py run -- bench/pg_follow.sh TMP HOLDERS`), the
# (b) ledger, HOLDERS holders minted, THREADS clients × BATCHES batches of
# 8,000 transfers through the leader; a second node follows. Prints the
# follower's per-block delay (mintline_follower_apply_delay_seconds: when it
# applied a block minus the block's time) as a p50/p99 bucket bound, and the
# blocks it applied.
#   usage: pg_follow.sh TMPDIR HOLDERS [THREADS BATCHES]
cd "$(dirname "$0")/.." || exit 3
TMP=$1
HOLDERS=$2
THREADS=${3:-2}
BATCHES=${4:-24}
URL=${MINTLINE_TEST_PG_URL:?pg_follow.sh runs under tests/support/pg.py}
KEY=examples/keys/alice.key
DATA=$TMP/pg-ledger
rm -rf "$DATA" "$DATA-f"
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(port)
FPORT=$(port)
build/mintline init --data "$DATA" --store "$URL" --genesis bench/genesis.yaml >&2 || exit 1
cp -r "$DATA" "$DATA-f"
build/mintline serve --data "$DATA" --store "$URL" --listen "127.0.0.1:$PORT" >"$TMP/pg-leader.log" 2>&1 &
LEADER=$!
wait_up() { # PORT PATH
    i=0
    until curl -fsS "http://127.0.0.1:$1$2" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "node on $1 not up" >&2; exit 1; }
        sleep 0.1
    done
}
wait_up "$PORT" /readyz
build/mintline serve --data "$DATA-f" --store "$URL" --listen "127.0.0.1:$FPORT" >"$TMP/pg-follower.log" 2>&1 &
FOLLOWER=$!
trap 'kill -TERM $LEADER $FOLLOWER 2>/dev/null; wait $LEADER $FOLLOWER 2>/dev/null' EXIT
wait_up "$FPORT" /healthz
build/mintline --node "http://127.0.0.1:$PORT" --operator alice --key "$KEY" \
    reserve report USDW 1000000000000 >/dev/null || exit 1
build/bench/bench_http --port "$PORT" --key "$KEY" mint --holders "$HOLDERS" --threads 2 >/dev/null || exit 1
hist() { curl -fsS "http://127.0.0.1:$FPORT/metrics" | grep '^mintline_follower_apply_delay_seconds'; }
hist >"$TMP/h0"
build/bench/bench_http --port "$PORT" --key "$KEY" batch --holders "$HOLDERS" --threads "$THREADS" \
    --batches "$BATCHES" --batch 8000 --tag pg_follow || exit 1
sleep 1
hist >"$TMP/h1"
# The load's blocks only: the second reading minus the first, bucket by bucket.
awk '
    FNR == NR { before[$1] = $2; next }
    /_bucket/ { split($1, a, "\""); le[++n] = a[2]; c[n] = $2 - before[$1] }
    /_count/ { total = $2 - before[$1] }
    /_sum/ { sum = $2 - before[$1] }
    END {
        p50 = ""; p99 = ""
        for (i = 1; i <= n; i++) {
            if (p50 == "" && c[i] >= 0.5 * total) p50 = le[i]
            if (p99 == "" && c[i] >= 0.99 * total) p99 = le[i]
        }
        printf "RESULT pg_follow_blocks %d\nRESULT pg_follow_delay_mean_s %.3f\n", total, total ? sum / total : 0
        printf "RESULT pg_follow_delay_p50_le_s %s\nRESULT pg_follow_delay_p99_le_s %s\n", p50, p99
    }' "$TMP/h0" "$TMP/h1"

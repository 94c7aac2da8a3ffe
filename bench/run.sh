#!/bin/sh
# run.sh - every benchmark of SPEC 10, then ONE table on stdout.
#
#   (a) checked transfers applied per second in memory, one core   bench_engine
#   (e) resident memory per holder                                  bench_engine
#   (a) the same transfer of a security asset, check 5 in full     bench_engine
#   por.publish over every holder, and a proof's size (issue 4)     bench_engine
#   (f) the peer: the same checked transfer in SQLite               bench_sqlite
#   (b) where a batch's time goes, stage by stage, one core          bench_stages
#   (c) at the store: one-request commits beside a snapshot         bench_commit
#   (b) durable transfers per second through POST /api/commands    bench_http batch
#   (b) the same from an independent Python client, compact answers,
#       1,000 holders, against the SQLite peer on 1,000 (issue 16)  bench_py.py
#   (b) the same with the journal in PostgreSQL (issue 15)          bench/pg_batch.sh
#       and a follower's lag under that load (p99 interpolated)       bench/pg_batch.sh
#   the PostgreSQL peer: the checked transfer in SQL (issue 15)     bench_pg
#   failover on PostgreSQL: 10 leader kills under load (issue 15)  bench/pg_failover.py
#   (c) one signed command over HTTP: latency; 16 clients           bench_http single
#   (d) replay speed at start-up (from genesis, snapshots deleted)  bench_replay
#   por publish and por proof through the node and the CLI          (here)
#   the built-in alert rules over 100 assets, one evaluation (issue 10) bench_rules
#   the node's alert loop, one round from /metrics render (issue 10)  bench_alerting
#   payout.distribute over 100,000 holders, exact sum (issue 9)    bench_payout
#   one stabilizer observation (price.update of its feed; issue 11) bench_stabilizer
#   bridge.send applied in memory, >= 1M ops/s (issue 11)          bench_bridge
#   vault borrow/repay per second; 10,000 vaults re-checked (issue 11) bench_vault
#   backup create through the node, alone and beside a committer (issue 12)  (here)
#   audit verify through the node against the offline audit (issue 12)   (here)
#
# Everything lives in build/bench-tmp/ (recreated each run); the node
# listens on a free loopback port and is stopped at the end, on failure
# and on Ctrl-C too. Each step's output is in build/bench-tmp/logs/.
# Method and figures: docs/PERFORMANCE.md.
cd "$(dirname "$0")/.." || exit 3

HOLDERS=${BENCH_HOLDERS:-1000000}
TMP=build/bench-tmp
LOGS=$TMP/logs
RESULTS=$TMP/results.txt
DATA=$TMP/ledger
KEY=examples/keys/alice.key
BIN=build/bench
NODE_PID=""
STEPS_FAILED=0

stop_node() {
    [ -n "$NODE_PID" ] || return 0
    if kill -0 "$NODE_PID" 2>/dev/null; then
        kill -TERM "$NODE_PID" 2>/dev/null
        i=0
        while kill -0 "$NODE_PID" 2>/dev/null && [ $i -lt 300 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -0 "$NODE_PID" 2>/dev/null && kill -KILL "$NODE_PID" 2>/dev/null
    fi
    wait "$NODE_PID" 2>/dev/null
    NODE_PID=""
}
CHILD_PID=""
stop_child() { [ -n "$CHILD_PID" ] && kill -TERM "$CHILD_PID" 2>/dev/null; CHILD_PID=""; }
# The PostgreSQL part's server (tests/support/pg.py start), stopped at the end.
PG_DIR=""
stop_pg() { [ -n "$PG_DIR" ] && /usr/bin/python3 tests/support/pg.py stop "$PG_DIR"; PG_DIR=""; }
trap 'stop_child; stop_node; stop_pg' EXIT
trap 'stop_child; stop_node; stop_pg; exit 130' INT TERM

rm -rf "$TMP"
mkdir -p "$LOGS"
: >"$RESULTS"
started=$(date +%s)
# The machine's CPU counters (user nice system idle iowait irq softirq steal):
# steal is the time the hypervisor gave our vCPUs to someone else.
cpu_counters() { awk '$1 == "cpu" { print $2 + $3 + $4 + $6 + $7 + $8, $5, $9 }' /proc/stat; }
cpu_start=$(cpu_counters)

# step NAME CMD... : run; keep its "RESULT k v" lines in $RESULTS and show
# its human lines (stderr) indented; say so loudly when it fails.
step() {
    name=$1
    shift
    echo "bench: $name" >&2
    # In the background and waited for, so that a signal stops the run at once.
    "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.log" &
    CHILD_PID=$!
    wait "$CHILD_PID"
    rc=$?
    CHILD_PID=""
    grep '^RESULT ' "$LOGS/$name.out" | cut -d' ' -f2- >>"$RESULTS"
    grep -v '^RESULT ' "$LOGS/$name.log" | sed 's/^/    /' >&2
    if [ $rc -ne 0 ]; then
        STEPS_FAILED=$((STEPS_FAILED + 1))
        echo "bench: $name FAILED (exit $rc); see $LOGS/$name.log" >&2
        tail -n 5 "$LOGS/$name.log" | sed 's/^/    /' >&2
    fi
    return $rc
}

# A port nobody listens on. The node binds with SO_REUSEPORT, so a port in
# use by another node would be shared silently: check `ss` as well.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        2>/dev/null || echo $((20000 + $$ % 20000 + $(date +%S)))
}

node_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$NODE_PID/stat" 2>/dev/null || echo 0; }

start_node() {
    PORT=$(free_port)
    while ss -ltn 2>/dev/null | grep -q "[:.]$PORT "; do PORT=$((PORT + 1)); done
    build/mintline serve --data "$DATA" --listen "127.0.0.1:$PORT" "$@" >"$LOGS/node.log" 2>&1 &
    NODE_PID=$!
    i=0
    while [ $i -lt 300 ]; do
        curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$NODE_PID" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "bench: the node did not become ready; see $LOGS/node.log" >&2
    STEPS_FAILED=$((STEPS_FAILED + 1))
    return 1
}

commit_stats() { # "sum_s count" of the node's block commit histogram
    curl -fsS "http://127.0.0.1:$PORT/metrics" 2>/dev/null | awk '
        $1 == "mintline_block_commit_seconds_sum" { s = $2 }
        $1 == "mintline_block_commit_seconds_count" { c = $2 }
        END { print s + 0, c + 0 }'
}

# measured TAG COMMANDS CMD...: a step against the node, plus the node's CPU
# time per command and its store commits (SQLite write + fsync) meanwhile.
measured() {
    tag=$1
    commands=$2
    shift 2
    c0=$(node_cpu_ticks)
    m0=$(commit_stats)
    step "$tag" "$@"
    c1=$(node_cpu_ticks)
    m1=$(commit_stats)
    wall=$(awk -v k="${tag}_wall_s" '$1 == k { print $2 }' "$RESULTS")
    [ -n "$wall" ] || return 0
    echo "$m0 $m1" | awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$commands" \
        -v k="$tag" -v wall="$wall" '{
        blocks = $4 - $2; commit = $3 - $1
        printf "%s_node_cpu_us %.2f\n", k, t / hz * 1e6 / n
        printf "%s_blocks %d\n", k, blocks
        if (blocks > 0) printf "%s_commit_ms_per_block %.3f\n", k, commit * 1e3 / blocks
        printf "%s_commit_share %.3f\n", k, commit / wall
    }' >>"$RESULTS"
}

batch() { # batch TAG THREADS BATCHES: (b)
    measured "$1" $(($2 * $3 * 8000)) "$BIN/bench_http" --port "$PORT" --key "$KEY" batch \
        --holders "$HOLDERS" --threads "$2" --batches "$3" --batch 8000 --tag "$1"
}

single() { # single TAG CLIENTS COUNT: (c)
    measured "$1" $(($2 * $3)) "$BIN/bench_http" --port "$PORT" --key "$KEY" single \
        --holders "$HOLDERS" --clients "$2" --count "$3" --tag "$1"
}

# ---- in-process benchmarks ---------------------------------------------------
step engine "$BIN/bench_engine" --holders "$HOLDERS" --transfers 3000000 --block 60000
step payout "$BIN/bench_payout" --holders "${BENCH_PAYOUT_HOLDERS:-100000}"
step stabilizer "$BIN/bench_stabilizer" --observations 200000
step bridge "$BIN/bench_bridge" --holders 10000 --transfers 1000000
step sqlite "$BIN/bench_sqlite" --db "$TMP/peer.db" --holders "$HOLDERS" --batch 8000 --seconds 3
rm -f "$TMP"/peer.db*
step sqlite1k "$BIN/bench_sqlite" --db "$TMP/peer1k.db" --holders 1000 --batch 8000 --seconds 3 --tag sqlite1k
rm -f "$TMP"/peer1k.db*
mkdir -p "$TMP/stages"
step stages "$BIN/bench_stages" --dir "$TMP/stages" --key "$KEY" --holders "$HOLDERS" --rounds 8
rm -rf "$TMP/stages"
# (c) at the store: one-request commits beside a 38 MB snapshot (issue 16 item 5)
step commit "$BIN/bench_commit" --dir "$TMP/commit" --blocks 4000
rm -rf "$TMP/commit"
step rules "$BIN/bench_rules" --assets 100 --rounds 2000
step alerting "$BIN/bench_alerting" --rounds 2000
step vault "$BIN/bench_vault" --vaults 10000 --ops 2000000

cli() { build/mintline --node "http://127.0.0.1:$PORT" --operator alice --key "$KEY" "$@"; }

# por: `por publish USDW` over every holder, as an operator runs it (the CLI,
# the node, the commit), and the size of a proof as `por proof` writes it.
por_node() {
    t0=$(date +%s%N)
    cli por publish USDW || return 1
    t1=$(date +%s%N)
    holder=$(cli history --limit 1000 --op mint --json | python3 -c \
        'import json, sys; print(json.load(sys.stdin)["history"][-1]["args"]["to"])') || return 1
    cli por proof USDW "$holder" >"$TMP/proof.json" || return 1
    cli por verify "$TMP/proof.json" >&2 || return 1
    echo "por publish over $HOLDERS holders through the node: $(((t1 - t0) / 1000000)) ms (CLI, sign, apply, commit, answer)" >&2
    echo "RESULT por_node_publish_s $(echo "$t0 $t1" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')"
    echo "RESULT por_node_proof_bytes $(wc -c <"$TMP/proof.json")"
}

# backup: `backup create` through the node (issue 12: >= 200 MB/s of store),
# alone, then over and over while two clients commit durable batches (the
# committer keeps >= 80 % of its undisturbed rate, b2).
backup_node() {
    size=$(stat -c %s "$DATA/mintline.db") || return 1
    t0=$(date +%s%N)
    cli backup create "$TMP/bench.backup" >&2 || return 1
    t1=$(date +%s%N)
    rm -f "$TMP/bench.backup"
    echo "backup create of a $((size / 1000000)) MB store through the node: $(((t1 - t0) / 1000000)) ms" >&2
    echo "RESULT backup_store_mb $(echo "$size" | awk '{ printf "%.0f", $1 / 1e6 }')"
    echo "RESULT backup_mb_per_s $(echo "$size $t0 $t1" | awk '{ printf "%.0f", $1 / 1e6 / (($3 - $2) / 1e9) }')"
    "$BIN/bench_http" --port "$PORT" --key "$KEY" batch --holders "$HOLDERS" --threads 2 --batches 24 \
        --batch 8000 --tag b2bk >"$TMP/b2bk.out" 2>"$LOGS/b2bk.log" &
    committer=$!
    n=0
    while kill -0 "$committer" 2>/dev/null; do
        cli backup create "$TMP/busy.backup" >/dev/null || { kill "$committer"; return 1; }
        rm -f "$TMP/busy.backup"
        n=$((n + 1))
    done
    wait "$committer" || return 1
    grep '^RESULT ' "$TMP/b2bk.out" | cut -d' ' -f1-
    echo "$n backups while two clients committed" >&2
    echo "RESULT b2bk_backups $n"
}

# audit: `audit verify` through the node (the journal streamed, verified
# locally) against the offline audit of the same store (issue 12: <= 1.5x).
audit_node() {
    t0=$(date +%s%N)
    build/mintline audit verify --data "$DATA" >&2 || return 1
    t1=$(date +%s%N)
    cli audit verify >&2 || return 1
    t2=$(date +%s%N)
    echo "audit offline $(((t1 - t0) / 1000000)) ms, through the node $(((t2 - t1) / 1000000)) ms" >&2
    echo "RESULT audit_offline_s $(echo "$t0 $t1" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')"
    echo "RESULT audit_node_s $(echo "$t1 $t2" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')"
}

# report: `report monthly` over the whole journal (issue 12: < 10 s for 2M
# commands), as an operator runs it: the CLI asks, the node replays the
# journal from genesis to the period's end and renders, the CLI writes -o.
report_node() {
    today=$(date -u +%F)
    t0=$(date +%s%N)
    cli report monthly --at "$today" --format json -o "$TMP/report.json" || return 1
    t1=$(date +%s%N)
    cli report monthly --at "$today" --format html -o "$TMP/report.html" || return 1
    t2=$(date +%s%N)
    commands=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["blocks"]["commands"])' \
        "$TMP/report.json") || return 1
    echo "report monthly over $commands commands: json $(((t1 - t0) / 1000000)) ms, html $(((t2 - t1) / 1000000)) ms" >&2
    echo "RESULT report_monthly_s $(echo "$t0 $t1" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')"
    echo "RESULT report_monthly_html_s $(echo "$t1 $t2" | awk '{ printf "%.3f", ($2 - $1) / 1e9 }')"
    echo "RESULT report_commands $commands"
}

# ---- the node ----------------------------------------------------------------
if step init build/mintline init --data "$DATA" --genesis bench/genesis.yaml && start_node; then
    step reserve cli reserve report USDW 1000000000000
    step mint "$BIN/bench_http" --port "$PORT" --key "$KEY" mint --holders "$HOLDERS" --threads 2
    batch b2 2 24
    batch b4 4 12
    # an independent client (issue 16): Python's http.client and the
    # cryptography package, 2 connections, compact answers read and parsed
    measured py $((2 * 40 * 8000)) /usr/bin/python3 bench/bench_py.py --port "$PORT" --key "$KEY" \
        --holders 1000 --connections 2 --batches 40 --batch 8000 --tag py
    single c1 1 2000
    single c16 16 300
    stop_node
    # The same durable row with the alert loop busy (issue 10): every
    # built-in rule evaluated every second, and two receivers that cannot
    # be reached (connection refused: retried with backoff, then dropped).
    dead=$(free_port)
    printf 'alerting:\n  receivers:\n    - {name: am, type: alertmanager, url: "http://127.0.0.1:%s"}\n    - {name: hook, type: webhook, url: "http://127.0.0.1:%s/hook"}\n' \
        "$dead" "$dead" >"$TMP/alerting.yaml"
    if start_node --config "$TMP/alerting.yaml" --eval-interval 1s; then
        batch b2a 2 24
        stop_node
    fi
    step replay "$BIN/bench_replay" --data "$DATA" --runs 2
    # After the replay benchmark, so that (d) replays transfers only.
    if start_node; then
        step report report_node
        step por por_node
        step backup backup_node
        step audit audit_node
        stop_node
    fi
fi
# ---- PostgreSQL (issue 15) ---------------------------------------------------
# One PostgreSQL 15 for every step, started here in a temporary directory
# (tests/support/pg.py: durable defaults), a database per step. (b) with
# the journal in it, then a follower's lag under the same load; the peer,
# the same checked transfer in SQL on the same accounts; failover.
pg_started=$(date +%s)
if /usr/bin/python3 tests/support/pg.py start bench_b2 bench_peer bench_failover >"$TMP/pg.txt" 2>"$LOGS/pg.log"; then
    PG_DIR=$(awk '$1 == "dir" { print $2 }' "$TMP/pg.txt")
    pg_url() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/pg.txt"; }
    step pg_b2 env MINTLINE_TEST_PG_URL="$(pg_url bench_b2)" sh bench/pg_batch.sh "$TMP" "$HOLDERS" 2 24 24
    rm -rf "$TMP/pg-ledger" "$TMP/pg-ledger-f"
    step pg_peer "$BIN/bench_pg" --url "$(pg_url bench_peer)" --holders "$HOLDERS" --batch 8000 --tag pgpeer
    step pg_failover env MINTLINE_TEST_PG_URL="$(pg_url bench_failover)" \
        /usr/bin/python3 bench/pg_failover.py --kills 10
    stop_pg
    echo "pg_part_s $(($(date +%s) - pg_started))" >>"$RESULTS"
else
    STEPS_FAILED=$((STEPS_FAILED + 1))
    echo "bench: PostgreSQL did not start; see $LOGS/pg.log" >&2
fi
# The ledger is ~600 MB: kept only on request (BENCH_KEEP=1).
[ -n "${BENCH_KEEP:-}" ] || rm -rf "$DATA"

# ---- the table ---------------------------------------------------------------
elapsed=$(($(date +%s) - started))
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
steal=$(echo "$cpu_start $(cpu_counters)" | awk '{
    busy = $4 - $1; idle = $5 - $2; st = $6 - $3; all = busy + idle + st
    if (all > 0) printf "busy %.0f%%, steal %.1f%%", 100 * busy / all, 100 * st / all }')
echo
echo "mintline benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) vCPU ($cpu), $HOLDERS holders," \
    "${elapsed}s ($steal of all vCPU time during the run)"
awk -v F="$RESULTS" '
function val(k) { return (k in r) ? r[k] : "" }
function num(x) { # thousands separators
    s = sprintf("%.0f", x); o = ""
    while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
    return s o
}
function row(name, k, unit, target, cmp, limit, fmt,    v, shown, met) {
    v = val(k)
    if (v == "") { shown = "FAILED"; met = "no" }
    else {
        shown = (fmt == "n") ? num(v) : sprintf(fmt, v)
        if (cmp == ">=") met = (v + 0 >= limit) ? "yes" : "no"
        else if (cmp == "<=") met = (v + 0 <= limit) ? "yes" : "no"
        else met = "-"
    }
    printf "| %-58s | %13s | %-12s | %-12s | %-4s |\n", name, shown, unit, target, met
}
BEGIN {
    while ((getline line < F) > 0) { split(line, a, " "); r[a[1]] = a[2] }
    if (val("b2_per_s") != "" && val("sqlite_batch_per_s") > 0)
        r["ratio_b_f"] = val("b2_per_s") / val("sqlite_batch_per_s")
    if (val("stage_serial_us") > 0) r["stage_ceiling"] = 1e6 / val("stage_serial_us")
    if (val("b2bk_per_s") != "" && val("b2_per_s") > 0) r["ratio_bk"] = val("b2bk_per_s") / val("b2_per_s")
    if (val("audit_node_s") != "" && val("audit_offline_s") > 0)
        r["ratio_audit"] = val("audit_node_s") / val("audit_offline_s")
    if (val("b2_per_s") != "" && val("sqlite_one_per_s") > 0)
        r["ratio_b_f1"] = val("b2_per_s") / val("sqlite_one_per_s")
    if (val("pg_b2_per_s") != "" && val("pgpeer_batch_per_s") > 0)
        r["ratio_pg_peer"] = val("pg_b2_per_s") / val("pgpeer_batch_per_s")
    if (val("pg_b2_per_s") != "" && val("pgpeer_one_per_s") > 0)
        r["ratio_pg_peer1"] = val("pg_b2_per_s") / val("pgpeer_one_per_s")
    if (val("py_per_s") != "" && val("sqlite1k_batch_per_s") > 0)
        r["ratio_py_f"] = val("py_per_s") / val("sqlite1k_batch_per_s")
    printf "| %-58s | %13s | %-12s | %-12s | %-4s |\n", "benchmark", "figure", "unit", "target", "met?"
    printf "|%s|%s|%s|%s|%s|\n", "------------------------------------------------------------", "---------------:", "--------------", "--------------", "------"
    row("(a) transfers applied in memory, 1 core (apply only)", "transfers_apply_per_s", "transfers/s", ">= 5,000,000", ">=", 5000000, "n")
    row("(a) same, including engine_block_seal (state-hash fold)", "transfers_sealed_per_s", "transfers/s", ">= 3,000,000", ">=", 3000000, "n")
    row("    apply, per transfer", "apply_ns_per_transfer", "ns", "-", "", 0, "%.0f")
    row("    seal, per transfer", "seal_ns_per_transfer", "ns", "-", "", 0, "%.0f")
    row("(a) compliance-checked transfers (security asset), apply", "sec_transfers_apply_per_s", "transfers/s", "-", "", 0, "n")
    row("    apply, per compliance-checked transfer", "sec_apply_ns_per_transfer", "ns", "-", "", 0, "%.0f")
    row("    plain transfers in the blocks between, apply", "sec_plain_apply_ns_per_transfer", "ns", "-", "", 0, "%.0f")
    row("    compliance-checked / plain transfer, apply time", "sec_apply_ratio", "x", "<= 2", "<=", 2, "%.2f")
    row("    seal, per compliance-checked transfer", "sec_seal_ns_per_transfer", "ns", "-", "", 0, "%.0f")
    row("(e) resident memory per holder (RSS delta)", "mem_bytes_per_holder", "bytes", "<= 128", "<=", 128, "%.1f")
    row("por.publish over every holder (engine_apply)", "por_publish_s", "s", "<= 2", "<=", 2, "%.3f")
    row("por publish through the node (CLI to answer)", "por_node_publish_s", "s", "<= 2", "<=", 2, "%.3f")
    row("    one holder proof, as por proof writes it", "por_node_proof_bytes", "bytes", "<= 2,048", "<=", 2048, "n")
    row("    one holder proof (JSON)", "por_proof_bytes", "bytes", "<= 2,048", "<=", 2048, "n")
    row("    the published tree kept for proofs (RSS delta)", "por_tree_bytes_per_holder", "bytes/holder", "-", "", 0, "%.1f")
    row("payout.distribute over 100,000 holders (engine_apply)", "payout_distribute_s", "s", "< 1", "<=", 0.999, "%.3f")
    row("    its seal (state-hash fold of every leg)", "payout_distribute_seal_s", "s", "-", "", 0, "%.3f")
    row("    legs sum exactly, each floor or ceiling (1 = checked)", "payout_exact_checked", "-", "1", ">=", 1, "%.0f")
    row("    payout.snapshot over the same holders (engine_apply)", "payout_snapshot_s", "s", "-", "", 0, "%.3f")
    row("    the legs recomputed for payout show (read lock)", "payout_plan_s", "s", "-", "", 0, "%.3f")
    row("stabilizer: one observation (added to a price.update)", "stabilizer_observation_ns", "ns", "< 1,000", "<=", 999, "%.0f")
    row("    the whole price.update with it (engine_apply)", "stabilizer_price_update_ns", "ns", "-", "", 0, "%.0f")
    row("bridge.send applied in memory (engine_apply)", "bridge_send_per_s", "ops/s", ">= 1,000,000", ">=", 1000000, "n")
    row("    bridge.confirm beside it (engine_apply)", "bridge_confirm_per_s", "ops/s", "-", "", 0, "n")
    row("(b) durable transfers via POST /api/commands, 2 clients", "b2_per_s", "transfers/s", ">= 300,000", ">=", 300000, "n")
    row("(b) same, 4 clients", "b4_per_s", "transfers/s", ">= 300,000", ">=", 300000, "n")
    row("(b) 2 clients, alert loop every 1s, 2 receivers unreachable", "b2a_per_s", "transfers/s", "~ (b)", "", 0, "n")
    row("(b) Python client, 2 connections, compact answers, 1k holders", "py_per_s", "transfers/s", "-", "", 0, "n")
    row("    node CPU per transfer (Python client)", "py_node_cpu_us", "us", "<= 2.5", "<=", 2.5, "%.1f")
    row("    answer bytes per transfer (read and parsed)", "py_answer_bytes_per_transfer", "bytes", "-", "", 0, "%.2f")
    row("    SQLite peer, 8,000 per transaction, 1k accounts", "sqlite1k_batch_per_s", "transfers/s", "peer", "", 0, "n")
    row("    Python client / SQLite peer on 1k", "ratio_py_f", "x", ">= 1.3", ">=", 1.3, "%.2f")
    row("(b) same on PostgreSQL 15 (same machine), 2 clients", "pg_b2_per_s", "transfers/s", ">= 100,000", ">=", 100000, "n")
    row("    store commit (PostgreSQL) per block", "pg_b2_commit_ms_per_block", "ms", "-", "", 0, "%.2f")
    row("    PostgreSQL peer: checked transfer, 1 per txn", "pgpeer_one_per_s", "transfers/s", "peer", "", 0, "n")
    row("    PostgreSQL peer: checked transfer, 8,000 per txn", "pgpeer_batch_per_s", "transfers/s", "peer", "", 0, "n")
    row("    mintline on PostgreSQL / its peer, 8,000 per txn", "ratio_pg_peer", "x", "-", "", 0, "%.1f")
    row("    mintline on PostgreSQL / its peer, 1 per txn", "ratio_pg_peer1", "x", "-", "", 0, "%.0f")
    row("    the same load with a follower (the leader rate)", "pg_follow_per_s", "transfers/s", "-", "", 0, "n")
    row("    follower lag per block: p99 (interpolated in 25 ms)", "pg_follow_delay_p99_s", "s", "< 0.5", "<=", 0.4999, "%.3f")
    row("    follower lag per block: p50", "pg_follow_delay_p50_s", "s", "-", "", 0, "%.3f")
    row("    follower lag: blocks measured", "pg_follow_delay_count", "blocks", "-", "", 0, "n")
    row("failover on PostgreSQL, kill -9 to new leader writing: p50", "pg_failover_median_s", "s", "< 5", "<=", 4.999, "%.3f")
    row("    same, max over the kills", "pg_failover_max_s", "s", "< 5", "<=", 4.999, "%.3f")
    row("    leader kills (3 nodes, 3 clients of single mints)", "pg_failover_kills", "kills", "10", ">=", 10, "n")
    row("    writes acknowledged under the kills", "pg_failover_acked", "writes", "-", "", 0, "n")
    row("    acknowledged writes lost", "pg_failover_lost", "writes", "0", "<=", 0, "n")
    row("    the PostgreSQL part of this run, wall time", "pg_part_s", "s", "<= 180", "<=", 180, "n")
    row("    node CPU per transfer (2 clients)", "b2_node_cpu_us", "us", "-", "", 0, "%.1f")
    row("    store commit (SQLite + fsync) per block (2 clients)", "b2_commit_ms_per_block", "ms", "-", "", 0, "%.2f")
    row("    share of wall time spent committing (2 clients)", "b2_commit_share", "ratio", "-", "", 0, "%.2f")
    row("    stages, 1 core: verify (SHA-256 body + Ed25519)", "stage_verify_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: parse (yajl stream + decode)", "stage_parse_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: encode (binary commands)", "stage_encode_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: apply (sequencer)", "stage_apply_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: seal, state-hash fold (sequencer)", "stage_seal_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: event_encode (sequencer)", "stage_events_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: block_hash, SHA-256 (sequencer)", "stage_hash_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: SQLite append_block + fsync (sequencer)", "stage_store_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: respond (8,000 results + events JSON)", "stage_respond_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: total node CPU", "stage_total_us", "us/transfer", "-", "", 0, "%.2f")
    row("    stages: sequencer ceiling (1 / serial stages)", "stage_ceiling", "transfers/s", ">= 300,000", ">=", 300000, "n")
    row("(c) one signed command, 1 client: p50", "c1_p50_ms", "ms", "-", "", 0, "%.2f")
    row("(c) one signed command, 1 client: p99", "c1_p99_ms", "ms", "<= 1", "<=", 1, "%.2f")
    row("    max (a snapshot every 2,000 blocks stalls commits)", "c1_max_ms", "ms", "-", "", 0, "%.1f")
    row("    store commit (SQLite + fsync) per block", "c1_commit_ms_per_block", "ms", "-", "", 0, "%.3f")
    row("(c) 16 concurrent clients, one command each request", "c16_per_s", "commands/s", "-", "", 0, "n")
    row("(c) 16 concurrent clients: p99", "c16_p99_ms", "ms", "-", "", 0, "%.2f")
    row("(d) replay at start-up from genesis", "replay_per_s", "commands/s", ">= 1,500,000", ">=", 1500000, "n")
    row("report monthly (JSON) over the journal, CLI to file", "report_monthly_s", "s", "< 10", "<=", 9.999, "%.2f")
    row("    same, HTML with its charts", "report_monthly_html_s", "s", "< 10", "<=", 9.999, "%.2f")
    row("    commands in the report period", "report_commands", "commands", ">= 2,000,000", ">=", 2000000, "n")
    row("alert rules: the built-ins over 100 assets, one evaluation", "rules_eval_us", "us", "<= 1,000", "<=", 1000, "%.0f")
    row("    same, p99", "rules_eval_p99_us", "us", "-", "", 0, "%.0f")
    row("alert loop: one round, render + parse + rules + states (64 assets)", "alert_round_us", "us", "<= 1,000", "<=", 1000, "%.0f")
    row("    same, p99", "alert_round_p99_us", "us", "-", "", 0, "%.0f")
    row("(f) SQLite checked transfer, 1 per transaction", "sqlite_one_per_s", "transfers/s", "peer", "", 0, "n")
    row("(f) SQLite checked transfer, 8,000 per transaction", "sqlite_batch_per_s", "transfers/s", "peer", "", 0, "n")
    row("(f) SQLite raw journal append, 8,000 per transaction", "sqlite_journal_rows_per_s", "rows/s", "peer", "", 0, "n")
    row("(b) / (f) batched: mintline (2 clients) / SQLite 8,000", "ratio_b_f", "x", "-", "", 0, "%.2f")
    row("(b) / (f) mintline (2 clients) / SQLite 1 per txn", "ratio_b_f1", "x", "-", "", 0, "%.1f")
    row("vault borrow/repay applied in memory (engine_apply)", "vault_ops_apply_per_s", "ops/s", ">= 1,000,000", ">=", 1000000, "n")
    row("    same, including engine_block_seal", "vault_ops_sealed_per_s", "ops/s", "-", "", 0, "n")
    row("10,000 vaults re-checked after a price update (median)", "vault_scan_ms", "ms", "< 5", "<=", 4.999, "%.3f")
    row("    vaults found below liquidation_ratio (= recount)", "vault_scan_found", "vaults", "-", "", 0, "n")
    row("backup create through the node, MB of store per second", "backup_mb_per_s", "MB/s", ">= 200", ">=", 200, "%.0f")
    row("    the store backed up", "backup_store_mb", "MB", "-", "", 0, "n")
    row("(b) 2 clients while backups run back to back", "b2bk_per_s", "transfers/s", "-", "", 0, "n")
    row("    / the undisturbed rate (b2)", "ratio_bk", "x", ">= 0.8", ">=", 0.8, "%.2f")
    row("audit verify through the node", "audit_node_s", "s", "-", "", 0, "%.2f")
    row("    offline audit of the same store", "audit_offline_s", "s", "-", "", 0, "%.2f")
    row("    through the node / offline", "ratio_audit", "x", "<= 1.5", "<=", 1.5, "%.2f")
}'
# Exit status: 0 when every step ran and every answer was "ok" (met targets
# or not: the table says that), 1 otherwise.
[ "$STEPS_FAILED" -eq 0 ] && [ "$(awk '$1 ~ /_failed$/ && $2 != 0' "$RESULTS" | wc -l)" -eq 0 ]

#!/bin/sh
# demo.sh - the AsiaFlex morning routine against a demo ledger.
#
# Creates ./demo-data from examples/genesis.yaml (reused when present),
# serves it on 127.0.0.1:8645, runs the routine with the CLI, printing each
# command and its result, then keeps serving until Ctrl-C.
#
# For tests (test_console_demo walks the console on it): MINTLINE_BIN (the
# binary), MINTLINE_DEMO_DATA (the data dir), MINTLINE_DEMO_LISTEN and
# MINTLINE_DEMO_SMOM_LISTEN (the two nodes' addresses) override the defaults.
set -e
cd "$(dirname "$0")/.."
BIN="${MINTLINE_BIN:-$PWD/build/mintline}"
DATA="${MINTLINE_DEMO_DATA:-$PWD/demo-data}"
LISTEN="${MINTLINE_DEMO_LISTEN:-127.0.0.1:8645}"
export MINTLINE_HOME="$DATA/home"
export MINTLINE_NODE="http://$LISTEN"
export MINTLINE_OPERATOR=alice
TREASURY=0x7a11ce0000000000000000000000000000000001
CLIENT=0xc11e470000000000000000000000000000000002

mkdir -p "$MINTLINE_HOME/keys"
for k in examples/keys/*.key; do
    dest="$MINTLINE_HOME/keys/$(basename "$k")"
    [ -f "$dest" ] || cp "$k" "$dest"
    chmod 600 "$dest"
done
if [ ! -f "$DATA/mintline.db" ]; then
    "$BIN" init --data "$DATA" --genesis examples/genesis.yaml
fi
if curl -s -o /dev/null "http://$LISTEN/healthz"; then
    echo "error: something already listens on $LISTEN (stop it, then run make demo again)" >&2
    exit 3
fi
"$BIN" serve --data "$DATA" --listen "$LISTEN" &
NODE=$!
trap 'kill -TERM $NODE 2>/dev/null; wait $NODE 2>/dev/null; exit 0' INT TERM
i=0
until curl -s -o /dev/null "http://$LISTEN/readyz"; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "error: node did not start" >&2; kill $NODE; exit 3; }
    sleep 0.1
done

step() {
    printf '\n\033[1m$ mintline %s\033[0m\n' "$*"
    "$BIN" "$@" || echo "(exit $?)"
}
echo
echo "== AsiaFlex morning routine =="
step status
step reserve report USDW 1000000
step --operator bob reserve report USDW 1000250
step reserve show USDW
step mint USDW --to "$TREASURY" --amount 250000 --dry-run
step mint USDW --to "$TREASURY" --amount 250000
step transfer USDW --from "$TREASURY" --to "$CLIENT" --amount 1200.50
step burn USDW --from "$TREASURY" --amount 10000
step --operator bob nav update AAXJF 12.48
step nav show AAXJF
step mint AAXJF --to "$TREASURY" --amount 5000.25
step balance USDW "$CLIENT"
step history --limit 6
step events --recent 6
step status USDW
echo
echo "== smom-dbis-138 weekly: proof of reserves =="
step por publish USDW
step por show USDW
printf '\n\033[1m$ mintline por proof USDW %s > %s\033[0m\n' "$CLIENT" "$DATA/proof-client.json"
"$BIN" por proof USDW "$CLIENT" >"$DATA/proof-client.json" || echo "(exit $?)"
step por verify "$DATA/proof-client.json"
# seed 001's vault and bridge on a second ledger (examples/smom.yaml),
# served on the next port for this section only
SMOM="$DATA/smom"
SMOM_LISTEN="${MINTLINE_DEMO_SMOM_LISTEN:-127.0.0.1:8646}"
OWNER=0x0a11e70000000000000000000000000000000003
if [ ! -f "$SMOM/mintline.db" ]; then
    "$BIN" init --data "$SMOM" --genesis examples/smom.yaml >/dev/null
fi
"$BIN" serve --data "$SMOM" --listen "$SMOM_LISTEN" &
SMOM_NODE=$!
trap 'kill -TERM $NODE $SMOM_NODE 2>/dev/null; wait $NODE 2>/dev/null; exit 0' INT TERM
i=0
until curl -s -o /dev/null "http://$SMOM_LISTEN/readyz"; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "error: the smom node did not start" >&2; kill $NODE $SMOM_NODE; exit 3; }
    sleep 0.1
done
export MINTLINE_NODE="http://$SMOM_LISTEN"
echo
echo "== smom-dbis-138: a gold-backed vault and a bridge transfer (examples/smom.yaml) =="
step price update XAU 2000
step mint GOLD --to "$OWNER" --amount 10
step vault open GOLD-A --owner "$OWNER"
step vault deposit 1 --amount 2
step vault borrow 1 --amount 2000 --dry-run
step vault borrow 1 --amount 2000
step vault show 1
step reserve report USDW 100000
step --operator bob reserve report USDW 100000
step mint USDW --to "$TREASURY" --amount 50000
step mint USDW --to 0xbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbfbf --amount 40000
step bridge send USDW --from "$TREASURY" --chain 138 --to 0xd1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1 --amount 10000
step bridge confirm 1 --tx 0x1111111111111111111111111111111111111111111111111111111111111111
step bridge send USDW --from "$TREASURY" --chain 138 --to 0xd1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1 --amount 2500
step bridge list
step bridge routes
step status
kill -TERM $SMOM_NODE 2>/dev/null
wait $SMOM_NODE 2>/dev/null || true
trap 'kill -TERM $NODE 2>/dev/null; wait $NODE 2>/dev/null; exit 0' INT TERM
export MINTLINE_NODE="http://$LISTEN"
cat <<MSG

The node keeps serving on http://$LISTEN (Ctrl-C to stop). Open http://$LISTEN/ in a browser
for the console and load examples/keys/alice.key (docs/operators/console.md). From another terminal:

  export MINTLINE_HOME=$MINTLINE_HOME MINTLINE_OPERATOR=alice
  $BIN status
  $BIN mint USDW --to $CLIENT --amount 10 --dry-run
  $BIN audit verify --data $DATA
MSG
wait $NODE

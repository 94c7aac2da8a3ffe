#!/bin/sh
# demo.sh - the AsiaFlex morning routine against a demo ledger.
#
# Creates ./demo-data from examples/genesis.yaml (reused when present),
# serves it on 127.0.0.1:8645, runs the routine with the CLI, printing each
# command and its result, then keeps serving until Ctrl-C.
set -e
cd "$(dirname "$0")/.."
BIN="$PWD/build/mintline"
DATA="$PWD/demo-data"
LISTEN=127.0.0.1:8645
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
cat <<MSG

The node keeps serving on http://$LISTEN (Ctrl-C to stop). From another terminal:

  export MINTLINE_HOME=$MINTLINE_HOME MINTLINE_OPERATOR=alice
  $BIN status
  $BIN mint USDW --to $CLIENT --amount 10 --dry-run
  $BIN audit verify --data $DATA
MSG
wait $NODE

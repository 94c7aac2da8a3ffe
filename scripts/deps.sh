#!/bin/sh
# deps.sh [build|test] - install the Debian packages mintline builds with
# (build: what `make demo` needs) or also tests with (test, the default).
# Idempotent and quiet when everything is there.
set -e
PKGS="build-essential pkg-config libsodium-dev libmicrohttpd-dev libjansson-dev libyajl-dev libsqlite3-dev libpq-dev
libyaml-dev libcurl4-openssl-dev libssl-dev curl"
# clang and its runtimes (libFuzzer, ASan, UBSan) build the fuzz harnesses, llvm's
# llvm-symbolizer names the lines in their reports (docs/FUZZING.md).
# prometheus-alertmanager: the real Alertmanager test_receivers routes mintline's alerts through.
[ "${1:-test}" = test ] && PKGS="$PKGS libcmocka-dev python3 python3-cryptography sqlite3 prometheus
prometheus-alertmanager clang libclang-rt-14-dev llvm"
# postgresql: the PostgreSQL 15 the store's tests start in a temporary directory (tests/support/pg.py).
[ "${1:-test}" = test ] && PKGS="$PKGS postgresql"
# chromium, chromium-driver, python3-selenium: test_reports renders the HTML report to a PNG; test_console drives the web console.
[ "${1:-test}" = test ] && PKGS="$PKGS chromium chromium-driver python3-selenium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

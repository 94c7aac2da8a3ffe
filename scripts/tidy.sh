#!/bin/sh
# tidy.sh - mechanical style checks (STYLE.md habits 12 and 16):
#   - banned calls anywhere in src/: sprintf, strcpy, strcat, atoi, strtok, gets;
#   - the engine stays pure: no socket, file, clock, thread or database
#     header or call under src/engine/, and it includes only base/ and engine/;
#   - src/ops (alert rules, the rule language) sits beside node and cli: it
#     includes base/ (and engine/ at most), never store/, node/ or cli/.
cd "$(dirname "$0")/.." || exit 2
bad=0
banned=$(grep -rnE '\b(sprintf|strcpy|strcat|atoi|strtok|gets)\s*\(' src | grep -v 'snprintf\|vsnprintf')
if [ -n "$banned" ]; then
    echo "banned calls:"; echo "$banned"; bad=1
fi
impure=$(grep -rnE '#include <(sys/socket|netinet/|arpa/|unistd|time|sys/time|pthread|sqlite3|libpq-fe|microhttpd|curl/|fcntl|dirent)' src/engine)
if [ -n "$impure" ]; then
    echo "engine includes an I/O, clock or thread header:"; echo "$impure"; bad=1
fi
calls=$(grep -rnE '\b(fopen|fwrite|fread|open|read|write|time|clock_gettime|gettimeofday|rand|random|malloc_trim|pthread_[a-z_]+)\s*\(' src/engine | grep -v '^\s*/\?\*')
if [ -n "$calls" ]; then
    echo "engine calls I/O, clock or randomness:"; echo "$calls"; bad=1
fi
outside=$(grep -rnE '#include "\.\./(store|node|ops|cli)/' src/engine src/base)
if [ -n "$outside" ]; then
    echo "dependencies must point base <- engine <- {store, node, ops, cli}:"; echo "$outside"; bad=1
fi
ops=$(grep -rnE '#include "\.\./(store|node|cli)/' src/ops)
if [ -n "$ops" ]; then
    echo "src/ops must not include store/, node/ or cli/ (they include ops):"; echo "$ops"; bad=1
fi
[ $bad -eq 0 ] && echo "tidy: ok"
exit $bad

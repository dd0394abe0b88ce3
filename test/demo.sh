#!/bin/bash
# make demo: from a fresh clone, install what is missing, build, install,
# start a throwaway PostgreSQL and the Okta simulator with a generated org,
# and run the queries a user would run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
test/deps.sh
make -s
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO make -s install >/dev/null

WORK=$(mktemp -d /tmp/oktafdw-demo.XXXXXX)
chmod 755 "$WORK"
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT
echo "generating a simulated Okta org of ${DEMO_USERS:-2000} users ..."
"$PY" test/sim/oktasim.py init "$WORK/org" --users "${DEMO_USERS:-2000}" --groups 25 >/dev/null
"$PY" test/sim/oktasim.py serve "$WORK/org" --port 0 &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/org/port" ] && break; sleep 0.1; done
export OKTA_SIM_DIR="$WORK/org"
export OKTA_SIM_URL="https://localhost:$(cat "$WORK/org/port")"
echo "Okta simulator at $OKTA_SIM_URL"
pg_virtualenv psql -X -v ON_ERROR_STOP=1 -f "$ROOT/test/demo.sql"

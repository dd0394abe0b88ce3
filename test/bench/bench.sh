#!/bin/bash
# make bench: what a scan costs, measured against the Okta simulator and a
# throwaway cluster, printed as one table (see test/bench/README.md).
#   USERS=100000   org size (make bench USERS=1000000)
#   BENCH_GROUPS=1000  groups (the group_members fan-out step)
#   QUICK=1        a smoke: 5,000 users and 100 groups unless given
#   STEPS=1,2      only these steps (2 needs 1, 6 needs 2): the table's
#                  other rows are left out
# Not a test: no thresholds; exits non-zero only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
	USERS=${USERS:-5000}
	BENCH_GROUPS=${BENCH_GROUPS:-100}
fi
USERS=${USERS:-100000}
BENCH_GROUPS=${BENCH_GROUPS:-1000}
started=$(date +%s)
. test/lib.sh
trap stop_env EXIT

# start_env with a number of groups: the simulator and the extension
# installed where the throwaway cluster loads it from
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oktafdw-bench.XXXXXX")
chmod 755 "$WORK"
echo "bench: generating an org of $USERS users and $BENCH_GROUPS groups ..." >&2
"$PY" test/sim/oktasim.py init "$WORK/org" --users "$USERS" --groups "$BENCH_GROUPS" >&2
# a high rate limit: the client would otherwise slow down near the end of
# a bucket (1,000,000 users page through 5,000 requests per listing)
"$PY" test/sim/oktasim.py serve "$WORK/org" --port 0 --rate-limit 1000000 --logs-rate-limit 1000000 &
SIM_PID=$!
for _ in $(seq 1 6000); do
	[ -s "$WORK/org/port" ] && break
	kill -0 "$SIM_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$WORK/org/port" ] || { echo "bench: the simulator did not start" >&2; exit 1; }
export OKTA_SIM_DIR="$WORK/org"
export OKTA_SIM_URL="https://localhost:$(cat "$WORK/org/port")"
export BENCH_WORK="$WORK"
# a free port of our own: another throwaway cluster (make test elsewhere on
# this machine) may hold pg_virtualenv's default 5432
PGPORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PGPORT
make -s install DESTDIR="$WORK/inst" >/dev/null
chmod -R a+rX "$WORK/inst"
echo "bench: set up in $(( $(date +%s) - started )) s; measuring ..." >&2
in_cluster "$PY" test/bench/bench.py
# step 8: one rate-limit budget across backends (test/bench/rate_share.sh):
# 8 backends scanning users against a bucket of 60 requests per 10 s, in a
# cluster without oktafdw preloaded (a budget per backend), then with it
# (one budget for all): 429s answered and the share of the limit used
if [ -z "${STEPS:-}" ] || [[ ",$STEPS," == *",8,"* ]]; then
	export OKTA_SIM_CTL="$PY test/sim/oktasim.py ctl $WORK/org"
	in_cluster test/bench/rate_share.sh
	in_cluster $(preload_opts) test/bench/rate_share.sh
fi
echo "bench: $(( $(date +%s) - started )) s in all"

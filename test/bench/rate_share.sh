#!/bin/bash
# test/bench/rate_share.sh: BACKENDS backends (8) scan users at once against
# a simulated users bucket of LIMIT requests per WINDOW seconds (60 per 10 s:
# Okta's header semantics, a shorter window), for WINDOWS windows; prints
# how many 429s the simulator answered and the share of the bucket's limit
# the backends used together:
#
#   rate: budget shared, 8 backends, users 60/10s: 0 429s, 240 requests in 4 windows = 100.0% of the limit
#
# Run inside a throwaway cluster (test/lib.sh: in_cluster, add
# -o shared_preload_libraries=oktafdw for the shared budget) with the
# simulator running (OKTA_SIM_DIR, OKTA_SIM_URL, OKTA_SIM_CTL).  With
# CHECK=1 it is a test: the last line is "1 passed, 0 failed" when there
# was no 429 and the share is at least MIN_SHARE (90%), and the exit status
# says the same.  Leaves the simulator's rate limits as it found them
# (ctl reset).
set -euo pipefail
cd "$(dirname "$0")/../.."
BACKENDS=${BACKENDS:-8}
LIMIT=${LIMIT:-60}
WINDOW=${WINDOW:-10}
WINDOWS=${WINDOWS:-4}
MIN_SHARE=${MIN_SHARE:-90}
PY=/usr/bin/python3
CTL="$PY test/sim/oktasim.py ctl $OKTA_SIM_DIR"
DB=rate_share
seconds=$((WINDOW * WINDOWS + 3))

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL
\\getenv sim_dir OKTA_SIM_DIR
\\getenv sim_url OKTA_SIM_URL
\\set ca_file :sim_dir '/ca.pem'
SELECT pg_read_file(:'sim_dir' || '/client-rsa.pem') AS rsa_key \\gset
CREATE EXTENSION oktafdw;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw
  OPTIONS (org_url :'sim_url', ca_file :'ca_file', page_size '20', max_retries '10');
CREATE USER MAPPING FOR PUBLIC SERVER okta
  OPTIONS (client_id '0oaplain', private_key :'rsa_key', key_id 'k1');
CREATE FOREIGN TABLE users (id text, login text) SERVER okta OPTIONS (object 'users');
SQL
$CTL rate-limit "$LIMIT" users "window=$WINDOW" >/dev/null
# a token, and the budget's mode (one request of the bucket, before the count)
shared=$(psql -X -At -d "$DB" -c "SELECT message LIKE '%shared by all backends%' FROM okta_check('okta')")
budget="per backend"
[ "$shared" = t ] && budget="shared"
$CTL arrivals clear >/dev/null
pids=()
for _ in $(seq 1 "$BACKENDS"); do
	# one scan each, far longer than the run: statement_timeout ends it
	psql -X -q -d "$DB" -c "SET statement_timeout = '${seconds}s'" \
		-c "SELECT count(*) FROM users" >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || true
done
$CTL arrivals users > "${TMPDIR:-/tmp}/rate_share.$$.json"
[ -z "${KEEP_ARRIVALS:-}" ] || cp "${TMPDIR:-/tmp}/rate_share.$$.json" "$KEEP_ARRIVALS"
$CTL reset >/dev/null
psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null 2>&1 || true

status=0
"$PY" - "${TMPDIR:-/tmp}/rate_share.$$.json" "$budget" "$BACKENDS" "$LIMIT" "$WINDOW" "$WINDOWS" \
	"$MIN_SHARE" "${CHECK:-}" <<'PY' || status=$?
import json, sys
path, budget, backends, limit, window, windows, min_share, check = sys.argv[1:]
limit, window, windows, min_share = int(limit), int(window), int(windows), float(min_share)
arrivals = json.load(open(path))["arrivals"]
throttled = sum(1 for a in arrivals if a[2] == 429)
t0 = min((a[0] for a in arrivals), default=0)
# windows start with their first request, so WINDOWS windows from the first
# request hold at most WINDOWS x LIMIT requests
used = sum(1 for a in arrivals if a[2] != 429 and a[0] < t0 + windows * window)
share = 100.0 * used / (windows * limit)
print("rate: budget %s, %s backends, users %d/%ds: %d 429s, %d requests in %d windows = %.1f%% of the limit"
      % (budget, backends, limit, window, throttled, used, windows, share))
if check:
    ok = throttled == 0 and share >= min_share
    print("%d passed, %d failed" % (int(ok), int(not ok)))
    sys.exit(0 if ok else 1)
PY

rm -f "${TMPDIR:-/tmp}/rate_share.$$.json"
exit $status

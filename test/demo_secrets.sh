#!/bin/bash
# The demo as a new user meets it, and no secret in it: runs test/demo.sql
# (what make demo runs; DEMO_SQL=FILE runs another) in the current cluster
# against the running simulator ($OKTA_SIM_DIR, $OKTA_SIM_URL, and
# $OKTA_SIM_CTL to seed the System Log), then checks its whole output:
#   - it shows what the demo is for: okta_check() saying ok, custom profile
#     attributes imported, NULLs visible, the Okta requests in EXPLAIN, users
#     by status, a group's members, the System Log;
#   - no NOTICE or WARNING (the import saying custom attributes were not
#     imported reads like a failure);
#   - no line of any private key in the simulator's directory, no PEM header;
#   - no credential the simulator issued or received while the demo ran
#     (access tokens, client assertions, DPoP proofs, Authorization values:
#     the simulator must record them, `oktasim.py serve --record-secrets`, as
#     make test starts it), nor its API token.
# Never prints a secret: a finding is a line number.  make test runs it
# inside its throwaway cluster (test/run_tests.sh):
#
#   in_cluster test/demo_secrets.sh OUT
#
# Prints one line per check and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${1:?usage: demo_secrets.sh OUTFILE}
DEMO_SQL=${DEMO_SQL:-test/demo.sql}
PY=/usr/bin/python3
SIMLOG=$OKTA_SIM_DIR/secrets.log
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
# has WHAT PATTERN: a check that the output has a line matching PATTERN
has() {
	if grep -q -E -- "$2" "$OUT"; then ok "the output shows $1"; else bad "the output shows $1"; fi
}
PAT=$(mktemp -d /tmp/oktafdw-demo-secrets.XXXXXX)
trap 'rm -rf "$PAT"' EXIT

# the demo's System Log query shows a day of sign-ins, as make demo seeds it
if [ -n "${OKTA_SIM_CTL:-}" ]; then
	$OKTA_SIM_CTL log-seed 3000 days=7 seed=1 >/dev/null 2>&1 || echo "(the System Log was not seeded)"
fi
sim_before=$( [ -f "$SIMLOG" ] && wc -l < "$SIMLOG" || echo 0)
if psql -X -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS oktafdw_demo' -c 'CREATE DATABASE oktafdw_demo' >/dev/null 2>&1 &&
		psql -X -v ON_ERROR_STOP=1 -d oktafdw_demo -f "$DEMO_SQL" > "$OUT" 2>&1; then
	ok "$DEMO_SQL ran ($(wc -l < "$OUT") lines of output)"
else
	bad "$DEMO_SQL ran (exit status $?)"
	tail -n 20 "$OUT" | grep -v -- '-----' | cut -c1-120
fi

# ---- what a new user sees ------------------------------------------------
has "the echoed user mapping" "^CREATE USER MAPPING"
has "okta_check() run, and saying ok" "^ok +\| t$"
if grep -n -E "NOTICE|WARNING" "$OUT" | cut -d: -f1 | grep -q .; then
	bad "no NOTICE or WARNING in the output (lines $(grep -n -E "NOTICE|WARNING" "$OUT" | cut -d: -f1 | tr '\n' ' '))"
else
	ok "no NOTICE or WARNING in the output"
fi
has "custom profile attributes as columns (cost_center_code)" "^ *login +\| cost_center_code"
has "NULLs as (null)" "\| \(null\)"
has "the users by status" "^ ACTIVE +\| +[0-9]+$"
has "the Okta request of a pushed-down search (EXPLAIN)" "Okta Request: GET /api/v1/users\?search="
has "the join's request per group (EXPLAIN)" "Okta Request: GET /api/v1/groups/\{\?\}/users"
has "System Log rows (failed sign-ins)" "\| INVALID_CREDENTIALS$"

# ---- no secret -----------------------------------------------------------
# private keys: their PEM body lines
keys=0
: > "$PAT/private_keys"
for pem in "$OKTA_SIM_DIR"/*.pem; do
	grep -q -- "-----BEGIN .*PRIVATE KEY-----" "$pem" || continue
	keys=$((keys + 1))
	sed -n '/-----BEGIN/,/-----END/{/-----/d;p}' "$pem" | grep -v ':' | awk 'length($0) >= 16' >> "$PAT/private_keys"
done
# the credentials the simulator saw while the demo ran, and its API token
"$PY" test/secret_patterns.py "$SIMLOG" "$PAT" "$((sim_before + 1))"
"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["api_token"])' \
	"$OKTA_SIM_DIR/clients.json" > "$PAT/api_token"
seen=$(tail -n +"$((sim_before + 1))" "$SIMLOG" 2>/dev/null | cut -d' ' -f1 | sort -u | tr '\n' ' ')
if [[ $seen == *access_token* && $seen == *client_assertion* && $seen == *authorization* ]]; then
	ok "the simulator recorded the demo's credentials (${seen% })"
else
	bad "the simulator recorded the demo's credentials (${seen:-none}; it must run with --record-secrets)"
fi
for c in private_keys access_tokens client_assertions dpop_proofs credentials_received api_token; do
	n=$(wc -l < "$PAT/$c")
	lines=$( [ "$n" -gt 0 ] && grep -n -F -f "$PAT/$c" -- "$OUT" | cut -d: -f1 | tr '\n' ' ')
	if [ "$c" = private_keys ] && { [ "$keys" -lt 1 ] || [ "$n" -eq 0 ] || [ ! -f "$OKTA_SIM_DIR/client-rsa.pem" ]; }; then
		bad "no private key to look for in $OKTA_SIM_DIR"
	elif [ -n "$lines" ]; then
		bad "$c in the demo's output: line(s) $lines"
	else
		ok "no $c in the demo's output ($n strings looked for)"
	fi
done
grep -q -- "-----BEGIN" "$OUT" && bad "a PEM header in the demo's output" || ok "no PEM header in the demo's output"
psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS oktafdw_demo' >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

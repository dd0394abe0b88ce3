#!/bin/bash
# The demo shows no secret: runs test/demo.sql (what make demo runs) in the
# current cluster against the running simulator ($OKTA_SIM_DIR,
# $OKTA_SIM_URL), then looks in its whole output for the PEM body lines of
# every private key in the simulator's directory (client-rsa.pem, the
# demo's key, among them).  Never prints a secret: a finding is a line
# number.  make test runs it inside its throwaway cluster:
#
#   pg_virtualenv ... test/demo_secrets.sh OUT
#
# Prints one line per check and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=${1:?usage: demo_secrets.sh OUTFILE}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

if psql -X -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS oktafdw_demo' -c 'CREATE DATABASE oktafdw_demo' >/dev/null 2>&1 &&
		psql -X -v ON_ERROR_STOP=1 -d oktafdw_demo -f test/demo.sql > "$OUT" 2>&1; then
	ok "test/demo.sql ran ($(wc -l < "$OUT") lines of output)"
else
	bad "test/demo.sql ran (exit status $?)"
	tail -n 20 "$OUT" | grep -v -- '-----' | cut -c1-120
fi
# the output is the demo's: the user mapping echoed, and the queries' rows
if grep -q "CREATE USER MAPPING" "$OUT" && grep -q "users by status" "$OUT" && grep -q "ACTIVE" "$OUT"; then
	ok "the output has the echoed user mapping and the users by status"
else
	bad "the output has the echoed user mapping and the users by status"
fi
keys=0 lines=0 found=
for pem in "$OKTA_SIM_DIR"/*.pem; do
	grep -q -- "-----BEGIN .*PRIVATE KEY-----" "$pem" || continue
	keys=$((keys + 1))
	while IFS= read -r l; do
		[ ${#l} -ge 16 ] || continue
		lines=$((lines + 1))
		n=$(grep -n -F -- "$l" "$OUT" | head -n 1 | cut -d: -f1)
		[ -n "$n" ] && found="$found $(basename "$pem"):line-of-output-$n"
	done < <(sed -n '/-----BEGIN/,/-----END/{/-----/d;p}' "$pem")
done
if [ "$keys" -ge 1 ] && [ -f "$OKTA_SIM_DIR/client-rsa.pem" ] && [ "$lines" -gt 0 ] && [ -z "$found" ]; then
	ok "no line of the simulator's $keys private keys ($lines PEM body lines, client-rsa.pem among them) in the demo's output"
else
	bad "key material in the demo's output:${found:- (no keys found to look for)}"
fi
grep -q -- "-----BEGIN" "$OUT" && bad "a PEM header in the demo's output" || ok "no PEM header in the demo's output"
psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS oktafdw_demo' >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

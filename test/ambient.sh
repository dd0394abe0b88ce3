#!/bin/bash
# The postmaster's environment does not reach libcurl (run_tests.sh runs it
# inside a throwaway cluster: pg_virtualenv -t ... test/ambient.sh DIR).
#
# Restarts the cluster with https_proxy, http_proxy, ALL_PROXY pointing at a
# listener that records every connection, and SSLKEYLOGFILE naming a file
# (libcurl with OpenSSL would write every TLS secret there), then checks that
#   - a scan of the simulator (on localhost) works and reaches no proxy;
#   - a scan of a non-loopback org (a name under .invalid) fails without
#     reaching the listener (with the ambient proxy it would send CONNECT);
#   - the server option proxy is used: the same org through it sends
#     CONNECT to the listener (nothing answers there: the scan fails);
#   - the proxy option is not used for a loopback org (the scan works);
#   - no TLS secret was written to SSLKEYLOGFILE after those TLS scans.
# Prints one line per check and "N passed, N failed"; exits 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
DIR=${1:?usage: ambient.sh DIR}
: "${OKTA_SIM_DIR:?}" "${OKTA_SIM_URL:?}" "${PG_CLUSTER_CONF_ROOT:?}"
PY=/usr/bin/python3
DB=oktafdw_ambient
mkdir -p "$DIR"
chmod 777 "$DIR"

. test/lib.sh	# check
passed=0 failed=0

# the listener: one line per connection, with the first line it was sent
"$PY" - "$DIR" <<'EOF' &
import os, socket, sys
d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(os.path.join(d, "proxy.port.tmp"), "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(os.path.join(d, "proxy.port.tmp"), os.path.join(d, "proxy.port"))
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        first = c.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
    except OSError:
        first = "(nothing)"
    with open(os.path.join(d, "proxy.log"), "a") as f:
        f.write(first + "\n")
    try:
        c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    c.close()
EOF
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null' EXIT
for _ in $(seq 1 50); do [ -s "$DIR/proxy.port" ] && break; sleep 0.1; done
PROXY=http://127.0.0.1:$(cat "$DIR/proxy.port")
: > "$DIR/proxy.log"
chmod 666 "$DIR/proxy.log"

# the cluster again, with that environment (pg_ctlcluster starts the
# postmaster with the cluster's environment file and nothing else)
ver=$(pg_lsclusters -h | awk '$2 == "regress" { print $1; exit }')
cat > "$PG_CLUSTER_CONF_ROOT/$ver/regress/environment" <<EOF
https_proxy = '$PROXY'
HTTPS_PROXY = '$PROXY'
http_proxy = '$PROXY'
ALL_PROXY = '$PROXY'
SSLKEYLOGFILE = '$DIR/keylog'
EOF
pg_ctlcluster "$ver" regress restart >/dev/null || { echo "could not restart the cluster"; exit 1; }

token=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' \
	"$OKTA_SIM_DIR/clients.json")
psql -X -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
sql() { psql -X -q -A -t -d "$DB" -v ON_ERROR_STOP=1 "$@" 2>&1; }
server() {	# server NAME ORG_URL [MORE OPTIONS]: a server, mapping and groups table
	sql -c "CREATE SERVER $1 FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url '$2',
	            ca_file '$OKTA_SIM_DIR/ca.pem', max_retries '0', connect_timeout_ms '3000',
	            timeout_ms '5000' $3)" \
		-c "CREATE USER MAPPING FOR CURRENT_USER SERVER $1 OPTIONS (api_token '$token')" \
		-c "CREATE FOREIGN TABLE g_$1 (id text) SERVER $1 OPTIONS (object 'groups')" >/dev/null
}
sql -c "CREATE EXTENSION oktafdw" >/dev/null
far=https://oktafdw-ambient-test.invalid

server sim "$OKTA_SIM_URL" ""
out=$(sql -c "SELECT count(*) > 0 FROM g_sim")
check "a scan of the loopback simulator works with proxy variables set (got: ${out//$'\n'/ })" \
	test "$out" = t
server far "$far" ""
sql -c "SELECT count(*) FROM g_far" >/dev/null
check "no connection reached the ambient proxy ($(wc -l < "$DIR/proxy.log") recorded)" \
	test ! -s "$DIR/proxy.log"

server via "$far" ", proxy '$PROXY'"
sql -c "SELECT count(*) FROM g_via" >/dev/null
check "the proxy option is used: CONNECT reached it" \
	grep -q '^CONNECT oktafdw-ambient-test.invalid:443 ' "$DIR/proxy.log"
: > "$DIR/proxy.log"
server simvia "$OKTA_SIM_URL" ", proxy '$PROXY'"
out=$(sql -c "SELECT count(*) > 0 FROM g_simvia")
check "a loopback org goes direct with the proxy option set (got: ${out//$'\n'/ })" \
	test "$out" = t
check "... and nothing reached the proxy" test ! -s "$DIR/proxy.log"

check "no TLS secret in SSLKEYLOGFILE ($(cat "$DIR/keylog" 2>/dev/null | wc -l) lines)" \
	test ! -s "$DIR/keylog"

psql -X -q -c "DROP DATABASE $DB" >/dev/null
rm -f "$PG_CLUSTER_CONF_ROOT/$ver/regress/environment"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# make demo: from a fresh clone, install what is missing, build, install,
# start a throwaway PostgreSQL and the Okta simulator with a generated org,
# and run the queries a user would run (test/demo.sql).  Asks nothing.
#   KEEP=1          leave the cluster and the simulator running, print the
#                   psql line to connect; make demo-stop stops them
#   DEMO_USERS=N    the simulated org's size (2000)
#   test/demo.sh stop    what make demo-stop runs
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
USERS=${DEMO_USERS:-2000}
# KEEP=1's directory: a fixed name, so that make demo-stop finds it
KEPT=${TMPDIR:-/tmp}/oktafdw-demo
[ "${KEEP:-0}" = 0 ] && KEEP=

# the cluster: pg_virtualenv -t (a temporary directory, even as root) runs
# test/demo.sh cluster, which writes the connection into $WORK/pg_service.conf
# and waits; killing it (its pid in $WORK/cluster.pid) makes pg_virtualenv
# stop and remove the cluster
if [ "${1:-}" = cluster ]; then
	WORK=$2
	# psql service "oktafdw_demo": pg_virtualenv's host, port, user and
	# (random, throwaway) password, the demo's database
	umask 077
	printf '[oktafdw_demo]\nhost=%s\nport=%s\nuser=%s\npassword=%s\ndbname=oktafdw_demo\n' \
		"$PGHOST" "$PGPORT" "$PGUSER" "$PGPASSWORD" > "$WORK/pg_service.conf.tmp"
	mv "$WORK/pg_service.conf.tmp" "$WORK/pg_service.conf"
	echo $$ > "$WORK/cluster.pid"
	exec sleep infinity
fi

# stop: the kept cluster and simulator
stop_dir() {
	local dir=$1 pid
	for f in cluster.pid org/pid; do
		pid=$(cat "$dir/$f" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null || true
	done
	# pg_virtualenv drops the cluster once its command has ended
	pid=$(cat "$dir/virtualenv.pid" 2>/dev/null) || pid=
	for _ in $(seq 1 100); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -rf "$dir"
}
if [ "${1:-}" = stop ]; then
	if [ -d "$KEPT" ]; then
		stop_dir "$KEPT"
		echo "stopped the demo's cluster and simulator, removed $KEPT"
	else
		echo "no demo kept running ($KEPT does not exist)"
	fi
	exit 0
fi

if [ -n "$KEEP" ] && [ -e "$KEPT" ]; then
	echo "a demo is already kept running in $KEPT: make demo-stop first"
	exit 1
fi
SUDO=
if [ "$(id -u)" != 0 ]; then
	if ! sudo -n true 2>/dev/null; then
		echo "make demo installs Debian packages and installs oktafdw into the system PostgreSQL:"
		echo "it needs root, and asks for no password.  Run it as root (sudo make demo), or"
		echo "after sudo -v in the same terminal."
		exit 1
	fi
	SUDO="sudo -n"
fi

missing=$(test/deps.sh --demo --missing)
libdir=$(pg_config --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)
sharedir=$(pg_config --sharedir 2>/dev/null || echo /usr/share/postgresql/15)
cat <<EOF
make demo will:
  1. install the Debian packages it needs that are missing (apt-get, as root):
       ${missing:-none is missing}
     (make test needs more: test/deps.sh installs them)
  2. build oktafdw and install it (make install, as root) into the system PostgreSQL:
       $libdir and $sharedir/extension
  3. generate a simulated Okta org of $USERS users and serve it on 127.0.0.1 (a free port)
  4. start a throwaway PostgreSQL cluster (pg_virtualenv, in a temporary directory)
  5. run the queries of test/demo.sql there, then $(if [ -n "$KEEP" ]; then
	echo "leave both running (KEEP=1)"; else
	echo "remove both (make demo KEEP=1 keeps them)"; fi)

EOF
[ -z "$missing" ] || test/deps.sh --demo
make -s
$SUDO make -s install >/dev/null

if [ -n "$KEEP" ]; then
	WORK=$KEPT
	mkdir "$WORK"
else
	WORK=$(mktemp -d /tmp/oktafdw-demo.XXXXXX)
fi
# stopped on the way out, unless KEEP=1 got to the end
trap 'stop_dir "$WORK"' EXIT
chmod 755 "$WORK"
echo "generating a simulated Okta org of $USERS users ..."
"$PY" test/sim/oktasim.py init "$WORK/org" --users "$USERS" --groups 25 >/dev/null
# setsid: KEEP=1's simulator and cluster outlive this script and its terminal
setsid "$PY" test/sim/oktasim.py serve "$WORK/org" --port 0 > "$WORK/sim.log" 2>&1 < /dev/null &
for _ in $(seq 1 100); do [ -s "$WORK/org/port" ] && break; sleep 0.1; done
[ -s "$WORK/org/port" ] || { echo "the simulator did not start: $WORK/sim.log"; cat "$WORK/sim.log"; exit 1; }
export OKTA_SIM_DIR="$WORK/org"
export OKTA_SIM_URL="https://localhost:$(cat "$WORK/org/port")"
# a week of sign-ins in the System Log
"$PY" test/sim/oktasim.py ctl "$WORK/org" log-seed 3000 days=7 seed=1 >/dev/null
echo "Okta simulator at $OKTA_SIM_URL"

# a port no other cluster uses: pg_virtualenv -t would take 5432 even when
# another throwaway cluster has its socket there
PGPORT=$("$PY" -c '
import os, random, socket
for port in random.sample(range(54320, 55320), 1000):
    if os.path.exists("/var/run/postgresql/.s.PGSQL.%d" % port):
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
')
export PGPORT
echo "starting a throwaway PostgreSQL cluster on port $PGPORT ..."
setsid pg_virtualenv -t "$ROOT/test/demo.sh" cluster "$WORK" > "$WORK/cluster.log" 2>&1 < /dev/null &
vpid=$!
echo $vpid > "$WORK/virtualenv.pid"
for _ in $(seq 1 600); do
	[ -s "$WORK/pg_service.conf" ] && break
	kill -0 $vpid 2>/dev/null || break
	sleep 0.1
done
[ -s "$WORK/pg_service.conf" ] || { echo "the cluster did not start:"; cat "$WORK/cluster.log"; exit 1; }
export PGSERVICEFILE="$WORK/pg_service.conf"
psql -X -q "service=oktafdw_demo dbname=postgres" -c 'CREATE DATABASE oktafdw_demo'
echo
psql -X -v ON_ERROR_STOP=1 "service=oktafdw_demo" -f test/demo.sql
echo
if [ -n "$KEEP" ]; then
	trap - EXIT
	cat <<EOF
The cluster and the simulator keep running (KEEP=1).  Connect with:

  PGSERVICEFILE=$WORK/pg_service.conf psql service=oktafdw_demo

and try SELECT * FROM okta.users LIMIT 5; or \\d okta.users.  When done:

  make demo-stop        (stops both and removes $WORK)
EOF
else
	echo "done: the cluster and the simulator are stopped (make demo KEEP=1 keeps them running)"
fi

# Shared by the test scripts: a work directory, a running Okta simulator
# with a generated org, and the extension installed where a throwaway
# cluster loads it from.  Source it; call start_env USERS (or start_sim
# USERS for the simulator alone, as make installcheck does).
PY=/usr/bin/python3
# One locale whatever the caller's (CI's may have none): the throwaway
# clusters are made in it, so their databases are UTF-8 (psql counts "…" as
# one column only there; with no locale they were SQL_ASCII and ten tests'
# outputs differed) and text sorts the same everywhere.  Debian always has
# C.UTF-8.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LANGUAGE
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=
SIM_PID=

stop_env() {
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	[ -n "$WORK" ] && rm -rf "$WORK"
	WORK=
}

# start_sim USERS [serve options...]: the work directory and the simulator
start_sim() {
	local users=$1
	shift
	WORK=$(mktemp -d /tmp/oktafdw-test.XXXXXX)
	chmod 755 "$WORK"
	"$PY" "$ROOT/test/sim/oktasim.py" init "$WORK/org" --users "$users" >/dev/null
	"$PY" "$ROOT/test/sim/oktasim.py" serve "$WORK/org" --port 0 "$@" &
	SIM_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$WORK/org/port" ] && break
		sleep 0.1
	done
	[ -s "$WORK/org/port" ] || { echo "simulator did not start"; return 1; }
	export OKTA_SIM_DIR="$WORK/org"
	export OKTA_SIM_URL="https://localhost:$(cat "$WORK/org/port")"
	export OKTA_SIM_CTL="$PY $ROOT/test/sim/oktasim.py ctl $WORK/org"
}

# start_env USERS [serve options...]: start_sim, and the extension installed
start_env() {
	start_sim "$@" || return 1
	# Install into a private tree that the test cluster loads from
	# (extension_destdir, Debian's PostgreSQL): no root needed, and parallel
	# runs of different work trees do not see each other's builds.
	make -s -C "$ROOT" install DESTDIR="$WORK/inst" >/dev/null
	# and the test-only module (jsonb_bytes.sql), which make install leaves out
	make -s -C "$ROOT" install-test-module DESTDIR="$WORK/inst" >/dev/null
	chmod -R a+rX "$WORK/inst"
}

# a throwaway cluster (-t: in a temporary directory even as root) that
# loads the extension from $WORK/inst; runs "$@" inside it.  Debian's
# PostgreSQL up to 17 has extension_destdir; 18 has not, but has the
# upstream extension_control_path and dynamic_library_path.
in_cluster() {
	local pgc=${PG_CONFIG:-pg_config}

	if "$("$pgc" --bindir)/postgres" --describe-config 2>/dev/null | grep '^extension_destdir' >/dev/null; then
		pg_virtualenv -t -o "extension_destdir=$WORK/inst" "$@"
	else
		pg_virtualenv -t -o "extension_control_path=$WORK/inst$("$pgc" --sharedir):\$system" \
			-o "dynamic_library_path=$WORK/inst$("$pgc" --pkglibdir):\$libdir" "$@"
	fi
}

# in_cluster's options that preload the extension installed in $WORK/inst:
# shared_preload_libraries does not look in extension_destdir, so it is
# named by its path (CREATE EXTENSION's $libdir/oktafdw is then the same
# file, loaded once)
preload_opts() {
	echo "-o shared_preload_libraries=$WORK/inst$("${PG_CONFIG:-pg_config}" --pkglibdir)/oktafdw.so"
}

# check NAME COMMAND...: prints "ok - NAME" when COMMAND succeeds, else
# "FAILED - NAME", and counts it in $passed or $failed
check() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "FAILED - $name"
	fi
}

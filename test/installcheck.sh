#!/bin/bash
# `make installcheck`: the Makefile puts this script in front of PGXS's
# pg_regress command line, so the suite runs the PGXS way -- against the
# server of the environment (PGHOST, PGPORT, PGUSER: a superuser) with the
# extension installed there (make install) -- and still has its Okta
# simulator:
#   - unless one is running already (OKTA_SIM_URL set, as under make test),
#     it starts the simulator with a generated org (OKTA_SIM_USERS, 10000
#     by default) over HTTPS on localhost, and stops it afterwards; the
#     server must run on this machine, since it reaches the simulator on
#     localhost and reads the test CA and key files from the simulator's
#     directory under /tmp;
#   - the cron test runs only when the server preloads pg_cron for the
#     test database (shared_preload_libraries = 'pg_cron',
#     cron.database_name = 'contrib_regression'), and jsonb_bytes only when
#     the test-only module is installed (make install-test-module);
#     otherwise they are left out with a line saying why.
#
#   test/installcheck.sh PG_REGRESS [OPTIONS...] [TESTS...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

psql_bin=psql dbname=contrib_regression
for a in "$@"; do
	case $a in
		--bindir=*) [ -n "${a#--bindir=}" ] && psql_bin=${a#--bindir=}/psql ;;
		--dbname=*) dbname=${a#--dbname=}; dbname=${dbname%%,*} ;;
	esac
done
# a setting of the server (empty when unset or unknown)
setting() {
	"$psql_bin" -X -A -t -q -d postgres -c "SELECT current_setting('$1', true)" 2>/dev/null
}

if ! "$psql_bin" -X -A -t -q -d postgres -c 'SELECT 1' >/dev/null; then
	echo "make installcheck: cannot connect to the server (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=${PGUSER:-}); start one, or use make test"
	exit 2
fi

# the cron test needs pg_cron loaded at server start, for this database
cron_skip=
preload=$(setting shared_preload_libraries)
if ! [[ ",${preload// /}," =~ ,\"?pg_cron\"?, ]]; then
	cron_skip="the server does not preload pg_cron (shared_preload_libraries = '$preload')"
elif [ "$(setting cron.database_name)" != "$dbname" ]; then
	cron_skip="pg_cron runs jobs in database '$(setting cron.database_name)', not in $dbname (cron.database_name)"
fi
# the jsonb_bytes test needs the test-only module oktafdw_test, which make
# install never installs (make install-test-module does)
# (under make test, test/lib.sh has installed it where its cluster loads
# extensions from, extension_destdir, which pg_available_extensions does not
# list)
bytes_skip=
if [ -z "${OKTA_SIM_URL:-}" ] &&
	[ "$("$psql_bin" -X -A -t -q -d postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'oktafdw_test'" 2>/dev/null)" != 1 ]; then
	bytes_skip="the test-only module oktafdw_test is not installed (make install-test-module)"
fi
args=()
for a in "$@"; do
	if [ "$a" = cron ] && [ -n "$cron_skip" ]; then
		echo "cron: skipped: $cron_skip"
		continue
	fi
	if [ "$a" = jsonb_bytes ] && [ -n "$bytes_skip" ]; then
		echo "jsonb_bytes: skipped: $bytes_skip"
		continue
	fi
	args+=("$a")
done

if [ -n "${OKTA_SIM_URL:-}" ]; then
	"${args[@]}"
	exit
fi
# on our own (make test installs into a tree the server finds through
# extension_destdir, which pg_available_extensions does not list)
if [ "$("$psql_bin" -X -A -t -q -d postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'oktafdw'")" != 1 ]; then
	echo "make installcheck: oktafdw is not installed for this server's PostgreSQL; run make install first"
	exit 2
fi
. "$ROOT/test/lib.sh"
trap stop_env EXIT
start_sim "${OKTA_SIM_USERS:-10000}" || exit 2
echo "Okta simulator: $OKTA_SIM_URL (${OKTA_SIM_USERS:-10000} users, $OKTA_SIM_DIR)"
"${args[@]}"

#!/bin/bash
# The README's secrecy recipes, each shown to hold (and the leaks they guard
# against shown to be real, so the recipes are not tested against nothing).
#
#   pg_virtualenv -t -o logging_collector=on -o log_directory=LOGDIR \
#       -o shared_preload_libraries=pg_stat_statements ... \
#       test/secret_recipes.sh LOGDIR
#
# PostgreSQL itself writes a statement's text to the server log when the
# statement fails (log_min_error_statement = error by default) and every DDL
# statement when log_statement = ddl; pg_stat_statements keeps utility
# statements' text (track_utility = on by default).  A private key given
# inline in CREATE USER MAPPING goes wherever the statement's text goes:
#   1. the leaks: a duplicate mapping, a mapping for a missing role, a syntax
#      error and a statement in an aborted transaction put the key in the log
#      at default settings; log_statement = ddl logs a successful one;
#      pg_stat_statements keeps it;
#   2. the recipes: private_key_file keeps the key out of all three; for the
#      session that writes an inline key, log_min_error_statement = panic and
#      log_statement = none keep it out of the log, and
#      pg_stat_statements.track_utility = off out of pg_stat_statements;
#   3. a key read from private_key_file is wiped after use: a core dump of
#      the backend (gcore) after the validator and a scan has no line of it.
# Prints one line per check and "N passed, N failed"; never prints a secret.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
LOGDIR=${1:?usage: secret_recipes.sh LOGDIR}
: "${OKTA_SIM_DIR:?}" "${OKTA_SIM_URL:?}"
DB=oktafdw_recipes
KEY=$OKTA_SIM_DIR/client-rsa.pem
TMP=$(mktemp -d /tmp/oktafdw-recipes.XXXXXX)
chmod 777 "$TMP"
trap 'rm -rf "$TMP"' EXIT
# the key of section 3, never given inline here (an inline key stays in the
# catalog's pages in shared memory, which the core dump includes)
FILE_KEY=$OKTA_SIM_DIR/client-ec.pem
grep -v -e '^-----' -e '^$' "$KEY" > "$TMP/key_lines"
grep -v -e '^-----' -e '^$' "$FILE_KEY" > "$TMP/file_key_lines"
[ -s "$TMP/key_lines" ] && [ -s "$TMP/file_key_lines" ] || { echo "no key lines in $KEY"; exit 1; }

. test/lib.sh	# check
passed=0 failed=0
has_key() { grep -q -F -f "$TMP/key_lines" "$@" 2>/dev/null; }
no_key() { ! has_key "$@"; }
no_file_key() { ! grep -q -F -f "$TMP/file_key_lines" "$@" 2>/dev/null; }

psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" \
	-c "CREATE DATABASE $DB" >/dev/null || exit 1
run() {	# run SQL in a fresh session of $DB, key in :key, errors expected
	psql -X -q -d "$DB" -v key="$(cat "$KEY")" -v key_file="$KEY" \
		-v url="$OKTA_SIM_URL" -v ca="$OKTA_SIM_DIR/ca.pem" >"$TMP/psql.out" 2>&1
}
log_mark() {	# a line in the server log; wait until the collector wrote it
	local mark="recipe-mark-$(date +%s%N)" i
	psql -X -q -d "$DB" -c "DO \$\$BEGIN RAISE LOG '$mark'; END\$\$" >/dev/null
	for i in $(seq 100); do
		grep -q "$mark" "$LOGDIR"/* 2>/dev/null && break
		sleep 0.1
	done
	grep -q "$mark" "$LOGDIR"/* || { echo "the server log ($LOGDIR) does not grow"; exit 1; }
	echo "$mark"
}
log_since() {	# the server log after a mark
	sed -n "/$1/,\$p" "$LOGDIR"/*
}
pgss() {	# pg_stat_statements' texts
	psql -X -At -d "$DB" -c "SELECT query FROM pg_stat_statements" > "$TMP/pgss"
}

run <<'SQL'
CREATE EXTENSION oktafdw;
CREATE EXTENSION pg_stat_statements;
CREATE SERVER okta FOREIGN DATA WRAPPER oktafdw OPTIONS (org_url :'url', ca_file :'ca');
CREATE FOREIGN TABLE groups (id text, name text) SERVER okta OPTIONS (object 'groups');
SQL

# ---- 1. the leaks ------------------------------------------------------
leak() {	# leak WHAT, SQL on stdin: the key is in the log after it
	local m
	m=$(log_mark)
	run
	log_since "$m" > "$TMP/log"
	check "leak: $1 puts the key in the log" has_key "$TMP/log"
}
leak "a duplicate CREATE USER MAPPING at default settings" <<'SQL'
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
SQL
leak "a mapping for a missing role" <<'SQL'
CREATE USER MAPPING FOR no_such_role SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
SQL
leak "a syntax error" <<'SQL'
CREATE USER MAPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
SQL
leak "a statement in an aborted transaction" <<'SQL'
BEGIN;
SELECT 1/0;
ALTER USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (SET private_key :'key');
ROLLBACK;
SQL
leak "log_statement = ddl (a successful mapping statement)" <<'SQL'
SET log_statement = ddl;
ALTER USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (SET private_key :'key');
SQL
pgss
check "leak: pg_stat_statements (track_utility on) keeps the key" has_key "$TMP/pgss"

# ---- 2. the recipes ----------------------------------------------------
psql -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
m=$(log_mark)
run <<'SQL'
SET log_min_error_statement = panic;
SET log_statement = none;
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
CREATE USER MAPPING FOR no_such_role SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
CREATE USER MAPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key :'key');
BEGIN;
SELECT 1/0;
ALTER USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (SET private_key :'key');
ROLLBACK;
ALTER USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (SET private_key :'key');
SQL
log_since "$m" > "$TMP/log"
check "recipe: log_min_error_statement = panic, log_statement = none: no key in the log" no_key "$TMP/log"
check "... while the errors themselves were logged" grep -q "already exists" "$TMP/log"
psql -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
run <<'SQL'
SET pg_stat_statements.track_utility = off;
ALTER USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (SET private_key :'key');
SQL
pgss
check "recipe: pg_stat_statements.track_utility = off: no key in pg_stat_statements" no_key "$TMP/pgss"
check "... which still tracks queries" grep -q "pg_stat_statements_reset" "$TMP/pgss"
psql -X -q -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
m=$(log_mark)
run <<'SQL'
SET log_statement = ddl;
DROP USER MAPPING FOR CURRENT_USER SERVER okta;
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key_file :'key_file', key_id 'k1');
CREATE USER MAPPING FOR CURRENT_USER SERVER okta OPTIONS (client_id '0oaplain', private_key_file :'key_file', key_id 'k1');
SELECT count(*) > 0 AS ok FROM groups;
SQL
log_since "$m" > "$TMP/log"
pgss
check "recipe: private_key_file, log_statement = ddl and a failing duplicate: no key in the log" no_key "$TMP/log"
check "... the mapping statements were logged" grep -q "private_key_file" "$TMP/log"
check "recipe: private_key_file: no key in pg_stat_statements" no_key "$TMP/pgss"
check "... which kept the mapping statement" grep -q "private_key_file" "$TMP/pgss"
check "... and the scan through the key file worked" grep -q "^ t$" "$TMP/psql.out"

# ---- 3. a key read from a file is wiped --------------------------------
if command -v gcore >/dev/null; then
	run <<SQL
DROP USER MAPPING FOR CURRENT_USER SERVER okta;
CREATE USER MAPPING FOR CURRENT_USER SERVER okta
  OPTIONS (client_id '0oaec', private_key_file '$FILE_KEY', key_id 'e1');
SELECT count(*) > 0 AS ok FROM groups;
SELECT okta_reset();
SELECT count(*) > 0 AS ok FROM groups;
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! gcore -o $TMP/core "\$BACKEND_PID" >$TMP/gcore.out 2>&1
SQL
	core=$(ls "$TMP"/core.* 2>/dev/null | head -1)
	if [ -z "$core" ] && grep -q -i "ptrace: operation not permitted" "$TMP/gcore.out"; then
		# a container without CAP_SYS_PTRACE, or the kernel's Yama
		# ptrace_scope: the machine's rule, not the extension's fault
		echo "skipped - gcore may not attach to the backend on this machine (ptrace: Operation not permitted)"
	else
		check "a core dump of the backend was taken" test -s "$core"
		[ -s "$core" ] || sed 's/^/    gcore: /' "$TMP/gcore.out" | tail -n 5
		check "no line of a key read from private_key_file is left in the backend's memory" \
			eval '[ -s "$core" ] && no_file_key -a "$core"'
		check "... taken after the scans worked" test "$(grep -c '^ t$' "$TMP/psql.out")" = 2
	fi
	rm -f "$TMP"/core.*
else
	echo "skipped - the key-wiping check needs gdb's gcore (not installed here)"
fi

psql -X -q -c "DROP DATABASE $DB" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# The secrecy test (SPEC 2: no error message, log line, EXPLAIN output or
# function result ever contains a key, token, assertion or access token).
#
#   pg_virtualenv -t -o logging_collector=on -o log_directory=LOGDIR ... \
#       test/secrets.sh OUTDIR LOGDIR [MORE_FILES_OR_DIRS...]
#
# Runs inside a throwaway cluster whose server log goes to LOGDIR (the
# logging collector, so the log is where we say, not where pg_virtualenv or
# the distribution puts it).  It runs sql/setup.sql and test/secrets.sql in
# a fresh database with client_min_messages and log_min_messages at debug5,
# then looks for every secret of the whole test run in
#   - the psql output of that session (OUTDIR/secrets.out),
#   - every file in LOGDIR (the server log, debug5 included),
#   - MORE_FILES_OR_DIRS (run_tests.sh passes the pg_regress results of the
#     regression tests, faults included);
# the secrets are the PEM body lines of every private key in $OKTA_SIM_DIR,
# the API token of clients.json and a wrong one this script makes up, and
# every access token the simulator issued and every client assertion, DPoP
# proof and Authorization credential it received during the run
# ($OKTA_SIM_DIR/secrets.log, written by `oktasim.py serve --record-secrets`).
# A canary line proves that the debug5 output reached both the psql output
# and the server log, so the search cannot pass by looking at nothing.
#
# Prints one line per check and "N passed, N failed"; exits 1 on a failure.
# Never prints a secret: a finding is reported as file:line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUTDIR=${1:?usage: secrets.sh OUTDIR LOGDIR [MORE...]}
LOGDIR=${2:?usage: secrets.sh OUTDIR LOGDIR [MORE...]}
shift 2
MORE=("$@")
: "${OKTA_SIM_DIR:?}" "${OKTA_SIM_URL:?}" "${OKTA_SIM_CTL:?}"
SIMLOG=$OKTA_SIM_DIR/secrets.log
DB=oktafdw_secrets
PY=/usr/bin/python3
mkdir -p "$OUTDIR"

. test/lib.sh	# check
passed=0 failed=0

canary=canary$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
wrong_token=00wrong$(od -An -N16 -tx8 /dev/urandom | tr -d ' ')
sim_before=$( [ -f "$SIMLOG" ] && wc -l < "$SIMLOG" || echo 0)

# ---- the session -------------------------------------------------------
started=$(date +%s)
psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" \
	-c "CREATE DATABASE $DB" >/dev/null
PGOPTIONS="-c client_min_messages=debug5 -c log_min_messages=debug5" \
	psql -X -a -d "$DB" -v canary="$canary" -v wrong_token="$wrong_token" \
	-f sql/setup.sql -f test/secrets.sql > "$OUTDIR/secrets.out" 2>&1
psql_rc=$?
echo "(debug5 session: $(( $(date +%s) - started )) s, $(wc -l < "$OUTDIR/secrets.out") lines of psql output)"
check "psql ran test/secrets.sql to its end" \
	grep -q "secrets canary end $canary" "$OUTDIR/secrets.out"
[ $psql_rc -eq 0 ] || echo "psql exited with $psql_rc"
check "the session's errors are in its output (the failures did happen)" \
	test "$(grep -c 'ERROR:' "$OUTDIR/secrets.out")" -ge 30

# the logging collector writes asynchronously: wait for the last line
for _ in $(seq 1 100); do
	grep -rqs "secrets canary end $canary" "$LOGDIR" && break
	sleep 0.1
done
check "the server log has the session's debug5 output (start and end canary)" \
	bash -c 'grep -rqs "secrets canary start $1" "$2" && grep -rqs "secrets canary end $1" "$2"' \
	_ "$canary" "$LOGDIR"
check "the server log has the session's errors" \
	test "$(cat "$LOGDIR"/* 2>/dev/null | grep -c 'ERROR:')" -ge 30
echo "(server log: $(cat "$LOGDIR"/* 2>/dev/null | wc -l) lines in $LOGDIR)"

# ---- the secrets ---------------------------------------------------------
PAT=$OUTDIR/patterns
mkdir -p "$PAT"
: > "$PAT/private_keys"
for f in "$OKTA_SIM_DIR"/*.pem; do
	grep -q "PRIVATE KEY-----" "$f" || continue
	# body lines only (not the BEGIN/END lines, nor Proc-Type/DEK-Info)
	grep -v -e '^-----' -e ':' "$f" | awk 'length($0) >= 20' >> "$PAT/private_keys"
done
"$PY" - "$OKTA_SIM_DIR/clients.json" "$wrong_token" > "$PAT/api_tokens" <<'EOF'
import json, sys
print(json.load(open(sys.argv[1]))["api_token"])
print(sys.argv[2])
EOF
# secrets.log's credentials, one pattern file per class
"$PY" test/secret_patterns.py "$SIMLOG" "$PAT"
sim_new=$(tail -n +"$((sim_before + 1))" "$SIMLOG" 2>/dev/null | cut -d' ' -f1 | sort -u | tr '\n' ' ')
check "the simulator recorded this session's credentials (${sim_new:-none})" \
	bash -c '[[ "$1" == *access_token* && "$1" == *client_assertion* && "$1" == *dpop_proof* && "$1" == *authorization* ]]' _ "$sim_new"
for c in private_keys api_tokens access_tokens client_assertions dpop_proofs credentials_received; do
	echo "($c: $(wc -l < "$PAT/$c") strings to look for)"
done

# ---- the search ----------------------------------------------------------
# The server log is split into the STATEMENT records (the text of a failed
# statement, logged by PostgreSQL: log_min_error_statement) and the rest
# (messages, details, hints, contexts, debug lines), reported apart; each
# line keeps its place as "FILE:LINE<TAB>" in front, a STATEMENT line also
# the SQLSTATE of the error it belongs to (HV...: the extension's).
LOGSTMT=$OUTDIR/serverlog-statements
LOGREST=$OUTDIR/serverlog-messages
find "$LOGDIR" -type f | sort | xargs awk -v st="$LOGSTMT" -v ot="$LOGREST" '
	FNR == 1 { kind = "rest" }
	/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / {
		kind = ($0 ~ / STATEMENT:  /) ? "stmt" : "rest"
		if (match($0, / ERROR:  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]: /))
			code = substr($0, RSTART + 9, 5)
	}
	kind == "stmt" { print FILENAME ":" FNR " (the statement of an error " code ")\t" $0 > st }
	kind == "rest" { print FILENAME ":" FNR "\t" $0 > ot }'
touch "$LOGSTMT" "$LOGREST"

# grep -F: every string of a class at once; report FILE:LINE, never the match
findings() {	# findings PATTERNFILE PLACE...
	[ -s "$1" ] || return 0
	local pat=$1 f
	shift
	for f in "$@"; do
		case $f in
		"$LOGSTMT" | "$LOGREST")
			grep -hF -f "$pat" -- "$f" | cut -f1 ;;
		*)
			grep -rHnF -f "$pat" -- "$f" | cut -d: -f1,2 ;;
		esac
	done 2>/dev/null | sort -u
}
search() {	# search CLASS PLACE_NAME PLACE...
	local class=$1 place=$2
	shift 2
	local hits
	hits=$(findings "$PAT/$class" "$@")
	if [ -n "$hits" ]; then
		echo "$class found in the $place at:"
		# FILE:N[ note] lines -> FILE:A-B[ note], consecutive lines merged
		echo "$hits" | sort -t: -k1,1 -k2,2n | awk '
			{ f = $0; sub(/:.*/, "", f); r = substr($0, length(f) + 2); n = r + 0
			  note = r; sub(/^[0-9]+/, "", note) }
			f == pf && note == pnote && n == last + 1 { last = n; next }
			NR > 1 { print "    " pf ":" first (last > first ? "-" last : "") pnote }
			{ pf = f; pnote = note; first = last = n }
			END { if (NR) print "    " pf ":" first (last > first ? "-" last : "") pnote }' |
			head -n 20
		return 1
	fi
	return 0
}
# the search itself works: it finds secrets planted in a file of its own
# (a key line inside a message, a token's signature alone)
planted=$OUTDIR/planted.txt
{
	echo "ERROR:  something $(sed -n 5p "$PAT/private_keys") happened"
	echo "DETAIL:  sig=$(head -n 1 "$PAT/access_tokens" | awk -F. '{print $NF}')."
} > "$planted"
check "the search finds planted secrets" \
	test "$(findings "$PAT/private_keys" "$planted" | wc -l) $(findings "$PAT/access_tokens" "$planted" | wc -l)" = "1 1"
rm -f "$planted"

places=("psql output|$OUTDIR/secrets.out"
	"server log (messages)|$LOGREST"
	"server log (STATEMENT of a refused statement)|$LOGSTMT")
[ ${#MORE[@]} -gt 0 ] && places+=("regression test output|${MORE[*]}")
for c in private_keys api_tokens access_tokens client_assertions dpop_proofs credentials_received; do
	check "$c: at least one to look for" test -s "$PAT/$c"
	for p in "${places[@]}"; do
		name=${p%%|*}
		read -r -a where <<< "${p#*|}"
		check "no $c in the $name" search "$c" "$name" "${where[@]}"
	done
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

#!/bin/bash
# make test: no two-way calls between the module's files, client unit tests,
# simulator self-tests, then the pg_regress suite against a throwaway cluster
# (pg_virtualenv) and the Okta simulator, the secrecy test, META.json and the
# documentation's links, and a memory soak smoke.  The last line sums them
# all up.
#   ONLY_REGRESS=1  skip the calls, unit, simulator, fuzz, soak and bench steps
#                   (while developing)
#   REGRESS="a b"   run these regression tests only (setup always first);
#                   naming "secrets", "ambient" or "budget" among them runs
#                   that step too
#   KEEP_RESULTS=1  keep pg_regress's results/*.out in ./results (they are
#                   kept anyway when a test fails)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${OKTA_SIM_USERS:-10000}

status=0
step() { printf '\n=== %s ===\n' "$*"; }
OUT=$(mktemp /tmp/oktafdw-test-out.XXXXXX)
# cluster_step TITLE [CLUSTER-OPTIONS] CMD...: a step run in a throwaway
# cluster (in_cluster, test/lib.sh), its output kept for the closing count
cluster_step() {
	step "$1"
	shift
	if in_cluster "$@" 2>&1 | tee -a "$OUT"; then :; else
		status=1
	fi
}

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "calls between files (test/check_calls.sh over the module's objects)"
	if make -s check-calls 2>&1 | tee -a "$OUT"; then
		echo "1 passed, 0 failed" | tee -a "$OUT"
	else
		echo "0 passed, 1 failed" | tee -a "$OUT"
		status=1
	fi

	step "client unit tests"
	make -s unit 2>&1 | tee -a "$OUT" || status=1

	step "client unit tests under valgrind and ASan/UBSan"
	make -s valgrind-unit 2>&1 | tee -a "$OUT" || status=1
	make -s asan-unit 2>&1 | tee -a "$OUT" || status=1

	step "fuzz smoke (libFuzzer, ${FUZZ_SMOKE_SECONDS:-8}s per harness; make fuzz runs longer)"
	make -s fuzz-smoke 2>&1 | tee -a "$OUT" || status=1

	step "simulator self-tests"
	test/sim/run_tests.sh 2>&1 | tee -a "$OUT" || status=1
fi

step "regression tests (pg_regress, ${USERS}-user simulated org)"
. test/lib.sh
keep_results() {
	if [ -n "$WORK" ] && [ -d "$WORK/regress/results" ]; then
		rm -rf results
		cp -r "$WORK/regress/results" results
		[ -f "$WORK/secrets/secrets.out" ] && cp "$WORK/secrets/secrets.out" results/
	fi
	return 0
}
cleanup() {
	[ -n "${KEEP_RESULTS:-}" ] && keep_results
	stop_env
	rm -f "$OUT"
}
trap cleanup EXIT
# --record-secrets: the simulator notes every token it issues and every
# assertion/proof/credential it receives, for the secrecy test below
start_env "$USERS" --record-secrets

# pg_regress writes its results under $WORK
mkdir -p "$WORK/regress"
chmod 777 "$WORK/regress"
regress_args=()
run_secrets=1
run_ambient=1
run_budget=1
if [ -n "${REGRESS:-}" ]; then
	picked=" $REGRESS "
	[[ $picked == *" secrets "* ]] || run_secrets=
	[[ $picked == *" ambient "* ]] || run_ambient=
	[[ $picked == *" budget "* ]] || run_budget=
	picked=${picked// secrets / }
	picked=${picked// ambient / }
	picked=${picked// budget / }
	picked=$(echo $picked)
	regress_args=("REGRESS=setup ${picked#setup}")
fi
# pg_cron runs the scheduled-refresh test's jobs in background workers;
# where it is not installed (no postgresql-NN-cron for this version), the
# cluster goes without it and test/installcheck.sh skips the cron test
cron_opts=()
if [ -f "$(${PG_CONFIG:-pg_config} --pkglibdir)/pg_cron.so" ]; then
	cron_opts=(-o shared_preload_libraries=pg_cron -o cron.database_name=contrib_regression
		-o cron.use_background_workers=on)
fi
if in_cluster "${cron_opts[@]}" \
		make -s installcheck "${regress_args[@]}" \
		REGRESS_OPTS="--inputdir=. --outputdir=$WORK/regress --dbname=contrib_regression" 2>&1 | tee -a "$OUT"; then :; else
	status=1
	if [ -f "$WORK/regress/regression.diffs" ]; then
		cp "$WORK/regress/regression.diffs" regression.diffs
		keep_results
		head -n 300 regression.diffs
		echo "(full diff in regression.diffs, results in results/)"
	fi
fi

# The secrecy test, a step of its own: a second throwaway cluster whose log
# goes where we say (the logging collector into $WORK/secrets/log); a debug5
# session runs every credential failure and fault, then test/secrets.sh looks
# for every key, token, assertion and proof of this whole run in that
# session's output, its server log and the regression tests' results.
if [ -n "$run_secrets" ]; then
	mkdir -p "$WORK/secrets/log"
	chmod 777 "$WORK/secrets" "$WORK/secrets/log"
	cluster_step "secrecy test (test/secrets.sh)" -o logging_collector=on \
		-o "log_directory=$WORK/secrets/log" -o log_filename=postgresql.log \
		test/secrets.sh "$WORK/secrets" "$WORK/secrets/log" "$WORK/regress/results"
fi

# the postmaster's environment does not reach libcurl: the cluster
# restarted with proxy variables and SSLKEYLOGFILE set (test/ambient.sh)
if [ -n "$run_ambient" ]; then
	cluster_step "proxy variables and SSLKEYLOGFILE of the postmaster (test/ambient.sh)" \
		test/ambient.sh "$WORK/ambient"
fi

# one rate-limit budget per org across backends: 8 backends scan users at
# once in a cluster that preloads oktafdw, against a users bucket of 60
# requests per 10 s; no 429, and together at least 90% of the limit
# (test/bench/rate_share.sh; make bench prints it with and without preloading)
if [ -n "$run_budget" ]; then
	cluster_step "one rate-limit budget for all backends (test/bench/rate_share.sh, oktafdw preloaded)" \
		$(preload_opts) env CHECK=1 test/bench/rate_share.sh
fi

# The README's secrecy recipes (test/secret_recipes.sh): the ways PostgreSQL
# itself logs a mapping's key shown to be real, each recipe shown to hold,
# and a key read from private_key_file gone from the backend's memory.
if [ -n "$run_secrets" ]; then
	mkdir -p "$WORK/recipes/log"
	chmod 777 "$WORK/recipes" "$WORK/recipes/log"
	cluster_step "secrecy recipes (test/secret_recipes.sh)" \
		-o logging_collector=on -o shared_preload_libraries=pg_stat_statements \
		-o "log_directory=$WORK/recipes/log" -o log_filename=postgresql.log \
		test/secret_recipes.sh "$WORK/recipes/log"
fi

# make demo's SQL (test/demo.sql) in a throwaway cluster: its output must
# show each step and no NOTICE, and no key material, token, assertion or
# proof (test/demo_secrets.sh, against this run's --record-secrets)
if [ -z "${REGRESS:-}" ]; then
	cluster_step "the demo: its steps, and no secret (test/demo_secrets.sh)" \
		test/demo_secrets.sh "$WORK/demo.out"
fi

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "PGXN: META.json against the Meta Spec 1.0.0, and make dist (test/meta.py)"
	/usr/bin/python3 test/meta.py 2>&1 | tee -a "$OUT" || status=1
fi

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "documentation: relative links and anchors, doc/*.svg well-formed (test/doc_links.py)"
	/usr/bin/python3 test/doc_links.py 2>&1 | tee -a "$OUT" || status=1
fi

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "memory soak (smoke: 20 scans; make soak runs 200)"
	[ -n "${KEEP_RESULTS:-}" ] && keep_results
	stop_env
	test/soak.sh 20 2>&1 | grep -E '^(soak:|[0-9]+ passed)' | tee -a "$OUT" || status=1
fi

if [ -z "${ONLY_REGRESS:-}" ]; then
	step "benchmark smoke (make bench QUICK=1: 5,000 users; make bench runs 100,000)"
	if make -s bench QUICK=1 > "$OUT.bench" 2>&1; then
		grep -E '^[0-9] |ratio|^#' "$OUT.bench" || true
		echo "1 passed, 0 failed" | tee -a "$OUT"
	else
		tail -n 30 "$OUT.bench"
		echo "0 passed, 1 failed" | tee -a "$OUT"
		status=1
	fi
	rm -f "$OUT.bench"
fi

# one closing line for everything: the suites' own counts, plus one per
# pg_regress test (15 prints "test NAME ... ok", 16 and later "ok N - NAME")
passed=0 failed=0
while read -r p f; do
	passed=$((passed + p)); failed=$((failed + f))
done < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*$/\1 \2/p' "$OUT")
passed=$((passed + $(grep -cE '^(ok [0-9]+ +[-+] |test .* ok )' "$OUT" || true)))
failed=$((failed + $(grep -cE '^(not ok [0-9]+ +[-+] |test .* FAILED)' "$OUT" || true)))
[ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1
# what failed, again at the end, where a CI log's tail shows it
if [ $failed -gt 0 ]; then
	echo
	echo "what failed (the lines above that say so):"
	grep -E '^(FAIL|FAILED|not ok [0-9]+ )|^test .* FAILED|^[0-9]+ passed, [1-9][0-9]* failed|^FAILED[: -]|^  .* [1-9][0-9]* failed$|^make(\[[0-9]+\])?: \*\*\*' "$OUT" |
		head -n 60 || true
fi
echo
echo "$passed passed, $failed failed"
[ $status -eq 0 ] && [ $failed -eq 0 ]

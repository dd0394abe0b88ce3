#!/bin/bash
# Run libFuzzer harnesses for a fixed time each, on a scratch copy of their
# seed corpora, and print one line per harness plus "N passed, N failed".
#
#   test/fuzz/run_fuzzers.sh SECONDS  test/fuzz/build/fuzz_link ...
#   test/fuzz/run_fuzzers.sh replay   test/fuzz/build/fuzz_link ...
#
# SECONDS: fuzz each harness that long, starting from test/fuzz/corpus/<name>/
# (crash-* files left out: those are known bugs, replayed by "replay").
# A crash, leak, timeout or sanitizer report fails the harness; the
# crashing input is kept in test/fuzz/artifacts/.
#
# SECONDS 0 with FUZZ_MIN_EXECS=N (make fuzz-long): each harness runs N
# executions, however long that takes, and fails if it ran fewer.
#
# Environment: FUZZ_JOBS (harnesses run at once, default 2), FUZZ_SCRATCH
# (scratch directory, default a fresh /tmp/oktafdw-fuzz.XXXXXX, removed
# afterwards unless FUZZ_KEEP=1), FUZZ_ARGS (extra libFuzzer flags).
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_DIR=test/fuzz
mode=${1:?usage: run_fuzzers.sh SECONDS|replay BINARY...}
shift
jobs=${FUZZ_JOBS:-2}
case "$jobs" in '' | *[!0-9]* | 0) jobs=1 ;; esac
ARTIFACTS=$FUZZ_DIR/artifacts
mkdir -p "$ARTIFACTS"

# per-harness libFuzzer options: input size bounds and a per-input timeout
# (key parsing in OpenSSL is the slow part of fuzz_pem)
opts_for() {
	case "$1" in
		fuzz_link) echo "-max_len=2048 -timeout=10" ;;
		fuzz_page) echo "-max_len=16384 -timeout=10" ;;
		fuzz_search) echo "-max_len=4096 -timeout=10" ;;
		fuzz_pem) echo "-max_len=6144 -timeout=20" ;;
		*) echo "-timeout=10" ;;
	esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---- replay: run every crash-* input of every harness ----
if [ "$mode" = replay ]; then
	passed=0 failed=0
	for bin in "$@"; do
		name=$(basename "$bin")
		for f in "$FUZZ_DIR/corpus/$name"/crash-*; do
			[ -e "$f" ] || continue
			if "$bin" $(opts_for "$name") -runs=1 "$f" >/tmp/oktafdw-replay.$$ 2>&1; then
				echo "ok   $name $(basename "$f") (no longer crashes)"
				passed=$((passed + 1))
			else
				echo "FAIL $name $(basename "$f")"
				grep -E 'ERROR:|SUMMARY:|runtime error:|^    #[0-9]+ ' /tmp/oktafdw-replay.$$ |
					grep -vE 'fuzzer::|__sanitizer_|libc\.so|libc_start|in _start |in main \(' |
					head -n 20 | sed 's/^/     /'
				failed=$((failed + 1))
			fi
		done
	done
	rm -f /tmp/oktafdw-replay.$$
	echo "$passed passed, $failed failed"
	exit $((failed > 0))
fi

case "$mode" in
	'' | *[!0-9]*) echo "run_fuzzers.sh: SECONDS must be a number" >&2; exit 2 ;;
esac
seconds=$mode
min_execs=${FUZZ_MIN_EXECS:-0}
case "$min_execs" in '' | *[!0-9]*) echo "run_fuzzers.sh: FUZZ_MIN_EXECS must be a number" >&2; exit 2 ;; esac
runs_arg=
[ "$min_execs" -gt 0 ] && runs_arg="-runs=$min_execs"

if [ -n "${FUZZ_SCRATCH:-}" ]; then
	scratch=$FUZZ_SCRATCH
	mkdir -p "$scratch"
else
	scratch=$(mktemp -d /tmp/oktafdw-fuzz.XXXXXX)
fi
[ "${FUZZ_KEEP:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT

# run one harness; its log is $scratch/<name>.log, its status <name>.rc
run_one() {
	local bin=$1 name corpus dict start
	name=$(basename "$bin")
	corpus=$scratch/$name/corpus
	rm -rf "$scratch/$name"
	mkdir -p "$corpus"
	# the committed seeds, minus known crashers
	find "$FUZZ_DIR/corpus/$name" -maxdepth 1 -type f ! -name 'crash-*' \
		-exec cp {} "$corpus/" \; 2>/dev/null
	dict=
	[ -f "$FUZZ_DIR/$name.dict" ] && dict="-dict=$FUZZ_DIR/$name.dict"
	start=$(date +%s)
	# shellcheck disable=SC2046,SC2086
	"$bin" $(opts_for "$name") $dict -max_total_time="$seconds" $runs_arg \
		-print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
		${FUZZ_ARGS:-} "$corpus" >"$scratch/$name.log" 2>&1
	echo $? >"$scratch/$name.rc"
	echo $(($(date +%s) - start)) >"$scratch/$name.secs"
}

names=()
for bin in "$@"; do
	[ -x "$bin" ] || { echo "run_fuzzers.sh: $bin is not built" >&2; exit 2; }
	names+=("$(basename "$bin")")
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$bin" &
done
wait

passed=0 failed=0
for name in "${names[@]}"; do
	log=$scratch/$name.log
	rc=$(cat "$scratch/$name.rc" 2>/dev/null || echo 1)
	getstat() { sed -nE "s/^stat::$1: *([0-9]+).*/\1/p" "$log" | tail -n 1; }
	execs=$(getstat number_of_executed_units)
	eps=$(getstat average_exec_per_sec)
	# the last status line: "#N  DONE  cov: C ft: F corp: K/S ..."
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
	corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
	seeds=$(find "$FUZZ_DIR/corpus/$name" -maxdepth 1 -type f ! -name 'crash-*' 2>/dev/null | wc -l)
	secs=$(cat "$scratch/$name.secs" 2>/dev/null || echo "$seconds")
	info=$(printf '%4ss %10s execs %7s/s  cov %-5s ft %-6s corpus %s->%s' \
		"$secs" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$seeds" "${corp:-?}")
	if [ "${execs:-0}" -lt "$min_execs" ]; then
		printf 'FAIL %-12s %s (fewer than %s executions)\n' "$name" "$info" "$min_execs"
		failed=$((failed + 1))
	elif [ "$rc" = 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		printf 'ok   %-12s %s\n' "$name" "$info"
		passed=$((passed + 1))
	else
		printf 'FAIL %-12s %s (exit %s)\n' "$name" "$info" "$rc"
		grep -E 'ERROR:|SUMMARY:|runtime error:|^    #[0-9]+ |Test unit written|^artifact_prefix' "$log" |
			grep -vE 'fuzzer::|__sanitizer_|libc\.so|libc_start|in _start |in main \(' |
			head -n 40 | sed 's/^/     /'
		cp "$log" "$ARTIFACTS/$name.log"
		echo "     full log: $ARTIFACTS/$name.log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

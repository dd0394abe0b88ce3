#!/bin/bash
# Run a test program under a memory checker and report two checks: the
# program's own result (its "N passed, N failed" line) and the checker's
# verdict (no errors, no definite/indirect leaks).
#
#   test/fuzz/memcheck.sh valgrind "VALGRIND FLAGS" PROGRAM ARGS...
#   test/fuzz/memcheck.sh asan     ""               PROGRAM ARGS...
#
# The program's summary line is printed indented (so that it is not counted
# twice by test/run_tests.sh); the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
tool=${1:?usage: memcheck.sh valgrind|asan FLAGS PROGRAM ARGS...}
flags=$2
shift 2
prog=$1
tmp=$(mktemp -d /tmp/oktafdw-memcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

case "$tool" in
	valgrind)
		# shellcheck disable=SC2086
		valgrind $flags --log-file="$tmp/checker.log" "$@" >"$tmp/out" 2>&1
		rc=$?
		;;
	asan)
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:log_path=$tmp/checker.log} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$tmp/checker.log} \
			"$@" >"$tmp/out" 2>&1
		rc=$?
		cat "$tmp"/checker.log* >"$tmp/checker.all" 2>/dev/null
		mv "$tmp/checker.all" "$tmp/checker.log"
		;;
	*)
		echo "memcheck.sh: unknown tool $tool" >&2
		exit 2
		;;
esac
elapsed=$((SECONDS - start))

# the program's output, its summary line indented
sed -E "s/^([0-9]+ passed, [0-9]+ failed)$/  $(basename "$prog") under $tool: \1/" "$tmp/out"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/out" | tail -n 1)

unit_ok=0
if [ -n "$summary" ] && [ "${summary#* passed, }" = "0 failed" ]; then
	# with valgrind, exit 99 means "checker errors" (judged below)
	if [ "$rc" = 0 ] || { [ "$tool" = valgrind ] && [ "$rc" = 99 ]; }; then
		unit_ok=1
	fi
fi

checker_ok=0
case "$tool" in
	valgrind)
		errs=$(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' "$tmp/checker.log" | tail -n 1)
		grep -E 'in use at exit|All heap blocks|definitely lost:|indirectly lost:|possibly lost:|still reachable:|ERROR SUMMARY' \
			"$tmp/checker.log" | sed -E 's/^==[0-9]+== */  valgrind: /'
		if [ "${errs:-x}" = 0 ] && [ "$rc" != 99 ]; then
			checker_ok=1
		else
			echo "  valgrind reported errors or leaks:"
			grep -vE '^==[0-9]+== *$' "$tmp/checker.log" | sed -n '/Command:/,$p' |
				head -n 150 | sed 's/^/    /'
		fi
		;;
	asan)
		if [ -s "$tmp/checker.log" ] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/out"; then
			echo "  sanitizer report:"
			sed '/^Shadow bytes/,$d' "$tmp/checker.log" | head -n 80 | sed 's/^/    /'
		else
			echo "  asan/ubsan: no reports"
			checker_ok=1
		fi
		;;
esac

[ "$unit_ok" = 1 ] || echo "FAIL $(basename "$prog") under $tool: exit status $rc, ${summary:-no summary line}"
[ "$checker_ok" = 1 ] || echo "FAIL $tool found memory errors or leaks"
echo "  ($tool run took ${elapsed}s)"
passed=$((unit_ok + checker_ok))
echo "$passed passed, $((2 - passed)) failed"
[ "$passed" = 2 ]

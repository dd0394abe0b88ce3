# Sourced by the shell tests that print one line per check and close with
# "N passed, N failed": check NAME COMMAND... counts COMMAND's success.
passed=0 failed=0
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

#!/bin/bash
# test/check_calls.sh FILE.o...
#
# No two files call into each other both ways.  From the object files' symbol
# tables (nm), each file's calls into the others are the functions it leaves
# undefined that another file defines.  Every pair of files in which each
# calls a function defined in the other is printed, with the functions, and
# the exit status is 1; otherwise the line "no two-way calls between N files"
# and 0.  Functions only (nm types T and W): data shared both ways is not
# counted.
#
#   test/check_calls.sh src/*.o src/client/*.o
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 FILE.o..." >&2
	exit 2
fi
for f in "$@"; do
	if [ ! -f "$f" ]; then
		echo "check_calls.sh: $f: no such file (build first)" >&2
		exit 2
	fi
done

# "D symbol file" for each function a file defines, "U symbol file" for
# each symbol it leaves undefined; nm -P prints "name type [value size]"
table=$(for f in "$@"; do
	nm -P "$f" | awk -v f="$f" '
		$2 == "U" { print "U", $1, f }
		$2 == "T" || $2 == "W" { print "D", $1, f }'
done)

# one line a pair: "a.o <-> b.o: a.o calls f g; b.o calls h"
pairs=$(echo "$table" | awk '
	$1 == "D" { def[$2] = $3; next }
	$1 == "U" { use[++nuse] = $2; user[nuse] = $3 }
	END {
		# calls[a, b]: the functions of b that a calls
		for (i = 1; i <= nuse; i++) {
			s = use[i]
			if (!(s in def) || def[s] == user[i])
				continue
			k = user[i] SUBSEP def[s]
			prev = (k in calls) ? calls[k] " " : ""
			calls[k] = prev s
		}
		for (k in calls) {
			split(k, ab, SUBSEP)
			a = ab[1]; b = ab[2]
			if (a < b && ((b SUBSEP a) in calls))
				printf "%s <-> %s: %s calls %s; %s calls %s\n", a, b, a, calls[k], b, calls[b SUBSEP a]
		}
	}' | sort)

if [ -n "$pairs" ]; then
	echo "$pairs"
	echo "$(echo "$pairs" | wc -l) pair(s) of files call into each other both ways"
	exit 1
fi
echo "no two-way calls between $# files"

#!/bin/sh
# make check: the table1 demo in quick mode; fails when its trend is not reproduced (77: skipped).
out=$("$top_builddir/demos/table1" --quick)
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || exit "$rc"
# Demo output is for people: an undefined value reads "-" or "n/a", never "nan".
if printf '%s\n' "$out" | grep -qiw nan; then
	echo "FAIL: nan in the output"
	exit 1
fi

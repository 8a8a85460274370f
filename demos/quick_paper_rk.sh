#!/bin/sh
# make check: the paper_rk demo in quick mode; fails when the finding is not reproduced.
out=$("$top_builddir/demos/paper_rk" --quick)
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || exit "$rc"
# Demo output is for people: an undefined value reads "-" or "n/a", never "nan".
if printf '%s\n' "$out" | grep -qiw nan; then
	echo "FAIL: nan in the output"
	exit 1
fi

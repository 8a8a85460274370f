#!/bin/sh
# run_destinations.sh — `run` checks where it will write before the first step (issue 13): a
# trace onto a directory or into a missing one, a snapshot into a missing directory or onto a
# file that is no snapshot are refused at once (exit 2, one line naming the option, nothing on
# stdout), not after a run of 10^9 steps; a read-only directory too, where the test is not root.
. "$top_srcdir/tests/e2e/run_lib.sh"

# refused ARGS... MESSAGE (last): exit 2, no row, stderr one line containing MESSAGE.
refused() {
	msg=$(eval echo "\${$#}")
	args=""
	while [ $# -gt 1 ]; do args="$args $1"; shift; done
	# shellcheck disable=SC2086
	"$LORASCOPE" run --steps 1000000000 $args >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$args: exit $rc, want 2"
	[ ! -s "$TMP/out" ] || fail "$args: the run started before the refusal"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -F -- "$msg" "$TMP/err" ||
		fail "$args: stderr '$(cat "$TMP/err")' lacks '$msg'"
}

mkdir "$TMP/dir"
: >"$TMP/file"
refused --trace "$TMP/dir" "--trace: $TMP/dir: is a directory"
refused --trace "$TMP/none/t.csv" "--trace: $TMP/none/t.csv: no directory $TMP/none to write it in"
refused --snapshot "$TMP/none/s" "--snapshot: $TMP/none/s: no directory $TMP/none to create it in"
refused --snapshot "$TMP/file" "--snapshot: $TMP/file: exists and is not a lorascope snapshot"
refused --trace "$TMP/t.csv" --snapshot "$TMP/file" "--snapshot: $TMP/file: exists and is not"
[ ! -e "$TMP/t.csv" ] || fail "a trace was created although the snapshot was refused"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
	refused --trace "$TMP/ro/t.csv" "--trace: $TMP/ro/t.csv: cannot write in $TMP/ro"
	refused --snapshot "$TMP/ro/s" "--snapshot: $TMP/ro/s: cannot write in $TMP/ro"
fi
echo "bad destinations refused before the first step"

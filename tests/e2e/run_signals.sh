#!/bin/sh
# run_signals.sh — `lorascope run` stopped by SIGINT, SIGTERM or SIGHUP (issue 13): it stops at
# a step boundary, writes the trace (its last row the step reached) and the snapshot of the
# steps done, prints the summary so far and exits 130/143/129; no temporary file survives,
# even with a second signal during the write. The trace opens in replay; the snapshot resumes.
. "$top_srcdir/tests/e2e/tui_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$TUI_TMP" || exit 1

# stop SIG NAME [TWICE]: a long run, signalled once it has written rows.
stop() {
	"$LORASCOPE" run --m 48 --n 40 --steps 100000000 --every 50 --baseline off --no-timing \
		--trace "$2.csv" --snapshot "$2.snap" >"$2.out" 2>"$2.err" &
	pid=$!
	end=$(( $(date +%s) + 30 ))
	until [ "$(grep -c '^ *[0-9]' "$2.out" 2>/dev/null)" -ge 3 ]; do
		[ "$(date +%s)" -le "$end" ] || { kill -9 $pid; fail "$2: no rows after 30 s"; }
		sleep 0.1
	done
	kill -s "$1" $pid
	[ -n "${3:-}" ] && kill -s "$1" $pid
	wait $pid
	echo $?
}

for s in INT:130 TERM:143 HUP:129; do
	sig=${s%:*} want=${s#*:}
	rc=$(stop "$sig" "$sig")
	[ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, want $want ($(cat "$sig.err"))"
	grep -q "interrupted by .* at step [0-9]*; writing what was done" "$sig.err" ||
		fail "SIG$sig: stderr $(cat "$sig.err")"
	last=$(sed -n 's/.*at step \([0-9]*\);.*/\1/p' "$sig.err")
	grep -q '^# lorascope' "$sig.csv" || fail "SIG$sig: no trace header"
	lastrow=$(awk -F, '/^[0-9]/ { s = $1 } END { print s }' "$sig.csv")
	[ "$lastrow" = "$last" ] || fail "SIG$sig: trace ends at step $lastrow, stopped at $last"
	grep -q '^verdict\|^diverged' "$sig.out" || fail "SIG$sig: no summary on stdout"
	[ -f "$sig.snap/manifest.json" ] || fail "SIG$sig: no snapshot"
done
# A second SIGINT while the files are written: the same outcome, nothing temporary left.
rc=$(stop INT twice yes)
[ "$rc" = 130 ] || fail "two SIGINTs: exit $rc"
[ -f twice.snap/manifest.json ] && grep -q '^[0-9]' twice.csv || fail "two SIGINTs: files missing"
[ -z "$(ls -a | grep -E '\.tmp|\.old-')" ] || fail "temporary files left: $(ls -a | grep -E '\.tmp|\.old-')"

# The snapshot continues where the run stopped; replay opens the trace.
"$LORASCOPE" run --resume INT.snap --steps 10 --every 10 --no-timing >resumed.out ||
	fail "resume of the interrupted snapshot"
step=$(sed -n 's/.*at step \([0-9]*\);.*/\1/p' INT.err)
grep -q "^ *$((step + 10)) " resumed.out || fail "resumed rows: $(cat resumed.out)"
tui_start 100 30 replay INT.csv
tui_wait 'REPLAY'
tui_keys q
tui_wait 'EXITED 0'
echo "SIGINT/SIGTERM/SIGHUP: 130/143/129, trace and snapshot of the steps done, no temporary file"

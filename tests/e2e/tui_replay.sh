#!/bin/sh
# tui_replay.sh — `lorascope replay TRACE` on a trace written by `lorascope run --trace`:
# the status shows row 1 (step 0, its loss), End the last row, Home the first again, Right
# one row on, Left one row back, PgDn a jump; the header names the trace and the status the
# trace's parameters (lambda and rank as run). The w key's trace replays as well; a bad
# trace is refused before the screen opens (exit 2, FILE:LINE); a preset's trace shows the
# preset's own shape (loud5 5x5).
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
"$LORASCOPE" run --m 12 --n 10 --rank 3 --true-rank 2 --lambda 0.05 --steps 200 --every 10 \
	--no-timing --trace t.csv >/dev/null || fail "run --trace failed"
rows=$(grep -c '^[0-9]' t.csv)
[ "$rows" -eq 21 ] || fail "expected 21 rows in the trace, got $rows"
# loss of row K (1-based) from the trace, the column found by name.
loss_of() {
	awk -F, -v k="$1" '/^step,/ { for (i = 1; i <= NF; i++) if ($i == "loss") c = i; next }
		/^[0-9]/ { if (++n == k) print $c }' t.csv
}
# the value shown in the status panel after LABEL compared with WANT (relative 1e-3).
close_to() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b;
		exit !(d <= 1e-3 * m + 1e-12) }'
}

tui_start 120 36 replay t.csv
tui_wait 'REPLAY'
tui_wait 'lorascope replay t\.csv'
tui_wait '│trace row +1 of 21'
[ "$(tui_value step)" = 0 ] || fail "home row: step $(tui_value step), not 0"
close_to "$(tui_value 'f(X)')" "$(loss_of 1)" || fail "row 1 loss $(tui_value 'f(X)') != $(loss_of 1)"
tui_wait '│λ +0\.05'
tui_wait '│r / r\* / s +3 / [0-9]+ / 1 ' # s from the recorded scaling (one), not nan

tui_keys End
tui_wait '│trace row +21 of 21'
[ "$(tui_value step)" = 200 ] || fail "end: step $(tui_value step), not 200"
close_to "$(tui_value 'f(X)')" "$(loss_of 21)" || fail "last row loss $(tui_value 'f(X)') != $(loss_of 21)"

tui_keys Home
tui_wait '│trace row +1 of 21'
tui_keys Right
tui_wait '│trace row +2 of 21'
[ "$(tui_value step)" = 10 ] || fail "right: step $(tui_value step), not 10"
close_to "$(tui_value 'f(X)')" "$(loss_of 2)" || fail "row 2 loss"
tui_keys Left
tui_wait '│trace row +1 of 21'
tui_keys NPage
tui_wait '│trace row +2 of 21'
tui_keys Right Right
tui_wait '│trace row +4 of 21'
[ "$(tui_value step)" = 30 ] || fail "step $(tui_value step), not 30"
tui_keys q
tui_wait '^EXITED 0$'

# The TUI's own trace (w) replays too.
tui_next
tui_start 120 36 --m 12 --n 10 --rank 3 --true-rank 2 --speed 0
tui_wait '│step +[1-9]'
tui_keys w
tui_wait 'trace written to lorascope-trace-step[0-9]+\.csv'
tui_keys q
tui_wait '^EXITED 0$'
f=$(ls lorascope-trace-step*.csv | head -n 1)
tui_next
tui_start 120 36 replay "$f"
tui_wait '│trace row +1 of [0-9]+'
tui_keys End
tui_wait 'REPLAY'
tui_keys q
tui_wait '^EXITED 0$'

# A preset's trace: the header gives the preset's own shape, not the --m/--n it records.
"$LORASCOPE" run --problem loud5 --steps 20 --every 10 --no-timing --trace l.csv >/dev/null ||
	fail "run loud5 --trace failed"
tui_next
tui_start 120 36 replay l.csv
tui_wait 'REPLAY'
tui_wait 'lorascope replay l\.csv  loud5 5x5  seed'
tui_keys q
tui_wait '^EXITED 0$'

# A broken trace: refused with its line, before the screen.
printf '# lorascope 0.1\n# lr=banana\nstep,loss\n0,1\n' >bad.csv
out=$("$LORASCOPE" replay bad.csv 2>&1 </dev/null)
[ $? -eq 2 ] || fail "bad trace: exit status not 2"
echo "$out" | grep -q 'bad.csv:2' || fail "bad trace message lacks FILE:LINE: $out"
exit 0

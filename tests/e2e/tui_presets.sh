#!/bin/sh
# tui_presets.sh — the presets (loud5 5×5, sense2x2 2×2) cannot hold the default rank 8: p
# reaches them at the rank they are built for (2, 1; MATH.md §9) and says so, leaves them at
# the user's rank again, and never sticks (F2's problem row too); r at rank 1 says it is the
# smallest. --problem loud5 alone starts at rank 2 (TUI and run), while an explicit --rank
# that does not fit is refused, exit 2, its reason on a line below the start-up line
# ("building loud5 5x5 ..."), which is wiped when the screen starts.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 120 40
tui_wait 'regime and verdict'
tui_wait 'approx 64x64  true rank 4'
for want in trace2 classify mlp; do
	tui_keys p
	tui_wait "^ lorascope  $want "
done
tui_keys p
tui_wait '^ lorascope  loud5 5x5  seed'
tui_wait 'mlp -> loud5, rank 8 -> 2'
tui_screen | grep -q 'r / r\* / s   2 / ' || fail "loud5 not at rank 2"
tui_keys p
tui_wait '^ lorascope  sense2x2 2x2  seed'
tui_wait 'loud5 -> sense2x2, rank 2 -> 1'
tui_keys r
tui_wait 'rank is already 1, the smallest'
tui_keys p
tui_wait '^ lorascope  sensing 64x64  true rank 4'
tui_wait 'sense2x2 -> sensing, rank 1 -> 8'
tui_screen | grep -q 'r / r\* / s   8 / ' || fail "sensing not back at rank 8"
# F2's problem row follows the same rule (the problem is its first row).
tui_keys F2
tui_wait 'setup \(F2\)'
tui_keys Enter C-u sense2x2 Enter
tui_wait 'sensing -> sense2x2, rank 8 -> 1'
tui_keys Escape
tui_keys q
tui_wait '^EXITED 0$'
tui_next

tui_start 120 40 --problem loud5
tui_wait '^ lorascope  loud5 5x5  seed'
tui_wait 'regime and verdict'
tui_screen | grep -q 'r / r\* / s   2 / ' || fail "--problem loud5 not at rank 2"
tui_keys q
tui_wait '^EXITED 0$'
tui_screen | grep -q 'building' && fail "the start-up line is left on the terminal after quitting"
tui_next

tui_start 120 40 --problem loud5 --rank 8
tui_wait '^EXITED 2$'
tui_screen | grep -q '^lorascope: --rank: 8 exceeds min(m, n) = 5' ||
	fail "--rank 8 on loud5: no reason given on a line of its own"
# What it was doing before the refusal (the start-up line; builds can take seconds).
tui_screen | grep -q '^lorascope: building loud5 5x5 (problem' || fail "no start-up line"
"$LORASCOPE" run --problem sense2x2 --steps 3 >"$TUI_TMP/o" || { echo "FAIL: run sense2x2"; exit 1; }
grep -q '^# problem sense2x2: 2x2 (1 module), r = 1$' "$TUI_TMP/o" ||
	{ echo "FAIL: run --problem sense2x2 not at rank 1"; head -3 "$TUI_TMP/o"; exit 1; }
"$LORASCOPE" run --problem loud5 --rank 6 --steps 3 >/dev/null 2>"$TUI_TMP/e"
[ $? -eq 2 ] || { echo "FAIL: run --problem loud5 --rank 6 not refused"; exit 1; }
exit 0

#!/bin/sh
# tui_diverge.sh — a step size far too large makes the run diverge: it pauses with a
# message and the DIVERGED flag; lowering η with e and resetting with x recovers (running
# again, η shown halved each time, no DIVERGED flag). The loss axis is not stretched to the
# blow-up's 1e300: the curve leaves at the top, marked.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2 --lr 5
tui_wait 'DIVERGED'
tui_wait 'diverged.*paused; lower the step size \(e\) and reset \(x\)'
tui_wait '│η +5 '
# The loss axis keeps the training before the blow-up (a million times the start at most).
tui_wait '\(diverged: off the top\)'
# The verdict panel's recovery hint, whole in its 32 columns.
tui_wait '│ paused; e lowers eta, x resets *│'
# 5 → 0.0195 after eight halvings, then reset.
for i in 1 2 3 4 5 6 7 8; do tui_keys e; done
tui_wait 'lr: 0.0390625 -> 0.0195312'
tui_wait '│η +0\.01953'
tui_keys x
tui_wait 'reset to step 0'
tui_wait 'RUNNING'
sleep 1
tui_screen | grep -q 'DIVERGED' && fail "still diverged after lowering eta and reset"
tui_keys q
tui_wait '^EXITED 0$'
exit 0

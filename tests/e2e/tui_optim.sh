#!/bin/sh
# tui_optim.sh — o cycles the optimisers in order, and reaching adamw says what its verdict
# means (decoupled decay is not descent on f + λ|X|_*, MATH.md §2), in the message line and
# beside its name in the status panel; the next o leaves the flag behind.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 120 40 --m 12 --n 10
tui_wait 'regime and verdict'
for want in sgd momentum adam; do
	tui_keys o
	tui_wait "│optimiser +$want +│"
done
tui_keys o
tui_wait "optimizer -> adamw: decoupled decay, not descent on f \\+ lambda\\|X\\|_\\*"
tui_wait '│optimiser +adamw \(decoupled\)'
tui_keys o
tui_wait '│optimiser +mk +│'
tui_screen | grep -q 'decoupled' && fail "the adamw flag stays after leaving adamw"
tui_keys q
tui_wait '^EXITED 0$'
exit 0

#!/bin/sh
# tui_firstframe.sh — the first screen does not wait for the full fine-tuning baseline: on
# mlp with two modules (hundreds of SVD iterations) the screen comes up at once with
# "X*: computing… N%" where the readouts that need X* are (the verdict band, the status
# panel's X* and ‖X−X*‖F rows, the ratio and spectrum panels' notes), b saying X* is being
# computed, training held at step 0 meanwhile (α̂, β̂ then begin at step 0 as run's do); then
# X* arrives, the readouts fill in (f(X*) floor, r*) and the steps go on.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 140 45 --problem mlp --modules 2
tui_wait 'RUNNING'
tui_wait 'X\*: COMPUTING… [0-9]+%'
tui_wait '│X\* +computing… [0-9]+%'
tui_wait '│‖X−X\*‖F +waits for X\*'
tui_wait 'VERDICT WAITS FOR X\*'
tui_wait '\(r\* waits for X\*: [0-9]+%\)'
tui_wait '│r / r\* / s +8 / \? / 1'
# One screen: while X* is being computed, the run is at step 0.
screen=$(tui_screen)
if echo "$screen" | grep -q 'X\*: COMPUTING'; then
	echo "$screen" | grep -Eq '│step +0 ' || fail "stepped before X* was in"
fi
tui_keys b
tui_wait 'baseline off: X\* is being computed \([0-9]+%\)'
tui_keys b
tui_wait 'baseline on: X\* is being computed|baseline shown'
# The baseline done (no time limit meant: a loaded machine is slow), the readouts fill in.
tui_wait '│f\(X\*\) floor +[0-9.e+-]+ +[0-9.e+-]+' 600
tui_wait '│r / r\* / s +8 / [0-9]+ / 1'
tui_wait '│step +[1-9]'
tui_screen | grep -q 'COMPUTING' && fail "still computing after X* arrived"
tui_screen | grep -q 'waits for X\*' && fail "a readout still waits after X* arrived"
tui_keys q
tui_wait '^EXITED 0$'
exit 0

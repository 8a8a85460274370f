#!/bin/sh
# tui_resume.sh — s saves a snapshot of the paused run (the message bar names the directory
# and the step); `lorascope --resume DIR` opens the TUI at that very step with the same
# parameters, and one step (n) takes it exactly one further; its loss equals the loss that
# `lorascope run --resume DIR --steps 1` reports at that step (the same continuation).
. "$top_srcdir/tests/e2e/tui_lib.sh"

cd "$TUI_TMP" || exit 1
tui_start 120 36 --m 12 --n 10 --rank 3 --true-rank 2 --lambda 0.07 --speed 400
tui_wait '│step +[0-9]{2,}'
tui_keys Space
tui_wait 'PAUSED'
tui_keys s
tui_wait 'snapshot of step [0-9]+ saved to lorascope-step[0-9]+/'
n=$(tui_screen | sed -n 's/.*snapshot of step \([0-9]*\) saved.*/\1/p' | head -n 1)
[ -d "lorascope-step$n" ] || fail "no directory lorascope-step$n"
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 120 36 --resume "lorascope-step$n" --paused
tui_wait "resumed lorascope-step$n at step $n"
[ "$(tui_value step)" = "$n" ] || fail "resumed at step $(tui_value step), not $n"
tui_wait '│λ +0\.07'
tui_keys n
tui_wait "one step: now at step $((n + 1))"
[ "$(tui_value step)" = "$((n + 1))" ] || fail "one step after resume: $(tui_value step)"
tui_keys q
tui_wait '^EXITED 0$'

# Parameters do not combine with --resume (they come from the snapshot), and a missing
# snapshot is refused naming it; both before the screen opens, exit 2.
tui_next
tui_start 120 36 --resume "lorascope-step$n" --lr 0.1
tui_wait '^EXITED 2$'
tui_wait 'resume takes its parameters from the snapshot'
tui_next
tui_start 120 36 --resume nowhere
tui_wait '^EXITED 2$'
tui_wait 'lorascope: .*nowhere'
exit 0

#!/bin/sh
# tui_keyhints.sh — every hint that names a key names the key --key bound to its action
# (the user's key, though the default still works), never the default letter: the start
# message and "does nothing" (help), the status panel's speed keys, the verdict panel and
# the b message without a baseline (baseline, setup), the setup title, the spectrum's hidden
# X*, the divergence message and the verdict panel's way out (lr-down, reset: long key
# names take a second line there, and the keys work), the preset's rank message (rank-down,
# rank-up), the too-small screen (quit), and in a replay the header, "not in a replay" and
# "does nothing".
. "$top_srcdir/tests/e2e/tui_lib.sh"

# Help, baseline and setup, with no baseline (--baseline off).
tui_start 110 32 --m 16 --n 16 --rank 3 --true-rank 2 --paused --baseline off \
	--key h=help --key B=baseline --key F5=setup --key u=speed-up --key v=speed-down
tui_wait 'paused; press h for help'
tui_wait '│speed \(u/v\) +max 60/s'
tui_screen | grep -q 'speed (+/-)' && fail "status panel names +/-"
tui_screen | grep -q 'press ? for help' && fail "start message names ?"
tui_wait 'VERDICT NEEDS X\* \(B\)'
tui_screen | grep -q 'VERDICT NEEDS X\* (b)' && fail "verdict panel names b"
tui_keys y
tui_wait 'key y does nothing \(h for help\)'
tui_keys B
tui_wait 'baseline o(n|ff): not computed .*; F5: baseline = on computes it'
tui_screen | grep -q 'F2: baseline' && fail "baseline message names F2"
tui_keys F5
tui_wait 'setup \(F5\): Up/Down choose'
tui_screen | grep -q 'setup (F2)' && fail "setup title names F2"
tui_keys Escape
tui_keys q
tui_wait '^EXITED 0$'

# Divergence: lr-down on F12, reset on F11. The verdict panel's hint is too long for one
# line of its 32 columns with these names: it takes two, whole.
tui_next
tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2 --lr 5 --key F12=lr-down --key F11=reset \
	--key F10=speed-up
tui_wait 'diverged.*paused; lower the step size \(F12\) and reset \(F11\)'
tui_wait '│ paused; F12 lowers eta, *│'
tui_wait '│ F11 resets *│'
tui_screen | grep -Eq '\((e|x)\)|e lowers|x resets' && fail "divergence hints name e or x"
# The speed keys' names too long for the status label: a line of their own.
tui_wait '│speed +max 60/s'
tui_wait '│  F10/- change it *│'
tui_keys n
tui_wait 'diverged: lower the step size \(F12\) and reset \(F11\)'
for i in 1 2 3 4 5 6 7 8; do tui_keys F12; done
tui_wait 'lr: 0.0390625 -> 0.0195312'
tui_keys F11
tui_wait 'reset to step 0'
tui_wait 'RUNNING'
tui_keys q
tui_wait '^EXITED 0$'

# A preset's rank message; the hidden X* in the spectrum.
tui_next
tui_start 120 40 --problem mlp --key d=rank-down --key U=rank-up --key P=problem \
	--key B=baseline
tui_wait '^ lorascope  mlp '
tui_keys P
tui_wait 'mlp -> loud5, rank 8 -> 2 \(the rank it is built for; d/U change it\)'
tui_screen | grep -q 'r/R change it' && fail "preset message names r/R"
tui_wait 'r\*=' # the baseline's X* drawn in the spectrum panel
tui_keys B
tui_wait 'X\* hidden \(B shows it\)'
tui_screen | grep -q 'X\* hidden (b' && fail "spectrum names b"
tui_keys q
tui_wait '^EXITED 0$'

# Too small a terminal: quit's key.
tui_next
tui_start 40 10 --key Q=quit
tui_wait '\(now 40x10; Q quits\)'
tui_screen | grep -q 'q quits' && fail "too-small screen names q"
tui_keys Q
tui_wait '^EXITED 0$'

# A replay: the header's moves, the message of a key that is no replay key, and of one
# that does nothing.
tui_next
(cd "$TUI_TMP" && "$LORASCOPE" run --m 12 --n 10 --rank 3 --steps 20 --every 10 --no-timing \
	--trace t.csv >/dev/null) || fail "run --trace failed"
tui_start 120 36 replay t.csv --key a=row-back --key d=row-next --key A=first --key D=last \
	--key X=quit --key h=help
tui_wait 'REPLAY'
tui_wait ' a/d A/D move  \?/F1/h help  q/X quit'
tui_screen | grep -q 'Left/Right' && fail "replay header names Left/Right"
tui_keys e
tui_wait 'lr-down: not in a replay \(a/d, S-Left/S-Right, A/D move; X quits\)'
tui_keys y
tui_wait 'key y does nothing \(h for help\)'
tui_keys D
tui_wait '│trace row +3 of 3'
tui_keys X
tui_wait '^EXITED 0$'
exit 0

#!/bin/sh
# tui_speed.sh — the speed cap: 60 steps/s by default in the header and the status, + doubles
# it, - halves it, --speed sets it, 0 is unlimited and - from unlimited caps again; under a
# cap of 4 steps/s the step count grows slowly (no more than the cap allows plus a burst).
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 120 36 --m 12 --n 10 --rank 3 --true-rank 2
tui_wait 'max 60/s'
tui_wait '│speed \(\+/-\) +max 60/s'
tui_keys +
tui_wait 'speed: at most 120 steps/s'
tui_wait '│speed \(\+/-\) +max 120/s'
tui_keys - -
tui_wait '│speed \(\+/-\) +max 30/s'
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 120 36 --m 12 --n 10 --rank 3 --true-rank 2 --speed 4
tui_wait '│speed \(\+/-\) +max 4/s'
s1=$(tui_value step)
sleep 2
s2=$(tui_value step)
[ $((s2 - s1)) -le 16 ] || fail "4 steps/s ran $((s2 - s1)) steps in about 2 s"
[ $((s2 - s1)) -ge 1 ] || fail "4 steps/s ran no step in 2 s"
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 120 36 --m 12 --n 10 --rank 3 --true-rank 2 --speed 0
tui_wait '│speed \(\+/-\) +unlimited'
tui_keys -
tui_wait 'speed: at most [0-9]+ steps/s'
tui_keys q
tui_wait '^EXITED 0$'
exit 0

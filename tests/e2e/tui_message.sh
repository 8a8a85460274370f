#!/bin/sh
# tui_message.sh — a message leaves the message line after LS_MSG_SECONDS (8 s) even while
# the run is paused and nothing else changes on screen (issue 12: messages lingered).
. "$top_srcdir/tests/e2e/tui_lib.sh"
tui_start 120 36 --m 12 --n 10 --paused
tui_wait 'PAUSED'
tui_keys l
tui_wait 'lambda: 0.5 -> 0.158'
sleep 10
tui_screen | grep -q 'lambda: 0.5 -> 0.158' && fail "message lingers while paused"
tui_keys q
tui_wait 'EXITED 0'
echo "a message goes after 8 s while paused"

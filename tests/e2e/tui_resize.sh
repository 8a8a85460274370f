#!/bin/sh
# tui_resize.sh — KEY_RESIZE: shrinking the terminal to 40×12 shows the "terminal too
# small" screen with the size needed; growing it back restores the panels; at 80 columns the
# header drops the seed and the true rank rather than the keys.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
tmux -L "$SOCK" resize-window -t 0 -x 40 -y 12
tui_wait 'terminal too small: need [0-9]+x[0-9]+'
tui_screen | grep -q 'regime and verdict' && fail "panels drawn on a too-small screen"
tmux -L "$SOCK" resize-window -t 0 -x 100 -y 30
tui_wait 'regime and verdict'
tui_wait 'status'
tui_screen | grep -q 'too small' && fail "too-small message left after growing"
# The layout follows the new size: the header spans the 100 columns again.
tui_screen | head -n 1 | grep -q 'lorascope' || fail "no header after resize"
tui_screen | head -n 1 | grep -q 'true rank 2  seed 1  RUNNING' || fail "wide header incomplete"
# At 80 columns the header keeps the keys whole: the seed and the true rank give way.
tmux -L "$SOCK" resize-window -t 0 -x 80 -y 24
tui_wait '^ lorascope  approx 16x16  RUNNING  max 60/s  \?/F1 help  F2 setup  q quit *$'
tui_keys q
tui_wait '^EXITED 0$'
exit 0

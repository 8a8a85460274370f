#!/bin/sh
# tui_color.sh — colour by default on a colour terminal; NO_COLOR=1 and --no-color give a
# screen without colour attributes (bold/reverse only), checked on tmux's escapes.
. "$top_srcdir/tests/e2e/tui_lib.sh"

# SGR colour codes in tmux's capture: 3x/4x/9x/10x foreground/background, 38;/48; forms.
ESC=$(printf '\033')
has_colour() {
	tui_screen -e | grep -Eq "$ESC\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;|48;)"
}

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
has_colour || fail "no colour on a colour terminal (the check could not fail otherwise)"
tui_keys q
tui_wait '^EXITED 0$'
tui_next

tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 30 \
	"cd '$TUI_TMP' && NO_COLOR=1 '$LORASCOPE' --m 16 --n 16 --rank 3 --true-rank 2; echo EXITED \$?; sleep 60"
tui_wait 'regime and verdict'
sleep 0.3
has_colour && fail "NO_COLOR=1: colour attributes on screen"
tui_keys q
tui_wait '^EXITED 0$'
tui_next

tui_start 100 30 --no-color --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
sleep 0.3
has_colour && fail "--no-color: colour attributes on screen"
tui_keys q
tui_wait '^EXITED 0$'
exit 0

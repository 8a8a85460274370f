#!/bin/sh
# tui_nocolor.sh — without colour (NO_COLOR) every curve of the loss panel has its own line
# style, shown in the legend as drawn: braille, blocks and ASCII (issue 12).
. "$top_srcdir/tests/e2e/tui_lib.sh"

legend_check() {
	top=$(tui_screen | sed -n 2p)
	for item in "$@"; do
		echo "$top" | grep -qF -- "$item" || fail "legend lacks '$item': $top"
	done
}

tmux -L "$SOCK" -f /dev/null new-session -d -x 110 -y 30 \
	"cd '$TUI_TMP' && NO_COLOR=1 '$LORASCOPE' --no-config --seed 1; echo EXITED \$?; sleep 60"
tmux -L "$SOCK" set-option -g status off >/dev/null
tui_wait 'regime and verdict'
tui_wait 'floor'
legend_check '⠒⠒⠒⠒ g(A,B)' '⠒⠒⠒  f(X)' '⠒ ⠒  f(X*)' '⠂ ⠂  floor'
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 110 30 --no-color --blocks --no-config --seed 1
tui_wait 'floor'
legend_check '▀▀▀▀ g(A,B)' '▀▀▀  f(X)' '▀ ▀  f(X*)' '▘ ▘  floor'
tui_keys q
tui_wait '^EXITED 0$'

tui_next
tui_start 110 30 --no-color --ascii --no-config --seed 1
tui_wait 'floor'
legend_check '++++ g(A,B)' '**** f(X)' 'oo   f(X*)' '#    floor'
tui_keys q
tui_wait '^EXITED 0$'

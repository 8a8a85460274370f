#!/bin/sh
# tui_terminal.sh — terminals as issue 12 asks: a terminal that cannot address the cursor
# (TERM=dumb) is refused with one line pointing to `lorascope run`, exit 2; escape sequences
# curses does not know (Shift-F3 as ESC[1;2R under TERM=screen) and Alt-r are whole keys that
# do nothing (their trailing R/r never changes the rank); SIGHUP exits 129.
. "$top_srcdir/tests/e2e/tui_lib.sh"

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2 --baseline off
tui_wait 'RUNNING'
rank() { tui_screen | sed -n 's/.*│r \/ r\* \/ s *\([0-9]*\) .*/\1/p' | head -n 1; }
tui_wait '│r / r\* / s +3 '
tui_keys -l "$(printf '\033[1;2R')"
tui_keys M-r
tui_keys -l "$(printf '\033OR')"
sleep 1
[ "$(rank)" = 3 ] || fail "an escape sequence changed the rank to $(rank)"
# The keys themselves still work: R raises the rank.
tui_keys R
tui_wait '│r / r\* / s +4 '
pid=$(pgrep -P "$(tmux -L "$SOCK" display -p '#{pane_pid}')" lorascope | head -n 1)
[ -n "$pid" ] || fail "no lorascope process"
kill -HUP "$pid"
tui_wait '^EXITED 129$'
tui_next

# A dumb terminal: one line on stderr, exit 2, before any screen.
tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 30 \
	"cd '$TUI_TMP' && TERM=dumb '$LORASCOPE' 2>err; echo EXITED \$?; sleep 60"
tui_wait '^EXITED 2$'
[ "$(wc -l <"$TUI_TMP/err")" -eq 1 ] || fail "dumb terminal: $(cat "$TUI_TMP/err")"
grep -q "terminal 'dumb' cannot move the cursor; use .lorascope run." "$TUI_TMP/err" ||
	fail "dumb terminal: $(cat "$TUI_TMP/err")"
echo "dumb terminal refused; unknown escape sequences and Alt-r ignored; SIGHUP exits 129"

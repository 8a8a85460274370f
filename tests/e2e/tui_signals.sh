#!/bin/sh
# tui_signals.sh — the terminal is restored and the program stops on SIGTERM, SIGINT
# (Ctrl-C) and SIGHUP (the pane is killed: no process left spinning); Ctrl-Z during a
# refresh stops it (fg resumes).
. "$top_srcdir/tests/e2e/tui_lib.sh"

pid_of() {
	tmux -L "$SOCK" list-panes -F '#{pane_pid}' | head -n 1
}

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
shell=$(pid_of)
prog=$(pgrep -P "$shell" -x lorascope | head -n 1)
[ -n "$prog" ] || fail "no lorascope process"
kill -TERM "$prog"
tui_wait '^EXITED 143$'
tui_screen | grep -q 'status' && fail "screen not restored after SIGTERM"
tui_next

tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
tui_keys C-c
tui_wait '^EXITED 130$'
tui_screen | grep -q 'status' && fail "screen not restored after Ctrl-C"
tui_next

# Ctrl-Z while a frame is being written (curses ignores SIGTSTP during a refresh): the
# program still stops, once the frame is out; fg brings the screen back and q quits.
tmux -L "$SOCK" -f /dev/null new-session -d -x 100 -y 30 "cd '$TUI_TMP' && sh"
tmux -L "$SOCK" set-option -g status off >/dev/null
tmux -L "$SOCK" send-keys "'$LORASCOPE' --no-config" Enter
tui_wait 'RUNNING'
prog=$(pgrep -P "$(pid_of)" -x lorascope | head -n 1)
[ -n "$prog" ] || fail "no lorascope process"
if tui_tstp_in_write "$prog"; then
	tui_wait 'Stopped'
	tui_fg_quit Stopped
else
	echo "cannot see the program's system call: Ctrl-Z during a refresh not checked"
fi
tui_next

# Hang-up: kill the pane; the program must exit by itself within a few seconds.
tui_start 100 30 --m 16 --n 16 --rank 3 --true-rank 2
tui_wait 'regime and verdict'
shell=$(pid_of)
prog=$(pgrep -P "$shell" -x lorascope | head -n 1)
[ -n "$prog" ] || fail "no lorascope process"
tui_next
i=0
while kill -0 "$prog" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		kill -KILL "$prog"
		echo "FAIL: still running 5 s after hang-up"
		exit 1
	fi
	sleep 0.1
done
exit 0
